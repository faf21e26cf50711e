//! Fairs, OCOP weeks and other promotion events (hội chợ, tuần hàng): what
//! an organiser plans, the booths producers apply for, the figures reported
//! each day, and the report that compares them with the plan and with the
//! previous edition of the same series (seed 004: "197 gian hàng, 49.000 lượt
//! khách trong 5 ngày, doanh thu 9.557,6 triệu đồng, tăng 140%").

use crate::admin_units::AdminUnits;
use crate::certificate::parse_date;
use crate::error::ValidationErrors;
use crate::text::{clean, group_thousands};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Kinds of promotion events.
pub const EVENT_KINDS: [(&str, &str); 5] = [
    ("fair", "Hội chợ"),
    ("ocop_week", "Tuần hàng OCOP tại siêu thị"),
    ("exhibition", "Triển lãm"),
    ("supply_demand", "Hội nghị kết nối cung cầu"),
    ("online", "Sự kiện trực tuyến"),
];

/// How far an event reaches.
pub const EVENT_SCOPES: [(&str, &str); 4] = [
    ("provincial", "Cấp tỉnh"),
    ("regional", "Cấp vùng"),
    ("national", "Toàn quốc"),
    ("international", "Quốc tế"),
];

pub fn kind_label(code: &str) -> Option<&'static str> {
    EVENT_KINDS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
}

pub fn scope_label(code: &str) -> Option<&'static str> {
    EVENT_SCOPES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
}

/// The longest event accepted: fairs run days, OCOP weeks a few weeks.
pub const MAX_EVENT_DAYS: i64 = 92;

/// An event as typed by its organiser. Money is typed in million đồng, the
/// unit every report uses ("9.557,6").
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct TradeEventInput {
    pub name: String,
    /// Editions of one recurring event share a series name
    /// ("Hội chợ OCOP Quảng Ninh"); reports compare with the previous edition.
    pub series: String,
    /// One of fair, ocop_week, exhibition, supply_demand, online.
    pub kind: String,
    /// One of provincial, regional, national, international.
    pub scope: String,
    pub organiser: String,
    /// Where it is held (a venue, or the platform's address for an online event).
    pub venue: String,
    /// The host province's code.
    pub province_code: String,
    /// dd/mm/yyyy.
    pub starts_on: String,
    /// dd/mm/yyyy, on or after the start.
    pub ends_on: String,
    pub planned_booths: Option<i64>,
    pub planned_visitors: Option<i64>,
    /// Planned revenue in million đồng ("9557,6" or "9.557,6").
    pub planned_revenue: String,
}

/// A validated event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TradeEventData {
    pub name: String,
    pub series: Option<String>,
    pub kind: String,
    pub scope: String,
    pub organiser: String,
    pub venue: String,
    pub province_code: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub planned_booths: Option<i64>,
    pub planned_visitors: Option<i64>,
    /// In đồng.
    pub planned_revenue_vnd: Option<i64>,
}

fn date_field(e: &mut ValidationErrors, field: &str, label: &str, s: &str) -> Option<NaiveDate> {
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

fn count_field(e: &mut ValidationErrors, field: &str, label: &str, n: Option<i64>, max: i64) {
    if let Some(n) = n {
        if !(0..=max).contains(&n) {
            e.add(
                field,
                "out_of_range",
                format!("{label} phải từ 0 đến {}.", group_thousands(max)),
                format!("{field} must be between 0 and {max}"),
            );
        }
    }
}

impl TradeEventInput {
    pub fn validate(&self, units: &AdminUnits) -> Result<TradeEventData, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let name = clean(&self.name);
        if name.is_empty() {
            e.required("name", "Tên sự kiện");
        }
        let series = Some(clean(&self.series)).filter(|s| !s.is_empty());
        let kind = clean(&self.kind);
        if kind_label(&kind).is_none() {
            e.add(
                "kind",
                "invalid_choice",
                "Chọn loại sự kiện: hội chợ, tuần hàng, triển lãm, kết nối cung cầu hoặc trực tuyến.",
                "kind must be fair, ocop_week, exhibition, supply_demand or online",
            );
        }
        let scope = clean(&self.scope);
        if scope_label(&scope).is_none() {
            e.add(
                "scope",
                "invalid_choice",
                "Chọn quy mô: cấp tỉnh, cấp vùng, toàn quốc hoặc quốc tế.",
                "scope must be provincial, regional, national or international",
            );
        }
        let organiser = clean(&self.organiser);
        if organiser.is_empty() {
            e.required("organiser", "Đơn vị tổ chức");
        }
        let venue = clean(&self.venue);
        if venue.is_empty() {
            e.required("venue", "Địa điểm");
        }
        let province_code = clean(&self.province_code);
        if units.province(&province_code).is_none() {
            e.add(
                "province_code",
                "unknown",
                format!("Mã tỉnh \"{province_code}\" không có."),
                "unknown province_code",
            );
        }
        let starts_on = date_field(&mut e, "starts_on", "Ngày khai mạc", &self.starts_on);
        let ends_on = date_field(&mut e, "ends_on", "Ngày bế mạc", &self.ends_on);
        if let (Some(s), Some(t)) = (starts_on, ends_on) {
            if t < s {
                e.add(
                    "ends_on",
                    "before_start",
                    "Ngày bế mạc phải từ ngày khai mạc trở đi.",
                    "ends_on is before starts_on",
                );
            } else if (t - s).num_days() + 1 > MAX_EVENT_DAYS {
                e.add(
                    "ends_on",
                    "too_long",
                    format!("Một sự kiện kéo dài tối đa {MAX_EVENT_DAYS} ngày."),
                    format!("an event lasts at most {MAX_EVENT_DAYS} days"),
                );
            }
        }
        count_field(
            &mut e,
            "planned_booths",
            "Số gian hàng dự kiến",
            self.planned_booths,
            100_000,
        );
        count_field(
            &mut e,
            "planned_visitors",
            "Số lượt khách dự kiến",
            self.planned_visitors,
            100_000_000,
        );
        let planned_revenue_vnd = match self.planned_revenue.trim() {
            "" => None,
            s => match parse_million_vnd(s) {
                Some(v) => Some(v),
                None => {
                    e.add(
                        "planned_revenue",
                        "invalid_format",
                        "Doanh thu dự kiến ghi bằng triệu đồng, ví dụ 9.557,6.",
                        "planned_revenue is a number of million đồng, e.g. 9557.6",
                    );
                    None
                }
            },
        };
        match (starts_on, ends_on) {
            (Some(starts_on), Some(ends_on)) => e.into_result(TradeEventData {
                name,
                series,
                kind,
                scope,
                organiser,
                venue,
                province_code,
                starts_on,
                ends_on,
                planned_booths: self.planned_booths,
                planned_visitors: self.planned_visitors,
                planned_revenue_vnd,
            }),
            _ => Err(e),
        }
    }
}

/// The most a single figure may reach (a trillion đồng; a billion visitors).
const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

/// Read an amount in million đồng the way it is written in Vietnam
/// ("9.557,6", "9557,6", "15.594,95") or in the API's plain form ("9557.6"),
/// into đồng. A dot followed by exactly three digits is a thousands separator
/// when no comma is present ("9.557" is 9,557 million); otherwise a lone dot
/// is the decimal point. At most six decimals (one đồng).
pub fn parse_million_vnd(s: &str) -> Option<i64> {
    let s = s.trim();
    let (int, frac) = if s.contains(',') {
        let (i, f) = s.split_once(',')?;
        (i.replace('.', ""), f.to_string())
    } else if let Some((i, f)) = s.split_once('.') {
        let grouped = s.split('.').skip(1).all(|g| g.len() == 3);
        if grouped {
            (s.replace('.', ""), String::new())
        } else if f.contains('.') {
            return None;
        } else {
            (i.to_string(), f.to_string())
        }
    } else {
        (s.to_string(), String::new())
    };
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 6
        || int.len() > 12
    {
        return None;
    }
    let whole: i64 = int.parse().ok()?;
    let frac_vnd: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<6}").parse().ok()?
    };
    let v = whole.checked_mul(1_000_000)?.checked_add(frac_vnd)?;
    (v <= MAX_AMOUNT).then_some(v)
}

/// Đồng as million đồng with at most two decimals, the way reports write it:
/// 9_557_600_000 → "9.557,6 triệu đồng"; 15_594_950_000 → "15.594,95 triệu đồng".
pub fn format_million_vnd(vnd: i64) -> String {
    format!("{} triệu đồng", format_million(vnd))
}

/// The number of [`format_million_vnd`] without its unit ("9.557,6").
pub fn format_million(vnd: i64) -> String {
    // Hundredths of a million, rounded half up.
    let cents = (vnd + 5_000) / 10_000;
    let (whole, frac) = (cents / 100, cents % 100);
    match frac {
        0 => group_thousands(whole),
        f if f % 10 == 0 => format!("{},{}", group_thousands(whole), f / 10),
        f => format!("{},{:02}", group_thousands(whole), f),
    }
}

/// A relative change, the way the press writes it: "+140%", "−12%", "0%".
/// None when there is nothing to compare with.
pub fn format_change(current: i64, base: i64) -> Option<String> {
    let pct = change_percent(current, base)?;
    Some(match pct {
        p if p > 0 => format!("+{p}%"),
        p if p < 0 => format!("−{}%", -p),
        _ => "0%".to_string(),
    })
}

/// (current − base) / base in whole percent, rounded half away from zero.
pub fn change_percent(current: i64, base: i64) -> Option<i64> {
    if base <= 0 {
        return None;
    }
    let diff = (current - base) as i128 * 100;
    let b = base as i128;
    let q = if diff >= 0 {
        (diff + b / 2) / b
    } else {
        (diff - b / 2) / b
    };
    Some(q as i64)
}

/// current / target in whole percent ("đạt 104% kế hoạch").
pub fn share_percent(current: i64, target: i64) -> Option<i64> {
    if target <= 0 {
        return None;
    }
    Some(((current as i128 * 100 + target as i128 / 2) / target as i128) as i64)
}

/// Where an event stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventPhase {
    Upcoming,
    Running,
    Ended,
    /// Ended and its final report published by the organiser.
    Reported,
}

impl EventPhase {
    pub fn of(starts_on: NaiveDate, ends_on: NaiveDate, finalized: bool, today: NaiveDate) -> Self {
        if finalized {
            EventPhase::Reported
        } else if today < starts_on {
            EventPhase::Upcoming
        } else if today <= ends_on {
            EventPhase::Running
        } else {
            EventPhase::Ended
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EventPhase::Upcoming => "Sắp diễn ra",
            EventPhase::Running => "Đang diễn ra",
            EventPhase::Ended => "Đã kết thúc, chờ báo cáo tổng kết",
            EventPhase::Reported => "Đã có báo cáo tổng kết",
        }
    }
}

/// A booth's standing.
pub const BOOTH_STATUSES: [(&str, &str); 3] = [
    ("applied", "Đã đăng ký"),
    ("allocated", "Đã bố trí gian hàng"),
    ("rejected", "Không được bố trí"),
];

pub fn booth_status_label(code: &str) -> Option<&'static str> {
    BOOTH_STATUSES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
}

/// The organiser's answer to a booth application.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct BoothAllocationInput {
    /// "A12": unique within the event. Empty with `reject` set.
    pub booth_number: String,
    /// Square metres.
    pub area_m2: Option<f64>,
    /// Refuse the application instead.
    pub reject: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum BoothAllocation {
    Allocated { booth_number: String, area_m2: f64 },
    Rejected,
}

impl BoothAllocationInput {
    pub fn validate(&self) -> Result<BoothAllocation, ValidationErrors> {
        if self.reject {
            return Ok(BoothAllocation::Rejected);
        }
        let mut e = ValidationErrors::new();
        let booth_number = clean(&self.booth_number);
        if booth_number.is_empty() {
            e.required("booth_number", "Số gian hàng");
        } else if booth_number.chars().count() > 20 {
            e.add(
                "booth_number",
                "too_long",
                "Số gian hàng dài tối đa 20 ký tự.",
                "booth_number is at most 20 characters",
            );
        }
        let area_m2 = match self.area_m2 {
            Some(a) if a.is_finite() && a > 0.0 && a <= 10_000.0 => a,
            Some(_) => {
                e.add(
                    "area_m2",
                    "out_of_range",
                    "Diện tích gian hàng phải lớn hơn 0 và không quá 10.000 m².",
                    "area_m2 must be in (0, 10000]",
                );
                0.0
            }
            None => {
                e.required("area_m2", "Diện tích gian hàng");
                0.0
            }
        };
        e.into_result(BoothAllocation::Allocated {
            booth_number,
            area_m2,
        })
    }
}

/// One day's figures, as the organiser reports them: visitors and
/// agreements for the whole event, revenue and orders per booth.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct DayReportInput {
    /// dd/mm/yyyy, within the event's dates.
    pub day: String,
    pub visitors: Option<i64>,
    /// Trade agreements (biên bản hợp tác, ghi nhớ) signed that day.
    pub agreements: Option<i64>,
    pub sales: Vec<BoothSalesInput>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct BoothSalesInput {
    pub booth_id: i64,
    /// Revenue in million đồng ("12,5").
    pub revenue: String,
    pub orders: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayReport {
    pub day: NaiveDate,
    pub visitors: i64,
    pub agreements: i64,
    pub sales: Vec<BoothSales>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoothSales {
    pub booth_id: i64,
    pub revenue_vnd: i64,
    pub orders: i64,
}

impl DayReportInput {
    /// `allocated` are the event's allocated booths: sales are reported for
    /// those only, each once.
    pub fn validate(
        &self,
        starts_on: NaiveDate,
        ends_on: NaiveDate,
        allocated: &[i64],
    ) -> Result<DayReport, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let day = date_field(&mut e, "day", "Ngày báo cáo", &self.day);
        if let Some(d) = day {
            if d < starts_on || d > ends_on {
                e.add(
                    "day",
                    "out_of_range",
                    format!(
                        "Ngày báo cáo phải trong thời gian sự kiện ({} – {}).",
                        starts_on.format("%d/%m/%Y"),
                        ends_on.format("%d/%m/%Y")
                    ),
                    "day is outside the event's dates",
                );
            }
        }
        count_field(
            &mut e,
            "visitors",
            "Số lượt khách",
            self.visitors,
            100_000_000,
        );
        count_field(
            &mut e,
            "agreements",
            "Số biên bản hợp tác",
            self.agreements,
            1_000_000,
        );
        let mut sales = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (i, s) in self.sales.iter().enumerate() {
            let field = format!("sales[{i}]");
            if !allocated.contains(&s.booth_id) {
                e.add(
                    &field,
                    "unknown_booth",
                    format!(
                        "Dòng {}: gian hàng này chưa được bố trí trong sự kiện.",
                        i + 1
                    ),
                    format!(
                        "{field}: booth {} is not allocated in this event",
                        s.booth_id
                    ),
                );
                continue;
            }
            if !seen.insert(s.booth_id) {
                e.add(
                    &field,
                    "duplicate",
                    format!("Dòng {}: gian hàng được báo cáo hai lần.", i + 1),
                    format!("{field}: booth reported twice"),
                );
                continue;
            }
            let revenue_vnd = match s.revenue.trim() {
                "" => 0,
                r => match parse_million_vnd(r) {
                    Some(v) => v,
                    None => {
                        e.add(
                            &field,
                            "invalid_format",
                            format!("Dòng {}: doanh thu ghi bằng triệu đồng, ví dụ 12,5.", i + 1),
                            format!("{field}: revenue is a number of million đồng"),
                        );
                        continue;
                    }
                },
            };
            let orders = s.orders.unwrap_or(0);
            if !(0..=10_000_000).contains(&orders) {
                e.add(
                    &field,
                    "out_of_range",
                    format!("Dòng {}: số đơn hàng không hợp lệ.", i + 1),
                    format!("{field}: orders out of range"),
                );
                continue;
            }
            sales.push(BoothSales {
                booth_id: s.booth_id,
                revenue_vnd,
                orders,
            });
        }
        match day {
            Some(day) => e.into_result(DayReport {
                day,
                visitors: self.visitors.unwrap_or(0),
                agreements: self.agreements.unwrap_or(0),
                sales,
            }),
            None => Err(e),
        }
    }
}

/// The totals an event report is made of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventFigures {
    /// Allocated booths.
    pub booths: i64,
    pub days_reported: i64,
    pub visitors: i64,
    pub revenue_vnd: i64,
    pub orders: i64,
    pub agreements: i64,
    /// Provinces present (with a booth or recorded by the organiser).
    pub provinces: i64,
    pub countries: i64,
}

/// One line of the comparison with the plan or the previous edition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FigureComparison {
    /// booths, visitors, revenue_vnd, orders, agreements, provinces, countries.
    pub figure: &'static str,
    pub label: &'static str,
    pub current: i64,
    pub base: i64,
    /// Whole percent; null when the base is zero.
    pub percent: Option<i64>,
    /// "+140%", "−12%" against the previous edition; "104%" of the plan.
    pub text: Option<String>,
}

const COMPARED: [(&str, &str); 7] = [
    ("booths", "Gian hàng"),
    ("visitors", "Lượt khách"),
    ("revenue_vnd", "Doanh thu"),
    ("orders", "Đơn hàng"),
    ("agreements", "Biên bản hợp tác ký kết"),
    ("provinces", "Tỉnh, thành phố tham gia"),
    ("countries", "Quốc gia tham gia"),
];

impl EventFigures {
    fn get(&self, figure: &str) -> i64 {
        match figure {
            "booths" => self.booths,
            "visitors" => self.visitors,
            "revenue_vnd" => self.revenue_vnd,
            "orders" => self.orders,
            "agreements" => self.agreements,
            "provinces" => self.provinces,
            "countries" => self.countries,
            _ => 0,
        }
    }

    /// Growth of each figure over a previous edition's.
    pub fn against_previous(&self, previous: &EventFigures) -> Vec<FigureComparison> {
        COMPARED
            .iter()
            .map(|(figure, label)| {
                let (current, base) = (self.get(figure), previous.get(figure));
                FigureComparison {
                    figure,
                    label,
                    current,
                    base,
                    percent: change_percent(current, base),
                    text: format_change(current, base),
                }
            })
            .collect()
    }

    /// Share of the plan reached, for the figures that were planned.
    pub fn against_plan(
        &self,
        booths: Option<i64>,
        visitors: Option<i64>,
        revenue_vnd: Option<i64>,
    ) -> Vec<FigureComparison> {
        [
            (COMPARED[0], booths),
            (COMPARED[1], visitors),
            (COMPARED[2], revenue_vnd),
        ]
        .into_iter()
        .filter_map(|((figure, label), plan)| {
            let base = plan?;
            let current = self.get(figure);
            let percent = share_percent(current, base);
            Some(FigureComparison {
                figure,
                label,
                current,
                base,
                percent,
                text: percent.map(|p| format!("{p}%")),
            })
        })
        .collect()
    }
}

/// Clean a list of country names typed one per line or separated by commas,
/// dropping blanks and repeats (compared without accents or case).
pub fn parse_countries(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in text.split([',', ';', '\n']) {
        let c = clean(part);
        if c.is_empty() {
            continue;
        }
        let key = crate::text::fold_vi(&c);
        if !out.iter().any(|o| crate::text::fold_vi(o) == key) {
            out.push(c.chars().take(80).collect());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin_units::units;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn money_in_million_dong_both_ways() {
        assert_eq!(parse_million_vnd("9.557,6"), Some(9_557_600_000));
        assert_eq!(parse_million_vnd("9557,6"), Some(9_557_600_000));
        assert_eq!(parse_million_vnd("9557.6"), Some(9_557_600_000));
        assert_eq!(parse_million_vnd("15.594,95"), Some(15_594_950_000));
        assert_eq!(parse_million_vnd("9.557"), Some(9_557_000_000));
        assert_eq!(parse_million_vnd("1.234.567"), Some(1_234_567_000_000));
        assert_eq!(parse_million_vnd("0,000001"), Some(1));
        for bad in [
            "",
            "abc",
            "1,2,3",
            "1.2.3",
            "-5",
            "1,0000001",
            "9999999999999",
        ] {
            assert_eq!(parse_million_vnd(bad), None, "{bad}");
        }
        assert_eq!(format_million_vnd(9_557_600_000), "9.557,6 triệu đồng");
        assert_eq!(format_million_vnd(15_594_950_000), "15.594,95 triệu đồng");
        assert_eq!(format_million_vnd(3_000_000_000), "3.000 triệu đồng");
        assert_eq!(format_million_vnd(0), "0 triệu đồng");
    }

    #[test]
    fn growth_as_the_press_writes_it() {
        // Seed 004: 9,557.6 million against about 3,982 million a year before.
        assert_eq!(
            format_change(9_557_600_000, 3_982_300_000).as_deref(),
            Some("+140%")
        );
        assert_eq!(format_change(88, 100).as_deref(), Some("−12%"));
        assert_eq!(format_change(100, 100).as_deref(), Some("0%"));
        assert_eq!(format_change(5, 0), None);
        assert_eq!(share_percent(197, 190), Some(104));
    }

    #[test]
    fn an_event_names_every_bad_field() {
        let input = TradeEventInput {
            name: " ".into(),
            kind: "party".into(),
            scope: "galactic".into(),
            province_code: "99".into(),
            starts_on: "10/03/2026".into(),
            ends_on: "01/03/2026".into(),
            planned_booths: Some(-1),
            planned_revenue: "nhiều".into(),
            ..Default::default()
        };
        let e = input.validate(units()).unwrap_err();
        for f in [
            "name",
            "kind",
            "scope",
            "organiser",
            "venue",
            "province_code",
            "ends_on",
            "planned_booths",
            "planned_revenue",
        ] {
            assert!(e.for_field(f).is_some(), "{f} not named: {e}");
        }
    }

    #[test]
    fn a_valid_event() {
        let input = TradeEventInput {
            name: "Hội chợ OCOP Quảng Ninh xuân 2026".into(),
            series: "Hội chợ OCOP Quảng Ninh".into(),
            kind: "fair".into(),
            scope: "regional".into(),
            organiser: "Văn phòng OCOP tỉnh Quảng Ninh".into(),
            venue: "Cung Quy hoạch, Hội chợ và Triển lãm tỉnh".into(),
            province_code: "22".into(),
            starts_on: "10/03/2026".into(),
            ends_on: "14/03/2026".into(),
            planned_booths: Some(190),
            planned_visitors: Some(45_000),
            planned_revenue: "9.000".into(),
        };
        let v = input.validate(units()).unwrap();
        assert_eq!(v.planned_revenue_vnd, Some(9_000_000_000));
        assert_eq!((v.ends_on - v.starts_on).num_days(), 4);
    }

    #[test]
    fn phases_follow_the_calendar() {
        let (s, t) = (d(2026, 3, 10), d(2026, 3, 14));
        assert_eq!(
            EventPhase::of(s, t, false, d(2026, 3, 9)),
            EventPhase::Upcoming
        );
        assert_eq!(
            EventPhase::of(s, t, false, d(2026, 3, 14)),
            EventPhase::Running
        );
        assert_eq!(
            EventPhase::of(s, t, false, d(2026, 3, 15)),
            EventPhase::Ended
        );
        assert_eq!(
            EventPhase::of(s, t, true, d(2026, 3, 15)),
            EventPhase::Reported
        );
    }

    #[test]
    fn day_reports_stay_within_the_event_and_its_booths() {
        let (s, t) = (d(2026, 3, 10), d(2026, 3, 14));
        let input = DayReportInput {
            day: "15/03/2026".into(),
            visitors: Some(9_000),
            agreements: Some(3),
            sales: vec![
                BoothSalesInput {
                    booth_id: 1,
                    revenue: "12,5".into(),
                    orders: Some(40),
                },
                BoothSalesInput {
                    booth_id: 1,
                    revenue: "1".into(),
                    orders: None,
                },
                BoothSalesInput {
                    booth_id: 9,
                    revenue: "1".into(),
                    orders: None,
                },
            ],
        };
        let e = input.validate(s, t, &[1, 2]).unwrap_err();
        assert!(e.for_field("day").is_some());
        assert!(e.for_field("sales[1]").is_some());
        assert!(e.for_field("sales[2]").is_some());
        assert!(e.for_field("sales[0]").is_none());
        let ok = DayReportInput {
            day: "12/03/2026".into(),
            sales: vec![BoothSalesInput {
                booth_id: 2,
                revenue: "12,5".into(),
                orders: Some(40),
            }],
            ..input
        }
        .validate(s, t, &[1, 2])
        .unwrap();
        assert_eq!(ok.sales[0].revenue_vnd, 12_500_000);
    }

    #[test]
    fn comparisons_with_plan_and_previous_edition() {
        let now = EventFigures {
            booths: 197,
            visitors: 49_000,
            revenue_vnd: 9_557_600_000,
            ..Default::default()
        };
        let before = EventFigures {
            booths: 150,
            visitors: 30_000,
            revenue_vnd: 3_982_300_000,
            ..Default::default()
        };
        let growth = now.against_previous(&before);
        let revenue = growth.iter().find(|c| c.figure == "revenue_vnd").unwrap();
        assert_eq!(revenue.text.as_deref(), Some("+140%"));
        let countries = growth.iter().find(|c| c.figure == "countries").unwrap();
        assert_eq!(countries.percent, None);
        let plan = now.against_plan(Some(190), None, Some(9_000_000_000));
        assert_eq!(plan.len(), 2);
        assert_eq!(plan[0].text.as_deref(), Some("104%"));
        assert_eq!(plan[1].text.as_deref(), Some("106%"));
    }

    proptest::proptest! {
        /// Any text is an answer, never a panic; what is accepted is within bounds.
        #[test]
        fn money_parsing_never_panics(s in "\\PC{0,30}") {
            if let Some(v) = parse_million_vnd(&s) {
                proptest::prop_assert!((0..=MAX_AMOUNT).contains(&v));
            }
        }

        /// What a report prints reads back as the same amount, to the
        /// hundredth of a million it shows.
        #[test]
        fn printed_amounts_read_back(v in 0i64..=MAX_AMOUNT) {
            let shown = format_million(v);
            let back = parse_million_vnd(&shown).unwrap();
            let rounded = (v + 5_000) / 10_000 * 10_000;
            proptest::prop_assert_eq!(back, rounded, "{}", shown);
        }
    }

    #[test]
    fn countries_are_cleaned_and_unique() {
        assert_eq!(
            parse_countries("Lào, Nhật Bản\nlao ; ; Hàn Quốc"),
            vec!["Lào", "Nhật Bản", "Hàn Quốc"]
        );
    }
}
