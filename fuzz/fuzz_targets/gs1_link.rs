//! Any path after `/01/`: a Digital Link or an error naming what is wrong,
//! never a panic; an accepted GTIN is 14 digits with a right check digit.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(path) = std::str::from_utf8(data) else {
        return;
    };
    let mut segments = path.split('/');
    let gtin = segments.next().unwrap_or("");
    let rest: Vec<&str> = segments.collect();
    match ocop_domain::gs1::parse(gtin, &rest) {
        Ok(link) => {
            let g = link.gtin14;
            assert_eq!(g.len(), 14);
            assert!(g.bytes().all(|b| b.is_ascii_digit()));
            assert!(ocop_domain::ids::Gtin::parse(&g).is_ok());
        }
        Err(e) => assert!(!e.message.is_empty()),
    }
});
