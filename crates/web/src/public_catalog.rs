//! The public catalog page: certified products with facet links (no
//! JavaScript: every filter is a link, so URLs are shareable).

use crate::error::AppError;
use crate::pages::{ctx, render};
use crate::session::{urlencode, Viewer};
use crate::State;
use axum::extract::{Query, State as S};
use axum::response::{IntoResponse, Response};
use axum::Json;
use ocop_domain::admin_units::{short_name, units};
use ocop_store::catalog::{CatalogFilter, CatalogSort, CatalogStatus};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Deserialize, Default, Clone)]
pub struct CatalogQuery {
    q: Option<String>,
    tinh: Option<String>,
    xa: Option<String>,
    nhom: Option<String>,
    bo: Option<String>,
    sao: Option<String>,
    loai: Option<String>,
    tinh_trang: Option<String>,
    sort: Option<String>,
    trang: Option<i64>,
}

impl CatalogQuery {
    fn pairs(&self) -> BTreeMap<&'static str, String> {
        let mut m = BTreeMap::new();
        for (k, v) in [
            ("q", &self.q),
            ("tinh", &self.tinh),
            ("xa", &self.xa),
            ("nhom", &self.nhom),
            ("bo", &self.bo),
            ("sao", &self.sao),
            ("loai", &self.loai),
            ("tinh_trang", &self.tinh_trang),
            ("sort", &self.sort),
        ] {
            if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
                m.insert(k, v.clone());
            }
        }
        m
    }

    /// This query's URL with one parameter toggled (set, or cleared when already that value).
    fn href_with(&self, key: &'static str, value: &str) -> String {
        let mut m = self.pairs();
        if m.get(key).map(String::as_str) == Some(value) {
            m.remove(key);
        } else {
            m.insert(key, value.to_string());
        }
        let qs: Vec<String> = m
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect();
        format!("/danh-muc?{}", qs.join("&"))
    }
}

fn status_label(code: &str) -> &'static str {
    match code {
        "valid" => "Còn hiệu lực",
        "expiring_soon" => "Sắp hết hạn",
        "expired" => "Hết hạn",
        "revoked" => "Đã thu hồi",
        _ => "",
    }
}

pub async fn catalog_page(
    S(state): S<State>,
    viewer: Viewer,
    Query(q): Query<CatalogQuery>,
) -> Response {
    let ne = |s: &Option<String>| {
        s.as_ref()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let status = CatalogStatus::parse(q.tinh_trang.as_deref().unwrap_or("")).unwrap_or_default();
    let f = CatalogFilter {
        q: ne(&q.q),
        province: ne(&q.tinh),
        commune: ne(&q.xa),
        group: ne(&q.nhom),
        set_code: ne(&q.bo),
        stars: ne(&q.sao).and_then(|s| s.parse().ok()),
        producer_kind: ne(&q.loai),
        status,
        sort: CatalogSort::parse(q.sort.as_deref().unwrap_or("")).unwrap_or_default(),
        page: q.trang.unwrap_or(1),
        per_page: 24,
    };
    let today = state.today();
    let result = match state.search.catalog(&f, today).await {
        Ok(r) => r,
        Err(e) => return crate::pages::error_page(&state, viewer.0.as_ref(), e.into()),
    };
    let facet = |title: &str,
                 key: &'static str,
                 counts: &BTreeMap<String, i64>,
                 label: &dyn Fn(&str) -> String,
                 order: &dyn Fn(&str) -> String| {
        let mut values: Vec<(String, Value)> = counts
            .iter()
            .map(|(k, n)| {
                let selected = q.pairs().get(key).map(String::as_str) == Some(k.as_str());
                (order(k), json!({"label": label(k), "count": n, "href": q.href_with(key, k), "selected": selected}))
            })
            .collect();
        values.sort_by(|a, b| a.0.cmp(&b.0));
        json!({"title": title, "values": values.into_iter().map(|(_, v)| v).collect::<Vec<_>>()})
    };
    let u = units();
    let by_name = |name: String| -> String {
        ocop_domain::text::collation_weights(&ocop_domain::text::collation_key(&name))
            .iter()
            .map(|w| format!("{w:05}"))
            .collect()
    };
    let mut facets = vec![
        facet(
            "Hạng sao",
            "sao",
            &result.facets.stars,
            &|k| format!("{k} sao"),
            &|k| format!("{:>2}", 9 - k.parse::<i64>().unwrap_or(0)),
        ),
        facet(
            "Nhóm sản phẩm",
            "nhom",
            &result.facets.group,
            &|k| {
                ocop_domain::classification::groups()
                    .into_iter()
                    .find(|g| g.code == k)
                    .map(|g| g.name)
                    .unwrap_or_default()
            },
            &|k| {
                ["I", "II", "III", "IV", "V", "VI"]
                    .iter()
                    .position(|g| *g == k)
                    .unwrap_or(9)
                    .to_string()
            },
        ),
        facet(
            "Tỉnh, thành phố",
            "tinh",
            &result.facets.province,
            &|k| {
                u.province(k)
                    .map(|p| short_name(&p.name).to_string())
                    .unwrap_or_default()
            },
            &|k| {
                by_name(
                    u.province(k)
                        .map(|p| short_name(&p.name).to_string())
                        .unwrap_or_default(),
                )
            },
        ),
        facet(
            "Loại hình chủ thể",
            "loai",
            &result.facets.producer_type,
            &|k| {
                ocop_domain::producer::ProducerKind::parse(k)
                    .map(|p| p.label().to_string())
                    .unwrap_or_default()
            },
            &|k| k.to_string(),
        ),
        facet(
            "Tình trạng chứng nhận",
            "tinh_trang",
            &result.facets.status,
            &|k| status_label(k).to_string(),
            &|k| {
                ["valid", "expiring_soon", "expired", "revoked"]
                    .iter()
                    .position(|s| *s == k)
                    .unwrap_or(9)
                    .to_string()
            },
        ),
    ];
    // The set refines the group; the commune refines a chosen province (a
    // national list of 3,321 communes would bury the page).
    facets.insert(
        2,
        facet(
            "Bộ sản phẩm",
            "bo",
            &result.facets.set,
            &|k| {
                ocop_domain::classification::product_set(k)
                    .map(|s| s.name.clone())
                    .unwrap_or_else(|| k.to_string())
            },
            &|k| k.to_string(),
        ),
    );
    if f.province.is_some() {
        let commune_name = |k: &str| u.commune(k).map(|c| c.name.clone()).unwrap_or_default();
        facets.insert(
            4,
            facet(
                "Xã, phường, đặc khu",
                "xa",
                &result.facets.commune,
                &commune_name,
                &|k| by_name(commune_name(k)),
            ),
        );
    }
    let items: Vec<Value> = result
        .items
        .iter()
        .map(|x| json!(crate::api::product_item(x, today)))
        .collect();
    let pages = ((result.total + result.per_page - 1) / result.per_page).max(1);
    let mut hidden = q.pairs();
    hidden.remove("q");
    let mut hidden_sort = q.pairs();
    hidden_sort.remove("sort");
    let mut page_pairs = q.pairs();
    page_pairs.remove("trang");
    let page_href = format!(
        "/danh-muc?{}trang=",
        page_pairs
            .iter()
            .map(|(k, v)| format!("{k}={}&", urlencode(v)))
            .collect::<String>()
    );
    let mut c = ctx(viewer.0.as_ref(), "catalog", "Sản phẩm OCOP");
    // The catalog has its own search box; the header's would be a second one.
    c.insert("page_has_search".into(), json!(true));
    c.insert("items".into(), json!(items));
    c.insert("total".into(), json!(result.total));
    c.insert("page".into(), json!(result.page));
    c.insert("pages".into(), json!(pages));
    c.insert("page_href".into(), json!(page_href));
    c.insert("facets".into(), json!(facets));
    c.insert(
        "status_label".into(),
        json!(if status == CatalogStatus::Current {
            ""
        } else {
            status_label(q.tinh_trang.as_deref().unwrap_or(""))
        }),
    );
    c.insert(
        "sorts".into(),
        json!([
            {"value": "relevance", "label": "Phù hợp nhất"},
            {"value": "stars", "label": "Hạng sao cao nhất"},
            {"value": "name", "label": "Tên (A–Z)"},
            {"value": "newest", "label": "Mới công nhận"},
        ]),
    );
    c.insert(
        "f".into(),
        json!({"q": f.q, "sort": q.sort.clone().unwrap_or_else(|| "relevance".into()), "hidden": hidden, "hidden_sort": hidden_sort}),
    );
    render(&state, "catalog.html", c)
}

/// Open statistics: certified products (valid today) by stars, province,
/// group and producer type; certificates by year; those expiring in 6 months.
#[derive(Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Statistics {
    pub date: chrono::NaiveDate,
    pub total: i64,
    pub facets: ocop_store::catalog::Facets,
    /// Certificates issued per year (all, including since expired or revoked).
    pub certificates_by_year: Vec<(String, i64)>,
    /// The same by star rank: the trend of each rank.
    pub certificates_by_year_and_stars: Vec<ocop_store::catalog::YearStars>,
    pub expiring_within_6_months: i64,
}

/// The statistics and the map drawn from them (drawing the 34 provinces is
/// most of the page's cost), shared by every request until they change.
#[derive(Clone)]
pub struct Figures {
    stats: Arc<Statistics>,
    map: Arc<str>,
    /// The statistics page as a visitor who is not logged in sees it,
    /// rendered once per figures: it is the same for every such visitor.
    public_page: Arc<std::sync::OnceLock<axum::body::Bytes>>,
}

/// The statistics are kept per catalog generation and day: recomputing
/// them scans every certificate, and they change only when the catalog does
/// (or the day turns, which moves statuses).
async fn statistics(state: &State) -> Result<Figures, crate::error::AppError> {
    let today = state.today();
    let generation = state.search.generation().await?;
    state
        .statistics
        .get_or_compute(today, generation, || async {
            let stats = compute_statistics(state, today).await?;
            Ok(Figures {
                map: province_map(&stats).into(),
                stats: Arc::new(stats),
                public_page: Default::default(),
            })
        })
        .await
}

/// The choropleth of certified products by province, each linking to its catalog.
fn province_map(s: &Statistics) -> String {
    let shades: std::collections::HashMap<String, ocop_docs::map::Shade> = units()
        .provinces
        .iter()
        .map(|p| {
            let n = s.facets.province.get(&p.code).copied().unwrap_or(0);
            (
                p.code.clone(),
                ocop_docs::map::Shade {
                    value: n,
                    label: format!("{}: {} sản phẩm OCOP", p.name, n),
                    href: format!("/danh-muc?tinh={}", p.code),
                },
            )
        })
        .collect();
    ocop_docs::map::national_svg(&shades, "Sản phẩm OCOP còn hiệu lực theo tỉnh, thành phố")
}

async fn compute_statistics(
    state: &State,
    today: chrono::NaiveDate,
) -> Result<Statistics, crate::error::AppError> {
    let current = state
        .search
        .catalog(
            &CatalogFilter {
                per_page: 1,
                page: 1,
                ..Default::default()
            },
            today,
        )
        .await?;
    let expiring = state
        .search
        .catalog(
            &CatalogFilter {
                per_page: 1,
                page: 1,
                status: CatalogStatus::ExpiringSoon,
                ..Default::default()
            },
            today,
        )
        .await?;
    Ok(Statistics {
        date: today,
        total: current.total,
        facets: current.facets,
        certificates_by_year: state.store.certificates_by_year().await?,
        certificates_by_year_and_stars: state.store.certificates_by_year_and_stars().await?,
        expiring_within_6_months: expiring.total,
    })
}

/// Open statistics of the programme.
#[utoipa::path(get, path = "/api/v1/statistics", tag = "verify", responses((status = 200, body = Statistics)))]
pub async fn statistics_json(S(state): S<State>) -> Response {
    match statistics(&state).await {
        Ok(f) => (
            [(axum::http::header::CACHE_CONTROL, "public, max-age=300")],
            axum::Json(f.stats.as_ref().clone()),
        )
            .into_response(),
        Err(e) => e.json(),
    }
}

fn pct(n: i64, max: i64) -> i64 {
    if max <= 0 {
        0
    } else {
        (n * 100 + max - 1) / max
    }
}

pub async fn statistics_page(S(state): S<State>, viewer: Viewer) -> Response {
    let figures = match statistics(&state).await {
        Ok(f) => f,
        Err(e) => return crate::pages::error_page(&state, viewer.0.as_ref(), e),
    };
    if viewer.0.is_none() {
        if let Some(page) = figures.public_page.get() {
            return axum::response::Html(page.clone()).into_response();
        }
    }
    let s = &*figures.stats;
    let u = units();
    let f = &s.facets;
    let stars: Vec<Value> = ["3", "4", "5"]
        .iter()
        .map(|k| {
            let n = f.stars.get(*k).copied().unwrap_or(0);
            json!({"stars": k.parse::<i64>().unwrap_or(0), "count": n, "pct": if s.total > 0 { (n as f64 * 1000.0 / s.total as f64).round() / 10.0 } else { 0.0 }})
        })
        .collect();
    let pmax = f.province.values().copied().max().unwrap_or(0);
    let mut provinces: Vec<Value> = u
        .provinces_sorted()
        .iter()
        .map(|p| {
            let n = f.province.get(&p.code).copied().unwrap_or(0);
            json!({"code": p.code, "name": short_name(&p.name), "count": n, "pct": pct(n, pmax)})
        })
        .collect();
    provinces.sort_by(|a, b| b["count"].as_i64().cmp(&a["count"].as_i64()));
    let gmax = f.group.values().copied().max().unwrap_or(0);
    let groups: Vec<Value> = ocop_domain::classification::groups()
        .into_iter()
        .map(|g| {
            let n = f.group.get(&g.code).copied().unwrap_or(0);
            json!({"code": g.code, "name": g.name, "count": n, "pct": pct(n, gmax)})
        })
        .collect();
    let kmax = f.producer_type.values().copied().max().unwrap_or(0);
    let kinds: Vec<Value> = ocop_domain::producer::ProducerKind::ALL
        .iter()
        .map(|k| {
            let n = f.producer_type.get(k.code()).copied().unwrap_or(0);
            json!({"code": k.code(), "name": k.label(), "count": n, "pct": pct(n, kmax)})
        })
        .filter(|v| v["count"].as_i64().unwrap_or(0) > 0)
        .collect();
    let ymax = s
        .certificates_by_year
        .iter()
        .map(|(_, n)| *n)
        .max()
        .unwrap_or(0);
    let years: Vec<Value> = s
        .certificates_by_year
        .iter()
        .map(|(y, n)| json!({"year": y, "count": n, "pct": pct(*n, ymax)}))
        .collect();
    let map = figures.map;
    let mut c = ctx(viewer.0.as_ref(), "stats", "Thống kê");
    c.insert("today".into(), json!(s.date));
    c.insert("total".into(), json!(s.total));
    c.insert("stars".into(), json!(stars));
    c.insert("expiring".into(), json!(s.expiring_within_6_months));
    c.insert("provinces".into(), json!(provinces));
    c.insert("groups".into(), json!(groups));
    c.insert("kinds".into(), json!(kinds));
    c.insert("years".into(), json!(years));
    c.insert("year_stars".into(), json!(s.certificates_by_year_and_stars));
    c.insert("map".into(), json!(map));
    if viewer.0.is_none() {
        let ctx = minijinja::Value::from_serialize(Value::Object(c.clone()));
        if let Ok(page) = state.templates.render("statistics.html", ctx) {
            let page = axum::body::Bytes::from(page);
            let _ = figures.public_page.set(page.clone());
            return axum::response::Html(page).into_response();
        }
    }
    render(&state, "statistics.html", c)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    /// What has been typed so far; the last word matches as a prefix.
    pub q: String,
    /// How many suggestions (1–20, default 8).
    pub limit: Option<usize>,
}

/// A product suggested for the search box.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SuggestItem {
    pub id: i64,
    pub name: String,
    pub province: String,
    /// The product's public page.
    pub url: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SuggestList {
    pub items: Vec<SuggestItem>,
}

/// Suggestions as you type: the best-matching catalog products (accents
/// optional, prefix of the last word, one typo tolerated).
#[utoipa::path(get, path = "/api/v1/suggest", tag = "catalog", params(SuggestQuery),
    responses((status = 200, body = SuggestList), (status = 422, body = crate::error::ErrorBody)))]
pub async fn suggest_json(
    S(state): S<State>,
    crate::api::ApiQuery(q): crate::api::ApiQuery<SuggestQuery>,
) -> Response {
    let limit = q.limit.unwrap_or(8);
    if !(1..=20).contains(&limit) {
        return crate::api::bad_param("limit", "phải từ 1 đến 20.", "must be 1 to 20.");
    }
    match state.search.suggest(&q.q, limit).await {
        Ok(found) => {
            let items = found
                .into_iter()
                .map(|s| SuggestItem {
                    url: crate::public::product_path(&s.code, &s.name),
                    id: s.id,
                    name: s.name,
                    province: s.province,
                })
                .collect();
            let mut r = Json(SuggestList { items }).into_response();
            // Typed-ahead answers are worth caching briefly in the browser.
            r.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("public, max-age=60"),
            );
            r
        }
        Err(e) => AppError::from(e).json(),
    }
}
