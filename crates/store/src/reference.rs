//! Reference data in the database: administrative units, loaded once from the
//! domain's validated copy so that SQL can join and filter on them.

use crate::{on_pool, on_tx, Result, Store};
use ocop_domain::admin_units::AdminUnits;

/// Rows per multi-row INSERT (kept well under PostgreSQL's 65,535 parameters).
const BATCH: usize = 500;

macro_rules! insert_batches {
    ($c:expr, $items:expr, $prefix:literal, |$b:ident, $x:ident| $push:expr) => {
        for chunk in $items.chunks(BATCH) {
            let mut qb = sqlx::QueryBuilder::new($prefix);
            qb.push_values(chunk, |mut $b, $x| {
                $push;
            });
            qb.build().execute(&mut *$c).await?;
        }
    };
}

impl Store {
    /// Load the administrative units if the tables are empty. Idempotent.
    pub async fn seed_reference(&self, units: &AdminUnits) -> Result<bool> {
        let n: i64 = on_pool!(self, |c| sqlx::query_scalar(
            "SELECT COUNT(*) FROM provinces"
        )
        .fetch_one(c)
        .await)?;
        if n > 0 {
            return Ok(false);
        }
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            insert_batches!(
                c,
                units.provinces,
                "INSERT INTO provinces (code, name, kind, lat, lon, sort_key) ",
                |b, p| b
                    .push_bind(&p.code)
                    .push_bind(&p.name)
                    .push_bind(&p.kind)
                    .push_bind(p.lat)
                    .push_bind(p.lon)
                    .push_bind(crate::sort_key(&p.name))
            );
            insert_batches!(
                c,
                units.communes,
                "INSERT INTO communes (code, province_code, name, kind, lat, lon, area_km2, sort_key) ",
                |b, x| b
                    .push_bind(&x.code)
                    .push_bind(&x.province_code)
                    .push_bind(&x.name)
                    .push_bind(&x.kind)
                    .push_bind(x.lat)
                    .push_bind(x.lon)
                    .push_bind(x.area_km2)
                    .push_bind(crate::sort_key(&x.name))
            );
            insert_batches!(
                c,
                units.legacy_provinces,
                "INSERT INTO legacy_provinces (code, name, new_province_code) ",
                |b, x| b
                    .push_bind(&x.code)
                    .push_bind(&x.name)
                    .push_bind(&x.new_province_code)
            );
            insert_batches!(
                c,
                units.legacy_districts,
                "INSERT INTO legacy_districts (code, province_code, name, kind) ",
                |b, x| b
                    .push_bind(&x.code)
                    .push_bind(&x.province_code)
                    .push_bind(&x.name)
                    .push_bind(&x.kind)
            );
            insert_batches!(
                c,
                units.legacy_communes,
                "INSERT INTO legacy_communes (code, district_code, province_code, name, kind) ",
                |b, x| b
                    .push_bind(&x.code)
                    .push_bind(&x.district_code)
                    .push_bind(&x.province_code)
                    .push_bind(&x.name)
                    .push_bind(&x.kind)
            );
            insert_batches!(
                c,
                units.mapping,
                "INSERT INTO commune_mapping (old_commune_code, new_commune_code, is_default) ",
                |b, x| b
                    .push_bind(&x.old_commune_code)
                    .push_bind(&x.new_commune_code)
                    .push_bind(x.is_default == 1)
            );
        });
        tx.commit().await?;
        Ok(true)
    }

    /// Counts of the loaded units: (provinces, communes, legacy communes).
    pub async fn reference_counts(&self) -> Result<(i64, i64, i64)> {
        let p: i64 = on_pool!(self, |c| sqlx::query_scalar(
            "SELECT COUNT(*) FROM provinces"
        )
        .fetch_one(c)
        .await)?;
        let c2: i64 = on_pool!(self, |c| sqlx::query_scalar(
            "SELECT COUNT(*) FROM communes"
        )
        .fetch_one(c)
        .await)?;
        let l: i64 = on_pool!(self, |c| sqlx::query_scalar(
            "SELECT COUNT(*) FROM legacy_communes"
        )
        .fetch_one(c)
        .await)?;
        Ok((p, c2, l))
    }
}
