//! Evaluation rounds, provincial and central (the ministry's, for 5★): the
//! council, assigned dossiers, the members' independent score sheets, the
//! close of scoring, and the decision.

use crate::audit::record;
use crate::{check, now, on_pool, on_tx, unique_conflict, Result, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use ocop_domain::auth::{Action, Capability, Role};
use ocop_domain::dossier::{transition, DossierCommand, DossierStatus, RoundLevel};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoundRow {
    pub id: i64,
    /// The province whose council it is; none for a central round.
    pub province_code: Option<String>,
    pub name: String,
    pub scoring_deadline: NaiveDate,
    pub max_spread: f64,
    pub status: String,
    pub created_at: DateTime<Utc>,
    /// Share of the council's members (percent) whose sheets a result needs.
    pub quorum_pct: i64,
    /// province, or central (the ministry's council for 5★).
    pub level: String,
    /// The advisory team's members, one per line ("name — body").
    pub advisory_team: String,
}

impl RoundRow {
    pub fn level(&self) -> RoundLevel {
        RoundLevel::parse(&self.level).unwrap_or(RoundLevel::Province)
    }
}

/// A member's declared conflict of interest on a dossier.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecusalRow {
    pub dossier_id: i64,
    pub member_id: i64,
    pub reason: String,
    pub declared_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberRow {
    pub user_id: i64,
    pub username: String,
    pub full_name: String,
    pub is_chair: bool,
    /// The organisation represented (may be empty for members added before it was asked).
    pub organisation: String,
    /// department or invited (`ocop_domain::council::Capacity`).
    pub capacity: String,
}

impl MemberRow {
    pub fn seat(&self) -> ocop_domain::council::Seat {
        ocop_domain::council::Seat {
            chair: self.is_chair,
            organisation: self.organisation.clone(),
            capacity: ocop_domain::council::Capacity::parse(&self.capacity)
                .unwrap_or(ocop_domain::council::Capacity::Department),
        }
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScoreSheetRow {
    pub id: i64,
    pub dossier_id: i64,
    pub member_id: i64,
    /// JSON array of ticked option ids.
    pub options: String,
    pub total: i64,
    pub rank: i64,
    pub submitted_at: DateTime<Utc>,
    /// The round whose council the member scored in.
    pub round_id: Option<i64>,
}

/// Move a dossier from `from` to `to` inside `tx`, only if nobody moved it meanwhile.
async fn set_status(
    tx: &mut crate::Tx,
    id: i64,
    from: DossierStatus,
    to: DossierStatus,
) -> Result<()> {
    let n = on_tx!(tx, |c| {
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
    })?;
    if n == 0 {
        return Err(conflict(
            "Hồ sơ vừa được người khác xử lý; hãy tải lại trang.",
        ));
    }
    Ok(())
}

fn conflict(message: impl Into<String>) -> StoreError {
    StoreError::Conflict {
        field: "status".into(),
        message: message.into(),
        message_en: "Not allowed in the current state.".into(),
    }
}

/// What closing a council's scoring writes on its dossier.
#[derive(Clone, Copy)]
struct CouncilResult {
    total: f64,
    rank: i64,
    scored_on: NaiveDate,
}

impl Store {
    /// Open a round: a province's (`province` given) or the ministry's central round (`None`).
    pub async fn create_round(
        &self,
        cap: &Capability,
        province: Option<&str>,
        name: &str,
        deadline: NaiveDate,
        max_spread: f64,
        quorum_pct: i64,
    ) -> Result<i64> {
        check(cap, Action::ManageRound)?;
        let level = match province {
            Some(_) => RoundLevel::Province,
            None => RoundLevel::Central,
        };
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
            "INSERT INTO rounds (province_code, name, scoring_deadline, max_spread, status, created_at, quorum_pct, level) VALUES ($1, $2, $3, $4, 'open', $5, $6, $7) RETURNING id"
        )
        .bind(province)
        .bind(name)
        .bind(deadline)
        .bind(max_spread)
        .bind(now())
        .bind(quorum_pct)
        .bind(level.code())
        .fetch_one(&mut *c)
        .await
        })?;
        record(&mut tx, cap, "round", &id.to_string(), None, Some(&serde_json::json!({"province": province, "level": level.code(), "name": name, "deadline": deadline, "max_spread": max_spread, "quorum_pct": quorum_pct}))).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn round(&self, id: i64) -> Result<RoundRow> {
        on_pool!(self, |c| sqlx::query_as::<_, RoundRow>(
            "SELECT * FROM rounds WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(c)
        .await)?
        .ok_or(StoreError::NotFound("đợt đánh giá"))
    }

    pub async fn list_rounds(&self, province: Option<&str>) -> Result<Vec<RoundRow>> {
        Ok(on_pool!(self, |c| {
            sqlx::query_as::<_, RoundRow>(
            "SELECT * FROM rounds WHERE ($1 IS NULL OR province_code = $1) ORDER BY scoring_deadline DESC, id DESC"
        )
        .bind(province)
        .fetch_all(c)
        .await
        })?)
    }

    pub async fn round_members(&self, round_id: i64) -> Result<Vec<MemberRow>> {
        Ok(on_pool!(self, |c| {
            sqlx::query_as::<_, MemberRow>(
            "SELECT m.user_id, u.username, u.full_name, m.is_chair, m.organisation, m.capacity \
             FROM round_members m JOIN users u ON u.id = m.user_id \
             WHERE m.round_id = $1 ORDER BY m.is_chair DESC, u.username"
        )
        .bind(round_id)
        .fetch_all(c)
        .await
        })?)
    }

    /// Add a council member; grants the council-member role of this round in the same transaction.
    pub async fn add_round_member(
        &self,
        cap: &Capability,
        round_id: i64,
        user_id: i64,
        seat: &ocop_domain::council::Seat,
    ) -> Result<()> {
        check(cap, Action::ManageRound)?;
        self.round(round_id).await?;
        self.user(user_id).await?;
        let role = Role::CouncilMember {
            council_id: round_id,
        };
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO round_members (round_id, user_id, is_chair, organisation, capacity) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(round_id)
        .bind(user_id)
        .bind(seat.chair)
        .bind(&seat.organisation)
        .bind(seat.capacity.code())
        .execute(&mut *c)
        .await
        .map(|_| ()))
        .map_err(|e| {
            unique_conflict(e, |_| {
                StoreError::conflict(
                    "user_id",
                    "Người này đã là thành viên hội đồng.",
                    "Already a member.",
                )
            })
        })?;
        on_tx!(&mut tx, |c| {
            sqlx::query("INSERT INTO user_roles (user_id, role, council_id, created_at) VALUES ($1, $2, $3, $4)")
            .bind(user_id)
            .bind(role.code())
            .bind(round_id)
            .bind(now())
            .execute(&mut *c)
            .await
            .map(|_| ())
        })?;
        record(
            &mut tx,
            cap,
            "round",
            &round_id.to_string(),
            None,
            Some(&serde_json::json!({"member": user_id, "seat": seat})),
        )
        .await?;
        tx.commit().await
    }

    /// Move a dossier along the state machine inside `tx`, guarded by its
    /// current state; with the council's result when scoring closes.
    async fn move_in_round(
        &self,
        tx: &mut crate::Tx,
        id: i64,
        cmd: DossierCommand,
        set_round: Option<i64>,
        result: Option<CouncilResult>,
    ) -> Result<(DossierStatus, DossierStatus)> {
        let status: String = on_tx!(tx, |c| sqlx::query_scalar(
            "SELECT status FROM dossiers WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(&mut *c)
        .await)?
        .ok_or(StoreError::NotFound("hồ sơ"))?;
        let from = DossierStatus::parse(&status).ok_or(StoreError::NotFound("trạng thái hồ sơ"))?;
        let to = transition(from, cmd).map_err(conflict)?;
        let n = on_tx!(tx, |c| {
            sqlx::query(
            "UPDATE dossiers SET status = $1, round_id = COALESCE($2, round_id), council_total = COALESCE($3, council_total), \
             council_rank = COALESCE($4, council_rank), scored_on = COALESCE($8, scored_on), updated_at = $5, version = version + 1 \
             WHERE id = $6 AND status = $7"
        )
        .bind(to.code())
        .bind(set_round)
        .bind(result.map(|r| r.total))
        .bind(result.map(|r| r.rank))
        .bind(now())
        .bind(id)
        .bind(from.code())
        .bind(result.map(|r| r.scored_on))
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
        })?;
        if n == 0 {
            return Err(conflict(
                "Hồ sơ vừa được người khác xử lý; hãy tải lại trang.",
            ));
        }
        Ok((from, to))
    }

    /// Assign a dossier to a round: a forwarded dossier of the round's
    /// province to a provincial round; a dossier sent to the ministry to a
    /// central round, keeping its provincial result aside.
    pub async fn assign_to_round(
        &self,
        cap: &Capability,
        round_id: i64,
        dossier_id: i64,
    ) -> Result<()> {
        check(cap, Action::ManageRound)?;
        let round = self.round(round_id).await?;
        let d = self.dossier(dossier_id).await?;
        let level = round.level();
        if level == RoundLevel::Province
            && round.province_code.as_deref() != Some(d.dossier.province_code.as_str())
        {
            return Err(StoreError::Forbidden("hồ sơ của tỉnh khác".into()));
        }
        let mut tx = self.begin().await?;
        if level == RoundLevel::Central {
            on_tx!(&mut tx, |c| {
                sqlx::query(
                "UPDATE dossiers SET provincial_round_id = round_id, provincial_total = council_total, \
                 provincial_rank = council_rank, council_total = NULL, council_rank = NULL, scored_on = NULL \
                 WHERE id = $1 AND status = 'sent_to_ministry'"
            )
            .bind(dossier_id)
            .execute(&mut *c)
            .await
            .map(|_| ())
            })?;
        }
        let (from, to) = self
            .move_in_round(
                &mut tx,
                dossier_id,
                level.assign_command(),
                Some(round_id),
                None,
            )
            .await?;
        record(
            &mut tx,
            cap,
            "dossier",
            &dossier_id.to_string(),
            Some(&serde_json::json!({"status": from.code()})),
            Some(&serde_json::json!({"status": to.code(), "round": round_id})),
        )
        .await?;
        tx.commit().await
    }

    /// Submit a member's sheet; it cannot be changed afterwards.
    pub async fn submit_score_sheet(
        &self,
        cap: &Capability,
        dossier_id: i64,
        options: &[String],
        total: u32,
        rank: u8,
    ) -> Result<i64> {
        check(cap, Action::ScoreDossier)?;
        let d = self.dossier(dossier_id).await?;
        if d.dossier.status != "in_round" {
            return Err(conflict("Hồ sơ không ở giai đoạn chấm điểm."));
        }
        if self
            .recusals(dossier_id)
            .await?
            .iter()
            .any(|r| r.member_id == cap.actor_id())
        {
            return Err(conflict(
                "Bạn đã khai xung đột lợi ích với hồ sơ này và không chấm điểm hồ sơ này.",
            ));
        }
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
            "INSERT INTO score_sheets (dossier_id, member_id, options, total, rank, submitted_at, round_id) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"
        )
        .bind(dossier_id)
        .bind(cap.actor_id())
        .bind(serde_json::to_string(options).unwrap_or_default())
        .bind(total as i64)
        .bind(rank as i64)
        .bind(now())
        .bind(d.dossier.round_id)
        .fetch_one(&mut *c)
        .await)
        .map_err(|e| {
            // Also a member of both councils who scored it at the province.
            unique_conflict(e, |_| {
                conflict("Bạn đã nộp phiếu cho hồ sơ này; phiếu đã nộp không sửa được.")
            })
        })?;
        record(
            &mut tx,
            cap,
            "dossier",
            &dossier_id.to_string(),
            None,
            Some(&serde_json::json!({"score_sheet": id, "total": total, "rank": rank})),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A member declares a conflict of interest on a dossier of the round,
    /// before scoring it: the member is recused from it.
    pub async fn declare_conflict(
        &self,
        cap: &Capability,
        dossier_id: i64,
        reason: &str,
    ) -> Result<()> {
        check(cap, Action::ScoreDossier)?;
        let d = self.dossier(dossier_id).await?;
        if d.dossier.status != "in_round" {
            return Err(conflict("Hồ sơ không ở giai đoạn chấm điểm."));
        }
        if self
            .score_sheets(dossier_id, d.dossier.round_id)
            .await?
            .iter()
            .any(|s| s.member_id == cap.actor_id())
        {
            return Err(conflict("Bạn đã nộp phiếu cho hồ sơ này."));
        }
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO recusals (dossier_id, member_id, reason, declared_at) VALUES ($1, $2, $3, $4)"
        )
        .bind(dossier_id)
        .bind(cap.actor_id())
        .bind(reason)
        .bind(now())
        .execute(&mut *c)
        .await
        .map(|_| ()))
        .map_err(|e| unique_conflict(e, |_| conflict("Bạn đã khai xung đột lợi ích với hồ sơ này.")))?;
        record(
            &mut tx,
            cap,
            "dossier",
            &dossier_id.to_string(),
            None,
            Some(&serde_json::json!({"recused": cap.actor_id(), "reason": reason})),
        )
        .await?;
        tx.commit().await
    }

    pub async fn recusals(&self, dossier_id: i64) -> Result<Vec<RecusalRow>> {
        Ok(on_pool!(self, |c| {
            sqlx::query_as::<_, RecusalRow>(
            "SELECT dossier_id, member_id, reason, declared_at FROM recusals WHERE dossier_id = $1 ORDER BY declared_at"
        )
        .bind(dossier_id)
        .fetch_all(c)
        .await
        })?)
    }

    /// After the council's discussion, reopen every submitted sheet of a
    /// dossier still in scoring so that the members score again. The sheets
    /// leave the table but not the record: the audit entry keeps each one
    /// (member, options, total, rank, time) with the reason.
    pub async fn reopen_score_sheets(
        &self,
        cap: &Capability,
        dossier_id: i64,
        reason: &str,
    ) -> Result<usize> {
        check(cap, Action::ManageRound)?;
        let d = self.dossier(dossier_id).await?;
        if d.dossier.status != "in_round" {
            return Err(conflict("Chỉ mở lại phiếu của hồ sơ đang chấm điểm."));
        }
        let sheets = self.score_sheets(dossier_id, d.dossier.round_id).await?;
        if sheets.is_empty() {
            return Err(conflict("Chưa có phiếu nào để mở lại."));
        }
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "DELETE FROM score_sheets WHERE dossier_id = $1 AND round_id = $2"
        )
        .bind(dossier_id)
        .bind(d.dossier.round_id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        record(
            &mut tx,
            cap,
            "dossier",
            &dossier_id.to_string(),
            Some(&serde_json::json!({"score_sheets": sheets})),
            Some(&serde_json::json!({"reopened": reason})),
        )
        .await?;
        tx.commit().await?;
        Ok(sheets.len())
    }

    /// The sheets of a dossier submitted in a round's council.
    pub async fn score_sheets(
        &self,
        dossier_id: i64,
        round_id: Option<i64>,
    ) -> Result<Vec<ScoreSheetRow>> {
        Ok(on_pool!(self, |c| sqlx::query_as::<_, ScoreSheetRow>(
            "SELECT * FROM score_sheets WHERE dossier_id = $1 AND round_id = $2 ORDER BY id"
        )
        .bind(dossier_id)
        .bind(round_id)
        .fetch_all(c)
        .await)?)
    }

    /// Close scoring with the council's consolidated result (computed by the
    /// caller with the domain) on `today`, the day a decision cannot precede.
    pub async fn close_scoring(
        &self,
        cap: &Capability,
        dossier_id: i64,
        total: f64,
        rank: u8,
        today: NaiveDate,
    ) -> Result<()> {
        check(cap, Action::ManageRound)?;
        let mut tx = self.begin().await?;
        let result = CouncilResult {
            total,
            rank: rank as i64,
            scored_on: today,
        };
        let (from, to) = self
            .move_in_round(
                &mut tx,
                dossier_id,
                DossierCommand::CloseScoring,
                None,
                Some(result),
            )
            .await?;
        record(&mut tx, cap, "dossier", &dossier_id.to_string(), Some(&serde_json::json!({"status": from.code()})), Some(&serde_json::json!({"status": to.code(), "council_total": total, "council_rank": rank}))).await?;
        tx.commit().await
    }
}

impl Store {
    /// Name the round's advisory team (Tổ tư vấn).
    pub async fn set_advisory_team(
        &self,
        cap: &Capability,
        round_id: i64,
        team: &str,
    ) -> Result<()> {
        check(cap, Action::ManageRound)?;
        let before = self.round(round_id).await?;
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE rounds SET advisory_team = $1 WHERE id = $2"
        )
        .bind(team)
        .bind(round_id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        record(
            &mut tx,
            cap,
            "round",
            &round_id.to_string(),
            Some(&serde_json::json!({"advisory_team": before.advisory_team})),
            Some(&serde_json::json!({"advisory_team": team})),
        )
        .await?;
        tx.commit().await
    }

    /// Record (or replace) the advisory team's report on a dossier of a round,
    /// before the council's result.
    pub async fn record_advisory_report(
        &self,
        cap: &Capability,
        dossier_id: i64,
        report: &ocop_domain::dossier::AdvisoryReport,
    ) -> Result<()> {
        check(cap, Action::ManageRound)?;
        let d = self.dossier(dossier_id).await?.dossier;
        if !matches!(
            d.status.as_str(),
            "forwarded" | "in_round" | "sent_to_ministry"
        ) {
            return Err(conflict("Chỉ ghi báo cáo của Tổ tư vấn khi hồ sơ đã được UBND xã chuyển lên và hội đồng chưa có kết quả."));
        }
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE dossiers SET advisory_report = $1, updated_at = $2 WHERE id = $3"
        )
        .bind(serde_json::to_string(report).unwrap_or_default())
        .bind(now())
        .bind(dossier_id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        record(
            &mut tx,
            cap,
            "dossier",
            &dossier_id.to_string(),
            d.advisory_report
                .as_deref()
                .and_then(|r| serde_json::from_str(r).ok())
                .map(|r: serde_json::Value| serde_json::json!({"advisory_report": r}))
                .as_ref(),
            Some(&serde_json::json!({"advisory_report": report})),
        )
        .await?;
        tx.commit().await
    }

    /// Reject a dossier on a knock-out condition of its sheet (checked by
    /// the caller), from the province's check to the decision; a pending
    /// re-evaluation's extension ends `today`.
    pub async fn reject_dossier(
        &self,
        cap: &Capability,
        dossier_id: i64,
        rejection: &ocop_domain::dossier::Rejection,
        today: NaiveDate,
    ) -> Result<()> {
        check(cap, Action::ManageRound)?;
        let d = self.dossier(dossier_id).await?.dossier;
        let from =
            DossierStatus::parse(&d.status).ok_or(StoreError::NotFound("trạng thái hồ sơ"))?;
        let to = transition(from, DossierCommand::Reject).map_err(conflict)?;
        let ground = serde_json::to_string(rejection).unwrap_or_default();
        let mut tx = self.begin().await?;
        set_status(&mut tx, dossier_id, from, to).await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE dossiers SET rejection = $1 WHERE id = $2"
        )
        .bind(&ground)
        .bind(dossier_id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        crate::dossiers::end_reevaluation(&mut tx, cap, &d, today).await?;
        record(
            &mut tx,
            cap,
            "dossier",
            &dossier_id.to_string(),
            Some(&serde_json::json!({"status": from.code()})),
            Some(&serde_json::json!({"status": to.code(), "rejection": rejection})),
        )
        .await?;
        tx.commit().await
    }

    /// Record the decision on a scored dossier (`ocop_domain::dossier::outcome`):
    /// the province's on a provincial result (3★–4★ issue the certificate,
    /// 36 months from signing; 90+ at 5★ goes to the ministry; below 3★ not
    /// recognised) or on a result the ministry returned; the ministry's on a
    /// central result (5★, or back to the province). The level is part of
    /// the capability: a central result needs one of national scope.
    /// Returns the new status and, when issued, the certificate's id.
    pub async fn decide(
        &self,
        cap: &Capability,
        dossier_id: i64,
        decision: &ocop_domain::dossier::Decision,
    ) -> Result<(DossierStatus, Option<i64>)> {
        check(cap, Action::IssueDecision)?;
        let d = self.dossier(dossier_id).await?.dossier;
        let from =
            DossierStatus::parse(&d.status).ok_or(StoreError::NotFound("trạng thái hồ sơ"))?;
        transition(from, DossierCommand::Decide).map_err(conflict)?;
        let (Some(total), Some(rank)) = (d.council_total, d.council_rank) else {
            return Err(conflict("Hồ sơ chưa có kết quả của hội đồng."));
        };
        let upgrade_from = match (d.kind.as_str(), d.certificate_id) {
            ("upgrade", Some(c)) => Some(self.certificate(c).await?.stars as u8),
            _ => None,
        };
        let level = match d.round_id {
            Some(r) if from == DossierStatus::Scored => self.round(r).await?.level(),
            _ => RoundLevel::Province,
        };
        let national = cap.scope().province.is_none();
        if (level == RoundLevel::Central) != national {
            return Err(StoreError::Forbidden(
                if level == RoundLevel::Central {
                    "kết quả của hội đồng cấp trung ương do Bộ quyết định"
                } else {
                    "kết quả cấp tỉnh do UBND tỉnh quyết định"
                }
                .into(),
            ));
        }
        let outcome = ocop_domain::dossier::outcome(from, level, rank as u8, total, upgrade_from);
        let to = outcome.status;
        let mut tx = self.begin().await?;
        set_status(&mut tx, dossier_id, from, to).await?;
        let certificate = if let Some(stars) = outcome.stars {
            let cert = ocop_domain::certificate::LegacyCertificate {
                stars,
                decision_number: decision.decision_number.clone(),
                issuer: decision.issuer.clone(),
                issued_on: decision.signed_on,
                expires_on: ocop_domain::certificate::expiry_of(decision.signed_on),
            };
            let new = crate::registry::insert_certificate(
                &mut tx,
                cap,
                d.product_id,
                &cert,
                crate::registry::SOURCE_DECISION,
            )
            .await?;
            if let Some(old) = d.certificate_id {
                crate::registry::supersede(&mut tx, old, new).await?;
            }
            Some(new)
        } else {
            None
        };
        if to == DossierStatus::NotRecognized {
            crate::dossiers::end_reevaluation(&mut tx, cap, &d, decision.signed_on).await?;
        }
        record(
            &mut tx,
            cap,
            "dossier",
            &dossier_id.to_string(),
            Some(&serde_json::json!({"status": from.code()})),
            Some(&serde_json::json!({"status": to.code(), "decision": decision, "certificate": certificate})),
        )
        .await?;
        tx.commit().await?;
        Ok((to, certificate))
    }
}
