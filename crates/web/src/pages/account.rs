//! Login, logout, password change.

use super::{csrf_of, ctx, flash_text, render, see_other, FlashQuery, FormMap, OrPage, PageResult};
use crate::error::AppError;
use crate::session::{
    cookie, set_cookie, tokens_match, ClientIp, User, Viewer, LOGIN_CSRF_COOKIE, SESSION_COOKIE,
};
use crate::State;
use axum::extract::{Query, State as S};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use ocop_domain::auth::{authorize, Action, Scope};
use rand::RngCore;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
}

/// Only same-site paths are accepted as a destination after login.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

fn login_form(
    state: &State,
    token: &str,
    next: &str,
    username: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let mut c = ctx(None, "", "Đăng nhập");
    c.insert("login_csrf".into(), json!(token));
    c.insert("next".into(), json!(next));
    c.insert("username".into(), json!(username));
    c.insert("error".into(), json!(error));
    let secure = state.config.secure_cookies;
    (
        status,
        [(
            header::SET_COOKIE,
            set_cookie(LOGIN_CSRF_COOKIE, token, 3600, secure),
        )],
        render(state, "login.html", c),
    )
        .into_response()
}

fn new_token() -> String {
    let mut b = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

pub async fn login_page(
    S(state): S<State>,
    viewer: Viewer,
    Query(q): Query<LoginQuery>,
) -> Response {
    if viewer.0.is_some() {
        return see_other(&safe_next(q.next.as_deref()));
    }
    login_form(
        &state,
        &new_token(),
        &safe_next(q.next.as_deref()),
        "",
        None,
        StatusCode::OK,
    )
}

pub async fn login(
    S(state): S<State>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<FormMap>,
) -> Response {
    let next = safe_next(form.get("next").map(|s| s.as_str()));
    let username = form
        .get("username")
        .map(|s| s.trim().to_lowercase())
        .unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    let cookie_token = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if !tokens_match(&cookie_token, csrf_of(&form)) {
        return login_form(
            &state,
            &new_token(),
            &next,
            &username,
            Some("Phiên đăng nhập đã hết hạn. Hãy nhập lại."),
            StatusCode::FORBIDDEN,
        );
    }
    if state.limiter.blocked(&username, &ip) {
        return login_form(
            &state,
            &cookie_token,
            &next,
            &username,
            Some("Bạn đã nhập sai quá nhiều lần. Hãy thử lại sau 15 phút."),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let user = match state.store.check_login(&username, &password).await {
        Ok(u) => u,
        Err(e) => return super::error_page(&state, None, e.into()),
    };
    let Some(user) = user else {
        state.limiter.failed(&username, &ip);
        return login_form(
            &state,
            &cookie_token,
            &next,
            &username,
            Some("Tên đăng nhập hoặc mật khẩu không đúng."),
            StatusCode::UNAUTHORIZED,
        );
    };
    state.limiter.succeeded(&username);
    let (token, _csrf) = match state.store.create_session(user.id).await {
        Ok(t) => t,
        Err(e) => return super::error_page(&state, None, e.into()),
    };
    let secure = state.config.secure_cookies;
    let mut resp = see_other(&next);
    let h = resp.headers_mut();
    for c in [
        set_cookie(SESSION_COOKIE, &token, crate::session_max_age(), secure),
        set_cookie(LOGIN_CSRF_COOKIE, "", 0, secure),
    ] {
        if let Ok(v) = c.parse() {
            h.append(header::SET_COOKIE, v);
        }
    }
    resp
}

pub async fn logout(
    S(state): S<State>,
    user: User,
    headers: HeaderMap,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        state
            .store
            .delete_session(&token)
            .await
            .or_page(&state, Some(&user))?;
    }
    let mut resp = see_other("/");
    if let Ok(v) = set_cookie(SESSION_COOKIE, "", 0, state.config.secure_cookies).parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

fn account_view(state: &State, user: &User, error: Option<&str>, flash: Option<&str>) -> Response {
    let mut c = ctx(Some(user), "", "Tài khoản");
    c.insert("error".into(), json!(error));
    c.insert("flash".into(), json!(flash));
    render(state, "account.html", c)
}

pub async fn account_page(
    S(state): S<State>,
    user: User,
    Query(fq): Query<FlashQuery>,
) -> Response {
    account_view(&state, &user, None, flash_text(fq.tb.as_deref()))
}

pub async fn change_password(
    S(state): S<State>,
    user: User,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let fail = |msg: &str| {
        Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            account_view(&state, &user, Some(msg), None),
        )
            .into_response())
    };
    if get("new_password") != get("confirm_password") {
        return fail("Hai lần nhập mật khẩu mới không khớp.");
    }
    match state
        .store
        .check_login(&user.actor.username, &get("current_password"))
        .await
    {
        Ok(Some(_)) => {}
        Ok(None) => return fail("Mật khẩu hiện tại không đúng."),
        Err(e) => return Err(super::error_page(&state, Some(&user), e.into())),
    }
    let cap = authorize(&user.actor, Action::ChangeOwnPassword, &Scope::national())
        .or_page(&state, Some(&user))?;
    match state
        .store
        .set_password(&cap, user.actor.user_id, &get("new_password"))
        .await
    {
        Ok(()) => {
            // All sessions ended, this one too: log in again with the new password.
            Ok(see_other(
                "/dang-nhap?next=/tai-khoan%3Ftb%3Dda-doi-mat-khau",
            ))
        }
        Err(e) => match AppError::from(e) {
            AppError::Conflict { message, .. } => fail(&message),
            other => Err(super::error_page(&state, Some(&user), other)),
        },
    }
}
