//! The facet table: every catalog entry's filterable attributes, compact and
//! kept in Vietnamese name order, so that filters, facet counts, sorting and
//! paging are one pass over memory (no SQL per search).

use crate::snapshot::{put_bytes, put_u32, Reader};
use chrono::{Datelike, NaiveDate};
use ocop_domain::certificate::EXPIRING_SOON_DAYS;
use ocop_store::catalog::{CatalogEntry, CatalogFilter, CatalogSort, CatalogStatus, Facets};
use std::collections::{BTreeMap, HashMap, HashSet};

/// A search's matches: every matching product id with its relevance.
pub type Hits = [(i64, f32)];
use std::sync::Arc;

/// Distinct values of one attribute (province codes, set codes…), numbered
/// in order of first appearance. Values are never removed: the few hundred
/// that exist cost nothing, and numbers stay stable across updates.
#[derive(Debug, Clone, Default)]
struct Interner {
    values: Vec<String>,
    numbers: HashMap<String, u32>,
}

impl Interner {
    fn intern(&mut self, value: &str) -> u32 {
        if let Some(n) = self.numbers.get(value) {
            return *n;
        }
        let n = self.values.len() as u32;
        self.values.push(value.to_string());
        self.numbers.insert(value.to_string(), n);
        n
    }

    fn number(&self, value: &str) -> Option<u32> {
        self.numbers.get(value).copied()
    }
}

#[derive(Debug, Clone)]
struct Row {
    id: i64,
    /// The collation key's bytes: rows are kept sorted by (key, id).
    key: Arc<[u8]>,
    stars: u8,
    province: u32,
    commune: u32,
    group: Option<u32>,
    set: u32,
    kind: u32,
    issued_on: NaiveDate,
    expires_on: NaiveDate,
    revoked: bool,
}

/// The certificate status a row has on `today`, as the catalog names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Valid,
    ExpiringSoon,
    Expired,
    Revoked,
}

impl Status {
    fn code(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::ExpiringSoon => "expiring_soon",
            Status::Expired => "expired",
            Status::Revoked => "revoked",
        }
    }

    fn shown_by(self, wanted: CatalogStatus) -> bool {
        match wanted {
            CatalogStatus::All => true,
            CatalogStatus::Current => matches!(self, Status::Valid | Status::ExpiringSoon),
            CatalogStatus::Valid => self == Status::Valid,
            CatalogStatus::ExpiringSoon => self == Status::ExpiringSoon,
            CatalogStatus::Expired => self == Status::Expired,
            CatalogStatus::Revoked => self == Status::Revoked,
        }
    }
}

/// `positions` of an id without a row.
const NO_ROW: u32 = u32::MAX;

/// A row's group when it has none, in a snapshot.
const NO_VALUE: u32 = u32::MAX;

/// The table's order: by collation key, then id.
fn row_order(a: &Row, b: &Row) -> std::cmp::Ordering {
    a.key.cmp(&b.key).then(a.id.cmp(&b.id))
}

/// A comparison of two candidates (row position, relevance).
type RowOrder<'a> = Box<dyn Fn(&(u32, f32), &(u32, f32)) -> std::cmp::Ordering + 'a>;

#[derive(Debug, Clone, Default)]
pub struct Table {
    rows: Vec<Row>,
    /// Product id → position in `rows`, indexed by id (ids are the
    /// database's dense sequence; `NO_ROW` where there is none): one array
    /// write per row to build, one read per search hit.
    positions: Vec<u32>,
    provinces: Interner,
    communes: Interner,
    groups: Interner,
    sets: Interner,
    kinds: Interner,
}

/// The table's answer to a query once `q` has been matched: the total, the
/// ids of the page's products in order, and the facet counts.
#[derive(Debug, Clone, Default)]
pub struct TableAnswer {
    pub total: i64,
    pub ids: Vec<i64>,
    pub facets: Facets,
}

/// A filter resolved to interned numbers. `None` inside means "no filter";
/// a value that the table has never seen matches nothing.
struct Resolved {
    province: Option<Option<u32>>,
    commune: Option<Option<u32>>,
    group: Option<Option<u32>>,
    set: Option<Option<u32>>,
    kind: Option<Option<u32>>,
    stars: Option<i64>,
}

fn matches(want: Option<Option<u32>>, have: Option<u32>) -> bool {
    match want {
        None => true,
        Some(w) => w.is_some() && w == have,
    }
}

fn decode_key(hex_key: &str) -> Arc<[u8]> {
    // A malformed key (never written by the store) sorts as its raw bytes.
    hex::decode(hex_key)
        .unwrap_or_else(|_| hex_key.as_bytes().to_vec())
        .into()
}

impl Table {
    pub fn build(entries: &[CatalogEntry]) -> Table {
        let mut t = Table::default();
        for e in entries {
            t.push(e);
        }
        t.sorted()
    }

    /// A build in steps, for entries read one by one: `push` each, then
    /// `sorted`.
    pub fn push(&mut self, e: &CatalogEntry) {
        let row = self.row(e);
        self.rows.push(row);
    }

    pub fn sorted(mut self) -> Table {
        self.reorder();
        self
    }

    fn row(&mut self, e: &CatalogEntry) -> Row {
        Row {
            id: e.text.id,
            key: decode_key(&e.sort_key),
            stars: e.stars.clamp(0, 5) as u8,
            province: self.provinces.intern(&e.province_code),
            commune: self.communes.intern(&e.commune_code),
            group: e.group_code.as_deref().map(|g| self.groups.intern(g)),
            set: self.sets.intern(&e.set_code),
            kind: self.kinds.intern(&e.producer_kind),
            issued_on: e.issued_on,
            expires_on: e.expires_on,
            revoked: e.revoked_on.is_some(),
        }
    }

    /// How many products the table holds.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// The table as bytes, for a snapshot (`snapshot.rs`): the interned
    /// values, then the rows in their order.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        for interner in self.interners() {
            put_u32(out, interner.values.len() as u32);
            for v in &interner.values {
                put_bytes(out, v.as_bytes());
            }
        }
        put_u32(out, self.rows.len() as u32);
        for r in &self.rows {
            out.extend_from_slice(&r.id.to_le_bytes());
            put_bytes(out, &r.key);
            out.push(r.stars);
            for n in [
                r.province,
                r.commune,
                r.group.unwrap_or(NO_VALUE),
                r.set,
                r.kind,
            ] {
                put_u32(out, n);
            }
            for d in [r.issued_on, r.expires_on] {
                out.extend_from_slice(&d.num_days_from_ce().to_le_bytes());
            }
            out.push(r.revoked as u8);
        }
    }

    /// What `encode` wrote, checked as a build would leave it: every value
    /// number known, ids distinct and positive, rows in order. `None`
    /// otherwise.
    pub(crate) fn decode(r: &mut Reader) -> Option<Table> {
        let mut t = Table::default();
        for interner in [
            &mut t.provinces,
            &mut t.communes,
            &mut t.groups,
            &mut t.sets,
            &mut t.kinds,
        ] {
            for _ in 0..r.u32()? {
                let v = std::str::from_utf8(r.bytes()?).ok()?;
                if interner.number(v).is_some() {
                    return None;
                }
                interner.intern(v);
            }
        }
        let known = |i: &Interner, n: u32| (n as usize) < i.values.len();
        // The count is not trusted for an allocation: the rows grow as read.
        for _ in 0..r.u32()? {
            let row = Row {
                id: r.i64()?,
                key: r.bytes()?.into(),
                stars: r.u8()?.min(5),
                province: r.u32()?,
                commune: r.u32()?,
                group: Some(r.u32()?).filter(|n| *n != NO_VALUE),
                set: r.u32()?,
                kind: r.u32()?,
                issued_on: NaiveDate::from_num_days_from_ce_opt(r.i32()?)?,
                expires_on: NaiveDate::from_num_days_from_ce_opt(r.i32()?)?,
                revoked: r.u8()? != 0,
            };
            let valid = row.id > 0
                && known(&t.provinces, row.province)
                && known(&t.communes, row.commune)
                && row.group.is_none_or(|g| known(&t.groups, g))
                && known(&t.sets, row.set)
                && known(&t.kinds, row.kind)
                && t.rows
                    .last()
                    .is_none_or(|last| row_order(last, &row).is_lt());
            if !valid {
                return None;
            }
            t.rows.push(row);
        }
        t.index_positions();
        // In order by (key, id) does not make ids distinct.
        let distinct = t
            .rows
            .iter()
            .enumerate()
            .all(|(i, r)| t.position(r.id) == Some(i as u32));
        distinct.then_some(t)
    }

    fn interners(&self) -> [&Interner; 5] {
        [
            &self.provinces,
            &self.communes,
            &self.groups,
            &self.sets,
            &self.kinds,
        ]
    }

    fn reorder(&mut self) {
        self.rows.sort_unstable_by(row_order);
        self.index_positions();
    }

    fn index_positions(&mut self) {
        let top = self.rows.iter().map(|r| r.id.max(0) as usize).max();
        let mut positions = vec![NO_ROW; top.map_or(0, |t| t + 1)];
        for (i, r) in self.rows.iter().enumerate() {
            if r.id >= 0 {
                positions[r.id as usize] = i as u32;
            }
        }
        self.positions = positions;
    }

    fn position(&self, id: i64) -> Option<u32> {
        usize::try_from(id)
            .ok()
            .and_then(|i| self.positions.get(i).copied())
            .filter(|p| *p != NO_ROW)
    }

    /// A copy with `removed` products taken out and `entries` put in (an
    /// entry replaces the row of its product). Copy-on-write: readers keep
    /// the table they started with.
    pub fn updated(&self, removed: &HashSet<i64>, entries: &[CatalogEntry]) -> Table {
        // The rows are already in order: take the changed ones out, sort the
        // few new ones, and merge, rather than sorting 200,000 rows again
        // on every write.
        let mut t = Table {
            rows: Vec::new(),
            positions: Vec::new(),
            provinces: self.provinces.clone(),
            communes: self.communes.clone(),
            groups: self.groups.clone(),
            sets: self.sets.clone(),
            kinds: self.kinds.clone(),
        };
        let replaced: HashSet<i64> = entries.iter().map(|e| e.text.id).collect();
        let mut new_rows: Vec<Row> = entries.iter().map(|e| t.row(e)).collect();
        new_rows.sort_unstable_by(row_order);
        let kept = self
            .rows
            .iter()
            .filter(|r| !removed.contains(&r.id) && !replaced.contains(&r.id));
        let mut rows = Vec::with_capacity(self.rows.len() + new_rows.len());
        let mut new_rows = new_rows.into_iter().peekable();
        for r in kept {
            while new_rows
                .peek()
                .is_some_and(|n| row_order(n, r) == std::cmp::Ordering::Less)
            {
                rows.push(new_rows.next().expect("peeked"));
            }
            rows.push(r.clone());
        }
        rows.extend(new_rows);
        t.rows = rows;
        t.index_positions();
        t
    }

    fn resolve(&self, f: &CatalogFilter) -> Resolved {
        let pick = |i: &Interner, v: &Option<String>| v.as_deref().map(|v| i.number(v));
        Resolved {
            province: pick(&self.provinces, &f.province),
            commune: pick(&self.communes, &f.commune),
            group: pick(&self.groups, &f.group),
            set: pick(&self.sets, &f.set_code),
            kind: pick(&self.kinds, &f.producer_kind),
            stars: f.stars,
        }
    }

    /// Filter, count facets, sort and page. `scores`, when searching, holds
    /// every matching product with its relevance; rows outside it are out.
    pub fn answer(
        &self,
        f: &CatalogFilter,
        scores: Option<&Hits>,
        today: NaiveDate,
    ) -> TableAnswer {
        let soon = today + chrono::Duration::days(EXPIRING_SOON_DAYS);
        let want = self.resolve(f);
        // (row position, relevance): the relevance travels with the row, so
        // ordering by it costs no lookup per comparison.
        let mut hits: Vec<(u32, f32)> = Vec::new();
        let mut stars = [0i64; 6];
        let mut status: BTreeMap<String, i64> = BTreeMap::new();
        // Dense counters indexed by interned number: a pass over 200,000
        // rows must not pay a hash lookup per facet per row.
        let mut province = vec![0i64; self.provinces.values.len()];
        // Communes are counted within a province only (see `Facets`).
        let count_communes = want.province.is_some() || want.commune.is_some();
        let mut commune = vec![0i64; self.communes.values.len()];
        let mut group = vec![0i64; self.groups.values.len()];
        let mut set = vec![0i64; self.sets.values.len()];
        let mut kind = vec![0i64; self.kinds.values.len()];
        let mut status_counts = [0i64; 4];
        // With a search, visit only the matches (in name order, so ties keep
        // Vietnamese order); without one, every row.
        let candidates: Box<dyn Iterator<Item = (u32, f32)>> = match scores {
            Some(s) => {
                let mut p: Vec<(u32, f32)> = s
                    .iter()
                    .filter_map(|(id, score)| Some((self.position(*id)?, *score)))
                    .collect();
                p.sort_unstable_by_key(|(pos, _)| *pos);
                Box::new(p.into_iter())
            }
            None => Box::new((0..self.rows.len() as u32).map(|p| (p, 0.0))),
        };
        for (pos, score) in candidates {
            let r = &self.rows[pos as usize];
            if !(matches(want.province, Some(r.province))
                && matches(want.commune, Some(r.commune))
                && matches(want.group, r.group)
                && matches(want.set, Some(r.set))
                && matches(want.kind, Some(r.kind))
                && want.stars.is_none_or(|s| s == r.stars as i64))
            {
                continue;
            }
            let st = if r.revoked {
                Status::Revoked
            } else if r.expires_on < today {
                Status::Expired
            } else if r.expires_on <= soon {
                Status::ExpiringSoon
            } else {
                Status::Valid
            };
            // The status facet counts every status, so it ignores the
            // status filter; the other facets count what is shown.
            status_counts[st as usize] += 1;
            if !st.shown_by(f.status) {
                continue;
            }
            stars[r.stars as usize] += 1;
            province[r.province as usize] += 1;
            if count_communes {
                commune[r.commune as usize] += 1;
            }
            set[r.set as usize] += 1;
            if let Some(g) = r.group {
                group[g as usize] += 1;
            }
            kind[r.kind as usize] += 1;
            hits.push((pos, score));
        }
        for st in [
            Status::Valid,
            Status::ExpiringSoon,
            Status::Expired,
            Status::Revoked,
        ] {
            if status_counts[st as usize] > 0 {
                status.insert(st.code().to_string(), status_counts[st as usize]);
            }
        }
        let named = |i: &Interner, counts: Vec<i64>| -> BTreeMap<String, i64> {
            counts
                .into_iter()
                .enumerate()
                .filter(|(_, n)| *n > 0)
                .map(|(k, n)| (i.values[k].clone(), n))
                .collect()
        };
        let facets = Facets {
            stars: stars
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(s, n)| (s.to_string(), *n))
                .collect(),
            province: named(&self.provinces, province),
            commune: named(&self.communes, commune),
            group: named(&self.groups, group),
            set: named(&self.sets, set),
            producer_type: named(&self.kinds, kind),
            status,
        };
        let total = hits.len() as i64;
        let per_page = f.per_page.clamp(1, 200) as usize;
        let start = ((f.page.max(1) - 1) as usize).saturating_mul(per_page);
        let end = start.saturating_add(per_page).min(hits.len());
        let ids = if start >= hits.len() {
            Vec::new()
        } else {
            self.order(&mut hits, f.sort, scores.is_some(), end);
            hits[start..end]
                .iter()
                .map(|(p, _)| self.rows[*p as usize].id)
                .collect()
        };
        TableAnswer { total, ids, facets }
    }

    /// Put the first `end` hits in the requested order (hits arrive in name
    /// order). Only the requested prefix is sorted: a page of 20 out of
    /// 200,000 does not pay for a full sort.
    fn order(&self, hits: &mut [(u32, f32)], sort: CatalogSort, searching: bool, end: usize) {
        let row = |h: &(u32, f32)| &self.rows[h.0 as usize];
        let cmp: RowOrder = match (sort, searching) {
            (CatalogSort::Name, _) | (CatalogSort::Relevance, false) => return,
            (CatalogSort::Relevance, true) => {
                Box::new(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)))
            }
            (CatalogSort::Stars, _) => {
                Box::new(move |a, b| row(b).stars.cmp(&row(a).stars).then(a.0.cmp(&b.0)))
            }
            (CatalogSort::Newest, _) => Box::new(move |a, b| {
                row(b)
                    .issued_on
                    .cmp(&row(a).issued_on)
                    .then(row(b).id.cmp(&row(a).id))
            }),
        };
        if end < hits.len() {
            hits.select_nth_unstable_by(end, |a, b| cmp(a, b));
        }
        hits[..end].sort_unstable_by(|a, b| cmp(a, b));
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use ocop_store::catalog::CatalogText;

    /// A table of 60 products over two provinces, some with a group.
    pub(crate) fn sample() -> Table {
        let entries: Vec<CatalogEntry> = (1..=60)
            .map(|i| {
                let mut e = entry(i, &format!("k{:03}", (i * 37) % 101), 3 + i % 3);
                if i % 2 == 0 {
                    e.province_code = "79".into();
                    e.commune_code = "26734".into();
                }
                e.group_code = (i % 3 == 0).then(|| "I".to_string());
                e.revoked_on = (i % 7 == 0).then_some(e.issued_on);
                e
            })
            .collect();
        Table::build(&entries)
    }

    impl Table {
        pub(crate) fn ids(&self) -> Vec<i64> {
            self.rows.iter().map(|r| r.id).collect()
        }
    }

    /// A decoded table answers every query as the one encoded.
    #[test]
    fn a_decoded_table_answers_as_the_encoded_one() {
        let table = sample();
        let mut bytes = Vec::new();
        table.encode(&mut bytes);
        let mut r = Reader::new(&bytes);
        let decoded = Table::decode(&mut r).expect("decodes");
        assert!(r.is_empty());
        assert_eq!(decoded.ids(), table.ids());
        let today = NaiveDate::from_ymd_opt(2027, 6, 1).unwrap();
        let scores: Vec<(i64, f32)> = (1..=60).step_by(3).map(|i| (i, i as f32)).collect();
        let filters = [
            CatalogFilter::default(),
            CatalogFilter {
                province: Some("79".into()),
                group: Some("I".into()),
                sort: CatalogSort::Stars,
                per_page: 7,
                page: 2,
                ..Default::default()
            },
            CatalogFilter {
                status: CatalogStatus::Revoked,
                stars: Some(4),
                per_page: 50,
                ..Default::default()
            },
        ];
        for f in &filters {
            for s in [None, Some(scores.as_slice())] {
                let (a, b) = (table.answer(f, s, today), decoded.answer(f, s, today));
                assert_eq!((a.total, &a.ids), (b.total, &b.ids));
                assert_eq!(format!("{:?}", a.facets), format!("{:?}", b.facets));
            }
        }

        // Rows out of order, or an unknown value number: refused.
        let mut swapped = table.clone();
        swapped.rows.swap(0, 1);
        let mut unknown = table.clone();
        unknown.rows[3].set = 99;
        for bad in [swapped, unknown] {
            let mut bytes = Vec::new();
            bad.encode(&mut bytes);
            assert!(Table::decode(&mut Reader::new(&bytes)).is_none());
        }
    }

    fn entry(id: i64, key: &str, stars: i64) -> CatalogEntry {
        let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        CatalogEntry {
            text: CatalogText {
                id,
                name: format!("Sản phẩm {id}"),
                code: format!("01-{id:05}"),
                producer_name: "HTX".into(),
                commune_name: "Ba Đình".into(),
                province_name: "Hà Nội".into(),
            },
            sort_key: hex::encode(key),
            producer_kind: "cooperative".into(),
            commune_code: "00004".into(),
            province_code: "01".into(),
            group_code: None,
            set_code: "09".into(),
            stars,
            issued_on: day,
            expires_on: day + chrono::Duration::days(1000),
            revoked_on: None,
        }
    }

    fn order(t: &Table) -> Vec<i64> {
        t.rows.iter().map(|r| r.id).collect()
    }

    /// An update merges into the order a full build would give, and finds
    /// every row by id, whatever is renamed, removed or added.
    #[test]
    fn an_update_equals_a_rebuild() {
        let mut entries: Vec<CatalogEntry> = (1..=60)
            .map(|i| entry(i, &format!("k{:03}", (i * 37) % 101), 3 + i % 3))
            .collect();
        let table = Table::build(&entries);
        // Rename three (moving them), remove two, add two new ones (one with a
        // key equal to an existing one: the id breaks the tie).
        let changed = vec![
            entry(5, "a000", 4),
            entry(17, "zzzz", 5),
            entry(30, "k050", 3),
            entry(61, "k050", 4),
            entry(62, "m", 3),
        ];
        let removed: HashSet<i64> = [8, 44].into_iter().collect();
        let updated = table.updated(&removed, &changed);
        entries.retain(|e| {
            !removed.contains(&e.text.id) && !changed.iter().any(|c| c.text.id == e.text.id)
        });
        entries.extend(changed);
        let rebuilt = Table::build(&entries);
        assert_eq!(order(&updated), order(&rebuilt));
        for (pos, r) in updated.rows.iter().enumerate() {
            assert_eq!(updated.position(r.id), Some(pos as u32));
        }
        assert_eq!(updated.position(8), None);
        assert_eq!(updated.position(1000), None);
        assert_eq!(updated.position(-1), None);
    }
}
