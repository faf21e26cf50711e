//! The JSON API under `/api/v1`: everything the pages do, for programs.
//! Errors are `{"error": {"code", "message", "message_en", "fields", "lines"}}`.

use crate::error::{AppError, AppResult, ErrorBody};
use crate::session::{set_cookie, ClientIp, User, Viewer, SESSION_COOKIE};
use crate::State;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State as S};
use axum::http::{header, request::Parts, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ocop_domain::admin_units::units;
use ocop_domain::auth::{authorize, authorize_grant, Action, Role, Scope};
use ocop_domain::certificate::LegacyCertificateInput;
use ocop_domain::classification::product_sets;
use ocop_domain::producer::ProducerInput;
use ocop_domain::product::ProductInput;
use ocop_domain::ValidationErrors;
use ocop_store::registry::{ProducerFilter, ProducerRow, ProductListItem};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

pub fn routes() -> Router<State> {
    Router::new()
        .route("/api/v1/session", post(login).delete(logout))
        .route("/api/v1/me", get(me))
        .route("/api/v1/units/provinces", get(provinces))
        .route("/api/v1/units/provinces/{code}/communes", get(communes))
        .route("/api/v1/units/legacy-communes/{code}", get(legacy_commune))
        .route("/api/v1/classification", get(classification))
        .route("/api/v1/criteria", get(criteria_versions))
        .route("/api/v1/criteria/{version}/{set}", get(criteria_sheet))
        .route(
            "/api/v1/criteria/{version}/{set}/evaluate",
            post(criteria_evaluate),
        )
        .route(
            "/api/v1/producers",
            get(list_producers).post(create_producer),
        )
        .route(
            "/api/v1/producers/{id}",
            get(get_producer).put(update_producer),
        )
        .route(
            "/api/v1/producers/{id}/deactivate",
            post(deactivate_producer),
        )
        .route("/api/v1/producers/{id}/activate", post(activate_producer))
        .route("/api/v1/producers/{id}/history", get(producer_history))
        .route("/api/v1/producers/{id}/products", post(create_product))
        .route("/api/v1/products", get(list_products))
        .route(
            "/api/v1/products/{id}",
            get(get_product).put(update_product),
        )
        .route(
            "/api/v1/products/{id}/certificates",
            post(record_certificate),
        )
        .route("/api/v1/products/{id}/deactivate", post(deactivate_product))
        .route("/api/v1/products/{id}/activate", post(activate_product))
        .route("/api/v1/products/{id}/images", post(upload_image))
        .route("/api/v1/certificates/{id}/revoke", post(revoke_certificate))
        .route("/api/v1/import/{kind}", post(import))
        .route("/api/v1/export/{kind}", get(export))
        .route("/api/v1/users", get(list_users).post(create_user))
        .route("/api/v1/users/{id}/roles", post(grant_role))
        .route(
            "/api/v1/users/{id}/roles/{grant}",
            axum::routing::delete(revoke_role),
        )
        .route("/api/v1/users/{id}/deactivate", post(deactivate_user))
        .route("/api/v1/users/{id}/activate", post(activate_user))
        .route("/api/v1/me/password", axum::routing::put(change_password))
        .route("/api/openapi.json", get(crate::openapi::document))
        .route("/api/docs", get(crate::openapi::docs_page))
}

/// JSON body extractor whose rejections are our JSON errors (naming the problem).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, St: Send + Sync> FromRequest<St> for ApiJson<T> {
    type Rejection = Response;
    async fn from_request(req: Request, state: &St) -> Result<Self, Self::Rejection> {
        let refuse = |status: StatusCode, why: &str| {
            let mut r = AppError::bad_request(
                "bad_json",
                format!("Thân yêu cầu JSON không hợp lệ: {why}"),
                format!("Invalid JSON body: {why}"),
            )
            .json();
            *r.status_mut() = status;
            r
        };
        // Another content type is refused before the body is read (415).
        if !json_content_type(req.headers()) {
            return Err(refuse(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Expected request with `Content-Type: application/json`",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| match e.status() {
                StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge.json(),
                status => refuse(status, &e.body_text()),
            })?;
        // JSON is UTF-8 throughout: serde skips the strings of fields it
        // ignores without decoding them, so the whole body is checked here.
        if let Err(e) = std::str::from_utf8(&bytes) {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                &format!("invalid UTF-8 at byte {}", e.valid_up_to()),
            ));
        }
        // No text holds NUL (PostgreSQL cannot store it): refused here
        // rather than failing in the database.
        if has_nul_escape(&bytes) {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                "a string contains the NUL character (\\u0000)",
            ));
        }
        match Json::<T>::from_bytes(&bytes) {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(refuse(StatusCode::BAD_REQUEST, &e.body_text())),
        }
    }
}

/// Does JSON text hold the escape `\u0000`? (Raw control characters are
/// not valid JSON; every backslash in valid JSON starts an escape.)
fn has_nul_escape(json: &[u8]) -> bool {
    let mut i = 0;
    while i < json.len() {
        if json[i] == b'\\' {
            if json[i + 1..].starts_with(b"u0000") {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// `application/json` or `application/…+json`, parameters allowed (as axum's `Json`).
fn json_content_type(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            let essence = t
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            essence
                .strip_prefix("application/")
                .is_some_and(|sub| sub == "json" || sub.ends_with("+json"))
        })
}

/// A raw body (an image, an import file) or the JSON error of its rejection.
pub(crate) fn raw_body(
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<axum::body::Bytes, Response> {
    body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge.json(),
        status => {
            let mut r = AppError::bad_request("bad_body", e.body_text(), e.body_text()).json();
            *r.status_mut() = status;
            r
        }
    })
}

/// Query extractor whose rejections name the parameter, as JSON.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, St: Send + Sync> FromRequestParts<St> for ApiQuery<T> {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &St) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::try_from_uri(&parts.uri)
            .map(|axum::extract::Query(v)| ApiQuery(v))
            .map_err(|e| {
                // serde names the parameter first: "…: stars: invalid digit…".
                let text = e.body_text();
                let detail = text.split_once(": ").map_or(text.as_str(), |(_, d)| d);
                let (name, why) = detail
                    .split_once(": ")
                    .filter(|(n, _)| n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(("query", detail));
                bad_param(name, "giá trị không hợp lệ.", why)
            })
    }
}

type ApiResult<T> = Result<T, Response>;

fn j<E: Into<AppError>>(e: E) -> Response {
    e.into().json()
}

// ---------- session ----------

#[derive(Deserialize, ToSchema)]
pub struct LoginBody {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct SessionInfo {
    pub user_id: i64,
    pub username: String,
    pub full_name: String,
    pub roles: Vec<Role>,
    /// Send this in `X-CSRF-Token` on every state-changing call.
    pub csrf_token: String,
}

/// Log in; sets the session cookie and returns the CSRF token.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = LoginBody,
    responses((status = 200, body = SessionInfo), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    S(state): S<State>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<LoginBody>,
) -> ApiResult<Response> {
    let username = body.username.trim().to_lowercase();
    if state.limiter.blocked(&username, &ip) {
        return Err(AppError::TooManyRequests(
            "Đăng nhập sai quá nhiều lần; thử lại sau 15 phút.".into(),
        )
        .json());
    }
    let Some(user) = state
        .store
        .check_login(&username, &body.password)
        .await
        .map_err(j)?
    else {
        state.limiter.failed(&username, &ip);
        return Err((
            StatusCode::UNAUTHORIZED,
            Json(ErrorBody {
                error: crate::error::ErrorDetail {
                    code: "bad_credentials".into(),
                    message: "Tên đăng nhập hoặc mật khẩu không đúng.".into(),
                    message_en: "Wrong username or password.".into(),
                    fields: vec![],
                    lines: vec![],
                },
            }),
        )
            .into_response());
    };
    state.limiter.succeeded(&username);
    let (token, csrf) = state.store.create_session(user.id).await.map_err(j)?;
    let actor = state.store.actor(user.id).await.map_err(j)?;
    let info = SessionInfo {
        user_id: user.id,
        username: user.username,
        full_name: user.full_name,
        roles: actor.roles,
        csrf_token: csrf,
    };
    Ok((
        [(
            header::SET_COOKIE,
            set_cookie(
                SESSION_COOKIE,
                &token,
                crate::session_max_age(),
                state.config.secure_cookies,
            ),
        )],
        Json(info),
    )
        .into_response())
}

/// Log out (ends the session).
#[utoipa::path(delete, path = "/api/v1/session", tag = "session", responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(S(state): S<State>, _user: User, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(token) = crate::session::cookie(&headers, SESSION_COOKIE) {
        state.store.delete_session(&token).await.map_err(j)?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(
            header::SET_COOKIE,
            set_cookie(SESSION_COOKIE, "", 0, state.config.secure_cookies),
        )],
    )
        .into_response())
}

/// The logged-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "session", responses((status = 200, body = SessionInfo), (status = 401, body = ErrorBody)))]
pub async fn me(user: User) -> Json<SessionInfo> {
    Json(SessionInfo {
        user_id: user.actor.user_id,
        username: user.actor.username.clone(),
        full_name: user.full_name.clone(),
        roles: user.actor.roles.clone(),
        csrf_token: user.csrf.clone(),
    })
}

// ---------- reference data ----------

/// The 34 provinces in force since 1 July 2025, in Vietnamese alphabetical order.
#[utoipa::path(get, path = "/api/v1/units/provinces", tag = "units", responses((status = 200, description = "[{code, name, kind, lat, lon}]")))]
pub async fn provinces() -> Response {
    cached(json!(units().provinces_sorted()))
}

/// The communes of one province, in Vietnamese alphabetical order.
#[utoipa::path(get, path = "/api/v1/units/provinces/{code}/communes", tag = "units",
    params(("code" = String, Path, description = "Province code, e.g. 01")),
    responses((status = 200, description = "[{code, province_code, name, kind, lat, lon, area_km2}]"), (status = 404, body = ErrorBody)))]
pub async fn communes(Path(code): Path<String>) -> Response {
    if units().province(&code).is_none() {
        return AppError::NotFound(format!("tỉnh mã {code}")).json();
    }
    cached(json!(units().communes_of(&code)))
}

/// A pre-2025 commune and the current commune(s) it became.
#[utoipa::path(get, path = "/api/v1/units/legacy-communes/{code}", tag = "units",
    params(("code" = String, Path, description = "Pre-2025 commune code")),
    responses((status = 200, description = "{legacy, current, all}"), (status = 404, body = ErrorBody)))]
pub async fn legacy_commune(Path(code): Path<String>) -> Response {
    let u = units();
    let Some(old) = u.legacy_commune(&code) else {
        return AppError::NotFound(format!("xã cũ mã {code}")).json();
    };
    let all: Vec<_> = u
        .mapping
        .iter()
        .filter(|m| m.old_commune_code == code)
        .filter_map(|m| {
            u.commune(&m.new_commune_code)
                .map(|c| json!({"commune": c, "is_default": m.is_default == 1}))
        })
        .collect();
    cached(json!({"legacy": old, "current": u.resolve_legacy(&code), "all": all}))
}

/// Product groups, categories and the 26 product sets (Decision 26/2026, Phụ lục I).
#[utoipa::path(get, path = "/api/v1/classification", tag = "units", responses((status = 200, description = "[{set, group, group_name, category, category_name, name, agency}]")))]
pub async fn classification() -> Response {
    cached(json!(product_sets()))
}

/// Reference data changes only with a release: let clients cache it.
fn cached(v: Value) -> Response {
    ([(header::CACHE_CONTROL, "public, max-age=3600")], Json(v)).into_response()
}

// ---------- criteria ----------

#[derive(Serialize, ToSchema)]
pub struct SetInfo {
    pub set: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct VersionInfo {
    /// `qd148-2023`, `qd26-2026`.
    pub id: String,
    pub title: String,
    pub signed_on: chrono::NaiveDate,
    pub effective_from: chrono::NaiveDate,
    /// Last filing day under this version; null while in force.
    pub effective_to: Option<chrono::NaiveDate>,
    /// Part maxima, e.g. {"A": 40, "B": 25, "C": 35}.
    pub parts: std::collections::BTreeMap<String, u32>,
    /// Alternative cases some sheets have (tourism).
    pub cases: std::collections::BTreeMap<String, String>,
    pub source: String,
    pub sets: Vec<SetInfo>,
}

fn version_info(v: &ocop_domain::criteria::CriteriaVersion) -> VersionInfo {
    VersionInfo {
        id: v.id.clone(),
        title: v.title.clone(),
        signed_on: v.signed_on,
        effective_from: v.effective_from,
        effective_to: v.effective_to,
        parts: v.parts.clone(),
        cases: v.cases.clone(),
        source: v.source.clone(),
        sets: v
            .sheets
            .iter()
            .map(|s| SetInfo {
                set: s.set.clone(),
                name: ocop_domain::classification::product_set(&s.set)
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
            })
            .collect(),
    }
}

/// The criteria versions (one per decision) and their product sets.
#[utoipa::path(get, path = "/api/v1/criteria", tag = "criteria", responses((status = 200, body = Vec<VersionInfo>)))]
pub async fn criteria_versions() -> Response {
    cached(json!(ocop_domain::criteria::versions()
        .iter()
        .map(version_info)
        .collect::<Vec<_>>()))
}

#[derive(Serialize, ToSchema)]
pub struct SheetBody {
    pub version: String,
    pub set: String,
    pub name: String,
    pub parts: std::collections::BTreeMap<String, u32>,
    pub cases: std::collections::BTreeMap<String, String>,
    /// The sheet as a tree in document order: parts, criteria, options, knock-outs.
    pub nodes: Vec<ocop_domain::criteria::TreeNode>,
}

fn find_sheet(version: &str, set: &str) -> AppResult<&'static ocop_domain::criteria::Sheet> {
    let v = ocop_domain::criteria::version(version).ok_or_else(|| {
        AppError::NotFound(format!(
            "bộ tiêu chí \"{version}\" (qd148-2023 hoặc qd26-2026)"
        ))
    })?;
    v.sheet(set)
        .ok_or_else(|| AppError::NotFound(format!("bộ sản phẩm \"{set}\" (01…26)")))
}

/// One sheet as a tree: every node with `id`, `kind`, `title`, `points`, `min_star`, `case`.
#[utoipa::path(get, path = "/api/v1/criteria/{version}/{set}", tag = "criteria",
    params(("version" = String, Path, description = "qd148-2023 or qd26-2026"), ("set" = String, Path, description = "01…26")),
    responses((status = 200, body = SheetBody), (status = 404, body = ErrorBody)))]
pub async fn criteria_sheet(Path((version, set)): Path<(String, String)>) -> Response {
    match find_sheet(&version, &set) {
        Ok(sheet) => {
            let v = ocop_domain::criteria::version(&version).expect("found above");
            cached(json!(SheetBody {
                version: v.id.clone(),
                set: sheet.set.clone(),
                name: ocop_domain::classification::product_set(&set)
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
                parts: v.parts.clone(),
                cases: v.cases.clone(),
                nodes: sheet.tree(),
            }))
        }
        Err(e) => e.json(),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct EvaluateBody {
    /// Ticked option ids, at most one per leaf criterion. An unticked criterion scores 0.
    pub options: Vec<String>,
    /// The alternative case (sheets with cases); inferred from the options when absent.
    pub case: Option<String>,
}

/// Score a sheet: part totals, total, rank (band and minimum marks), unmet minimums, points to the next rank.
#[utoipa::path(post, path = "/api/v1/criteria/{version}/{set}/evaluate", tag = "criteria",
    params(("version" = String, Path), ("set" = String, Path)), request_body = EvaluateBody,
    responses((status = 200, body = ocop_domain::criteria::Evaluation), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn criteria_evaluate(
    Path((version, set)): Path<(String, String)>,
    ApiJson(body): ApiJson<EvaluateBody>,
) -> ApiResult<Json<ocop_domain::criteria::Evaluation>> {
    let sheet = find_sheet(&version, &set).map_err(j)?;
    sheet
        .evaluate(&body.options, body.case.as_deref())
        .map(Json)
        .map_err(|e| {
            let field = ocop_domain::error::FieldError {
                field: e.id.clone(),
                code: "invalid_selection",
                message: e.message.clone(),
                message_en: e.message_en.clone(),
            };
            let detail = crate::error::ErrorDetail {
                code: "invalid_selection".into(),
                message: e.message,
                message_en: e.message_en,
                fields: vec![field],
                lines: vec![],
            };
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(ErrorBody { error: detail }),
            )
                .into_response()
        })
}

// ---------- producers ----------

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ProducerQuery {
    /// Name or registration number; accents ignored.
    pub q: Option<String>,
    pub province: Option<String>,
    pub commune: Option<String>,
    /// cooperative, cooperative_group, enterprise, farm, household, association, operating_centre
    pub kind: Option<String>,
    pub include_inactive: Option<bool>,
    pub page: Option<i64>,
    /// 1–200, default 50.
    pub per_page: Option<i64>,
}

fn own_producer(user: &User) -> Option<i64> {
    let staff = user
        .actor
        .roles
        .iter()
        .any(|r| !matches!(r, Role::Producer { .. }));
    if staff {
        return None;
    }
    Some(
        user.actor
            .roles
            .iter()
            .find_map(|r| match r {
                Role::Producer { producer_id, .. } => Some(*producer_id),
                _ => None,
            })
            .unwrap_or(-1),
    )
}

pub(crate) fn check_paging(page: Option<i64>, per_page: Option<i64>) -> AppResult<(i64, i64)> {
    let page = page.unwrap_or(1);
    let per_page = per_page.unwrap_or(50);
    let mut e = ValidationErrors::new();
    if page < 1 {
        e.add(
            "page",
            "bad_query",
            "Tham số page phải ≥ 1.",
            "page must be >= 1.",
        );
    }
    if !(1..=200).contains(&per_page) {
        e.add(
            "per_page",
            "bad_query",
            "Tham số per_page phải từ 1 đến 200.",
            "per_page must be 1..200.",
        );
    } else if page.checked_mul(per_page).is_none() {
        // The rows skipped, (page - 1) × per_page, must be a number.
        e.add(
            "page",
            "bad_query",
            "Tham số page quá lớn.",
            "page is too large.",
        );
    }
    if !e.0.is_empty() {
        return Err(AppError::Invalid(e));
    }
    Ok((page, per_page))
}

/// Longest search text: far beyond any name (200 characters), well within
/// what a database pattern may hold (SQLite refuses LIKE patterns over 50 000 bytes).
const MAX_QUERY_CHARS: usize = 1000;

fn check_search(q: Option<String>) -> AppResult<Option<String>> {
    if q.as_deref()
        .is_some_and(|q| q.chars().count() > MAX_QUERY_CHARS)
    {
        let mut e = ValidationErrors::default();
        e.add(
            "q",
            "too_long",
            format!("Từ khoá tìm kiếm dài quá {MAX_QUERY_CHARS} ký tự."),
            format!("q is longer than {MAX_QUERY_CHARS} characters."),
        );
        return Err(AppError::Invalid(e));
    }
    Ok(q)
}

/// Producers, filtered and paged, in Vietnamese name order. A producer account sees only itself.
#[utoipa::path(get, path = "/api/v1/producers", tag = "producers", params(ProducerQuery),
    responses((status = 200, body = ocop_store::Page<ocop_store::registry::ProducerListItem>), (status = 422, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list_producers(
    S(state): S<State>,
    user: User,
    ApiQuery(q): ApiQuery<ProducerQuery>,
) -> ApiResult<Response> {
    let (page, per_page) = check_paging(q.page, q.per_page).map_err(j)?;
    let f = ProducerFilter {
        q: check_search(q.q).map_err(j)?,
        province: q.province.filter(|s| !s.is_empty()),
        commune: q.commune.filter(|s| !s.is_empty()),
        kind: q.kind.filter(|s| !s.is_empty()),
        producer_id: own_producer(&user),
        include_inactive: q.include_inactive.unwrap_or(false),
        page,
        per_page,
    };
    let mut page = state.store.list_producers(&f).await.map_err(j)?;
    for item in &mut page.items {
        redact(&user, &mut item.producer);
    }
    Ok(Json(page).into_response())
}

/// Contacts are visible only to those who may read the record.
fn redact(user: &User, p: &mut ProducerRow) {
    if !user
        .actor
        .can_read(&Scope::producer(&p.province_code, &p.commune_code, p.id))
    {
        p.phone = None;
        p.email = None;
    }
}

async fn load_producer(state: &State, user: &User, id: i64) -> AppResult<ProducerRow> {
    let mut p = state.store.producer(id).await?;
    if let Some(own) = own_producer(user) {
        if own != id {
            return Err(AppError::NotFound("chủ thể".into()));
        }
    }
    redact(user, &mut p);
    Ok(p)
}

/// One producer.
#[utoipa::path(get, path = "/api/v1/producers/{id}", tag = "producers", params(("id" = i64, Path)),
    responses((status = 200, body = ProducerRow), (status = 404, body = ErrorBody)))]
pub async fn get_producer(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Json<ProducerRow>> {
    load_producer(&state, &user, id).await.map(Json).map_err(j)
}

/// Register a producer. 422 names every invalid field; 409 a taken registration number.
#[utoipa::path(post, path = "/api/v1/producers", tag = "producers", request_body = ProducerInput,
    responses((status = 201, body = ProducerRow), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_producer(
    S(state): S<State>,
    user: User,
    ApiJson(input): ApiJson<ProducerInput>,
) -> ApiResult<Response> {
    let data = input.validate(units()).map_err(j)?;
    let cap = authorize(
        &user.actor,
        Action::CreateProducer,
        &Scope::commune(&data.province_code, &data.commune_code),
    )
    .map_err(j)?;
    let id = state.store.create_producer(&cap, &data).await.map_err(j)?;
    let p = state.store.producer(id).await.map_err(j)?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/v1/producers/{id}"))],
        Json(p),
    )
        .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct ProducerUpdate {
    #[serde(flatten)]
    pub input: ProducerInput,
    /// The version read; a stale version gives 409.
    pub version: Option<i64>,
}

/// Replace a producer's data.
#[utoipa::path(put, path = "/api/v1/producers/{id}", tag = "producers", params(("id" = i64, Path)), request_body = ProducerUpdate,
    responses((status = 200, body = ProducerRow), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn update_producer(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ProducerUpdate>,
) -> ApiResult<Json<ProducerRow>> {
    let before = state.store.producer(id).await.map_err(j)?;
    let cap = authorize(
        &user.actor,
        Action::EditProducer,
        &Scope::producer(&before.province_code, &before.commune_code, id),
    )
    .map_err(j)?;
    let data = body.input.validate(units()).map_err(j)?;
    authorize(
        &user.actor,
        Action::EditProducer,
        &Scope::producer(&data.province_code, &data.commune_code, id),
    )
    .map_err(j)?;
    state
        .store
        .update_producer(&cap, id, &data, body.version)
        .await
        .map_err(j)?;
    state.store.producer(id).await.map(Json).map_err(j)
}

async fn producer_active(
    state: State,
    user: User,
    id: i64,
    active: bool,
) -> ApiResult<Json<ProducerRow>> {
    let p = state.store.producer(id).await.map_err(j)?;
    let cap = authorize(
        &user.actor,
        Action::DeactivateProducer,
        &Scope::producer(&p.province_code, &p.commune_code, id),
    )
    .map_err(j)?;
    state
        .store
        .set_producer_active(&cap, id, active)
        .await
        .map_err(j)?;
    state.store.producer(id).await.map(Json).map_err(j)
}

/// Deactivate a producer (records are never deleted).
#[utoipa::path(post, path = "/api/v1/producers/{id}/deactivate", tag = "producers", params(("id" = i64, Path)),
    responses((status = 200, body = ProducerRow), (status = 403, body = ErrorBody)))]
pub async fn deactivate_producer(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Json<ProducerRow>> {
    producer_active(state, user, id, false).await
}

/// Reactivate a producer.
#[utoipa::path(post, path = "/api/v1/producers/{id}/activate", tag = "producers", params(("id" = i64, Path)),
    responses((status = 200, body = ProducerRow), (status = 403, body = ErrorBody)))]
pub async fn activate_producer(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Json<ProducerRow>> {
    producer_active(state, user, id, true).await
}

/// A producer's change history (audit entries, newest first).
#[utoipa::path(get, path = "/api/v1/producers/{id}/history", tag = "producers", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<ocop_store::audit::AuditEntry>), (status = 403, body = ErrorBody)))]
pub async fn producer_history(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let p = state.store.producer(id).await.map_err(j)?;
    if !user
        .actor
        .can_read(&Scope::producer(&p.province_code, &p.commune_code, id))
    {
        return Err(AppError::Forbidden("Bạn không xem được lịch sử hồ sơ này.".into()).json());
    }
    Ok(Json(
        state
            .store
            .history("producer", &id.to_string())
            .await
            .map_err(j)?,
    )
    .into_response())
}

// ---------- products ----------

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ProductQuery {
    /// Product name, product code or producer name; accents ignored.
    pub q: Option<String>,
    pub province: Option<String>,
    pub commune: Option<String>,
    /// Product group I…VI.
    pub group: Option<String>,
    /// Product set 01…26.
    pub set: Option<String>,
    /// 3, 4 or 5: the current certificate's stars.
    pub stars: Option<i64>,
    /// current (default: valid today), valid, expiring_soon, expired, revoked, all.
    pub status: Option<String>,
    /// cooperative, cooperative_group, enterprise, farm, household, association, operating_centre
    pub producer_type: Option<String>,
    /// relevance (default), stars, name (Vietnamese order), newest.
    pub sort: Option<String>,
    pub page: Option<i64>,
    /// 1–200, default 50.
    pub per_page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CertificateSummary {
    pub number: Option<String>,
    /// valid, expiring_soon, expired, revoked; null without a certificate.
    pub status: Option<String>,
    pub expires_on: Option<chrono::NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct ProductItem {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub producer: String,
    pub producer_id: i64,
    pub province: String,
    pub province_code: String,
    pub commune: String,
    pub set_code: String,
    pub gtin: Option<String>,
    pub stars: Option<i64>,
    pub active: bool,
    pub certificate: CertificateSummary,
    /// The product's public page (verification, QR code, where to buy).
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct ProductPage {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<ProductItem>,
    pub facets: ocop_store::catalog::Facets,
}

pub(crate) fn product_item(x: &ProductListItem, today: chrono::NaiveDate) -> ProductItem {
    ProductItem {
        id: x.product.id,
        code: x.product.code.clone(),
        name: x.product.name.clone(),
        producer: x.producer_name.clone(),
        producer_id: x.product.producer_id,
        province: x.province_name.clone(),
        province_code: x.product.province_code.clone(),
        commune: x.commune_name.clone(),
        set_code: x.product.set_code.clone(),
        gtin: x.product.gtin.clone(),
        stars: x.stars,
        active: x.product.active,
        certificate: CertificateSummary {
            number: x.certificate_public_number.clone(),
            status: x.certificate_status(today).map(|s| s.code().to_string()),
            expires_on: x.expires_on,
        },
        url: crate::public::product_path(&x.product.code, &x.product.name),
    }
}

/// A query parameter that cannot be used: 422, naming the parameter.
pub(crate) fn bad_param(name: &str, vi: &str, en: &str) -> Response {
    let mut e = ValidationErrors::new();
    e.add(
        name,
        "bad_query",
        format!("Tham số {name}: {vi}"),
        format!("{name}: {en}"),
    );
    AppError::Invalid(e).json()
}

/// The catalog of certified products, filtered, sorted and paged, with facet
/// counts. Public: no login needed. By default only certificates valid today.
#[utoipa::path(get, path = "/api/v1/products", tag = "products", params(ProductQuery),
    responses((status = 200, body = ProductPage), (status = 422, body = ErrorBody)))]
pub async fn list_products(
    S(state): S<State>,
    ApiQuery(q): ApiQuery<ProductQuery>,
) -> ApiResult<Json<ProductPage>> {
    let (page, per_page) = check_paging(q.page, q.per_page).map_err(j)?;
    let ne = |s: Option<String>| s.filter(|v| !v.trim().is_empty());
    if q.stars.is_some_and(|s| !(1..=5).contains(&s)) {
        return Err(bad_param("stars", "phải từ 1 đến 5.", "must be 1..5."));
    }
    let set = ne(q.set);
    if set
        .as_deref()
        .is_some_and(|s| ocop_domain::classification::product_set(s).is_none())
    {
        return Err(bad_param("set", "phải là 01…26.", "must be 01..26."));
    }
    let group = ne(q.group);
    if group.as_deref().is_some_and(|g| {
        !ocop_domain::classification::groups()
            .iter()
            .any(|x| x.code == g)
    }) {
        return Err(bad_param(
            "group",
            "phải là I, II, III, IV, V hoặc VI.",
            "must be I..VI.",
        ));
    }
    let province = ne(q.province);
    if province
        .as_deref()
        .is_some_and(|p| units().province(p).is_none())
    {
        return Err(bad_param(
            "province",
            "không có mã tỉnh này.",
            "unknown province code.",
        ));
    }
    let producer_kind = ne(q.producer_type);
    if producer_kind.as_deref().is_some_and(|k| {
        !ocop_domain::producer::ProducerKind::ALL
            .iter()
            .any(|x| x.code() == k)
    }) {
        return Err(bad_param(
            "producer_type",
            "không có loại hình này.",
            "unknown producer type.",
        ));
    }
    let status = ocop_store::catalog::CatalogStatus::parse(q.status.as_deref().unwrap_or(""))
        .ok_or_else(|| {
            bad_param(
                "status",
                "phải là current, valid, expiring_soon, expired, revoked hoặc all.",
                "unknown status.",
            )
        })?;
    let sort = ocop_store::catalog::CatalogSort::parse(q.sort.as_deref().unwrap_or(""))
        .ok_or_else(|| {
            bad_param(
                "sort",
                "phải là relevance, stars, name hoặc newest.",
                "unknown sort.",
            )
        })?;
    let f = ocop_store::catalog::CatalogFilter {
        q: q.q,
        province,
        commune: ne(q.commune),
        group,
        set_code: set,
        stars: q.stars,
        producer_kind,
        status,
        sort,
        page,
        per_page,
    };
    let today = state.today();
    let result = state.search.catalog(&f, today).await.map_err(j)?;
    Ok(Json(ProductPage {
        total: result.total,
        page: result.page,
        per_page: result.per_page,
        items: result
            .items
            .iter()
            .map(|x| product_item(x, today))
            .collect(),
        facets: result.facets,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ProductDetail {
    #[serde(flatten)]
    pub item: ProductItem,
    pub description: String,
    pub version: i64,
    pub certificates: Vec<ocop_store::registry::CertificateRow>,
    /// Image URLs.
    pub images: Vec<String>,
}

/// One product with its certificates. Public for active products.
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "products", params(("id" = i64, Path)),
    responses((status = 200, body = ProductDetail), (status = 404, body = ErrorBody)))]
pub async fn get_product(
    S(state): S<State>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<ProductDetail>> {
    let x = state.store.product(id).await.map_err(j)?;
    let visible = x.product.active
        || viewer.0.as_ref().is_some_and(|u| {
            u.actor.can_read(&Scope::producer(
                &x.product.province_code,
                &x.product.commune_code,
                x.product.producer_id,
            ))
        });
    if !visible {
        return Err(AppError::NotFound("sản phẩm".into()).json());
    }
    let certificates = state.store.certificates_of(id).await.map_err(j)?;
    let images = state
        .store
        .product_image_ids(id)
        .await
        .map_err(j)?
        .iter()
        .map(|i| format!("/anh/{i}"))
        .collect();
    Ok(Json(ProductDetail {
        item: product_item(&x, state.today()),
        description: x.product.description.clone(),
        version: x.product.version,
        certificates,
        images,
    }))
}

/// Register a product of a producer; its code is assigned unless given.
#[utoipa::path(post, path = "/api/v1/producers/{id}/products", tag = "products", params(("id" = i64, Path, description = "Producer id")), request_body = ProductInput,
    responses((status = 201, body = ProductDetail), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_product(
    S(state): S<State>,
    user: User,
    Path(pid): Path<i64>,
    ApiJson(input): ApiJson<ProductInput>,
) -> ApiResult<Response> {
    let p = state.store.producer(pid).await.map_err(j)?;
    let cap = authorize(
        &user.actor,
        Action::CreateProduct,
        &Scope::producer(&p.province_code, &p.commune_code, pid),
    )
    .map_err(j)?;
    let data = input
        .validate(&p.province_code, &p.commune_code)
        .map_err(j)?;
    let (id, _) = state
        .store
        .create_product(&cap, pid, &data, chrono::Datelike::year(&state.today()))
        .await
        .map_err(j)?;
    let Json(detail) = get_product(S(state), Viewer(Some(user)), Path(id)).await?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/v1/products/{id}"))],
        Json(detail),
    )
        .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct ProductUpdate {
    #[serde(flatten)]
    pub input: ProductInput,
    pub version: Option<i64>,
}

/// Replace a product's data.
#[utoipa::path(put, path = "/api/v1/products/{id}", tag = "products", params(("id" = i64, Path)), request_body = ProductUpdate,
    responses((status = 200, body = ProductDetail), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn update_product(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ProductUpdate>,
) -> ApiResult<Json<ProductDetail>> {
    let x = state.store.product(id).await.map_err(j)?;
    let scope = Scope::producer(
        &x.product.province_code,
        &x.product.commune_code,
        x.product.producer_id,
    );
    let cap = authorize(&user.actor, Action::EditProduct, &scope).map_err(j)?;
    let data = body
        .input
        .validate(&x.product.province_code, &x.product.commune_code)
        .map_err(j)?;
    state
        .store
        .update_product(&cap, id, &data, body.version)
        .await
        .map_err(j)?;
    get_product(S(state), Viewer(Some(user)), Path(id)).await
}

/// Record a certificate issued before this system (stars 3–5; expiry = issue + 36 months).
#[utoipa::path(post, path = "/api/v1/products/{id}/certificates", tag = "products", params(("id" = i64, Path)), request_body = LegacyCertificateInput,
    responses((status = 201, body = ProductDetail), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn record_certificate(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<LegacyCertificateInput>,
) -> ApiResult<Response> {
    let x = state.store.product(id).await.map_err(j)?;
    let scope = Scope::producer(
        &x.product.province_code,
        &x.product.commune_code,
        x.product.producer_id,
    );
    let cap = authorize(&user.actor, Action::RecordCertificate, &scope).map_err(j)?;
    let cert = input.validate(state.today()).map_err(j)?;
    state
        .store
        .record_certificate(&cap, id, &cert)
        .await
        .map_err(j)?;
    let Json(detail) = get_product(S(state), Viewer(Some(user)), Path(id)).await?;
    Ok((StatusCode::CREATED, Json(detail)).into_response())
}

async fn product_active(
    state: State,
    user: User,
    id: i64,
    active: bool,
) -> ApiResult<Json<ProductDetail>> {
    let x = state.store.product(id).await.map_err(j)?;
    let scope = Scope::producer(
        &x.product.province_code,
        &x.product.commune_code,
        x.product.producer_id,
    );
    let cap = authorize(&user.actor, Action::DeactivateProduct, &scope).map_err(j)?;
    state
        .store
        .set_product_active(&cap, id, active)
        .await
        .map_err(j)?;
    get_product(S(state), Viewer(Some(user)), Path(id)).await
}

/// Withdraw a product from the registry (kept, with its history).
#[utoipa::path(post, path = "/api/v1/products/{id}/deactivate", tag = "products", params(("id" = i64, Path)),
    responses((status = 200, body = ProductDetail), (status = 403, body = ErrorBody)))]
pub async fn deactivate_product(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Json<ProductDetail>> {
    product_active(state, user, id, false).await
}

/// Reactivate a product.
#[utoipa::path(post, path = "/api/v1/products/{id}/activate", tag = "products", params(("id" = i64, Path)),
    responses((status = 200, body = ProductDetail), (status = 403, body = ErrorBody)))]
pub async fn activate_product(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Json<ProductDetail>> {
    product_active(state, user, id, true).await
}

#[derive(Serialize, ToSchema)]
pub struct ImageCreated {
    pub id: i64,
    pub url: String,
    pub content_type: String,
}

/// Add a photo (JPEG, PNG or WebP, ≤ 5 MB; the type is read from the bytes, not the header).
#[utoipa::path(post, path = "/api/v1/products/{id}/images", tag = "products", params(("id" = i64, Path)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = ImageCreated), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn upload_image(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Response> {
    let body = raw_body(body)?;
    let x = state.store.product(id).await.map_err(j)?;
    let scope = Scope::producer(
        &x.product.province_code,
        &x.product.commune_code,
        x.product.producer_id,
    );
    let cap = authorize(&user.actor, Action::UploadProductImage, &scope).map_err(j)?;
    let content_type = crate::pages::check_image(&body).map_err(j)?;
    let image = state
        .store
        .add_product_image(&cap, id, content_type, &body)
        .await
        .map_err(j)?;
    Ok((
        StatusCode::CREATED,
        Json(ImageCreated {
            id: image,
            url: format!("/anh/{image}"),
            content_type: content_type.into(),
        }),
    )
        .into_response())
}

/// Revoke a certificate on one of the six grounds. 3★–4★: the provincial
/// office of the product's province; 5★: the ministry. Public at once on the
/// verification page.
#[utoipa::path(post, path = "/api/v1/certificates/{id}/revoke", tag = "products", params(("id" = i64, Path)),
    request_body = ocop_domain::certificate::RevocationInput,
    responses((status = 200, body = ocop_store::registry::CertificateRow), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn revoke_certificate(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ocop_domain::certificate::RevocationInput>,
) -> ApiResult<Response> {
    let cert = state.store.certificate(id).await.map_err(j)?;
    let x = state.store.product(cert.product_id).await.map_err(j)?;
    let scope = Scope::producer(
        &x.product.province_code,
        &x.product.commune_code,
        x.product.producer_id,
    );
    let cap = authorize(
        &user.actor,
        ocop_domain::auth::revocation_action(cert.stars as u8),
        &scope,
    )
    .map_err(j)?;
    let r = input.validate(cert.issued_on, state.today()).map_err(j)?;
    state
        .store
        .revoke_certificate(&cap, id, &r)
        .await
        .map_err(j)?;
    Ok(Json(state.store.certificate(id).await.map_err(j)?).into_response())
}

// ---------- import ----------

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// File name, to tell CSV from XLSX (otherwise the content decides).
    pub filename: Option<String>,
}

/// Import producers or products from the request body (CSV or XLSX). All or
/// nothing: 422 lists every bad line and field, and nothing is written.
#[utoipa::path(post, path = "/api/v1/import/{kind}", tag = "import",
    params(("kind" = String, Path, description = "producers or products"), ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = ocop_store::import::ImportReport), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import(
    S(state): S<State>,
    user: User,
    Path(kind): Path<String>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Response> {
    let body = raw_body(body)?;
    let name = q.filename.unwrap_or_default();
    match crate::pages::run_import(&state, &user.actor, &kind, &body, &name)
        .await
        .map_err(j)?
    {
        Ok(report) => Ok(Json(report).into_response()),
        Err(lines) => Err(AppError::ImportRejected(lines).json()),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// csv (default) or xlsx
    pub format: Option<String>,
}

/// Export producers or products (in the caller's scope) as CSV or XLSX, in the import format.
#[utoipa::path(get, path = "/api/v1/export/{kind}", tag = "import",
    params(("kind" = String, Path, description = "producers or products"), ExportQuery),
    responses((status = 200, description = "The file", content_type = "text/csv"), (status = 403, body = ErrorBody), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn export(
    S(state): S<State>,
    user: User,
    Path(kind): Path<String>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let scope = crate::pages::export_scope(&user.actor)
        .ok_or_else(|| AppError::Forbidden("Bạn không có quyền xuất dữ liệu.".into()).json())?;
    let name = format!("{kind}.{}", q.format.as_deref().unwrap_or("csv"));
    let format = ocop_docs::Format::from_name(&name).ok_or_else(|| {
        AppError::bad_request(
            "bad_query",
            "Tham số format phải là csv hoặc xlsx.",
            "format must be csv or xlsx.",
        )
        .json()
    })?;
    let bytes = crate::pages::export_file(&state.store, scope, &kind, format)
        .await
        .map_err(j)?;
    Ok(crate::pages::download(bytes, &name))
}

// ---------- users ----------

#[derive(Deserialize, ToSchema)]
pub struct NewUser {
    pub username: String,
    pub full_name: String,
    pub email: Option<String>,
    pub password: String,
}

/// Accounts (administrators only).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", responses((status = 200, body = Vec<ocop_store::accounts::UserRow>), (status = 403, body = ErrorBody)))]
pub async fn list_users(S(state): S<State>, user: User) -> ApiResult<Response> {
    if !user.actor.is_admin() {
        return Err(AppError::Forbidden("Chỉ quản trị hệ thống.".into()).json());
    }
    Ok(Json(state.store.list_users().await.map_err(j)?).into_response())
}

/// Create an account (administrator, or a provincial office for its province).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = ocop_store::accounts::UserRow), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_user(
    S(state): S<State>,
    user: User,
    ApiJson(body): ApiJson<NewUser>,
) -> ApiResult<Response> {
    let scope = user
        .actor
        .office_scope()
        .ok_or_else(|| AppError::Forbidden("Bạn không tạo được người dùng.".into()).json())?;
    let cap = authorize(&user.actor, Action::CreateUser, &scope).map_err(j)?;
    if let Some(e) = body.email.as_deref().filter(|e| !e.is_empty()) {
        ocop_domain::ids::parse_email(e).map_err(|err| {
            AppError::Conflict {
                field: "email".into(),
                message: err.message,
                message_en: err.message_en,
            }
            .json()
        })?;
    }
    let id = state
        .store
        .create_user(
            &cap,
            &body.username,
            &body.full_name,
            body.email.as_deref().filter(|e| !e.is_empty()),
            &body.password,
        )
        .await
        .map_err(j)?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.user(id).await.map_err(j)?),
    )
        .into_response())
}

/// Grant a role. Scoped roles carry their unit: `{"role": "commune_officer", "province": "01", "commune": "00004"}`.
#[utoipa::path(post, path = "/api/v1/users/{id}/roles", tag = "users", params(("id" = i64, Path)), request_body = Role,
    responses((status = 201, body = Vec<ocop_store::accounts::Grant>), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn grant_role(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(role): ApiJson<Role>,
) -> ApiResult<Response> {
    // Unit codes must exist, and a producer role must match the producer's unit.
    let u = units();
    let role = match role {
        Role::ProvinceOffice { province } if u.province(&province).is_none() => {
            return Err(AppError::bad_request(
                "unknown_unit",
                format!("Mã tỉnh {province} không có."),
                "Unknown province.",
            )
            .json())
        }
        Role::CommuneOfficer { commune, .. } => match u.commune(&commune) {
            Some(c) => Role::CommuneOfficer {
                province: c.province_code.clone(),
                commune,
            },
            None => {
                return Err(AppError::bad_request(
                    "unknown_unit",
                    format!("Mã xã {commune} không có."),
                    "Unknown commune.",
                )
                .json())
            }
        },
        Role::Producer { producer_id, .. } => {
            let p = state.store.producer(producer_id).await.map_err(j)?;
            Role::Producer {
                province: p.province_code,
                commune: p.commune_code,
                producer_id,
            }
        }
        other => other,
    };
    state.store.user(id).await.map_err(j)?;
    let cap =
        authorize_grant(&user.actor, Action::GrantRole, &role.scope(), Some(&role)).map_err(j)?;
    state.store.grant_role(&cap, id, &role).await.map_err(j)?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.grants(id).await.map_err(j)?),
    )
        .into_response())
}

/// Revoke a role from an account.
#[utoipa::path(delete, path = "/api/v1/users/{id}/roles/{grant}", tag = "users", params(("id" = i64, Path), ("grant" = i64, Path)),
    responses((status = 200, body = Vec<ocop_store::accounts::Grant>), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn revoke_role(
    S(state): S<State>,
    user: User,
    Path((id, grant)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    let grants = state.store.grants(id).await.map_err(j)?;
    let g = grants
        .iter()
        .find(|g| g.id == grant)
        .ok_or_else(|| AppError::NotFound("vai trò".into()).json())?;
    let cap = authorize_grant(
        &user.actor,
        Action::GrantRole,
        &g.role.scope(),
        Some(&g.role),
    )
    .map_err(j)?;
    state.store.revoke_role(&cap, id, grant).await.map_err(j)?;
    Ok(Json(state.store.grants(id).await.map_err(j)?).into_response())
}

async fn user_active(state: State, user: User, id: i64, active: bool) -> ApiResult<Response> {
    let scope = user
        .actor
        .office_scope()
        .ok_or_else(|| AppError::Forbidden("Bạn không quản lý người dùng.".into()).json())?;
    let grants = state.store.grants(id).await.map_err(j)?;
    state.store.user(id).await.map_err(j)?;
    if !crate::pages::visible(&scope, &grants) || id == user.actor.user_id {
        return Err(AppError::Forbidden("Không khoá được tài khoản này.".into()).json());
    }
    let cap = authorize(&user.actor, Action::DeactivateUser, &scope).map_err(j)?;
    state
        .store
        .set_user_active(&cap, id, active)
        .await
        .map_err(j)?;
    Ok(Json(state.store.user(id).await.map_err(j)?).into_response())
}

/// Lock an account (its sessions end at once).
#[utoipa::path(post, path = "/api/v1/users/{id}/deactivate", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = ocop_store::accounts::UserRow), (status = 403, body = ErrorBody)))]
pub async fn deactivate_user(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    user_active(state, user, id, false).await
}

/// Unlock an account.
#[utoipa::path(post, path = "/api/v1/users/{id}/activate", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = ocop_store::accounts::UserRow), (status = 403, body = ErrorBody)))]
pub async fn activate_user(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    user_active(state, user, id, true).await
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Change one's own password; every session of the account ends (log in again).
#[utoipa::path(put, path = "/api/v1/me/password", tag = "session", request_body = PasswordChange,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn change_password(
    S(state): S<State>,
    user: User,
    ApiJson(body): ApiJson<PasswordChange>,
) -> ApiResult<Response> {
    if state
        .store
        .check_login(&user.actor.username, &body.current_password)
        .await
        .map_err(j)?
        .is_none()
    {
        return Err(AppError::Forbidden("Mật khẩu hiện tại không đúng.".into()).json());
    }
    let cap = authorize(&user.actor, Action::ChangeOwnPassword, &Scope::national()).map_err(j)?;
    state
        .store
        .set_password(&cap, user.actor.user_id, &body.new_password)
        .await
        .map_err(j)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
