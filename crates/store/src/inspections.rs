//! Post-certification inspections: recorded against the certificate in
//! force, listed with the product's history.

use crate::audit::record;
use crate::{check, now, on_pool, on_tx, Result, Store};
use chrono::{DateTime, NaiveDate, Utc};
use ocop_domain::auth::{Action, Capability};
use ocop_domain::inspection::Inspection;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InspectionRow {
    pub id: i64,
    pub certificate_id: i64,
    pub product_id: i64,
    /// periodic or ad_hoc.
    pub kind: String,
    pub inspected_on: NaiveDate,
    pub body: String,
    pub criteria_upkeep: String,
    pub mark_use: String,
    /// maintained, correction or revocation.
    pub conclusion: String,
    pub correct_by: Option<NaiveDate>,
    pub recorded_by: i64,
    pub created_at: DateTime<Utc>,
}

/// A certificate an inspection concluded should be revoked, not revoked yet.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RevocationPending {
    pub product_id: i64,
    pub product_name: String,
    pub product_code: String,
    pub certificate_id: i64,
    pub certificate_number: Option<String>,
    pub stars: i64,
    /// The (latest) inspection that concluded it, and its date.
    pub inspection_id: i64,
    pub inspected_on: NaiveDate,
    pub body: String,
}

impl Store {
    /// Certificates whose latest inspection concluded revocation and that are
    /// not revoked: in a province (`None`: everywhere), with stars in
    /// `min_stars..=max_stars` (the competent level's: 3–4 the province's,
    /// 5 the ministry's), oldest conclusion first.
    pub async fn revocations_pending(
        &self,
        province: Option<&str>,
        min_stars: i64,
        max_stars: i64,
    ) -> Result<Vec<RevocationPending>> {
        Ok(on_pool!(self, |c| {
            sqlx::query_as::<_, RevocationPending>(
            "SELECT p.id AS product_id, p.name AS product_name, p.code AS product_code, ce.id AS certificate_id, \
             ce.number AS certificate_number, ce.stars, i.id AS inspection_id, i.inspected_on, i.body \
             FROM inspections i JOIN certificates ce ON ce.id = i.certificate_id JOIN products p ON p.id = i.product_id \
             WHERE i.conclusion = 'revocation' AND ce.revoked_on IS NULL \
               AND ce.stars >= $2 AND ce.stars <= $3 AND ($1 IS NULL OR p.province_code = $1) \
               AND i.id = (SELECT j.id FROM inspections j WHERE j.certificate_id = i.certificate_id \
                           ORDER BY j.inspected_on DESC, j.id DESC LIMIT 1) \
             ORDER BY i.inspected_on, p.id LIMIT 200"
        )
        .bind(province)
        .bind(min_stars)
        .bind(max_stars)
        .fetch_all(c)
        .await
        })?)
    }

    /// Record an inspection (validated by the caller) of `certificate_id`, a certificate of `product_id`.
    pub async fn record_inspection(
        &self,
        cap: &Capability,
        product_id: i64,
        certificate_id: i64,
        i: &Inspection,
    ) -> Result<i64> {
        check(cap, Action::RecordInspection)?;
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
            "INSERT INTO inspections (certificate_id, product_id, kind, inspected_on, body, criteria_upkeep, mark_use, conclusion, \
             correct_by, recorded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id"
        )
        .bind(certificate_id)
        .bind(product_id)
        .bind(i.kind.code())
        .bind(i.inspected_on)
        .bind(&i.body)
        .bind(&i.criteria_upkeep)
        .bind(&i.mark_use)
        .bind(i.conclusion.code())
        .bind(i.correct_by)
        .bind(cap.actor_id())
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
            Some(&serde_json::json!({"inspection": id, "certificate_id": certificate_id, "inspection_detail": i})),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The latest inspection of one certificate (the verification page's, read on every scan).
    pub async fn latest_inspection(&self, certificate_id: i64) -> Result<Option<InspectionRow>> {
        Ok(on_pool!(self, |c| {
            sqlx::query_as::<_, InspectionRow>(
            "SELECT * FROM inspections WHERE certificate_id = $1 ORDER BY inspected_on DESC, id DESC LIMIT 1"
        )
        .bind(certificate_id)
        .fetch_optional(c)
        .await
        })?)
    }

    /// A product's inspections, latest first.
    pub async fn inspections_of(&self, product_id: i64) -> Result<Vec<InspectionRow>> {
        Ok(on_pool!(self, |c| sqlx::query_as::<_, InspectionRow>(
            "SELECT * FROM inspections WHERE product_id = $1 ORDER BY inspected_on DESC, id DESC"
        )
        .bind(product_id)
        .fetch_all(c)
        .await)?)
    }
}
