//! Dossiers on the web: filing with a self-assessment, the commune's review,
//! resubmission and withdrawal, as pages and as API.

use crate::api::{ApiJson, ApiQuery};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::pages::{
    csrf_of, ctx, error_page, flash_text, history_json, render, see_other, FlashQuery, FormMap,
    OrPage, PageResult,
};
use crate::session::User;
use crate::State;
use axum::extract::{Path, Query, State as S};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use ocop_domain::auth::{authorize, Action, Actor, Role, Scope};
use ocop_domain::calendar::WorkCalendar;
use ocop_domain::criteria::{version_for_filing, NodeKind};
use ocop_domain::dossier::{
    commune_deadline, CommuneReview, DossierCommand, DossierKind, DossierStatus, FilingInput,
};
use ocop_store::dossiers::{DossierFilter, DossierListItem, FilingContext};
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<State> {
    Router::new()
        .route("/ho-so", get(list_page))
        .route("/san-pham/{id}/ho-so/moi", get(new_page).post(file_page))
        .route("/ho-so/{id}", get(show_page))
        .route("/ho-so/{id}/xem-xet", post(review_page))
        .route(
            "/ho-so/{id}/nop-lai",
            get(resubmit_form).post(resubmit_page),
        )
        .route("/ho-so/{id}/sua", get(resubmit_form).post(resubmit_page))
        .route("/ho-so/{id}/nop", post(submit_page))
        .route("/ho-so/{id}/rut", post(withdraw_page))
        .route("/api/v1/products/{id}/dossiers", post(api_file))
        .route("/api/v1/products/{id}/drafts", post(api_file_draft))
        .route("/api/v1/dossiers", get(api_list))
        .route("/api/v1/dossiers/{id}", get(api_get).put(api_save_draft))
        .route("/api/v1/dossiers/{id}/submit", post(api_submit))
        .route("/api/v1/dossiers/{id}/forward", post(api_forward))
        .route("/api/v1/dossiers/{id}/return", post(api_return))
        .route("/api/v1/dossiers/{id}/resubmit", post(api_resubmit))
        .route("/api/v1/dossiers/{id}/withdraw", post(api_withdraw))
}

/// A JSON text column as a value for a page (null when empty or unreadable).
fn json_column(column: &Option<String>) -> serde_json::Value {
    column
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or_default()
}

pub(crate) fn scope_of(d: &ocop_store::dossiers::DossierRow) -> Scope {
    Scope::producer(&d.province_code, &d.commune_code, d.producer_id)
}

/// The dossiers this actor may see: everything nationally, a province's, a
/// commune's, or a producer's own; drafts only their producer's and their author's.
pub(crate) fn visible_filter(actor: &Actor) -> Option<DossierFilter> {
    let mut f = if actor
        .roles
        .iter()
        .any(|r| matches!(r, Role::Admin | Role::Ministry))
    {
        DossierFilter::default()
    } else {
        actor.roles.iter().find_map(|r| match r {
            Role::ProvinceOffice { province } => Some(DossierFilter {
                province: Some(province.clone()),
                ..Default::default()
            }),
            Role::CommuneOfficer { commune, .. } => Some(DossierFilter {
                commune: Some(commune.clone()),
                ..Default::default()
            }),
            Role::Producer { producer_id, .. } => Some(DossierFilter {
                producer_id: Some(*producer_id),
                drafts: true,
                ..Default::default()
            }),
            _ => None,
        })?
    };
    f.drafted_by = Some(actor.user_id);
    Some(f)
}

/// May this actor see the draft: its producer, who started it, or the
/// system's administrator (support)?
fn sees_draft(actor: &Actor, d: &ocop_store::dossiers::DossierRow) -> bool {
    actor.is_admin()
        || d.drafted_by == Some(actor.user_id)
        || actor.roles.iter().any(
            |r| matches!(r, Role::Producer { producer_id, .. } if *producer_id == d.producer_id),
        )
}

pub(crate) async fn load(state: &State, user: &User, id: i64) -> AppResult<DossierListItem> {
    let d = state.store.dossier(id).await?;
    let council_member = d.dossier.round_id.is_some_and(|r| {
        user.actor
            .roles
            .iter()
            .any(|role| matches!(role, Role::CouncilMember { council_id } if *council_id == r))
    });
    if !user.actor.can_read(&scope_of(&d.dossier)) && !council_member {
        return Err(AppError::NotFound("hồ sơ".into()));
    }
    // A draft is its producer's (and its author's) until filed.
    if d.dossier.status == DossierStatus::Draft.code() && !sees_draft(&user.actor, &d.dossier) {
        return Err(AppError::NotFound("hồ sơ".into()));
    }
    Ok(d)
}

/// Validate a filing (or a draft: only what is filled in) for a product
/// against the sheet in force today.
async fn prepare_filing(
    state: &State,
    product_id: i64,
    input: &FilingInput,
    draft: bool,
) -> AppResult<(
    ocop_domain::dossier::Filing,
    String,
    String,
    chrono::NaiveDate,
    chrono::NaiveDate,
)> {
    let x = state.store.product(product_id).await?;
    let today = state.today();
    let version = version_for_filing(today)
        .ok_or_else(|| AppError::Internal("no criteria version in force".into()))?;
    let sheet = version
        .sheet(&x.product.set_code)
        .ok_or_else(|| AppError::NotFound("phiếu đánh giá của bộ sản phẩm".into()))?;
    let filing = if draft {
        input.validate_draft(sheet)?
    } else {
        input.validate(sheet)?
    };
    let deadline = commune_deadline(WorkCalendar::shipped(), today);
    Ok((
        filing,
        version.id.clone(),
        x.product.set_code.clone(),
        today,
        deadline,
    ))
}

async fn file(
    state: &State,
    user: &User,
    product_id: i64,
    input: &FilingInput,
    draft: bool,
) -> AppResult<i64> {
    let x = state.store.product(product_id).await?;
    let cap = authorize(
        &user.actor,
        Action::FileDossier,
        &Scope::producer(
            &x.product.province_code,
            &x.product.commune_code,
            x.product.producer_id,
        ),
    )?;
    let (filing, version, set, today, deadline) =
        prepare_filing(state, product_id, input, draft).await?;
    let ctx = FilingContext {
        criteria_version: &version,
        set_code: &set,
        filed_on: today,
        commune_deadline: deadline,
    };
    Ok(state
        .store
        .file_dossier(&cap, product_id, &filing, &ctx, draft)
        .await?)
}

async fn review(
    state: &State,
    user: &User,
    id: i64,
    cmd: DossierCommand,
    input: &CommuneReview,
) -> AppResult<()> {
    let d = load(state, user, id).await?;
    let cap = authorize(&user.actor, Action::ReviewDossier, &scope_of(&d.dossier))?;
    // Say first that the move is impossible, before asking for its contents
    // (the store checks again, atomically).
    if let Some(from) = DossierStatus::parse(&d.dossier.status) {
        ocop_domain::dossier::transition(from, cmd).map_err(|message| AppError::Conflict {
            field: "status".into(),
            message,
            message_en: "This move is not allowed in the dossier's current state.".into(),
        })?;
    }
    let r = input.validate(cmd)?;
    Ok(state
        .store
        .review_dossier(&cap, id, cmd, &r, state.today())
        .await?)
}

/// The producer's filing on a dossier already created: `Resubmit` after a
/// return, `SaveDraft` or `Submit` on a draft.
async fn refile(
    state: &State,
    user: &User,
    id: i64,
    input: &FilingInput,
    how: DossierCommand,
) -> AppResult<()> {
    let d = load(state, user, id).await?;
    let cap = authorize(&user.actor, Action::FileDossier, &scope_of(&d.dossier))?;
    let (filing, version, set, today, deadline) = prepare_filing(
        state,
        d.dossier.product_id,
        input,
        how == DossierCommand::SaveDraft,
    )
    .await?;
    let ctx = FilingContext {
        criteria_version: &version,
        set_code: &set,
        filed_on: today,
        commune_deadline: deadline,
    };
    Ok(state
        .store
        .refile_dossier(&cap, id, how, &filing, &ctx)
        .await?)
}

/// A dossier's contents as a filing, to edit them or file them as they stand.
fn stored_filing(d: &ocop_store::dossiers::DossierRow, commitment: bool) -> FilingInput {
    let registration: ocop_domain::dossier::Registration = d
        .registration
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or_default();
    FilingInput {
        kind: d.kind.clone(),
        options: serde_json::from_str(&d.self_options).unwrap_or_default(),
        case: d.self_case.clone(),
        note: d.note.clone(),
        representative_title: registration.representative_title,
        phone: registration.phone,
        email: registration.email,
        samples: registration.samples,
        commitment,
    }
}

/// File a draft as it stands (the producer gives the commitment now).
async fn submit_stored(state: &State, user: &User, id: i64, commitment: bool) -> AppResult<()> {
    let d = load(state, user, id).await?;
    refile(
        state,
        user,
        id,
        &stored_filing(&d.dossier, commitment),
        DossierCommand::Submit,
    )
    .await
}

/// Withdraw a dossier (or discard a draft: `Ok(true)`).
async fn withdraw(state: &State, user: &User, id: i64) -> AppResult<bool> {
    let d = load(state, user, id).await?;
    let cap = authorize(&user.actor, Action::FileDossier, &scope_of(&d.dossier))?;
    state
        .store
        .withdraw_dossier(&cap, id, state.today())
        .await?;
    Ok(d.dossier.status == DossierStatus::Draft.code())
}

/// Certificates of the viewer's products (a producer) or province (its
/// office) that expire within the window plus a month's notice and have no
/// dossier under way: the reminder to file a re-evaluation (Art. 7.6.a).
pub(crate) async fn reevaluation_notices(
    state: &State,
    user: &User,
) -> AppResult<serde_json::Value> {
    use ocop_domain::reevaluation::{window, WINDOW_OPENS_DAYS};
    let (province, producer) = match user.actor.roles.iter().find_map(|r| match r {
        Role::Producer { producer_id, .. } => Some((None, Some(*producer_id))),
        Role::ProvinceOffice { province } => Some((Some(province.clone()), None)),
        _ => None,
    }) {
        Some(p) => p,
        None => return Ok(json!(null)),
    };
    let today = state.today();
    let until = today + chrono::Days::new(WINDOW_OPENS_DAYS + 30);
    let (items, total) = state
        .store
        .reevaluation_due(province.as_deref(), producer, today, until, 10)
        .await?;
    if total == 0 {
        return Ok(json!(null));
    }
    let items: Vec<serde_json::Value> = items
        .iter()
        .map(|x| {
            let w = window(x.expires_on);
            json!({"product_id": x.product_id, "product_name": x.product_name, "producer_name": x.producer_name,
                   "number": x.certificate_number, "stars": x.stars, "expires_on": x.expires_on,
                   "opens": w.opens, "closes": w.closes, "open": today >= w.opens, "late": today > w.closes})
        })
        .collect();
    Ok(json!({"items": items, "total": total, "producer": producer.is_some()}))
}

// ---------- API ----------

/// File an evaluation dossier with its self-assessment (Mẫu 01–02). The
/// sheet is the product set's in the criteria version in force today; the
/// commune's deadline is 15 working days.
#[utoipa::path(post, path = "/api/v1/products/{id}/dossiers", tag = "dossiers", params(("id" = i64, Path)), request_body = FilingInput,
    responses((status = 201, body = DossierListItem), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_file(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<FilingInput>,
) -> Response {
    api_create(state, user, id, input, false).await
}

async fn api_create(
    state: State,
    user: User,
    product_id: i64,
    input: FilingInput,
    draft: bool,
) -> Response {
    match file(&state, &user, product_id, &input, draft).await {
        Ok(did) => match state.store.dossier(did).await {
            Ok(d) => (StatusCode::CREATED, Json(d)).into_response(),
            Err(e) => AppError::from(e).json(),
        },
        Err(e) => e.json(),
    }
}

/// Start a dossier as a draft: saved with whatever is filled in (what is
/// filled in must be right), seen by the producer only, no deadline running.
/// Evidence may be attached to it; `POST /api/v1/dossiers/{id}/submit` files it.
#[utoipa::path(post, path = "/api/v1/products/{id}/drafts", tag = "dossiers", params(("id" = i64, Path)), request_body = FilingInput,
    responses((status = 201, body = DossierListItem), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_file_draft(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<FilingInput>,
) -> Response {
    api_create(state, user, id, input, true).await
}

/// Save a draft's contents again (the whole filing replaces the draft's).
#[utoipa::path(put, path = "/api/v1/dossiers/{id}", tag = "dossiers", params(("id" = i64, Path)), request_body = FilingInput,
    responses((status = 200, body = DossierListItem), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_save_draft(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<FilingInput>,
) -> Response {
    api_refile(state, user, id, input, DossierCommand::SaveDraft).await
}

async fn api_refile(
    state: State,
    user: User,
    id: i64,
    input: FilingInput,
    how: DossierCommand,
) -> Response {
    match refile(&state, &user, id, &input, how).await {
        Ok(()) => api_get(S(state), user, Path(id)).await,
        Err(e) => e.json(),
    }
}

/// Filing a draft: the producer's commitment (Mẫu 01) is given now.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SubmitInput {
    pub commitment: bool,
}

/// File a draft with the commune as it stands: it must now be complete
/// (422 lists what is missing); the commune's 15 working days start, and
/// an upgrade or re-evaluation is checked against the product's certificate.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/submit", tag = "dossiers", params(("id" = i64, Path)), request_body = SubmitInput,
    responses((status = 200, body = DossierListItem), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_submit(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<SubmitInput>,
) -> Response {
    match submit_stored(&state, &user, id, input.commitment).await {
        Ok(()) => api_get(S(state), user, Path(id)).await,
        Err(e) => e.json(),
    }
}

#[derive(Deserialize, utoipa::IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct DossierQuery {
    /// submitted, returned, forwarded, withdrawn
    pub status: Option<String>,
    /// Page number, from 1 (past the last page: the last page).
    pub page: Option<i64>,
    /// Dossiers per page, 1–200 (default 50).
    pub per_page: Option<i64>,
}

/// Dossiers visible to the caller (a commune's, a province's, a producer's own), oldest deadline first, paged.
#[utoipa::path(get, path = "/api/v1/dossiers", tag = "dossiers", params(DossierQuery),
    responses((status = 200, body = ocop_store::Page<DossierListItem>), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_list(
    S(state): S<State>,
    user: User,
    ApiQuery(q): ApiQuery<DossierQuery>,
) -> Response {
    let Some(mut f) = visible_filter(&user.actor) else {
        return AppError::Forbidden("Bạn không xem được hồ sơ đánh giá.".into()).json();
    };
    let (page, per_page) = match crate::api::check_paging(q.page, q.per_page) {
        Ok(p) => p,
        Err(e) => return e.json(),
    };
    if let Some(s) = q.status.filter(|s| !s.is_empty()) {
        if DossierStatus::parse(&s).is_none() {
            return AppError::bad_request(
                "bad_query",
                "Tham số status không hợp lệ.",
                "status: unknown value.",
            )
            .json();
        }
        f.status = Some(s);
    }
    match state.store.dossiers_page(&f, page, per_page).await {
        Ok(list) => Json(list).into_response(),
        Err(e) => AppError::from(e).json(),
    }
}

/// One dossier.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}", tag = "dossiers", params(("id" = i64, Path)),
    responses((status = 200, body = DossierListItem), (status = 404, body = ErrorBody)))]
pub async fn api_get(S(state): S<State>, user: User, Path(id): Path<i64>) -> Response {
    match load(&state, &user, id).await {
        Ok(d) => Json(d).into_response(),
        Err(e) => e.json(),
    }
}

async fn api_review(
    state: State,
    user: User,
    id: i64,
    cmd: DossierCommand,
    input: CommuneReview,
) -> Response {
    match review(&state, &user, id, cmd, &input).await {
        Ok(()) => api_get(S(state), user, Path(id)).await,
        Err(e) => e.json(),
    }
}

/// The commune forwards a complete dossier to the province with its review (Mẫu 03).
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/forward", tag = "dossiers", params(("id" = i64, Path)), request_body = CommuneReview,
    responses((status = 200, body = DossierListItem), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_forward(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<CommuneReview>,
) -> Response {
    api_review(state, user, id, DossierCommand::Forward, input).await
}

/// The commune returns a dossier for completion (`conclusion` says what is missing).
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/return", tag = "dossiers", params(("id" = i64, Path)), request_body = CommuneReview,
    responses((status = 200, body = DossierListItem), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_return(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<CommuneReview>,
) -> Response {
    api_review(state, user, id, DossierCommand::Return, input).await
}

/// File a returned dossier again with a new self-assessment; the commune's 15 working days restart.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/resubmit", tag = "dossiers", params(("id" = i64, Path)), request_body = FilingInput,
    responses((status = 200, body = DossierListItem), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_resubmit(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<FilingInput>,
) -> Response {
    api_refile(state, user, id, input, DossierCommand::Resubmit).await
}

/// Withdraw a dossier not yet forwarded.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/withdraw", tag = "dossiers", params(("id" = i64, Path)),
    responses((status = 200, body = DossierListItem), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_withdraw(S(state): S<State>, user: User, Path(id): Path<i64>) -> Response {
    match withdraw(&state, &user, id).await {
        Ok(_) => api_get(S(state), user, Path(id)).await,
        Err(e) => e.json(),
    }
}

// ---------- pages ----------

fn status_label(code: &str) -> &'static str {
    DossierStatus::parse(code).map(|s| s.label()).unwrap_or("")
}

fn kind_label(code: &str) -> &'static str {
    DossierKind::parse(code).map(|k| k.label()).unwrap_or("")
}

fn item_json(d: &DossierListItem, today: chrono::NaiveDate) -> serde_json::Value {
    let mut v = json!(d);
    v["status_label"] = json!(status_label(&d.dossier.status));
    v["kind_label"] = json!(kind_label(&d.dossier.kind));
    v["overdue"] = json!(d.dossier.status == "submitted" && today > d.dossier.commune_deadline);
    v["days_left"] = json!(if d.dossier.status == "submitted" {
        Some(WorkCalendar::shipped().working_days_between(today, d.dossier.commune_deadline))
    } else {
        None
    });
    v
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    tinh_trang: Option<String>,
    trang: Option<i64>,
}

/// Dossiers per page of the list.
const LIST_PAGE: i64 = 100;

pub(crate) async fn list_page(
    S(state): S<State>,
    user: User,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let Some(mut f) = visible_filter(&user.actor) else {
        return Err(error_page(
            &state,
            Some(&user),
            AppError::Forbidden("Bạn không xem được hồ sơ đánh giá.".into()),
        ));
    };
    f.status = q.tinh_trang.filter(|s| DossierStatus::parse(s).is_some());
    let list = state
        .store
        .dossiers_page(&f, q.trang.unwrap_or(1), LIST_PAGE)
        .await
        .or_page(&state, Some(&user))?;
    let today = state.today();
    let mut c = ctx(Some(&user), "dossiers", "Hồ sơ đánh giá");
    c.insert(
        "items".into(),
        json!(list
            .items
            .iter()
            .map(|d| item_json(d, today))
            .collect::<Vec<_>>()),
    );
    c.insert(
        "page".into(),
        json!({"total": list.total, "page": list.page, "pages": list.pages()}),
    );
    c.insert(
        "base_url".into(),
        json!(match &f.status {
            Some(s) => format!("/ho-so?tinh_trang={s}"),
            None => "/ho-so?".to_string(),
        }),
    );
    c.insert("status".into(), json!(f.status));
    Ok(render(&state, "dossiers/list.html", c))
}

/// The sheet as a form tree (shared with the calculator page's macro).
fn sheet_nodes(
    set: &str,
    today: chrono::NaiveDate,
) -> AppResult<(serde_json::Value, serde_json::Value, String)> {
    let v = version_for_filing(today)
        .ok_or_else(|| AppError::Internal("no criteria version".into()))?;
    let sheet = v
        .sheet(set)
        .ok_or_else(|| AppError::NotFound("phiếu đánh giá".into()))?;
    let nodes = json!(sheet
        .tree()
        .iter()
        .map(crate::pages::criteria_tree_json)
        .collect::<Vec<_>>());
    let cases = if sheet.cases().is_empty() {
        json!(null)
    } else {
        json!(v.cases)
    };
    Ok((nodes, cases, v.title.clone()))
}

#[allow(clippy::too_many_arguments)]
async fn filing_form(
    state: &State,
    user: &User,
    product: &ocop_store::registry::ProductListItem,
    action: &str,
    mode: &str,
    v: serde_json::Value,
    errors: Option<String>,
    selected: serde_json::Value,
) -> AppResult<Response> {
    let (nodes, cases, version_title) = sheet_nodes(&product.product.set_code, state.today())?;
    // Mẫu 01 names the producer and its representative from the registry.
    let producer = state.store.producer(product.product.producer_id).await?;
    let mut c = ctx(Some(user), "dossiers", "Nộp hồ sơ đánh giá, phân hạng");
    c.insert("x".into(), json!(product));
    c.insert("producer".into(), json!(producer));
    c.insert(
        "tourism".into(),
        json!(product.product.set_code == ocop_domain::dossier::TOURISM_SET),
    );
    c.insert("action".into(), json!(action));
    c.insert("mode".into(), json!(mode));
    c.insert("v".into(), v);
    c.insert("error".into(), json!(errors));
    c.insert("nodes".into(), nodes);
    c.insert("cases".into(), cases);
    c.insert("version_title".into(), json!(version_title));
    c.insert("selected".into(), selected);
    c.insert(
        "kinds".into(),
        crate::pages::options(
            DossierKind::ALL
                .iter()
                .map(|k| (k.code().to_string(), k.label().to_string())),
        ),
    );
    Ok(render(state, "dossiers/form.html", c))
}

/// Form fields to a filing: every field but the known ones is "criterion = option".
fn filing_from_form(form: &FormMap) -> (FilingInput, serde_json::Value) {
    let mut selected = serde_json::Map::new();
    let mut options = Vec::new();
    for (k, v) in form {
        if matches!(
            k.as_str(),
            "_csrf"
                | "hanh_dong"
                | "kind"
                | "note"
                | "truong_hop"
                | "representative_title"
                | "phone"
                | "email"
                | "samples"
                | "commitment"
        ) || v.is_empty()
        {
            continue;
        }
        selected.insert(k.clone(), json!(v));
        options.push(v.clone());
    }
    (
        FilingInput {
            kind: form.get("kind").cloned().unwrap_or_default(),
            options,
            case: form.get("truong_hop").cloned().filter(|c| !c.is_empty()),
            note: form.get("note").cloned().unwrap_or_default(),
            representative_title: form
                .get("representative_title")
                .cloned()
                .unwrap_or_default(),
            phone: form.get("phone").cloned().unwrap_or_default(),
            email: form.get("email").cloned().unwrap_or_default(),
            samples: form.get("samples").and_then(|s| s.trim().parse().ok()),
            commitment: form.contains_key("commitment"),
        },
        serde_json::Value::Object(selected),
    )
}

#[derive(Deserialize, Default)]
pub(crate) struct NewQuery {
    /// first, upgrade or reevaluation; otherwise what the product's certificate suggests.
    loai: Option<String>,
}

/// The kind a new dossier most likely is: re-evaluation inside the window,
/// upgrade with a certificate in force below 5★, else a first evaluation.
fn likely_kind(
    held: Option<ocop_domain::reevaluation::HeldCertificate>,
    today: chrono::NaiveDate,
) -> DossierKind {
    use ocop_domain::reevaluation::basis;
    [DossierKind::Reevaluation, DossierKind::Upgrade]
        .into_iter()
        .find(|k| basis(*k, held, today).is_ok())
        .unwrap_or(DossierKind::First)
}

pub(crate) async fn new_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Query(q): Query<NewQuery>,
) -> PageResult {
    let x = state.store.product(id).await.or_page(&state, Some(&user))?;
    authorize(
        &user.actor,
        Action::FileDossier,
        &Scope::producer(
            &x.product.province_code,
            &x.product.commune_code,
            x.product.producer_id,
        ),
    )
    .or_page(&state, Some(&user))?;
    let kind = match q.loai.as_deref().and_then(DossierKind::parse) {
        Some(k) => k,
        None => likely_kind(
            state
                .store
                .held_certificate(id)
                .await
                .or_page(&state, Some(&user))?,
            state.today(),
        ),
    };
    filing_form(
        &state,
        &user,
        &x,
        &format!("/san-pham/{id}/ho-so/moi"),
        "new",
        json!({"kind": kind.code()}),
        None,
        json!({}),
    )
    .await
    .or_page(&state, Some(&user))
}

/// The filing form's buttons: "nhap" saves a draft, anything else files.
fn wants_draft(form: &FormMap) -> bool {
    form.get("hanh_dong").map(String::as_str) == Some("nhap")
}

pub(crate) async fn file_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let (input, selected) = filing_from_form(&form);
    let draft = wants_draft(&form);
    match file(&state, &user, id, &input, draft).await {
        Ok(did) => Ok(see_other(&format!(
            "/ho-so/{did}?tb={}",
            if draft { "da-luu-nhap" } else { "da-nop" }
        ))),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let x = state.store.product(id).await.or_page(&state, Some(&user))?;
            let page = filing_form(
                &state,
                &user,
                &x,
                &format!("/san-pham/{id}/ho-so/moi"),
                "new",
                json!(form),
                Some(e.summary()),
                selected,
            )
            .await
            .or_page(&state, Some(&user))?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(error_page(&state, Some(&user), e)),
    }
}

/// Edit a draft, or complete a returned dossier, on the filing form.
pub(crate) async fn resubmit_form(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
) -> PageResult {
    let d = load(&state, &user, id).await.or_page(&state, Some(&user))?;
    let x = state
        .store
        .product(d.dossier.product_id)
        .await
        .or_page(&state, Some(&user))?;
    let stored = stored_filing(&d.dossier, false);
    let mut selected = serde_json::Map::new();
    if let Some(sheet) = d.dossier.sheet() {
        for o in &stored.options {
            if let Some(parent) = sheet
                .node(o)
                .and_then(|n| n.parent)
                .map(|p| sheet.nodes[p].id.clone())
            {
                selected.insert(parent, json!(o));
            }
        }
    }
    filing_form(
        &state,
        &user,
        &x,
        &format!("/ho-so/{id}/sua"),
        edit_mode(&d),
        json!({"kind": stored.kind, "note": stored.note, "truong_hop": stored.case,
               "representative_title": stored.representative_title, "phone": stored.phone,
               "email": stored.email, "samples": stored.samples}),
        None,
        serde_json::Value::Object(selected),
    )
    .await
    .or_page(&state, Some(&user))
}

/// How the filing form edits an existing dossier: a draft (save or file) or a return (file again).
fn edit_mode(d: &DossierListItem) -> &'static str {
    if d.dossier.status == DossierStatus::Draft.code() {
        "draft"
    } else {
        "returned"
    }
}

pub(crate) async fn resubmit_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let (input, selected) = filing_from_form(&form);
    let d = load(&state, &user, id).await.or_page(&state, Some(&user))?;
    let (how, flash) = match (edit_mode(&d), wants_draft(&form)) {
        ("draft", true) => (DossierCommand::SaveDraft, "da-luu-nhap"),
        ("draft", false) => (DossierCommand::Submit, "da-nop"),
        _ => (DossierCommand::Resubmit, "da-nop"),
    };
    match refile(&state, &user, id, &input, how).await {
        Ok(()) => Ok(see_other(&format!("/ho-so/{id}?tb={flash}"))),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let x = state
                .store
                .product(d.dossier.product_id)
                .await
                .or_page(&state, Some(&user))?;
            let page = filing_form(
                &state,
                &user,
                &x,
                &format!("/ho-so/{id}/sua"),
                edit_mode(&d),
                json!(form),
                Some(e.summary()),
                selected,
            )
            .await
            .or_page(&state, Some(&user))?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(error_page(&state, Some(&user), e)),
    }
}

/// File a draft as it stands, from its page (the commitment box ticked there).
pub(crate) async fn submit_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    match submit_stored(&state, &user, id, form.contains_key("commitment")).await {
        Ok(()) => Ok(see_other(&format!("/ho-so/{id}?tb=da-nop"))),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            shown_again(&state, &user, id, "submit", e, json!({})).await
        }
        Err(e) => Err(error_page(&state, Some(&user), e)),
    }
}

pub(crate) async fn show_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Query(fq): Query<FlashQuery>,
) -> PageResult {
    show(&state, &user, id, flash_text(fq.tb.as_deref()), None).await
}

/// The dossier page again, with a refused form's message and what was typed (422).
pub(crate) async fn shown_again(
    state: &State,
    user: &User,
    id: i64,
    form: &'static str,
    e: AppError,
    values: serde_json::Value,
) -> PageResult {
    let refused = Refused {
        form,
        message: e.summary(),
        values,
    };
    let page = show(state, user, id, None, Some(refused)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// A form of the dossier page that was refused: shown again with its
/// message and what was typed.
struct Refused {
    /// "review", "submit" or "comment".
    form: &'static str,
    message: String,
    values: serde_json::Value,
}

async fn show(
    state: &State,
    user: &User,
    id: i64,
    flash: Option<&str>,
    refused: Option<Refused>,
) -> PageResult {
    let d = load(state, user, id).await.or_page(state, Some(user))?;
    let scope = scope_of(&d.dossier);
    let options: Vec<String> = serde_json::from_str(&d.dossier.self_options).unwrap_or_default();
    let version = ocop_domain::criteria::version(&d.dossier.criteria_version);
    let sheet = d.dossier.sheet();
    // The self-assessment, re-evaluated on its own version's sheet.
    let evaluation = sheet.and_then(|s| s.evaluate(&options, d.dossier.self_case.as_deref()).ok());
    let ticked: Vec<serde_json::Value> = sheet
        .map(|s| {
            options
                .iter()
                .filter_map(|o| s.node(o))
                .filter(|n| n.kind == NodeKind::Option)
                .map(|n| {
                    let parent = n.parent.map(|p| &s.nodes[p]);
                    json!({"criterion": parent.map(|p| p.title.clone()), "criterion_id": parent.map(|p| p.id.clone()),
                           "option": n.title, "points": n.points})
                })
                .collect()
        })
        .unwrap_or_default();
    let history = state
        .store
        .history("dossier", &id.to_string())
        .await
        .or_page(state, Some(user))?;
    let review: Option<CommuneReview> = d
        .dossier
        .review
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok());
    let status = d.dossier.status.as_str();
    let draft = status == DossierStatus::Draft.code();
    let may_file = authorize(&user.actor, Action::FileDossier, &scope).is_ok();
    let mut c = ctx(Some(user), "dossiers", &format!("Hồ sơ #{id}"));
    c.insert("draft".into(), json!(draft));
    // A draft: what still keeps it from being filed, said before the producer tries.
    if draft && may_file {
        let mut missing: Vec<String> = match sheet {
            Some(s) => match stored_filing(&d.dossier, true).validate(s) {
                Ok(_) => vec![],
                Err(e) => e.0.iter().map(|x| x.message.clone()).collect(),
            },
            None => vec![],
        };
        if let Some(kind) = DossierKind::parse(&d.dossier.kind) {
            let held = state
                .store
                .held_certificate(d.dossier.product_id)
                .await
                .or_page(state, Some(user))?;
            if let Err(m) = ocop_domain::reevaluation::basis(kind, held, state.today()) {
                missing.push(m);
            }
        }
        c.insert("draft_missing".into(), json!(missing));
    }
    // The thread: every party reads every comment; who may write.
    let (comments, can_comment) = crate::dossier_thread::for_page(state, user, &d.dossier)
        .await
        .or_page(state, Some(user))?;
    c.insert("comments".into(), comments);
    c.insert("can_comment".into(), json!(can_comment));
    c.insert("d".into(), item_json(&d, state.today()));
    c.insert(
        "version_title".into(),
        json!(version.map(|v| v.title.clone())),
    );
    c.insert("evaluation".into(), json!(evaluation));
    c.insert("ticked".into(), json!(ticked));
    c.insert("review".into(), json!(review));
    c.insert("history".into(), history_json(&history));
    c.insert(
        "can_review".into(),
        json!(
            status == "submitted" && authorize(&user.actor, Action::ReviewDossier, &scope).is_ok()
        ),
    );
    c.insert(
        "can_resubmit".into(),
        json!(status == "returned" && authorize(&user.actor, Action::FileDossier, &scope).is_ok()),
    );
    c.insert(
        "can_withdraw".into(),
        json!(matches!(status, "draft" | "submitted" | "returned") && may_file),
    );
    // The province's decision on a scored dossier (3★–4★: recognition and
    // certificate; 90+ at 5★: sent to the ministry; below 3★: not recognised).
    // The decision: the province's, or the ministry's on a central council's result.
    let decision_scope = crate::rounds::decision_scope(state, &d.dossier)
        .await
        .or_page(state, Some(user))?;
    let central = decision_scope.province.is_none();
    c.insert(
        "can_decide".into(),
        json!(
            matches!(status, "scored" | "returned_by_ministry")
                && authorize(&user.actor, Action::IssueDecision, &decision_scope).is_ok()
        ),
    );
    c.insert("central_decision".into(), json!(central));
    // Rejection on a knock-out condition of the sheet, and its ground once recorded.
    let knockouts: Vec<serde_json::Value> = sheet
        .map(|s| {
            s.nodes
                .iter()
                .filter(|n| n.kind == NodeKind::Knockout)
                .map(|n| json!({"id": n.id, "title": n.title}))
                .collect()
        })
        .unwrap_or_default();
    // The office's (or, at the centre, the ministry's) moves on the dossier.
    let manages = authorize(
        &user.actor,
        Action::ManageRound,
        &crate::rounds::manage_scope(state, &d.dossier)
            .await
            .or_page(state, Some(user))?,
    )
    .is_ok();
    let may_reject =
        matches!(status, "forwarded" | "in_round" | "scored") && !knockouts.is_empty() && manages;
    c.insert("can_reject".into(), json!(may_reject));
    // The advisory team's report, read by the council before scoring.
    c.insert("advisory".into(), json_column(&d.dossier.advisory_report));
    c.insert(
        "can_advise".into(),
        json!(matches!(status, "forwarded" | "in_round" | "sent_to_ministry") && manages),
    );
    c.insert("knockouts".into(), json!(knockouts));
    c.insert("rejection".into(), json_column(&d.dossier.rejection));
    c.insert(
        "default_issuer".into(),
        json!(if central {
            Some(crate::rounds::MINISTRY.to_string())
        } else {
            ocop_domain::admin_units::units()
                .province(&d.dossier.province_code)
                .map(|p| format!("UBND {}", p.name))
        }),
    );
    // Mẫu 01: its own facts and the receipt number the commune writes on it.
    c.insert("registration".into(), json_column(&d.dossier.registration));
    c.insert(
        "receipt_number".into(),
        json!(format!(
            "{}/PĐK-{}-{}-{}",
            d.dossier.id,
            d.dossier.province_code,
            d.dossier.commune_code,
            chrono::Datelike::year(&d.dossier.filed_on)
        )),
    );
    // Evidence files: by criterion, with who may add and remove them now.
    let evidence = state
        .store
        .evidence_of(id)
        .await
        .or_page(state, Some(user))?;
    let title_of = |cid: &str| {
        sheet
            .and_then(|s| s.node(cid))
            .map(|n| format!("{} {}", n.id, n.title))
            .unwrap_or_else(|| "Hồ sơ chung".into())
    };
    c.insert(
        "evidence".into(),
        json!(evidence
            .iter()
            .map(|e| json!({"id": e.id, "criterion_id": e.criterion_id, "criterion": title_of(&e.criterion_id),
                            "filename": e.filename, "size_kb": (e.size + 1023) / 1024, "uploaded_at": e.uploaded_at,
                            "href": format!("/ho-so/{id}/minh-chung/{}", e.id)}))
            .collect::<Vec<_>>()),
    );
    c.insert(
        "can_add_evidence".into(),
        json!(may_file && crate::evidence::may_add(status)),
    );
    c.insert(
        "can_remove_evidence".into(),
        json!(may_file && crate::evidence::may_remove(status)),
    );
    c.insert(
        "criteria".into(),
        json!(sheet
            .map(|s| s
                .nodes
                .iter()
                .filter(|n| n.kind == NodeKind::Criterion)
                .map(|n| json!({"id": n.id, "title": format!("{} {}", n.id, n.title)}))
                .collect::<Vec<_>>())
            .unwrap_or_default()),
    );
    // An upgrade or re-evaluation: the certificate it builds on, and for a
    // re-evaluation the 45 days from the province's receipt (Art. 7.6.g).
    if let Some(cid) = d.dossier.certificate_id {
        let basis = state
            .store
            .certificate(cid)
            .await
            .or_page(state, Some(user))?;
        let today = state.today();
        c.insert(
            "basis".into(),
            json!({"number": basis.number, "stars": basis.stars, "expires_on": basis.expires_on,
                   "extended_until": basis.extended_until, "status": basis.status(today).code(),
                   "status_label": basis.status(today).label()}),
        );
    }
    // Art. 5: the regular round by which a forwarded dossier is evaluated.
    if let (Some(received), "forwarded" | "in_round" | "scored") = (d.dossier.reviewed_on, status) {
        if d.dossier.provincial_round_id.is_none() {
            let due = ocop_domain::round_calendar::evaluated_by(
                ocop_domain::dossier::RoundLevel::Province,
                received,
            );
            c.insert(
                "art5_due".into(),
                json!({"on": due, "late": status == "forwarded" && state.today() > due}),
            );
        }
    }
    if d.dossier.kind == "reevaluation" {
        if let Some(received) = d.dossier.reviewed_on.filter(|_| status != "returned") {
            let due = ocop_domain::reevaluation::decision_due(received);
            let open = matches!(
                status,
                "forwarded" | "in_round" | "scored" | "sent_to_ministry"
            );
            c.insert(
                "reevaluation_due".into(),
                json!({"on": due, "overdue": open && state.today() > due}),
            );
        }
    }
    c.insert("flash".into(), json!(flash));
    let (form, message, values) = refused
        .map(|r| (r.form, Some(r.message), r.values))
        .unwrap_or(("", None, json!({})));
    c.insert(
        "refused".into(),
        json!({"form": form, "message": message, "values": values}),
    );
    Ok(render(state, "dossiers/show.html", c))
}

pub(crate) async fn review_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let cmd = match form.get("quyet_dinh").map(String::as_str) {
        Some("forward") => DossierCommand::Forward,
        Some("return") => DossierCommand::Return,
        _ => {
            return Err(error_page(
                &state,
                Some(&user),
                AppError::bad_request(
                    "bad_form",
                    "Chọn chuyển lên tỉnh hoặc trả lại.",
                    "choose forward or return",
                ),
            ))
        }
    };
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let input = CommuneReview {
        complete: form.contains_key("complete"),
        local_raw_materials: get("local_raw_materials"),
        local_labour: get("local_labour"),
        idea_origin: get("idea_origin"),
        local_identity: get("local_identity"),
        conclusion: get("conclusion"),
    };
    match review(&state, &user, id, cmd, &input).await {
        Ok(()) => Ok(see_other(&format!(
            "/ho-so/{id}?tb={}",
            if cmd == DossierCommand::Forward {
                "da-chuyen"
            } else {
                "da-tra-lai"
            }
        ))),
        Err(e @ AppError::Invalid(_)) => {
            shown_again(&state, &user, id, "review", e, json!(form)).await
        }
        Err(e) => Err(error_page(&state, Some(&user), e)),
    }
}

pub(crate) async fn withdraw_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let draft = withdraw(&state, &user, id)
        .await
        .or_page(&state, Some(&user))?;
    Ok(see_other(&format!(
        "/ho-so/{id}?tb={}",
        if draft { "da-huy-nhap" } else { "da-rut" }
    )))
}
