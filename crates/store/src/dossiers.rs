//! Dossiers: filing, the commune's review, resubmission, withdrawal. Every
//! move goes through `ocop_domain::dossier::transition` and changes the row
//! only if it is still in the state the move started from.

use crate::audit::record;
use crate::{check, now, on_pool, on_tx, Result, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use ocop_domain::auth::{Action, Capability};
use ocop_domain::dossier::{transition, CommuneReview, DossierCommand, DossierStatus, Filing};
use ocop_domain::reevaluation::{basis, Basis, HeldCertificate};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DossierRow {
    pub id: i64,
    pub product_id: i64,
    pub producer_id: i64,
    pub province_code: String,
    pub commune_code: String,
    pub kind: String,
    pub status: String,
    pub criteria_version: String,
    pub set_code: String,
    /// JSON array of ticked option ids.
    pub self_options: String,
    pub self_case: Option<String>,
    pub self_total: i64,
    pub self_rank: i64,
    pub note: String,
    pub filed_on: NaiveDate,
    pub commune_deadline: NaiveDate,
    /// JSON of the commune's review (Mẫu 03), once made.
    pub review: Option<String>,
    pub reviewed_on: Option<NaiveDate>,
    /// The provincial round it was assigned to.
    pub round_id: Option<i64>,
    /// The council's consolidated total and rank, once scoring is closed.
    pub council_total: Option<f64>,
    pub council_rank: Option<i64>,
    /// The day the council closed its scoring (the server's calendar).
    pub scored_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// The certificate an upgrade or re-evaluation builds on.
    pub certificate_id: Option<i64>,
    /// A re-evaluation filed after its window closed (less than 120 days before expiry).
    pub late_filing: bool,
    /// Sent to the ministry: the provincial round and its result, kept
    /// while the central council's result takes `round_id` and `council_*`.
    pub provincial_round_id: Option<i64>,
    pub provincial_total: Option<f64>,
    pub provincial_rank: Option<i64>,
    /// Rejected on a knock-out condition: the ground (JSON of `ocop_domain::dossier::Rejection`).
    pub rejection: Option<String>,
    /// Mẫu 01's own facts (JSON of `ocop_domain::dossier::Registration`).
    pub registration: Option<String>,
    /// The advisory team's report (JSON of `ocop_domain::dossier::AdvisoryReport`).
    pub advisory_report: Option<String>,
    /// The account that started it as a draft.
    pub drafted_by: Option<i64>,
}

impl DossierRow {
    /// The sheet its self-assessment and its council's sheets are scored on
    /// (its own criteria version and product set, whatever is in force today).
    pub fn sheet(&self) -> Option<&'static ocop_domain::criteria::Sheet> {
        ocop_domain::criteria::version(&self.criteria_version).and_then(|v| v.sheet(&self.set_code))
    }
}

/// Statuses in which a dossier is still being prepared or handled: a product has at most one.
pub const OPEN_STATUSES: &str =
    "('draft', 'submitted', 'returned', 'forwarded', 'in_round', 'scored', 'sent_to_ministry', 'returned_by_ministry')";

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DossierListItem {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub dossier: DossierRow,
    pub product_name: String,
    pub product_code: String,
    pub producer_name: String,
    /// Its thread: how many comments, and the latest's time and author.
    pub comment_count: i64,
    pub last_comment_at: Option<DateTime<Utc>>,
    pub last_comment_by: Option<i64>,
}

/// A dossier with its product's and producer's names and its thread's summary.
const LIST_SELECT: &str = "SELECT d.*, p.name AS product_name, p.code AS product_code, o.name AS producer_name, \
     (SELECT COUNT(*) FROM dossier_comments k WHERE k.dossier_id = d.id) AS comment_count, \
     (SELECT k.created_at FROM dossier_comments k WHERE k.dossier_id = d.id ORDER BY k.id DESC LIMIT 1) AS last_comment_at, \
     (SELECT k.author_id FROM dossier_comments k WHERE k.dossier_id = d.id ORDER BY k.id DESC LIMIT 1) AS last_comment_by \
     FROM dossiers d JOIN products p ON p.id = d.product_id JOIN producers o ON o.id = d.producer_id";

/// The filter of [`DossierFilter`] as SQL; `bind_filter!` binds $1…$8.
const LIST_WHERE: &str =
    "WHERE ($1 IS NULL OR d.province_code = $1) AND ($2 IS NULL OR d.commune_code = $2) \
     AND ($3 IS NULL OR d.producer_id = $3) AND ($4 IS NULL OR d.status = $4) \
     AND ($5 IS NULL OR d.round_id = $5 OR d.provincial_round_id = $5) \
     AND ($6 IS NULL OR d.product_id = $6) AND ($7 OR d.status <> 'draft' OR d.drafted_by = $8)";

macro_rules! bind_filter {
    ($q:expr, $f:expr) => {
        $q.bind(&$f.province)
            .bind(&$f.commune)
            .bind($f.producer_id)
            .bind(&$f.status)
            .bind($f.round_id)
            .bind($f.product_id)
            .bind($f.drafts)
            .bind($f.drafted_by)
    };
}

/// Dossiers waiting for work, counted (a dashboard's cards).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DossierCounts {
    /// Submitted, waiting for the commune's review.
    pub waiting: i64,
    /// Of those, past the commune's deadline.
    pub overdue: i64,
    /// Forwarded to the province.
    pub forwarded: i64,
    pub drafts: i64,
}

#[derive(Debug, Clone, Default)]
pub struct DossierFilter {
    pub province: Option<String>,
    pub commune: Option<String>,
    pub producer_id: Option<i64>,
    pub status: Option<String>,
    /// The dossiers a round's council scored (now, or at the province before the ministry).
    pub round_id: Option<i64>,
    pub product_id: Option<i64>,
    /// Include every draft (their producer's view), or those this account started.
    pub drafts: bool,
    pub drafted_by: Option<i64>,
}

/// What a filing records besides the filing itself.
pub struct FilingContext<'a> {
    pub criteria_version: &'a str,
    pub set_code: &'a str,
    pub filed_on: NaiveDate,
    pub commune_deadline: NaiveDate,
}

fn illegal(message: String) -> StoreError {
    StoreError::Conflict {
        field: "status".into(),
        message,
        message_en: "This move is not allowed in the dossier's current state.".into(),
    }
}

/// A certificate nearing its expiry whose product has no dossier under way:
/// a re-evaluation is due (or soon due).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ReevaluationDue {
    pub product_id: i64,
    pub product_name: String,
    pub producer_name: String,
    pub certificate_number: Option<String>,
    pub stars: i64,
    pub expires_on: NaiveDate,
}

/// A re-evaluation ended (result or withdrawal) on `on`: its certificate's extension ends.
pub(crate) async fn end_reevaluation(
    tx: &mut crate::Tx,
    cap: &Capability,
    d: &DossierRow,
    on: NaiveDate,
) -> Result<()> {
    match (d.kind.as_str(), d.certificate_id) {
        ("reevaluation", Some(cert)) => {
            crate::registry::end_extension(tx, cap, d.product_id, cert, on).await
        }
        _ => Ok(()),
    }
}

impl Store {
    pub async fn dossier(&self, id: i64) -> Result<DossierListItem> {
        let sql = format!("{LIST_SELECT} WHERE d.id = $1");
        on_pool!(self, |c| sqlx::query_as::<_, DossierListItem>(&sql)
            .bind(id)
            .fetch_optional(c)
            .await)?
        .ok_or(StoreError::NotFound("hồ sơ"))
    }

    /// Every dossier matching `f`, oldest deadline first. For the lists a
    /// round or a product bounds (its minutes, its history); the broad lists
    /// (a province's, the whole country's: 166,667 dossiers of past rounds at
    /// national size) are paged by [`Store::dossiers_page`] and counted by
    /// [`Store::dossier_counts`].
    pub async fn list_dossiers(&self, f: &DossierFilter) -> Result<Vec<DossierListItem>> {
        let sql = format!("{LIST_SELECT} {LIST_WHERE} ORDER BY d.commune_deadline, d.id");
        Ok(on_pool!(self, |c| bind_filter!(
            sqlx::query_as::<_, DossierListItem>(&sql),
            f
        )
        .fetch_all(c)
        .await)?)
    }

    /// One page of the dossiers matching `f`, oldest deadline first, with
    /// how many match (past the last page: the last page).
    pub async fn dossiers_page(
        &self,
        f: &DossierFilter,
        page: i64,
        per_page: i64,
    ) -> Result<crate::Page<DossierListItem>> {
        let (page, per_page) = (page.clamp(1, i64::MAX / 200), per_page.clamp(1, 200));
        let count_sql = format!("SELECT COUNT(*) FROM dossiers d {LIST_WHERE}");
        let total: i64 = on_pool!(self, |c| bind_filter!(sqlx::query_scalar(&count_sql), f)
            .fetch_one(c)
            .await)?;
        let page = page.min((total + per_page - 1) / per_page).max(1);
        // The page's ids first, then their rows: the comment columns and
        // the joins are worked out for the page only, not for every
        // dossier in scope before the sort (page 50 of 166,000 on SQLite:
        // 0.47 s before, 0.07 s this way).
        let sql = format!(
            "{LIST_SELECT} WHERE d.id IN (SELECT d.id FROM dossiers d {LIST_WHERE} \
             ORDER BY d.commune_deadline, d.id LIMIT $9 OFFSET $10) \
             ORDER BY d.commune_deadline, d.id"
        );
        let items = on_pool!(self, |c| bind_filter!(
            sqlx::query_as::<_, DossierListItem>(&sql),
            f
        )
        .bind(per_page)
        .bind((page - 1) * per_page)
        .fetch_all(c)
        .await)?;
        Ok(crate::Page {
            total,
            page,
            per_page,
            items,
        })
    }

    /// How many dossiers matching `f` wait for work, for a dashboard: one
    /// grouped count of the statuses it shows, read through their index
    /// (`dossiers_status`), not over every decided dossier of past rounds.
    pub async fn dossier_counts(
        &self,
        f: &DossierFilter,
        today: NaiveDate,
    ) -> Result<DossierCounts> {
        let sql = format!(
            "SELECT \
               COALESCE(SUM(CASE WHEN d.status = 'submitted' THEN 1 ELSE 0 END), 0), \
               COALESCE(SUM(CASE WHEN d.status = 'submitted' AND d.commune_deadline < $9 THEN 1 ELSE 0 END), 0), \
               COALESCE(SUM(CASE WHEN d.status = 'forwarded' THEN 1 ELSE 0 END), 0), \
               COALESCE(SUM(CASE WHEN d.status = 'draft' THEN 1 ELSE 0 END), 0) \
             FROM dossiers d {LIST_WHERE} AND d.status IN ('submitted', 'forwarded', 'draft')"
        );
        let (waiting, overdue, forwarded, drafts): (i64, i64, i64, i64) =
            on_pool!(self, |c| bind_filter!(sqlx::query_as(&sql), f)
                .bind(today)
                .fetch_one(c)
                .await)?;
        Ok(DossierCounts {
            waiting,
            overdue,
            forwarded,
            drafts,
        })
    }

    /// Dossiers matching `f` whose thread's last word, since `since`, is
    /// someone else's than `reader`'s: newest first, at most `limit`.
    pub async fn dossiers_with_replies(
        &self,
        f: &DossierFilter,
        reader: i64,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<DossierListItem>> {
        // The thread's last comment, found once per dossier that has one
        // since `since` (few), not per dossier in scope.
        let sql = format!(
            "{LIST_SELECT} {LIST_WHERE} AND d.id IN ( \
               SELECT k.dossier_id FROM dossier_comments k \
               WHERE k.created_at >= $9 AND k.author_id <> $10 \
                 AND k.id = (SELECT MAX(k2.id) FROM dossier_comments k2 WHERE k2.dossier_id = k.dossier_id)) \
             ORDER BY last_comment_at DESC, d.id DESC LIMIT $11"
        );
        Ok(on_pool!(self, |c| bind_filter!(
            sqlx::query_as::<_, DossierListItem>(&sql),
            f
        )
        .bind(since)
        .bind(reader)
        .bind(limit)
        .fetch_all(c)
        .await)?)
    }

    /// Products whose certificate expires between `today` and `until` with no
    /// dossier under way, soonest first (at most `limit`), and how many in all:
    /// in a province, or of one producer.
    pub async fn reevaluation_due(
        &self,
        province: Option<&str>,
        producer_id: Option<i64>,
        today: NaiveDate,
        until: NaiveDate,
        limit: i64,
    ) -> Result<(Vec<ReevaluationDue>, i64)> {
        let from = concat!(
            " FROM products p JOIN producers o ON o.id = p.producer_id JOIN certificates ce ON ce.id = ",
            latest_certificate!(),
            " WHERE p.active AND ce.revoked_on IS NULL AND ce.expires_on >= $1 AND ce.expires_on <= $2 \
               AND ($3 IS NULL OR p.province_code = $3) AND ($4 IS NULL OR p.producer_id = $4) \
               AND NOT EXISTS (SELECT 1 FROM dossiers d WHERE d.product_id = p.id AND d.status IN "
        );
        let list_sql = format!(
            "SELECT p.id AS product_id, p.name AS product_name, o.name AS producer_name, ce.number AS certificate_number, \
             ce.stars, ce.expires_on{from}{OPEN_STATUSES}) ORDER BY ce.expires_on, p.id LIMIT $5"
        );
        let count_sql = format!("SELECT COUNT(*){from}{OPEN_STATUSES})");
        let list = on_pool!(self, |c| sqlx::query_as::<_, ReevaluationDue>(&list_sql)
            .bind(today)
            .bind(until)
            .bind(province)
            .bind(producer_id)
            .bind(limit)
            .fetch_all(c)
            .await)?;
        let total: i64 = on_pool!(self, |c| sqlx::query_scalar(&count_sql)
            .bind(today)
            .bind(until)
            .bind(province)
            .bind(producer_id)
            .fetch_one(c)
            .await)?;
        Ok((list, total))
    }

    /// What a filing of this kind builds on today (`ocop_domain::reevaluation::basis`).
    async fn basis(&self, product_id: i64, filing: &Filing, on: NaiveDate) -> Result<Basis> {
        let held = self.held_certificate(product_id).await?;
        basis(filing.kind, held, on).map_err(|m| {
            StoreError::conflict(
                "kind",
                m,
                "This kind of dossier does not fit the product's certificate.",
            )
        })
    }

    /// The product's latest certificate, as a filing needs to know it.
    pub async fn held_certificate(&self, product_id: i64) -> Result<Option<HeldCertificate>> {
        Ok(self
            .certificates_of(product_id)
            .await?
            .into_iter()
            .next()
            .map(|c| HeldCertificate {
                id: c.id,
                stars: c.stars as u8,
                expires_on: c.expires_on,
                revoked: c.revoked_on.is_some(),
            }))
    }

    /// File a dossier for a product, or save it as a draft (`draft`: the
    /// filing is `FilingInput::validate_draft`'s, and what it builds on is
    /// settled when it is submitted). One open dossier per product at a
    /// time; the kind must fit the product's certificate
    /// (`ocop_domain::reevaluation::basis`). A re-evaluation extends its
    /// certificate, in the same transaction, until the result.
    pub async fn file_dossier(
        &self,
        cap: &Capability,
        product_id: i64,
        filing: &Filing,
        ctx: &FilingContext<'_>,
        draft: bool,
    ) -> Result<i64> {
        check(cap, Action::FileDossier)?;
        let product = self.product(product_id).await?;
        let open: i64 = on_pool!(self, |c| {
            sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM dossiers WHERE product_id = $1 AND status IN {OPEN_STATUSES}"
            ))
            .bind(product_id)
            .fetch_one(c)
            .await
        })?;
        if open > 0 {
            return Err(StoreError::conflict(
                "product_id",
                "Sản phẩm đã có một hồ sơ đang xử lý; hãy theo dõi, nộp lại hoặc rút hồ sơ đó.",
                "The product already has an open dossier.",
            ));
        }
        let basis = if draft {
            Basis::default()
        } else {
            self.basis(product_id, filing, ctx.filed_on).await?
        };
        let status = if draft {
            DossierStatus::Draft
        } else {
            DossierStatus::Submitted
        };
        let options = serde_json::to_string(&filing.options).unwrap_or_default();
        let t = now();
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
            "INSERT INTO dossiers (product_id, producer_id, province_code, commune_code, kind, status, criteria_version, set_code, \
             self_options, self_case, self_total, self_rank, note, filed_on, commune_deadline, created_at, updated_at, version, \
             certificate_id, late_filing, registration, drafted_by) \
             VALUES ($1, $2, $3, $4, $5, $19, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, 1, $16, $17, $18, $20) RETURNING id"
        )
        .bind(product_id)
        .bind(product.product.producer_id)
        .bind(&product.product.province_code)
        .bind(&product.product.commune_code)
        .bind(filing.kind.code())
        .bind(ctx.criteria_version)
        .bind(ctx.set_code)
        .bind(&options)
        .bind(&filing.case)
        .bind(filing.self_assessment.total as i64)
        .bind(filing.self_assessment.rank as i64)
        .bind(&filing.note)
        .bind(ctx.filed_on)
        .bind(ctx.commune_deadline)
        .bind(t)
        .bind(basis.certificate_id)
        .bind(basis.late)
        .bind(serde_json::to_string(&filing.registration).unwrap_or_default())
        .bind(status.code())
        .bind(draft.then_some(cap.actor_id()))
        .fetch_one(&mut *c)
        .await
        })?;
        if let (Some(cert), Some(until)) = (basis.certificate_id, basis.extend_until) {
            crate::registry::set_extension(&mut tx, cap, product_id, cert, Some(until)).await?;
        }
        record(
            &mut tx,
            cap,
            "dossier",
            &id.to_string(),
            None,
            Some(&serde_json::json!({"product_id": product_id, "status": status.code(), "kind": filing.kind, "version": ctx.criteria_version,
                "certificate_id": basis.certificate_id, "late": basis.late,
                "self_total": filing.self_assessment.total, "self_rank": filing.self_assessment.rank, "deadline": ctx.commune_deadline})),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Move a dossier: the transition is checked against the state machine and
    /// applied only if nobody moved it meanwhile.
    async fn move_dossier(
        &self,
        cap: &Capability,
        id: i64,
        cmd: DossierCommand,
        review: Option<&CommuneReview>,
        refiled: Option<(&Filing, &FilingContext<'_>)>,
        today: NaiveDate,
    ) -> Result<()> {
        let before = self.dossier(id).await?.dossier;
        let from =
            DossierStatus::parse(&before.status).ok_or(StoreError::NotFound("trạng thái hồ sơ"))?;
        let to = transition(from, cmd).map_err(illegal)?;
        if let (Some((f, _)), DossierCommand::Resubmit) = (refiled, cmd) {
            // The kind fixed what the dossier builds on (and any extension).
            if f.kind.code() != before.kind {
                return Err(StoreError::conflict(
                    "kind",
                    "Không đổi loại hồ sơ khi nộp lại; hãy rút hồ sơ này và nộp hồ sơ mới.",
                    "A resubmitted dossier keeps its kind.",
                ));
            }
        }
        // Filing a draft settles what it builds on, as filing at once would.
        let basis = match (cmd, refiled) {
            (DossierCommand::Submit, Some((f, ctx))) => {
                Some(self.basis(before.product_id, f, ctx.filed_on).await?)
            }
            _ => None,
        };
        let mut tx = self.begin().await?;
        let changed = match (review, refiled) {
            (_, Some((f, ctx))) => on_tx!(&mut tx, |c| {
                sqlx::query(
                "UPDATE dossiers SET status = $1, kind = $2, criteria_version = $3, self_options = $4, self_case = $5, self_total = $6, \
                 self_rank = $7, note = $8, filed_on = $9, commune_deadline = $10, updated_at = $11, version = version + 1, registration = $14 \
                 WHERE id = $12 AND status = $13"
            )
            .bind(to.code())
            .bind(f.kind.code())
            .bind(ctx.criteria_version)
            .bind(serde_json::to_string(&f.options).unwrap_or_default())
            .bind(&f.case)
            .bind(f.self_assessment.total as i64)
            .bind(f.self_assessment.rank as i64)
            .bind(&f.note)
            .bind(ctx.filed_on)
            .bind(ctx.commune_deadline)
            .bind(now())
            .bind(id)
            .bind(from.code())
            .bind(serde_json::to_string(&f.registration).unwrap_or_default())
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
            })?,
            (Some(r), None) => on_tx!(&mut tx, |c| {
                sqlx::query(
                "UPDATE dossiers SET status = $1, review = $2, reviewed_on = $3, updated_at = $4, version = version + 1 \
                 WHERE id = $5 AND status = $6"
            )
            .bind(to.code())
            .bind(serde_json::to_string(r).unwrap_or_default())
            .bind(today)
            .bind(now())
            .bind(id)
            .bind(from.code())
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
            })?,
            (None, None) => on_tx!(&mut tx, |c| {
                sqlx::query(
                "UPDATE dossiers SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND status = $4"
            )
            .bind(to.code())
            .bind(now())
            .bind(id)
            .bind(from.code())
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
            })?,
        };
        if changed == 0 {
            return Err(illegal(
                "Hồ sơ vừa được người khác xử lý; hãy tải lại trang.".into(),
            ));
        }
        if let Some(b) = &basis {
            on_tx!(&mut tx, |c| {
                sqlx::query(
                    "UPDATE dossiers SET certificate_id = $1, late_filing = $2 WHERE id = $3",
                )
                .bind(b.certificate_id)
                .bind(b.late)
                .bind(id)
                .execute(&mut *c)
                .await
                .map(|_| ())
            })?;
            if let (Some(cert), Some(until)) = (b.certificate_id, b.extend_until) {
                crate::registry::set_extension(&mut tx, cap, before.product_id, cert, Some(until))
                    .await?;
            }
        }
        if to == DossierStatus::Withdrawn {
            end_reevaluation(&mut tx, cap, &before, today).await?;
        }
        record(
            &mut tx,
            cap,
            "dossier",
            &id.to_string(),
            Some(&serde_json::json!({"status": from.code()})),
            Some(&serde_json::json!({"status": to.code(), "review": review, "self_total": refiled.map(|(f, _)| f.self_assessment.total)})),
        )
        .await?;
        tx.commit().await
    }

    /// The commune returns a dossier for completion, or forwards it to the province.
    pub async fn review_dossier(
        &self,
        cap: &Capability,
        id: i64,
        cmd: DossierCommand,
        review: &CommuneReview,
        today: NaiveDate,
    ) -> Result<()> {
        check(cap, Action::ReviewDossier)?;
        if !matches!(cmd, DossierCommand::Return | DossierCommand::Forward) {
            return Err(illegal(
                "Xem xét chỉ gồm trả lại hoặc chuyển lên tỉnh.".into(),
            ));
        }
        self.move_dossier(cap, id, cmd, Some(review), None, today)
            .await
    }

    /// The producer's filing on a dossier already created: file it again
    /// after a return (`Resubmit`), save a draft (`SaveDraft`, the filing
    /// is `validate_draft`'s) or file a draft (`Submit`; the commune's 15
    /// working days start).
    pub async fn refile_dossier(
        &self,
        cap: &Capability,
        id: i64,
        cmd: DossierCommand,
        filing: &Filing,
        ctx: &FilingContext<'_>,
    ) -> Result<()> {
        check(cap, Action::FileDossier)?;
        if !matches!(
            cmd,
            DossierCommand::Resubmit | DossierCommand::SaveDraft | DossierCommand::Submit
        ) {
            return Err(illegal("Chỉ nộp lại, lưu nháp hoặc nộp bản nháp.".into()));
        }
        self.move_dossier(cap, id, cmd, None, Some((filing, ctx)), ctx.filed_on)
            .await
    }

    pub async fn withdraw_dossier(
        &self,
        cap: &Capability,
        id: i64,
        today: NaiveDate,
    ) -> Result<()> {
        check(cap, Action::FileDossier)?;
        self.move_dossier(cap, id, DossierCommand::Withdraw, None, None, today)
            .await
    }
}
