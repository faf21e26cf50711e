//! Loading generated demo data (see `ocop_domain::demo`) in batches.
//!
//! A national-size data set (100,000 producers, 200,000 products) is about
//! 1.4 million rows once certificates, audit and outbox entries are counted. Written one statement per row, as the
//! registry does for a form, the load spends its time handing statements to
//! the database driver (minutes on SQLite); here each table gets multi-row
//! INSERTs of up to [`PARAMS_PER_STATEMENT`] parameters inside transactions of
//! [`PRODUCERS_PER_TX`] producers. The result is the same as inserting row by
//! row through `registry::insert_*` in input order — same ids, product codes,
//! certificate numbers, commune sequences, and audit entries in the same
//! order with the same content — which the test at the bottom checks against
//! that per-row path on every backend.
//!
//! The SQL text is built only from row and column counts (`($1, $2), ($3, $4)`),
//! never from data, and is the same for SQLite and PostgreSQL.

use crate::audit::{record_many, AuditRecord};
use crate::registry::certificate_number;
use crate::{on_tx, placeholders, rows_for, Pools, Result, Store, Tx};
use ocop_domain::auth::{Action, Capability};
use ocop_domain::demo::DemoProducer;
use ocop_domain::ids::ProductCode;
use ocop_domain::text::fold_vi;
use std::collections::HashMap;

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DemoReport {
    pub producers: usize,
    pub products: usize,
    pub certificates: usize,
    /// Id of each loaded producer, in input order.
    pub producer_ids: Vec<i64>,
}

/// Producers per transaction (about 10,000 products and 25,000 audit entries
/// at national proportions): an index page touched by many rows reaches the
/// WAL once per transaction, so large transactions write far less; each
/// still holds the write lock only a few seconds.
const PRODUCERS_PER_TX: usize = 5000;
/// Parameters per statement. Far below the backends' limits (SQLite 32,766,
/// PostgreSQL 65,535) on purpose: sqlx looks up each SQLite parameter's name,
/// which costs time linear in the statement's parameters, so binding grows
/// with the square of a statement's size. A few hundred parameters already
/// make the per-statement cost negligible.
const PARAMS_PER_STATEMENT: usize = 256;

impl Store {
    /// Load demo producers, products and certificates, audited as the system.
    /// A product's code year is its certificate's year, or `year` without one.
    pub async fn load_demo(
        &self,
        data: &[DemoProducer],
        year: i32,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<DemoReport> {
        self.load_demo_batched(data, year, progress, PRODUCERS_PER_TX, PARAMS_PER_STATEMENT)
            .await
    }

    async fn load_demo_batched(
        &self,
        data: &[DemoProducer],
        year: i32,
        progress: &(dyn Fn(usize) + Sync),
        producers_per_tx: usize,
        params: usize,
    ) -> Result<DemoReport> {
        let mut report = DemoReport::default();
        let caps = Caps {
            producer: Capability::system(Action::CreateProducer),
            product: Capability::system(Action::CreateProduct),
            certificate: Capability::system(Action::RecordCertificate),
        };
        // SQLite's default page cache (2 MB) makes a large load re-read and
        // re-write the same index pages over and over; give the writer
        // connection a large cache while loading, then its old size back.
        let cache = match &self.pools {
            Pools::Sqlite { write, .. } => {
                let old: i64 = sqlx::query_scalar("PRAGMA cache_size")
                    .fetch_one(write)
                    .await?;
                sqlx::query("PRAGMA cache_size = -262144")
                    .execute(write)
                    .await?;
                Some((write, old))
            }
            Pools::Postgres(_) => None,
        };
        let mut result = Ok(());
        for chunk in data.chunks(producers_per_tx.max(1)) {
            result = async {
                let mut tx = self.begin().await?;
                load_chunk(&mut tx, &caps, chunk, year, params, &mut report).await?;
                tx.commit().await
            }
            .await;
            if result.is_err() {
                break;
            }
            progress(report.producers);
        }
        if let Some((write, old)) = cache {
            // A pragma takes no parameters; the value is a number we read.
            sqlx::query(&format!("PRAGMA cache_size = {old}"))
                .execute(write)
                .await?;
        }
        result.map(|_| report)
    }
}

struct Caps {
    producer: Capability,
    product: Capability,
    certificate: Capability,
}

/// One product to insert, with what the per-row path would have computed.
struct NewProduct<'a> {
    producer: usize,
    data: &'a ocop_domain::product::ProductData,
    certificate: Option<&'a ocop_domain::certificate::LegacyCertificate>,
    code: String,
    id: i64,
}

async fn load_chunk(
    tx: &mut Tx,
    caps: &Caps,
    chunk: &[DemoProducer],
    year: i32,
    params: usize,
    report: &mut DemoReport,
) -> Result<()> {
    // The audit chain's lock first (as `audit::record` takes it): every audited
    // writer waits behind it, so the commune sequences read below stay ours.
    crate::audit::lock_chain(tx).await?;
    let t = crate::now();

    // Producers; ids come back with their unique registration number, since
    // RETURNING does not promise the order of VALUES.
    let mut producer_ids = vec![0i64; chunk.len()];
    let index: HashMap<&str, usize> = chunk
        .iter()
        .enumerate()
        .map(|(i, p)| (p.data.registration_number.as_str(), i))
        .collect();
    for part in chunk.chunks(rows_for(params, 20)) {
        let sql = format!(
            "INSERT INTO producers (created_at, name, name_fold, sort_key, kind, registration_number, address, commune_code, \
             province_code, legacy_commune_code, phone, email, website, representative_name, representative_gender, \
             representative_ethnicity, representative_disability, community_capital_pct, workers, description, active, \
             updated_at, version) SELECT v.*, TRUE, v.column1, 1 FROM (VALUES {}) AS v RETURNING id, registration_number",
            placeholders(part.len(), 20, 1)
        );
        let got: Vec<(i64, String)> = on_tx!(tx, |c| {
            let mut q = sqlx::query_as(&sql);
            for p in part {
                let d = &p.data;
                q = q
                    .bind(t)
                    .bind(&d.name)
                    .bind(fold_vi(&d.name))
                    .bind(crate::sort_key(&d.name))
                    .bind(d.kind.code())
                    .bind(&d.registration_number)
                    .bind(&d.address)
                    .bind(&d.commune_code)
                    .bind(&d.province_code)
                    .bind(&d.legacy_commune_code)
                    .bind(&d.phone)
                    .bind(&d.email)
                    .bind(&d.website)
                    .bind(&d.representative_name)
                    .bind(d.representative_gender.code())
                    .bind(&d.representative_ethnicity)
                    .bind(d.representative_disability)
                    .bind(d.community_capital_pct)
                    .bind(d.workers)
                    .bind(&d.description);
            }
            q.fetch_all(&mut *c).await
        })?;
        for (id, reg) in got {
            producer_ids[index[reg.as_str()]] = id;
        }
    }

    // Product codes: the commune's next sequence number per (commune, year),
    // continuing from what the database holds.
    let communes: Vec<&str> = {
        let mut v: Vec<&str> = chunk.iter().map(|p| p.data.commune_code.as_str()).collect();
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
    let mut products = Vec::new();
    for (i, p) in chunk.iter().enumerate() {
        for prod in &p.products {
            let y = prod
                .certificate
                .as_ref()
                .map(|c| chrono::Datelike::year(&c.issued_on))
                .unwrap_or(year);
            let code = match &prod.data.code {
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
                        .entry((p.data.commune_code.clone(), y as i64))
                        .or_insert(1);
                    let seq = *n;
                    *n += 1;
                    ProductCode {
                        province: p.data.province_code.clone(),
                        commune: p.data.commune_code.clone(),
                        seq: seq as u32,
                        year: y,
                    }
                }
            };
            products.push(NewProduct {
                producer: i,
                data: &prod.data,
                certificate: prod.certificate.as_ref(),
                code: code.to_string(),
                id: 0,
            });
        }
    }
    let seqs: Vec<(&(String, i64), &i64)> = next.iter().collect();
    for part in seqs.chunks(rows_for(params, 3)) {
        let sql = format!(
            "INSERT INTO commune_sequences (commune_code, year, next_seq) VALUES {} \
             ON CONFLICT (commune_code, year) DO UPDATE SET next_seq = excluded.next_seq",
            placeholders(part.len(), 3, 1)
        );
        on_tx!(tx, |c| {
            let mut q = sqlx::query(&sql);
            for ((commune, y), n) in part {
                q = q.bind(commune).bind(*y).bind(**n);
            }
            q.execute(&mut *c).await.map(|_| ())
        })?;
    }

    // Products; ids come back with their unique code.
    let index: HashMap<String, usize> = products
        .iter()
        .enumerate()
        .map(|(i, p)| (p.code.clone(), i))
        .collect();
    let rows = rows_for(params, 12);
    for start in (0..products.len()).step_by(rows) {
        let part = &products[start..(start + rows).min(products.len())];
        let sql = format!(
            "INSERT INTO products (created_at, producer_id, name, name_fold, sort_key, set_code, description, gtin, code, \
             province_code, commune_code, group_code, active, updated_at, version) \
             SELECT v.*, TRUE, v.column1, 1 FROM (VALUES {}) AS v RETURNING id, code",
            placeholders(part.len(), 12, 1)
        );
        let got: Vec<(i64, String)> = on_tx!(tx, |c| {
            let mut q = sqlx::query_as(&sql);
            for p in part {
                let owner = &chunk[p.producer].data;
                q = q
                    .bind(t)
                    .bind(producer_ids[p.producer])
                    .bind(&p.data.name)
                    .bind(fold_vi(&p.data.name))
                    .bind(crate::sort_key(&p.data.name))
                    .bind(&p.data.set_code)
                    .bind(&p.data.description)
                    .bind(&p.data.gtin)
                    .bind(&p.code)
                    .bind(&owner.province_code)
                    .bind(&owner.commune_code)
                    .bind(
                        ocop_domain::classification::product_set(&p.data.set_code)
                            .map(|s| s.group.as_str()),
                    );
            }
            q.fetch_all(&mut *c).await
        })?;
        for (id, code) in got {
            products[index[&code]].id = id;
        }
    }

    // Certificates; then their public numbers, which contain their ids.
    let certified: Vec<&NewProduct> = products
        .iter()
        .filter(|p| p.certificate.is_some())
        .collect();
    let mut cert_ids: HashMap<i64, i64> = HashMap::new();
    for part in certified.chunks(rows_for(params, 8)) {
        let sql = format!(
            "INSERT INTO certificates (created_at, product_id, stars, decision_number, issuer, issued_on, expires_on, source) \
             SELECT * FROM (VALUES {}) AS v RETURNING id, product_id",
            placeholders(part.len(), 8, 1)
        );
        let got: Vec<(i64, i64)> = on_tx!(tx, |c| {
            let mut q = sqlx::query_as(&sql);
            for p in part {
                let cert = p.certificate.expect("filtered on certificates");
                q = q
                    .bind(t)
                    .bind(p.id)
                    .bind(cert.stars as i64)
                    .bind(&cert.decision_number)
                    .bind(&cert.issuer)
                    .bind(cert.issued_on)
                    .bind(cert.expires_on)
                    .bind(crate::registry::SOURCE_RECORDED);
            }
            q.fetch_all(&mut *c).await
        })?;
        cert_ids.extend(got.into_iter().map(|(id, product)| (product, id)));
    }
    let numbers: Vec<(i64, String)> = certified
        .iter()
        .map(|p| {
            let id = cert_ids[&p.id];
            let issued = p.certificate.expect("certified").issued_on;
            let province = &chunk[p.producer].data.province_code;
            (
                id,
                certificate_number(province, chrono::Datelike::year(&issued), id),
            )
        })
        .collect();
    for part in numbers.chunks(rows_for(params, 2)) {
        // VALUES columns are named column1, column2 on both backends.
        let sql = format!(
            "UPDATE certificates SET number = v.column2 FROM (VALUES {}) AS v WHERE certificates.id = v.column1",
            placeholders(part.len(), 2, 1)
        );
        on_tx!(tx, |c| {
            let mut q = sqlx::query(&sql);
            for (id, number) in part {
                q = q.bind(*id).bind(number);
            }
            q.execute(&mut *c).await.map(|_| ())
        })?;
    }

    // Audit entries in the per-row order: a producer, then each of its products
    // followed by that product's certificate. Same JSON as registry's
    // producer_json / product_json and insert_certificate.
    let mut entries = Vec::new();
    let mut products_iter = products.iter().peekable();
    for (i, p) in chunk.iter().enumerate() {
        let id = producer_ids[i];
        let mut after = serde_json::to_value(&p.data).unwrap_or_default();
        after["id"] = id.into();
        entries.push(AuditRecord {
            cap: &caps.producer,
            entity: "producer",
            entity_id: id.to_string(),
            after: after.to_string(),
        });
        while let Some(prod) = products_iter.next_if(|x| x.producer == i) {
            let d = prod.data;
            entries.push(AuditRecord {
                cap: &caps.product,
                entity: "product",
                entity_id: prod.id.to_string(),
                after: serde_json::json!({
                    "id": prod.id, "producer_id": id, "name": d.name, "set_code": d.set_code,
                    "description": d.description, "gtin": d.gtin, "code": prod.code,
                })
                .to_string(),
            });
            if let Some(cert) = prod.certificate {
                let cid = cert_ids[&prod.id];
                let number = certificate_number(
                    &p.data.province_code,
                    chrono::Datelike::year(&cert.issued_on),
                    cid,
                );
                entries.push(AuditRecord {
                    cap: &caps.certificate,
                    entity: "product",
                    entity_id: prod.id.to_string(),
                    after: serde_json::json!({ "certificate_id": cid, "number": number, "certificate": cert })
                        .to_string(),
                });
            }
        }
        report.producer_ids.push(id);
        report.producers += 1;
    }
    report.products += products.len();
    report.certificates += certified.len();
    record_many(tx, &entries, params).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{insert_certificate, insert_producer, insert_product, SOURCE_RECORDED};
    use crate::testing::{self, TestDb};
    use ocop_domain::admin_units::units;

    /// The reference: the per-row path the registry uses for forms, which
    /// the batched loader must reproduce row for row.
    async fn load_per_row(store: &Store, data: &[DemoProducer], year: i32) {
        let (create_producer, create_product, record) = (
            Capability::system(Action::CreateProducer),
            Capability::system(Action::CreateProduct),
            Capability::system(Action::RecordCertificate),
        );
        let mut tx = store.begin().await.unwrap();
        for p in data {
            let id = insert_producer(&mut tx, &create_producer, &p.data)
                .await
                .unwrap();
            for prod in &p.products {
                let y = prod
                    .certificate
                    .as_ref()
                    .map(|c| chrono::Datelike::year(&c.issued_on))
                    .unwrap_or(year);
                let (pid, _) = insert_product(&mut tx, &create_product, id, &prod.data, y)
                    .await
                    .unwrap();
                if let Some(c) = &prod.certificate {
                    insert_certificate(&mut tx, &record, pid, c, SOURCE_RECORDED)
                        .await
                        .unwrap();
                }
            }
        }
        tx.commit().await.unwrap();
    }

    /// Every column that does not depend on the clock, one text line per row
    /// (text casts compare within one backend, which is all we need).
    async fn dump(store: &Store) -> Vec<String> {
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
                crate::on_pool!(store, |c| sqlx::query_scalar(&sql_order).fetch_all(c).await)
                    .unwrap();
            out.extend(rows.into_iter().map(|r| format!("{table}: {r}")));
        }
        out
    }

    async fn pair() -> Vec<(TestDb, TestDb)> {
        let mut v = vec![(testing::sqlite().await, testing::sqlite().await)];
        if let (Some(a), Some(b)) = (testing::postgres().await, testing::postgres().await) {
            v.push((a, b));
        }
        v
    }

    #[tokio::test]
    async fn batched_load_equals_per_row_load() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let mut first = ocop_domain::demo::generate(units(), 23, 90, 11, today);
        // A code assigned before the system: the commune's sequence must skip past it.
        let p0 = first[0].data.clone();
        first[0].products[0].data.code = Some(ProductCode {
            province: p0.province_code.clone(),
            commune: p0.commune_code.clone(),
            seq: 7,
            year: 2026,
        });
        // A second load into the same communes continues their sequences.
        let mut second = ocop_domain::demo::generate(units(), 23, 70, 12, today);
        for (b, a) in second.iter_mut().zip(&first) {
            b.data.commune_code = a.data.commune_code.clone();
            b.data.province_code = a.data.province_code.clone();
        }
        for (reference, batched) in pair().await {
            for db in [&reference, &batched] {
                db.store.seed_reference(units()).await.unwrap();
            }
            for data in [&first, &second] {
                load_per_row(&reference.store, data, 2026).await;
                // Tiny batches: several transactions, several statements per table.
                let report = batched
                    .store
                    .load_demo_batched(data, 2026, &|_| {}, 7, 40)
                    .await
                    .unwrap();
                assert_eq!(report.producers, data.len());
            }
            let (want, got) = (dump(&reference.store).await, dump(&batched.store).await);
            assert!(
                want.len() > 500,
                "{}: too little data compared",
                batched.label
            );
            for (w, g) in want.iter().zip(&got) {
                assert_eq!(w, g, "{}", batched.label);
            }
            assert_eq!(want.len(), got.len(), "{}", batched.label);
            let verify = batched.store.verify_audit().await.unwrap();
            assert!(
                verify.faults.is_empty(),
                "{}: {:?}",
                batched.label,
                verify.faults
            );
        }
    }
}
