//! Any bytes given as a CSV import: an answer (rows or line errors), never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ocop_docs::Format;

fuzz_target!(|data: &[u8]| {
    let units = ocop_domain::admin_units::units();
    let _ = ocop_docs::import::prepare_producers(data, Format::Csv, units);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    if let Err(errors) = ocop_docs::import::prepare_products(data, Format::Csv, today) {
        // Every rejection names a line (0 only for the file as a whole).
        assert!(!errors.is_empty());
    }
});
