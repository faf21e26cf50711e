//! A dossier before and around its filing, on both backends: the producer
//! prepares a draft that nobody else sees and no deadline runs on, files it
//! when complete (what is missing is named), and every party to the dossier
//! writes in one thread that the producer reads in full.

mod common;

use common::{apps, fields, get, post, put, registered};
use serde_json::json;

#[tokio::test]
async fn a_draft_is_the_producers_until_filed_complete() {
    for app in apps().await {
        let f = app.fixture().await;
        let admin = app.api_client("admin").await;
        let producer = app.api_client("producer").await;
        let commune = app.api_client("commune").await;
        let p = app
            .api_product(&admin, f.producer_a, "Mật ong bạc hà", "09", None)
            .await;
        let drafts = format!("/api/v1/products/{}/drafts", p.id);

        // Wrong contents are refused even in a draft, and nothing is written.
        let (s, e) = post(
            &app,
            &producer,
            &drafts,
            json!({"kind": "first", "options": ["A.1.a.1", "A.1.a.2"]}),
        )
        .await;
        assert_eq!(s, 422, "{}: {e}", app.label);
        assert_eq!(fields(&e), vec!["A.1.a"], "{}", app.label);
        let (_, mine) = get(&app, &producer, "/api/v1/dossiers").await;
        assert_eq!(mine["items"].as_array().unwrap().len(), 0, "{}", app.label);

        // An incomplete draft is saved; only its producer lists and reads it.
        let (s, d) = post(
            &app,
            &producer,
            &drafts,
            json!({"kind": "first", "options": ["A.1.a.3"]}),
        )
        .await;
        assert_eq!(s, 201, "{}: {d}", app.label);
        assert_eq!(d["status"], "draft", "{}", app.label);
        let id = d["id"].as_i64().unwrap();
        let (_, mine) = get(&app, &producer, "/api/v1/dossiers").await;
        assert_eq!(mine["items"][0]["id"], id, "{}", app.label);
        let (_, theirs) = get(&app, &commune, "/api/v1/dossiers").await;
        assert_eq!(
            theirs["items"].as_array().unwrap().len(),
            0,
            "{}",
            app.label
        );
        let (s, _) = get(&app, &commune, &format!("/api/v1/dossiers/{id}")).await;
        assert_eq!(s, 404, "{}: the commune reads a draft", app.label);
        let (s, _) = post(
            &app,
            &commune,
            &format!("/api/v1/dossiers/{id}/forward"),
            json!({}),
        )
        .await;
        assert_eq!(s, 404, "{}: the commune acts on a draft", app.label);

        // One dossier under way per product, drafts included.
        let (s, _) = post(
            &app,
            &producer,
            &format!("/api/v1/products/{}/dossiers", p.id),
            registered(json!({"kind": "first", "options": ["A.1.a.3"]})),
        )
        .await;
        assert_eq!(s, 409, "{}", app.label);

        // Filing it as it stands names everything still missing; it stays a draft.
        let submit = format!("/api/v1/dossiers/{id}/submit");
        let (s, e) = post(&app, &producer, &submit, json!({})).await;
        assert_eq!(s, 422, "{}: {e}", app.label);
        assert_eq!(
            fields(&e),
            vec!["representative_title", "phone", "samples", "commitment"],
            "{}",
            app.label
        );
        let (_, d) = get(&app, &producer, &format!("/api/v1/dossiers/{id}")).await;
        assert_eq!(d["status"], "draft", "{}", app.label);

        // Completed and filed: the commune's 15 working days start that day.
        let (s, d) = put(
            &app,
            &producer,
            &format!("/api/v1/dossiers/{id}"),
            registered(json!({"kind": "first", "options": ["A.1.a.3", "A.1.b.2"]})),
        )
        .await;
        assert_eq!(s, 200, "{}: {d}", app.label);
        assert_eq!(d["status"], "draft", "{}", app.label);
        let (s, d) = post(&app, &producer, &submit, json!({"commitment": true})).await;
        assert_eq!(s, 200, "{}: {d}", app.label);
        assert_eq!(d["status"], "submitted", "{}", app.label);
        assert_eq!(
            d["self_options"], "[\"A.1.a.3\",\"A.1.b.2\"]",
            "{}",
            app.label
        );
        let (_, theirs) = get(&app, &commune, "/api/v1/dossiers").await;
        assert_eq!(theirs["items"][0]["id"], id, "{}", app.label);

        // A filed dossier is no draft any more.
        let (s, _) = put(
            &app,
            &producer,
            &format!("/api/v1/dossiers/{id}"),
            registered(json!({"kind": "first", "options": ["A.1.a.3"]})),
        )
        .await;
        assert_eq!(s, 409, "{}", app.label);
        let (s, _) = post(&app, &producer, &submit, json!({"commitment": true})).await;
        assert_eq!(s, 409, "{}", app.label);

        // A draft's kind is checked against the certificate when it is filed.
        let held = app
            .api_product(
                &admin,
                f.producer_a,
                "Trà hoa vàng",
                "09",
                Some(("4", "01/06/2026")),
            )
            .await;
        let (s, d) = post(
            &app,
            &producer,
            &format!("/api/v1/products/{}/drafts", held.id),
            registered(json!({"kind": "first", "options": ["A.1.a.3"]})),
        )
        .await;
        assert_eq!(s, 201, "{}: {d}", app.label);
        let hid = d["id"].as_i64().unwrap();
        let (s, e) = post(
            &app,
            &producer,
            &format!("/api/v1/dossiers/{hid}/submit"),
            json!({"commitment": true}),
        )
        .await;
        assert_eq!(s, 409, "{}: {e}", app.label);
        assert_eq!(fields(&e), vec!["kind"], "{}: {e}", app.label);

        // Discarded, it frees the product.
        let (s, d) = post(
            &app,
            &producer,
            &format!("/api/v1/dossiers/{hid}/withdraw"),
            json!({}),
        )
        .await;
        assert_eq!(s, 200, "{}: {d}", app.label);
        assert_eq!(d["status"], "withdrawn", "{}", app.label);

        // A commune officer who starts a draft for a household sees it, as its producer does.
        let other = app
            .api_product(&admin, f.producer_a, "Bánh chưng", "09", None)
            .await;
        let (s, d) = post(
            &app,
            &commune,
            &format!("/api/v1/products/{}/drafts", other.id),
            json!({"kind": "first"}),
        )
        .await;
        assert_eq!(s, 201, "{}: {d}", app.label);
        for c in [&commune, &producer] {
            let (_, list) = get(&app, c, "/api/v1/dossiers").await;
            assert!(
                list["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x["id"] == d["id"]),
                "{}",
                app.label
            );
        }
        let (s, _) = get(
            &app,
            &app.api_client("province").await,
            &format!("/api/v1/dossiers/{}", d["id"]),
        )
        .await;
        assert_eq!(s, 404, "{}: the province reads a draft", app.label);
    }
}

#[tokio::test]
async fn every_party_writes_in_one_thread_the_producer_reads() {
    for app in apps().await {
        let f = app.fixture().await;
        let admin = app.api_client("admin").await;
        let producer = app.api_client("producer").await;
        let commune = app.api_client("commune").await;
        let p = app
            .api_product(&admin, f.producer_a, "Chè Shan tuyết", "09", None)
            .await;
        let (s, d) = post(
            &app,
            &producer,
            &format!("/api/v1/products/{}/dossiers", p.id),
            registered(json!({"kind": "first", "options": ["A.1.a.3"]})),
        )
        .await;
        assert_eq!(s, 201, "{}: {d}", app.label);
        let thread = format!("/api/v1/dossiers/{}/comments", d["id"]);

        let (s, k) = post(
            &app,
            &commune,
            &thread,
            json!({"body": "Đề nghị bổ sung phiếu kiểm nghiệm <b>mới nhất</b>."}),
        )
        .await;
        assert_eq!(s, 201, "{}: {k}", app.label);
        let (s, k) = post(
            &app,
            &producer,
            &thread,
            json!({"body": "  Đã tải lên phiếu kiểm nghiệm tháng 10.  "}),
        )
        .await;
        assert_eq!(s, 201, "{}: {k}", app.label);
        let (s, _) = post(
            &app,
            &app.api_client("ministry").await,
            &thread,
            json!({"body": "Bộ đã xem."}),
        )
        .await;
        assert_eq!(s, 201, "{}", app.label);

        // A blank comment is refused, naming the field; nothing is written.
        let (s, e) = post(&app, &producer, &thread, json!({"body": " \n "})).await;
        assert_eq!(s, 422, "{}: {e}", app.label);
        assert_eq!(fields(&e), vec!["body"], "{}", app.label);
        // Outsiders neither read nor write the thread.
        for who in ["buyer", "norole"] {
            let c = app.api_client(who).await;
            let (s, _) = post(&app, &c, &thread, json!({"body": "xin chào"})).await;
            assert!(s == 403 || s == 404, "{}: {who} wrote ({s})", app.label);
            let (s, _) = get(&app, &c, &thread).await;
            assert!(s == 403 || s == 404, "{}: {who} read ({s})", app.label);
        }

        // The producer reads every comment, in order, with who wrote it as what.
        let (s, list) = get(&app, &producer, &thread).await;
        assert_eq!(s, 200, "{}: {list}", app.label);
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 3, "{}", app.label);
        assert_eq!(list[0]["author_role"], "commune_officer", "{}", app.label);
        assert_eq!(
            list[0]["author_name"], "Người dùng commune",
            "{}",
            app.label
        );
        assert_eq!(
            list[1]["body"], "Đã tải lên phiếu kiểm nghiệm tháng 10.",
            "{}",
            app.label
        );
        assert_eq!(list[2]["author_role"], "ministry", "{}", app.label);

        // On the dossier's page, escaped, and in its audited history.
        let (browser, _) = app.browser("producer").await;
        let page = app.page(&browser, &format!("/ho-so/{}", d["id"])).await;
        assert!(page.contains("Trao đổi (3)"), "{}", app.label);
        assert!(
            page.contains("&lt;b&gt;mới nhất&lt;&#x2f;b&gt;"),
            "{}",
            app.label
        );
        assert!(!page.contains("<b>mới nhất"), "{}", app.label);
        // The ministry had the last word: the producer's dashboard says so.
        let home = app.page(&browser, "/").await;
        assert!(home.contains("Trao đổi mới trên hồ sơ"), "{}", app.label);
        let history = app
            .store
            .history("dossier", &d["id"].to_string())
            .await
            .unwrap();
        assert_eq!(
            history
                .iter()
                .filter(|h| h.action == "dossier.comment")
                .count(),
            3,
            "{}",
            app.label
        );
    }
}

#[tokio::test]
async fn the_filing_form_saves_a_draft_and_its_page_says_what_is_missing() {
    for app in apps().await {
        let f = app.fixture().await;
        let admin = app.api_client("admin").await;
        let p = app
            .api_product(&admin, f.producer_a, "Miến dong", "09", None)
            .await;
        let (browser, csrf) = app.browser("producer").await;
        let r = browser
            .post(app.url(&format!("/san-pham/{}/ho-so/moi", p.id)))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("kind", "first"),
                ("A.1.a", "A.1.a.3"),
                ("hanh_dong", "nhap"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", app.label);
        let to = r.headers()["location"].to_str().unwrap().to_string();
        assert!(to.contains("tb=da-luu-nhap"), "{}: {to}", app.label);
        let page = app.page(&browser, &to).await;
        assert!(page.contains("Bản nháp: chưa gửi UBND xã"), "{}", app.label);
        assert!(
            page.contains("Điện thoại liên hệ"),
            "{}: missing phone not named",
            app.label
        );
        assert!(page.contains("Huỷ bản nháp"), "{}", app.label);
        // Filed from its page without the commitment: refused, said on the page.
        let id = to
            .trim_start_matches("/ho-so/")
            .split('?')
            .next()
            .unwrap()
            .to_string();
        let r = browser
            .post(app.url(&format!("/ho-so/{id}/nop")))
            .form(&[("_csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{}", app.label);
        let page = r.text().await.unwrap();
        assert!(page.contains("role=\"alert\""), "{}", app.label);
    }
}

/// The dossier lists are paged and the dashboard counts in SQL, whatever the
/// number of dossiers (166,667 in the national data set): here 101 drafts,
/// one past a page of 100.
#[tokio::test]
async fn dossier_lists_are_paged_and_counted() {
    for app in apps().await {
        let f = app.fixture().await;
        let admin = app.api_client("admin").await;
        let producer = app.api_client("producer").await;
        for i in 0..101 {
            let p = app
                .api_product(&admin, f.producer_a, &format!("Trà số {i:03}"), "09", None)
                .await;
            let (s, d) = post(
                &app,
                &producer,
                &format!("/api/v1/products/{}/drafts", p.id),
                json!({"kind": "first"}),
            )
            .await;
            assert_eq!(s, 201, "{}: {d}", app.label);
        }
        let (s, first) = get(&app, &producer, "/api/v1/dossiers?per_page=40").await;
        assert_eq!(s, 200, "{}: {first}", app.label);
        assert_eq!(first["total"], 101, "{}", app.label);
        assert_eq!(first["items"].as_array().unwrap().len(), 40);
        let (_, last) = get(&app, &producer, "/api/v1/dossiers?per_page=40&page=3").await;
        assert_eq!(last["items"].as_array().unwrap().len(), 21, "{}", app.label);
        // Past the last page: the last page.
        let (_, past) = get(&app, &producer, "/api/v1/dossiers?per_page=40&page=9").await;
        assert_eq!((&past["page"], &past["items"]), (&json!(3), &last["items"]));
        let (s, _) = get(&app, &producer, "/api/v1/dossiers?per_page=201").await;
        assert_eq!(s, 422, "{}", app.label);

        let (browser, _) = app.browser("producer").await;
        let list = app.page(&browser, "/ho-so?tinh_trang=draft").await;
        assert!(list.contains("101 hồ sơ · trang 1 / 2"), "{}", app.label);
        assert!(
            list.contains("tinh_trang=draft&amp;trang=2")
                || list.contains("tinh_trang=draft&trang=2")
        );
        let second = app.page(&browser, "/ho-so?tinh_trang=draft&trang=2").await;
        assert!(second.contains("101 hồ sơ · trang 2 / 2"), "{}", app.label);
        assert_eq!(second.matches("Trà số").count(), 1, "{}", app.label);
        let home = app.page(&browser, "/").await;
        assert!(
            home.contains("<span class=\"num\">101</span><span>bản nháp chưa nộp"),
            "{}",
            app.label
        );
    }
}
