//! Supply–demand matching (kết nối cung cầu): buyers' demands, producers'
//! offers, the ranked candidates for a demand with the reason for every
//! point, and the trade agreements that follow (biên bản hợp tác, ghi nhớ,
//! hợp đồng) with their legal status moves.

use crate::admin_units::AdminUnits;
use crate::certificate::parse_date;
use crate::classification::product_set;
use crate::error::ValidationErrors;
use crate::text::{clean, group_thousands};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A demand as a buyer types it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct DemandInput {
    /// The buying organisation (supermarket chain, distributor, exporter…).
    pub buyer: String,
    /// What is wanted, in a few words ("Nước mắm cho 40 siêu thị").
    pub title: String,
    /// Product sets `01`…`26` wanted; empty: any.
    pub set_codes: Vec<String>,
    /// 3, 4 or 5; default 3.
    pub min_stars: Option<i64>,
    /// Quantity per month, in `unit`.
    pub quantity: Option<i64>,
    pub unit: String,
    /// dd/mm/yyyy: the supply period.
    pub period_from: String,
    pub period_to: String,
    /// Province codes to deliver to; empty: nationwide.
    pub regions: Vec<String>,
    /// Certifications required besides OCOP (VietGAP, HACCP…).
    pub certifications: String,
    /// Price range per unit, in đồng.
    pub price_min: Option<i64>,
    pub price_max: Option<i64>,
    /// dd/mm/yyyy: offers are taken until this day.
    pub deadline: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemandData {
    pub buyer: String,
    pub title: String,
    pub set_codes: Vec<String>,
    pub min_stars: i64,
    pub quantity: Option<i64>,
    pub unit: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub regions: Vec<String>,
    pub certifications: Option<String>,
    pub price_min: Option<i64>,
    pub price_max: Option<i64>,
    pub deadline: NaiveDate,
}

fn date(e: &mut ValidationErrors, field: &str, label: &str, s: &str) -> Option<NaiveDate> {
    if s.trim().is_empty() {
        e.required(field, label);
        return None;
    }
    let d = parse_date(s);
    if d.is_none() {
        e.add(
            field,
            "invalid_format",
            format!("{label} phải có dạng ngày/tháng/năm."),
            format!("{field} must be dd/mm/yyyy"),
        );
    }
    d
}

fn amount(e: &mut ValidationErrors, field: &str, label: &str, n: Option<i64>) {
    if n.is_some_and(|n| !(0..=1_000_000_000_000).contains(&n)) {
        e.add(
            field,
            "out_of_range",
            format!("{label} không hợp lệ."),
            format!("{field} out of range"),
        );
    }
}

fn regions(
    e: &mut ValidationErrors,
    field: &str,
    codes: &[String],
    units: &AdminUnits,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, c) in codes.iter().enumerate() {
        let c = c.trim();
        if c.is_empty() {
            continue;
        }
        if units.province(c).is_none() {
            e.add(
                &format!("{field}[{i}]"),
                "unknown",
                format!("Mã tỉnh \"{c}\" không có."),
                "unknown province code",
            );
        } else if !out.iter().any(|o| o == c) {
            out.push(c.to_string());
        }
    }
    out
}

fn price_range(e: &mut ValidationErrors, min: Option<i64>, max: Option<i64>) {
    amount(e, "price_min", "Giá thấp nhất", min);
    amount(e, "price_max", "Giá cao nhất", max);
    if let (Some(a), Some(b)) = (min, max) {
        if a > b {
            e.add(
                "price_max",
                "below_min",
                "Giá cao nhất phải từ giá thấp nhất trở lên.",
                "price_max is below price_min",
            );
        }
    }
}

impl DemandInput {
    pub fn validate(
        &self,
        units: &AdminUnits,
        today: NaiveDate,
    ) -> Result<DemandData, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let buyer = clean(&self.buyer);
        if buyer.is_empty() {
            e.required("buyer", "Đơn vị thu mua");
        }
        let title = clean(&self.title);
        if title.is_empty() {
            e.required("title", "Nhu cầu");
        }
        let mut set_codes: Vec<String> = Vec::new();
        for (i, s) in self.set_codes.iter().enumerate() {
            let s = s.trim();
            if s.is_empty() {
                continue;
            }
            if product_set(s).is_none() {
                e.add(
                    &format!("set_codes[{i}]"),
                    "unknown",
                    format!("Bộ sản phẩm \"{s}\" không có (01–26)."),
                    "unknown product set",
                );
            } else if !set_codes.iter().any(|x| x == s) {
                set_codes.push(s.to_string());
            }
        }
        let min_stars = self.min_stars.unwrap_or(3);
        if !(3..=5).contains(&min_stars) {
            e.add(
                "min_stars",
                "out_of_range",
                "Hạng sao tối thiểu là 3, 4 hoặc 5.",
                "min_stars must be 3, 4 or 5",
            );
        }
        if self.quantity.is_some_and(|q| q <= 0 || q > 1_000_000_000) {
            e.add(
                "quantity",
                "out_of_range",
                "Số lượng phải lớn hơn 0.",
                "quantity must be positive",
            );
        }
        let unit = clean(&self.unit);
        if self.quantity.is_some() && unit.is_empty() {
            e.required("unit", "Đơn vị tính");
        }
        let from = date(
            &mut e,
            "period_from",
            "Ngày bắt đầu cung ứng",
            &self.period_from,
        );
        let to = date(
            &mut e,
            "period_to",
            "Ngày kết thúc cung ứng",
            &self.period_to,
        );
        if let (Some(a), Some(b)) = (from, to) {
            if b < a {
                e.add(
                    "period_to",
                    "before_start",
                    "Kỳ cung ứng phải kết thúc sau khi bắt đầu.",
                    "period_to is before period_from",
                );
            }
        }
        let regions = regions(&mut e, "regions", &self.regions, units);
        price_range(&mut e, self.price_min, self.price_max);
        let deadline = date(&mut e, "deadline", "Hạn nhận chào hàng", &self.deadline);
        if deadline.is_some_and(|d| d < today) {
            e.add(
                "deadline",
                "in_past",
                "Hạn nhận chào hàng đã qua.",
                "deadline is in the past",
            );
        }
        let certifications = Some(clean(&self.certifications)).filter(|c| !c.is_empty());
        match (from, to, deadline) {
            (Some(period_from), Some(period_to), Some(deadline)) => e.into_result(DemandData {
                buyer,
                title,
                set_codes,
                min_stars,
                quantity: self.quantity,
                unit,
                period_from,
                period_to,
                regions,
                certifications,
                price_min: self.price_min,
                price_max: self.price_max,
                deadline,
            }),
            _ => Err(e),
        }
    }
}

/// A producer's offer for one certified product.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct OfferInput {
    /// Quantity the producer can supply per month, in `unit`.
    pub capacity: Option<i64>,
    pub unit: String,
    /// When it is available ("quanh năm", "tháng 5–8").
    pub season: String,
    pub price_min: Option<i64>,
    pub price_max: Option<i64>,
    /// Province codes it delivers to; empty: nationwide.
    pub regions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferData {
    pub capacity: Option<i64>,
    pub unit: String,
    pub season: Option<String>,
    pub price_min: Option<i64>,
    pub price_max: Option<i64>,
    pub regions: Vec<String>,
}

impl OfferInput {
    pub fn validate(&self, units: &AdminUnits) -> Result<OfferData, ValidationErrors> {
        let mut e = ValidationErrors::new();
        if self.capacity.is_some_and(|q| q <= 0 || q > 1_000_000_000) {
            e.add(
                "capacity",
                "out_of_range",
                "Năng lực cung ứng phải lớn hơn 0.",
                "capacity must be positive",
            );
        }
        let unit = clean(&self.unit);
        if self.capacity.is_some() && unit.is_empty() {
            e.required("unit", "Đơn vị tính");
        }
        price_range(&mut e, self.price_min, self.price_max);
        let regions = regions(&mut e, "regions", &self.regions, units);
        e.into_result(OfferData {
            capacity: self.capacity,
            unit,
            season: Some(clean(&self.season)).filter(|s| !s.is_empty()),
            price_min: self.price_min,
            price_max: self.price_max,
            regions,
        })
    }
}

/// What matching knows of a product.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub product_id: i64,
    pub set_code: String,
    pub province_code: String,
    pub stars: i64,
    /// The last day its certificate is in force (expiry, or end of a pending re-evaluation's extension).
    pub expires_on: NaiveDate,
    pub revoked_on: Option<NaiveDate>,
    pub offer: Option<OfferData>,
}

/// One criterion's share of a match, with the reason in Vietnamese.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatchPart {
    /// set, stars, capacity, distance, validity.
    pub criterion: &'static str,
    pub label: &'static str,
    pub points: i64,
    pub max: i64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Match {
    pub product_id: i64,
    /// Out of 100.
    pub score: i64,
    pub parts: Vec<MatchPart>,
}

/// Great-circle distance in km between two provinces' centroids.
pub fn province_distance_km(units: &AdminUnits, a: &str, b: &str) -> Option<f64> {
    let (p, q) = (units.province(a)?, units.province(b)?);
    let (la1, lo1, la2, lo2) = (
        p.lat.to_radians(),
        p.lon.to_radians(),
        q.lat.to_radians(),
        q.lon.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    Some(2.0 * 6371.0 * h.sqrt().asin())
}

/// Score a product for a demand, or None when it cannot supply it at all
/// (certificate not valid today, fewer stars than required, another group
/// of products than the demand's). The points, out of 100: product set 40,
/// stars 15, capacity 20, distance 15, certificate valid through the supply
/// period 10.
pub fn score(d: &DemandData, c: &Candidate, units: &AdminUnits, today: NaiveDate) -> Option<Match> {
    let valid_today = c.revoked_on.is_none_or(|r| r > today) && c.expires_on >= today;
    if !valid_today || c.stars < d.min_stars {
        return None;
    }
    let mut parts = Vec::new();
    // Product set: exact, or the same group of products.
    let set = product_set(&c.set_code)?;
    let (points, reason) = if d.set_codes.is_empty() {
        (40, "Nhu cầu không giới hạn bộ sản phẩm.".to_string())
    } else if d.set_codes.contains(&c.set_code) {
        (40, format!("Đúng bộ sản phẩm yêu cầu: {}.", set.name))
    } else if d
        .set_codes
        .iter()
        .filter_map(|s| product_set(s))
        .any(|s| s.group == set.group)
    {
        (
            20,
            format!("Cùng nhóm {}, khác bộ sản phẩm yêu cầu.", set.group_name),
        )
    } else {
        return None;
    };
    parts.push(MatchPart {
        criterion: "set",
        label: "Bộ sản phẩm",
        points,
        max: 40,
        reason,
    });
    // Stars: the more above the minimum, the better.
    let points = match c.stars {
        5 => 15,
        4 => 10,
        _ => 5,
    };
    parts.push(MatchPart {
        criterion: "stars",
        label: "Hạng sao",
        points,
        max: 15,
        reason: format!("Đạt {} sao, yêu cầu từ {} sao.", c.stars, d.min_stars),
    });
    // Capacity against the monthly quantity.
    let (points, reason) = match (&c.offer, d.quantity) {
        (None, _) => (0, "Chủ thể chưa chào hàng sản phẩm này.".to_string()),
        (Some(o), None) => (
            20,
            match o.capacity {
                Some(cap) => format!(
                    "Chào hàng {} {}/tháng; nhu cầu không nêu số lượng.",
                    group_thousands(cap),
                    o.unit
                ),
                None => "Đã chào hàng; nhu cầu không nêu số lượng.".to_string(),
            },
        ),
        (Some(o), Some(q)) => match o.capacity {
            None => (
                5,
                "Đã chào hàng nhưng chưa nêu năng lực cung ứng.".to_string(),
            ),
            Some(cap) if cap >= q => (
                20,
                format!(
                    "Cung ứng được {} {}/tháng, đủ nhu cầu {} {}.",
                    group_thousands(cap),
                    o.unit,
                    group_thousands(q),
                    d.unit
                ),
            ),
            Some(cap) => (
                (20 * cap / q).max(1),
                format!(
                    "Cung ứng được {} {}/tháng, {}% nhu cầu {} {}.",
                    group_thousands(cap),
                    o.unit,
                    100 * cap / q,
                    group_thousands(q),
                    d.unit
                ),
            ),
        },
    };
    parts.push(MatchPart {
        criterion: "capacity",
        label: "Năng lực cung ứng",
        points,
        max: 20,
        reason,
    });
    // Distance: to the nearest delivery province; an offer delivering there counts as near.
    let delivers = c
        .offer
        .as_ref()
        .is_some_and(|o| o.regions.is_empty() || d.regions.iter().any(|r| o.regions.contains(r)));
    let nearest = d
        .regions
        .iter()
        .filter_map(|r| province_distance_km(units, &c.province_code, r))
        .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.min(x))));
    let (points, reason) = match nearest {
        None => (15, "Nhu cầu giao hàng toàn quốc.".to_string()),
        Some(_) if d.regions.contains(&c.province_code) => {
            (15, "Sản xuất ngay tại tỉnh nhận hàng.".to_string())
        }
        Some(km) => {
            let by_distance = (15.0 - km / 100.0).round().max(0.0) as i64;
            if delivers && by_distance < 15 {
                (
                    15,
                    format!(
                        "Cách nơi nhận khoảng {:.0} km; chủ thể nhận giao đến tỉnh này.",
                        km
                    ),
                )
            } else {
                (by_distance, format!("Cách nơi nhận khoảng {:.0} km.", km))
            }
        }
    };
    parts.push(MatchPart {
        criterion: "distance",
        label: "Khoảng cách",
        points,
        max: 15,
        reason,
    });
    // The certificate must last through the supply period.
    let (points, reason) = if c.expires_on >= d.period_to {
        (
            10,
            format!(
                "Giấy chứng nhận còn hiệu lực đến {}, hết kỳ cung ứng.",
                c.expires_on.format("%d/%m/%Y")
            ),
        )
    } else {
        (
            0,
            format!(
                "Giấy chứng nhận hết hạn ngày {}, trước khi hết kỳ cung ứng ({}).",
                c.expires_on.format("%d/%m/%Y"),
                d.period_to.format("%d/%m/%Y")
            ),
        )
    };
    parts.push(MatchPart {
        criterion: "validity",
        label: "Hiệu lực chứng nhận",
        points,
        max: 10,
        reason,
    });
    Some(Match {
        product_id: c.product_id,
        score: parts.iter().map(|p| p.points).sum(),
        parts,
    })
}

/// Rank candidates: best score first, then more stars, then the product id
/// (stable). Ineligible ones are left out.
pub fn rank(
    d: &DemandData,
    candidates: &[Candidate],
    units: &AdminUnits,
    today: NaiveDate,
) -> Vec<Match> {
    let mut out: Vec<(Match, i64)> = candidates
        .iter()
        .filter_map(|c| score(d, c, units, today).map(|m| (m, c.stars)))
        .collect();
    out.sort_by(|(a, sa), (b, sb)| {
        b.score
            .cmp(&a.score)
            .then(sb.cmp(sa))
            .then(a.product_id.cmp(&b.product_id))
    });
    out.into_iter().map(|(m, _)| m).collect()
}

/// Kinds of trade agreements.
pub const AGREEMENT_KINDS: [(&str, &str); 3] = [
    ("cooperation", "Biên bản hợp tác"),
    ("memorandum", "Biên bản ghi nhớ"),
    ("contract", "Hợp đồng mua bán"),
];

/// An agreement's statuses.
pub const AGREEMENT_STATUSES: [(&str, &str); 4] = [
    ("signed", "Đã ký kết"),
    ("delivering", "Đang giao hàng"),
    ("completed", "Đã hoàn thành"),
    ("cancelled", "Đã huỷ"),
];

pub fn agreement_kind_label(code: &str) -> Option<&'static str> {
    AGREEMENT_KINDS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
}

pub fn agreement_status_label(code: &str) -> Option<&'static str> {
    AGREEMENT_STATUSES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
}

/// May an agreement go from `from` to `to`? Completed and cancelled are final.
pub fn agreement_move_allowed(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("signed", "delivering" | "completed" | "cancelled")
            | ("delivering", "completed" | "cancelled")
    )
}

/// An agreement as recorded by one of its parties or the organiser.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct AgreementInput {
    /// cooperation, memorandum or contract.
    pub kind: String,
    /// The buying party.
    pub buyer: String,
    pub producer_id: i64,
    /// Product codes covered.
    pub product_codes: Vec<String>,
    /// "2 tấn/tháng", as written in the agreement.
    pub quantity: String,
    /// Value in million đồng ("1.250,5").
    pub value: String,
    /// dd/mm/yyyy.
    pub signed_on: String,
    /// The event where it was signed, if any.
    pub event_id: Option<i64>,
    /// The demand it answers, if any.
    pub demand_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgreementData {
    pub kind: String,
    pub buyer: String,
    pub producer_id: i64,
    pub product_codes: Vec<String>,
    pub quantity: Option<String>,
    pub value_vnd: Option<i64>,
    pub signed_on: NaiveDate,
    pub event_id: Option<i64>,
    pub demand_id: Option<i64>,
}

impl AgreementInput {
    pub fn validate(&self, today: NaiveDate) -> Result<AgreementData, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let kind = clean(&self.kind);
        if agreement_kind_label(&kind).is_none() {
            e.add(
                "kind",
                "invalid_choice",
                "Chọn loại: biên bản hợp tác, biên bản ghi nhớ hoặc hợp đồng.",
                "kind must be cooperation, memorandum or contract",
            );
        }
        let buyer = clean(&self.buyer);
        if buyer.is_empty() {
            e.required("buyer", "Bên mua");
        }
        let product_codes: Vec<String> = self
            .product_codes
            .iter()
            .map(|c| clean(c))
            .filter(|c| !c.is_empty())
            .collect();
        let value_vnd = match self.value.trim() {
            "" => None,
            v => match crate::trade_event::parse_million_vnd(v) {
                Some(x) => Some(x),
                None => {
                    e.add(
                        "value",
                        "invalid_format",
                        "Giá trị ghi bằng triệu đồng, ví dụ 1.250,5.",
                        "value is a number of million đồng",
                    );
                    None
                }
            },
        };
        let signed_on = date(&mut e, "signed_on", "Ngày ký", &self.signed_on);
        if signed_on.is_some_and(|d| d > today) {
            e.add(
                "signed_on",
                "in_future",
                "Ngày ký không thể sau hôm nay.",
                "signed_on is in the future",
            );
        }
        let quantity = Some(clean(&self.quantity)).filter(|q| !q.is_empty());
        match signed_on {
            Some(signed_on) => e.into_result(AgreementData {
                kind,
                buyer,
                producer_id: self.producer_id,
                product_codes,
                quantity,
                value_vnd,
                signed_on,
                event_id: self.event_id,
                demand_id: self.demand_id,
            }),
            None => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin_units::units;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn demand() -> DemandData {
        DemandInput {
            buyer: "Hệ thống siêu thị Xanh".into(),
            title: "Nước mắm cho 40 siêu thị".into(),
            set_codes: vec!["09".into()],
            min_stars: Some(4),
            quantity: Some(1_000),
            unit: "chai".into(),
            period_from: "01/01/2027".into(),
            period_to: "31/12/2027".into(),
            regions: vec!["01".into()],
            deadline: "31/12/2026".into(),
            ..Default::default()
        }
        .validate(units(), d(2026, 11, 22))
        .unwrap()
    }

    fn candidate(id: i64, set: &str, province: &str, stars: i64, expires: NaiveDate) -> Candidate {
        Candidate {
            product_id: id,
            set_code: set.into(),
            province_code: province.into(),
            stars,
            expires_on: expires,
            revoked_on: None,
            offer: None,
        }
    }

    #[test]
    fn a_demand_names_every_bad_field() {
        let e = DemandInput {
            set_codes: vec!["99".into()],
            min_stars: Some(2),
            quantity: Some(0),
            period_from: "01/02/2027".into(),
            period_to: "01/01/2027".into(),
            regions: vec!["00".into()],
            price_min: Some(10),
            price_max: Some(5),
            deadline: "01/01/2020".into(),
            ..Default::default()
        }
        .validate(units(), d(2026, 11, 22))
        .unwrap_err();
        for f in [
            "buyer",
            "title",
            "set_codes[0]",
            "min_stars",
            "quantity",
            "period_to",
            "regions[0]",
            "price_max",
            "deadline",
        ] {
            assert!(e.for_field(f).is_some(), "{f}: {e}");
        }
    }

    #[test]
    fn scores_explain_every_point() {
        let today = d(2026, 11, 22);
        let dm = demand();
        // 5★ fish sauce made in Hà Nội, valid through the period, with an offer covering the need.
        let mut best = candidate(1, "09", "01", 5, d(2028, 6, 1));
        best.offer = Some(OfferData {
            capacity: Some(1_500),
            unit: "chai".into(),
            season: None,
            price_min: None,
            price_max: None,
            regions: vec![],
        });
        let m = score(&dm, &best, units(), today).unwrap();
        assert_eq!(m.score, 100, "{m:?}");
        // 4★ from Cà Mau, no offer, certificate ends mid-period.
        let far = candidate(2, "09", "96", 4, d(2027, 6, 30));
        let m = score(&dm, &far, units(), today).unwrap();
        let by = |c: &str| m.parts.iter().find(|p| p.criterion == c).unwrap().clone();
        assert_eq!(by("set").points, 40);
        assert_eq!(by("stars").points, 10);
        assert_eq!(by("capacity").points, 0);
        assert!(by("capacity").reason.contains("chưa chào hàng"));
        assert!(by("distance").points < 5, "{:?}", by("distance"));
        assert!(by("distance").reason.contains("km"));
        assert_eq!(by("validity").points, 0);
        assert!(by("validity").reason.contains("30/06/2027"));
        // 3★ is below the demand's minimum; an expired certificate is out; another group is out.
        assert!(score(
            &dm,
            &candidate(3, "09", "01", 3, d(2028, 1, 1)),
            units(),
            today
        )
        .is_none());
        assert!(score(
            &dm,
            &candidate(4, "09", "01", 5, d(2026, 1, 1)),
            units(),
            today
        )
        .is_none());
        assert!(score(
            &dm,
            &candidate(5, "25", "01", 5, d(2028, 1, 1)),
            units(),
            today
        )
        .is_none());
    }

    #[test]
    fn ranking_is_by_score_then_stars() {
        let today = d(2026, 11, 22);
        let dm = demand();
        let ranked = rank(
            &dm,
            &[
                candidate(7, "09", "96", 4, d(2028, 1, 1)),
                candidate(8, "09", "01", 4, d(2028, 1, 1)),
                candidate(9, "09", "01", 5, d(2028, 1, 1)),
                candidate(10, "09", "01", 3, d(2028, 1, 1)),
            ],
            units(),
            today,
        );
        let ids: Vec<i64> = ranked.iter().map(|m| m.product_id).collect();
        assert_eq!(ids, vec![9, 8, 7]);
    }

    #[test]
    fn agreements_move_forward_only() {
        assert!(agreement_move_allowed("signed", "delivering"));
        assert!(agreement_move_allowed("delivering", "completed"));
        assert!(!agreement_move_allowed("completed", "delivering"));
        assert!(!agreement_move_allowed("cancelled", "signed"));
        let e = AgreementInput {
            kind: "handshake".into(),
            value: "nhiều".into(),
            signed_on: "01/01/2030".into(),
            ..Default::default()
        }
        .validate(d(2026, 11, 22))
        .unwrap_err();
        for f in ["kind", "buyer", "value", "signed_on"] {
            assert!(e.for_field(f).is_some(), "{f}: {e}");
        }
    }
}
