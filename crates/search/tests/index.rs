//! The search index as derived data: it follows writes made by another
//! process (through the outbox), survives a restart on disk without a
//! rebuild, and is rebuilt when it no longer matches the database. On SQLite
//! and PostgreSQL.

use chrono::NaiveDate;
use ocop_domain::admin_units::units;
use ocop_domain::auth::{Action, Capability};
use ocop_domain::certificate::LegacyCertificateInput;
use ocop_domain::producer::ProducerInput;
use ocop_domain::product::ProductInput;
use ocop_search::Search;
use ocop_store::catalog::CatalogFilter;
use ocop_store::{testing, Store};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

async fn producer(store: &Store) -> i64 {
    let u = units();
    let commune = u.communes_of("01")[0].code.clone();
    let p = ProducerInput {
        name: "HTX Vạn Phần".into(),
        kind: "cooperative".into(),
        registration_number: "0100109106".into(),
        address: "Thôn 1".into(),
        commune_code: commune,
        representative_name: "Nguyễn Thị Lan".into(),
        representative_gender: "female".into(),
        representative_disability: "0".into(),
        phone: "0912345678".into(),
        ..Default::default()
    }
    .validate(u)
    .unwrap();
    store
        .create_producer(&Capability::system(Action::CreateProducer), &p)
        .await
        .unwrap()
}

/// A certified product named `name`, written through `store`.
async fn certified(store: &Store, producer_id: i64, name: &str) -> i64 {
    let p = store.producer(producer_id).await.unwrap();
    let data = ProductInput {
        name: name.into(),
        set_code: "09".into(),
        ..Default::default()
    }
    .validate(&p.province_code, &p.commune_code)
    .unwrap();
    let (id, _) = store
        .create_product(
            &Capability::system(Action::CreateProduct),
            producer_id,
            &data,
            2026,
        )
        .await
        .unwrap();
    let cert = LegacyCertificateInput {
        stars: "4".into(),
        decision_number: "9/QĐ".into(),
        issuer: "UBND".into(),
        issued_on: "01/06/2025".into(),
    }
    .validate(today())
    .unwrap();
    store
        .record_certificate(&Capability::system(Action::RecordCertificate), id, &cert)
        .await
        .unwrap();
    id
}

async fn found(search: &Search, q: &str) -> Vec<String> {
    let f = CatalogFilter {
        q: Some(q.into()),
        page: 1,
        per_page: 20,
        ..Default::default()
    };
    search
        .catalog(&f, today())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|i| i.product.name)
        .collect()
}

#[tokio::test]
async fn follows_other_processes_and_survives_restarts() {
    for db in testing::all().await {
        let store = db.store.clone();
        store.seed_reference(units()).await.unwrap();
        let pid = producer(&store).await;
        certified(&store, pid, "Nước mắm Vạn Phần").await;
        let dir = tempfile::tempdir().unwrap();
        let search = Search::open(store.clone(), Some(dir.path())).await.unwrap();
        assert_eq!(found(&search, "nuoc mam").await, ["Nước mắm Vạn Phần"]);

        // Another process (its own connection, its own commit counter)
        // writes: this process learns of it only through the outbox.
        let other = Store::connect(&db.url).await.unwrap();
        certified(&other, pid, "Mật ong bạc hà").await;
        assert!(
            found(&search, "mat ong").await.is_empty(),
            "{}: not seen before catching up",
            db.label
        );
        assert!(search.catch_up().await.unwrap() > 0);
        assert_eq!(
            found(&search, "mat ong").await,
            ["Mật ong bạc hà"],
            "{}",
            db.label
        );

        // The follower does the same on its own.
        let follower = search.follow(std::time::Duration::from_millis(50));
        certified(&other, pid, "Trà hoa vàng").await;
        let mut seen = false;
        for _ in 0..100 {
            if !found(&search, "tra hoa").await.is_empty() {
                seen = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(seen, "{}: the follower applied the outbox", db.label);
        follower.abort();
        drop(search);

        // Restart: the index on disk is reused, then caught up.
        certified(&other, pid, "Gạo nếp cái hoa vàng").await;
        let search = Search::open(store.clone(), Some(dir.path())).await.unwrap();
        assert_eq!(found(&search, "gao nep").await, ["Gạo nếp cái hoa vàng"]);
        assert_eq!(found(&search, "nuoc mam").await.len(), 1);
        assert_eq!(search.rebuild().await.unwrap(), 4, "{}", db.label);
        assert_eq!(found(&search, "hoa vang").await.len(), 2);
        drop(search);

        // A second writer on the same directory is refused, clearly.
        let first = Search::open(store.clone(), Some(dir.path())).await.unwrap();
        let second = Search::open(store.clone(), Some(dir.path())).await;
        assert!(
            matches!(second, Err(ocop_search::SearchError::Locked)),
            "{}",
            db.label
        );
        drop(first);
        other.close().await;
    }
}

/// Facet counts and total of the whole catalog, as the table answers them.
async fn counts(search: &Search) -> (i64, String) {
    let f = CatalogFilter {
        page: 1,
        per_page: 20,
        ..Default::default()
    };
    let page = search.catalog(&f, today()).await.unwrap();
    (page.total, format!("{:?}", page.facets))
}

fn snapshot_saved(dir: &std::path::Path) -> bool {
    dir.join("facet-table.bin").exists()
}

/// A clean stop saves the facet table; the next start reads it instead of
/// the catalog, once, and still applies what was written in between. A
/// snapshot that does not describe the database it meets is not used.
#[tokio::test]
async fn a_clean_stop_saves_the_table_for_the_next_start() {
    for (db, elsewhere) in testing::pairs().await {
        let store = db.store.clone();
        store.seed_reference(units()).await.unwrap();
        let pid = producer(&store).await;
        certified(&store, pid, "Nước mắm Vạn Phần").await;
        certified(&store, pid, "Mật ong bạc hà").await;
        let dir = tempfile::tempdir().unwrap();
        let search = Search::open(store.clone(), Some(dir.path())).await.unwrap();
        search.save_snapshot().await.unwrap();
        drop(search);
        assert!(snapshot_saved(dir.path()), "{}", db.label);

        // A change behind the outbox's back shows whether the table came
        // from the snapshot (unchanged) or from the database (changed).
        testing::execute_raw(&store, "UPDATE products SET set_code = '13'").await;
        // Another process writes while the server is stopped.
        let other = Store::connect(&db.url).await.unwrap();
        certified(&other, pid, "Trà hoa vàng").await;

        let search = Search::open(store.clone(), Some(dir.path())).await.unwrap();
        assert!(!snapshot_saved(dir.path()), "{}: taken once", db.label);
        let (total, facets) = counts(&search).await;
        assert_eq!(total, 3, "{}: the write in between applied", db.label);
        assert!(
            facets.contains(r#"set: {"09": 3}"#),
            "{}: two products as the snapshot had them, the new one as written: {facets}",
            db.label
        );
        assert_eq!(found(&search, "tra hoa").await, ["Trà hoa vàng"]);

        // Saved again, then met by a restart after a crash of the next
        // server (the snapshot was taken, none left): built from the database.
        search.save_snapshot().await.unwrap();
        drop(search);
        let search = Search::open(store.clone(), Some(dir.path())).await.unwrap();
        drop(search);
        let search = Search::open(store.clone(), Some(dir.path())).await.unwrap();
        let (_, facets) = counts(&search).await;
        assert!(
            facets.contains(r#"set: {"09": 1, "13": 2}"#),
            "{}: {facets}",
            db.label
        );
        search.save_snapshot().await.unwrap();
        drop(search);

        // The same directory before another database, whose outbox reaches
        // as far (so only the row's time tells them apart): not used.
        let other_store = elsewhere.store.clone();
        other_store.seed_reference(units()).await.unwrap();
        let pid2 = producer(&other_store).await;
        for name in ["Gạo ST25", "Chè Shan tuyết", "Cà phê Cầu Đất", "Miến dong"] {
            certified(&other_store, pid2, name).await;
        }
        assert!(
            other_store.outbox_last_id().await.unwrap() >= store.outbox_last_id().await.unwrap()
        );
        let search = Search::open(other_store.clone(), Some(dir.path()))
            .await
            .unwrap();
        assert!(!snapshot_saved(dir.path()));
        let (total, facets) = counts(&search).await;
        assert_eq!(total, 4, "{}: {facets}", elsewhere.label);
        assert!(
            facets.contains(r#"set: {"09": 4}"#),
            "{}: {facets}",
            elsewhere.label
        );
        drop(search);
        other.close().await;
    }
}
