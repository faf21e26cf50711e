//! Identifiers with check digits or fixed formats: parsed, never just checked.

use serde::{Deserialize, Serialize};

/// Why an identifier was rejected, in Vietnamese and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdError {
    pub code: &'static str,
    pub message: String,
    pub message_en: String,
}

fn id_error(code: &'static str, message: &str, message_en: &str) -> IdError {
    IdError {
        code,
        message: message.to_string(),
        message_en: message_en.to_string(),
    }
}

/// Registration number of a producer: the enterprise / cooperative tax code
/// (mã số thuế, 10 digits with a check digit, or 10 digits + `-` + 3 digits for
/// a branch), or a household business registration number (số đăng ký hộ kinh
/// doanh: 2-digit province code, one letter, digits — e.g. `01A8012345`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationNumber(String);

/// Weights of the tax-code check digit (Circular 105/2020/TT-BTC, as before it 95/2016).
const TAX_WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];

/// The 10th digit of a tax code, or `None` when the first nine admit none (10).
pub fn tax_check_digit(first9: &[u32; 9]) -> Option<u32> {
    let sum: u32 = first9.iter().zip(TAX_WEIGHTS).map(|(d, w)| d * w).sum();
    let check = 10 - (sum % 11);
    match check {
        10 => None,
        11 => Some(0),
        c => Some(c),
    }
}

impl RegistrationNumber {
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let s: String = input.trim().replace(' ', "").to_uppercase();
        if s.is_empty() {
            return Err(id_error(
                "required",
                "Chưa nhập mã số.",
                "Registration number is empty.",
            ));
        }
        let (main, branch) = match s.split_once('-') {
            Some((m, b)) => (m.to_string(), Some(b.to_string())),
            None => (s.clone(), None),
        };
        if main.len() == 10 && main.chars().all(|c| c.is_ascii_digit()) {
            let digits: Vec<u32> = main.chars().map(|c| c.to_digit(10).unwrap_or(0)).collect();
            let first9: [u32; 9] = digits[..9].try_into().expect("nine digits");
            if tax_check_digit(&first9) != Some(digits[9]) {
                return Err(id_error(
                    "invalid_checksum",
                    "Mã số thuế sai chữ số kiểm tra (chữ số thứ 10).",
                    "Tax code check digit (10th digit) is wrong.",
                ));
            }
            if let Some(b) = &branch {
                if b.len() != 3 || !b.chars().all(|c| c.is_ascii_digit()) {
                    return Err(id_error(
                        "invalid_format",
                        "Mã chi nhánh phải gồm 3 chữ số sau dấu gạch ngang.",
                        "Branch suffix must be 3 digits after the dash.",
                    ));
                }
            }
            return Ok(Self(s));
        }
        let chars: Vec<char> = main.chars().collect();
        let household = branch.is_none()
            && (8..=15).contains(&chars.len())
            && chars[0].is_ascii_digit()
            && chars[1].is_ascii_digit()
            && chars[2].is_ascii_uppercase()
            && chars[3..].iter().all(|c| c.is_ascii_digit());
        if household {
            return Ok(Self(s));
        }
        Err(id_error(
            "invalid_format",
            "Mã số không hợp lệ: nhập mã số thuế 10 chữ số (hoặc 10 chữ số-3 chữ số cho chi nhánh) hoặc số đăng ký hộ kinh doanh (ví dụ 01A8012345).",
            "Invalid: expected a 10-digit tax code (or 10-3 for a branch) or a household business number such as 01A8012345.",
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A GS1 Global Trade Item Number (GTIN-8, -12, -13 or -14) with a valid check digit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gtin(String);

/// GS1 mod-10 check digit of the digits before it.
pub fn gtin_check_digit(body: &[u32]) -> u32 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    (10 - sum % 10) % 10
}

impl Gtin {
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let s = input.trim();
        if !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(id_error(
                "invalid_format",
                "GTIN chỉ gồm chữ số.",
                "GTIN must be digits only.",
            ));
        }
        if ![8, 12, 13, 14].contains(&s.len()) {
            return Err(id_error(
                "invalid_length",
                "GTIN phải có 8, 12, 13 hoặc 14 chữ số.",
                "GTIN must have 8, 12, 13 or 14 digits.",
            ));
        }
        let digits: Vec<u32> = s.chars().map(|c| c.to_digit(10).unwrap_or(0)).collect();
        let (body, check) = digits.split_at(digits.len() - 1);
        if gtin_check_digit(body) != check[0] {
            return Err(id_error(
                "invalid_checksum",
                "GTIN sai chữ số kiểm tra (chữ số cuối).",
                "GTIN check digit (last digit) is wrong.",
            ));
        }
        Ok(Self(s.to_string()))
    }

    /// The 14-digit form used in GS1 Digital Link URIs.
    pub fn gtin14(&self) -> String {
        format!("{:0>14}", self.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The product code of Decision 26/2026: `(T)-(X)-(STT)-(Năm)`, province code,
/// commune code, the commune's sequence number, and the evaluation year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductCode {
    pub province: String,
    pub commune: String,
    pub seq: u32,
    pub year: i32,
}

impl ProductCode {
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let bad = || {
            id_error(
                "invalid_format",
                "Mã sản phẩm phải có dạng (T)-(X)-(STT)-(Năm), ví dụ 01-00004-001-2026.",
                "Product code must look like (T)-(X)-(STT)-(Year), e.g. 01-00004-001-2026.",
            )
        };
        let parts: Vec<&str> = input.trim().split('-').collect();
        if parts.len() != 4
            || !parts
                .iter()
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(bad());
        }
        if parts[0].len() != 2 || parts[1].len() != 5 || parts[3].len() != 4 {
            return Err(bad());
        }
        Ok(Self {
            province: parts[0].to_string(),
            commune: parts[1].to_string(),
            seq: parts[2].parse().map_err(|_| bad())?,
            year: parts[3].parse().map_err(|_| bad())?,
        })
    }
}

impl std::fmt::Display for ProductCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}-{}-{:03}-{}",
            self.province, self.commune, self.seq, self.year
        )
    }
}

/// A Vietnamese phone number: 10 digits starting with 0 (or +84 followed by 9 digits).
pub fn parse_phone(input: &str) -> Result<String, IdError> {
    let s: String = input
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    let national = if let Some(rest) = s.strip_prefix("+84") {
        format!("0{rest}")
    } else {
        s
    };
    if national.len() == 10
        && national.starts_with('0')
        && national.chars().all(|c| c.is_ascii_digit())
    {
        Ok(national)
    } else if national.len() == 11
        && national.starts_with("02")
        && national.chars().all(|c| c.is_ascii_digit())
    {
        // Landlines with an 11-digit area-code form (02x xxxx xxxx).
        Ok(national)
    } else {
        Err(id_error(
            "invalid_format",
            "Số điện thoại không hợp lệ (10 chữ số bắt đầu bằng 0, hoặc +84…).",
            "Invalid phone number (10 digits starting with 0, or +84…).",
        ))
    }
}

/// A plausible e-mail address: one `@`, a dot in the domain, no spaces.
pub fn parse_email(input: &str) -> Result<String, IdError> {
    let s = input.trim().to_lowercase();
    let ok = match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.contains(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    };
    if ok {
        Ok(s)
    } else {
        Err(id_error(
            "invalid_format",
            "Địa chỉ email không hợp lệ.",
            "Invalid e-mail address.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_tax_codes_pass() {
        // Published tax codes of well-known companies.
        assert!(RegistrationNumber::parse("0100109106").is_ok());
        assert!(RegistrationNumber::parse("0300588569").is_ok());
        assert!(RegistrationNumber::parse("0300588569-001").is_ok());
    }

    #[test]
    fn wrong_check_digit_fails() {
        let e = RegistrationNumber::parse("0100109107").unwrap_err();
        assert_eq!(e.code, "invalid_checksum");
        assert_eq!(
            RegistrationNumber::parse("0300588569-1").unwrap_err().code,
            "invalid_format"
        );
        assert_eq!(
            RegistrationNumber::parse("abc").unwrap_err().code,
            "invalid_format"
        );
    }

    #[test]
    fn household_numbers() {
        assert!(RegistrationNumber::parse("01a8012345").is_ok());
        assert!(RegistrationNumber::parse("0A1").is_err());
    }

    #[test]
    fn gtin() {
        assert!(Gtin::parse("8934563138165").is_ok());
        assert_eq!(
            Gtin::parse("8934563138166").unwrap_err().code,
            "invalid_checksum"
        );
        assert_eq!(Gtin::parse("893456").unwrap_err().code, "invalid_length");
        assert_eq!(
            Gtin::parse("8934563138165").unwrap().gtin14(),
            "08934563138165"
        );
        assert!(Gtin::parse("96385074").is_ok());
    }

    #[test]
    fn product_code_round_trip() {
        let c = ProductCode::parse("01-00004-007-2026").unwrap();
        assert_eq!(c.seq, 7);
        assert_eq!(c.to_string(), "01-00004-007-2026");
        assert!(ProductCode::parse("1-4-7-26").is_err());
    }

    #[test]
    fn phones_and_emails() {
        assert_eq!(parse_phone("+84 912 345 678").unwrap(), "0912345678");
        assert!(parse_phone("12345").is_err());
        assert_eq!(parse_email(" A@B.vn ").unwrap(), "a@b.vn");
        assert!(parse_email("a@b").is_err());
    }

    proptest::proptest! {
        #[test]
        fn generated_gtins_validate(body in proptest::collection::vec(0u32..10, 12)) {
            let check = gtin_check_digit(&body);
            let s: String = body.iter().chain(std::iter::once(&check)).map(|d| char::from_digit(*d, 10).unwrap()).collect();
            proptest::prop_assert!(Gtin::parse(&s).is_ok());
            let wrong: String = body.iter().chain(std::iter::once(&((check + 1) % 10))).map(|d| char::from_digit(*d, 10).unwrap()).collect();
            proptest::prop_assert!(Gtin::parse(&wrong).is_err());
        }
    }
}
