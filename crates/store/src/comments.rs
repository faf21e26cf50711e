//! A dossier's thread of comments: written by anyone authorized for
//! `Action::CommentDossier` on it, read by every party to it.

use crate::audit::record;
use crate::{check, now, on_pool, on_tx, Result, Store};
use chrono::{DateTime, Utc};
use ocop_domain::auth::{Action, Capability, Role};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommentRow {
    pub id: i64,
    pub dossier_id: i64,
    pub author_id: i64,
    /// The author's name ("hệ thống" for the system).
    pub author_name: String,
    /// The capacity the author wrote in (a role code: producer, commune_officer…).
    pub author_role: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

impl Store {
    /// Add a comment (already validated: `ocop_domain::dossier::CommentInput`)
    /// written in the capacity of `role`.
    pub async fn add_comment(
        &self,
        cap: &Capability,
        dossier_id: i64,
        role: &Role,
        body: &str,
    ) -> Result<i64> {
        check(cap, Action::CommentDossier)?;
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
                "INSERT INTO dossier_comments (dossier_id, author_id, author_role, body, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(dossier_id)
            .bind(cap.actor_id())
            .bind(role.code())
            .bind(body)
            .bind(now())
            .fetch_one(&mut *c)
            .await
        })?;
        record(
            &mut tx,
            cap,
            "dossier",
            &dossier_id.to_string(),
            None,
            Some(&serde_json::json!({"comment": id, "role": role.code(), "body": body})),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A dossier's comments, oldest first.
    pub async fn comments_of(&self, dossier_id: i64) -> Result<Vec<CommentRow>> {
        Ok(on_pool!(self, |c| {
            sqlx::query_as::<_, CommentRow>(
            "SELECT k.id, k.dossier_id, k.author_id, COALESCE(u.full_name, 'hệ thống') AS author_name, \
             k.author_role, k.body, k.created_at \
             FROM dossier_comments k LEFT JOIN users u ON u.id = k.author_id \
             WHERE k.dossier_id = $1 ORDER BY k.id"
        )
        .bind(dossier_id)
        .fetch_all(c)
        .await
        })?)
    }
}
