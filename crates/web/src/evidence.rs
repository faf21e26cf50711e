//! Evidence files of a dossier on the web: upload (a form on the dossier's
//! page, and the API), the list, download, removal. The checks are the
//! domain's (`ocop_domain::evidence`); the bytes go to the file store by
//! content hash before the row is recorded.

use crate::dossiers::{load, scope_of};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::pages::products::{api_multipart, read_upload};
use crate::pages::{csrf_of, error_page, see_other, FormMap, OrPage, PageResult};
use crate::session::User;
use crate::State;
use axum::extract::{Multipart, Path, State as S};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Form, Json, Router};
use ocop_domain::auth::{authorize, Action};
use ocop_store::evidence::EvidenceRow;

pub fn routes() -> Router<State> {
    Router::new()
        .route("/ho-so/{id}/minh-chung", post(upload_page))
        .route("/ho-so/{id}/minh-chung/{eid}", get(download))
        .route("/ho-so/{id}/minh-chung/{eid}/xoa", post(remove_page))
        .route(
            "/api/v1/dossiers/{id}/evidence",
            get(api_list).post(api_upload),
        )
        .route("/api/v1/dossiers/{id}/evidence/{eid}", delete(api_remove))
}

/// Evidence may be added until the council closes scoring (the advisory
/// team may ask for more), and removed only while the dossier is still
/// the producer's (before the commune forwards it).
pub(crate) fn may_add(status: &str) -> bool {
    matches!(
        status,
        "draft" | "submitted" | "returned" | "forwarded" | "in_round"
    )
}

pub(crate) fn may_remove(status: &str) -> bool {
    matches!(status, "draft" | "submitted" | "returned")
}

fn closed(message: &str) -> AppError {
    AppError::Conflict {
        field: "status".into(),
        message: message.into(),
        message_en: "Not allowed in the dossier's current state.".into(),
    }
}

async fn upload(
    state: &State,
    user: &User,
    id: i64,
    criterion: &str,
    file: Option<(String, Vec<u8>)>,
) -> AppResult<i64> {
    let d = load(state, user, id).await?;
    let cap = authorize(&user.actor, Action::FileDossier, &scope_of(&d.dossier))?;
    if !may_add(&d.dossier.status) {
        return Err(closed(
            "Hồ sơ đã chấm xong: không bổ sung tài liệu minh chứng được nữa.",
        ));
    }
    let sheet = crate::rounds::sheet_of(&d.dossier)?;
    let (name, bytes) = file.unwrap_or_default();
    let checked = ocop_domain::evidence::check(sheet, criterion, &name, &bytes)?;
    let sha = state
        .files
        .put(&bytes)
        .await
        .map_err(|e| AppError::Internal(format!("evidence file: {e}")))?;
    Ok(state
        .store
        .add_evidence(&cap, id, &checked, bytes.len(), &sha)
        .await?)
}

async fn remove(state: &State, user: &User, id: i64, eid: i64) -> AppResult<()> {
    let d = load(state, user, id).await?;
    let cap = authorize(&user.actor, Action::FileDossier, &scope_of(&d.dossier))?;
    if !may_remove(&d.dossier.status) {
        return Err(closed(
            "Hồ sơ đã chuyển lên tỉnh: tài liệu minh chứng không gỡ được nữa.",
        ));
    }
    Ok(state.store.remove_evidence(&cap, id, eid).await?)
}

// ---------- API ----------

/// A dossier's evidence files, for whoever may read the dossier (its
/// producer, commune and province, the council's members).
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/evidence", tag = "dossiers", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<EvidenceRow>), (status = 404, body = ErrorBody)))]
pub async fn api_list(S(state): S<State>, user: User, Path(id): Path<i64>) -> Response {
    let listed = async {
        load(&state, &user, id).await?;
        Ok::<_, AppError>(state.store.evidence_of(id).await?)
    }
    .await;
    match listed {
        Ok(rows) => Json(rows).into_response(),
        Err(e) => e.json(),
    }
}

/// Attach an evidence file (multipart: `criterion`, the id of a criterion
/// of the dossier's sheet or empty for the whole dossier, and `file`, a PDF
/// or a JPEG/PNG/WebP image of at most 10 MB, its type read from its bytes).
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/evidence", tag = "dossiers", params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", description = "criterion, file"),
    responses((status = 201, body = EvidenceRow), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_upload(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let added = async {
        let (fields, file) = read_upload(api_multipart(mp)?, "file").await?;
        let criterion = fields.get("criterion").cloned().unwrap_or_default();
        let eid = upload(&state, &user, id, &criterion, file).await?;
        Ok::<_, AppError>(state.store.evidence(id, eid).await?)
    }
    .await;
    match added {
        Ok(row) => (StatusCode::CREATED, Json(row)).into_response(),
        Err(e) => e.json(),
    }
}

/// Remove an evidence file, while the dossier has not been forwarded.
#[utoipa::path(delete, path = "/api/v1/dossiers/{id}/evidence/{eid}", tag = "dossiers",
    params(("id" = i64, Path), ("eid" = i64, Path)),
    responses((status = 204), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn api_remove(
    S(state): S<State>,
    user: User,
    Path((id, eid)): Path<(i64, i64)>,
) -> Response {
    match remove(&state, &user, id, eid).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.json(),
    }
}

// ---------- pages ----------

pub(crate) async fn upload_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    mp: Multipart,
) -> PageResult {
    let (fields, file) = read_upload(mp, "file").await.or_page(&state, Some(&user))?;
    user.check_csrf(csrf_of(&fields))
        .or_page(&state, Some(&user))?;
    let criterion = fields.get("criterion").cloned().unwrap_or_default();
    match upload(&state, &user, id, &criterion, file).await {
        Ok(_) => Ok(see_other(&format!(
            "/ho-so/{id}?tb=da-tai-minh-chung#minh-chung"
        ))),
        Err(e) => Err(error_page(&state, Some(&user), e)),
    }
}

pub(crate) async fn remove_page(
    S(state): S<State>,
    user: User,
    Path((id, eid)): Path<(i64, i64)>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    remove(&state, &user, id, eid)
        .await
        .or_page(&state, Some(&user))?;
    Ok(see_other(&format!(
        "/ho-so/{id}?tb=da-go-minh-chung#minh-chung"
    )))
}

/// The file, for whoever may read the dossier: its sniffed type, as an
/// attachment, never rendered as a page (sandboxing CSP).
pub(crate) async fn download(
    S(state): S<State>,
    user: User,
    Path((id, eid)): Path<(i64, i64)>,
) -> Response {
    let found = async {
        load(&state, &user, id).await?;
        let row = state.store.evidence(id, eid).await?;
        let bytes = state
            .files
            .get(&row.sha256)
            .await
            .map_err(|e| AppError::Internal(format!("evidence file {}: {e}", row.sha256)))?;
        Ok::<_, AppError>((row, bytes))
    }
    .await;
    match found {
        Ok((row, bytes)) => file_response(
            &row.content_type,
            Some((&format!("minh-chung-{eid}"), &row.filename)),
            false,
            bytes,
        ),
        Err(e) => error_page(&state, Some(&user), e),
    }
}

/// A stored file as an answer: its sniffed type, never rendered as a page
/// (sandboxing CSP). `attachment` is (ASCII fallback name, real name) for a
/// download; `None` shows it inline (a photo). Public files may be cached.
pub(crate) fn file_response(
    content_type: &str,
    attachment: Option<(&str, &str)>,
    public: bool,
    bytes: Vec<u8>,
) -> Response {
    let disposition = match attachment {
        Some((fallback, name)) => format!(
            "attachment; filename=\"{fallback}\"; filename*=UTF-8''{}",
            crate::session::urlencode(name).replace('/', "%2F")
        ),
        None => "inline".to_string(),
    };
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_string(),
            ),
            (
                header::CACHE_CONTROL,
                if public {
                    "public, max-age=86400"
                } else {
                    "private, no-store"
                }
                .to_string(),
            ),
        ],
        bytes,
    )
        .into_response()
}
