//! HTTP integration tests against the real router on a socket, on SQLite and
//! (when configured) PostgreSQL.

mod common;

use common::{add_product_by_form, apps, client, hidden, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn health_and_security_headers() {
    for app in apps().await {
        let r = client().get(app.url("/health")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let r = client().get(app.url("/")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let h = r.headers();
        assert!(h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'"));
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "same-origin");
        assert!(h.contains_key("x-request-id"));
        let body = r.text().await.unwrap();
        assert!(
            body.contains("Hệ thống thông tin Chương trình OCOP"),
            "{}",
            app.label
        );
        let r = client()
            .get(app.url("/khong-co-trang-nay"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        assert!(r.text().await.unwrap().contains("Không tìm thấy"));
    }
}

/// Every page renders for a logged-in administrator (template errors fail here).
#[tokio::test]
async fn every_page_renders() {
    for app in apps().await {
        let f = app.fixture().await;
        let (c, csrf) = app.browser("admin").await;
        // A product to show.
        let product_path =
            add_product_by_form(&app, &c, &csrf, f.producer_a, "Nước mắm Vạn Phần", "09").await;
        let admin_id = app
            .store
            .user_by_username("admin")
            .await
            .unwrap()
            .unwrap()
            .id;
        let pages = [
            ("/", "Tổng quan"),
            ("/chu-the", "HTX Vạn Phần"),
            ("/chu-the?tinh=", "HTX Bát Tiên"),
            ("/chu-the/moi", "Thêm chủ thể OCOP"),
            (&format!("/chu-the/{}", f.producer_a), "Lịch sử thay đổi"),
            (
                &format!("/chu-the/{}/sua", f.producer_a),
                "Sửa: HTX Vạn Phần",
            ),
            (
                &format!("/chu-the/{}/san-pham/moi", f.producer_a),
                "Thêm sản phẩm",
            ),
            ("/san-pham", "Nước mắm Vạn Phần"),
            (&product_path, "Giấy chứng nhận"),
            (&format!("{product_path}/sua"), "Sửa: Nước mắm Vạn Phần"),
            ("/nhap-du-lieu", "Nhập và xuất dữ liệu"),
            ("/quan-tri/nguoi-dung", "Tạo người dùng"),
            (&format!("/quan-tri/nguoi-dung/{admin_id}"), "Cấp vai trò"),
            ("/tai-khoan", "Đổi mật khẩu"),
            ("/quan-tri/nhat-ky", "Chuỗi băm toàn vẹn"),
            ("/api/docs", "Chủ thể OCOP"),
        ];
        for (path, expect) in pages {
            let r = c.get(app.url(path)).send().await.unwrap();
            assert_eq!(r.status(), 200, "{}: {path}", app.label);
            let body = r.text().await.unwrap();
            assert!(
                body.contains(expect),
                "{}: {path} lacks {expect:?}",
                app.label
            );
            assert!(body.contains("lang=\"vi\""));
        }
        // Anonymous pages, and the redirect to login for private ones.
        for path in ["/", "/dang-nhap", "/api/docs"] {
            assert_eq!(
                client().get(app.url(path)).send().await.unwrap().status(),
                200,
                "{path}"
            );
        }
        let r = client().get(app.url("/chu-the")).send().await.unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/dang-nhap?next=/chu-the");
    }
}

#[tokio::test]
async fn login_csrf_rate_limit_and_session_fixation() {
    for app in apps().await {
        app.fixture().await;
        // No login-CSRF cookie: refused.
        let r = client()
            .post(app.url("/dang-nhap"))
            .form(&[
                ("username", "admin"),
                ("password", PASSWORD),
                ("_csrf", "x"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        // Wrong password five times, then blocked even with the right one.
        let c = client();
        let page = c
            .get(app.url("/dang-nhap"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let token = hidden(&page, "_csrf");
        for _ in 0..5 {
            let r = c
                .post(app.url("/dang-nhap"))
                .form(&[
                    ("username", "province"),
                    ("password", "sai-mat-khau"),
                    ("_csrf", &token),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 401);
            assert!(r.text().await.unwrap().contains("không đúng"));
        }
        let r = c
            .post(app.url("/dang-nhap"))
            .form(&[
                ("username", "province"),
                ("password", PASSWORD),
                ("_csrf", &token),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 429, "{}", app.label);
        // API login is limited too (same account).
        let r = client()
            .post(app.url("/api/v1/session"))
            .json(&json!({"username": "province", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 429);

        // Each login gets a fresh session token; cookie flags are set.
        let c = client();
        let page = c
            .get(app.url("/dang-nhap"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let token = hidden(&page, "_csrf");
        let r = c
            .post(app.url("/dang-nhap"))
            .form(&[
                ("username", "admin"),
                ("password", PASSWORD),
                ("_csrf", &token),
                ("next", "//evil.example/"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/", "open redirects are refused");
        let cookies: Vec<String> = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        let session = cookies
            .iter()
            .find(|c| c.starts_with("ocop_session="))
            .unwrap();
        assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"));
        let (c2, _) = app.browser("admin").await;
        let _ = c2;
        // Logout ends the session.
        let csrf = hidden(
            &c.get(app.url("/tai-khoan"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            "_csrf",
        );
        let r = c
            .post(app.url("/dang-xuat"))
            .form(&[("_csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(
            c.get(app.url("/tai-khoan")).send().await.unwrap().status(),
            303
        );
    }
}

#[tokio::test]
async fn producer_form_validation_csrf_and_escaping() {
    for app in apps().await {
        let f = app.fixture().await;
        let (c, csrf) = app.browser("commune").await;
        let commune = f.commune_a.as_str();
        // Missing CSRF token.
        let r = c
            .post(app.url("/chu-the/moi"))
            .form(&[("name", "HTX Mới"), ("commune_code", commune)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{}", app.label);
        // Invalid fields: 422 and messages next to the fields, nothing written.
        let r = c
            .post(app.url("/chu-the/moi"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("name", ""),
                ("kind", "cooperative"),
                ("registration_number", "0100109107"),
                ("address", "Thôn 2"),
                ("commune_code", commune),
                ("representative_name", "Lò Văn Sơn"),
                ("representative_gender", "male"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let body = r.text().await.unwrap();
        assert!(body.contains("id=\"e-name\""), "name error shown");
        assert!(body.contains("chữ số kiểm tra"), "checksum error shown");
        assert!(body.contains("value=\"Lò Văn Sơn\""), "typed values kept");
        // Valid, with a hostile name: stored, and escaped when shown.
        let r = c
            .post(app.url("/chu-the/moi"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("name", "<script>alert(1)</script> HTX"),
                ("kind", "household"),
                ("registration_number", "01A8012345"),
                ("address", "Thôn 2"),
                ("commune_code", commune),
                ("representative_name", "Lò Văn Sơn"),
                ("representative_gender", "male"),
                ("representative_disability", "1"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", app.label);
        let location = r.headers()["location"].to_str().unwrap().to_string();
        let page = c
            .get(app.url(&location))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!page.contains("<script>alert(1)"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;"));
        assert!(page.contains("người khuyết tật"));
        // A commune officer cannot create in another commune.
        let r = c
            .post(app.url("/chu-the/moi"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("name", "HTX Ngoài xã"),
                ("kind", "cooperative"),
                ("registration_number", "0312345673"),
                ("address", "Thôn 3"),
                ("commune_code", f.commune_b.as_str()),
                ("representative_name", "A"),
                ("representative_gender", "male"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        // Cross-site POST (foreign Origin) is refused before the handler.
        let r = c
            .post(app.url("/chu-the/moi"))
            .header("origin", "http://evil.example")
            .form(&[("_csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
    }
}

#[tokio::test]
async fn api_crud_errors_and_history() {
    for app in apps().await {
        let f = app.fixture().await;
        let (c, csrf) = app.api_client("province").await;
        let body = json!({
            "name": "Công ty TNHH Chè Tân Cương", "kind": "enterprise", "registration_number": "0312345673",
            "address": "Xóm 1", "commune_code": f.commune_a, "representative_name": "Trần Văn Nam",
            "representative_gender": "male", "community_capital_pct": "40"
        });
        // No CSRF header: refused.
        let r = c
            .post(app.url("/api/v1/producers"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let err: Value = r.json().await.unwrap();
        assert_eq!(err["error"]["code"], "forbidden");
        let r = c
            .post(app.url("/api/v1/producers"))
            .header("x-csrf-token", &csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{}", app.label);
        let p: Value = r.json().await.unwrap();
        let id = p["id"].as_i64().unwrap();
        assert_eq!(p["community_capital_pct"], 40.0);
        // Same registration number again: 409 naming the field.
        let r = c
            .post(app.url("/api/v1/producers"))
            .header("x-csrf-token", &csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT);
        let err: Value = r.json().await.unwrap();
        assert_eq!(err["error"]["fields"][0]["field"], "registration_number");
        // Invalid: 422 with every field, both languages.
        let r = c
            .post(app.url("/api/v1/producers"))
            .header("x-csrf-token", &csrf)
            .json(&json!({"name": "", "commune_code": "99999"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let err: Value = r.json().await.unwrap();
        let fields: Vec<&str> = err["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert!(
            fields.contains(&"name")
                && fields.contains(&"commune_code")
                && fields.contains(&"registration_number")
        );
        assert!(err["error"]["fields"][0]["message_en"]
            .as_str()
            .unwrap()
            .contains("required"));
        // Malformed JSON: 400 with a JSON error.
        let r = c
            .post(app.url("/api/v1/producers"))
            .header("x-csrf-token", &csrf)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            r.json::<Value>().await.unwrap()["error"]["code"],
            "bad_json"
        );
        // Update with a stale version: 409.
        let mut upd = body.clone();
        upd["name"] = json!("Công ty TNHH Chè Tân Cương Thái Nguyên");
        upd["version"] = json!(1);
        let r = c
            .put(app.url(&format!("/api/v1/producers/{id}")))
            .header("x-csrf-token", &csrf)
            .json(&upd)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let r = c
            .put(app.url(&format!("/api/v1/producers/{id}")))
            .header("x-csrf-token", &csrf)
            .json(&upd)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT);
        // A product with a certificate, then the public list.
        let r = c
            .post(app.url(&format!("/api/v1/producers/{id}/products")))
            .header("x-csrf-token", &csrf)
            .json(&json!({"name": "Chè búp Tân Cương", "set_code": "11", "gtin": "8934563138165"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let prod: Value = r.json().await.unwrap();
        let pid = prod["id"].as_i64().unwrap();
        assert_eq!(prod["code"], format!("01-{}-001-2026", f.commune_a));
        let r = c
            .post(app.url(&format!("/api/v1/products/{pid}/certificates")))
            .header("x-csrf-token", &csrf)
            .json(&json!({"stars": "4", "decision_number": "99/QĐ-UBND", "issuer": "UBND Thành phố Hà Nội", "issued_on": "01/06/2024"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let list: Value = client()
            .get(app.url("/api/v1/products?q=che%20tan%20cuong&stars=4"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["total"], 1, "{}", app.label);
        assert_eq!(list["items"][0]["certificate"]["status"], "valid");
        assert_eq!(list["items"][0]["certificate"]["expires_on"], "2027-06-01");
        // Bad query parameters are named.
        let r = client()
            .get(app.url("/api/v1/products?per_page=1000"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            r.json::<Value>().await.unwrap()["error"]["fields"][0]["field"],
            "per_page"
        );
        let r = client()
            .get(app.url("/api/v1/products?stars=abc"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            r.json::<Value>().await.unwrap()["error"]["fields"][0]["field"],
            "stars"
        );
        // History, newest first.
        let h: Value = c
            .get(app.url(&format!("/api/v1/producers/{id}/history")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(h[0]["action"], "producer.edit");
        assert_eq!(h.as_array().unwrap().len(), 2);
        assert!(app.store.verify_audit().await.unwrap().faults.is_empty());
    }
}

#[tokio::test]
async fn images_are_checked_and_served_safely() {
    for app in apps().await {
        let f = app.fixture().await;
        let (c, csrf) = app.browser("producer").await;
        let product =
            add_product_by_form(&app, &c, &csrf, f.producer_a, "Mật ong bạc hà", "04").await;
        let upload = |bytes: Vec<u8>, name: &'static str| {
            let form = reqwest::multipart::Form::new()
                .text("_csrf", csrf.clone())
                .part(
                    "image",
                    reqwest::multipart::Part::bytes(bytes)
                        .file_name(name)
                        .mime_str("image/png")
                        .unwrap(),
                );
            c.post(app.url(&format!("{product}/anh")))
                .multipart(form)
                .send()
        };
        // HTML claiming to be a PNG is refused.
        let r = upload(b"<html><script>alert(1)</script></html>".to_vec(), "x.png")
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend_from_slice(&[0u8; 64]);
        let r = upload(png.clone(), "ok.png").await.unwrap();
        assert_eq!(r.status(), 303);
        let page = c
            .get(app.url(&product))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let img = page
            .split("src=\"/anh/")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let r = client()
            .get(app.url(&format!("/anh/{img}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["content-type"], "image/png");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        assert!(r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox"));
        assert_eq!(r.bytes().await.unwrap().to_vec(), png);
    }
}

#[tokio::test]
async fn import_and_export_round_trip() {
    for app in apps().await {
        let f = app.fixture().await;
        let (c, csrf) = app.api_client("province").await;
        // Line 3 has a wrong check digit, line 4 repeats line 2's number.
        let bad = format!(
            "name,kind,registration_number,address,commune_code,representative_name,representative_gender\n\
             HTX Một,htx,0312345673,Thôn 1,{a},Lan,Nữ\n\
             HTX Hai,htx,0312345676,Thôn 2,{a},Lan,Nữ\n\
             HTX Ba,htx,0312345673,Thôn 3,{a},Lan,Nữ\n",
            a = f.commune_a
        );
        let r = c
            .post(app.url("/api/v1/import/producers?filename=a.csv"))
            .header("x-csrf-token", &csrf)
            .body(bad)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.label
        );
        let err: Value = r.json().await.unwrap();
        let lines: Vec<i64> = err["error"]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["line"].as_i64().unwrap())
            .collect();
        assert_eq!(lines, vec![3, 4], "{err}");
        assert_eq!(
            app.store
                .producer_by_registration("0312345673")
                .await
                .unwrap()
                .map(|p| p.id),
            None,
            "nothing written"
        );
        // Out-of-province rows are refused for a province office.
        let other = format!(
            "name,kind,registration_number,address,commune_code,representative_name,representative_gender\nHTX X,htx,0312345673,T,{},Lan,Nữ\n",
            f.commune_b
        );
        let r = c
            .post(app.url("/api/v1/import/producers?filename=b.csv"))
            .header("x-csrf-token", &csrf)
            .body(other)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let good = format!(
            "Tên chủ thể,Loại hình,Mã số thuế / số đăng ký,Địa chỉ,Mã xã,Người đại diện,Giới tính người đại diện\nHTX Một,Hợp tác xã,0312345673,Thôn 1,{},Lan,Nữ\n",
            f.commune_a
        );
        let r = c
            .post(app.url("/api/v1/import/producers?filename=c.csv"))
            .header("x-csrf-token", &csrf)
            .body(good)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.json::<Value>().await.unwrap()["created"], 1);
        // Export as XLSX and import the same file back: everything updates, nothing new.
        let (b, _) = app.browser("province").await;
        let xlsx = b.get(app.url("/xuat/chu-the.xlsx")).send().await.unwrap();
        assert_eq!(xlsx.status(), 200);
        let bytes = xlsx.bytes().await.unwrap();
        assert!(bytes.starts_with(b"PK"));
        let r = c
            .post(app.url("/api/v1/import/producers?filename=back.xlsx"))
            .header("x-csrf-token", &csrf)
            .body(bytes)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", app.label);
        let report: Value = r.json().await.unwrap();
        assert_eq!(
            (report["created"].as_i64(), report["updated"].as_i64()),
            (Some(0), Some(2)),
            "{report}"
        );
        // Exports stay in scope: the province office sees no producer of province B.
        let csv = b
            .get(app.url("/xuat/chu-the.csv"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(csv.contains("HTX Vạn Phần") && !csv.contains("HTX Bát Tiên"));
    }
}

#[tokio::test]
async fn openapi_document_snapshot() {
    let app = common::spawn(ocop_store::testing::sqlite().await).await;
    let doc: Value = client()
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        doc["openapi"].as_str().map(|s| s.starts_with("3.")),
        Some(true)
    );
    insta::assert_json_snapshot!("openapi", doc);
}

#[tokio::test]
async fn criteria_api_and_calculator() {
    let app = common::spawn(ocop_store::testing::sqlite().await).await;
    let c = client();
    let versions: Value = c
        .get(app.url("/api/v1/criteria"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["qd148-2023", "qd26-2026"]);
    assert_eq!(versions[1]["sets"].as_array().unwrap().len(), 26);
    assert_eq!(versions[1]["effective_from"], "2026-05-22");

    let sheet: Value = c
        .get(app.url("/api/v1/criteria/qd26-2026/09"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let nodes = sheet["nodes"].as_array().unwrap();
    let parts: Vec<(&str, i64)> = nodes
        .iter()
        .filter(|n| n["kind"] == "part")
        .map(|n| (n["id"].as_str().unwrap(), n["points"].as_i64().unwrap()))
        .collect();
    assert_eq!(parts, vec![("A", 40), ("B", 25), ("C", 35)]);
    let a1a = &nodes.iter().find(|n| n["id"] == "A").unwrap()["children"][0]["children"][0];
    assert_eq!(a1a["id"], "A.1.a");
    assert_eq!(a1a["children"][0]["kind"], "option");
    assert_eq!(a1a["children"][0]["min_star"], 3);
    assert!(
        nodes.iter().any(|n| n["kind"] == "knockout"),
        "knock-outs are part of the sheet"
    );

    let eval = |body: Value| {
        c.post(app.url("/api/v1/criteria/qd26-2026/09/evaluate"))
            .json(&body)
            .send()
    };
    let r = eval(json!({"options": ["A.1.a.3", "B.4.a.3"]}))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["parts"]["A"], 5);
    assert_eq!(
        e["total"],
        e["parts"]["A"].as_i64().unwrap() + e["parts"]["B"].as_i64().unwrap()
    );
    assert_eq!(e["rank"], 1);
    assert_eq!(e["points_to_next_rank"], 30 - e["total"].as_i64().unwrap());
    assert!(!e["unmet_minimums"].as_array().unwrap().is_empty());
    // Two options of one criterion, and an unknown id: 422 naming them.
    let r = eval(json!({"options": ["A.1.a.1", "A.1.a.2"]}))
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let err: Value = r.json().await.unwrap();
    assert_eq!(err["error"]["fields"][0]["field"], "A.1.a");
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Nguồn nguyên liệu"));
    let r = eval(json!({"options": ["Z.9.9"]})).await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["fields"][0]["field"],
        "Z.9.9"
    );
    let r = c
        .get(app.url("/api/v1/criteria/qd26-2026/27"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // The calculator page: public, GET, shows the result.
    let page = c
        .get(app.url("/tieu-chi"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Quyết định số 26"));
    let r = c
        .get(app.url("/tieu-chi/qd26-2026/09?A.1.a=A.1.a.3"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("Tiêu chí tối thiểu chưa đạt"));
    assert!(page.contains("value=\"A.1.a.3\" checked"));
    let r = c
        .get(app.url("/tieu-chi/qd26-2026/26?truong_hop=1&C.8.b=C.8.b.1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "an option of the other case is refused");
}

#[tokio::test]
async fn api_accounts_export_and_password() {
    for app in apps().await {
        let f = app.fixture().await;
        let (c, csrf) = app.api_client("admin").await;
        // Export in both formats, in the import format.
        let r = c
            .get(app.url("/api/v1/export/producers?format=csv"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("producers.csv"));
        let csv = r.text().await.unwrap();
        assert!(
            csv.starts_with("\u{feff}name,kind,registration_number"),
            "{}",
            &csv[..60]
        );
        let r = c
            .get(app.url("/api/v1/export/products?format=xlsx"))
            .send()
            .await
            .unwrap();
        assert!(r.bytes().await.unwrap().starts_with(b"PK"));
        let r = c
            .get(app.url("/api/v1/export/products?format=pdf"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        // Grant and revoke a role.
        let target = app
            .store
            .user_by_username("norole")
            .await
            .unwrap()
            .unwrap()
            .id;
        let r = c
            .post(app.url(&format!("/api/v1/users/{target}/roles")))
            .header("x-csrf-token", &csrf)
            .json(&json!({"role": "commune_officer", "province": "", "commune": f.commune_a}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", app.label);
        let grants: Value = r.json().await.unwrap();
        assert_eq!(
            grants[0]["role"]["province"], "01",
            "the province is taken from the commune"
        );
        let gid = grants[0]["id"].as_i64().unwrap();
        let r = c
            .delete(app.url(&format!("/api/v1/users/{target}/roles/{gid}")))
            .header("x-csrf-token", &csrf)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.json::<Value>().await.unwrap().as_array().unwrap().len(),
            0
        );
        // Lock and unlock: a locked account cannot log in.
        let r = c
            .post(app.url(&format!("/api/v1/users/{target}/deactivate")))
            .header("x-csrf-token", &csrf)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let r = client()
            .post(app.url("/api/v1/session"))
            .json(&json!({"username": "norole", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        c.post(app.url(&format!("/api/v1/users/{target}/activate")))
            .header("x-csrf-token", &csrf)
            .send()
            .await
            .unwrap();
        // Own password: wrong current one refused; a change ends the session.
        let (u, ucsrf) = app.api_client("buyer").await;
        let r = u
            .put(app.url("/api/v1/me/password"))
            .header("x-csrf-token", &ucsrf)
            .json(&json!({"current_password": "sai", "new_password": "mat-khau-moi-rat-dai"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let r = u
            .put(app.url("/api/v1/me/password"))
            .header("x-csrf-token", &ucsrf)
            .json(&json!({"current_password": PASSWORD, "new_password": "mat-khau-moi-rat-dai"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        assert_eq!(
            u.get(app.url("/api/v1/me")).send().await.unwrap().status(),
            401,
            "session ended"
        );
        let r = client()
            .post(app.url("/api/v1/session"))
            .json(&json!({"username": "buyer", "password": "mat-khau-moi-rat-dai"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(app.store.verify_audit().await.unwrap().faults.is_empty());
    }
}

/// The QR path: resolver answers, verification statuses, revocation by the competent level.
#[tokio::test]
async fn verification_resolver_and_revocation() {
    for app in apps().await {
        let f = app.fixture().await;
        let (c, csrf) = app.api_client("admin").await;
        let mut ids = Vec::new();
        // (name, gtin, stars, issued_on): valid, expiring soon, expired, 5★, uncertified.
        let cases = [
            ("Nước mắm A", "8934563138165", Some(("4", "01/06/2024"))),
            ("Nước mắm B", "", Some(("3", "15/01/2024"))),
            ("Nước mắm C", "", Some(("3", "01/01/2023"))),
            ("Nước mắm D", "", Some(("5", "01/03/2025"))),
            ("Nước mắm E", "", None),
        ];
        for (name, gtin, cert) in cases {
            let r = c
                .post(app.url(&format!("/api/v1/producers/{}/products", f.producer_a)))
                .header("x-csrf-token", &csrf)
                .json(&json!({"name": name, "set_code": "09", "gtin": gtin}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201, "{}", app.label);
            let p: Value = r.json().await.unwrap();
            let id = p["id"].as_i64().unwrap();
            if let Some((stars, issued)) = cert {
                let r = c
                    .post(app.url(&format!("/api/v1/products/{id}/certificates")))
                    .header("x-csrf-token", &csrf)
                    .json(&json!({"stars": stars, "decision_number": "1/QĐ", "issuer": "UBND", "issued_on": issued}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201);
            }
            ids.push((id, p["code"].as_str().unwrap().to_string()));
        }
        let status_of = |code: String| {
            let url = app.url(&format!("/api/v1/verify?code={code}"));
            async move {
                client()
                    .get(url)
                    .send()
                    .await
                    .unwrap()
                    .json::<Value>()
                    .await
                    .unwrap()["status"]
                    .clone()
            }
        };
        assert_eq!(status_of(ids[0].1.clone()).await, "valid", "{}", app.label);
        // The certificate to print, for a certified product only.
        for (i, want) in [(0, 200), (2, 200), (4, 404)] {
            let r = client()
                .get(app.url(&format!("/xac-minh/{}/giay-chung-nhan.pdf", ids[i].1)))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), want, "{}: case {i}", app.label);
            if want == 200 {
                assert_eq!(r.headers()["content-type"], "application/pdf");
                assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
            }
        }
        assert_eq!(status_of(ids[1].1.clone()).await, "expiring_soon");
        assert_eq!(status_of(ids[2].1.clone()).await, "expired");
        assert_eq!(status_of(ids[4].1.clone()).await, "not_certified");
        // The same certificates with the clock moved: A (issued 01/06/2024)
        // is expiring on 01/01/2027 and expired the day after 01/06/2027.
        app.clock
            .set(chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap());
        assert_eq!(
            status_of(ids[0].1.clone()).await,
            "expiring_soon",
            "{}",
            app.label
        );
        app.clock
            .set(chrono::NaiveDate::from_ymd_opt(2027, 6, 2).unwrap());
        assert_eq!(
            status_of(ids[0].1.clone()).await,
            "expired",
            "{}",
            app.label
        );
        let page = client()
            .get(app.url(&format!("/xac-minh/{}", ids[0].1)))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("hết hạn"), "{}", app.label);
        app.clock
            .set(chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap());
        assert_eq!(status_of(ids[0].1.clone()).await, "valid", "{}", app.label);
        let r = client()
            .get(app.url("/api/v1/verify?code=99-99999-999-2099"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        assert_eq!(r.json::<Value>().await.unwrap()["status"], "not_found");

        // The resolver: a browser gets the page, the lot falls back to the product.
        let r = client()
            .get(app.url("/01/8934563138165"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let etag = r.headers()["etag"].to_str().unwrap().to_string();
        let page = r.text().await.unwrap();
        assert!(page.contains("Sản phẩm OCOP còn hiệu lực") && page.contains("Nước mắm A"));
        let r = client()
            .get(app.url("/01/08934563138165"))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 304, "unchanged answer revalidates");
        let page = client()
            .get(app.url("/01/08934563138165/10/LOT9/21/S1"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("LOT9") && page.contains("Nước mắm A"));
        // Linkset on request, by header or parameter.
        for req in [
            client()
                .get(app.url("/01/8934563138165"))
                .header("accept", "application/linkset+json"),
            client().get(app.url("/01/8934563138165?linkType=linkset")),
        ] {
            let r = req.send().await.unwrap();
            assert_eq!(r.headers()["content-type"], "application/linkset+json");
            let ls: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
            assert!(ls["linkset"][0]["anchor"]
                .as_str()
                .unwrap()
                .ends_with("/01/08934563138165"));
            assert!(
                ls["linkset"][0]["https://gs1.org/voc/defaultLink"][0]["href"]
                    .as_str()
                    .unwrap()
                    .contains("/xac-minh/")
            );
        }
        // Malformed and wrong check digit: 400 saying which; unknown: 404.
        let r = client().get(app.url("/01/89345")).send().await.unwrap();
        assert_eq!(r.status(), 400);
        assert!(r.text().await.unwrap().contains("không phải GTIN"));
        let r = client()
            .get(app.url("/01/8934563138166"))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(
            r.json::<Value>().await.unwrap()["error"]["code"],
            "bad_check_digit"
        );
        let r = client().get(app.url("/01/96385074")).send().await.unwrap();
        assert_eq!(r.status(), 404);
        assert!(r.text().await.unwrap().contains("không phải sản phẩm OCOP"));
        // Typed-in certificate number.
        let cert: Value = client()
            .get(app.url(&format!("/api/v1/verify?code={}", ids[0].1)))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let number = cert["certificate"]["number"].as_str().unwrap().to_string();
        assert!(number.starts_with("OCOP-01-2024-"));
        let r = client()
            .get(app.url(&format!("/xac-minh?so={}", number.to_lowercase())))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(
            r.headers()["location"],
            format!("/xac-minh/{}", ids[0].1).as_str()
        );
        // The certificate number put in the address serves the same page.
        let page = client()
            .get(app.url(&format!("/xac-minh/{number}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Nước mắm A"), "{}", app.label);
        assert!(page.contains("Sản phẩm OCOP còn hiệu lực"), "{}", app.label);
        // QR codes.
        let r = client()
            .get(app.url(&format!("/qr/{}.svg", ids[0].1)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["content-type"], "image/svg+xml");
        let r = client()
            .get(app.url(&format!("/qr/{}.png", ids[1].1)))
            .send()
            .await
            .unwrap();
        assert!(r.bytes().await.unwrap().starts_with(b"\x89PNG"));

        // Revocation: the commune cannot; the province can for 3★–4★ but not 5★; the ministry can for 5★.
        let cert_id = cert["certificate"]["id"].as_i64().unwrap();
        let revoke = json!({"ground": "mark_misuse", "detail": "QĐ 77/QĐ-UBND: dùng biểu trưng sai quy định"});
        let (commune, ccsrf) = app.api_client("commune").await;
        let r = commune
            .post(app.url(&format!("/api/v1/certificates/{cert_id}/revoke")))
            .header("x-csrf-token", &ccsrf)
            .json(&revoke)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let (prov, pcsrf) = app.api_client("province").await;
        let r = prov
            .post(app.url(&format!("/api/v1/certificates/{cert_id}/revoke")))
            .header("x-csrf-token", &pcsrf)
            .json(&json!({"ground": "nonsense", "detail": ""}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let r = prov
            .post(app.url(&format!("/api/v1/certificates/{cert_id}/revoke")))
            .header("x-csrf-token", &pcsrf)
            .json(&revoke)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", app.label);
        let r = prov
            .post(app.url(&format!("/api/v1/certificates/{cert_id}/revoke")))
            .header("x-csrf-token", &pcsrf)
            .json(&revoke)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409, "revoked once");
        // The same QR now says revoked, with the ground, and the cached answer is not reused.
        let r = client()
            .get(app.url("/01/8934563138165"))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let page = r.text().await.unwrap();
        assert!(
            page.contains("Giấy chứng nhận đã bị thu hồi") && page.contains("biểu trưng"),
            "{}",
            app.label
        );
        assert_eq!(status_of(ids[0].1.clone()).await, "revoked");
        let five: Value = client()
            .get(app.url(&format!("/api/v1/verify?code={}", ids[3].1)))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let five_id = five["certificate"]["id"].as_i64().unwrap();
        let r = prov
            .post(app.url(&format!("/api/v1/certificates/{five_id}/revoke")))
            .header("x-csrf-token", &pcsrf)
            .json(&revoke)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "5★ is the ministry's");
        let (min, mcsrf) = app.api_client("ministry").await;
        let r = min
            .post(app.url(&format!("/api/v1/certificates/{five_id}/revoke")))
            .header("x-csrf-token", &mcsrf)
            .json(&revoke)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(app.store.verify_audit().await.unwrap().faults.is_empty());
    }
}

/// The public catalog API: default status, facets, filters, Vietnamese order, paging, bad parameters.
#[tokio::test]
async fn catalog_facets_sorting_and_status() {
    for app in apps().await {
        let f = app.fixture().await;
        let (c, csrf) = app.api_client("admin").await;
        // (producer, name, set, (stars, issued)): Vietnamese order is Ánh < Bánh < Chè < Đậu < Ổi.
        let rows = [
            (f.producer_a, "Ổi Đông Dư", "01", Some(("3", "01/06/2025"))),
            (
                f.producer_a,
                "Chè Tân Cương",
                "11",
                Some(("4", "01/06/2025")),
            ),
            (f.producer_b, "Đậu phụ Mơ", "08", Some(("4", "01/06/2025"))),
            (f.producer_b, "Bánh cốm", "06", Some(("5", "01/02/2025"))),
            (
                f.producer_a,
                "Ánh Dương rượu",
                "14",
                Some(("3", "01/01/2023")),
            ),
            (f.producer_b, "Chưa chứng nhận", "01", None),
        ];
        let admin = (c, csrf);
        for (pid, name, set, cert) in rows {
            app.api_product(&admin, pid, name, set, cert).await;
        }
        let get = |q: &str| {
            let url = app.url(&format!("/api/v1/products?{q}"));
            async move { client().get(url).send().await.unwrap() }
        };
        let body: Value = get("sort=name").await.json().await.unwrap();
        let names: Vec<&str> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            vec!["Bánh cốm", "Chè Tân Cương", "Đậu phụ Mơ", "Ổi Đông Dư"],
            "{}: current certificates, Vietnamese order",
            app.label
        );
        assert_eq!(body["facets"]["stars"], json!({"3": 1, "4": 2, "5": 1}));
        assert_eq!(body["facets"]["group"], json!({"I": 4}));
        assert_eq!(body["facets"]["province"][&f.province_b], 2);
        assert_eq!(
            body["facets"]["status"]["expired"], 1,
            "status counts ignore the status filter"
        );
        assert_eq!(body["facets"]["producer_type"]["cooperative"], 4);
        assert_eq!(
            body["facets"]["set"],
            json!({"01": 1, "06": 1, "08": 1, "11": 1})
        );
        // Communes are counted within a province only.
        assert_eq!(body["facets"]["commune"], json!({}), "{}", app.label);
        let body: Value = get(&format!("province={}", f.province_b))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(body["facets"]["commune"][&f.commune_b], 2, "{}", app.label);
        let body: Value = get(&format!("commune={}&set=08", f.commune_b))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(body["total"], 1);
        assert_eq!(body["items"][0]["name"], "Đậu phụ Mơ");
        // The HTML catalog offers the same facets: sets always, communes
        // once a province is chosen.
        let html = |q: String| {
            let url = app.url(&format!("/danh-muc?{q}"));
            async move {
                client()
                    .get(url)
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap()
            }
        };
        let all = html(String::new()).await;
        assert!(all.contains("Bộ sản phẩm") && !all.contains("Xã, phường, đặc khu"));
        let province = html(format!("tinh={}", f.province_b)).await;
        assert!(province.contains("Xã, phường, đặc khu"), "{}", app.label);
        let commune = html(format!("tinh={}&xa={}", f.province_b, f.commune_b)).await;
        assert!(commune.contains("Đậu phụ Mơ") && !commune.contains("Ổi Đông Dư"));
        let body: Value = get("sort=stars&per_page=2&page=1")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(body["total"], 4);
        assert_eq!(body["items"][0]["stars"], 5);
        assert_eq!(body["items"].as_array().unwrap().len(), 2);
        let body: Value = get("status=expired").await.json().await.unwrap();
        assert_eq!(body["items"][0]["name"], "Ánh Dương rượu");
        assert_eq!(body["items"][0]["certificate"]["status"], "expired");
        let body: Value = get("group=II&status=all").await.json().await.unwrap();
        assert_eq!(body["total"], 1);
        let body: Value = get(&format!("province={}&stars=4", f.province_b))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(body["total"], 1);
        assert_eq!(body["items"][0]["name"], "Đậu phụ Mơ");
        let body: Value = get("q=dau%20phu").await.json().await.unwrap();
        assert_eq!(body["total"], 1, "accents ignored");
        assert!(body["items"][0]["certificate"]["number"]
            .as_str()
            .unwrap()
            .starts_with("OCOP-"));
        for bad in [
            "status=old",
            "sort=price",
            "group=VII",
            "province=99",
            "producer_type=x",
            "page=0",
        ] {
            let r = get(bad).await;
            assert_eq!(r.status(), 422, "{bad}");
            let name = bad.split('=').next().unwrap();
            assert_eq!(
                r.json::<Value>().await.unwrap()["error"]["fields"][0]["field"],
                name,
                "{bad}"
            );
        }
    }
}

/// Public product and producer pages: canonical slug URLs, schema.org JSON-LD
/// that user text cannot break out of, Open Graph, robots.txt and the sitemap.
#[tokio::test]
async fn public_product_and_producer_pages() {
    let app = common::spawn(ocop_store::testing::sqlite().await).await;
    let f = app.fixture().await;
    let (c, csrf) = app.api_client("admin").await;
    let p: Value = c
        .post(app.url(&format!("/api/v1/producers/{}/products", f.producer_a)))
        .header("x-csrf-token", &csrf)
        .json(&json!({"name": "Mắm </script><b>x</b> & tôm", "set_code": "09", "gtin": "8934563138165", "description": "Câu chuyện"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (id, code) = (
        p["id"].as_i64().unwrap(),
        p["code"].as_str().unwrap().to_string(),
    );
    c.post(app.url(&format!("/api/v1/products/{id}/certificates")))
        .header("x-csrf-token", &csrf)
        .json(&json!({"stars": "4", "decision_number": "8/QĐ", "issuer": "UBND", "issued_on": "01/06/2025"}))
        .send()
        .await
        .unwrap();
    let r = client()
        .get(app.url(&format!("/san-pham-ocop/{code}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 308);
    let canonical = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(
        canonical,
        format!("/san-pham-ocop/{code}-mam-script-b-x-b-tom")
    );
    let page = client()
        .get(app.url(&canonical))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let ld = page
        .split("<script type=\"application/ld+json\">")
        .nth(1)
        .unwrap()
        .split("</script>")
        .next()
        .unwrap();
    let ld: Value =
        serde_json::from_str(ld).expect("JSON-LD parses and the name did not close the script");
    assert_eq!(ld["@type"], "Product");
    assert_eq!(ld["name"], "Mắm </script><b>x</b> & tôm");
    assert_eq!(ld["gtin"], "08934563138165");
    assert_eq!(ld["award"], "OCOP 4 sao");
    assert!(page.contains("property=\"og:title\""));
    assert!(
        !page.contains("<b>x</b>"),
        "user text is escaped in the page"
    );
    let producer_link = page
        .split("href=\"/chu-the-ocop/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let r = client()
        .get(app.url(&format!("/chu-the-ocop/{producer_link}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("HTX Vạn Phần"));
    let robots = client()
        .get(app.url("/robots.txt"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(robots.contains("Disallow: /quan-tri/") && robots.contains("Sitemap: "));
    let sitemap = client()
        .get(app.url("/sitemap.xml"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(sitemap.contains(&canonical.replace('&', "&amp;")));
    let r = client()
        .get(app.url("/san-pham-ocop/99-99999-999-2099-khong-co"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

/// A dossier from filing to the province: self-assessment on the sheet in
/// force, the commune's return and forward, illegal moves refused, scopes kept.
#[tokio::test]
async fn dossier_filing_and_commune_review() {
    for app in apps().await {
        let f = app.fixture().await;
        let (admin, acsrf) = app.api_client("admin").await;
        let p: Value = admin
            .post(app.url(&format!("/api/v1/producers/{}/products", f.producer_a)))
            .header("x-csrf-token", &acsrf)
            .json(&json!({"name": "Nước mắm Vạn Phần", "set_code": "09"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let pid = p["id"].as_i64().unwrap();
        let (prod, pcsrf) = app.api_client("producer").await;
        let filing = common::registered(
            json!({"kind": "first", "options": ["A.1.a.3", "B.4.a.3"], "note": "Mẫu gửi kèm"}),
        );
        let r = prod
            .post(app.url(&format!("/api/v1/products/{pid}/dossiers")))
            .header("x-csrf-token", &pcsrf)
            .json(&filing)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", app.label);
        let d: Value = r.json().await.unwrap();
        let id = d["id"].as_i64().unwrap();
        assert_eq!(d["status"], "submitted");
        assert_eq!(d["criteria_version"], "qd26-2026");
        assert_eq!(d["filed_on"], "2026-11-22");
        assert_eq!(
            d["commune_deadline"], "2026-12-11",
            "15 working days after Sunday 22/11"
        );
        assert!(d["self_total"].as_i64().unwrap() > 0);
        // One open dossier per product.
        let r = prod
            .post(app.url(&format!("/api/v1/products/{pid}/dossiers")))
            .header("x-csrf-token", &pcsrf)
            .json(&filing)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409);
        // A bad self-assessment names the criterion.
        let r = admin
            .post(app.url(&format!("/api/v1/products/{pid}/dossiers")))
            .header("x-csrf-token", &acsrf)
            .json(&common::registered(
                json!({"kind": "first", "options": ["A.1.a.1", "A.1.a.2"]}),
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        assert_eq!(
            r.json::<Value>().await.unwrap()["error"]["fields"][0]["field"],
            "A.1.a"
        );
        // The producer cannot review its own dossier.
        let r = prod
            .post(app.url(&format!("/api/v1/dossiers/{id}/forward")))
            .header("x-csrf-token", &pcsrf)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        // The commune returns it (a reason is required), the producer files again, the commune forwards.
        let (com, ccsrf) = app.api_client("commune").await;
        let r = com
            .post(app.url(&format!("/api/v1/dossiers/{id}/return")))
            .header("x-csrf-token", &ccsrf)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let r = com
            .post(app.url(&format!("/api/v1/dossiers/{id}/return")))
            .header("x-csrf-token", &ccsrf)
            .json(&json!({"conclusion": "Thiếu giấy chứng nhận an toàn thực phẩm"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.json::<Value>().await.unwrap()["status"], "returned");
        let r = com
            .post(app.url(&format!("/api/v1/dossiers/{id}/forward")))
            .header("x-csrf-token", &ccsrf)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409, "a returned dossier cannot be forwarded");
        let r = prod
            .post(app.url(&format!("/api/v1/dossiers/{id}/resubmit")))
            .header("x-csrf-token", &pcsrf)
            .json(&common::registered(
                json!({"kind": "first", "options": ["A.1.a.3", "B.4.a.3", "C.6.a.3"]}),
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let review = json!({"local_raw_materials": "Cá cơm vùng biển xã", "local_labour": "12 lao động địa phương",
            "idea_origin": "Nghề truyền thống", "local_identity": "Làng nghề trăm năm"});
        let r = com
            .post(app.url(&format!("/api/v1/dossiers/{id}/forward")))
            .header("x-csrf-token", &ccsrf)
            .json(&review)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "completeness must be confirmed");
        let mut complete = review.clone();
        complete["complete"] = json!(true);
        let r = com
            .post(app.url(&format!("/api/v1/dossiers/{id}/forward")))
            .header("x-csrf-token", &ccsrf)
            .json(&complete)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let d: Value = r.json().await.unwrap();
        assert_eq!(d["status"], "forwarded");
        assert_eq!(d["reviewed_on"], "2026-11-22");
        let r = prod
            .post(app.url(&format!("/api/v1/dossiers/{id}/withdraw")))
            .header("x-csrf-token", &pcsrf)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409, "a forwarded dossier cannot be withdrawn");
        // Scopes: the province sees it; another province's office does not; the list filters by status.
        let (prov, _) = app.api_client("province").await;
        let list: Value = prov
            .get(app.url("/api/v1/dossiers?status=forwarded"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
        assert_eq!(list["total"], 1, "{list}");
        let list: Value = prov
            .get(app.url("/api/v1/dossiers?status=submitted"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["items"].as_array().unwrap().len(), 0, "{list}");
        let (buyer, _) = app.api_client("buyer").await;
        assert_eq!(
            buyer
                .get(app.url(&format!("/api/v1/dossiers/{id}")))
                .send()
                .await
                .unwrap()
                .status(),
            404,
            "not revealed"
        );
        // The pages render for the people concerned.
        let (b, _) = app.browser("commune").await;
        let page = b
            .get(app.url("/ho-so"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Nước mắm Vạn Phần") && page.contains("Đã chuyển tỉnh"));
        let page = b
            .get(app.url(&format!("/ho-so/{id}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Báo cáo của UBND xã") && page.contains("Làng nghề trăm năm"));
        let (pb, _) = app.browser("producer").await;
        let r = pb
            .get(app.url(&format!("/san-pham/{pid}/ho-so/moi")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("Tự đánh giá theo phiếu"));
        let history = app.store.history("dossier", &id.to_string()).await.unwrap();
        assert_eq!(history.len(), 4, "file, return, resubmit, forward");
        assert!(app.store.verify_audit().await.unwrap().faults.is_empty());
    }
}

/// A provincial round: council, independent locked sheets, spread check, consolidated result.
#[tokio::test]
async fn round_council_scoring_and_consolidation() {
    for app in apps().await {
        let f = app.fixture().await;
        let cap = |a| ocop_domain::auth::Capability::system(a);
        use ocop_domain::auth::Action;
        for name in ["tv1", "tv2", "tv3", "tv4"] {
            app.store
                .create_user(
                    &cap(Action::CreateUser),
                    name,
                    &format!("Thành viên {name}"),
                    None,
                    PASSWORD,
                )
                .await
                .unwrap();
        }
        // A forwarded dossier.
        let (admin, acsrf) = app.api_client("admin").await;
        let p: Value = admin
            .post(app.url(&format!("/api/v1/producers/{}/products", f.producer_a)))
            .header("x-csrf-token", &acsrf)
            .json(&json!({"name": "Nước mắm Cửa Khẩu", "set_code": "09"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let d: Value = admin
            .post(app.url(&format!("/api/v1/products/{}/dossiers", p["id"])))
            .header("x-csrf-token", &acsrf)
            .json(&common::registered(
                json!({"kind": "first", "options": ["A.1.a.3"]}),
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let did = d["id"].as_i64().unwrap();
        let review = json!({"complete": true, "local_raw_materials": "a", "local_labour": "b", "idea_origin": "c", "local_identity": "d"});
        let (com, ccsrf) = app.api_client("commune").await;
        assert_eq!(
            com.post(app.url(&format!("/api/v1/dossiers/{did}/forward")))
                .header("x-csrf-token", &ccsrf)
                .json(&review)
                .send()
                .await
                .unwrap()
                .status(),
            200
        );

        // The province sets up the round and its council, and assigns the dossier.
        let (prov, pcsrf) = app.api_client("province").await;
        let r = prov
            .post(app.url("/api/v1/rounds"))
            .header("x-csrf-token", &pcsrf)
            .json(&json!({"province": f.province_b, "name": "Đợt ngoài tỉnh", "scoring_deadline": "30/06/2027"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{}: another province's round", app.label);
        let r = prov
            .post(app.url("/api/v1/rounds"))
            .header("x-csrf-token", &pcsrf)
            .json(&json!({"province": "01", "name": "Đợt 1 năm 2027", "scoring_deadline": "30/06/2027", "max_spread": 10}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let rid = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        // The council's seats (Art. 7.3.b): a chair, departments' representatives, an invited expert.
        let r = prov
            .post(app.url(&format!("/api/v1/rounds/{rid}/members")))
            .header("x-csrf-token", &pcsrf)
            .json(&json!({"username": "tv3", "capacity": "guest"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{}: an unknown capacity", app.label);
        for (name, chair, organisation, capacity) in [
            ("tv1", true, "UBND Thành phố Hà Nội", ""),
            ("tv2", false, "Sở Công Thương", "department"),
            ("tv3", false, "Hiệp hội Làng nghề Việt Nam", "invited"),
        ] {
            let r = prov
                .post(app.url(&format!("/api/v1/rounds/{rid}/members")))
                .header("x-csrf-token", &pcsrf)
                .json(&json!({"username": name, "chair": chair, "organisation": organisation, "capacity": capacity}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
        }
        let (tv1, c1) = app.api_client("tv1").await;
        let score = |client: &reqwest::Client, csrf: &str, options: Value| {
            client
                .post(app.url(&format!("/api/v1/dossiers/{did}/score-sheets")))
                .header("x-csrf-token", csrf)
                .json(&json!({"options": options}))
                .send()
        };
        assert_eq!(
            score(&tv1, &c1, json!(["A.1.a.3"])).await.unwrap().status(),
            409,
            "not in a round yet"
        );
        assert_eq!(
            prov.post(app.url(&format!("/api/v1/rounds/{rid}/dossiers/{did}")))
                .header("x-csrf-token", &pcsrf)
                .send()
                .await
                .unwrap()
                .status(),
            204
        );

        // Independent scoring: a non-member cannot score; a member sees others' sheets only after submitting.
        let (outsider, oc) = app.api_client("commune").await;
        assert_eq!(
            score(&outsider, &oc, json!(["A.1.a.3"]))
                .await
                .unwrap()
                .status(),
            403
        );
        let high = json!(["A.1.a.3", "A.1.b.3", "B.4.a.3", "C.6.a.3"]);
        let (tv2, c2) = app.api_client("tv2").await;
        assert_eq!(score(&tv2, &c2, high.clone()).await.unwrap().status(), 201);
        let before: Value = tv1
            .get(app.url(&format!("/api/v1/dossiers/{did}/score-sheets")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            before["sheets"].is_null() && before["own"].is_null(),
            "tv1 sees nothing before submitting: {before}"
        );
        assert_eq!(score(&tv1, &c1, high.clone()).await.unwrap().status(), 201);
        assert_eq!(
            score(&tv1, &c1, high.clone()).await.unwrap().status(),
            409,
            "a submitted sheet is locked"
        );
        let after: Value = tv1
            .get(app.url(&format!("/api/v1/dossiers/{did}/score-sheets")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(after["sheets"].as_array().unwrap().len(), 2);
        // A member's sheet as a PDF: its author and the office; not a member
        // who has not submitted yet.
        let tv1_id = after["own"]["member_id"].as_i64().unwrap();
        let sheet_pdf = format!("/ho-so/{did}/phieu/{tv1_id}.pdf");
        let r = tv1.get(app.url(&sheet_pdf)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{}", app.label);
        assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
        assert_eq!(
            prov.get(app.url(&sheet_pdf)).send().await.unwrap().status(),
            200
        );
        let (tv3_early, _) = app.api_client("tv3").await;
        assert_eq!(
            tv3_early
                .get(app.url(&sheet_pdf))
                .send()
                .await
                .unwrap()
                .status(),
            404,
            "{}",
            app.label
        );
        // Closing needs every member's sheet.
        let r = prov
            .post(app.url(&format!("/api/v1/dossiers/{did}/close-scoring")))
            .header("x-csrf-token", &pcsrf)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409);
        assert!(r.json::<Value>().await.unwrap()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2/3"));
        // A far lower third sheet: the spread exceeds 10 points, discussion required.
        let (tv3, c3) = app.api_client("tv3").await;
        assert_eq!(
            score(&tv3, &c3, json!(["A.1.a.1"])).await.unwrap().status(),
            201
        );
        let view: Value = prov
            .get(app.url(&format!("/api/v1/dossiers/{did}/score-sheets")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(view["result"]["needs_discussion"], true, "{view}");
        let r = prov
            .post(app.url(&format!("/api/v1/dossiers/{did}/close-scoring")))
            .header("x-csrf-token", &pcsrf)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409);
        assert!(r.json::<Value>().await.unwrap()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("thảo luận"));
        // After discussion the office reopens the sheets (with its reason);
        // the members score again and scoring closes with the new average.
        let reopen = |c: &reqwest::Client, csrf: &str, reason: &str| {
            c.post(app.url(&format!("/api/v1/dossiers/{did}/reopen-scoring")))
                .header("x-csrf-token", csrf)
                .json(&json!({"reason": reason}))
                .send()
        };
        assert_eq!(
            reopen(&tv1, &c1, "chấm lại").await.unwrap().status(),
            403,
            "{}: members do not reopen",
            app.label
        );
        assert_eq!(
            reopen(&prov, &pcsrf, " ").await.unwrap().status(),
            422,
            "{}: a reason is required",
            app.label
        );
        let r = reopen(&prov, &pcsrf, "Hội đồng thảo luận tiêu chí A.1, chấm lại")
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", app.label);
        assert_eq!(r.json::<Value>().await.unwrap()["reopened"], 3);
        let none: Value = prov
            .get(app.url(&format!("/api/v1/dossiers/{did}/score-sheets")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            none["sheets"].as_array().unwrap().len(),
            0,
            "{}: {none}",
            app.label
        );
        // The reopened sheets are kept in the audit log, with the reason.
        let trail = app
            .store
            .history("dossier", &did.to_string())
            .await
            .unwrap();
        let kept = trail.iter().find(|h| h.after.contains("reopened")).unwrap();
        assert!(
            kept.before.contains("\"total\"") && kept.after.contains("chấm lại"),
            "{}",
            app.label
        );
        // tv3 declares a conflict of interest and is recused from this dossier.
        let conflict = |c: &reqwest::Client, csrf: &str| {
            c.post(app.url(&format!("/api/v1/dossiers/{did}/conflict")))
                .header("x-csrf-token", csrf)
                .json(&json!({"reason": "Người thân làm việc tại chủ thể"}))
                .send()
        };
        assert_eq!(
            conflict(&tv3, &c3).await.unwrap().status(),
            204,
            "{}",
            app.label
        );
        assert_eq!(
            conflict(&tv3, &c3).await.unwrap().status(),
            409,
            "{}: once",
            app.label
        );
        assert_eq!(
            conflict(&outsider, &oc).await.unwrap().status(),
            403,
            "{}: members only",
            app.label
        );
        assert_eq!(
            score(&tv3, &c3, high.clone()).await.unwrap().status(),
            409,
            "{}: recused",
            app.label
        );
        for (c, csrf) in [(&tv1, &c1), (&tv2, &c2)] {
            assert_eq!(
                score(c, csrf, high.clone()).await.unwrap().status(),
                201,
                "{}",
                app.label
            );
        }
        // Two sheets of three members: below the round's quorum (75%).
        let r = prov
            .post(app.url(&format!("/api/v1/dossiers/{did}/close-scoring")))
            .header("x-csrf-token", &pcsrf)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409, "{}", app.label);
        assert!(r.json::<Value>().await.unwrap()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cần tối thiểu 3 (1 thành viên khai xung đột lợi ích)"));
        // The office adds a member, who scores: three sheets of four, one recused.
        let r = prov
            .post(app.url(&format!("/api/v1/rounds/{rid}/members")))
            .header("x-csrf-token", &pcsrf)
            .json(&json!({"username": "tv4", "chair": false}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", app.label);
        let (tv4, c4) = app.api_client("tv4").await;
        assert_eq!(
            score(&tv4, &c4, high.clone()).await.unwrap().status(),
            201,
            "{}",
            app.label
        );
        let view: Value = prov
            .get(app.url(&format!("/api/v1/dossiers/{did}/score-sheets")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(view["result"]["needs_discussion"], false, "{view}");
        let sheets = view["sheets"].as_array().unwrap();
        let totals: Vec<f64> = sheets
            .iter()
            .map(|s| s["total"].as_f64().unwrap())
            .collect();
        let expected = ((totals.iter().sum::<f64>() / 3.0) * 100.0).round() / 100.0;
        let r = prov
            .post(app.url(&format!("/api/v1/dossiers/{did}/close-scoring")))
            .header("x-csrf-token", &pcsrf)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let body = r.text().await.unwrap();
        assert_eq!(status, 200, "{}: {body}", app.label);
        let d: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(d["status"], "scored");
        assert!((d["council_total"].as_f64().unwrap() - expected).abs() < 1e-9);
        assert_eq!(d["council_rank"], 1);
        // The minutes and the results workbook, for the office and the council only.
        let xlsx = prov
            .get(app.url(&format!("/dot-danh-gia/{rid}/ket-qua.xlsx")))
            .send()
            .await
            .unwrap();
        assert_eq!(xlsx.status(), 200, "{}", app.label);
        let mut wb: calamine::Xlsx<_> =
            calamine::Reader::new(std::io::Cursor::new(xlsx.bytes().await.unwrap().to_vec()))
                .unwrap();
        let results = calamine::Reader::worksheet_range(&mut wb, "Kết quả").unwrap();
        let row: Vec<String> = results
            .rows()
            .nth(3)
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(
            row[0],
            p["code"].as_str().unwrap(),
            "{}: {row:?}",
            app.label
        );
        assert_eq!(row[1], "Nước mắm Cửa Khẩu", "{}: {row:?}", app.label);
        assert_eq!(
            row[5], "3/4 (1 khai xung đột lợi ích)",
            "{}: {row:?}",
            app.label
        );
        assert!(
            (row[7].parse::<f64>().unwrap() - expected).abs() < 1e-9,
            "{}: {row:?}",
            app.label
        );
        assert_eq!(row[9], "1", "{}: {row:?}", app.label);
        let pdf = tv1
            .get(app.url(&format!("/dot-danh-gia/{rid}/ket-qua.pdf")))
            .send()
            .await
            .unwrap();
        assert_eq!(
            pdf.status(),
            200,
            "{}: a member reads the minutes",
            app.label
        );
        assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
        let r = outsider
            .get(app.url(&format!("/dot-danh-gia/{rid}/ket-qua.pdf")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{}", app.label);
        // The decision: below 3★ nothing is recognised; the commune cannot decide.
        let decision = json!({"decision_number": "77/QĐ-UBND", "signed_on": "22/11/2026", "signer": "Chủ tịch UBND", "issuer": "UBND Thành phố Hà Nội"});
        let r = com
            .post(app.url(&format!("/api/v1/dossiers/{did}/decision")))
            .header("x-csrf-token", &ccsrf)
            .json(&decision)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let r = prov
            .post(app.url(&format!("/api/v1/dossiers/{did}/decision")))
            .header("x-csrf-token", &pcsrf)
            .json(&json!({"decision_number": ""}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let r = prov
            .post(app.url(&format!("/api/v1/dossiers/{did}/decision")))
            .header("x-csrf-token", &pcsrf)
            .json(&decision)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.json::<Value>().await.unwrap()["status"], "not_recognized");
        let v: Value = client()
            .get(app.url(&format!(
                "/api/v1/verify?code={}",
                p["code"].as_str().unwrap()
            )))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v["status"], "not_certified");

        // A second product scored at the top of the sheet by all three: recognised, certificate issued.
        let sheet = ocop_domain::criteria::version("qd26-2026")
            .unwrap()
            .sheet("09")
            .unwrap();
        fn best(nodes: &[ocop_domain::criteria::TreeNode], out: &mut Vec<String>) {
            for n in nodes {
                let options: Vec<&ocop_domain::criteria::TreeNode> = n
                    .children
                    .iter()
                    .filter(|c| {
                        c.kind == ocop_domain::criteria::NodeKind::Option && c.points.is_some()
                    })
                    .collect();
                if let Some(o) = options.iter().max_by_key(|o| o.points) {
                    out.push(o.id.clone());
                }
                best(&n.children, out);
            }
        }
        let mut top = Vec::new();
        best(&sheet.tree(), &mut top);
        // One 5★ minimum met only at the 4★ level: the council's rank is 4 whatever the total.
        fn leaves(
            nodes: &[ocop_domain::criteria::TreeNode],
            out: &mut Vec<ocop_domain::criteria::TreeNode>,
        ) {
            for n in nodes {
                if n.children
                    .iter()
                    .any(|c| c.kind == ocop_domain::criteria::NodeKind::Option)
                {
                    out.push(n.clone());
                }
                leaves(&n.children, out);
            }
        }
        let mut all_leaves = Vec::new();
        leaves(&sheet.tree(), &mut all_leaves);
        let (five, four) = all_leaves
            .iter()
            .find_map(|l| {
                let five = l.children.iter().find(|o| o.min_star == Some(5))?;
                let four = l.children.iter().find(|o| o.min_star == Some(4))?;
                Some((five.id.clone(), four.id.clone()))
            })
            .expect("sheet 09 has a criterion with 4★ and 5★ marks");
        let top: Vec<String> = top
            .into_iter()
            .map(|o| if o == five { four.clone() } else { o })
            .collect();
        let p2: Value = admin
            .post(app.url(&format!("/api/v1/producers/{}/products", f.producer_a)))
            .header("x-csrf-token", &acsrf)
            .json(&json!({"name": "Nước mắm Cửa Khẩu thượng hạng", "set_code": "09"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let d2: Value = admin
            .post(app.url(&format!("/api/v1/products/{}/dossiers", p2["id"])))
            .header("x-csrf-token", &acsrf)
            .json(&common::registered(
                json!({"kind": "first", "options": top}),
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let did2 = d2["id"].as_i64().unwrap();
        assert_eq!(
            com.post(app.url(&format!("/api/v1/dossiers/{did2}/forward")))
                .header("x-csrf-token", &ccsrf)
                .json(&review)
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        assert_eq!(
            prov.post(app.url(&format!("/api/v1/rounds/{rid}/dossiers/{did2}")))
                .header("x-csrf-token", &pcsrf)
                .send()
                .await
                .unwrap()
                .status(),
            204
        );
        let score2 = |client: &reqwest::Client, csrf: &str| {
            client
                .post(app.url(&format!("/api/v1/dossiers/{did2}/score-sheets")))
                .header("x-csrf-token", csrf)
                .json(&json!({"options": top}))
                .send()
        };
        for (client, csrf) in [(&tv2, &c2), (&tv3, &c3), (&tv4, &c4)] {
            assert_eq!(score2(client, csrf).await.unwrap().status(), 201);
        }
        // Three of four make the quorum, but not without the chair (tv1).
        let r = prov
            .post(app.url(&format!("/api/v1/dossiers/{did2}/close-scoring")))
            .header("x-csrf-token", &pcsrf)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409, "{}", app.label);
        assert!(r.json::<Value>().await.unwrap()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Chủ tịch hội đồng chưa nộp phiếu"));
        assert_eq!(score2(&tv1, &c1).await.unwrap().status(), 201);
        let r = prov
            .post(app.url(&format!("/api/v1/dossiers/{did2}/close-scoring")))
            .header("x-csrf-token", &pcsrf)
            .send()
            .await
            .unwrap();
        let closed: Value = r.json().await.unwrap();
        let rank = closed["council_rank"].as_i64().unwrap();
        assert_eq!(rank, 4, "{closed}");
        let r = prov
            .post(app.url(&format!("/api/v1/dossiers/{did2}/decision")))
            .header("x-csrf-token", &pcsrf)
            .json(&decision)
            .send()
            .await
            .unwrap();
        let decided: Value = r.json().await.unwrap();
        assert_eq!(decided["status"], "recognized", "{decided}");
        let v: Value = client()
            .get(app.url(&format!(
                "/api/v1/verify?code={}",
                p2["code"].as_str().unwrap()
            )))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            v["status"], "valid",
            "the certificate issued by the decision is live at once"
        );
        assert_eq!(v["certificate"]["stars"], 4);
        assert_eq!(v["certificate"]["source"], "decision");
        assert_eq!(v["certificate"]["decision_number"], "77/QĐ-UBND");
        assert_eq!(v["certificate"]["expires_on"], "2029-11-22");
        // Pages render for the office and the members.
        let (b, _) = app.browser("tv1").await;
        let r = b
            .get(app.url(&format!("/dot-danh-gia/{rid}")))
            .send()
            .await
            .unwrap();
        let status = r.status();
        let page = r.text().await.unwrap();
        assert!(
            page.contains("Đợt 1 năm 2027")
                && page.contains("Chủ tịch hội đồng — UBND Thành phố Hà Nội")
                && page.contains("Thành viên — Sở Công Thương")
                && page.contains("Thành viên mời — Hiệp hội Làng nghề Việt Nam"),
            "{status} {}",
            &page[page.len().saturating_sub(1500)..]
        );
        let page = b
            .get(app.url(&format!("/ho-so/{did}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Hội đồng đánh giá"));
        let (pb, _) = app.browser("province").await;
        assert_eq!(
            pb.get(app.url("/dot-danh-gia"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        assert!(app.store.verify_audit().await.unwrap().faults.is_empty());
    }
}

#[tokio::test]
async fn open_statistics_and_map() {
    for app in apps().await {
        let f = app.fixture().await;
        let (c, csrf) = app.api_client("admin").await;
        let admin = (c, csrf);
        for (pid, name, stars, issued) in [
            (f.producer_a, "Chè A", "3", "01/06/2025"),
            (f.producer_b, "Chè B", "4", "01/06/2024"),
            (f.producer_b, "Chè C", "4", "01/01/2023"),
            (f.producer_a, "Chè D", "5", "15/03/2025"),
        ] {
            app.api_product(&admin, pid, name, "11", Some((stars, issued)))
                .await;
        }
        let s: Value = client()
            .get(app.url("/api/v1/statistics"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            s["total"], 3,
            "{}: the 2023 certificate has expired",
            app.label
        );
        assert_eq!(s["facets"]["stars"], json!({"3": 1, "4": 1, "5": 1}));
        assert_eq!(
            s["certificates_by_year"],
            json!([["2023", 1], ["2024", 1], ["2025", 2]])
        );
        assert_eq!(
            s["certificates_by_year_and_stars"],
            json!([
                {"year": "2023", "stars": {"4": 1}, "total": 1},
                {"year": "2024", "stars": {"4": 1}, "total": 1},
                {"year": "2025", "stars": {"3": 1, "5": 1}, "total": 2},
            ]),
            "{}",
            app.label
        );
        // The figures are cached per catalog generation: a new certificate
        // shows at once.
        app.api_product(
            &admin,
            f.producer_a,
            "Chè E",
            "11",
            Some(("4", "01/02/2026")),
        )
        .await;
        let s: Value = client()
            .get(app.url("/api/v1/statistics"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(s["total"], 4, "{}: not a stale cached answer", app.label);
        let page = client()
            .get(app.url("/thong-ke"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Quần đảo Hoàng Sa") && page.contains("Quần đảo Trường Sa"));
        assert_eq!(page.matches("<path ").count(), 34);
        assert!(
            page.contains(&format!("href=\"/danh-muc?tinh={}\"", f.province_b))
                || page.contains(&format!("href=\"&#x2f;danh-muc?tinh={}\"", f.province_b))
        );
        // The visitors' page is rendered once per figures; a new certificate
        // renders it anew, and a logged-in viewer gets their own header.
        let again = client().get(app.url("/thong-ke")).send().await.unwrap();
        assert_eq!(again.text().await.unwrap(), page, "{}", app.label);
        app.api_product(
            &admin,
            f.producer_b,
            "Chè F",
            "11",
            Some(("3", "01/03/2026")),
        )
        .await;
        let after = client()
            .get(app.url("/thong-ke"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_ne!(after, page, "{}: a stale rendered page", app.label);
        assert!(after.contains(">5<"), "{}: five products now", app.label);
        let (browser, _) = app.browser("province").await;
        let own = app.page(&browser, "/thong-ke").await;
        assert!(
            own.contains("Đăng xuất") && !after.contains("Đăng xuất"),
            "{}",
            app.label
        );
    }
}

/// Points of sale: registration and approval by the province, listings that
/// require a valid certificate and are suspended the moment it is revoked,
/// the operator confined to its own point, the public directory and "where to buy".
#[tokio::test]
async fn points_of_sale_and_listings() {
    for app in apps().await {
        let f = app.fixture().await;
        let admin = app.api_client("admin").await;
        let mut codes = Vec::new();
        for (name, cert) in [
            ("Nước mắm bày bán", Some(("4", "01/06/2025"))),
            ("Nước mắm hết hạn", Some(("4", "01/01/2023"))),
            ("Nước mắm chưa chứng nhận", None),
        ] {
            let p = app
                .api_product(&admin, f.producer_a, name, "09", cert)
                .await;
            codes.push((p.id, p.code));
        }
        let (prov, pcsrf) = app.api_client("province").await;
        let body = json!({"name": "Điểm OCOP Ga Hà Nội", "operator": "Công ty Thương mại ga", "address": "120 Lê Duẩn",
            "commune_code": f.commune_a, "location_type": "transport_hub", "lat": 21.02, "lon": 105.84});
        let r = prov
            .post(app.url("/api/v1/points-of-sale"))
            .header("x-csrf-token", &pcsrf)
            .json(&json!({"name": ""}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let mut other = body.clone();
        other["commune_code"] = json!(f.commune_b);
        let r = prov
            .post(app.url("/api/v1/points-of-sale"))
            .header("x-csrf-token", &pcsrf)
            .json(&other)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{}: another province", app.label);
        let r = prov
            .post(app.url("/api/v1/points-of-sale"))
            .header("x-csrf-token", &pcsrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let pos = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        let status = |s: &str| {
            prov.post(app.url(&format!("/api/v1/points-of-sale/{pos}/status")))
                .header("x-csrf-token", &pcsrf)
                .json(&json!({"status": s}))
                .send()
        };
        assert_eq!(
            status("active").await.unwrap().status(),
            409,
            "approval comes first"
        );
        app.give_pos_evidence(&(prov.clone(), pcsrf.clone()), pos)
            .await;
        assert_eq!(status("approved").await.unwrap().status(), 204);
        assert_eq!(status("active").await.unwrap().status(), 204);
        // The operator account lists products at its own point only.
        let op = app
            .store
            .create_user(
                &ocop_domain::auth::Capability::system(ocop_domain::auth::Action::CreateUser),
                "diemban",
                "Người vận hành",
                None,
                PASSWORD,
            )
            .await
            .unwrap();
        app.store
            .grant_role(
                &ocop_domain::auth::Capability::system(ocop_domain::auth::Action::GrantRole),
                op,
                &ocop_domain::auth::Role::PointOfSale { pos_id: pos },
            )
            .await
            .unwrap();
        let (oc, ocsrf) = app.api_client("diemban").await;
        let list = |code: &str| {
            oc.post(app.url(&format!("/api/v1/points-of-sale/{pos}/listings")))
                .header("x-csrf-token", &ocsrf)
                .json(&json!({"product_code": code}))
                .send()
        };
        assert_eq!(list(&codes[0].1).await.unwrap().status(), 204);
        assert_eq!(
            list(&codes[0].1).await.unwrap().status(),
            409,
            "listed once"
        );
        assert_eq!(
            list(&codes[1].1).await.unwrap().status(),
            409,
            "expired certificate"
        );
        assert_eq!(
            list(&codes[2].1).await.unwrap().status(),
            409,
            "no certificate"
        );
        let r = prov
            .post(app.url("/api/v1/points-of-sale"))
            .header("x-csrf-token", &pcsrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        let pos2 = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        let r = oc
            .post(app.url(&format!("/api/v1/points-of-sale/{pos2}/listings")))
            .header("x-csrf-token", &ocsrf)
            .json(&json!({"product_code": codes[0].1}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "not its point");
        // Public: the directory shows active points; the product page says where to buy.
        let dir: Value = client()
            .get(app.url("/api/v1/points-of-sale?province=01"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(dir["total"], 1, "only the active point: {dir}");
        assert_eq!(dir["items"].as_array().unwrap().len(), 1, "{dir}");
        assert_eq!((&dir["page"], &dir["per_page"]), (&json!(1), &json!(50)));
        let r = client()
            .get(app.url("/api/v1/points-of-sale?per_page=500"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "per_page is at most 200");
        let page = client()
            .get(app.url("/noi-ban?tinh=01"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Điểm OCOP Ga Hà Nội"));
        // On the map at its coordinates, and counted in the network's statistics.
        assert_eq!(
            page.matches("class=\"map-point\"").count(),
            1,
            "{}",
            app.label
        );
        assert!(
            page.contains(&format!("href=\"#diem-{pos}\"")),
            "{}",
            app.label
        );
        let net: Value = client()
            .get(app.url("/api/v1/points-of-sale/statistics"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let hn = net
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["province_code"] == "01")
            .unwrap();
        assert_eq!(hn["active"], 1, "{}: {net}", app.label);
        assert!(hn["points"].as_i64().unwrap() >= 2, "{}: {net}", app.label);
        assert_eq!(hn["live_listings"], 1, "{}: {net}", app.label);
        let base = app.base.clone();
        let product_page = |code: String| {
            let base = base.clone();
            async move {
                let r = client()
                    .get(format!("{base}/san-pham-ocop/{code}"))
                    .send()
                    .await
                    .unwrap();
                let loc = r.headers()["location"].to_str().unwrap().to_string();
                client()
                    .get(format!("{base}{loc}"))
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap()
            }
        };
        assert!(product_page(codes[0].1.clone()).await.contains("Nơi mua"));
        // Revoking the certificate suspends the listing at once.
        let v: Value = client()
            .get(app.url(&format!("/api/v1/verify?code={}", codes[0].1)))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let cert = v["certificate"]["id"].as_i64().unwrap();
        let r = prov
            .post(app.url(&format!("/api/v1/certificates/{cert}/revoke")))
            .header("x-csrf-token", &pcsrf)
            .json(&json!({"ground": "legal_violation", "detail": "QĐ 9/QĐ-UBND"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let detail: Value = client()
            .get(app.url(&format!("/api/v1/points-of-sale/{pos}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(detail["listings"][0]["active"], false, "{detail}");
        let page = product_page(codes[0].1.clone()).await;
        assert!(!page.contains("Nơi mua"));
        let net: Value = client()
            .get(app.url("/api/v1/points-of-sale/statistics"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            net[0]["live_listings"], 0,
            "{}: revoked, no longer counted",
            app.label
        );
        // The pages render for the office and the operator.
        let (b, _) = app.browser("province").await;
        let page = b
            .get(app.url(&format!("/diem-ban/{pos}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        // Its status history, in words.
        assert!(
            page.contains("Lịch sử trạng thái")
                && page.contains("Đã được Sở Công Thương chấp thuận"),
            "{}",
            app.label
        );
        let (ob, _) = app.browser("diemban").await;
        let page = ob
            .get(app.url("/diem-ban"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Điểm OCOP Ga Hà Nội"));
        // The operator is told on its dashboard, with the reason.
        let home = ob
            .get(app.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            home.contains("Sản phẩm tạm dừng bày bán (1)") && home.contains("bị thu hồi ngày 22"),
            "{}",
            app.label
        );
        // Other categories of Decision 950: recorded by the province, they
        // make a product without an OCOP certificate listable while they last.
        let designate = |c: &reqwest::Client, csrf: &str, body: Value| {
            c.post(app.url(&format!("/api/v1/products/{}/designations", codes[2].0)))
                .header("x-csrf-token", csrf)
                .json(&body)
                .send()
        };
        let (com, ccsrf) = app.api_client("commune").await;
        let speciality = json!({"kind": "local_speciality", "decision_number": "12/QĐ-UBND", "recognized_on": "01/03/2024"});
        assert_eq!(
            designate(&com, &ccsrf, speciality.clone())
                .await
                .unwrap()
                .status(),
            403
        );
        let r = designate(&prov, &pcsrf, json!({"kind": "famous"}))
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let mut lapsed = speciality.clone();
        lapsed["kind"] = json!("provincial_key");
        lapsed["valid_until"] = json!("01/01/2026");
        assert_eq!(
            designate(&prov, &pcsrf, lapsed).await.unwrap().status(),
            204
        );
        assert_eq!(
            list(&codes[2].1).await.unwrap().status(),
            409,
            "{}: lapsed recognition",
            app.label
        );
        assert_eq!(
            designate(&prov, &pcsrf, speciality).await.unwrap().status(),
            204
        );
        assert_eq!(
            list(&codes[2].1).await.unwrap().status(),
            204,
            "{}: a local speciality",
            app.label
        );
        let detail: Value = client()
            .get(app.url(&format!("/api/v1/points-of-sale/{pos}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let listed = detail["listings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["product_id"] == codes[2].0)
            .unwrap();
        assert_eq!(listed["active"], true, "{}: {detail}", app.label);
        let kinds = app
            .get_json(&format!("/api/v1/products/{}/designations", codes[2].0))
            .await;
        assert_eq!(kinds.as_array().unwrap().len(), 2, "{}", app.label);
        assert!(app.store.verify_audit().await.unwrap().faults.is_empty());
    }
}

/// Open data: the catalog as CSV, XLSX and JSON at stable URLs, every
/// certified product with its status on the day, and the schema page.
#[tokio::test]
async fn open_data_downloads() {
    for app in apps().await {
        let f = app.fixture().await;
        let admin = app.api_client("admin").await;
        app.api_product(
            &admin,
            f.producer_a,
            "Ổi Đông Dư",
            "01",
            Some(("3", "01/06/2025")),
        )
        .await;
        app.api_product(
            &admin,
            f.producer_b,
            "Bánh cốm",
            "06",
            Some(("4", "01/01/2023")),
        )
        .await;
        app.api_product(&admin, f.producer_b, "Chưa chứng nhận", "01", None)
            .await;
        let get = |path: &'static str| {
            let url = app.url(path);
            async move { client().get(url).send().await.unwrap() }
        };
        let csv = get("/du-lieu-mo/san-pham-ocop.csv").await;
        assert_eq!(csv.status(), 200);
        assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
        let text = csv.text().await.unwrap();
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
        assert!(lines[0].starts_with("code,name,gtin,set_code,group_code,producer"));
        assert_eq!(
            lines.len(),
            3,
            "{}: header + two certified products",
            app.label
        );
        assert!(
            lines[1].contains("Bánh cốm") && lines[1].contains(",expired,"),
            "{}",
            lines[1]
        );
        assert!(
            lines[2].contains("Ổi Đông Dư") && lines[2].contains(",valid,"),
            "{}",
            lines[2]
        );
        let xlsx = get("/du-lieu-mo/san-pham-ocop.xlsx")
            .await
            .bytes()
            .await
            .unwrap();
        let rows = ocop_docs::read(
            &xlsx,
            ocop_docs::Format::Xlsx,
            ocop_docs::columns::OPEN_DATA_COLUMNS,
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].get("stars"), "3");
        let json: Value = get("/du-lieu-mo/san-pham-ocop.json")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(json["count"], 2);
        assert_eq!(json["items"][0]["status"], "expired");
        assert_eq!(json["items"][0]["group_code"], "I");
        assert_eq!(json["items"][0]["revoked_on"], Value::Null);
        assert!(json["items"][1]["url"]
            .as_str()
            .unwrap()
            .contains("/san-pham-ocop/"));
        assert_eq!(get("/du-lieu-mo/khac.csv").await.status(), 404);
        assert_eq!(get("/du-lieu-mo/san-pham-ocop.exe").await.status(), 404);
        let page = get("/du-lieu-mo").await.text().await.unwrap();
        for c in ocop_docs::columns::OPEN_DATA_COLUMNS {
            assert!(page.contains(c.code), "the page documents {}", c.code);
        }
    }
}

/// Caching of pages: public with an ETag (and 304) for visitors, private
/// for a logged-in user whose name the page shows, never with a cookie.
#[tokio::test]
async fn pages_cache_for_visitors_only() {
    let app = common::spawn(ocop_store::testing::sqlite().await).await;
    app.fixture().await;
    for path in [
        "/",
        "/danh-muc",
        "/thong-ke",
        "/xac-minh",
        "/du-lieu-mo",
        "/tieu-chi",
    ] {
        let r = client().get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["cache-control"], "public, max-age=60", "{path}");
        assert_eq!(r.headers()["vary"], "Cookie", "{path}");
        let etag = r.headers()["etag"].to_str().unwrap().to_string();
        let again = client()
            .get(app.url(path))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
        assert!(again.bytes().await.unwrap().is_empty());
    }
    let (user, _) = app.browser("province").await;
    let r = user.get(app.url("/danh-muc")).send().await.unwrap();
    assert_eq!(r.headers()["cache-control"], "private, no-cache");
    assert!(r.text().await.unwrap().contains("Người dùng province"));
    // The login form sets its CSRF cookie: not cacheable.
    let r = client().get(app.url("/dang-nhap")).send().await.unwrap();
    assert!(r.headers().get("set-cookie").is_some());
    assert!(r
        .headers()
        .get("cache-control")
        .is_none_or(|v| v != "public, max-age=60"));
}

/// Public answers every visitor gets alike are worked out once and then
/// served from the server's cache, until anything they could depend on
/// changes: a write (here a revocation), the day. A request with a cookie
/// is never served from it, and a GS1 linkset is never mixed up with the
/// redirect at the same address.
#[tokio::test]
async fn public_answers_are_cached_until_a_write() {
    for app in apps().await {
        let f = app.fixture().await;
        let admin = app.api_client("admin").await;
        let p = app
            .api_product(
                &admin,
                f.producer_a,
                "Mắm tôm Ba Làng",
                "01",
                Some(("4", "01/06/2025")),
            )
            .await;
        let verify = format!("/api/v1/verify?code={}", p.code);
        let page = format!("/xac-minh/{}", p.code);
        let fetch = |path: String| {
            let url = app.url(&path);
            async move {
                let r = client().get(url).send().await.unwrap();
                let cache = r
                    .headers()
                    .get("x-ocop-cache")
                    .map(|v| v.to_str().unwrap().to_string());
                let etag = r.headers().get("etag").cloned();
                (cache, etag, r.text().await.unwrap())
            }
        };
        let status = |body: &str| serde_json::from_str::<Value>(body).unwrap()["status"].clone();
        let (first, _, html) = fetch(page.clone()).await;
        assert_eq!(first.as_deref(), Some("miss"), "{}", app.label);
        assert!(html.contains("Mắm tôm Ba Làng"), "{}", app.label);
        let (again, etag, same) = fetch(page.clone()).await;
        assert_eq!(again.as_deref(), Some("hit"), "{}", app.label);
        assert_eq!(same, html, "{}", app.label);
        // The client's validator is answered from the cache too.
        let r = client()
            .get(app.url(&page))
            .header("if-none-match", etag.unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 304, "{}", app.label);
        assert_eq!(r.headers()["x-ocop-cache"], "hit", "{}", app.label);
        let (_, _, body) = fetch(verify.clone()).await;
        assert_eq!(status(&body), "valid", "{}", app.label);
        // A request with a cookie is answered afresh.
        let r = client()
            .get(app.url(&verify))
            .header("cookie", "ocop_csrf=abc")
            .send()
            .await
            .unwrap();
        assert!(r.headers().get("x-ocop-cache").is_none(), "{}", app.label);

        // A write retires every kept answer: the revocation shows at once.
        let (c, csrf) = &admin;
        let r = c
            .post(app.url(&format!(
                "/api/v1/certificates/{}/revoke",
                p.certificate.unwrap()
            )))
            .header("x-csrf-token", csrf)
            .json(&json!({"ground": "mark_misuse", "detail": "QĐ 78/QĐ-UBND"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", app.label);
        let (after, _, body) = fetch(verify.clone()).await;
        assert_eq!(after.as_deref(), Some("miss"), "{}", app.label);
        assert_eq!(status(&body), "revoked", "{}", app.label);
        let (_, _, html) = fetch(page.clone()).await;
        assert!(html.contains("thu hồi"), "{}: {html}", app.label);
        // So does a new day.
        fetch(verify.clone()).await;
        app.clock
            .set(chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        let (next_day, _, _) = fetch(verify.clone()).await;
        assert_eq!(next_day.as_deref(), Some("miss"), "{}", app.label);

        // The GS1 resolver: a page or a linkset at one address, by Accept;
        // the linkset's links are on the host asked.
        let r = c
            .post(app.url(&format!("/api/v1/producers/{}/products", f.producer_a)))
            .header("x-csrf-token", csrf)
            .json(&json!({"name": "Mắm tép", "set_code": "01", "gtin": "8934563138165"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", app.label);
        let no_redirect = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        for _ in 0..2 {
            let r = no_redirect
                .get(app.url("/01/08934563138165"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{}", app.label);
            assert!(r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"));
            for host in ["ocop.example.vn", "qr.example.vn"] {
                let r = no_redirect
                    .get(app.url("/01/08934563138165"))
                    .header("accept", "application/linkset+json")
                    .header("host", host)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200, "{}", app.label);
                assert_eq!(r.headers()["content-type"], "application/linkset+json");
                let ls: Value = r.json().await.unwrap();
                assert_eq!(
                    ls["linkset"][0]["anchor"],
                    format!("http://{host}/01/08934563138165"),
                    "{}",
                    app.label
                );
            }
        }
    }
}

/// The offices' list of points of sale and the public directory are paged:
/// at national size (20,000 points) neither renders them all, and the map
/// marks single points only for a province or a small network.
#[tokio::test]
async fn points_of_sale_are_paged() {
    for app in apps().await {
        let f = app.fixture().await;
        let cap =
            ocop_domain::auth::Capability::system(ocop_domain::auth::Action::ManagePointOfSale);
        for i in 0..110 {
            let input = ocop_domain::market::PointOfSaleInput {
                name: format!("Điểm OCOP số {i:03}"),
                operator: "HTX Dịch vụ".into(),
                phone: String::new(),
                address: format!("Số {i} phố Huế"),
                commune_code: f.commune_a.clone(),
                location_type: "transport_hub".into(),
                lat: Some(21.02),
                lon: Some(105.84),
                opened_on: "01/01/2026".into(),
            };
            let data = input.validate(ocop_domain::admin_units::units()).unwrap();
            app.store.create_point_of_sale(&cap, &data).await.unwrap();
        }
        let (c, _) = app.browser("admin").await;
        let first = app.page(&c, "/diem-ban").await;
        assert!(
            first.contains("110 điểm bán · trang 1 / 2"),
            "{}",
            app.label
        );
        assert!(first.contains("Điểm OCOP số 099") && !first.contains("Điểm OCOP số 100"));
        let second = app.page(&c, "/diem-ban?trang=2").await;
        assert!(second.contains("Điểm OCOP số 100") && !second.contains("Điểm OCOP số 099"));
        // Past the last page: the last page.
        let past = app.page(&c, "/diem-ban?trang=99").await;
        assert!(past.contains("trang 2 / 2"), "{}", app.label);
        // None is active yet: the public directory lists none.
        let dir = app.page(&client(), "/noi-ban").await;
        assert!(
            dir.contains("Chưa có điểm bán nào khớp bộ lọc."),
            "{}",
            app.label
        );
    }
}
