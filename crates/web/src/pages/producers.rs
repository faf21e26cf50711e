//! Producer pages: list, create, show, edit, deactivate.

use super::{
    csrf_of, ctx, field_errors, flash_text, history_json, input_from, options, province_options,
    render, see_other, version_of, FlashQuery, FormMap, OrPage, PageResult,
};
use crate::error::AppError;
use crate::session::User;
use crate::State;
use axum::extract::{Path, Query, State as S};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Form;
use ocop_domain::admin_units::{short_name, units};
use ocop_domain::auth::{authorize, Action, Role, Scope};
use ocop_domain::producer::{Gender, ProducerInput, ProducerKind};
use ocop_store::registry::{ProducerFilter, ProducerRow, ProductFilter};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
    tinh: Option<String>,
    loai: Option<String>,
    xa: Option<String>,
    ca_ngung: Option<String>,
    trang: Option<i64>,
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

pub(crate) fn kind_options() -> serde_json::Value {
    options(
        ProducerKind::ALL
            .iter()
            .map(|k| (k.code().to_string(), k.label().to_string())),
    )
}

/// Communes the user may register producers in.
fn commune_options(user: &User) -> serde_json::Value {
    let u = units();
    let mut allowed: Vec<(String, String)> = Vec::new();
    let national = user.actor.roles.iter().any(|r| matches!(r, Role::Admin));
    for p in u.provinces_sorted() {
        let in_province = national
            || user
                .actor
                .roles
                .iter()
                .any(|r| matches!(r, Role::ProvinceOffice { province } if *province == p.code));
        for c in u.communes_of(&p.code) {
            let own = user
                .actor
                .roles
                .iter()
                .any(|r| matches!(r, Role::CommuneOfficer { commune, .. } | Role::Producer { commune, .. } if *commune == c.code));
            if in_province || own {
                allowed.push((
                    c.code.clone(),
                    format!("{} — {} ({})", c.name, short_name(&p.name), c.code),
                ));
            }
        }
    }
    options(allowed)
}

fn gender_options() -> serde_json::Value {
    options(
        [Gender::Female, Gender::Male]
            .iter()
            .map(|g| (g.code().to_string(), g.label().to_string())),
    )
}

fn scope_of(p: &ProducerRow) -> Scope {
    Scope::producer(&p.province_code, &p.commune_code, p.id)
}

pub async fn list(S(state): S<State>, user: User, Query(q): Query<ListQuery>) -> PageResult {
    let own_producer = user.actor.roles.iter().find_map(|r| match r {
        Role::Producer { producer_id, .. } => Some(*producer_id),
        _ => None,
    });
    let staff = user
        .actor
        .roles
        .iter()
        .any(|r| !matches!(r, Role::Producer { .. }));
    // A first visit (no `tinh` in the query) shows the viewer's own province.
    let province = match &q.tinh {
        None => user.actor.home_scope().province,
        Some(_) => non_empty(&q.tinh),
    };
    let filter = ProducerFilter {
        q: non_empty(&q.q),
        province: province.clone(),
        commune: non_empty(&q.xa),
        kind: non_empty(&q.loai),
        producer_id: if staff {
            None
        } else {
            own_producer.or(Some(-1))
        },
        include_inactive: q.ca_ngung.is_some(),
        page: q.trang.unwrap_or(1),
        per_page: 50,
    };
    let page = state
        .store
        .list_producers(&filter)
        .await
        .or_page(&state, Some(&user))?;
    let items: Vec<serde_json::Value> = page
        .items
        .iter()
        .map(|i| {
            let mut v = serde_json::to_value(i).unwrap_or_default();
            v["id"] = json!(i.producer.id);
            v
        })
        .collect();
    let base_url = format!(
        "/chu-the?q={}&tinh={}&loai={}{}",
        crate::session::urlencode(filter.q.as_deref().unwrap_or("")),
        province.as_deref().unwrap_or(""),
        filter.kind.as_deref().unwrap_or(""),
        if filter.include_inactive {
            "&ca_ngung=1"
        } else {
            ""
        }
    );
    let mut c = ctx(Some(&user), "producers", "Chủ thể OCOP");
    c.insert(
        "page".into(),
        json!({"total": page.total, "page": page.page, "pages": page.pages(), "items": items}),
    );
    c.insert(
        "f".into(),
        json!({"q": filter.q, "province": province, "kind": filter.kind, "include_inactive": filter.include_inactive}),
    );
    c.insert("provinces".into(), province_options());
    c.insert("kinds".into(), kind_options());
    c.insert("base_url".into(), json!(base_url));
    c.insert(
        "can_create".into(),
        json!(user
            .actor
            .roles
            .iter()
            .any(|r| super::may_somewhere(r, Action::CreateProducer))),
    );
    Ok(render(&state, "producers/list.html", c))
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    state: &State,
    user: &User,
    title: &str,
    action: &str,
    cancel: &str,
    v: serde_json::Value,
    errors: serde_json::Value,
    version: Option<i64>,
) -> axum::response::Response {
    let mut c = ctx(Some(user), "producers", title);
    c.insert("action".into(), json!(action));
    c.insert("cancel".into(), json!(cancel));
    c.insert("v".into(), v);
    c.insert("errors".into(), errors);
    c.insert("version".into(), json!(version));
    c.insert("kinds".into(), kind_options());
    c.insert("genders".into(), gender_options());
    c.insert("communes".into(), commune_options(user));
    render(state, "producers/form.html", c)
}

pub async fn new_form(S(state): S<State>, user: User) -> PageResult {
    if !user
        .actor
        .roles
        .iter()
        .any(|r| super::may_somewhere(r, Action::CreateProducer))
    {
        return Err(super::error_page(
            &state,
            Some(&user),
            AppError::Forbidden("Bạn không có quyền thêm chủ thể.".into()),
        ));
    }
    // Preselect the officer's own commune.
    let commune = user.actor.roles.iter().find_map(|r| match r {
        Role::CommuneOfficer { commune, .. } => Some(commune.clone()),
        _ => None,
    });
    Ok(form_page(
        &state,
        &user,
        "Thêm chủ thể OCOP",
        "/chu-the/moi",
        "/chu-the",
        json!({"commune_code": commune, "representative_ethnicity": "Kinh"}),
        json!({}),
        None,
    ))
}

pub async fn create(S(state): S<State>, user: User, Form(form): Form<FormMap>) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let input: ProducerInput = input_from(&form);
    let result: Result<i64, AppError> = async {
        let data = input.validate(units())?;
        let cap = authorize(
            &user.actor,
            Action::CreateProducer,
            &Scope::commune(&data.province_code, &data.commune_code),
        )?;
        Ok(state.store.create_producer(&cap, &data).await?)
    }
    .await;
    match result {
        Ok(id) => Ok(see_other(&format!("/chu-the/{id}?tb=da-tao"))),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page(
                &state,
                &user,
                "Thêm chủ thể OCOP",
                "/chu-the/moi",
                "/chu-the",
                json!(form),
                field_errors(&e),
                None,
            ),
        )
            .into_response()),
        Err(e) => Err(super::error_page(&state, Some(&user), e)),
    }
}

pub async fn show(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Query(fq): Query<FlashQuery>,
) -> PageResult {
    let p = state
        .store
        .producer(id)
        .await
        .or_page(&state, Some(&user))?;
    let scope = scope_of(&p);
    let can_read = user.actor.can_read(&scope);
    let staff = user
        .actor
        .roles
        .iter()
        .any(|r| !matches!(r, Role::Producer { .. }));
    if !staff && !can_read {
        return Err(super::error_page(
            &state,
            Some(&user),
            AppError::Forbidden("Bạn chỉ xem được hồ sơ của chủ thể mình.".into()),
        ));
    }
    let products = state
        .store
        .list_products(&ProductFilter {
            producer_id: Some(id),
            include_inactive: true,
            per_page: 200,
            page: 1,
            ..Default::default()
        })
        .await
        .or_page(&state, Some(&user))?;
    let today = state.today();
    let products: Vec<serde_json::Value> = products
        .items
        .iter()
        .map(|x| {
            let status = x.certificate_status(today);
            json!({"id": x.product.id, "code": x.product.code, "name": x.product.name, "set_code": x.product.set_code,
                   "stars": x.stars, "expires_on": x.expires_on, "status": status.map(|s| s.code()), "status_label": status.map(|s| s.label())})
        })
        .collect();
    let history = if can_read {
        state
            .store
            .history("producer", &id.to_string())
            .await
            .or_page(&state, Some(&user))?
    } else {
        Vec::new()
    };
    let u = units();
    let mut c = ctx(Some(&user), "producers", &p.name);
    c.insert(
        "commune_name".into(),
        json!(u.commune(&p.commune_code).map(|c| c.name.clone())),
    );
    c.insert(
        "province_name".into(),
        json!(u.province(&p.province_code).map(|c| c.name.clone())),
    );
    c.insert(
        "legacy_name".into(),
        json!(p
            .legacy_commune_code
            .as_deref()
            .and_then(|l| u.legacy_commune(l))
            .map(|l| format!("{} ({})", l.name, l.code))),
    );
    c.insert("can_read_private".into(), json!(can_read));
    c.insert(
        "can_edit".into(),
        json!(authorize(&user.actor, Action::EditProducer, &scope).is_ok()),
    );
    c.insert(
        "can_add_product".into(),
        json!(authorize(&user.actor, Action::CreateProduct, &scope).is_ok()),
    );
    c.insert(
        "can_deactivate".into(),
        json!(authorize(&user.actor, Action::DeactivateProducer, &scope).is_ok()),
    );
    c.insert("products".into(), json!(products));
    c.insert("history".into(), history_json(&history));
    c.insert("flash".into(), json!(flash_text(fq.tb.as_deref())));
    c.insert("p".into(), json!(p));
    Ok(render(&state, "producers/show.html", c))
}

pub async fn edit_form(S(state): S<State>, user: User, Path(id): Path<i64>) -> PageResult {
    let p = state
        .store
        .producer(id)
        .await
        .or_page(&state, Some(&user))?;
    authorize(&user.actor, Action::EditProducer, &scope_of(&p)).or_page(&state, Some(&user))?;
    let data = ocop_domain::producer::ProducerData {
        name: p.name.clone(),
        kind: ProducerKind::parse(&p.kind).unwrap_or(ProducerKind::Cooperative),
        registration_number: p.registration_number.clone(),
        address: p.address.clone(),
        commune_code: p.commune_code.clone(),
        province_code: p.province_code.clone(),
        legacy_commune_code: p.legacy_commune_code.clone(),
        phone: p.phone.clone(),
        email: p.email.clone(),
        website: p.website.clone(),
        representative_name: p.representative_name.clone(),
        representative_gender: Gender::parse(&p.representative_gender).unwrap_or(Gender::Male),
        representative_ethnicity: p.representative_ethnicity.clone(),
        representative_disability: p.representative_disability,
        community_capital_pct: p.community_capital_pct,
        workers: p.workers,
        description: p.description.clone(),
    };
    let v = json!(ProducerInput::from(&data));
    Ok(form_page(
        &state,
        &user,
        &format!("Sửa: {}", p.name),
        &format!("/chu-the/{id}/sua"),
        &format!("/chu-the/{id}"),
        v,
        json!({}),
        Some(p.version),
    ))
}

pub async fn update(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let before = state
        .store
        .producer(id)
        .await
        .or_page(&state, Some(&user))?;
    let input: ProducerInput = input_from(&form);
    let result: Result<(), AppError> = async {
        let cap = authorize(&user.actor, Action::EditProducer, &scope_of(&before))?;
        let data = input.validate(units())?;
        // Moving a producer needs the right in the destination too.
        authorize(
            &user.actor,
            Action::EditProducer,
            &Scope::producer(&data.province_code, &data.commune_code, id),
        )?;
        Ok(state
            .store
            .update_producer(&cap, id, &data, version_of(&form))
            .await?)
    }
    .await;
    match result {
        Ok(()) => Ok(see_other(&format!("/chu-the/{id}?tb=da-luu"))),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page(
                &state,
                &user,
                &format!("Sửa: {}", before.name),
                &format!("/chu-the/{id}/sua"),
                &format!("/chu-the/{id}"),
                json!(form),
                field_errors(&e),
                version_of(&form),
            ),
        )
            .into_response()),
        Err(e) => Err(super::error_page(&state, Some(&user), e)),
    }
}

async fn set_active(state: State, user: User, id: i64, form: FormMap, active: bool) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let p = state
        .store
        .producer(id)
        .await
        .or_page(&state, Some(&user))?;
    let cap = authorize(&user.actor, Action::DeactivateProducer, &scope_of(&p))
        .or_page(&state, Some(&user))?;
    state
        .store
        .set_producer_active(&cap, id, active)
        .await
        .or_page(&state, Some(&user))?;
    Ok(see_other(&format!(
        "/chu-the/{id}?tb={}",
        if active { "da-mo-lai" } else { "da-ngung" }
    )))
}

pub async fn deactivate(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    set_active(state, user, id, form, false).await
}

pub async fn reactivate(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    set_active(state, user, id, form, true).await
}
