//! Stars and certificates: 3★–5★ products get a recognition decision and a
//! certificate valid 36 months from issue (Decision 26/2026).

use crate::error::ValidationErrors;
use crate::text::clean;
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// Months a certificate stays valid.
pub const VALIDITY_MONTHS: u32 = 36;
/// A certificate is "expiring soon" inside the re-evaluation window (filed 180–120 days before expiry).
pub const EXPIRING_SOON_DAYS: i64 = 180;

pub fn expiry_of(issued_on: NaiveDate) -> NaiveDate {
    issued_on
        .checked_add_months(Months::new(VALIDITY_MONTHS))
        .expect("date within range")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    Valid,
    ExpiringSoon,
    /// Past its expiry but still in force: its re-evaluation is pending
    /// (Decision 26/2026 Art. 12.3, at most 180 days).
    Extended,
    Expired,
    Revoked,
    /// Replaced by a later certificate of the same product (upgrade or re-evaluation).
    Superseded,
}

impl CertificateStatus {
    pub const ALL: [CertificateStatus; 6] = [
        CertificateStatus::Valid,
        CertificateStatus::ExpiringSoon,
        CertificateStatus::Extended,
        CertificateStatus::Expired,
        CertificateStatus::Revoked,
        CertificateStatus::Superseded,
    ];

    /// Whether the product may carry the OCOP mark on this certificate.
    pub fn in_force(self) -> bool {
        matches!(
            self,
            CertificateStatus::Valid
                | CertificateStatus::ExpiringSoon
                | CertificateStatus::Extended
        )
    }

    pub fn code(self) -> &'static str {
        match self {
            CertificateStatus::Valid => "valid",
            CertificateStatus::ExpiringSoon => "expiring_soon",
            CertificateStatus::Extended => "extended",
            CertificateStatus::Expired => "expired",
            CertificateStatus::Revoked => "revoked",
            CertificateStatus::Superseded => "superseded",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            CertificateStatus::Valid => "Còn hiệu lực",
            CertificateStatus::ExpiringSoon => "Sắp hết hạn",
            CertificateStatus::Extended => "Đang gia hạn chờ kết quả đánh giá lại",
            CertificateStatus::Expired => "Hết hạn",
            CertificateStatus::Revoked => "Đã thu hồi",
            CertificateStatus::Superseded => "Đã được thay bằng giấy chứng nhận mới",
        }
    }
}

/// The status of a certificate on a given day. `extended_until` is the last
/// day it runs past `expires_on` while its re-evaluation is pending.
pub fn status_on(
    expires_on: NaiveDate,
    extended_until: Option<NaiveDate>,
    revoked_on: Option<NaiveDate>,
    today: NaiveDate,
) -> CertificateStatus {
    if revoked_on.is_some_and(|d| d <= today) {
        CertificateStatus::Revoked
    } else if today > expires_on {
        if extended_until.is_some_and(|e| today <= e) {
            CertificateStatus::Extended
        } else {
            CertificateStatus::Expired
        }
    } else if (expires_on - today).num_days() <= EXPIRING_SOON_DAYS {
        CertificateStatus::ExpiringSoon
    } else {
        CertificateStatus::Valid
    }
}

/// Who recognises a rank (Decision 26/2026): the provincial chairman 3★–4★, the ministry 5★.
pub fn recognising_level(stars: u8) -> Option<&'static str> {
    match stars {
        3 | 4 => Some("province"),
        5 => Some("ministry"),
        _ => None,
    }
}

/// The six grounds of revocation (thu hồi) of Decision 26/2026.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RevocationGround {
    FalseDossier,
    CriteriaNotMet,
    LegalViolation,
    MarkMisuse,
    ProductionStopped,
    OtherFinding,
}

impl RevocationGround {
    pub const ALL: [RevocationGround; 6] = [
        RevocationGround::FalseDossier,
        RevocationGround::CriteriaNotMet,
        RevocationGround::LegalViolation,
        RevocationGround::MarkMisuse,
        RevocationGround::ProductionStopped,
        RevocationGround::OtherFinding,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RevocationGround::FalseDossier => "false_dossier",
            RevocationGround::CriteriaNotMet => "criteria_not_met",
            RevocationGround::LegalViolation => "legal_violation",
            RevocationGround::MarkMisuse => "mark_misuse",
            RevocationGround::ProductionStopped => "production_stopped",
            RevocationGround::OtherFinding => "other_finding",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RevocationGround::FalseDossier => "Hồ sơ đánh giá, phân hạng không trung thực, giả mạo",
            RevocationGround::CriteriaNotMet => "Sản phẩm không còn đáp ứng tiêu chí của hạng sao đã công nhận",
            RevocationGround::LegalViolation => {
                "Vi phạm pháp luật về chất lượng, an toàn thực phẩm, môi trường, sở hữu trí tuệ hoặc ghi nhãn"
            }
            RevocationGround::MarkMisuse => "Sử dụng biểu trưng OCOP không đúng quy định",
            RevocationGround::ProductionStopped => "Chủ thể ngừng sản xuất, kinh doanh sản phẩm",
            RevocationGround::OtherFinding => "Kết luận khác của cơ quan có thẩm quyền",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.code() == s.trim())
    }
}

/// A revocation as requested: the ground, its details, and the day it takes effect.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RevocationInput {
    /// One of false_dossier, criteria_not_met, legal_violation, mark_misuse, production_stopped, other_finding.
    pub ground: String,
    /// The decision number and the facts (required).
    pub detail: String,
    /// dd/mm/yyyy; empty means today.
    pub revoked_on: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Revocation {
    pub ground: RevocationGround,
    pub detail: String,
    pub revoked_on: NaiveDate,
}

impl Revocation {
    /// The text stored and shown on the verification page.
    pub fn ground_text(&self) -> String {
        format!("{} — {}", self.ground.label(), self.detail)
    }
}

impl RevocationInput {
    pub fn validate(
        &self,
        issued_on: NaiveDate,
        today: NaiveDate,
    ) -> Result<Revocation, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let ground = RevocationGround::parse(&self.ground);
        if ground.is_none() {
            errors.add(
                "ground",
                "invalid_choice",
                "Chọn một trong sáu căn cứ thu hồi.",
                "ground must be one of the six grounds.",
            );
        }
        let detail = clean(&self.detail);
        if detail.is_empty() {
            errors.required("detail", "Số quyết định thu hồi và nội dung");
        }
        let revoked_on = if self.revoked_on.trim().is_empty() {
            Some(today)
        } else {
            match parse_date(&self.revoked_on) {
                Some(d) if d < issued_on => {
                    errors.add(
                        "revoked_on",
                        "out_of_range",
                        "Ngày thu hồi không được trước ngày cấp giấy chứng nhận.",
                        "revoked_on is before the issue date.",
                    );
                    None
                }
                Some(d) if d > today => {
                    errors.add(
                        "revoked_on",
                        "in_future",
                        "Ngày thu hồi không được sau hôm nay.",
                        "revoked_on cannot be in the future.",
                    );
                    None
                }
                Some(d) => Some(d),
                None => {
                    errors.add(
                        "revoked_on",
                        "invalid_format",
                        "Ngày thu hồi phải có dạng ngày/tháng/năm.",
                        "revoked_on must be dd/mm/yyyy.",
                    );
                    None
                }
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Revocation {
            ground: ground.expect("checked"),
            detail,
            revoked_on: revoked_on.expect("checked"),
        })
    }
}

/// A certificate issued before this system, recorded so that a province can
/// start with its real portfolio.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LegacyCertificateInput {
    pub stars: String,
    pub decision_number: String,
    pub issuer: String,
    /// dd/mm/yyyy or yyyy-mm-dd.
    pub issued_on: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegacyCertificate {
    pub stars: u8,
    pub decision_number: String,
    pub issuer: String,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
}

/// Parse `dd/mm/yyyy` (how officials write dates) or ISO `yyyy-mm-dd`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d"))
        .ok()
}

pub fn format_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

impl LegacyCertificateInput {
    pub fn is_empty(&self) -> bool {
        [
            &self.stars,
            &self.decision_number,
            &self.issuer,
            &self.issued_on,
        ]
        .iter()
        .all(|s| s.trim().is_empty())
    }

    pub fn validate(&self, today: NaiveDate) -> Result<LegacyCertificate, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let stars = match self.stars.trim().trim_end_matches('★').trim().parse::<u8>() {
            Ok(s @ 3..=5) => s,
            _ => {
                errors.add(
                    "stars",
                    "out_of_range",
                    "Hạng sao của giấy chứng nhận phải là 3, 4 hoặc 5.",
                    "stars must be 3, 4 or 5.",
                );
                0
            }
        };
        let decision_number = clean(&self.decision_number);
        if decision_number.is_empty() {
            errors.required("decision_number", "Số quyết định công nhận");
        }
        let issuer = clean(&self.issuer);
        if issuer.is_empty() {
            errors.required("issuer", "Cơ quan ban hành");
        }
        let issued_on = match parse_date(&self.issued_on) {
            Some(d) if d > today => {
                errors.add(
                    "issued_on",
                    "in_future",
                    "Ngày cấp không được sau hôm nay.",
                    "issued_on cannot be in the future.",
                );
                None
            }
            Some(d) if d < NaiveDate::from_ymd_opt(2018, 1, 1).expect("valid") => {
                errors.add(
                    "issued_on",
                    "out_of_range",
                    "Ngày cấp trước năm 2018, khi Chương trình OCOP chưa bắt đầu.",
                    "issued_on is before 2018, when OCOP started.",
                );
                None
            }
            Some(d) => Some(d),
            None => {
                errors.add(
                    "issued_on",
                    "invalid_format",
                    "Ngày cấp phải có dạng ngày/tháng/năm, ví dụ 15/03/2024.",
                    "issued_on must be dd/mm/yyyy.",
                );
                None
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let issued_on = issued_on.expect("checked");
        Ok(LegacyCertificate {
            stars,
            decision_number,
            issuer,
            issued_on,
            expires_on: expiry_of(issued_on),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn expiry_is_36_months() {
        assert_eq!(expiry_of(d(2024, 3, 15)), d(2027, 3, 15));
        // End of month clamps (29 Feb + 36 months = 28 Feb).
        assert_eq!(expiry_of(d(2024, 2, 29)), d(2027, 2, 28));
    }

    #[test]
    fn statuses() {
        let exp = d(2027, 3, 15);
        assert_eq!(
            status_on(exp, None, None, d(2026, 1, 1)),
            CertificateStatus::Valid
        );
        assert_eq!(
            status_on(exp, None, None, d(2026, 11, 1)),
            CertificateStatus::ExpiringSoon
        );
        assert_eq!(
            status_on(exp, None, None, d(2027, 3, 15)),
            CertificateStatus::ExpiringSoon
        );
        assert_eq!(
            status_on(exp, None, None, d(2027, 3, 16)),
            CertificateStatus::Expired
        );
        assert_eq!(
            status_on(exp, None, Some(d(2026, 5, 1)), d(2026, 6, 1)),
            CertificateStatus::Revoked
        );
    }

    #[test]
    fn an_extension_keeps_a_certificate_in_force_to_its_last_day() {
        let exp = d(2027, 3, 15);
        let ext = Some(d(2027, 9, 11));
        assert_eq!(
            status_on(exp, ext, None, d(2027, 3, 1)),
            CertificateStatus::ExpiringSoon
        );
        assert_eq!(
            status_on(exp, ext, None, d(2027, 3, 16)),
            CertificateStatus::Extended
        );
        assert_eq!(
            status_on(exp, ext, None, d(2027, 9, 11)),
            CertificateStatus::Extended
        );
        assert_eq!(
            status_on(exp, ext, None, d(2027, 9, 12)),
            CertificateStatus::Expired
        );
        assert_eq!(
            status_on(exp, ext, Some(d(2027, 4, 1)), d(2027, 4, 2)),
            CertificateStatus::Revoked
        );
        assert!(CertificateStatus::Extended.in_force());
        assert!(!CertificateStatus::Superseded.in_force());
    }

    #[test]
    fn legacy_certificate_validation() {
        let today = d(2026, 11, 22);
        let ok = LegacyCertificateInput {
            stars: "4".into(),
            decision_number: "123/QĐ-UBND".into(),
            issuer: "UBND tỉnh Quảng Ninh".into(),
            issued_on: "15/03/2024".into(),
        }
        .validate(today)
        .unwrap();
        assert_eq!(ok.expires_on, d(2027, 3, 15));
        let errs = LegacyCertificateInput {
            stars: "2".into(),
            issued_on: "2030-01-01".into(),
            ..Default::default()
        }
        .validate(today)
        .unwrap_err();
        let fields: Vec<&str> = errs.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec!["stars", "decision_number", "issuer", "issued_on"]
        );
    }
}
