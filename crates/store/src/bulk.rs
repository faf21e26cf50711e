//! Inserting many new producers, or products with their certificates, at
//! once: the demo loader and the registry import share it.
//!
//! The rows are those `registry::insert_producer`, `insert_product` and
//! `insert_certificate` would write one at a time, in input order:
//! the same ids, product codes (the commune's sequence, kept ahead of codes
//! assigned before this system), certificate numbers and audit content
//! (the tests of `demo.rs` and `import.rs` compare the two paths on every
//! backend). Each table gets multi-row INSERTs of at most `params`
//! parameters, each bound while the previous one executes
//! ([`execute_pipelined`]); the SQL text is built from row and column counts
//! (`($1, $2), ($3, $4)`) and this module's own table names, never from data.

use crate::audit::AuditRecord;
use crate::registry::{certificate_number, product_json, BindProducer, SOURCE_RECORDED};
use crate::{
    execute_pipelined, on_tx, rows_for, value_rows, Backend, Pools, Result, Statements, Store, Tx,
};
use chrono::{DateTime, Datelike, Utc};
use ocop_domain::auth::Capability;
use ocop_domain::certificate::LegacyCertificate;
use ocop_domain::ids::ProductCode;
use ocop_domain::producer::ProducerData;
use ocop_domain::product::ProductData;
use ocop_domain::text::fold_vi;
use std::collections::HashMap;

/// Parameters per multi-row statement, far below the backends' limits
/// (SQLite 32,766, PostgreSQL 65,535). Measured on an import of 200,000
/// products: on SQLite a few hundred already make the per-statement cost
/// negligible, and 2,048 took longer (22.5 s against 19.8 s); PostgreSQL
/// works each statement out on the server and gains from fewer of them
/// (53 s at 256, 28 s at 2,048, 27 s at 8,192). The statements' parameters
/// are anonymous on SQLite (`value_rows`), so binding does not grow with
/// their number.
pub(crate) fn params_per_statement(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => 256,
        Backend::Postgres => 2048,
    }
}

/// A product to create, with its producer's place as the registry reads it.
pub(crate) struct NewProduct<'a> {
    pub producer_id: i64,
    pub province: &'a str,
    pub commune: &'a str,
    pub data: &'a ProductData,
    pub certificate: Option<&'a LegacyCertificate>,
    /// The year in the code assigned when the data carries none.
    pub code_year: i32,
}

/// What was written for one [`NewProduct`].
pub(crate) struct Inserted {
    pub id: i64,
    pub code: String,
    /// The certificate's id and public number.
    pub certificate: Option<(i64, String)>,
}

/// Insert `items` (all new) and their certificates; audit entries are the
/// caller's, from [`audit_entries`], so it can order them among its own.
pub(crate) async fn insert_products(
    tx: &mut Tx,
    items: &[NewProduct<'_>],
    t: DateTime<Utc>,
    params: usize,
) -> Result<Vec<Inserted>> {
    let codes = assign_codes(tx, items, params).await?;

    // Ids are taken first, so nothing has to come back from the inserts and
    // a certificate's number (which contains its id) is written with it.
    let ids = next_ids(tx, Table::Products, items.len()).await?;
    let statements = Statements::new(items.len(), rows_for(params, 13), |n| {
        format!(
            "INSERT INTO products (id, created_at, producer_id, name, name_fold, sort_key, set_code, description, gtin, code, \
             province_code, commune_code, group_code, active, updated_at, version) \
             SELECT v.*, TRUE, v.column2, 1 FROM (VALUES {}) AS v",
            value_rows(tx.backend(), n, 13)
        )
    });
    on_tx!(tx, |c| {
        execute_pipelined(c, statements.count(), |i| {
            let mut q = sqlx::query(statements.sql(i));
            for r in statements.rows(i) {
                let p = &items[r];
                q = q
                    .bind(ids[r])
                    .bind(t)
                    .bind(p.producer_id)
                    .bind(&p.data.name)
                    .bind(fold_vi(&p.data.name))
                    .bind(crate::sort_key(&p.data.name))
                    .bind(&p.data.set_code)
                    .bind(&p.data.description)
                    .bind(&p.data.gtin)
                    .bind(&codes[r])
                    .bind(p.province)
                    .bind(p.commune)
                    .bind(
                        ocop_domain::classification::product_set(&p.data.set_code)
                            .map(|s| s.group.as_str()),
                    );
            }
            q
        })
        .await
    })
    .map_err(crate::registry::product_conflict)?;

    let mut out: Vec<Inserted> = ids
        .iter()
        .zip(codes)
        .map(|(&id, code)| Inserted {
            id,
            code,
            certificate: None,
        })
        .collect();
    let certified: Vec<usize> = (0..items.len())
        .filter(|&i| items[i].certificate.is_some())
        .collect();
    let cert_ids = next_ids(tx, Table::Certificates, certified.len()).await?;
    for (&i, &id) in certified.iter().zip(&cert_ids) {
        let issued = items[i].certificate.expect("certified").issued_on;
        out[i].certificate = Some((id, certificate_number(items[i].province, issued.year(), id)));
    }
    let statements = Statements::new(certified.len(), rows_for(params, 10), |n| {
        format!(
            "INSERT INTO certificates (id, number, created_at, product_id, stars, decision_number, issuer, issued_on, \
             expires_on, source) SELECT * FROM (VALUES {}) AS v",
            value_rows(tx.backend(), n, 10)
        )
    });
    on_tx!(tx, |c| {
        execute_pipelined(c, statements.count(), |s| {
            let mut q = sqlx::query(statements.sql(s));
            for &i in &certified[statements.rows(s)] {
                let cert = items[i].certificate.expect("filtered on certificates");
                let (id, number) = out[i].certificate.as_ref().expect("numbered above");
                q = q
                    .bind(*id)
                    .bind(number)
                    .bind(t)
                    .bind(out[i].id)
                    .bind(cert.stars as i64)
                    .bind(&cert.decision_number)
                    .bind(&cert.issuer)
                    .bind(cert.issued_on)
                    .bind(cert.expires_on)
                    .bind(SOURCE_RECORDED);
            }
            q
        })
        .await
    })?;
    Ok(out)
}

/// Insert `producers` (all new), in order; returns their ids. Audit entries
/// are the caller's, as for products.
pub(crate) async fn insert_producers(
    tx: &mut Tx,
    producers: &[&ProducerData],
    t: DateTime<Utc>,
    params: usize,
) -> Result<Vec<i64>> {
    let ids = next_ids(tx, Table::Producers, producers.len()).await?;
    // The columns in `BindProducer`'s order, between the id and the time.
    let statements = Statements::new(producers.len(), rows_for(params, 21), |n| {
        format!(
            "INSERT INTO producers (id, name, name_fold, sort_key, kind, registration_number, address, commune_code, \
             province_code, legacy_commune_code, phone, email, website, representative_name, representative_gender, \
             representative_ethnicity, representative_disability, community_capital_pct, workers, description, created_at, \
             active, updated_at, version) SELECT v.*, TRUE, v.column21, 1 FROM (VALUES {}) AS v",
            value_rows(tx.backend(), n, 21)
        )
    });
    on_tx!(tx, |c| {
        execute_pipelined(c, statements.count(), |i| {
            let mut q = sqlx::query(statements.sql(i));
            for r in statements.rows(i) {
                q = q.bind(ids[r]).bind_producer(producers[r]).bind(t);
            }
            q
        })
        .await
    })
    .map_err(crate::registry::producer_conflict)?;
    Ok(ids)
}

/// The tables whose ids [`next_ids`] hands out.
#[derive(Clone, Copy)]
enum Table {
    Producers,
    Products,
    Certificates,
}

impl Table {
    /// The table's name, as written here: the only text `next_ids` puts
    /// into its SQL.
    fn name(self) -> &'static str {
        match self {
            Table::Producers => "producers",
            Table::Products => "products",
            Table::Certificates => "certificates",
        }
    }
}

/// The next `n` ids of `table`, in ascending order, as its own inserts would
/// take them. On PostgreSQL they are drawn from the table's sequence; on
/// SQLite they follow the largest ever used (AUTOINCREMENT keeps it in
/// `sqlite_sequence`, and a row inserted with its id moves it on), which
/// holds because the transaction takes the write lock first, so no other
/// insert can come in between.
async fn next_ids(tx: &mut Tx, table: Table, n: usize) -> Result<Vec<i64>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    crate::audit::lock_chain(tx).await?;
    let name = table.name();
    Ok(match &mut tx.conn {
        crate::TxConn::Sqlite(c) => {
            let sql = format!(
                "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{name}'), 0), \
                 COALESCE((SELECT MAX(id) FROM {name}), 0))"
            );
            let last: i64 = sqlx::query_scalar(&sql).fetch_one(&mut **c).await?;
            (last + 1..=last + n as i64).collect()
        }
        crate::TxConn::Postgres(c) => {
            let sql = format!(
                "SELECT nextval(pg_get_serial_sequence('{name}', 'id')) AS id \
                 FROM generate_series(1, $1) ORDER BY id"
            );
            sqlx::query_scalar(&sql)
                .bind(n as i64)
                .fetch_all(&mut **c)
                .await?
        }
    })
}

/// Each product's code, in input order: the one it carries, or the next of
/// its commune's sequence for its year, continuing from the database. The
/// sequences are saved as the per-row path leaves them.
async fn assign_codes(tx: &mut Tx, items: &[NewProduct<'_>], params: usize) -> Result<Vec<String>> {
    let communes: Vec<&str> = {
        let mut v: Vec<&str> = items
            .iter()
            .map(|p| match &p.data.code {
                Some(code) => code.commune.as_str(),
                None => p.commune,
            })
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let mut next: HashMap<(String, i64), i64> = HashMap::new();
    for part in communes.chunks(rows_for(params, 1)) {
        let list: Vec<String> = (1..=part.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT commune_code, year, next_seq FROM commune_sequences WHERE commune_code IN ({})",
            list.join(", ")
        );
        let got: Vec<(String, i64, i64)> = on_tx!(tx, |c| {
            let mut q = sqlx::query_as(&sql);
            for code in part {
                q = q.bind(*code);
            }
            q.fetch_all(&mut *c).await
        })?;
        for (commune, y, n) in got {
            next.insert((commune, y), n);
        }
    }
    let mut codes = Vec::with_capacity(items.len());
    for p in items {
        let code = match &p.data.code {
            Some(code) => {
                // Keep the sequence ahead of codes assigned before this system.
                let n = next
                    .entry((code.commune.clone(), code.year as i64))
                    .or_insert(1);
                *n = (*n).max(code.seq as i64 + 1);
                code.clone()
            }
            None => {
                let n = next
                    .entry((p.commune.to_string(), p.code_year as i64))
                    .or_insert(1);
                let seq = *n;
                *n += 1;
                ProductCode {
                    province: p.province.to_string(),
                    commune: p.commune.to_string(),
                    seq: seq as u32,
                    year: p.code_year,
                }
            }
        };
        codes.push(code.to_string());
    }
    let seqs: Vec<(&(String, i64), &i64)> = next.iter().collect();
    for part in seqs.chunks(rows_for(params, 3)) {
        let sql = format!(
            "INSERT INTO commune_sequences (commune_code, year, next_seq) VALUES {} \
             ON CONFLICT (commune_code, year) DO UPDATE SET next_seq = excluded.next_seq",
            value_rows(tx.backend(), part.len(), 3)
        );
        on_tx!(tx, |c| {
            let mut q = sqlx::query(&sql);
            for ((commune, y), n) in part {
                q = q.bind(commune).bind(*y).bind(**n);
            }
            q.execute(&mut *c).await.map(|_| ())
        })?;
    }
    Ok(codes)
}

/// The audit entry the per-row path writes for one created producer.
pub(crate) fn producer_audit_entry<'c>(
    cap: &'c Capability,
    id: i64,
    d: &ProducerData,
) -> AuditRecord<'c> {
    AuditRecord {
        cap,
        entity: "producer",
        entity_id: id.to_string(),
        after: crate::registry::producer_json(id, d).to_string(),
    }
}

/// The audit entries the per-row path writes for one created product: the
/// product, then its certificate.
pub(crate) fn audit_entries<'c>(
    product_cap: &'c Capability,
    certificate_cap: &'c Capability,
    item: &NewProduct<'_>,
    inserted: &Inserted,
    out: &mut Vec<AuditRecord<'c>>,
) {
    out.push(AuditRecord {
        cap: product_cap,
        entity: "product",
        entity_id: inserted.id.to_string(),
        after: product_json(inserted.id, &inserted.code, item.producer_id, item.data).to_string(),
    });
    if let (Some(cert), Some((cid, number))) = (item.certificate, &inserted.certificate) {
        out.push(AuditRecord {
            cap: certificate_cap,
            entity: "product",
            entity_id: inserted.id.to_string(),
            after:
                serde_json::json!({ "certificate_id": cid, "number": number, "certificate": cert })
                    .to_string(),
        });
    }
}

/// Settings of the SQLite writer connection for a large load, put back after:
///
/// - a large page cache: the default (2 MB) makes a load spill dirty pages
///   to the WAL and read them back, over and over, for every index;
/// - statement journals in memory: each multi-row INSERT inside the load's
///   transaction keeps a copy of every page it touches until it ends (to
///   undo just that statement), by default in a temporary file. At 200,000
///   products those writes were a third of an import's time.
pub(crate) struct BulkLoad<'a> {
    restore: Option<(&'a sqlx::SqlitePool, i64, i64)>,
}

impl<'a> BulkLoad<'a> {
    pub async fn take(store: &'a Store) -> Result<Self> {
        let restore = match &store.pools {
            Pools::Sqlite { write, .. } => {
                let cache: i64 = sqlx::query_scalar("PRAGMA cache_size")
                    .fetch_one(write)
                    .await?;
                let temp: i64 = sqlx::query_scalar("PRAGMA temp_store")
                    .fetch_one(write)
                    .await?;
                sqlx::query("PRAGMA cache_size = -262144")
                    .execute(write)
                    .await?;
                sqlx::query("PRAGMA temp_store = MEMORY")
                    .execute(write)
                    .await?;
                Some((write, cache, temp))
            }
            Pools::Postgres(_) => None,
        };
        Ok(Self { restore })
    }

    /// Put the settings back. A failure is logged, not returned: the load
    /// has committed (or failed) by then, and its outcome is what the
    /// caller reports; the connection only keeps a larger cache.
    pub async fn give_back(self) {
        if let Some((write, cache, temp)) = self.restore {
            // A pragma takes no parameters; the values are numbers we read.
            for sql in [
                format!("PRAGMA cache_size = {cache}"),
                format!("PRAGMA temp_store = {temp}"),
            ] {
                if let Err(e) = sqlx::query(&sql).execute(write).await {
                    tracing::warn!(error = %e, "{sql} after a bulk load failed");
                }
            }
        }
    }
}
