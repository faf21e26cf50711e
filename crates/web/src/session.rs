//! Who is asking: the session cookie, the actor behind it, CSRF tokens, the
//! Origin check and the login rate limiter.

use crate::error::AppError;
use crate::State;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use ocop_domain::auth::Actor;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const SESSION_COOKIE: &str = "ocop_session";
/// Double-submit token protecting the login form itself (no session yet).
pub const LOGIN_CSRF_COOKIE: &str = "ocop_login_csrf";
/// Header carrying the CSRF token on state-changing API calls.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Read one cookie from the request.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value with our flags.
pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Constant-time comparison of tokens.
pub fn tokens_match(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
        && !a.is_empty()
}

/// The logged-in user of a request.
#[derive(Debug, Clone)]
pub struct User {
    pub actor: Actor,
    pub full_name: String,
    pub csrf: String,
}

impl User {
    /// Check a form's CSRF field.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), AppError> {
        if tokens_match(&self.csrf, submitted) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "Phiên biểu mẫu đã hết hạn hoặc không hợp lệ (CSRF). Hãy tải lại trang và thử lại."
                    .into(),
            ))
        }
    }
}

/// The viewer of a page: a user or an anonymous visitor.
#[derive(Debug, Clone)]
pub struct Viewer(pub Option<User>);

async fn load_user(parts: &Parts, state: &State) -> Result<Option<User>, AppError> {
    let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let Some(session) = state.store.session(&token).await? else {
        return Ok(None);
    };
    let user = state.store.user(session.user_id).await?;
    if !user.active {
        return Ok(None);
    }
    let actor = state.store.actor(session.user_id).await?;
    Ok(Some(User {
        actor,
        full_name: user.full_name,
        csrf: session.csrf_token,
    }))
}

fn is_api(parts: &Parts) -> bool {
    parts.uri.path().starts_with("/api/")
}

impl FromRequestParts<State> for Viewer {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &State) -> Result<Self, Self::Rejection> {
        match load_user(parts, state).await {
            Ok(u) => Ok(Viewer(u)),
            Err(e) => Err(e.json()),
        }
    }
}

/// Rejects anonymous requests: a redirect to the login page for pages, 401 for the API.
impl FromRequestParts<State> for User {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &State) -> Result<Self, Self::Rejection> {
        let user = load_user(parts, state).await.map_err(|e| e.json())?;
        let Some(user) = user else {
            return Err(if is_api(parts) {
                AppError::Unauthenticated.json()
            } else {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                Redirect::to(&format!("/dang-nhap?next={}", urlencode(next))).into_response()
            });
        };
        // State-changing API calls authenticated by cookie must carry the CSRF token.
        if is_api(parts) && !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !tokens_match(&user.csrf, sent) {
                return Err(AppError::Forbidden(
                    "Thiếu hoặc sai mã CSRF (tiêu đề X-CSRF-Token).".into(),
                )
                .json());
            }
        }
        Ok(user)
    }
}

/// Percent-encode a query value.
pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The client's address, for rate limiting.
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_else(|| "unknown".into()),
        ))
    }
}

/// Reject cross-site state-changing requests whose `Origin` is not ours
/// (defence in depth beside the CSRF tokens and SameSite cookies).
pub async fn origin_check(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        if let (Some(origin), Some(host)) = (
            req.headers()
                .get(header::ORIGIN)
                .and_then(|v| v.to_str().ok()),
            req.headers()
                .get(header::HOST)
                .and_then(|v| v.to_str().ok()),
        ) {
            let origin_host = origin.split("://").nth(1).unwrap_or("");
            if origin != "null" && origin_host != host {
                return (
                    StatusCode::FORBIDDEN,
                    "Yêu cầu từ trang khác bị từ chối (Origin).",
                )
                    .into_response();
            }
        }
    }
    next.run(req).await
}

/// Failed logins allowed per window, per account and per address.
pub const MAX_FAILURES_PER_USER: u32 = 5;
pub const MAX_FAILURES_PER_IP: u32 = 20;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Counts failed logins in fixed windows, in memory (per node; good enough
/// against guessing, and a restart only gives an attacker a fresh window).
#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginLimiter {
    fn count(&self, key: &str) -> u32 {
        let map = self.failures.lock().expect("limiter lock");
        match map.get(key) {
            Some((n, since)) if since.elapsed() < WINDOW => *n,
            _ => 0,
        }
    }

    /// Is a login for this user from this address currently blocked?
    pub fn blocked(&self, username: &str, ip: &str) -> bool {
        self.count(&format!("u:{}", username.to_lowercase())) >= MAX_FAILURES_PER_USER
            || self.count(&format!("ip:{ip}")) >= MAX_FAILURES_PER_IP
    }

    pub fn failed(&self, username: &str, ip: &str) {
        let mut map = self.failures.lock().expect("limiter lock");
        if map.len() > 100_000 {
            map.retain(|_, (_, since)| since.elapsed() < WINDOW);
        }
        for key in [format!("u:{}", username.to_lowercase()), format!("ip:{ip}")] {
            let e = map.entry(key).or_insert((0, Instant::now()));
            if e.1.elapsed() >= WINDOW {
                *e = (0, Instant::now());
            }
            e.0 += 1;
        }
    }

    pub fn succeeded(&self, username: &str) {
        self.failures
            .lock()
            .expect("limiter lock")
            .remove(&format!("u:{}", username.to_lowercase()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_blocks_after_five_failures() {
        let l = LoginLimiter::default();
        for _ in 0..MAX_FAILURES_PER_USER {
            assert!(!l.blocked("a", "1.1.1.1"));
            l.failed("a", "1.1.1.1");
        }
        assert!(l.blocked("A", "2.2.2.2"));
        assert!(!l.blocked("b", "1.1.1.1"));
        l.succeeded("a");
        assert!(!l.blocked("a", "1.1.1.1"));
    }

    #[test]
    fn token_compare() {
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abc", "abd"));
        assert!(!tokens_match("", ""));
    }
}
