//! The audit log: append (inside the caller's transaction), read a record's
//! history, verify the whole chain.

use crate::{
    execute_pipelined, on_pool, on_tx, rows_for, value_rows, Result, Statements, Store, Tx,
};
use ocop_domain::audit::{entry_hash, verify_chain, ChainFault, EntryContent, StoredEntry};
use ocop_domain::auth::Capability;
use serde::Serialize;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub actor_id: i64,
    pub actor_name: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: String,
    pub after: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Append an audit entry and an outbox entry in `tx`. `before`/`after` are
/// JSON snapshots (empty for create/delete).
pub(crate) async fn record(
    tx: &mut Tx,
    cap: &Capability,
    entity: &'static str,
    entity_id: &str,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> Result<()> {
    let before = before.map(|v| v.to_string()).unwrap_or_default();
    let after = after.map(|v| v.to_string()).unwrap_or_default();
    let at = crate::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    lock_chain(tx).await?;
    let (last_id, last_hash) = tx.audit_tip.clone().expect("tip loaded above");
    let id = last_id + 1;
    let action = cap.action().code();
    let hash = entry_hash(
        &last_hash,
        &EntryContent {
            id,
            at: &at,
            actor_id: cap.actor_id(),
            actor_name: cap.actor_name(),
            action,
            entity,
            entity_id,
            before: &before,
            after: &after,
        },
    );
    let outbox = tx.first_outbox(entity, entity_id);
    on_tx!(tx, |c| {
        sqlx::query(
            "INSERT INTO audit_log (id, at, actor_id, actor_name, action, entity, entity_id, before, after, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(id)
        .bind(&at)
        .bind(cap.actor_id())
        .bind(cap.actor_name())
        .bind(action)
        .bind(entity)
        .bind(entity_id)
        .bind(&before)
        .bind(&after)
        .bind(&last_hash)
        .bind(&hash)
        .execute(&mut *c)
        .await?;
        if outbox {
            sqlx::query("INSERT INTO outbox (at, entity, entity_id, op) VALUES ($1, $2, $3, $4)")
                .bind(crate::now())
                .bind(entity)
                .bind(entity_id)
                .bind(action)
                .execute(&mut *c)
                .await?;
        }
    });
    tx.audit_tip = Some((id, hash));
    tx.tip_dirty = true;
    Ok(())
}

/// Write the chain's tip back to `audit_head` (called by `Tx::commit`).
/// One audit entry to append with [`record_many`] (creations: no `before`).
pub(crate) struct AuditRecord<'a> {
    pub cap: &'a Capability,
    pub entity: &'static str,
    pub entity_id: String,
    pub after: String,
}

/// Take the audit chain's lock for `tx` and load its tip, once per
/// transaction. Updating the head first takes its row lock (PostgreSQL) or
/// the write lock (SQLite): appends are serialized and the chain stays
/// linear. The lock is held to the end of the transaction, so the tip read
/// here stays ours and later appends in this transaction need not re-read it.
pub(crate) async fn lock_chain(tx: &mut Tx) -> Result<()> {
    if tx.audit_tip.is_none() {
        let tip: (i64, String) = on_tx!(tx, |c| {
            sqlx::query("UPDATE audit_head SET k = k WHERE k = 1")
                .execute(&mut *c)
                .await?;
            sqlx::query_as("SELECT last_id, last_hash FROM audit_head WHERE k = 1")
                .fetch_one(&mut *c)
                .await?
        });
        tx.audit_tip = Some(tip);
    }
    Ok(())
}

pub(crate) async fn record_many(
    tx: &mut Tx,
    entries: &[AuditRecord<'_>],
    params: usize,
) -> Result<()> {
    lock_chain(tx).await?;
    let (mut last_id, mut last_hash) = tx.audit_tip.clone().expect("locked above");
    let backend = tx.backend();
    let statements = Statements::new(entries.len(), rows_for(params, 11), |n| {
        format!(
            "INSERT INTO audit_log (id, at, actor_id, actor_name, action, entity, entity_id, before, after, prev_hash, hash) \
             VALUES {}",
            value_rows(backend, n, 11)
        )
    });
    on_tx!(tx, |c| {
        // Each entry is chained to the one before as its statement is
        // bound, so hashing too overlaps the previous statement's writing.
        execute_pipelined(c, statements.count(), |i| {
            let mut q = sqlx::query(statements.sql(i));
            for e in &entries[statements.rows(i)] {
                let at = crate::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
                last_id += 1;
                let hash = entry_hash(
                    &last_hash,
                    &EntryContent {
                        id: last_id,
                        at: &at,
                        actor_id: e.cap.actor_id(),
                        actor_name: e.cap.actor_name(),
                        action: e.cap.action().code(),
                        entity: e.entity,
                        entity_id: &e.entity_id,
                        before: "",
                        after: &e.after,
                    },
                );
                let prev = std::mem::replace(&mut last_hash, hash.clone());
                q = q
                    .bind(last_id)
                    .bind(at)
                    .bind(e.cap.actor_id())
                    .bind(e.cap.actor_name())
                    .bind(e.cap.action().code())
                    .bind(e.entity)
                    .bind(&e.entity_id)
                    .bind("")
                    .bind(&e.after)
                    .bind(prev)
                    .bind(hash);
            }
            q
        })
        .await
    })?;
    let outboxed: Vec<&AuditRecord> = entries
        .iter()
        .filter(|e| tx.first_outbox(e.entity, &e.entity_id))
        .collect();
    let t = crate::now();
    let statements = Statements::new(outboxed.len(), rows_for(params, 4), |n| {
        format!(
            "INSERT INTO outbox (at, entity, entity_id, op) VALUES {}",
            value_rows(backend, n, 4)
        )
    });
    on_tx!(tx, |c| {
        execute_pipelined(c, statements.count(), |i| {
            let mut q = sqlx::query(statements.sql(i));
            for e in &outboxed[statements.rows(i)] {
                q = q
                    .bind(t)
                    .bind(e.entity)
                    .bind(&e.entity_id)
                    .bind(e.cap.action().code());
            }
            q
        })
        .await
    })?;
    if !entries.is_empty() {
        tx.audit_tip = Some((last_id, last_hash));
        tx.tip_dirty = true;
    }
    Ok(())
}

pub(crate) async fn write_tip(tx: &mut Tx) -> Result<()> {
    if !tx.tip_dirty {
        return Ok(());
    }
    let (id, hash) = tx.audit_tip.clone().expect("dirty tip is set");
    on_tx!(tx, |c| sqlx::query(
        "UPDATE audit_head SET last_id = $1, last_hash = $2 WHERE k = 1"
    )
    .bind(id)
    .bind(&hash)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    tx.tip_dirty = false;
    Ok(())
}

/// What `ocop audit verify` reports.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub entries: usize,
    pub faults: Vec<String>,
}

impl Store {
    /// A record's history, newest first.
    pub async fn history(&self, entity: &str, entity_id: &str) -> Result<Vec<AuditEntry>> {
        Ok(on_pool!(self, |c| sqlx::query_as::<_, AuditEntry>(
            "SELECT * FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY id DESC"
        )
        .bind(entity)
        .bind(entity_id)
        .fetch_all(c)
        .await)?)
    }

    /// Recent entries, newest first.
    pub async fn recent_audit(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        Ok(on_pool!(self, |c| sqlx::query_as::<_, AuditEntry>(
            "SELECT * FROM audit_log ORDER BY id DESC LIMIT $1"
        )
        .bind(limit)
        .fetch_all(c)
        .await)?)
    }

    /// Recompute the whole chain and check the head points at its tip.
    pub async fn verify_audit(&self) -> Result<VerifyReport> {
        let rows: Vec<AuditEntry> = on_pool!(self, |c| sqlx::query_as::<_, AuditEntry>(
            "SELECT * FROM audit_log ORDER BY id"
        )
        .fetch_all(c)
        .await)?;
        let (last_id, last_hash): (i64, String) = on_pool!(self, |c| sqlx::query_as(
            "SELECT last_id, last_hash FROM audit_head WHERE k = 1"
        )
        .fetch_one(c)
        .await)?;
        let stored: Vec<StoredEntry> = rows
            .into_iter()
            .map(|r| StoredEntry {
                id: r.id,
                at: r.at,
                actor_id: r.actor_id,
                actor_name: r.actor_name,
                action: r.action,
                entity: r.entity,
                entity_id: r.entity_id,
                before: r.before,
                after: r.after,
                prev_hash: r.prev_hash,
                hash: r.hash,
            })
            .collect();
        let mut faults: Vec<String> = verify_chain(&stored)
            .iter()
            .map(ChainFault::to_string)
            .collect();
        let tip = stored
            .last()
            .map(|e| (e.id, e.hash.clone()))
            .unwrap_or((0, ocop_domain::audit::GENESIS.into()));
        if tip != (last_id, last_hash) {
            faults.push(format!(
                "đầu chuỗi trỏ tới mục #{last_id} nhưng mục cuối là #{}: có mục cuối bị xoá",
                tip.0
            ));
        }
        Ok(VerifyReport {
            entries: stored.len(),
            faults,
        })
    }
}
