//! Fairs and promotion weeks end to end through the API and the pages, on
//! SQLite and PostgreSQL: planning, booth applications and allocation,
//! daily figures, the report's comparisons with the plan and the previous
//! edition, the final report's lock, and the workbook. The clock is fixed at
//! 22/11/2026.

mod common;

use calamine::{Reader, Xlsx};
use common::{apps, client, fields, post, put, App, Client};
use serde_json::{json, Value};

fn event(name: &str, series: &str, starts: &str, ends: &str, revenue: &str) -> Value {
    json!({
        "name": name, "series": series, "kind": "fair", "scope": "regional",
        "organiser": "Văn phòng OCOP Hà Nội", "venue": "Cung Văn hoá Hữu Nghị", "province_code": "01",
        "starts_on": starts, "ends_on": ends, "planned_booths": 2, "planned_visitors": 10000,
        "planned_revenue": revenue,
    })
}

/// Booths for producers A and B at `event`, allocated as A1 and A2.
async fn two_booths(
    app: &App,
    office: &Client,
    admin: &Client,
    a: i64,
    b: i64,
    event: i64,
) -> (i64, i64) {
    let (s, x) = post(
        app,
        office,
        &format!("/api/v1/events/{event}/booths"),
        json!({"producer_id": a}),
    )
    .await;
    assert_eq!(s, 201, "{x}");
    let booth_a = x["id"].as_i64().unwrap();
    let (s, x) = post(
        app,
        admin,
        &format!("/api/v1/events/{event}/booths"),
        json!({"producer_id": b}),
    )
    .await;
    assert_eq!(s, 201, "{x}");
    let booth_b = x["id"].as_i64().unwrap();
    for (booth, number) in [(booth_a, "A1"), (booth_b, "A2")] {
        let (s, x) = post(
            app,
            office,
            &format!("/api/v1/events/{event}/booths/{booth}"),
            json!({"booth_number": number, "area_m2": 9}),
        )
        .await;
        assert_eq!(s, 204, "{x}");
    }
    (booth_a, booth_b)
}

fn sheet(bytes: Vec<u8>, name: &str) -> calamine::Range<calamine::Data> {
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    wb.worksheet_range(name).unwrap()
}

#[tokio::test]
async fn an_event_from_plan_to_final_report() {
    for app in apps().await {
        let f = app.fixture().await;
        let office = app.api_client("province").await;
        let admin = app.api_client("admin").await;
        let producer = app.api_client("producer").await;
        let l = app.label;

        // Bad input names every field, and writes nothing.
        let (s, x) = post(&app, &office, "/api/v1/events", json!({"name": "", "kind": "party", "starts_on": "22/11/2026", "ends_on": "01/11/2026"})).await;
        assert_eq!(s, 422, "{l}: {x}");
        for field in [
            "name",
            "kind",
            "scope",
            "organiser",
            "venue",
            "province_code",
            "ends_on",
        ] {
            assert!(
                fields(&x).contains(&field.to_string()),
                "{l}: {field} not named in {x}"
            );
        }
        assert_eq!(app.get_json("/api/v1/events").await, json!([]), "{l}");

        // Last year's edition, reported and locked; this year's, ending today.
        let (s, prev) = post(
            &app,
            &office,
            "/api/v1/events",
            event(
                "Hội chợ OCOP thử 2025",
                "Hội chợ OCOP thử",
                "01/10/2025",
                "03/10/2025",
                "",
            ),
        )
        .await;
        assert_eq!(s, 201, "{l}: {prev}");
        let prev = prev["id"].as_i64().unwrap();
        let (s, cur) = post(
            &app,
            &office,
            "/api/v1/events",
            event(
                "Hội chợ OCOP thử 2026",
                "hội chợ ocop THỬ",
                "20/11/2026",
                "22/11/2026",
                "10.000",
            ),
        )
        .await;
        assert_eq!(s, 201, "{l}: {cur}");
        let cur = cur["id"].as_i64().unwrap();

        // The previous edition: closed to applications (it is over), so its
        // booths are set up through the store, as an import would.
        let (s, x) = post(
            &app,
            &producer,
            &format!("/api/v1/events/{prev}/booths"),
            json!({"producer_id": f.producer_a}),
        )
        .await;
        assert_eq!(s, 409, "{l}: a past event takes no applications: {x}");
        let apply = ocop_domain::auth::Capability::system(ocop_domain::auth::Action::ApplyForBooth);
        let manage =
            ocop_domain::auth::Capability::system(ocop_domain::auth::Action::ManageTradeEvent);
        let day = |d: u32, m: u32, y: i32| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let pb = app
            .store
            .apply_for_booth(&apply, prev, f.producer_a, None, day(1, 10, 2025))
            .await
            .unwrap();
        let alloc = ocop_domain::trade_event::BoothAllocationInput {
            booth_number: "B1".into(),
            area_m2: Some(9.0),
            reject: false,
        }
        .validate()
        .unwrap();
        app.store.decide_booth(&manage, pb, &alloc).await.unwrap();
        let r = ocop_domain::trade_event::DayReportInput {
            day: "01/10/2025".into(),
            visitors: Some(4_000),
            agreements: Some(2),
            sales: vec![ocop_domain::trade_event::BoothSalesInput {
                booth_id: pb,
                revenue: "2.500".into(),
                orders: Some(10),
            }],
        }
        .validate(day(1, 10, 2025), day(3, 10, 2025), &[pb])
        .unwrap();
        app.store.record_event_day(&manage, prev, &r).await.unwrap();
        let (s, x) = post(
            &app,
            &office,
            &format!("/api/v1/events/{prev}/final-report"),
            json!({}),
        )
        .await;
        assert_eq!(s, 204, "{l}: {x}");

        // Applications: a producer for itself only, once; the office for its province's producers.
        let (s, x) = post(
            &app,
            &producer,
            &format!("/api/v1/events/{cur}/booths"),
            json!({"producer_id": f.producer_b}),
        )
        .await;
        assert_eq!(s, 403, "{l}: {x}");
        let (s, x) = post(
            &app,
            &office,
            &format!("/api/v1/events/{cur}/booths"),
            json!({"producer_id": f.producer_b}),
        )
        .await;
        assert_eq!(s, 403, "{l}: another province's producer: {x}");
        let (booth_a, booth_b) =
            two_booths(&app, &office, &admin, f.producer_a, f.producer_b, cur).await;
        let (s, x) = post(
            &app,
            &producer,
            &format!("/api/v1/events/{cur}/booths"),
            json!({"producer_id": f.producer_a}),
        )
        .await;
        assert_eq!(s, 409, "{l}: applied twice: {x}");

        // Allocation is the organiser's; a booth number is used once per event.
        let (s, x) = post(
            &app,
            &producer,
            &format!("/api/v1/events/{cur}/booths/{booth_a}"),
            json!({"booth_number": "Z9", "area_m2": 9}),
        )
        .await;
        assert_eq!(s, 403, "{l}: {x}");
        let (s, x) = post(
            &app,
            &office,
            &format!("/api/v1/events/{cur}/booths/{booth_b}"),
            json!({"booth_number": "A1", "area_m2": 9}),
        )
        .await;
        assert_eq!(s, 409, "{l}: {x}");
        assert_eq!(x["error"]["fields"][0]["field"], "booth_number", "{l}: {x}");
        let (s, x) = post(
            &app,
            &office,
            &format!("/api/v1/events/{cur}/booths/{booth_b}"),
            json!({"booth_number": "", "area_m2": -1}),
        )
        .await;
        assert_eq!(s, 422, "{l}: {x}");
        assert!(
            fields(&x).contains(&"booth_number".into()) && fields(&x).contains(&"area_m2".into()),
            "{l}: {x}"
        );
        // A booth of another event is not this event's to allocate.
        let (s, _) = post(
            &app,
            &office,
            &format!("/api/v1/events/{prev}/booths/{booth_b}"),
            json!({"booth_number": "C1", "area_m2": 9}),
        )
        .await;
        assert_eq!(s, 404, "{l}");

        // Daily figures: within the dates, allocated booths only; a day reported again is replaced.
        let days = format!("/api/v1/events/{cur}/days");
        let (s, x) = put(&app, &office, &days, json!({"day": "23/11/2026", "visitors": 1, "sales": [{"booth_id": pb, "revenue": "1"}]})).await;
        assert_eq!(s, 422, "{l}: {x}");
        assert!(
            fields(&x).contains(&"day".into()) && fields(&x).contains(&"sales[0]".into()),
            "{l}: {x}"
        );
        let (s, x) = put(
            &app,
            &producer,
            &days,
            json!({"day": "20/11/2026", "visitors": 1}),
        )
        .await;
        assert_eq!(s, 403, "{l}: {x}");
        for (d, visitors, a, b) in [
            ("20/11/2026", 999, "1", "1"),
            ("20/11/2026", 3_000, "1.000", "500,5"),
            ("21/11/2026", 2_000, "2.000", "1.499,5"),
        ] {
            let (s, x) = put(&app, &office, &days, json!({
                "day": d, "visitors": visitors, "agreements": 1,
                "sales": [{"booth_id": booth_a, "revenue": a, "orders": 10}, {"booth_id": booth_b, "revenue": b, "orders": 5}],
            }))
            .await;
            assert_eq!(s, 204, "{l}: {x}");
        }
        let (s, x) = put(
            &app,
            &office,
            &format!("/api/v1/events/{cur}/participants"),
            json!({"provinces": ["22", "99"], "countries": ["Lào"]}),
        )
        .await;
        assert_eq!(s, 422, "{l}: {x}");
        assert_eq!(fields(&x), vec!["provinces[1]".to_string()], "{l}");
        let (s, x) = put(
            &app,
            &office,
            &format!("/api/v1/events/{cur}/participants"),
            json!({"provinces": ["22", "01"], "countries": ["Lào", "lao", "Nhật Bản"]}),
        )
        .await;
        assert_eq!(s, 204, "{l}: {x}");

        // The public report: totals, plan, previous edition; no revenue per booth.
        let r = app.get_json(&format!("/api/v1/events/{cur}")).await;
        let fig = &r["figures"];
        assert_eq!(fig["booths"], 2, "{l}: {r}");
        assert_eq!(fig["days_reported"], 2, "{l}");
        assert_eq!(fig["visitors"], 5_000, "{l}");
        assert_eq!(fig["revenue_vnd"], 5_000_000_000_i64, "{l}");
        assert_eq!(fig["revenue_text"], "5.000 triệu đồng", "{l}");
        assert_eq!(fig["orders"], 30, "{l}");
        assert_eq!(fig["agreements"], 2, "{l}");
        // Hà Nội and province B have booths; Quảng Ninh came as a delegation.
        assert_eq!(fig["provinces"], 3, "{l}");
        assert_eq!(fig["countries"], 2, "{l}");
        let plan: Vec<(&str, &str)> = r["against_plan"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["figure"].as_str().unwrap(), c["text"].as_str().unwrap()))
            .collect();
        assert_eq!(
            plan,
            vec![
                ("booths", "100%"),
                ("visitors", "50%"),
                ("revenue_vnd", "50%")
            ],
            "{l}"
        );
        assert_eq!(
            r["previous"]["event"]["id"], prev,
            "{l}: series matched without accents or case"
        );
        let change = |figure: &str| {
            r["previous"]["changes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["figure"] == figure)
                .unwrap()["text"]
                .clone()
        };
        assert_eq!(change("revenue_vnd"), "+100%", "{l}");
        assert_eq!(change("visitors"), "+25%", "{l}");
        assert_eq!(change("booths"), "+100%", "{l}");
        assert_eq!(r["booths"].as_array().unwrap().len(), 2, "{l}");
        assert!(
            r["booths"][0].get("revenue_vnd").is_none(),
            "{l}: revenue per booth is not public"
        );
        assert!(r.get("applications").is_none(), "{l}");
        // The organiser sees each booth's sales.
        let (c, _) = &office;
        let mine: Value = c
            .get(app.url(&format!("/api/v1/events/{cur}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let revenue: Vec<i64> = mine["booths"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["revenue_vnd"].as_i64().unwrap())
            .collect();
        assert_eq!(revenue, vec![3_000_000_000, 2_000_000_000], "{l}");

        // The workbook: the public copy has no sales column; the organiser's has.
        let public = client()
            .get(app.url(&format!("/su-kien/{cur}/bao-cao.xlsx")))
            .send()
            .await
            .unwrap();
        assert_eq!(public.status(), 200, "{l}");
        assert_eq!(
            public.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let booths = sheet(public.bytes().await.unwrap().to_vec(), "Gian hàng");
        assert_eq!(booths.width(), 4, "{l}");
        let own = c
            .get(app.url(&format!("/su-kien/{cur}/bao-cao.xlsx")))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec();
        let booths = sheet(own.clone(), "Gian hàng");
        assert_eq!(booths.width(), 6, "{l}");
        assert_eq!(
            booths.get_value((3, 4)),
            Some(&calamine::Data::Float(3000.0)),
            "{l}"
        );
        let summary = sheet(own.clone(), "Tổng hợp");
        assert!(
            summary.rows().any(
                |r| r[0] == calamine::Data::String("Doanh thu (triệu đồng)".into())
                    && r[1] == calamine::Data::Float(5000.0)
            ),
            "{l}"
        );
        let compare = sheet(own, "So sánh");
        assert!(
            compare
                .rows()
                .any(|r| r[1] == calamine::Data::String("Doanh thu".into())
                    && r[4] == calamine::Data::Float(200.0)),
            "{l}: this year is 200% of last year's revenue"
        );

        // The PDF report, for everyone; an unknown format is not found.
        let pdf = client()
            .get(app.url(&format!("/su-kien/{cur}/bao-cao.pdf")))
            .send()
            .await
            .unwrap();
        assert_eq!(pdf.status(), 200, "{l}");
        assert_eq!(pdf.headers()["content-type"], "application/pdf", "{l}");
        assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"), "{l}");
        let r = client()
            .get(app.url(&format!("/su-kien/{cur}/bao-cao.doc")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{l}");

        // The final report locks the figures; an event not over cannot be closed.
        let (s, x) = post(
            &app,
            &office,
            "/api/v1/events",
            event("Tuần hàng sau", "", "01/12/2026", "05/12/2026", ""),
        )
        .await;
        assert_eq!(s, 201, "{x}");
        let (s, x) = post(
            &app,
            &office,
            &format!("/api/v1/events/{}/final-report", x["id"]),
            json!({}),
        )
        .await;
        assert_eq!(s, 409, "{l}: {x}");
        let (s, _) = post(
            &app,
            &producer,
            &format!("/api/v1/events/{cur}/final-report"),
            json!({}),
        )
        .await;
        assert_eq!(s, 403, "{l}");
        let (s, x) = post(
            &app,
            &office,
            &format!("/api/v1/events/{cur}/final-report"),
            json!({}),
        )
        .await;
        assert_eq!(s, 204, "{l}: {x}");
        let (s, _) = put(
            &app,
            &office,
            &days,
            json!({"day": "22/11/2026", "visitors": 1}),
        )
        .await;
        assert_eq!(s, 409, "{l}: figures are locked");
        let (s, _) = post(
            &app,
            &office,
            &format!("/api/v1/events/{cur}/booths/{booth_b}"),
            json!({"reject": true}),
        )
        .await;
        assert_eq!(s, 409, "{l}");
        let r = app.get_json(&format!("/api/v1/events/{cur}")).await;
        assert_eq!(r["event"]["phase"], "reported", "{l}");

        // Listing and filters.
        let all = app.get_json("/api/v1/events?year=2026&kind=fair").await;
        assert_eq!(all.as_array().unwrap().len(), 2, "{l}: {all}");
        assert_eq!(all[0]["name"], "Tuần hàng sau", "{l}: latest first");
        let r = client()
            .get(app.url("/api/v1/events?kind=party"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{l}");

        assert!(
            app.store.verify_audit().await.unwrap().faults.is_empty(),
            "{l}"
        );
    }
}

/// The pages: the public calendar and report in Vietnamese, and the
/// organiser's forms (CSRF-checked, like every form: see forms.rs).
#[tokio::test]
async fn event_pages() {
    for app in apps().await {
        let f = app.fixture().await;
        let l = app.label;
        let office = app.api_client("province").await;
        let admin = app.api_client("admin").await;
        let (s, x) = post(
            &app,
            &office,
            "/api/v1/events",
            event(
                "Hội chợ <b>OCOP</b> mùa đông",
                "",
                "20/11/2026",
                "24/11/2026",
                "3.000",
            ),
        )
        .await;
        assert_eq!(s, 201, "{x}");
        let id = x["id"].as_i64().unwrap();
        two_booths(&app, &office, &admin, f.producer_a, f.producer_b, id).await;

        let list = client()
            .get(app.url("/su-kien"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            list.contains("Hội chợ &lt;b&gt;OCOP&lt;") && !list.contains("<b>OCOP"),
            "{l}: names are escaped"
        );
        assert!(list.contains("Đang diễn ra"), "{l}");
        assert!(
            !list.contains("Lập kế hoạch sự kiện"),
            "{l}: no form for the public"
        );
        let page = client()
            .get(app.url(&format!("/su-kien/{id}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("HTX Vạn Phần") && page.contains("A2"), "{l}");
        assert!(!page.contains("Báo cáo số liệu trong ngày"), "{l}");

        // The organiser reports a day through the form.
        let (c, csrf) = app.browser("province").await;
        let page = c
            .get(app.url(&format!("/su-kien/{id}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Báo cáo số liệu trong ngày"), "{l}");
        let booth: String = page
            .split("name=\"revenue_")
            .nth(1)
            .unwrap()
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        let r = c
            .post(app.url(&format!("/su-kien/{id}/so-lieu")))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("day", "21/11/2026"),
                ("visitors", "1.200"),
                ("agreements", "3"),
                (&format!("revenue_{booth}"), "12,5"),
                (&format!("orders_{booth}"), "7"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{l}");
        let r = app.get_json(&format!("/api/v1/events/{id}")).await;
        assert_eq!(r["figures"]["visitors"], 1_200, "{l}");
        assert_eq!(r["figures"]["revenue_vnd"], 12_500_000, "{l}");
        // Without the token nothing is written.
        let r = c
            .post(app.url(&format!("/su-kien/{id}/so-lieu")))
            .form(&[("_csrf", "x"), ("day", "22/11/2026"), ("visitors", "5")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{l}");
        assert_eq!(
            app.get_json(&format!("/api/v1/events/{id}")).await["figures"]["days_reported"],
            1,
            "{l}"
        );

        // A bad event form answers 422 with the message, on the same page.
        let r = c
            .post(app.url("/su-kien"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("name", "Hội chợ"),
                ("kind", "fair"),
                ("scope", "provincial"),
                ("organiser", "VP"),
                ("venue", "X"),
                ("province_code", "01"),
                ("starts_on", "32/11/2026"),
                ("ends_on", ""),
            ])
            .send()
            .await
            .unwrap();
        let status = r.status();
        let body = r.text().await.unwrap();
        assert_eq!(
            status,
            422,
            "{l}: {}",
            &body[body.len().saturating_sub(3000)..]
        );
        assert!(
            body.contains("Ngày khai mạc phải có dạng ngày")
                && body.contains("Ngày bế mạc là bắt buộc"),
            "{l}"
        );
    }
}
