//! Products: what a producer registers and the state evaluates.

use crate::classification;
use crate::error::ValidationErrors;
use crate::ids::{Gtin, ProductCode};
use crate::text::{clean, clean_multiline};
use serde::{Deserialize, Serialize};

/// Raw product input (form, API, spreadsheet row).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ProductInput {
    pub name: String,
    /// Product set `01`…`26` (bộ sản phẩm).
    pub set_code: String,
    pub description: String,
    pub gtin: String,
    /// An existing code `(T)-(X)-(STT)-(Năm)`, for products coded before this system.
    /// Left empty, the system assigns the commune's next number.
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductData {
    pub name: String,
    pub set_code: String,
    pub description: String,
    pub gtin: Option<String>,
    pub code: Option<ProductCode>,
}

impl ProductInput {
    /// `commune_code` is the producer's commune: an existing product code must carry it.
    pub fn validate(
        &self,
        province_code: &str,
        commune_code: &str,
    ) -> Result<ProductData, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = clean(&self.name);
        if name.is_empty() {
            errors.required("name", "Tên sản phẩm");
        } else if name.chars().count() > 200 {
            errors.add(
                "name",
                "too_long",
                "Tên sản phẩm dài quá 200 ký tự.",
                "name is longer than 200 characters.",
            );
        }
        let set_code = clean(&self.set_code);
        let set_code = if set_code.len() == 1 {
            format!("0{set_code}")
        } else {
            set_code
        };
        if classification::product_set(&set_code).is_none() {
            if set_code.is_empty() {
                errors.required("set_code", "Bộ sản phẩm");
            } else {
                errors.add(
                    "set_code",
                    "invalid_choice",
                    format!("Bộ sản phẩm \"{set_code}\" không có (chọn từ 01 đến 26)."),
                    "set_code must be 01…26.",
                );
            }
        }
        let gtin = match clean(&self.gtin) {
            g if g.is_empty() => None,
            g => match Gtin::parse(&g) {
                Ok(g) => Some(g.as_str().to_string()),
                Err(e) => {
                    errors.add("gtin", e.code, e.message, e.message_en);
                    None
                }
            },
        };
        let code = match clean(&self.code) {
            c if c.is_empty() => None,
            c => match ProductCode::parse(&c) {
                Ok(code) if code.province != province_code || code.commune != commune_code => {
                    errors.add(
                        "code",
                        "wrong_unit",
                        format!("Mã sản phẩm phải bắt đầu bằng mã tỉnh và mã xã của chủ thể ({province_code}-{commune_code}-…)."),
                        "code must start with the producer's province and commune codes.",
                    );
                    None
                }
                Ok(code) => Some(code),
                Err(e) => {
                    errors.add("code", e.code, e.message, e.message_en);
                    None
                }
            },
        };
        errors.into_result(ProductData {
            name,
            set_code,
            description: clean_multiline(&self.description),
            gtin,
            code,
        })
    }
}

/// A product row of an import file, validated except for what needs the
/// database (its producer, and so its unit).
#[derive(Debug, Clone)]
pub struct ProductImportRow {
    pub line: usize,
    pub producer_registration_number: String,
    pub input: ProductInput,
    pub certificate: Option<crate::certificate::LegacyCertificate>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_and_names_fields() {
        let ok = ProductInput {
            name: "Nước mắm Vạn Phần".into(),
            set_code: "9".into(),
            gtin: "8934563138165".into(),
            code: "01-00004-001-2024".into(),
            ..Default::default()
        }
        .validate("01", "00004")
        .unwrap();
        assert_eq!(ok.set_code, "09");
        assert_eq!(ok.code.unwrap().seq, 1);

        let errs = ProductInput {
            set_code: "27".into(),
            gtin: "123".into(),
            code: "02-00004-001-2024".into(),
            ..Default::default()
        }
        .validate("01", "00004")
        .unwrap_err();
        let fields: Vec<&str> = errs.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["name", "set_code", "gtin", "code"]);
    }
}
