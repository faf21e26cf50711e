//! Crash safety: writes acknowledged with 2xx survive a SIGKILL of the
//! server mid-load, and the audit chain stays whole. Drives the real binary
//! over HTTP (eight concurrent writers adding products), kills it with
//! SIGKILL, restarts it on the same database and checks every acknowledged
//! write, then `ocop audit verify`. On SQLite and on PostgreSQL.

use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod common;

use common::{login, ocop, serve, with_producer};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_sigkill() {
    for db in ocop_store::testing::all().await {
        let label = db.label;
        let index = tempfile::tempdir().unwrap();
        let (mut server, base, c, csrf, pid) = with_producer(&db.url, index.path(), label).await;

        // Eight writers add products until the server dies under them.
        let acked: Arc<Mutex<Vec<(i64, String)>>> = Arc::default();
        let mut writers = Vec::new();
        for w in 0..8 {
            let (c, csrf, base, acked) = (c.clone(), csrf.clone(), base.clone(), acked.clone());
            writers.push(tokio::spawn(async move {
                for i in 0.. {
                    let name = format!("Sản phẩm {w}-{i}");
                    let r = c
                        .post(format!("{base}/api/v1/producers/{pid}/products"))
                        .header("x-csrf-token", &csrf)
                        .json(&json!({"name": name, "set_code": "09"}))
                        .timeout(Duration::from_secs(5))
                        .send()
                        .await;
                    match r {
                        Ok(r) if r.status() == 201 => {
                            let Ok(body) = r.json::<Value>().await else {
                                break;
                            };
                            acked
                                .lock()
                                .unwrap()
                                .push((body["id"].as_i64().unwrap(), name));
                        }
                        Ok(r) => panic!("writer {w}: unexpected {}", r.status()),
                        Err(_) => break, // the server is gone
                    }
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        server.kill().expect("SIGKILL"); // Child::kill is SIGKILL on Unix
        server.wait().unwrap();
        for w in writers {
            w.await.unwrap();
        }
        let acked = acked.lock().unwrap().clone();
        assert!(
            acked.len() > 20,
            "{label}: only {} writes before the kill",
            acked.len()
        );

        // Restart on the same database: every acknowledged write is there.
        let (mut server, base) = serve(&db.url, index.path());
        let (c, _) = login(&base).await;
        for (id, name) in &acked {
            let r = c
                .get(format!("{base}/api/v1/products/{id}"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{label}: acknowledged product {id} lost");
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["name"], name.as_str(), "{label}");
        }
        // Nothing half-written: the audit chain verifies, and it holds one
        // creation per product that exists.
        let out = ocop(&db.url, &["audit", "verify"]);
        assert!(
            out.status.success(),
            "{label}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let stored = db
            .store
            .export_products(&ocop_store::registry::ProductFilter {
                producer_id: Some(pid),
                include_inactive: true,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(
            stored.len() >= acked.len(),
            "{label}: {} < {}",
            stored.len(),
            acked.len()
        );
        // A write the server committed but could not acknowledge is allowed;
        // a product without its audit entry (or the reverse) is not.
        for p in &stored {
            let history = db
                .store
                .history("product", &p.product.id.to_string())
                .await
                .unwrap();
            assert_eq!(
                history.len(),
                1,
                "{label}: product {} has {} audit entries",
                p.product.id,
                history.len()
            );
        }
        eprintln!(
            "{label}: {} writes acknowledged before SIGKILL, {} stored, all present and audited",
            acked.len(),
            stored.len()
        );

        // A clean stop (SIGTERM, what service managers send) exits with
        // success and leaves the facet table's snapshot, which the next
        // start takes.
        let snapshot = index.path().join("facet-table.bin");
        assert!(!snapshot.exists(), "{label}: no snapshot after a crash");
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &server.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = server.wait().unwrap();
        assert!(
            status.success(),
            "{label}: SIGTERM ended the server with {status}"
        );
        assert!(snapshot.exists(), "{label}: snapshot saved at the stop");
        let (mut server, base) = serve(&db.url, index.path());
        assert!(!snapshot.exists(), "{label}: snapshot taken at the start");
        let (c, _) = login(&base).await;
        let r = c
            .get(format!("{base}/api/v1/products/{}", acked[0].0))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{label}");
        server.kill().unwrap();
        server.wait().unwrap();
    }
}
