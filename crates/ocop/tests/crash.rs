//! Crash safety: writes acknowledged with 2xx survive a SIGKILL of the
//! server mid-load, and the audit chain stays whole. Drives the real binary
//! over HTTP (eight concurrent writers adding products), kills it with
//! SIGKILL, restarts it on the same database and checks every acknowledged
//! write, then `ocop audit verify`. On SQLite and on PostgreSQL.

use ocop_domain::admin_units::units;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_ocop");
const PASSWORD: &str = "mat-khau-thu-nghiem";

fn ocop(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .arg("--database-url")
        .arg(url)
        .args(args)
        .env("OCOP_PASSWORD", PASSWORD)
        .env("OCOP_LOG", "warn")
        .output()
        .expect("run ocop")
}

/// Start `ocop serve` on a free port; returns the child and its base URL.
fn serve(url: &str, index: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(["--database-url", url, "--index-dir"])
        .arg(index)
        .args(["serve", "--bind", "127.0.0.1:0", "--no-demo"])
        .env("OCOP_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start ocop serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("server printed its address")
            .expect("read");
        if let Some(i) = line.find("http://127.0.0.1:") {
            let addr = line[i..].split_whitespace().next().unwrap().to_string();
            break addr;
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, base)
}

async fn login(base: &str) -> (reqwest::Client, String) {
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let r = c
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"username": "admin", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    (c, body["csrf_token"].as_str().unwrap().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_sigkill() {
    for db in ocop_store::testing::all().await {
        let label = db.label;
        let index = tempfile::tempdir().unwrap();
        let out = ocop(
            &db.url,
            &[
                "user",
                "create",
                "admin",
                "--full-name",
                "Quản trị",
                "--role",
                "admin",
            ],
        );
        assert!(
            out.status.success(),
            "{label}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (mut server, base) = serve(&db.url, index.path());
        let (c, csrf) = login(&base).await;
        let commune = units().communes_of("01")[0].code.clone();
        let r = c
            .post(format!("{base}/api/v1/producers"))
            .header("x-csrf-token", &csrf)
            .json(&json!({"name": "HTX Vạn Phần", "kind": "cooperative", "registration_number": "0100109106",
                "address": "Thôn 1", "commune_code": commune, "representative_name": "Nguyễn Thị Lan",
                "representative_gender": "female", "phone": "0912345678"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{label}: {}", r.text().await.unwrap());
        let producer: Value = r.json().await.unwrap();
        let pid = producer["id"].as_i64().unwrap();

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
        server.kill().unwrap();
        server.wait().unwrap();
    }
}
