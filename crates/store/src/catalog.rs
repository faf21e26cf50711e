//! The public catalog of certified products: filters, facet counts, sorting
//! and paging, answered by SQL on either backend. (The Vietnamese full-text
//! search index of issue 4 will take over `q`; the filters and facets stay.)

use crate::registry::ProductListItem;
use crate::{like_pattern, on_pool, Result, Store};
use chrono::NaiveDate;
use ocop_domain::text::fold_vi;
use serde::Serialize;
use std::collections::BTreeMap;

/// Which certificates a catalog query shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CatalogStatus {
    /// Valid today, including those expiring soon: the default catalog.
    #[default]
    Current,
    Valid,
    ExpiringSoon,
    Expired,
    Revoked,
    /// Every product that ever had a certificate.
    All,
}

impl CatalogStatus {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "current" | "" => CatalogStatus::Current,
            "valid" => CatalogStatus::Valid,
            "expiring_soon" => CatalogStatus::ExpiringSoon,
            "expired" => CatalogStatus::Expired,
            "revoked" => CatalogStatus::Revoked,
            "all" => CatalogStatus::All,
            _ => return None,
        })
    }

    fn code(self) -> &'static str {
        match self {
            CatalogStatus::Current => "current",
            CatalogStatus::Valid => "valid",
            CatalogStatus::ExpiringSoon => "expiring_soon",
            CatalogStatus::Expired => "expired",
            CatalogStatus::Revoked => "revoked",
            CatalogStatus::All => "all",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CatalogSort {
    /// Name order until the search index ranks matches.
    #[default]
    Relevance,
    Stars,
    Name,
    Newest,
}

impl CatalogSort {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "relevance" | "" => CatalogSort::Relevance,
            "stars" => CatalogSort::Stars,
            "name" => CatalogSort::Name,
            "newest" => CatalogSort::Newest,
            _ => return None,
        })
    }

    /// A fixed ORDER BY per variant: no request text ever reaches the SQL.
    fn order_by(self) -> &'static str {
        match self {
            CatalogSort::Relevance | CatalogSort::Name => "p.sort_key, p.id",
            CatalogSort::Stars => "ce.stars DESC, p.sort_key, p.id",
            CatalogSort::Newest => "ce.issued_on DESC, p.id DESC",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct CatalogFilter {
    pub q: Option<String>,
    pub province: Option<String>,
    pub commune: Option<String>,
    /// Product group I…VI.
    pub group: Option<String>,
    pub set_code: Option<String>,
    pub stars: Option<i64>,
    /// A producer kind code (cooperative, enterprise…).
    pub producer_kind: Option<String>,
    pub status: CatalogStatus,
    pub sort: CatalogSort,
    pub page: i64,
    pub per_page: i64,
}

/// Counts per value of each facet, over the filtered set.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Facets {
    pub stars: BTreeMap<String, i64>,
    pub province: BTreeMap<String, i64>,
    pub group: BTreeMap<String, i64>,
    pub producer_type: BTreeMap<String, i64>,
    /// Counted without the status filter, so every status shows its count.
    pub status: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CatalogPage {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<ProductListItem>,
    pub facets: Facets,
}

/// The current certificate of each product, and every filter. Parameters:
/// $1 name pattern, $2 code pattern, $3 province, $4 commune, $5 group, $6 set,
/// $7 stars, $8 producer kind, $9 today, $10 today + 180 days, $11 status.
const FROM_WHERE: &str = "FROM products p JOIN producers o ON o.id = p.producer_id \
     JOIN communes c ON c.code = p.commune_code JOIN provinces pr ON pr.code = p.province_code \
     JOIN certificates ce ON ce.id = (SELECT x.id FROM certificates x WHERE x.product_id = p.id ORDER BY x.issued_on DESC, x.id DESC LIMIT 1) \
     WHERE p.active AND o.active \
       AND ($1 IS NULL OR p.name_fold LIKE $1 ESCAPE '\\' OR o.name_fold LIKE $1 ESCAPE '\\' OR p.code LIKE $2 ESCAPE '\\') \
       AND ($3 IS NULL OR p.province_code = $3) AND ($4 IS NULL OR p.commune_code = $4) \
       AND ($5 IS NULL OR p.group_code = $5) AND ($6 IS NULL OR p.set_code = $6) \
       AND ($7 IS NULL OR ce.stars = $7) AND ($8 IS NULL OR o.kind = $8) \
       AND ( $11 = 'all' \
          OR ($11 = 'current' AND ce.revoked_on IS NULL AND ce.expires_on >= $9) \
          OR ($11 = 'valid' AND ce.revoked_on IS NULL AND ce.expires_on > $10) \
          OR ($11 = 'expiring_soon' AND ce.revoked_on IS NULL AND ce.expires_on >= $9 AND ce.expires_on <= $10) \
          OR ($11 = 'expired' AND ce.revoked_on IS NULL AND ce.expires_on < $9) \
          OR ($11 = 'revoked' AND ce.revoked_on IS NOT NULL) )";

const STATUS_EXPR: &str =
    "CASE WHEN ce.revoked_on IS NOT NULL THEN 'revoked' WHEN ce.expires_on < $9 THEN 'expired' \
     WHEN ce.expires_on <= $10 THEN 'expiring_soon' ELSE 'valid' END";

impl Store {
    /// One page of the catalog with its facet counts.
    pub async fn catalog(&self, f: &CatalogFilter, today: NaiveDate) -> Result<CatalogPage> {
        let page = f.page.max(1);
        let per_page = f.per_page.clamp(1, 200);
        let q = f.q.as_deref().map(fold_vi).filter(|s| !s.trim().is_empty());
        let name_pat = q.as_deref().map(|s| like_pattern(s.trim()));
        let code_pat = f.q.as_deref().map(|s| like_pattern(s.trim()));
        let soon = today + chrono::Duration::days(ocop_domain::certificate::EXPIRING_SOON_DAYS);
        macro_rules! binds {
            ($q:expr, $status:expr) => {
                $q.bind(&name_pat)
                    .bind(&code_pat)
                    .bind(&f.province)
                    .bind(&f.commune)
                    .bind(&f.group)
                    .bind(&f.set_code)
                    .bind(f.stars)
                    .bind(&f.producer_kind)
                    .bind(today)
                    .bind(soon)
                    .bind($status)
            };
        }
        let status = f.status.code();
        let total: i64 = on_pool!(self, |c| binds!(
            sqlx::query_scalar(&format!("SELECT COUNT(*) {FROM_WHERE}")),
            status
        )
        .fetch_one(c)
        .await)?;
        let list_sql = format!(
            "{} {FROM_WHERE} ORDER BY {} LIMIT $12 OFFSET $13",
            crate::registry::PRODUCT_LIST_SELECT,
            f.sort.order_by()
        );
        let items = on_pool!(self, |c| binds!(
            sqlx::query_as::<_, ProductListItem>(&list_sql),
            status
        )
        .bind(per_page)
        .bind((page - 1) * per_page)
        .fetch_all(c)
        .await)?;
        let mut facets = Facets::default();
        for (name, expr, status) in [
            ("stars", "CAST(ce.stars AS TEXT)", status),
            ("province", "p.province_code", status),
            ("group", "p.group_code", status),
            ("producer_type", "o.kind", status),
            ("status", STATUS_EXPR, "all"),
        ] {
            let sql = format!("SELECT {expr} AS k, COUNT(*) AS n {FROM_WHERE} GROUP BY {expr}");
            let rows: Vec<(Option<String>, i64)> =
                on_pool!(self, |c| binds!(sqlx::query_as(&sql), status)
                    .fetch_all(c)
                    .await)?;
            let map: BTreeMap<String, i64> = rows
                .into_iter()
                .filter_map(|(k, n)| k.map(|k| (k, n)))
                .collect();
            match name {
                "stars" => facets.stars = map,
                "province" => facets.province = map,
                "group" => facets.group = map,
                "producer_type" => facets.producer_type = map,
                _ => facets.status = map,
            }
        }
        Ok(CatalogPage {
            total,
            page,
            per_page,
            items,
            facets,
        })
    }
}

impl Store {
    /// Certificates issued per year (all sources), oldest year first.
    pub async fn certificates_by_year(&self) -> Result<Vec<(String, i64)>> {
        Ok(on_pool!(self, |c| sqlx::query_as::<_, (String, i64)>(
            "SELECT SUBSTR(CAST(issued_on AS TEXT), 1, 4) AS y, COUNT(*) AS n FROM certificates \
             GROUP BY SUBSTR(CAST(issued_on AS TEXT), 1, 4) ORDER BY y"
        )
        .fetch_all(c)
        .await)?)
    }
}
