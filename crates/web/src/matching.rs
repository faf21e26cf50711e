//! Supply–demand matching on the web: buyers' demands (public), the ranked
//! candidates with the reason for every point (for the demand's owner),
//! producers' offers and the demands matching them, introductions either
//! way, and trade agreements with their status history and counts.

use crate::api::{ApiJson, ApiQuery};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::pages::{
    attachment, checked_codes, csrf_of, ctx, error_page, flash_text, form_count, options,
    province_options, render, see_other, FlashQuery, FormMap, OrPage, PageResult,
};
use crate::session::{User, Viewer};
use crate::State;
use axum::extract::{Path, Query, State as S};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Form, Json, Router};
use ocop_domain::admin_units::{short_name, units};
use ocop_domain::auth::{authorize, Action, Capability, Role, Scope};
use ocop_domain::certificate::CertificateStatus;
use ocop_domain::classification::{product_set, product_sets};
use ocop_domain::matching::{
    agreement_kind_label, agreement_status_label, rank, AgreementInput, DemandInput, Match,
    OfferInput, AGREEMENT_KINDS, AGREEMENT_STATUSES,
};
use ocop_domain::trade_event::format_million_vnd;
use ocop_domain::ValidationErrors;
use ocop_store::matching::{AgreementFilter, AgreementRow, DemandRow, IntroductionRow};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Router<State> {
    Router::new()
        .route("/ket-noi", get(demands_page).post(create_demand_page))
        .route("/ket-noi/{id}", get(demand_page))
        .route("/ket-noi/{id}/dong", post(close_demand_page))
        .route("/ket-noi/{id}/gioi-thieu", post(introduce_page))
        .route("/gioi-thieu/{id}", post(answer_page))
        .route("/chao-hang", get(producer_page))
        .route("/chao-hang/{product}", post(offer_page))
        .route("/hop-tac", get(agreements_page).post(create_agreement_page))
        .route(
            "/hop-tac/{id}",
            get(agreement_page).post(agreement_status_page),
        )
        .route("/hop-tac/{id}/van-ban.pdf", get(agreement_pdf))
        .route("/api/v1/demands", get(api_demands).post(api_create_demand))
        .route("/api/v1/demands/{id}", get(api_demand))
        .route("/api/v1/demands/{id}/matches", get(api_matches))
        .route("/api/v1/demands/{id}/close", post(api_close_demand))
        .route("/api/v1/products/{id}/offer", put(api_offer))
        .route(
            "/api/v1/producers/{id}/matching-demands",
            get(api_matching_demands),
        )
        .route("/api/v1/introductions", post(api_introduce))
        .route("/api/v1/introductions/{id}/answer", post(api_answer))
        .route(
            "/api/v1/agreements",
            get(api_agreements).post(api_create_agreement),
        )
        .route(
            "/api/v1/agreements/statistics",
            get(api_agreement_statistics),
        )
        .route("/api/v1/agreements/{id}", get(api_agreement))
        .route("/api/v1/agreements/{id}/status", post(api_agreement_status))
}

/// At most this many candidates are shown for a demand.
const TOP: usize = 30;

fn province_name(code: &str) -> String {
    units()
        .province(code)
        .map(|p| short_name(&p.name).to_string())
        .unwrap_or_else(|| code.to_string())
}

fn demand_json(d: &DemandRow, today: chrono::NaiveDate) -> Value {
    let data = d.data();
    let mut v = json!(d);
    v["set_codes"] = json!(data.set_codes);
    v["regions"] = json!(data.regions);
    v["sets"] = json!(data
        .set_codes
        .iter()
        .filter_map(|s| product_set(s).map(|p| format!("{} {}", p.set, p.name)))
        .collect::<Vec<_>>());
    v["region_names"] = json!(data
        .regions
        .iter()
        .map(|r| province_name(r))
        .collect::<Vec<_>>());
    v["open"] = json!(d.is_open(today));
    v
}

fn producer_scope(p: &ocop_store::registry::ProducerRow) -> Scope {
    Scope::producer(&p.province_code, &p.commune_code, p.id)
}

/// Is `user` the demand's owner (or an administrator)? They see its candidates.
fn owns_demand(user: Option<&User>, d: &DemandRow) -> bool {
    user.is_some_and(|u| {
        authorize(
            &u.actor,
            Action::ManageDemand,
            &Scope::owned_by(d.owner_user_id),
        )
        .is_ok()
    })
}

/// The producer ids a user acts for as a producer account.
fn own_producers(user: Option<&User>) -> Vec<i64> {
    user.map(|u| {
        u.actor
            .roles
            .iter()
            .filter_map(|r| match r {
                Role::Producer { producer_id, .. } => Some(*producer_id),
                _ => None,
            })
            .collect()
    })
    .unwrap_or_default()
}

/// The ranked candidates of a demand, with their products' names.
async fn matches(state: &State, d: &DemandRow) -> AppResult<Vec<Value>> {
    let data = d.data();
    // Candidates from the demand's groups of products: an exact set scores
    // more, the same group less, another group not at all.
    let sets: Vec<String> = if data.set_codes.is_empty() {
        vec![]
    } else {
        let groups: Vec<&str> = data
            .set_codes
            .iter()
            .filter_map(|s| product_set(s).map(|p| p.group.as_str()))
            .collect();
        product_sets()
            .iter()
            .filter(|s| groups.contains(&s.group.as_str()))
            .map(|s| s.set.clone())
            .collect()
    };
    let today = state.today();
    let candidates = state
        .store
        .demand_candidates(data.min_stars, &sets, today)
        .await?;
    let ranked: Vec<Match> = rank(&data, &candidates, units(), today)
        .into_iter()
        .take(TOP)
        .collect();
    let ids: Vec<i64> = ranked.iter().map(|m| m.product_id).collect();
    let products = state.store.products_by_ids(&ids).await?;
    Ok(ranked
        .iter()
        .zip(products)
        .map(|(m, p)| {
            json!({
                "product_id": m.product_id, "score": m.score, "parts": m.parts,
                "product_name": p.product.name, "product_code": p.product.code,
                "producer_id": p.product.producer_id, "producer_name": p.producer_name,
                "province_name": p.province_name, "stars": p.stars,
                "url": crate::public::product_path(&p.product.code, &p.product.name),
            })
        })
        .collect())
}

/// Open demands scored against a producer's products: the best product for each.
async fn matching_demands(state: &State, producer_id: i64) -> AppResult<Vec<Value>> {
    let today = state.today();
    let candidates = state.store.producer_candidates(producer_id).await?;
    let demands = state.store.list_demands(Some(today), None).await?;
    let mut out = Vec::new();
    for d in &demands {
        if let Some(best) = rank(&d.data(), &candidates, units(), today)
            .into_iter()
            .next()
        {
            out.push((
                best.score,
                json!({"demand": demand_json(d, today), "best": best}),
            ));
        }
    }
    out.sort_by_key(|x| std::cmp::Reverse(x.0));
    Ok(out.into_iter().map(|(_, v)| v).collect())
}

// ---------- the writes ----------

async fn create_demand(state: &State, user: &User, input: &DemandInput) -> AppResult<i64> {
    let d = input.validate(units(), state.today())?;
    let cap = authorize(&user.actor, Action::PostDemand, &Scope::national())?;
    Ok(state.store.create_demand(&cap, &d).await?)
}

async fn close_demand(state: &State, user: &User, id: i64) -> AppResult<()> {
    let d = state.store.demand(id).await?;
    let cap = authorize(
        &user.actor,
        Action::ManageDemand,
        &Scope::owned_by(d.owner_user_id),
    )?;
    Ok(state.store.close_demand(&cap, id).await?)
}

async fn set_offer(
    state: &State,
    user: &User,
    product_id: i64,
    input: &OfferInput,
) -> AppResult<()> {
    let p = state.store.product(product_id).await?;
    let producer = state.store.producer(p.product.producer_id).await?;
    let cap = authorize(&user.actor, Action::PostOffer, &producer_scope(&producer))?;
    let certified = p.stars.is_some_and(|s| s >= 3)
        && p.certificate_status(state.today()).is_some_and(|s| {
            matches!(
                s,
                CertificateStatus::Valid | CertificateStatus::ExpiringSoon
            )
        });
    if !certified {
        return Err(AppError::Conflict {
            field: "product_id".into(),
            message: "Chỉ chào hàng sản phẩm có giấy chứng nhận OCOP từ 3 sao còn hiệu lực.".into(),
            message_en: "Only products with a valid 3-star-or-better certificate can be offered."
                .into(),
        });
    }
    let o = input.validate(units())?;
    Ok(state.store.set_offer(&cap, product_id, &o).await?)
}

/// An introduction from whichever side the user is on: the demand's owner
/// writes to the product's producer; the producer offers its product.
async fn introduce(
    state: &State,
    user: &User,
    demand_id: i64,
    product_id: i64,
    message: &str,
) -> AppResult<i64> {
    let d = state.store.demand(demand_id).await?;
    if !d.is_open(state.today()) {
        return Err(AppError::Conflict {
            field: "demand_id".into(),
            message: "Nhu cầu đã đóng hoặc quá hạn nhận chào hàng.".into(),
            message_en: "The demand is closed or past its deadline.".into(),
        });
    }
    let p = state.store.product(product_id).await?;
    let producer = state.store.producer(p.product.producer_id).await?;
    let (cap, side) = if user.actor.user_id == d.owner_user_id {
        (
            authorize(
                &user.actor,
                Action::Introduce,
                &Scope::owned_by(d.owner_user_id),
            )?,
            "buyer",
        )
    } else {
        (
            authorize(&user.actor, Action::Introduce, &producer_scope(&producer))?,
            "producer",
        )
    };
    let message = ocop_domain::text::clean(message);
    let message: String = message.chars().take(1000).collect();
    Ok(state
        .store
        .introduce(
            &cap,
            demand_id,
            product_id,
            side,
            Some(message.as_str()).filter(|m| !m.is_empty()),
        )
        .await?)
}

/// The side that did not write answers.
fn answering_scope(i: &IntroductionRow) -> Scope {
    if i.from_side == "buyer" {
        Scope::producer(&i.province_code, &i.commune_code, i.producer_id)
    } else {
        Scope::owned_by(i.demand_owner)
    }
}

async fn answer(state: &State, user: &User, id: i64, accept: bool) -> AppResult<()> {
    let i = state.store.introduction(id).await?;
    let cap = authorize(&user.actor, Action::Introduce, &answering_scope(&i))?;
    Ok(state.store.answer_introduction(&cap, id, accept).await?)
}

fn agreement_scope(
    a_province: &str,
    commune: &str,
    producer: i64,
    buyer_user: Option<i64>,
) -> Scope {
    Scope {
        owner: buyer_user,
        ..Scope::producer(a_province, commune, producer)
    }
}

async fn create_agreement(state: &State, user: &User, input: &AgreementInput) -> AppResult<i64> {
    let d = input.validate(state.today())?;
    let producer = state.store.producer(d.producer_id).await.map_err(|_| {
        let mut e = ValidationErrors::new();
        e.add(
            "producer_id",
            "unknown",
            "Không có chủ thể này.",
            "unknown producer_id",
        );
        AppError::Invalid(e)
    })?;
    let buyer_user = match d.demand_id {
        Some(id) => Some(state.store.demand(id).await?.owner_user_id),
        None => None,
    };
    let cap = authorize(
        &user.actor,
        Action::RecordAgreement,
        &agreement_scope(
            &producer.province_code,
            &producer.commune_code,
            producer.id,
            buyer_user,
        ),
    )?;
    if let Some(event) = d.event_id {
        state.store.trade_event(event).await?;
    }
    // Every product named must be this producer's.
    let mut e = ValidationErrors::new();
    let mut ids = Vec::new();
    for (i, code) in d.product_codes.iter().enumerate() {
        match state.store.product_id_by_code(code).await? {
            Some(id) if state.store.product(id).await?.product.producer_id == producer.id => {
                ids.push(id)
            }
            _ => e.add(
                &format!("product_codes[{i}]"),
                "unknown",
                format!("Sản phẩm \"{code}\" không phải của {}.", producer.name),
                "not a product of this producer",
            ),
        }
    }
    if ids.is_empty() && e.is_empty() {
        e.required("product_codes", "Sản phẩm");
    }
    if !e.is_empty() {
        return Err(e.into());
    }
    Ok(state
        .store
        .create_agreement(&cap, &d, &producer.province_code, &ids, buyer_user)
        .await?)
}

fn agreement_cap(user: &User, a: &AgreementRow) -> AppResult<Capability> {
    Ok(authorize(
        &user.actor,
        Action::RecordAgreement,
        &agreement_scope(
            &a.province_code,
            &a.commune_code,
            a.producer_id,
            a.buyer_user_id,
        ),
    )?)
}

async fn set_agreement_status(
    state: &State,
    user: &User,
    id: i64,
    status: &str,
    note: &str,
) -> AppResult<()> {
    let a = state.store.agreement(id).await?;
    let cap = agreement_cap(user, &a)?;
    let note = ocop_domain::text::clean(note);
    Ok(state
        .store
        .set_agreement_status(
            &cap,
            id,
            status,
            Some(note.as_str()).filter(|n| !n.is_empty()),
        )
        .await?)
}

fn agreement_json(a: &AgreementRow) -> Value {
    let mut v = json!(a);
    v["kind_label"] = json!(agreement_kind_label(&a.kind));
    v["status_label"] = json!(agreement_status_label(&a.status));
    v["province_name"] = json!(province_name(&a.province_code));
    v["value_text"] = json!(a.value_vnd.map(format_million_vnd));
    v
}

// ---------- API ----------

/// Open demands, the latest first (public).
#[utoipa::path(get, path = "/api/v1/demands", tag = "matching", responses((status = 200, body = Vec<DemandRow>)))]
pub async fn api_demands(S(state): S<State>) -> Response {
    let today = state.today();
    match state.store.list_demands(Some(today), None).await {
        Ok(l) => Json(json!(l
            .iter()
            .map(|d| demand_json(d, today))
            .collect::<Vec<_>>()))
        .into_response(),
        Err(e) => AppError::from(e).json(),
    }
}

/// Post a demand (a buyer or a point of sale).
#[utoipa::path(post, path = "/api/v1/demands", tag = "matching", request_body = DemandInput,
    responses((status = 201, body = DemandRow), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_create_demand(
    S(state): S<State>,
    user: User,
    ApiJson(input): ApiJson<DemandInput>,
) -> Response {
    match create_demand(&state, &user, &input).await {
        Ok(id) => match state.store.demand(id).await {
            Ok(d) => (StatusCode::CREATED, Json(d)).into_response(),
            Err(e) => AppError::from(e).json(),
        },
        Err(e) => e.json(),
    }
}

/// One demand (public).
#[utoipa::path(get, path = "/api/v1/demands/{id}", tag = "matching", params(("id" = i64, Path)),
    responses((status = 200, body = DemandRow), (status = 404, body = ErrorBody)))]
pub async fn api_demand(S(state): S<State>, Path(id): Path<i64>) -> Response {
    match state.store.demand(id).await {
        Ok(d) => Json(demand_json(&d, state.today())).into_response(),
        Err(e) => AppError::from(e).json(),
    }
}

/// The demand's ranked candidates, each with the reason for every point
/// (set 40, stars 15, capacity 20, distance 15, certificate validity 10). The owner only.
#[utoipa::path(get, path = "/api/v1/demands/{id}/matches", tag = "matching", params(("id" = i64, Path)),
    responses((status = 200), (status = 403, body = ErrorBody)))]
pub async fn api_matches(S(state): S<State>, user: User, Path(id): Path<i64>) -> Response {
    let d = match state.store.demand(id).await {
        Ok(d) => d,
        Err(e) => return AppError::from(e).json(),
    };
    if !owns_demand(Some(&user), &d) {
        return AppError::Forbidden("Chỉ đơn vị đăng nhu cầu xem được danh sách đề xuất.".into())
            .json();
    }
    match matches(&state, &d).await {
        Ok(m) => Json(json!(m)).into_response(),
        Err(e) => e.json(),
    }
}

/// Close a demand (its owner).
#[utoipa::path(post, path = "/api/v1/demands/{id}/close", tag = "matching", params(("id" = i64, Path)),
    responses((status = 204), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_close_demand(S(state): S<State>, user: User, Path(id): Path<i64>) -> Response {
    match close_demand(&state, &user, id).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.json(),
    }
}

/// Offer a product (its producer or the province's office): capacity per
/// month, season, prices, delivery provinces. Replaces the earlier offer.
#[utoipa::path(put, path = "/api/v1/products/{id}/offer", tag = "matching", params(("id" = i64, Path)), request_body = OfferInput,
    responses((status = 204), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_offer(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<OfferInput>,
) -> Response {
    match set_offer(&state, &user, id, &input).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.json(),
    }
}

/// Open demands a producer's products answer, best first, with the best product's explanation.
#[utoipa::path(get, path = "/api/v1/producers/{id}/matching-demands", tag = "matching", params(("id" = i64, Path)),
    responses((status = 200), (status = 403, body = ErrorBody)))]
pub async fn api_matching_demands(S(state): S<State>, user: User, Path(id): Path<i64>) -> Response {
    let p = match state.store.producer(id).await {
        Ok(p) => p,
        Err(e) => return AppError::from(e).json(),
    };
    if !user.actor.can_read(&producer_scope(&p)) {
        return AppError::Forbidden("Bạn không xem được dữ liệu của chủ thể này.".into()).json();
    }
    match matching_demands(&state, id).await {
        Ok(m) => Json(json!(m)).into_response(),
        Err(e) => e.json(),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct IntroductionBody {
    pub demand_id: i64,
    pub product_id: i64,
    #[serde(default)]
    pub message: String,
}

/// Introduce a product to a demand: the demand's owner to the producer, or
/// the producer to the buyer. The other side answers.
#[utoipa::path(post, path = "/api/v1/introductions", tag = "matching", request_body = IntroductionBody,
    responses((status = 201), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_introduce(
    S(state): S<State>,
    user: User,
    ApiJson(b): ApiJson<IntroductionBody>,
) -> Response {
    match introduce(&state, &user, b.demand_id, b.product_id, &b.message).await {
        Ok(id) => (StatusCode::CREATED, Json(json!({"id": id}))).into_response(),
        Err(e) => e.json(),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AnswerBody {
    pub accept: bool,
}

/// Accept or decline an introduction (the side that did not send it).
#[utoipa::path(post, path = "/api/v1/introductions/{id}/answer", tag = "matching", params(("id" = i64, Path)), request_body = AnswerBody,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_answer(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<AnswerBody>,
) -> Response {
    match answer(&state, &user, id, b.accept).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.json(),
    }
}

#[derive(Deserialize, utoipa::IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct AgreementQuery {
    pub province: Option<String>,
    pub event: Option<i64>,
    pub year: Option<i32>,
}

/// Trade agreements, the latest first (public).
#[utoipa::path(get, path = "/api/v1/agreements", tag = "matching", params(AgreementQuery), responses((status = 200, body = Vec<AgreementRow>)))]
pub async fn api_agreements(S(state): S<State>, ApiQuery(q): ApiQuery<AgreementQuery>) -> Response {
    let f = AgreementFilter {
        province: q.province.as_deref().filter(|s| !s.is_empty()),
        event_id: q.event,
        year: q.year,
        producer_id: None,
    };
    match state.store.list_agreements(&f).await {
        Ok(l) => Json(json!(l.iter().map(agreement_json).collect::<Vec<_>>())).into_response(),
        Err(e) => AppError::from(e).json(),
    }
}

#[derive(Deserialize, utoipa::IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    pub year: Option<i32>,
}

/// Agreements counted and valued (đồng) by province, by event and by year; cancelled ones left out.
#[utoipa::path(get, path = "/api/v1/agreements/statistics", tag = "matching", params(YearQuery), responses((status = 200)))]
pub async fn api_agreement_statistics(
    S(state): S<State>,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> Response {
    match state.store.agreement_counts(q.year).await {
        Ok((p, e, y)) => {
            Json(json!({"by_province": p, "by_event": e, "by_year": y})).into_response()
        }
        Err(e) => AppError::from(e).json(),
    }
}

/// Record a trade agreement (its producer, the province's office, or the
/// buyer whose demand it answers).
#[utoipa::path(post, path = "/api/v1/agreements", tag = "matching", request_body = AgreementInput,
    responses((status = 201, body = AgreementRow), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_create_agreement(
    S(state): S<State>,
    user: User,
    ApiJson(input): ApiJson<AgreementInput>,
) -> Response {
    match create_agreement(&state, &user, &input).await {
        Ok(id) => match state.store.agreement(id).await {
            Ok(a) => (StatusCode::CREATED, Json(agreement_json(&a))).into_response(),
            Err(e) => AppError::from(e).json(),
        },
        Err(e) => e.json(),
    }
}

/// One agreement with its status history (public).
#[utoipa::path(get, path = "/api/v1/agreements/{id}", tag = "matching", params(("id" = i64, Path)),
    responses((status = 200), (status = 404, body = ErrorBody)))]
pub async fn api_agreement(S(state): S<State>, Path(id): Path<i64>) -> Response {
    let a = match state.store.agreement(id).await {
        Ok(a) => a,
        Err(e) => return AppError::from(e).json(),
    };
    match state.store.agreement_history(id).await {
        Ok(h) => Json(json!({"agreement": agreement_json(&a), "history": h})).into_response(),
        Err(e) => AppError::from(e).json(),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AgreementStatusBody {
    /// delivering, completed, cancelled
    pub status: String,
    #[serde(default)]
    pub note: String,
}

/// Move an agreement: signed → delivering → completed, or cancelled.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/status", tag = "matching", params(("id" = i64, Path)), request_body = AgreementStatusBody,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_agreement_status(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<AgreementStatusBody>,
) -> Response {
    match set_agreement_status(&state, &user, id, &b.status, &b.note).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.json(),
    }
}

// ---------- pages ----------

fn set_options() -> Value {
    options(
        product_sets()
            .iter()
            .map(|s| (s.set.clone(), format!("{} {}", s.set, s.name))),
    )
}

fn may_post_demand(user: Option<&User>) -> bool {
    user.is_some_and(|u| authorize(&u.actor, Action::PostDemand, &Scope::national()).is_ok())
}

async fn demands_view(
    state: &State,
    user: Option<&User>,
    error: Option<String>,
    v: Value,
) -> PageResult {
    let today = state.today();
    let demands = state
        .store
        .list_demands(Some(today), None)
        .await
        .or_page(state, user)?;
    let mine = match user {
        Some(u) if may_post_demand(user) => state
            .store
            .list_demands(None, Some(u.actor.user_id))
            .await
            .or_page(state, user)?,
        _ => vec![],
    };
    let mut c = ctx(user, "matching", "Kết nối cung cầu");
    c.insert(
        "demands".into(),
        json!(demands
            .iter()
            .map(|d| demand_json(d, today))
            .collect::<Vec<_>>()),
    );
    c.insert(
        "mine".into(),
        json!(mine
            .iter()
            .map(|d| demand_json(d, today))
            .collect::<Vec<_>>()),
    );
    c.insert("can_post".into(), json!(may_post_demand(user)));
    c.insert("is_producer".into(), json!(!own_producers(user).is_empty()));
    c.insert("sets".into(), set_options());
    c.insert("provinces".into(), province_options());
    c.insert("error".into(), json!(error));
    c.insert("v".into(), v);
    let status = if c["error"].is_null() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(state, "matching/demands.html", c)).into_response())
}

pub(crate) async fn demands_page(S(state): S<State>, viewer: Viewer) -> PageResult {
    demands_view(&state, viewer.0.as_ref(), None, json!({})).await
}

pub(crate) async fn create_demand_page(
    S(state): S<State>,
    user: User,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let input = DemandInput {
        buyer: get("buyer"),
        title: get("title"),
        set_codes: checked_codes(&form, "set_"),
        min_stars: form_count(&form, "min_stars"),
        quantity: form_count(&form, "quantity"),
        unit: get("unit"),
        period_from: get("period_from"),
        period_to: get("period_to"),
        regions: checked_codes(&form, "r_"),
        certifications: get("certifications"),
        price_min: form_count(&form, "price_min"),
        price_max: form_count(&form, "price_max"),
        deadline: get("deadline"),
    };
    match create_demand(&state, &user, &input).await {
        Ok(id) => Ok(see_other(&format!("/ket-noi/{id}?tb=da-tao"))),
        Err(e @ AppError::Invalid(_)) => {
            demands_view(&state, Some(&user), Some(e.summary()), json!(form)).await
        }
        Err(e) => Err(error_page(&state, Some(&user), e)),
    }
}

pub(crate) async fn demand_page(
    S(state): S<State>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(fq): Query<FlashQuery>,
) -> PageResult {
    let user = viewer.0.as_ref();
    let d = state.store.demand(id).await.or_page(&state, user)?;
    let today = state.today();
    let owner = owns_demand(user, &d);
    let mut c = ctx(user, "matching", &d.title);
    c.insert("d".into(), demand_json(&d, today));
    c.insert("owner".into(), json!(owner));
    if owner {
        c.insert(
            "matches".into(),
            json!(matches(&state, &d).await.or_page(&state, user)?),
        );
        let intros = state
            .store
            .introductions(Some(id), None)
            .await
            .or_page(&state, user)?;
        c.insert(
            "introduced".into(),
            json!(intros.iter().map(|i| i.product_id).collect::<Vec<_>>()),
        );
        c.insert("introductions".into(), json!(intros));
    }
    // A producer account sees how its own products score, and may introduce one.
    let mine = own_producers(user);
    if let Some(&producer) = mine.first() {
        let candidates = state
            .store
            .producer_candidates(producer)
            .await
            .or_page(&state, user)?;
        let ranked = rank(&d.data(), &candidates, units(), today);
        let ids: Vec<i64> = ranked.iter().map(|m| m.product_id).collect();
        let products = state
            .store
            .products_by_ids(&ids)
            .await
            .or_page(&state, user)?;
        let own: Vec<Value> = ranked
            .iter()
            .zip(&products)
            .map(|(m, p)| json!({"product_id": m.product_id, "product_name": p.product.name, "score": m.score, "parts": m.parts}))
            .collect();
        c.insert("own_matches".into(), json!(own));
        let sent = state
            .store
            .introductions(Some(id), Some(producer))
            .await
            .or_page(&state, user)?;
        c.insert("own_introductions".into(), json!(sent));
    }
    c.insert("flash".into(), json!(flash_text(fq.tb.as_deref())));
    Ok(render(&state, "matching/demand.html", c))
}

pub(crate) async fn close_demand_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    close_demand(&state, &user, id)
        .await
        .or_page(&state, Some(&user))?;
    Ok(see_other(&format!("/ket-noi/{id}?tb=da-luu")))
}

pub(crate) async fn introduce_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let product = form
        .get("product_id")
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| {
            let mut e = ValidationErrors::new();
            e.required("product_id", "Sản phẩm");
            AppError::Invalid(e)
        })
        .or_page(&state, Some(&user))?;
    introduce(
        &state,
        &user,
        id,
        product,
        form.get("message").map(String::as_str).unwrap_or(""),
    )
    .await
    .or_page(&state, Some(&user))?;
    Ok(see_other(&format!("/ket-noi/{id}?tb=da-gui")))
}

pub(crate) async fn answer_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let accept = form.get("answer").map(String::as_str) == Some("accept");
    answer(&state, &user, id, accept)
        .await
        .or_page(&state, Some(&user))?;
    let back = form
        .get("back")
        .filter(|b| b.starts_with('/') && !b.starts_with("//"))
        .cloned();
    Ok(see_other(&format!(
        "{}?tb=da-luu",
        back.unwrap_or_else(|| "/chao-hang".into())
    )))
}

/// `/chao-hang`: a producer's offers, the demands its products answer, and
/// the introductions it received or sent.
pub(crate) async fn producer_page(
    S(state): S<State>,
    user: User,
    Query(fq): Query<FlashQuery>,
) -> PageResult {
    let Some(&producer_id) = own_producers(Some(&user)).first() else {
        return Err(error_page(
            &state,
            Some(&user),
            AppError::Forbidden("Trang này dành cho tài khoản chủ thể OCOP.".into()),
        ));
    };
    let today = state.today();
    let candidates = state
        .store
        .producer_candidates(producer_id)
        .await
        .or_page(&state, Some(&user))?;
    let ids: Vec<i64> = candidates.iter().map(|c| c.product_id).collect();
    let products = state
        .store
        .products_by_ids(&ids)
        .await
        .or_page(&state, Some(&user))?;
    let mut offered = Vec::new();
    for (c, p) in candidates.iter().zip(&products) {
        // `expires_on` here already counts a pending re-evaluation's extension.
        let valid = c.expires_on >= today && c.revoked_on.is_none_or(|r| r > today);
        offered.push(json!({
            "product_id": c.product_id, "name": p.product.name, "code": p.product.code, "stars": c.stars,
            "valid": valid, "offer": c.offer,
        }));
    }
    let mut c = ctx(Some(&user), "offers", "Chào hàng và kết nối");
    c.insert("products".into(), json!(offered));
    c.insert(
        "demands".into(),
        json!(matching_demands(&state, producer_id)
            .await
            .or_page(&state, Some(&user))?),
    );
    c.insert(
        "introductions".into(),
        json!(state
            .store
            .introductions(None, Some(producer_id))
            .await
            .or_page(&state, Some(&user))?),
    );
    c.insert("flash".into(), json!(flash_text(fq.tb.as_deref())));
    Ok(render(&state, "matching/offers.html", c))
}

pub(crate) async fn offer_page(
    S(state): S<State>,
    user: User,
    Path(product): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let input = OfferInput {
        capacity: form_count(&form, "capacity"),
        unit: get("unit"),
        season: get("season"),
        price_min: form_count(&form, "price_min"),
        price_max: form_count(&form, "price_max"),
        regions: get("regions")
            .split([',', ' '])
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    };
    set_offer(&state, &user, product, &input)
        .await
        .or_page(&state, Some(&user))?;
    Ok(see_other("/chao-hang?tb=da-luu"))
}

#[derive(Deserialize, Default)]
pub struct AgreementsQuery {
    tinh: Option<String>,
    nam: Option<String>,
}

async fn agreements_view(
    state: &State,
    user: Option<&User>,
    q: &AgreementsQuery,
    error: Option<String>,
    v: Value,
) -> PageResult {
    let province = q.tinh.as_deref().filter(|s| !s.is_empty());
    let year = q.nam.as_deref().and_then(|y| y.parse::<i32>().ok());
    let list = state
        .store
        .list_agreements(&AgreementFilter {
            province,
            event_id: None,
            year,
            producer_id: None,
        })
        .await
        .or_page(state, user)?;
    let (by_province, by_event, by_year) = state
        .store
        .agreement_counts(year)
        .await
        .or_page(state, user)?;
    let named = |rows: Vec<ocop_store::matching::AgreementCount>, province: bool| -> Value {
        json!(rows
            .iter()
            .map(|r| json!({
                "key": r.key, "name": if province { province_name(&r.key) } else { r.key.clone() },
                "count": r.count, "value_text": format_million_vnd(r.value_vnd),
            }))
            .collect::<Vec<_>>())
    };
    let may_record =
        user.is_some_and(|u| u.actor.office_scope().is_some() || !own_producers(user).is_empty());
    let mut c = ctx(user, "agreements", "Thoả thuận hợp tác thương mại");
    c.insert(
        "agreements".into(),
        json!(list.iter().map(agreement_json).collect::<Vec<_>>()),
    );
    c.insert("by_province".into(), named(by_province, true));
    c.insert(
        "by_event".into(),
        named(
            by_event.into_iter().filter(|r| !r.key.is_empty()).collect(),
            false,
        ),
    );
    c.insert("by_year".into(), named(by_year, false));
    c.insert("provinces".into(), province_options());
    c.insert(
        "kinds".into(),
        options(
            AGREEMENT_KINDS
                .iter()
                .map(|(c, l)| (c.to_string(), l.to_string())),
        ),
    );
    c.insert("f".into(), json!({"province": province, "year": year}));
    c.insert("may_record".into(), json!(may_record));
    c.insert("own_producer".into(), json!(own_producers(user).first()));
    c.insert("error".into(), json!(error));
    c.insert("v".into(), v);
    let status = if c["error"].is_null() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(state, "matching/agreements.html", c)).into_response())
}

pub(crate) async fn agreements_page(
    S(state): S<State>,
    viewer: Viewer,
    Query(q): Query<AgreementsQuery>,
) -> PageResult {
    agreements_view(&state, viewer.0.as_ref(), &q, None, json!({})).await
}

pub(crate) async fn create_agreement_page(
    S(state): S<State>,
    user: User,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let input = AgreementInput {
        kind: get("kind"),
        buyer: get("buyer"),
        producer_id: form
            .get("producer_id")
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0),
        product_codes: get("product_codes")
            .split([',', ' ', '\n'])
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        quantity: get("quantity"),
        value: get("value"),
        signed_on: get("signed_on"),
        event_id: form.get("event_id").and_then(|s| s.trim().parse().ok()),
        demand_id: form.get("demand_id").and_then(|s| s.trim().parse().ok()),
    };
    match create_agreement(&state, &user, &input).await {
        Ok(id) => Ok(see_other(&format!("/hop-tac/{id}?tb=da-tao"))),
        Err(e @ AppError::Invalid(_)) => {
            agreements_view(
                &state,
                Some(&user),
                &AgreementsQuery::default(),
                Some(e.summary()),
                json!(form),
            )
            .await
        }
        Err(e) => Err(error_page(&state, Some(&user), e)),
    }
}

pub(crate) async fn agreement_page(
    S(state): S<State>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(fq): Query<FlashQuery>,
) -> PageResult {
    let user = viewer.0.as_ref();
    let a = state.store.agreement(id).await.or_page(&state, user)?;
    let history = state
        .store
        .agreement_history(id)
        .await
        .or_page(&state, user)?;
    let ids: Vec<i64> = a
        .product_ids
        .split(',')
        .filter_map(|s| s.parse().ok())
        .collect();
    let products = state
        .store
        .products_by_ids(&ids)
        .await
        .or_page(&state, user)?;
    let may_update = match user {
        Some(u) => agreement_cap(u, &a).is_ok(),
        None => false,
    };
    let moves: Vec<Value> = AGREEMENT_STATUSES
        .iter()
        .filter(|(c, _)| ocop_domain::matching::agreement_move_allowed(&a.status, c))
        .map(|(c, l)| json!({"value": c, "label": l}))
        .collect();
    let mut c = ctx(user, "agreements", &format!("Thoả thuận số {}", a.id));
    c.insert("a".into(), agreement_json(&a));
    c.insert(
        "products".into(),
        json!(products
            .iter()
            .map(
                |p| json!({"name": p.product.name, "code": p.product.code, "stars": p.stars,
                "url": crate::public::product_path(&p.product.code, &p.product.name)})
            )
            .collect::<Vec<_>>()),
    );
    c.insert(
        "history".into(),
        json!(history
            .iter()
            .map(|h| json!({"at": h.at, "status_label": agreement_status_label(&h.status), "actor_name": h.actor_name, "note": h.note}))
            .collect::<Vec<_>>()),
    );
    c.insert("may_update".into(), json!(may_update && !moves.is_empty()));
    c.insert("moves".into(), json!(moves));
    c.insert("flash".into(), json!(flash_text(fq.tb.as_deref())));
    Ok(render(&state, "matching/agreement.html", c))
}

pub(crate) async fn agreement_status_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    set_agreement_status(
        &state,
        &user,
        id,
        form.get("status").map(String::as_str).unwrap_or(""),
        form.get("note").map(String::as_str).unwrap_or(""),
    )
    .await
    .or_page(&state, Some(&user))?;
    Ok(see_other(&format!("/hop-tac/{id}?tb=da-luu")))
}

/// `/hop-tac/{id}/van-ban.pdf`: the agreement as a document from the
/// template: parties, products with their OCOP certificates, terms,
/// signatures. Public like the agreement itself.
pub async fn agreement_pdf(S(state): S<State>, viewer: Viewer, Path(id): Path<i64>) -> Response {
    let user = viewer.0.as_ref();
    let made = async {
        let a = state.store.agreement(id).await?;
        let producer = state.store.producer(a.producer_id).await?;
        let ids: Vec<i64> = a
            .product_ids
            .split(',')
            .filter_map(|s| s.parse().ok())
            .collect();
        let products = state.store.products_by_ids(&ids).await?;
        agreement_document(&a, &producer, &products).map_err(AppError::Internal)
    }
    .await;
    match made {
        Ok(bytes) => attachment(bytes, crate::pages::PDF, &format!("thoa-thuan-{id}.pdf")),
        Err(e) => error_page(&state, user, e),
    }
}

fn agreement_document(
    a: &AgreementRow,
    producer: &ocop_store::registry::ProducerRow,
    products: &[ocop_store::registry::ProductListItem],
) -> Result<Vec<u8>, String> {
    use ocop_docs::pdf::{Block, PdfDocument, Table};
    use ocop_domain::certificate::format_date;
    let kind = agreement_kind_label(&a.kind).unwrap_or("Thoả thuận");
    let place = a
        .event_name
        .as_deref()
        .map(|e| format!(", tại {e}"))
        .unwrap_or_default();
    let mut blocks = vec![
        Block::Banner(vec![
            "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM".into(),
            "Độc lập – Tự do – Hạnh phúc".into(),
        ]),
        Block::Title(kind.to_uppercase()),
        Block::Paragraph(format!("Số {}/{}-OCOP", a.id, a.signed_on.format("%Y"))),
        Block::Paragraph(format!(
            "Hôm nay, ngày {} tháng {} năm {}{}, chúng tôi gồm:",
            a.signed_on.format("%d"),
            a.signed_on.format("%m"),
            a.signed_on.format("%Y"),
            place
        )),
        Block::Heading("BÊN A (bên mua)".into()),
        Block::Facts(vec![("Tên đơn vị".into(), a.buyer.clone())]),
        Block::Heading("BÊN B (chủ thể OCOP, bên bán)".into()),
        Block::Facts(vec![
            ("Tên chủ thể".into(), producer.name.clone()),
            ("Mã số".into(), producer.registration_number.clone()),
            (
                "Địa chỉ".into(),
                format!(
                    "{}, {}, {}",
                    producer.address,
                    units()
                        .commune(&producer.commune_code)
                        .map(|c| c.name.clone())
                        .unwrap_or_default(),
                    province_name(&producer.province_code)
                ),
            ),
            ("Người đại diện".into(), producer.representative_name.clone()),
        ]),
        Block::Paragraph(format!(
            "Hai bên thống nhất ký {} với các nội dung sau:",
            kind.to_lowercase()
        )),
        Block::Heading("Điều 1. Sản phẩm".into()),
        Block::Table(Table {
            headers: ["Mã sản phẩm", "Tên sản phẩm", "Hạng", "Giấy chứng nhận OCOP", "Hiệu lực đến"]
                .map(String::from)
                .to_vec(),
            widths: vec![2.0, 3.0, 0.8, 2.2, 1.4],
            right: vec![],
            rows: products
                .iter()
                .map(|p| {
                    vec![
                        p.product.code.clone(),
                        p.product.name.clone(),
                        p.stars.map(|s| format!("{s} sao")).unwrap_or_default(),
                        p.certificate_public_number.clone().unwrap_or_default(),
                        p.expires_on.map(format_date).unwrap_or_default(),
                    ]
                })
                .collect(),
        }),
        Block::Heading("Điều 2. Khối lượng và giá trị".into()),
        Block::Facts(vec![
            (
                "Khối lượng".into(),
                a.quantity.clone().unwrap_or_else(|| "theo từng đơn hàng".into()),
            ),
            (
                "Giá trị".into(),
                a.value_vnd
                    .map(format_million_vnd)
                    .unwrap_or_else(|| "theo từng đơn hàng".into()),
            ),
        ]),
        Block::Heading("Điều 3. Cam kết".into()),
        Block::Paragraph("Bên B bảo đảm sản phẩm giao có giấy chứng nhận OCOP còn hiệu lực trong suốt thời gian thực hiện, đúng chất lượng, nhãn mác và truy xuất nguồn gốc đã công bố; khi giấy chứng nhận hết hiệu lực hoặc bị thu hồi, Bên B thông báo ngay cho Bên A.".into()),
        Block::Paragraph("Bên A bảo đảm tiếp nhận, thanh toán theo thoả thuận và giới thiệu sản phẩm đúng thông tin trên hệ thống thông tin OCOP.".into()),
        Block::Heading("Điều 4. Hiệu lực".into()),
        Block::Paragraph(format!(
            "Văn bản có hiệu lực từ ngày ký. Tình trạng hiện tại trên hệ thống: {}.",
            agreement_status_label(&a.status).unwrap_or(&a.status).to_lowercase()
        )),
        Block::Signatures(vec![
            ("ĐẠI DIỆN BÊN A".into(), a.buyer.clone()),
            ("ĐẠI DIỆN BÊN B".into(), producer.representative_name.clone()),
        ]),
    ];
    if products.is_empty() {
        blocks.retain(|b| !matches!(b, Block::Table(_)));
    }
    ocop_docs::pdf::render(&PdfDocument {
        title: format!("{kind} số {}", a.id),
        footer: format!("{kind} số {} · Hệ thống thông tin OCOP", a.id),
        blocks,
    })
}
