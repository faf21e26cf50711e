//! The product classification of Decision 26/2026 (Phụ lục I): 6 groups,
//! 17 categories, 26 product sets, compiled in from `data/classification/`.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

const QD26_2026: &str = include_str!("../../../data/classification/qd26-2026.csv");

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ProductSet {
    /// `01`…`26`.
    pub set: String,
    /// Roman numeral of the product group: `I`…`VI`.
    pub group: String,
    pub group_name: String,
    /// Category ("nhóm"): `I.1`…`VI.1`.
    pub category: String,
    pub category_name: String,
    pub name: String,
    pub agency: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub code: String,
    pub name: String,
}

/// Parse and validate a classification file: 26 sets numbered 01…26 in order,
/// 17 categories, 6 groups.
pub fn parse(csv_text: &str) -> Result<Vec<ProductSet>, String> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let mut sets = Vec::new();
    for (i, row) in reader.deserialize::<ProductSet>().enumerate() {
        let set = row.map_err(|e| format!("dòng {}: {e}", i + 2))?;
        let expected = format!("{:02}", i + 1);
        if set.set != expected {
            return Err(format!(
                "dòng {}: bộ sản phẩm {} thay vì {expected}",
                i + 2,
                set.set
            ));
        }
        sets.push(set);
    }
    let mut categories: Vec<&str> = sets.iter().map(|s| s.category.as_str()).collect();
    categories.dedup();
    let mut groups: Vec<&str> = sets.iter().map(|s| s.group.as_str()).collect();
    groups.dedup();
    if sets.len() != 26 || categories.len() != 17 || groups.len() != 6 {
        return Err(format!(
            "cần 26 bộ, 17 nhóm, 6 nhóm sản phẩm; có {} bộ, {} nhóm, {} nhóm sản phẩm",
            sets.len(),
            categories.len(),
            groups.len()
        ));
    }
    Ok(sets)
}

/// The classification in force (Decision 26/2026).
pub fn product_sets() -> &'static [ProductSet] {
    static SETS: OnceLock<Vec<ProductSet>> = OnceLock::new();
    SETS.get_or_init(|| {
        parse(QD26_2026).expect("data/classification/qd26-2026.csv is valid (tested)")
    })
}

pub fn product_set(code: &str) -> Option<&'static ProductSet> {
    product_sets().iter().find(|s| s.set == code)
}

/// The six product groups in document order.
pub fn groups() -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    for s in product_sets() {
        if out.last().map(|g| g.code != s.group).unwrap_or(true) {
            out.push(Group {
                code: s.group.clone(),
                name: s.group_name.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_classification_is_valid() {
        assert_eq!(product_sets().len(), 26);
        assert_eq!(groups().len(), 6);
        assert_eq!(
            product_set("09").unwrap().name,
            "Tương, nước mắm, gia vị dạng lỏng khác"
        );
        assert_eq!(product_set("26").unwrap().group, "VI");
        assert!(product_set("27").is_none());
    }

    #[test]
    fn bad_numbering_is_reported_with_line() {
        let text = "set,group,group_name,category,category_name,name,agency\n02,I,a,I.1,b,c,d\n";
        let err = parse(text).unwrap_err();
        assert!(err.contains("dòng 2"), "{err}");
    }
}
