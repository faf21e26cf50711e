//! Dossiers (hồ sơ): a producer's application for evaluation, and the first
//! steps of Decision 26/2026 Art. 5–6: filing with a self-assessment (Mẫu 01,
//! Mẫu 02) and the commune's review within 15 working days (Mẫu 03), which
//! returns the dossier for completion or forwards it to the province.

use crate::calendar::WorkCalendar;
use crate::criteria::{Evaluation, Sheet};
use crate::error::ValidationErrors;
use crate::text::{clean, clean_multiline};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Working days the commune has to review a dossier.
pub const COMMUNE_REVIEW_WORKING_DAYS: u32 = 15;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DossierKind {
    /// Đánh giá lần đầu.
    First,
    /// Nâng hạng.
    Upgrade,
    /// Đánh giá lại.
    Reevaluation,
}

impl DossierKind {
    pub const ALL: [DossierKind; 3] = [
        DossierKind::First,
        DossierKind::Upgrade,
        DossierKind::Reevaluation,
    ];
    pub fn code(self) -> &'static str {
        match self {
            DossierKind::First => "first",
            DossierKind::Upgrade => "upgrade",
            DossierKind::Reevaluation => "reevaluation",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            DossierKind::First => "Đánh giá lần đầu",
            DossierKind::Upgrade => "Nâng hạng",
            DossierKind::Reevaluation => "Đánh giá lại",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s.trim())
    }
}

/// Where a dossier stands. Later steps (rounds, councils, decisions) extend this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DossierStatus {
    /// Being prepared by the producer: saved, not yet filed; seen only by
    /// those who may file it, with no deadline running.
    Draft,
    /// Filed with the commune, awaiting its review.
    Submitted,
    /// Returned by the commune for completion.
    Returned,
    /// Reviewed by the commune and forwarded to the province.
    Forwarded,
    /// Withdrawn by the producer.
    Withdrawn,
    /// Assigned to a provincial round: its council is scoring.
    InRound,
    /// Scoring closed: the council's consolidated result is recorded.
    Scored,
    /// 3★–4★ recognised by the provincial chairman's decision; certificate issued.
    Recognized,
    /// 1★–2★: no decision, no certificate.
    NotRecognized,
    /// 90 points or more: "potential 5★", approved and sent to the ministry's central round.
    SentToMinistry,
    /// The central council's result is not 5★: back to the province, which
    /// may recognise 3★/4★ on that result (Art. 7.4.g).
    ReturnedByMinistry,
    /// Rejected on one of its sheet's knock-out conditions (điều kiện loại), with the ground.
    Rejected,
}

impl DossierStatus {
    pub fn code(self) -> &'static str {
        match self {
            DossierStatus::Draft => "draft",
            DossierStatus::Submitted => "submitted",
            DossierStatus::Returned => "returned",
            DossierStatus::Forwarded => "forwarded",
            DossierStatus::Withdrawn => "withdrawn",
            DossierStatus::InRound => "in_round",
            DossierStatus::Scored => "scored",
            DossierStatus::Recognized => "recognized",
            DossierStatus::NotRecognized => "not_recognized",
            DossierStatus::SentToMinistry => "sent_to_ministry",
            DossierStatus::ReturnedByMinistry => "returned_by_ministry",
            DossierStatus::Rejected => "rejected",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            DossierStatus::Draft => "Bản nháp, chưa nộp",
            DossierStatus::Submitted => "Đã nộp, chờ UBND xã xem xét",
            DossierStatus::Returned => "UBND xã trả lại để bổ sung",
            DossierStatus::Forwarded => "UBND xã đã chuyển lên tỉnh",
            DossierStatus::Withdrawn => "Chủ thể đã rút hồ sơ",
            DossierStatus::InRound => "Hội đồng đang chấm điểm",
            DossierStatus::Scored => "Hội đồng đã chấm xong",
            DossierStatus::Recognized => "Đã có quyết định công nhận và giấy chứng nhận",
            DossierStatus::NotRecognized => "Không được công nhận: không cấp giấy chứng nhận mới",
            DossierStatus::SentToMinistry => "Tiềm năng 5 sao: đã gửi Bộ đánh giá",
            DossierStatus::ReturnedByMinistry => {
                "Trung ương không công nhận 5 sao: tỉnh xem xét công nhận 3–4 sao"
            }
            DossierStatus::Rejected => "Bị loại theo điều kiện loại của bộ tiêu chí",
        }
    }
    pub const ALL: [DossierStatus; 12] = [
        Self::Draft,
        Self::Submitted,
        Self::Returned,
        Self::Forwarded,
        Self::Withdrawn,
        Self::InRound,
        Self::Scored,
        Self::Recognized,
        Self::NotRecognized,
        Self::SentToMinistry,
        Self::ReturnedByMinistry,
        Self::Rejected,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// The commands on a dossier at the commune stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DossierCommand {
    /// The producer saves a draft's contents again.
    SaveDraft,
    /// The producer files a draft with the commune.
    Submit,
    /// The producer files again after a return (with a new self-assessment).
    Resubmit,
    Return,
    Forward,
    Withdraw,
    /// The province assigns a forwarded dossier to a round.
    Assign,
    /// The ministry assigns a dossier sent to it to a central round.
    AssignCentral,
    /// The council's scoring is closed with a consolidated result.
    CloseScoring,
    /// The province decides on the result (recognise, not recognise, or send to the ministry).
    Decide,
    /// The office (or the ministry, at the centre) rejects the dossier on a knock-out condition.
    Reject,
}

/// The state machine: the only legal moves.
pub fn transition(from: DossierStatus, cmd: DossierCommand) -> Result<DossierStatus, String> {
    use DossierCommand::*;
    use DossierStatus::*;
    match (from, cmd) {
        (Draft, SaveDraft) => Ok(Draft),
        (Draft, Submit) => Ok(Submitted),
        (Submitted, Return) => Ok(Returned),
        (Submitted, Forward) => Ok(Forwarded),
        (Returned, Resubmit) => Ok(Submitted),
        (Draft | Submitted | Returned, Withdraw) => Ok(Withdrawn),
        (Forwarded, Assign) => Ok(InRound),
        (SentToMinistry, AssignCentral) => Ok(InRound),
        (InRound, CloseScoring) => Ok(Scored),
        // The outcome depends on the rank and the level: see `decision_outcome`.
        (Scored | ReturnedByMinistry, Decide) => Ok(Recognized),
        // A knock-out can be found from the province's check to the decision.
        (Forwarded | InRound | Scored, Reject) => Ok(Rejected),
        (s, c) => Err(format!(
            "Không thể {} hồ sơ đang ở trạng thái \"{}\".",
            command_label(c),
            s.label()
        )),
    }
}

fn command_label(c: DossierCommand) -> &'static str {
    match c {
        DossierCommand::SaveDraft => "lưu nháp",
        DossierCommand::Submit => "nộp",
        DossierCommand::Resubmit => "nộp lại",
        DossierCommand::Return => "trả lại",
        DossierCommand::Forward => "chuyển lên tỉnh",
        DossierCommand::Withdraw => "rút",
        DossierCommand::Assign => "đưa vào đợt đánh giá",
        DossierCommand::AssignCentral => "đưa vào đợt đánh giá cấp trung ương",
        DossierCommand::CloseScoring => "kết thúc chấm điểm",
        DossierCommand::Decide => "ra quyết định",
        DossierCommand::Reject => "loại",
    }
}

/// Where a decision takes a scored dossier, by the council's rank and total
/// (Decision 26/2026 Art. 3 and 7): 90+ is "potential 5★" for the central
/// round; 3★–4★ are recognised by the province; below 3★ nothing is issued.
/// An upgrade (`upgrade_from` = the stars held) is recognised only above
/// them: otherwise the product keeps the certificate it has.
pub fn decision_outcome(rank: u8, total: f64, upgrade_from: Option<u8>) -> DossierStatus {
    if total >= 90.0 && rank >= 5 {
        DossierStatus::SentToMinistry
    } else if upgrade_from.is_some_and(|held| rank <= held) {
        DossierStatus::NotRecognized
    } else if rank >= 3 {
        DossierStatus::Recognized
    } else {
        DossierStatus::NotRecognized
    }
}

/// The advisory team's report on a dossier (Art. 7.3.c): what it checked
/// on site, what it found, what it asks (more papers, quality tests).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct AdvisoryReportInput {
    /// dd/mm/yyyy of the site visit, if one was made.
    pub visited_on: String,
    /// The findings (required).
    pub findings: String,
    /// Papers or quality tests requested, if any.
    pub requests: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdvisoryReport {
    pub visited_on: Option<NaiveDate>,
    pub findings: String,
    pub requests: String,
}

impl AdvisoryReportInput {
    pub fn validate(&self, today: NaiveDate) -> Result<AdvisoryReport, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let visited_on = if self.visited_on.trim().is_empty() {
            None
        } else {
            match crate::certificate::parse_date(&self.visited_on) {
                Some(d) if d <= today => Some(d),
                Some(_) => {
                    errors.add(
                        "visited_on",
                        "in_future",
                        "Ngày khảo sát không được sau hôm nay.",
                        "visited_on is in the future.",
                    );
                    None
                }
                None => {
                    errors.add(
                        "visited_on",
                        "invalid_format",
                        "Ngày khảo sát phải có dạng ngày/tháng/năm.",
                        "visited_on must be dd/mm/yyyy.",
                    );
                    None
                }
            }
        };
        let findings = clean_multiline(&self.findings);
        if findings.is_empty() {
            errors.required("findings", "Kết quả đánh giá hồ sơ của Tổ tư vấn");
        }
        errors.into_result(AdvisoryReport {
            visited_on,
            findings,
            requests: clean_multiline(&self.requests),
        })
    }
}

/// A rejection as requested: the knock-out condition of the dossier's sheet
/// (`K1`, `K2`…) and the facts found.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RejectionInput {
    pub knockout: String,
    /// What was found (required), e.g. the advisory team's report.
    pub detail: String,
}

/// A rejection's ground, as recorded and shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rejection {
    pub knockout: String,
    /// The condition's text, from the sheet.
    pub condition: String,
    pub detail: String,
}

impl RejectionInput {
    pub fn validate(&self, sheet: &Sheet) -> Result<Rejection, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let id = self.knockout.trim();
        let node = sheet
            .node(id)
            .filter(|n| n.kind == crate::criteria::NodeKind::Knockout);
        if node.is_none() {
            errors.add(
                "knockout",
                "unknown",
                format!("\"{id}\" không phải điều kiện loại của phiếu đánh giá này."),
                "knockout: not a knock-out condition of the dossier's sheet.",
            );
        }
        let detail = clean_multiline(&self.detail);
        if detail.is_empty() {
            errors.required("detail", "Nội dung phát hiện");
        }
        errors.into_result(())?;
        Ok(Rejection {
            knockout: id.to_string(),
            condition: node.expect("checked").title.clone(),
            detail,
        })
    }
}

/// Who runs a round: a province's council, or the ministry's central council for 5★.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RoundLevel {
    Province,
    Central,
}

impl RoundLevel {
    pub fn code(self) -> &'static str {
        match self {
            RoundLevel::Province => "province",
            RoundLevel::Central => "central",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "province" | "" => Some(RoundLevel::Province),
            "central" => Some(RoundLevel::Central),
            _ => None,
        }
    }
    /// The command that puts a dossier into a round of this level.
    pub fn assign_command(self) -> DossierCommand {
        match self {
            RoundLevel::Province => DossierCommand::Assign,
            RoundLevel::Central => DossierCommand::AssignCentral,
        }
    }
}

/// A decision's outcome and, when a certificate is issued, its stars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub status: DossierStatus,
    pub stars: Option<u8>,
}

/// Where a decision takes a dossier: `from` is its status (scored, or
/// returned by the ministry), `level` the level of the council whose result
/// it carries. Provincial results follow `decision_outcome`; the ministry
/// recognises 5★ at 90+ with every 5★ minimum met and otherwise returns the
/// dossier to the province, which may then recognise 3★/4★ on the central
/// council's result (Art. 7.4.e–g).
pub fn outcome(
    from: DossierStatus,
    level: RoundLevel,
    rank: u8,
    total: f64,
    upgrade_from: Option<u8>,
) -> Outcome {
    let recognized = |stars: u8| Outcome {
        status: DossierStatus::Recognized,
        stars: Some(stars),
    };
    let status_only = |status| Outcome {
        status,
        stars: None,
    };
    match (from, level) {
        (DossierStatus::Scored, RoundLevel::Central) if total >= 90.0 && rank >= 5 => recognized(5),
        (DossierStatus::Scored, RoundLevel::Central) => {
            status_only(DossierStatus::ReturnedByMinistry)
        }
        (DossierStatus::ReturnedByMinistry, _) => {
            let stars = rank.min(4);
            if stars >= 3 && upgrade_from.is_none_or(|held| stars > held) {
                recognized(stars)
            } else {
                status_only(DossierStatus::NotRecognized)
            }
        }
        _ => match decision_outcome(rank, total, upgrade_from) {
            DossierStatus::Recognized => recognized(rank),
            s => status_only(s),
        },
    }
}

/// The province's recognition decision, as signed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct DecisionInput {
    /// e.g. 1234/QĐ-UBND.
    pub decision_number: String,
    /// dd/mm/yyyy; the certificate's issue date.
    pub signed_on: String,
    /// Who signed, e.g. "Chủ tịch UBND tỉnh".
    pub signer: String,
    /// The issuing body, e.g. "UBND Thành phố Hà Nội".
    pub issuer: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub decision_number: String,
    pub signed_on: NaiveDate,
    pub signer: String,
    pub issuer: String,
}

impl DecisionInput {
    pub fn validate(
        &self,
        scored_on: NaiveDate,
        today: NaiveDate,
    ) -> Result<Decision, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let decision_number = clean(&self.decision_number);
        if decision_number.is_empty() {
            errors.required("decision_number", "Số quyết định");
        }
        let signer = clean(&self.signer);
        if signer.is_empty() {
            errors.required("signer", "Người ký");
        }
        let issuer = clean(&self.issuer);
        if issuer.is_empty() {
            errors.required("issuer", "Cơ quan ban hành");
        }
        let signed_on = match crate::certificate::parse_date(&self.signed_on) {
            Some(d) if d > today => {
                errors.add(
                    "signed_on",
                    "in_future",
                    "Ngày ký không được sau hôm nay.",
                    "signed_on is in the future.",
                );
                None
            }
            Some(d) if d < scored_on => {
                errors.add(
                    "signed_on",
                    "out_of_range",
                    "Ngày ký không được trước ngày hội đồng chấm xong.",
                    "signed_on is before the council's result.",
                );
                None
            }
            Some(d) => Some(d),
            None => {
                errors.add(
                    "signed_on",
                    "invalid_format",
                    "Ngày ký phải có dạng ngày/tháng/năm.",
                    "signed_on must be dd/mm/yyyy.",
                );
                None
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Decision {
            decision_number,
            signed_on: signed_on.expect("checked"),
            signer,
            issuer,
        })
    }
}

/// A filing: the kind and the self-assessment (ticked option ids, Mẫu 02).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct FilingInput {
    /// first, upgrade or reevaluation.
    pub kind: String,
    /// Ticked option ids of the sheet of the product's set, in the version in force on the filing date.
    pub options: Vec<String>,
    /// The alternative case, for sheets that have them.
    pub case: Option<String>,
    /// Notes for the commune (samples, evidence provided).
    pub note: String,
    /// Mẫu 01: the legal representative's position (the name and address
    /// come from the producer's record).
    pub representative_title: String,
    /// Mẫu 01: contact telephone (required) and email.
    pub phone: String,
    pub email: String,
    /// Mẫu 01: samples sent with the dossier (at least one; none for the
    /// tourism services of set 26, Art. 6.2.d).
    pub samples: Option<u32>,
    /// Mẫu 01: the producer's statement that the information is true and
    /// that it will follow the evaluation rules (must be given).
    pub commitment: bool,
}

/// The registration form's own facts (Mẫu 01), as filed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Registration {
    pub representative_title: String,
    pub phone: String,
    pub email: String,
    pub samples: Option<u32>,
}

/// The set whose products are services (tourism): no samples are sent.
pub const TOURISM_SET: &str = "26";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Filing {
    pub kind: DossierKind,
    pub registration: Registration,
    pub options: Vec<String>,
    pub case: Option<String>,
    pub note: String,
    pub self_assessment: Evaluation,
}

impl FilingInput {
    /// A filing as it must be to reach the commune: every Mẫu 01 field, a
    /// self-assessment, the commitment.
    pub fn validate(&self, sheet: &Sheet) -> Result<Filing, ValidationErrors> {
        self.check(sheet, false)
    }

    /// A draft as it may be saved: whatever is filled in must be right (a
    /// real kind, real options, one per criterion) but nothing is required
    /// yet; `validate` asks for the rest when it is filed.
    pub fn validate_draft(&self, sheet: &Sheet) -> Result<Filing, ValidationErrors> {
        self.check(sheet, true)
    }

    fn check(&self, sheet: &Sheet, draft: bool) -> Result<Filing, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let kind = DossierKind::parse(&self.kind);
        if kind.is_none() {
            errors.add(
                "kind",
                "invalid_choice",
                "Chọn loại hồ sơ: đánh giá lần đầu, nâng hạng hoặc đánh giá lại.",
                "kind must be first, upgrade or reevaluation.",
            );
        }
        let mut options: Vec<String> = self
            .options
            .iter()
            .map(|o| clean(o))
            .filter(|o| !o.is_empty())
            .collect();
        options.sort();
        options.dedup();
        let evaluation =
            match sheet.evaluate(&options, self.case.as_deref().filter(|c| !c.is_empty())) {
                Ok(e) => Some(e),
                Err(e) => {
                    errors.add(&e.id, "invalid_selection", e.message, e.message_en);
                    None
                }
            };
        if options.is_empty() && !draft {
            errors.add(
                "options",
                "required",
                "Phiếu tự đánh giá (Mẫu 02) chưa có tiêu chí nào được chấm.",
                "The self-assessment has no ticked option.",
            );
        }
        let representative_title = clean(&self.representative_title);
        if representative_title.is_empty() && !draft {
            errors.required("representative_title", "Chức vụ người đại diện pháp lý");
        }
        let phone = clean(&self.phone);
        if phone.is_empty() && !draft {
            errors.required("phone", "Điện thoại liên hệ");
        }
        let samples = self.samples.filter(|n| *n > 0);
        if samples.is_none() && sheet.set != TOURISM_SET && !draft {
            errors.add(
                "samples",
                "required",
                "Ghi số sản phẩm mẫu gửi kèm hồ sơ (thường là 05 mẫu).",
                "samples: the number of samples sent is required.",
            );
        }
        if !self.commitment && !draft {
            errors.add(
                "commitment",
                "required",
                "Chủ thể cần cam đoan thông tin trong phiếu đăng ký là đúng sự thật.",
                "commitment must be given.",
            );
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Filing {
            registration: Registration {
                representative_title,
                phone,
                email: clean(&self.email),
                samples,
            },
            kind: kind.expect("checked"),
            options,
            case: self.case.clone().filter(|c| !c.is_empty()),
            note: clean_multiline(&self.note),
            self_assessment: evaluation.expect("checked"),
        })
    }
}

/// The commune's review (Mẫu 03): completeness and the four local assessments.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct CommuneReview {
    /// Is the dossier complete?
    pub complete: bool,
    /// Nguồn nguyên liệu tại địa phương.
    pub local_raw_materials: String,
    /// Sử dụng lao động địa phương.
    pub local_labour: String,
    /// Nguồn gốc ý tưởng sản phẩm.
    pub idea_origin: String,
    /// Tính đặc trưng, bản sắc địa phương.
    pub local_identity: String,
    /// Conclusion, or what must be completed when returning.
    pub conclusion: String,
}

impl CommuneReview {
    /// Forwarding needs a complete dossier and all four assessments; a
    /// return needs the reason.
    pub fn validate(&self, cmd: DossierCommand) -> Result<CommuneReview, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let r = CommuneReview {
            complete: self.complete,
            local_raw_materials: clean_multiline(&self.local_raw_materials),
            local_labour: clean_multiline(&self.local_labour),
            idea_origin: clean_multiline(&self.idea_origin),
            local_identity: clean_multiline(&self.local_identity),
            conclusion: clean_multiline(&self.conclusion),
        };
        match cmd {
            DossierCommand::Forward => {
                if !r.complete {
                    errors.add(
                        "complete",
                        "incomplete",
                        "Chỉ chuyển lên tỉnh hồ sơ đã đầy đủ; hồ sơ thiếu thì trả lại để bổ sung.",
                        "Only a complete dossier can be forwarded.",
                    );
                }
                for (field, label, v) in [
                    (
                        "local_raw_materials",
                        "Đánh giá nguồn nguyên liệu tại địa phương",
                        &r.local_raw_materials,
                    ),
                    (
                        "local_labour",
                        "Đánh giá sử dụng lao động địa phương",
                        &r.local_labour,
                    ),
                    (
                        "idea_origin",
                        "Đánh giá nguồn gốc ý tưởng sản phẩm",
                        &r.idea_origin,
                    ),
                    (
                        "local_identity",
                        "Đánh giá tính đặc trưng, bản sắc địa phương",
                        &r.local_identity,
                    ),
                ] {
                    if v.is_empty() {
                        errors.required(field, label);
                    }
                }
            }
            DossierCommand::Return if r.conclusion.is_empty() => {
                errors.required("conclusion", "Nội dung cần bổ sung");
            }
            _ => {}
        }
        errors.into_result(r)
    }
}

/// The longest comment on a dossier, in characters.
pub const COMMENT_MAX_CHARS: usize = 4000;

/// A comment on a dossier: a question from the commune, the office or a
/// council member, the producer's answer. Every party to the dossier reads
/// every comment (the producer included).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct CommentInput {
    pub body: String,
}

impl CommentInput {
    pub fn validate(&self) -> Result<String, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let body = clean_multiline(&self.body);
        if body.is_empty() {
            errors.required("body", "Nội dung trao đổi");
        } else if body.chars().count() > COMMENT_MAX_CHARS {
            errors.add(
                "body",
                "too_long",
                format!("Nội dung trao đổi dài quá {COMMENT_MAX_CHARS} ký tự."),
                format!("body is longer than {COMMENT_MAX_CHARS} characters."),
            );
        }
        errors.into_result(body)
    }
}

/// The commune's deadline for a dossier filed on `filed_on`.
pub fn commune_deadline(calendar: &WorkCalendar, filed_on: NaiveDate) -> NaiveDate {
    calendar.add_working_days(filed_on, COMMUNE_REVIEW_WORKING_DAYS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use DossierCommand::*;
    use DossierStatus::*;

    #[test]
    fn decision_outcomes() {
        assert_eq!(decision_outcome(5, 92.0, None), SentToMinistry);
        assert_eq!(
            decision_outcome(4, 92.0, None),
            Recognized,
            "90+ with a 5★ minimum unmet stays provincial"
        );
        assert_eq!(decision_outcome(3, 55.0, None), Recognized);
        assert_eq!(decision_outcome(2, 75.0, None), NotRecognized);
        assert_eq!(decision_outcome(4, 75.0, Some(3)), Recognized);
        assert_eq!(
            decision_outcome(4, 75.0, Some(4)),
            NotRecognized,
            "an upgrade to the stars already held changes nothing"
        );
        assert_eq!(decision_outcome(5, 91.0, Some(4)), SentToMinistry);
    }

    #[test]
    fn central_outcomes() {
        use RoundLevel::*;
        let o = |from, level, rank, total| outcome(from, level, rank, total, None);
        assert_eq!(o(Scored, Central, 5, 93.0).stars, Some(5));
        assert_eq!(o(Scored, Central, 4, 91.0).status, ReturnedByMinistry);
        assert_eq!(o(Scored, Central, 4, 86.0).status, ReturnedByMinistry);
        assert_eq!(o(ReturnedByMinistry, Province, 4, 86.0).stars, Some(4));
        assert_eq!(
            o(ReturnedByMinistry, Province, 5, 91.0).stars,
            Some(4),
            "the province recognises at most 4★"
        );
        assert_eq!(
            o(ReturnedByMinistry, Province, 2, 45.0).status,
            NotRecognized
        );
        assert_eq!(
            outcome(ReturnedByMinistry, Province, 4, 86.0, Some(4)).status,
            NotRecognized,
            "an upgrade from 4★ gains nothing at 4★"
        );
        assert_eq!(o(Scored, Province, 5, 92.0).status, SentToMinistry);
        assert_eq!(o(Scored, Province, 3, 60.0).stars, Some(3));
        assert_eq!(transition(SentToMinistry, AssignCentral), Ok(InRound));
        assert!(transition(SentToMinistry, Assign).is_err());
        assert!(transition(Forwarded, AssignCentral).is_err());
        assert_eq!(transition(ReturnedByMinistry, Decide), Ok(Recognized));
    }

    #[test]
    fn a_rejection_names_a_knockout_of_the_sheet() {
        let sheet = crate::criteria::version("qd26-2026")
            .unwrap()
            .sheet("09")
            .unwrap();
        let r = RejectionInput {
            knockout: "K2".into(),
            detail: "Toàn bộ cá cơm nhập khẩu".into(),
        }
        .validate(sheet)
        .unwrap();
        assert!(r.condition.contains("nhập khẩu"), "{r:?}");
        let e = RejectionInput {
            knockout: "A.1".into(),
            detail: String::new(),
        }
        .validate(sheet)
        .unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(fields, vec!["knockout", "detail"]);
        assert_eq!(transition(InRound, Reject), Ok(Rejected));
        assert!(
            transition(Submitted, Reject).is_err(),
            "the commune returns, it does not reject"
        );
        assert!(transition(Recognized, Reject).is_err());
    }

    #[test]
    fn statuses_round_trip() {
        for s in DossierStatus::ALL {
            assert_eq!(DossierStatus::parse(s.code()), Some(s));
        }
    }

    #[test]
    fn legal_and_illegal_transitions() {
        assert_eq!(transition(Submitted, Forward), Ok(Forwarded));
        assert_eq!(transition(Submitted, Return), Ok(Returned));
        assert_eq!(transition(Returned, Resubmit), Ok(Submitted));
        assert_eq!(transition(Returned, Withdraw), Ok(Withdrawn));
        assert_eq!(transition(Forwarded, Assign), Ok(InRound));
        assert_eq!(transition(InRound, CloseScoring), Ok(Scored));
        assert_eq!(transition(Draft, SaveDraft), Ok(Draft));
        assert_eq!(transition(Draft, Submit), Ok(Submitted));
        assert_eq!(transition(Draft, Withdraw), Ok(Withdrawn));
        assert!(transition(Submitted, Assign).is_err());
        assert!(transition(InRound, Withdraw).is_err());
        // A draft is not the commune's yet; a filed dossier is no draft.
        for c in [Forward, Return, Resubmit, Assign, Reject] {
            assert!(transition(Draft, c).is_err(), "{c:?}");
        }
        for s in [Submitted, Returned, Withdrawn, Forwarded] {
            assert!(transition(s, SaveDraft).is_err(), "{s:?}");
            assert!(transition(s, Submit).is_err(), "{s:?}");
        }
        for (s, c) in [
            (Forwarded, Return),
            (Forwarded, Forward),
            (Returned, Forward),
            (Withdrawn, Resubmit),
            (Submitted, Resubmit),
            (Forwarded, Withdraw),
        ] {
            assert!(transition(s, c).is_err(), "{s:?} {c:?}");
        }
    }

    #[test]
    fn filing_is_scored_on_the_sheet() {
        let sheet = crate::criteria::version("qd26-2026")
            .unwrap()
            .sheet("09")
            .unwrap();
        let registered = FilingInput {
            representative_title: "Giám đốc".into(),
            phone: "0912 345 678".into(),
            samples: Some(5),
            commitment: true,
            ..Default::default()
        };
        let f = FilingInput {
            kind: "first".into(),
            options: vec!["A.1.a.3".into()],
            ..registered.clone()
        }
        .validate(sheet)
        .unwrap();
        assert_eq!(f.self_assessment.parts["A"], 5);
        assert_eq!(f.registration.samples, Some(5));
        let e = FilingInput {
            kind: "x".into(),
            options: vec![],
            ..Default::default()
        }
        .validate(sheet)
        .unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "kind",
                "options",
                "representative_title",
                "phone",
                "samples",
                "commitment"
            ]
        );
        // Tourism services send no samples.
        let tourism = crate::criteria::version("qd26-2026")
            .unwrap()
            .sheet(TOURISM_SET)
            .unwrap();
        let e = FilingInput {
            samples: None,
            ..registered.clone()
        }
        .validate(tourism)
        .unwrap_err();
        assert!(e.0.iter().all(|x| x.field != "samples"), "{e:?}");
        let e = FilingInput {
            kind: "first".into(),
            options: vec!["A.1.a.1".into(), "A.1.a.2".into()],
            ..registered
        }
        .validate(sheet)
        .unwrap_err();
        assert_eq!(e.0[0].field, "A.1.a");
    }

    #[test]
    fn a_draft_needs_only_what_is_filled_in_to_be_right() {
        let sheet = crate::criteria::version("qd26-2026")
            .unwrap()
            .sheet("09")
            .unwrap();
        let empty = FilingInput {
            kind: "first".into(),
            ..Default::default()
        };
        let d = empty.validate_draft(sheet).unwrap();
        assert_eq!(d.self_assessment.total, 0);
        assert!(empty.validate(sheet).is_err());
        // Wrong contents are refused even in a draft.
        let e = FilingInput {
            kind: "x".into(),
            options: vec!["A.1.a.1".into(), "A.1.a.2".into(), "nope".into()],
            ..Default::default()
        }
        .validate_draft(sheet)
        .unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(fields[0], "kind");
        assert_eq!(fields.len(), 2, "{fields:?}");
    }

    #[test]
    fn comments_are_trimmed_required_and_bounded() {
        let ok = CommentInput {
            body: "  Đề nghị bổ sung giấy kiểm nghiệm.  ".into(),
        };
        assert_eq!(ok.validate().unwrap(), "Đề nghị bổ sung giấy kiểm nghiệm.");
        let blank = CommentInput {
            body: " \n ".into(),
        };
        assert_eq!(blank.validate().unwrap_err().0[0].field, "body");
        let long = CommentInput {
            body: "a".repeat(COMMENT_MAX_CHARS + 1),
        };
        assert_eq!(long.validate().unwrap_err().0[0].code, "too_long");
    }

    #[test]
    fn review_rules() {
        let empty = CommuneReview::default();
        let e = empty.validate(Forward).unwrap_err();
        assert_eq!(e.0.len(), 5);
        assert_eq!(empty.validate(Return).unwrap_err().0[0].field, "conclusion");
    }

    #[test]
    fn deadline_is_fifteen_working_days() {
        let cal = WorkCalendar::default();
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(commune_deadline(&cal, d(2026, 2, 6)), d(2026, 3, 6));
    }
}

/// Sheets a council result needs: `quorum_pct` percent of the council's
/// members, rounded up, and at least one (the province sets the share).
pub fn quorum_needed(members: usize, quorum_pct: u32) -> usize {
    ((members * quorum_pct as usize).div_ceil(100)).max(1)
}

#[cfg(test)]
mod quorum_tests {
    use super::quorum_needed;

    #[test]
    fn quorum_rounds_up() {
        assert_eq!(quorum_needed(3, 67), 3);
        assert_eq!(quorum_needed(9, 67), 7);
        assert_eq!(quorum_needed(5, 50), 3);
        assert_eq!(quorum_needed(0, 67), 1);
    }
}
