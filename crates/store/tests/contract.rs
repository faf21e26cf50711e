//! The store contract: the same behaviour on SQLite and PostgreSQL.

use chrono::NaiveDate;
use ocop_domain::admin_units::units;
use ocop_domain::auth::{Action, Capability};
use ocop_domain::certificate::LegacyCertificateInput;
use ocop_domain::producer::ProducerInput;
use ocop_domain::product::ProductInput;
use ocop_store::registry::{ProducerFilter, ProductFilter};
use ocop_store::testing;
use ocop_store::StoreError;

fn producer_input(name: &str, reg: &str, commune: &str) -> ProducerInput {
    ProducerInput {
        name: name.into(),
        kind: "HTX".into(),
        registration_number: reg.into(),
        address: "Thôn 1".into(),
        commune_code: commune.into(),
        representative_name: "Nguyễn Thị Lan".into(),
        representative_gender: "Nữ".into(),
        representative_disability: "0".into(),
        ..Default::default()
    }
}

fn sys(a: Action) -> Capability {
    Capability::system(a)
}

#[tokio::test]
async fn migrations_and_reference_data() {
    for db in testing::all().await {
        let s = &db.store;
        assert_eq!(
            s.migrate().await.unwrap(),
            0,
            "{}: migrate is idempotent",
            db.label
        );
        assert!(s.seed_reference(units()).await.unwrap());
        assert!(!s.seed_reference(units()).await.unwrap());
        let (p, c, l) = s.reference_counts().await.unwrap();
        assert_eq!((p, c), (34, 3321), "{}", db.label);
        assert_eq!(l as usize, units().legacy_communes.len());
    }
}

#[tokio::test]
async fn producers_create_list_update_with_audit() {
    for db in testing::all().await {
        let s = &db.store;
        s.seed_reference(units()).await.unwrap();
        let commune = &units().communes[0].code;
        let a = producer_input("HTX Ánh Dương", "0100109106", commune)
            .validate(units())
            .unwrap();
        let b = producer_input("HTX Bình Minh", "0300588569", commune)
            .validate(units())
            .unwrap();
        let d = producer_input("Công ty Đại Phát", "01A8012345", commune)
            .validate(units())
            .unwrap();
        let id_b = s
            .create_producer(&sys(Action::CreateProducer), &b)
            .await
            .unwrap();
        let id_d = s
            .create_producer(&sys(Action::CreateProducer), &d)
            .await
            .unwrap();
        let id_a = s
            .create_producer(&sys(Action::CreateProducer), &a)
            .await
            .unwrap();

        // Vietnamese order: "Công…" < "HTX Ánh…" < "HTX Bình…", whatever the insertion order.
        let page = s
            .list_producers(&ProducerFilter {
                per_page: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        let ids: Vec<i64> = page.items.iter().map(|p| p.producer.id).collect();
        assert_eq!(ids, vec![id_d, id_a, id_b], "{}", db.label);
        assert_eq!(page.items[0].province_name, "Thành phố Hà Nội");

        // Accent-insensitive search on name, and on registration number.
        let found = s
            .list_producers(&ProducerFilter {
                q: Some("binh minh".into()),
                per_page: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(found.total, 1, "{}", db.label);
        let found = s
            .list_producers(&ProducerFilter {
                q: Some("01a80".into()),
                per_page: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(found.total, 1, "{}", db.label);

        // Duplicate registration number → conflict naming the field, nothing written.
        let dup = producer_input("Khác", "0100109106", commune)
            .validate(units())
            .unwrap();
        match s.create_producer(&sys(Action::CreateProducer), &dup).await {
            Err(StoreError::Conflict { field, .. }) => assert_eq!(field, "registration_number"),
            other => panic!("{}: expected conflict, got {other:?}", db.label),
        }
        assert_eq!(
            s.list_producers(&ProducerFilter {
                per_page: 10,
                ..Default::default()
            })
            .await
            .unwrap()
            .total,
            3
        );

        // Update with version check.
        let mut a2 = a.clone();
        a2.name = "HTX Ánh Dương Mới".into();
        s.update_producer(&sys(Action::EditProducer), id_a, &a2, Some(1))
            .await
            .unwrap();
        match s
            .update_producer(&sys(Action::EditProducer), id_a, &a2, Some(1))
            .await
        {
            Err(StoreError::Conflict { field, .. }) => assert_eq!(field, "version"),
            other => panic!("{}: expected version conflict, got {other:?}", db.label),
        }
        assert_eq!(s.producer(id_a).await.unwrap().name, "HTX Ánh Dương Mới");

        // Deactivate hides from default lists but keeps the record.
        s.set_producer_active(&sys(Action::DeactivateProducer), id_d, false)
            .await
            .unwrap();
        assert_eq!(
            s.list_producers(&ProducerFilter {
                per_page: 10,
                ..Default::default()
            })
            .await
            .unwrap()
            .total,
            2
        );
        assert_eq!(
            s.list_producers(&ProducerFilter {
                per_page: 10,
                include_inactive: true,
                ..Default::default()
            })
            .await
            .unwrap()
            .total,
            3
        );

        // A capability for another action is refused by the store.
        assert!(matches!(
            s.create_producer(&sys(Action::EditProducer), &dup).await,
            Err(StoreError::Forbidden(_))
        ));

        let history = s.history("producer", &id_a.to_string()).await.unwrap();
        assert_eq!(history.len(), 2, "{}", db.label);
        assert_eq!(history[0].action, "producer.edit");
        assert!(history[0].before.contains("HTX Ánh Dương"));
        let report = s.verify_audit().await.unwrap();
        assert!(
            report.faults.is_empty(),
            "{}: {:?}",
            db.label,
            report.faults
        );
        assert_eq!(report.entries, 5);
    }
}

#[tokio::test]
async fn product_codes_certificates_and_images() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    for db in testing::all().await {
        let s = &db.store;
        s.seed_reference(units()).await.unwrap();
        let commune = units().communes[0].clone();
        let p = producer_input("HTX Vạn Phần", "0100109106", &commune.code)
            .validate(units())
            .unwrap();
        let pid = s
            .create_producer(&sys(Action::CreateProducer), &p)
            .await
            .unwrap();
        let mk = |name: &str, code: &str| {
            ProductInput {
                name: name.into(),
                set_code: "09".into(),
                code: code.into(),
                ..Default::default()
            }
            .validate(&commune.province_code, &commune.code)
            .unwrap()
        };
        let (_, c1) = s
            .create_product(
                &sys(Action::CreateProduct),
                pid,
                &mk("Nước mắm Vạn Phần", ""),
                2026,
            )
            .await
            .unwrap();
        assert_eq!(c1, format!("01-{}-001-2026", commune.code), "{}", db.label);
        // An existing code pushes the sequence past it.
        let legacy = format!("01-{}-007-2026", commune.code);
        s.create_product(
            &sys(Action::CreateProduct),
            pid,
            &mk("Nước mắm cốt", &legacy),
            2026,
        )
        .await
        .unwrap();
        let (id3, c3) = s
            .create_product(&sys(Action::CreateProduct), pid, &mk("Mắm tôm", ""), 2026)
            .await
            .unwrap();
        assert_eq!(c3, format!("01-{}-008-2026", commune.code), "{}", db.label);
        // The same code twice is a conflict on `code`.
        match s
            .create_product(
                &sys(Action::CreateProduct),
                pid,
                &mk("Trùng", &legacy),
                2026,
            )
            .await
        {
            Err(StoreError::Conflict { field, .. }) => assert_eq!(field, "code"),
            other => panic!("{}: {other:?}", db.label),
        }

        let cert = LegacyCertificateInput {
            stars: "4".into(),
            decision_number: "12/QĐ-UBND".into(),
            issuer: "UBND Thành phố Hà Nội".into(),
            issued_on: "15/03/2024".into(),
        }
        .validate(today)
        .unwrap();
        s.record_certificate(&sys(Action::RecordCertificate), id3, &cert)
            .await
            .unwrap();
        let item = s.product(id3).await.unwrap();
        assert_eq!(item.stars, Some(4));
        assert_eq!(item.expires_on, NaiveDate::from_ymd_opt(2027, 3, 15));
        let four = s
            .list_products(&ProductFilter {
                stars: Some(4),
                per_page: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(four.total, 1, "{}", db.label);
        let counts = s.registry_counts(Some("01")).await.unwrap();
        assert_eq!((counts.producers, counts.products), (1, 3), "{}", db.label);
        let elsewhere = s.registry_counts(Some("79")).await.unwrap();
        assert_eq!((elsewhere.producers, elsewhere.products), (0, 0));

        let png = b"\x89PNG\r\n\x1a\nfake";
        let img = s
            .add_product_image(&sys(Action::UploadProductImage), id3, "image/png", png)
            .await
            .unwrap();
        let (ct, bytes, _) = s.product_image(img).await.unwrap();
        assert_eq!((ct.as_str(), bytes.as_slice()), ("image/png", &png[..]));
        assert!(s.verify_audit().await.unwrap().faults.is_empty());
    }
}

#[tokio::test]
async fn accounts_sessions_and_tamper_detection() {
    for db in testing::all().await {
        let s = &db.store;
        s.seed_reference(units()).await.unwrap();
        let uid = s
            .create_user(
                &sys(Action::CreateUser),
                "Tinh.HaNoi",
                "Văn phòng OCOP Hà Nội",
                None,
                "mat-khau-du-dai",
            )
            .await
            .unwrap();
        assert!(matches!(
            s.create_user(
                &sys(Action::CreateUser),
                "tinh.hanoi",
                "x",
                None,
                "mat-khau-du-dai"
            )
            .await,
            Err(StoreError::Conflict { .. })
        ));
        assert!(matches!(
            s.create_user(&sys(Action::CreateUser), "ngan", "x", None, "short")
                .await,
            Err(StoreError::Conflict { .. })
        ));
        let role = ocop_domain::auth::Role::ProvinceOffice {
            province: "01".into(),
        };
        s.grant_role(&sys(Action::GrantRole), uid, &role)
            .await
            .unwrap();
        let actor = s.actor(uid).await.unwrap();
        assert_eq!(actor.roles, vec![role]);

        assert!(s
            .check_login("tinh.hanoi", "mat-khau-du-dai")
            .await
            .unwrap()
            .is_some());
        assert!(s
            .check_login("tinh.hanoi", "sai-mat-khau")
            .await
            .unwrap()
            .is_none());
        assert!(s
            .check_login("khong-co", "mat-khau-du-dai")
            .await
            .unwrap()
            .is_none());

        let (token, csrf) = s.create_session(uid).await.unwrap();
        let sess = s.session(&token).await.unwrap().unwrap();
        assert_eq!((sess.user_id, sess.csrf_token), (uid, csrf));
        s.set_password(&sys(Action::ChangeOwnPassword), uid, "mat-khau-moi-dai")
            .await
            .unwrap();
        assert!(
            s.session(&token).await.unwrap().is_none(),
            "password change ends sessions"
        );

        assert!(s.verify_audit().await.unwrap().faults.is_empty());
        // Tamper with an entry behind the application's back.
        testing::execute_raw(s, "UPDATE audit_log SET after = '{}' WHERE id = 2").await;
        let report = s.verify_audit().await.unwrap();
        assert_eq!(report.faults.len(), 1, "{}: {:?}", db.label, report.faults);
        assert!(report.faults[0].contains("#2"));
    }
}

#[tokio::test]
async fn imports_are_all_or_nothing() {
    use ocop_domain::product::ProductImportRow;
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    for db in testing::all().await {
        let s = &db.store;
        s.seed_reference(units()).await.unwrap();
        let commune = &units().communes[0].code;
        let cap = sys(Action::ImportRegistry);
        let a = producer_input("HTX A", "0100109106", commune)
            .validate(units())
            .unwrap();
        let b = producer_input("HTX B", "0300588569", commune)
            .validate(units())
            .unwrap();
        let report = s
            .import_producers(&cap, &[(2, a.clone()), (3, b)], &|_| {})
            .await
            .unwrap()
            .unwrap();
        assert_eq!((report.created, report.updated), (2, 0), "{}", db.label);

        // Re-import updates by registration number.
        let mut a2 = a.clone();
        a2.name = "HTX A mới".into();
        let report = s
            .import_producers(&cap, &[(2, a2)], &|_| {})
            .await
            .unwrap()
            .unwrap();
        assert_eq!((report.created, report.updated), (0, 1));

        let row = |line: usize, reg: &str, name: &str, gtin: &str| ProductImportRow {
            line,
            producer_registration_number: reg.into(),
            input: ProductInput {
                name: name.into(),
                set_code: "09".into(),
                gtin: gtin.into(),
                ..Default::default()
            },
            certificate: None,
        };
        // Line 3 names an unknown producer, line 4 has a bad set, line 5 reuses line 2's GTIN:
        // all three are reported and nothing is written.
        let mut bad_set = row(4, "0100109106", "Mắm C", "");
        bad_set.input.set_code = "99".into();
        let rows = vec![
            row(2, "0100109106", "Nước mắm A", "8934563138165"),
            row(3, "0312345675", "Nước mắm B", ""),
            bad_set,
            row(5, "0300588569", "Nước mắm D", "8934563138165"),
        ];
        let errs = s
            .import_products(&cap, &rows, 2026, &|_| {})
            .await
            .unwrap()
            .unwrap_err();
        let got: Vec<(usize, &str)> = errs.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (3, "producer_registration_number"),
                (4, "set_code"),
                (5, "gtin")
            ],
            "{}",
            db.label
        );
        assert_eq!(
            s.list_products(&ProductFilter {
                per_page: 10,
                ..Default::default()
            })
            .await
            .unwrap()
            .total,
            0
        );

        let mut good = row(2, "0100109106", "Nước mắm A", "8934563138165");
        good.certificate = Some(
            LegacyCertificateInput {
                stars: "3".into(),
                decision_number: "5/QĐ-UBND".into(),
                issuer: "UBND".into(),
                issued_on: "01/02/2025".into(),
            }
            .validate(today)
            .unwrap(),
        );
        let outbox_before = s.outbox_last_id().await.unwrap();
        let report = s
            .import_products(
                &cap,
                &[good.clone(), row(3, "0300588569", "Nước mắm D", "")],
                2026,
                &|_| {},
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (report.created, report.certificates),
            (2, 1),
            "{}",
            db.label
        );
        // One outbox row per product, though the certified one has two
        // audit entries (the product, its certificate).
        let changed: Vec<(String, String)> = s
            .outbox_after(outbox_before, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.entity, e.entity_id))
            .collect();
        assert_eq!(changed.len(), 2, "{}: {changed:?}", db.label);
        assert!(changed.iter().all(|(e, _)| e == "product"), "{changed:?}");
        assert_ne!(changed[0], changed[1], "{changed:?}");
        // Importing the same file again changes nothing but counts updates.
        let report = s
            .import_products(&cap, &[good], 2026, &|_| {})
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (report.created, report.updated, report.certificates),
            (0, 1, 0)
        );

        // A province office's import may not touch another province.
        let actor = ocop_domain::auth::Actor {
            user_id: 1,
            username: "tinh".into(),
            roles: vec![ocop_domain::auth::Role::ProvinceOffice {
                province: "04".into(),
            }],
        };
        let cap04 = ocop_domain::auth::authorize(
            &actor,
            Action::ImportRegistry,
            &ocop_domain::auth::Scope::province("04"),
        )
        .unwrap();
        let errs = s
            .import_producers(&cap04, &[(2, a.clone())], &|_| {})
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(errs[0].line, 2);
        assert!(s.verify_audit().await.unwrap().faults.is_empty());
    }
}
