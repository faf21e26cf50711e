//! Post-certification monitoring (kiểm tra, giám sát; Decision 26/2026
//! Art. 9): periodic and ad hoc inspections of a certified product, on the
//! upkeep of its criteria and on the use of the OCOP mark, each with a
//! conclusion. A finding that calls for revocation leads to the revocation
//! command (Art. 8), which stays a separate, competent act.

use crate::certificate::parse_date;
use crate::error::ValidationErrors;
use crate::text::{clean, clean_multiline};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InspectionKind {
    /// Kiểm tra định kỳ.
    Periodic,
    /// Kiểm tra đột xuất.
    AdHoc,
}

impl InspectionKind {
    pub const ALL: [InspectionKind; 2] = [InspectionKind::Periodic, InspectionKind::AdHoc];
    pub fn code(self) -> &'static str {
        match self {
            InspectionKind::Periodic => "periodic",
            InspectionKind::AdHoc => "ad_hoc",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            InspectionKind::Periodic => "Kiểm tra định kỳ",
            InspectionKind::AdHoc => "Kiểm tra đột xuất",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s.trim())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Conclusion {
    /// The product keeps to its criteria and uses the mark properly.
    Maintained,
    /// Shortcomings to correct by a date.
    Correction,
    /// Grounds for revocation found: the competent level is asked to revoke.
    Revocation,
}

impl Conclusion {
    pub const ALL: [Conclusion; 3] = [
        Conclusion::Maintained,
        Conclusion::Correction,
        Conclusion::Revocation,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Conclusion::Maintained => "maintained",
            Conclusion::Correction => "correction",
            Conclusion::Revocation => "revocation",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Conclusion::Maintained => "Duy trì đạt yêu cầu",
            Conclusion::Correction => "Yêu cầu khắc phục",
            Conclusion::Revocation => "Đề nghị thu hồi giấy chứng nhận",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s.trim())
    }
}

/// Days the competent level has to revoke once a revocation is concluded
/// (Decision 26/2026 Art. 8.4: 15 days from the competent body's conclusion).
pub const REVOCATION_DAYS: u64 = 15;

/// The day by which a certificate must be revoked after an inspection
/// concluded on `concluded_on` that it should be.
pub fn revocation_due(concluded_on: NaiveDate) -> NaiveDate {
    concluded_on + chrono::Days::new(REVOCATION_DAYS)
}

/// An inspection as entered.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct InspectionInput {
    /// periodic or ad_hoc.
    pub kind: String,
    /// dd/mm/yyyy, not in the future.
    pub inspected_on: String,
    /// The inspecting body, e.g. "Sở Nông nghiệp và Môi trường Hà Nội".
    pub body: String,
    /// Findings on the upkeep of the criteria the product was ranked on.
    pub criteria_upkeep: String,
    /// Findings on the use of the OCOP mark, information and promotion.
    pub mark_use: String,
    /// maintained, correction or revocation.
    pub conclusion: String,
    /// dd/mm/yyyy: the correction's deadline (required for a correction).
    pub correct_by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inspection {
    pub kind: InspectionKind,
    pub inspected_on: NaiveDate,
    pub body: String,
    pub criteria_upkeep: String,
    pub mark_use: String,
    pub conclusion: Conclusion,
    pub correct_by: Option<NaiveDate>,
}

impl InspectionInput {
    /// Check an inspection of a certificate issued on `issued_on`.
    pub fn validate(
        &self,
        issued_on: NaiveDate,
        today: NaiveDate,
    ) -> Result<Inspection, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let kind = InspectionKind::parse(&self.kind);
        if kind.is_none() {
            errors.add(
                "kind",
                "invalid_choice",
                "Chọn kiểm tra định kỳ hoặc đột xuất.",
                "kind must be periodic or ad_hoc.",
            );
        }
        let inspected_on = match parse_date(&self.inspected_on) {
            Some(d) if d > today => {
                errors.add(
                    "inspected_on",
                    "in_future",
                    "Ngày kiểm tra không được sau hôm nay.",
                    "inspected_on is in the future.",
                );
                None
            }
            Some(d) if d < issued_on => {
                errors.add(
                    "inspected_on",
                    "out_of_range",
                    "Ngày kiểm tra không được trước ngày cấp giấy chứng nhận.",
                    "inspected_on is before the certificate's issue.",
                );
                None
            }
            Some(d) => Some(d),
            None => {
                errors.add(
                    "inspected_on",
                    "invalid_format",
                    "Ngày kiểm tra phải có dạng ngày/tháng/năm.",
                    "inspected_on must be dd/mm/yyyy.",
                );
                None
            }
        };
        let body = clean(&self.body);
        if body.is_empty() {
            errors.required("body", "Cơ quan kiểm tra");
        }
        let criteria_upkeep = clean_multiline(&self.criteria_upkeep);
        let mark_use = clean_multiline(&self.mark_use);
        if criteria_upkeep.is_empty() && mark_use.is_empty() {
            errors.add(
                "criteria_upkeep",
                "required",
                "Ghi kết quả kiểm tra việc duy trì tiêu chí hoặc việc sử dụng nhãn hiệu OCOP.",
                "criteria_upkeep or mark_use is required.",
            );
        }
        let conclusion = Conclusion::parse(&self.conclusion);
        if conclusion.is_none() {
            errors.add(
                "conclusion",
                "invalid_choice",
                "Chọn kết luận: duy trì đạt yêu cầu, yêu cầu khắc phục hoặc đề nghị thu hồi.",
                "conclusion must be maintained, correction or revocation.",
            );
        }
        let correct_by = if conclusion == Some(Conclusion::Correction) {
            match parse_date(&self.correct_by) {
                Some(d) if inspected_on.is_some_and(|i| d <= i) => {
                    errors.add(
                        "correct_by",
                        "out_of_range",
                        "Hạn khắc phục phải sau ngày kiểm tra.",
                        "correct_by must follow the inspection.",
                    );
                    None
                }
                Some(d) => Some(d),
                None => {
                    errors.add(
                        "correct_by",
                        "required",
                        "Yêu cầu khắc phục cần hạn khắc phục (ngày/tháng/năm).",
                        "correct_by (dd/mm/yyyy) is required for a correction.",
                    );
                    None
                }
            }
        } else {
            None
        };
        errors.into_result(())?;
        Ok(Inspection {
            kind: kind.expect("checked"),
            inspected_on: inspected_on.expect("checked"),
            body,
            criteria_upkeep,
            mark_use,
            conclusion: conclusion.expect("checked"),
            correct_by,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn input() -> InspectionInput {
        InspectionInput {
            kind: "periodic".into(),
            inspected_on: "10/11/2026".into(),
            body: "Sở Nông nghiệp và Môi trường".into(),
            criteria_upkeep: "Duy trì vùng nguyên liệu".into(),
            conclusion: "maintained".into(),
            ..Default::default()
        }
    }

    #[test]
    fn an_inspection_is_dated_within_the_certificate_and_concluded() {
        let ok = input().validate(d(2025, 1, 1), d(2026, 11, 22)).unwrap();
        assert_eq!(ok.conclusion, Conclusion::Maintained);
        assert_eq!(ok.correct_by, None);
        let e = InspectionInput::default()
            .validate(d(2025, 1, 1), d(2026, 11, 22))
            .unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "kind",
                "inspected_on",
                "body",
                "criteria_upkeep",
                "conclusion"
            ]
        );
        let early = InspectionInput {
            inspected_on: "31/12/2024".into(),
            ..input()
        };
        assert_eq!(
            early
                .validate(d(2025, 1, 1), d(2026, 11, 22))
                .unwrap_err()
                .0[0]
                .code,
            "out_of_range"
        );
    }

    #[test]
    fn a_correction_needs_its_deadline() {
        let c = InspectionInput {
            conclusion: "correction".into(),
            ..input()
        };
        let e = c.validate(d(2025, 1, 1), d(2026, 11, 22)).unwrap_err();
        assert_eq!(e.0[0].field, "correct_by");
        let c = InspectionInput {
            correct_by: "10/01/2027".into(),
            ..c
        };
        assert_eq!(
            c.validate(d(2025, 1, 1), d(2026, 11, 22))
                .unwrap()
                .correct_by,
            Some(d(2027, 1, 10))
        );
    }
}
