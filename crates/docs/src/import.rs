//! From spreadsheet rows to validated registry records, collecting every
//! problem with its line and field. Pure: the store does the writing.

use crate::columns::{PRODUCER_COLUMNS, PRODUCT_COLUMNS};
use crate::{read, Format, Row, TableError};
use chrono::NaiveDate;
use ocop_domain::admin_units::AdminUnits;
use ocop_domain::certificate::LegacyCertificateInput;
use ocop_domain::error::LineError;
use ocop_domain::ids::RegistrationNumber;
use ocop_domain::producer::{ProducerData, ProducerInput};
use ocop_domain::product::{ProductImportRow as ProductRow, ProductInput};
use ocop_domain::text::clean;
use std::collections::HashMap;

fn file_error(e: TableError) -> Vec<LineError> {
    vec![LineError {
        line: 0,
        field: String::new(),
        message: e.to_string(),
    }]
}

fn input_from_row(row: &Row) -> ProducerInput {
    ProducerInput {
        name: row.get("name"),
        kind: row.get("kind"),
        registration_number: row.get("registration_number"),
        address: row.get("address"),
        commune_code: row.get("commune_code"),
        legacy_commune_code: row.get("legacy_commune_code"),
        phone: row.get("phone"),
        email: row.get("email"),
        website: row.get("website"),
        representative_name: row.get("representative_name"),
        representative_gender: row.get("representative_gender"),
        representative_ethnicity: row.get("representative_ethnicity"),
        representative_disability: row.get("representative_disability"),
        community_capital_pct: row.get("community_capital_pct"),
        workers: row.get("workers"),
        description: row.get("description"),
    }
}

/// Most rows an import may carry (a whole province's registry fits many times).
pub const MAX_ROWS: usize = 250_000;

fn too_many(n: usize) -> Option<Vec<LineError>> {
    (n > MAX_ROWS).then(|| {
        vec![LineError {
            line: 0,
            field: String::new(),
            message: format!("Tệp có {n} dòng, quá giới hạn {MAX_ROWS} dòng một lần nhập."),
        }]
    })
}

/// Parse and validate a producers file. Duplicated registration numbers within the file are errors.
pub fn prepare_producers(
    bytes: &[u8],
    format: Format,
    units: &AdminUnits,
) -> Result<Vec<(usize, ProducerData)>, Vec<LineError>> {
    let rows = read(bytes, format, PRODUCER_COLUMNS).map_err(file_error)?;
    if let Some(e) = too_many(rows.len()) {
        return Err(e);
    }
    let mut errors = Vec::new();
    let mut out = Vec::with_capacity(rows.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in &rows {
        match input_from_row(row).validate(units) {
            Ok(p) => {
                if let Some(first) = seen.insert(p.registration_number.clone(), row.line) {
                    errors.push(LineError {
                        line: row.line,
                        field: "registration_number".into(),
                        message: format!("Mã số {} trùng với dòng {first}.", p.registration_number),
                    });
                }
                out.push((row.line, p));
            }
            Err(es) => errors.extend(es.0.into_iter().map(|e| LineError {
                line: row.line,
                field: e.field,
                message: e.message,
            })),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Parse a products file and validate what can be validated without the
/// database; the product itself is validated against its producer's unit by
/// the store.
pub fn prepare_products(
    bytes: &[u8],
    format: Format,
    today: NaiveDate,
) -> Result<Vec<ProductRow>, Vec<LineError>> {
    let rows = read(bytes, format, PRODUCT_COLUMNS).map_err(file_error)?;
    if let Some(e) = too_many(rows.len()) {
        return Err(e);
    }
    let mut errors = Vec::new();
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let reg = match RegistrationNumber::parse(&row.get("producer_registration_number")) {
            Ok(r) => r.as_str().to_string(),
            Err(e) => {
                errors.push(LineError {
                    line: row.line,
                    field: "producer_registration_number".into(),
                    message: e.message,
                });
                continue;
            }
        };
        let cert_input = LegacyCertificateInput {
            stars: row.get("stars"),
            decision_number: row.get("decision_number"),
            issuer: row.get("issuer"),
            issued_on: row.get("issued_on"),
        };
        let certificate = if cert_input.is_empty() {
            None
        } else {
            match cert_input.validate(today) {
                Ok(c) => Some(c),
                Err(es) => {
                    errors.extend(es.0.into_iter().map(|e| LineError {
                        line: row.line,
                        field: e.field,
                        message: e.message,
                    }));
                    None
                }
            }
        };
        out.push(ProductRow {
            line: row.line,
            producer_registration_number: reg,
            input: ProductInput {
                name: clean(&row.get("name")),
                set_code: row.get("set_code"),
                description: row.get("description"),
                gtin: row.get("gtin"),
                code: row.get("code"),
            },
            certificate,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocop_domain::admin_units::units;

    #[test]
    fn every_bad_line_is_reported() {
        let csv = "name,kind,registration_number,address,commune_code,representative_name,representative_gender\n\
                   HTX A,htx,0100109106,Thôn 1,00004,Lan,Nữ\n\
                   ,htx,0100109107,Thôn 1,99999,Lan,Nữ\n\
                   HTX C,htx,0100109106,Thôn 1,00004,Lan,Nữ\n";
        let errs = prepare_producers(csv.as_bytes(), Format::Csv, units()).unwrap_err();
        let got: Vec<(usize, &str)> = errs.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (3, "name"),
                (3, "registration_number"),
                (3, "commune_code"),
                (4, "registration_number")
            ]
        );
        assert!(errs[0].to_string().starts_with("Dòng 3, cột name:"));
    }

    #[test]
    fn products_with_certificates() {
        let csv =
            "producer_registration_number,name,set_code,stars,decision_number,issuer,issued_on\n\
                   0100109106,Nước mắm A,09,4,12/QĐ-UBND,UBND tỉnh,15/03/2024\n\
                   0100109106,Nước mắm B,09,,,,\n";
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let rows = prepare_products(csv.as_bytes(), Format::Csv, today).unwrap();
        assert_eq!(rows[0].certificate.as_ref().unwrap().stars, 4);
        assert!(rows[1].certificate.is_none());
        let bad = "producer_registration_number,name,set_code,stars\n0100109106,X,09,7\n";
        let errs = prepare_products(bad.as_bytes(), Format::Csv, today).unwrap_err();
        assert!(errs.iter().any(|e| e.line == 2 && e.field == "stars"));
    }
}
