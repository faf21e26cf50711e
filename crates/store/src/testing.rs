//! Test support: fresh databases on every backend the environment provides.
//!
//! SQLite always. PostgreSQL when `OCOP_TEST_DATABASE_URL` names a server
//! (each call creates a new database on it). Under CI (`CI` set) a missing
//! PostgreSQL URL is an error, so the PostgreSQL half can never be skipped there.

use crate::Store;

pub struct TestDb {
    pub store: Store,
    pub label: &'static str,
    /// For a second, independent connection (another process's view).
    pub url: String,
    _dir: Option<tempfile_dir::Dir>,
}

mod tempfile_dir {
    /// A temporary directory removed on drop (no extra dependency).
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn unique_name() -> String {
    use rand::Rng;
    format!("ocop_test_{:016x}", rand::thread_rng().gen::<u64>())
}

/// A fresh, migrated SQLite database in a temporary directory.
pub async fn sqlite() -> TestDb {
    let dir = std::env::temp_dir().join(unique_name());
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite://{}", dir.join("ocop.db").display());
    let store = Store::connect(&url).await.expect("sqlite");
    store.migrate().await.expect("migrate");
    TestDb {
        store,
        label: "sqlite",
        url,
        _dir: Some(tempfile_dir::Dir(dir)),
    }
}

/// A fresh, migrated PostgreSQL database, if one is configured.
pub async fn postgres() -> Option<TestDb> {
    let url = match std::env::var("OCOP_TEST_DATABASE_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            if std::env::var_os("CI").is_some() {
                panic!("CI is set but OCOP_TEST_DATABASE_URL is not: the PostgreSQL contract tests must run in CI");
            }
            return None;
        }
    };
    let name = unique_name();
    {
        use sqlx::Connection;
        let mut admin = sqlx::PgConnection::connect(&url)
            .await
            .expect("connect to OCOP_TEST_DATABASE_URL");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create test database");
    }
    let (base, _) = url.rsplit_once('/').expect("URL has a database path");
    let url = format!("{base}/{name}");
    let store = Store::connect(&url).await.expect("connect test database");
    store.migrate().await.expect("migrate");
    Some(TestDb {
        store,
        label: "postgres",
        url,
        _dir: None,
    })
}

/// Every backend available: SQLite, and PostgreSQL when configured.
pub async fn all() -> Vec<TestDb> {
    let mut v = vec![sqlite().await];
    if let Some(pg) = postgres().await {
        v.push(pg);
    }
    v
}

/// Run a fixed statement behind the application's back (tamper tests).
pub async fn execute_raw(store: &Store, sql: &'static str) {
    crate::on_pool!(store, |c| sqlx::query(sql).execute(c).await.map(|_| ()))
        .expect("raw statement");
}

/// Two fresh databases of each backend, to compare two ways of writing the same data.
pub async fn pairs() -> Vec<(TestDb, TestDb)> {
    let mut v = vec![(sqlite().await, sqlite().await)];
    if let (Some(a), Some(b)) = (postgres().await, postgres().await) {
        v.push((a, b));
    }
    v
}

/// The registry's tables (with audit and outbox) as text, row by row, for
/// comparing two databases; times and hashes left out.
pub async fn dump(store: &Store) -> Vec<String> {
    const TABLES: &[(&str, &str)] = &[
        ("producers", "id, name, name_fold, sort_key, kind, registration_number, address, commune_code, province_code, \
          legacy_commune_code, phone, email, website, representative_name, representative_gender, representative_ethnicity, \
          representative_disability, community_capital_pct, workers, description, active, version"),
        ("products", "id, producer_id, name, name_fold, sort_key, set_code, description, gtin, code, province_code, \
          commune_code, group_code, active, version"),
        ("certificates", "id, product_id, stars, decision_number, issuer, issued_on, expires_on, source, number, revoked_on"),
        ("commune_sequences", "commune_code, year, next_seq"),
        ("audit_log", "id, actor_id, actor_name, action, entity, entity_id, before, after"),
        ("outbox", "id, entity, entity_id, op"),
        ("audit_head", "k, last_id"),
    ];
    let mut out = Vec::new();
    for (table, cols) in TABLES {
        let expr: Vec<String> = cols
            .split(',')
            .map(|c| format!("COALESCE(CAST({} AS TEXT), '-')", c.trim()))
            .collect();
        let sql = format!(
            "SELECT {} FROM {table} ORDER BY {}",
            expr.join(" || '|' || "),
            cols.split(',').next().unwrap_or("1").trim()
        );
        let mut sql_order = sql;
        if *table == "commune_sequences" {
            sql_order.push_str(", year");
        }
        let rows: Vec<String> =
            crate::on_pool!(store, |c| sqlx::query_scalar(&sql_order).fetch_all(c).await).unwrap();
        out.extend(rows.into_iter().map(|r| format!("{table}: {r}")));
    }
    out
}

/// Every file under `dir`, however deep (evidence files are kept in
/// subdirectories by hash).
pub fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten() {
        let p = e.expect("directory entry").path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}
