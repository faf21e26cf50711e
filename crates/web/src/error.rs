//! The web layer's error: one type, rendered as an HTML page or as JSON
//! (`{"error": {"code", "message", "message_en", "fields"}}`) for the API.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ocop_domain::auth::Denied;
use ocop_domain::error::{FieldError, LineError};
use ocop_domain::ValidationErrors;
use ocop_store::StoreError;
use serde::Serialize;

#[derive(Debug)]
pub enum AppError {
    /// Not logged in.
    Unauthenticated,
    Forbidden(String),
    NotFound(String),
    Invalid(ValidationErrors),
    /// An import with line errors.
    ImportRejected(Vec<LineError>),
    Conflict {
        field: String,
        message: String,
        message_en: String,
    },
    BadRequest {
        code: &'static str,
        message: String,
        message_en: String,
    },
    TooManyRequests(String),
    /// A request body over [`crate::MAX_BODY_BYTES`].
    TooLarge,
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable code.
    pub code: String,
    /// Vietnamese message.
    pub message: String,
    /// English message.
    pub message_en: String,
    /// Per-field problems, when the input was invalid.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    /// Per-line problems, when an import was rejected.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<LineError>,
}

impl AppError {
    pub fn bad_request(
        code: &'static str,
        message: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        AppError::BadRequest {
            code,
            message: message.into(),
            message_en: message_en.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Invalid(_) | AppError::ImportRejected(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The whole error as one Vietnamese sentence for a form's banner: the
    /// messages of every field at fault, or the general message when no
    /// field is named.
    pub fn summary(&self) -> String {
        let d = self.detail();
        let parts: Vec<String> = d.fields.into_iter().map(|f| f.message).collect();
        if parts.is_empty() {
            d.message
        } else {
            parts.join(" ")
        }
    }

    pub fn detail(&self) -> ErrorDetail {
        let (code, message, message_en): (&str, String, String) = match self {
            AppError::Unauthenticated => (
                "unauthenticated",
                "Bạn cần đăng nhập.".into(),
                "Login required.".into(),
            ),
            AppError::Forbidden(m) => ("forbidden", m.clone(), "Not allowed.".into()),
            AppError::NotFound(what) => (
                "not_found",
                format!("Không tìm thấy {what}."),
                // `what` is Vietnamese; the English twin stays generic rather
                // than mixing the two languages in one sentence.
                "Not found.".into(),
            ),
            AppError::Invalid(_) => (
                "invalid",
                "Dữ liệu chưa hợp lệ, xem từng trường.".into(),
                "Invalid input; see fields.".into(),
            ),
            AppError::ImportRejected(lines) => (
                "import_rejected",
                format!("Tệp bị từ chối: {} lỗi, không có gì được ghi.", lines.len()),
                format!("File rejected: {} problems, nothing written.", lines.len()),
            ),
            AppError::Conflict {
                message,
                message_en,
                ..
            } => ("conflict", message.clone(), message_en.clone()),
            AppError::BadRequest {
                code,
                message,
                message_en,
            } => (code, message.clone(), message_en.clone()),
            AppError::TooManyRequests(m) => (
                "too_many_requests",
                m.clone(),
                "Too many attempts; wait and retry.".into(),
            ),
            AppError::TooLarge => (
                "too_large",
                format!(
                    "Dữ liệu gửi lên lớn hơn {} MB.",
                    crate::MAX_BODY_BYTES / (1024 * 1024)
                ),
                format!(
                    "Request body larger than {} MB.",
                    crate::MAX_BODY_BYTES / (1024 * 1024)
                ),
            ),
            AppError::Internal(_) => (
                "internal",
                "Lỗi hệ thống; đã ghi nhận. Vui lòng thử lại.".into(),
                "Internal error.".into(),
            ),
        };
        let fields = match self {
            AppError::Invalid(v) => v.0.clone(),
            AppError::Conflict {
                field,
                message,
                message_en,
            } => vec![FieldError {
                field: field.clone(),
                code: "conflict",
                message: message.clone(),
                message_en: message_en.clone(),
            }],
            _ => Vec::new(),
        };
        let lines = match self {
            AppError::ImportRejected(l) => l.clone(),
            _ => Vec::new(),
        };
        ErrorDetail {
            code: code.to_string(),
            message,
            message_en,
            fields,
            lines,
        }
    }

    /// The JSON form, for the API.
    pub fn json(self) -> Response {
        if let AppError::Internal(e) = &self {
            tracing::error!(error = %e, "internal error");
        }
        (
            self.status(),
            axum::Json(ErrorBody {
                error: self.detail(),
            }),
        )
            .into_response()
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(v) => AppError::Invalid(v),
            StoreError::NotFound(what) => AppError::NotFound(what.to_string()),
            StoreError::Conflict {
                field,
                message,
                message_en,
            } => AppError::Conflict {
                field,
                message,
                message_en,
            },
            StoreError::Forbidden(m) => AppError::Forbidden(m),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<ocop_search::SearchError> for AppError {
    fn from(e: ocop_search::SearchError) -> Self {
        match e {
            ocop_search::SearchError::Store(e) => e.into(),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<Denied> for AppError {
    fn from(d: Denied) -> Self {
        AppError::Forbidden(d.message)
    }
}

impl From<ValidationErrors> for AppError {
    fn from(v: ValidationErrors) -> Self {
        AppError::Invalid(v)
    }
}

/// Errors from HTML handlers are rendered as a page by [`crate::pages`]'s
/// wrapper; this plain conversion is the fallback (API-style JSON).
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.json()
    }
}
