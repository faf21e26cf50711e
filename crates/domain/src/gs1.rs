//! GS1 Digital Link URIs (the QR form of TCVN 12850:2019 / GS1):
//! `/01/{gtin}`, optionally followed by `/10/{lot}` and/or `/21/{serial}`.

use crate::ids::Gtin;

/// A parsed Digital Link path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigitalLink {
    /// The 14-digit GTIN.
    pub gtin14: String,
    pub lot: Option<String>,
    pub serial: Option<String>,
}

/// Why a path is not a valid Digital Link, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkError {
    pub code: &'static str,
    pub message: String,
    pub message_en: String,
}

fn err(code: &'static str, message: impl Into<String>, message_en: impl Into<String>) -> LinkError {
    LinkError {
        code,
        message: message.into(),
        message_en: message_en.into(),
    }
}

/// The characters GS1 allows in a lot or serial (AI 10/21: up to 20 of the "CSET 82" set).
fn valid_ai_value(v: &str) -> bool {
    !v.is_empty()
        && v.chars().count() <= 20
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "!\"%&'()*+,-./:;<=>?_".contains(c))
}

/// Parse the segments after `/01/`: `gtin[/10/lot][/21/serial]` (already percent-decoded).
pub fn parse(gtin: &str, rest: &[&str]) -> Result<DigitalLink, LinkError> {
    let parsed = Gtin::parse(gtin).map_err(|e| match e.code {
        "invalid_checksum" => err(
            "bad_check_digit",
            format!("GTIN {gtin} sai chữ số kiểm tra: mã trên bao bì bị in sai hoặc không phải mã thật."),
            format!("GTIN {gtin} has a wrong check digit."),
        ),
        _ => err(
            "malformed_gtin",
            format!("\"{gtin}\" không phải GTIN: cần 8, 12, 13 hoặc 14 chữ số."),
            format!("\"{gtin}\" is not a GTIN: 8, 12, 13 or 14 digits expected."),
        ),
    })?;
    let mut link = DigitalLink {
        gtin14: parsed.gtin14(),
        lot: None,
        serial: None,
    };
    let mut i = 0;
    while i < rest.len() {
        let (ai, value) = match (rest.get(i), rest.get(i + 1)) {
            (Some(ai), Some(v)) => (*ai, *v),
            _ => {
                return Err(err(
                    "malformed_path",
                    "Đường dẫn GS1 thiếu giá trị sau mã ứng dụng (AI).",
                    "GS1 path: an application identifier has no value.",
                ))
            }
        };
        if !valid_ai_value(value) {
            return Err(err(
                "malformed_path",
                format!("Giá trị \"{value}\" của AI {ai} không hợp lệ (tối đa 20 ký tự GS1)."),
                format!("Invalid value for AI {ai}."),
            ));
        }
        match ai {
            "10" if link.lot.is_none() && link.serial.is_none() => link.lot = Some(value.to_string()),
            "21" if link.serial.is_none() => link.serial = Some(value.to_string()),
            _ => {
                return Err(err(
                    "malformed_path",
                    format!("Mã ứng dụng (AI) \"{ai}\" không dùng được ở đây (chỉ /10/ số lô, rồi /21/ số sê-ri)."),
                    format!("Unsupported or misplaced application identifier \"{ai}\"."),
                ))
            }
        }
        i += 2;
    }
    Ok(link)
}

/// The Digital Link URI of a GTIN on a host: `https://host/01/{gtin14}`.
pub fn uri(base_url: &str, gtin: &str) -> Option<String> {
    Gtin::parse(gtin)
        .ok()
        .map(|g| format!("{}/01/{}", base_url.trim_end_matches('/'), g.gtin14()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_gtin_lot_serial() {
        let l = parse("8934563138165", &["10", "LOT-7", "21", "0001"]).unwrap();
        assert_eq!(l.gtin14, "08934563138165");
        assert_eq!(l.lot.as_deref(), Some("LOT-7"));
        assert_eq!(l.serial.as_deref(), Some("0001"));
        assert!(parse("08934563138165", &["21", "9"]).unwrap().lot.is_none());
    }

    #[test]
    fn errors_say_which() {
        assert_eq!(
            parse("8934563138166", &[]).unwrap_err().code,
            "bad_check_digit"
        );
        assert_eq!(parse("89345631", &[]).unwrap_err().code, "bad_check_digit");
        assert_eq!(parse("abc", &[]).unwrap_err().code, "malformed_gtin");
        assert_eq!(
            parse("8934563138165", &["10"]).unwrap_err().code,
            "malformed_path"
        );
        assert_eq!(
            parse("8934563138165", &["17", "261231"]).unwrap_err().code,
            "malformed_path"
        );
        assert_eq!(
            parse("8934563138165", &["21", "1", "10", "2"])
                .unwrap_err()
                .code,
            "malformed_path"
        );
        assert_eq!(
            parse("8934563138165", &["10", "có dấu"]).unwrap_err().code,
            "malformed_path"
        );
    }

    #[test]
    fn uri_uses_fourteen_digits() {
        assert_eq!(
            uri("https://ocop.vn/", "8934563138165").unwrap(),
            "https://ocop.vn/01/08934563138165"
        );
        assert!(uri("https://ocop.vn", "123").is_none());
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(g in "\\PC{0,20}", a in "\\PC{0,4}", v in "\\PC{0,25}") {
            let _ = parse(&g, &[&a, &v]);
        }
    }
}
