//! Evidence files (tài liệu minh chứng) of a self-assessment: each attached
//! to one criterion of the dossier's sheet, or to the dossier as a whole
//! (registration papers, permits). What an upload must be, checked from
//! its bytes: the declared type and name are never trusted.

use crate::criteria::{NodeKind, Sheet};
use crate::error::ValidationErrors;

/// Largest evidence file, in bytes.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// Longest stored file name, in characters.
const MAX_NAME_CHARS: usize = 120;
/// The criterion value for documents of the whole dossier.
pub const WHOLE_DOSSIER: &str = "";

/// The type of a file, recognised from its first bytes: PDF, JPEG, PNG or WebP.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        sniff_image(bytes)
    }
}

/// An image's type from its first bytes: JPEG, PNG or WebP (also for product photos).
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// A file name fit to show and to send back: its last path component, no
/// control or quoting characters, at most 120 characters; "tep" if nothing is left.
pub fn clean_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let kept: String = crate::text::clean(last)
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '*' | '?' | '|'))
        .take(MAX_NAME_CHARS)
        .collect();
    let kept = kept.trim_matches(|c: char| c == '.' || c.is_whitespace());
    if kept.is_empty() {
        "tep".into()
    } else {
        kept.to_string()
    }
}

/// An upload that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub criterion_id: String,
    pub filename: String,
    pub content_type: &'static str,
}

/// Check an upload for `sheet`: the criterion is one of the sheet's
/// criteria (or the whole dossier), the file is not empty, at most 10 MB,
/// and a PDF or an image.
pub fn check(
    sheet: &Sheet,
    criterion_id: &str,
    filename: &str,
    bytes: &[u8],
) -> Result<Checked, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let criterion_id = criterion_id.trim();
    if criterion_id != WHOLE_DOSSIER
        && !sheet
            .node(criterion_id)
            .is_some_and(|n| n.kind == NodeKind::Criterion)
    {
        errors.add(
            "criterion",
            "unknown",
            format!("Tiêu chí \"{criterion_id}\" không có trong phiếu đánh giá của hồ sơ."),
            "criterion: not a criterion of the dossier's sheet.",
        );
    }
    let content_type = if bytes.is_empty() {
        errors.add(
            "file",
            "empty_file",
            "Chưa chọn tệp minh chứng.",
            "file: empty.",
        );
        None
    } else if bytes.len() > MAX_BYTES {
        errors.add(
            "file",
            "too_large",
            "Tệp minh chứng lớn hơn 10 MB.",
            "file: larger than 10 MB.",
        );
        None
    } else {
        let t = sniff(bytes);
        if t.is_none() {
            errors.add(
                "file",
                "unsupported_type",
                "Chỉ nhận tệp PDF hoặc ảnh JPEG, PNG, WebP.",
                "file: only PDF, JPEG, PNG or WebP.",
            );
        }
        t
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Checked {
        criterion_id: criterion_id.to_string(),
        filename: clean_name(filename),
        content_type: content_type.expect("checked"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet() -> &'static Sheet {
        crate::criteria::version("qd26-2026")
            .unwrap()
            .sheet("09")
            .unwrap()
    }

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff(b"<html><script>"), None);
        assert_eq!(sniff(b"%PD"), None);
    }

    #[test]
    fn names_lose_their_path_and_dangerous_characters() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(
            clean_name("C:\\Users\\a\\Giấy phép ATTP.pdf"),
            "Giấy phép ATTP.pdf"
        );
        assert_eq!(clean_name("a\"b<c>.pdf"), "abc.pdf");
        assert_eq!(clean_name("..."), "tep");
        assert_eq!(clean_name(&"x".repeat(500)).chars().count(), 120);
    }

    #[test]
    fn an_upload_names_a_criterion_of_the_sheet() {
        let ok = check(sheet(), "A.1.a", "phieu.pdf", b"%PDF-1.4 x").unwrap();
        assert_eq!(ok.content_type, "application/pdf");
        assert!(check(sheet(), WHOLE_DOSSIER, "giay-phep.pdf", b"%PDF-1.4").is_ok());
        let e = check(sheet(), "A.1.a.1", "x.pdf", b"%PDF-").unwrap_err();
        assert_eq!(e.0[0].field, "criterion", "an option is not a criterion");
        let e = check(sheet(), "Z.9", "x.html", b"<html>").unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(fields, vec!["criterion", "file"]);
        let big = vec![b'%'; MAX_BYTES + 1];
        assert_eq!(
            check(sheet(), "A.1.a", "x.pdf", &big).unwrap_err().0[0].code,
            "too_large"
        );
    }
}
