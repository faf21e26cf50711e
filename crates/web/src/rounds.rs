//! Provincial rounds on the web: the office sets up a round and its council,
//! assigns forwarded dossiers, and closes scoring with the consolidated
//! result; each member scores independently and sees the others' totals
//! only after submitting their own sheet.

use crate::api::ApiJson;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::pages::{
    csrf_of, ctx, error_page, flash_text, render, see_other, FlashQuery, FormMap, OrPage,
    PageResult,
};
use crate::session::User;
use crate::State;
use axum::extract::{Path, Query, State as S};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Form, Json, Router};
use ocop_domain::auth::{authorize, Action, Role, Scope};
use ocop_domain::criteria::Consolidated;
use ocop_domain::dossier::RoundLevel;
use ocop_store::rounds::{RoundRow, ScoreSheetRow};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Default largest gap between members' totals before the council must
/// discuss and re-score (a provincial rule; set per round).
pub const DEFAULT_MAX_SPREAD: f64 = 10.0;

/// Default quorum: 75% of the council's members, the chair among them,
/// score each dossier (a common provincial rule; set per round).
pub const DEFAULT_QUORUM_PCT: i64 = 75;

pub fn routes() -> Router<State> {
    Router::new()
        .route("/dot-danh-gia", get(list_page).post(create_page))
        .route("/dot-danh-gia/{id}", get(round_page))
        .route("/dot-danh-gia/{id}/ket-qua.{ext}", get(results_file))
        .route("/ho-so/{id}/phieu/{file}", get(score_sheet_pdf))
        .route("/ho-so/{id}/mo-lai-cham", post(reopen_page))
        .route("/ho-so/{id}/xung-dot", post(conflict_page))
        .route("/api/v1/dossiers/{id}/conflict", post(api_conflict))
        .route("/api/v1/dossiers/{id}/reopen-scoring", post(api_reopen))
        .route("/dot-danh-gia/{id}/thanh-vien", post(member_page))
        .route("/dot-danh-gia/{id}/ho-so/{dossier}", post(assign_page))
        .route("/ho-so/{id}/cham", get(score_form).post(score_page))
        .route("/ho-so/{id}/ket-thuc-cham", post(close_page))
        .route("/api/v1/rounds", post(api_create))
        .route("/api/v1/rounds/{id}/members", post(api_member))
        .route("/api/v1/rounds/{id}/dossiers/{dossier}", post(api_assign))
        .route(
            "/api/v1/dossiers/{id}/score-sheets",
            get(api_sheets).post(api_score),
        )
        .route("/api/v1/dossiers/{id}/close-scoring", post(api_close))
        .route("/api/v1/dossiers/{id}/decision", post(api_decide))
        .route("/api/v1/dossiers/{id}/reject", post(api_reject))
        .route(
            "/api/v1/dossiers/{id}/advisory-report",
            post(api_advisory_report),
        )
        .route("/ho-so/{id}/bao-cao-tu-van", post(advisory_report_page))
        .route("/api/v1/rounds/{id}/advisory-team", put(api_advisory_team))
        .route("/dot-danh-gia/{id}/to-tu-van", post(advisory_team_page))
        .route("/ho-so/{id}/loai", post(reject_page))
        .route("/ho-so/{id}/quyet-dinh", post(decide_page))
}

#[derive(Deserialize, Serialize, utoipa::ToSchema, Default)]
#[serde(default)]
pub struct NewRound {
    /// province (default) or central: the ministry's round for potential 5★ dossiers.
    #[serde(default)]
    pub level: String,
    /// The province's code; ignored for a central round.
    #[serde(default)]
    pub province: String,
    pub name: String,
    /// dd/mm/yyyy or yyyy-mm-dd.
    pub scoring_deadline: String,
    /// Largest allowed gap between members' totals (default 10).
    pub max_spread: Option<f64>,
    /// Share of the council's members, in percent, whose sheets a result
    /// needs, the chair's among them (default 75).
    pub quorum_pct: Option<i64>,
}

async fn create(state: &State, user: &User, r: &NewRound) -> AppResult<i64> {
    let province = ocop_domain::text::clean(&r.province);
    let level = RoundLevel::parse(&r.level).ok_or_else(|| {
        let mut e = ocop_domain::ValidationErrors::new();
        e.add(
            "level",
            "invalid_choice",
            "Cấp đánh giá là tỉnh (province) hoặc trung ương (central).",
            "level must be province or central",
        );
        AppError::Invalid(e)
    })?;
    // A central round is the ministry's (national scope) and belongs to no province.
    let cap = authorize(
        &user.actor,
        Action::ManageRound,
        &match level {
            RoundLevel::Province => Scope::province(&province),
            RoundLevel::Central => Scope::national(),
        },
    )?;
    let mut errors = ocop_domain::ValidationErrors::new();
    if level == RoundLevel::Province
        && ocop_domain::admin_units::units()
            .province(&province)
            .is_none()
    {
        errors.add(
            "province",
            "unknown",
            "Mã tỉnh không có.",
            "unknown province",
        );
    }
    let name = ocop_domain::text::clean(&r.name);
    if name.is_empty() {
        errors.required("name", "Tên đợt đánh giá");
    }
    let deadline = ocop_domain::certificate::parse_date(&r.scoring_deadline);
    if deadline.is_none() {
        errors.add(
            "scoring_deadline",
            "invalid_format",
            "Hạn chấm điểm phải có dạng ngày/tháng/năm.",
            "scoring_deadline must be a date",
        );
    }
    let spread = r.max_spread.unwrap_or(DEFAULT_MAX_SPREAD);
    if !(0.0..=100.0).contains(&spread) {
        errors.add(
            "max_spread",
            "out_of_range",
            "Chênh lệch tối đa phải từ 0 đến 100 điểm.",
            "max_spread must be 0..100",
        );
    }
    let quorum = r.quorum_pct.unwrap_or(DEFAULT_QUORUM_PCT);
    if !(50..=100).contains(&quorum) {
        errors.add(
            "quorum_pct",
            "out_of_range",
            "Tỷ lệ tối thiểu thành viên chấm điểm phải từ 50% đến 100%.",
            "quorum_pct must be 50..100",
        );
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok(state
        .store
        .create_round(
            &cap,
            (level == RoundLevel::Province).then_some(province.as_str()),
            &name,
            deadline.expect("checked"),
            spread,
            quorum,
        )
        .await?)
}

/// A dossier's current round and the scope of its council's records.
async fn dossier_council(
    state: &State,
    d: &ocop_store::dossiers::DossierRow,
) -> AppResult<(i64, Scope)> {
    let round_id = d
        .round_id
        .ok_or_else(|| AppError::NotFound("đợt đánh giá của hồ sơ".into()))?;
    Ok((round_id, round_scope(state, round_id).await?.1))
}

async fn round_scope(state: &State, id: i64) -> AppResult<(RoundRow, Scope)> {
    let r = state.store.round(id).await?;
    let scope = Scope::council(r.province_code.as_deref(), r.id);
    Ok((r, scope))
}

async fn add_member(state: &State, user: &User, id: i64, body: &NewMember) -> AppResult<()> {
    let (_, scope) = round_scope(state, id).await?;
    let cap = authorize(&user.actor, Action::ManageRound, &scope)?;
    let seat = ocop_domain::council::seat(body.chair, &body.organisation, &body.capacity)?;
    let username = body.username.trim();
    let member = state
        .store
        .user_by_username(username)
        .await?
        .ok_or_else(|| AppError::Conflict {
            field: "username".into(),
            message: format!("Không có người dùng \"{username}\"."),
            message_en: "unknown user".into(),
        })?;
    Ok(state
        .store
        .add_round_member(&cap, id, member.id, &seat)
        .await?)
}

async fn assign(state: &State, user: &User, id: i64, dossier: i64) -> AppResult<()> {
    let (_, scope) = round_scope(state, id).await?;
    let cap = authorize(&user.actor, Action::ManageRound, &scope)?;
    Ok(state.store.assign_to_round(&cap, id, dossier).await?)
}

/// The sheet of a dossier (its own version and set).
pub(crate) fn sheet_of(
    d: &ocop_store::dossiers::DossierRow,
) -> AppResult<&'static ocop_domain::criteria::Sheet> {
    d.sheet().ok_or_else(|| {
        AppError::Internal(format!("no sheet {} {}", d.criteria_version, d.set_code))
    })
}

#[derive(Deserialize, Serialize, utoipa::ToSchema, Default)]
#[serde(default)]
pub struct SheetInput {
    /// Ticked option ids, at most one per leaf criterion.
    pub options: Vec<String>,
}

async fn score(state: &State, user: &User, dossier_id: i64, options: &[String]) -> AppResult<i64> {
    let d = state.store.dossier(dossier_id).await?;
    let round_id = d.dossier.round_id.ok_or_else(|| AppError::Conflict {
        field: "status".into(),
        message: "Hồ sơ chưa được đưa vào đợt đánh giá.".into(),
        message_en: "not in a round".into(),
    })?;
    let cap = authorize(
        &user.actor,
        Action::ScoreDossier,
        &round_scope(state, round_id).await?.1,
    )?;
    let sheet = sheet_of(&d.dossier)?;
    let e = sheet
        .evaluate(options, d.dossier.self_case.as_deref())
        .map_err(|e| {
            let mut errs = ocop_domain::ValidationErrors::new();
            errs.add(&e.id, "invalid_selection", e.message, e.message_en);
            AppError::Invalid(errs)
        })?;
    Ok(state
        .store
        .submit_score_sheet(&cap, dossier_id, options, e.total, e.rank)
        .await?)
}

/// The council's result so far: consolidated over the submitted sheets, with the spread check.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CouncilResult {
    pub members: usize,
    pub submitted: usize,
    /// Members recused for a declared conflict of interest.
    pub recused: usize,
    /// Sheets the result needs (the round's quorum of its members).
    pub quorum: usize,
    /// The chair has submitted (or the round has no chair, or the chair is recused).
    pub chair_scored: bool,
    pub consolidated: Option<Consolidated>,
    /// The spread exceeds the round's maximum: discuss and re-score before closing.
    pub needs_discussion: bool,
    pub max_spread: f64,
}

/// The result of `round_id`'s council on a dossier (its current round, or
/// the provincial round of a dossier since sent to the ministry).
async fn council_result(
    state: &State,
    d: &ocop_store::dossiers::DossierRow,
    round_id: i64,
) -> AppResult<(CouncilResult, Vec<ScoreSheetRow>)> {
    let round = state.store.round(round_id).await?;
    let members = state.store.round_members(round_id).await?;
    let sheets = state.store.score_sheets(d.id, Some(round_id)).await?;
    // Only this council's recusals (a dossier sent to the ministry had a provincial council before).
    let recusals: Vec<_> = state
        .store
        .recusals(d.id)
        .await?
        .into_iter()
        .filter(|r| members.iter().any(|m| m.user_id == r.member_id))
        .collect();
    let recused = recusals.len();
    let chair_scored = match members.iter().find(|m| m.is_chair) {
        Some(c) => {
            sheets.iter().any(|s| s.member_id == c.user_id)
                || recusals.iter().any(|r| r.member_id == c.user_id)
        }
        None => true,
    };
    let selections: Vec<Vec<String>> = sheets
        .iter()
        .map(|s| serde_json::from_str(&s.options).unwrap_or_default())
        .collect();
    let consolidated = if selections.is_empty() {
        None
    } else {
        Some(
            sheet_of(d)?
                .consolidate(&selections, d.self_case.as_deref())
                .map_err(|e| AppError::Internal(e.message))?,
        )
    };
    let needs_discussion = consolidated
        .as_ref()
        .is_some_and(|c| c.spread > round.max_spread);
    Ok((
        CouncilResult {
            members: members.len(),
            submitted: sheets.len(),
            recused,
            quorum: ocop_domain::dossier::quorum_needed(members.len(), round.quorum_pct as u32),
            chair_scored,
            consolidated,
            needs_discussion,
            max_spread: round.max_spread,
        },
        sheets,
    ))
}

/// Close when every member has scored and the spread is within the round's limit.
async fn close(state: &State, user: &User, dossier_id: i64) -> AppResult<()> {
    let d = state.store.dossier(dossier_id).await?;
    let (round_id, scope) = dossier_council(state, &d.dossier).await?;
    let cap = authorize(&user.actor, Action::ManageRound, &scope)?;
    let (result, _) = council_result(state, &d.dossier, round_id).await?;
    let conflict = |m: String| AppError::Conflict {
        field: "status".into(),
        message: m,
        message_en: "scoring cannot close yet".into(),
    };
    // A result needs the round's quorum of the council's members, the
    // chair's sheet among them; absent or recused members do not score.
    if !result.chair_scored {
        return Err(conflict(
            "Chủ tịch hội đồng chưa nộp phiếu: kết quả cần có phiếu của chủ tịch.".into(),
        ));
    }
    if result.submitted < result.quorum || result.members == 0 {
        return Err(conflict(format!(
            "Mới có {}/{} thành viên nộp phiếu; cần tối thiểu {}{}.",
            result.submitted,
            result.members,
            result.quorum,
            if result.recused > 0 {
                format!(" ({} thành viên khai xung đột lợi ích)", result.recused)
            } else {
                String::new()
            }
        )));
    }
    if result.needs_discussion {
        let spread = result
            .consolidated
            .as_ref()
            .map(|c| c.spread)
            .unwrap_or(0.0);
        return Err(conflict(format!(
            "Điểm các thành viên chênh nhau {spread} điểm, quá mức {} điểm: hội đồng cần thảo luận và chấm lại.",
            result.max_spread
        )));
    }
    let c = result.consolidated.expect("members scored");
    Ok(state
        .store
        .close_scoring(&cap, dossier_id, c.average_total, c.rank, state.today())
        .await?)
}

async fn decide(
    state: &State,
    user: &User,
    dossier_id: i64,
    input: &ocop_domain::dossier::DecisionInput,
) -> AppResult<()> {
    let d = state.store.dossier(dossier_id).await?;
    let cap = authorize(
        &user.actor,
        Action::IssueDecision,
        &decision_scope(state, &d.dossier).await?,
    )?;
    let scored_on = d.dossier.scored_on.ok_or_else(|| AppError::Conflict {
        field: "status".into(),
        message: "Hội đồng chưa chấm xong hồ sơ này.".into(),
        message_en: "The council has not closed its scoring of this dossier.".into(),
    })?;
    let decision = input.validate(scored_on, state.today())?;
    state.store.decide(&cap, dossier_id, &decision).await?;
    Ok(())
}

/// A product's evaluations, newest first, for its page: each dossier's
/// self-assessment and, once a council has closed its scoring, that
/// council's consolidated result (parts, unmet minimums, what the next star
/// needs). A council still scoring shows nothing: sheets stay confidential
/// until the result.
pub(crate) async fn product_evaluations(
    state: &State,
    product_id: i64,
) -> AppResult<Vec<serde_json::Value>> {
    let mut dossiers = state
        .store
        .list_dossiers(&ocop_store::dossiers::DossierFilter {
            product_id: Some(product_id),
            ..Default::default()
        })
        .await?;
    dossiers.sort_by(|a, b| {
        b.dossier
            .filed_on
            .cmp(&a.dossier.filed_on)
            .then(b.dossier.id.cmp(&a.dossier.id))
    });
    let mut out = Vec::new();
    for d in &dossiers {
        let mut councils = Vec::new();
        let closed_now = d
            .dossier
            .council_total
            .is_some()
            .then_some(d.dossier.round_id)
            .flatten();
        for round_id in [d.dossier.provincial_round_id, closed_now]
            .into_iter()
            .flatten()
        {
            let round = state.store.round(round_id).await?;
            let (result, _) = council_result(state, &d.dossier, round_id).await?;
            if let Some(c) = result.consolidated {
                let next: Vec<&ocop_domain::criteria::UnmetMinimum> = c
                    .unmet_minimums
                    .iter()
                    .filter(|u| u.min_star == c.rank + 1)
                    .collect();
                councils.push(json!({"council": council_of(&round), "central": round.level() == RoundLevel::Central,
                    "round_id": round_id, "result": c, "next_star": c.rank + 1, "next_unmet": next}));
            }
        }
        out.push(json!({"d": d, "kind_label": ocop_domain::dossier::DossierKind::parse(&d.dossier.kind).map(|k| k.label()),
            "status_label": ocop_domain::dossier::DossierStatus::parse(&d.dossier.status).map(|s| s.label()),
            "councils": councils}));
    }
    Ok(out)
}

/// Whose move a rejection is: the round's manager while the dossier is in
/// a round (the ministry for a central round), else its province's office.
pub(crate) async fn manage_scope(
    state: &State,
    d: &ocop_store::dossiers::DossierRow,
) -> AppResult<Scope> {
    match (d.round_id, d.status.as_str()) {
        (Some(r), "in_round" | "scored") => Ok(round_scope(state, r).await?.1),
        // Waiting for the central round: the ministry's.
        (_, "sent_to_ministry") => Ok(Scope::national()),
        _ => Ok(Scope::province(&d.province_code)),
    }
}

async fn advisory_report(
    state: &State,
    user: &User,
    dossier_id: i64,
    input: &ocop_domain::dossier::AdvisoryReportInput,
) -> AppResult<()> {
    let d = state.store.dossier(dossier_id).await?;
    let cap = authorize(
        &user.actor,
        Action::ManageRound,
        &manage_scope(state, &d.dossier).await?,
    )?;
    let report = input.validate(state.today())?;
    Ok(state
        .store
        .record_advisory_report(&cap, dossier_id, &report)
        .await?)
}

async fn advisory_team(state: &State, user: &User, round_id: i64, members: &str) -> AppResult<()> {
    let (_, scope) = round_scope(state, round_id).await?;
    let cap = authorize(&user.actor, Action::ManageRound, &scope)?;
    let team = ocop_domain::text::clean_multiline(members);
    Ok(state.store.set_advisory_team(&cap, round_id, &team).await?)
}

#[derive(Deserialize, Serialize, utoipa::ToSchema, Default)]
#[serde(default)]
pub struct AdvisoryTeamInput {
    /// One member per line, e.g. "Nguyễn Văn A — Chi cục Phát triển nông thôn".
    pub members: String,
}

/// Name the round's advisory team (Tổ tư vấn), one member per line.
#[utoipa::path(put, path = "/api/v1/rounds/{id}/advisory-team", tag = "dossiers", params(("id" = i64, Path)),
    request_body = AdvisoryTeamInput,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn api_advisory_team(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<AdvisoryTeamInput>,
) -> Response {
    match advisory_team(&state, &user, id, &input.members).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.json(),
    }
}

/// Record the advisory team's report on a dossier (site visit, findings,
/// papers or tests requested), before the council's result; the council's
/// members read it on the dossier's page.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/advisory-report", tag = "dossiers", params(("id" = i64, Path)),
    request_body = ocop_domain::dossier::AdvisoryReportInput,
    responses((status = 204), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_advisory_report(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ocop_domain::dossier::AdvisoryReportInput>,
) -> Response {
    match advisory_report(&state, &user, id, &input).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.json(),
    }
}

pub(crate) async fn advisory_report_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let input = ocop_domain::dossier::AdvisoryReportInput {
        visited_on: get("visited_on"),
        findings: get("findings"),
        requests: get("requests"),
    };
    advisory_report(&state, &user, id, &input)
        .await
        .or_page(&state, Some(&user))?;
    Ok(see_other(&format!("/ho-so/{id}?tb=da-luu-tu-van")))
}

pub(crate) async fn advisory_team_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    advisory_team(
        &state,
        &user,
        id,
        form.get("members").map(String::as_str).unwrap_or(""),
    )
    .await
    .or_page(&state, Some(&user))?;
    Ok(see_other(&format!("/dot-danh-gia/{id}?tb=da-luu-tu-van")))
}

async fn reject(
    state: &State,
    user: &User,
    dossier_id: i64,
    input: &ocop_domain::dossier::RejectionInput,
) -> AppResult<()> {
    let d = state.store.dossier(dossier_id).await?;
    let cap = authorize(
        &user.actor,
        Action::ManageRound,
        &manage_scope(state, &d.dossier).await?,
    )?;
    let rejection = input.validate(sheet_of(&d.dossier)?)?;
    Ok(state
        .store
        .reject_dossier(&cap, dossier_id, &rejection, state.today())
        .await?)
}

/// Who decides on a dossier: the ministry (national scope) on a central
/// council's result, the province otherwise (including a result the
/// ministry returned).
pub(crate) async fn decision_scope(
    state: &State,
    d: &ocop_store::dossiers::DossierRow,
) -> AppResult<Scope> {
    if let (Some(r), "scored") = (d.round_id, d.status.as_str()) {
        if state.store.round(r).await?.level() == RoundLevel::Central {
            return Ok(Scope::national());
        }
    }
    Ok(Scope::producer(
        &d.province_code,
        &d.commune_code,
        d.producer_id,
    ))
}

// ---------- API ----------

/// Reject a dossier on a knock-out condition of its sheet (`K1`, `K2`…),
/// with what was found: from the province's check to the decision, by the
/// provincial office (the ministry in a central round).
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/reject", tag = "dossiers", params(("id" = i64, Path)),
    request_body = ocop_domain::dossier::RejectionInput,
    responses((status = 200, body = ocop_store::dossiers::DossierListItem), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_reject(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ocop_domain::dossier::RejectionInput>,
) -> Response {
    match reject(&state, &user, id, &input).await {
        Ok(()) => match state.store.dossier(id).await {
            Ok(d) => Json(d).into_response(),
            Err(e) => AppError::from(e).json(),
        },
        Err(e) => e.json(),
    }
}

pub(crate) async fn reject_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let input = ocop_domain::dossier::RejectionInput {
        knockout: form.get("knockout").cloned().unwrap_or_default(),
        detail: form.get("detail").cloned().unwrap_or_default(),
    };
    reject(&state, &user, id, &input)
        .await
        .or_page(&state, Some(&user))?;
    Ok(see_other(&format!("/ho-so/{id}?tb=da-loai")))
}

/// Record the province's decision on a scored dossier: 3★–4★ issues the
/// certificate (36 months from signing); 90+ at 5★ goes to the ministry;
/// below 3★ is not recognised.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/decision", tag = "dossiers", params(("id" = i64, Path)),
    request_body = ocop_domain::dossier::DecisionInput,
    responses((status = 200, body = ocop_store::dossiers::DossierListItem), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_decide(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ocop_domain::dossier::DecisionInput>,
) -> Response {
    match decide(&state, &user, id, &input).await {
        Ok(()) => match state.store.dossier(id).await {
            Ok(d) => Json(d).into_response(),
            Err(e) => AppError::from(e).json(),
        },
        Err(e) => e.json(),
    }
}

/// Create a provincial evaluation round (provincial office).
#[utoipa::path(post, path = "/api/v1/rounds", tag = "dossiers", request_body = NewRound,
    responses((status = 201, body = RoundRow), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_create(
    S(state): S<State>,
    user: User,
    ApiJson(body): ApiJson<NewRound>,
) -> Response {
    match create(&state, &user, &body).await {
        Ok(id) => match state.store.round(id).await {
            Ok(r) => (StatusCode::CREATED, Json(r)).into_response(),
            Err(e) => AppError::from(e).json(),
        },
        Err(e) => e.json(),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewMember {
    pub username: String,
    #[serde(default)]
    pub chair: bool,
    /// The organisation the member represents, e.g. "Sở Công Thương".
    #[serde(default)]
    pub organisation: String,
    /// department (default: a department's or ministry's representative) or
    /// invited (an OCOP expert, an association's or organisation's representative).
    #[serde(default)]
    pub capacity: String,
}

/// Add a council member to a round (grants the council-member role for it).
#[utoipa::path(post, path = "/api/v1/rounds/{id}/members", tag = "dossiers", params(("id" = i64, Path)), request_body = NewMember,
    responses((status = 201), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_member(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<NewMember>,
) -> Response {
    match add_member(&state, &user, id, &body).await {
        Ok(()) => StatusCode::CREATED.into_response(),
        Err(e) => e.json(),
    }
}

/// Assign a forwarded dossier of the province to the round.
#[utoipa::path(post, path = "/api/v1/rounds/{id}/dossiers/{dossier}", tag = "dossiers", params(("id" = i64, Path), ("dossier" = i64, Path)),
    responses((status = 204), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_assign(
    S(state): S<State>,
    user: User,
    Path((id, dossier)): Path<(i64, i64)>,
) -> Response {
    match assign(&state, &user, id, dossier).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.json(),
    }
}

/// Submit one's score sheet for a dossier of one's round (locked once submitted).
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/score-sheets", tag = "dossiers", params(("id" = i64, Path)), request_body = SheetInput,
    responses((status = 201), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_score(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<SheetInput>,
) -> Response {
    match score(&state, &user, id, &body.options).await {
        Ok(sid) => (StatusCode::CREATED, Json(json!({"id": sid}))).into_response(),
        Err(e) => e.json(),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SheetsView {
    /// The caller's own sheet, if submitted.
    pub own: Option<ScoreSheetRow>,
    /// Every sheet, shown only to members who have submitted and to the provincial office.
    pub sheets: Option<Vec<ScoreSheetRow>>,
    pub result: Option<CouncilResult>,
}

/// The sheets of a dossier: a member sees others' only after submitting their own.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/score-sheets", tag = "dossiers", params(("id" = i64, Path)),
    responses((status = 200, body = SheetsView), (status = 403, body = ErrorBody)))]
pub async fn api_sheets(S(state): S<State>, user: User, Path(id): Path<i64>) -> Response {
    match sheets_view(&state, &user, id, None).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.json(),
    }
}

/// The sheets of a dossier in a round (`None`: its current round).
async fn sheets_view(
    state: &State,
    user: &User,
    id: i64,
    round: Option<i64>,
) -> AppResult<SheetsView> {
    let d = state.store.dossier(id).await?;
    let round_id = round
        .or(d.dossier.round_id)
        .ok_or_else(|| AppError::NotFound("đợt đánh giá của hồ sơ".into()))?;
    let (_, scope) = round_scope(state, round_id).await?;
    let manager = authorize(&user.actor, Action::ManageRound, &scope).is_ok();
    let member = authorize(&user.actor, Action::ScoreDossier, &scope).is_ok();
    if !manager && !member {
        return Err(AppError::Forbidden(
            "Chỉ thành viên hội đồng và văn phòng OCOP tỉnh xem phiếu chấm.".into(),
        ));
    }
    let (result, sheets) = council_result(state, &d.dossier, round_id).await?;
    let own = sheets
        .iter()
        .find(|s| s.member_id == user.actor.user_id)
        .cloned();
    let may_see_all = manager || own.is_some();
    Ok(SheetsView {
        own,
        sheets: may_see_all.then_some(sheets),
        result: may_see_all.then_some(result),
    })
}

async fn declare_conflict(
    state: &State,
    user: &User,
    dossier_id: i64,
    reason: &str,
) -> AppResult<()> {
    let d = state.store.dossier(dossier_id).await?;
    let (_, scope) = dossier_council(state, &d.dossier).await?;
    let cap = authorize(&user.actor, Action::ScoreDossier, &scope)?;
    let reason = ocop_domain::text::clean(reason);
    if reason.is_empty() {
        let mut e = ocop_domain::ValidationErrors::new();
        e.required("reason", "Nội dung xung đột lợi ích");
        return Err(e.into());
    }
    Ok(state
        .store
        .declare_conflict(&cap, dossier_id, &reason)
        .await?)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ConflictBody {
    /// The interest declared ("thành viên là cổ đông của chủ thể").
    pub reason: String,
}

/// A council member declares a conflict of interest on a dossier, before
/// scoring it, and is recused from it; closing then waits for the others
/// and needs the round's quorum.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/conflict", tag = "dossiers", params(("id" = i64, Path)), request_body = ConflictBody,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_conflict(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ConflictBody>,
) -> Response {
    match declare_conflict(&state, &user, id, &body.reason).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.json(),
    }
}

pub(crate) async fn conflict_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let d = state.store.dossier(id).await.or_page(&state, Some(&user))?;
    declare_conflict(
        &state,
        &user,
        id,
        form.get("reason").map(String::as_str).unwrap_or(""),
    )
    .await
    .or_page(&state, Some(&user))?;
    Ok(see_other(&format!(
        "/dot-danh-gia/{}?tb=da-luu",
        d.dossier.round_id.unwrap_or_default()
    )))
}

async fn reopen(state: &State, user: &User, dossier_id: i64, reason: &str) -> AppResult<usize> {
    let d = state.store.dossier(dossier_id).await?;
    let (_, scope) = dossier_council(state, &d.dossier).await?;
    let cap = authorize(&user.actor, Action::ManageRound, &scope)?;
    let reason = ocop_domain::text::clean(reason);
    if reason.is_empty() {
        let mut e = ocop_domain::ValidationErrors::new();
        e.required("reason", "Lý do mở lại phiếu");
        return Err(e.into());
    }
    Ok(state
        .store
        .reopen_score_sheets(&cap, dossier_id, &reason)
        .await?)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReopenBody {
    /// Why the council scores again (e.g. the spread after discussion).
    pub reason: String,
}

/// Reopen every submitted sheet of a dossier in scoring (after the council's
/// discussion): members score again; the reopened sheets stay in the audit log.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/reopen-scoring", tag = "dossiers", params(("id" = i64, Path)), request_body = ReopenBody,
    responses((status = 200), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_reopen(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ReopenBody>,
) -> Response {
    match reopen(&state, &user, id, &body.reason).await {
        Ok(n) => Json(json!({"reopened": n})).into_response(),
        Err(e) => e.json(),
    }
}

pub(crate) async fn reopen_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let d = state.store.dossier(id).await.or_page(&state, Some(&user))?;
    reopen(
        &state,
        &user,
        id,
        form.get("reason").map(String::as_str).unwrap_or(""),
    )
    .await
    .or_page(&state, Some(&user))?;
    Ok(see_other(&format!(
        "/dot-danh-gia/{}?tb=da-mo-lai-phieu",
        d.dossier.round_id.unwrap_or_default()
    )))
}

/// Close scoring: every member has submitted and the spread is within the limit.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/close-scoring", tag = "dossiers", params(("id" = i64, Path)),
    responses((status = 200, body = ocop_store::dossiers::DossierListItem), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_close(S(state): S<State>, user: User, Path(id): Path<i64>) -> Response {
    match close(&state, &user, id).await {
        Ok(()) => match state.store.dossier(id).await {
            Ok(d) => Json(d).into_response(),
            Err(e) => AppError::from(e).json(),
        },
        Err(e) => e.json(),
    }
}

// ---------- pages ----------

pub(crate) async fn list_page(
    S(state): S<State>,
    user: User,
    Query(fq): Query<FlashQuery>,
) -> PageResult {
    // The ministry sees every round (it runs the central ones).
    let office = user.actor.office_scope().map(|s| s.province).or_else(|| {
        user.actor
            .roles
            .iter()
            .any(|r| matches!(r, Role::Ministry))
            .then_some(None)
    });
    let Some(province) = office else {
        // Council members see the rounds they sit on.
        let mine: Vec<i64> = user
            .actor
            .roles
            .iter()
            .filter_map(|r| match r {
                Role::CouncilMember { council_id } => Some(*council_id),
                _ => None,
            })
            .collect();
        if mine.is_empty() {
            return Err(error_page(
                &state,
                Some(&user),
                AppError::Forbidden("Chỉ văn phòng OCOP tỉnh và thành viên hội đồng.".into()),
            ));
        }
        let mut rounds = Vec::new();
        for id in mine {
            rounds.push(state.store.round(id).await.or_page(&state, Some(&user))?);
        }
        return Ok(list_view(
            &state,
            &user,
            rounds,
            false,
            fq.tb.as_deref(),
            None,
        ));
    };
    let rounds = state
        .store
        .list_rounds(province.as_deref())
        .await
        .or_page(&state, Some(&user))?;
    Ok(list_view(
        &state,
        &user,
        rounds,
        true,
        fq.tb.as_deref(),
        None,
    ))
}

fn list_view(
    state: &State,
    user: &User,
    rounds: Vec<RoundRow>,
    can_create: bool,
    flash: Option<&str>,
    error: Option<String>,
) -> Response {
    let mut c = ctx(Some(user), "rounds", "Đợt đánh giá, phân hạng");
    let rounds: Vec<serde_json::Value> = rounds
        .iter()
        .map(|r| {
            let mut v = json!(r);
            v["council_of"] = json!(council_of(r));
            v
        })
        .collect();
    // Art. 5: this year's regular rounds, for the viewer's level.
    let province = user.actor.office_scope().and_then(|s| s.province);
    let level = if province.is_some() {
        RoundLevel::Province
    } else {
        RoundLevel::Central
    };
    let year = chrono::Datelike::year(&state.today());
    let deadlines: Vec<chrono::NaiveDate> = rounds
        .iter()
        .filter(|r| r["level"] == level.code())
        .filter_map(|r| r["scoring_deadline"].as_str()?.parse().ok())
        .collect();
    c.insert(
        "calendar".into(),
        json!({"year": year, "central": level == RoundLevel::Central,
               "rounds": ocop_domain::round_calendar::year_check(level, year, &deadlines)
                   .iter()
                   .map(|(due, met)| json!({"due": due, "met": met}))
                   .collect::<Vec<_>>()}),
    );
    c.insert("rounds".into(), json!(rounds));
    c.insert("can_create".into(), json!(can_create));
    c.insert(
        "province".into(),
        json!(user.actor.office_scope().and_then(|s| s.province)),
    );
    c.insert("flash".into(), json!(flash_text(flash)));
    c.insert("error".into(), json!(error));
    render(state, "rounds/list.html", c)
}

pub(crate) async fn create_page(
    S(state): S<State>,
    user: User,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let body = NewRound {
        level: get("level"),
        province: get("province"),
        name: get("name"),
        scoring_deadline: get("scoring_deadline"),
        max_spread: get("max_spread").replace(',', ".").parse().ok(),
        quorum_pct: get("quorum_pct").trim().parse().ok(),
    };
    match create(&state, &user, &body).await {
        Ok(id) => Ok(see_other(&format!("/dot-danh-gia/{id}?tb=da-tao"))),
        Err(e @ AppError::Invalid(_)) => {
            let rounds = state
                .store
                .list_rounds(
                    user.actor
                        .office_scope()
                        .and_then(|s| s.province)
                        .as_deref(),
                )
                .await
                .or_page(&state, Some(&user))?;
            let msg = e.summary();
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                list_view(&state, &user, rounds, true, None, Some(msg)),
            )
                .into_response())
        }
        Err(e) => Err(error_page(&state, Some(&user), e)),
    }
}

/// Dossiers per page of a round's page.
const ROUND_PAGE: i64 = 100;

pub(crate) async fn round_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Query(fq): Query<FlashQuery>,
) -> PageResult {
    let (round, scope) = round_scope(&state, id).await.or_page(&state, Some(&user))?;
    let manager = authorize(&user.actor, Action::ManageRound, &scope).is_ok();
    let member = authorize(&user.actor, Action::ScoreDossier, &scope).is_ok();
    if !manager && !member {
        return Err(error_page(
            &state,
            Some(&user),
            AppError::Forbidden("Bạn không thuộc đợt đánh giá này.".into()),
        ));
    }
    let members = state
        .store
        .round_members(id)
        .await
        .or_page(&state, Some(&user))?;
    // Paged: a province's round holds about a thousand dossiers at national
    // size, and each row reads its sheets.
    let in_round = state
        .store
        .dossiers_page(
            &ocop_store::dossiers::DossierFilter {
                round_id: Some(id),
                ..Default::default()
            },
            fq.trang.unwrap_or(1),
            ROUND_PAGE,
        )
        .await
        .or_page(&state, Some(&user))?;
    let mut assigned = Vec::new();
    for d in &in_round.items {
        let (result, sheets) = council_result(&state, &d.dossier, id)
            .await
            .or_page(&state, Some(&user))?;
        let own = sheets.iter().any(|s| s.member_id == user.actor.user_id);
        let recused_me = state
            .store
            .recusals(d.dossier.id)
            .await
            .or_page(&state, Some(&user))?
            .iter()
            .any(|r| r.member_id == user.actor.user_id);
        let sheet_links: Vec<serde_json::Value> = if manager || own {
            sheets
                .iter()
                .map(|s| {
                    let name = members
                        .iter()
                        .find(|m| m.user_id == s.member_id)
                        .map(|m| m.full_name.clone())
                        .unwrap_or_default();
                    json!({"href": format!("/ho-so/{}/phieu/{}.pdf", d.dossier.id, s.member_id), "name": name})
                })
                .collect()
        } else {
            vec![]
        };
        // A dossier this provincial round sent to the ministry has moved on:
        // here it shows the provincial result, final, and nothing to do.
        let moved_on = d.dossier.round_id != Some(id);
        let (total, rank, status_label) = if moved_on {
            (
                d.dossier.provincial_total,
                d.dossier.provincial_rank,
                Some("Tiềm năng 5 sao: đã gửi Bộ, hội đồng cấp trung ương đánh giá"),
            )
        } else {
            (
                d.dossier.council_total,
                d.dossier.council_rank,
                ocop_domain::dossier::DossierStatus::parse(&d.dossier.status).map(|s| s.label()),
            )
        };
        assigned.push(json!({"d": d, "sheet_links": sheet_links, "recused_me": recused_me, "result": if manager || own { json!(result) } else { json!({"submitted": result.submitted, "members": result.members}) },
            "own": own, "status_label": status_label, "total": total, "rank": rank,
            "scoring": !moved_on && d.dossier.status == "in_round"}));
    }
    // What the office may assign: its province's forwarded dossiers, or for
    // a central round every province's dossiers sent to the ministry.
    let available = if manager {
        state
            .store
            .list_dossiers(&ocop_store::dossiers::DossierFilter {
                province: round.province_code.clone(),
                status: Some(
                    match round.level() {
                        RoundLevel::Province => "forwarded",
                        RoundLevel::Central => "sent_to_ministry",
                    }
                    .into(),
                ),
                ..Default::default()
            })
            .await
            .or_page(&state, Some(&user))?
    } else {
        Vec::new()
    };
    let mut c = ctx(Some(&user), "rounds", &round.name);
    c.insert("council_of".into(), json!(council_of(&round)));
    c.insert(
        "advisory_team".into(),
        json!(round
            .advisory_team
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()),
    );
    c.insert("round".into(), json!(round));
    c.insert(
        "members".into(),
        json!(members
            .iter()
            .map(|m| {
                let mut v = json!(m);
                v["role_text"] = json!(ocop_domain::council::role_text(&m.seat()));
                v["invited"] = json!(m.capacity == ocop_domain::council::Capacity::Invited.code());
                v
            })
            .collect::<Vec<_>>()),
    );
    c.insert("assigned".into(), json!(assigned));
    c.insert(
        "page".into(),
        json!({"total": in_round.total, "page": in_round.page, "pages": in_round.pages()}),
    );
    c.insert("base_url".into(), json!(format!("/dot-danh-gia/{id}?")));
    c.insert("available".into(), json!(available));
    c.insert("manager".into(), json!(manager));
    c.insert("member".into(), json!(member));
    c.insert("flash".into(), json!(flash_text(fq.tb.as_deref())));
    Ok(render(&state, "rounds/show.html", c))
}

pub(crate) async fn member_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let body = NewMember {
        username: get("username"),
        chair: form.contains_key("chair"),
        organisation: get("organisation"),
        capacity: get("capacity"),
    };
    add_member(&state, &user, id, &body)
        .await
        .or_page(&state, Some(&user))?;
    Ok(see_other(&format!("/dot-danh-gia/{id}?tb=da-luu")))
}

pub(crate) async fn assign_page(
    S(state): S<State>,
    user: User,
    Path((id, dossier)): Path<(i64, i64)>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    assign(&state, &user, id, dossier)
        .await
        .or_page(&state, Some(&user))?;
    Ok(see_other(&format!("/dot-danh-gia/{id}?tb=da-luu")))
}

pub(crate) async fn score_form(S(state): S<State>, user: User, Path(id): Path<i64>) -> PageResult {
    let d = state.store.dossier(id).await.or_page(&state, Some(&user))?;
    let (_, scope) = dossier_council(&state, &d.dossier)
        .await
        .or_page(&state, Some(&user))?;
    authorize(&user.actor, Action::ScoreDossier, &scope).or_page(&state, Some(&user))?;
    score_view(&state, &user, &d, None, json!({})).or_page(&state, Some(&user))
}

fn score_view(
    state: &State,
    user: &User,
    d: &ocop_store::dossiers::DossierListItem,
    error: Option<String>,
    selected: serde_json::Value,
) -> AppResult<Response> {
    let sheet = sheet_of(&d.dossier)?;
    let nodes = json!(sheet
        .tree()
        .iter()
        .map(crate::pages::criteria_tree_json)
        .collect::<Vec<_>>());
    let mut c = ctx(
        Some(user),
        "rounds",
        &format!("Phiếu đánh giá: {}", d.product_name),
    );
    c.insert("d".into(), json!(d));
    c.insert("nodes".into(), nodes);
    c.insert("selected".into(), selected);
    c.insert("error".into(), json!(error));
    Ok(render(state, "rounds/score.html", c))
}

pub(crate) async fn score_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let options: Vec<String> = form
        .iter()
        .filter(|(k, v)| k.as_str() != "_csrf" && !v.is_empty())
        .map(|(_, v)| v.clone())
        .collect();
    match score(&state, &user, id, &options).await {
        Ok(_) => {
            let d = state.store.dossier(id).await.or_page(&state, Some(&user))?;
            Ok(see_other(&format!(
                "/dot-danh-gia/{}?tb=da-nop-phieu",
                d.dossier.round_id.unwrap_or(0)
            )))
        }
        Err(e @ AppError::Invalid(_)) => {
            let d = state.store.dossier(id).await.or_page(&state, Some(&user))?;
            let msg = e.summary();
            let selected: serde_json::Map<String, serde_json::Value> = form
                .iter()
                .filter(|(k, _)| k.as_str() != "_csrf")
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            let page = score_view(
                &state,
                &user,
                &d,
                Some(msg),
                serde_json::Value::Object(selected),
            )
            .or_page(&state, Some(&user))?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(error_page(&state, Some(&user), e)),
    }
}

pub(crate) async fn close_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    close(&state, &user, id)
        .await
        .or_page(&state, Some(&user))?;
    let d = state.store.dossier(id).await.or_page(&state, Some(&user))?;
    Ok(see_other(&format!(
        "/dot-danh-gia/{}?tb=da-ket-thuc",
        d.dossier.round_id.unwrap_or(0)
    )))
}

pub(crate) async fn decide_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let input: ocop_domain::dossier::DecisionInput = crate::pages::input_from(&form);
    decide(&state, &user, id, &input)
        .await
        .or_page(&state, Some(&user))?;
    Ok(see_other(&format!("/ho-so/{id}?tb=da-quyet-dinh")))
}

/// One dossier's line in a round's results.
struct ResultLine {
    product: String,
    code: String,
    producer: String,
    commune: String,
    status: &'static str,
    submitted: String,
    member_totals: String,
    average: Option<f64>,
    spread: Option<f64>,
    rank: Option<u8>,
    unmet: String,
}

/// The round's council and its dossiers' results, for the minutes and the workbook.
async fn round_results(
    state: &State,
    round: &RoundRow,
) -> AppResult<(Vec<ocop_store::rounds::MemberRow>, Vec<ResultLine>)> {
    let members = state.store.round_members(round.id).await?;
    let in_round = state
        .store
        .list_dossiers(&ocop_store::dossiers::DossierFilter {
            round_id: Some(round.id),
            ..Default::default()
        })
        .await?;
    let mut lines = Vec::new();
    for d in &in_round {
        let (result, _) = council_result(state, &d.dossier, round.id).await?;
        let c = result.consolidated.as_ref();
        lines.push(ResultLine {
            product: d.product_name.clone(),
            code: d.product_code.clone(),
            producer: d.producer_name.clone(),
            commune: ocop_domain::admin_units::units()
                .commune(&d.dossier.commune_code)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            status: ocop_domain::dossier::DossierStatus::parse(&d.dossier.status)
                .map(|s| s.label())
                .unwrap_or(""),
            submitted: if result.recused > 0 {
                format!(
                    "{}/{} ({} khai xung đột lợi ích)",
                    result.submitted, result.members, result.recused
                )
            } else {
                format!("{}/{}", result.submitted, result.members)
            },
            member_totals: c
                .map(|c| {
                    c.member_totals
                        .iter()
                        .map(|t| two_decimals(Some(*t)))
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default(),
            average: c.map(|c| c.average_total),
            spread: c.map(|c| c.spread),
            rank: c.map(|c| c.rank),
            unmet: c
                .map(|c| {
                    c.unmet_minimums
                        .iter()
                        .map(|u| format!("{} ({}★)", u.criterion_title, u.min_star))
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default(),
        });
    }
    Ok((members, lines))
}

/// `/dot-danh-gia/{id}/ket-qua.{pdf,xlsx}`: the council's minutes (PDF)
/// or the results workbook, for the office and the council's members.
pub(crate) async fn results_file(
    S(state): S<State>,
    user: User,
    Path((id, ext)): Path<(i64, String)>,
) -> Response {
    let made = async {
        let (round, scope) = round_scope(&state, id).await?;
        if authorize(&user.actor, Action::ManageRound, &scope).is_err()
            && authorize(&user.actor, Action::ScoreDossier, &scope).is_err()
        {
            return Err(AppError::Forbidden(
                "Bạn không thuộc đợt đánh giá này.".into(),
            ));
        }
        let (members, lines) = round_results(&state, &round).await?;
        match ext.as_str() {
            "pdf" => minutes(&round, &members, &lines, state.today())
                .map(|b| (b, crate::pages::PDF))
                .map_err(AppError::Internal),
            "xlsx" => results_workbook(&round, &members, &lines)
                .map(|b| (b, crate::pages::XLSX))
                .map_err(AppError::Internal),
            _ => Err(AppError::NotFound("tệp này".into())),
        }
    }
    .await;
    match made {
        Ok((bytes, content_type)) => crate::pages::attachment(
            bytes,
            content_type,
            &format!("ket-qua-dot-danh-gia-{id}.{ext}"),
        ),
        Err(e) => error_page(&state, Some(&user), e),
    }
}

/// Whose council it is: "UBND Thành phố Hà Nội", or the ministry for a central round.
fn council_of(round: &RoundRow) -> String {
    match &round.province_code {
        Some(p) => ocop_domain::admin_units::units()
            .province(p)
            .map(|p| format!("UBND {}", p.name))
            .unwrap_or_default(),
        None => MINISTRY.into(),
    }
}

/// The ministry that runs the central rounds and recognises 5★ (Decision 26/2026 Art. 7.4).
pub(crate) const MINISTRY: &str = "Bộ Nông nghiệp và Môi trường";

/// A score with two decimals, Vietnamese style ("72,50"); blank when none.
fn two_decimals(x: Option<f64>) -> String {
    x.map(|x| format!("{x:.2}").replace('.', ","))
        .unwrap_or_default()
}

/// Biên bản họp Hội đồng: the council, then each dossier's consolidated result.
fn minutes(
    round: &RoundRow,
    members: &[ocop_store::rounds::MemberRow],
    lines: &[ResultLine],
    today: chrono::NaiveDate,
) -> Result<Vec<u8>, String> {
    use ocop_docs::pdf::{Block, PdfDocument, Table};
    use ocop_domain::certificate::format_date;
    let chair = members.iter().find(|m| m.is_chair);
    let scored = lines.iter().filter(|l| l.rank.is_some()).count();
    let mut blocks = vec![
        Block::Banner(vec![
            council_of(round).to_uppercase(),
            match round.level() {
                RoundLevel::Province => "HỘI ĐỒNG ĐÁNH GIÁ, PHÂN HẠNG SẢN PHẨM OCOP CẤP TỈNH",
                RoundLevel::Central => "HỘI ĐỒNG ĐÁNH GIÁ, PHÂN HẠNG SẢN PHẨM OCOP CẤP TRUNG ƯƠNG",
            }
            .into(),
        ]),
        Block::Title("BIÊN BẢN HỌP HỘI ĐỒNG".into()),
        Block::Paragraph(format!(
            "{} — lập ngày {}. Hạn chấm điểm {}; chênh lệch tối đa giữa các thành viên {} điểm.",
            round.name,
            format_date(today),
            format_date(round.scoring_deadline),
            two_decimals(Some(round.max_spread))
        )),
        Block::Heading("1. Thành phần hội đồng".into()),
        Block::Table(Table {
            headers: vec!["Họ và tên".into(), "Tài khoản".into(), "Nhiệm vụ".into()],
            widths: vec![3.0, 2.0, 4.0],
            right: vec![],
            rows: members
                .iter()
                .map(|m| {
                    vec![
                        m.full_name.clone(),
                        m.username.clone(),
                        ocop_domain::council::role_text(&m.seat()),
                    ]
                })
                .collect(),
        }),
        Block::Heading("2. Kết quả đánh giá, phân hạng".into()),
        Block::Paragraph(format!(
            "Hội đồng đã đánh giá {} hồ sơ; {} hồ sơ có kết quả tổng hợp. Điểm tổng hợp là trung bình điểm của các thành viên; hạng sao theo khung điểm và điểm tối thiểu của bộ tiêu chí.",
            lines.len(),
            scored
        )),
        Block::Table(Table {
            headers: ["Sản phẩm", "Chủ thể", "Phiếu", "Điểm các thành viên", "Điểm tổng hợp", "Hạng"]
                .map(String::from)
                .to_vec(),
            widths: vec![2.6, 2.4, 0.8, 2.2, 1.2, 0.9],
            right: vec![4],
            rows: lines
                .iter()
                .map(|l| {
                    vec![
                        format!("{} ({})", l.product, l.code),
                        format!("{}, {}", l.producer, l.commune),
                        l.submitted.clone(),
                        l.member_totals.clone(),
                        two_decimals(l.average),
                        l.rank.map(|r| format!("{r} sao")).unwrap_or_else(|| "—".into()),
                    ]
                })
                .collect(),
        }),
    ];
    let unmet: Vec<&ResultLine> = lines.iter().filter(|l| !l.unmet.is_empty()).collect();
    if !unmet.is_empty() {
        blocks.push(Block::Heading("3. Điểm tối thiểu chưa đạt".into()));
        for l in unmet {
            blocks.push(Block::Paragraph(format!("{}: {}.", l.product, l.unmet)));
        }
    }
    blocks.push(Block::Signatures(vec![
        (
            "CHỦ TỊCH HỘI ĐỒNG".into(),
            chair.map(|c| c.full_name.clone()).unwrap_or_default(),
        ),
        (
            match round.level() {
                RoundLevel::Province => "CƠ QUAN THƯỜNG TRỰC OCOP TỈNH",
                RoundLevel::Central => "CƠ QUAN THƯỜNG TRỰC OCOP TRUNG ƯƠNG",
            }
            .into(),
            council_of(round),
        ),
    ]));
    ocop_docs::pdf::render(&PdfDocument {
        title: format!("Biên bản họp hội đồng: {}", round.name),
        footer: format!("Biên bản họp hội đồng · {}", round.name),
        blocks,
    })
}

fn results_workbook(
    round: &RoundRow,
    members: &[ocop_store::rounds::MemberRow],
    lines: &[ResultLine],
) -> Result<Vec<u8>, String> {
    use ocop_docs::report::{write_workbook, Cell, Sheet};
    let number = |x: Option<f64>| x.map(Cell::Decimal).unwrap_or(Cell::Text(String::new()));
    write_workbook(&[
        Sheet {
            name: "Kết quả".into(),
            title: format!("{} — {}", round.name, council_of(round)),
            headers: [
                "Mã sản phẩm",
                "Sản phẩm",
                "Chủ thể",
                "Xã, phường",
                "Trạng thái hồ sơ",
                "Phiếu đã nộp",
                "Điểm các thành viên",
                "Điểm tổng hợp",
                "Chênh lệch",
                "Hạng sao",
                "Điểm tối thiểu chưa đạt",
            ]
            .map(String::from)
            .to_vec(),
            rows: lines
                .iter()
                .map(|l| {
                    vec![
                        l.code.clone().into(),
                        l.product.clone().into(),
                        l.producer.clone().into(),
                        l.commune.clone().into(),
                        l.status.into(),
                        l.submitted.clone().into(),
                        l.member_totals.clone().into(),
                        number(l.average),
                        number(l.spread),
                        l.rank
                            .map(|r| Cell::Int(r as i64))
                            .unwrap_or(Cell::Text(String::new())),
                        l.unmet.clone().into(),
                    ]
                })
                .collect(),
        },
        Sheet {
            name: "Hội đồng".into(),
            title: format!("Hội đồng — {}", round.name),
            headers: vec!["Họ và tên".into(), "Tài khoản".into(), "Nhiệm vụ".into()],
            rows: members
                .iter()
                .map(|m| {
                    vec![
                        m.full_name.clone().into(),
                        m.username.clone().into(),
                        ocop_domain::council::role_text(&m.seat()).into(),
                    ]
                })
                .collect(),
        },
    ])
}

/// `/ho-so/{id}/phieu/{member}.pdf`: one member's score sheet, every leaf
/// criterion with its maximum, the option ticked and the points it gives,
/// the part totals and the rank. Seen by whom may see the sheet (its author,
/// the office; other members once they have submitted their own).
pub(crate) async fn score_sheet_pdf(
    S(state): S<State>,
    user: User,
    Path((id, file)): Path<(i64, String)>,
) -> Response {
    let made = async {
        let member: i64 = file
            .strip_suffix(".pdf")
            .and_then(|m| m.parse().ok())
            .ok_or_else(|| AppError::NotFound("phiếu".into()))?;
        // The member sat on the current council, or on the provincial one
        // of a dossier since sent to the ministry.
        let d = state.store.dossier(id).await?;
        let mut found = None;
        for round_id in [d.dossier.round_id, d.dossier.provincial_round_id]
            .into_iter()
            .flatten()
        {
            let view = sheets_view(&state, &user, id, Some(round_id)).await?;
            if let Some(s) = view
                .sheets
                .unwrap_or_default()
                .into_iter()
                .chain(view.own)
                .find(|s| s.member_id == member)
            {
                found = Some((s, round_id));
                break;
            }
        }
        let (sheet, round_id) = found.ok_or_else(|| AppError::NotFound("phiếu đánh giá".into()))?;
        let round = state.store.round(round_id).await?;
        let members = state.store.round_members(round.id).await?;
        let name = members
            .iter()
            .find(|m| m.user_id == member)
            .map(|m| m.full_name.clone())
            .unwrap_or_default();
        score_sheet_document(&d, &round, &name, &sheet).map_err(AppError::Internal)
    }
    .await;
    match made {
        Ok(bytes) => crate::pages::attachment(
            bytes,
            crate::pages::PDF,
            &format!("phieu-danh-gia-{id}-{file}"),
        ),
        Err(e) => error_page(&state, Some(&user), e),
    }
}

fn score_sheet_document(
    d: &ocop_store::dossiers::DossierListItem,
    round: &RoundRow,
    member: &str,
    sheet: &ScoreSheetRow,
) -> Result<Vec<u8>, String> {
    use ocop_docs::pdf::{Block, PdfDocument, Table};
    use ocop_domain::criteria::{NodeKind, TreeNode};
    let criteria = sheet_of(&d.dossier).map_err(|e| e.detail().message)?;
    let ticked: Vec<String> = serde_json::from_str(&sheet.options).unwrap_or_default();
    let eval = criteria
        .evaluate(&ticked, d.dossier.self_case.as_deref())
        .map_err(|e| e.message)?;
    // One row per leaf criterion: its maximum, the option ticked, its points.
    fn walk(n: &TreeNode, ticked: &[String], rows: &mut Vec<Vec<String>>) {
        let options: Vec<&TreeNode> = n
            .children
            .iter()
            .filter(|c| c.kind == NodeKind::Option)
            .collect();
        match n.kind {
            NodeKind::Part => {
                rows.push(vec![
                    n.title.to_uppercase(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]);
            }
            NodeKind::Criterion if !options.is_empty() => {
                let chosen = options.iter().find(|o| ticked.contains(&o.id));
                rows.push(vec![
                    format!("{} {}", n.id, n.title),
                    n.points.map(|p| p.to_string()).unwrap_or_default(),
                    chosen
                        .map(|o| o.title.clone())
                        .unwrap_or_else(|| "— (không chọn)".into()),
                    chosen.and_then(|o| o.points).unwrap_or(0).to_string(),
                ]);
                return;
            }
            _ => {}
        }
        for c in &n.children {
            walk(c, ticked, rows);
        }
    }
    let mut rows = Vec::new();
    for n in criteria.tree() {
        walk(&n, &ticked, &mut rows);
    }
    let parts = eval
        .parts
        .iter()
        .map(|(k, v)| format!("Phần {k}: {v} điểm"))
        .collect::<Vec<_>>()
        .join("; ");
    let blocks = vec![
        Block::Banner(vec![
            "HỘI ĐỒNG ĐÁNH GIÁ, PHÂN HẠNG SẢN PHẨM OCOP".into(),
            round.name.clone(),
        ]),
        Block::Title("PHIẾU ĐÁNH GIÁ, PHÂN HẠNG SẢN PHẨM".into()),
        Block::Facts(vec![
            (
                "Sản phẩm".into(),
                format!("{} ({})", d.product_name, d.product_code),
            ),
            ("Chủ thể".into(), d.producer_name.clone()),
            (
                "Bộ tiêu chí".into(),
                format!(
                    "{}, bộ sản phẩm {}",
                    d.dossier.criteria_version, d.dossier.set_code
                ),
            ),
            ("Thành viên chấm".into(), member.to_string()),
            (
                "Nộp lúc".into(),
                (sheet.submitted_at + chrono::Duration::hours(7))
                    .format("%H:%M %d/%m/%Y")
                    .to_string(),
            ),
        ]),
        Block::Table(Table {
            headers: ["Tiêu chí", "Tối đa", "Lựa chọn", "Điểm"]
                .map(String::from)
                .to_vec(),
            widths: vec![4.0, 0.8, 4.0, 0.8],
            right: vec![1, 3],
            rows,
        }),
        Block::Facts(vec![
            ("Điểm theo phần".into(), parts),
            ("Tổng điểm".into(), format!("{}/100", eval.total)),
            ("Hạng".into(), format!("{} sao", eval.rank)),
        ]),
        Block::Signatures(vec![("THÀNH VIÊN HỘI ĐỒNG".into(), member.to_string())]),
    ];
    ocop_docs::pdf::render(&PdfDocument {
        title: format!("Phiếu đánh giá: {}", d.product_name),
        footer: format!("Phiếu đánh giá · {} · {}", d.product_code, member),
        blocks,
    })
}
