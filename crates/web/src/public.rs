//! The public face: certificate verification by QR code (GS1 Digital Link
//! resolver), by product code or by certificate number, with a JSON form of
//! the same answer for apps, and the QR codes themselves.

use crate::error::AppError;
use crate::pages::{ctx, render};
use crate::session::Viewer;
use crate::State;
use axum::extract::{Path, Query, State as S};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use ocop_store::registry::{CertificateRow, ProductListItem};
use serde::{Deserialize, Serialize};
use serde_json::json;

pub fn routes() -> Router<State> {
    Router::new()
        .route("/01/{gtin}", get(resolve))
        .route("/01/{gtin}/{*rest}", get(resolve_with_rest))
        .route("/xac-minh", get(lookup))
        .route("/danh-muc", get(crate::public_catalog::catalog_page))
        .route("/san-pham-ocop/{code_slug}", get(product_page))
        .route("/chu-the-ocop/{id_slug}", get(producer_page))
        .route("/robots.txt", get(robots))
        .route("/thong-ke", get(crate::public_catalog::statistics_page))
        .route(
            "/api/v1/statistics",
            get(crate::public_catalog::statistics_json),
        )
        .route("/sitemap.xml", get(sitemap))
        .route("/du-lieu-mo", get(crate::open_data::open_data_page))
        .route("/du-lieu-mo/{file}", get(crate::open_data::open_data_file))
        .route("/xac-minh/{code}", get(verify_page))
        .route("/xac-minh/{code}/giay-chung-nhan.pdf", get(certificate_pdf))
        .route("/qr/{file}", get(qr))
        .route("/api/v1/verify", get(verify_json))
        .route("/api/v1/suggest", get(crate::public_catalog::suggest_json))
}

/// The answer to "is this a genuine, valid OCOP product?".
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Verification {
    /// valid, expiring_soon, expired, revoked, not_certified, not_found
    pub status: String,
    /// One sentence in Vietnamese.
    pub verdict: String,
    pub product: Option<VerifiedProduct>,
    pub certificate: Option<CertificateRow>,
    /// The latest post-certification inspection of that certificate, if any.
    pub last_inspection: Option<LastInspection>,
    /// When the answer was computed (UTC).
    pub checked_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VerifiedProduct {
    pub code: String,
    pub name: String,
    pub gtin: Option<String>,
    pub stars: Option<i64>,
    pub producer: String,
    pub commune: String,
    pub province: String,
    pub url: String,
}

/// What the public sees of the monitoring: when, and the conclusion.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LastInspection {
    pub inspected_on: chrono::NaiveDate,
    /// periodic or ad_hoc.
    pub kind: String,
    /// maintained, correction or revocation.
    pub conclusion: String,
    pub conclusion_label: String,
}

/// A product's answer: its current certificate, the status today, and the
/// latest inspection of that certificate. A certificate of fewer than 3
/// stars cannot exist (validated on entry).
struct Verified {
    x: ProductListItem,
    cert: Option<CertificateRow>,
    status: String,
    inspection: Option<(i64, LastInspection)>,
}

async fn verify(state: &State, product_id: i64) -> Result<Verified, AppError> {
    let x = state.store.product(product_id).await?;
    let cert = state
        .store
        .certificates_of(product_id)
        .await?
        .into_iter()
        .next();
    let status = match &cert {
        None => "not_certified".to_string(),
        Some(c) => c.status(state.today()).code().to_string(),
    };
    let inspection = match &cert {
        Some(c) => state.store.latest_inspection(c.id).await?.map(|i| {
            (
                i.id,
                LastInspection {
                    inspected_on: i.inspected_on,
                    conclusion_label: ocop_domain::inspection::Conclusion::parse(&i.conclusion)
                        .map(|c| c.label().to_string())
                        .unwrap_or_default(),
                    kind: i.kind,
                    conclusion: i.conclusion,
                },
            )
        }),
        None => None,
    };
    Ok(Verified {
        x,
        cert,
        status,
        inspection,
    })
}

fn verdict_text(
    status: &str,
    cert: Option<&CertificateRow>,
) -> (&'static str, String, &'static str) {
    let fmt = ocop_domain::certificate::format_date;
    match (status, cert) {
        ("valid", Some(c)) => ("Sản phẩm OCOP còn hiệu lực", format!("Giấy chứng nhận {} sao còn hiệu lực đến {}.", c.stars, fmt(c.expires_on)), "✓"),
        ("expiring_soon", Some(c)) => (
            "Còn hiệu lực, sắp hết hạn",
            format!("Giấy chứng nhận {} sao hết hạn ngày {}; chủ thể cần nộp hồ sơ đánh giá lại.", c.stars, fmt(c.expires_on)),
            "!",
        ),
        ("extended", Some(c)) => (
            "Còn hiệu lực trong thời gian gia hạn",
            format!(
                "Giấy chứng nhận {} sao hết hạn ngày {}; chủ thể đã nộp hồ sơ đánh giá lại nên giấy được kéo dài đến khi có kết quả, chậm nhất đến {}.",
                c.stars,
                fmt(c.expires_on),
                c.extended_until.map(fmt).unwrap_or_default()
            ),
            "!",
        ),
        ("expired", Some(c)) => (
            "Giấy chứng nhận đã hết hạn",
            format!("Hết hạn từ {}: sản phẩm không còn được dùng biểu trưng OCOP.", fmt(c.expires_on)),
            "✗",
        ),
        ("revoked", Some(c)) => (
            "Giấy chứng nhận đã bị thu hồi",
            format!(
                "Thu hồi ngày {}{}: sản phẩm không còn được dùng biểu trưng OCOP.",
                c.revoked_on.map(fmt).unwrap_or_default(),
                c.revocation_ground.as_deref().map(|g| format!(" ({g})")).unwrap_or_default()
            ),
            "✗",
        ),
        _ => (
            "Chưa được công nhận OCOP",
            "Sản phẩm có trong hệ thống nhưng chưa có giấy chứng nhận OCOP: không được dùng biểu trưng OCOP.".into(),
            "?",
        ),
    }
}

struct PageArgs<'a> {
    lot: Option<&'a str>,
    serial: Option<&'a str>,
    query: Option<&'a str>,
}

async fn verification_page(
    state: &State,
    viewer: &Viewer,
    product_id: i64,
    args: PageArgs<'_>,
) -> Response {
    let Verified {
        x,
        cert,
        status,
        inspection,
    } = match verify(state, product_id).await {
        Ok(v) => v,
        Err(e) => return crate::pages::error_page(state, viewer.0.as_ref(), e),
    };
    let (verdict, detail, icon) = verdict_text(&status, cert.as_ref());
    let image = state
        .store
        .product_image_ids(product_id)
        .await
        .ok()
        .and_then(|ids| ids.first().map(|i| format!("/anh/{i}")));
    let mut c = ctx(
        viewer.0.as_ref(),
        "",
        &format!("Xác minh: {}", x.product.name),
    );
    c.insert("product".into(), json!(x));
    c.insert(
        "status".into(),
        json!(if status == "not_certified" {
            "none"
        } else {
            status.as_str()
        }),
    );
    c.insert("verdict".into(), json!(verdict));
    c.insert("detail".into(), json!(detail));
    c.insert("icon".into(), json!(icon));
    c.insert("certificate".into(), json!(cert));
    c.insert(
        "inspection".into(),
        json!(inspection.as_ref().map(|(_, i)| i)),
    );
    c.insert("image".into(), json!(image));
    c.insert("lot".into(), json!(args.lot));
    c.insert("serial".into(), json!(args.serial));
    c.insert("query".into(), json!(args.query));
    c.insert(
        "json_url".into(),
        json!(format!("/api/v1/verify?code={}", x.product.code)),
    );
    let now_vn = chrono::Utc::now() + chrono::Duration::hours(7);
    c.insert(
        "checked_at".into(),
        json!(now_vn.format("%H:%M %d/%m/%Y").to_string()),
    );
    // The page shows the time of the check; its validator leaves that out so
    // that an unchanged answer revalidates (see `caching`).
    let validator = format!(
        "{}|{status}|{:?}|{:?}|{:?}|{:?}|{}",
        x.product.version,
        cert.as_ref().map(|c| c.id),
        inspection.as_ref().map(|(id, _)| id),
        args.lot,
        args.serial,
        viewer.0.is_some(),
    );
    crate::caching::with_validator(render(state, "verify.html", c), &validator)
}

fn not_found_page(
    state: &State,
    viewer: &Viewer,
    message: String,
    query: Option<&str>,
) -> Response {
    let mut c = ctx(viewer.0.as_ref(), "", "Không tìm thấy sản phẩm OCOP");
    c.insert("product".into(), json!(null));
    c.insert("message".into(), json!(message));
    c.insert("query".into(), json!(query));
    (StatusCode::NOT_FOUND, render(state, "verify.html", c)).into_response()
}

#[derive(Deserialize, Default)]
pub struct LinkTypeQuery {
    #[serde(rename = "linkType")]
    link_type: Option<String>,
}

fn wants_linkset(headers: &HeaderMap, q: &LinkTypeQuery) -> bool {
    q.link_type
        .as_deref()
        .is_some_and(|t| t == "linkset" || t == "all")
        || headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("application/linkset+json"))
}

/// The public base URL for links and QR codes.
pub(crate) fn base_url(state: &State, headers: &HeaderMap) -> String {
    if let Some(u) = &state.config.public_url {
        return u.trim_end_matches('/').to_string();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}

async fn resolve_inner(
    state: State,
    viewer: Viewer,
    headers: HeaderMap,
    gtin: String,
    rest: Vec<String>,
    q: LinkTypeQuery,
) -> Response {
    let refs: Vec<&str> = rest
        .iter()
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .collect();
    let link = match ocop_domain::gs1::parse(&gtin, &refs) {
        Ok(l) => l,
        Err(e) => {
            if wants_linkset(&headers, &q)
                || headers
                    .get(header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|a| a.contains("json"))
            {
                return AppError::bad_request(e.code, e.message, e.message_en).json();
            }
            let mut c = ctx(viewer.0.as_ref(), "", "Mã không hợp lệ");
            c.insert("heading".into(), json!("Mã QR không hợp lệ"));
            c.insert("message".into(), json!(e.message));
            return (StatusCode::BAD_REQUEST, render(&state, "error.html", c)).into_response();
        }
    };
    let product_id = match state.store.product_id_by_gtin(&link.gtin14).await {
        Ok(Some(id)) => id,
        Ok(None) => {
            let msg = format!("Mã vạch {} không thuộc sản phẩm nào trong hệ thống OCOP: đây không phải sản phẩm OCOP đã đăng ký.", link.gtin14);
            if wants_linkset(&headers, &q) {
                return AppError::NotFound(format!("GTIN {}", link.gtin14)).json();
            }
            return not_found_page(&state, &viewer, msg, None);
        }
        Err(e) => return AppError::from(e).json(),
    };
    if wants_linkset(&headers, &q) {
        let base = base_url(&state, &headers);
        let x = match state.store.product(product_id).await {
            Ok(x) => x,
            Err(e) => return AppError::from(e).json(),
        };
        let anchor = format!("{base}/01/{}", link.gtin14);
        let page = format!("{base}/xac-minh/{}", x.product.code);
        let body = json!({"linkset": [{
            "anchor": anchor,
            "https://gs1.org/voc/defaultLink": [{"href": page, "title": "Xác minh sản phẩm OCOP", "type": "text/html", "hreflang": ["vi"]}],
            "https://gs1.org/voc/pip": [{"href": page, "title": x.product.name, "type": "text/html", "hreflang": ["vi"]}],
            "https://gs1.org/voc/certificationInfo": [{"href": format!("{base}/api/v1/verify?gtin={}", link.gtin14), "title": "Giấy chứng nhận OCOP", "type": "application/json"}],
            "https://gs1.org/voc/traceability": [{"href": format!("{base}/api/v1/products/{product_id}"), "title": "Thông tin sản phẩm", "type": "application/json"}],
        }]});
        return (
            [(header::CONTENT_TYPE, "application/linkset+json")],
            body.to_string(),
        )
            .into_response();
    }
    // An unknown lot or serial falls back to the product.
    verification_page(
        &state,
        &viewer,
        product_id,
        PageArgs {
            lot: link.lot.as_deref(),
            serial: link.serial.as_deref(),
            query: None,
        },
    )
    .await
}

pub async fn resolve(
    S(state): S<State>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(gtin): Path<String>,
    Query(q): Query<LinkTypeQuery>,
) -> Response {
    resolve_inner(state, viewer, headers, gtin, Vec::new(), q).await
}

pub async fn resolve_with_rest(
    S(state): S<State>,
    viewer: Viewer,
    headers: HeaderMap,
    Path((gtin, rest)): Path<(String, String)>,
    Query(q): Query<LinkTypeQuery>,
) -> Response {
    let parts = rest.split('/').map(str::to_string).collect();
    resolve_inner(state, viewer, headers, gtin, parts, q).await
}

/// `/xac-minh/{code}`: the code printed on the label, or a certificate
/// number or barcode typed into the address (people do).
pub async fn verify_page(S(state): S<State>, viewer: Viewer, Path(code): Path<String>) -> Response {
    match find(&state, &code).await {
        Ok(Some(id)) => {
            verification_page(
                &state,
                &viewer,
                id,
                PageArgs {
                    lot: None,
                    serial: None,
                    query: None,
                },
            )
            .await
        }
        Ok(None) => not_found_page(
            &state,
            &viewer,
            format!("Không có sản phẩm mã \"{code}\" trong hệ thống OCOP."),
            Some(&code),
        ),
        Err(e) => crate::pages::error_page(&state, viewer.0.as_ref(), e),
    }
}

#[derive(Deserialize, Default)]
pub struct LookupQuery {
    so: Option<String>,
}

/// Find a product by what a person can read on a label: a certificate
/// number, a product code, or a barcode.
async fn find(state: &State, input: &str) -> Result<Option<i64>, AppError> {
    let s = input.trim();
    if let Some(c) = state.store.certificate_by_number(s).await? {
        return Ok(Some(c.product_id));
    }
    if let Some(id) = state.store.product_id_by_code(s).await? {
        return Ok(Some(id));
    }
    if let Ok(g) = ocop_domain::ids::Gtin::parse(s) {
        return Ok(state.store.product_id_by_gtin(&g.gtin14()).await?);
    }
    Ok(None)
}

pub async fn lookup(S(state): S<State>, viewer: Viewer, Query(q): Query<LookupQuery>) -> Response {
    let Some(input) = q.so.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
        let mut c = ctx(viewer.0.as_ref(), "", "Xác minh sản phẩm OCOP");
        c.insert("product".into(), json!(null));
        c.insert("landing".into(), json!(true));
        c.insert(
            "message".into(),
            json!("Nhập số giấy chứng nhận, mã sản phẩm hoặc mã vạch in trên bao bì để kiểm tra."),
        );
        return render(&state, "verify.html", c);
    };
    match find(&state, input).await {
        Ok(Some(id)) => match state.store.product(id).await {
            Ok(x) => Redirect::to(&format!("/xac-minh/{}", x.product.code)).into_response(),
            Err(e) => crate::pages::error_page(&state, viewer.0.as_ref(), e.into()),
        },
        Ok(None) => not_found_page(&state, &viewer, format!("Không tìm thấy \"{input}\": không phải số giấy chứng nhận, mã sản phẩm hay mã vạch của sản phẩm OCOP nào."), Some(input)),
        Err(e) => crate::pages::error_page(&state, viewer.0.as_ref(), e),
    }
}

#[derive(Deserialize, utoipa::IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct VerifyQuery {
    /// A GTIN (8–14 digits).
    pub gtin: Option<String>,
    /// A product code `(T)-(X)-(STT)-(Năm)`.
    pub code: Option<String>,
    /// A certificate number, e.g. `OCOP-01-2024-000123`.
    pub certificate: Option<String>,
}

/// The verification answer as JSON: status valid / expiring_soon / expired / revoked / not_certified / not_found.
#[utoipa::path(get, path = "/api/v1/verify", tag = "verify", params(VerifyQuery),
    responses((status = 200, body = Verification), (status = 404, body = Verification), (status = 400, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn verify_json(
    S(state): S<State>,
    headers: HeaderMap,
    crate::api::ApiQuery(q): crate::api::ApiQuery<VerifyQuery>,
) -> Response {
    let found = match (&q.gtin, &q.code, &q.certificate) {
        (Some(g), None, None) => match ocop_domain::ids::Gtin::parse(g) {
            Ok(g) => state
                .store
                .product_id_by_gtin(&g.gtin14())
                .await
                .map_err(AppError::from),
            Err(e) => {
                return AppError::bad_request(
                    "bad_query",
                    format!("Tham số gtin: {}", e.message),
                    format!("gtin: {}", e.message_en),
                )
                .json()
            }
        },
        (None, Some(c), None) => state
            .store
            .product_id_by_code(c)
            .await
            .map_err(AppError::from),
        (None, None, Some(n)) => state
            .store
            .certificate_by_number(n)
            .await
            .map(|c| c.map(|c| c.product_id))
            .map_err(AppError::from),
        _ => {
            return AppError::bad_request(
                "bad_query",
                "Cần đúng một trong các tham số gtin, code, certificate.",
                "Give exactly one of gtin, code, certificate.",
            )
            .json()
        }
    };
    let now = chrono::Utc::now();
    let id = match found {
        Ok(Some(id)) => id,
        Ok(None) => {
            let v = Verification {
                status: "not_found".into(),
                verdict: "Không tìm thấy sản phẩm OCOP.".into(),
                product: None,
                certificate: None,
                last_inspection: None,
                checked_at: now,
            };
            return (StatusCode::NOT_FOUND, Json(v)).into_response();
        }
        Err(e) => return e.json(),
    };
    match verify(&state, id).await {
        Ok(Verified {
            x,
            cert,
            status,
            inspection,
        }) => {
            let (verdict, detail, _) = verdict_text(&status, cert.as_ref());
            let base = base_url(&state, &headers);
            let v = Verification {
                verdict: format!("{verdict}. {detail}"),
                status,
                product: Some(VerifiedProduct {
                    code: x.product.code.clone(),
                    name: x.product.name.clone(),
                    gtin: x.product.gtin.clone(),
                    stars: x.stars,
                    producer: x.producer_name.clone(),
                    commune: x.commune_name.clone(),
                    province: x.province_name.clone(),
                    url: format!("{base}/xac-minh/{}", x.product.code),
                }),
                certificate: cert,
                last_inspection: inspection.map(|(_, i)| i),
                checked_at: now,
            };
            ([(header::CACHE_CONTROL, "public, max-age=60")], Json(v)).into_response()
        }
        Err(e) => e.json(),
    }
}

/// The URI a product's QR code carries: its GS1 Digital Link when it has a
/// GTIN, otherwise its verification page.
pub fn qr_target(base: &str, x: &ProductListItem) -> String {
    x.product
        .gtin
        .as_deref()
        .and_then(|g| ocop_domain::gs1::uri(base, g))
        .unwrap_or_else(|| format!("{base}/xac-minh/{}", x.product.code))
}

#[derive(Deserialize, Default)]
pub struct QrQuery {
    /// Pixels per module (PNG) or total size in pixels (SVG).
    size: Option<u32>,
}

/// `/qr/{code}.svg` and `/qr/{code}.png`: print-ready QR codes of a product.
pub async fn qr(
    S(state): S<State>,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(q): Query<QrQuery>,
) -> Response {
    let Some((code, ext)) = file.rsplit_once('.') else {
        return AppError::NotFound("mã QR".into()).json();
    };
    let id = match state.store.product_id_by_code(code).await {
        Ok(Some(id)) => id,
        Ok(None) => return AppError::NotFound(format!("sản phẩm {code}")).json(),
        Err(e) => return AppError::from(e).json(),
    };
    let x = match state.store.product(id).await {
        Ok(x) => x,
        Err(e) => return AppError::from(e).json(),
    };
    let target = qr_target(&base_url(&state, &headers), &x);
    let cache = (header::CACHE_CONTROL, "public, max-age=86400".to_string());
    match ext {
        "svg" => match ocop_docs::qr::svg(&target, q.size.unwrap_or(400).clamp(100, 4000)) {
            Ok(svg) => (
                [(header::CONTENT_TYPE, "image/svg+xml".to_string()), cache],
                svg,
            )
                .into_response(),
            Err(e) => AppError::Internal(e).json(),
        },
        "png" => match ocop_docs::qr::png(&target, q.size.unwrap_or(10)) {
            Ok(png) => (
                [(header::CONTENT_TYPE, "image/png".to_string()), cache],
                png,
            )
                .into_response(),
            Err(e) => AppError::Internal(e).json(),
        },
        _ => AppError::NotFound("định dạng mã QR (svg hoặc png)".into()).json(),
    }
}

/// A product's public path: `/san-pham-ocop/{code}-{slug}`.
pub fn product_path(code: &str, name: &str) -> String {
    format!("/san-pham-ocop/{code}-{}", ocop_domain::text::slug(name))
}

/// A producer's public path: `/chu-the-ocop/{id}-{slug}`.
pub fn producer_path(id: i64, name: &str) -> String {
    format!("/chu-the-ocop/{id}-{}", ocop_domain::text::slug(name))
}

/// JSON for a `<script type="application/ld+json">`: `<`, `>` and `&` as
/// Unicode escapes so no text can close the script element.
fn script_safe_json(v: &serde_json::Value) -> String {
    v.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The public product page (schema.org Product, Open Graph). The slug is
/// cosmetic: a wrong or missing slug redirects to the canonical URL.
pub async fn product_page(
    S(state): S<State>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(code_slug): Path<String>,
) -> Response {
    let code: String = code_slug.split('-').take(4).collect::<Vec<_>>().join("-");
    let id = match state.store.product_id_by_code(&code).await {
        Ok(Some(id)) => id,
        Ok(None) => {
            return crate::pages::error_page(
                &state,
                viewer.0.as_ref(),
                AppError::NotFound("sản phẩm OCOP này".into()),
            )
        }
        Err(e) => return crate::pages::error_page(&state, viewer.0.as_ref(), e.into()),
    };
    let Verified {
        x, cert, status, ..
    } = match verify(&state, id).await {
        Ok(v) => v,
        Err(e) => return crate::pages::error_page(&state, viewer.0.as_ref(), e),
    };
    if !x.product.active {
        return crate::pages::error_page(
            &state,
            viewer.0.as_ref(),
            AppError::NotFound("sản phẩm OCOP này".into()),
        );
    }
    let path = product_path(&x.product.code, &x.product.name);
    if format!("/san-pham-ocop/{code_slug}") != path {
        return Redirect::permanent(&path).into_response();
    }
    let base = base_url(&state, &headers);
    let images = state.store.product_image_ids(id).await.unwrap_or_default();
    let image = images.first().map(|i| format!("/anh/{i}"));
    let set_name = ocop_domain::classification::product_set(&x.product.set_code)
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let description = format!(
        "{}{} của {}, {}. {}",
        x.product.name,
        x.stars
            .filter(|_| matches!(status.as_str(), "valid" | "expiring_soon"))
            .map(|s| format!(", sản phẩm OCOP {s} sao"))
            .unwrap_or_default(),
        x.producer_name,
        x.province_name,
        set_name
    );
    let mut ld = json!({
        "@context": "https://schema.org",
        "@type": "Product",
        "name": x.product.name,
        "description": if x.product.description.is_empty() { description.clone() } else { x.product.description.clone() },
        "sku": x.product.code,
        "category": set_name,
        "url": format!("{base}{path}"),
        "manufacturer": {"@type": "Organization", "name": x.producer_name, "address": {"@type": "PostalAddress", "addressRegion": x.province_name, "addressLocality": x.commune_name, "addressCountry": "VN"}},
    });
    if let Some(g) = x
        .product
        .gtin
        .as_deref()
        .and_then(|g| ocop_domain::ids::Gtin::parse(g).ok())
    {
        ld["gtin"] = json!(g.gtin14());
    }
    if let Some(img) = &image {
        ld["image"] = json!(format!("{base}{img}"));
    }
    if let (Some(s), true) = (
        x.stars,
        matches!(status.as_str(), "valid" | "expiring_soon"),
    ) {
        ld["award"] = json!(format!("OCOP {s} sao"));
    }
    let status_label = ocop_domain::certificate::CertificateStatus::ALL
        .iter()
        .find(|s| s.code() == status)
        .map(|s| s.label())
        .unwrap_or("Chưa được công nhận");
    let mut c = ctx(viewer.0.as_ref(), "catalog", &x.product.name);
    c.insert("canonical".into(), json!(format!("{base}{path}")));
    c.insert("base".into(), json!(base));
    c.insert("description".into(), json!(description));
    c.insert("json_ld".into(), json!(script_safe_json(&ld)));
    c.insert("image".into(), json!(image));
    c.insert("images".into(), json!(images));
    c.insert(
        "producer_path".into(),
        json!(producer_path(x.product.producer_id, &x.producer_name)
            .trim_start_matches("/chu-the-ocop/")),
    );
    c.insert("certificate".into(), json!(cert));
    c.insert("status".into(), json!(status));
    c.insert("status_label".into(), json!(status_label));
    c.insert(
        "where_to_buy".into(),
        json!(state
            .store
            .where_to_buy(id, state.today())
            .await
            .unwrap_or_default()),
    );
    c.insert("x".into(), json!(x));
    render(&state, "public_product.html", c)
}

/// The public producer page: its certified products.
pub async fn producer_page(
    S(state): S<State>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id_slug): Path<String>,
) -> Response {
    let id: i64 = match id_slug.split('-').next().and_then(|s| s.parse().ok()) {
        Some(id) => id,
        None => {
            return crate::pages::error_page(
                &state,
                viewer.0.as_ref(),
                AppError::NotFound("chủ thể này".into()),
            )
        }
    };
    let p = match state.store.producer(id).await {
        Ok(p) if p.active => p,
        Ok(_) => {
            return crate::pages::error_page(
                &state,
                viewer.0.as_ref(),
                AppError::NotFound("chủ thể này".into()),
            )
        }
        Err(e) => return crate::pages::error_page(&state, viewer.0.as_ref(), e.into()),
    };
    let path = producer_path(id, &p.name);
    if format!("/chu-the-ocop/{id_slug}") != path {
        return Redirect::permanent(&path).into_response();
    }
    let list = match state
        .store
        .list_products(&ocop_store::registry::ProductFilter {
            producer_id: Some(id),
            per_page: 200,
            page: 1,
            ..Default::default()
        })
        .await
    {
        Ok(l) => l,
        Err(e) => return crate::pages::error_page(&state, viewer.0.as_ref(), e.into()),
    };
    let today = state.today();
    let products: Vec<serde_json::Value> = list
        .items
        .iter()
        .filter(|x| x.stars.is_some())
        .map(|x| {
            json!({"name": x.product.name, "stars": x.stars, "href": product_path(&x.product.code, &x.product.name),
                   "set_name": ocop_domain::classification::product_set(&x.product.set_code).map(|s| s.name.clone()),
                   "status": x.certificate_status(today).map(|s| s.code())})
        })
        .collect();
    let u = ocop_domain::admin_units::units();
    let mut c = ctx(viewer.0.as_ref(), "catalog", &p.name);
    c.insert(
        "canonical".into(),
        json!(format!("{}{path}", base_url(&state, &headers))),
    );
    c.insert(
        "commune_name".into(),
        json!(u.commune(&p.commune_code).map(|c| c.name.clone())),
    );
    c.insert(
        "province_name".into(),
        json!(u.province(&p.province_code).map(|c| c.name.clone())),
    );
    c.insert("products".into(), json!(products));
    c.insert("p".into(), json!({"name": p.name, "kind": p.kind, "website": p.website, "description": p.description, "province_code": p.province_code}));
    render(&state, "public_producer.html", c)
}

/// `robots.txt`: public pages crawlable, the working areas not.
pub async fn robots(S(state): S<State>, headers: HeaderMap) -> Response {
    let base = base_url(&state, &headers);
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!(
            "User-agent: *\nAllow: /\nDisallow: /quan-tri/\nDisallow: /tai-khoan\nDisallow: /nhap-du-lieu\nDisallow: /xuat/\nDisallow: /api/\n\nSitemap: {base}/sitemap.xml\n"
        ),
    )
        .into_response()
}

/// `sitemap.xml`: the catalog's product pages (current certificates).
pub async fn sitemap(S(state): S<State>, headers: HeaderMap) -> Response {
    let base = base_url(&state, &headers);
    let f = ocop_store::catalog::CatalogFilter {
        per_page: 200,
        page: 1,
        ..Default::default()
    };
    let mut urls = vec![
        format!("{base}/danh-muc"),
        format!("{base}/xac-minh"),
        format!("{base}/tieu-chi"),
        format!("{base}/thong-ke"),
        format!("{base}/du-lieu-mo"),
    ];
    // Pages of 200 until done (a sitemap holds up to 50,000 URLs).
    let mut page = 1;
    loop {
        let r = match state
            .search
            .catalog(
                &ocop_store::catalog::CatalogFilter { page, ..f.clone() },
                state.today(),
            )
            .await
        {
            Ok(r) => r,
            Err(e) => return AppError::from(e).json(),
        };
        urls.extend(
            r.items
                .iter()
                .map(|x| format!("{base}{}", product_path(&x.product.code, &x.product.name))),
        );
        if r.items.len() < 200 || urls.len() >= 50_000 {
            break;
        }
        page += 1;
    }
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for u in urls.iter().take(50_000) {
        xml.push_str(&format!(
            "  <url><loc>{}</loc></url>\n",
            u.replace('&', "&amp;")
        ));
    }
    xml.push_str("</urlset>\n");
    (
        [
            (header::CONTENT_TYPE, "application/xml; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        xml,
    )
        .into_response()
}

/// `/xac-minh/{code}/giay-chung-nhan.pdf`: the product's current
/// certificate to print, with the QR code that verifies it. Its status on
/// the day is printed too: an expired or revoked certificate says so.
pub async fn certificate_pdf(
    S(state): S<State>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Response {
    let made = async {
        let id = state
            .store
            .product_id_by_code(&code)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("sản phẩm {code}")))?;
        let Verified {
            x, cert, status, ..
        } = verify(&state, id).await?;
        let cert = cert.ok_or_else(|| {
            AppError::NotFound(format!("giấy chứng nhận OCOP của sản phẩm {code}"))
        })?;
        let (verdict, detail, _) = verdict_text(&status, Some(&cert));
        let target = qr_target(&base_url(&state, &headers), &x);
        certificate_document(&x, &cert, verdict, &detail, &target, state.today())
            .map_err(AppError::Internal)
    }
    .await;
    match made {
        Ok(bytes) => crate::pages::attachment(
            bytes,
            crate::pages::PDF,
            &format!("giay-chung-nhan-ocop-{code}.pdf"),
        ),
        Err(e) => crate::pages::error_page(&state, viewer.0.as_ref(), e),
    }
}

fn certificate_document(
    x: &ProductListItem,
    c: &CertificateRow,
    verdict: &str,
    detail: &str,
    verify_url: &str,
    today: chrono::NaiveDate,
) -> Result<Vec<u8>, String> {
    use ocop_docs::pdf::{Block, PdfDocument};
    use ocop_domain::certificate::format_date;
    let set = ocop_domain::classification::product_set(&x.product.set_code)
        .map(|s| format!("{} {}", s.set, s.name))
        .unwrap_or_default();
    let blocks = vec![
        Block::Banner(vec![
            c.issuer.to_uppercase(),
            "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM".into(),
            "Độc lập – Tự do – Hạnh phúc".into(),
        ]),
        Block::Title("GIẤY CHỨNG NHẬN SẢN PHẨM OCOP".into()),
        Block::Emphasis(x.product.name.clone()),
        Block::Emphasis(format!("ĐẠT HẠNG {} SAO", c.stars)),
        Block::Facts(vec![
            ("Chủ thể".into(), x.producer_name.clone()),
            (
                "Địa chỉ".into(),
                format!("{}, {}", x.commune_name, x.province_name),
            ),
            ("Mã sản phẩm".into(), x.product.code.clone()),
            ("Bộ sản phẩm".into(), set),
            (
                "Số giấy chứng nhận".into(),
                c.number.clone().unwrap_or_default(),
            ),
            (
                "Quyết định công nhận".into(),
                format!(
                    "Số {}, ngày {}",
                    c.decision_number,
                    format_date(c.issued_on)
                ),
            ),
            ("Có hiệu lực đến".into(), format_date(c.expires_on)),
            (
                format!("Tình trạng ngày {}", format_date(today)),
                format!("{verdict}. {detail}"),
            ),
        ]),
        Block::Qr {
            data: verify_url.to_string(),
            size: 110.0,
            caption: format!("Quét mã để kiểm tra giấy chứng nhận còn hiệu lực: {verify_url}"),
        },
        Block::Signatures(vec![("CƠ QUAN CẤP".into(), c.issuer.clone())]),
    ];
    ocop_docs::pdf::render(&PdfDocument {
        title: format!("Giấy chứng nhận sản phẩm OCOP: {}", x.product.name),
        footer: format!(
            "Giấy chứng nhận {} · in từ Hệ thống thông tin OCOP",
            c.number.as_deref().unwrap_or(&x.product.code)
        ),
        blocks,
    })
}
