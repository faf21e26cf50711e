//! The national map as SVG: the 34 provinces coloured by a value, each a link,
//! and the Hoàng Sa and Trường Sa archipelagos, which the source shapes lack
//! and every national map must show.

use serde_json::Value;
use std::collections::HashMap;
use std::fmt::Write;

const GEOJSON: &str = include_str!("../../../data/geo/vn-34-provinces.geojson");

/// The map's bounding box in degrees (includes both archipelagos).
const LON_MIN: f64 = 101.8;
const LON_MAX: f64 = 117.6;
const LAT_MIN: f64 = 7.9;
const LAT_MAX: f64 = 23.6;
/// Pixels per degree of latitude.
const SCALE: f64 = 40.0;

fn project(lon: f64, lat: f64) -> (f64, f64) {
    // Equirectangular, with longitudes shrunk by the cosine of the mid latitude.
    let k = (16.0f64).to_radians().cos();
    ((lon - LON_MIN) * SCALE * k, (LAT_MAX - lat) * SCALE)
}

fn size() -> (f64, f64) {
    project(LON_MAX, LAT_MIN)
}

/// Island groups (approximate positions of the main features), drawn as dots.
const HOANG_SA: &[(f64, f64)] = &[
    (111.6, 16.5),
    (112.3, 16.8),
    (112.7, 16.3),
    (111.2, 16.0),
    (112.0, 15.8),
    (112.5, 16.0),
];
const TRUONG_SA: &[(f64, f64)] = &[
    (114.3, 11.4),
    (114.9, 10.4),
    (113.8, 10.0),
    (115.5, 9.5),
    (114.4, 8.9),
    (112.9, 9.0),
    (114.1, 11.0),
    (115.0, 11.2),
];

/// A province's fill and what its tooltip says.
pub struct Shade {
    pub value: i64,
    pub label: String,
    pub href: String,
}

/// Five steps of one hue, lightest for the smallest values.
const COLORS: [&str; 6] = [
    "#f4efe9", "#f9d6cf", "#f0a898", "#e07563", "#c2412f", "#8c1d18",
];

fn color(value: i64, max: i64) -> &'static str {
    if value <= 0 || max <= 0 {
        return COLORS[0];
    }
    let step = ((value as f64 / max as f64) * 5.0).ceil() as usize;
    COLORS[step.clamp(1, 5)]
}

fn path_of(ring: &[Value]) -> String {
    let mut d = String::new();
    for (i, p) in ring.iter().enumerate() {
        let (lon, lat) = (p[0].as_f64().unwrap_or(0.0), p[1].as_f64().unwrap_or(0.0));
        let (x, y) = project(lon, lat);
        let _ = write!(d, "{}{:.1},{:.1}", if i == 0 { "M" } else { "L" }, x, y);
    }
    d.push('Z');
    d
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A province's outline, projected once: the shapes never change, and
/// parsing the GeoJSON on every map cost more than drawing it.
struct ProvinceShape {
    code: String,
    name: String,
    path: String,
}

fn provinces() -> &'static [ProvinceShape] {
    static SHAPES: std::sync::OnceLock<Vec<ProvinceShape>> = std::sync::OnceLock::new();
    SHAPES.get_or_init(|| {
        let geo: Value = serde_json::from_str(GEOJSON).expect("shipped GeoJSON parses (tested)");
        geo["features"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| {
                let geom = &f["geometry"];
                let polys: Vec<&Value> = match geom["type"].as_str() {
                    Some("MultiPolygon") => geom["coordinates"]
                        .as_array()
                        .map(|a| a.iter().collect())
                        .unwrap_or_default(),
                    _ => vec![&geom["coordinates"]],
                };
                let mut path = String::new();
                for poly in polys {
                    for ring in poly.as_array().into_iter().flatten() {
                        path.push_str(&path_of(
                            ring.as_array().map(|v| v.as_slice()).unwrap_or(&[]),
                        ));
                    }
                }
                ProvinceShape {
                    code: format!("{:02}", f["properties"]["code"].as_i64().unwrap_or(0)),
                    name: f["properties"]["name"].as_str().unwrap_or("").to_string(),
                    path,
                }
            })
            .collect()
    })
}

/// A place marked on the map (a point of sale), linking to `href`.
pub struct MapPoint {
    pub lon: f64,
    pub lat: f64,
    pub label: String,
    pub href: String,
}

/// Render the map. `shades` is keyed by two-digit province code.
pub fn national_svg(shades: &HashMap<String, Shade>, title: &str) -> String {
    national_svg_with_points(shades, &[], title)
}

/// The map with places marked on it, above the provinces.
pub fn national_svg_with_points(
    shades: &HashMap<String, Shade>,
    points: &[MapPoint],
    title: &str,
) -> String {
    let max = shades.values().map(|s| s.value).max().unwrap_or(0);
    let (w, h) = size();
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w:.0} {h:.0}\" role=\"img\" aria-labelledby=\"map-title\" class=\"vn-map\">\
         <title id=\"map-title\">{}</title><rect width=\"100%\" height=\"100%\" fill=\"#eaf3f8\"/>",
        escape(title)
    );
    for p in provinces() {
        let shade = shades.get(&p.code);
        let fill = color(shade.map(|s| s.value).unwrap_or(0), max);
        let label = shade
            .map(|s| s.label.clone())
            .unwrap_or_else(|| format!("{}: 0", p.name));
        let href = shade.map(|s| s.href.clone()).unwrap_or_default();
        let _ = write!(
            out,
            "<a href=\"{}\"><path d=\"{}\" fill=\"{fill}\" stroke=\"#ffffff\" stroke-width=\"0.8\" data-code=\"{}\"><title>{}</title></path></a>",
            escape(&href),
            p.path,
            p.code,
            escape(&label)
        );
    }
    for (dots, name, anchor) in [
        (
            HOANG_SA,
            "Quần đảo Hoàng Sa (Thành phố Đà Nẵng)",
            (110.6, 17.5),
        ),
        (
            TRUONG_SA,
            "Quần đảo Trường Sa (Tỉnh Khánh Hòa)",
            (111.0, 12.3),
        ),
    ] {
        let _ = write!(
            out,
            "<g class=\"archipelago\"><title>{}</title>",
            escape(name)
        );
        for (lon, lat) in dots {
            let (x, y) = project(*lon, *lat);
            let _ = write!(
                out,
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2.2\" fill=\"#8c1d18\"/>"
            );
        }
        let (x, y) = project(anchor.0, anchor.1);
        let _ = write!(
            out,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"11\" fill=\"#3b3632\">{}</text></g>",
            escape(name)
        );
    }
    for p in points {
        let (x, y) = project(p.lon, p.lat);
        let _ = write!(
            out,
            "<a href=\"{}\" class=\"map-point\"><circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"#1f5fa8\" stroke=\"#ffffff\" stroke-width=\"1.2\"><title>{}</title></circle></a>",
            escape(&p.href),
            escape(&p.label)
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_provinces_and_both_archipelagos() {
        let mut shades = HashMap::new();
        shades.insert(
            "01".to_string(),
            Shade {
                value: 10,
                label: "Hà Nội: 10".into(),
                href: "/danh-muc?tinh=01".into(),
            },
        );
        let svg = national_svg(&shades, "Sản phẩm OCOP theo tỉnh");
        assert_eq!(svg.matches("<path ").count(), 34);
        assert!(svg.contains("Quần đảo Hoàng Sa") && svg.contains("Quần đảo Trường Sa"));
        assert!(svg.contains("data-code=\"01\"") && svg.contains(COLORS[5]));
        assert!(svg.contains("href=\"/danh-muc?tinh=01\""));
    }

    #[test]
    fn points_are_marked_where_they_are() {
        let svg = national_svg_with_points(
            &HashMap::new(),
            &[MapPoint {
                lon: 105.85,
                lat: 21.03,
                label: "Điểm OCOP <Hoàn Kiếm>".into(),
                href: "/noi-ban#diem-1".into(),
            }],
            "Điểm bán",
        );
        let (x, y) = project(105.85, 21.03);
        assert!(svg.contains(&format!("cx=\"{x:.1}\" cy=\"{y:.1}\"")));
        assert!(svg.contains("Điểm OCOP &lt;Hoàn Kiếm&gt;"));
        assert_eq!(svg.matches("class=\"map-point\"").count(), 1);
    }

    #[test]
    fn shipped_codes_are_the_34_provinces() {
        let geo: Value = serde_json::from_str(GEOJSON).unwrap();
        let mut codes: Vec<i64> = geo["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["properties"]["code"].as_i64().unwrap())
            .collect();
        codes.sort();
        assert_eq!(codes.len(), 34);
        assert_eq!(codes[0], 1);
    }
}
