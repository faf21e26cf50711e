//! A deterministic generator of realistic demo data: producers and products
//! across all 34 provinces with the national star mix (≈72% 3★, 27% 4★, <1% 5★)
//! and producer types like seed 003. Same seed, same data, on every machine:
//! the generator uses its own PRNG rather than a crate whose stream may change.

use crate::admin_units::{short_name, AdminUnits, Commune};
use crate::certificate::{expiry_of, LegacyCertificate};
use crate::ids::{gtin_check_digit, tax_check_digit};
use crate::producer::{Gender, ProducerData, ProducerKind};
use crate::product::ProductData;
use chrono::NaiveDate;

/// SplitMix64: tiny, fast, and stable forever.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    /// True with probability `per_mille`/1000.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý", "Lò", "Hà", "Đinh", "Triệu",
];
const MIDDLE_F: &[&str] = &["Thị", "Thị Thu", "Thị Minh", "Ngọc", "Thị Thanh", "Thị Kim"];
const MIDDLE_M: &[&str] = &["Văn", "Đức", "Minh", "Quốc", "Hữu", "Công", "Thanh"];
const GIVEN_F: &[&str] = &[
    "Lan", "Hoa", "Hương", "Mai", "Thảo", "Hạnh", "Nga", "Yến", "Dung", "Liên", "Phương", "Ánh",
];
const GIVEN_M: &[&str] = &[
    "Hùng", "Dũng", "Nam", "Sơn", "Tuấn", "Thắng", "Long", "Bình", "Cường", "Khoa", "Phúc", "Tài",
];
const ETHNIC: &[&str] = &[
    "Kinh", "Kinh", "Kinh", "Kinh", "Kinh", "Kinh", "Kinh", "Tày", "Thái", "Mường", "Khmer",
    "Mông", "Nùng", "Dao", "Ê Đê",
];
const BRAND: &[&str] = &[
    "Vạn Phần",
    "Bát Tiên",
    "Hồng Lam",
    "Tân Cương",
    "Phú Quý",
    "An Phát",
    "Thành Đạt",
    "Hưng Thịnh",
    "Bảo Lộc",
    "Mường Lò",
    "Tây Bắc",
    "Sơn Trà",
    "Hương Quê",
    "Đồng Xanh",
    "Ngọc Linh",
    "Suối Giàng",
    "Cát Hải",
    "Ba Vì",
    "Việt Hương",
    "Kim Sơn",
];

/// Name templates per product set: `{b}` a brand, `{p}` the commune's name.
fn templates(set: &str) -> &'static [&'static str] {
    match set {
        "01" => &[
            "Bưởi da xanh {p}",
            "Cam sành {p}",
            "Vải thiều {b}",
            "Nhãn lồng {p}",
            "Măng cụt {b}",
        ],
        "02" => &[
            "Thịt trâu tươi {p}",
            "Tôm sú {b}",
            "Trứng vịt {p}",
            "Sữa bò tươi {b}",
        ],
        "03" => &[
            "Gạo tám thơm {p}",
            "Gạo nếp cái hoa vàng {b}",
            "Gạo ST25 {b}",
            "Hạt điều {p}",
        ],
        "04" => &[
            "Mật ong bạc hà {b}",
            "Mật ong rừng {p}",
            "Tinh bột nghệ {b}",
        ],
        "05" => &["Bánh chưng {p}", "Nem chua {b}", "Chả cá {p}"],
        "06" => &[
            "Bún khô {p}",
            "Bánh đa nem {b}",
            "Miến dong {p}",
            "Phở khô {b}",
        ],
        "07" => &[
            "Mứt gừng {b}",
            "Vải sấy {p}",
            "Chuối sấy dẻo {b}",
            "Măng khô {p}",
        ],
        "08" => &[
            "Ruốc tôm {b}",
            "Thịt trâu gác bếp {p}",
            "Lạp xưởng {b}",
            "Mắm tôm chua {p}",
        ],
        "09" => &[
            "Nước mắm {b}",
            "Nước mắm cá cơm {p}",
            "Tương bần {p}",
            "Nước mắm truyền thống {b}",
        ],
        "10" => &[
            "Muối tôm {p}",
            "Tiêu đen {b}",
            "Tỏi cô đơn {p}",
            "Hạt dổi {b}",
        ],
        "11" => &[
            "Chè {b} {p}",
            "Chè Shan tuyết {p}",
            "Trà xanh {b}",
            "Chè búp {p}",
        ],
        "12" => &[
            "Trà hoa vàng {b}",
            "Trà atiso {p}",
            "Trà túi lọc lá sen {b}",
        ],
        "13" => &[
            "Cà phê Robusta {p}",
            "Cà phê rang xay {b}",
            "Ca cao nguyên chất {b}",
        ],
        "14" => &["Rượu nếp cái {p}", "Rượu làng Vân {b}", "Rượu men lá {p}"],
        "15" => &["Rượu sim {b}", "Rượu mơ {p}", "Vang nho {b}"],
        "16" => &["Nước khoáng {b}", "Nước uống tinh khiết {p}"],
        "17" => &[
            "Nước cốt chanh leo {b}",
            "Nước ép dứa {p}",
            "Siro dâu tằm {b}",
        ],
        "18" => &[
            "Cao Actiso {b}",
            "Viên đông trùng hạ thảo {p}",
            "Sâm Ngọc Linh {b}",
        ],
        "19" => &[
            "Dầu gội thảo dược {b}",
            "Xà bông nghệ {p}",
            "Son môi từ gấc {b}",
        ],
        "20" => &[
            "Tinh dầu quế {p}",
            "Tinh dầu sả chanh {b}",
            "Tinh dầu tràm {p}",
        ],
        "21" => &["Gốm {b}", "Mây tre đan {p}", "Nón lá {p}", "Sơn mài {b}"],
        "22" => &["Thổ cẩm {p}", "Lụa tơ tằm {b}", "Khăn lụa {p}"],
        "23" => &["Hoa lan {b}", "Hoa hồng {p}", "Hoa đào {p}"],
        "24" => &["Bonsai {b}", "Cây cảnh {p}", "Quất cảnh {p}"],
        "25" => &["Cá cảnh {b}", "Chim cảnh {p}"],
        _ => &[
            "Du lịch cộng đồng {p}",
            "Điểm du lịch sinh thái {b}",
            "Homestay {p}",
        ],
    }
}

/// Weights of product sets in the demo (food and drink dominate, as in reality).
const SET_WEIGHTS: [(u8, u64); 26] = [
    (1, 90),
    (2, 40),
    (3, 60),
    (4, 50),
    (5, 20),
    (6, 60),
    (7, 70),
    (8, 60),
    (9, 40),
    (10, 30),
    (11, 80),
    (12, 40),
    (13, 30),
    (14, 40),
    (15, 20),
    (16, 10),
    (17, 20),
    (18, 30),
    (19, 15),
    (20, 25),
    (21, 40),
    (22, 15),
    (23, 8),
    (24, 6),
    (25, 3),
    (26, 20),
];

pub struct DemoProduct {
    pub data: ProductData,
    pub certificate: Option<LegacyCertificate>,
}

pub struct DemoProducer {
    pub data: ProducerData,
    pub products: Vec<DemoProduct>,
}

fn person(rng: &mut Rng) -> (String, Gender) {
    let gender = if rng.chance(450) {
        Gender::Female
    } else {
        Gender::Male
    };
    let (middle, given) = match gender {
        Gender::Female => (MIDDLE_F, GIVEN_F),
        Gender::Male => (MIDDLE_M, GIVEN_M),
    };
    (
        format!(
            "{} {} {}",
            rng.pick(FAMILY),
            rng.pick(middle),
            rng.pick(given)
        ),
        gender,
    )
}

fn producer_kind(rng: &mut Rng) -> ProducerKind {
    // Seed 003: 38.1% cooperatives, 24.2% enterprises, 34.9% facilities and households, rest cooperative groups.
    match rng.below(1000) {
        0..=380 => ProducerKind::Cooperative,
        381..=622 => ProducerKind::Enterprise,
        623..=930 => ProducerKind::Household,
        931..=971 => ProducerKind::Farm,
        _ => ProducerKind::CooperativeGroup,
    }
}

fn registration_number(rng: &mut Rng, kind: ProducerKind, province: &str) -> String {
    if kind == ProducerKind::Household {
        return format!("{province}A{:07}", rng.below(10_000_000));
    }
    loop {
        let mut d = [0u32; 9];
        d[0] = 0;
        for x in d.iter_mut().skip(1) {
            *x = rng.below(10) as u32;
        }
        if let Some(c) = tax_check_digit(&d) {
            return d
                .iter()
                .chain(std::iter::once(&c))
                .map(|x| char::from_digit(*x, 10).unwrap_or('0'))
                .collect();
        }
    }
}

fn gtin(rng: &mut Rng) -> String {
    let mut body: Vec<u32> = vec![8, 9, 3];
    for _ in 0..9 {
        body.push(rng.below(10) as u32);
    }
    let c = gtin_check_digit(&body);
    body.iter()
        .chain(std::iter::once(&c))
        .map(|x| char::from_digit(*x, 10).unwrap_or('0'))
        .collect()
}

fn pick_set(rng: &mut Rng) -> String {
    let total: u64 = SET_WEIGHTS.iter().map(|(_, w)| w).sum();
    let mut x = rng.below(total);
    for (set, w) in SET_WEIGHTS {
        if x < w {
            return format!("{set:02}");
        }
        x -= w;
    }
    "01".into()
}

fn stars(rng: &mut Rng) -> u8 {
    match rng.below(1000) {
        0..=6 => 5,
        7..=279 => 4,
        _ => 3,
    }
}

/// Generate `producers` producers owning `products` products in total, spread
/// over every province, deterministically from `seed`. `today` bounds the
/// certificate dates.
pub fn generate(
    units: &AdminUnits,
    producers: usize,
    products: usize,
    seed: u64,
    today: NaiveDate,
) -> Vec<DemoProducer> {
    let mut rng = Rng::new(seed);
    // Communes grouped by province so every province gets producers.
    let by_province: Vec<Vec<&Commune>> = units
        .provinces
        .iter()
        .map(|p| {
            units
                .communes
                .iter()
                .filter(|c| c.province_code == p.code)
                .collect()
        })
        .collect();
    let mut out = Vec::with_capacity(producers);
    let mut used_reg = std::collections::HashSet::new();
    for i in 0..producers {
        let communes = &by_province[i % by_province.len()];
        let commune = *rng.pick(communes);
        let kind = producer_kind(&mut rng);
        let place = short_name(&commune.name).to_string();
        let brand = rng.pick(BRAND).to_string();
        let name = match kind {
            ProducerKind::Cooperative => format!("Hợp tác xã {brand} {place}"),
            ProducerKind::Enterprise => format!("Công ty TNHH {brand}"),
            ProducerKind::Household => format!("Hộ kinh doanh {}", person(&mut rng).0),
            ProducerKind::Farm => format!("Trang trại {brand}"),
            ProducerKind::CooperativeGroup => format!("Tổ hợp tác {brand} {place}"),
            ProducerKind::Association => format!("Hội {brand}"),
            ProducerKind::OperatingCentre => format!("Trung tâm điều hành du lịch {place}"),
        };
        let mut reg = registration_number(&mut rng, kind, &commune.province_code);
        while !used_reg.insert(reg.clone()) {
            reg = registration_number(&mut rng, kind, &commune.province_code);
        }
        let (rep, gender) = person(&mut rng);
        let data = ProducerData {
            name,
            kind,
            registration_number: reg,
            address: format!(
                "{} {}",
                rng.pick(&["Thôn", "Xóm", "Bản", "Ấp", "Tổ dân phố"]),
                rng.below(12) + 1
            ),
            commune_code: commune.code.clone(),
            province_code: commune.province_code.clone(),
            legacy_commune_code: None,
            phone: Some(format!("09{:08}", rng.below(100_000_000))),
            email: None,
            website: None,
            representative_name: rep,
            representative_gender: gender,
            representative_ethnicity: rng.pick(ETHNIC).to_string(),
            representative_disability: rng.chance(15),
            community_capital_pct: Some((rng.below(101)) as f64),
            workers: Some(rng.below(80) as i64 + 3),
            description: String::new(),
        };
        out.push(DemoProducer {
            data,
            products: Vec::new(),
        });
    }
    if out.is_empty() {
        return out;
    }
    let start = NaiveDate::from_ymd_opt(2022, 6, 1).expect("valid date");
    let span = (today - start).num_days().max(1) as u64;
    let mut used_gtin = std::collections::HashSet::new();
    for j in 0..products {
        // The first pass gives every producer one product, the rest land at random.
        let owner = if j < out.len() {
            j
        } else {
            rng.below(out.len() as u64) as usize
        };
        let set = pick_set(&mut rng);
        let commune = units
            .commune(&out[owner].data.commune_code)
            .expect("generated from units");
        // A producer never has two products of the same name (names identify
        // products on re-import); retry, then number the variant.
        let mut name = String::new();
        for attempt in 0..6 {
            let template = rng.pick(templates(&set));
            name = template
                .replace("{b}", rng.pick::<&str>(BRAND))
                .replace("{p}", short_name(&commune.name));
            if attempt == 5 {
                name = format!("{name} loại {}", out[owner].products.len() + 1);
            }
            if !out[owner].products.iter().any(|p| p.data.name == name) {
                break;
            }
        }
        let certificate = if rng.chance(850) {
            let issued_on = start + chrono::Duration::days(rng.below(span) as i64);
            let s = stars(&mut rng);
            let province = units.province(&commune.province_code).expect("unit");
            Some(LegacyCertificate {
                stars: s,
                decision_number: format!(
                    "{}/QĐ-{}",
                    rng.below(3000) + 1,
                    if s == 5 { "BNNMT" } else { "UBND" }
                ),
                issuer: if s == 5 {
                    "Bộ Nông nghiệp và Môi trường".into()
                } else {
                    format!("UBND {}", province.name)
                },
                issued_on,
                expires_on: expiry_of(issued_on),
            })
        } else {
            None
        };
        let data = ProductData {
            name,
            set_code: set,
            description: format!(
                "Sản phẩm đặc trưng của {}, được sản xuất từ nguyên liệu địa phương theo quy trình truyền thống.",
                commune.name
            ),
            gtin: if rng.chance(400) {
                // GTINs are unique in the registry: draw again on a repeat
                // (9 random digits repeat by chance from ~50,000 GTINs on).
                let mut g = gtin(&mut rng);
                while !used_gtin.insert(g.clone()) {
                    g = gtin(&mut rng);
                }
                Some(g)
            } else {
                None
            },
            code: None,
        };
        out[owner].products.push(DemoProduct { data, certificate });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin_units::units;
    use crate::ids::{Gtin, RegistrationNumber};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    #[test]
    fn deterministic() {
        let a = generate(units(), 50, 120, 7, today());
        let b = generate(units(), 50, 120, 7, today());
        assert_eq!(a.len(), 50);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.data, y.data);
            assert_eq!(x.products.len(), y.products.len());
        }
        let c = generate(units(), 50, 120, 8, today());
        assert_ne!(a[0].data, c[0].data);
    }

    #[test]
    fn gtins_are_unique_at_national_size() {
        // Seed 2026 repeats a GTIN by chance among its 80,000 (issue 6's 200,000 products).
        let data = generate(units(), 100_000, 200_000, 2026, today());
        let mut seen = std::collections::HashSet::new();
        for prod in data.iter().flat_map(|p| &p.products) {
            if let Some(g) = &prod.data.gtin {
                assert!(seen.insert(g.clone()), "GTIN {g} twice");
            }
        }
        assert!(seen.len() > 70_000);
    }

    #[test]
    fn generated_data_is_valid_and_national() {
        let data = generate(units(), 340, 2000, 1, today());
        let provinces: std::collections::HashSet<&str> =
            data.iter().map(|p| p.data.province_code.as_str()).collect();
        assert_eq!(provinces.len(), 34);
        assert_eq!(data.iter().map(|p| p.products.len()).sum::<usize>(), 2000);
        let mut stars = [0usize; 6];
        for p in &data {
            RegistrationNumber::parse(&p.data.registration_number).unwrap();
            for prod in &p.products {
                if let Some(g) = &prod.data.gtin {
                    Gtin::parse(g).unwrap();
                }
                if let Some(c) = &prod.certificate {
                    stars[c.stars as usize] += 1;
                    assert!(c.issued_on <= today());
                }
            }
        }
        let certified: usize = stars.iter().sum();
        let three = stars[3] * 100 / certified;
        assert!((66..=78).contains(&three), "3★ share {three}%");
        assert!(stars[5] * 100 / certified < 2);
    }
}

/// Options of `sheet` that rank exactly `stars` (for demo dossiers and
/// tests): the best option of every criterion, with one criterion that
/// carries the next star's mark held below it, so that the next star's
/// minimums are unmet; for 1★, a single lowest option. On a sheet with
/// alternative cases, only the first case's criteria are ticked: options of
/// two cases cannot be ticked together.
pub fn selection_for(sheet: &crate::criteria::Sheet, stars: u8) -> Vec<String> {
    use crate::criteria::{NodeKind, TreeNode};
    fn leaves(nodes: &[TreeNode], case: Option<&str>, out: &mut Vec<TreeNode>) {
        for n in nodes {
            if n.case.as_deref().is_some_and(|c| Some(c) != case) {
                continue;
            }
            if n.children.iter().any(|c| c.kind == NodeKind::Option) {
                out.push(n.clone());
            }
            leaves(&n.children, case, out);
        }
    }
    let cases = sheet.cases();
    let mut all = Vec::new();
    leaves(&sheet.tree(), cases.first().map(String::as_str), &mut all);
    if stars <= 1 {
        return all
            .first()
            .and_then(|l| {
                l.children
                    .iter()
                    .filter(|o| o.kind == NodeKind::Option && o.points.is_some())
                    .min_by_key(|o| o.points)
            })
            .map(|o| vec![o.id.clone()])
            .unwrap_or_default();
    }
    // Each criterion's options, lowest first, and the one ticked (`None`: unticked).
    let options: Vec<Vec<&TreeNode>> = all
        .iter()
        .map(|l| {
            let mut o: Vec<&TreeNode> = l
                .children
                .iter()
                .filter(|o| o.kind == NodeKind::Option && o.points.is_some())
                .collect();
            o.sort_by_key(|o| o.points);
            o
        })
        .collect();
    let mut held = false;
    let mut ticked: Vec<Option<usize>> = options
        .iter()
        .map(|o| {
            let top = o.len().checked_sub(1);
            match o.iter().position(|o| o.min_star == Some(stars + 1)) {
                // The best option below the next star's mark (none: unticked).
                Some(mark) if !held => {
                    held = true;
                    mark.checked_sub(1)
                }
                _ => top,
            }
        })
        .collect();
    let ids = |ticked: &[Option<usize>]| -> Vec<String> {
        ticked
            .iter()
            .zip(&options)
            .filter_map(|(t, o)| t.map(|t| o[t].id.clone()))
            .collect()
    };
    // A sheet where no criterion carries the next star's mark (or holding one
    // is not enough): lower the last criteria a step at a time until the
    // total falls into the band.
    let case = cases.first().map(String::as_str);
    let mut k = ticked.len();
    while k > 0
        && sheet
            .evaluate(&ids(&ticked), case)
            .is_ok_and(|e| e.rank > stars)
    {
        match ticked[k - 1] {
            Some(t) => ticked[k - 1] = t.checked_sub(1),
            None => k -= 1,
        }
    }
    ids(&ticked)
}

#[cfg(test)]
mod selection_tests {
    /// Every sheet of every version, those with alternative cases among them
    /// (a selection across two cases used to be refused).
    #[test]
    fn a_selection_ranks_what_it_is_asked() {
        for version in crate::criteria::versions() {
            for sheet in &version.sheets {
                for stars in 1..=5 {
                    let e = sheet
                        .evaluate(&super::selection_for(sheet, stars), None)
                        .unwrap_or_else(|e| panic!("{} {}: {e:?}", version.id, sheet.set));
                    assert_eq!(e.rank, stars, "{} {}: {e:?}", version.id, sheet.set);
                }
            }
        }
    }
}
