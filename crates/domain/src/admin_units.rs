//! Administrative units: the 34 provinces and 3,321 communes in force since
//! 1 July 2025, the pre-2025 units, and the mapping from old communes to new.
//! Compiled in from `data/admin-units/` (see its README for source and licence).

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Province {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Commune {
    pub code: String,
    pub province_code: String,
    pub name: String,
    pub kind: String,
    pub lat: f64,
    pub lon: f64,
    pub area_km2: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LegacyProvince {
    pub code: String,
    pub name: String,
    pub new_province_code: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LegacyDistrict {
    pub code: String,
    pub province_code: String,
    pub name: String,
    pub kind: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LegacyCommune {
    pub code: String,
    pub district_code: String,
    pub province_code: String,
    pub name: String,
    pub kind: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CommuneMapping {
    pub old_commune_code: String,
    pub new_commune_code: String,
    /// `1` for the commune an old address resolves to when the old commune was split.
    pub is_default: u8,
}

/// All administrative units, indexed.
#[derive(Debug)]
pub struct AdminUnits {
    pub provinces: Vec<Province>,
    pub communes: Vec<Commune>,
    pub legacy_provinces: Vec<LegacyProvince>,
    pub legacy_districts: Vec<LegacyDistrict>,
    pub legacy_communes: Vec<LegacyCommune>,
    pub mapping: Vec<CommuneMapping>,
    province_idx: HashMap<String, usize>,
    commune_idx: HashMap<String, usize>,
    legacy_commune_idx: HashMap<String, usize>,
    default_new: HashMap<String, String>,
}

fn read<T: for<'de> Deserialize<'de>>(file: &str, text: &str) -> Result<Vec<T>, String> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader
        .deserialize()
        .enumerate()
        .map(|(i, r)| r.map_err(|e| format!("{file} dòng {}: {e}", i + 2)))
        .collect()
}

impl AdminUnits {
    /// Parse and cross-check the unit files. Every commune's province exists,
    /// every mapping names real units, codes are unique.
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        provinces: &str,
        communes: &str,
        legacy_provinces: &str,
        legacy_districts: &str,
        legacy_communes: &str,
        mapping: &str,
    ) -> Result<Self, String> {
        let provinces: Vec<Province> = read("provinces.csv", provinces)?;
        let communes: Vec<Commune> = read("communes.csv", communes)?;
        let legacy_provinces: Vec<LegacyProvince> = read("legacy-provinces.csv", legacy_provinces)?;
        let legacy_districts: Vec<LegacyDistrict> = read("legacy-districts.csv", legacy_districts)?;
        let legacy_communes: Vec<LegacyCommune> = read("legacy-communes.csv", legacy_communes)?;
        let mapping: Vec<CommuneMapping> = read("commune-mapping.csv", mapping)?;

        let province_idx: HashMap<String, usize> = provinces
            .iter()
            .enumerate()
            .map(|(i, p)| (p.code.clone(), i))
            .collect();
        let commune_idx: HashMap<String, usize> = communes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.code.clone(), i))
            .collect();
        let legacy_commune_idx: HashMap<String, usize> = legacy_communes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.code.clone(), i))
            .collect();
        if province_idx.len() != provinces.len() || commune_idx.len() != communes.len() {
            return Err("mã tỉnh hoặc mã xã bị trùng".into());
        }
        for c in &communes {
            if !province_idx.contains_key(&c.province_code) {
                return Err(format!(
                    "xã {} thuộc tỉnh {} không tồn tại",
                    c.code, c.province_code
                ));
            }
        }
        for p in &legacy_provinces {
            if !province_idx.contains_key(&p.new_province_code) {
                return Err(format!(
                    "tỉnh cũ {} sáp nhập vào tỉnh {} không tồn tại",
                    p.code, p.new_province_code
                ));
            }
        }
        let mut default_new = HashMap::new();
        for m in &mapping {
            if !commune_idx.contains_key(&m.new_commune_code)
                || !legacy_commune_idx.contains_key(&m.old_commune_code)
            {
                return Err(format!(
                    "ánh xạ {} → {} chứa mã không tồn tại",
                    m.old_commune_code, m.new_commune_code
                ));
            }
            if m.is_default == 1
                && default_new
                    .insert(m.old_commune_code.clone(), m.new_commune_code.clone())
                    .is_some()
            {
                return Err(format!(
                    "xã cũ {} có hơn một xã mới mặc định",
                    m.old_commune_code
                ));
            }
        }
        Ok(Self {
            provinces,
            communes,
            legacy_provinces,
            legacy_districts,
            legacy_communes,
            mapping,
            province_idx,
            commune_idx,
            legacy_commune_idx,
            default_new,
        })
    }

    pub fn province(&self, code: &str) -> Option<&Province> {
        self.province_idx.get(code).map(|&i| &self.provinces[i])
    }

    pub fn commune(&self, code: &str) -> Option<&Commune> {
        self.commune_idx.get(code).map(|&i| &self.communes[i])
    }

    pub fn legacy_commune(&self, code: &str) -> Option<&LegacyCommune> {
        self.legacy_commune_idx
            .get(code)
            .map(|&i| &self.legacy_communes[i])
    }

    /// The current commune an old (pre-2025) commune's addresses resolve to.
    pub fn resolve_legacy(&self, old_code: &str) -> Option<&Commune> {
        self.default_new.get(old_code).and_then(|c| self.commune(c))
    }

    /// Communes of one province, in Vietnamese alphabetical order.
    pub fn communes_of(&self, province_code: &str) -> Vec<&Commune> {
        let mut list: Vec<&Commune> = self
            .communes
            .iter()
            .filter(|c| c.province_code == province_code)
            .collect();
        crate::text::sort_by_name(&mut list, |c| c.name.as_str());
        list
    }

    /// Provinces in Vietnamese alphabetical order of their names without the
    /// "Tỉnh"/"Thành phố" prefix, as people look them up.
    pub fn provinces_sorted(&self) -> Vec<&Province> {
        let mut list: Vec<&Province> = self.provinces.iter().collect();
        crate::text::sort_by_name(&mut list, |p| short_name(&p.name));
        list
    }
}

/// "Thành phố Hà Nội" → "Hà Nội", "Tỉnh Điện Biên" → "Điện Biên", "Xã Tà Xùa" → "Tà Xùa".
pub fn short_name(name: &str) -> &str {
    for prefix in ["Thành phố ", "Tỉnh ", "Phường ", "Xã ", "Đặc khu "] {
        if let Some(rest) = name.strip_prefix(prefix) {
            return rest;
        }
    }
    name
}

/// The shipped units (data/admin-units), parsed once.
pub fn units() -> &'static AdminUnits {
    static UNITS: OnceLock<AdminUnits> = OnceLock::new();
    UNITS.get_or_init(|| {
        AdminUnits::parse(
            include_str!("../../../data/admin-units/provinces.csv"),
            include_str!("../../../data/admin-units/communes.csv"),
            include_str!("../../../data/admin-units/legacy-provinces.csv"),
            include_str!("../../../data/admin-units/legacy-districts.csv"),
            include_str!("../../../data/admin-units/legacy-communes.csv"),
            include_str!("../../../data/admin-units/commune-mapping.csv"),
        )
        .expect("data/admin-units is valid (tested)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_units_have_official_counts() {
        let u = units();
        assert_eq!(u.provinces.len(), 34);
        assert_eq!(u.communes.len(), 3321);
        assert_eq!(u.legacy_provinces.len(), 63);
        assert!(u.legacy_communes.len() > 10_000);
        assert_eq!(u.province("01").unwrap().name, "Thành phố Hà Nội");
    }

    #[test]
    fn legacy_communes_resolve_to_current_ones() {
        let u = units();
        let resolved = u
            .legacy_communes
            .iter()
            .filter(|c| u.resolve_legacy(&c.code).is_some())
            .count();
        // Every resolution lands in the province the old province merged into.
        for c in u.legacy_communes.iter().take(2000) {
            if let Some(new) = u.resolve_legacy(&c.code) {
                let old_p = u
                    .legacy_provinces
                    .iter()
                    .find(|p| p.code == c.province_code)
                    .unwrap();
                assert_eq!(
                    new.province_code, old_p.new_province_code,
                    "{} {}",
                    c.code, c.name
                );
            }
        }
        assert!(
            resolved * 100 / u.legacy_communes.len() >= 95,
            "only {resolved} resolved"
        );
    }

    #[test]
    fn short_names() {
        assert_eq!(short_name("Thành phố Hà Nội"), "Hà Nội");
        assert_eq!(short_name("Tỉnh Điện Biên"), "Điện Biên");
    }

    #[test]
    fn provinces_sort_in_vietnamese_order() {
        let names: Vec<&str> = units()
            .provinces_sorted()
            .iter()
            .map(|p| short_name(&p.name))
            .collect();
        assert_eq!(names[0], "An Giang");
        let dak = names.iter().position(|n| *n == "Đắk Lắk").unwrap();
        let dien = names.iter().position(|n| *n == "Điện Biên").unwrap();
        let dong = names.iter().position(|n| *n == "Đồng Nai").unwrap();
        assert!(dak < dien && dien < dong);
        let cao = names.iter().position(|n| *n == "Cao Bằng").unwrap();
        assert!(cao < dak);
    }
}
