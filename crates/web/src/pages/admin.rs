//! Administration: users and their roles, the audit log.

use super::{
    csrf_of, ctx, flash_text, options, render, role_text, see_other, FlashQuery, FormMap, OrPage,
    PageResult,
};
use crate::error::AppError;
use crate::session::User;
use crate::State;
use axum::extract::{Path, Query, State as S};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use ocop_domain::admin_units::units;
use ocop_domain::auth::{authorize, authorize_grant, Action, Role, Scope, ROLE_CODES};
use ocop_store::accounts::Grant;
use serde_json::json;

fn require_manager(state: &State, user: &User) -> Result<Scope, Response> {
    user.actor.office_scope().ok_or_else(|| {
        super::error_page(
            state,
            Some(user),
            AppError::Forbidden(
                "Chỉ quản trị hệ thống hoặc văn phòng OCOP tỉnh quản lý người dùng.".into(),
            ),
        )
    })
}

/// Is this account visible to a manager of `scope`? Province offices see the
/// accounts with a role in their province, and accounts with no role yet.
pub(crate) fn visible(scope: &Scope, grants: &[Grant]) -> bool {
    match &scope.province {
        None => true,
        Some(p) => {
            grants.is_empty()
                || grants
                    .iter()
                    .any(|g| g.role.scope().province.as_deref() == Some(p))
        }
    }
}

pub async fn users(S(state): S<State>, user: User, Query(fq): Query<FlashQuery>) -> PageResult {
    let scope = require_manager(&state, &user)?;
    users_view(
        &state,
        &user,
        &scope,
        None,
        json!({}),
        flash_text(fq.tb.as_deref()),
    )
    .await
}

async fn users_view(
    state: &State,
    user: &User,
    scope: &Scope,
    error: Option<String>,
    v: serde_json::Value,
    flash: Option<&str>,
) -> PageResult {
    let mut list = Vec::new();
    for u in state.store.list_users().await.or_page(state, Some(user))? {
        let grants = state.store.grants(u.id).await.or_page(state, Some(user))?;
        if visible(scope, &grants) {
            list.push(json!({"id": u.id, "username": u.username, "full_name": u.full_name, "active": u.active,
                "roles": grants.iter().map(|g| role_text(&g.role)).collect::<Vec<_>>()}));
        }
    }
    let mut c = ctx(Some(user), "users", "Người dùng");
    c.insert("users".into(), json!(list));
    c.insert("error".into(), json!(error));
    c.insert("v".into(), v);
    c.insert("flash".into(), json!(flash));
    Ok(render(state, "users/list.html", c))
}

pub async fn create_user(S(state): S<State>, user: User, Form(form): Form<FormMap>) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let scope = require_manager(&state, &user)?;
    let cap = authorize(&user.actor, Action::CreateUser, &scope).or_page(&state, Some(&user))?;
    let get = |k: &str| {
        form.get(k)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let email = Some(get("email")).filter(|e| !e.is_empty());
    if let Some(e) = &email {
        if let Err(err) = ocop_domain::ids::parse_email(e) {
            let page =
                users_view(&state, &user, &scope, Some(err.message), json!(form), None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    }
    if get("full_name").is_empty() {
        let page = users_view(
            &state,
            &user,
            &scope,
            Some("Họ và tên là bắt buộc.".into()),
            json!(form),
            None,
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    match state
        .store
        .create_user(
            &cap,
            &get("username"),
            &get("full_name"),
            email.as_deref(),
            &form.get("password").cloned().unwrap_or_default(),
        )
        .await
    {
        Ok(id) => Ok(see_other(&format!("/quan-tri/nguoi-dung/{id}?tb=da-tao"))),
        Err(e) => match AppError::from(e) {
            AppError::Conflict { message, .. } => {
                let page =
                    users_view(&state, &user, &scope, Some(message), json!(form), None).await?;
                Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
            }
            other => Err(super::error_page(&state, Some(&user), other)),
        },
    }
}

async fn user_view(
    state: &State,
    user: &User,
    id: i64,
    error: Option<String>,
    flash: Option<&str>,
) -> PageResult {
    let scope = require_manager(state, user)?;
    let u = state.store.user(id).await.or_page(state, Some(user))?;
    let grants = state.store.grants(id).await.or_page(state, Some(user))?;
    if !visible(&scope, &grants) {
        return Err(super::error_page(
            state,
            Some(user),
            AppError::Forbidden("Tài khoản này ngoài phạm vi quản lý của bạn.".into()),
        ));
    }
    let roles = if user.actor.is_admin() {
        options(
            ROLE_CODES
                .iter()
                .filter(|c| !matches!(**c, "council_member" | "point_of_sale"))
                .map(|c| (c.to_string(), ocop_domain::auth::label_of(c).to_string())),
        )
    } else {
        options(
            ["commune_officer", "producer"]
                .iter()
                .map(|c| (c.to_string(), ocop_domain::auth::label_of(c).to_string())),
        )
    };
    let mut c = ctx(Some(user), "users", &u.full_name);
    c.insert(
        "grants".into(),
        json!(grants
            .iter()
            .map(|g| json!({"id": g.id, "label": role_text(&g.role)}))
            .collect::<Vec<_>>()),
    );
    c.insert("roles".into(), roles);
    c.insert("error".into(), json!(error));
    c.insert("flash".into(), json!(flash));
    c.insert(
        "can_deactivate".into(),
        json!(
            authorize(&user.actor, Action::DeactivateUser, &scope).is_ok()
                && id != user.actor.user_id
        ),
    );
    c.insert("u".into(), json!(u));
    Ok(render(state, "users/show.html", c))
}

pub async fn user(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Query(fq): Query<FlashQuery>,
) -> PageResult {
    user_view(&state, &user, id, None, flash_text(fq.tb.as_deref())).await
}

/// Build the role a grant form describes, or say what is missing.
async fn role_from_form(state: &State, form: &FormMap) -> Result<Role, String> {
    let get = |k: &str| {
        form.get(k)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let u = units();
    Ok(match get("role").as_str() {
        "admin" => Role::Admin,
        "ministry" => Role::Ministry,
        "buyer" => Role::Buyer,
        "province_office" => {
            let p = get("province");
            u.province(&p).ok_or(format!(
                "Mã tỉnh \"{p}\" không có trong danh mục 34 tỉnh, thành phố."
            ))?;
            Role::ProvinceOffice { province: p }
        }
        "commune_officer" => {
            let c = get("commune");
            let commune = u.commune(&c).ok_or(format!(
                "Mã xã \"{c}\" không có trong danh mục xã hiện hành."
            ))?;
            Role::CommuneOfficer {
                province: commune.province_code.clone(),
                commune: c,
            }
        }
        "producer" => {
            let reg = get("producer").to_uppercase();
            let p = state
                .store
                .producer_by_registration(&reg)
                .await
                .map_err(|e| e.to_string())?
                .ok_or(format!("Không có chủ thể mã số \"{reg}\"."))?;
            Role::Producer {
                province: p.province_code,
                commune: p.commune_code,
                producer_id: p.id,
            }
        }
        other => return Err(format!("Vai trò \"{other}\" không cấp được ở đây.")),
    })
}

pub async fn grant(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let role = match role_from_form(&state, &form).await {
        Ok(r) => r,
        Err(msg) => {
            let page = user_view(&state, &user, id, Some(msg), None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let cap = authorize_grant(&user.actor, Action::GrantRole, &role.scope(), Some(&role))
        .or_page(&state, Some(&user))?;
    state
        .store
        .grant_role(&cap, id, &role)
        .await
        .or_page(&state, Some(&user))?;
    Ok(see_other(&format!(
        "/quan-tri/nguoi-dung/{id}?tb=da-cap-vai-tro"
    )))
}

pub async fn revoke(
    S(state): S<State>,
    user: User,
    Path((id, grant_id)): Path<(i64, i64)>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let grants = state.store.grants(id).await.or_page(&state, Some(&user))?;
    let g = grants
        .iter()
        .find(|g| g.id == grant_id)
        .ok_or(AppError::NotFound("vai trò".into()))
        .or_page(&state, Some(&user))?;
    let cap = authorize_grant(
        &user.actor,
        Action::GrantRole,
        &g.role.scope(),
        Some(&g.role),
    )
    .or_page(&state, Some(&user))?;
    state
        .store
        .revoke_role(&cap, id, grant_id)
        .await
        .or_page(&state, Some(&user))?;
    Ok(see_other(&format!(
        "/quan-tri/nguoi-dung/{id}?tb=da-thu-hoi"
    )))
}

async fn set_active(state: State, user: User, id: i64, form: FormMap, active: bool) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let scope = require_manager(&state, &user)?;
    let grants = state.store.grants(id).await.or_page(&state, Some(&user))?;
    if !visible(&scope, &grants) || id == user.actor.user_id {
        return Err(super::error_page(
            &state,
            Some(&user),
            AppError::Forbidden("Không khoá được tài khoản này.".into()),
        ));
    }
    let cap =
        authorize(&user.actor, Action::DeactivateUser, &scope).or_page(&state, Some(&user))?;
    state
        .store
        .set_user_active(&cap, id, active)
        .await
        .or_page(&state, Some(&user))?;
    Ok(see_other(&format!("/quan-tri/nguoi-dung/{id}?tb=da-luu")))
}

pub async fn lock(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    set_active(state, user, id, form, false).await
}

pub async fn unlock(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    set_active(state, user, id, form, true).await
}

pub async fn audit(S(state): S<State>, user: User) -> PageResult {
    if !user.actor.is_admin() {
        return Err(super::error_page(
            &state,
            Some(&user),
            AppError::Forbidden("Chỉ quản trị hệ thống xem nhật ký toàn hệ thống.".into()),
        ));
    }
    let report = state
        .store
        .verify_audit()
        .await
        .or_page(&state, Some(&user))?;
    let recent = state
        .store
        .recent_audit(200)
        .await
        .or_page(&state, Some(&user))?;
    let rows: Vec<serde_json::Value> = recent
        .iter()
        .map(|e| {
            let link = match e.entity.as_str() {
                "producer" => Some(format!("/chu-the/{}", e.entity_id)),
                "product" => Some(format!("/san-pham/{}", e.entity_id)),
                "user" => Some(format!("/quan-tri/nguoi-dung/{}", e.entity_id)),
                _ => None,
            };
            json!({"id": e.id, "at": e.at, "actor_name": e.actor_name, "action_label": super::action_label(&e.action),
                   "entity": e.entity, "entity_id": e.entity_id, "link": link})
        })
        .collect();
    let mut c = ctx(Some(&user), "audit", "Nhật ký thao tác");
    c.insert("faults".into(), json!(report.faults));
    c.insert("entries".into(), json!(report.entries));
    c.insert("recent".into(), json!(rows));
    Ok(render(&state, "audit.html", c))
}
