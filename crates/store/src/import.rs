//! Bulk import of the registry: all or nothing, in one transaction. Rows are
//! validated by the caller (`ocop_docs::import`); here the checks that need
//! the database are made, every failing line is reported, and nothing is
//! written unless every line passes.

use crate::audit::record_many;
use crate::bulk::{self, params_per_statement, NewProduct};
use crate::registry::{
    insert_certificate, insert_producer, insert_product, update_producer_in, update_product_in,
};
use crate::{on_tx, Result, Store, StoreError, Tx};
use ocop_domain::auth::{Action, Capability};
use ocop_domain::error::LineError;
use ocop_domain::producer::ProducerData;
use ocop_domain::product::{ProductData, ProductImportRow};
use ocop_domain::text::fold_vi;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

/// Products per batch of the fast path (progress is reported after each).
const IMPORT_BATCH: usize = 10_000;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub certificates: usize,
}

/// Outcome of an import: a report, or every problem found (and nothing written).
pub type ImportResult = std::result::Result<ImportReport, Vec<LineError>>;

fn check(cap: &Capability) -> Result<()> {
    if cap.action() == Action::ImportRegistry {
        Ok(())
    } else {
        Err(StoreError::Forbidden("registry.import".into()))
    }
}

/// Is `province` inside the capability's scope?
fn in_scope(cap: &Capability, province: &str) -> bool {
    cap.scope()
        .province
        .as_deref()
        .is_none_or(|p| p == province)
}

fn out_of_scope(line: usize, province: &str) -> LineError {
    LineError::new(
        line,
        "commune_code",
        format!("Đơn vị thuộc tỉnh mã {province}, ngoài phạm vi quản lý của bạn."),
    )
}

/// A line of a products file as the fast path takes it: its producer's id,
/// province and commune, its data, and its name folded.
type CheckedRow<'p> = (i64, &'p str, &'p str, ProductData, String);

/// Every line's producer and checked data, or `None` when a line is not for
/// the fast path (an unknown producer, out of scope, invalid). The checks
/// need nothing but the line, so a large file's lines are shared among the
/// machine's cores: at 200,000 lines they are a second of one core's work.
fn check_new_rows<'p>(
    cap: &Capability,
    rows: &[ProductImportRow],
    producers: &'p HashMap<String, (i64, String, String)>,
) -> Option<Vec<CheckedRow<'p>>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    // A thread is worth starting for a few thousand lines, not for a few.
    let per = rows.len().div_ceil(threads).max(5_000);
    check_rows_by(cap, rows, producers, per)
}

/// [`check_new_rows`] with `per` lines to a thread.
fn check_rows_by<'p>(
    cap: &Capability,
    rows: &[ProductImportRow],
    producers: &'p HashMap<String, (i64, String, String)>,
    per: usize,
) -> Option<Vec<CheckedRow<'p>>> {
    let check = |row: &ProductImportRow| {
        let (producer_id, province, commune) = producers.get(&row.producer_registration_number)?;
        if !in_scope(cap, province) {
            return None;
        }
        let d = row.input.validate(province, commune).ok()?;
        let name_fold = fold_vi(&d.name);
        Some((
            *producer_id,
            province.as_str(),
            commune.as_str(),
            d,
            name_fold,
        ))
    };
    if rows.len() <= per {
        return rows.iter().map(check).collect();
    }
    let parts: Option<Vec<Vec<CheckedRow>>> = std::thread::scope(|s| {
        let handles: Vec<_> = rows
            .chunks(per)
            .map(|part| s.spawn(move || part.iter().map(check).collect::<Option<Vec<_>>>()))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    Some(parts?.into_iter().flatten().collect())
}

/// Turn a database error on one line into that line's report, or pass it up.
fn line_error(line: usize, e: StoreError) -> std::result::Result<LineError, StoreError> {
    match e {
        StoreError::Conflict { field, message, .. } => Ok(LineError::new(line, &field, message)),
        StoreError::NotFound(what) => {
            Ok(LineError::new(line, "", format!("Không tìm thấy {what}.")))
        }
        other => Err(other),
    }
}

impl Store {
    /// Import producers: new registration numbers are created, known ones updated.
    pub async fn import_producers(
        &self,
        cap: &Capability,
        rows: &[(usize, ProducerData)],
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<ImportResult> {
        check(cap)?;
        if let Some(report) = self.import_new_producers(cap, rows, progress).await? {
            return Ok(Ok(report));
        }
        self.import_producers_per_row(cap, rows, progress).await
    }

    /// A file of producers all new to the system, written in batches like
    /// new products (`bulk`), with the same rows and audit entries as the
    /// per-row path. `None` when the file is anything else (a known or
    /// repeated registration number, a line out of scope, a conflict): the
    /// per-row path then imports it, or reports every failing line.
    async fn import_new_producers(
        &self,
        cap: &Capability,
        rows: &[(usize, ProducerData)],
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<Option<ImportReport>> {
        let mut numbers: HashSet<String> = crate::on_pool!(self, |c| {
            sqlx::query_scalar("SELECT registration_number FROM producers")
                .fetch_all(c)
                .await
        })?
        .into_iter()
        .collect();
        let new = rows.iter().all(|(_, p)| {
            in_scope(cap, &p.province_code) && numbers.insert(p.registration_number.clone())
        });
        if !new {
            return Ok(None);
        }
        let load = bulk::BulkLoad::take(self).await?;
        let written = self.write_new_producers(cap, rows, progress).await;
        load.give_back().await;
        written
    }

    async fn write_new_producers(
        &self,
        cap: &Capability,
        rows: &[(usize, ProducerData)],
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<Option<ImportReport>> {
        let mut tx = self.begin().await?;
        crate::audit::lock_chain(&mut tx).await?;
        let t = crate::now();
        let params = params_per_statement(self.backend());
        let mut report = ImportReport::default();
        for part in rows.chunks(IMPORT_BATCH) {
            let data: Vec<&ProducerData> = part.iter().map(|(_, p)| p).collect();
            let ids = match bulk::insert_producers(&mut tx, &data, t, params).await {
                Ok(ids) => ids,
                // A unique value of another producer (the per-row path names the line).
                Err(StoreError::Conflict { .. }) => return Ok(None),
                Err(e) => return Err(e),
            };
            let entries: Vec<_> = ids
                .iter()
                .zip(&data)
                .map(|(id, d)| bulk::producer_audit_entry(cap, *id, d))
                .collect();
            record_many(&mut tx, &entries, params).await?;
            report.created += part.len();
            progress(report.created);
        }
        tx.commit().await?;
        Ok(Some(report))
    }

    async fn import_producers_per_row(
        &self,
        cap: &Capability,
        rows: &[(usize, ProducerData)],
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<ImportResult> {
        let mut errors: Vec<LineError> = rows
            .iter()
            .filter(|(_, p)| !in_scope(cap, &p.province_code))
            .map(|(line, p)| out_of_scope(*line, &p.province_code))
            .collect();
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let existing: HashMap<String, (i64, String)> =
            crate::on_pool!(self, |c| sqlx::query_as::<_, (String, i64, String)>(
                "SELECT registration_number, id, province_code FROM producers"
            )
            .fetch_all(c)
            .await)?
            .into_iter()
            .map(|(r, id, p)| (r, (id, p)))
            .collect();
        let mut report = ImportReport::default();
        let mut tx = self.begin().await?;
        for (i, (line, p)) in rows.iter().enumerate() {
            if let Some((_, province)) = existing
                .get(&p.registration_number)
                .filter(|(_, pr)| !in_scope(cap, pr))
            {
                errors.push(out_of_scope(*line, province));
                continue;
            }
            savepoint(&mut tx).await?;
            let outcome = match existing.get(&p.registration_number) {
                Some((id, _)) => update_producer_in(&mut tx, cap, *id, p, None)
                    .await
                    .map(|_| false),
                None => insert_producer(&mut tx, cap, p).await.map(|_| true),
            };
            end_savepoint(&mut tx, outcome.is_err()).await?;
            match outcome {
                Ok(true) => report.created += 1,
                Ok(false) => report.updated += 1,
                Err(e) => errors.push(line_error(*line, e)?),
            }
            progress(i + 1);
        }
        finish(tx, report, errors).await
    }

    /// Import products. A row names its producer by registration number (already
    /// in the database); a product of that producer with the same name (accents
    /// and case ignored) or the same code is updated, otherwise created.
    /// Certificate columns record an existing certificate unless the same
    /// decision number is already recorded for the product.
    pub async fn import_products(
        &self,
        cap: &Capability,
        rows: &[ProductImportRow],
        year: i32,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<ImportResult> {
        check(cap)?;
        if let Some(report) = self.import_new_products(cap, rows, year, progress).await? {
            return Ok(Ok(report));
        }
        self.import_products_per_row(cap, rows, year, progress)
            .await
    }

    /// The common case at scale, a file of products new to the system, written
    /// in batches (`bulk`): the same rows, codes, certificates and audit
    /// entries as the per-row path, a hundred times faster. `None` when the
    /// file is anything else (an update, a line in error, a duplicate, a
    /// barcode already used): the per-row path then imports it, or reports
    /// every failing line.
    async fn import_new_products(
        &self,
        cap: &Capability,
        rows: &[ProductImportRow],
        year: i32,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<Option<ImportReport>> {
        let started = Instant::now();
        let producers = self.producers_by_registration().await?;
        let existing: Vec<(i64, String, String, Option<String>)> = crate::on_pool!(self, |c| {
            sqlx::query_as("SELECT producer_id, name_fold, code, gtin FROM products")
                .fetch_all(c)
                .await
        })?;
        let mut names: HashSet<(i64, String)> = HashSet::with_capacity(existing.len() + rows.len());
        let mut codes: HashSet<String> = HashSet::with_capacity(existing.len() + rows.len());
        let mut gtins: HashSet<String> = HashSet::new();
        for (producer, name, code, gtin) in existing {
            names.insert((producer, name));
            codes.insert(code);
            gtins.extend(gtin);
        }
        let Some(checked) = check_new_rows(cap, rows, &producers) else {
            return Ok(None);
        };
        let mut data = Vec::with_capacity(rows.len());
        for (producer_id, province, commune, d, name_fold) in checked {
            let new = names.insert((producer_id, name_fold))
                && d.code.as_ref().is_none_or(|c| codes.insert(c.to_string()))
                && d.gtin.as_ref().is_none_or(|g| gtins.insert(g.clone()));
            if !new {
                return Ok(None);
            }
            data.push((producer_id, province, commune, d));
        }
        tracing::debug!(lines = rows.len(), elapsed = ?started.elapsed(), "import: lines checked against the database");
        let items: Vec<NewProduct> = data
            .iter()
            .zip(rows)
            .map(|((producer_id, province, commune, d), row)| NewProduct {
                producer_id: *producer_id,
                province,
                commune,
                data: d,
                certificate: row.certificate.as_ref(),
                code_year: year,
            })
            .collect();
        // Measured at 200,000 products: 31 s without, 23 s with. The cache
        // is given back at the end, and is only filled as far as the import
        // touches pages.
        let load = bulk::BulkLoad::take(self).await?;
        let written = self.write_new_products(cap, &items, progress).await;
        load.give_back().await;
        written
    }

    /// The new products in one transaction, batch by batch; `None` when a
    /// batch meets a conflict (rolled back: the per-row path reports it).
    async fn write_new_products(
        &self,
        cap: &Capability,
        items: &[NewProduct<'_>],
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<Option<ImportReport>> {
        let mut tx = self.begin().await?;
        crate::audit::lock_chain(&mut tx).await?;
        let t = crate::now();
        let params = params_per_statement(self.backend());
        let mut report = ImportReport::default();
        let (mut rows_time, mut audit_time) = (Duration::ZERO, Duration::ZERO);
        for part in items.chunks(IMPORT_BATCH) {
            let started = Instant::now();
            let inserted = match bulk::insert_products(&mut tx, part, t, params).await {
                Ok(x) => x,
                // A code assigned here that a later line of the file also
                // carries: the per-row path names the line.
                Err(StoreError::Conflict { .. }) => return Ok(None),
                Err(e) => return Err(e),
            };
            rows_time += started.elapsed();
            let started = Instant::now();
            let mut entries = Vec::with_capacity(part.len() * 2);
            for (item, done) in part.iter().zip(&inserted) {
                // One capability for both, as the per-row path records them.
                bulk::audit_entries(cap, cap, item, done, &mut entries);
            }
            record_many(&mut tx, &entries, params).await?;
            audit_time += started.elapsed();
            report.created += part.len();
            report.certificates += inserted.iter().filter(|x| x.certificate.is_some()).count();
            progress(report.created);
        }
        let started = Instant::now();
        tx.commit().await?;
        tracing::debug!(
            products = report.created,
            rows = ?rows_time,
            audit = ?audit_time,
            commit = ?started.elapsed(),
            "import: products written"
        );
        Ok(Some(report))
    }

    /// Registration number → (id, province, commune) of every producer.
    async fn producers_by_registration(&self) -> Result<HashMap<String, (i64, String, String)>> {
        Ok(crate::on_pool!(self, |c| {
            sqlx::query_as::<_, (String, i64, String, String)>(
                "SELECT registration_number, id, province_code, commune_code FROM producers",
            )
            .fetch_all(c)
            .await
        })?
        .into_iter()
        .map(|(r, id, p, c)| (r, (id, p, c)))
        .collect())
    }

    async fn import_products_per_row(
        &self,
        cap: &Capability,
        rows: &[ProductImportRow],
        year: i32,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<ImportResult> {
        let producers = self.producers_by_registration().await?;
        let mut products: HashMap<(i64, String), i64> =
            crate::on_pool!(self, |c| sqlx::query_as::<_, (i64, String, i64)>(
                "SELECT producer_id, name_fold, id FROM products"
            )
            .fetch_all(c)
            .await)?
            .into_iter()
            .map(|(p, n, id)| ((p, n), id))
            .collect();
        let mut errors = Vec::new();
        let mut report = ImportReport::default();
        let mut tx = self.begin().await?;
        for (i, row) in rows.iter().enumerate() {
            progress(i + 1);
            let Some((producer_id, province, commune)) =
                producers.get(&row.producer_registration_number)
            else {
                errors.push(LineError::new(
                    row.line,
                    "producer_registration_number",
                    format!(
                        "Chưa có chủ thể mã số {} trong hệ thống; hãy nhập tệp chủ thể trước.",
                        row.producer_registration_number
                    ),
                ));
                continue;
            };
            if !in_scope(cap, province) {
                errors.push(out_of_scope(row.line, province));
                continue;
            }
            let data = match row.input.validate(province, commune) {
                Ok(d) => d,
                Err(es) => {
                    errors.extend(
                        es.0.into_iter()
                            .map(|e| LineError::new(row.line, &e.field, e.message)),
                    );
                    continue;
                }
            };
            // With a code, the code alone identifies the product (a new code
            // creates it); without one, the producer and the name do.
            let existing = match &data.code {
                Some(code) => product_by_code(&mut tx, &code.to_string()).await?,
                None => products.get(&(*producer_id, fold_vi(&data.name))).copied(),
            };
            savepoint(&mut tx).await?;
            let outcome = match existing {
                Some(id) => update_product_in(&mut tx, cap, id, &data, None)
                    .await
                    .map(|_| (id, false)),
                None => insert_product(&mut tx, cap, *producer_id, &data, year)
                    .await
                    .map(|(id, _)| (id, true)),
            };
            end_savepoint(&mut tx, outcome.is_err()).await?;
            let product_id = match outcome {
                Ok((id, created)) => {
                    if created {
                        // A second row for the same product in this file updates it.
                        products.insert((*producer_id, fold_vi(&data.name)), id);
                        report.created += 1;
                    } else {
                        report.updated += 1;
                    }
                    id
                }
                Err(e) => {
                    errors.push(line_error(row.line, e)?);
                    continue;
                }
            };
            if let Some(cert) = &row.certificate {
                let known: i64 = on_tx!(&mut tx, |c| {
                    sqlx::query_scalar(
                    "SELECT COUNT(*) FROM certificates WHERE product_id = $1 AND decision_number = $2"
                )
                .bind(product_id)
                .bind(&cert.decision_number)
                .fetch_one(&mut *c)
                .await
                })?;
                if known == 0 {
                    insert_certificate(
                        &mut tx,
                        cap,
                        product_id,
                        cert,
                        crate::registry::SOURCE_RECORDED,
                    )
                    .await?;
                    report.certificates += 1;
                }
            }
        }
        finish(tx, report, errors).await
    }
}

/// Each row runs inside a savepoint: after a failed statement PostgreSQL
/// refuses the rest of the transaction, and we want to report every line.
async fn savepoint(tx: &mut Tx) -> Result<()> {
    on_tx!(tx, |c| sqlx::query("SAVEPOINT import_row")
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
    Ok(())
}

async fn end_savepoint(tx: &mut Tx, failed: bool) -> Result<()> {
    let sql = if failed {
        "ROLLBACK TO SAVEPOINT import_row"
    } else {
        "RELEASE SAVEPOINT import_row"
    };
    on_tx!(tx, |c| sqlx::query(sql).execute(&mut *c).await.map(|_| ()))?;
    if failed {
        tx.forget_outbox();
    }
    Ok(())
}

async fn product_by_code(tx: &mut Tx, code: &str) -> Result<Option<i64>> {
    Ok(on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT id FROM products WHERE code = $1"
    )
    .bind(code)
    .fetch_optional(&mut *c)
    .await)?)
}

/// Commit when every line passed; otherwise drop the transaction (rollback).
async fn finish(tx: Tx, report: ImportReport, errors: Vec<LineError>) -> Result<ImportResult> {
    if errors.is_empty() {
        tx.commit().await?;
        Ok(Ok(report))
    } else {
        drop(tx);
        Ok(Err(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;
    use ocop_domain::admin_units::units;
    use ocop_domain::demo::DemoProducer;
    use ocop_domain::product::ProductInput;

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    /// Demo producers (loaded without products) and their products as the
    /// lines of an import file; every third line leaves its code to the system.
    fn file(seed: u64) -> (Vec<DemoProducer>, Vec<ProductImportRow>) {
        let mut data = ocop_domain::demo::generate(units(), 30, 80, seed, today());
        let mut rows = Vec::new();
        for p in &mut data {
            for (i, prod) in std::mem::take(&mut p.products).into_iter().enumerate() {
                let d = prod.data;
                let code = match (&d.code, i % 3) {
                    (Some(c), 0 | 1) => c.to_string(),
                    _ => String::new(),
                };
                rows.push(ProductImportRow {
                    line: rows.len() + 2,
                    producer_registration_number: p.data.registration_number.clone(),
                    input: ProductInput {
                        name: d.name,
                        set_code: d.set_code,
                        description: d.description,
                        gtin: d.gtin.unwrap_or_default(),
                        code,
                    },
                    certificate: prod.certificate,
                });
            }
        }
        (data, rows)
    }

    #[test]
    fn lines_checked_on_several_threads_come_back_in_order() {
        let (data, mut rows) = file(11);
        let producers: HashMap<String, (i64, String, String)> = data
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let d = &p.data;
                let place = (d.province_code.clone(), d.commune_code.clone());
                (
                    d.registration_number.clone(),
                    (i as i64 + 1, place.0, place.1),
                )
            })
            .collect();
        let cap = cap();
        let inline = check_rows_by(&cap, &rows, &producers, usize::MAX).expect("all new");
        assert_eq!(inline.len(), rows.len());
        // One line to a thread, a few threads, two.
        for per in [1, 7, rows.len().div_ceil(2)] {
            assert_eq!(
                check_rows_by(&cap, &rows, &producers, per),
                Some(inline.clone())
            );
        }
        // One line not for the fast path, late in the file, refuses it all.
        let last = rows.len() - 1;
        rows[last].producer_registration_number = "không có".into();
        assert_eq!(check_rows_by(&cap, &rows, &producers, 7), None);
    }

    fn cap() -> Capability {
        Capability::system(Action::ImportRegistry)
    }

    #[tokio::test]
    async fn a_new_file_in_batches_equals_the_per_row_import() {
        let (producers, rows) = file(11);
        assert!(rows.len() >= 60 && rows.iter().any(|r| r.certificate.is_some()));
        for (reference, batched) in testing::pairs().await {
            for db in [&reference, &batched] {
                db.store.seed_reference(units()).await.unwrap();
                db.store.load_demo(&producers, 2026, &|_| {}).await.unwrap();
            }
            let want = reference
                .store
                .import_products_per_row(&cap(), &rows, 2026, &|_| {})
                .await
                .unwrap()
                .unwrap();
            let got = batched
                .store
                .import_new_products(&cap(), &rows, 2026, &|_| {})
                .await
                .unwrap()
                .expect("a file of new products takes the batched path");
            assert_eq!(
                (got.created, got.updated, got.certificates),
                (want.created, want.updated, want.certificates)
            );
            let (want, got) = (
                testing::dump(&reference.store).await,
                testing::dump(&batched.store).await,
            );
            assert_eq!(want.len(), got.len(), "{}", batched.label);
            for (w, g) in want.iter().zip(&got) {
                assert_eq!(w, g, "{}", batched.label);
            }
        }
    }

    #[tokio::test]
    async fn a_new_producers_file_in_batches_equals_the_per_row_import() {
        let (producers, _) = file(13);
        let rows: Vec<(usize, ProducerData)> = producers
            .iter()
            .enumerate()
            .map(|(i, p)| (i + 2, p.data.clone()))
            .collect();
        for (reference, batched) in testing::pairs().await {
            for db in [&reference, &batched] {
                db.store.seed_reference(units()).await.unwrap();
            }
            let want = reference
                .store
                .import_producers_per_row(&cap(), &rows, &|_| {})
                .await
                .unwrap()
                .unwrap();
            let got = batched
                .store
                .import_new_producers(&cap(), &rows, &|_| {})
                .await
                .unwrap()
                .expect("a file of new producers takes the batched path");
            assert_eq!((got.created, got.updated), (want.created, want.updated));
            assert_eq!(
                testing::dump(&reference.store).await,
                testing::dump(&batched.store).await,
                "{}",
                batched.label
            );
            // Known registration numbers: the per-row path, which updates them.
            assert!(batched
                .store
                .import_new_producers(&cap(), &rows[..3], &|_| {})
                .await
                .unwrap()
                .is_none());
            let again = batched
                .store
                .import_producers(&cap(), &rows[..3], &|_| {})
                .await
                .unwrap()
                .unwrap();
            assert_eq!((again.created, again.updated), (0, 3), "{}", batched.label);
        }
    }

    #[tokio::test]
    async fn anything_but_new_products_goes_line_by_line() {
        let (producers, rows) = file(12);
        for db in testing::all().await {
            let store = &db.store;
            store.seed_reference(units()).await.unwrap();
            store.load_demo(&producers, 2026, &|_| {}).await.unwrap();
            let first = store
                .import_products(&cap(), &rows[..10], 2026, &|_| {})
                .await
                .unwrap()
                .unwrap();
            assert_eq!(first.created, 10, "{}", db.label);

            // Ten known products again with ten new ones: an update, so the
            // per-row path, which updates the ten and creates the rest.
            assert!(store
                .import_new_products(&cap(), &rows[..20], 2026, &|_| {})
                .await
                .unwrap()
                .is_none());
            let again = store
                .import_products(&cap(), &rows[..20], 2026, &|_| {})
                .await
                .unwrap()
                .unwrap();
            assert_eq!((again.created, again.updated), (10, 10), "{}", db.label);

            // Two new lines with one barcode: every failing line reported,
            // nothing written.
            let mut dup: Vec<ProductImportRow> = rows[20..30].to_vec();
            dup[3].input.gtin = "8934563138165".into();
            dup[7].input.gtin = "8934563138165".into();
            let before = testing::dump(store).await;
            let errors = store
                .import_products(&cap(), &dup, 2026, &|_| {})
                .await
                .unwrap()
                .unwrap_err();
            assert_eq!(errors.len(), 1, "{}: {errors:?}", db.label);
            assert_eq!(
                (errors[0].line, errors[0].field.as_str()),
                (dup[7].line, "gtin")
            );
            assert_eq!(testing::dump(store).await, before, "{}", db.label);
        }
    }
}
