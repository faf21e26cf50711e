//! The web layer: Vietnamese HTML pages, the JSON API under `/api/v1` with its
//! OpenAPI document, sessions, CSRF, security headers. Handlers are thin:
//! parse → authorize (domain) → call the store → render.

// Handlers return `Result<Response, Response>`: the error side is a rendered
// page or JSON error, as large as a success. Boxing it would buy nothing.
#![allow(clippy::result_large_err)]

pub mod api;
mod caching;
pub mod derived;
pub mod dossier_thread;
pub mod dossiers;
pub mod error;
pub mod evidence;
pub mod inspections;

/// Registry exports, shared by the page, the API and `ocop export`.
pub mod export {
    pub use crate::pages::{export_file, producer_cells, product_cells, ExportScope};
}
pub mod markets;
pub mod matching;
pub mod open_data;
pub mod openapi;
pub mod pages;
pub mod pos_files;
pub mod public;
pub mod public_cache;
pub mod public_catalog;
pub mod rounds;
pub mod session;
pub mod templates;
pub mod trade_events;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue, Request};
use axum::routing::get;
use axum::Router;
use ocop_store::Store;
use std::sync::Arc;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Settings the web layer needs.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Add `Secure` to cookies (serve behind HTTPS).
    pub secure_cookies: bool,
    /// Fix "today" (tests, demos); unset means the current date in Asia/Ho_Chi_Minh.
    pub today: Clock,
    /// The public address printed in QR codes, e.g. `https://ocop.example.vn`;
    /// `None` uses the Host of each request.
    pub public_url: Option<String>,
    /// Where evidence files are kept, by content hash (default `data/files`).
    pub files_dir: Option<std::path::PathBuf>,
}

/// "Today" as tests set it: fixed to a day that a test can move (to reach
/// an expiry or a deadline), or, by default, the real date.
#[derive(Debug, Clone, Default)]
pub struct Clock(Option<Arc<std::sync::atomic::AtomicI32>>);

impl Clock {
    pub fn fixed(day: chrono::NaiveDate) -> Self {
        Clock(Some(Arc::new(std::sync::atomic::AtomicI32::new(
            chrono::Datelike::num_days_from_ce(&day),
        ))))
    }

    /// Move a fixed clock (no effect on the real one).
    pub fn set(&self, day: chrono::NaiveDate) {
        if let Some(c) = &self.0 {
            c.store(
                chrono::Datelike::num_days_from_ce(&day),
                std::sync::atomic::Ordering::Relaxed,
            );
        }
    }

    pub fn today(&self) -> Option<chrono::NaiveDate> {
        self.0.as_ref().and_then(|c| {
            chrono::NaiveDate::from_num_days_from_ce_opt(
                c.load(std::sync::atomic::Ordering::Relaxed),
            )
        })
    }
}

pub struct AppState {
    pub store: Store,
    /// The catalog's search index, derived from `store`.
    pub search: Arc<ocop_search::Search>,
    pub config: Config,
    pub templates: templates::Templates,
    pub limiter: session::LoginLimiter,
    pub statistics: derived::Derived<public_catalog::Figures>,
    /// The points-of-sale network by province, per day and commit count.
    pub pos_network: derived::Derived<std::sync::Arc<Vec<ocop_store::markets::NetworkProvince>>>,
    /// Public answers every visitor gets alike, kept while nothing changed.
    pub public_cache: public_cache::PublicCache,
    /// Evidence files, outside the database.
    pub files: ocop_store::evidence::FileStore,
}

impl AppState {
    pub fn new(store: Store, search: Arc<ocop_search::Search>, config: Config) -> Arc<Self> {
        let files = ocop_store::evidence::FileStore::new(
            config
                .files_dir
                .clone()
                .unwrap_or_else(|| std::path::PathBuf::from("data/files")),
        );
        Arc::new(Self {
            store,
            search,
            files,
            config,
            templates: templates::Templates::new(),
            limiter: session::LoginLimiter::default(),
            statistics: Default::default(),
            pos_network: Default::default(),
            public_cache: Default::default(),
        })
    }

    /// Today in Vietnam (UTC+7), where certificate validity is reckoned.
    pub fn today(&self) -> chrono::NaiveDate {
        self.config
            .today
            .today()
            .unwrap_or_else(|| (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive())
    }
}

pub type State = Arc<AppState>;

/// Session cookie lifetime in seconds (matches the store's session expiry).
pub fn session_max_age() -> i64 {
    ocop_store::accounts::SESSION_HOURS * 3600
}

/// Largest request body (imports may be large spreadsheets).
pub const MAX_BODY_BYTES: usize = 25 * 1024 * 1024;

const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

/// The whole application.
pub fn router(state: State) -> Router {
    let x_request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .merge(pages::routes())
        .merge(api::routes())
        .merge(public::routes())
        .merge(dossiers::routes())
        .merge(dossier_thread::routes())
        .merge(evidence::routes())
        .merge(inspections::routes())
        .merge(rounds::routes())
        .merge(markets::routes())
        .merge(pos_files::routes())
        .merge(trade_events::routes())
        .merge(matching::routes())
        .route("/health", get(health))
        .route("/static/app.css", get(templates::stylesheet))
        .route("/static/search.js", get(templates::search_script))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(caching::cache_pages))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            public_cache::serve,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(refuse_oversized))
        .layer(axum::middleware::from_fn(refuse_nul))
        .layer(axum::middleware::from_fn(session::origin_check))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", method = %req.method(), uri = %req.uri(), request_id = %id)
            }),
        )
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
        .with_state(state)
}

/// A request announcing a body over [`MAX_BODY_BYTES`] is refused (413)
/// before any handler runs. Extractors enforce the limit on the bodies they
/// read, but a handler that reads none (activate, withdraw, log out…) would
/// otherwise act on a request it should have refused.
async fn refuse_oversized(
    req: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return error::AppError::TooLarge.json();
    }
    next.run(req).await
}

/// No text the system keeps or compares holds NUL (PostgreSQL cannot store
/// it), and a NUL can only arrive percent-encoded in an address: such a
/// request is refused (400) before any page or query sees it.
async fn refuse_nul(
    req: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let uri = req.uri();
    let has_nul = |s: &str| s.contains("%00");
    if has_nul(uri.path()) || uri.query().is_some_and(has_nul) {
        return error::AppError::bad_request(
            "nul_character",
            "Địa chỉ có ký tự NUL (%00).",
            "The address contains the NUL character (%00).",
        )
        .json();
    }
    next.run(req).await
}

async fn health(
    axum::extract::State(state): axum::extract::State<State>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if state.store.ping().await {
        (
            axum::http::StatusCode::OK,
            axum::Json(serde_json::json!({"status": "ok"})),
        )
            .into_response()
    } else {
        (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({"status": "database unavailable"})),
        )
            .into_response()
    }
}
