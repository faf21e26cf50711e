//! Loading generated demo data (see `ocop_domain::demo`) in one transaction.

use crate::registry::{insert_certificate, insert_producer, insert_product};
use crate::{Result, Store};
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

impl Store {
    /// Load demo producers, products and certificates, audited as the system.
    /// A product's code year is its certificate's year, or `year` without one.
    pub async fn load_demo(
        &self,
        data: &[DemoProducer],
        year: i32,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<DemoReport> {
        let mut report = DemoReport::default();
        let (create_producer, create_product, record) = (
            Capability::system(Action::CreateProducer),
            Capability::system(Action::CreateProduct),
            Capability::system(Action::RecordCertificate),
        );
        // Batches keep each transaction short (other writers wait less) while
        // amortising commits.
        for chunk in data.chunks(500) {
            let mut tx = self.begin().await?;
            for p in chunk {
                let id = insert_producer(&mut tx, &create_producer, &p.data).await?;
                report.producer_ids.push(id);
                report.producers += 1;
                for prod in &p.products {
                    let y = prod
                        .certificate
                        .as_ref()
                        .map(|c| chrono::Datelike::year(&c.issued_on))
                        .unwrap_or(year);
                    let (pid, _) =
                        insert_product(&mut tx, &create_product, id, &prod.data, y).await?;
                    report.products += 1;
                    if let Some(c) = &prod.certificate {
                        insert_certificate(
                            &mut tx,
                            &record,
                            pid,
                            c,
                            crate::registry::SOURCE_RECORDED,
                        )
                        .await?;
                        report.certificates += 1;
                    }
                }
            }
            tx.commit().await?;
            progress(report.producers);
        }
        Ok(report)
    }
}
