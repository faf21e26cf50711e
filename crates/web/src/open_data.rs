//! Open data: the public catalog as downloadable files (CSV, XLSX, JSON)
//! at stable URLs, with its schema on the page `/du-lieu-mo`. The columns are
//! `ocop_docs::columns::OPEN_DATA_COLUMNS`; one definition feeds all three
//! formats and the documentation, so they cannot drift apart.

use crate::error::AppError;
use crate::pages::{ctx, render};
use crate::session::Viewer;
use crate::State;
use axum::extract::{Path, State as S};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use ocop_docs::columns::OPEN_DATA_COLUMNS;
use ocop_domain::classification::product_set;
use ocop_store::registry::ProductListItem;
use serde_json::{json, Map, Value};

/// The stable file name of the data set (without its extension).
const FILE: &str = "san-pham-ocop";

/// One product's cells, in `OPEN_DATA_COLUMNS` order.
fn cells(x: &ProductListItem, today: chrono::NaiveDate, base: &str) -> Vec<String> {
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let p = &x.product;
    vec![
        p.code.clone(),
        p.name.clone(),
        p.gtin.clone().unwrap_or_default(),
        p.set_code.clone(),
        product_set(&p.set_code)
            .map(|s| s.group.clone())
            .unwrap_or_default(),
        x.producer_name.clone(),
        p.province_code.clone(),
        x.province_name.clone(),
        p.commune_code.clone(),
        x.commune_name.clone(),
        x.stars.map(|s| s.to_string()).unwrap_or_default(),
        x.certificate_public_number.clone().unwrap_or_default(),
        x.certificate_number.clone().unwrap_or_default(),
        x.certificate_issuer.clone().unwrap_or_default(),
        date(x.issued_on),
        date(x.expires_on),
        date(x.revoked_on),
        x.certificate_status(today)
            .map(|s| s.code().to_string())
            .unwrap_or_default(),
        format!("{base}{}", crate::public::product_path(&p.code, &p.name)),
    ]
}

/// `/du-lieu-mo`: what the data set holds, its columns, and its files.
pub async fn open_data_page(S(state): S<State>, viewer: Viewer) -> Response {
    let mut c = ctx(viewer.0.as_ref(), "open-data", "Dữ liệu mở");
    let columns: Vec<Value> = OPEN_DATA_COLUMNS
        .iter()
        .map(|col| json!({"code": col.code, "label": col.label, "help": col.help, "required": col.required}))
        .collect();
    c.insert("columns".into(), json!(columns));
    c.insert("file".into(), json!(FILE));
    c.insert("today".into(), json!(state.today()));
    render(&state, "open_data.html", c)
}

/// `/du-lieu-mo/san-pham-ocop.{csv,xlsx,json}`.
pub async fn open_data_file(
    S(state): S<State>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    let Some(ext) = file
        .strip_prefix(FILE)
        .and_then(|rest| rest.strip_prefix('.'))
    else {
        return AppError::NotFound(format!("tệp \"{file}\"")).json();
    };
    let items = match state.store.open_data_products().await {
        Ok(items) => items,
        Err(e) => return AppError::from(e).json(),
    };
    let today = state.today();
    let base = crate::public::base_url(&state, &headers);
    let rows: Vec<Vec<String>> = items.iter().map(|x| cells(x, today, &base)).collect();
    let (content_type, body) = match ext {
        "csv" => (
            "text/csv; charset=utf-8",
            ocop_docs::write_csv(OPEN_DATA_COLUMNS, &rows),
        ),
        "xlsx" => match ocop_docs::write_xlsx("Sản phẩm OCOP", OPEN_DATA_COLUMNS, &rows) {
            Ok(b) => (crate::pages::XLSX, b),
            Err(e) => return AppError::Internal(e).json(),
        },
        "json" => {
            let items: Vec<Value> = rows
                .into_iter()
                .map(|r| {
                    let m: Map<String, Value> = OPEN_DATA_COLUMNS
                        .iter()
                        .zip(r)
                        .map(|(c, v)| {
                            let v = if v.is_empty() { Value::Null } else { json!(v) };
                            (c.code.to_string(), v)
                        })
                        .collect();
                    Value::Object(m)
                })
                .collect();
            let doc = json!({
                "title": "Sản phẩm OCOP",
                "generated_on": today,
                "schema": format!("{base}/du-lieu-mo"),
                "count": items.len(),
                "items": items,
            });
            ("application/json", doc.to_string().into_bytes())
        }
        _ => return AppError::NotFound(format!("tệp \"{file}\"")).json(),
    };
    let mut resp = crate::pages::attachment(body, content_type, &format!("{FILE}-{today}.{ext}"));
    // Statuses change with the date; an hour is fresh enough for open data.
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    resp
}
