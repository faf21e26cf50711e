//! Criteria sheets as versioned data (`data/criteria/<version>/`, see
//! `docs/criteria-format.md`), their validation, and the ranking rule.
//!
//! Loading tolerates the faults of a source (they are real documents and the
//! programme runs on them); [`CriteriaVersion::check`] reports every fault.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    Part,
    Criterion,
    Option,
    Knockout,
}

/// One node of a sheet, as in the data file, with its place in the tree.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub id: String,
    pub kind: NodeKind,
    pub title: String,
    /// Part or criterion maximum as printed, option value; `None` when the source has none.
    pub points: Option<u32>,
    /// Minimum-requirement mark: 3, 4 or 5.
    pub min_star: Option<u8>,
    /// The alternative case this node belongs to (`None`: always applies).
    pub case: Option<String>,
    pub note: String,
    #[serde(skip)]
    pub parent: Option<usize>,
    #[serde(skip)]
    pub children: Vec<usize>,
}

/// The sheet of one product set under one version.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub set: String,
    pub nodes: Vec<Node>,
    index: HashMap<String, usize>,
}

#[derive(Debug, Clone, Deserialize)]
struct VersionMeta {
    id: String,
    title: String,
    signed_on: chrono::NaiveDate,
    effective_from: chrono::NaiveDate,
    effective_to: Option<chrono::NaiveDate>,
    parts: BTreeMap<String, u32>,
    #[serde(default)]
    cases: BTreeMap<String, String>,
    source: String,
}

/// One legal version of the criteria (a decision) with its 26 sheets.
#[derive(Debug, Clone, Serialize)]
pub struct CriteriaVersion {
    pub id: String,
    pub title: String,
    pub signed_on: chrono::NaiveDate,
    pub effective_from: chrono::NaiveDate,
    /// Last filing day under this version; `None` while in force.
    pub effective_to: Option<chrono::NaiveDate>,
    pub parts: BTreeMap<String, u32>,
    pub cases: BTreeMap<String, String>,
    pub source: String,
    #[serde(skip)]
    pub sheets: Vec<Sheet>,
}

/// A fault of a source, found by [`CriteriaVersion::check`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fault {
    pub set: String,
    pub id: String,
    pub message: String,
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "bộ {} {}: {}", self.set, self.id, self.message)
    }
}

#[derive(Debug, Deserialize)]
struct Row {
    id: String,
    kind: NodeKind,
    title: String,
    points: String,
    min_star: String,
    case: String,
    note: String,
}

impl Sheet {
    /// Parse one sheet file. Structural errors (bad CSV, duplicate ids, a
    /// node without a parent) are errors; faults of content are for `check`.
    pub fn parse(set: &str, csv_text: &str) -> Result<Sheet, String> {
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        let mut nodes: Vec<Node> = Vec::new();
        let mut index = HashMap::new();
        for (i, row) in reader.deserialize::<Row>().enumerate() {
            let line = i + 2;
            let r = row.map_err(|e| format!("bộ {set} dòng {line}: {e}"))?;
            let points = match r.points.trim() {
                "" => None,
                p => Some(
                    p.parse::<u32>()
                        .map_err(|_| format!("bộ {set} dòng {line}: điểm \"{p}\" không phải số"))?,
                ),
            };
            let min_star = match r.min_star.trim() {
                "" => None,
                "3" => Some(3),
                "4" => Some(4),
                "5" => Some(5),
                m => {
                    return Err(format!(
                        "bộ {set} dòng {line}: mức sao tối thiểu \"{m}\" không hợp lệ"
                    ))
                }
            };
            let parent = match r.kind {
                NodeKind::Part | NodeKind::Knockout => None,
                _ => {
                    let mut prefix = r.id.as_str();
                    let mut found = None;
                    while let Some((head, _)) = prefix.rsplit_once('.') {
                        if let Some(&p) = index.get(head) {
                            found = Some(p);
                            break;
                        }
                        prefix = head;
                    }
                    Some(found.ok_or_else(|| {
                        format!("bộ {set} dòng {line}: nút {} không có nút cha", r.id)
                    })?)
                }
            };
            if index.insert(r.id.clone(), nodes.len()).is_some() {
                return Err(format!("bộ {set} dòng {line}: mã {} bị trùng", r.id));
            }
            if let Some(p) = parent {
                let len = nodes.len();
                nodes[p].children.push(len);
            }
            nodes.push(Node {
                id: r.id,
                kind: r.kind,
                title: r.title,
                points,
                min_star,
                case: Some(r.case.trim().to_string()).filter(|c| !c.is_empty()),
                note: r.note,
                parent,
                children: Vec::new(),
            });
        }
        Ok(Sheet {
            set: set.to_string(),
            nodes,
            index,
        })
    }

    pub fn node(&self, id: &str) -> Option<&Node> {
        self.index.get(id).map(|&i| &self.nodes[i])
    }

    fn is_leaf_criterion(&self, i: usize) -> bool {
        let n = &self.nodes[i];
        n.kind == NodeKind::Criterion
            && (n.children.is_empty()
                || n.children
                    .iter()
                    .any(|&c| self.nodes[c].kind == NodeKind::Option))
    }

    /// The largest score a node can give, computed from its options
    /// (alternative cases counted once: the best case).
    pub fn computed_max(&self, i: usize) -> u32 {
        let n = &self.nodes[i];
        match n.kind {
            NodeKind::Option => n.points.unwrap_or(0),
            NodeKind::Knockout => 0,
            _ if self.is_leaf_criterion(i) => n
                .children
                .iter()
                .filter_map(|&c| self.nodes[c].points)
                .max()
                .unwrap_or(0),
            _ => {
                let mut common = 0;
                let mut by_case: BTreeMap<&str, u32> = BTreeMap::new();
                for &c in &n.children {
                    let m = self.computed_max(c);
                    match &self.nodes[c].case {
                        Some(k) if self.nodes[i].case.is_none() => {
                            *by_case.entry(k.as_str()).or_default() += m
                        }
                        _ => common += m,
                    }
                }
                common + by_case.values().copied().max().unwrap_or(0)
            }
        }
    }

    /// The parts in document order.
    pub fn parts(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| n.kind == NodeKind::Part)
    }

    /// The cases used in this sheet (empty for most sheets).
    pub fn cases(&self) -> Vec<String> {
        let mut v: Vec<String> = self.nodes.iter().filter_map(|n| n.case.clone()).collect();
        v.sort();
        v.dedup();
        v
    }

    /// The part a node belongs to.
    fn part_of(&self, mut i: usize) -> &str {
        while let Some(p) = self.nodes[i].parent {
            i = p;
        }
        &self.nodes[i].id
    }

    /// The leaf criterion an option belongs to.
    fn leaf_of(&self, option: usize) -> usize {
        self.nodes[option].parent.expect("options have a parent")
    }

    fn applies(&self, i: usize, case: Option<&str>) -> bool {
        let mut n = Some(i);
        while let Some(k) = n {
            if let Some(c) = &self.nodes[k].case {
                if Some(c.as_str()) != case {
                    return false;
                }
            }
            n = self.nodes[k].parent;
        }
        true
    }

    /// What a node's printed maximum should be, from its children's printed
    /// maxima (falling back to computed ones): comparing level by level
    /// reports a fault once, where it is, not again at every ancestor.
    fn expected_max(&self, i: usize) -> u32 {
        if self.is_leaf_criterion(i) {
            return self.computed_max(i);
        }
        let n = &self.nodes[i];
        let mut common = 0;
        let mut by_case: BTreeMap<&str, u32> = BTreeMap::new();
        for &c in &n.children {
            let child = &self.nodes[c];
            let m = child.points.unwrap_or_else(|| self.computed_max(c));
            match &child.case {
                Some(k) if n.case.is_none() => *by_case.entry(k.as_str()).or_default() += m,
                _ => common += m,
            }
        }
        common + by_case.values().copied().max().unwrap_or(0)
    }

    fn check(&self, parts: &BTreeMap<String, u32>, faults: &mut Vec<Fault>) {
        let mut fault = |id: &str, message: String| {
            faults.push(Fault {
                set: self.set.clone(),
                id: id.to_string(),
                message,
            })
        };
        let found: HashSet<&str> = self.parts().map(|p| p.id.as_str()).collect();
        for (part, max) in parts {
            match self.node(part) {
                None => fault(part, "thiếu phần này".into()),
                Some(p) if p.kind != NodeKind::Part => {
                    fault(part, "mã phần không phải là phần".into())
                }
                Some(p) => {
                    if p.points != Some(*max) {
                        fault(
                            part,
                            format!("điểm tối đa của phần là {:?}, quy định là {max}", p.points),
                        );
                    }
                }
            }
        }
        for p in found {
            if !parts.contains_key(p) {
                fault(p, "phần không có trong phiên bản".into());
            }
        }
        for (i, n) in self.nodes.iter().enumerate() {
            match n.kind {
                NodeKind::Option => {
                    if n.points.is_none() {
                        fault(
                            &n.id,
                            "lựa chọn không có điểm trong nguồn (không chọn được)".into(),
                        );
                    }
                    if !n.children.is_empty() {
                        fault(&n.id, "lựa chọn có nút con".into());
                    }
                }
                NodeKind::Criterion | NodeKind::Part => {
                    if n.kind == NodeKind::Criterion && n.children.is_empty() {
                        fault(
                            &n.id,
                            format!("tiêu chí \"{}\" không có lựa chọn nào để đánh giá", n.title),
                        );
                        continue;
                    }
                    let mixed = n
                        .children
                        .iter()
                        .any(|&c| self.nodes[c].kind == NodeKind::Option)
                        && n.children
                            .iter()
                            .any(|&c| self.nodes[c].kind == NodeKind::Criterion);
                    if mixed {
                        fault(&n.id, "vừa có lựa chọn vừa có tiêu chí con".into());
                    }
                    let computed = self.expected_max(i);
                    match n.points {
                        Some(p) if p != computed => fault(
                            &n.id,
                            format!(
                                "điểm tối đa ghi {p}, nhưng {} là {computed}",
                                if self.is_leaf_criterion(i) {
                                    "lựa chọn cao nhất"
                                } else {
                                    "tổng các tiêu chí con"
                                }
                            ),
                        ),
                        None if n.case.is_none() => fault(
                            &n.id,
                            format!("nguồn không ghi điểm tối đa (tính được {computed})"),
                        ),
                        _ => {}
                    }
                    // Alternative cases must weigh the same.
                    let mut by_case: BTreeMap<&str, u32> = BTreeMap::new();
                    for &c in &n.children {
                        if let (Some(k), None) = (&self.nodes[c].case, &n.case) {
                            *by_case.entry(k.as_str()).or_default() += self.computed_max(c);
                        }
                    }
                    let distinct: HashSet<u32> = by_case.values().copied().collect();
                    if distinct.len() > 1 {
                        fault(
                            &n.id,
                            format!("các trường hợp có điểm tối đa khác nhau: {by_case:?}"),
                        );
                    }
                }
                NodeKind::Knockout => {}
            }
        }
        let total: u32 = self.parts().filter_map(|p| p.points).sum();
        if total != parts.values().sum::<u32>() {
            fault("", format!("tổng điểm các phần là {total}"));
        }
    }
}

/// The star band of a total (Decision 26/2026, Art. 3): ≥90 5★, ≥70 4★, ≥50 3★, ≥30 2★, else 1★.
pub fn band(total: f64) -> u8 {
    if total >= 90.0 {
        5
    } else if total >= 70.0 {
        4
    } else if total >= 50.0 {
        3
    } else if total >= 30.0 {
        2
    } else {
        1
    }
}

/// The lowest total of a band.
pub fn band_floor(stars: u8) -> f64 {
    match stars {
        5 => 90.0,
        4 => 70.0,
        3 => 50.0,
        2 => 30.0,
        _ => 0.0,
    }
}

/// A minimum requirement not met by an evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnmetMinimum {
    /// The marked node (option or criterion).
    pub id: String,
    /// The leaf criterion whose score is compared.
    pub criterion: String,
    pub criterion_title: String,
    /// The rank this minimum is required for.
    pub min_star: u8,
    /// Points the criterion must reach (0 for "some option ticked").
    pub required: u32,
    pub scored: u32,
    /// The criterion's score as a number (a council's average is fractional).
    #[serde(skip)]
    pub average: f64,
}

/// The outcome of scoring one sheet.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Evaluation {
    pub parts: BTreeMap<String, u32>,
    pub total: u32,
    pub rank: u8,
    pub unmet_minimums: Vec<UnmetMinimum>,
    pub points_to_next_rank: u32,
}

/// Why a selection cannot be evaluated, naming the node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SelectionError {
    pub id: String,
    pub message: String,
    pub message_en: String,
}

/// The minimums a set of leaf scores fails, for every rank up to 5.
fn unmet(
    sheet: &Sheet,
    scores: &HashMap<usize, f64>,
    ticked_under: &dyn Fn(usize) -> bool,
    case: Option<&str>,
) -> Vec<UnmetMinimum> {
    let mut out = Vec::new();
    for (i, n) in sheet.nodes.iter().enumerate() {
        let Some(star) = n.min_star else { continue };
        if !sheet.applies(i, case) {
            continue;
        }
        match n.kind {
            NodeKind::Option => {
                let leaf = sheet.leaf_of(i);
                let required = n.points.unwrap_or(0);
                let scored = scores.get(&leaf).copied().unwrap_or(0.0);
                if scored < required as f64 || (required == 0 && !ticked_under(leaf)) {
                    out.push(UnmetMinimum {
                        id: n.id.clone(),
                        criterion: sheet.nodes[leaf].id.clone(),
                        criterion_title: sheet.nodes[leaf].title.clone(),
                        min_star: star,
                        required,
                        scored: scored.round() as u32,
                        average: scored,
                    });
                }
            }
            NodeKind::Criterion if !ticked_under(i) => {
                out.push(UnmetMinimum {
                    id: n.id.clone(),
                    criterion: n.id.clone(),
                    criterion_title: n.title.clone(),
                    min_star: star,
                    required: 0,
                    scored: 0,
                    average: 0.0,
                });
            }
            _ => {}
        }
    }
    out.sort_by(|a, b| a.min_star.cmp(&b.min_star).then_with(|| a.id.cmp(&b.id)));
    out
}

/// The rank of a total given the unmet minimums: the highest star whose band
/// and whose minimums (its own and every lower star's) are met; failing the
/// 3★ minimums gives 2★, or 1★ below 30 points.
pub fn rank_of(total: f64, unmet: &[UnmetMinimum]) -> u8 {
    let by_band = band(total);
    let mut rank = by_band.min(2);
    for r in 3..=by_band {
        if unmet.iter().any(|u| u.min_star <= r) {
            break;
        }
        rank = r;
    }
    rank
}

impl Sheet {
    /// Score a selection: at most one option per leaf criterion; an unticked
    /// criterion scores 0. `case` picks the alternative case where the sheet
    /// has them; when absent it is inferred from the ticked options.
    pub fn evaluate(
        &self,
        options: &[String],
        case: Option<&str>,
    ) -> Result<Evaluation, SelectionError> {
        let mut chosen: HashMap<usize, usize> = HashMap::new();
        let mut case = case.map(str::to_string);
        for id in options {
            let Some(&i) = self.index.get(id) else {
                return Err(SelectionError {
                    id: id.clone(),
                    message: format!("Không có lựa chọn mã \"{id}\" trong phiếu này."),
                    message_en: format!("Unknown option id \"{id}\"."),
                });
            };
            let n = &self.nodes[i];
            if n.kind != NodeKind::Option {
                return Err(SelectionError {
                    id: id.clone(),
                    message: format!(
                        "\"{id}\" là {} chứ không phải một lựa chọn.",
                        if n.kind == NodeKind::Criterion {
                            "tiêu chí"
                        } else {
                            "phần"
                        }
                    ),
                    message_en: format!("\"{id}\" is not an option."),
                });
            }
            if n.points.is_none() {
                return Err(SelectionError {
                    id: id.clone(),
                    message: format!(
                        "Lựa chọn \"{id}\" không có điểm trong văn bản nguồn nên không chọn được."
                    ),
                    message_en: format!("Option \"{id}\" has no points in the source."),
                });
            }
            if let Some(c) = self.case_of(i) {
                match &case {
                    None => case = Some(c.to_string()),
                    Some(k) if k != c => {
                        return Err(SelectionError {
                            id: id.clone(),
                            message: format!(
                            "Lựa chọn \"{id}\" thuộc trường hợp {c}, khác trường hợp {k} đã chọn."
                        ),
                            message_en: format!("Option \"{id}\" belongs to case {c}, not {k}."),
                        })
                    }
                    _ => {}
                }
            }
            let leaf = self.leaf_of(i);
            if let Some(&other) = chosen.get(&leaf) {
                if other != i {
                    let l = &self.nodes[leaf];
                    return Err(SelectionError {
                        id: l.id.clone(),
                        message: format!(
                            "Tiêu chí {} \"{}\" chỉ được chọn một lựa chọn.",
                            l.id, l.title
                        ),
                        message_en: format!("Criterion {} accepts one option only.", l.id),
                    });
                }
            }
            chosen.insert(leaf, i);
        }
        let scores: HashMap<usize, u32> = chosen
            .iter()
            .map(|(&l, &o)| (l, self.nodes[o].points.unwrap_or(0)))
            .collect();
        let scores_f: HashMap<usize, f64> = scores.iter().map(|(&l, &s)| (l, s as f64)).collect();
        let mut parts: BTreeMap<String, u32> = self.parts().map(|p| (p.id.clone(), 0)).collect();
        for (&leaf, &s) in &scores {
            *parts.entry(self.part_of(leaf).to_string()).or_default() += s;
        }
        let total: u32 = parts.values().sum();
        let ticked_under = |i: usize| chosen.keys().any(|&leaf| self.is_within(leaf, i));
        let unmet = unmet(self, &scores_f, &ticked_under, case.as_deref());
        let rank = rank_of(total as f64, &unmet);
        let points_to_next_rank = if rank >= 5 {
            0
        } else {
            (band_floor(rank + 1) - total as f64).max(0.0).ceil() as u32
        };
        Ok(Evaluation {
            parts,
            total,
            rank,
            unmet_minimums: unmet,
            points_to_next_rank,
        })
    }

    /// Each leaf criterion's score in a selection (already validated by `evaluate`).
    pub fn leaf_scores(&self, options: &[String]) -> HashMap<String, u32> {
        options
            .iter()
            .filter_map(|o| self.index.get(o))
            .filter(|&&i| self.nodes[i].kind == NodeKind::Option)
            .map(|&i| {
                (
                    self.nodes[self.leaf_of(i)].id.clone(),
                    self.nodes[i].points.unwrap_or(0),
                )
            })
            .collect()
    }

    /// The council's consolidated result: each criterion's score is the
    /// members' average; the total is the average of the members' totals
    /// (the same number); a marked criterion counts as ticked when at least
    /// half the members ticked it. The rank follows the usual rule.
    pub fn consolidate(
        &self,
        members: &[Vec<String>],
        case: Option<&str>,
    ) -> Result<Consolidated, SelectionError> {
        let mut totals = Vec::new();
        let mut part_sums: BTreeMap<String, f64> = BTreeMap::new();
        let mut sums: HashMap<usize, f64> = HashMap::new();
        let mut ticks: HashMap<usize, usize> = HashMap::new();
        for options in members {
            let e = self.evaluate(options, case)?;
            totals.push(e.total as f64);
            for (part, points) in &e.parts {
                *part_sums.entry(part.clone()).or_default() += *points as f64;
            }
            for (leaf, score) in self.leaf_scores(options) {
                let i = self.index[&leaf];
                *sums.entry(i).or_default() += score as f64;
                *ticks.entry(i).or_default() += 1;
            }
        }
        let n = members.len().max(1) as f64;
        let averages: HashMap<usize, f64> = sums.into_iter().map(|(k, v)| (k, v / n)).collect();
        let half = members.len().div_ceil(2);
        let ticked_under = |i: usize| {
            ticks
                .iter()
                .filter(|(&leaf, _)| self.is_within(leaf, i))
                .map(|(_, &c)| c)
                .max()
                .unwrap_or(0)
                >= half.max(1)
        };
        let unmet = unmet(self, &averages, &ticked_under, case);
        let two_decimals = |x: f64| (x * 100.0).round() / 100.0;
        let average_total = two_decimals(totals.iter().sum::<f64>() / n);
        let spread = totals.iter().cloned().fold(f64::MIN, f64::max)
            - totals.iter().cloned().fold(f64::MAX, f64::min);
        let rank = rank_of(average_total, &unmet);
        Ok(Consolidated {
            average_total,
            rank,
            parts: part_sums
                .into_iter()
                .map(|(k, v)| (k, two_decimals(v / n)))
                .collect(),
            points_to_next_rank: if rank >= 5 {
                0.0
            } else {
                two_decimals((band_floor(rank + 1) - average_total).max(0.0))
            },
            spread: if totals.is_empty() { 0.0 } else { spread },
            member_totals: totals,
            unmet_minimums: unmet,
        })
    }

    fn case_of(&self, i: usize) -> Option<&str> {
        let mut n = Some(i);
        while let Some(k) = n {
            if let Some(c) = &self.nodes[k].case {
                return Some(c);
            }
            n = self.nodes[k].parent;
        }
        None
    }

    /// Is node `i` the node `ancestor` or below it?
    fn is_within(&self, mut i: usize, ancestor: usize) -> bool {
        loop {
            if i == ancestor {
                return true;
            }
            match self.nodes[i].parent {
                Some(p) => i = p,
                None => return false,
            }
        }
    }

    /// Nodes as a tree (for the API and the calculator page).
    pub fn tree(&self) -> Vec<TreeNode> {
        fn build(s: &Sheet, i: usize) -> TreeNode {
            let n = &s.nodes[i];
            TreeNode {
                id: n.id.clone(),
                kind: n.kind,
                title: n.title.clone(),
                points: n.points,
                min_star: n.min_star,
                case: n.case.clone(),
                note: n.note.clone(),
                children: n.children.iter().map(|&c| build(s, c)).collect(),
            }
        }
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.parent.is_none())
            .map(|(i, _)| build(self, i))
            .collect()
    }
}

/// A council's consolidated result for one product.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Consolidated {
    /// The average of the members' totals, to two decimals.
    pub average_total: f64,
    pub rank: u8,
    /// Highest minus lowest member total.
    pub spread: f64,
    pub member_totals: Vec<f64>,
    pub unmet_minimums: Vec<UnmetMinimum>,
    /// Each part's average over the members, to two decimals.
    pub parts: BTreeMap<String, f64>,
    /// Points the average lacks for the next star's band (0 at 5★);
    /// the next star's unmet minimums are in `unmet_minimums`.
    pub points_to_next_rank: f64,
}

/// A node with its children, in document order.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TreeNode {
    pub id: String,
    pub kind: NodeKind,
    pub title: String,
    pub points: Option<u32>,
    pub min_star: Option<u8>,
    pub case: Option<String>,
    pub note: String,
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    pub children: Vec<TreeNode>,
}

impl CriteriaVersion {
    /// Parse a version from its `version.json` and its sheet files (set, text).
    pub fn parse(meta_json: &str, sheets: &[(&str, &str)]) -> Result<CriteriaVersion, String> {
        let meta: VersionMeta =
            serde_json::from_str(meta_json).map_err(|e| format!("version.json: {e}"))?;
        let sheets = sheets
            .iter()
            .map(|(set, text)| Sheet::parse(set, text))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CriteriaVersion {
            id: meta.id,
            title: meta.title,
            signed_on: meta.signed_on,
            effective_from: meta.effective_from,
            effective_to: meta.effective_to,
            parts: meta.parts,
            cases: meta.cases,
            source: meta.source,
            sheets,
        })
    }

    pub fn sheet(&self, set: &str) -> Option<&Sheet> {
        self.sheets.iter().find(|s| s.set == set)
    }

    /// Every fault of every sheet.
    pub fn check(&self) -> Vec<Fault> {
        let mut faults = Vec::new();
        if self.sheets.len() != 26 {
            faults.push(Fault {
                set: String::new(),
                id: String::new(),
                message: format!("có {} phiếu thay vì 26", self.sheets.len()),
            });
        }
        for s in &self.sheets {
            s.check(&self.parts, &mut faults);
        }
        faults
    }

    /// Is this the version for a dossier filed on `date`?
    pub fn in_force_on(&self, date: chrono::NaiveDate) -> bool {
        date >= self.effective_from && self.effective_to.is_none_or(|to| date <= to)
    }
}

macro_rules! version_files {
    ($v:literal) => {
        (
            include_str!(concat!("../../../data/criteria/", $v, "/version.json")),
            [
                (
                    "01",
                    include_str!(concat!("../../../data/criteria/", $v, "/01.csv")),
                ),
                (
                    "02",
                    include_str!(concat!("../../../data/criteria/", $v, "/02.csv")),
                ),
                (
                    "03",
                    include_str!(concat!("../../../data/criteria/", $v, "/03.csv")),
                ),
                (
                    "04",
                    include_str!(concat!("../../../data/criteria/", $v, "/04.csv")),
                ),
                (
                    "05",
                    include_str!(concat!("../../../data/criteria/", $v, "/05.csv")),
                ),
                (
                    "06",
                    include_str!(concat!("../../../data/criteria/", $v, "/06.csv")),
                ),
                (
                    "07",
                    include_str!(concat!("../../../data/criteria/", $v, "/07.csv")),
                ),
                (
                    "08",
                    include_str!(concat!("../../../data/criteria/", $v, "/08.csv")),
                ),
                (
                    "09",
                    include_str!(concat!("../../../data/criteria/", $v, "/09.csv")),
                ),
                (
                    "10",
                    include_str!(concat!("../../../data/criteria/", $v, "/10.csv")),
                ),
                (
                    "11",
                    include_str!(concat!("../../../data/criteria/", $v, "/11.csv")),
                ),
                (
                    "12",
                    include_str!(concat!("../../../data/criteria/", $v, "/12.csv")),
                ),
                (
                    "13",
                    include_str!(concat!("../../../data/criteria/", $v, "/13.csv")),
                ),
                (
                    "14",
                    include_str!(concat!("../../../data/criteria/", $v, "/14.csv")),
                ),
                (
                    "15",
                    include_str!(concat!("../../../data/criteria/", $v, "/15.csv")),
                ),
                (
                    "16",
                    include_str!(concat!("../../../data/criteria/", $v, "/16.csv")),
                ),
                (
                    "17",
                    include_str!(concat!("../../../data/criteria/", $v, "/17.csv")),
                ),
                (
                    "18",
                    include_str!(concat!("../../../data/criteria/", $v, "/18.csv")),
                ),
                (
                    "19",
                    include_str!(concat!("../../../data/criteria/", $v, "/19.csv")),
                ),
                (
                    "20",
                    include_str!(concat!("../../../data/criteria/", $v, "/20.csv")),
                ),
                (
                    "21",
                    include_str!(concat!("../../../data/criteria/", $v, "/21.csv")),
                ),
                (
                    "22",
                    include_str!(concat!("../../../data/criteria/", $v, "/22.csv")),
                ),
                (
                    "23",
                    include_str!(concat!("../../../data/criteria/", $v, "/23.csv")),
                ),
                (
                    "24",
                    include_str!(concat!("../../../data/criteria/", $v, "/24.csv")),
                ),
                (
                    "25",
                    include_str!(concat!("../../../data/criteria/", $v, "/25.csv")),
                ),
                (
                    "26",
                    include_str!(concat!("../../../data/criteria/", $v, "/26.csv")),
                ),
            ],
        )
    };
}

/// Every shipped version, oldest first.
pub fn versions() -> &'static [CriteriaVersion] {
    static V: OnceLock<Vec<CriteriaVersion>> = OnceLock::new();
    V.get_or_init(|| {
        let (m148, s148) = version_files!("qd148-2023");
        let (m26, s26) = version_files!("qd26-2026");
        vec![
            CriteriaVersion::parse(m148, &s148).expect("data/criteria/qd148-2023 parses (tested)"),
            CriteriaVersion::parse(m26, &s26).expect("data/criteria/qd26-2026 parses (tested)"),
        ]
    })
}

pub fn version(id: &str) -> Option<&'static CriteriaVersion> {
    versions().iter().find(|v| v.id == id)
}

/// The version a dossier filed on `date` is evaluated under.
pub fn version_for_filing(date: chrono::NaiveDate) -> Option<&'static CriteriaVersion> {
    versions().iter().rev().find(|v| v.in_force_on(date))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet09() -> &'static Sheet {
        version("qd148-2023").unwrap().sheet("09").unwrap()
    }

    #[test]
    fn both_versions_load_all_sheets() {
        for v in versions() {
            assert_eq!(v.sheets.len(), 26, "{}", v.id);
            for s in &v.sheets {
                let parts: Vec<&str> = s.parts().map(|p| p.id.as_str()).collect();
                assert_eq!(parts, vec!["A", "B", "C"], "{} {}", v.id, s.set);
            }
        }
    }

    #[test]
    fn known_source_faults_are_reported_not_hidden() {
        let faults = version("qd148-2023").unwrap().check();
        // Part C of sets 11–13 sums to 32/32/33 in the transcription.
        for set in ["11", "12", "13"] {
            assert!(
                faults.iter().any(|f| f.set == set && f.id == "C"),
                "set {set} Part C sum fault missing: {faults:?}"
            );
        }
        let faults26 = version("qd26-2026").unwrap().check();
        // The bilingual-label criterion has no options in 22 sheets of 26/2026.
        let no_options = faults26
            .iter()
            .filter(|f| f.message.contains("không có lựa chọn"))
            .count();
        assert_eq!(no_options, 22, "{faults26:?}");
    }

    #[test]
    fn version_by_filing_date() {
        let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(version_for_filing(d(2025, 1, 1)).unwrap().id, "qd148-2023");
        assert_eq!(version_for_filing(d(2026, 5, 22)).unwrap().id, "qd26-2026");
        assert!(version_for_filing(d(2020, 1, 1)).is_none());
    }

    #[test]
    fn bands() {
        assert_eq!(band(90.0), 5);
        assert_eq!(band(89.99), 4);
        assert_eq!(band(70.0), 4);
        assert_eq!(band(50.0), 3);
        assert_eq!(band(49.5), 2);
        assert_eq!(band(29.0), 1);
    }

    #[test]
    fn errors_name_the_node() {
        let s = sheet09();
        let e = s.evaluate(&["X.9".into()], None).unwrap_err();
        assert_eq!(e.id, "X.9");
        let e = s
            .evaluate(&["A.1.a.1".into(), "A.1.a.2".into()], None)
            .unwrap_err();
        assert_eq!(e.id, "A.1.a");
        assert!(e.message.contains("Nguồn nguyên liệu"));
        let e = s.evaluate(&["A.1.a".into()], None).unwrap_err();
        assert!(e.message.contains("không phải một lựa chọn"));
    }

    /// Tick the best option of every leaf criterion (of one case).
    fn best(s: &Sheet, case: Option<&str>) -> Vec<String> {
        s.nodes
            .iter()
            .enumerate()
            .filter(|(i, _)| s.is_leaf_criterion(*i) && s.applies(*i, case))
            .filter_map(|(i, n)| {
                n.children
                    .iter()
                    .filter(|&&c| s.nodes[c].points.is_some())
                    .max_by_key(|&&c| (s.nodes[c].points, std::cmp::Reverse(c)))
                    .map(|&c| s.nodes[c].id.clone())
                    .filter(|_| s.nodes[i].kind == NodeKind::Criterion)
            })
            .collect()
    }

    #[test]
    fn best_options_reach_the_sheet_maximum_and_five_stars() {
        for v in versions() {
            for s in &v.sheets {
                let cases = s.cases();
                let case_list: Vec<Option<&str>> = if cases.is_empty() {
                    vec![None]
                } else {
                    cases.iter().map(|c| Some(c.as_str())).collect()
                };
                for case in case_list {
                    let e = s.evaluate(&best(s, case), case).unwrap();
                    assert!(
                        e.unmet_minimums.is_empty(),
                        "{} {}: {:?}",
                        v.id,
                        s.set,
                        e.unmet_minimums
                    );
                    let max: u32 = s.parts().map(|p| s.computed_max(s.index[&p.id])).sum();
                    assert_eq!(e.total, max, "{} {}", v.id, s.set);
                    assert_eq!(e.rank, band(e.total as f64), "{} {}", v.id, s.set);
                }
            }
        }
    }

    #[test]
    fn a_missed_minimum_caps_the_rank() {
        let s = sheet09();
        let mut opts = best(s, None);
        // A.1.a.1 (1 point, ***) is the 3★ minimum of "Nguồn nguyên liệu": unticking the criterion fails it.
        opts.retain(|o| !o.starts_with("A.1.a."));
        let e = s.evaluate(&opts, None).unwrap();
        assert!(e.total >= 90);
        assert_eq!(e.rank, 2, "a 3★ minimum unmet gives 2★");
        assert_eq!(e.unmet_minimums[0].criterion, "A.1.a");
        assert_eq!(e.unmet_minimums[0].min_star, 3);
        // Ticking the lowest option meets it again.
        opts.push("A.1.a.1".into());
        let e = s.evaluate(&opts, None).unwrap();
        assert_eq!(e.rank, 5);
    }

    #[test]
    fn consolidation_averages_members() {
        let s = sheet09();
        let full = best(s, None);
        let mut weaker = full.clone();
        weaker.retain(|o| !o.starts_with("A.1.a."));
        weaker.push("A.1.a.1".into());
        let c = s
            .consolidate(&[full.clone(), full.clone(), weaker.clone()], None)
            .unwrap();
        let e_full = s.evaluate(&full, None).unwrap().total as f64;
        let e_weak = s.evaluate(&weaker, None).unwrap().total as f64;
        assert_eq!(c.member_totals, vec![e_full, e_full, e_weak]);
        assert!(
            (c.average_total - ((2.0 * e_full + e_weak) / 3.0 * 100.0).round() / 100.0).abs()
                < 1e-9
        );
        assert_eq!(c.spread, e_full - e_weak);
        assert_eq!(c.rank, 5);
        assert_eq!(c.points_to_next_rank, 0.0);
        let part_sum: f64 = c.parts.values().sum();
        assert!((part_sum - c.average_total).abs() < 0.02, "{:?}", c.parts);
        // Two of three members leave the 3★ criterion unticked and one gives
        // it its lowest mark: its average (1/3) is under the 1 point required.
        let mut none = full.clone();
        none.retain(|o| !o.starts_with("A.1.a."));
        let c = s.consolidate(&[none.clone(), none, weaker], None).unwrap();
        assert_eq!(c.rank, 2);
        assert_eq!(c.unmet_minimums[0].criterion, "A.1.a");
        assert_eq!(
            c.points_to_next_rank, 0.0,
            "the band of 3★ is reached: only the minimum is missing"
        );
    }

    #[test]
    fn empty_sheet_is_one_star() {
        let e = sheet09().evaluate(&[], None).unwrap();
        assert_eq!((e.total, e.rank, e.points_to_next_rank), (0, 1, 30));
    }

    proptest::proptest! {
        /// For any selection on any sheet: the total is the sum of the parts;
        /// the rank never exceeds the band; a rank of 3★+ leaves no minimum of
        /// that rank or below unmet; a rank below the band is explained by an
        /// unmet minimum of the next rank or below; the points to the next rank
        /// reach that rank's band.
        #[test]
        fn ranking_rule_holds(picks in proptest::collection::vec(0usize..10, 0..80), set in 0usize..26, version_ix in 0usize..2) {
            let v = &versions()[version_ix];
            let s = &v.sheets[set];
            let case = s.cases().first().cloned();
            let leaves: Vec<usize> = (0..s.nodes.len()).filter(|&i| s.is_leaf_criterion(i) && s.applies(i, case.as_deref())).collect();
            let mut opts = Vec::new();
            for (k, &leaf) in leaves.iter().enumerate() {
                let children: Vec<usize> = s.nodes[leaf].children.iter().copied().filter(|&c| s.nodes[c].points.is_some()).collect();
                if let Some(p) = picks.get(k) {
                    if !children.is_empty() && *p < children.len() {
                        opts.push(s.nodes[children[*p]].id.clone());
                    }
                }
            }
            let e = s.evaluate(&opts, case.as_deref()).unwrap();
            proptest::prop_assert_eq!(e.total, e.parts.values().sum::<u32>());
            proptest::prop_assert!(e.rank <= band(e.total as f64));
            if e.rank >= 3 {
                proptest::prop_assert!(e.unmet_minimums.iter().all(|u| u.min_star > e.rank));
            }
            if e.rank < band(e.total as f64) {
                proptest::prop_assert!(e.unmet_minimums.iter().any(|u| u.min_star <= e.rank + 1));
            }
            if e.rank < 5 {
                proptest::prop_assert!(e.total as f64 + e.points_to_next_rank as f64 >= band_floor(e.rank + 1));
            }
        }
    }
}
