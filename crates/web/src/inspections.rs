//! Post-certification inspections on the web: recorded by the province's
//! office (the ministry anywhere) against the certificate in force, listed
//! on the product's page; the latest one's date and conclusion are shown on
//! the public verification page.

use crate::api::ApiJson;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::pages::{csrf_of, see_other, FormMap, OrPage, PageResult};
use crate::session::User;
use crate::State;
use axum::extract::{Path, State as S};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use ocop_domain::auth::{authorize, Action, Scope};
use ocop_domain::inspection::{Conclusion, InspectionInput, InspectionKind};
use ocop_store::inspections::InspectionRow;
use serde_json::json;

pub fn routes() -> Router<State> {
    Router::new()
        .route(
            "/api/v1/products/{id}/inspections",
            post(api_record).get(api_list),
        )
        .route("/san-pham/{id}/kiem-tra", post(record_page))
}

/// The scope of a product's records.
async fn product_scope(state: &State, product_id: i64) -> AppResult<Scope> {
    let x = state.store.product(product_id).await?;
    Ok(Scope::producer(
        &x.product.province_code,
        &x.product.commune_code,
        x.product.producer_id,
    ))
}

async fn record(
    state: &State,
    user: &User,
    product_id: i64,
    input: &InspectionInput,
) -> AppResult<i64> {
    let cap = authorize(
        &user.actor,
        Action::RecordInspection,
        &product_scope(state, product_id).await?,
    )?;
    let today = state.today();
    let cert = state
        .store
        .certificates_of(product_id)
        .await?
        .into_iter()
        .next()
        .filter(|c| c.status(today).in_force())
        .ok_or_else(|| AppError::Conflict {
            field: "certificate".into(),
            message: "Sản phẩm không có giấy chứng nhận còn hiệu lực để kiểm tra.".into(),
            message_en: "The product has no certificate in force.".into(),
        })?;
    let inspection = input.validate(cert.issued_on, today)?;
    Ok(state
        .store
        .record_inspection(&cap, product_id, cert.id, &inspection)
        .await?)
}

/// An inspection for a page or an answer: with its labels in Vietnamese.
pub(crate) fn inspection_json(i: &InspectionRow) -> serde_json::Value {
    let mut v = json!(i);
    v["kind_label"] = json!(InspectionKind::parse(&i.kind).map(|k| k.label()));
    v["conclusion_label"] = json!(Conclusion::parse(&i.conclusion).map(|c| c.label()));
    if i.conclusion == Conclusion::Revocation.code() {
        v["revocation_due"] = json!(ocop_domain::inspection::revocation_due(i.inspected_on));
    }
    v
}

/// For the dashboard of the level competent to revoke (the province's office
/// for 3★–4★ in its province, the ministry for 5★; the administrator
/// everything): certificates an inspection concluded should be revoked, not
/// revoked yet, with the 15 days of Art. 8.4 and whether they have passed.
pub(crate) async fn revocation_notices(state: &State, user: &User) -> AppResult<serde_json::Value> {
    use ocop_domain::auth::Role;
    let (province, min, max) = match user.actor.roles.iter().find_map(|r| match r {
        Role::Admin => Some((None, 3, 5)),
        Role::Ministry => Some((None, 5, 5)),
        Role::ProvinceOffice { province } => Some((Some(province.clone()), 3, 4)),
        _ => None,
    }) {
        Some(x) => x,
        None => return Ok(json!([])),
    };
    let today = state.today();
    let pending = state
        .store
        .revocations_pending(province.as_deref(), min, max)
        .await?;
    Ok(json!(pending
        .iter()
        .map(|p| {
            let due = ocop_domain::inspection::revocation_due(p.inspected_on);
            json!({"product_id": p.product_id, "product_name": p.product_name, "number": p.certificate_number,
                   "stars": p.stars, "inspected_on": p.inspected_on, "body": p.body, "due": due, "late": today > due})
        })
        .collect::<Vec<_>>()))
}

/// Record a post-certification inspection of the product's certificate in
/// force: kind (periodic, ad_hoc), date, inspecting body, findings on the
/// criteria's upkeep and the mark's use, conclusion (maintained,
/// correction with `correct_by`, revocation).
#[utoipa::path(post, path = "/api/v1/products/{id}/inspections", tag = "registry", params(("id" = i64, Path)),
    request_body = InspectionInput,
    responses((status = 201, body = InspectionRow), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_record(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<InspectionInput>,
) -> Response {
    let recorded = async {
        let iid = record(&state, &user, id, &input).await?;
        let rows = state.store.inspections_of(id).await?;
        rows.into_iter()
            .find(|r| r.id == iid)
            .ok_or_else(|| AppError::NotFound("kết quả kiểm tra".into()))
    }
    .await;
    match recorded {
        Ok(row) => (StatusCode::CREATED, Json(row)).into_response(),
        Err(e) => e.json(),
    }
}

/// A product's inspections, latest first, for the officers who may read its records.
#[utoipa::path(get, path = "/api/v1/products/{id}/inspections", tag = "registry", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<InspectionRow>), (status = 404, body = ErrorBody)))]
pub async fn api_list(S(state): S<State>, user: User, Path(id): Path<i64>) -> Response {
    let listed = async {
        if !user.actor.can_read(&product_scope(&state, id).await?) {
            return Err(AppError::NotFound("sản phẩm".into()));
        }
        Ok(state.store.inspections_of(id).await?)
    }
    .await;
    match listed {
        Ok(rows) => Json(rows).into_response(),
        Err(e) => e.json(),
    }
}

pub(crate) async fn record_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let input = InspectionInput {
        kind: get("kind"),
        inspected_on: get("inspected_on"),
        body: get("body"),
        criteria_upkeep: get("criteria_upkeep"),
        mark_use: get("mark_use"),
        conclusion: get("conclusion"),
        correct_by: get("correct_by"),
    };
    record(&state, &user, id, &input)
        .await
        .or_page(&state, Some(&user))?;
    Ok(see_other(&format!(
        "/san-pham/{id}?tb=da-ghi-kiem-tra#kiem-tra"
    )))
}
