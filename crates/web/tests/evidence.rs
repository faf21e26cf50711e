//! Evidence files of a self-assessment, through the API and the pages, on
//! both backends: checked from their bytes, attached to a criterion of the
//! dossier's sheet, stored once by content hash outside the database,
//! served only to those who may read the dossier, never as a page.

mod common;

use common::{apps, fields, get, post, App, Client};
use ocop_store::testing::files_under;
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

const PDF: &[u8] = b"%PDF-1.4\n% minh chung\n";

async fn upload(
    app: &App,
    (c, csrf): &Client,
    dossier: i64,
    criterion: &str,
    name: &str,
    bytes: &[u8],
) -> (u16, Value) {
    let form = Form::new().text("criterion", criterion.to_string()).part(
        "file",
        Part::bytes(bytes.to_vec()).file_name(name.to_string()),
    );
    let r = c
        .post(app.url(&format!("/api/v1/dossiers/{dossier}/evidence")))
        .header("x-csrf-token", csrf)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn evidence_is_checked_stored_once_and_served_safely() {
    for app in apps().await {
        let f = app.fixture().await;
        let admin = app.api_client("admin").await;
        let producer = app.api_client("producer").await;
        let p = app
            .api_product(&admin, f.producer_a, "Nước mắm Vạn Phần", "09", None)
            .await;
        let (s, d) = post(
            &app,
            &producer,
            &format!("/api/v1/products/{}/dossiers", p.id),
            common::registered(json!({"kind": "first", "options": ["A.1.a.3"]})),
        )
        .await;
        assert_eq!(s, 201, "{}: {d}", app.label);
        let did = d["id"].as_i64().unwrap();

        // A PDF for a criterion, its name stripped of any path.
        let (s, e) = upload(
            &app,
            &producer,
            did,
            "A.1.a",
            "../../etc/Giấy kiểm nghiệm.pdf",
            PDF,
        )
        .await;
        assert_eq!(s, 201, "{}: {e}", app.label);
        assert_eq!(e["filename"], "Giấy kiểm nghiệm.pdf");
        assert_eq!(e["content_type"], "application/pdf");
        assert_eq!(e["criterion_id"], "A.1.a");
        // Bad input names its field; nothing is written.
        for (criterion, name, bytes, field) in [
            (
                "A.1.a",
                "trang.html",
                &b"<html><script>alert(1)</script>"[..],
                "file",
            ),
            ("A.1.a", "rong.pdf", &b""[..], "file"),
            ("Z.9", "x.pdf", PDF, "criterion"),
            ("A.1.a.3", "x.pdf", PDF, "criterion"),
        ] {
            let (s, r) = upload(&app, &producer, did, criterion, name, bytes).await;
            assert_eq!(
                (s, fields(&r)),
                (422, vec![field.to_string()]),
                "{}: {name}: {r}",
                app.label
            );
        }
        let big = [PDF, &vec![b'x'; 10 * 1024 * 1024][..]].concat();
        let (s, r) = upload(&app, &producer, did, "", "lon.pdf", &big).await;
        assert_eq!(
            (s, r["error"]["fields"][0]["code"].as_str()),
            (422, Some("too_large")),
            "{}",
            app.label
        );
        // The same content again (for the whole dossier): a second row, one file on disk.
        let (s, again) = upload(&app, &producer, did, "", "ban-sao.pdf", PDF).await;
        assert_eq!(s, 201, "{}: {again}", app.label);
        let stored = files_under(app.files.path());
        assert_eq!(stored.len(), 1, "{}: {stored:?}", app.label);
        assert!(stored[0].ends_with(e["sha256"].as_str().unwrap()));
        let (_, list) = get(&app, &producer, &format!("/api/v1/dossiers/{did}/evidence")).await;
        assert_eq!(list.as_array().unwrap().len(), 2, "{}: {list}", app.label);
        // Without the CSRF token, nothing.
        let r = producer
            .0
            .post(app.url(&format!("/api/v1/dossiers/{did}/evidence")))
            .multipart(Form::new().part("file", Part::bytes(PDF.to_vec()).file_name("x.pdf")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{}", app.label);

        // Served as an attachment of its own type, to whoever reads the dossier.
        let href = format!("/ho-so/{did}/minh-chung/{}", e["id"]);
        let (commune, _) = app.browser("commune").await;
        let r = commune.get(app.url(&href)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{}", app.label);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        assert!(r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment"));
        assert!(r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox"));
        assert_eq!(&r.bytes().await.unwrap()[..], PDF);
        let (buyer, _) = app.browser("buyer").await;
        assert_eq!(
            buyer.get(app.url(&href)).send().await.unwrap().status(),
            404,
            "{}",
            app.label
        );
        let buyer_api = app.api_client("buyer").await;
        let (s, _) = upload(&app, &buyer_api, did, "A.1.a", "x.pdf", PDF).await;
        assert_eq!(s, 404, "{}: a stranger does not see the dossier", app.label);

        // The page lists it, with the upload form.
        let (pc, _) = app.browser("producer").await;
        let page = app.page(&pc, &format!("/ho-so/{did}")).await;
        assert!(
            page.contains("Giấy kiểm nghiệm.pdf")
                && page.contains("enctype=\"multipart/form-data\""),
            "{}",
            app.label
        );
        assert!(
            page.contains("1 tài liệu minh chứng"),
            "{}: counted against its criterion",
            app.label
        );

        // Removable while the dossier is the producer's; once forwarded, only added to.
        let remove = |eid: &Value| {
            let (c, csrf) = &producer;
            c.delete(app.url(&format!("/api/v1/dossiers/{did}/evidence/{eid}")))
                .header("x-csrf-token", csrf)
                .send()
        };
        assert_eq!(
            remove(&again["id"]).await.unwrap().status(),
            204,
            "{}",
            app.label
        );
        let review = json!({"complete": true, "local_raw_materials": "a", "local_labour": "b", "idea_origin": "c", "local_identity": "d"});
        let commune_api = app.api_client("commune").await;
        let (s, _) = post(
            &app,
            &commune_api,
            &format!("/api/v1/dossiers/{did}/forward"),
            review,
        )
        .await;
        assert_eq!(s, 200, "{}", app.label);
        assert_eq!(
            remove(&e["id"]).await.unwrap().status(),
            409,
            "{}",
            app.label
        );
        let (s, _) = upload(&app, &producer, did, "A.1.a", "bo-sung.pdf", PDF).await;
        assert_eq!(
            s, 201,
            "{}: evidence may still be added for the province",
            app.label
        );
        // Every change is in the dossier's history.
        let trail = app
            .store
            .history("dossier", &did.to_string())
            .await
            .unwrap();
        assert!(
            trail.iter().any(|h| h.after.contains("evidence_removed")),
            "{}",
            app.label
        );
    }
}

#[tokio::test]
async fn a_point_of_sale_is_approved_on_its_criteria_evidence() {
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    for app in apps().await {
        let f = app.fixture().await;
        let office = app.api_client("province").await;
        let (s, p) = post(
            &app,
            &office,
            "/api/v1/points-of-sale",
            json!({"name": "Điểm OCOP Ga Hà Nội", "operator": "HTX Dịch vụ",
            "address": "120 Lê Duẩn", "commune_code": f.commune_a, "location_type": "market"}),
        )
        .await;
        assert_eq!(s, 201, "{}: {p}", app.label);
        let pos = p["id"].as_i64().unwrap();
        let approve = format!("/api/v1/points-of-sale/{pos}/status");
        let (s, r) = post(&app, &office, &approve, json!({"status": "approved"})).await;
        assert_eq!(
            (s, fields(&r)),
            (409, vec!["checklist".to_string()]),
            "{}: {r}",
            app.label
        );
        assert!(
            r["error"]["message"]
                .as_str()
                .unwrap()
                .contains("biển hiệu"),
            "{r}"
        );

        let add = |kind: &str, name: &str, bytes: &[u8]| {
            let (c, csrf) = &office;
            c.post(app.url(&format!("/api/v1/points-of-sale/{pos}/files")))
                .header("x-csrf-token", csrf)
                .multipart(Form::new().text("kind", kind.to_string()).part(
                    "file",
                    Part::bytes(bytes.to_vec()).file_name(name.to_string()),
                ))
                .send()
        };
        assert_eq!(
            add("photo", "x.pdf", PDF).await.unwrap().status(),
            422,
            "{}: a photo is an image",
            app.label
        );
        assert_eq!(
            add("roof", "x.pdf", PDF).await.unwrap().status(),
            422,
            "{}: unknown kind",
            app.label
        );
        let r = add("photo", "mat-tien.png", PNG).await.unwrap();
        assert_eq!(r.status(), 201, "{}", app.label);
        let photo: Value = r.json().await.unwrap();
        for kind in ["location", "products"] {
            assert_eq!(
                add(kind, "bien-ban.pdf", PDF).await.unwrap().status(),
                201,
                "{}",
                app.label
            );
        }
        let (s, _) = post(&app, &office, &approve, json!({"status": "approved"})).await;
        assert_eq!(s, 409, "{}: the signage still lacks evidence", app.label);
        let r = add("signage", "bien-hieu.png", PNG).await.unwrap();
        assert_eq!(r.status(), 201, "{}", app.label);
        let signage: Value = r.json().await.unwrap();
        let (s, r) = post(&app, &office, &approve, json!({"status": "approved"})).await;
        assert_eq!(s, 204, "{}: {r}", app.label);

        // The photo is public; the evidence is the managers' and operators'.
        let anon = common::client();
        let r = anon
            .get(app.url(&format!("/diem-ban/{pos}/tep/{}", photo["id"])))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", app.label);
        assert_eq!(r.headers()["content-type"], "image/png");
        let evidence = format!("/diem-ban/{pos}/tep/{}", signage["id"]);
        assert_eq!(
            anon.get(app.url(&evidence)).send().await.unwrap().status(),
            404,
            "{}",
            app.label
        );
        let (b, _) = app.browser("province").await;
        assert_eq!(
            b.get(app.url(&evidence)).send().await.unwrap().status(),
            200,
            "{}",
            app.label
        );
        let listed: Value = anon
            .get(app.url(&format!("/api/v1/points-of-sale/{pos}/files")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            listed.as_array().unwrap().len(),
            1,
            "{}: only the photo: {listed}",
            app.label
        );
        let (s, _) = post(&app, &office, &approve, json!({"status": "active"})).await;
        assert_eq!(s, 204, "{}", app.label);
        let directory = anon
            .get(app.url("/noi-ban"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            directory.contains(&format!(
                "diem-ban&#x2f;{pos}&#x2f;tep&#x2f;{}",
                photo["id"]
            )),
            "{}: the public directory shows the photo",
            app.label
        );
        let page = app.page(&b, &format!("/diem-ban/{pos}")).await;
        assert!(
            page.contains("Có minh chứng") && !page.contains("Chưa có minh chứng"),
            "{}",
            app.label
        );
    }
}
