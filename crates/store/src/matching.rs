//! Supply–demand matching: demands, offers, introductions and trade
//! agreements. Ranking is the domain's (`ocop_domain::matching::rank`); the
//! store reads the candidates it ranks.

use crate::audit::record;
use crate::{check, now, on_pool, on_tx, placeholders, unique_conflict, Result, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use ocop_domain::auth::{Action, Capability};
use ocop_domain::matching::{
    agreement_move_allowed, AgreementData, Candidate, DemandData, OfferData,
};
use serde::Serialize;
use serde_json::json;

fn join(codes: &[String]) -> String {
    codes.join(",")
}

fn split(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Serialize a comma-separated column as the list it stands for.
fn as_list<S: serde::Serializer>(text: &str, s: S) -> std::result::Result<S::Ok, S::Error> {
    use serde::Serialize;
    split(text).serialize(s)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DemandRow {
    pub id: i64,
    pub owner_user_id: i64,
    pub buyer: String,
    pub title: String,
    /// Product set codes; none: any. (Stored comma-separated, answered as a list.)
    #[serde(serialize_with = "as_list")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub set_codes: String,
    pub min_stars: i64,
    pub quantity: Option<i64>,
    pub unit: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    /// Province codes; none: nationwide. (Stored comma-separated, answered as a list.)
    #[serde(serialize_with = "as_list")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub regions: String,
    pub certifications: Option<String>,
    pub price_min: Option<i64>,
    pub price_max: Option<i64>,
    pub deadline: NaiveDate,
    /// open, closed.
    pub status: String,
    pub created_at: DateTime<Utc>,
}

impl DemandRow {
    pub fn data(&self) -> DemandData {
        DemandData {
            buyer: self.buyer.clone(),
            title: self.title.clone(),
            set_codes: split(&self.set_codes),
            min_stars: self.min_stars,
            quantity: self.quantity,
            unit: self.unit.clone(),
            period_from: self.period_from,
            period_to: self.period_to,
            regions: split(&self.regions),
            certifications: self.certifications.clone(),
            price_min: self.price_min,
            price_max: self.price_max,
            deadline: self.deadline,
        }
    }

    /// Open and still taking offers on `today`.
    pub fn is_open(&self, today: NaiveDate) -> bool {
        self.status == "open" && self.deadline >= today
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfferRow {
    pub product_id: i64,
    pub capacity: Option<i64>,
    pub unit: String,
    pub season: Option<String>,
    pub price_min: Option<i64>,
    pub price_max: Option<i64>,
    /// Province codes delivered to; none: nationwide.
    #[serde(serialize_with = "as_list")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub regions: String,
    pub updated_at: DateTime<Utc>,
}

impl OfferRow {
    pub fn data(&self) -> OfferData {
        OfferData {
            capacity: self.capacity,
            unit: self.unit.clone(),
            season: self.season.clone(),
            price_min: self.price_min,
            price_max: self.price_max,
            regions: split(&self.regions),
        }
    }
}

/// An introduction with the names a page shows.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntroductionRow {
    pub id: i64,
    pub demand_id: i64,
    pub demand_title: String,
    pub buyer: String,
    pub demand_owner: i64,
    pub product_id: i64,
    pub product_name: String,
    pub producer_id: i64,
    pub producer_name: String,
    pub province_code: String,
    pub commune_code: String,
    /// buyer, producer.
    pub from_side: String,
    pub message: Option<String>,
    /// sent, accepted, declined.
    pub status: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgreementRow {
    pub id: i64,
    pub kind: String,
    pub buyer: String,
    pub buyer_user_id: Option<i64>,
    pub producer_id: i64,
    pub producer_name: String,
    pub province_code: String,
    pub commune_code: String,
    /// Comma-separated product ids.
    pub product_ids: String,
    pub quantity: Option<String>,
    pub value_vnd: Option<i64>,
    pub signed_on: NaiveDate,
    pub event_id: Option<i64>,
    pub event_name: Option<String>,
    pub demand_id: Option<i64>,
    /// signed, delivering, completed, cancelled.
    pub status: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgreementHistoryRow {
    pub at: DateTime<Utc>,
    pub status: String,
    pub actor_name: String,
    pub note: Option<String>,
}

/// Agreements counted and valued by one key (a province, an event, a year).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgreementCount {
    pub key: String,
    pub count: i64,
    pub value_vnd: i64,
}

#[derive(Debug, Clone, Default)]
pub struct AgreementFilter<'a> {
    pub province: Option<&'a str>,
    pub event_id: Option<i64>,
    pub year: Option<i32>,
    pub producer_id: Option<i64>,
}

const DEMAND_SELECT: &str = "SELECT id, owner_user_id, buyer, title, set_codes, min_stars, quantity, unit, period_from, period_to, \
     regions, certifications, price_min, price_max, deadline, status, created_at FROM demands";

const INTRODUCTION_SELECT: &str = "SELECT i.id, i.demand_id, d.title AS demand_title, d.buyer, d.owner_user_id AS demand_owner, \
     i.product_id, p.name AS product_name, p.producer_id, o.name AS producer_name, p.province_code, p.commune_code, \
     i.from_side, i.message, i.status, i.created_at \
     FROM introductions i JOIN demands d ON d.id = i.demand_id JOIN products p ON p.id = i.product_id \
     JOIN producers o ON o.id = p.producer_id";

const AGREEMENT_SELECT: &str = "SELECT a.id, a.kind, a.buyer, a.buyer_user_id, a.producer_id, o.name AS producer_name, \
     a.province_code, o.commune_code, a.product_ids, a.quantity, a.value_vnd, a.signed_on, a.event_id, e.name AS event_name, \
     a.demand_id, a.status, a.updated_at \
     FROM agreements a JOIN producers o ON o.id = a.producer_id LEFT JOIN trade_events e ON e.id = a.event_id";

/// The candidates' columns: a product, its latest certificate, its offer.
const CANDIDATE_SELECT: &str = concat!(
    "SELECT p.id, p.set_code, p.province_code, ce.stars, COALESCE(ce.extended_until, ce.expires_on), ce.revoked_on, \
     f.capacity, f.unit, f.season, f.price_min, f.price_max, f.regions \
     FROM products p JOIN certificates ce ON ce.id = ",
    latest_certificate!(),
    " LEFT JOIN offers f ON f.product_id = p.id"
);

type CandidateRecord = (
    i64,
    String,
    String,
    i64,
    NaiveDate,
    Option<NaiveDate>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

fn candidate(
    (id, set, province, stars, expires, revoked, cap, unit, season, pmin, pmax, regions): CandidateRecord,
) -> Candidate {
    Candidate {
        product_id: id,
        set_code: set,
        province_code: province,
        stars,
        expires_on: expires,
        revoked_on: revoked,
        offer: unit.map(|unit| OfferData {
            capacity: cap,
            unit,
            season,
            price_min: pmin,
            price_max: pmax,
            regions: split(regions.as_deref().unwrap_or("")),
        }),
    }
}

impl Store {
    pub async fn create_demand(&self, cap: &Capability, d: &DemandData) -> Result<i64> {
        check(cap, Action::PostDemand)?;
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
                "INSERT INTO demands (owner_user_id, buyer, title, set_codes, min_stars, quantity, unit, period_from, period_to, regions, \
                 certifications, price_min, price_max, deadline, status, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'open', $15) RETURNING id",
            )
            .bind(cap.actor_id())
            .bind(&d.buyer)
            .bind(&d.title)
            .bind(join(&d.set_codes))
            .bind(d.min_stars)
            .bind(d.quantity)
            .bind(&d.unit)
            .bind(d.period_from)
            .bind(d.period_to)
            .bind(join(&d.regions))
            .bind(&d.certifications)
            .bind(d.price_min)
            .bind(d.price_max)
            .bind(d.deadline)
            .bind(now())
            .fetch_one(&mut *c)
            .await
        })?;
        record(
            &mut tx,
            cap,
            "demand",
            &id.to_string(),
            None,
            Some(&json!(d)),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn demand(&self, id: i64) -> Result<DemandRow> {
        let sql = format!("{DEMAND_SELECT} WHERE id = $1");
        on_pool!(self, |c| sqlx::query_as::<_, DemandRow>(&sql)
            .bind(id)
            .fetch_optional(c)
            .await)?
        .ok_or(StoreError::NotFound("nhu cầu"))
    }

    /// Demands, the latest first; `open_on` keeps those taking offers that day.
    pub async fn list_demands(
        &self,
        open_on: Option<NaiveDate>,
        owner: Option<i64>,
    ) -> Result<Vec<DemandRow>> {
        let sql = format!(
            "{DEMAND_SELECT} WHERE ($1 IS NULL OR (status = 'open' AND deadline >= $1)) AND ($2 IS NULL OR owner_user_id = $2) \
             ORDER BY created_at DESC, id DESC LIMIT 1000"
        );
        Ok(on_pool!(self, |c| sqlx::query_as::<_, DemandRow>(&sql)
            .bind(open_on)
            .bind(owner)
            .fetch_all(c)
            .await)?)
    }

    pub async fn close_demand(&self, cap: &Capability, id: i64) -> Result<()> {
        check(cap, Action::ManageDemand)?;
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE demands SET status = 'closed' WHERE id = $1 AND status = 'open'"
        )
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::conflict(
                "status",
                "Nhu cầu đã đóng.",
                "Already closed.",
            ));
        }
        record(
            &mut tx,
            cap,
            "demand",
            &id.to_string(),
            Some(&json!({"status": "open"})),
            Some(&json!({"status": "closed"})),
        )
        .await?;
        tx.commit().await
    }

    /// Record (or replace) the offer of a product.
    pub async fn set_offer(&self, cap: &Capability, product_id: i64, o: &OfferData) -> Result<()> {
        check(cap, Action::PostOffer)?;
        let before = self.offer(product_id).await?;
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            async {
                sqlx::query("DELETE FROM offers WHERE product_id = $1")
                    .bind(product_id)
                    .execute(&mut *c)
                    .await?;
                sqlx::query(
                    "INSERT INTO offers (product_id, capacity, unit, season, price_min, price_max, regions, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(product_id)
                .bind(o.capacity)
                .bind(&o.unit)
                .bind(&o.season)
                .bind(o.price_min)
                .bind(o.price_max)
                .bind(join(&o.regions))
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
            "offer",
            &product_id.to_string(),
            before.map(|b| json!(b.data())).as_ref(),
            Some(&json!(o)),
        )
        .await?;
        tx.commit().await
    }

    pub async fn offer(&self, product_id: i64) -> Result<Option<OfferRow>> {
        Ok(on_pool!(self, |c| {
            sqlx::query_as::<_, OfferRow>(
            "SELECT product_id, capacity, unit, season, price_min, price_max, regions, updated_at FROM offers WHERE product_id = $1"
        )
        .bind(product_id)
        .fetch_optional(c)
        .await
        })?)
    }

    /// Products that may answer a demand: a certificate of at least
    /// `min_stars` valid `today`, in one of `sets` (all when empty).
    pub async fn demand_candidates(
        &self,
        min_stars: i64,
        sets: &[String],
        today: NaiveDate,
    ) -> Result<Vec<Candidate>> {
        let set_filter = if sets.is_empty() {
            String::new()
        } else {
            format!(" AND p.set_code IN ({})", placeholders(sets.len(), 1, 3))
        };
        let sql = format!(
            "{CANDIDATE_SELECT} WHERE p.active AND ce.stars >= $1 AND COALESCE(ce.extended_until, ce.expires_on) >= $2 \
             AND (ce.revoked_on IS NULL OR ce.revoked_on > $2){set_filter} LIMIT 20000"
        );
        let rows: Vec<CandidateRecord> = on_pool!(self, |c| {
            let mut q = sqlx::query_as(&sql).bind(min_stars).bind(today);
            for s in sets {
                q = q.bind(s);
            }
            q.fetch_all(c).await
        })?;
        Ok(rows.into_iter().map(candidate).collect())
    }

    /// A producer's products as candidates (for the demands matching them).
    pub async fn producer_candidates(&self, producer_id: i64) -> Result<Vec<Candidate>> {
        let sql = format!("{CANDIDATE_SELECT} WHERE p.active AND p.producer_id = $1");
        let rows: Vec<CandidateRecord> = on_pool!(self, |c| sqlx::query_as(&sql)
            .bind(producer_id)
            .fetch_all(c)
            .await)?;
        Ok(rows.into_iter().map(candidate).collect())
    }

    /// An introduction between a demand and a product, by either side.
    pub async fn introduce(
        &self,
        cap: &Capability,
        demand_id: i64,
        product_id: i64,
        from_side: &str,
        message: Option<&str>,
    ) -> Result<i64> {
        check(cap, Action::Introduce)?;
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
                "INSERT INTO introductions (demand_id, product_id, from_side, sender_user_id, message, status, created_at) \
                 VALUES ($1, $2, $3, $4, $5, 'sent', $6) RETURNING id",
            )
            .bind(demand_id)
            .bind(product_id)
            .bind(from_side)
            .bind(cap.actor_id())
            .bind(message)
            .bind(now())
            .fetch_one(&mut *c)
            .await
        })
        .map_err(|e| {
            unique_conflict(e, |_| {
                StoreError::conflict(
                    "product_id",
                    "Sản phẩm này đã được giới thiệu cho nhu cầu này.",
                    "This product was already introduced to this demand.",
                )
            })
        })?;
        record(
            &mut tx,
            cap,
            "introduction",
            &id.to_string(),
            None,
            Some(&json!({"demand_id": demand_id, "product_id": product_id, "from": from_side, "message": message})),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn introduction(&self, id: i64) -> Result<IntroductionRow> {
        let sql = format!("{INTRODUCTION_SELECT} WHERE i.id = $1");
        on_pool!(self, |c| sqlx::query_as::<_, IntroductionRow>(&sql)
            .bind(id)
            .fetch_optional(c)
            .await)?
        .ok_or(StoreError::NotFound("lời giới thiệu"))
    }

    /// Introductions on a demand, or to a producer's products.
    pub async fn introductions(
        &self,
        demand_id: Option<i64>,
        producer_id: Option<i64>,
    ) -> Result<Vec<IntroductionRow>> {
        let sql = format!(
            "{INTRODUCTION_SELECT} WHERE ($1 IS NULL OR i.demand_id = $1) AND ($2 IS NULL OR p.producer_id = $2) \
             ORDER BY i.created_at DESC, i.id DESC LIMIT 500"
        );
        Ok(on_pool!(self, |c| sqlx::query_as::<_, IntroductionRow>(
            &sql
        )
        .bind(demand_id)
        .bind(producer_id)
        .fetch_all(c)
        .await)?)
    }

    /// The other side accepts or declines; once.
    pub async fn answer_introduction(&self, cap: &Capability, id: i64, accept: bool) -> Result<()> {
        check(cap, Action::Introduce)?;
        let status = if accept { "accepted" } else { "declined" };
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, |c| {
            sqlx::query(
            "UPDATE introductions SET status = $1, answered_at = $2 WHERE id = $3 AND status = 'sent'"
        )
        .bind(status)
        .bind(now())
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
        })?;
        if n == 0 {
            return Err(StoreError::conflict(
                "status",
                "Lời giới thiệu đã được trả lời.",
                "Already answered.",
            ));
        }
        record(
            &mut tx,
            cap,
            "introduction",
            &id.to_string(),
            Some(&json!({"status": "sent"})),
            Some(&json!({"status": status})),
        )
        .await?;
        tx.commit().await
    }

    /// Record an agreement; `product_ids` are the resolved product codes,
    /// all of the agreement's producer.
    pub async fn create_agreement(
        &self,
        cap: &Capability,
        d: &AgreementData,
        province_code: &str,
        product_ids: &[i64],
        buyer_user_id: Option<i64>,
    ) -> Result<i64> {
        check(cap, Action::RecordAgreement)?;
        let t = now();
        let ids: Vec<String> = product_ids.iter().map(i64::to_string).collect();
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, |c| {
            async {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO agreements (kind, buyer, buyer_user_id, producer_id, province_code, product_ids, quantity, value_vnd, \
                     signed_on, event_id, demand_id, status, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'signed', $12, $12) RETURNING id",
                )
                .bind(&d.kind)
                .bind(&d.buyer)
                .bind(buyer_user_id)
                .bind(d.producer_id)
                .bind(province_code)
                .bind(ids.join(","))
                .bind(&d.quantity)
                .bind(d.value_vnd)
                .bind(d.signed_on)
                .bind(d.event_id)
                .bind(d.demand_id)
                .bind(t)
                .fetch_one(&mut *c)
                .await?;
                sqlx::query("INSERT INTO agreement_history (agreement_id, at, status, actor_name, note) VALUES ($1, $2, 'signed', $3, NULL)")
                    .bind(id)
                    .bind(t)
                    .bind(cap.actor_name())
                    .execute(&mut *c)
                    .await?;
                Ok::<_, sqlx::Error>(id)
            }
            .await
        })?;
        record(
            &mut tx,
            cap,
            "agreement",
            &id.to_string(),
            None,
            Some(&json!(d)),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn agreement(&self, id: i64) -> Result<AgreementRow> {
        let sql = format!("{AGREEMENT_SELECT} WHERE a.id = $1");
        on_pool!(self, |c| sqlx::query_as::<_, AgreementRow>(&sql)
            .bind(id)
            .fetch_optional(c)
            .await)?
        .ok_or(StoreError::NotFound("thoả thuận"))
    }

    pub async fn list_agreements(&self, f: &AgreementFilter<'_>) -> Result<Vec<AgreementRow>> {
        let (from, to) = year_bounds(f.year);
        let sql = format!(
            "{AGREEMENT_SELECT} WHERE ($1 IS NULL OR a.province_code = $1) AND ($2 IS NULL OR a.event_id = $2) \
             AND ($3 IS NULL OR a.signed_on >= $3) AND ($4 IS NULL OR a.signed_on <= $4) AND ($5 IS NULL OR a.producer_id = $5) \
             ORDER BY a.signed_on DESC, a.id DESC LIMIT 2000"
        );
        Ok(on_pool!(self, |c| sqlx::query_as::<_, AgreementRow>(&sql)
            .bind(f.province)
            .bind(f.event_id)
            .bind(from)
            .bind(to)
            .bind(f.producer_id)
            .fetch_all(c)
            .await)?)
    }

    pub async fn agreement_history(&self, id: i64) -> Result<Vec<AgreementHistoryRow>> {
        Ok(on_pool!(self, |c| {
            sqlx::query_as::<_, AgreementHistoryRow>(
            "SELECT at, status, actor_name, note FROM agreement_history WHERE agreement_id = $1 ORDER BY at, status"
        )
        .bind(id)
        .fetch_all(c)
        .await
        })?)
    }

    /// Move an agreement along its statuses, with a note in its history.
    pub async fn set_agreement_status(
        &self,
        cap: &Capability,
        id: i64,
        to: &str,
        note: Option<&str>,
    ) -> Result<()> {
        check(cap, Action::RecordAgreement)?;
        let before = self.agreement(id).await?;
        if !agreement_move_allowed(&before.status, to) {
            return Err(StoreError::conflict(
                "status",
                format!(
                    "Không chuyển được từ \"{}\" sang \"{}\".",
                    ocop_domain::matching::agreement_status_label(&before.status)
                        .unwrap_or(&before.status),
                    ocop_domain::matching::agreement_status_label(to).unwrap_or(to)
                ),
                "This status change is not allowed.",
            ));
        }
        let t = now();
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, |c| {
            async {
                let n = sqlx::query("UPDATE agreements SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
                    .bind(to)
                    .bind(t)
                    .bind(id)
                    .bind(&before.status)
                    .execute(&mut *c)
                    .await?
                    .rows_affected();
                if n == 1 {
                    sqlx::query("INSERT INTO agreement_history (agreement_id, at, status, actor_name, note) VALUES ($1, $2, $3, $4, $5)")
                        .bind(id)
                        .bind(t)
                        .bind(to)
                        .bind(cap.actor_name())
                        .bind(note)
                        .execute(&mut *c)
                        .await?;
                }
                Ok::<_, sqlx::Error>(n)
            }
            .await
        })?;
        if n == 0 {
            return Err(StoreError::conflict(
                "status",
                "Thoả thuận vừa được người khác cập nhật.",
                "Changed meanwhile.",
            ));
        }
        record(
            &mut tx,
            cap,
            "agreement",
            &id.to_string(),
            Some(&json!({"status": before.status})),
            Some(&json!({"status": to, "note": note})),
        )
        .await?;
        tx.commit().await
    }

    /// Agreements counted and valued by province, by event and by year
    /// (cancelled ones left out).
    pub async fn agreement_counts(
        &self,
        year: Option<i32>,
    ) -> Result<(
        Vec<AgreementCount>,
        Vec<AgreementCount>,
        Vec<AgreementCount>,
    )> {
        let (from, to) = year_bounds(year);
        let by = |key: &str| {
            format!(
                "SELECT {key} AS key, COUNT(*) AS count, COALESCE(CAST(SUM(a.value_vnd) AS BIGINT), 0) AS value_vnd \
                 FROM agreements a LEFT JOIN trade_events e ON e.id = a.event_id \
                 WHERE a.status <> 'cancelled' AND ($1 IS NULL OR a.signed_on >= $1) AND ($2 IS NULL OR a.signed_on <= $2) \
                 GROUP BY {key} ORDER BY count DESC, key"
            )
        };
        // The keys are fixed expressions, not input; the year's differs by backend.
        let year = match &self.pools {
            crate::Pools::Sqlite { .. } => "substr(a.signed_on, 1, 4)",
            crate::Pools::Postgres(_) => "CAST(EXTRACT(YEAR FROM a.signed_on) AS TEXT)",
        };
        let mut out = Vec::new();
        for key in ["a.province_code", "COALESCE(e.name, '')", year] {
            let sql = by(key);
            out.push(on_pool!(self, |c| sqlx::query_as::<_, AgreementCount>(
                &sql
            )
            .bind(from)
            .bind(to)
            .fetch_all(c)
            .await)?);
        }
        let years = out.pop().unwrap_or_default();
        let events = out.pop().unwrap_or_default();
        let provinces = out.pop().unwrap_or_default();
        Ok((provinces, events, years))
    }
}

fn year_bounds(year: Option<i32>) -> (Option<NaiveDate>, Option<NaiveDate>) {
    match year {
        Some(y) => (
            NaiveDate::from_ymd_opt(y, 1, 1),
            NaiveDate::from_ymd_opt(y, 12, 31),
        ),
        None => (None, None),
    }
}
