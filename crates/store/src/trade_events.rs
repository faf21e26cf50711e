//! Fairs and promotion weeks: the events, their booths, the daily figures,
//! and the totals a report is made of (summed when read, never stored).

use crate::audit::record;
use crate::{check, now, on_pool, on_tx, unique_conflict, Result, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use ocop_domain::auth::{Action, Capability};
use ocop_domain::text::fold_vi;
use ocop_domain::trade_event::{BoothAllocation, DayReport, EventFigures, TradeEventData};
use serde::Serialize;
use serde_json::json;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TradeEventRow {
    pub id: i64,
    pub name: String,
    pub series: Option<String>,
    pub kind: String,
    pub scope: String,
    pub organiser: String,
    pub venue: String,
    pub province_code: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub planned_booths: Option<i64>,
    pub planned_visitors: Option<i64>,
    pub planned_revenue_vnd: Option<i64>,
    pub finalized_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A booth with its producer and its totals over the reported days.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoothRow {
    pub id: i64,
    pub event_id: i64,
    pub producer_id: i64,
    pub producer_name: String,
    pub province_code: String,
    pub note: Option<String>,
    /// applied, allocated, rejected.
    pub status: String,
    pub booth_number: Option<String>,
    pub area_m2: Option<f64>,
    pub revenue_vnd: i64,
    pub orders: i64,
}

/// One reported day, with the booths' sales summed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventDayRow {
    pub day: NaiveDate,
    pub visitors: i64,
    pub agreements: i64,
    pub revenue_vnd: i64,
    pub orders: i64,
}

/// Provinces and countries present besides the booths' own provinces.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Participants {
    pub provinces: Vec<String>,
    pub countries: Vec<String>,
}

const EVENT_SELECT: &str = "SELECT id, name, series, kind, scope, organiser, venue, province_code, starts_on, ends_on, \
     planned_booths, planned_visitors, planned_revenue_vnd, finalized_at, created_at FROM trade_events";

const BOOTH_SELECT: &str = "SELECT b.id, b.event_id, b.producer_id, o.name AS producer_name, o.province_code, b.note, b.status, \
     b.booth_number, b.area_m2, \
     COALESCE((SELECT CAST(SUM(s.revenue_vnd) AS BIGINT) FROM booth_sales s WHERE s.booth_id = b.id), 0) AS revenue_vnd, \
     COALESCE((SELECT CAST(SUM(s.orders) AS BIGINT) FROM booth_sales s WHERE s.booth_id = b.id), 0) AS orders \
     FROM event_booths b JOIN producers o ON o.id = b.producer_id";

fn finalized() -> StoreError {
    StoreError::conflict(
        "event",
        "Sự kiện đã có báo cáo tổng kết; số liệu không sửa được nữa.",
        "The event's final report is published; its figures are locked.",
    )
}

/// Filters of the event list.
#[derive(Debug, Clone, Default)]
pub struct EventFilter<'a> {
    pub province: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub year: Option<i32>,
}

impl Store {
    pub async fn create_trade_event(&self, cap: &Capability, d: &TradeEventData) -> Result<i64> {
        check(cap, Action::ManageTradeEvent)?;
        let t = now();
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
                "INSERT INTO trade_events (name, series, series_fold, kind, scope, organiser, venue, province_code, starts_on, ends_on, \
                 planned_booths, planned_visitors, planned_revenue_vnd, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id",
            )
            .bind(&d.name)
            .bind(&d.series)
            .bind(d.series.as_deref().map(fold_vi))
            .bind(&d.kind)
            .bind(&d.scope)
            .bind(&d.organiser)
            .bind(&d.venue)
            .bind(&d.province_code)
            .bind(d.starts_on)
            .bind(d.ends_on)
            .bind(d.planned_booths)
            .bind(d.planned_visitors)
            .bind(d.planned_revenue_vnd)
            .bind(t)
            .fetch_one(&mut *c)
            .await
        })?;
        record(
            &mut tx,
            cap,
            "trade_event",
            &id.to_string(),
            None,
            Some(&json!(d)),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn trade_event(&self, id: i64) -> Result<TradeEventRow> {
        let sql = format!("{EVENT_SELECT} WHERE id = $1");
        on_pool!(self, |c| sqlx::query_as::<_, TradeEventRow>(&sql)
            .bind(id)
            .fetch_optional(c)
            .await)?
        .ok_or(StoreError::NotFound("sự kiện"))
    }

    /// Events, the latest first.
    pub async fn list_trade_events(&self, f: &EventFilter<'_>) -> Result<Vec<TradeEventRow>> {
        let (from, to) = match f.year {
            Some(y) => (
                NaiveDate::from_ymd_opt(y, 1, 1),
                NaiveDate::from_ymd_opt(y, 12, 31),
            ),
            None => (None, None),
        };
        let sql = format!(
            "{EVENT_SELECT} WHERE ($1 IS NULL OR province_code = $1) AND ($2 IS NULL OR kind = $2) \
             AND ($3 IS NULL OR starts_on >= $3) AND ($4 IS NULL OR starts_on <= $4) \
             ORDER BY starts_on DESC, id DESC LIMIT 2000"
        );
        Ok(on_pool!(self, |c| sqlx::query_as::<_, TradeEventRow>(
            &sql
        )
        .bind(f.province)
        .bind(f.kind)
        .bind(from)
        .bind(to)
        .fetch_all(c)
        .await)?)
    }

    /// The edition of the same series held just before this one.
    pub async fn previous_edition(&self, e: &TradeEventRow) -> Result<Option<TradeEventRow>> {
        let Some(series) = e.series.as_deref() else {
            return Ok(None);
        };
        let sql = format!(
            "{EVENT_SELECT} WHERE series_fold = $1 AND starts_on < $2 AND id <> $3 ORDER BY starts_on DESC, id DESC LIMIT 1"
        );
        Ok(on_pool!(self, |c| sqlx::query_as::<_, TradeEventRow>(
            &sql
        )
        .bind(fold_vi(series))
        .bind(e.starts_on)
        .bind(e.id)
        .fetch_optional(c)
        .await)?)
    }

    /// A producer applies for a booth; open until the event's last day.
    pub async fn apply_for_booth(
        &self,
        cap: &Capability,
        event_id: i64,
        producer_id: i64,
        note: Option<&str>,
        today: NaiveDate,
    ) -> Result<i64> {
        check(cap, Action::ApplyForBooth)?;
        let e = self.trade_event(event_id).await?;
        if e.finalized_at.is_some() || today > e.ends_on {
            return Err(StoreError::conflict(
                "event",
                "Sự kiện đã kết thúc, không nhận đăng ký gian hàng.",
                "The event is over; booth applications are closed.",
            ));
        }
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
                "INSERT INTO event_booths (event_id, producer_id, note, status, applied_at) VALUES ($1, $2, $3, 'applied', $4) RETURNING id",
            )
            .bind(event_id)
            .bind(producer_id)
            .bind(note)
            .bind(now())
            .fetch_one(&mut *c)
            .await
        })
        .map_err(|e| {
            unique_conflict(e, |_| {
                StoreError::conflict(
                    "producer_id",
                    "Chủ thể này đã đăng ký gian hàng ở sự kiện này.",
                    "This producer has already applied at this event.",
                )
            })
        })?;
        record(
            &mut tx,
            cap,
            "event_booth",
            &id.to_string(),
            None,
            Some(&json!({"event_id": event_id, "producer_id": producer_id, "note": note})),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn booth(&self, id: i64) -> Result<BoothRow> {
        let sql = format!("{BOOTH_SELECT} WHERE b.id = $1");
        on_pool!(self, |c| sqlx::query_as::<_, BoothRow>(&sql)
            .bind(id)
            .fetch_optional(c)
            .await)?
        .ok_or(StoreError::NotFound("gian hàng"))
    }

    /// An event's booths: allocated ones by number, then applications.
    pub async fn booths_of(&self, event_id: i64) -> Result<Vec<BoothRow>> {
        let sql = format!(
            "{BOOTH_SELECT} WHERE b.event_id = $1 \
             ORDER BY CASE b.status WHEN 'allocated' THEN 0 WHEN 'applied' THEN 1 ELSE 2 END, b.booth_number, b.id"
        );
        Ok(on_pool!(self, |c| sqlx::query_as::<_, BoothRow>(&sql)
            .bind(event_id)
            .fetch_all(c)
            .await)?)
    }

    /// The organiser allocates a booth (or moves it) or refuses it. A booth
    /// that already has sales cannot be refused.
    pub async fn decide_booth(
        &self,
        cap: &Capability,
        booth_id: i64,
        decision: &BoothAllocation,
    ) -> Result<()> {
        check(cap, Action::ManageTradeEvent)?;
        let before = self.booth(booth_id).await?;
        let e = self.trade_event(before.event_id).await?;
        if e.finalized_at.is_some() {
            return Err(finalized());
        }
        let (status, number, area) = match decision {
            BoothAllocation::Allocated {
                booth_number,
                area_m2,
            } => ("allocated", Some(booth_number.as_str()), Some(*area_m2)),
            BoothAllocation::Rejected if before.revenue_vnd > 0 || before.orders > 0 => {
                return Err(StoreError::conflict(
                    "reject",
                    "Gian hàng đã có doanh thu được báo cáo, không từ chối được.",
                    "The booth has reported sales and cannot be refused.",
                ))
            }
            BoothAllocation::Rejected => ("rejected", None, None),
        };
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE event_booths SET status = $1, booth_number = $2, area_m2 = $3, decided_at = $4 WHERE id = $5",
            )
            .bind(status)
            .bind(number)
            .bind(area)
            .bind(now())
            .bind(booth_id)
            .execute(&mut *c)
            .await
            .map(|_| ())
        })
        .map_err(|e| {
            unique_conflict(e, |_| {
                StoreError::conflict(
                    "booth_number",
                    format!(
                        "Số gian hàng \"{}\" đã bố trí cho chủ thể khác.",
                        number.unwrap_or_default()
                    ),
                    "This booth number is taken at this event.",
                )
            })
        })?;
        record(
            &mut tx,
            cap,
            "event_booth",
            &booth_id.to_string(),
            Some(&json!({"status": before.status, "booth_number": before.booth_number, "area_m2": before.area_m2})),
            Some(&json!({"status": status, "booth_number": number, "area_m2": area})),
        )
        .await?;
        tx.commit().await
    }

    /// Record (or correct) one day's figures: the day's earlier report, if
    /// any, is replaced as a whole.
    pub async fn record_event_day(
        &self,
        cap: &Capability,
        event_id: i64,
        r: &DayReport,
    ) -> Result<()> {
        check(cap, Action::ManageTradeEvent)?;
        let e = self.trade_event(event_id).await?;
        if e.finalized_at.is_some() {
            return Err(finalized());
        }
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            async {
                sqlx::query("DELETE FROM event_days WHERE event_id = $1 AND day = $2")
                    .bind(event_id)
                    .bind(r.day)
                    .execute(&mut *c)
                    .await?;
                sqlx::query(
                    "INSERT INTO event_days (event_id, day, visitors, agreements) VALUES ($1, $2, $3, $4)",
                )
                .bind(event_id)
                .bind(r.day)
                .bind(r.visitors)
                .bind(r.agreements)
                .execute(&mut *c)
                .await?;
                sqlx::query(
                    "DELETE FROM booth_sales WHERE day = $1 AND booth_id IN (SELECT id FROM event_booths WHERE event_id = $2)",
                )
                .bind(r.day)
                .bind(event_id)
                .execute(&mut *c)
                .await?;
                for s in &r.sales {
                    // The booth must be this event's and allocated: checked
                    // here again, inside the transaction, not only by the caller.
                    let n = sqlx::query(
                        "INSERT INTO booth_sales (booth_id, day, revenue_vnd, orders) \
                         SELECT id, $2, $3, $4 FROM event_booths WHERE id = $1 AND event_id = $5 AND status = 'allocated'",
                    )
                    .bind(s.booth_id)
                    .bind(r.day)
                    .bind(s.revenue_vnd)
                    .bind(s.orders)
                    .bind(event_id)
                    .execute(&mut *c)
                    .await?
                    .rows_affected();
                    if n == 0 {
                        return Ok(Some(s.booth_id));
                    }
                }
                Ok::<_, sqlx::Error>(None)
            }
            .await
        })?
        .map_or(Ok(()), |booth| {
            Err(StoreError::conflict(
                "sales",
                format!("Gian hàng {booth} chưa được bố trí trong sự kiện này."),
                "A booth in the report is not allocated at this event.",
            ))
        })?;
        record(
            &mut tx,
            cap,
            "trade_event",
            &event_id.to_string(),
            None,
            Some(&json!({"day_report": r})),
        )
        .await?;
        tx.commit().await
    }

    pub async fn event_days(&self, event_id: i64) -> Result<Vec<EventDayRow>> {
        Ok(on_pool!(self, |c| {
            sqlx::query_as::<_, EventDayRow>(
            "SELECT d.day, d.visitors, d.agreements, \
             COALESCE((SELECT CAST(SUM(s.revenue_vnd) AS BIGINT) FROM booth_sales s JOIN event_booths b ON b.id = s.booth_id \
                       WHERE b.event_id = d.event_id AND s.day = d.day), 0) AS revenue_vnd, \
             COALESCE((SELECT CAST(SUM(s.orders) AS BIGINT) FROM booth_sales s JOIN event_booths b ON b.id = s.booth_id \
                       WHERE b.event_id = d.event_id AND s.day = d.day), 0) AS orders \
             FROM event_days d WHERE d.event_id = $1 ORDER BY d.day"
        )
        .bind(event_id)
        .fetch_all(c)
        .await
        })?)
    }

    /// Replace the provinces and countries recorded as present.
    pub async fn set_event_participants(
        &self,
        cap: &Capability,
        event_id: i64,
        p: &Participants,
    ) -> Result<()> {
        check(cap, Action::ManageTradeEvent)?;
        let e = self.trade_event(event_id).await?;
        if e.finalized_at.is_some() {
            return Err(finalized());
        }
        let before = self.event_participants(event_id).await?;
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            async {
                sqlx::query("DELETE FROM event_participants WHERE event_id = $1")
                    .bind(event_id)
                    .execute(&mut *c)
                    .await?;
                for (kind, names) in [("province", &p.provinces), ("country", &p.countries)] {
                    for name in names {
                        sqlx::query(
                            "INSERT INTO event_participants (event_id, kind, name) VALUES ($1, $2, $3)",
                        )
                        .bind(event_id)
                        .bind(kind)
                        .bind(name)
                        .execute(&mut *c)
                        .await?;
                    }
                }
                Ok::<_, sqlx::Error>(())
            }
            .await
        })?;
        record(
            &mut tx,
            cap,
            "trade_event",
            &event_id.to_string(),
            Some(&json!({"participants": before})),
            Some(&json!({"participants": p})),
        )
        .await?;
        tx.commit().await
    }

    pub async fn event_participants(&self, event_id: i64) -> Result<Participants> {
        let rows: Vec<(String, String)> = on_pool!(self, |c| sqlx::query_as(
            "SELECT kind, name FROM event_participants WHERE event_id = $1 ORDER BY kind, name"
        )
        .bind(event_id)
        .fetch_all(c)
        .await)?;
        let mut p = Participants::default();
        for (kind, name) in rows {
            match kind.as_str() {
                "province" => p.provinces.push(name),
                _ => p.countries.push(name),
            }
        }
        Ok(p)
    }

    /// Publish the final report: the figures lock. From the last day on.
    pub async fn finalize_trade_event(
        &self,
        cap: &Capability,
        event_id: i64,
        today: NaiveDate,
    ) -> Result<()> {
        check(cap, Action::ManageTradeEvent)?;
        let e = self.trade_event(event_id).await?;
        if e.finalized_at.is_some() {
            return Err(finalized());
        }
        if today < e.ends_on {
            return Err(StoreError::conflict(
                "event",
                "Báo cáo tổng kết được lập từ ngày bế mạc.",
                "The final report can be published from the event's last day.",
            ));
        }
        let figures = self.event_figures(event_id).await?;
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
            "UPDATE trade_events SET finalized_at = $1, updated_at = $1 WHERE id = $2 AND finalized_at IS NULL"
        )
        .bind(now())
        .bind(event_id)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        record(
            &mut tx,
            cap,
            "trade_event",
            &event_id.to_string(),
            None,
            Some(&json!({"final_report": figures})),
        )
        .await?;
        tx.commit().await
    }

    /// The totals of an event, from its booths, days and participants.
    pub async fn event_figures(&self, event_id: i64) -> Result<EventFigures> {
        let (booths, days, visitors, agreements, revenue_vnd, orders, provinces, countries): (
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
        ) = on_pool!(self, |c| {
            sqlx::query_as(
            "SELECT \
               (SELECT COUNT(*) FROM event_booths WHERE event_id = $1 AND status = 'allocated'), \
               (SELECT COUNT(*) FROM event_days WHERE event_id = $1), \
               COALESCE((SELECT CAST(SUM(visitors) AS BIGINT) FROM event_days WHERE event_id = $1), 0), \
               COALESCE((SELECT CAST(SUM(agreements) AS BIGINT) FROM event_days WHERE event_id = $1), 0), \
               COALESCE((SELECT CAST(SUM(s.revenue_vnd) AS BIGINT) FROM booth_sales s JOIN event_booths b ON b.id = s.booth_id WHERE b.event_id = $1), 0), \
               COALESCE((SELECT CAST(SUM(s.orders) AS BIGINT) FROM booth_sales s JOIN event_booths b ON b.id = s.booth_id WHERE b.event_id = $1), 0), \
               (SELECT COUNT(*) FROM (SELECT o.province_code AS p FROM event_booths b JOIN producers o ON o.id = b.producer_id \
                                       WHERE b.event_id = $1 AND b.status = 'allocated' \
                                      UNION SELECT name FROM event_participants WHERE event_id = $1 AND kind = 'province') u), \
               (SELECT COUNT(*) FROM event_participants WHERE event_id = $1 AND kind = 'country')"
        )
        .bind(event_id)
        .fetch_one(c)
        .await
        })?;
        Ok(EventFigures {
            booths,
            days_reported: days,
            visitors,
            revenue_vnd,
            orders,
            agreements,
            provinces,
            countries,
        })
    }
}
