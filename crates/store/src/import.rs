//! Bulk import of the registry: all or nothing, in one transaction. Rows are
//! validated by the caller (`ocop_docs::import`); here the checks that need
//! the database are made, every failing line is reported, and nothing is
//! written unless every line passes.

use crate::registry::{
    insert_certificate, insert_producer, insert_product, update_producer_in, update_product_in,
};
use crate::{on_tx, Result, Store, StoreError, Tx};
use ocop_domain::auth::{Action, Capability};
use ocop_domain::error::LineError;
use ocop_domain::producer::ProducerData;
use ocop_domain::product::ProductImportRow;
use ocop_domain::text::fold_vi;
use serde::Serialize;
use std::collections::HashMap;

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
        let producers: HashMap<String, (i64, String, String)> = crate::on_pool!(self, |c| {
            sqlx::query_as::<_, (String, i64, String, String)>(
                "SELECT registration_number, id, province_code, commune_code FROM producers",
            )
            .fetch_all(c)
            .await
        })?
        .into_iter()
        .map(|(r, id, p, c)| (r, (id, p, c)))
        .collect();
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
