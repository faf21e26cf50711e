//! The server's own cache of the public answers that every visitor gets
//! alike: the catalog and its search, product, producer and verification
//! pages, the GS1 resolver, the statistics and the points-of-sale
//! directory. A QR code on a popular jar is scanned thousands of times a
//! day, and a handful of searches make most of the catalog's traffic; each
//! is worked out once, then served from memory.
//!
//! An answer is kept under a stamp of everything it could depend on, and
//! only served while the stamp is unchanged:
//! - this process's commit count: any write made here (a revocation, a new
//!   listing) retires every answer at once, so a visitor reading after a
//!   write sees it;
//! - the catalog's generation, which follows writes made by other processes
//!   (an import from the command line) through the outbox;
//! - the day (certificates turn "expiring soon" or "expired") and the minute:
//!   no answer is older than a minute, which is also less than the
//!   `max-age=60` every such page already allows any shared cache. It keeps
//!   the verification page's "checked at" line true and bounds what a write
//!   made elsewhere and not in the outbox could leave stale.
//!
//! Only a request without cookies or credentials is served from here: a
//! logged-in user's pages name the user, and a visitor's cookie (the login
//! form's CSRF token) is theirs. Only whole successful answers (200 and
//! redirects) without a cookie of their own are kept. Memory is bounded:
//! only the latest stamp's answers are kept (a change retires the rest at
//! once), within a budget from which the least recently used go first.

use crate::State;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use std::sync::{Arc, Mutex};

/// Bytes of answers kept (bodies, headers and addresses).
const BUDGET_BYTES: usize = 32 * 1024 * 1024;
/// An answer larger than this is served but not kept.
const MAX_ANSWER_BYTES: usize = 1024 * 1024;
/// A longer address is served but not kept (nobody shares such a link).
const MAX_URI_BYTES: usize = 2048;
/// Says whether an answer came from the cache (`hit`) or was worked out
/// (`miss`), as shared caches do: for operators, tests and the benchmark.
pub const CACHE_HEADER: &str = "x-ocop-cache";

/// What an answer may depend on besides its address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    commits: u64,
    generation: u64,
    today: NaiveDate,
    minute: i64,
}

impl Stamp {
    /// Does `other` retire the answers kept under this stamp? The counters
    /// and the minute only move forward; the day may also move back (a
    /// clock set right, or moved in tests), and any other day retires them.
    fn retired_by(&self, other: &Stamp) -> bool {
        other.today != self.today
            || other.commits > self.commits
            || other.generation > self.generation
            || other.minute > self.minute
    }
}

/// What tells answers of one stamp apart.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Key {
    /// Path and query.
    uri: String,
    /// The Host and Accept headers: links are absolute on the host asked
    /// (unless a public address is configured), and the GS1 resolver
    /// answers a linkset or a page depending on Accept.
    host: String,
    accept: String,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    /// Bytes this answer holds under `key`, roughly.
    fn weight(&self, key: &Key) -> usize {
        let headers: usize = self
            .headers
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len())
            .sum();
        self.body.len() + headers + key.uri.len() + key.host.len() + key.accept.len() + 128
    }

    /// This answer for a request that may already hold it (If-None-Match).
    fn response(&self, if_none_match: Option<&[u8]>, hit: bool) -> Response {
        let etag = self.headers.get(header::ETAG).map(|v| v.as_bytes());
        let (status, body) = match (if_none_match, etag) {
            (Some(sent), Some(tag)) if sent == tag && self.status == StatusCode::OK => {
                (StatusCode::NOT_MODIFIED, Body::empty())
            }
            _ => (self.status, Body::from(self.body.clone())),
        };
        let mut resp = Response::new(body);
        *resp.status_mut() = status;
        *resp.headers_mut() = self.headers.clone();
        if status == StatusCode::NOT_MODIFIED {
            resp.headers_mut().remove(header::CONTENT_LENGTH);
        }
        resp.headers_mut().insert(
            CACHE_HEADER,
            HeaderValue::from_static(if hit { "hit" } else { "miss" }),
        );
        resp
    }
}

/// Answers of one stamp, the latest: once anything changed, no request
/// can ask for an older stamp's answers, so they go at once rather than
/// filling the budget under a stream of writes.
struct Kept {
    stamp: Option<Stamp>,
    /// Each answer with its weight.
    answers: lru::LruCache<Key, (Arc<Answer>, usize)>,
    bytes: usize,
}

pub struct PublicCache {
    kept: Mutex<Kept>,
    budget: usize,
}

impl Default for PublicCache {
    fn default() -> Self {
        PublicCache::with_budget(BUDGET_BYTES)
    }
}

impl PublicCache {
    fn with_budget(budget: usize) -> Self {
        PublicCache {
            kept: Mutex::new(Kept {
                stamp: None,
                answers: lru::LruCache::unbounded(),
                bytes: 0,
            }),
            budget,
        }
    }

    fn get(&self, stamp: Stamp, key: &Key) -> Option<Arc<Answer>> {
        let mut kept = self.kept.lock().expect("public cache lock");
        if kept.stamp != Some(stamp) {
            return None;
        }
        kept.answers.get(key).map(|(a, _)| a.clone())
    }

    fn put(&self, stamp: Stamp, key: Key, answer: Answer) {
        let weight = answer.weight(&key);
        if weight > self.budget {
            return;
        }
        let mut kept = self.kept.lock().expect("public cache lock");
        match kept.stamp {
            Some(s) if s == stamp => {}
            // Worked out before a change that another request has already
            // seen: nobody will ask for it again.
            Some(s) if !s.retired_by(&stamp) => return,
            _ => {
                kept.answers.clear();
                kept.bytes = 0;
                kept.stamp = Some(stamp);
            }
        }
        if let Some((_, old)) = kept.answers.put(key, (Arc::new(answer), weight)) {
            // Two requests worked out the same answer; the last one stays.
            kept.bytes -= old;
        }
        kept.bytes += weight;
        while kept.bytes > self.budget {
            let Some((_, (_, w))) = kept.answers.pop_lru() else {
                break;
            };
            kept.bytes -= w;
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.kept.lock().expect("public cache lock").answers.len()
    }
}

/// Is this a public page or API answer that is the same for every visitor?
fn public_address(path: &str) -> bool {
    const EXACT: &[&str] = &[
        "/",
        "/danh-muc",
        "/thong-ke",
        "/noi-ban",
        "/api/v1/products",
        "/api/v1/verify",
    ];
    const UNDER: &[&str] = &["/san-pham-ocop/", "/chu-the-ocop/", "/xac-minh/", "/01/"];
    EXACT.contains(&path) || UNDER.iter().any(|p| path.starts_with(p))
}

fn cacheable_request(req: &Request) -> bool {
    req.method() == Method::GET
        && !req.headers().contains_key(header::COOKIE)
        && !req.headers().contains_key(header::AUTHORIZATION)
        && public_address(req.uri().path())
        && req.uri().path_and_query().map_or(0, |p| p.as_str().len()) <= MAX_URI_BYTES
        && [header::HOST, header::ACCEPT].iter().all(|h| {
            req.headers()
                .get(h)
                .is_none_or(|v| v.len() <= MAX_URI_BYTES)
        })
}

fn keepable(status: StatusCode, headers: &HeaderMap) -> bool {
    matches!(
        status,
        StatusCode::OK
            | StatusCode::MOVED_PERMANENTLY
            | StatusCode::TEMPORARY_REDIRECT
            | StatusCode::PERMANENT_REDIRECT
    ) && !headers.contains_key(header::SET_COOKIE)
}

fn header_text(req: &Request, name: header::HeaderName) -> String {
    req.headers()
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default()
}

fn stamp(state: &State) -> Stamp {
    // Read before the answer is worked out, so the answer is never older
    // than its stamp. The generation is read as it stands: catching up here
    // would make every public request under a stream of writes wait for the
    // text index (this process's writes are in the commit count anyway).
    Stamp {
        commits: state.store.commit_count(),
        generation: state.search.generation_now(),
        today: state.today(),
        minute: chrono::Utc::now().timestamp().div_euclid(60),
    }
}

/// Serve a public answer from the cache, or work it out and keep it.
pub async fn serve(
    axum::extract::State(state): axum::extract::State<State>,
    mut req: Request,
    next: Next,
) -> Response {
    if !cacheable_request(&req) {
        return next.run(req).await;
    }
    let stamp = stamp(&state);
    let key = Key {
        uri: req
            .uri()
            .path_and_query()
            .map_or_else(String::new, |p| p.as_str().to_string()),
        host: header_text(&req, header::HOST),
        accept: header_text(&req, header::ACCEPT),
    };
    // The validator the client holds is checked here, against the whole
    // answer: the handler below must give the whole answer to keep.
    let if_none_match = req.headers_mut().remove(header::IF_NONE_MATCH);
    let if_none_match = if_none_match.as_ref().map(|v| v.as_bytes());
    if let Some(answer) = state.public_cache.get(stamp, &key) {
        return answer.response(if_none_match, true);
    }
    let resp = next.run(req).await;
    if !keepable(resp.status(), resp.headers()) {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    // These answers are made whole in memory: buffering costs no more.
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "Lỗi hệ thống").into_response();
    };
    let answer = Answer {
        status: parts.status,
        headers: parts.headers,
        body,
    };
    let resp = answer.response(if_none_match, false);
    if answer.body.len() <= MAX_ANSWER_BYTES {
        state.public_cache.put(stamp, key, answer);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(commits: u64) -> Stamp {
        Stamp {
            commits,
            generation: 1,
            today: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
            minute: 0,
        }
    }

    fn key(uri: &str) -> Key {
        Key {
            uri: uri.into(),
            host: String::new(),
            accept: String::new(),
        }
    }

    fn answer(bytes: usize) -> Answer {
        Answer {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::from(vec![b'x'; bytes]),
        }
    }

    /// A newer stamp retires every answer kept; an answer worked out under
    /// an older one is not kept.
    #[test]
    fn only_the_latest_stamp_is_kept() {
        let cache = PublicCache::with_budget(1_000_000);
        cache.put(stamp(1), key("/a"), answer(100));
        cache.put(stamp(1), key("/b"), answer(100));
        assert_eq!(cache.len(), 2);
        cache.put(stamp(2), key("/a"), answer(100));
        assert_eq!(cache.len(), 1);
        assert!(cache.get(stamp(1), &key("/a")).is_none());
        assert!(cache.get(stamp(2), &key("/b")).is_none());
        cache.put(stamp(1), key("/b"), answer(100));
        assert!(cache.get(stamp(1), &key("/b")).is_none());
        assert!(cache.get(stamp(2), &key("/b")).is_none());
        assert_eq!(cache.len(), 1);
        assert_eq!(
            cache.kept.lock().unwrap().bytes,
            answer(100).weight(&key("/a"))
        );
    }

    /// The budget holds: the least recently used answers make room.
    #[test]
    fn the_budget_evicts_the_least_recently_used() {
        let cache = PublicCache::with_budget(10_000);
        let now = stamp(1);
        cache.put(now, key("/a"), answer(4000));
        cache.put(now, key("/b"), answer(4000));
        assert!(cache.get(now, &key("/a")).is_some()); // /a is now the newer one
        cache.put(now, key("/c"), answer(4000));
        assert!(cache.get(now, &key("/a")).is_some());
        assert!(cache.get(now, &key("/b")).is_none());
        assert!(cache.get(now, &key("/c")).is_some());
        assert!(cache.kept.lock().unwrap().bytes <= 10_000);
        // Larger than the whole budget: not kept, nothing evicted for it.
        cache.put(now, key("/d"), answer(20_000));
        assert!(cache.get(now, &key("/d")).is_none());
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn only_public_addresses() {
        for p in [
            "/",
            "/thong-ke",
            "/api/v1/products",
            "/san-pham-ocop/01-x",
            "/01/08937",
        ] {
            assert!(public_address(p), "{p}");
        }
        for p in [
            "/ho-so",
            "/api/v1/products/1",
            "/dang-nhap",
            "/api/v1/me",
            "/diem-ban",
        ] {
            assert!(!public_address(p), "{p}");
        }
    }
}
