//! A programme's past evaluations, for a demo data set of national size
//! (issue 6 asks for 2,000,000 score sheets): every certificate recorded
//! from before the system gets the dossier it came from, scored by a
//! provincial council of [`COUNCIL`] members in a round of its province and
//! year, and recognised.
//!
//! Written in batches like the demo loader (`bulk`'s multi-row statements),
//! not through the dossier workflow: two million sheets one at a time would
//! take hours. Each round is one audit entry ("history loaded"), naming its
//! dossiers and sheets, rather than the thousands of entries the workflow
//! would have left; the rows themselves are what the workflow writes, so
//! every page and report reads them as any other.

use crate::audit::{record_many, AuditRecord};
use crate::bulk::params_per_statement;
use crate::{execute_pipelined, on_tx, rows_for, value_rows, Result, Statements, Store};
use chrono::{Datelike, Days, NaiveDate};
use ocop_domain::auth::{Action, Capability};
use ocop_domain::criteria::CriteriaVersion;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Members of each generated council (Art. 7.3.b: 7 to 12 at the province).
pub const COUNCIL: usize = 12;

/// What [`Store::load_demo_history`] made.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct HistoryReport {
    pub rounds: usize,
    pub members: usize,
    pub dossiers: usize,
    pub sheets: usize,
}

/// Where a provincial council's members come from (Art. 7.3.b): after the
/// chair, the province's departments, then invited experts and associations.
const DEPARTMENTS: [&str; 8] = [
    "Sở Nông nghiệp và Môi trường",
    "Sở Công Thương",
    "Sở Y tế",
    "Sở Khoa học và Công nghệ",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Tài chính",
    "Sở Tư pháp",
    "Liên minh Hợp tác xã",
];
const INVITED: [&str; 3] = [
    "Chuyên gia tư vấn OCOP",
    "Hiệp hội Doanh nghiệp",
    "Hội Nông dân",
];
const FAMILY: [&str; 8] = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"];
const GIVEN: [&str; 12] = [
    "Văn Hùng",
    "Thị Lan",
    "Minh Tuấn",
    "Thị Hoa",
    "Quang Huy",
    "Thu Hà",
    "Đức Anh",
    "Thị Mai",
    "Văn Nam",
    "Ngọc Ánh",
    "Hữu Phước",
    "Thanh Tâm",
];

/// A certificate recorded from before the system, with its product.
#[derive(sqlx::FromRow)]
struct Recorded {
    product_id: i64,
    producer_id: i64,
    province_code: String,
    commune_code: String,
    set_code: String,
    stars: i64,
    issued_on: NaiveDate,
}

/// A dossier to write, with the marks its council gives.
type Scored<'a> = (&'a Recorded, Arc<Marks>);

/// The sheet a council marks for a product of `set` at `stars` under
/// `version`: options as stored, total and rank.
struct Marks {
    version: &'static str,
    options: String,
    total: i64,
    rank: i64,
}

/// The criteria a dossier filed on `filed_on` is scored on: those in force
/// then, or for a filing older than every version this system has, the
/// earliest of them.
fn version_for(filed_on: NaiveDate) -> Option<&'static CriteriaVersion> {
    ocop_domain::criteria::version_for_filing(filed_on)
        .or_else(|| ocop_domain::criteria::versions().first())
}

fn marks(version: &'static CriteriaVersion, set: &str, stars: u8) -> Option<Marks> {
    let sheet = version.sheet(set)?;
    let options = ocop_domain::demo::selection_for(sheet, stars);
    let e = sheet.evaluate(&options, None).ok()?;
    Some(Marks {
        version: &version.id,
        options: serde_json::to_string(&options).ok()?,
        total: e.total as i64,
        rank: e.rank as i64,
    })
}

impl Store {
    /// Load at least `sheets` score sheets of past evaluations, a council's
    /// worth per dossier (fewer when the data has too few recorded
    /// certificates), with their rounds, councils
    /// and dossiers. Council members' accounts use `password`.
    pub async fn load_demo_history(
        &self,
        sheets: usize,
        password: &str,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<HistoryReport> {
        let mut report = HistoryReport::default();
        let wanted = sheets.div_ceil(COUNCIL);
        if wanted == 0 {
            return Ok(report);
        }
        let recorded: Vec<Recorded> = crate::on_pool!(self, |c| {
            sqlx::query_as(
            "SELECT p.id AS product_id, p.producer_id, p.province_code, p.commune_code, \
             p.set_code, c.stars, c.issued_on FROM certificates c JOIN products p ON p.id = c.product_id \
             WHERE c.source = $1 ORDER BY c.id"
        )
        .bind(crate::registry::SOURCE_RECORDED)
        .fetch_all(c)
        .await
        })?;
        // The first `wanted` the criteria of their time can mark (a set
        // those criteria have, at the certificate's stars).
        let mut cache: HashMap<(&str, &str, u8), Option<Arc<Marks>>> = HashMap::new();
        let mut rounds: BTreeMap<(&str, i32), Vec<Scored>> = BTreeMap::new();
        let mut taken = 0;
        for r in &recorded {
            if taken == wanted {
                break;
            }
            let Some(version) = version_for(filed_on(r.issued_on)) else {
                continue;
            };
            let stars = r.stars as u8;
            let m = cache
                .entry((&version.id, &r.set_code, stars))
                .or_insert_with(|| marks(version, &r.set_code, stars).map(Arc::new));
            if let Some(m) = m {
                // Rounds: one per province and year of recognition.
                rounds
                    .entry((r.province_code.as_str(), r.issued_on.year()))
                    .or_default()
                    .push((r, m.clone()));
                taken += 1;
            }
        }
        let hash = crate::password::hash(password);
        let mut provinces: Vec<&str> = rounds.keys().map(|(p, _)| *p).collect();
        provinces.dedup();
        let members = self.history_councils(&provinces, &hash).await?;
        report.members = members.values().map(Vec::len).sum();
        let cap = Capability::system(Action::ManageRound);
        let params = params_per_statement(self.backend());
        for ((province, year), dossiers) in rounds {
            let council = &members[province];
            let mut tx = self.begin().await?;
            crate::audit::lock_chain(&mut tx).await?;
            let t = crate::now();
            let first_filed = dossiers
                .iter()
                .map(|(d, _)| filed_on(d.issued_on))
                .min()
                .expect("a round has dossiers");
            let round: i64 = on_tx!(&mut tx, |c| {
                sqlx::query_scalar(
                "INSERT INTO rounds (province_code, name, scoring_deadline, max_spread, status, created_at, quorum_pct, level) \
                 VALUES ($1, $2, $3, 10.0, 'open', $4, 75, 'province') RETURNING id"
            )
            .bind(province)
            .bind(format!("Đánh giá, phân hạng năm {year}"))
            .bind(first_filed + Days::new(45))
            .bind(t)
            .fetch_one(&mut *c)
            .await
            })?;
            let seats: Vec<(i64, bool, String, &str)> = council
                .iter()
                .enumerate()
                .map(|(k, &user)| {
                    let (organisation, capacity) = match k {
                        0 => (format!("UBND {}", province_name(province)), "department"),
                        k if k <= DEPARTMENTS.len() => {
                            (DEPARTMENTS[k - 1].to_string(), "department")
                        }
                        k => (
                            INVITED[(k - 1 - DEPARTMENTS.len()) % INVITED.len()].to_string(),
                            "invited",
                        ),
                    };
                    (user, k == 0, organisation, capacity)
                })
                .collect();
            let sql = format!(
                "INSERT INTO round_members (round_id, user_id, is_chair, organisation, capacity) VALUES {}",
                value_rows(tx.backend(), seats.len(), 5)
            );
            on_tx!(&mut tx, |c| {
                let mut q = sqlx::query(&sql);
                for (user, chair, organisation, capacity) in &seats {
                    q = q
                        .bind(round)
                        .bind(user)
                        .bind(chair)
                        .bind(organisation)
                        .bind(*capacity);
                }
                q.execute(&mut *c).await.map(|_| ())
            })?;

            // Dossiers; ids come back with their product (one dossier each).
            let scored = dossiers;
            let mut ids: HashMap<i64, i64> = HashMap::new();
            for part in scored.chunks(rows_for(params, 20)) {
                let sql = format!(
                    "INSERT INTO dossiers (product_id, producer_id, province_code, commune_code, kind, status, criteria_version, \
                     set_code, self_options, self_total, self_rank, note, filed_on, commune_deadline, reviewed_on, created_at, \
                     round_id, council_total, council_rank, scored_on, updated_at, version, late_filing) \
                     SELECT v.*, v.column16, 1, FALSE FROM (VALUES {}) AS v RETURNING id, product_id",
                    value_rows(tx.backend(), part.len(), 20)
                );
                let got: Vec<(i64, i64)> = on_tx!(&mut tx, |c| {
                    let mut q = sqlx::query_as(&sql);
                    for (d, m) in part {
                        let filed = filed_on(d.issued_on);
                        q = q
                            .bind(d.product_id)
                            .bind(d.producer_id)
                            .bind(&d.province_code)
                            .bind(&d.commune_code)
                            .bind("first")
                            .bind("recognized")
                            .bind(m.version)
                            .bind(&d.set_code)
                            .bind(&m.options)
                            .bind(m.total)
                            .bind(m.rank)
                            .bind("")
                            .bind(filed)
                            .bind(filed + Days::new(21))
                            .bind(filed + Days::new(14))
                            .bind(t)
                            .bind(round)
                            .bind(m.total as f64)
                            .bind(m.rank)
                            // The council's day: the decision's, the latest it can be.
                            .bind(d.issued_on);
                    }
                    q.fetch_all(&mut *c).await
                })?;
                ids.extend(got.into_iter().map(|(id, product)| (product, id)));
            }

            // Every member's sheet of every dossier.
            let sheets: Vec<(i64, i64, &Marks)> = scored
                .iter()
                .flat_map(|(d, m)| {
                    let dossier = ids[&d.product_id];
                    council.iter().map(move |&member| (dossier, member, &**m))
                })
                .collect();
            // Twelve sheets per dossier, 2,000,000 at national size: the
            // largest bulk insert, each statement bound while the last runs.
            let statements = Statements::new(sheets.len(), rows_for(params, 7), |n| {
                format!(
                    "INSERT INTO score_sheets (dossier_id, member_id, options, total, rank, submitted_at, round_id) VALUES {}",
                    value_rows(tx.backend(), n, 7)
                )
            });
            on_tx!(&mut tx, |c| {
                execute_pipelined(c, statements.count(), |i| {
                    let mut q = sqlx::query(statements.sql(i));
                    for (dossier, member, m) in &sheets[statements.rows(i)] {
                        q = q
                            .bind(dossier)
                            .bind(member)
                            .bind(&m.options)
                            .bind(m.total)
                            .bind(m.rank)
                            .bind(t)
                            .bind(round);
                    }
                    q
                })
                .await
            })?;
            let entry = AuditRecord {
                cap: &cap,
                entity: "round",
                entity_id: round.to_string(),
                after: serde_json::json!({
                    "history": "dữ liệu mẫu: đợt đánh giá đã qua",
                    "province": province, "year": year,
                    "dossiers": scored.len(), "sheets": sheets.len(),
                })
                .to_string(),
            };
            record_many(&mut tx, &[entry], params).await?;
            tx.commit().await?;
            report.rounds += 1;
            report.dossiers += scored.len();
            report.sheets += sheets.len();
            progress(report.sheets);
        }
        Ok(report)
    }

    /// [`COUNCIL`] accounts per province, the first its chair:
    /// `hoidong.{province}.{nn}`.
    async fn history_councils(
        &self,
        provinces: &[&str],
        hash: &str,
    ) -> Result<HashMap<String, Vec<i64>>> {
        let accounts: Vec<(String, String)> = provinces
            .iter()
            .flat_map(|p| {
                let n: usize = p.parse().unwrap_or(0);
                (0..COUNCIL).map(move |k| {
                    (
                        format!("hoidong.{p}.{:02}", k + 1),
                        format!(
                            "{} {}",
                            FAMILY[(n + k) % FAMILY.len()],
                            GIVEN[(n * 7 + k) % GIVEN.len()]
                        ),
                    )
                })
            })
            .collect();
        let t = crate::now();
        let params = params_per_statement(self.backend());
        let mut tx = self.begin().await?;
        let mut ids: HashMap<String, i64> = HashMap::new();
        for part in accounts.chunks(rows_for(params, 5)) {
            let sql = format!(
                "INSERT INTO users (username, full_name, password_hash, created_at, password_changed_at, active) \
                 SELECT v.*, TRUE FROM (VALUES {}) AS v RETURNING id, username",
                value_rows(tx.backend(), part.len(), 5)
            );
            let got: Vec<(i64, String)> = on_tx!(&mut tx, |c| {
                let mut q = sqlx::query_as(&sql);
                for (username, full_name) in part {
                    q = q.bind(username).bind(full_name).bind(hash).bind(t).bind(t);
                }
                q.fetch_all(&mut *c).await
            })?;
            ids.extend(got.into_iter().map(|(id, u)| (u, id)));
        }
        tx.commit().await?;
        Ok(provinces
            .iter()
            .map(|p| {
                let council = (0..COUNCIL)
                    .map(|k| ids[&format!("hoidong.{p}.{:02}", k + 1)])
                    .collect();
                (p.to_string(), council)
            })
            .collect())
    }
}

/// When a recognised product's dossier was filed: a quarter before its decision.
fn filed_on(issued_on: NaiveDate) -> NaiveDate {
    issued_on - Days::new(90)
}

fn province_name(code: &str) -> String {
    ocop_domain::admin_units::units()
        .province(code)
        .map(|p| p.name.clone())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;
    use ocop_domain::admin_units::units;

    #[tokio::test]
    async fn past_rounds_councils_dossiers_and_sheets() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let data = ocop_domain::demo::generate(units(), 60, 200, 5, today);
        for db in testing::all().await {
            let store = &db.store;
            store.seed_reference(units()).await.unwrap();
            store.load_demo(&data, 2026, &|_| {}).await.unwrap();
            let r = store
                .load_demo_history(600, "mat-khau-hoi-dong", &|_| {})
                .await
                .unwrap();
            assert_eq!(r.dossiers, 50, "{}: {r:?}", db.label);
            assert_eq!(r.sheets, r.dossiers * COUNCIL, "{}", db.label);
            let (rounds, sheets, members, chairs): (i64, i64, i64, i64) = crate::on_pool!(store, |c| {
                sqlx::query_as(
                    "SELECT (SELECT COUNT(*) FROM rounds), (SELECT COUNT(*) FROM score_sheets), \
                     (SELECT COUNT(*) FROM round_members), (SELECT COUNT(*) FROM round_members WHERE is_chair)",
                )
                .fetch_one(c)
                .await
            })
            .unwrap();
            assert_eq!(rounds as usize, r.rounds, "{}", db.label);
            assert_eq!(sheets as usize, r.sheets, "{}", db.label);
            assert_eq!(
                (members as usize, chairs as usize),
                (r.rounds * COUNCIL, r.rounds)
            );
            // Each sheet is its recognised dossier's council result, in its round.
            let wrong: i64 = crate::on_pool!(store, |c| {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM score_sheets s JOIN dossiers d ON d.id = s.dossier_id \
                     WHERE s.total <> d.council_total OR s.rank <> d.council_rank OR s.round_id <> d.round_id \
                     OR d.status <> 'recognized'",
                )
                .fetch_one(c)
                .await
            })
            .unwrap();
            assert_eq!(wrong, 0, "{}", db.label);
            // A member can log in with the password given.
            let hash: String = crate::on_pool!(store, |c| {
                sqlx::query_scalar(
                    "SELECT password_hash FROM users WHERE username = 'hoidong.01.01'",
                )
                .fetch_one(c)
                .await
            })
            .unwrap();
            assert!(crate::password::verify("mat-khau-hoi-dong", &hash));
            let audit = store.verify_audit().await.unwrap();
            assert!(audit.faults.is_empty(), "{}: {:?}", db.label, audit.faults);
        }
    }
}
