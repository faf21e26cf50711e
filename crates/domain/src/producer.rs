//! Producers (chủ thể OCOP): the entities that own products.

use crate::admin_units::AdminUnits;
use crate::error::ValidationErrors;
use crate::ids::{parse_email, parse_phone, RegistrationNumber};
use crate::text::{clean, clean_multiline};
use serde::{Deserialize, Serialize};

/// The producer types of Decision 26/2026, Art. 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProducerKind {
    /// Hợp tác xã, liên hiệp hợp tác xã.
    Cooperative,
    /// Tổ hợp tác.
    CooperativeGroup,
    /// Doanh nghiệp nhỏ và vừa.
    Enterprise,
    /// Trang trại.
    Farm,
    /// Hộ sản xuất / hộ gia đình có đăng ký kinh doanh.
    Household,
    /// Hội, hiệp hội (tourism products).
    Association,
    /// Trung tâm điều hành (tourism products).
    OperatingCentre,
}

impl ProducerKind {
    pub const ALL: [ProducerKind; 7] = [
        ProducerKind::Cooperative,
        ProducerKind::CooperativeGroup,
        ProducerKind::Enterprise,
        ProducerKind::Farm,
        ProducerKind::Household,
        ProducerKind::Association,
        ProducerKind::OperatingCentre,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ProducerKind::Cooperative => "cooperative",
            ProducerKind::CooperativeGroup => "cooperative_group",
            ProducerKind::Enterprise => "enterprise",
            ProducerKind::Farm => "farm",
            ProducerKind::Household => "household",
            ProducerKind::Association => "association",
            ProducerKind::OperatingCentre => "operating_centre",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ProducerKind::Cooperative => "Hợp tác xã",
            ProducerKind::CooperativeGroup => "Tổ hợp tác",
            ProducerKind::Enterprise => "Doanh nghiệp nhỏ và vừa",
            ProducerKind::Farm => "Trang trại",
            ProducerKind::Household => "Hộ sản xuất, kinh doanh có đăng ký",
            ProducerKind::Association => "Hội, hiệp hội",
            ProducerKind::OperatingCentre => "Trung tâm điều hành",
        }
    }

    /// Accepts the code or the Vietnamese label (any accents/case), as spreadsheets carry either.
    pub fn parse(s: &str) -> Option<Self> {
        let folded = crate::text::fold_vi(s.trim());
        Self::ALL.into_iter().find(|k| {
            k.code() == folded
                || crate::text::fold_vi(k.label()) == folded
                || matches!(
                    (k, folded.as_str()),
                    (ProducerKind::Cooperative, "htx" | "hop tac xa")
                        | (ProducerKind::CooperativeGroup, "tht" | "to hop tac")
                        | (ProducerKind::Enterprise, "doanh nghiep" | "dn" | "cong ty")
                        | (
                            ProducerKind::Household,
                            "ho kinh doanh" | "ho san xuat" | "ho gia dinh"
                        )
                        | (ProducerKind::Association, "hoi" | "hiep hoi")
                )
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Female,
    Male,
}

impl Gender {
    pub fn code(self) -> &'static str {
        match self {
            Gender::Female => "female",
            Gender::Male => "male",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Gender::Female => "Nữ",
            Gender::Male => "Nam",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match crate::text::fold_vi(s.trim()).as_str() {
            "female" | "nu" | "f" => Some(Gender::Female),
            "male" | "nam" | "m" => Some(Gender::Male),
            _ => None,
        }
    }
}

/// Raw producer input as it comes from a form, an API call or a spreadsheet row.
/// Every field is text so that the error can name what was typed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ProducerInput {
    pub name: String,
    pub kind: String,
    pub registration_number: String,
    pub address: String,
    pub commune_code: String,
    /// The pre-2025 commune of the address, for records made under the old units.
    /// Given alone, the current commune is resolved from it.
    pub legacy_commune_code: String,
    pub phone: String,
    pub email: String,
    pub website: String,
    pub representative_name: String,
    pub representative_gender: String,
    pub representative_ethnicity: String,
    pub representative_disability: String,
    pub community_capital_pct: String,
    pub workers: String,
    pub description: String,
}

/// A validated producer, ready to be stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProducerData {
    pub name: String,
    pub kind: ProducerKind,
    pub registration_number: String,
    pub address: String,
    pub commune_code: String,
    pub province_code: String,
    pub legacy_commune_code: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub representative_name: String,
    pub representative_gender: Gender,
    pub representative_ethnicity: String,
    pub representative_disability: bool,
    /// Share of the capital held by the local community, in percent (scored in Part A).
    pub community_capital_pct: Option<f64>,
    pub workers: Option<i64>,
    pub description: String,
}

pub fn parse_bool(s: &str) -> Option<bool> {
    match crate::text::fold_vi(s.trim()).as_str() {
        "" | "0" | "false" | "khong" | "no" | "off" => Some(false),
        "1" | "true" | "co" | "yes" | "on" | "x" => Some(true),
        _ => None,
    }
}

impl ProducerInput {
    /// Validate every field, reporting all problems at once.
    pub fn validate(&self, units: &AdminUnits) -> Result<ProducerData, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = clean(&self.name);
        if name.is_empty() {
            errors.required("name", "Tên chủ thể");
        } else if name.chars().count() > 200 {
            errors.add(
                "name",
                "too_long",
                "Tên chủ thể dài quá 200 ký tự.",
                "name is longer than 200 characters.",
            );
        }
        let kind = ProducerKind::parse(&self.kind);
        if kind.is_none() {
            if clean(&self.kind).is_empty() {
                errors.required("kind", "Loại hình chủ thể");
            } else {
                errors.add(
                    "kind",
                    "invalid_choice",
                    format!(
                        "Loại hình \"{}\" không có trong danh mục của Quyết định 26/2026.",
                        clean(&self.kind)
                    ),
                    "kind is not one of the producer types of Decision 26/2026.",
                );
            }
        }
        let registration_number = match RegistrationNumber::parse(&self.registration_number) {
            Ok(r) => r.as_str().to_string(),
            Err(e) => {
                errors.add("registration_number", e.code, e.message, e.message_en);
                String::new()
            }
        };
        let address = clean(&self.address);
        if address.is_empty() {
            errors.required("address", "Địa chỉ");
        }
        let legacy = clean(&self.legacy_commune_code);
        let legacy_commune_code = if legacy.is_empty() {
            None
        } else if units.legacy_commune(&legacy).is_none() {
            errors.add(
                "legacy_commune_code",
                "unknown",
                format!("Mã xã cũ \"{legacy}\" không có trong danh mục đơn vị hành chính trước 01/07/2025."),
                "legacy_commune_code is not a pre-2025 commune code.",
            );
            None
        } else {
            Some(legacy)
        };
        let mut commune_code = clean(&self.commune_code);
        if commune_code.is_empty() {
            if let Some(c) = legacy_commune_code
                .as_deref()
                .and_then(|l| units.resolve_legacy(l))
            {
                commune_code = c.code.clone();
            }
        }
        let province_code = match units.commune(&commune_code) {
            Some(c) => c.province_code.clone(),
            None => {
                if commune_code.is_empty() {
                    errors.required("commune_code", "Xã/phường");
                } else {
                    errors.add(
                        "commune_code",
                        "unknown",
                        format!("Mã xã \"{commune_code}\" không có trong danh mục 3.321 xã/phường hiện hành."),
                        "commune_code is not a current commune code.",
                    );
                }
                String::new()
            }
        };
        let optional = |s: &str| {
            let c = clean(s);
            if c.is_empty() {
                None
            } else {
                Some(c)
            }
        };
        let phone = match optional(&self.phone) {
            Some(p) => match parse_phone(&p) {
                Ok(p) => Some(p),
                Err(e) => {
                    errors.add("phone", e.code, e.message, e.message_en);
                    None
                }
            },
            None => None,
        };
        let email = match optional(&self.email) {
            Some(p) => match parse_email(&p) {
                Ok(p) => Some(p),
                Err(e) => {
                    errors.add("email", e.code, e.message, e.message_en);
                    None
                }
            },
            None => None,
        };
        let website = optional(&self.website);
        if let Some(w) = &website {
            if !(w.starts_with("http://") || w.starts_with("https://")) {
                errors.add(
                    "website",
                    "invalid_format",
                    "Trang web phải bắt đầu bằng http:// hoặc https://.",
                    "website must start with http:// or https://.",
                );
            }
        }
        let representative_name = clean(&self.representative_name);
        if representative_name.is_empty() {
            errors.required("representative_name", "Họ tên người đại diện");
        }
        let gender = Gender::parse(&self.representative_gender);
        if gender.is_none() {
            errors.add(
                "representative_gender",
                "invalid_choice",
                "Giới tính người đại diện phải là Nam hoặc Nữ.",
                "representative_gender must be male or female.",
            );
        }
        let representative_ethnicity =
            optional(&self.representative_ethnicity).unwrap_or_else(|| "Kinh".to_string());
        let disability = parse_bool(&self.representative_disability);
        if disability.is_none() {
            errors.add(
                "representative_disability",
                "invalid_choice",
                "Người đại diện là người khuyết tật: ghi Có hoặc Không.",
                "representative_disability must be yes or no.",
            );
        }
        let community_capital_pct = match optional(&self.community_capital_pct) {
            Some(s) => match s
                .replace(',', ".")
                .trim_end_matches('%')
                .trim()
                .parse::<f64>()
            {
                Ok(v) if (0.0..=100.0).contains(&v) => Some(v),
                _ => {
                    errors.add(
                        "community_capital_pct",
                        "out_of_range",
                        "Tỷ lệ vốn góp của cộng đồng phải là số từ 0 đến 100.",
                        "community_capital_pct must be a number from 0 to 100.",
                    );
                    None
                }
            },
            None => None,
        };
        let workers = match optional(&self.workers) {
            Some(s) => match s.replace('.', "").parse::<i64>() {
                Ok(v) if (0..=1_000_000).contains(&v) => Some(v),
                _ => {
                    errors.add(
                        "workers",
                        "out_of_range",
                        "Số lao động phải là số nguyên không âm.",
                        "workers must be a non-negative whole number.",
                    );
                    None
                }
            },
            None => None,
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ProducerData {
            name,
            kind: kind.expect("checked"),
            registration_number,
            address,
            commune_code,
            province_code,
            legacy_commune_code,
            phone,
            email,
            website,
            representative_name,
            representative_gender: gender.expect("checked"),
            representative_ethnicity,
            representative_disability: disability.expect("checked"),
            community_capital_pct,
            workers,
            description: clean_multiline(&self.description),
        })
    }
}

impl From<&ProducerData> for ProducerInput {
    fn from(p: &ProducerData) -> Self {
        ProducerInput {
            name: p.name.clone(),
            kind: p.kind.code().into(),
            registration_number: p.registration_number.clone(),
            address: p.address.clone(),
            commune_code: p.commune_code.clone(),
            legacy_commune_code: p.legacy_commune_code.clone().unwrap_or_default(),
            phone: p.phone.clone().unwrap_or_default(),
            email: p.email.clone().unwrap_or_default(),
            website: p.website.clone().unwrap_or_default(),
            representative_name: p.representative_name.clone(),
            representative_gender: p.representative_gender.code().into(),
            representative_ethnicity: p.representative_ethnicity.clone(),
            representative_disability: if p.representative_disability {
                "1"
            } else {
                "0"
            }
            .into(),
            community_capital_pct: p
                .community_capital_pct
                .map(|v| v.to_string())
                .unwrap_or_default(),
            workers: p.workers.map(|v| v.to_string()).unwrap_or_default(),
            description: p.description.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin_units::units;

    fn valid() -> ProducerInput {
        ProducerInput {
            name: "HTX  Nước mắm Vạn Phần".into(),
            kind: "HTX".into(),
            registration_number: "0100109106".into(),
            address: "Thôn 1".into(),
            commune_code: units().communes[0].code.clone(),
            representative_name: "Nguyễn Thị Lan".into(),
            representative_gender: "Nữ".into(),
            representative_disability: "không".into(),
            community_capital_pct: "35,5".into(),
            ..Default::default()
        }
    }

    #[test]
    fn valid_input_is_cleaned() {
        let p = valid().validate(units()).unwrap();
        assert_eq!(p.name, "HTX Nước mắm Vạn Phần");
        assert_eq!(p.kind, ProducerKind::Cooperative);
        assert_eq!(p.province_code, "01");
        assert_eq!(p.community_capital_pct, Some(35.5));
        assert_eq!(p.representative_ethnicity, "Kinh");
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut input = valid();
        input.name = " ".into();
        input.registration_number = "0100109107".into();
        input.commune_code = "99999".into();
        input.email = "x".into();
        input.representative_gender = "?".into();
        let errs = input.validate(units()).unwrap_err();
        let fields: Vec<&str> = errs.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "name",
                "registration_number",
                "commune_code",
                "email",
                "representative_gender"
            ]
        );
        assert!(errs
            .for_field("commune_code")
            .unwrap()
            .message
            .contains("99999"));
    }

    #[test]
    fn legacy_commune_resolves_to_current() {
        let u = units();
        let old = &u.legacy_communes[0];
        let mut input = valid();
        input.commune_code = String::new();
        input.legacy_commune_code = old.code.clone();
        let p = input.validate(u).unwrap();
        assert_eq!(p.legacy_commune_code.as_deref(), Some(old.code.as_str()));
        assert_eq!(p.commune_code, u.resolve_legacy(&old.code).unwrap().code);
    }

    #[test]
    fn kinds_parse_from_labels() {
        for k in ProducerKind::ALL {
            assert_eq!(ProducerKind::parse(k.label()), Some(k));
            assert_eq!(ProducerKind::parse(k.code()), Some(k));
        }
        assert_eq!(
            ProducerKind::parse("hợp tác xã"),
            Some(ProducerKind::Cooperative)
        );
    }
}
