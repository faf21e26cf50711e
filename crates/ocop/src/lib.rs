//! The `ocop` binary's library half: start-up steps shared by the commands
//! and the end-to-end tests.

use anyhow::{Context, Result};
use chrono::NaiveDate;
use ocop_domain::admin_units::units;
use ocop_domain::auth::{Action, Capability, Role};
use ocop_store::Store;

mod evaluation_demo;
mod markets_demo;

/// Password of every demo account. Demo data is for trying the system out;
/// production runs with `--no-demo` and creates its accounts with `ocop user create`.
pub const DEMO_PASSWORD: &str = "ocop-demo-2026";

/// One demo account, as printed at start-up.
pub struct DemoAccount {
    pub username: String,
    pub role: String,
}

/// Connect, migrate, and load the administrative units if missing.
pub async fn open(database_url: &str) -> Result<Store> {
    let store = Store::connect(database_url).await.with_context(|| {
        format!(
            "không kết nối được cơ sở dữ liệu {}",
            redact_url(database_url)
        )
    })?;
    store
        .migrate()
        .await
        .context("di chuyển lược đồ thất bại")?;
    store
        .seed_reference(units())
        .await
        .context("nạp danh mục đơn vị hành chính thất bại")?;
    Ok(store)
}

/// Hide a password in a database URL before printing it.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Today in Vietnam (UTC+7).
pub fn today_vn() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive()
}

/// How much demo data to make.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct DemoSize {
    #[arg(long, default_value_t = DemoSize::default().producers)]
    pub producers: usize,
    #[arg(long, default_value_t = DemoSize::default().products)]
    pub products: usize,
    /// Points of sale under Decision 950, each made through the same calls as
    /// the office's forms (approved ones list products near them)
    #[arg(long, default_value_t = DemoSize::default().points_of_sale)]
    pub points_of_sale: usize,
    /// Score sheets of past evaluations, a council of 12 per recorded
    /// certificate
    #[arg(long, default_value_t = DemoSize::default().score_sheets)]
    pub score_sheets: usize,
    #[arg(long, default_value_t = DemoSize::default().seed)]
    pub seed: u64,
}

impl Default for DemoSize {
    /// What `cargo run` starts with: a province's worth of data across the country.
    fn default() -> Self {
        Self {
            producers: 340,
            products: 1000,
            points_of_sale: 40,
            score_sheets: 0,
            seed: 2026,
        }
    }
}

/// Generate and load demo data plus one account per role. Deterministic for a seed.
pub async fn seed_demo(
    store: &Store,
    files: &ocop_store::evidence::FileStore,
    size: DemoSize,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Vec<DemoAccount>> {
    let today = today_vn();
    let DemoSize {
        producers,
        products,
        points_of_sale,
        score_sheets,
        seed,
    } = size;
    let data = ocop_domain::demo::generate(units(), producers, products, seed, today);
    let report = store
        .load_demo(&data, chrono::Datelike::year(&today), progress)
        .await
        .context("nạp dữ liệu mẫu thất bại")?;
    // The commune officer and producer accounts sit where demo data is: the first Hà Nội producer.
    let (hn_index, hn) = data
        .iter()
        .enumerate()
        .find(|(_, p)| p.data.province_code == "01")
        .map(|(i, p)| (i, p.data.clone()))
        .context("dữ liệu mẫu không có chủ thể ở Hà Nội")?;
    let producer_id = report.producer_ids[hn_index];
    let commune_name = units()
        .commune(&hn.commune_code)
        .map(|c| c.name.clone())
        .unwrap_or_default();
    let accounts: Vec<(&str, &str, Role)> = vec![
        ("admin", "Quản trị hệ thống", Role::Admin),
        (
            "bo.nnmt",
            "Cán bộ Bộ Nông nghiệp và Môi trường",
            Role::Ministry,
        ),
        (
            "tinh.hanoi",
            "Văn phòng OCOP Thành phố Hà Nội",
            Role::ProvinceOffice {
                province: "01".into(),
            },
        ),
        (
            "xa.demo",
            "Phạm Văn Bình",
            Role::CommuneOfficer {
                province: "01".into(),
                commune: hn.commune_code.clone(),
            },
        ),
        (
            "chuthe.demo",
            hn.representative_name.as_str(),
            Role::Producer {
                province: hn.province_code.clone(),
                commune: hn.commune_code.clone(),
                producer_id,
            },
        ),
        ("muaban.demo", "Hệ thống siêu thị Xanh", Role::Buyer),
    ];
    let mut out = Vec::new();
    let mut buyer = None;
    for (username, full_name, role) in accounts {
        let id = store
            .create_user(
                &Capability::system(Action::CreateUser),
                username,
                full_name,
                None,
                DEMO_PASSWORD,
            )
            .await
            .with_context(|| format!("tạo tài khoản mẫu {username}"))?;
        store
            .grant_role(&Capability::system(Action::GrantRole), id, &role)
            .await?;
        if role == Role::Buyer {
            buyer = Some(ocop_domain::auth::Actor {
                user_id: id,
                username: username.into(),
                roles: vec![role.clone()],
            });
        }
        let label = match &role {
            Role::CommuneOfficer { .. } => format!("{} — {commune_name}", role.label()),
            Role::Producer { .. } => format!("{} — {}", role.label(), hn.name),
            Role::ProvinceOffice { .. } => format!("{} — Thành phố Hà Nội", role.label()),
            _ => role.label().to_string(),
        };
        out.push(DemoAccount {
            username: username.into(),
            role: label,
        });
    }
    store
        .load_demo_history(score_sheets, DEMO_PASSWORD, &|_| {})
        .await
        .context("tạo lịch sử đánh giá mẫu thất bại")?;
    let fair = markets_demo::seed_demo_events(store, &data, &report.producer_ids, today, seed)
        .await
        .context("tạo sự kiện mẫu thất bại")?;
    if let Some(buyer) = buyer {
        markets_demo::seed_demo_matching(store, &buyer, fair, today)
            .await
            .context("tạo dữ liệu kết nối cung cầu mẫu thất bại")?;
    }
    markets_demo::seed_demo_points_of_sale(store, files, points_of_sale, today, seed)
        .await
        .context("tạo điểm bán mẫu thất bại")?;
    if evaluation_demo::seed_demo_evaluation(store, producer_id, today)
        .await
        .context("tạo hồ sơ đánh giá mẫu thất bại")?
    {
        for (username, role) in evaluation_demo::council_accounts() {
            out.push(DemoAccount {
                username: username.into(),
                role: role.into(),
            });
        }
    }
    Ok(out)
}
