//! Loading generated demo data (see `ocop_domain::demo`) in batches.
//!
//! A national-size data set (100,000 producers, 200,000 products) is about
//! 1.4 million rows once certificates, audit and outbox entries are counted. Written one statement per row, as the
//! registry does for a form, the load spends its time handing statements to
//! the database driver (minutes on SQLite); here each table gets multi-row
//! INSERTs of up to [`params_per_statement`] parameters inside transactions of
//! [`PRODUCERS_PER_TX`] producers. The result is the same as inserting row by
//! row through `registry::insert_*` in input order — same ids, product codes,
//! certificate numbers, commune sequences, and audit entries in the same
//! order with the same content — which the test at the bottom checks against
//! that per-row path on every backend.
//!
//! The SQL text is built only from row and column counts (`($1, $2), ($3, $4)`),
//! never from data, and is the same for SQLite and PostgreSQL.

use crate::audit::record_many;
use crate::bulk::{self, params_per_statement, NewProduct};
use crate::{Result, Store, Tx};
use ocop_domain::auth::{Action, Capability};
use ocop_domain::demo::DemoProducer;

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

impl Store {
    /// Load demo producers, products and certificates, audited as the system.
    /// A product's code year is its certificate's year, or `year` without one.
    pub async fn load_demo(
        &self,
        data: &[DemoProducer],
        year: i32,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<DemoReport> {
        self.load_demo_batched(
            data,
            year,
            progress,
            PRODUCERS_PER_TX,
            params_per_statement(self.backend()),
        )
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
        let cache = bulk::BulkLoad::take(self).await?;
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
        cache.give_back().await;
        result.map(|_| report)
    }
}

struct Caps {
    producer: Capability,
    product: Capability,
    certificate: Capability,
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

    let producers: Vec<&ocop_domain::producer::ProducerData> =
        chunk.iter().map(|p| &p.data).collect();
    let producer_ids = bulk::insert_producers(tx, &producers, t, params).await?;

    let items: Vec<NewProduct> = chunk
        .iter()
        .enumerate()
        .flat_map(|(i, p)| {
            let producer_id = producer_ids[i];
            p.products.iter().map(move |prod| NewProduct {
                producer_id,
                province: &p.data.province_code,
                commune: &p.data.commune_code,
                data: &prod.data,
                certificate: prod.certificate.as_ref(),
                code_year: prod
                    .certificate
                    .as_ref()
                    .map(|c| chrono::Datelike::year(&c.issued_on))
                    .unwrap_or(year),
            })
        })
        .collect();
    let inserted = bulk::insert_products(tx, &items, t, params).await?;

    // Audit entries in the per-row order: a producer, then each of its
    // products followed by that product's certificate.
    let mut entries = Vec::new();
    let mut products = items.iter().zip(&inserted).peekable();
    for (i, p) in chunk.iter().enumerate() {
        let id = producer_ids[i];
        entries.push(bulk::producer_audit_entry(&caps.producer, id, &p.data));
        while let Some((item, done)) = products.next_if(|(x, _)| x.producer_id == id) {
            bulk::audit_entries(&caps.product, &caps.certificate, item, done, &mut entries);
        }
        report.producer_ids.push(id);
        report.producers += 1;
    }
    report.products += items.len();
    report.certificates += inserted.iter().filter(|x| x.certificate.is_some()).count();
    record_many(tx, &entries, params).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{insert_certificate, insert_producer, insert_product, SOURCE_RECORDED};
    use crate::testing;
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

    #[tokio::test]
    async fn batched_load_equals_per_row_load() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let mut first = ocop_domain::demo::generate(units(), 23, 90, 11, today);
        // A code assigned before the system: the commune's sequence must skip past it.
        let p0 = first[0].data.clone();
        first[0].products[0].data.code = Some(ocop_domain::ids::ProductCode {
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
        for (reference, batched) in testing::pairs().await {
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
            let (want, got) = (
                testing::dump(&reference.store).await,
                testing::dump(&batched.store).await,
            );
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
