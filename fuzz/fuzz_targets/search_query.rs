//! Any text typed in the search box: an answer from the index (accents,
//! prefixes, typos), never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ocop_search::text::TextIndex;
use ocop_store::catalog::CatalogText;
use std::sync::OnceLock;

fn index() -> &'static TextIndex {
    static INDEX: OnceLock<TextIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut t = TextIndex::open(None).expect("in-memory index");
        let entry = |id: i64, name: &str, producer: &str, province: &str| CatalogText {
            id,
            name: name.into(),
            code: format!("01-00004-{id:03}-2025"),
            producer_name: producer.into(),
            commune_name: "Phường Ba Đình".into(),
            province_name: province.into(),
        };
        let entries = [
            entry(1, "Nước mắm Vạn Phần", "HTX Vạn Phần", "Thành phố Hà Nội"),
            entry(2, "Chè búp Tân Cương", "HTX Tân Cương", "Tỉnh Thái Nguyên"),
            entry(
                3,
                "Chẻ tre Điện Biên",
                "Tổ hợp tác Mường Thanh",
                "Tỉnh Điện Biên",
            ),
        ];
        t.clear().expect("an empty index");
        for e in &entries {
            t.add(e).expect("index the sample");
        }
        t.commit(0).expect("commit the sample");
        t
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(q) = std::str::from_utf8(data) else {
        return;
    };
    let hits = index().reader.search(q).expect("search answers");
    assert!(hits.len() <= 3);
    let _ = index().reader.suggest(q, 8);
});
