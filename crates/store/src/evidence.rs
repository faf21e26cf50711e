//! Evidence files of dossiers. The rows (which dossier, which criterion,
//! the name, type, size and hash, who and when) are in the database; the
//! bytes are kept outside it, by content hash, in a [`FileStore`]: the same
//! content is stored once, and a file is written under a temporary name and
//! renamed, so a crash never leaves a half-written file under its hash. A
//! file is written before its row is committed: a crash in between leaves
//! an unreferenced file, never a row without its file.

use crate::audit::record;
use crate::{check, now, on_pool, on_tx, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use ocop_domain::auth::{Action, Capability};
use ocop_domain::evidence::Checked;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Content-addressed files under one directory: `<root>/<first two hex digits>/<sha256>`.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

impl FileStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the file of a hash lives; `None` for anything but 64 hex digits
    /// (a hash never names a path outside the store).
    fn path(&self, sha256: &str) -> Option<PathBuf> {
        (sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| self.root.join(&sha256[..2]).join(sha256))
    }

    /// Store `bytes`; returns their SHA-256 (hex), the file's name.
    pub async fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let sha = hex::encode(Sha256::digest(bytes));
        let path = self.path(&sha).expect("a digest is 64 hex digits");
        if tokio::fs::try_exists(&path).await? {
            return Ok(sha);
        }
        let dir = path.parent().expect("under the root");
        tokio::fs::create_dir_all(dir).await?;
        let tmp = dir.join(format!(".{sha}.{}.tmp", std::process::id()));
        {
            use tokio::io::AsyncWriteExt;
            let mut f = tokio::fs::File::create(&tmp).await?;
            f.write_all(bytes).await?;
            f.sync_all().await?;
        }
        tokio::fs::rename(&tmp, &path).await?;
        Ok(sha)
    }

    pub async fn get(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
        match self.path(sha256) {
            Some(p) => tokio::fs::read(p).await,
            None => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a content hash",
            )),
        }
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvidenceRow {
    pub id: i64,
    pub dossier_id: i64,
    /// The criterion of the dossier's sheet ("" for the whole dossier).
    pub criterion_id: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: i64,
    pub uploaded_at: DateTime<Utc>,
}

impl Store {
    /// Record an evidence file already checked (`ocop_domain::evidence::check`)
    /// and written to the file store under `sha256`.
    pub async fn add_evidence(
        &self,
        cap: &Capability,
        dossier_id: i64,
        file: &Checked,
        size: usize,
        sha256: &str,
    ) -> Result<i64> {
        check(cap, Action::FileDossier)?;
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
            "INSERT INTO dossier_evidence (dossier_id, criterion_id, filename, content_type, size, sha256, uploaded_by, uploaded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
        )
        .bind(dossier_id)
        .bind(&file.criterion_id)
        .bind(&file.filename)
        .bind(file.content_type)
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
            "dossier",
            &dossier_id.to_string(),
            None,
            Some(&serde_json::json!({"evidence": id, "criterion": file.criterion_id, "filename": file.filename, "sha256": sha256, "size": size})),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A dossier's evidence, by criterion then upload order.
    pub async fn evidence_of(&self, dossier_id: i64) -> Result<Vec<EvidenceRow>> {
        Ok(on_pool!(self, |c| sqlx::query_as::<_, EvidenceRow>(
            "SELECT * FROM dossier_evidence WHERE dossier_id = $1 ORDER BY criterion_id, id"
        )
        .bind(dossier_id)
        .fetch_all(c)
        .await)?)
    }

    pub async fn evidence(&self, dossier_id: i64, id: i64) -> Result<EvidenceRow> {
        on_pool!(self, |c| sqlx::query_as::<_, EvidenceRow>(
            "SELECT * FROM dossier_evidence WHERE id = $1 AND dossier_id = $2"
        )
        .bind(id)
        .bind(dossier_id)
        .fetch_optional(c)
        .await)?
        .ok_or(StoreError::NotFound("tài liệu minh chứng"))
    }

    /// Remove an evidence row (the file stays: others may share its content,
    /// and the audit entry keeps its hash).
    pub async fn remove_evidence(&self, cap: &Capability, dossier_id: i64, id: i64) -> Result<()> {
        check(cap, Action::FileDossier)?;
        let row = self.evidence(dossier_id, id).await?;
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "DELETE FROM dossier_evidence WHERE id = $1"
        )
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        record(
            &mut tx,
            cap,
            "dossier",
            &dossier_id.to_string(),
            Some(&serde_json::json!({"evidence": id, "filename": row.filename, "sha256": row.sha256})),
            Some(&serde_json::json!({"evidence_removed": id})),
        )
        .await?;
        tx.commit().await
    }
}

#[cfg(test)]
mod tests {
    use super::FileStore;

    #[tokio::test]
    async fn content_is_stored_once_and_only_hashes_name_files() {
        let dir = tempfile::tempdir().unwrap();
        let fs = FileStore::new(dir.path());
        let a = fs.put(b"%PDF-1.4 one").await.unwrap();
        assert_eq!(fs.put(b"%PDF-1.4 one").await.unwrap(), a);
        assert_eq!(fs.get(&a).await.unwrap(), b"%PDF-1.4 one");
        let files = crate::testing::files_under(dir.path());
        assert_eq!(files.len(), 1, "{files:?}");
        assert!(fs.get("../../etc/passwd").await.is_err());
        assert!(fs.get(&"0".repeat(64)).await.is_err());
    }
}
