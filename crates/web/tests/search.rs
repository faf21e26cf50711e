//! Catalog search, one test per behaviour the portal promises: accents
//! optional (đ → d), one typo per word, the word being typed as a prefix,
//! exact accents ranked first, producer and place names, suggestions, and an
//! index that follows every write. Each runs on SQLite and PostgreSQL.

mod common;

use common::{apps, client, producer_input, App};
use ocop_domain::admin_units::units;
use ocop_domain::auth::{Action, Capability};
use serde_json::{json, Value};

/// Names of the catalog's answer to `query` (already URL-encoded), best first.
async fn names(app: &App, query: &str) -> Vec<String> {
    let body = app.get_json(&format!("/api/v1/products?{query}")).await;
    body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{}: {query}: {body}", app.label))
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect()
}

/// A producer in Điện Biên (province 11), for place-name searches.
async fn dien_bien_producer(app: &App) -> i64 {
    let u = units();
    let commune = u.communes_of("11")[0].code.clone();
    let p = producer_input("HTX Tú Lệ", "0100109113", &commune)
        .validate(u)
        .unwrap();
    app.store
        .create_producer(&Capability::system(Action::CreateProducer), &p)
        .await
        .unwrap()
}

const CERT: Option<(&str, &str)> = Some(("4", "01/06/2025"));

#[tokio::test]
async fn accents_are_optional_and_d_folds() {
    for app in apps().await {
        let f = app.fixture().await;
        let admin = app.api_client("admin").await;
        let db = dien_bien_producer(&app).await;
        app.api_product(&admin, f.producer_a, "Nước mắm Vạn Phần", "09", CERT)
            .await;
        app.api_product(&admin, db, "Gạo nếp Tú Lệ", "04", CERT)
            .await;
        assert_eq!(
            names(&app, "q=nuoc%20mam%20van%20phan").await,
            ["Nước mắm Vạn Phần"],
            "{}",
            app.label
        );
        // The HTML catalog answers the same, each card linking to its page.
        let page = client()
            .get(app.url("/danh-muc?q=nuoc+mam+van+phan"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Nước mắm Vạn Phần"), "{}", app.label);
        assert!(
            page.contains("san-pham-ocop&#x2f;") || page.contains("san-pham-ocop/"),
            "{}: cards link to product pages",
            app.label
        );
        assert_eq!(
            names(&app, "q=dien%20bien").await,
            ["Gạo nếp Tú Lệ"],
            "{}: the province's name, đ typed as d",
            app.label
        );
        assert_eq!(
            names(&app, "q=%C4%90I%E1%BB%86N%20BI%C3%8AN").await,
            ["Gạo nếp Tú Lệ"],
            "{}: upper case with accents (ĐIỆN BIÊN)",
            app.label
        );
    }
}

#[tokio::test]
async fn one_typo_per_word_is_forgiven() {
    for app in apps().await {
        let f = app.fixture().await;
        let admin = app.api_client("admin").await;
        app.api_product(&admin, f.producer_a, "Nước mắm Vạn Phần", "09", CERT)
            .await;
        app.api_product(&admin, f.producer_a, "Mật ong bạc hà", "09", CERT)
            .await;
        for typo in [
            "nuoc%20mamm%20van%20phan",
            "nuwoc%20mam",
            "nuoc%20mam%20van%20phna",
        ] {
            assert_eq!(
                names(&app, &format!("q={typo}")).await,
                ["Nước mắm Vạn Phần"],
                "{}: {typo}",
                app.label
            );
        }
        assert!(
            names(&app, "q=nuoc%20mam%20zzzzzz").await.is_empty(),
            "{}: every word must match",
            app.label
        );
    }
}

#[tokio::test]
async fn the_word_being_typed_matches_as_a_prefix() {
    for app in apps().await {
        let f = app.fixture().await;
        let admin = app.api_client("admin").await;
        app.api_product(&admin, f.producer_a, "Nước mắm Vạn Phần", "09", CERT)
            .await;
        app.api_product(&admin, f.producer_a, "Nước cốt gừng", "09", CERT)
            .await;
        assert_eq!(
            names(&app, "q=nuoc%20mam%20van%20ph").await,
            ["Nước mắm Vạn Phần"],
            "{}",
            app.label
        );
        let both = names(&app, "q=nuo&sort=name").await;
        assert_eq!(
            both,
            ["Nước cốt gừng", "Nước mắm Vạn Phần"],
            "{}",
            app.label
        );
    }
}

#[tokio::test]
async fn exact_accents_rank_above_folded_matches() {
    for app in apps().await {
        let f = app.fixture().await;
        let admin = app.api_client("admin").await;
        // Inserted in the opposite order of the expected ranking, so that
        // neither insertion order nor name order explains the result.
        app.api_product(&admin, f.producer_a, "Chẻ tre Tân Cương", "11", CERT)
            .await;
        app.api_product(&admin, f.producer_a, "Chè búp Tân Cương", "11", CERT)
            .await;
        assert_eq!(
            names(&app, "q=ch%C3%A8").await,
            ["Chè búp Tân Cương", "Chẻ tre Tân Cương"],
            "{}: chè",
            app.label
        );
        assert_eq!(
            names(&app, "q=ch%E1%BA%BB").await,
            ["Chẻ tre Tân Cương", "Chè búp Tân Cương"],
            "{}: chẻ",
            app.label
        );
        assert_eq!(names(&app, "q=che").await.len(), 2, "{}", app.label);
    }
}

#[tokio::test]
async fn producer_and_place_names_match() {
    for app in apps().await {
        let f = app.fixture().await;
        let admin = app.api_client("admin").await;
        app.api_product(&admin, f.producer_a, "Nước mắm", "09", CERT)
            .await;
        app.api_product(&admin, f.producer_b, "Gốm men lam", "11", CERT)
            .await;
        assert_eq!(
            names(&app, "q=bat%20tien").await,
            ["Gốm men lam"],
            "{}: producer HTX Bát Tiên",
            app.label
        );
        assert_eq!(
            names(&app, "q=ha%20noi").await,
            ["Nước mắm"],
            "{}: place Hà Nội",
            app.label
        );
        // Product name, producer and place in one query.
        assert_eq!(
            names(&app, "q=nuoc%20mam%20van%20phan%20ha%20noi").await,
            ["Nước mắm"],
            "{}",
            app.label
        );
    }
}

#[tokio::test]
async fn suggestions_as_you_type() {
    for app in apps().await {
        let f = app.fixture().await;
        let admin = app.api_client("admin").await;
        app.api_product(&admin, f.producer_a, "Nước mắm Vạn Phần", "09", CERT)
            .await;
        app.api_product(&admin, f.producer_a, "Không chứng nhận", "09", None)
            .await;
        let r = client()
            .get(app.url("/api/v1/suggest?q=nuoc%20ma"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["items"].as_array().unwrap().len(), 1, "{body}");
        assert_eq!(body["items"][0]["name"], "Nước mắm Vạn Phần");
        assert!(body["items"][0]["id"].as_i64().unwrap() > 0);
        assert_eq!(body["items"][0]["province"], "Thành phố Hà Nội");
        let url = body["items"][0]["url"].as_str().unwrap();
        assert!(url.starts_with("/san-pham-ocop/"), "{url}");
        let page = client().get(app.url(url)).send().await.unwrap();
        assert_eq!(page.status(), 200, "the suggested page opens");
        let r = client()
            .get(app.url("/api/v1/suggest?q=x&limit=0"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        assert_eq!(
            r.json::<Value>().await.unwrap()["error"]["fields"][0]["field"],
            "limit"
        );
        // The script that shows them is served, and every page links it.
        let js = client()
            .get(app.url("/static/search.js"))
            .send()
            .await
            .unwrap();
        assert_eq!(js.status(), 200);
        assert!(js.text().await.unwrap().contains("/api/v1/suggest"));
        let home = client()
            .get(app.url("/thong-ke"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(home.contains("data-suggest"), "the header's search box");
    }
}

/// Renaming, revoking and deactivating show in search at once (the index
/// follows the outbox; a read after a write in this process catches up).
#[tokio::test]
async fn the_index_follows_every_write() {
    for app in apps().await {
        let f = app.fixture().await;
        let admin = app.api_client("admin").await;
        let common::Added {
            id,
            certificate: cert,
            ..
        } = app
            .api_product(&admin, f.producer_a, "Trà hoa vàng", "11", CERT)
            .await;
        assert_eq!(names(&app, "q=tra%20hoa").await, ["Trà hoa vàng"]);
        let (c, csrf) = &admin;
        let current = app.get_json(&format!("/api/v1/products/{id}")).await;
        let r = c
            .put(app.url(&format!("/api/v1/products/{id}")))
            .header("x-csrf-token", csrf)
            .json(
                &json!({"name": "Trà shan tuyết", "set_code": "11", "version": current["version"]}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            200,
            "{}: {}",
            app.label,
            r.text().await.unwrap()
        );
        assert!(names(&app, "q=tra%20hoa").await.is_empty(), "{}", app.label);
        assert_eq!(names(&app, "q=shan%20tuyet").await, ["Trà shan tuyết"]);
        let cert = cert.unwrap();
        let r = c
            .post(app.url(&format!("/api/v1/certificates/{cert}/revoke")))
            .header("x-csrf-token", csrf)
            .json(&json!({"ground": "mark_misuse", "detail": "QĐ 77/QĐ-UBND: dùng biểu trưng sai quy định"}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            200,
            "{}: {}",
            app.label,
            r.text().await.unwrap()
        );
        assert!(
            names(&app, "q=shan%20tuyet").await.is_empty(),
            "{}: revoked leaves the default catalog",
            app.label
        );
        assert_eq!(
            names(&app, "q=shan%20tuyet&status=revoked").await,
            ["Trà shan tuyết"]
        );
        let r = c
            .post(app.url(&format!("/api/v1/producers/{}/deactivate", f.producer_a)))
            .header("x-csrf-token", csrf)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            200,
            "{}: {}",
            app.label,
            r.text().await.unwrap()
        );
        assert!(
            names(&app, "q=shan%20tuyet&status=all").await.is_empty(),
            "{}: an inactive producer's products leave the catalog",
            app.label
        );
    }
}
