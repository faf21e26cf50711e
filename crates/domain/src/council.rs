//! A council's composition (Decision 26/2026 Art. 7.3.b, 7.4.b): a chair
//! from the people's committee (or the ministry's leadership); members
//! representing the departments (Sở Nông nghiệp và Môi trường, Công Thương,
//! Y tế, Khoa học và Công nghệ, Văn hoá, Thể thao và Du lịch…, or the
//! ministries at the centre); and, when the chair so decides, invited OCOP
//! experts and representatives of associations and other organisations.

use crate::error::ValidationErrors;
use crate::text::clean;
use serde::{Deserialize, Serialize};

/// In what capacity a member sits on the council.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Capacity {
    /// Representing a department or ministry, as the decision lists them.
    Department,
    /// An invited OCOP expert, or an association's or organisation's representative.
    Invited,
}

impl Capacity {
    pub const ALL: [Capacity; 2] = [Capacity::Department, Capacity::Invited];
    pub fn code(self) -> &'static str {
        match self {
            Capacity::Department => "department",
            Capacity::Invited => "invited",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Capacity::Department => "Đại diện sở, ngành",
            Capacity::Invited => "Chuyên gia, tổ chức được mời",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "" => Some(Capacity::Department),
            s => Self::ALL.into_iter().find(|c| c.code() == s),
        }
    }
}

/// A member's seat: the organisation represented and the capacity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Seat {
    pub chair: bool,
    pub organisation: String,
    pub capacity: Capacity,
}

/// The longest organisation name accepted.
const ORGANISATION_MAX_CHARS: usize = 200;

/// Check a seat as entered: `capacity` department (default) or invited;
/// the organisation is free text (e.g. "Sở Công Thương").
pub fn seat(chair: bool, organisation: &str, capacity: &str) -> Result<Seat, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let capacity = Capacity::parse(capacity);
    if capacity.is_none() {
        errors.add(
            "capacity",
            "invalid_choice",
            "Chọn tư cách thành viên: đại diện sở, ngành hoặc chuyên gia, tổ chức được mời.",
            "capacity must be department or invited.",
        );
    }
    let organisation = clean(organisation);
    if organisation.chars().count() > ORGANISATION_MAX_CHARS {
        errors.add(
            "organisation",
            "too_long",
            format!("Tên đơn vị dài quá {ORGANISATION_MAX_CHARS} ký tự."),
            format!("organisation is longer than {ORGANISATION_MAX_CHARS} characters."),
        );
    }
    errors.into_result(())?;
    Ok(Seat {
        chair,
        organisation,
        capacity: capacity.expect("checked"),
    })
}

/// How a member is named in the council's minutes and the round's page.
pub fn role_text(s: &Seat) -> String {
    let what = if s.chair {
        "Chủ tịch hội đồng"
    } else {
        match s.capacity {
            Capacity::Department => "Thành viên",
            Capacity::Invited => "Thành viên mời",
        }
    };
    if s.organisation.is_empty() {
        what.to_string()
    } else {
        format!("{what} — {}", s.organisation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seats_are_checked_and_named() {
        let s = seat(false, "  Sở Công   Thương ", "").unwrap();
        assert_eq!(s.capacity, Capacity::Department);
        assert_eq!(role_text(&s), "Thành viên — Sở Công Thương");
        let e = seat(false, &"x".repeat(201), "guest").unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(fields, vec!["capacity", "organisation"]);
        let expert = seat(false, "Hiệp hội Thực phẩm minh bạch", "invited").unwrap();
        assert_eq!(
            role_text(&expert),
            "Thành viên mời — Hiệp hội Thực phẩm minh bạch"
        );
        assert_eq!(role_text(&seat(true, "", "").unwrap()), "Chủ tịch hội đồng");
    }
}
