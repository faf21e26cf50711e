//! Backup under load: `ocop backup` taken while four writers keep adding
//! products through the HTTP API is a consistent copy. Restored (SQLite: the
//! file itself; PostgreSQL: `pg_restore` into a new database), it passes
//! `ocop audit verify`, holds every product acknowledged before the backup
//! began, holds nothing the live database does not (same names), holds each
//! product with exactly its one audit entry, and serves. On SQLite and on
//! PostgreSQL.

mod common;

use common::{ocop, serve, with_producer};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Restore the backup at `out` of the database `url` (of the `label`
/// backend) as a new database; its URL.
fn restore(label: &str, url: &str, out: &std::path::Path) -> String {
    if label == "sqlite" {
        // The copy is a database of its own (VACUUM INTO).
        return format!("sqlite://{}", out.display());
    }
    let name = format!("ocop_restore_{}", std::process::id());
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        let r = std::process::Command::new("psql")
            .args([url, "-v", "ON_ERROR_STOP=1", "-qc", &sql])
            .output()
            .expect("run psql");
        assert!(
            r.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
    }
    let (base, _) = url.rsplit_once('/').unwrap();
    let restored = format!("{base}/{name}");
    let r = std::process::Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "--dbname"])
        .arg(&restored)
        .arg(out)
        .output()
        .expect("run pg_restore");
    assert!(
        r.status.success(),
        "pg_restore: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    restored
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_under_write_load_restores_whole() {
    for db in ocop_store::testing::all().await {
        let label = db.label;
        let index = tempfile::tempdir().unwrap();
        let (mut server, base, c, csrf, pid) = with_producer(&db.url, index.path(), label).await;

        // Four writers add products until told to stop.
        let acked: Arc<Mutex<Vec<(i64, String)>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let mut writers = Vec::new();
        for w in 0..4 {
            let (c, csrf, base, acked, stop) = (
                c.clone(),
                csrf.clone(),
                base.clone(),
                acked.clone(),
                stop.clone(),
            );
            writers.push(tokio::spawn(async move {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let name = format!("Sản phẩm {w}-{i}");
                    let r = c
                        .post(format!("{base}/api/v1/producers/{pid}/products"))
                        .header("x-csrf-token", &csrf)
                        .json(&json!({"name": name, "set_code": "09"}))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 201, "writer {w}");
                    let body: Value = r.json().await.unwrap();
                    acked
                        .lock()
                        .unwrap()
                        .push((body["id"].as_i64().unwrap(), name));
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(800)).await;

        // The backup, taken while the writers go on.
        let before: Vec<(i64, String)> = acked.lock().unwrap().clone();
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("sao-luu.db");
        let (url, out2) = (db.url.clone(), out.clone());
        let backup =
            tokio::task::spawn_blocking(move || ocop(&url, &["backup", out2.to_str().unwrap()]))
                .await
                .unwrap();
        assert!(
            backup.status.success(),
            "{label}: backup: {}",
            String::from_utf8_lossy(&backup.stderr)
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        stop.store(true, Ordering::Relaxed);
        for w in writers {
            w.await.unwrap();
        }
        let after = acked.lock().unwrap().len();
        assert!(
            before.len() > 10 && after > before.len(),
            "{label}: the backup ran under load ({} writes before it, {after} in all)",
            before.len()
        );

        // Restored: the chain verifies.
        let restored = restore(label, &db.url, &out);
        let verify = ocop(&restored, &["audit", "verify"]);
        assert!(
            verify.status.success(),
            "{label}: {}{}",
            String::from_utf8_lossy(&verify.stdout),
            String::from_utf8_lossy(&verify.stderr)
        );
        // The data matches: everything acknowledged before the backup, and
        // only products the live database has, under the same names, each
        // with its one audit entry.
        let copy = ocop_store::Store::connect(&restored).await.unwrap();
        let filter = ocop_store::registry::ProductFilter {
            producer_id: Some(pid),
            include_inactive: true,
            ..Default::default()
        };
        let in_copy: std::collections::HashMap<i64, String> = copy
            .export_products(&filter)
            .await
            .unwrap()
            .into_iter()
            .map(|p| (p.product.id, p.product.name))
            .collect();
        for (id, name) in &before {
            assert_eq!(
                in_copy.get(id),
                Some(name),
                "{label}: product {id}, acknowledged before the backup, is not in it"
            );
        }
        let live: std::collections::HashMap<i64, String> = db
            .store
            .export_products(&filter)
            .await
            .unwrap()
            .into_iter()
            .map(|p| (p.product.id, p.product.name))
            .collect();
        for (id, name) in &in_copy {
            assert_eq!(live.get(id), Some(name), "{label}: product {id}");
            let history = copy.history("product", &id.to_string()).await.unwrap();
            assert_eq!(history.len(), 1, "{label}: product {id} audit entries");
        }

        // And it serves.
        let restored_index = tempfile::tempdir().unwrap();
        let (mut copy_server, copy_base) = serve(&restored, restored_index.path());
        let (id, name) = &before[before.len() / 2];
        let r: Value = reqwest::get(format!("{copy_base}/api/v1/products/{id}"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(r["name"], name.as_str(), "{label}");
        eprintln!(
            "{label}: backup taken after {} writes, {after} in all; the copy holds {}, verified and serving",
            before.len(),
            in_copy.len()
        );
        copy_server.kill().unwrap();
        copy_server.wait().unwrap();
        server.kill().unwrap();
        server.wait().unwrap();
    }
}
