//! Points of introduction and sale of OCOP products (Decision 950/QĐ-BCT,
//! 2023) and the products they list. A listing is live only while the
//! product holds a valid 3★+ certificate: it is derived at every read, so
//! an expiry or a revocation suspends it at that very moment.

use crate::admin_units::AdminUnits;
use crate::certificate::{status_on, CertificateStatus};
use crate::error::ValidationErrors;
use crate::ids::parse_phone;
use crate::text::clean;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Location types of Decision 950/QĐ-BCT.
pub const LOCATION_TYPES: [(&str, &str); 8] = [
    ("transport_hub", "Nhà ga, sân bay, bến cảng"),
    ("rest_stop", "Trạm dừng nghỉ"),
    ("market", "Trung tâm thương mại, siêu thị, chợ"),
    ("tourism", "Điểm du lịch, nhà hàng, khách sạn"),
    ("craft_village", "Làng nghề"),
    ("commercial_centre", "Trung tâm thương mại, cụm công nghiệp"),
    ("fair_centre", "Trung tâm hội chợ, triển lãm"),
    ("post_office", "Bưu điện"),
];

pub fn location_label(code: &str) -> Option<&'static str> {
    LOCATION_TYPES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
}

/// A point's status, with its legal moves.
pub const POS_STATUSES: [(&str, &str); 5] = [
    ("proposed", "Đề xuất"),
    ("approved", "Đã được Sở Công Thương chấp thuận"),
    ("active", "Đang hoạt động"),
    ("suspended", "Tạm dừng"),
    ("closed", "Đã đóng cửa"),
];

pub fn status_label(code: &str) -> Option<&'static str> {
    POS_STATUSES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
}

/// May a point go from `from` to `to`? Closing is final.
pub fn status_move_allowed(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("proposed", "approved")
            | ("approved", "active")
            | ("active", "suspended")
            | ("suspended", "active")
            | ("proposed" | "approved" | "active" | "suspended", "closed")
    )
}

/// What a point must meet to be approved (Decision 950/QĐ-BCT, as
/// summarised in DOMAIN §5): each criterion is shown with evidence (photos,
/// documents) before the province's industry-and-trade office approves.
/// `photo` is not a criterion: pictures of the point for its public page.
pub const POS_CRITERIA: [(&str, &str); 3] = [
    (
        "location",
        "Địa điểm thuận lợi, đông người qua lại, dễ tiếp cận (nhà ga, sân bay, trạm dừng nghỉ, trung tâm thương mại, điểm du lịch…)",
    ),
    (
        "products",
        "Sản phẩm bày bán có nguồn gốc, bảo đảm chất lượng, an toàn; là sản phẩm OCOP từ 3 sao, sản phẩm chủ lực cấp tỉnh, sản phẩm công nghiệp nông thôn tiêu biểu hoặc đặc sản địa phương",
    ),
    (
        "signage",
        "Có biển hiệu và biểu trưng (logo) thống nhất của điểm giới thiệu và bán sản phẩm OCOP",
    ),
];

/// The kind of a point's file: a criterion of [`POS_CRITERIA`], or `photo`.
pub fn pos_file_kind_label(code: &str) -> Option<&'static str> {
    if code == "photo" {
        return Some("Ảnh giới thiệu điểm bán");
    }
    POS_CRITERIA
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
}

/// Check a point's file: its kind is `photo` (an image) or a criterion (a
/// PDF or an image), at most 10 MB, its type read from its bytes. Returns
/// the cleaned name and the type.
pub fn check_pos_file(
    kind: &str,
    filename: &str,
    bytes: &[u8],
) -> Result<(String, &'static str), crate::error::ValidationErrors> {
    use crate::evidence::{clean_name, sniff, sniff_image, MAX_BYTES};
    let mut errors = crate::error::ValidationErrors::new();
    if pos_file_kind_label(kind).is_none() {
        errors.add(
            "kind",
            "invalid_choice",
            "Chọn ảnh giới thiệu hoặc một tiêu chí của điểm bán.",
            "kind must be photo or a criterion.",
        );
    }
    let content_type = if bytes.is_empty() {
        errors.add("file", "empty_file", "Chưa chọn tệp.", "file: empty.");
        None
    } else if bytes.len() > MAX_BYTES {
        errors.add(
            "file",
            "too_large",
            "Tệp lớn hơn 10 MB.",
            "file: larger than 10 MB.",
        );
        None
    } else {
        let t = if kind == "photo" {
            sniff_image(bytes)
        } else {
            sniff(bytes)
        };
        if t.is_none() {
            errors.add(
                "file",
                "unsupported_type",
                if kind == "photo" {
                    "Ảnh giới thiệu phải là ảnh JPEG, PNG hoặc WebP."
                } else {
                    "Chỉ nhận tệp PDF hoặc ảnh JPEG, PNG, WebP."
                },
                "file: unsupported type.",
            );
        }
        t
    };
    errors.into_result(())?;
    Ok((clean_name(filename), content_type.expect("checked")))
}

/// The criteria still without evidence, given the kinds of the files a point has.
pub fn criteria_without_evidence<'a>(
    kinds: impl IntoIterator<Item = &'a str> + Clone,
) -> Vec<&'static str> {
    POS_CRITERIA
        .iter()
        .map(|(c, _)| *c)
        .filter(|c| !kinds.clone().into_iter().any(|k| k == *c))
        .collect()
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PointOfSaleInput {
    pub name: String,
    /// The operating organisation.
    pub operator: String,
    pub phone: String,
    pub address: String,
    pub commune_code: String,
    /// One of the location types of Decision 950/QĐ-BCT.
    pub location_type: String,
    /// Decimal degrees; both or neither.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// dd/mm/yyyy.
    pub opened_on: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointOfSaleData {
    pub name: String,
    pub operator: String,
    pub phone: Option<String>,
    pub address: String,
    pub commune_code: String,
    pub province_code: String,
    pub location_type: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub opened_on: Option<NaiveDate>,
}

impl PointOfSaleInput {
    pub fn validate(&self, units: &AdminUnits) -> Result<PointOfSaleData, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let name = clean(&self.name);
        if name.is_empty() {
            e.required("name", "Tên điểm bán");
        }
        let operator = clean(&self.operator);
        if operator.is_empty() {
            e.required("operator", "Đơn vị vận hành");
        }
        let phone = match clean(&self.phone) {
            p if p.is_empty() => None,
            p => match parse_phone(&p) {
                Ok(p) => Some(p),
                Err(err) => {
                    e.add("phone", err.code, err.message, err.message_en);
                    None
                }
            },
        };
        let address = clean(&self.address);
        if address.is_empty() {
            e.required("address", "Địa chỉ");
        }
        let commune_code = clean(&self.commune_code);
        let province_code = match units.commune(&commune_code) {
            Some(c) => c.province_code.clone(),
            None => {
                e.add(
                    "commune_code",
                    "unknown",
                    format!("Mã xã \"{commune_code}\" không có."),
                    "unknown commune_code",
                );
                String::new()
            }
        };
        let location_type = clean(&self.location_type);
        if location_label(&location_type).is_none() {
            e.add(
                "location_type",
                "invalid_choice",
                "Chọn loại địa điểm theo Quyết định 950/QĐ-BCT.",
                "location_type is not one of Decision 950's types.",
            );
        }
        match (self.lat, self.lon) {
            (Some(lat), Some(lon))
                if !((7.0..=24.0).contains(&lat) && (102.0..=118.0).contains(&lon)) =>
            {
                e.add(
                    "lat",
                    "out_of_range",
                    "Toạ độ nằm ngoài lãnh thổ Việt Nam.",
                    "coordinates outside Vietnam",
                );
            }
            (Some(_), None) | (None, Some(_)) => e.add(
                "lon",
                "required",
                "Nhập cả vĩ độ và kinh độ.",
                "give both lat and lon",
            ),
            _ => {}
        }
        let opened_on = match self.opened_on.trim() {
            "" => None,
            s => match crate::certificate::parse_date(s) {
                Some(d) => Some(d),
                None => {
                    e.add(
                        "opened_on",
                        "invalid_format",
                        "Ngày khai trương phải có dạng ngày/tháng/năm.",
                        "opened_on must be dd/mm/yyyy",
                    );
                    None
                }
            },
        };
        e.into_result(PointOfSaleData {
            name,
            operator,
            phone,
            address,
            commune_code,
            province_code,
            location_type,
            lat: self.lat,
            lon: self.lon,
            opened_on,
        })
    }
}

/// Whether a listing is live, from the product's current certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListingState {
    Active,
    /// Suspended because the certificate expired, was revoked, or never existed.
    Suspended,
}

/// A product may be listed, and stays listed, while its certificate of 3★
/// or more is valid (including in its last six months), or while it holds
/// another category Decision 950 admits (`designated_until`: the last day
/// of the latest such recognition).
pub fn listing_state(
    stars: Option<i64>,
    expires_on: Option<NaiveDate>,
    revoked_on: Option<NaiveDate>,
    designated_until: Option<NaiveDate>,
    today: NaiveDate,
) -> ListingState {
    if designated_until.is_some_and(|d| d >= today) {
        return ListingState::Active;
    }
    match (stars, expires_on) {
        (Some(s), Some(exp)) if s >= 3 => match status_on(exp, None, revoked_on, today) {
            CertificateStatus::Valid | CertificateStatus::ExpiringSoon => ListingState::Active,
            _ => ListingState::Suspended,
        },
        _ => ListingState::Suspended,
    }
}

/// The other categories of product a point of sale may sell (Decision
/// 950/QĐ-BCT), besides OCOP 3★ and above.
pub const DESIGNATIONS: [(&str, &str); 3] = [
    ("provincial_key", "Sản phẩm chủ lực cấp tỉnh"),
    ("model_rural", "Sản phẩm công nghiệp nông thôn tiêu biểu"),
    ("local_speciality", "Đặc sản địa phương"),
];

pub fn designation_label(code: &str) -> Option<&'static str> {
    DESIGNATIONS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
}

/// A recognition in one of [`DESIGNATIONS`], as an office records it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct DesignationInput {
    /// provincial_key, model_rural or local_speciality.
    pub kind: String,
    /// The recognising decision ("125/QĐ-UBND").
    pub decision_number: String,
    /// dd/mm/yyyy.
    pub recognized_on: String,
    /// dd/mm/yyyy; empty when the recognition has no end.
    pub valid_until: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DesignationData {
    pub kind: String,
    pub decision_number: String,
    pub recognized_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
}

impl DesignationInput {
    pub fn validate(&self, today: NaiveDate) -> Result<DesignationData, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let kind = clean(&self.kind);
        if designation_label(&kind).is_none() {
            e.add(
                "kind",
                "invalid_choice",
                "Chọn: sản phẩm chủ lực cấp tỉnh, sản phẩm công nghiệp nông thôn tiêu biểu hoặc đặc sản địa phương.",
                "kind must be provincial_key, model_rural or local_speciality",
            );
        }
        let decision_number = clean(&self.decision_number);
        if decision_number.is_empty() {
            e.required("decision_number", "Số quyết định công nhận");
        }
        let date =
            |e: &mut ValidationErrors, field: &str, label: &str, s: &str| -> Option<NaiveDate> {
                let d = crate::certificate::parse_date(s);
                if d.is_none() {
                    e.add(
                        field,
                        "invalid_format",
                        format!("{label} phải có dạng ngày/tháng/năm."),
                        format!("{field} must be dd/mm/yyyy"),
                    );
                }
                d
            };
        let recognized_on = date(
            &mut e,
            "recognized_on",
            "Ngày công nhận",
            &self.recognized_on,
        );
        if recognized_on.is_some_and(|d| d > today) {
            e.add(
                "recognized_on",
                "in_future",
                "Ngày công nhận không thể sau hôm nay.",
                "recognized_on is in the future",
            );
        }
        let valid_until = match self.valid_until.trim() {
            "" => None,
            s => date(&mut e, "valid_until", "Hiệu lực đến", s),
        };
        if let (Some(a), Some(b)) = (recognized_on, valid_until) {
            if b < a {
                e.add(
                    "valid_until",
                    "before_start",
                    "Hiệu lực phải kết thúc sau ngày công nhận.",
                    "valid_until is before recognized_on",
                );
            }
        }
        match recognized_on {
            Some(recognized_on) => e.into_result(DesignationData {
                kind,
                decision_number,
                recognized_on,
                valid_until,
            }),
            None => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn listings_follow_the_certificate() {
        let today = d(2026, 11, 22);
        assert_eq!(
            listing_state(Some(4), Some(d(2027, 1, 1)), None, None, today),
            ListingState::Active
        );
        assert_eq!(
            listing_state(Some(4), Some(d(2026, 11, 21)), None, None, today),
            ListingState::Suspended
        );
        assert_eq!(
            listing_state(
                Some(4),
                Some(d(2028, 1, 1)),
                Some(d(2026, 11, 22)),
                None,
                today
            ),
            ListingState::Suspended
        );
        assert_eq!(
            listing_state(None, None, None, None, today),
            ListingState::Suspended
        );
        // Another category of Decision 950 keeps a product listable while it lasts.
        assert_eq!(
            listing_state(None, None, None, Some(d(2026, 11, 22)), today),
            ListingState::Active
        );
        assert_eq!(
            listing_state(
                Some(4),
                Some(d(2026, 1, 1)),
                None,
                Some(d(2026, 11, 21)),
                today
            ),
            ListingState::Suspended
        );
    }

    #[test]
    fn designations_name_their_bad_fields() {
        let e = DesignationInput {
            kind: "famous".into(),
            recognized_on: "01/01/2027".into(),
            valid_until: "01/01/2026".into(),
            ..Default::default()
        }
        .validate(d(2026, 11, 22))
        .unwrap_err();
        for f in ["kind", "decision_number", "recognized_on", "valid_until"] {
            assert!(e.for_field(f).is_some(), "{f}: {e}");
        }
    }

    #[test]
    fn status_moves() {
        assert!(status_move_allowed("proposed", "approved"));
        assert_eq!(
            criteria_without_evidence(["photo", "signage"]),
            vec!["location", "products"]
        );
        assert!(criteria_without_evidence(["products", "location", "signage"]).is_empty());
        assert_eq!(
            pos_file_kind_label("photo"),
            Some("Ảnh giới thiệu điểm bán")
        );
        assert_eq!(pos_file_kind_label("x"), None);
        assert!(status_move_allowed("active", "suspended"));
        assert!(!status_move_allowed("closed", "active"));
        assert!(
            !status_move_allowed("proposed", "active"),
            "approval comes first"
        );
    }

    #[test]
    fn validation_names_fields() {
        let e = PointOfSaleInput {
            lat: Some(40.0),
            lon: Some(100.0),
            ..Default::default()
        }
        .validate(crate::admin_units::units())
        .unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "name",
                "operator",
                "address",
                "commune_code",
                "location_type",
                "lat"
            ]
        );
    }
}
