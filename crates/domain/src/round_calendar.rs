//! The round calendar of Decision 26/2026 Art. 5: a province holds at least
//! two rounds a year, the first before 30/06 for dossiers its communes
//! forwarded by 30/04, the second before 30/12 for those forwarded by 30/10;
//! the ministry at least two, before 30/09 for dossiers the provinces sent by
//! 30/07 and before 30/03 for those sent by 30/01. Extra rounds are allowed.

use crate::dossier::RoundLevel;
use chrono::{Datelike, NaiveDate};

/// Regular rounds a level must hold each year.
pub const ROUNDS_PER_YEAR: usize = 2;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a calendar day")
}

/// The day by which a dossier received on `received_on` (forwarded by the
/// commune, or sent by the province for the central level) must have been
/// evaluated in a regular round.
pub fn evaluated_by(level: RoundLevel, received_on: NaiveDate) -> NaiveDate {
    let y = received_on.year();
    match level {
        RoundLevel::Province => {
            if received_on <= day(y, 4, 30) {
                day(y, 6, 30)
            } else if received_on <= day(y, 10, 30) {
                day(y, 12, 30)
            } else {
                day(y + 1, 6, 30)
            }
        }
        RoundLevel::Central => {
            if received_on <= day(y, 1, 30) {
                day(y, 3, 30)
            } else if received_on <= day(y, 7, 30) {
                day(y, 9, 30)
            } else {
                day(y + 1, 3, 30)
            }
        }
    }
}

/// How a year's rounds (their scoring deadlines) meet Art. 5: the regular
/// rounds' deadlines, and whether each has a round finishing by it.
pub fn year_check(level: RoundLevel, year: i32, deadlines: &[NaiveDate]) -> Vec<(NaiveDate, bool)> {
    let regular = match level {
        RoundLevel::Province => [day(year, 6, 30), day(year, 12, 30)],
        RoundLevel::Central => [day(year, 3, 30), day(year, 9, 30)],
    };
    // Each regular round is met by a round of that half-year finishing by its deadline.
    let mut previous = day(year, 1, 1);
    regular
        .iter()
        .map(|&due| {
            let met = deadlines.iter().any(|d| *d >= previous && *d <= due);
            previous = due.succ_opt().unwrap_or(due);
            (due, met)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_province_evaluates_by_the_next_regular_round() {
        let p = RoundLevel::Province;
        assert_eq!(evaluated_by(p, day(2026, 4, 30)), day(2026, 6, 30));
        assert_eq!(evaluated_by(p, day(2026, 5, 1)), day(2026, 12, 30));
        assert_eq!(evaluated_by(p, day(2026, 10, 30)), day(2026, 12, 30));
        assert_eq!(evaluated_by(p, day(2026, 11, 22)), day(2027, 6, 30));
    }

    #[test]
    fn the_ministry_evaluates_by_its_next_regular_round() {
        let c = RoundLevel::Central;
        assert_eq!(evaluated_by(c, day(2027, 1, 30)), day(2027, 3, 30));
        assert_eq!(evaluated_by(c, day(2027, 2, 1)), day(2027, 9, 30));
        assert_eq!(evaluated_by(c, day(2026, 11, 22)), day(2027, 3, 30));
    }

    #[test]
    fn a_year_needs_a_round_in_each_half() {
        let p = RoundLevel::Province;
        let check = year_check(p, 2026, &[day(2026, 6, 20)]);
        assert_eq!(
            check,
            vec![(day(2026, 6, 30), true), (day(2026, 12, 30), false)]
        );
        let check = year_check(p, 2026, &[day(2026, 6, 20), day(2026, 12, 22)]);
        assert!(check.iter().all(|(_, met)| *met));
        // Two rounds in the first half do not make the second.
        let check = year_check(p, 2026, &[day(2026, 3, 1), day(2026, 6, 1)]);
        assert!(!check[1].1);
    }
}
