//! Vietnamese text: normalisation, folding for search, collation for sorting.
//!
//! Every string that enters the system goes through [`clean`] (NFC, trimmed,
//! inner whitespace collapsed) so that "Nước mắm" typed on a Mac (NFD) and on
//! Windows (NFC) is the same key. Search compares [`fold_vi`] of both sides.
//! Lists of names sort with [`collation_key`], which follows the Vietnamese
//! alphabet (a ă â b c d đ e ê … o ô ơ … u ư …) with tones as a secondary
//! difference in dictionary order (ngang, huyền, hỏi, ngã, sắc, nặng).

use std::cmp::Ordering;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// NFC-normalise, trim, and collapse runs of whitespace to one space.
/// Control characters are dropped.
pub fn clean(s: &str) -> String {
    // Most text arrives clean already (every field of every imported line
    // goes through here, some several times): it is copied as it is.
    if is_clean(s) {
        return s.to_owned();
    }
    clean_changed(s)
}

/// Whether [`clean`] would return `s` unchanged: no control character, no
/// whitespace but single inner spaces, and NFC by the quick check (a
/// "maybe" answer counts as no, and goes the long way).
fn is_clean(s: &str) -> bool {
    !s.starts_with(' ')
        && !s.ends_with(' ')
        && !s.contains("  ")
        && s.chars()
            .all(|c| c == ' ' || !(c.is_whitespace() || c.is_control()))
        && is_nfc(s)
}

fn is_nfc(s: &str) -> bool {
    s.is_ascii()
        || unicode_normalization::is_nfc_quick(s.chars())
            == unicode_normalization::IsNormalized::Yes
}

fn clean_changed(s: &str) -> String {
    // Control characters go first, before normalising: one between a letter
    // and a combining mark would otherwise keep them apart until a second
    // pass composed them, and cleaning must be idempotent (both found by the
    // fold_vi fuzz target). Whitespace controls (tab, newline) separate words.
    let visible: String = s
        .chars()
        .filter_map(|c| match c {
            c if c.is_whitespace() => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect();
    let nfc: String = visible.nfc().collect();
    let mut out = String::with_capacity(nfc.len());
    for word in nfc.split(' ').filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// NFC-normalise but keep line breaks (for multi-line text such as descriptions).
pub fn clean_multiline(s: &str) -> String {
    let nfc: std::borrow::Cow<str> = if is_nfc(s) {
        s.into()
    } else {
        s.nfc().collect::<String>().into()
    };
    let lines: Vec<String> = nfc.replace("\r\n", "\n").split('\n').map(clean).collect();
    lines.join("\n").trim().to_string()
}

/// Fold for search: decompose, drop every combining mark, map đ/Đ to d, lowercase.
/// `fold_vi("Điện Biên")` is `"dien bien"`.
pub fn fold_vi(s: &str) -> String {
    // Most text is ASCII and precomposed Vietnamese letters: each of those
    // folds on its own to one character, looked up. Anything else (a
    // combining mark, a letter that lowercases to two) takes the whole
    // decomposition below. Search indexing and imports fold every name.
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match fold_char(c) {
            Some(f) => out.push(f),
            None => return fold_decomposed(s),
        }
    }
    out
}

/// The characters `FOLDED` covers: from À (U+00C0) to the end of Latin
/// Extended Additional (U+1EFF), which holds every Vietnamese letter (ỹ is
/// U+1EF9).
const FOLDED_FIRST: u32 = 0xC0;
const FOLDED_LAST: u32 = 0x1EFF;

/// `c` folded on its own, when that is one character and the same as in any
/// string: ASCII, or a starter (never reordered by NFD) whose decomposition
/// folds to one character.
fn fold_char(c: char) -> Option<char> {
    if c.is_ascii() {
        return Some(c.to_ascii_lowercase());
    }
    static FOLDED: std::sync::OnceLock<Vec<Option<char>>> = std::sync::OnceLock::new();
    let table = FOLDED.get_or_init(|| {
        (FOLDED_FIRST..=FOLDED_LAST)
            .map(|n| {
                let c = char::from_u32(n)?;
                if unicode_normalization::char::canonical_combining_class(c) != 0 {
                    return None;
                }
                let folded = fold_decomposed(c.encode_utf8(&mut [0; 4]));
                let mut chars = folded.chars();
                match (chars.next(), chars.next()) {
                    (Some(f), None) => Some(f),
                    _ => None,
                }
            })
            .collect()
    });
    let n = (c as u32).checked_sub(FOLDED_FIRST)?;
    table.get(n as usize).copied().flatten()
}

/// Fold by the definition: decompose the whole string, drop the marks.
fn fold_decomposed(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(|c| match c {
            'đ' | 'Đ' => 'd'.to_lowercase(),
            other => other.to_lowercase(),
        })
        .collect()
}

/// A slug for URLs: folded, ASCII letters and digits joined by single dashes.
pub fn slug(s: &str) -> String {
    let folded = fold_vi(s);
    let mut out = String::new();
    let mut dash = false;
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c);
        } else {
            dash = true;
        }
    }
    out
}

// Primary weights: the Vietnamese alphabet, letters with breve/circumflex/horn
// and đ sorting as letters of their own after their base.
fn primary(base: char, modifier: Option<char>) -> u32 {
    let lower = base.to_lowercase().next().unwrap_or(base);
    let m = match modifier {
        Some('\u{0306}') => 1, // breve: ă
        Some('\u{0302}') => 2, // circumflex: â ê ô
        Some('\u{031B}') => 3, // horn: ơ ư
        _ => 0,
    };
    if lower.is_ascii_lowercase() {
        (lower as u32 - 'a' as u32 + 1) * 8 + m + 1000
    } else if lower == 'đ' {
        ('d' as u32 - 'a' as u32 + 1) * 8 + 4 + 1000
    } else if lower.is_ascii_digit() {
        lower as u32 - '0' as u32 + 100
    } else if lower.is_alphanumeric() {
        lower as u32 + 10_000
    } else {
        // Spaces and punctuation sort before letters, all alike at primary level.
        1
    }
}

fn tone(mark: char) -> Option<u8> {
    match mark {
        '\u{0300}' => Some(1), // huyền
        '\u{0309}' => Some(2), // hỏi
        '\u{0303}' => Some(3), // ngã
        '\u{0301}' => Some(4), // sắc
        '\u{0323}' => Some(5), // nặng
        _ => None,
    }
}

/// A sort key: compare keys byte-wise (or with `Ord`) to sort in Vietnamese order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CollationKey(Vec<u32>);

pub fn collation_key(s: &str) -> CollationKey {
    let mut primaries = Vec::new();
    let mut tones = Vec::new();
    let mut cases = Vec::new();
    let decomposed: Vec<char> = s.nfd().collect();
    let mut i = 0;
    while i < decomposed.len() {
        let base = decomposed[i];
        i += 1;
        let mut modifier = None;
        let mut t = 0u8;
        while i < decomposed.len() && is_combining_mark(decomposed[i]) {
            let mark = decomposed[i];
            if let Some(v) = tone(mark) {
                t = v;
            } else {
                modifier = Some(mark);
            }
            i += 1;
        }
        primaries.push(primary(base, modifier));
        tones.push(t as u32);
        cases.push(if base.is_uppercase() { 1 } else { 0 });
    }
    let mut key = primaries;
    key.push(0);
    key.extend(tones);
    key.push(0);
    key.extend(cases);
    CollationKey(key)
}

/// The weights of a key, for storing it (the store encodes them as text).
pub fn collation_weights(key: &CollationKey) -> &[u32] {
    &key.0
}

/// Compare two strings in Vietnamese dictionary order.
pub fn compare_vi(a: &str, b: &str) -> Ordering {
    collation_key(a).cmp(&collation_key(b))
}

/// Sort a slice by a Vietnamese name.
pub fn sort_by_name<T>(items: &mut [T], name: impl Fn(&T) -> &str) {
    items.sort_by_cached_key(|item| collation_key(name(item)));
}

/// Format money the Vietnamese way: `1.234.567 đ`.
pub fn format_vnd(amount: i64) -> String {
    format!("{} đ", group_thousands(amount))
}

/// `1234567` → `1.234.567`.
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_drops_marks_and_d() {
        assert_eq!(fold_vi("Điện Biên"), "dien bien");
        assert_eq!(fold_vi("Nước mắm Vạn Phần"), "nuoc mam van phan");
        assert_eq!(fold_vi("ĐẮK LẮK"), "dak lak");
    }

    /// Every character the lookup covers, alone and before a combining mark
    /// (NFD input, a mark of another letter), folds as by decomposition.
    #[test]
    fn the_lookup_covers_its_range_exactly() {
        for n in 0..=FOLDED_LAST + 0x100 {
            let Some(c) = char::from_u32(n) else { continue };
            for s in [c.to_string(), format!("{c}\u{301}"), format!("\u{323}{c}x")] {
                assert_eq!(fold_vi(&s), fold_decomposed(&s), "U+{n:04X} in {s:?}");
            }
        }
    }

    #[test]
    fn clean_normalises_nfd_and_spaces() {
        let nfd: String = "Nước  mắm\t".nfd().collect();
        assert_ne!(nfd, "Nước mắm");
        assert_eq!(clean(&nfd), "Nước mắm");
        assert_eq!(clean("  a \n b  "), "a b");
    }

    #[test]
    fn clean_leaves_no_space_for_a_word_of_control_characters() {
        // Found by the fold_vi fuzz target.
        assert_eq!(
            clean("FNHN\u{0}\u{0}\u{c}\u{0}\u{0}\u{0}\u{0}\u{4}"),
            "FNHN"
        );
        assert_eq!(clean("a \u{7} b"), "a b");
        assert_eq!(clean("Nước\u{1}\u{30c}"), "Nướč");
        assert_eq!(clean("Nướč"), "Nướč");
    }

    #[test]
    fn slug_is_ascii() {
        assert_eq!(slug("Chè Bát Tiên Mường Lò!"), "che-bat-tien-muong-lo");
    }

    #[test]
    fn vietnamese_alphabet_order() {
        let mut names = vec![
            "Đồng Tháp",
            "Điện Biên",
            "Cà Mau",
            "Dak",
            "Ân",
            "Ăn",
            "An",
            "Bắc Ninh",
            "Ơn",
            "Ôn",
            "On",
        ];
        sort_by_name(&mut names, |s| s);
        assert_eq!(
            names,
            vec![
                "An",
                "Ăn",
                "Ân",
                "Bắc Ninh",
                "Cà Mau",
                "Dak",
                "Điện Biên",
                "Đồng Tháp",
                "On",
                "Ôn",
                "Ơn"
            ]
        );
    }

    #[test]
    fn tones_are_secondary_in_dictionary_order() {
        let mut words = vec!["má", "mạ", "mà", "mã", "ma", "mả", "mb"];
        sort_by_name(&mut words, |s| s);
        assert_eq!(words, vec!["ma", "mà", "mả", "mã", "má", "mạ", "mb"]);
    }

    #[test]
    fn nfd_and_nfc_collate_equal() {
        let nfd: String = "Hà Nội".nfd().collect();
        assert_eq!(compare_vi(&nfd, "Hà Nội"), Ordering::Equal);
    }

    #[test]
    fn money() {
        assert_eq!(format_vnd(1234567), "1.234.567 đ");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(-1000), "-1.000");
    }

    proptest::proptest! {
        #[test]
        fn fold_is_idempotent_and_ascii_for_vietnamese(s in "[a-zA-ZàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĐ ]{0,40}") {
            let f = fold_vi(&s);
            proptest::prop_assert_eq!(fold_vi(&f), f.clone());
            proptest::prop_assert!(f.is_ascii());
        }

        #[test]
        fn the_lookup_folds_as_the_decomposition(s in "[\\PC\\x00-\\x1F\\u{300}-\\u{36F}àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĐİẞ]{0,40}") {
            proptest::prop_assert_eq!(fold_vi(&s), fold_decomposed(&s));
        }

        #[test]
        fn clean_copying_agrees_with_the_long_way(s in "[ a-zA-Zàáạăằắâầấđèéêềếìíòóôồốơờớùúưừứ\\PC\\x00-\\x1F\\u{300}-\\u{36F}\\u{A0}\\u{2003}]{0,40}") {
            proptest::prop_assert_eq!(clean(&s), clean_changed(&s));
        }

        #[test]
        fn clean_copies_clean_words(s in "[a-zA-Zàáạăằắâầấđèéêềếìíòóôồốơờớùúưừứ\\u{300}\\u{301}]{1,8}( [a-zàáạđêôơư]{1,8}){0,5}") {
            proptest::prop_assert_eq!(clean(&s), clean_changed(&s));
        }

        #[test]
        fn clean_is_idempotent(s in "[\\PC\\x00-\\x1F\\u{300}-\\u{36F}]{0,60}") {
            let c = clean(&s);
            proptest::prop_assert_eq!(clean(&c), c);
        }
    }
}
