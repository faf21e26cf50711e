//! Every form, found by crawling the site as an administrator, refuses a
//! submission without its CSRF token or with a wrong one, and writes nothing
//! (the audit log does not grow). New forms are covered without touching
//! this test: it finds them.

mod common;

use common::{client, App};
use std::collections::{BTreeSet, VecDeque};

/// Pages visited at most (the crawl follows every same-site link).
const MAX_PAGES: usize = 400;

fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&amp;", "&")
        .replace("&#x3d;", "=")
        .replace("&quot;", "\"")
}

/// Values of `attr="…"` in `html`, in order.
fn attrs<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let marker = format!("{attr}=\"");
    html.match_indices(&marker)
        .filter_map(|(i, _)| html[i + marker.len()..].split('"').next())
        .collect()
}

/// A POST form: its action, whether it uploads files (multipart), its fields.
type Form = (String, bool, Vec<String>);

/// The page's POST forms.
fn post_forms(html: &str) -> Vec<Form> {
    let mut out = Vec::new();
    for part in html.split("<form").skip(1) {
        let form = part.split("</form>").next().unwrap_or("");
        let head = form.split('>').next().unwrap_or("");
        if !head.contains("method=\"post\"") {
            continue;
        }
        let action = attrs(head, "action")
            .first()
            .map(|a| unescape(a))
            .unwrap_or_default();
        let fields = attrs(form, "name")
            .into_iter()
            .map(unescape)
            .filter(|n| n != "_csrf")
            .collect();
        out.push((action, head.contains("multipart/form-data"), fields));
    }
    out
}

/// Every POST form reachable from `/` for `user`: (page, action, fields).
async fn crawl(app: &App, c: &reqwest::Client) -> Vec<(String, Form)> {
    let mut seen = BTreeSet::from(["/".to_string()]);
    let mut queue = VecDeque::from(["/".to_string()]);
    let mut forms = Vec::new();
    let mut actions = BTreeSet::new();
    while let Some(path) = queue.pop_front() {
        if seen.len() > MAX_PAGES {
            break;
        }
        let r = c.get(app.url(&path)).send().await.unwrap();
        let html = r
            .headers()
            .get("content-type")
            .is_some_and(|t| t.to_str().unwrap_or("").starts_with("text/html"));
        if !html {
            continue;
        }
        let page = r.text().await.unwrap();
        for (action, multipart, fields) in post_forms(&page) {
            let action = if action.is_empty() {
                path.clone()
            } else {
                action
            };
            if actions.insert(action.clone()) {
                forms.push((path.clone(), (action, multipart, fields)));
            }
        }
        for href in attrs(&page, "href") {
            let href = unescape(href);
            let href = href.split('#').next().unwrap_or("").to_string();
            // Same-site pages only; not files, the API, or the logout link.
            let skip = !href.starts_with('/')
                || href.starts_with("//")
                || href.starts_with("/api/")
                || href.starts_with("/static/")
                || href.starts_with("/qr/")
                || href.starts_with("/anh/")
                || href.starts_with("/du-lieu-mo/")
                || href.contains("xuat")
                || href.ends_with(".xml")
                || href.ends_with(".txt");
            // One page per path is enough to find its forms: drop the query
            // (filters and paging repeat the same forms).
            let key = href.split('?').next().unwrap_or("").to_string();
            if !skip && seen.insert(key.clone()) {
                queue.push_back(key);
            }
        }
    }
    forms
}

#[tokio::test]
async fn every_form_refuses_a_missing_or_wrong_csrf_token() {
    for app in common::apps().await {
        let f = app.fixture().await;
        // Something in every list, so that row forms (activate, edit…) appear.
        let admin = app.api_client("admin").await;
        let sauce = app
            .api_product(
                &admin,
                f.producer_a,
                "Nước mắm Vạn Phần",
                "09",
                Some(("4", "01/06/2025")),
            )
            .await;
        let (api, csrf) = &admin;
        for (path, body) in [
            (
                "/api/v1/rounds",
                serde_json::json!({"province": "01", "name": "Đợt 1", "scoring_deadline": "30/06/2027"}),
            ),
            (
                "/api/v1/points-of-sale",
                serde_json::json!({"name": "Điểm OCOP Hoàng Liệt", "operator": "HTX", "address": "Số 1", "commune_code": f.commune_a, "location_type": "market"}),
            ),
        ] {
            let r = api
                .post(app.url(path))
                .header("x-csrf-token", csrf)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert!(
                r.status().is_success(),
                "{path}: {}",
                r.text().await.unwrap()
            );
        }
        // An event that ends today, with one booth allocated and one
        // application pending: every organiser's form shows.
        let post = |path: String, body: serde_json::Value| {
            api.post(app.url(&path))
                .header("x-csrf-token", csrf)
                .json(&body)
                .send()
        };
        let event: serde_json::Value = post(
            "/api/v1/events".into(),
            serde_json::json!({"name": "Hội chợ OCOP", "kind": "fair", "scope": "provincial", "organiser": "VP",
                "venue": "Số 1", "province_code": "01", "starts_on": "20/11/2026", "ends_on": "22/11/2026"}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        let mut booths = Vec::new();
        for producer in [f.producer_a, f.producer_b] {
            let b: serde_json::Value = post(
                format!("/api/v1/events/{}/booths", event["id"]),
                serde_json::json!({"producer_id": producer}),
            )
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
            booths.push(b["id"].clone());
        }
        let r = post(
            format!("/api/v1/events/{}/booths/{}", event["id"], booths[0]),
            serde_json::json!({"booth_number": "A1", "area_m2": 9}),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 204, "{}", app.label);
        // A demand of the administrator's, a producer's pitch awaiting its
        // answer, and an agreement: the matching forms show.
        let demand: serde_json::Value = post(
            "/api/v1/demands".into(),
            serde_json::json!({"buyer": "Siêu thị", "title": "Nước mắm", "set_codes": ["09"],
                "period_from": "01/01/2027", "period_to": "31/12/2027", "deadline": "31/12/2026"}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        let (pc, pcsrf) = app.api_client("producer").await;
        let r = pc
            .post(app.url("/api/v1/introductions"))
            .header("x-csrf-token", &pcsrf)
            .json(&serde_json::json!({"demand_id": demand["id"], "product_id": sauce.id}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", app.label);
        let r = post(
            "/api/v1/agreements".into(),
            serde_json::json!({"kind": "memorandum", "buyer": "Siêu thị", "producer_id": f.producer_a,
                "product_codes": [sauce.code], "signed_on": "20/11/2026"}),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 201, "{}", app.label);
        let (c, _) = app.browser("admin").await;
        let forms = crawl(&app, &c).await;
        for action in [
            "/su-kien",
            "/so-lieu",
            "/thanh-phan",
            "/tong-ket",
            "/gian-hang",
        ] {
            assert!(
                forms.iter().any(|(_, (a, _, _))| a.ends_with(action)),
                "{}: the crawl missed the event form {action}",
                app.label
            );
        }
        assert!(
            forms.len() >= 30,
            "{}: found only {} forms: {forms:?}",
            app.label,
            forms.len()
        );
        let before = app.store.verify_audit().await.unwrap().entries;
        for (page, (action, multipart, fields)) in &forms {
            if action == "/dang-xuat" {
                continue; // logging out would end the crawl's session
            }
            let filled: Vec<(String, String)> = fields
                .iter()
                .map(|n| (n.clone(), "1".to_string()))
                .collect();
            for token in [None, Some("sai-token")] {
                let mut body = filled.clone();
                if let Some(t) = token {
                    body.push(("_csrf".into(), t.into()));
                }
                let req = c.post(app.url(action)).header("origin", &app.base);
                let req = if *multipart {
                    let mut form = reqwest::multipart::Form::new();
                    for (k, v) in body {
                        form = form.text(k, v);
                    }
                    req.multipart(form)
                } else {
                    req.form(&body)
                };
                let r = req.send().await.unwrap();
                assert_eq!(
                    r.status(),
                    403,
                    "{}: form {action} on {page} with token {token:?}",
                    app.label
                );
            }
        }
        let after = app.store.verify_audit().await.unwrap().entries;
        assert_eq!(before, after, "{}: nothing was written", app.label);
        // The anonymous side has its forms too (login): same rule.
        let r = client()
            .post(app.url("/dang-nhap"))
            .form(&[("username", "admin"), ("password", common::PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            403,
            "{}: login without its CSRF cookie",
            app.label
        );
    }
}
