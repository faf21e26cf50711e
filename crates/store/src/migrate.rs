//! Migrations: one SQL set under `migrations/`, with type tokens replaced per backend.

use crate::{on_pool, Backend, Result, Store, StoreError};

/// Every migration, in order. Append only: a shipped migration never changes.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../migrations/0001_init.sql")),
    (
        2,
        "certificate_number",
        include_str!("../migrations/0002_certificate_number.sql"),
    ),
    (
        3,
        "product_group",
        include_str!("../migrations/0003_product_group.sql"),
    ),
    (
        4,
        "dossiers",
        include_str!("../migrations/0004_dossiers.sql"),
    ),
    (5, "rounds", include_str!("../migrations/0005_rounds.sql")),
    (
        6,
        "points_of_sale",
        include_str!("../migrations/0006_points_of_sale.sql"),
    ),
    (
        7,
        "trade_events",
        include_str!("../migrations/0007_trade_events.sql"),
    ),
    (
        8,
        "matching",
        include_str!("../migrations/0008_matching.sql"),
    ),
    (
        9,
        "designations",
        include_str!("../migrations/0009_designations.sql"),
    ),
    (
        10,
        "recusals",
        include_str!("../migrations/0010_recusals.sql"),
    ),
    (
        11,
        "certificate_succession",
        include_str!("../migrations/0011_certificate_succession.sql"),
    ),
    (
        12,
        "central_rounds",
        include_str!("../migrations/0012_central_rounds.sql"),
    ),
    (
        13,
        "evidence",
        include_str!("../migrations/0013_evidence.sql"),
    ),
    (
        14,
        "rejections",
        include_str!("../migrations/0014_rejections.sql"),
    ),
    (
        15,
        "inspections",
        include_str!("../migrations/0015_inspections.sql"),
    ),
    (
        16,
        "pos_files",
        include_str!("../migrations/0016_pos_files.sql"),
    ),
    (
        17,
        "registration",
        include_str!("../migrations/0017_registration.sql"),
    ),
    (
        18,
        "advisory",
        include_str!("../migrations/0018_advisory.sql"),
    ),
    (
        19,
        "inspections_by_certificate",
        include_str!("../migrations/0019_inspections_by_certificate.sql"),
    ),
    (
        20,
        "dossier_comments",
        include_str!("../migrations/0020_dossier_comments.sql"),
    ),
    (
        21,
        "council_seats",
        include_str!("../migrations/0021_council_seats.sql"),
    ),
    (
        22,
        "points_of_sale_order",
        include_str!("../migrations/0022_points_of_sale_order.sql"),
    ),
    (
        23,
        "scored_on",
        include_str!("../migrations/0023_scored_on.sql"),
    ),
    (
        24,
        "products_gtin_once",
        include_str!("../migrations/0024_products_gtin_once.sql"),
    ),
    (
        25,
        "dossiers_status",
        include_str!("../migrations/0025_dossiers_status.sql"),
    ),
];

/// The SQL of a migration for one backend. Lines after a `-- @sqlite` or
/// `-- @postgres` marker are for that backend only, until `-- @all`: for
/// the few changes the two cannot write alike (SQLite cannot drop a NOT
/// NULL constraint; it rebuilds the table instead).
pub fn render(sql: &str, backend: Backend) -> String {
    let mut kept = String::with_capacity(sql.len());
    let mut on = true;
    for line in sql.lines() {
        match line.trim() {
            "-- @all" => on = true,
            "-- @sqlite" => on = backend == Backend::Sqlite,
            "-- @postgres" => on = backend == Backend::Postgres,
            _ if on => {
                kept.push_str(line);
                kept.push('\n');
            }
            _ => {}
        }
    }
    let pairs: &[(&str, &str)] = match backend {
        Backend::Sqlite => &[
            ("{id}", "INTEGER PRIMARY KEY AUTOINCREMENT"),
            ("{ts}", "TEXT"),
            ("{date}", "TEXT"),
            ("{bool}", "BOOLEAN"),
            ("{real}", "REAL"),
            ("{blob}", "BLOB"),
            ("{sortkey}", "TEXT"),
            ("{bigint}", "INTEGER"),
        ],
        Backend::Postgres => &[
            ("{id}", "BIGSERIAL PRIMARY KEY"),
            ("{ts}", "TIMESTAMPTZ"),
            ("{date}", "DATE"),
            ("{bool}", "BOOLEAN"),
            ("{real}", "DOUBLE PRECISION"),
            ("{blob}", "BYTEA"),
            ("{sortkey}", "TEXT COLLATE \"C\""),
            ("{bigint}", "BIGINT"),
        ],
    };
    let mut out = kept;
    for (token, ty) in pairs {
        out = out.replace(token, ty);
    }
    out
}

impl Store {
    /// Apply every migration not yet applied, each in its own transaction.
    /// Returns how many were applied.
    pub async fn migrate(&self) -> Result<usize> {
        on_pool!(self, |c| {
            sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        .execute(c)
        .await.map(|r| r.rows_affected())
        })?;
        let applied: Vec<i64> = on_pool!(self, |c| sqlx::query_scalar(
            "SELECT version FROM schema_migrations"
        )
        .fetch_all(c)
        .await)?;
        let mut count = 0;
        for (version, name, sql) in MIGRATIONS {
            if applied.contains(version) {
                continue;
            }
            let sql = render(sql, self.backend());
            let mut tx = self.begin().await?;
            crate::on_tx!(&mut tx, |c| {
                sqlx::raw_sql(&sql)
                    .execute(&mut *c)
                    .await
                    .map_err(|e| StoreError::Migration(format!("{version} {name}: {e}")))?;
                sqlx::query(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                )
                .bind(version)
                .bind(name)
                .bind(crate::now().to_rfc3339())
                .execute(&mut *c)
                .await?;
            });
            tx.commit().await?;
            count += 1;
        }
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::render;
    use crate::Backend;

    #[test]
    fn backend_sections_keep_only_their_backend() {
        let sql = "A;\n-- @sqlite\nS;\n-- @postgres\nP;\n-- @all\nB {bigint};\n";
        assert_eq!(render(sql, Backend::Sqlite), "A;\nS;\nB INTEGER;\n");
        assert_eq!(render(sql, Backend::Postgres), "A;\nP;\nB BIGINT;\n");
    }

    /// Every file under `migrations/` is in `MIGRATIONS`, numbered in order.
    #[test]
    fn every_migration_file_is_listed() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        files.sort();
        assert_eq!(files.len(), super::MIGRATIONS.len(), "{files:?}");
        for (i, (version, name, _)) in super::MIGRATIONS.iter().enumerate() {
            assert_eq!(*version, i as i64 + 1);
            assert_eq!(files[i], format!("{:04}_{name}.sql", version));
        }
    }
}
