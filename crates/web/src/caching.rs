//! HTTP caching of HTML pages, decided in one place. A page shows who is
//! logged in (and their menus), so:
//! - for a visitor without a session, a page is public: an ETag from its
//!   body, `Cache-Control: public, max-age=60` (a revocation shows within a
//!   minute on every shelf), `Vary: Cookie`, and 304 when the client already
//!   has it — cheap on a phone over a slow network;
//! - for a logged-in user it is `private, no-cache`: never stored by a shared
//!   cache, revalidated by the browser.
//!
//! Responses that set a cookie (the login form's CSRF cookie) are never
//! cached. JSON and files set their own headers where they are served. A
//! page whose body changes without its content changing (a clock line) sets
//! its own validator with [`with_validator`].

use crate::session::SESSION_COOKIE;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

pub async fn cache_pages(req: Request, next: Next) -> Response {
    let get = req.method() == Method::GET || req.method() == Method::HEAD;
    let logged_in = crate::session::cookie(req.headers(), SESSION_COOKIE).is_some();
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
    let resp = next.run(req).await;
    let html = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !get
        || !html
        || resp.status() != StatusCode::OK
        || resp.headers().contains_key(header::SET_COOKIE)
    {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    if logged_in {
        parts.headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        );
        return Response::from_parts(parts, body);
    }
    // Pages are rendered whole in memory anyway: buffering costs no more.
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "Lỗi hệ thống").into_response();
    };
    let tag = match parts
        .headers
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
    {
        Some(t) => t.to_string(),
        None => etag(&bytes),
    };
    let h = &mut parts.headers;
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    h.insert(header::VARY, HeaderValue::from_static("Cookie"));
    if let Ok(v) = HeaderValue::from_str(&tag) {
        h.insert(header::ETAG, v);
    }
    if if_none_match.as_ref().and_then(|v| v.to_str().ok()) == Some(tag.as_str()) {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn etag(bytes: &[u8]) -> String {
    format!("\"{}\"", hex::encode(&Sha256::digest(bytes)[..12]))
}

/// Give `resp` the ETag of `source` instead of its body's.
pub fn with_validator(mut resp: Response, source: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(&etag(source.as_bytes())) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp
}
