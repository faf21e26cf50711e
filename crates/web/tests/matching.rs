//! Supply–demand matching through the API on SQLite and PostgreSQL: a
//! buyer's demand ranks the certified products with the reason for every
//! point; offers change the ranking; introductions go either way and are
//! answered by the other side only; agreements move along their statuses
//! with a history and are counted by province, event and year. The clock is
//! fixed at 22/11/2026.

mod common;

use common::{apps, call, client, get, post, App};
use ocop_domain::auth::{Action, Capability, Role};
use serde_json::{json, Value};

/// A second buyer account.
async fn other_buyer(app: &App) {
    let id = app
        .store
        .create_user(
            &Capability::system(Action::CreateUser),
            "buyer2",
            "Người mua khác",
            None,
            common::PASSWORD,
        )
        .await
        .unwrap();
    app.store
        .grant_role(&Capability::system(Action::GrantRole), id, &Role::Buyer)
        .await
        .unwrap();
}

#[tokio::test]
async fn demands_rank_candidates_and_lead_to_agreements() {
    for app in apps().await {
        let f = app.fixture().await;
        let l = app.label;
        other_buyer(&app).await;
        let admin = app.api_client("admin").await;
        let buyer = app.api_client("buyer").await;
        let buyer2 = app.api_client("buyer2").await;
        let producer = app.api_client("producer").await;
        let office = app.api_client("province").await;

        // Fish sauce (set 09): A's 4★ in Hà Nội, B's 5★ elsewhere, A's 3★; a dried
        // spice (set 10, same group) 4★; ornamental fish (set 25, another group) 5★.
        let a4 = app
            .api_product(
                &admin,
                f.producer_a,
                "Nước mắm Vạn Phần",
                "09",
                Some(("4", "01/06/2025")),
            )
            .await;
        let b5 = app
            .api_product(
                &admin,
                f.producer_b,
                "Nước mắm Bát Tiên",
                "09",
                Some(("5", "01/06/2025")),
            )
            .await;
        let a3 = app
            .api_product(
                &admin,
                f.producer_a,
                "Nước mắm Vạn Phần loại 2",
                "09",
                Some(("3", "01/06/2025")),
            )
            .await;
        let dry = app
            .api_product(
                &admin,
                f.producer_a,
                "Tiêu Vạn Phần",
                "10",
                Some(("4", "01/06/2025")),
            )
            .await;
        let _craft = app
            .api_product(
                &admin,
                f.producer_b,
                "Cá cảnh Bát Tiên",
                "25",
                Some(("5", "01/06/2025")),
            )
            .await;
        let uncertified = app
            .api_product(&admin, f.producer_a, "Nước mắm mới", "09", None)
            .await;

        // A demand names its bad fields; only buyers (and points of sale) post.
        let (s, x) = post(&app, &buyer, "/api/v1/demands", json!({"set_codes": ["99"], "min_stars": 2, "period_from": "01/01/2027", "period_to": "01/12/2026", "deadline": "01/01/2026"})).await;
        assert_eq!(s, 422, "{l}: {x}");
        let demand = json!({
            "buyer": "Siêu thị Xanh", "title": "Nước mắm cho 40 siêu thị", "set_codes": ["09"], "min_stars": 4,
            "quantity": 1000, "unit": "chai", "period_from": "01/01/2027", "period_to": "31/12/2027",
            "regions": ["01"], "deadline": "31/12/2026",
        });
        let (s, _) = post(&app, &producer, "/api/v1/demands", demand.clone()).await;
        assert_eq!(s, 403, "{l}");
        let (s, d) = post(&app, &buyer, "/api/v1/demands", demand).await;
        assert_eq!(s, 201, "{l}: {d}");
        let demand_id = d["id"].as_i64().unwrap();
        assert_eq!(
            app.get_json("/api/v1/demands")
                .await
                .as_array()
                .unwrap()
                .len(),
            1,
            "{l}"
        );

        // The candidates: only the owner sees them, best first, every point explained.
        let (s, _) = get(
            &app,
            &buyer2,
            &format!("/api/v1/demands/{demand_id}/matches"),
        )
        .await;
        assert_eq!(s, 403, "{l}");
        let (s, m) = get(
            &app,
            &buyer,
            &format!("/api/v1/demands/{demand_id}/matches"),
        )
        .await;
        assert_eq!(s, 200, "{l}: {m}");
        let ranked: Vec<i64> = m
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["product_id"].as_i64().unwrap())
            .collect();
        // 3★ is below the minimum, set 25 is another group, uncertified is out.
        assert_eq!(ranked.len(), 3, "{l}: {m}");
        assert!(
            !ranked.contains(&a3.id) && !ranked.contains(&uncertified.id),
            "{l}"
        );
        // B's 5★ from Cao Bằng (about 200 km: 13 of 15 on distance) ranks
        // above A's 4★ made in Hà Nội (15 on distance, 5 fewer on stars).
        assert_eq!(ranked, vec![b5.id, a4.id, dry.id], "{l}: {m}");
        let part = |x: &Value, c: &str| {
            x["parts"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["criterion"] == c)
                .unwrap()
                .clone()
        };
        let top = &m[0];
        assert_eq!(top["score"], 78, "{l}");
        assert_eq!(part(top, "set")["points"], 40, "{l}");
        assert_eq!(part(top, "stars")["points"], 15, "{l}");
        assert_eq!(part(top, "distance")["points"], 13, "{l}");
        assert!(
            part(top, "distance")["reason"]
                .as_str()
                .unwrap()
                .contains("km"),
            "{l}"
        );
        assert_eq!(part(top, "capacity")["points"], 0, "{l}");
        assert!(
            part(top, "capacity")["reason"]
                .as_str()
                .unwrap()
                .contains("chưa chào hàng"),
            "{l}"
        );
        assert_eq!(part(&m[1], "distance")["points"], 15, "{l}");
        assert_eq!(m[1]["score"], 75, "{l}");
        let dried = m
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["product_id"] == dry.id)
            .unwrap();
        assert_eq!(part(dried, "set")["points"], 20, "{l}");
        let sum: i64 = top["parts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["points"].as_i64().unwrap())
            .sum();
        assert_eq!(top["score"], sum, "{l}: the score is the sum of its parts");

        // An offer: only for a certified product, by its producer or the province.
        let offer =
            json!({"capacity": 1500, "unit": "chai", "season": "quanh năm", "regions": ["01"]});
        let (s, _) = call(
            &app,
            &producer,
            reqwest::Method::PUT,
            &format!("/api/v1/products/{}/offer", b5.id),
            offer.clone(),
        )
        .await;
        assert_eq!(s, 403, "{l}: not its product");
        let (s, x) = call(
            &app,
            &producer,
            reqwest::Method::PUT,
            &format!("/api/v1/products/{}/offer", uncertified.id),
            offer.clone(),
        )
        .await;
        assert_eq!(s, 409, "{l}: {x}");
        let (s, x) = call(
            &app,
            &admin,
            reqwest::Method::PUT,
            &format!("/api/v1/products/{}/offer", b5.id),
            offer.clone(),
        )
        .await;
        assert_eq!(s, 204, "{l}: {x}");
        // B now covers the quantity and delivers to Hà Nội: full marks.
        let (_, m) = get(
            &app,
            &buyer,
            &format!("/api/v1/demands/{demand_id}/matches"),
        )
        .await;
        assert_eq!(m[0]["product_id"], b5.id, "{l}: {m}");
        assert_eq!(m[0]["score"], 100, "{l}: {m}");
        assert!(
            part(&m[0], "capacity")["reason"]
                .as_str()
                .unwrap()
                .contains("1.500"),
            "{l}"
        );
        assert!(
            part(&m[0], "distance")["reason"]
                .as_str()
                .unwrap()
                .contains("nhận giao"),
            "{l}"
        );

        // The producer's side: the demands its products answer.
        let (s, md) = get(
            &app,
            &producer,
            &format!("/api/v1/producers/{}/matching-demands", f.producer_a),
        )
        .await;
        assert_eq!(s, 200, "{l}");
        assert_eq!(md[0]["demand"]["id"], demand_id, "{l}: {md}");
        assert_eq!(md[0]["best"]["product_id"], a4.id, "{l}");
        let (s, _) = get(
            &app,
            &producer,
            &format!("/api/v1/producers/{}/matching-demands", f.producer_b),
        )
        .await;
        assert_eq!(s, 403, "{l}");

        // Introductions: the buyer invites B; the producer A offers its own.
        let (s, x) = post(
            &app,
            &buyer,
            "/api/v1/introductions",
            json!({"demand_id": demand_id, "product_id": b5.id, "message": "Mời chào hàng"}),
        )
        .await;
        assert_eq!(s, 201, "{l}: {x}");
        let invite = x["id"].as_i64().unwrap();
        let (s, _) = post(
            &app,
            &buyer,
            "/api/v1/introductions",
            json!({"demand_id": demand_id, "product_id": b5.id}),
        )
        .await;
        assert_eq!(s, 409, "{l}: once per product and demand");
        let (s, _) = post(
            &app,
            &producer,
            "/api/v1/introductions",
            json!({"demand_id": demand_id, "product_id": b5.id}),
        )
        .await;
        assert_eq!(s, 403, "{l}: not its product");
        let (s, _) = post(
            &app,
            &buyer2,
            "/api/v1/introductions",
            json!({"demand_id": demand_id, "product_id": a4.id}),
        )
        .await;
        assert_eq!(s, 403, "{l}: not its demand");
        let (s, x) = post(
            &app,
            &producer,
            "/api/v1/introductions",
            json!({"demand_id": demand_id, "product_id": a4.id}),
        )
        .await;
        assert_eq!(s, 201, "{l}: {x}");
        let pitch = x["id"].as_i64().unwrap();
        // Answers come from the other side only, once.
        let (s, _) = post(
            &app,
            &buyer,
            &format!("/api/v1/introductions/{invite}/answer"),
            json!({"accept": true}),
        )
        .await;
        assert_eq!(s, 403, "{l}: the sender does not answer its own");
        let (s, _) = post(
            &app,
            &office,
            &format!("/api/v1/introductions/{invite}/answer"),
            json!({"accept": true}),
        )
        .await;
        assert_eq!(s, 403, "{l}: B is not in the office's province");
        let (s, _) = post(
            &app,
            &admin,
            &format!("/api/v1/introductions/{invite}/answer"),
            json!({"accept": true}),
        )
        .await;
        assert_eq!(s, 204, "{l}");
        let (s, _) = post(
            &app,
            &admin,
            &format!("/api/v1/introductions/{invite}/answer"),
            json!({"accept": false}),
        )
        .await;
        assert_eq!(s, 409, "{l}");
        let (s, _) = post(
            &app,
            &producer,
            &format!("/api/v1/introductions/{pitch}/answer"),
            json!({"accept": true}),
        )
        .await;
        assert_eq!(s, 403, "{l}");
        let (s, _) = post(
            &app,
            &buyer,
            &format!("/api/v1/introductions/{pitch}/answer"),
            json!({"accept": false}),
        )
        .await;
        assert_eq!(s, 204, "{l}");

        // An event to sign at.
        let (s, ev) = post(&app, &office, "/api/v1/events", json!({
            "name": "Hội nghị kết nối cung cầu 2026", "kind": "supply_demand", "scope": "national", "organiser": "VP",
            "venue": "Hà Nội", "province_code": "01", "starts_on": "20/11/2026", "ends_on": "21/11/2026"})).await;
        assert_eq!(s, 201, "{ev}");
        let event = ev["id"].as_i64().unwrap();

        // Agreements: the producer for itself (its products only), the buyer on its demand.
        let agreement = |producer_id: i64, codes: Vec<&str>, value: &str, signed: &str| {
            json!({"kind": "cooperation", "buyer": "Siêu thị Xanh", "producer_id": producer_id, "product_codes": codes,
                   "quantity": "1.000 chai/tháng", "value": value, "signed_on": signed, "event_id": event})
        };
        let (s, x) = post(
            &app,
            &producer,
            "/api/v1/agreements",
            agreement(f.producer_a, vec![&b5.code], "100", "20/11/2026"),
        )
        .await;
        assert_eq!(s, 422, "{l}: another producer's product: {x}");
        assert_eq!(x["error"]["fields"][0]["field"], "product_codes[0]", "{l}");
        let (s, _) = post(
            &app,
            &producer,
            "/api/v1/agreements",
            agreement(f.producer_b, vec![&b5.code], "100", "20/11/2026"),
        )
        .await;
        assert_eq!(s, 403, "{l}");
        let (s, _) = post(
            &app,
            &buyer2,
            "/api/v1/agreements",
            agreement(f.producer_b, vec![&b5.code], "100", "20/11/2026"),
        )
        .await;
        assert_eq!(s, 403, "{l}: a buyer records only on its own demand");
        let (s, x) = post(
            &app,
            &producer,
            "/api/v1/agreements",
            agreement(
                f.producer_a,
                vec![&a4.code, &dry.code],
                "1.250,5",
                "20/11/2026",
            ),
        )
        .await;
        assert_eq!(s, 201, "{l}: {x}");
        let first = x["id"].as_i64().unwrap();
        assert_eq!(x["value_vnd"], 1_250_500_000_i64, "{l}");
        let mut on_demand = agreement(f.producer_b, vec![&b5.code], "2.000", "21/11/2026");
        on_demand["demand_id"] = json!(demand_id);
        on_demand["kind"] = json!("contract");
        let (s, x) = post(&app, &buyer, "/api/v1/agreements", on_demand).await;
        assert_eq!(s, 201, "{l}: {x}");
        let second = x["id"].as_i64().unwrap();
        let mut last_year = agreement(f.producer_a, vec![&a4.code], "500", "15/03/2025");
        last_year["event_id"] = Value::Null;
        let (s, _) = post(&app, &office, "/api/v1/agreements", last_year).await;
        assert_eq!(s, 201, "{l}");

        // Status moves with history; the buyer of the demand may update it too.
        let status = |id: i64| format!("/api/v1/agreements/{id}/status");
        let (s, _) = post(
            &app,
            &buyer,
            &status(first),
            json!({"status": "delivering"}),
        )
        .await;
        assert_eq!(s, 403, "{l}: not the buyer's agreement");
        let (s, _) = post(
            &app,
            &producer,
            &status(first),
            json!({"status": "delivering", "note": "Đợt 1"}),
        )
        .await;
        assert_eq!(s, 204, "{l}");
        let (s, _) = post(&app, &producer, &status(first), json!({"status": "signed"})).await;
        assert_eq!(s, 409, "{l}: no going back");
        let (s, _) = post(
            &app,
            &buyer,
            &status(second),
            json!({"status": "cancelled", "note": "Đổi nhà cung cấp"}),
        )
        .await;
        assert_eq!(s, 204, "{l}");
        let h = app.get_json(&format!("/api/v1/agreements/{first}")).await;
        let steps: Vec<&str> = h["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["status"].as_str().unwrap())
            .collect();
        assert_eq!(steps, vec!["signed", "delivering"], "{l}: {h}");
        assert_eq!(h["history"][1]["note"], "Đợt 1", "{l}");

        // The agreement as a document.
        let pdf = client()
            .get(app.url(&format!("/hop-tac/{first}/van-ban.pdf")))
            .send()
            .await
            .unwrap();
        assert_eq!(pdf.status(), 200, "{l}");
        assert_eq!(pdf.headers()["content-type"], "application/pdf", "{l}");
        assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"), "{l}");

        // Counts and values: cancelled ones left out; by province, event and year.
        let st = app.get_json("/api/v1/agreements/statistics").await;
        let row = |k: &str, key: &str| {
            st[k]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["key"] == key)
                .cloned()
        };
        assert_eq!(row("by_province", "01").unwrap()["count"], 2, "{l}: {st}");
        assert_eq!(
            row("by_province", "01").unwrap()["value_vnd"],
            1_750_500_000_i64,
            "{l}"
        );
        assert!(
            row("by_province", &f.province_b).is_none(),
            "{l}: B's only agreement was cancelled"
        );
        assert_eq!(
            row("by_event", "Hội nghị kết nối cung cầu 2026").unwrap()["count"],
            1,
            "{l}"
        );
        assert_eq!(row("by_year", "2025").unwrap()["count"], 1, "{l}");
        assert_eq!(row("by_year", "2026").unwrap()["count"], 1, "{l}");
        let y = app
            .get_json("/api/v1/agreements/statistics?year=2025")
            .await;
        assert_eq!(y["by_province"].as_array().unwrap().len(), 1, "{l}: {y}");
        assert_eq!(
            app.get_json("/api/v1/agreements?year=2026")
                .await
                .as_array()
                .unwrap()
                .len(),
            2,
            "{l}"
        );

        // Closing the demand: its owner only; then nothing more is introduced.
        let (s, _) = post(
            &app,
            &buyer2,
            &format!("/api/v1/demands/{demand_id}/close"),
            json!({}),
        )
        .await;
        assert_eq!(s, 403, "{l}");
        let (s, _) = post(
            &app,
            &buyer,
            &format!("/api/v1/demands/{demand_id}/close"),
            json!({}),
        )
        .await;
        assert_eq!(s, 204, "{l}");
        let (s, _) = post(
            &app,
            &producer,
            "/api/v1/introductions",
            json!({"demand_id": demand_id, "product_id": dry.id}),
        )
        .await;
        assert_eq!(s, 409, "{l}");
        assert_eq!(app.get_json("/api/v1/demands").await, json!([]), "{l}");

        // The pages, in Vietnamese.
        for path in [
            "/ket-noi",
            &format!("/ket-noi/{demand_id}"),
            "/hop-tac",
            &format!("/hop-tac/{first}"),
        ] {
            let r = client().get(app.url(path)).send().await.unwrap();
            assert_eq!(r.status(), 200, "{l}: {path}");
        }
        let (c, _) = app.browser("buyer").await;
        let page = c
            .get(app.url(&format!("/ket-noi/{demand_id}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("Sản phẩm đề xuất")
                && page.contains("Nước mắm Bát Tiên")
                && page.contains("100/100"),
            "{l}"
        );
        let (c, _) = app.browser("producer").await;
        let page = c
            .get(app.url("/chao-hang"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("Chào hàng theo sản phẩm") && page.contains("Nước mắm Vạn Phần"),
            "{l}"
        );

        assert!(
            app.store.verify_audit().await.unwrap().faults.is_empty(),
            "{l}"
        );
    }
}
