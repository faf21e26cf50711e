//! Storage: one schema and one migration set for SQLite (embedded, default)
//! and PostgreSQL. Every write takes a [`Capability`](ocop_domain::auth::Capability),
//! runs in one transaction, and appends to the hash-chained audit log and the
//! outbox in that same transaction.
//!
//! Both backends run the same SQL text: `$1`-style parameters work on both,
//! and the few type differences are confined to the migration tokens. The
//! [`on_pool!`] and [`on_tx!`] macros expand one query body once per backend.

/// SQL: the id of product `p`'s latest certificate, the one that counts. A
/// macro (not a const) so that `concat!` can build constant queries with it;
/// defined before the modules so that they all see it.
macro_rules! latest_certificate {
    () => {
        "(SELECT x.id FROM certificates x WHERE x.product_id = p.id ORDER BY x.issued_on DESC, x.id DESC LIMIT 1)"
    };
}

/// SQL: product `p` with its producer `o`, commune `c`, province `pr` and
/// latest certificate `ce` (NULL columns when it has none): what every
/// product listing reads.
macro_rules! product_joins {
    () => {
        concat!(
            "FROM products p ",
            place_joins!(),
            " LEFT JOIN certificates ce ON ce.id = ",
            latest_certificate!()
        )
    };
}

/// SQL: product `p`'s producer `o`, commune `c` and province `pr`.
macro_rules! place_joins {
    () => {
        "JOIN producers o ON o.id = p.producer_id \
         JOIN communes c ON c.code = p.commune_code JOIN provinces pr ON pr.code = p.province_code"
    };
}

pub mod accounts;
pub mod audit;
mod bulk;
pub mod catalog;
pub mod comments;
pub mod demo;
pub mod dossiers;
pub mod evidence;
pub mod history;
pub mod import;
pub mod inspections;
pub mod markets;
pub mod matching;
pub mod migrate;
pub mod password;
pub mod reference;
pub mod registry;
pub mod rounds;
pub mod testing;
pub mod trade_events;

use ocop_domain::ValidationErrors;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::collections::HashSet;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub(crate) enum Pools {
    /// Readers share a pool; writes go through one connection so that
    /// SQLite never sees two writers from this process.
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
    },
    Postgres(PgPool),
}

/// A handle to the database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pub(crate) pools: Pools,
    /// Transactions committed through this handle (and its clones). Derived
    /// indexes compare it with what they have applied, so a read that follows
    /// a write in this process sees the write without polling the database.
    commits: Arc<AtomicU64>,
}

/// A write transaction on either backend.
pub struct Tx {
    pub(crate) conn: TxConn,
    /// The audit chain's tip once this transaction holds the chain's lock:
    /// later appends in the same transaction skip the lock-and-read, and the
    /// tip is written back once, at commit (see `audit::record`).
    pub(crate) audit_tip: Option<(i64, String)>,
    pub(crate) tip_dirty: bool,
    /// The entities this transaction has left an outbox row for: the outbox
    /// says "this entity changed" (its readers reload it), so one row per
    /// entity and transaction is enough. An import that creates a product
    /// and records its certificate writes one row, not two.
    outboxed: HashSet<(&'static str, String)>,
    commits: Arc<AtomicU64>,
}

pub enum TxConn {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Run `$body` with `$c` bound to a reading pool of whichever backend is in use.
#[macro_export]
macro_rules! on_pool {
    ($store:expr, |$c:ident| $body:expr) => {
        match &$store.pools {
            $crate::Pools::Sqlite { read, .. } => {
                let $c = read;
                $body
            }
            $crate::Pools::Postgres(pool) => {
                let $c = pool;
                $body
            }
        }
    };
}

/// Run `$body` with `$c` bound to the transaction's connection.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match &mut $tx.conn {
            $crate::TxConn::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::TxConn::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

/// Errors of the store layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("dữ liệu không hợp lệ: {0}")]
    Invalid(ValidationErrors),
    #[error("không tìm thấy {0}")]
    NotFound(&'static str),
    /// A uniqueness or version conflict, named by field.
    #[error("{message}")]
    Conflict {
        field: String,
        message: String,
        message_en: String,
    },
    #[error("không có quyền: {0}")]
    Forbidden(String),
    #[error("lỗi cơ sở dữ liệu: {0}")]
    Db(#[from] sqlx::Error),
    #[error("lỗi di chuyển lược đồ: {0}")]
    Migration(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

impl StoreError {
    pub fn conflict(
        field: &str,
        message: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        StoreError::Conflict {
            field: field.to_string(),
            message: message.into(),
            message_en: message_en.into(),
        }
    }
}

/// A database error as a store error, with a violation of a UNIQUE
/// constraint turned into the conflict a person can act on (`conflict` sees
/// the error, to tell which constraint it was).
pub(crate) fn unique_conflict(
    e: sqlx::Error,
    conflict: impl FnOnce(&sqlx::Error) -> StoreError,
) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => conflict(&e),
        _ => e.into(),
    }
}

/// The store's half of authorization: a write accepts only a capability
/// issued for its own action.
pub(crate) fn check(
    cap: &ocop_domain::auth::Capability,
    action: ocop_domain::auth::Action,
) -> Result<()> {
    if cap.action() == action {
        Ok(())
    } else {
        Err(StoreError::Forbidden(action.code().into()))
    }
}

impl Store {
    /// Connect to `sqlite://path` (created if missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Store> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // No liveness ping before each checkout: it costs a round trip per
            // query, and a dead connection fails its query and is replaced.
            let pool = PgPoolOptions::new()
                .test_before_acquire(false)
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Ok(Store {
                pools: Pools::Postgres(pool),
                commits: Arc::default(),
            })
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            if let Some(parent) = std::path::Path::new(path).parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| StoreError::Migration(e.to_string()))?;
                }
            }
            let opts = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // Pages read through a memory map rather than copied in by
                // pread into each connection's 2 MB cache: at national size
                // (a 1.7 GB file) a listing page re-read the same pages on
                // every request. Mapped pages are the OS's page cache, shared
                // by every connection.
                .pragma("mmap_size", "1073741824");
            let write = SqlitePoolOptions::new()
                .test_before_acquire(false)
                .max_connections(1)
                .connect_with(opts.clone())
                .await?;
            let read = SqlitePoolOptions::new()
                .test_before_acquire(false)
                .max_connections(8)
                .connect_with(opts.read_only(false))
                .await?;
            Ok(Store {
                pools: Pools::Sqlite { read, write },
                commits: Arc::default(),
            })
        }
    }

    pub fn backend(&self) -> Backend {
        match self.pools {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    /// Begin a write transaction.
    pub async fn begin(&self) -> Result<Tx> {
        let conn = match &self.pools {
            Pools::Sqlite { write, .. } => TxConn::Sqlite(write.begin().await?),
            Pools::Postgres(p) => TxConn::Postgres(p.begin().await?),
        };
        Ok(Tx {
            conn,
            audit_tip: None,
            tip_dirty: false,
            outboxed: HashSet::new(),
            commits: self.commits.clone(),
        })
    }

    /// How many write transactions this process has committed so far.
    pub fn commit_count(&self) -> u64 {
        self.commits.load(Ordering::Acquire)
    }

    /// Is the database reachable? Used by `/health`.
    pub async fn ping(&self) -> bool {
        on_pool!(self, |c| sqlx::query("SELECT 1").execute(c).await.is_ok())
    }

    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Pools::Postgres(p) => p.close().await,
        }
    }
}

impl Tx {
    /// Whether `entity` still needs its outbox row in this transaction (and
    /// from now on, that it has one).
    pub(crate) fn first_outbox(&mut self, entity: &'static str, id: &str) -> bool {
        self.outboxed.insert((entity, id.to_string()))
    }

    /// Forget the outbox rows written so far, after a rollback to a
    /// savepoint may have undone some: a second row is harmless, a missing
    /// one is not.
    pub(crate) fn forget_outbox(&mut self) {
        self.outboxed.clear();
    }

    pub async fn commit(mut self) -> Result<()> {
        audit::write_tip(&mut self).await?;
        match self.conn {
            TxConn::Sqlite(t) => t.commit().await?,
            TxConn::Postgres(t) => t.commit().await?,
        }
        self.commits.fetch_add(1, Ordering::Release);
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self.conn {
            TxConn::Sqlite(_) => Backend::Sqlite,
            TxConn::Postgres(_) => Backend::Postgres,
        }
    }
}

/// A page of results.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, serde::Serialize)]
pub struct Page<T> {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<T>,
}

impl<T> Page<T> {
    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }
}

/// `LIKE` pattern matching `needle` anywhere, with `%`, `_` and `\` escaped (use `ESCAPE '\'`).
pub(crate) fn like_pattern(needle: &str) -> String {
    let mut out = String::from("%");
    // No name is 1,000 characters long, and SQLite refuses patterns over
    // 50,000 bytes; PostgreSQL cannot hold NUL in text.
    for c in needle.chars().filter(|&c| c != '\0').take(1000) {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// A Vietnamese collation key as text, so `ORDER BY sort_key` sorts in Vietnamese order
/// on both backends (PostgreSQL stores it with `COLLATE "C"`).
pub fn sort_key(name: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let key = ocop_domain::text::collation_key(name);
    let weights = ocop_domain::text::collation_weights(&key);
    // Four hex digits per weight, written directly: `format!` per weight
    // was a visible share of a 200,000-product import.
    let mut out = String::with_capacity(weights.len() * 4);
    for w in weights {
        let w = (*w).min(0xffff);
        for shift in [12, 8, 4, 0] {
            out.push(HEX[(w >> shift & 0xf) as usize] as char);
        }
    }
    out
}

pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

impl Store {
    /// A consistent copy of an SQLite database (`VACUUM INTO`), safe while
    /// other connections write.
    pub async fn backup_sqlite(&self, path: &str) -> Result<()> {
        match &self.pools {
            Pools::Sqlite { write, .. } => {
                sqlx::query("VACUUM INTO $1")
                    .bind(path)
                    .execute(write)
                    .await?;
                Ok(())
            }
            Pools::Postgres(_) => Err(StoreError::Migration(
                "VACUUM INTO chỉ dùng cho SQLite".into(),
            )),
        }
    }
}

/// Rows of `cols` parameters that fit in a statement of `params` parameters.
pub(crate) fn rows_for(params: usize, cols: usize) -> usize {
    (params / cols).max(1)
}

/// `(…), (…)`: `n` rows of `cols` parameters, for a statement that has no
/// other parameter (they are numbered in order). On SQLite they are
/// anonymous (`?`): sqlx looks up the name of each numbered parameter in a
/// list, so binding a statement of `$n` parameters costs time in the square
/// of its size, and an anonymous one costs nothing to look up.
pub(crate) fn value_rows(backend: Backend, n: usize, cols: usize) -> String {
    match backend {
        Backend::Postgres => placeholders(n, cols, 1),
        Backend::Sqlite => {
            let row = format!("({})", vec!["?"; cols].join(", "));
            vec![row; n].join(", ")
        }
    }
}

/// The multi-row statements that write `len` rows, `per` rows to a
/// statement: every statement but the last has the same text, so it is
/// built once (`make(n)` gives the text for `n` rows), not once per
/// statement.
pub(crate) struct Statements {
    len: usize,
    per: usize,
    full: String,
    last: String,
}

impl Statements {
    pub fn new(len: usize, per: usize, make: impl Fn(usize) -> String) -> Self {
        let per = per.max(1);
        let full = if len >= per { make(per) } else { String::new() };
        let last = if !len.is_multiple_of(per) {
            make(len % per)
        } else {
            String::new()
        };
        Self {
            len,
            per,
            full,
            last,
        }
    }

    /// How many statements.
    pub fn count(&self) -> usize {
        self.len.div_ceil(self.per)
    }

    /// The rows statement `i` writes.
    pub fn rows(&self, i: usize) -> std::ops::Range<usize> {
        i * self.per..((i + 1) * self.per).min(self.len)
    }

    /// The text of statement `i`.
    pub fn sql(&self, i: usize) -> &str {
        if self.rows(i).len() == self.per {
            &self.full
        } else {
            &self.last
        }
    }
}

/// Execute the `n` statements `build(0)`, … `build(n - 1)` in order on `c`,
/// building (binding) each next one while the previous executes: SQLite
/// runs a statement on its own worker thread and PostgreSQL on the server,
/// so binding a batch of rows, which is most of the client's work in a bulk
/// insert, no longer waits for the database, nor the database for it (an
/// import of 200,000 products: about a tenth faster on SQLite).
pub(crate) async fn execute_pipelined<'q, C, DB, F>(
    c: &mut C,
    n: usize,
    mut build: F,
) -> std::result::Result<(), sqlx::Error>
where
    C: sqlx::Connection<Database = DB>,
    DB: sqlx::Database,
    for<'c> &'c mut C: sqlx::Executor<'c, Database = DB>,
    DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    F: FnMut(usize) -> sqlx::query::Query<'q, DB, DB::Arguments<'q>>,
{
    let mut next = (n > 0).then(|| build(0));
    let mut i = 0;
    while let Some(current) = next.take() {
        i += 1;
        if i < n {
            let (done, built) =
                futures_util::future::join(current.execute(&mut *c), async { build(i) }).await;
            done?;
            next = Some(built);
        } else {
            current.execute(&mut *c).await?;
        }
    }
    Ok(())
}

/// `($first, …), (…)`: `n` rows of `cols` parameters numbered from `first`.
pub(crate) fn placeholders(n: usize, cols: usize, first: usize) -> String {
    (0..n)
        .map(|r| {
            let row: Vec<String> = (0..cols)
                .map(|c| format!("${}", first + r * cols + c))
                .collect();
            format!("({})", row.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    /// The stored key is four hex digits per weight, capped at `ffff`, and
    /// sorts like the key itself.
    #[test]
    fn sort_keys_spell_the_weights_and_sort_in_vietnamese_order() {
        let names = [
            "Bánh chưng A Lưới 1",
            "bánh chưng",
            "Đào",
            "Dừa",
            "Ô mai",
            "Ổi 🍈",
            "",
            "a",
        ];
        for n in names {
            let key = ocop_domain::text::collation_key(n);
            let spelled: String = ocop_domain::text::collation_weights(&key)
                .iter()
                .map(|w| format!("{:04x}", (*w).min(0xffff)))
                .collect();
            assert_eq!(super::sort_key(n), spelled, "{n}");
        }
        for a in names {
            for b in names {
                assert_eq!(
                    super::sort_key(a).cmp(&super::sort_key(b)),
                    ocop_domain::text::compare_vi(a, b),
                    "{a} / {b}"
                );
            }
        }
    }
}
