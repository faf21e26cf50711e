//! Working days: weekends and Vietnamese public holidays (Labour Code 2019,
//! Art. 112), the holidays computed from the Vietnamese lunar calendar
//! (UTC+7, which differs from the Chinese calendar in some years) and
//! overridable by each year's official schedule, kept as data.
//!
//! The lunar conversion follows Hồ Ngọc Đức's published astronomical
//! algorithm (new moons and solar longitude after Meeus), with time zone 7.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use std::collections::BTreeMap;
use std::f64::consts::PI;

const TZ: f64 = 7.0;

fn int(x: f64) -> i64 {
    x.floor() as i64
}

/// Julian day number of a Gregorian date.
fn jd_from_date(d: i64, m: i64, y: i64) -> i64 {
    let a = (14 - m) / 12;
    let yy = y + 4800 - a;
    let mm = m + 12 * a - 3;
    d + (153 * mm + 2) / 5 + 365 * yy + yy / 4 - yy / 100 + yy / 400 - 32045
}

fn jd_to_date(jd: i64) -> NaiveDate {
    let a = jd + 32044;
    let b = (4 * a + 3) / 146097;
    let c = a - (b * 146097) / 4;
    let d = (4 * c + 3) / 1461;
    let e = c - (1461 * d) / 4;
    let m = (5 * e + 2) / 153;
    let day = e - (153 * m + 2) / 5 + 1;
    let month = m + 3 - 12 * (m / 10);
    let year = b * 100 + d - 4800 + m / 10;
    NaiveDate::from_ymd_opt(year as i32, month as u32, day as u32).expect("valid Julian day")
}

/// Julian day (fractional, UT) of the k-th new moon after 1900-01-01.
fn new_moon(k: i64) -> f64 {
    let k = k as f64;
    let t = k / 1236.85;
    let t2 = t * t;
    let t3 = t2 * t;
    let dr = PI / 180.0;
    let mut jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3;
    jd1 += 0.00033 * ((166.56 + 132.87 * t - 0.009173 * t2) * dr).sin();
    let m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3;
    let mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3;
    let f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3;
    let mut c1 = (0.1734 - 0.000393 * t) * (m * dr).sin() + 0.0021 * (2.0 * dr * m).sin();
    c1 = c1 - 0.4068 * (mpr * dr).sin() + 0.0161 * (dr * 2.0 * mpr).sin();
    c1 -= 0.0004 * (dr * 3.0 * mpr).sin();
    c1 = c1 + 0.0104 * (dr * 2.0 * f).sin() - 0.0051 * (dr * (m + mpr)).sin();
    c1 = c1 - 0.0074 * (dr * (m - mpr)).sin() + 0.0004 * (dr * (2.0 * f + m)).sin();
    c1 = c1 - 0.0004 * (dr * (2.0 * f - m)).sin() - 0.0006 * (dr * (2.0 * f + mpr)).sin();
    c1 = c1 + 0.0010 * (dr * (2.0 * f - mpr)).sin() + 0.0005 * (dr * (2.0 * mpr + m)).sin();
    let deltat = if t < -11.0 {
        0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    } else {
        -0.000278 + 0.000265 * t + 0.000262 * t2
    };
    jd1 + c1 - deltat
}

/// The sun's apparent longitude in radians at Julian day `jdn` (UT).
fn sun_longitude(jdn: f64) -> f64 {
    let t = (jdn - 2451545.0) / 36525.0;
    let t2 = t * t;
    let dr = PI / 180.0;
    let m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2;
    let l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2;
    let mut dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * (dr * m).sin();
    dl = dl + (0.019993 - 0.000101 * t) * (dr * 2.0 * m).sin() + 0.000290 * (dr * 3.0 * m).sin();
    let l = (l0 + dl) * dr;
    l - PI * 2.0 * (l / (PI * 2.0)).floor()
}

/// Which of the 12 solar-term sectors the sun is in at local midnight of a day.
fn sun_sector(day_number: i64) -> i64 {
    int(sun_longitude(day_number as f64 - 0.5 - TZ / 24.0) / PI * 6.0)
}

fn new_moon_day(k: i64) -> i64 {
    int(new_moon(k) + 0.5 + TZ / 24.0)
}

/// The day the 11th lunar month (containing the winter solstice) of year `y` begins.
fn lunar_month_11(y: i64) -> i64 {
    let off = jd_from_date(31, 12, y) - 2415021;
    let k = int(off as f64 / 29.530588853);
    let nm = new_moon_day(k);
    if sun_sector(nm) >= 9 {
        new_moon_day(k - 1)
    } else {
        nm
    }
}

fn leap_month_offset(a11: i64) -> i64 {
    let k = int((a11 as f64 - 2415021.076998695) / 29.530588853 + 0.5);
    let mut i = 1;
    let mut arc = sun_sector(new_moon_day(k + i));
    loop {
        let last = arc;
        i += 1;
        arc = sun_sector(new_moon_day(k + i));
        if arc == last || i >= 14 {
            break;
        }
    }
    i - 1
}

/// A date of the Vietnamese lunar calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LunarDate {
    pub day: u32,
    pub month: u32,
    pub year: i32,
    pub leap: bool,
}

/// Solar (Gregorian) to Vietnamese lunar date.
pub fn to_lunar(date: NaiveDate) -> LunarDate {
    let (dd, mm, yy) = (date.day() as i64, date.month() as i64, date.year() as i64);
    let day_number = jd_from_date(dd, mm, yy);
    let k = int((day_number as f64 - 2415021.076998695) / 29.530588853);
    let mut month_start = new_moon_day(k + 1);
    if month_start > day_number {
        month_start = new_moon_day(k);
    }
    let mut a11 = lunar_month_11(yy);
    let mut b11 = a11;
    let mut lunar_year;
    if a11 >= month_start {
        lunar_year = yy;
        a11 = lunar_month_11(yy - 1);
    } else {
        lunar_year = yy + 1;
        b11 = lunar_month_11(yy + 1);
    }
    let lunar_day = day_number - month_start + 1;
    let diff = int((month_start - a11) as f64 / 29.0);
    let mut leap = false;
    let mut lunar_month = diff + 11;
    if b11 - a11 > 365 {
        let leap_diff = leap_month_offset(a11);
        if diff >= leap_diff {
            lunar_month = diff + 10;
            if diff == leap_diff {
                leap = true;
            }
        }
    }
    if lunar_month > 12 {
        lunar_month -= 12;
    }
    if lunar_month >= 11 && diff < 4 {
        lunar_year -= 1;
    }
    LunarDate {
        day: lunar_day as u32,
        month: lunar_month as u32,
        year: lunar_year as i32,
        leap,
    }
}

/// Vietnamese lunar date to solar; `None` for a leap month that year lacks.
pub fn from_lunar(l: LunarDate) -> Option<NaiveDate> {
    let (ly, lm) = (l.year as i64, l.month as i64);
    let (a11, b11) = if lm < 11 {
        (lunar_month_11(ly - 1), lunar_month_11(ly))
    } else {
        (lunar_month_11(ly), lunar_month_11(ly + 1))
    };
    let k = int(0.5 + (a11 as f64 - 2415021.076998695) / 29.530588853);
    let mut off = lm - 11;
    if off < 0 {
        off += 12;
    }
    if b11 - a11 > 365 {
        let leap_off = leap_month_offset(a11);
        let mut leap_month = leap_off - 2;
        if leap_month < 0 {
            leap_month += 12;
        }
        if l.leap && lm != leap_month {
            return None;
        } else if l.leap || off >= leap_off {
            off += 1;
        }
    } else if l.leap {
        return None;
    }
    let month_start = new_moon_day(k + off);
    Some(jd_to_date(month_start + l.day as i64 - 1))
}

/// Tết Nguyên đán (lunar 1/1) falling in solar year `year`.
pub fn tet(year: i32) -> NaiveDate {
    from_lunar(LunarDate {
        day: 1,
        month: 1,
        year,
        leap: false,
    })
    .expect("month 1 is never leap")
}

/// One day off or one day worked, with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayRule {
    pub date: NaiveDate,
    /// `true`: a day off (holiday, compensatory day, bridge day); `false`: a
    /// working day (a Saturday or Sunday swapped to make a bridge).
    pub off: bool,
    pub name: String,
}

/// Public holidays of a year by default (Labour Code 2019, Art. 112): 1/1;
/// Tết, 5 days (the last day of the old year and the first four of the new);
/// Giỗ Tổ Hùng Vương (10/3 lunar); 30/4; 1/5; 2/9 and 1/9. A holiday on a
/// Saturday or Sunday gives the next working day off.
pub fn default_holidays(year: i32) -> Vec<DayRule> {
    let d = |m, day| NaiveDate::from_ymd_opt(year, m, day).expect("valid date");
    let t = tet(year);
    let mut days: Vec<(NaiveDate, String)> = vec![(d(1, 1), "Tết Dương lịch".into())];
    for i in -1..=3 {
        days.push((t + Duration::days(i), "Tết Nguyên đán".into()));
    }
    if let Some(h) = from_lunar(LunarDate {
        day: 10,
        month: 3,
        year,
        leap: false,
    }) {
        days.push((h, "Giỗ Tổ Hùng Vương".into()));
    }
    days.push((d(4, 30), "Ngày Chiến thắng".into()));
    days.push((d(5, 1), "Ngày Quốc tế Lao động".into()));
    days.push((d(9, 1), "Quốc khánh (ngày liền kề)".into()));
    days.push((d(9, 2), "Quốc khánh".into()));
    let holiday_set: std::collections::BTreeSet<NaiveDate> = days.iter().map(|(d, _)| *d).collect();
    let mut rules: Vec<DayRule> = days
        .iter()
        .map(|(date, name)| DayRule {
            date: *date,
            off: true,
            name: name.clone(),
        })
        .collect();
    let mut taken = holiday_set.clone();
    for (date, name) in &days {
        if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            let mut c = *date + Duration::days(1);
            while matches!(c.weekday(), Weekday::Sat | Weekday::Sun) || taken.contains(&c) {
                c += Duration::days(1);
            }
            taken.insert(c);
            rules.push(DayRule {
                date: c,
                off: true,
                name: format!("Nghỉ bù {name}"),
            });
        }
    }
    rules.sort_by_key(|r| r.date);
    rules
}

/// The calendar of working days: weekends off, holidays off, with the
/// official schedule of a year replacing the computed one where given.
#[derive(Debug, Clone, Default)]
pub struct WorkCalendar {
    /// Official schedules by year (`data/calendar/`); years without one are computed.
    official: BTreeMap<i32, Vec<DayRule>>,
}

impl WorkCalendar {
    /// Parse `date,off,name` rows (date dd/mm/yyyy or yyyy-mm-dd; off 1/0).
    /// A year present in the file is taken wholly from it.
    pub fn with_official(csv_text: &str) -> Result<Self, String> {
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        let mut official: BTreeMap<i32, Vec<DayRule>> = BTreeMap::new();
        for (i, row) in reader.records().enumerate() {
            let row = row.map_err(|e| format!("dòng {}: {e}", i + 2))?;
            let date = crate::certificate::parse_date(row.get(0).unwrap_or(""))
                .ok_or_else(|| format!("dòng {}: ngày không hợp lệ", i + 2))?;
            let off = match row.get(1).unwrap_or("").trim() {
                "1" => true,
                "0" => false,
                o => {
                    return Err(format!(
                        "dòng {}: cột off phải là 1 hoặc 0, không phải \"{o}\"",
                        i + 2
                    ))
                }
            };
            official.entry(date.year()).or_default().push(DayRule {
                date,
                off,
                name: row.get(2).unwrap_or("").to_string(),
            });
        }
        Ok(Self { official })
    }

    /// The calendar shipped in `data/calendar/official.csv`.
    pub fn shipped() -> &'static WorkCalendar {
        static CAL: std::sync::OnceLock<WorkCalendar> = std::sync::OnceLock::new();
        CAL.get_or_init(|| {
            WorkCalendar::with_official(include_str!("../../../data/calendar/official.csv"))
                .expect("data/calendar/official.csv is valid (tested)")
        })
    }

    /// The rules of a year: the official schedule if known, else the computed default.
    pub fn rules(&self, year: i32) -> Vec<DayRule> {
        self.official
            .get(&year)
            .cloned()
            .unwrap_or_else(|| default_holidays(year))
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if let Some(rule) = self.rules(d.year()).into_iter().find(|r| r.date == d) {
            return !rule.off;
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// The day on which `n` working days after `start` end (the deadline of
    /// "within n working days" counted from the day after `start`).
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            d += Duration::days(1);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days strictly after `from` up to and including `to`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let mut n = 0;
        let mut d = from;
        while d < to {
            d += Duration::days(1);
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn tet_dates() {
        // Published Tết dates.
        assert_eq!(tet(2023), d(2023, 1, 22));
        assert_eq!(tet(2024), d(2024, 2, 10));
        assert_eq!(tet(2025), d(2025, 1, 29));
        assert_eq!(tet(2026), d(2026, 2, 17));
        assert_eq!(tet(2027), d(2027, 2, 6));
        // 1985: Vietnam (UTC+7) celebrated on 21/01, China (UTC+8) on 20/02.
        assert_eq!(tet(1985), d(1985, 1, 21));
    }

    #[test]
    fn hung_kings_day() {
        let h = |y| {
            from_lunar(LunarDate {
                day: 10,
                month: 3,
                year: y,
                leap: false,
            })
            .unwrap()
        };
        assert_eq!(h(2024), d(2024, 4, 18));
        assert_eq!(h(2025), d(2025, 4, 7));
        assert_eq!(h(2026), d(2026, 4, 26));
    }

    #[test]
    fn lunar_round_trip() {
        let mut day = d(2000, 1, 1);
        while day < d(2031, 1, 1) {
            let l = to_lunar(day);
            assert_eq!(from_lunar(l), Some(day), "{day} → {l:?}");
            day += Duration::days(13);
        }
        // 2023 had a leap 2nd month (tháng 2 nhuận) starting 22/03/2023.
        assert_eq!(
            to_lunar(d(2023, 3, 22)),
            LunarDate {
                day: 1,
                month: 2,
                year: 2023,
                leap: true
            }
        );
    }

    #[test]
    fn holidays_and_compensatory_days() {
        let cal = WorkCalendar::default();
        // 2026: Tết 17/02 (Tue): 16/02–20/02 off.
        for day in 16..=20 {
            assert!(!cal.is_working_day(d(2026, 2, day)), "{day}/02/2026");
        }
        assert!(cal.is_working_day(d(2026, 2, 23)));
        // 26/04/2026 (Giỗ Tổ) is a Sunday: Monday 27/04 is off instead.
        assert!(!cal.is_working_day(d(2026, 4, 27)));
        assert!(cal.is_working_day(d(2026, 4, 28)));
        // 30/04 and 01/05/2026 are Thursday and Friday.
        assert!(!cal.is_working_day(d(2026, 4, 30)) && !cal.is_working_day(d(2026, 5, 1)));
    }

    #[test]
    fn fifteen_working_days() {
        let cal = WorkCalendar::default();
        // Filed Friday 06/02/2026: 15 working days skip Tết (16–20/02) and weekends.
        assert_eq!(cal.add_working_days(d(2026, 2, 6), 15), d(2026, 3, 6));
        assert_eq!(cal.working_days_between(d(2026, 2, 6), d(2026, 3, 6)), 15);
        // An ordinary stretch: three weeks.
        assert_eq!(cal.add_working_days(d(2026, 6, 1), 15), d(2026, 6, 22));
    }

    #[test]
    fn shipped_calendar_loads() {
        assert!(!WorkCalendar::shipped().is_working_day(d(2026, 9, 2)));
    }

    #[test]
    fn official_schedule_replaces_the_computed_year() {
        let cal = WorkCalendar::with_official(
            "date,off,name\n02/01/2026,1,Nghỉ theo thông báo\n03/01/2026,0,Làm bù\n",
        )
        .unwrap();
        assert!(!cal.is_working_day(d(2026, 1, 2)));
        assert!(
            cal.is_working_day(d(2026, 1, 3)),
            "a swapped Saturday is worked"
        );
        // The file holds 2026 wholly: the computed Tết is not applied that year.
        assert!(cal.is_working_day(d(2026, 2, 17)));
        assert!(
            !cal.is_working_day(d(2027, 2, 8)),
            "other years stay computed"
        );
        assert!(WorkCalendar::with_official("date,off,name\nx,1,a\n").is_err());
    }
}
