//! Hostile input (issue 6), on both backends.
//!
//! Every operation of the API, enumerated from the server's own OpenAPI
//! document (so a new endpoint is covered without editing this test), is
//! sent what a careless or hostile client sends — bodies over
//! `MAX_BODY_BYTES` (announced, and streamed chunked), invalid UTF-8, wrong
//! content types, broken bodies, absurd query strings and path parameters —
//! as a logged-in administrator with a valid CSRF token, against real rows.
//! A write must be refused with a 4xx and a JSON error (413 for a body over
//! the limit, 415 for a JSON endpoint sent another content type); a read
//! may answer, but never with a 5xx; no request may drop the connection or
//! hang. Afterwards the session still works, nothing was written (the audit
//! log did not grow) and `/health` answers.
//!
//! Two promises are checked on their own: a name typed in NFD (as macOS
//! sends it) is stored and answered in NFC and found by its NFC, NFD and
//! unaccented spellings; an uploaded file's name — with `..`, slashes,
//! backslashes, NUL, invalid UTF-8 — never reaches the file system and
//! never appears as a path in a download's `Content-Disposition`.
//!
//! Problems are collected and reported together at the end, each naming
//! the backend, the method, the path and the case, so one run shows them all.

mod common;

use common::{apps, client, App, Fixture, PASSWORD};
use ocop_store::testing::files_under;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const MAX: usize = ocop_web::MAX_BODY_BYTES;

/// No answer may take longer than this: a hang is a failure, not a wait.
const TIMEOUT: Duration = Duration::from_secs(60);

/// The boundary of the multipart bodies built here.
const BOUNDARY: &str = "hostile-7MA4YWxkTrZu0gW";

// ---------- the operations, from the OpenAPI document ----------

/// An operation of the API, as the OpenAPI document declares it.
struct Op {
    method: Method,
    /// The path template, e.g. `/api/v1/products/{id}`.
    template: String,
    /// The declared request body's content type, if the operation reads one.
    body: Option<String>,
    /// Declared query parameters.
    query: Vec<String>,
}

impl Op {
    fn is_write(&self) -> bool {
        self.method != Method::GET
    }
    fn json(&self) -> bool {
        self.body.as_deref() == Some("application/json")
    }
    fn multipart(&self) -> bool {
        self.body.as_deref() == Some("multipart/form-data")
    }
    fn name(&self) -> String {
        format!("{} {}", self.method, self.template)
    }
}

/// Every operation of the live OpenAPI document.
fn operations(doc: &Value) -> Vec<Op> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            let body = op["requestBody"]["content"]
                .as_object()
                .and_then(|c| c.keys().next().cloned());
            let query = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .filter_map(|p| p["name"].as_str().map(String::from))
                .collect();
            ops.push(Op {
                method,
                template: path.clone(),
                body,
                query,
            });
        }
    }
    ops
}

/// The key of each path parameter: the segment before it and its name
/// (`products/{id}`, `evidence/{eid}`).
fn param_keys(template: &str) -> Vec<String> {
    let segments: Vec<&str> = template.split('/').collect();
    (1..segments.len())
        .filter(|&i| segments[i].starts_with('{'))
        .map(|i| format!("{}/{}", segments[i - 1], segments[i]))
        .collect()
}

/// The path with its parameters replaced by real rows (`1` for a parameter
/// `rows` does not know); `hostile` replaces the parameter of that index.
fn fill(template: &str, rows: &BTreeMap<String, String>, hostile: Option<(usize, &str)>) -> String {
    let keys = param_keys(template);
    let mut n = 0;
    template
        .split('/')
        .map(|s| {
            if !s.starts_with('{') {
                return s.to_string();
            }
            let v = match hostile {
                Some((k, v)) if k == n => v.to_string(),
                _ => rows.get(&keys[n]).cloned().unwrap_or_else(|| "1".into()),
            };
            n += 1;
            v
        })
        .collect::<Vec<_>>()
        .join("/")
}

// ---------- sending ----------

/// What came back.
struct Answer {
    status: u16,
    content_type: String,
    text: String,
}

impl Answer {
    /// `{"error": {"code": …}}`, the API's error shape.
    fn is_json_error(&self) -> bool {
        serde_json::from_str::<Value>(&self.text).is_ok_and(|v| v["error"]["code"].is_string())
    }
    fn describe(&self) -> String {
        let text: String = self.text.chars().take(160).collect();
        format!(
            "{} {}: {}",
            self.status,
            self.content_type,
            text.replace('\n', " ")
        )
    }
}

/// A logged-in administrator: a cookie-keeping client with a time limit,
/// the CSRF token, and the cookies for requests written by hand.
struct Session {
    client: reqwest::Client,
    csrf: String,
    cookies: String,
}

async fn login(app: &App, username: &str) -> Session {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .build()
        .unwrap();
    let r = client
        .post(app.url("/api/v1/session"))
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}: login {username}", app.label);
    let cookies = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(String::from))
        .collect::<Vec<_>>()
        .join("; ");
    let body: Value = r.json().await.unwrap();
    Session {
        client,
        csrf: body["csrf_token"].as_str().unwrap().to_string(),
        cookies,
    }
}

/// Send one request with the session's CSRF token; an error names a
/// dropped connection or a timeout.
async fn send(
    s: &Session,
    method: Method,
    url: &str,
    content_type: Option<&str>,
    body: Option<reqwest::Body>,
) -> Result<Answer, String> {
    let mut req = s
        .client
        .request(method, url)
        .header("x-csrf-token", &s.csrf);
    if let Some(t) = content_type {
        req = req.header("content-type", t);
    }
    if let Some(b) = body {
        req = req.body(b);
    }
    let r = req.send().await.map_err(|e| format!("no answer: {e:?}"))?;
    let status = r.status().as_u16();
    let content_type = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let text = r
        .text()
        .await
        .map_err(|e| format!("answer cut off: {e:?}"))?;
    Ok(Answer {
        status,
        content_type,
        text,
    })
}

/// Stream `head` then filler up to more than `MAX` bytes as a chunked body
/// (no Content-Length: the limit must hold while the body is read), over a
/// connection written by hand. The server may stop reading early.
async fn send_chunked(
    app: &App,
    s: &Session,
    method: &Method,
    path: &str,
    content_type: &str,
    head: &[u8],
) -> Result<Answer, String> {
    let addr = app.base.trim_start_matches("http://");
    let io = async {
        let mut conn = tokio::net::TcpStream::connect(addr).await?;
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {}\r\nX-CSRF-Token: {}\r\n\
             Content-Type: {content_type}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
            s.cookies, s.csrf
        );
        conn.write_all(request.as_bytes()).await?;
        let filler = vec![b'x'; 1 << 20];
        let mut chunk = head.to_vec();
        let mut sent = 0;
        // A refusal may close the connection while the body is still going
        // out: stop writing then, and read the answer.
        while sent <= MAX {
            if chunk.is_empty() {
                chunk.extend_from_slice(&filler);
            }
            let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
            if conn.write_all(&framed).await.is_err() {
                break;
            }
            sent += chunk.len();
            chunk.clear();
        }
        let _ = conn.write_all(b"0\r\n\r\n").await;
        let mut answer = Vec::new();
        conn.read_to_end(&mut answer).await?;
        Ok::<_, std::io::Error>(answer)
    };
    let raw = tokio::time::timeout(TIMEOUT, io)
        .await
        .map_err(|_| "no answer in time".to_string())?
        .map_err(|e| format!("no answer: {e}"))?;
    let raw = String::from_utf8_lossy(&raw);
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("not an HTTP answer: {head:?}"))?;
    let content_type = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(String::from)
        })
        .unwrap_or_default();
    Ok(Answer {
        status,
        content_type,
        text: body.to_string(),
    })
}

/// A multipart body: text fields, then a file part whose disposition
/// parameters are written raw (`filename="../x.pdf"`), so that names no
/// client library would send can be sent.
fn multipart(fields: &[(&str, &str)], disposition: &[u8], file: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in fields {
        out.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    out.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; ").as_bytes(),
    );
    out.extend_from_slice(disposition);
    out.extend_from_slice(b"\r\nContent-Type: application/octet-stream\r\n\r\n");
    out.extend_from_slice(file);
    out.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    out
}

fn multipart_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

// ---------- the cases ----------

/// A hostile body and what the server must answer it.
struct Case {
    name: String,
    content_type: Option<String>,
    body: reqwest::Body,
    /// The one status that is right, when only one is.
    status: Option<u16>,
}

fn case(name: &str, content_type: Option<&str>, body: impl Into<reqwest::Body>) -> Case {
    Case {
        name: name.into(),
        content_type: content_type.map(String::from),
        body: body.into(),
        status: None,
    }
}

/// Bodies over the limit, built once: JSON-looking text, and a multipart
/// upload of a file over the limit.
struct Oversized {
    json: &'static [u8],
    multipart: &'static [u8],
}

impl Oversized {
    fn new() -> Self {
        let mut json = b"{\"name\":\"".to_vec();
        json.resize(MAX - 1, b'x');
        json.extend_from_slice(b"\"}");
        assert_eq!(json.len(), MAX + 1);
        let multipart = multipart(&[], b"filename=\"lon.pdf\"", &vec![b'x'; MAX + 1]);
        Oversized {
            json: Vec::leak(json),
            multipart: Vec::leak(multipart),
        }
    }
}

/// The start of a body of the operation's own type, for the chunked case.
fn oversized_head(op: &Op) -> (String, Vec<u8>) {
    if op.multipart() {
        let full = multipart(&[], b"filename=\"lon.pdf\"", b"");
        let head = full[..full.len() - format!("\r\n--{BOUNDARY}--\r\n").len()].to_vec();
        (multipart_type(), head)
    } else {
        let t = op.body.clone().unwrap_or_else(|| "application/json".into());
        (t, b"{\"name\":\"".to_vec())
    }
}

/// The hostile bodies for a write operation, each with its expectation.
fn body_cases(op: &Op, big: &Oversized) -> Vec<Case> {
    let mut cases = Vec::new();
    // 1. Over the limit, announced by Content-Length, in the operation's
    // own content type (JSON-looking text for one that reads no body).
    let mut oversized = if op.multipart() {
        case(
            "oversized multipart",
            Some(&multipart_type()),
            reqwest::Body::from(big.multipart),
        )
    } else {
        let t = op.body.as_deref().unwrap_or("application/json");
        case("oversized body", Some(t), reqwest::Body::from(big.json))
    };
    oversized.status = Some(413);
    cases.push(oversized);
    if op.body.is_none() {
        // The operation reads no body: anything else would be ignored,
        // not refused (see the note printed at the end).
        return cases;
    }
    // 2. Invalid UTF-8 inside JSON strings.
    cases.push(case(
        "invalid UTF-8 in JSON",
        Some("application/json"),
        b"{\"name\":\"\xff\xfe\",\"title\":\"N\xc6\"}".to_vec(),
    ));
    // 2b. NUL in JSON strings (valid JSON; no text may hold it, and
    // PostgreSQL cannot): in the login's fields too.
    cases.push(case(
        "NUL in JSON strings",
        Some("application/json"),
        r#"{"username":"admin\u0000","password":"x\u0000","name":"a\u0000b","title":"a\u0000b"}"#,
    ));
    // 3. A valid JSON body under another content type, or none.
    let valid = json!({"name": "Nước mắm", "accept": true}).to_string();
    let mut wrong = vec![
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ];
    if op.multipart() {
        wrong.push(Some("application/json"));
        wrong.push(Some("multipart/form-data")); // without its boundary
    } else {
        wrong.push(Some("multipart/form-data; boundary=hostile"));
    }
    for t in wrong {
        let mut c = case(
            &format!("JSON sent as {}", t.unwrap_or("no content type")),
            t,
            valid.clone(),
        );
        if op.json() {
            c.status = Some(415);
        }
        cases.push(c);
    }
    // 4. Not the declared format at all, or cut short.
    if op.multipart() {
        let whole = multipart(&[("kind", "photo")], b"filename=\"a.pdf\"", b"%PDF-1.4");
        cases.push(case(
            "truncated multipart",
            Some(&multipart_type()),
            whole[..whole.len() - 30].to_vec(),
        ));
        cases.push(case(
            "garbage multipart",
            Some(&multipart_type()),
            b"not a multipart body at all\r\n\r\n".to_vec(),
        ));
    } else {
        let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        for (name, body) in [
            ("not JSON", "this is not JSON".to_string()),
            ("truncated JSON", "{\"name\": \"Nư".to_string()),
            ("empty body", String::new()),
            ("deeply nested JSON", nested),
        ] {
            cases.push(case(name, op.body.as_deref(), body));
        }
    }
    cases
}

/// Hostile values for a query parameter or a path segment (URL-ready).
fn hostile_values() -> Vec<(&'static str, String)> {
    vec![
        ("invalid UTF-8", "%ff%fe".into()),
        ("NUL", "a%00b".into()),
        ("10 000 characters", "a".repeat(10_000)),
        ("huge number", "99999999999999999999999".into()),
        ("i64::MAX", i64::MAX.to_string()),
        ("i64::MIN", i64::MIN.to_string()),
    ]
}

/// The query strings sent to a read operation.
fn query_cases(op: &Op) -> Vec<(String, String)> {
    let mut out = vec![
        ("q=%ff%fe (undeclared)".to_string(), "q=%ff%fe".to_string()),
        (
            "60 000-character q (undeclared)".into(),
            format!("q={}", "a".repeat(60_000)),
        ),
    ];
    for p in &op.query {
        for (name, v) in hostile_values() {
            out.push((format!("{p} = {name}"), format!("{p}={v}")));
        }
    }
    out
}

/// The problem with an answer to a hostile request, if any.
fn judge(op: &Op, expected: Option<u16>, answer: &Result<Answer, String>) -> Option<String> {
    let a = match answer {
        Err(e) => return Some(e.clone()),
        Ok(a) => a,
    };
    if a.status >= 500 {
        Some(format!("server error {}", a.describe()))
    } else if !op.is_write() {
        None
    } else if !(400..500).contains(&a.status) {
        Some(format!("not refused: {}", a.describe()))
    } else if let Some(s) = expected.filter(|&s| s != a.status) {
        Some(format!("expected {s}, got {}", a.describe()))
    } else if !a.is_json_error() {
        Some(format!("refused without a JSON error: {}", a.describe()))
    } else {
        None
    }
}

// ---------- the rows ----------

/// Real rows for the path parameters, made through the API, keyed as
/// [`param_keys`] names them.
async fn rows(app: &App, f: &Fixture) -> BTreeMap<String, String> {
    let admin = app.api_client("admin").await;
    let producer = app.api_client("producer").await;
    let sauce = app
        .api_product(
            &admin,
            f.producer_a,
            "Nước mắm Vạn Phần",
            "09",
            Some(("4", "01/06/2025")),
        )
        .await;
    let tea = app
        .api_product(&admin, f.producer_a, "Chè Tân Cương", "01", None)
        .await;
    let create = |(c, csrf): &(reqwest::Client, String), path: String, body: Value| {
        let req = c
            .post(app.url(&path))
            .header("x-csrf-token", csrf)
            .json(&body);
        async move {
            let r = req.send().await.unwrap();
            let status = r.status();
            let v: Value = r.json().await.unwrap_or(Value::Null);
            assert!(status.is_success(), "{}: {path}: {v}", app.label);
            v
        }
    };
    let pos = create(
        &admin,
        "/api/v1/points-of-sale".into(),
        json!({"name": "Điểm OCOP Hoàng Liệt", "operator": "HTX", "address": "Số 1",
            "commune_code": f.commune_a, "location_type": "market"}),
    )
    .await;
    let event = create(
        &admin,
        "/api/v1/events".into(),
        json!({"name": "Hội chợ OCOP", "kind": "fair", "scope": "provincial", "organiser": "VP",
            "venue": "Số 1", "province_code": "01", "starts_on": "20/11/2026", "ends_on": "22/11/2026"}),
    )
    .await;
    let booth = create(
        &admin,
        format!("/api/v1/events/{}/booths", event["id"]),
        json!({"producer_id": f.producer_a}),
    )
    .await;
    let demand = create(
        &admin,
        "/api/v1/demands".into(),
        json!({"buyer": "Siêu thị", "title": "Nước mắm", "set_codes": ["09"],
            "period_from": "01/01/2027", "period_to": "31/12/2027", "deadline": "31/12/2026"}),
    )
    .await;
    let introduction = create(
        &producer,
        "/api/v1/introductions".into(),
        json!({"demand_id": demand["id"], "product_id": sauce.id}),
    )
    .await;
    let agreement = create(
        &admin,
        "/api/v1/agreements".into(),
        json!({"kind": "memorandum", "buyer": "Siêu thị", "producer_id": f.producer_a,
            "product_codes": [sauce.code], "signed_on": "20/11/2026"}),
    )
    .await;
    let round = create(
        &admin,
        "/api/v1/rounds".into(),
        json!({"province": "01", "name": "Đợt 1", "scoring_deadline": "30/06/2027"}),
    )
    .await;
    let dossier = create(
        &producer,
        format!("/api/v1/products/{}/dossiers", tea.id),
        common::registered(json!({"kind": "first", "options": ["A.1.a.3"]})),
    )
    .await;
    let evidence = upload(
        app,
        &producer,
        &format!("/api/v1/dossiers/{}/evidence", dossier["id"]),
        &[("criterion", "A.1.a")],
        b"filename=\"kiem-nghiem.pdf\"",
        b"%PDF-1.4 kiem nghiem",
    )
    .await;
    assert_eq!(evidence.0, 201, "{}: evidence {}", app.label, evidence.1);
    let norole = get_json_as(app, &admin, "/api/v1/users")
        .await
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["username"] == "norole")
        .expect("the norole account")["id"]
        .clone();
    let grants = create(
        &admin,
        format!("/api/v1/users/{norole}/roles"),
        json!({"role": "buyer"}),
    )
    .await;
    let id = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    BTreeMap::from([
        ("agreements/{id}".into(), id(&agreement["id"])),
        (
            "certificates/{id}".into(),
            id(&json!(sauce.certificate.expect("certified"))),
        ),
        ("criteria/{version}".into(), "qd148-2023".into()),
        ("{version}/{set}".into(), "09".into()),
        ("demands/{id}".into(), id(&demand["id"])),
        ("dossiers/{id}".into(), id(&dossier["id"])),
        ("dossiers/{dossier}".into(), id(&dossier["id"])),
        ("evidence/{eid}".into(), id(&evidence.1["id"])),
        ("events/{id}".into(), id(&event["id"])),
        ("booths/{booth}".into(), id(&booth["id"])),
        ("export/{kind}".into(), "producers".into()),
        ("import/{kind}".into(), "producers".into()),
        ("introductions/{id}".into(), id(&introduction["id"])),
        ("points-of-sale/{id}".into(), id(&pos["id"])),
        ("producers/{id}".into(), f.producer_a.to_string()),
        ("products/{id}".into(), sauce.id.to_string()),
        ("rounds/{id}".into(), id(&round["id"])),
        ("legacy-communes/{code}".into(), f.commune_a.clone()),
        ("provinces/{code}".into(), "01".into()),
        ("users/{id}".into(), id(&norole)),
        ("roles/{grant}".into(), id(&grants[0]["id"])),
    ])
}

/// Upload a multipart body built by [`multipart`]: the status and the answer.
async fn upload(
    app: &App,
    (c, csrf): &(reqwest::Client, String),
    path: &str,
    fields: &[(&str, &str)],
    disposition: &[u8],
    file: &[u8],
) -> (u16, Value) {
    let r = c
        .post(app.url(path))
        .header("x-csrf-token", csrf)
        .header("content-type", multipart_type())
        .body(multipart(fields, disposition, file))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// GET `path` as a logged-in client and parse the JSON answer.
async fn get_json_as(app: &App, (c, _): &(reqwest::Client, String), path: &str) -> Value {
    let r = c.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}: {path}", app.label);
    r.json().await.unwrap()
}

// ---------- the tests ----------

#[tokio::test]
async fn every_operation_refuses_hostile_input_cleanly() {
    let big = Oversized::new();
    for app in apps().await {
        let started = std::time::Instant::now();
        let f = app.fixture().await;
        let rows = rows(&app, &f).await;
        let ops = operations(&app.get_json("/api/openapi.json").await);
        assert!(
            ops.len() >= 90,
            "{}: only {} operations",
            app.label,
            ops.len()
        );
        let mut s = login(&app, "admin").await;
        let mut problems: Vec<String> = Vec::new();
        let mut sent = 0;
        let before = app.store.verify_audit().await.unwrap().entries;
        for op in &ops {
            let path = fill(&op.template, &rows, None);
            let mut check = |case: &str, expected: Option<u16>, answer: Result<Answer, String>| {
                sent += 1;
                if let Some(p) = judge(op, expected, &answer) {
                    problems.push(format!("{}: {} [{case}]: {p}", app.label, op.name()));
                }
            };
            if op.is_write() {
                for k in body_cases(op, &big) {
                    let url = app.url(&path);
                    let a = send(
                        &s,
                        op.method.clone(),
                        &url,
                        k.content_type.as_deref(),
                        Some(k.body),
                    )
                    .await;
                    check(&k.name, k.status, a);
                }
                if op.body.is_some() {
                    let (t, head) = oversized_head(op);
                    let a = send_chunked(&app, &s, &op.method, &path, &t, &head).await;
                    check("oversized chunked body", Some(413), a);
                }
            } else {
                for (name, q) in query_cases(op) {
                    let url = app.url(&format!("{path}?{q}"));
                    check(&name, None, send(&s, Method::GET, &url, None, None).await);
                }
            }
            // Hostile path parameters: a write is refused; a read may
            // answer (an empty list), never with a 5xx.
            for i in 0..param_keys(&op.template).len() {
                for (name, v) in hostile_values() {
                    let url = app.url(&fill(&op.template, &rows, Some((i, &v))));
                    let body = op.is_write().then(|| reqwest::Body::from("{}"));
                    let a = send(&s, op.method.clone(), &url, Some("application/json"), body).await;
                    let case = format!("path parameter {i} = {name}");
                    sent += 1;
                    let problem = match &a {
                        Err(e) => Some(e.clone()),
                        Ok(a) if a.status >= 500 => Some(format!("server error {}", a.describe())),
                        Ok(a) if op.is_write() && !(400..500).contains(&a.status) => {
                            Some(format!("not refused: {}", a.describe()))
                        }
                        Ok(_) => None,
                    };
                    if let Some(p) = problem {
                        problems.push(format!("{}: {} [{case}]: {p}", app.label, op.name()));
                    }
                }
            }
            // A hostile request must not end the session (logging out is a write too).
            let me = s.client.get(app.url("/api/v1/me")).send().await.unwrap();
            if me.status() != 200 {
                problems.push(format!(
                    "{}: {}: the session was lost ({})",
                    app.label,
                    op.name(),
                    me.status()
                ));
                s = login(&app, "admin").await;
            }
        }
        let after = app.store.verify_audit().await.unwrap().entries;
        if after != before {
            problems.push(format!(
                "{}: the audit log grew from {before} to {after} entries",
                app.label
            ));
        }
        let health = client().get(app.url("/health")).send().await.unwrap();
        assert_eq!(health.status(), 200, "{}: /health afterwards", app.label);
        let unmapped: BTreeSet<String> = ops
            .iter()
            .flat_map(|o| param_keys(&o.template))
            .filter(|k| !rows.contains_key(k))
            .collect();
        let bodiless: Vec<String> = ops
            .iter()
            .filter(|o| o.is_write() && o.body.is_none())
            .map(Op::name)
            .collect();
        eprintln!(
            "{}: {} operations ({} writes, {} reading no body: only the oversized case), \
             {sent} hostile requests in {:.1?}; path parameters given 1: {unmapped:?}\n{bodiless:?}",
            app.label,
            ops.len(),
            ops.iter().filter(|o| o.is_write()).count(),
            bodiless.len(),
            started.elapsed(),
        );
        assert!(
            problems.is_empty(),
            "{} problems:\n{}",
            problems.len(),
            problems.join("\n")
        );
    }
}

/// Percent-encode every byte but the unreserved ones.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn names_typed_in_nfd_are_stored_in_nfc_and_found() {
    // "Nước mắm Vạn Phần" and "HTX Mường Lò", written decomposed: base
    // letters followed by combining marks (horn U+031B, breve U+0306,
    // circumflex U+0302, acute U+0301, grave U+0300, dot below U+0323).
    const NFC: &str = "Nước mắm Vạn Phần";
    const NFD: &str = "Nu\u{31b}o\u{31b}\u{301}c ma\u{306}\u{301}m Va\u{323}n Pha\u{302}\u{300}n";
    const PRODUCER_NFC: &str = "HTX Mường Lò";
    const PRODUCER_NFD: &str = "HTX Mu\u{31b}o\u{31b}\u{300}ng Lo\u{300}";
    for (nfd, nfc) in [(NFD, NFC), (PRODUCER_NFD, PRODUCER_NFC)] {
        assert_ne!(nfd, nfc);
        assert!(
            nfd.chars().count() > nfc.chars().count(),
            "{nfd:?} is decomposed"
        );
        assert_eq!(
            ocop_domain::text::fold_vi(nfd),
            ocop_domain::text::fold_vi(nfc)
        );
    }
    for app in apps().await {
        let f = app.fixture().await;
        let admin = app.api_client("admin").await;
        let (c, csrf) = &admin;
        let mut problems = Vec::new();
        // A product named in NFD, certified so that the catalog lists it.
        let r = c
            .post(app.url(&format!("/api/v1/producers/{}/products", f.producer_a)))
            .header("x-csrf-token", csrf)
            .json(&json!({"name": NFD, "set_code": "09", "description": format!("{NFD}\n{NFD}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}: product in NFD", app.label);
        let product: Value = r.json().await.unwrap();
        let id = product["id"].as_i64().unwrap();
        let r = c
            .post(app.url(&format!("/api/v1/products/{id}/certificates")))
            .header("x-csrf-token", csrf)
            .json(&json!({"stars": "4", "decision_number": "9/QĐ", "issuer": "UBND", "issued_on": "01/06/2025"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}: certificate", app.label);
        // A producer named in NFD, with its address and representative too.
        let r = c
            .post(app.url("/api/v1/producers"))
            .header("x-csrf-token", csrf)
            .json(&json!({
                "name": PRODUCER_NFD, "kind": "cooperative", "registration_number": "0312345673",
                "address": NFD, "commune_code": f.commune_a, "representative_name": PRODUCER_NFD,
                "representative_gender": "male"
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}: producer in NFD", app.label);
        let producer: Value = r.json().await.unwrap();
        let pid = producer["id"].as_i64().unwrap();
        // Stored and answered in NFC: in the creation's answer and on reading.
        let stored = get_json_as(&app, &admin, &format!("/api/v1/products/{id}")).await;
        let stored_producer = get_json_as(&app, &admin, &format!("/api/v1/producers/{pid}")).await;
        for (what, got, want) in [
            ("product answer name", &product["name"], NFC),
            ("product name", &stored["name"], NFC),
            ("producer answer name", &producer["name"], PRODUCER_NFC),
            ("producer name", &stored_producer["name"], PRODUCER_NFC),
            ("producer address", &stored_producer["address"], NFC),
            (
                "producer representative",
                &stored_producer["representative_name"],
                PRODUCER_NFC,
            ),
        ] {
            if got.as_str() != Some(want) {
                problems.push(format!(
                    "{}: {what}: {got} is not {want:?} in NFC",
                    app.label
                ));
            }
        }
        let description = stored["description"].as_str().unwrap_or("");
        if description != format!("{NFC}\n{NFC}") {
            problems.push(format!(
                "{}: product description {description:?} is not NFC",
                app.label
            ));
        }
        // Found by every spelling: NFC, NFD, unaccented.
        for q in [NFC, NFD, "nuoc mam van phan", "NƯỚC MẮM"] {
            for path in ["/api/v1/products?q=", "/api/v1/suggest?q="] {
                let body = app.get_json(&format!("{path}{}", enc(q))).await;
                let names: Vec<&str> = body["items"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|i| i["name"].as_str())
                    .collect();
                if !names.contains(&NFC) {
                    problems.push(format!("{}: {path}{q:?} finds {names:?}", app.label));
                }
            }
        }
        for q in [PRODUCER_NFC, PRODUCER_NFD, "muong lo"] {
            let body = get_json_as(&app, &admin, &format!("/api/v1/producers?q={}", enc(q))).await;
            let found = body["items"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|i| i["id"] == pid || i["producer"]["id"] == pid);
            if !found {
                problems.push(format!(
                    "{}: /api/v1/producers?q={q:?} misses it: {body}",
                    app.label
                ));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}

#[tokio::test]
async fn uploaded_file_names_never_become_paths() {
    const PDF: &[u8] = b"%PDF-1.4\n% ten tep\n";
    // The file part's disposition parameters, raw: traversal with either
    // separator, absolute paths, NUL, CR LF, invalid UTF-8, an encoded
    // traversal, a name of dots only, a very long name.
    let long = format!("filename=\"{}.pdf\"", "a".repeat(5000));
    let names: Vec<(&str, Vec<u8>)> = vec![
        (
            "../../etc/passwd.png",
            b"filename=\"../../etc/passwd.png\"".to_vec(),
        ),
        ("..\\..\\x.pdf", b"filename=\"..\\..\\x.pdf\"".to_vec()),
        ("/etc/passwd.pdf", b"filename=\"/etc/passwd.pdf\"".to_vec()),
        (
            "C:\\Windows\\evil.pdf",
            b"filename=\"C:\\Windows\\evil.pdf\"".to_vec(),
        ),
        ("NUL inside", b"filename=\"evil\0.pdf\"".to_vec()),
        (
            "CR LF inside",
            b"filename=\"evil.pdf\r\nX-Evil: 1\"".to_vec(),
        ),
        ("invalid UTF-8", b"filename=\"\xff\xfe.pdf\"".to_vec()),
        (
            "encoded traversal (RFC 5987)",
            b"filename*=UTF-8''..%2F..%2Fetc%2Fpasswd.pdf".to_vec(),
        ),
        (
            "percent-encoded dots",
            b"filename=\"%2e%2e%2fx.pdf\"".to_vec(),
        ),
        ("dots only", b"filename=\"..\"".to_vec()),
        ("5 000 characters", long.into_bytes()),
    ];
    for app in apps().await {
        let f = app.fixture().await;
        let admin = app.api_client("admin").await;
        let producer = app.api_client("producer").await;
        let tea = app
            .api_product(&admin, f.producer_a, "Chè Tân Cương", "01", None)
            .await;
        let r = producer
            .0
            .post(app.url(&format!("/api/v1/products/{}/dossiers", tea.id)))
            .header("x-csrf-token", &producer.1)
            .json(&common::registered(
                json!({"kind": "first", "options": ["A.1.a.3"]}),
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}: dossier", app.label);
        let dossier = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        let r = admin
            .0
            .post(app.url("/api/v1/points-of-sale"))
            .header("x-csrf-token", &admin.1)
            .json(
                &json!({"name": "Điểm OCOP Hoàng Liệt", "operator": "HTX", "address": "Số 1",
                "commune_code": f.commune_a, "location_type": "market"}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}: point of sale", app.label);
        let pos = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        let parent = app.files.path().parent().unwrap().to_path_buf();
        let outside = || -> BTreeSet<String> {
            std::fs::read_dir(&parent)
                .unwrap()
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| {
                    ["passwd", "evil", "x.pdf", "etc", "Windows"]
                        .iter()
                        .any(|w| n.contains(w))
                })
                .collect()
        };
        let before = outside();
        let mut problems = Vec::new();
        let mut stored = 0;
        for (label, disposition) in &names {
            // A dossier's evidence (for the whole dossier) and a point of
            // sale's evidence of its location: both served as attachments.
            for (endpoint, fields, download) in [
                (
                    format!("/api/v1/dossiers/{dossier}/evidence"),
                    [("criterion", "")],
                    format!("/ho-so/{dossier}/minh-chung/"),
                ),
                (
                    format!("/api/v1/points-of-sale/{pos}/files"),
                    [("kind", "location")],
                    format!("/diem-ban/{pos}/tep/"),
                ),
            ] {
                let who = if endpoint.contains("dossiers") {
                    &producer
                } else {
                    &admin
                };
                let (status, answer) =
                    upload(&app, who, &endpoint, &fields, disposition, PDF).await;
                let case = format!("{}: POST {endpoint} [filename {label}]", app.label);
                if status >= 500 || !(status == 201 || (400..500).contains(&status)) {
                    problems.push(format!("{case}: {status} {answer}"));
                    continue;
                }
                if status != 201 {
                    continue; // refused: fine
                }
                stored += 1;
                let name = answer["filename"].as_str().unwrap_or("");
                if name.is_empty()
                    || name.contains("..")
                    || name.contains(['/', '\\'])
                    || name.chars().any(char::is_control)
                {
                    problems.push(format!("{case}: stored as {name:?}"));
                }
                let r = who
                    .0
                    .get(app.url(&format!("{download}{}", answer["id"])))
                    .send()
                    .await
                    .unwrap();
                if r.status() != 200 {
                    problems.push(format!("{case}: download answered {}", r.status()));
                    continue;
                }
                let disposition = r
                    .headers()
                    .get("content-disposition")
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).to_string())
                    .unwrap_or_default();
                if !disposition.starts_with("attachment")
                    || disposition.contains("..")
                    || disposition.contains(['/', '\\', '\r', '\n', '\0'])
                {
                    problems.push(format!("{case}: Content-Disposition {disposition:?}"));
                }
            }
        }
        // Nothing written beside the files' directory; inside it, only
        // files named by their content hash (`ab/ab12…`).
        let after = outside();
        if after != before {
            problems.push(format!(
                "{}: new entries beside the files' directory: {:?}",
                app.label,
                after.difference(&before).collect::<Vec<_>>()
            ));
        }
        for p in files_under(app.files.path()) {
            let rel = p.strip_prefix(app.files.path()).unwrap();
            let parts: Vec<String> = rel
                .iter()
                .map(|s| s.to_string_lossy().to_string())
                .collect();
            let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
            if !(parts.len() == 2 && hex(&parts[0], 2) && hex(&parts[1], 64)) {
                problems.push(format!("{}: unexpected file {}", app.label, rel.display()));
            }
        }
        eprintln!(
            "{}: {} uploads with hostile names, {stored} stored under a cleaned name, the rest refused",
            app.label,
            names.len() * 2
        );
        assert!(stored > 0, "{}: every hostile name was refused", app.label);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}

/// The HTML pages' query strings get the same hostile values (paging past
/// `i64`, NUL, 60,000-character searches, invalid UTF-8): an answer or a
/// refusal, never a server error or a dropped connection.
#[tokio::test]
async fn pages_survive_hostile_query_strings() {
    const PAGES: &[&str] = &[
        "/",
        "/danh-muc",
        "/chu-the",
        "/san-pham",
        "/ho-so",
        "/dot-danh-gia",
        "/diem-ban",
        "/noi-ban",
        "/su-kien",
        "/ket-noi",
        "/hop-tac",
        "/xac-minh",
        "/thong-ke",
        "/nhat-ky",
        "/tai-khoan",
    ];
    const PARAMS: &[&str] = &[
        "trang",
        "q",
        "tinh",
        "xa",
        "sao",
        "nhom",
        "bo",
        "loai",
        "trang_thai",
        "sap_xep",
        "so",
    ];
    for app in apps().await {
        app.fixture().await;
        let s = login(&app, "admin").await;
        let mut problems = Vec::new();
        for page in PAGES {
            let mut cases = vec![(
                "60 000-character q".to_string(),
                format!("q={}", "a".repeat(60_000)),
            )];
            for p in PARAMS {
                for (name, v) in hostile_values() {
                    cases.push((format!("{p} = {name}"), format!("{p}={v}")));
                }
            }
            for (name, query) in cases {
                let url = app.url(&format!("{page}?{query}"));
                let answer = send(&s, Method::GET, &url, None, None).await;
                match answer {
                    Err(e) => problems.push(format!("{}: GET {page} {name}: {e}", app.label)),
                    Ok(a) if a.status >= 500 => problems.push(format!(
                        "{}: GET {page} {name}: server error {}",
                        app.label,
                        a.describe()
                    )),
                    Ok(_) => {}
                }
            }
        }
        assert!(
            problems.is_empty(),
            "{} problems:\n{}",
            problems.len(),
            problems.join("\n")
        );
        let health = client().get(app.url("/health")).send().await.unwrap();
        assert_eq!(health.status(), 200, "{}", app.label);
    }
}
