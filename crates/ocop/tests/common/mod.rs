//! Driving the real `ocop` binary from tests: its commands, a server on a
//! free port, an administrator's API session.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_ocop");
pub const PASSWORD: &str = "mat-khau-thu-nghiem";

pub fn ocop(url: &str, args: &[&str]) -> std::process::Output {
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
pub fn serve(url: &str, index: &std::path::Path) -> (Child, String) {
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

pub async fn login(base: &str) -> (reqwest::Client, String) {
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

/// A server on the fresh database `url` with an administrator (made on the
/// console) and one producer: the server, its base URL, the administrator's
/// client and CSRF token, and the producer's id.
pub async fn with_producer(
    url: &str,
    index: &std::path::Path,
    label: &str,
) -> (Child, String, reqwest::Client, String, i64) {
    let out = ocop(
        url,
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
    let (server, base) = serve(url, index);
    let (c, csrf) = login(&base).await;
    let commune = ocop_domain::admin_units::units().communes_of("01")[0]
        .code
        .clone();
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
    (server, base, c, csrf, producer["id"].as_i64().unwrap())
}
