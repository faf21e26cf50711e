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
