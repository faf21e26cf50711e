//! Points of sale and their listings.

use crate::audit::record;
use crate::{check, now, on_pool, on_tx, unique_conflict, Result, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use ocop_domain::auth::{Action, Capability};
use ocop_domain::market::{listing_state, status_move_allowed, ListingState, PointOfSaleData};
use ocop_domain::text::fold_vi;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PointOfSaleRow {
    pub id: i64,
    pub name: String,
    pub operator: String,
    pub phone: Option<String>,
    pub address: String,
    pub commune_code: String,
    pub province_code: String,
    pub location_type: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub opened_on: Option<NaiveDate>,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A photo of a point, or evidence of one of its criteria.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PosFileRow {
    pub id: i64,
    pub pos_id: i64,
    /// A criterion of `ocop_domain::market::POS_CRITERIA`, or `photo`.
    pub kind: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    /// The file's name in the file store (`crate::evidence::FileStore`).
    pub sha256: String,
    pub uploaded_by: i64,
    pub uploaded_at: DateTime<Utc>,
}

/// A file being added to a point: what it is, its checked type and size, its hash.
#[derive(Debug, Clone, Copy)]
pub struct NewPosFile<'a> {
    pub kind: &'a str,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub size: usize,
    pub sha256: &'a str,
}

/// A listing with its product and its live state today.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListingRow {
    pub pos_id: i64,
    pub pos_name: String,
    pub product_id: i64,
    pub product_name: String,
    pub product_code: String,
    pub listed_on: NaiveDate,
    pub stars: Option<i64>,
    /// The last day its certificate is in force: the expiry, or the end of
    /// the extension while a re-evaluation is pending.
    pub expires_on: Option<NaiveDate>,
    pub revoked_on: Option<NaiveDate>,
    /// Last day of the product's recognition in another category of
    /// Decision 950 (far future when it has no end), if any.
    pub designated_until: Option<NaiveDate>,
    #[sqlx(skip)]
    pub active: bool,
}

/// A product's recognition in another category of Decision 950.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DesignationRow {
    pub product_id: i64,
    pub kind: String,
    pub decision_number: String,
    pub recognized_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
}

const LISTING_SELECT: &str = concat!(
    "SELECT l.pos_id, s.name AS pos_name, l.product_id, p.name AS product_name, p.code AS product_code, l.listed_on, \
     ce.stars, COALESCE(ce.extended_until, ce.expires_on) AS expires_on, ce.revoked_on, \
     (SELECT MAX(COALESCE(dg.valid_until, '9999-12-31')) FROM product_designations dg WHERE dg.product_id = p.id) AS designated_until \
     FROM pos_listings l JOIN points_of_sale s ON s.id = l.pos_id JOIN products p ON p.id = l.product_id \
     LEFT JOIN certificates ce ON ce.id = ",
    latest_certificate!()
);

/// The network in one province: its points and the listings live today.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NetworkProvince {
    pub province_code: String,
    /// Every registered point, whatever its status.
    pub points: i64,
    pub active: i64,
    /// Listings at active points whose product's certificate is valid today.
    pub live_listings: i64,
}

fn with_state(mut rows: Vec<ListingRow>, today: NaiveDate) -> Vec<ListingRow> {
    for r in &mut rows {
        r.active = listing_state(
            r.stars,
            r.expires_on,
            r.revoked_on,
            r.designated_until,
            today,
        ) == ListingState::Active;
    }
    rows
}

impl Store {
    pub async fn create_point_of_sale(&self, cap: &Capability, d: &PointOfSaleData) -> Result<i64> {
        check(cap, Action::ManagePointOfSale)?;
        let t = now();
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
            "INSERT INTO points_of_sale (name, name_fold, sort_key, operator, phone, address, commune_code, province_code, location_type, \
             lat, lon, opened_on, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'proposed', $13, $13) RETURNING id"
        )
        .bind(&d.name)
        .bind(fold_vi(&d.name))
        .bind(crate::sort_key(&d.name))
        .bind(&d.operator)
        .bind(&d.phone)
        .bind(&d.address)
        .bind(&d.commune_code)
        .bind(&d.province_code)
        .bind(&d.location_type)
        .bind(d.lat)
        .bind(d.lon)
        .bind(d.opened_on)
        .bind(t)
        .fetch_one(&mut *c)
        .await
        })?;
        record(
            &mut tx,
            cap,
            "point_of_sale",
            &id.to_string(),
            None,
            Some(&serde_json::to_value(d).unwrap_or_default()),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn point_of_sale(&self, id: i64) -> Result<PointOfSaleRow> {
        on_pool!(self, |c| sqlx::query_as::<_, PointOfSaleRow>(
            "SELECT id, name, operator, phone, address, commune_code, province_code, location_type, lat, lon, opened_on, status, created_at, updated_at \
             FROM points_of_sale WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(c)
        .await)?
        .ok_or(StoreError::NotFound("điểm bán"))
    }

    /// Points of sale in Vietnamese name order; `public_only` keeps the active ones.
    pub async fn list_points_of_sale(
        &self,
        province: Option<&str>,
        location_type: Option<&str>,
        public_only: bool,
    ) -> Result<Vec<PointOfSaleRow>> {
        Ok(on_pool!(self, |c| {
            sqlx::query_as::<_, PointOfSaleRow>(
            "SELECT id, name, operator, phone, address, commune_code, province_code, location_type, lat, lon, opened_on, status, created_at, updated_at \
             FROM points_of_sale WHERE ($1 IS NULL OR province_code = $1) AND ($2 IS NULL OR location_type = $2) AND (NOT $3 OR status = 'active') \
             ORDER BY sort_key, id LIMIT 5000"
        )
        .bind(province)
        .bind(location_type)
        .bind(public_only)
        .fetch_all(c)
        .await
        })?)
    }

    /// One page of points of sale in name order, with how many match: the
    /// directory and the offices' list at national size (20,000 points).
    pub async fn points_of_sale_page(
        &self,
        province: Option<&str>,
        location_type: Option<&str>,
        public_only: bool,
        page: i64,
        per_page: i64,
    ) -> Result<crate::Page<PointOfSaleRow>> {
        let (page, per_page) = (page.clamp(1, i64::MAX / 200), per_page.clamp(1, 200));
        const WHERE: &str =
            "WHERE ($1 IS NULL OR province_code = $1) AND ($2 IS NULL OR location_type = $2) \
             AND (NOT $3 OR status = 'active')";
        let total: i64 = on_pool!(self, |c| {
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM points_of_sale {WHERE}"))
                .bind(province)
                .bind(location_type)
                .bind(public_only)
                .fetch_one(c)
                .await
        })?;
        // Past the last page: the last page.
        let page = page.min((total + per_page - 1) / per_page).max(1);
        let items = on_pool!(self, |c| {
            sqlx::query_as::<_, PointOfSaleRow>(&format!(
                "SELECT id, name, operator, phone, address, commune_code, province_code, location_type, lat, lon, opened_on, \
                 status, created_at, updated_at FROM points_of_sale {WHERE} ORDER BY sort_key, id LIMIT $4 OFFSET $5"
            ))
            .bind(province)
            .bind(location_type)
            .bind(public_only)
            .bind(per_page)
            .bind((page - 1) * per_page)
            .fetch_all(c)
            .await
        })?;
        Ok(crate::Page {
            total,
            page,
            per_page,
            items,
        })
    }

    /// Move a point along its statuses (approval, activation, suspension, closing).
    pub async fn set_point_of_sale_status(
        &self,
        cap: &Capability,
        id: i64,
        to: &str,
    ) -> Result<()> {
        check(cap, Action::ManagePointOfSale)?;
        let before = self.point_of_sale(id).await?;
        if to == "approved" {
            // Approval needs evidence for every criterion of Decision 950.
            let files = self.pos_files(id).await?;
            let missing = ocop_domain::market::criteria_without_evidence(
                files.iter().map(|f| f.kind.as_str()),
            );
            if !missing.is_empty() {
                return Err(StoreError::conflict(
                    "checklist",
                    format!(
                        "Chưa có minh chứng cho tiêu chí: {}.",
                        missing
                            .iter()
                            .filter_map(|c| ocop_domain::market::pos_file_kind_label(c))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                    "Evidence is missing for some criteria.",
                ));
            }
        }
        if !status_move_allowed(&before.status, to) {
            return Err(StoreError::conflict(
                "status",
                format!(
                    "Không chuyển được từ \"{}\" sang \"{}\".",
                    ocop_domain::market::status_label(&before.status).unwrap_or(&before.status),
                    ocop_domain::market::status_label(to).unwrap_or(to)
                ),
                "This status change is not allowed.",
            ));
        }
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, |c| {
            sqlx::query(
            "UPDATE points_of_sale SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4"
        )
        .bind(to)
        .bind(now())
        .bind(id)
        .bind(&before.status)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
        })?;
        if n == 0 {
            return Err(StoreError::conflict(
                "status",
                "Điểm bán vừa được người khác cập nhật.",
                "Changed meanwhile.",
            ));
        }
        record(
            &mut tx,
            cap,
            "point_of_sale",
            &id.to_string(),
            Some(&serde_json::json!({"status": before.status})),
            Some(&serde_json::json!({"status": to})),
        )
        .await?;
        tx.commit().await
    }

    /// Record a photo or a criterion's evidence of a point, already checked
    /// by the caller and written to the file store under `sha256`.
    pub async fn add_pos_file(
        &self,
        cap: &Capability,
        pos_id: i64,
        f: &NewPosFile<'_>,
    ) -> Result<i64> {
        let NewPosFile {
            kind,
            filename,
            content_type,
            size,
            sha256,
        } = *f;
        check(cap, Action::ManagePointOfSale)?;
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
            "INSERT INTO pos_files (pos_id, kind, filename, content_type, size, sha256, uploaded_by, uploaded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
        )
        .bind(pos_id)
        .bind(kind)
        .bind(filename)
        .bind(content_type)
        .bind(size as i64)
        .bind(sha256)
        .bind(cap.actor_id())
        .bind(now())
        .fetch_one(&mut *c)
        .await
        })?;
        record(
            &mut tx,
            cap,
            "point_of_sale",
            &pos_id.to_string(),
            None,
            Some(&serde_json::json!({"file": id, "kind": kind, "filename": filename, "sha256": sha256})),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn pos_files(&self, pos_id: i64) -> Result<Vec<PosFileRow>> {
        Ok(on_pool!(self, |c| sqlx::query_as::<_, PosFileRow>(
            "SELECT * FROM pos_files WHERE pos_id = $1 ORDER BY kind, id"
        )
        .bind(pos_id)
        .fetch_all(c)
        .await)?)
    }

    /// The first photo of each of `points` that has one: point id → file id.
    pub async fn pos_photos(&self, points: &[i64]) -> Result<std::collections::HashMap<i64, i64>> {
        if points.is_empty() {
            return Ok(Default::default());
        }
        // The IN list's placeholders are made from the count alone.
        let sql = format!(
            "SELECT pos_id, MIN(id) FROM pos_files WHERE kind = 'photo' AND pos_id IN ({}) GROUP BY pos_id",
            crate::placeholders(points.len(), 1, 1)
        );
        let rows: Vec<(i64, i64)> = on_pool!(self, |c| {
            let mut q = sqlx::query_as(&sql);
            for id in points {
                q = q.bind(id);
            }
            q.fetch_all(c).await
        })?;
        Ok(rows.into_iter().collect())
    }

    pub async fn pos_file(&self, pos_id: i64, id: i64) -> Result<PosFileRow> {
        on_pool!(self, |c| sqlx::query_as::<_, PosFileRow>(
            "SELECT * FROM pos_files WHERE id = $1 AND pos_id = $2"
        )
        .bind(id)
        .bind(pos_id)
        .fetch_optional(c)
        .await)?
        .ok_or(StoreError::NotFound("tệp của điểm bán"))
    }

    /// List a product; it must hold a valid 3★+ certificate today.
    pub async fn add_listing(
        &self,
        cap: &Capability,
        pos_id: i64,
        product_id: i64,
        today: NaiveDate,
    ) -> Result<()> {
        check(cap, Action::ManageListing)?;
        let x = self.product(product_id).await?;
        let designated = self.designated_until(product_id).await?;
        // In force until its expiry, or the end of its extension.
        let until = x.extended_until.max(x.expires_on);
        if listing_state(x.stars, until, x.revoked_on, designated, today) != ListingState::Active {
            return Err(StoreError::conflict(
                "product_code",
                "Chỉ bày bán sản phẩm có giấy chứng nhận OCOP từ 3 sao còn hiệu lực, hoặc sản phẩm chủ lực cấp tỉnh, sản phẩm công nghiệp nông thôn tiêu biểu, đặc sản địa phương còn hiệu lực công nhận.",
                "Only products with a valid 3-star-or-better certificate, or another category of Decision 950 still recognised, can be listed.",
            ));
        }
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO pos_listings (pos_id, product_id, listed_on) VALUES ($1, $2, $3)"
        )
        .bind(pos_id)
        .bind(product_id)
        .bind(today)
        .execute(&mut *c)
        .await
        .map(|_| ()))
        .map_err(|e| {
            unique_conflict(e, |_| {
                StoreError::conflict(
                    "product_code",
                    "Sản phẩm đã có trong danh sách.",
                    "Already listed.",
                )
            })
        })?;
        record(
            &mut tx,
            cap,
            "point_of_sale",
            &pos_id.to_string(),
            None,
            Some(&serde_json::json!({"listed": product_id})),
        )
        .await?;
        tx.commit().await
    }

    /// Record a product's recognition in another category of Decision 950
    /// (a later decision of the same kind replaces the earlier one).
    pub async fn record_designation(
        &self,
        cap: &Capability,
        product_id: i64,
        d: &ocop_domain::market::DesignationData,
    ) -> Result<()> {
        check(cap, Action::RecordDesignation)?;
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            async {
                sqlx::query("DELETE FROM product_designations WHERE product_id = $1 AND kind = $2")
                    .bind(product_id)
                    .bind(&d.kind)
                    .execute(&mut *c)
                    .await?;
                sqlx::query(
                    "INSERT INTO product_designations (product_id, kind, decision_number, recognized_on, valid_until, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(product_id)
                .bind(&d.kind)
                .bind(&d.decision_number)
                .bind(d.recognized_on)
                .bind(d.valid_until)
                .bind(now())
                .execute(&mut *c)
                .await
                .map(|_| ())
            }
            .await
        })?;
        record(
            &mut tx,
            cap,
            "product",
            &product_id.to_string(),
            None,
            Some(&serde_json::json!({"designation": d})),
        )
        .await?;
        tx.commit().await
    }

    pub async fn designations_of(&self, product_id: i64) -> Result<Vec<DesignationRow>> {
        Ok(on_pool!(self, |c| {
            sqlx::query_as::<_, DesignationRow>(
            "SELECT product_id, kind, decision_number, recognized_on, valid_until FROM product_designations \
             WHERE product_id = $1 ORDER BY recognized_on DESC"
        )
        .bind(product_id)
        .fetch_all(c)
        .await
        })?)
    }

    /// The last day any of the product's designations holds (far future
    /// when one has no end).
    pub async fn designated_until(&self, product_id: i64) -> Result<Option<NaiveDate>> {
        let rows = self.designations_of(product_id).await?;
        Ok(rows
            .iter()
            .map(|d| d.valid_until.unwrap_or(NaiveDate::MAX))
            .max())
    }

    /// A point's listings, each with its live state today.
    pub async fn listings_of_pos(&self, pos_id: i64, today: NaiveDate) -> Result<Vec<ListingRow>> {
        let sql = format!("{LISTING_SELECT} WHERE l.pos_id = $1 ORDER BY p.sort_key");
        let rows = on_pool!(self, |c| sqlx::query_as::<_, ListingRow>(&sql)
            .bind(pos_id)
            .fetch_all(c)
            .await)?;
        Ok(with_state(rows, today))
    }

    /// The network of points of sale by province, as of `today`.
    pub async fn pos_network(&self, today: NaiveDate) -> Result<Vec<NetworkProvince>> {
        let points: Vec<(String, i64, i64)> = on_pool!(self, |c| {
            sqlx::query_as(
            "SELECT province_code, COUNT(*), CAST(SUM(CASE WHEN status = 'active' THEN 1 ELSE 0 END) AS BIGINT) \
             FROM points_of_sale GROUP BY province_code"
        )
        .fetch_all(c)
        .await
        })?;
        let live_sql = concat!(
            "SELECT s.province_code, COUNT(*) FROM pos_listings l JOIN points_of_sale s ON s.id = l.pos_id \
             JOIN products p ON p.id = l.product_id LEFT JOIN certificates ce ON ce.id = ",
            latest_certificate!(),
            " WHERE s.status = 'active' AND ((ce.stars >= 3 AND COALESCE(ce.extended_until, ce.expires_on) >= $1 \
             AND (ce.revoked_on IS NULL OR ce.revoked_on > $1)) \
             OR EXISTS (SELECT 1 FROM product_designations dg WHERE dg.product_id = p.id \
                        AND (dg.valid_until IS NULL OR dg.valid_until >= $1))) GROUP BY s.province_code"
        );
        let live: std::collections::HashMap<String, i64> =
            on_pool!(self, |c| sqlx::query_as::<_, (String, i64)>(live_sql)
                .bind(today)
                .fetch_all(c)
                .await)?
            .into_iter()
            .collect();
        let mut out: Vec<NetworkProvince> = points
            .into_iter()
            .map(|(province_code, points, active)| NetworkProvince {
                live_listings: live.get(&province_code).copied().unwrap_or(0),
                province_code,
                points,
                active,
            })
            .collect();
        out.sort_by(|a, b| {
            b.active
                .cmp(&a.active)
                .then(a.province_code.cmp(&b.province_code))
        });
        Ok(out)
    }

    /// Where to buy a product: active points whose listing is live today.
    pub async fn where_to_buy(&self, product_id: i64, today: NaiveDate) -> Result<Vec<ListingRow>> {
        let sql = format!(
            "{LISTING_SELECT} WHERE l.product_id = $1 AND s.status = 'active' ORDER BY s.sort_key"
        );
        let rows = on_pool!(self, |c| sqlx::query_as::<_, ListingRow>(&sql)
            .bind(product_id)
            .fetch_all(c)
            .await)?;
        Ok(with_state(rows, today)
            .into_iter()
            .filter(|r| r.active)
            .collect())
    }
}
