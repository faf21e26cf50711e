//! Vietnamese text functions on any string: folding is idempotent and
//! accent-free, slugs are ASCII, collation never panics and is a total order.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ocop_domain::text::{clean, collation_key, compare_vi, fold_vi, slug};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let folded = fold_vi(s);
    assert_eq!(fold_vi(&folded), folded, "fold_vi is idempotent");
    assert!(!folded.contains(['đ', 'Đ']));
    let sl = slug(s);
    assert!(sl.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
    let c = clean(s);
    assert_eq!(clean(&c), c, "clean is idempotent");
    let _ = collation_key(s);
    let (a, b) = s.split_at(s.char_indices().nth(s.chars().count() / 2).map_or(0, |(i, _)| i));
    assert_eq!(compare_vi(a, b), compare_vi(b, a).reverse());
});
