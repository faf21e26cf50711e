//! After the first certificate: upgrade, re-evaluation in its window, the
//! late filer's extension, and the end of an extension, through the HTTP
//! API on both backends with the server's clock moved (Decision 26/2026
//! Art. 7.5, 7.6 and 12.3).

mod common;

use chrono::NaiveDate;
use common::{apps, fields, get, post, App, Client, Fixture, PASSWORD};
use ocop_domain::auth::{Action, Capability};
use serde_json::{json, Value};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%d/%m/%Y").unwrap()
}

/// Options of sheet 09 that rank exactly `stars`.
fn options_for(stars: u8) -> Vec<String> {
    let sheet = ocop_domain::criteria::version("qd26-2026")
        .unwrap()
        .sheet("09")
        .unwrap();
    ocop_domain::demo::selection_for(sheet, stars)
}

/// The actors of one evaluation: the producer, the commune, the office and a one-member council.
struct Actors {
    producer: Client,
    commune: Client,
    office: Client,
    member: Client,
    round: i64,
}

async fn actors(app: &App, f: &Fixture) -> Actors {
    app.store
        .create_user(
            &Capability::system(Action::CreateUser),
            "chutich",
            "Chủ tịch hội đồng",
            None,
            PASSWORD,
        )
        .await
        .unwrap();
    let office = app.api_client("province").await;
    let (s, r) = post(
        app,
        &office,
        "/api/v1/rounds",
        json!({"province": f.province_a, "name": "Đợt thường xuyên", "scoring_deadline": "31/12/2031", "quorum_pct": 100}),
    )
    .await;
    assert_eq!(s, 201, "{}: {r}", app.label);
    let round = r["id"].as_i64().unwrap();
    let (s, r) = post(
        app,
        &office,
        &format!("/api/v1/rounds/{round}/members"),
        json!({"username": "chutich", "chair": true}),
    )
    .await;
    assert_eq!(s, 201, "{}: {r}", app.label);
    Actors {
        producer: app.api_client("producer").await,
        commune: app.api_client("commune").await,
        office,
        member: app.api_client("chutich").await,
        round,
    }
}

/// File a dossier as the producer; the answer's status and body.
async fn file(app: &App, a: &Actors, product: i64, kind: &str, stars: u8) -> (u16, Value) {
    post(
        app,
        &a.producer,
        &format!("/api/v1/products/{product}/dossiers"),
        common::registered(json!({"kind": kind, "options": options_for(stars)})),
    )
    .await
}

/// Take a filed dossier through the commune, the council (scoring `stars`)
/// and the province's decision signed on `signed_on` (the clock moves to
/// that day); the decision's answer.
async fn evaluate(app: &App, a: &Actors, dossier: i64, stars: u8, signed_on: &str) -> Value {
    let review = json!({"complete": true, "local_raw_materials": "Cá cơm Vạn Phần", "local_labour": "12 lao động",
                        "idea_origin": "Nghề truyền thống", "local_identity": "Nước mắm làng chài"});
    let steps = [
        (
            &a.commune,
            format!("/api/v1/dossiers/{dossier}/forward"),
            review,
            200,
        ),
        (
            &a.office,
            format!("/api/v1/rounds/{}/dossiers/{dossier}", a.round),
            json!(null),
            204,
        ),
        (
            &a.member,
            format!("/api/v1/dossiers/{dossier}/score-sheets"),
            json!({"options": options_for(stars)}),
            201,
        ),
        (
            &a.office,
            format!("/api/v1/dossiers/{dossier}/close-scoring"),
            json!(null),
            200,
        ),
    ];
    for (who, path, body, want) in steps {
        let (s, r) = post(app, who, &path, body).await;
        assert_eq!(s, want, "{}: {path}: {r}", app.label);
    }
    app.clock.set(day(signed_on));
    let (s, r) = decide(
        app,
        &a.office,
        dossier,
        json!({"decision_number": format!("{dossier}/QĐ-UBND"), "signed_on": signed_on,
               "signer": "Chủ tịch UBND", "issuer": "UBND Thành phố Hà Nội"}),
    )
    .await;
    assert_eq!(s, 200, "{}: decision: {r}", app.label);
    r
}

async fn decide(app: &App, who: &Client, dossier: i64, body: Value) -> (u16, Value) {
    post(
        app,
        who,
        &format!("/api/v1/dossiers/{dossier}/decision"),
        body,
    )
    .await
}

/// The verification status of a product's certificate today.
async fn status_of(app: &App, code: &str) -> String {
    verify(app, code).await["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn verify(app: &App, code: &str) -> Value {
    app.get_json(&format!("/api/v1/verify?code={code}")).await
}

/// The fixture, the actors, an admin client, and a product of producer A
/// certified `stars` on `issued` (dd/mm/yyyy).
async fn certified(
    app: &App,
    name: &str,
    stars: &str,
    issued: &str,
) -> (Fixture, Actors, Client, common::Added) {
    let f = app.fixture().await;
    let a = actors(app, &f).await;
    let admin = app.api_client("admin").await;
    let p = app
        .api_product(&admin, f.producer_a, name, "09", Some((stars, issued)))
        .await;
    (f, a, admin, p)
}

#[tokio::test]
async fn upgrade_and_reevaluation_replace_the_certificate() {
    for app in apps().await {
        let (f, a, admin, p) = certified(&app, "Nước mắm Vạn Phần", "3", "01/12/2024").await;
        let first_cert = p.certificate.unwrap();

        // With a 3★ certificate in force: no first evaluation, no
        // re-evaluation before its window (opens 180 days before 01/12/2027).
        let (s, r) = file(&app, &a, p.id, "first", 4).await;
        assert_eq!(
            (s, fields(&r)),
            (409, vec!["kind".to_string()]),
            "{}: {r}",
            app.label
        );
        let (s, r) = file(&app, &a, p.id, "reevaluation", 4).await;
        assert_eq!(s, 409, "{}", app.label);
        assert!(
            r["error"]["message"]
                .as_str()
                .unwrap()
                .contains("04/06/2027"),
            "{r}"
        );

        // Upgrade to 4★: a new certificate replaces the old at once.
        let (s, d) = file(&app, &a, p.id, "upgrade", 4).await;
        assert_eq!(s, 201, "{}: {d}", app.label);
        assert_eq!(d["certificate_id"], first_cert);
        let (s, _) = file(&app, &a, p.id, "upgrade", 4).await;
        assert_eq!(s, 409, "{}: one dossier under way per product", app.label);
        let decided = evaluate(&app, &a, d["id"].as_i64().unwrap(), 4, "22/11/2026").await;
        assert_eq!(decided["status"], "recognized", "{}", app.label);
        let v = verify(&app, &p.code).await;
        assert_eq!(
            (v["status"].as_str(), v["certificate"]["stars"].as_i64()),
            (Some("valid"), Some(4))
        );
        let second_cert = v["certificate"]["id"].as_i64().unwrap();
        let old = app.store.certificate(first_cert).await.unwrap();
        assert_eq!(old.superseded_by, Some(second_cert), "{}", app.label);
        assert_eq!(old.status(day("22/11/2026")).code(), "superseded");
        // The producer sees the council's result part by part, and what 5★ needs.
        let (pb, _) = app.browser("producer").await;
        let page = app.page(&pb, &format!("/san-pham/{}", p.id)).await;
        assert!(
            page.contains("Các lần đánh giá")
                && page.contains("Để đạt 5 sao")
                && page.contains("Phần A:"),
            "{}",
            app.label
        );
        assert!(
            page.contains("hội đồng chấm"),
            "{}: the unmet 5★ minimum is named",
            app.label
        );

        // An upgrade that does not rise above the stars held issues nothing.
        let (s, d) = file(&app, &a, p.id, "upgrade", 4).await;
        assert_eq!(s, 201, "{}: {d}", app.label);
        let decided = evaluate(&app, &a, d["id"].as_i64().unwrap(), 4, "10/01/2027").await;
        assert_eq!(decided["status"], "not_recognized", "{}", app.label);
        let v = verify(&app, &p.code).await;
        assert_eq!(
            v["certificate"]["id"], second_cert,
            "{}: keeps its certificate",
            app.label
        );

        // The 4★ certificate expires 22/11/2029; its window is 25/05–24/07/2029.
        // Filed late (01/09/2029) it is accepted, and runs past its expiry.
        app.clock.set(day("01/09/2029"));
        let (s, d) = file(&app, &a, p.id, "reevaluation", 3).await;
        assert_eq!(s, 201, "{}: {d}", app.label);
        assert_eq!(d["late_filing"], true);
        app.clock.set(day("23/11/2029"));
        let v = verify(&app, &p.code).await;
        assert_eq!(v["status"], "extended", "{}: {v}", app.label);
        assert_eq!(v["certificate"]["extended_until"], "2030-05-21");
        let (_, listed) = get(&app, &admin, &format!("/api/v1/products?q={}", "Vạn Phần")).await;
        assert_eq!(
            listed["items"][0]["certificate"]["status"], "extended",
            "{}: {listed}",
            app.label
        );
        // The re-evaluation ranks 3★: a new 3★ certificate replaces the 4★ one.
        let decided = evaluate(&app, &a, d["id"].as_i64().unwrap(), 3, "01/12/2029").await;
        assert_eq!(decided["status"], "recognized", "{}", app.label);
        let v = verify(&app, &p.code).await;
        assert_eq!(v["status"], "valid", "{}: {v}", app.label);
        assert_eq!(v["certificate"]["stars"], 3);
        assert_eq!(v["certificate"]["expires_on"], "2032-12-01");
        let replaced = app.store.certificate(second_cert).await.unwrap();
        assert_eq!(replaced.superseded_by, v["certificate"]["id"].as_i64());

        // Once a certificate has expired, only a first evaluation is possible.
        let q = app
            .api_product(
                &admin,
                f.producer_a,
                "Mắm tôm Vạn Phần",
                "09",
                Some(("4", "01/01/2026")),
            )
            .await;
        app.clock.set(day("02/01/2029"));
        let (s, r) = file(&app, &a, q.id, "reevaluation", 4).await;
        assert_eq!(s, 409, "{}", app.label);
        assert!(
            r["error"]["message"].as_str().unwrap().contains("lần đầu"),
            "{r}"
        );
        let (s, _) = file(&app, &a, q.id, "first", 4).await;
        assert_eq!(s, 201, "{}", app.label);
    }
}

#[tokio::test]
async fn an_extension_ends_with_the_result_or_the_withdrawal() {
    for app in apps().await {
        // Expires 01/06/2027: window 02/12/2026–31/01/2027.
        let (_, a, _, p) = certified(&app, "Chè Shan tuyết", "4", "01/06/2024").await;
        let cert = p.certificate.unwrap();
        app.clock.set(day("15/01/2027"));
        let (s, d) = file(&app, &a, p.id, "reevaluation", 1).await;
        assert_eq!(s, 201, "{}: {d}", app.label);
        assert_eq!(d["late_filing"], false);
        let extended = |app: &App| {
            let store = app.store.clone();
            async move { store.certificate(cert).await.unwrap().extended_until }
        };
        assert_eq!(extended(&app).await, Some(day("28/11/2027")));
        // Withdrawn before the expiry: the extension is dropped.
        let (s, _) = post(
            &app,
            &a.producer,
            &format!("/api/v1/dossiers/{}/withdraw", d["id"]),
            json!(null),
        )
        .await;
        assert_eq!(s, 200, "{}", app.label);
        assert_eq!(extended(&app).await, None, "{}", app.label);

        // Filed again, pending past the expiry, then not recognised: the
        // certificate stays in force until the day of the result, not after.
        let (s, d) = file(&app, &a, p.id, "reevaluation", 1).await;
        assert_eq!(s, 201, "{}: {d}", app.label);
        app.clock.set(day("10/06/2027"));
        assert_eq!(status_of(&app, &p.code).await, "extended", "{}", app.label);
        let decided = evaluate(&app, &a, d["id"].as_i64().unwrap(), 1, "15/06/2027").await;
        assert_eq!(decided["status"], "not_recognized", "{}", app.label);
        assert_eq!(
            extended(&app).await,
            Some(day("15/06/2027")),
            "{}",
            app.label
        );
        assert_eq!(status_of(&app, &p.code).await, "extended", "{}", app.label);
        app.clock.set(day("16/06/2027"));
        assert_eq!(status_of(&app, &p.code).await, "expired", "{}", app.label);
    }
}

#[tokio::test]
async fn a_potential_five_star_goes_to_the_central_round() {
    for app in apps().await {
        let f = app.fixture().await;
        let a = actors(&app, &f).await;
        let admin = app.api_client("admin").await;
        let ministry = app.api_client("ministry").await;
        app.store
            .create_user(
                &Capability::system(Action::CreateUser),
                "tw1",
                "Ủy viên trung ương",
                None,
                PASSWORD,
            )
            .await
            .unwrap();
        let tw1 = app.api_client("tw1").await;

        // The province scores two products at the top: both go to the ministry.
        let mut sent = Vec::new();
        for name in [
            "Nước mắm Vạn Phần thượng hạng",
            "Nước mắm Vạn Phần đặc biệt",
        ] {
            let p = app
                .api_product(&admin, f.producer_a, name, "09", None)
                .await;
            let (s, d) = file(&app, &a, p.id, "first", 5).await;
            assert_eq!(s, 201, "{}: {d}", app.label);
            let did = d["id"].as_i64().unwrap();
            let decided = evaluate(&app, &a, did, 5, "22/11/2026").await;
            assert_eq!(decided["status"], "sent_to_ministry", "{}", app.label);
            assert_eq!(status_of(&app, &p.code).await, "not_certified");
            sent.push((p, did));
        }
        let (top, top_id) = &sent[0];
        let (second, second_id) = &sent[1];

        // Only the ministry runs the central round; a province's round cannot take the dossier.
        let central = json!({"level": "central", "name": "Đợt 1 năm 2027 cấp trung ương", "scoring_deadline": "30/03/2027"});
        let (s, _) = post(&app, &a.office, "/api/v1/rounds", central.clone()).await;
        assert_eq!(s, 403, "{}", app.label);
        let (s, r) = post(&app, &ministry, "/api/v1/rounds", central).await;
        assert_eq!(s, 201, "{}: {r}", app.label);
        assert_eq!(
            (r["level"].as_str(), r["province_code"].as_str()),
            (Some("central"), None)
        );
        let round = r["id"].as_i64().unwrap();
        let (s, _) = post(
            &app,
            &a.office,
            &format!("/api/v1/rounds/{}/dossiers/{top_id}", a.round),
            json!(null),
        )
        .await;
        assert_eq!(s, 409, "{}: not back to the provincial round", app.label);
        let (s, r) = post(
            &app,
            &ministry,
            &format!("/api/v1/rounds/{round}/members"),
            json!({"username": "tw1", "chair": true}),
        )
        .await;
        assert_eq!(s, 201, "{}: {r}", app.label);
        for did in [top_id, second_id] {
            let (s, r) = post(
                &app,
                &ministry,
                &format!("/api/v1/rounds/{round}/dossiers/{did}"),
                json!(null),
            )
            .await;
            assert_eq!(s, 204, "{}: {r}", app.label);
        }
        let (_, d) = get(&app, &ministry, &format!("/api/v1/dossiers/{top_id}")).await;
        assert_eq!(
            d["provincial_round_id"], a.round,
            "{}: the provincial result is kept",
            app.label
        );
        assert_eq!(d["provincial_rank"], 5);
        assert!(d["council_total"].is_null(), "{d}");

        // The central council scores; the ministry closes and decides.
        for (did, stars) in [(top_id, 5), (second_id, 4)] {
            let (s, r) = post(
                &app,
                &tw1,
                &format!("/api/v1/dossiers/{did}/score-sheets"),
                json!({"options": options_for(stars)}),
            )
            .await;
            assert_eq!(s, 201, "{}: {r}", app.label);
            let close = format!("/api/v1/dossiers/{did}/close-scoring");
            assert_eq!(
                post(&app, &a.office, &close, json!(null)).await.0,
                403,
                "{}",
                app.label
            );
            let (s, r) = post(&app, &ministry, &close, json!(null)).await;
            assert_eq!(s, 200, "{}: {r}", app.label);
        }
        let decision = |n: &str, signer: &str, issuer: &str| json!({"decision_number": n, "signed_on": "20/03/2027", "signer": signer, "issuer": issuer});
        app.clock.set(day("20/03/2027"));
        let by_ministry = decision("15/QĐ-BNNMT", "Bộ trưởng", "Bộ Nông nghiệp và Môi trường");
        let (s, _) = decide(
            &app,
            &a.office,
            *top_id,
            decision("1/QĐ-UBND", "Chủ tịch", "UBND"),
        )
        .await;
        assert_eq!(s, 403, "{}: the province does not decide on 5★", app.label);
        let (s, r) = decide(&app, &ministry, *top_id, by_ministry.clone()).await;
        assert_eq!(
            (s, r["status"].as_str()),
            (200, Some("recognized")),
            "{}: {r}",
            app.label
        );
        let v = verify(&app, &top.code).await;
        assert_eq!(v["status"], "valid", "{}: {v}", app.label);
        assert_eq!(v["certificate"]["stars"], 5);
        assert_eq!(v["certificate"]["issuer"], "Bộ Nông nghiệp và Môi trường");

        // Below 5★ at the centre: back to the province, which recognises 4★ on that result.
        let (s, r) = decide(&app, &ministry, *second_id, by_ministry).await;
        assert_eq!(
            (s, r["status"].as_str()),
            (200, Some("returned_by_ministry")),
            "{}: {r}",
            app.label
        );
        assert_eq!(status_of(&app, &second.code).await, "not_certified");
        let by_province = decision("16/QĐ-UBND", "Chủ tịch UBND", "UBND Thành phố Hà Nội");
        let (s, _) = decide(&app, &ministry, *second_id, by_province.clone()).await;
        assert_eq!(s, 403, "{}: the province decides now", app.label);
        let (s, r) = decide(&app, &a.office, *second_id, by_province).await;
        assert_eq!(
            (s, r["status"].as_str()),
            (200, Some("recognized")),
            "{}: {r}",
            app.label
        );
        let v = verify(&app, &second.code).await;
        assert_eq!(
            (v["status"].as_str(), v["certificate"]["stars"].as_i64()),
            (Some("valid"), Some(4))
        );

        // Both councils' documents stay readable: the provincial minutes still list the dossiers.
        let (b, _) = app.browser("province").await;
        let page = app.page(&b, &format!("/dot-danh-gia/{}", a.round)).await;
        assert!(
            page.contains("Nước mắm Vạn Phần thượng hạng"),
            "{}",
            app.label
        );
        let (mb, _) = app.browser("ministry").await;
        let r = mb
            .get(app.url(&format!("/dot-danh-gia/{round}/ket-qua.pdf")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", app.label);
        assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
        // The ministry lists the rounds, with its Art. 5 calendar: the 2027
        // round ends by 30/03, the first regular central round of 2027.
        let page = app.page(&mb, "/dot-danh-gia").await;
        assert!(
            page.contains("Lịch đánh giá năm 2027") && page.contains("cấp trung ương"),
            "{}",
            app.label
        );
        assert!(
            page.contains("Đã có đợt") && page.contains("Chưa có đợt"),
            "{}",
            app.label
        );
    }
}

#[tokio::test]
async fn a_knockout_rejects_the_dossier_with_its_ground() {
    for app in apps().await {
        // A late re-evaluation in its extension: the rejection also ends the extension.
        let (_, a, _, p) = certified(&app, "Nước mắm Vạn Phần", "4", "01/06/2024").await;
        app.clock.set(day("15/05/2027"));
        let (s, d) = file(&app, &a, p.id, "reevaluation", 4).await;
        assert_eq!(s, 201, "{}: {d}", app.label);
        let did = d["id"].as_i64().unwrap();
        let reject = format!("/api/v1/dossiers/{did}/reject");
        let ground = json!({"knockout": "K2", "detail": "Tổ tư vấn: toàn bộ cá cơm nhập khẩu, không rõ nguồn gốc."});
        let (s, _) = post(&app, &a.office, &reject, ground.clone()).await;
        assert_eq!(
            s, 409,
            "{}: the commune has not forwarded it yet",
            app.label
        );
        let review = json!({"complete": true, "local_raw_materials": "a", "local_labour": "b", "idea_origin": "c", "local_identity": "d"});
        let (s, _) = post(
            &app,
            &a.commune,
            &format!("/api/v1/dossiers/{did}/forward"),
            review,
        )
        .await;
        assert_eq!(s, 200, "{}", app.label);
        // Forwarded on 15/05/2027: Art. 5 puts it in the round ending by 30/12/2027.
        let (ob, _) = app.browser("province").await;
        let page = app.page(&ob, &format!("/ho-so/{did}")).await;
        assert!(
            page.contains("Hạn đánh giá (Điều 5)") && page.contains("30&#x2f;12&#x2f;2027"),
            "{}",
            app.label
        );
        app.clock.set(day("10/06/2027"));
        assert_eq!(status_of(&app, &p.code).await, "extended", "{}", app.label);

        let (s, _) = post(&app, &a.commune, &reject, ground.clone()).await;
        assert_eq!(s, 403, "{}: not the commune's move", app.label);
        let (s, r) = post(
            &app,
            &a.office,
            &reject,
            json!({"knockout": "A.1", "detail": ""}),
        )
        .await;
        assert_eq!(
            (s, fields(&r)),
            (422, vec!["knockout".to_string(), "detail".to_string()]),
            "{}",
            app.label
        );
        let (s, r) = post(&app, &a.office, &reject, ground).await;
        assert_eq!(
            (s, r["status"].as_str()),
            (200, Some("rejected")),
            "{}: {r}",
            app.label
        );
        let recorded: Value = serde_json::from_str(r["rejection"].as_str().unwrap()).unwrap();
        assert_eq!(recorded["knockout"], "K2");
        assert!(
            recorded["condition"]
                .as_str()
                .unwrap()
                .contains("nhập khẩu"),
            "{recorded}"
        );
        // The extension ended that day; the certificate expires after it.
        assert_eq!(status_of(&app, &p.code).await, "extended", "{}", app.label);
        app.clock.set(day("11/06/2027"));
        assert_eq!(status_of(&app, &p.code).await, "expired", "{}", app.label);
        let (s, _) = post(
            &app,
            &a.office,
            &format!("/api/v1/rounds/{}/dossiers/{did}", a.round),
            json!(null),
        )
        .await;
        assert_eq!(s, 409, "{}: a rejected dossier goes no further", app.label);
        let (b, _) = app.browser("producer").await;
        let page = app.page(&b, &format!("/ho-so/{did}")).await;
        assert!(
            page.contains("Hồ sơ bị loại") && page.contains("không rõ nguồn gốc"),
            "{}",
            app.label
        );
    }
}

#[tokio::test]
async fn inspections_are_recorded_against_the_certificate_in_force() {
    for app in apps().await {
        let (f, a, admin, p) = certified(&app, "Nước mắm Vạn Phần", "4", "01/06/2025").await;
        let path = format!("/api/v1/products/{}/inspections", p.id);
        let periodic = json!({"kind": "periodic", "inspected_on": "10/11/2026", "body": "Sở Nông nghiệp và Môi trường Hà Nội",
                              "criteria_upkeep": "Duy trì vùng nguyên liệu, phiếu kiểm nghiệm định kỳ đầy đủ.", "conclusion": "maintained"});
        let (s, _) = post(&app, &a.commune, &path, periodic.clone()).await;
        assert_eq!(s, 403, "{}: not the commune's", app.label);
        let (s, r) = post(&app, &a.office, &path, json!({"kind": "ad_hoc", "inspected_on": "01/01/2027", "body": "Sở",
                              "mark_use": "Dán tem OCOP 5 sao trên sản phẩm 4 sao", "conclusion": "correction"})).await;
        assert_eq!(
            (s, fields(&r)),
            (
                422,
                vec!["inspected_on".to_string(), "correct_by".to_string()]
            ),
            "{}: {r}",
            app.label
        );
        let (s, r) = post(&app, &a.office, &path, periodic).await;
        assert_eq!(s, 201, "{}: {r}", app.label);
        assert_eq!(r["certificate_id"], p.certificate.unwrap());
        // The ministry inspects anywhere; a correction carries its deadline.
        let ministry = app.api_client("ministry").await;
        let (s, r) = post(&app, &ministry, &path, json!({"kind": "ad_hoc", "inspected_on": "20/11/2026", "body": "Văn phòng Điều phối nông thôn mới Trung ương",
                              "mark_use": "Dán biểu trưng 5 sao trên sản phẩm 4 sao", "conclusion": "correction", "correct_by": "20/12/2026"})).await;
        assert_eq!(s, 201, "{}: {r}", app.label);
        let (_, list) = get(&app, &a.office, &path).await;
        assert_eq!(list.as_array().unwrap().len(), 2, "{}: {list}", app.label);
        assert_eq!(list[0]["conclusion"], "correction", "latest first");
        // The public sees the latest inspection's date and conclusion.
        let v = verify(&app, &p.code).await;
        assert_eq!(
            v["last_inspection"]["inspected_on"], "2026-11-20",
            "{}: {v}",
            app.label
        );
        assert_eq!(
            v["last_inspection"]["conclusion_label"],
            "Yêu cầu khắc phục"
        );
        let (b, _) = app.browser("province").await;
        assert!(
            app.page(&b, &format!("/san-pham/{}", p.id))
                .await
                .contains("Yêu cầu khắc phục"),
            "{}",
            app.label
        );
        // A conclusion to revoke: the competent level (the province, for 4★)
        // has 15 days (Art. 8.4), on its dashboard until it revokes.
        let (s, r) = post(&app, &a.office, &path, json!({"kind": "ad_hoc", "inspected_on": "21/11/2026", "body": "Sở Nông nghiệp và Môi trường Hà Nội",
                              "mark_use": "Tiếp tục dán biểu trưng 5 sao sau thời hạn khắc phục", "conclusion": "revocation"})).await;
        assert_eq!(s, 201, "{}: {r}", app.label);
        app.clock.set(day("07/12/2026"));
        let home = app.page(&b, "/").await;
        assert!(
            home.contains("Đề nghị thu hồi giấy chứng nhận chờ quyết định (1)")
                && home.contains("quá hạn thu hồi từ 06&#x2f;12&#x2f;2026"),
            "{}",
            app.label
        );
        let (mb, _) = app.browser("ministry").await;
        assert!(
            !app.page(&mb, "/")
                .await
                .contains("Đề nghị thu hồi giấy chứng nhận"),
            "{}: 4★ is the province's to revoke",
            app.label
        );
        let (s, r) = post(
            &app,
            &a.office,
            &format!("/api/v1/certificates/{}/revoke", p.certificate.unwrap()),
            json!({"ground": "mark_misuse", "detail": "Quyết định số 77/QĐ-UBND"}),
        )
        .await;
        assert_eq!(s, 200, "{}: {r}", app.label);
        assert!(
            !app.page(&b, "/")
                .await
                .contains("Đề nghị thu hồi giấy chứng nhận"),
            "{}: revoked, no longer pending",
            app.label
        );
        // No certificate in force, nothing to inspect.
        let bare = app
            .api_product(&admin, f.producer_a, "Mắm tép", "09", None)
            .await;
        let (s, r) = post(
            &app,
            &a.office,
            &format!("/api/v1/products/{}/inspections", bare.id),
            json!({}),
        )
        .await;
        assert_eq!(
            (s, fields(&r)),
            (409, vec!["certificate".to_string()]),
            "{}",
            app.label
        );
    }
}

#[tokio::test]
async fn the_advisory_team_reports_before_the_council_scores() {
    for app in apps().await {
        let (_, a, _, p) = certified(&app, "Nước mắm Vạn Phần", "3", "01/12/2024").await;
        let team = format!("/api/v1/rounds/{}/advisory-team", a.round);
        let (s, _) = common::put(&app, &a.commune, &team, json!({"members": "Nguyễn Văn A"})).await;
        assert_eq!(s, 403, "{}", app.label);
        let (s, _) = common::put(&app, &a.office, &team, json!({"members": "Nguyễn Văn An — Chi cục Phát triển nông thôn\nLê Thu — Trung tâm Khuyến nông"})).await;
        assert_eq!(s, 204, "{}", app.label);
        let (s, d) = file(&app, &a, p.id, "upgrade", 4).await;
        assert_eq!(s, 201, "{}: {d}", app.label);
        let did = d["id"].as_i64().unwrap();
        let report = format!("/api/v1/dossiers/{did}/advisory-report");
        let body = json!({"visited_on": "20/11/2026", "findings": "Cơ sở sản xuất đúng hồ sơ; vùng nguyên liệu 12 ha.", "requests": "Bổ sung phiếu kiểm nghiệm 2026."});
        let (s, _) = post(&app, &a.office, &report, body.clone()).await;
        assert_eq!(s, 409, "{}: not before the commune forwards it", app.label);
        let review = json!({"complete": true, "local_raw_materials": "a", "local_labour": "b", "idea_origin": "c", "local_identity": "d"});
        let (s, _) = post(
            &app,
            &a.commune,
            &format!("/api/v1/dossiers/{did}/forward"),
            review,
        )
        .await;
        assert_eq!(s, 200, "{}", app.label);
        let (s, r) = post(
            &app,
            &a.office,
            &report,
            json!({"visited_on": "01/01/2030", "findings": ""}),
        )
        .await;
        assert_eq!(
            (s, fields(&r)),
            (422, vec!["visited_on".to_string(), "findings".to_string()]),
            "{}",
            app.label
        );
        let (s, _) = post(&app, &a.commune, &report, body.clone()).await;
        assert_eq!(s, 403, "{}", app.label);
        let (s, _) = post(&app, &a.office, &report, body).await;
        assert_eq!(s, 204, "{}", app.label);
        // The council reads it on the dossier; the round names the team.
        let (s, _) = post(
            &app,
            &a.office,
            &format!("/api/v1/rounds/{}/dossiers/{did}", a.round),
            json!(null),
        )
        .await;
        assert_eq!(s, 204, "{}", app.label);
        let (mb, _) = app.browser("chutich").await;
        let page = app.page(&mb, &format!("/ho-so/{did}")).await;
        assert!(
            page.contains("Báo cáo của Tổ tư vấn") && page.contains("vùng nguyên liệu 12 ha"),
            "{}",
            app.label
        );
        let page = app.page(&mb, &format!("/dot-danh-gia/{}", a.round)).await;
        assert!(
            page.contains("Lê Thu — Trung tâm Khuyến nông"),
            "{}",
            app.label
        );
        // A member of the council asks in the dossier's thread; the producer reads it.
        let thread = format!("/api/v1/dossiers/{did}/comments");
        let body = json!({"body": "Đề nghị cho biết sản lượng năm 2026."});
        let (s, k) = post(&app, &a.member, &thread, body).await;
        assert_eq!(s, 201, "{}: {k}", app.label);
        let (_, list) = common::get(&app, &a.producer, &thread).await;
        assert_eq!(list[0]["author_role"], "council_member", "{}", app.label);
    }
}
