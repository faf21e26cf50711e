//! What a dossier of each kind rests on (Decision 26/2026 Art. 6.1, 7.5,
//! 7.6 and 12.3): a first evaluation needs no certificate in force; an
//! upgrade (nâng hạng) builds on a certificate in force below 5★; a
//! re-evaluation (đánh giá lại) is filed no earlier than 180 and no later
//! than 120 days before its certificate expires, is decided within 45 days,
//! and keeps the certificate in force past its expiry until the result, at
//! most 180 days.

use crate::certificate::format_date;
use crate::dossier::DossierKind;
use chrono::{Days, NaiveDate};
use serde::Serialize;

/// The window opens this many days before expiry (Art. 7.6.a).
pub const WINDOW_OPENS_DAYS: u64 = 180;
/// ... and closes this many days before expiry; later filers are late.
pub const WINDOW_CLOSES_DAYS: u64 = 120;
/// The longest a certificate runs past its expiry while its re-evaluation is pending (Art. 12.3).
pub const EXTENSION_MAX_DAYS: u64 = 180;
/// Days from the province's receipt of the complete dossier to the result (Art. 7.6.g).
pub const DECISION_DAYS: u64 = 45;

/// The days between which a re-evaluation should be filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    pub opens: NaiveDate,
    pub closes: NaiveDate,
}

pub fn window(expires_on: NaiveDate) -> Window {
    Window {
        opens: expires_on - Days::new(WINDOW_OPENS_DAYS),
        closes: expires_on - Days::new(WINDOW_CLOSES_DAYS),
    }
}

/// The last day a certificate can run while its re-evaluation is pending.
pub fn extension_limit(expires_on: NaiveDate) -> NaiveDate {
    expires_on + Days::new(EXTENSION_MAX_DAYS)
}

/// The day by which a re-evaluation forwarded on `received_on` must be decided.
pub fn decision_due(received_on: NaiveDate) -> NaiveDate {
    received_on + Days::new(DECISION_DAYS)
}

/// The product's latest certificate, as far as a filing needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldCertificate {
    pub id: i64,
    pub stars: u8,
    pub expires_on: NaiveDate,
    pub revoked: bool,
}

impl HeldCertificate {
    fn in_force(&self, today: NaiveDate) -> bool {
        !self.revoked && today <= self.expires_on
    }
}

/// What a filing rests on once its kind is allowed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Basis {
    /// The certificate upgraded or re-evaluated.
    pub certificate_id: Option<i64>,
    /// A re-evaluation filed after the window closed.
    pub late: bool,
    /// Until when the certificate may run past its expiry while the re-evaluation is pending.
    pub extend_until: Option<NaiveDate>,
}

/// Whether a dossier of `kind` may be filed today for a product holding
/// `held`; the error says why not and what to file instead.
pub fn basis(
    kind: DossierKind,
    held: Option<HeldCertificate>,
    today: NaiveDate,
) -> Result<Basis, String> {
    let none = Basis {
        certificate_id: None,
        late: false,
        extend_until: None,
    };
    match (kind, held) {
        (DossierKind::First, Some(c)) if c.in_force(today) => Err(format!(
            "Sản phẩm đang có giấy chứng nhận {} sao còn hiệu lực đến {}: hãy chọn nâng hạng hoặc đánh giá lại.",
            c.stars,
            format_date(c.expires_on)
        )),
        (DossierKind::First, _) => Ok(none),
        (DossierKind::Upgrade, Some(c)) if c.in_force(today) => {
            if c.stars >= 5 {
                Err("Sản phẩm đã đạt 5 sao, không còn hạng cao hơn để nâng.".into())
            } else {
                Ok(Basis {
                    certificate_id: Some(c.id),
                    ..none
                })
            }
        }
        (DossierKind::Upgrade, _) => Err(
            "Nâng hạng cần một giấy chứng nhận còn hiệu lực; sản phẩm chưa có, hoặc giấy đã hết hạn hay bị thu hồi: hãy chọn đánh giá lần đầu."
                .into(),
        ),
        (DossierKind::Reevaluation, Some(c)) if !c.revoked => {
            let w = window(c.expires_on);
            if today < w.opens {
                Err(format!(
                    "Chỉ nộp hồ sơ đánh giá lại từ {} (180 ngày trước khi giấy chứng nhận hết hạn ngày {}).",
                    format_date(w.opens),
                    format_date(c.expires_on)
                ))
            } else if today > c.expires_on {
                Err(format!(
                    "Giấy chứng nhận đã hết hạn ngày {}: hãy nộp hồ sơ đánh giá lần đầu.",
                    format_date(c.expires_on)
                ))
            } else {
                Ok(Basis {
                    certificate_id: Some(c.id),
                    late: today > w.closes,
                    extend_until: Some(extension_limit(c.expires_on)),
                })
            }
        }
        (DossierKind::Reevaluation, _) => Err(
            "Đánh giá lại cần một giấy chứng nhận chưa bị thu hồi; sản phẩm chưa có: hãy chọn đánh giá lần đầu."
                .into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn held(stars: u8, expires_on: NaiveDate, revoked: bool) -> Option<HeldCertificate> {
        Some(HeldCertificate {
            id: 7,
            stars,
            expires_on,
            revoked,
        })
    }

    #[test]
    fn the_window_is_180_to_120_days_before_expiry() {
        let w = window(d(2027, 6, 30));
        assert_eq!(w.opens, d(2027, 1, 1));
        assert_eq!(w.closes, d(2027, 3, 2));
        assert_eq!(extension_limit(d(2027, 6, 30)), d(2027, 12, 27));
        assert_eq!(decision_due(d(2027, 1, 10)), d(2027, 2, 24));
    }

    #[test]
    fn a_first_evaluation_needs_no_certificate_in_force() {
        let exp = d(2027, 6, 30);
        assert!(basis(DossierKind::First, None, d(2027, 1, 1)).is_ok());
        let e = basis(DossierKind::First, held(4, exp, false), d(2027, 1, 1)).unwrap_err();
        assert!(e.contains("nâng hạng"), "{e}");
        assert!(basis(DossierKind::First, held(4, exp, false), d(2027, 7, 1)).is_ok());
        assert!(basis(DossierKind::First, held(4, exp, true), d(2027, 1, 1)).is_ok());
    }

    #[test]
    fn an_upgrade_builds_on_a_certificate_in_force_below_five_stars() {
        let exp = d(2027, 6, 30);
        let b = basis(DossierKind::Upgrade, held(3, exp, false), d(2026, 1, 1)).unwrap();
        assert_eq!(b.certificate_id, Some(7));
        assert_eq!(b.extend_until, None);
        assert!(basis(DossierKind::Upgrade, held(5, exp, false), d(2026, 1, 1)).is_err());
        assert!(basis(DossierKind::Upgrade, held(3, exp, true), d(2026, 1, 1)).is_err());
        assert!(basis(DossierKind::Upgrade, held(3, exp, false), d(2027, 7, 1)).is_err());
        assert!(basis(DossierKind::Upgrade, None, d(2026, 1, 1)).is_err());
    }

    #[test]
    fn a_reevaluation_is_filed_in_its_window_or_late_but_before_expiry() {
        let exp = d(2027, 6, 30);
        let e = basis(
            DossierKind::Reevaluation,
            held(4, exp, false),
            d(2026, 12, 31),
        )
        .unwrap_err();
        assert!(e.contains("01/01/2027"), "{e}");
        let on_time = basis(
            DossierKind::Reevaluation,
            held(4, exp, false),
            d(2027, 1, 1),
        )
        .unwrap();
        assert!(!on_time.late);
        assert_eq!(on_time.extend_until, Some(d(2027, 12, 27)));
        assert!(
            !basis(
                DossierKind::Reevaluation,
                held(4, exp, false),
                d(2027, 3, 2)
            )
            .unwrap()
            .late
        );
        assert!(
            basis(
                DossierKind::Reevaluation,
                held(4, exp, false),
                d(2027, 3, 3)
            )
            .unwrap()
            .late
        );
        assert!(
            basis(DossierKind::Reevaluation, held(4, exp, false), exp)
                .unwrap()
                .late
        );
        let e = basis(
            DossierKind::Reevaluation,
            held(4, exp, false),
            d(2027, 7, 1),
        )
        .unwrap_err();
        assert!(e.contains("lần đầu"), "{e}");
        assert!(basis(DossierKind::Reevaluation, held(4, exp, true), d(2027, 2, 1)).is_err());
        assert!(basis(DossierKind::Reevaluation, None, d(2027, 2, 1)).is_err());
    }
}
