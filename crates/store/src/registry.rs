//! The registry: producers, products, certificates, images. Reads are plain
//! queries; every write demands a capability and records audit + outbox.

use crate::audit::record;
use crate::{
    like_pattern, now, on_pool, on_tx, unique_conflict, Page, Result, Store, StoreError, Tx,
};
use chrono::{DateTime, NaiveDate, Utc};
use ocop_domain::auth::{Action, Capability};
use ocop_domain::certificate::{status_on, CertificateStatus, LegacyCertificate};
use ocop_domain::ids::ProductCode;
use ocop_domain::producer::ProducerData;
use ocop_domain::product::ProductData;
use ocop_domain::text::fold_vi;
use serde::Serialize;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ProducerRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub registration_number: String,
    pub address: String,
    pub commune_code: String,
    pub province_code: String,
    pub legacy_commune_code: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub representative_name: String,
    pub representative_gender: String,
    pub representative_ethnicity: String,
    pub representative_disability: bool,
    pub community_capital_pct: Option<f64>,
    pub workers: Option<i64>,
    pub description: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ProducerListItem {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub producer: ProducerRow,
    pub commune_name: String,
    pub province_name: String,
    pub product_count: i64,
}

#[derive(Debug, Clone, Default)]
pub struct ProducerFilter {
    /// Matches name or registration number, accents ignored.
    pub q: Option<String>,
    pub province: Option<String>,
    pub commune: Option<String>,
    pub kind: Option<String>,
    /// Restrict to one producer (a producer account's view).
    pub producer_id: Option<i64>,
    pub include_inactive: bool,
    pub page: i64,
    pub per_page: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ProductRow {
    pub id: i64,
    pub producer_id: i64,
    pub name: String,
    pub set_code: String,
    pub description: String,
    pub gtin: Option<String>,
    pub code: String,
    pub province_code: String,
    pub commune_code: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ProductListItem {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub product: ProductRow,
    pub producer_name: String,
    pub producer_registration_number: String,
    pub commune_name: String,
    pub province_name: String,
    pub stars: Option<i64>,
    /// The recognition decision's number.
    pub certificate_number: Option<String>,
    /// The certificate's public number.
    pub certificate_public_number: Option<String>,
    pub certificate_issuer: Option<String>,
    pub issued_on: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
    pub revoked_on: Option<NaiveDate>,
    /// While a re-evaluation is pending: the last day the certificate may run past its expiry.
    pub extended_until: Option<NaiveDate>,
}

impl ProductListItem {
    pub fn certificate_status(&self, today: NaiveDate) -> Option<CertificateStatus> {
        self.expires_on
            .map(|e| status_on(e, self.extended_until, self.revoked_on, today))
    }
}

#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    pub q: Option<String>,
    pub province: Option<String>,
    pub commune: Option<String>,
    pub set_code: Option<String>,
    pub producer_id: Option<i64>,
    pub stars: Option<i64>,
    pub include_inactive: bool,
    pub page: i64,
    pub per_page: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CertificateRow {
    pub id: i64,
    /// Public number, e.g. `OCOP-01-2024-000123`.
    pub number: Option<String>,
    pub product_id: i64,
    pub stars: i64,
    pub decision_number: String,
    pub issuer: String,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub source: String,
    pub revoked_on: Option<NaiveDate>,
    pub revocation_ground: Option<String>,
    pub created_at: DateTime<Utc>,
    /// While a re-evaluation is pending: the last day it may run past its
    /// expiry; after the result, the day the extension ended.
    pub extended_until: Option<NaiveDate>,
    /// The certificate that replaced this one (upgrade or re-evaluation).
    pub superseded_by: Option<i64>,
}

impl CertificateRow {
    /// Its status on `today`; a replaced certificate says so, whatever its dates.
    pub fn status(&self, today: NaiveDate) -> CertificateStatus {
        match status_on(self.expires_on, self.extended_until, self.revoked_on, today) {
            CertificateStatus::Revoked => CertificateStatus::Revoked,
            _ if self.superseded_by.is_some() => CertificateStatus::Superseded,
            s => s,
        }
    }
}

/// The registry records that can be deactivated.
#[derive(Clone, Copy)]
enum Registered {
    Producer,
    Product,
}

/// Largest image we store, in bytes.
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;

fn ensure(cap: &Capability, action: Action) -> Result<()> {
    if cap.action() == action {
        Ok(())
    } else {
        Err(StoreError::Forbidden(format!(
            "quyền {} không dùng được cho {}",
            cap.action().code(),
            action.code()
        )))
    }
}

/// Row limit of an unpaged export (far above any province's registry).
const EXPORT_LIMIT: i64 = 10_000_000;

/// A page number anyone may ask for (`?trang=9223372036854775807` included):
/// the rows skipped, (page - 1) × per_page, stay a number.
fn clamp_paging(page: i64, per_page: i64) -> (i64, i64) {
    (page.clamp(1, i64::MAX / 200), per_page.clamp(1, 200))
}

pub(crate) fn producer_conflict(e: sqlx::Error) -> StoreError {
    unique_conflict(e, |_| {
        StoreError::conflict(
            "registration_number",
            "Mã số thuế / số đăng ký này đã có chủ thể khác sử dụng.",
            "registration_number is already registered.",
        )
    })
}

pub(crate) fn product_conflict(e: sqlx::Error) -> StoreError {
    unique_conflict(e, |e| {
        if e.to_string().contains("gtin") {
            StoreError::conflict(
                "gtin",
                "GTIN này đã được gán cho sản phẩm khác.",
                "gtin is already used.",
            )
        } else {
            StoreError::conflict(
                "code",
                "Mã sản phẩm này đã tồn tại.",
                "code is already used.",
            )
        }
    })
}

const PRODUCER_LIST_FROM: &str = "FROM producers p JOIN communes c ON c.code = p.commune_code JOIN provinces pr ON pr.code = p.province_code \
     WHERE ($1 IS NULL OR p.name_fold LIKE $1 ESCAPE '\\' OR p.registration_number LIKE $2 ESCAPE '\\') \
       AND ($3 IS NULL OR p.province_code = $3) AND ($4 IS NULL OR p.commune_code = $4) \
       AND ($5 IS NULL OR p.kind = $5) AND ($6 IS NULL OR p.id = $6) AND ($7 OR p.active)";

/// The products a [`ProductFilter`] lets through (`$1`…`$8`), as a filter on
/// `products p` alone: the producer's name and the latest certificate's
/// stars are only looked up when the filter asks for them. The list counts
/// with it and picks its page of ids with it, then reads those rows through
/// the joins: counting and sorting 200,000 products through the joins and
/// each one's latest certificate took 0.3 s each on SQLite.
macro_rules! product_filter {
    () => {
        concat!(
            "FROM products p \
             WHERE ($1 IS NULL OR p.name_fold LIKE $1 ESCAPE '\\' OR p.code LIKE $2 ESCAPE '\\' \
                    OR EXISTS (SELECT 1 FROM producers o WHERE o.id = p.producer_id AND o.name_fold LIKE $1 ESCAPE '\\')) \
               AND ($3 IS NULL OR p.province_code = $3) AND ($4 IS NULL OR p.commune_code = $4) \
               AND ($5 IS NULL OR p.set_code = $5) AND ($6 IS NULL OR p.producer_id = $6) \
               AND ($7 IS NULL OR (SELECT ce.stars FROM certificates ce WHERE ce.id = ",
            latest_certificate!(),
            ") = $7) AND ($8 OR p.active)"
        )
    };
}

const PRODUCT_LIST_COUNT: &str = concat!("SELECT COUNT(*) ", product_filter!());

pub(crate) const PRODUCT_LIST_SELECT: &str = "SELECT p.id, p.producer_id, p.name, p.set_code, p.description, p.gtin, p.code, p.province_code, p.commune_code, \
     p.active, p.created_at, p.updated_at, p.version, o.name AS producer_name, o.registration_number AS producer_registration_number, \
     c.name AS commune_name, pr.name AS province_name, ce.stars AS stars, ce.decision_number AS certificate_number, \
     ce.number AS certificate_public_number, ce.issuer AS certificate_issuer, ce.issued_on AS issued_on, ce.expires_on AS expires_on, ce.revoked_on AS revoked_on, ce.extended_until AS extended_until ";

pub(crate) fn producer_json(id: i64, d: &ProducerData) -> serde_json::Value {
    let mut v = serde_json::to_value(d).unwrap_or_default();
    v["id"] = id.into();
    v
}

pub(crate) fn product_json(
    id: i64,
    code: &str,
    producer_id: i64,
    d: &ProductData,
) -> serde_json::Value {
    serde_json::json!({
        "id": id, "producer_id": producer_id, "name": d.name, "set_code": d.set_code,
        "description": d.description, "gtin": d.gtin, "code": code,
    })
}

impl Store {
    pub async fn producer(&self, id: i64) -> Result<ProducerRow> {
        on_pool!(self, |c| sqlx::query_as::<_, ProducerRow>(
            "SELECT * FROM producers WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(c)
        .await)?
        .ok_or(StoreError::NotFound("chủ thể"))
    }

    pub async fn producer_by_registration(&self, number: &str) -> Result<Option<ProducerRow>> {
        Ok(on_pool!(self, |c| sqlx::query_as::<_, ProducerRow>(
            "SELECT * FROM producers WHERE registration_number = $1"
        )
        .bind(number)
        .fetch_optional(c)
        .await)?)
    }

    pub async fn list_producers(&self, f: &ProducerFilter) -> Result<Page<ProducerListItem>> {
        let (page, per_page) = clamp_paging(f.page, f.per_page);
        self.producers_page(f, page, per_page).await
    }

    /// Every producer matching the filter, unpaged (exports).
    pub async fn export_producers(&self, f: &ProducerFilter) -> Result<Vec<ProducerListItem>> {
        Ok(self.producers_page(f, 1, EXPORT_LIMIT).await?.items)
    }

    async fn producers_page(
        &self,
        f: &ProducerFilter,
        page: i64,
        per_page: i64,
    ) -> Result<Page<ProducerListItem>> {
        let q = f.q.as_deref().map(fold_vi).filter(|s| !s.trim().is_empty());
        let name_pat = q.as_deref().map(|s| like_pattern(s.trim()));
        let reg_pat =
            f.q.as_deref()
                .map(|s| like_pattern(&s.trim().to_uppercase()));
        let count_sql = format!("SELECT COUNT(*) {PRODUCER_LIST_FROM}");
        let list_sql = format!(
            "SELECT p.*, c.name AS commune_name, pr.name AS province_name, \
             (SELECT COUNT(*) FROM products x WHERE x.producer_id = p.id) AS product_count \
             {PRODUCER_LIST_FROM} ORDER BY p.sort_key, p.id LIMIT $8 OFFSET $9"
        );
        macro_rules! binds {
            ($q:expr) => {
                $q.bind(&name_pat)
                    .bind(&reg_pat)
                    .bind(&f.province)
                    .bind(&f.commune)
                    .bind(&f.kind)
                    .bind(f.producer_id)
                    .bind(f.include_inactive)
            };
        }
        let total: i64 = on_pool!(self, |c| binds!(sqlx::query_scalar(&count_sql))
            .fetch_one(c)
            .await)?;
        let items = on_pool!(self, |c| binds!(sqlx::query_as::<_, ProducerListItem>(
            &list_sql
        ))
        .bind(per_page)
        .bind((page - 1) * per_page)
        .fetch_all(c)
        .await)?;
        Ok(Page {
            total,
            page,
            per_page,
            items,
        })
    }

    pub async fn create_producer(&self, cap: &Capability, d: &ProducerData) -> Result<i64> {
        ensure(cap, Action::CreateProducer)?;
        let mut tx = self.begin().await?;
        let id = insert_producer(&mut tx, cap, d).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Update a producer. `expected_version` guards against overwriting
    /// someone else's edit made since the form was opened.
    pub async fn update_producer(
        &self,
        cap: &Capability,
        id: i64,
        d: &ProducerData,
        expected_version: Option<i64>,
    ) -> Result<()> {
        ensure(cap, Action::EditProducer)?;
        let mut tx = self.begin().await?;
        update_producer_in(&mut tx, cap, id, d, expected_version).await?;
        tx.commit().await
    }

    pub async fn set_producer_active(&self, cap: &Capability, id: i64, active: bool) -> Result<()> {
        ensure(cap, Action::DeactivateProducer)?;
        self.set_active(cap, Registered::Producer, id, active).await
    }

    /// Deactivate or reactivate a registry record (records are never deleted).
    async fn set_active(
        &self,
        cap: &Capability,
        what: Registered,
        id: i64,
        active: bool,
    ) -> Result<()> {
        let (sql, entity, not_found) = match what {
            Registered::Producer => (
                "UPDATE producers SET active = $1, updated_at = $2, version = version + 1 WHERE id = $3",
                "producer",
                "chủ thể",
            ),
            Registered::Product => (
                "UPDATE products SET active = $1, updated_at = $2, version = version + 1 WHERE id = $3",
                "product",
                "sản phẩm",
            ),
        };
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, |c| sqlx::query(sql)
            .bind(active)
            .bind(now())
            .bind(id)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound(not_found));
        }
        record(
            &mut tx,
            cap,
            entity,
            &id.to_string(),
            Some(&serde_json::json!({ "active": !active })),
            Some(&serde_json::json!({ "active": active })),
        )
        .await?;
        tx.commit().await
    }

    /// The products of `ids` that exist, in the order of `ids` (one query:
    /// a catalog page).
    pub async fn products_by_ids(&self, ids: &[i64]) -> Result<Vec<ProductListItem>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // The IN list's placeholders are made from the count alone.
        let sql = format!(
            "{PRODUCT_LIST_SELECT} {} WHERE p.id IN ({})",
            product_joins!(),
            crate::placeholders(ids.len(), 1, 1)
        );
        let mut rows = on_pool!(self, |c| {
            let mut q = sqlx::query_as::<_, ProductListItem>(&sql);
            for id in ids {
                q = q.bind(id);
            }
            q.fetch_all(c).await
        })?;
        let order: std::collections::HashMap<i64, usize> =
            ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        rows.sort_by_key(|r| order.get(&r.product.id).copied().unwrap_or(usize::MAX));
        Ok(rows)
    }

    pub async fn product(&self, id: i64) -> Result<ProductListItem> {
        let sql = format!("{PRODUCT_LIST_SELECT} {} WHERE p.id = $1", product_joins!());
        on_pool!(self, |c| sqlx::query_as::<_, ProductListItem>(&sql)
            .bind(id)
            .fetch_optional(c)
            .await)?
        .ok_or(StoreError::NotFound("sản phẩm"))
    }

    pub async fn list_products(&self, f: &ProductFilter) -> Result<Page<ProductListItem>> {
        let (page, per_page) = clamp_paging(f.page, f.per_page);
        self.products_page(f, page, per_page).await
    }

    /// Every product matching the filter, unpaged (exports).
    pub async fn export_products(&self, f: &ProductFilter) -> Result<Vec<ProductListItem>> {
        Ok(self.products_page(f, 1, EXPORT_LIMIT).await?.items)
    }

    async fn products_page(
        &self,
        f: &ProductFilter,
        page: i64,
        per_page: i64,
    ) -> Result<Page<ProductListItem>> {
        let q = f.q.as_deref().map(fold_vi).filter(|s| !s.trim().is_empty());
        let name_pat = q.as_deref().map(|s| like_pattern(s.trim()));
        let code_pat = f.q.as_deref().map(|s| like_pattern(s.trim()));
        let list_sql = format!(
            "{PRODUCT_LIST_SELECT} {} WHERE p.id IN (SELECT p.id {} ORDER BY p.sort_key, p.id LIMIT $9 OFFSET $10) \
             ORDER BY p.sort_key, p.id",
            product_joins!(),
            product_filter!()
        );
        macro_rules! binds {
            ($q:expr) => {
                $q.bind(&name_pat)
                    .bind(&code_pat)
                    .bind(&f.province)
                    .bind(&f.commune)
                    .bind(&f.set_code)
                    .bind(f.producer_id)
                    .bind(f.stars)
                    .bind(f.include_inactive)
            };
        }
        let total: i64 = on_pool!(self, |c| binds!(sqlx::query_scalar(PRODUCT_LIST_COUNT))
            .fetch_one(c)
            .await)?;
        let items = on_pool!(self, |c| binds!(sqlx::query_as::<_, ProductListItem>(
            &list_sql
        ))
        .bind(per_page)
        .bind((page - 1) * per_page)
        .fetch_all(c)
        .await)?;
        Ok(Page {
            total,
            page,
            per_page,
            items,
        })
    }

    /// Register a product of `producer_id`. Without an explicit code the
    /// commune's next sequence number for `year` is assigned.
    pub async fn create_product(
        &self,
        cap: &Capability,
        producer_id: i64,
        d: &ProductData,
        year: i32,
    ) -> Result<(i64, String)> {
        ensure(cap, Action::CreateProduct)?;
        let mut tx = self.begin().await?;
        let out = insert_product(&mut tx, cap, producer_id, d, year).await?;
        tx.commit().await?;
        Ok(out)
    }

    pub async fn update_product(
        &self,
        cap: &Capability,
        id: i64,
        d: &ProductData,
        expected_version: Option<i64>,
    ) -> Result<()> {
        ensure(cap, Action::EditProduct)?;
        let mut tx = self.begin().await?;
        update_product_in(&mut tx, cap, id, d, expected_version).await?;
        tx.commit().await
    }

    pub async fn set_product_active(&self, cap: &Capability, id: i64, active: bool) -> Result<()> {
        ensure(cap, Action::DeactivateProduct)?;
        self.set_active(cap, Registered::Product, id, active).await
    }

    /// Record a certificate issued before this system (or outside it).
    pub async fn record_certificate(
        &self,
        cap: &Capability,
        product_id: i64,
        cert: &LegacyCertificate,
    ) -> Result<i64> {
        ensure(cap, Action::RecordCertificate)?;
        let mut tx = self.begin().await?;
        let id = insert_certificate(&mut tx, cap, product_id, cert, SOURCE_RECORDED).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The product carrying a GTIN (GTIN-8/12/13 stored as given; matched on the 14-digit form).
    pub async fn product_id_by_gtin(&self, gtin14: &str) -> Result<Option<i64>> {
        let candidates: Vec<String> = [14usize, 13, 12, 8]
            .iter()
            .filter_map(|&n| {
                let cut = 14 - n;
                gtin14[..cut]
                    .chars()
                    .all(|c| c == '0')
                    .then(|| gtin14[cut..].to_string())
            })
            .collect();
        for g in candidates {
            let id: Option<i64> = on_pool!(self, |c| sqlx::query_scalar(
                "SELECT id FROM products WHERE gtin = $1"
            )
            .bind(&g)
            .fetch_optional(c)
            .await)?;
            if id.is_some() {
                return Ok(id);
            }
        }
        Ok(None)
    }

    pub async fn product_id_by_code(&self, code: &str) -> Result<Option<i64>> {
        Ok(on_pool!(self, |c| sqlx::query_scalar(
            "SELECT id FROM products WHERE code = $1"
        )
        .bind(code)
        .fetch_optional(c)
        .await)?)
    }

    pub async fn certificate_by_number(&self, number: &str) -> Result<Option<CertificateRow>> {
        Ok(on_pool!(self, |c| sqlx::query_as::<_, CertificateRow>(
            "SELECT * FROM certificates WHERE number = $1"
        )
        .bind(number.trim().to_uppercase())
        .fetch_optional(c)
        .await)?)
    }

    pub async fn certificate(&self, id: i64) -> Result<CertificateRow> {
        on_pool!(self, |c| sqlx::query_as::<_, CertificateRow>(
            "SELECT * FROM certificates WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(c)
        .await)?
        .ok_or(StoreError::NotFound("giấy chứng nhận"))
    }

    /// Revoke a certificate. The capability must be the one for its stars
    /// (`ocop_domain::auth::revocation_action`); a certificate is revoked once.
    pub async fn revoke_certificate(
        &self,
        cap: &Capability,
        id: i64,
        r: &ocop_domain::certificate::Revocation,
    ) -> Result<()> {
        let before = self.certificate(id).await?;
        ensure(
            cap,
            ocop_domain::auth::revocation_action(before.stars as u8),
        )?;
        if before.revoked_on.is_some() {
            return Err(StoreError::conflict(
                "revoked_on",
                "Giấy chứng nhận này đã bị thu hồi trước đó.",
                "The certificate is already revoked.",
            ));
        }
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
            "UPDATE certificates SET revoked_on = $1, revocation_ground = $2 WHERE id = $3 AND revoked_on IS NULL"
        )
        .bind(r.revoked_on)
        .bind(r.ground_text())
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        record(
            &mut tx,
            cap,
            "product",
            &before.product_id.to_string(),
            Some(&serde_json::json!({ "certificate": before.number, "revoked_on": null })),
            Some(&serde_json::json!({ "certificate": before.number, "revoked_on": r.revoked_on, "ground": r.ground.code(), "detail": r.detail })),
        )
        .await?;
        tx.commit().await
    }

    pub async fn certificates_of(&self, product_id: i64) -> Result<Vec<CertificateRow>> {
        Ok(on_pool!(self, |c| sqlx::query_as::<_, CertificateRow>(
            "SELECT * FROM certificates WHERE product_id = $1 ORDER BY issued_on DESC, id DESC"
        )
        .bind(product_id)
        .fetch_all(c)
        .await)?)
    }

    /// Store an image already checked by the caller for type and size.
    pub async fn add_product_image(
        &self,
        cap: &Capability,
        product_id: i64,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<i64> {
        ensure(cap, Action::UploadProductImage)?;
        if bytes.len() > MAX_IMAGE_BYTES {
            return Err(StoreError::conflict(
                "image",
                "Ảnh lớn hơn 5 MB.",
                "image is larger than 5 MB.",
            ));
        }
        let digest = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(bytes))
        };
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
            "INSERT INTO product_images (product_id, content_type, bytes, size, sha256, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
        )
        .bind(product_id)
        .bind(content_type)
        .bind(bytes)
        .bind(bytes.len() as i64)
        .bind(&digest)
        .bind(now())
        .fetch_one(&mut *c)
        .await
        })?;
        record(
            &mut tx,
            cap,
            "product",
            &product_id.to_string(),
            None,
            Some(&serde_json::json!({ "image_id": id, "content_type": content_type, "size": bytes.len(), "sha256": digest })),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn product_image_ids(&self, product_id: i64) -> Result<Vec<i64>> {
        Ok(on_pool!(self, |c| sqlx::query_scalar(
            "SELECT id FROM product_images WHERE product_id = $1 ORDER BY id"
        )
        .bind(product_id)
        .fetch_all(c)
        .await)?)
    }

    /// `(content_type, bytes, sha256)` of an image.
    pub async fn product_image(&self, id: i64) -> Result<(String, Vec<u8>, String)> {
        on_pool!(self, |c| sqlx::query_as(
            "SELECT content_type, bytes, sha256 FROM product_images WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(c)
        .await)?
        .ok_or(StoreError::NotFound("ảnh"))
    }

    /// For the dashboard: active producers and products, nationally or in a province.
    pub async fn registry_counts(&self, province: Option<&str>) -> Result<RegistryCounts> {
        let producers: i64 = on_pool!(self, |c| {
            sqlx::query_scalar(
            "SELECT COUNT(*) FROM producers WHERE active AND ($1 IS NULL OR province_code = $1)"
        )
        .bind(province)
        .fetch_one(c)
        .await
        })?;
        let products: i64 = on_pool!(self, |c| sqlx::query_scalar(
            "SELECT COUNT(*) FROM products WHERE active AND ($1 IS NULL OR province_code = $1)"
        )
        .bind(province)
        .fetch_one(c)
        .await)?;
        Ok(RegistryCounts {
            producers,
            products,
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RegistryCounts {
    pub producers: i64,
    pub products: i64,
}

/// Bind a producer's 19 columns, in the order of the INSERT and UPDATE below
/// (`$1`…`$19`): one list, so the two statements cannot drift apart.
pub(crate) trait BindProducer {
    fn bind_producer(self, d: &ProducerData) -> Self;
}

macro_rules! impl_bind_producer {
    ($($t:ty),*) => {$(
        impl<'q> BindProducer for $t {
            fn bind_producer(self, d: &ProducerData) -> Self {
                self.bind(d.name.clone())
                    .bind(fold_vi(&d.name))
                    .bind(crate::sort_key(&d.name))
                    .bind(d.kind.code())
                    .bind(d.registration_number.clone())
                    .bind(d.address.clone())
                    .bind(d.commune_code.clone())
                    .bind(d.province_code.clone())
                    .bind(d.legacy_commune_code.clone())
                    .bind(d.phone.clone())
                    .bind(d.email.clone())
                    .bind(d.website.clone())
                    .bind(d.representative_name.clone())
                    .bind(d.representative_gender.code())
                    .bind(d.representative_ethnicity.clone())
                    .bind(d.representative_disability)
                    .bind(d.community_capital_pct)
                    .bind(d.workers)
                    .bind(d.description.clone())
            }
        }
    )*};
}

impl_bind_producer!(
    sqlx::query::QueryScalar<'q, sqlx::Sqlite, i64, sqlx::sqlite::SqliteArguments<'q>>,
    sqlx::query::QueryScalar<'q, sqlx::Postgres, i64, sqlx::postgres::PgArguments>,
    sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>
);

pub(crate) async fn insert_producer(
    tx: &mut Tx,
    cap: &Capability,
    d: &ProducerData,
) -> Result<i64> {
    let t = now();
    let id: i64 = on_tx!(tx, |c| sqlx::query_scalar(
        "INSERT INTO producers (name, name_fold, sort_key, kind, registration_number, address, commune_code, province_code, \
         legacy_commune_code, phone, email, website, representative_name, representative_gender, representative_ethnicity, \
         representative_disability, community_capital_pct, workers, description, active, created_at, updated_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, TRUE, $20, $20, 1) RETURNING id"
    )
    .bind_producer(d)
    .bind(t)
    .fetch_one(&mut *c)
    .await)
    .map_err(producer_conflict)?;
    record(
        tx,
        cap,
        "producer",
        &id.to_string(),
        None,
        Some(&producer_json(id, d)),
    )
    .await?;
    Ok(id)
}

pub(crate) async fn update_producer_in(
    tx: &mut Tx,
    cap: &Capability,
    id: i64,
    d: &ProducerData,
    expected_version: Option<i64>,
) -> Result<()> {
    let before: ProducerRow = on_tx!(tx, |c| sqlx::query_as::<_, ProducerRow>(
        "SELECT * FROM producers WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(&mut *c)
    .await)?
    .ok_or(StoreError::NotFound("chủ thể"))?;
    if let Some(v) = expected_version {
        if v != before.version {
            return Err(StoreError::conflict(
                "version",
                "Hồ sơ đã được người khác sửa trong lúc bạn sửa; hãy mở lại và nhập lại thay đổi.",
                "The record was changed by someone else; reload and retry.",
            ));
        }
    }
    on_tx!(tx, |c| sqlx::query(
        "UPDATE producers SET name = $1, name_fold = $2, sort_key = $3, kind = $4, registration_number = $5, address = $6, \
         commune_code = $7, province_code = $8, legacy_commune_code = $9, phone = $10, email = $11, website = $12, \
         representative_name = $13, representative_gender = $14, representative_ethnicity = $15, representative_disability = $16, \
         community_capital_pct = $17, workers = $18, description = $19, updated_at = $20, version = version + 1 WHERE id = $21"
    )
    .bind_producer(d)
    .bind(now())
    .bind(id)
    .execute(&mut *c)
    .await.map(|r| r.rows_affected()))
    .map_err(producer_conflict)?;
    let before_json = serde_json::to_value(&before).unwrap_or_default();
    record(
        tx,
        cap,
        "producer",
        &id.to_string(),
        Some(&before_json),
        Some(&producer_json(id, d)),
    )
    .await
}

pub(crate) async fn insert_product(
    tx: &mut Tx,
    cap: &Capability,
    producer_id: i64,
    d: &ProductData,
    year: i32,
) -> Result<(i64, String)> {
    let (province, commune): (String, String) = on_tx!(tx, |c| sqlx::query_as(
        "SELECT province_code, commune_code FROM producers WHERE id = $1"
    )
    .bind(producer_id)
    .fetch_optional(&mut *c)
    .await)?
    .ok_or(StoreError::NotFound("chủ thể"))?;
    let code = match &d.code {
        Some(code) => {
            // Keep the commune's sequence ahead of codes assigned before this system.
            bump_sequence(tx, &code.commune, code.year, code.seq as i64 + 1).await?;
            code.clone()
        }
        None => {
            let seq = next_sequence(tx, &commune, year).await?;
            ProductCode {
                province: province.clone(),
                commune: commune.clone(),
                seq: seq as u32,
                year,
            }
        }
    };
    let code = code.to_string();
    let t = now();
    let id: i64 = on_tx!(tx, |c| sqlx::query_scalar(
        "INSERT INTO products (producer_id, name, name_fold, sort_key, set_code, description, gtin, code, province_code, commune_code, \
         active, created_at, updated_at, version, group_code) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, TRUE, $11, $11, 1, $12) RETURNING id"
    )
    .bind(producer_id)
    .bind(&d.name)
    .bind(fold_vi(&d.name))
    .bind(crate::sort_key(&d.name))
    .bind(&d.set_code)
    .bind(&d.description)
    .bind(&d.gtin)
    .bind(&code)
    .bind(&province)
    .bind(&commune)
    .bind(t)
    .bind(group_of(&d.set_code))
    .fetch_one(&mut *c)
    .await)
    .map_err(product_conflict)?;
    record(
        tx,
        cap,
        "product",
        &id.to_string(),
        None,
        Some(&product_json(id, &code, producer_id, d)),
    )
    .await?;
    Ok((id, code))
}

pub(crate) async fn update_product_in(
    tx: &mut Tx,
    cap: &Capability,
    id: i64,
    d: &ProductData,
    expected_version: Option<i64>,
) -> Result<()> {
    let before: ProductRow = on_tx!(tx, |c| sqlx::query_as::<_, ProductRow>(
        "SELECT * FROM products WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(&mut *c)
    .await)?
    .ok_or(StoreError::NotFound("sản phẩm"))?;
    if let Some(v) = expected_version {
        if v != before.version {
            return Err(StoreError::conflict(
                "version",
                "Sản phẩm đã được người khác sửa trong lúc bạn sửa; hãy mở lại và nhập lại thay đổi.",
                "The record was changed by someone else; reload and retry.",
            ));
        }
    }
    // The code is assigned once; an edit may only set it when it was explicitly given.
    let code = d
        .code
        .as_ref()
        .map(|c| c.to_string())
        .unwrap_or_else(|| before.code.clone());
    on_tx!(tx, |c| sqlx::query(
        "UPDATE products SET name = $1, name_fold = $2, sort_key = $3, set_code = $4, description = $5, gtin = $6, code = $7, \
         updated_at = $8, version = version + 1, group_code = $10 WHERE id = $9"
    )
    .bind(&d.name)
    .bind(fold_vi(&d.name))
    .bind(crate::sort_key(&d.name))
    .bind(&d.set_code)
    .bind(&d.description)
    .bind(&d.gtin)
    .bind(&code)
    .bind(now())
    .bind(id)
    .bind(group_of(&d.set_code))
    .execute(&mut *c)
    .await.map(|r| r.rows_affected()))
    .map_err(product_conflict)?;
    let before_json = serde_json::to_value(&before).unwrap_or_default();
    record(
        tx,
        cap,
        "product",
        &id.to_string(),
        Some(&before_json),
        Some(&product_json(id, &code, before.producer_id, d)),
    )
    .await
}

/// Where a certificate comes from: recorded from before the system, or issued
/// by a decision taken in it.
pub(crate) const SOURCE_RECORDED: &str = "recorded";
pub(crate) const SOURCE_DECISION: &str = "decision";

pub(crate) async fn insert_certificate(
    tx: &mut Tx,
    cap: &Capability,
    product_id: i64,
    cert: &LegacyCertificate,
    source: &str,
) -> Result<i64> {
    let id: i64 = on_tx!(tx, |c| sqlx::query_scalar(
        "INSERT INTO certificates (product_id, stars, decision_number, issuer, issued_on, expires_on, source, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
    )
    .bind(product_id)
    .bind(cert.stars as i64)
    .bind(&cert.decision_number)
    .bind(&cert.issuer)
    .bind(cert.issued_on)
    .bind(cert.expires_on)
    .bind(source)
    .bind(now())
    .fetch_one(&mut *c)
    .await)
    .map_err(|e| {
        if matches!(&e, sqlx::Error::Database(d) if d.is_foreign_key_violation()) {
            StoreError::NotFound("sản phẩm")
        } else {
            e.into()
        }
    })?;
    let province: String = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT province_code FROM products WHERE id = $1"
    )
    .bind(product_id)
    .fetch_one(&mut *c)
    .await)?;
    let number = certificate_number(&province, chrono::Datelike::year(&cert.issued_on), id);
    on_tx!(tx, |c| sqlx::query(
        "UPDATE certificates SET number = $1 WHERE id = $2"
    )
    .bind(&number)
    .bind(id)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    record(
        tx,
        cap,
        "product",
        &product_id.to_string(),
        None,
        Some(&serde_json::json!({ "certificate_id": id, "number": number, "certificate": cert })),
    )
    .await?;
    Ok(id)
}

/// A re-evaluation was filed: the certificate may run past its expiry until
/// `until` (Decision 26/2026 Art. 12.3). Audited on the product, so that the
/// catalog index picks it up.
pub(crate) async fn set_extension(
    tx: &mut Tx,
    cap: &Capability,
    product_id: i64,
    certificate_id: i64,
    until: Option<NaiveDate>,
) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE certificates SET extended_until = $1 WHERE id = $2"
    )
    .bind(until)
    .bind(certificate_id)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    record(
        tx,
        cap,
        "product",
        &product_id.to_string(),
        None,
        Some(&serde_json::json!({ "certificate_id": certificate_id, "extended_until": until })),
    )
    .await
}

/// A re-evaluation ended on `on` (result, or withdrawal): an extension in
/// use stops that day; one not yet used (the certificate had not expired)
/// is dropped.
pub(crate) async fn end_extension(
    tx: &mut Tx,
    cap: &Capability,
    product_id: i64,
    certificate_id: i64,
    on: NaiveDate,
) -> Result<()> {
    let expires_on: NaiveDate = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT expires_on FROM certificates WHERE id = $1"
    )
    .bind(certificate_id)
    .fetch_one(&mut *c)
    .await)?;
    set_extension(
        tx,
        cap,
        product_id,
        certificate_id,
        (on > expires_on).then_some(on),
    )
    .await
}

/// A new certificate of the same product (upgrade, re-evaluation) replaces `old`.
pub(crate) async fn supersede(tx: &mut Tx, old: i64, new: i64) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE certificates SET superseded_by = $1 WHERE id = $2"
    )
    .bind(new)
    .bind(old)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// The product group (I–VI) of a set, from the classification.
fn group_of(set_code: &str) -> Option<&'static str> {
    ocop_domain::classification::product_set(set_code).map(|s| s.group.as_str())
}

/// `OCOP-01-2024-000123`: province, year of issue, the certificate's id.
pub fn certificate_number(province: &str, year: i32, id: i64) -> String {
    format!("OCOP-{province}-{year}-{id:06}")
}

async fn next_sequence(tx: &mut Tx, commune: &str, year: i32) -> Result<i64> {
    let seq: i64 = on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO commune_sequences (commune_code, year, next_seq) VALUES ($1, $2, 2) \
         ON CONFLICT (commune_code, year) DO UPDATE SET next_seq = commune_sequences.next_seq + 1 RETURNING next_seq"
    )
    .bind(commune)
    .bind(year as i64)
    .fetch_one(&mut *c)
    .await
    })?;
    Ok(seq - 1)
}

async fn bump_sequence(tx: &mut Tx, commune: &str, year: i32, at_least: i64) -> Result<()> {
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO commune_sequences (commune_code, year, next_seq) VALUES ($1, $2, $3) \
         ON CONFLICT (commune_code, year) DO UPDATE SET next_seq = \
         CASE WHEN commune_sequences.next_seq < excluded.next_seq THEN excluded.next_seq ELSE commune_sequences.next_seq END"
    )
    .bind(commune)
    .bind(year as i64)
    .bind(at_least)
    .execute(&mut *c)
    .await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;
    use ocop_domain::admin_units::units;

    /// The product list's filter on `products` alone lets through what each
    /// filter means, in name order, and its count counts them.
    #[tokio::test]
    async fn the_product_count_counts_what_the_list_lists() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let data = ocop_domain::demo::generate(units(), 40, 120, 3, today);
        let word = |s: &str| s.split(' ').next().unwrap_or_default().to_string();
        for db in testing::all().await {
            let store = &db.store;
            store.seed_reference(units()).await.unwrap();
            store.load_demo(&data, 2026, &|_| {}).await.unwrap();
            testing::execute_raw(store, "UPDATE products SET active = FALSE WHERE id % 7 = 0")
                .await;
            let all = ProductFilter {
                include_inactive: true,
                ..Default::default()
            };
            let all = store.export_products(&all).await.unwrap();
            // Every filter below finds this one at least.
            let p = all
                .iter()
                .find(|p| p.product.active && p.stars.is_some())
                .expect("a certified product");
            let filters = [
                ProductFilter::default(),
                ProductFilter {
                    include_inactive: true,
                    ..Default::default()
                },
                // A word of a product's name, of its producer's name, a code.
                ProductFilter {
                    q: Some(word(&p.product.name)),
                    ..Default::default()
                },
                ProductFilter {
                    q: Some(p.producer_name.clone()),
                    ..Default::default()
                },
                ProductFilter {
                    q: Some(p.product.code.clone()),
                    include_inactive: true,
                    ..Default::default()
                },
                ProductFilter {
                    province: Some(p.product.province_code.clone()),
                    stars: p.stars,
                    ..Default::default()
                },
                ProductFilter {
                    stars: p.stars,
                    set_code: Some(p.product.set_code.clone()),
                    ..Default::default()
                },
                ProductFilter {
                    commune: Some(p.product.commune_code.clone()),
                    producer_id: Some(p.product.producer_id),
                    include_inactive: true,
                    ..Default::default()
                },
            ];
            // What each filter means, worked out here from every product.
            let lets_through = |f: &ProductFilter, x: &ProductListItem| {
                let p = &x.product;
                let q = f.q.as_deref().map(|q| (fold_vi(q), q));
                q.is_none_or(|(folded, raw)| {
                    fold_vi(&p.name).contains(&folded)
                        || p.code.contains(raw)
                        || fold_vi(&x.producer_name).contains(&folded)
                }) && f.province.as_ref().is_none_or(|v| *v == p.province_code)
                    && f.commune.as_ref().is_none_or(|v| *v == p.commune_code)
                    && f.set_code.as_ref().is_none_or(|v| *v == p.set_code)
                    && f.producer_id.is_none_or(|v| v == p.producer_id)
                    && f.stars.is_none_or(|v| x.stars == Some(v))
                    && (f.include_inactive || p.active)
            };
            for f in &filters {
                let want: Vec<i64> = all
                    .iter()
                    .filter(|x| lets_through(f, x))
                    .map(|x| x.product.id)
                    .collect();
                assert!(!want.is_empty(), "{}: {f:?} finds nothing", db.label);
                let listed: Vec<i64> = store
                    .export_products(f)
                    .await
                    .unwrap()
                    .iter()
                    .map(|x| x.product.id)
                    .collect();
                assert_eq!(listed, want, "{}: {f:?}", db.label);
                // A page, and the count of all of them.
                let page = store
                    .list_products(&ProductFilter {
                        page: 2,
                        per_page: 3,
                        ..f.clone()
                    })
                    .await
                    .unwrap();
                assert_eq!(page.total, want.len() as i64, "{}: {f:?}", db.label);
                let ids: Vec<i64> = page.items.iter().map(|x| x.product.id).collect();
                let from = 3.min(want.len());
                assert_eq!(ids, want[from..want.len().min(6)], "{}: {f:?}", db.label);
            }
        }
    }
}
