//! Any bytes given as an XLSX import (a zip of XML): an answer, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ocop_docs::Format;

fuzz_target!(|data: &[u8]| {
    let units = ocop_domain::admin_units::units();
    let _ = ocop_docs::import::prepare_producers(data, Format::Xlsx, units);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let _ = ocop_docs::import::prepare_products(data, Format::Xlsx, today);
});
