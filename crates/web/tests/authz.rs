//! The authorization matrix: every role × every write endpoint × a target in
//! and out of the role's scope, against the real API. Expectations are written
//! out here, independently of the rule table in `ocop_domain::auth`.

mod common;

use common::{apps, client};
use ocop_domain::ids::tax_check_digit;
use serde_json::json;
use std::sync::atomic::{AtomicU32, Ordering};

static SERIAL: AtomicU32 = AtomicU32::new(1000);

/// A fresh, valid tax code for each call.
fn next_tax_code() -> String {
    loop {
        let n = SERIAL.fetch_add(1, Ordering::SeqCst);
        let body = format!("04{:07}", n);
        let d: Vec<u32> = body.chars().map(|c| c.to_digit(10).unwrap()).collect();
        if let Some(c) = tax_check_digit(&d.clone().try_into().unwrap()) {
            return format!("{body}{c}");
        }
    }
}

const ENDPOINTS: [&str; 24] = [
    "create_producer",
    "update_producer",
    "deactivate_producer",
    "create_product",
    "update_product",
    "record_certificate",
    "import",
    "create_user",
    "grant_role",
    "deactivate_product",
    "upload_image",
    "deactivate_user",
    "file_dossier",
    "review_dossier",
    "create_round",
    "create_point_of_sale",
    "create_event",
    "apply_booth",
    "post_demand",
    "post_offer",
    "record_agreement",
    "record_inspection",
    "comment_dossier",
    "save_draft",
];

/// (role, [(in scope, out of scope) for each endpoint]) — true means allowed.
fn expected() -> Vec<(&'static str, [(bool, bool); 24])> {
    const ALL: (bool, bool) = (true, true);
    const IN: (bool, bool) = (true, false);
    const NO: (bool, bool) = (false, false);
    #[rustfmt::skip]
    let table = vec![
        ("admin", [ALL, ALL, ALL, ALL, ALL, ALL, ALL, ALL, ALL, ALL, ALL, ALL, ALL, ALL, ALL, ALL, ALL, ALL, ALL, ALL, ALL, ALL, ALL, ALL]),
        // The ministry records and revokes 5★ certificates, runs fairs, inspects
        // products and writes in dossiers' threads anywhere.
        // A draft is seen (and saved) by its producer only.
        ("ministry", [NO, NO, NO, NO, NO, ALL, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, ALL, NO, NO, NO, NO, ALL, ALL, NO]),
        // An account has no unit until a role is granted: creating one is not scoped.
        // The commune reviews dossiers; the province only receives them.
        ("province", [IN, IN, IN, IN, IN, IN, IN, ALL, IN, IN, IN, IN, IN, NO, IN, IN, IN, IN, NO, IN, IN, IN, IN, NO]),
        ("commune", [IN, IN, IN, IN, IN, NO, NO, NO, NO, IN, IN, NO, IN, IN, NO, NO, NO, NO, NO, NO, NO, NO, IN, NO]),
        ("producer", [NO, IN, NO, IN, IN, NO, NO, NO, NO, NO, IN, NO, IN, NO, NO, NO, NO, IN, NO, IN, IN, NO, IN, IN]),
        // A buyer posts demands; it records agreements only on its own demands.
        ("buyer", [NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, ALL, NO, NO, NO, NO, NO]),
        ("norole", [NO; 24]),
        ("anonymous", [NO; 24]),
    ];
    table
}

#[tokio::test]
async fn every_role_every_write_in_and_out_of_scope() {
    for app in apps().await {
        let f = app.fixture().await;
        // One product per producer, as targets.
        let (admin, admin_csrf) = app.api_client("admin").await;
        let mut product = std::collections::HashMap::new();
        for (key, pid) in [("in", f.producer_a), ("out", f.producer_b)] {
            let r = admin
                .post(app.url(&format!("/api/v1/producers/{pid}/products")))
                .header("x-csrf-token", &admin_csrf)
                .json(&json!({"name": format!("Sản phẩm {key}"), "set_code": "01"}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
            product.insert(
                key,
                r.json::<serde_json::Value>().await.unwrap()["id"]
                    .as_i64()
                    .unwrap(),
            );
        }
        // Roles are granted to an account of its own, so no tested role gains rights mid-test.
        let grantee = app
            .store
            .create_user(
                &ocop_domain::auth::Capability::system(ocop_domain::auth::Action::CreateUser),
                "grantee",
                "Người được cấp",
                None,
                common::PASSWORD,
            )
            .await
            .unwrap();
        // Accounts to lock: one with a role in province A, one in province B.
        let mut lockable = std::collections::HashMap::new();
        for (key, province, commune) in [
            ("in", "01", &f.commune_a),
            ("out", f.province_b.as_str(), &f.commune_b),
        ] {
            let id = app
                .store
                .create_user(
                    &ocop_domain::auth::Capability::system(ocop_domain::auth::Action::CreateUser),
                    &format!("lock_{key}"),
                    "Tài khoản thử khoá",
                    None,
                    common::PASSWORD,
                )
                .await
                .unwrap();
            let role = ocop_domain::auth::Role::CommuneOfficer {
                province: province.into(),
                commune: commune.to_string(),
            };
            app.store
                .grant_role(
                    &ocop_domain::auth::Capability::system(ocop_domain::auth::Action::GrantRole),
                    id,
                    &role,
                )
                .await
                .unwrap();
            lockable.insert(key, id);
        }
        // Certified products to offer and to sign for, one per producer.
        let mut certified = std::collections::HashMap::new();
        for (key, pid) in [("in", f.producer_a), ("out", f.producer_b)] {
            let p = app
                .api_product(
                    &(admin.clone(), admin_csrf.clone()),
                    pid,
                    &format!("Nước mắm {key}"),
                    "09",
                    Some(("4", "01/06/2025")),
                )
                .await;
            certified.insert(key, p);
        }
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend_from_slice(&[7u8; 32]);
        let mut failures = Vec::new();
        for (role, cells) in expected() {
            let (c, csrf) = if role == "anonymous" {
                (client(), String::new())
            } else {
                app.api_client(role).await
            };
            for (endpoint, (in_ok, out_ok)) in ENDPOINTS.iter().zip(cells) {
                for (inside, want) in [(true, in_ok), (false, out_ok)] {
                    let (commune, producer, prod) = if inside {
                        (&f.commune_a, f.producer_a, product["in"])
                    } else {
                        (&f.commune_b, f.producer_b, product["out"])
                    };
                    let producer_body = json!({
                        "name": "HTX Thử quyền", "kind": "cooperative", "registration_number": next_tax_code(),
                        "address": "Thôn 1", "commune_code": commune, "representative_name": "Lê Văn A", "representative_gender": "male"
                    });
                    let req = match *endpoint {
                        "create_producer" => c.post(app.url("/api/v1/producers")).json(&producer_body),
                        "update_producer" => {
                            let current = app.store.producer(producer).await.unwrap();
                            let mut body = producer_body.clone();
                            body["registration_number"] = json!(current.registration_number);
                            body["name"] = json!(current.name);
                            c.put(app.url(&format!("/api/v1/producers/{producer}"))).json(&body)
                        }
                        "deactivate_producer" => c.post(app.url(&format!("/api/v1/producers/{producer}/deactivate"))),
                        "create_product" => c
                            .post(app.url(&format!("/api/v1/producers/{producer}/products")))
                            .json(&json!({"name": format!("Sản phẩm mới {}", next_tax_code()), "set_code": "02"})),
                        "update_product" => c
                            .put(app.url(&format!("/api/v1/products/{prod}")))
                            .json(&json!({"name": format!("Sản phẩm {}", if inside { "in" } else { "out" }), "set_code": "01"})),
                        "record_certificate" => c.post(app.url(&format!("/api/v1/products/{prod}/certificates"))).json(&json!({
                            "stars": "3", "decision_number": format!("{}/QĐ", next_tax_code()), "issuer": "UBND", "issued_on": "01/01/2025"
                        })),
                        "import" => c.post(app.url("/api/v1/import/producers?filename=x.csv")).body(format!(
                            "name,kind,registration_number,address,commune_code,representative_name,representative_gender\nHTX Nhập,htx,{},Thôn 1,{commune},Lan,Nữ\n",
                            next_tax_code()
                        )),
                        "create_user" => c.post(app.url("/api/v1/users")).json(&json!({
                            "username": format!("u{}", next_tax_code()), "full_name": "Người mới", "password": "mat-khau-du-dai-1"
                        })),
                        "grant_role" => {
                            let target = grantee;
                            c.post(app.url(&format!("/api/v1/users/{target}/roles")))
                                .json(&json!({"role": "commune_officer", "province": "", "commune": commune}))
                        }
                        "deactivate_product" => c.post(app.url(&format!("/api/v1/products/{prod}/deactivate"))),
                        "upload_image" => c.post(app.url(&format!("/api/v1/products/{prod}/images"))).body(png.clone()),
                        "file_dossier" | "review_dossier" | "comment_dossier" | "save_draft" => {
                            // A fresh product each time: one open dossier per product.
                            let data = ocop_domain::product::ProductInput { name: format!("Hồ sơ {}", next_tax_code()), set_code: "09".into(), ..Default::default() }
                                .validate(if inside { "01" } else { f.province_b.as_str() }, commune)
                                .unwrap();
                            let (new_product, _) = app
                                .store
                                .create_product(&ocop_domain::auth::Capability::system(ocop_domain::auth::Action::CreateProduct), producer, &data, 2026)
                                .await
                                .unwrap();
                            let filing = common::registered(json!({"kind": "first", "options": ["A.1.a.3"]}));
                            if *endpoint == "file_dossier" {
                                c.post(app.url(&format!("/api/v1/products/{new_product}/dossiers"))).json(&filing)
                            } else {
                                let sheet = ocop_domain::criteria::version("qd26-2026").unwrap().sheet("09").unwrap();
                                let f = serde_json::from_value::<ocop_domain::dossier::FilingInput>(filing.clone())
                                    .unwrap()
                                    .validate(sheet)
                                    .unwrap();
                                let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
                                let ctx = ocop_store::dossiers::FilingContext { criteria_version: "qd26-2026", set_code: "09", filed_on: day, commune_deadline: day };
                                let draft = *endpoint == "save_draft";
                                let did = app
                                    .store
                                    .file_dossier(&ocop_domain::auth::Capability::system(ocop_domain::auth::Action::FileDossier), new_product, &f, &ctx, draft)
                                    .await
                                    .unwrap();
                                match *endpoint {
                                    "review_dossier" => c.post(app.url(&format!("/api/v1/dossiers/{did}/return"))).json(&json!({"conclusion": "Bổ sung giấy tờ"})),
                                    "comment_dossier" => c.post(app.url(&format!("/api/v1/dossiers/{did}/comments"))).json(&json!({"body": "Câu hỏi về hồ sơ"})),
                                    _ => c.put(app.url(&format!("/api/v1/dossiers/{did}"))).json(&filing),
                                }
                            }
                        }
                        "create_round" => c.post(app.url("/api/v1/rounds")).json(&json!({
                            "province": if inside { "01" } else { f.province_b.as_str() }, "name": "Đợt thử quyền", "scoring_deadline": "30/06/2027"
                        })),
                        "create_point_of_sale" => c.post(app.url("/api/v1/points-of-sale")).json(&json!({
                            "name": "Điểm thử quyền", "operator": "Đơn vị", "address": "Số 1", "commune_code": commune, "location_type": "market"
                        })),
                        "create_event" => c.post(app.url("/api/v1/events")).json(&json!({
                            "name": "Hội chợ thử quyền", "kind": "fair", "scope": "provincial", "organiser": "VP", "venue": "Số 1",
                            "province_code": if inside { "01" } else { f.province_b.as_str() },
                            "starts_on": "01/12/2026", "ends_on": "03/12/2026"
                        })),
                        "apply_booth" => {
                            // A fresh open event each time: one application per producer and event.
                            let e = ocop_domain::trade_event::TradeEventInput {
                                name: "Hội chợ".into(), kind: "fair".into(), scope: "provincial".into(), organiser: "VP".into(),
                                venue: "Số 1".into(), province_code: "01".into(), starts_on: "01/12/2026".into(), ends_on: "03/12/2026".into(),
                                ..Default::default()
                            }
                            .validate(ocop_domain::admin_units::units())
                            .unwrap();
                            let event = app.store.create_trade_event(&ocop_domain::auth::Capability::system(ocop_domain::auth::Action::ManageTradeEvent), &e).await.unwrap();
                            c.post(app.url(&format!("/api/v1/events/{event}/booths"))).json(&json!({"producer_id": producer}))
                        }
                        "post_demand" => c.post(app.url("/api/v1/demands")).json(&json!({
                            "buyer": "Siêu thị", "title": "Nước mắm", "set_codes": ["09"], "period_from": "01/01/2027",
                            "period_to": "31/12/2027", "deadline": "31/12/2026"
                        })),
                        "post_offer" => {
                            let p = &certified[if inside { "in" } else { "out" }];
                            c.put(app.url(&format!("/api/v1/products/{}/offer", p.id))).json(&json!({"capacity": 100, "unit": "chai"}))
                        }
                        "record_agreement" => {
                            let p = &certified[if inside { "in" } else { "out" }];
                            c.post(app.url("/api/v1/agreements")).json(&json!({
                                "kind": "cooperation", "buyer": "Siêu thị", "producer_id": producer, "product_codes": [p.code], "signed_on": "20/11/2026"
                            }))
                        }
                        "record_inspection" => c.post(app.url(&format!("/api/v1/products/{prod}/inspections"))).json(&json!({
                            "kind": "periodic", "inspected_on": "10/11/2026", "body": "Sở", "criteria_upkeep": "Đạt", "conclusion": "maintained"
                        })),
                        "deactivate_user" => {
                            let target = lockable[if inside { "in" } else { "out" }];
                            c.post(app.url(&format!("/api/v1/users/{target}/deactivate")))
                        }
                        _ => unreachable!(),
                    };
                    let req = if csrf.is_empty() {
                        req
                    } else {
                        req.header("x-csrf-token", &csrf)
                    };
                    let r = req.send().await.unwrap();
                    let status = r.status();
                    let allowed = status.is_success();
                    // Denials must be a refusal, never a server error or a validation slip.
                    // Dossiers out of reach are not revealed (404), like a refusal.
                    let denial_ok = matches!(status.as_u16(), 401 | 403)
                        || (*endpoint == "import" && status == 422)
                        || (matches!(
                            *endpoint,
                            "review_dossier" | "comment_dossier" | "save_draft"
                        ) && status == 404);
                    if allowed != want || (!allowed && !denial_ok) {
                        let body = r.text().await.unwrap_or_default();
                        failures.push(format!(
                            "{role} {endpoint} {}: got {status}, expected {} — {}",
                            if inside { "in scope" } else { "out of scope" },
                            if want { "allowed" } else { "denied" },
                            body.chars().take(200).collect::<String>()
                        ));
                    }
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{}:\n{}",
            app.label,
            failures.join("\n")
        );
        assert!(app.store.verify_audit().await.unwrap().faults.is_empty());
    }
}
