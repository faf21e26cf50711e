//! Demo data for the evaluation process in Hà Nội, made through the store's
//! own writes with the demo accounts' capabilities (as the real pages do):
//! a dossier waiting for the commune, one waiting for a round, a round whose
//! council has recognised a 4★ product, is still scoring a second and sent a
//! 5★ candidate to the ministry's central round, and a re-evaluation when a
//! certificate is in its window.

use anyhow::{anyhow, Context, Result};
use chrono::NaiveDate;
use ocop_domain::auth::{authorize, Action, Actor, Capability, Scope};
use ocop_domain::calendar::WorkCalendar;
use ocop_domain::dossier::{
    commune_deadline, CommuneReview, DecisionInput, DossierCommand, DossierKind, Filing,
    FilingInput,
};
use ocop_store::dossiers::FilingContext;
use ocop_store::Store;

/// The council members the demo creates (username, full name, organisation, chair).
const PROVINCIAL_COUNCIL: [(&str, &str, &str, bool); 3] = [
    (
        "hoidong.hn1",
        "Nguyễn Thị Hồng Hạnh",
        "Phó Chủ tịch UBND Thành phố Hà Nội",
        true,
    ),
    ("hoidong.hn2", "Trần Văn Quang", "Sở Công Thương", false),
    ("hoidong.hn3", "Lê Thị Mai", "Sở Y tế", false),
];
const CENTRAL_COUNCIL: (&str, &str, &str) = (
    "hoidong.tw",
    "Phạm Minh Đức",
    "Bộ Nông nghiệp và Môi trường",
);

/// The demo's council accounts, for the start-up listing.
pub(crate) fn council_accounts() -> Vec<(&'static str, &'static str)> {
    PROVINCIAL_COUNCIL
        .iter()
        .map(|(u, _, _, chair)| {
            (
                *u,
                if *chair {
                    "Chủ tịch hội đồng cấp tỉnh (Hà Nội)"
                } else {
                    "Thành viên hội đồng cấp tỉnh (Hà Nội)"
                },
            )
        })
        .chain([(CENTRAL_COUNCIL.0, "Thành viên hội đồng cấp trung ương")])
        .collect()
}

async fn actor(store: &Store, username: &str) -> Result<Actor> {
    let u = store
        .user_by_username(username)
        .await?
        .with_context(|| format!("tài khoản mẫu {username}"))?;
    Ok(store.actor(u.id).await?)
}

fn cap(actor: &Actor, action: Action, scope: &Scope) -> Result<Capability> {
    authorize(actor, action, scope).map_err(|e| anyhow!("{e}"))
}

/// File a dossier of `kind` for `product_id` with a self-assessment ranking `stars`.
async fn file(
    store: &Store,
    product_id: i64,
    kind: DossierKind,
    stars: u8,
    today: NaiveDate,
) -> Result<i64> {
    let x = store.product(product_id).await?;
    let version = ocop_domain::criteria::version_for_filing(today).context("bộ tiêu chí")?;
    let sheet = version
        .sheet(&x.product.set_code)
        .context("phiếu đánh giá")?;
    let filing: Filing = FilingInput {
        kind: kind.code().into(),
        options: ocop_domain::demo::selection_for(sheet, stars),
        case: None,
        note: "Gửi kèm 05 sản phẩm mẫu; phiếu kiểm nghiệm còn hiệu lực.".into(),
        representative_title: "Giám đốc".into(),
        phone: "0243 826 1234".into(),
        email: String::new(),
        samples: (x.product.set_code != ocop_domain::dossier::TOURISM_SET).then_some(5),
        commitment: true,
    }
    .validate(sheet)
    .map_err(|e| anyhow!("{e:?}"))?;
    let ctx = FilingContext {
        criteria_version: &version.id,
        set_code: &x.product.set_code,
        filed_on: today,
        commune_deadline: commune_deadline(WorkCalendar::shipped(), today),
    };
    Ok(store
        .file_dossier(
            &Capability::system(Action::FileDossier),
            product_id,
            &filing,
            &ctx,
            false,
        )
        .await?)
}

/// The thread on the demo producer's dossier: the commune asks, the producer answers.
async fn converse(store: &Store, dossier: i64) -> Result<()> {
    let d = store.dossier(dossier).await?.dossier;
    let scope = Scope::producer(&d.province_code, &d.commune_code, d.producer_id);
    for (username, body) in [
        (
            "xa.demo",
            "Đề nghị chủ thể bổ sung phiếu kết quả kiểm nghiệm chỉ tiêu vi sinh còn hiệu lực và ảnh chụp nhãn sản phẩm đang lưu hành.",
        ),
        (
            "chuthe.demo",
            "Chúng tôi đã gửi mẫu đi kiểm nghiệm, dự kiến có kết quả trong tuần tới; ảnh nhãn đã tải lên phần minh chứng chung.",
        ),
    ] {
        let a = actor(store, username).await?;
        let c = cap(&a, Action::CommentDossier, &scope)?;
        let role = a
            .acting_role(Action::CommentDossier, &scope)
            .context("vai trò mẫu")?;
        store.add_comment(&c, dossier, role, body).await?;
    }
    Ok(())
}

async fn forward(store: &Store, dossier: i64, today: NaiveDate) -> Result<()> {
    let review = CommuneReview {
        complete: true,
        local_raw_materials: "Nguyên liệu chính trồng tại xã, có hợp đồng liên kết với hộ dân."
            .into(),
        local_labour: "Sử dụng 15 lao động địa phương.".into(),
        idea_origin: "Sản phẩm truyền thống của làng nghề.".into(),
        local_identity: "Gắn với tri thức bản địa và nghề truyền thống của địa phương.".into(),
        conclusion: "Hồ sơ đầy đủ, đề nghị UBND Thành phố đánh giá, phân hạng.".into(),
    };
    Ok(store
        .review_dossier(
            &Capability::system(Action::ReviewDossier),
            dossier,
            DossierCommand::Forward,
            &review,
            today,
        )
        .await?)
}

/// Each listed member scores the dossier at `stars`.
async fn score(
    store: &Store,
    members: &[Actor],
    round: i64,
    province: Option<&str>,
    dossier: i64,
    stars: u8,
) -> Result<()> {
    let d = store.dossier(dossier).await?.dossier;
    let sheet = d.sheet().context("phiếu đánh giá")?;
    let options = ocop_domain::demo::selection_for(sheet, stars);
    let e = sheet
        .evaluate(&options, None)
        .map_err(|e| anyhow!(e.message))?;
    for m in members {
        let c = cap(m, Action::ScoreDossier, &Scope::council(province, round))?;
        store
            .submit_score_sheet(&c, dossier, &options, e.total, e.rank)
            .await?;
    }
    Ok(())
}

/// Close scoring with the consolidated result of the submitted sheets.
async fn close(
    store: &Store,
    manager: &Capability,
    dossier: i64,
    round: i64,
    today: NaiveDate,
) -> Result<()> {
    let d = store.dossier(dossier).await?.dossier;
    let sheet = d.sheet().context("phiếu đánh giá")?;
    let selections: Vec<Vec<String>> = store
        .score_sheets(dossier, Some(round))
        .await?
        .iter()
        .map(|s| serde_json::from_str(&s.options).unwrap_or_default())
        .collect();
    let c = sheet
        .consolidate(&selections, None)
        .map_err(|e| anyhow!(e.message))?;
    Ok(store
        .close_scoring(manager, dossier, c.average_total, c.rank, today)
        .await?)
}

/// Returns whether the demo had enough Hà Nội products for it (the council accounts exist then).
pub(crate) async fn seed_demo_evaluation(
    store: &Store,
    demo_producer: i64,
    today: NaiveDate,
) -> Result<bool> {
    let office = actor(store, "tinh.hanoi").await?;
    let ministry = actor(store, "bo.nnmt").await?;
    let hn = Scope::province("01");
    // Hà Nội products of other producers with no certificate in force: first evaluations.
    let page = store
        .list_products(&ocop_store::registry::ProductFilter {
            province: Some("01".into()),
            per_page: 500,
            page: 1,
            ..Default::default()
        })
        .await?;
    let fresh: Vec<i64> = page
        .items
        .iter()
        .filter(|x| x.product.producer_id != demo_producer)
        .filter(|x| !x.certificate_status(today).is_some_and(|s| s.in_force()))
        .map(|x| x.product.id)
        .collect();
    if fresh.len() < 4 {
        return Ok(false); // a demo too small for the whole process
    }

    // The provincial round and its council.
    let manage = cap(&office, Action::ManageRound, &hn)?;
    let round = store
        .create_round(
            &manage,
            Some("01"),
            "Đợt 2 năm 2026",
            today + chrono::Days::new(30),
            10.0,
            75,
        )
        .await?;
    let mut members = Vec::new();
    for (username, full_name, organisation, chair) in PROVINCIAL_COUNCIL {
        let id = store
            .create_user(
                &Capability::system(Action::CreateUser),
                username,
                full_name,
                None,
                crate::DEMO_PASSWORD,
            )
            .await?;
        let seat = ocop_domain::council::seat(chair, organisation, "department")
            .map_err(|e| anyhow!("{e:?}"))?;
        store.add_round_member(&manage, round, id, &seat).await?;
        members.push(actor(store, username).await?);
    }
    let decision = |number: &str| DecisionInput {
        decision_number: number.into(),
        signed_on: ocop_domain::certificate::format_date(today),
        signer: "Chủ tịch Ủy ban nhân dân".into(),
        issuer: "UBND Thành phố Hà Nội".into(),
    };

    // 4★: scored by the whole council, recognised, certificate issued.
    let recognised = file(store, fresh[0], DossierKind::First, 4, today).await?;
    forward(store, recognised, today).await?;
    store.assign_to_round(&manage, round, recognised).await?;
    score(store, &members, round, Some("01"), recognised, 4).await?;
    close(store, &manage, recognised, round, today).await?;
    let decide = cap(&office, Action::IssueDecision, &hn)?;
    let d = decision("2468/QĐ-UBND")
        .validate(today, today)
        .map_err(|e| anyhow!("{e:?}"))?;
    store.decide(&decide, recognised, &d).await?;

    // Potential 5★: approved and sent to the ministry, now in its central round.
    let potential = file(store, fresh[1], DossierKind::First, 5, today).await?;
    forward(store, potential, today).await?;
    store.assign_to_round(&manage, round, potential).await?;
    score(store, &members, round, Some("01"), potential, 5).await?;
    close(store, &manage, potential, round, today).await?;
    let d = decision("2469/QĐ-UBND")
        .validate(today, today)
        .map_err(|e| anyhow!("{e:?}"))?;
    store.decide(&decide, potential, &d).await?;
    let central_manage = cap(&ministry, Action::ManageRound, &Scope::national())?;
    let central = store
        .create_round(
            &central_manage,
            None,
            "Đợt 1 năm 2027 cấp trung ương",
            today + chrono::Days::new(120),
            10.0,
            75,
        )
        .await?;
    let id = store
        .create_user(
            &Capability::system(Action::CreateUser),
            CENTRAL_COUNCIL.0,
            CENTRAL_COUNCIL.1,
            None,
            crate::DEMO_PASSWORD,
        )
        .await?;
    let seat = ocop_domain::council::seat(true, CENTRAL_COUNCIL.2, "department")
        .map_err(|e| anyhow!("{e:?}"))?;
    store
        .add_round_member(&central_manage, central, id, &seat)
        .await?;
    store
        .assign_to_round(&central_manage, central, potential)
        .await?;

    // 3★ so far: two of three members have scored.
    let scoring = file(store, fresh[2], DossierKind::First, 3, today).await?;
    forward(store, scoring, today).await?;
    store.assign_to_round(&manage, round, scoring).await?;
    score(store, &members[..2], round, Some("01"), scoring, 3).await?;

    // Forwarded, waiting for a round; and the demo producer's own, waiting for the commune.
    let waiting = file(store, fresh[3], DossierKind::First, 4, today).await?;
    forward(store, waiting, today).await?;
    let own = page
        .items
        .iter()
        .filter(|x| x.product.producer_id == demo_producer)
        .map(|x| x.product.id);
    for pid in own {
        let held = store.held_certificate(pid).await?;
        if let Some(kind) = [
            DossierKind::Reevaluation,
            DossierKind::Upgrade,
            DossierKind::First,
        ]
        .into_iter()
        .find(|k| ocop_domain::reevaluation::basis(*k, held, today).is_ok())
        {
            let own = file(store, pid, kind, 4, today).await?;
            converse(store, own).await?;
            break;
        }
    }
    // A certificate in its re-evaluation window: its producer has filed.
    let due = page
        .items
        .iter()
        .map(|x| x.product.id)
        .filter(|p| !fresh[..4].contains(p));
    for pid in due {
        let held = store.held_certificate(pid).await?;
        if ocop_domain::reevaluation::basis(DossierKind::Reevaluation, held, today).is_ok() {
            file(store, pid, DossierKind::Reevaluation, 4, today).await?;
            break;
        }
    }
    Ok(true)
}
