//! Test harness: the real router on a real socket (port 0), on a fresh
//! database of each available backend, with accounts for every role.

#![allow(dead_code)]

use ocop_domain::admin_units::units;
use ocop_domain::auth::{Action, Capability, Role};
use ocop_domain::producer::ProducerInput;
use ocop_store::testing::{self, TestDb};
use ocop_store::Store;
use std::net::SocketAddr;

pub const PASSWORD: &str = "mat-khau-thu-nghiem";

pub struct App {
    pub base: String,
    pub store: Store,
    /// The server's "today": 22/11/2026 unless a test moves it.
    pub clock: ocop_web::Clock,
    /// The evidence files' directory.
    pub files: tempfile::TempDir,
    pub label: &'static str,
    _db: TestDb,
}

/// A product added by [`App::api_product`].
pub struct Added {
    pub id: i64,
    pub code: String,
    /// The certificate recorded with it, if any.
    pub certificate: Option<i64>,
}

/// The two communes and producers every test starts with: `A` in Hà Nội, `B` in another province.
pub struct Fixture {
    pub province_a: String,
    pub commune_a: String,
    pub province_b: String,
    pub commune_b: String,
    pub producer_a: i64,
    pub producer_b: i64,
}

pub async fn spawn(db: TestDb) -> App {
    let store = db.store.clone();
    store.seed_reference(units()).await.unwrap();
    let search = ocop_search::Search::open(store.clone(), None)
        .await
        .unwrap();
    let clock = ocop_web::Clock::fixed(chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap());
    let files = tempfile::tempdir().unwrap();
    let state = ocop_web::AppState::new(
        store.clone(),
        search,
        ocop_web::Config {
            secure_cookies: false,
            today: clock.clone(),
            files_dir: Some(files.path().to_path_buf()),
            public_url: None,
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            ocop_web::router(state).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    App {
        base: format!("http://{addr}"),
        store,
        clock,
        files,
        label: db.label,
        _db: db,
    }
}

/// One app per available backend (SQLite always, PostgreSQL when configured).
pub async fn apps() -> Vec<App> {
    let mut v = Vec::new();
    for db in testing::all().await {
        v.push(spawn(db).await);
    }
    v
}

pub fn producer_input(name: &str, reg: &str, commune: &str) -> ProducerInput {
    ProducerInput {
        name: name.into(),
        kind: "cooperative".into(),
        registration_number: reg.into(),
        address: "Thôn 1".into(),
        commune_code: commune.into(),
        representative_name: "Nguyễn Thị Lan".into(),
        representative_gender: "female".into(),
        representative_disability: "0".into(),
        phone: "0912345678".into(),
        ..Default::default()
    }
}

impl App {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Two producers in two provinces, and one account per role.
    pub async fn fixture(&self) -> Fixture {
        let u = units();
        let commune_a = u.communes_of("01")[0].code.clone();
        let other = u
            .provinces
            .iter()
            .find(|p| p.code != "01")
            .unwrap()
            .code
            .clone();
        let commune_b = u.communes_of(&other)[0].code.clone();
        let cap = Capability::system(Action::CreateProducer);
        let a = producer_input("HTX Vạn Phần", "0100109106", &commune_a)
            .validate(u)
            .unwrap();
        let b = producer_input("HTX Bát Tiên", "0300588569", &commune_b)
            .validate(u)
            .unwrap();
        let producer_a = self.store.create_producer(&cap, &a).await.unwrap();
        let producer_b = self.store.create_producer(&cap, &b).await.unwrap();
        let f = Fixture {
            province_a: "01".into(),
            commune_a: commune_a.clone(),
            province_b: other.clone(),
            commune_b: commune_b.clone(),
            producer_a,
            producer_b,
        };
        let roles: Vec<(&str, Option<Role>)> = vec![
            ("admin", Some(Role::Admin)),
            ("ministry", Some(Role::Ministry)),
            (
                "province",
                Some(Role::ProvinceOffice {
                    province: "01".into(),
                }),
            ),
            (
                "commune",
                Some(Role::CommuneOfficer {
                    province: "01".into(),
                    commune: commune_a.clone(),
                }),
            ),
            (
                "producer",
                Some(Role::Producer {
                    province: "01".into(),
                    commune: commune_a.clone(),
                    producer_id: producer_a,
                }),
            ),
            ("buyer", Some(Role::Buyer)),
            ("norole", None),
        ];
        for (name, role) in roles {
            let id = self
                .store
                .create_user(
                    &Capability::system(Action::CreateUser),
                    name,
                    &format!("Người dùng {name}"),
                    None,
                    PASSWORD,
                )
                .await
                .unwrap();
            if let Some(r) = role {
                self.store
                    .grant_role(&Capability::system(Action::GrantRole), id, &r)
                    .await
                    .unwrap();
            }
        }
        f
    }

    /// Evidence for every criterion of a point of sale (Decision 950), so that it can be approved.
    pub async fn give_pos_evidence(&self, (c, csrf): &Client, pos: i64) {
        for (kind, _) in ocop_domain::market::POS_CRITERIA {
            let form = reqwest::multipart::Form::new().text("kind", kind).part(
                "file",
                reqwest::multipart::Part::bytes(b"%PDF-1.4 bien ban".to_vec())
                    .file_name("bien-ban.pdf"),
            );
            let r = c
                .post(self.url(&format!("/api/v1/points-of-sale/{pos}/files")))
                .header("x-csrf-token", csrf)
                .multipart(form)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201, "{}: evidence {kind}", self.label);
        }
    }

    /// GET a page with a browser client; its text.
    pub async fn page(&self, c: &reqwest::Client, path: &str) -> String {
        c.get(self.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// GET `path` anonymously and parse the JSON answer.
    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        client()
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// A product of `producer` added through the API, with a certificate
    /// (`stars`, issued `dd/mm/yyyy`) when given.
    pub async fn api_product(
        &self,
        (c, csrf): &(reqwest::Client, String),
        producer: i64,
        name: &str,
        set: &str,
        certificate: Option<(&str, &str)>,
    ) -> Added {
        let r = c
            .post(self.url(&format!("/api/v1/producers/{producer}/products")))
            .header("x-csrf-token", csrf)
            .json(&serde_json::json!({"name": name, "set_code": set}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}: add {name}", self.label);
        let product: serde_json::Value = r.json().await.unwrap();
        let added = |certificate| Added {
            id: product["id"].as_i64().unwrap(),
            code: product["code"].as_str().unwrap().to_string(),
            certificate,
        };
        let Some((stars, issued)) = certificate else {
            return added(None);
        };
        let r = c
            .post(self.url(&format!("/api/v1/products/{}/certificates", product["id"])))
            .header("x-csrf-token", csrf)
            .json(&serde_json::json!({"stars": stars, "decision_number": "9/QĐ", "issuer": "UBND", "issued_on": issued}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}: certify {name}", self.label);
        let verified = self
            .get_json(&format!(
                "/api/v1/verify?code={}",
                product["code"].as_str().unwrap()
            ))
            .await;
        added(verified["certificate"]["id"].as_i64())
    }

    /// A client logged in through the API, with its CSRF token.
    pub async fn api_client(&self, username: &str) -> (reqwest::Client, String) {
        let c = client();
        let r = c
            .post(self.url("/api/v1/session"))
            .json(&serde_json::json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}: login {username}", self.label);
        let body: serde_json::Value = r.json().await.unwrap();
        (c, body["csrf_token"].as_str().unwrap().to_string())
    }

    /// A client logged in through the HTML form, with the session's CSRF token read from a page.
    pub async fn browser(&self, username: &str) -> (reqwest::Client, String) {
        let c = client();
        let page = c
            .get(self.url("/dang-nhap"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let token = hidden(&page, "_csrf");
        let r = c
            .post(self.url("/dang-nhap"))
            .form(&[
                ("username", username),
                ("password", PASSWORD),
                ("_csrf", &token),
                ("next", "/"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}: form login {username}", self.label);
        let home = c
            .get(self.url("/tai-khoan"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = hidden(&home, "_csrf");
        (c, csrf)
    }
}

/// Add a product through the HTML form as a logged-in browser; the path of
/// the new product's page (the redirect, without its notice).
pub async fn add_product_by_form(
    app: &App,
    c: &reqwest::Client,
    csrf: &str,
    producer_id: i64,
    name: &str,
    set_code: &str,
) -> String {
    let r = c
        .post(app.url(&format!("/chu-the/{producer_id}/san-pham/moi")))
        .form(&[("_csrf", csrf), ("name", name), ("set_code", set_code)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}: add product {name}", app.label);
    let location = r.headers()["location"].to_str().unwrap();
    location.split('?').next().unwrap().to_string()
}

/// A client that keeps cookies and does not follow redirects.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of the first hidden input named `name` in a page.
pub fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no hidden {name} in page"))
        + marker.len();
    page[start..].split('"').next().unwrap().to_string()
}

/// A filing's body with the registration form's facts (Mẫu 01) added.
pub fn registered(mut filing: serde_json::Value) -> serde_json::Value {
    for (k, v) in [
        ("representative_title", serde_json::json!("Giám đốc")),
        ("phone", serde_json::json!("0912 345 678")),
        ("samples", serde_json::json!(5)),
        ("commitment", serde_json::json!(true)),
    ] {
        filing[k] = v;
    }
    filing
}

/// A client logged in through the API, with its CSRF token.
pub type Client = (reqwest::Client, String);

/// Send `body` as JSON with the client's CSRF token: the status and the
/// parsed answer (null when it is not JSON).
pub async fn call(
    app: &App,
    (c, csrf): &Client,
    method: reqwest::Method,
    path: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let r = c
        .request(method, app.url(path))
        .header("x-csrf-token", csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

pub async fn post(
    app: &App,
    c: &Client,
    path: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    call(app, c, reqwest::Method::POST, path, body).await
}

pub async fn put(
    app: &App,
    c: &Client,
    path: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    call(app, c, reqwest::Method::PUT, path, body).await
}

pub async fn get(app: &App, c: &Client, path: &str) -> (u16, serde_json::Value) {
    call(app, c, reqwest::Method::GET, path, serde_json::Value::Null).await
}

/// The fields an error answer names.
pub fn fields(body: &serde_json::Value) -> Vec<String> {
    body["error"]["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["field"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}
