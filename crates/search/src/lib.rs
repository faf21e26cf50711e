//! Catalog search. Two derived structures answer every catalog query without
//! touching the database until the page's products are fetched:
//!
//! - the text index (`text`, tantivy) finds the products matching `q`, with
//!   accents or without, prefixes and one typo, ranked;
//! - the facet table (`table`) filters those, counts the facets, sorts and
//!   pages, in Vietnamese name order.
//!
//! Both are built from the store at start-up (the text index is kept on disk
//! and only rebuilt when it does not match the database) and follow it
//! through the outbox: every audited write leaves an outbox row in its own
//! transaction; [`Search::catch_up`] applies the rows it has not seen. A
//! read that follows a write made through this process catches up first, so
//! it sees the write; writes by other processes (a command-line import) are
//! picked up by [`Search::follow`] within its interval.

mod snapshot;
mod table;
pub mod text;

use chrono::NaiveDate;
use ocop_store::catalog::{CatalogEntry, CatalogFilter, CatalogPage};
use ocop_store::{Store, StoreError};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use table::Table;
pub use text::Suggestion;
use text::{TextIndex, TextReader};

/// Outbox rows read per step of catching up.
const OUTBOX_BATCH: i64 = 1000;

/// Past this many touched products in one step, rebuilding from one query
/// beats fetching entries one by one (a large import).
const REBUILD_THRESHOLD: usize = 2000;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("chỉ mục tìm kiếm: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("chỉ mục tìm kiếm: {0}")]
    Directory(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("thư mục chỉ mục {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error(
        "Chỉ mục tìm kiếm đang được một tiến trình khác sử dụng (máy chủ đang chạy?). \
         Hãy dừng tiến trình đó rồi chạy lại; máy chủ tự cập nhật chỉ mục khi khởi động."
    )]
    Locked,
}

pub type Result<T> = std::result::Result<T, SearchError>;

/// What the writer side has applied.
struct Sync {
    text: TextIndex,
    /// The last outbox row reflected in both the text index and the table.
    applied: i64,
}

pub struct Search {
    store: Store,
    /// Where the text index (and the facet table's snapshot) are kept.
    dir: Option<PathBuf>,
    reader: TextReader,
    table: RwLock<Arc<Table>>,
    sync: tokio::sync::Mutex<Sync>,
    /// `store.commit_count()` when the last catch-up began: while it is
    /// unchanged, nothing was written through this process since.
    seen_commits: AtomicU64,
    /// Bumped whenever the catalog changes: derived figures (statistics)
    /// computed at one generation stay true until the next.
    generation: AtomicU64,
}

impl Search {
    /// Open (or build) the search structures for `store`. `dir` keeps the
    /// text index between runs; `None` keeps it in memory.
    pub async fn open(store: Store, dir: Option<&Path>) -> Result<Arc<Search>> {
        let commits = store.commit_count();
        // Read the outbox position before the entries: a write in between is
        // then replayed by the catch-up below (replaying is harmless).
        let last = store.outbox_last_id().await?;
        let mut text = TextIndex::open(dir)?;
        let saved = match dir.and_then(snapshot::take) {
            Some(s) if Self::still_true(&store, &s, &text, last).await? => Some(s),
            _ => None,
        };
        let (table, applied) = match saved {
            Some(s) => (s.table, s.applied),
            None => {
                let entries = store.catalog_entries().await?;
                let applied = match text.reader.applied_outbox_id() {
                    // An index that matches the database only needs what
                    // changed since its last commit.
                    Some(a) if a <= last && text.reader.num_docs() == entries.len() as u64 => a,
                    _ => {
                        text.rebuild(&entries, last)?;
                        last
                    }
                };
                (Table::build(&entries), applied)
            }
        };
        let search = Arc::new(Search {
            store,
            dir: dir.map(Path::to_path_buf),
            reader: text.reader.clone(),
            table: RwLock::new(Arc::new(table)),
            sync: tokio::sync::Mutex::new(Sync { text, applied }),
            seen_commits: AtomicU64::new(commits),
            generation: AtomicU64::new(0),
        });
        search.catch_up().await?;
        Ok(search)
    }

    /// Does a snapshot describe this database, at the text index's position?
    async fn still_true(
        store: &Store,
        s: &snapshot::Snapshot,
        text: &TextIndex,
        last: i64,
    ) -> Result<bool> {
        if s.applied > last
            || text.reader.applied_outbox_id() != Some(s.applied)
            || text.reader.num_docs() != s.table.len() as u64
        {
            return Ok(false);
        }
        let at = store.outbox_at(s.applied).await?;
        Ok(at.unwrap_or_default() == s.applied_at)
    }

    /// Save the facet table beside the text index, for the next start (see
    /// `snapshot`). Called when the server stops; nothing to do in memory.
    pub async fn save_snapshot(&self) -> Result<()> {
        let Some(dir) = &self.dir else {
            return Ok(());
        };
        let sync = self.sync.lock().await;
        // The text index's own position: outbox rows after it that touched
        // no product moved `sync.applied` without a commit of the index, and
        // left the table as it was at this position.
        let Some(applied) = sync.text.reader.applied_outbox_id() else {
            return Ok(());
        };
        let at = self.store.outbox_at(applied).await?.unwrap_or_default();
        snapshot::save(dir, &self.current(), applied, &at)
            .map_err(|e| SearchError::Io(dir.clone(), e))
    }

    /// Rebuild the text index in `dir` from the database, without a server
    /// (`ocop reindex`): one read of the catalog, one rebuild. Returns how
    /// many products it indexed.
    pub async fn reindex(store: &Store, dir: &Path) -> Result<usize> {
        let last = store.outbox_last_id().await?;
        let mut text = TextIndex::open(Some(dir))?;
        text.clear()?;
        // Indexed as they are read (the writer's threads work meanwhile); a
        // failure leaves the index uncommitted, as it was.
        let n = store.each_catalog_text(|e| text.add(&e)).await?;
        text.commit(last)?;
        snapshot::discard(dir);
        Ok(n)
    }

    /// Rebuild both structures from the database, in a running process.
    pub async fn rebuild(&self) -> Result<usize> {
        let mut sync = self.sync.lock().await;
        let commits = self.store.commit_count();
        let last = self.store.outbox_last_id().await?;
        let n = self.rebuild_to(&mut sync, last).await?;
        self.seen_commits.fetch_max(commits, Ordering::AcqRel);
        Ok(n)
    }

    /// Both structures from one read of the catalog, marked as applied up to
    /// outbox row `last` (read before the catalog, so nothing is missed).
    async fn rebuild_to(&self, sync: &mut Sync, last: i64) -> Result<usize> {
        sync.text.clear()?;
        let mut table = Table::default();
        let read = self
            .store
            .each_catalog_entry(|e| {
                table.push(&e);
                sync.text.add(&e.text)
            })
            .await;
        let n = match read {
            Ok(n) => n,
            Err(e) => {
                // Uncommitted deletions and additions would otherwise go
                // out with the next commit: a partial index.
                sync.text.abandon()?;
                return Err(e);
            }
        };
        sync.text.commit(last)?;
        sync.applied = last;
        self.publish(table.sorted());
        Ok(n)
    }

    /// Apply every outbox row not yet applied. Returns how many rows.
    pub async fn catch_up(&self) -> Result<usize> {
        let mut sync = self.sync.lock().await;
        self.catch_up_locked(&mut sync).await
    }

    /// Apply the outbox up to its last row as of now: every commit counted
    /// before this call is in it. Rows written meanwhile are the next
    /// catch-up's; chasing them here would keep the caller (a reader) waiting
    /// for as long as writes keep coming.
    async fn catch_up_locked(&self, sync: &mut Sync) -> Result<usize> {
        let commits = self.store.commit_count();
        let until = self.store.outbox_last_id().await?;
        let mut rows = 0;
        while sync.applied < until {
            let mut batch = self.store.outbox_after(sync.applied, OUTBOX_BATCH).await?;
            batch.retain(|e| e.id <= until);
            let Some(last) = batch.last().map(|e| e.id) else {
                break;
            };
            rows += batch.len();
            let mut touched = HashSet::new();
            for e in &batch {
                touched.extend(
                    self.store
                        .products_touched_by(&e.entity, &e.entity_id)
                        .await?,
                );
            }
            if touched.len() > REBUILD_THRESHOLD {
                self.rebuild_to(sync, last).await?;
            } else if !touched.is_empty() {
                let mut entries: Vec<CatalogEntry> = Vec::new();
                for id in &touched {
                    entries.extend(self.store.catalog_entry(*id).await?);
                }
                let ids: Vec<i64> = touched.iter().copied().collect();
                sync.text.apply(&ids, &entries, last)?;
                let table = self.current().updated(&touched, &entries);
                self.publish(table);
            }
            sync.applied = last;
        }
        self.seen_commits.fetch_max(commits, Ordering::AcqRel);
        Ok(rows)
    }

    /// Catch up every `every` (for writes made by other processes) until the
    /// program ends. Errors are logged and retried at the next tick.
    pub fn follow(self: &Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        let search = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let Some(search) = search.upgrade() else {
                    return;
                };
                if let Err(e) = search.catch_up().await {
                    tracing::warn!(error = %e, "search index catch-up failed");
                }
            }
        })
    }

    fn current(&self) -> Arc<Table> {
        self.table.read().expect("table lock").clone()
    }

    fn publish(&self, table: Table) {
        *self.table.write().expect("table lock") = Arc::new(table);
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// The catalog's generation, after catching up with this process's
    /// writes: equal generations mean an unchanged catalog.
    pub async fn generation(&self) -> Result<u64> {
        self.fresh().await?;
        Ok(self.generation.load(Ordering::Acquire))
    }

    /// The catalog's generation as it stands, without catching up: it
    /// moves when writes (this process's or another's) have been applied.
    pub fn generation_now(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Catch up first if this process wrote since the last catch-up. The
    /// commit counter only grows, and a catch-up applies every commit counted
    /// when it began: a reader that waited while another caught up past the
    /// count it arrived with has nothing left to do. Readers waiting behind
    /// one catch-up are all served by it, instead of each paying for another
    /// (and another index commit) under a steady stream of writes.
    async fn fresh(&self) -> Result<()> {
        let arrived_at = self.store.commit_count();
        if self.seen_commits.load(Ordering::Acquire) >= arrived_at {
            return Ok(());
        }
        let mut sync = self.sync.lock().await;
        if self.seen_commits.load(Ordering::Acquire) >= arrived_at {
            return Ok(());
        }
        self.catch_up_locked(&mut sync).await?;
        Ok(())
    }

    /// Search text of a filter, if it has any word.
    fn query_text(f: &CatalogFilter) -> Option<&str> {
        f.q.as_deref().filter(|q| !q.trim().is_empty())
    }

    /// One page of the catalog with its facet counts.
    pub async fn catalog(&self, f: &CatalogFilter, today: NaiveDate) -> Result<CatalogPage> {
        self.fresh().await?;
        let scores = match Self::query_text(f) {
            Some(q) => Some(self.reader.search(q)?),
            None => None,
        };
        let answer = self.current().answer(f, scores.as_deref(), today);
        // A product deleted between the index and this read is simply absent.
        let items = self.store.products_by_ids(&answer.ids).await?;
        Ok(CatalogPage {
            total: answer.total,
            page: f.page.max(1),
            per_page: f.per_page.clamp(1, 200),
            items,
            facets: answer.facets,
        })
    }

    /// The best `limit` products for what is being typed.
    pub async fn suggest(&self, q: &str, limit: usize) -> Result<Vec<Suggestion>> {
        self.fresh().await?;
        self.reader.suggest(q, limit)
    }
}
