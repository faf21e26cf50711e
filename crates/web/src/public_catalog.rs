//! The public catalog page: certified products with facet links (no
//! JavaScript: every filter is a link, so URLs are shareable).

use crate::pages::{ctx, render};
use crate::session::{urlencode, Viewer};
use crate::State;
use axum::extract::{Query, State as S};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ocop_domain::admin_units::{short_name, units};
use ocop_store::catalog::{CatalogFilter, CatalogSort, CatalogStatus};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

#[derive(Deserialize, Default, Clone)]
pub struct CatalogQuery {
    q: Option<String>,
    tinh: Option<String>,
    nhom: Option<String>,
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
            ("nhom", &self.nhom),
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
        group: ne(&q.nhom),
        stars: ne(&q.sao).and_then(|s| s.parse().ok()),
        producer_kind: ne(&q.loai),
        status,
        sort: CatalogSort::parse(q.sort.as_deref().unwrap_or("")).unwrap_or_default(),
        page: q.trang.unwrap_or(1),
        per_page: 24,
        ..Default::default()
    };
    let today = state.today();
    let result = match state.store.catalog(&f, today).await {
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
    let facets = vec![
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
                let name = u
                    .province(k)
                    .map(|p| short_name(&p.name).to_string())
                    .unwrap_or_default();
                ocop_domain::text::collation_weights(&ocop_domain::text::collation_key(&name))
                    .iter()
                    .map(|w| format!("{w:05}"))
                    .collect()
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
    let page = render(&state, "catalog.html", c);
    let mut resp = (StatusCode::OK, page).into_response();
    if let Ok(v) = "public, max-age=60".parse() {
        resp.headers_mut()
            .insert(axum::http::header::CACHE_CONTROL, v);
    }
    resp
}
