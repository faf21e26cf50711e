//! Validation errors that name the field, in Vietnamese and English.

use serde::Serialize;

/// One problem with one field of an input.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Machine name of the field (`registration_number`, `commune_code`…).
    pub field: String,
    /// Stable code an API client can switch on (`required`, `invalid_checksum`…).
    pub code: &'static str,
    /// Message shown to Vietnamese users.
    pub message: String,
    /// The same message in English, for API clients.
    pub message_en: String,
}

/// All problems found in one input. Empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(
        &mut self,
        field: &str,
        code: &'static str,
        message: impl Into<String>,
        message_en: impl Into<String>,
    ) {
        self.0.push(FieldError {
            field: field.to_string(),
            code,
            message: message.into(),
            message_en: message_en.into(),
        });
    }

    pub fn required(&mut self, field: &str, label: &str) {
        self.add(
            field,
            "required",
            format!("{label} là bắt buộc."),
            format!("{field} is required."),
        );
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn for_field(&self, field: &str) -> Option<&FieldError> {
        self.0.iter().find(|e| e.field == field)
    }

    /// `Ok(value)` when no error was recorded.
    pub fn into_result<T>(self, value: T) -> Result<T, ValidationErrors> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl std::fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        write!(f, "{}", parts.join("; "))
    }
}

impl std::error::Error for ValidationErrors {}

/// One problem in an import file. `line` 0 means the file as a whole.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineError {
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl LineError {
    pub fn new(line: usize, field: &str, message: impl Into<String>) -> Self {
        Self {
            line,
            field: field.to_string(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(
                f,
                "Dòng {}, cột {}: {}",
                self.line, self.field, self.message
            )
        }
    }
}
