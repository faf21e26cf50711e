//! `ocop`: the OCOP information system in one binary.

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use ocop::{open, redact_url, seed_demo, today_vn, DemoSize, DEMO_PASSWORD};
use ocop_domain::auth::{Action, Capability, Role};
use std::net::SocketAddr;
use std::path::PathBuf;

/// mimalloc rather than glibc's malloc: glibc keeps memory freed by each of
/// SQLite's worker threads in that thread's own arena, so the heap grew
/// under a long mixed load; mimalloc returns it (measured in
/// docs/performance.md, "Soak").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "ocop",
    version,
    about = "Hệ thống thông tin Chương trình OCOP (Mỗi xã một sản phẩm)"
)]
struct Cli {
    /// Database: sqlite://PATH (default, embedded) or postgres://USER:PASS@HOST/DB
    #[arg(
        long,
        global = true,
        env = "OCOP_DATABASE_URL",
        default_value = "sqlite://data/ocop.db"
    )]
    database_url: String,
    /// Directory of the search index (derived data, rebuilt when missing);
    /// default: beside the SQLite file, or ./data/search-index
    #[arg(long, global = true, env = "OCOP_INDEX_DIR")]
    index_dir: Option<PathBuf>,
    /// Directory of the dossiers' evidence files (kept by content hash; back
    /// it up with the database); default: beside the SQLite file, or ./data/files
    #[arg(long, global = true, env = "OCOP_FILES_DIR")]
    files_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web UI and API (the default command)
    Serve(ServeArgs),
    /// Apply database migrations and load reference data, then exit
    Migrate,
    /// Generate demo data (deterministic for a seed) and demo accounts
    Demo(DemoSize),
    /// Import producers or products from a CSV or XLSX file (all or nothing)
    Import {
        /// producers | products
        kind: String,
        file: PathBuf,
    },
    /// Export producers or products as CSV or XLSX
    Export {
        /// producers | products
        kind: String,
        /// Output file; .csv or .xlsx decides the format
        out: PathBuf,
        /// Only this province (code)
        #[arg(long)]
        province: Option<String>,
    },
    /// Manage accounts
    #[command(subcommand)]
    User(UserCommand),
    /// Write a consistent copy of the database (safe while the server runs)
    Backup {
        /// Output file (SQLite) or directory-less file name for pg_dump's custom format (PostgreSQL)
        out: PathBuf,
    },
    /// Rebuild the catalog's search index from the database (server stopped)
    Reindex,
    /// Audit log tools
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Criteria sheets (rules as data)
    #[command(subcommand)]
    Criteria(CriteriaCommand),
}

#[derive(Subcommand)]
enum CriteriaCommand {
    /// Validate every sheet of every version and print every fault of the sources
    Check {
        /// Only this version (qd148-2023, qd26-2026)
        #[arg(long)]
        version: Option<String>,
        /// Exit 1 when any fault is found
        #[arg(long)]
        strict: bool,
    },
}

#[derive(Args)]
struct ServeArgs {
    /// Address and port to listen on
    #[arg(long, env = "OCOP_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Do not seed demo data into an empty database
    #[arg(long, env = "OCOP_NO_DEMO")]
    no_demo: bool,
    /// Mark cookies Secure (when served over HTTPS)
    #[arg(long, env = "OCOP_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Log as JSON lines (production)
    #[arg(long, env = "OCOP_LOG_JSON")]
    log_json: bool,
    /// Public address printed in QR codes (e.g. https://ocop.example.vn); default: each request's Host
    #[arg(long, env = "OCOP_PUBLIC_URL")]
    public_url: Option<String>,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from OCOP_PASSWORD or asked for
    Create {
        username: String,
        #[arg(long)]
        full_name: String,
        #[arg(long)]
        email: Option<String>,
        /// admin, ministry, province_office, commune_officer, buyer
        #[arg(long)]
        role: Option<String>,
        /// Province code (province_office)
        #[arg(long)]
        province: Option<String>,
        /// Commune code (commune_officer)
        #[arg(long)]
        commune: Option<String>,
    },
    /// Set a password (from OCOP_PASSWORD or asked for)
    Passwd { username: String },
    /// List accounts and roles
    List,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain; exit 1 if any entry was edited or deleted
    Verify,
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("OCOP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn bar(len: u64, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template(&format!(
            "{what} [{{bar:40}}] {{pos}}/{{len}} ({{per_sec}}, còn {{eta}})"
        ))
        .expect("valid template")
        .progress_chars("=> "),
    );
    pb
}

fn read_password() -> Result<String> {
    if let Ok(p) = std::env::var("OCOP_PASSWORD") {
        return Ok(p);
    }
    eprint!("Mật khẩu (ít nhất 10 ký tự): ");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let command = cli
        .command
        .unwrap_or(Command::Serve(ServeArgs::parse_default()));
    match command {
        Command::Serve(args) => {
            serve(
                &cli.database_url,
                &index_dir(&cli.database_url, &cli.index_dir),
                files_dir(&cli.database_url, &cli.files_dir),
                args,
            )
            .await
        }
        Command::Reindex => {
            let store = open(&cli.database_url).await?;
            let dir = index_dir(&cli.database_url, &cli.index_dir);
            let started = std::time::Instant::now();
            let n = ocop_search::Search::reindex(&store, &dir).await?;
            println!(
                "Đã dựng lại chỉ mục tìm kiếm {}: {n} sản phẩm trong {:.2} s.",
                dir.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Migrate => {
            init_logging(false);
            let store = open(&cli.database_url).await?;
            let (p, c, l) = store.reference_counts().await?;
            println!(
                "Đã di chuyển lược đồ {}: {p} tỉnh, {c} xã hiện hành, {l} xã cũ.",
                redact_url(&cli.database_url)
            );
            Ok(())
        }
        Command::Demo(size) => {
            let store = open(&cli.database_url).await?;
            if store.user_count().await? > 0 {
                bail!(
                    "Cơ sở dữ liệu đã có người dùng: dữ liệu mẫu chỉ nạp vào cơ sở dữ liệu trống."
                );
            }
            let pb = bar(size.producers as u64, "Dữ liệu mẫu");
            let started = std::time::Instant::now();
            let files =
                ocop_store::evidence::FileStore::new(files_dir(&cli.database_url, &cli.files_dir));
            let accounts = seed_demo(&store, &files, size, &|n| pb.set_position(n as u64)).await?;
            pb.finish_and_clear();
            println!(
                "Đã tạo {} chủ thể, {} sản phẩm, {} điểm bán, {} phiếu chấm của các đợt đã qua trong {:.1} s.",
                size.producers,
                size.products,
                size.points_of_sale,
                size.score_sheets,
                started.elapsed().as_secs_f64()
            );
            print_accounts(&accounts);
            Ok(())
        }
        Command::Import { kind, file } => {
            // The store's warnings (a bulk load's settings not put back) and,
            // with OCOP_LOG=ocop_store=debug, where an import's time goes.
            init_logging(false);
            import(&cli.database_url, &kind, &file).await
        }
        Command::Export {
            kind,
            out,
            province,
        } => export(&cli.database_url, &kind, &out, province).await,
        Command::User(cmd) => user(&cli.database_url, cmd).await,
        Command::Backup { out } => {
            backup(
                &cli.database_url,
                &files_dir(&cli.database_url, &cli.files_dir),
                &out,
            )
            .await
        }
        Command::Criteria(CriteriaCommand::Check { version, strict }) => {
            let mut total = 0;
            for v in ocop_domain::criteria::versions() {
                if version.as_deref().is_some_and(|want| want != v.id) {
                    continue;
                }
                let faults = v.check();
                println!(
                    "{} — {}: {} phiếu, {} lỗi nguồn",
                    v.id,
                    v.title,
                    v.sheets.len(),
                    faults.len()
                );
                for f in &faults {
                    println!("  {f}");
                }
                total += faults.len();
            }
            println!(
                "Chi tiết và các chỗ đã sửa: data/criteria/<phiên bản>/FAULTS.md, corrections.csv."
            );
            if strict && total > 0 {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Audit(AuditCommand::Verify) => {
            let store = open(&cli.database_url).await?;
            let report = store.verify_audit().await?;
            if report.faults.is_empty() {
                println!("Nhật ký toàn vẹn: {} mục, chuỗi băm khớp.", report.entries);
                Ok(())
            } else {
                for f in &report.faults {
                    eprintln!("LỖI: {f}");
                }
                eprintln!(
                    "Nhật ký KHÔNG toàn vẹn: {} lỗi trên {} mục.",
                    report.faults.len(),
                    report.entries
                );
                std::process::exit(1);
            }
        }
    }
}

impl ServeArgs {
    /// `ocop` with no subcommand behaves as `ocop serve`, environment variables included.
    fn parse_default() -> Self {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            args: ServeArgs,
        }
        Only::parse_from(["ocop"]).args
    }
}

fn print_accounts(accounts: &[ocop::DemoAccount]) {
    println!("Tài khoản demo (mật khẩu chung: {DEMO_PASSWORD}):");
    for a in accounts {
        println!("  {:<12} {}", a.username, a.role);
    }
}

/// The search index's directory: as given, else beside the SQLite file, else
/// `data/search-index`.
fn index_dir(database_url: &str, given: &Option<PathBuf>) -> PathBuf {
    beside_database(database_url, given, "search", "data/search-index")
}

/// The evidence files' directory: as given, else beside the SQLite file, else `data/files`.
fn files_dir(database_url: &str, given: &Option<PathBuf>) -> PathBuf {
    beside_database(database_url, given, "files", "data/files")
}

/// A directory the database needs: as given, else `<SQLite file>.<suffix>`,
/// else `fallback` (PostgreSQL).
fn beside_database(
    database_url: &str,
    given: &Option<PathBuf>,
    suffix: &str,
    fallback: &str,
) -> PathBuf {
    if let Some(d) = given {
        return d.clone();
    }
    match database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
    {
        Some(path) => PathBuf::from(format!("{path}.{suffix}")),
        None => PathBuf::from(fallback),
    }
}

async fn serve(
    database_url: &str,
    index_dir: &std::path::Path,
    files_dir: PathBuf,
    args: ServeArgs,
) -> Result<()> {
    init_logging(args.log_json);
    let started = std::time::Instant::now();
    let store = open(database_url).await?;
    if !args.no_demo && store.user_count().await? == 0 {
        println!("Cơ sở dữ liệu trống: đang nạp dữ liệu mẫu…");
        let files = ocop_store::evidence::FileStore::new(files_dir.clone());
        let accounts = seed_demo(&store, &files, DemoSize::default(), &|_| {}).await?;
        print_accounts(&accounts);
    } else if store.user_count().await? == 0 {
        println!("Chưa có tài khoản nào: tạo quản trị viên bằng `ocop user create admin --full-name \"…\" --role admin`.");
    }
    let search = ocop_search::Search::open(store.clone(), Some(index_dir))
        .await
        .context("chỉ mục tìm kiếm")?;
    // Writes made by other processes (a command-line import) reach the
    // index within this interval; this process's own writes at once.
    let _follower = search.follow(std::time::Duration::from_millis(500));
    let state = ocop_web::AppState::new(
        store.clone(),
        search.clone(),
        ocop_web::Config {
            secure_cookies: args.secure_cookies,
            today: Default::default(),
            public_url: args.public_url.clone(),
            files_dir: Some(files_dir),
        },
    );
    let app = ocop_web::router(state);
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("không mở được cổng {}", args.bind))?;
    let addr = listener.local_addr()?;
    println!(
        "Hệ thống OCOP đang chạy tại http://{addr} (cơ sở dữ liệu {}, sẵn sàng sau {:.2} s)",
        redact_url(database_url),
        started.elapsed().as_secs_f64()
    );
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stop_requested())
    .await?;
    // The next start then reads the facet table from a file instead of the
    // whole catalog; failing to save it only makes that start slower.
    if let Err(e) = search.save_snapshot().await {
        tracing::warn!(error = %e, "facet table snapshot not saved");
    }
    store.close().await;
    Ok(())
}

/// Ctrl-C, or SIGTERM (what service managers and `kill` send): either stops
/// the server cleanly, letting requests in flight finish.
async fn stop_requested() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

async fn import(database_url: &str, kind: &str, file: &std::path::Path) -> Result<()> {
    let store = open(database_url).await?;
    let bytes =
        std::fs::read(file).with_context(|| format!("không đọc được tệp {}", file.display()))?;
    let format = ocop_docs::Format::from_name(&file.to_string_lossy())
        .unwrap_or_else(|| ocop_docs::Format::sniff(&bytes));
    let cap = Capability::system(Action::ImportRegistry);
    let started = std::time::Instant::now();
    let result = match kind {
        "producers" => match ocop_docs::import::prepare_producers(
            &bytes,
            format,
            ocop_domain::admin_units::units(),
        ) {
            Ok(rows) => {
                let pb = bar(rows.len() as u64, "Chủ thể");
                let r = store
                    .import_producers(&cap, &rows, &|n| pb.set_position(n as u64))
                    .await?;
                pb.finish_and_clear();
                r
            }
            Err(e) => Err(e),
        },
        "products" => match ocop_docs::import::prepare_products(&bytes, format, today_vn()) {
            Ok(rows) => {
                let pb = bar(rows.len() as u64, "Sản phẩm");
                let r = store
                    .import_products(&cap, &rows, chrono::Datelike::year(&today_vn()), &|n| {
                        pb.set_position(n as u64)
                    })
                    .await?;
                pb.finish_and_clear();
                r
            }
            Err(e) => Err(e),
        },
        other => bail!("loại dữ liệu \"{other}\" không có: dùng producers hoặc products"),
    };
    match result {
        Ok(r) => {
            println!(
                "Đã nhập {}: {} mới, {} cập nhật, {} giấy chứng nhận ({:.1} s).",
                file.display(),
                r.created,
                r.updated,
                r.certificates,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Err(lines) => {
            eprintln!(
                "Tệp {} bị từ chối, không có gì được ghi. {} lỗi:",
                file.display(),
                lines.len()
            );
            for l in &lines {
                eprintln!("  {l}");
            }
            std::process::exit(1);
        }
    }
}

async fn export(
    database_url: &str,
    kind: &str,
    out: &std::path::Path,
    province: Option<String>,
) -> Result<()> {
    let store = open(database_url).await?;
    let name = out.to_string_lossy().to_string();
    let format =
        ocop_docs::Format::from_name(&name).context("tệp xuất phải có đuôi .csv hoặc .xlsx")?;
    if kind != "producers" && kind != "products" {
        bail!("loại dữ liệu \"{kind}\" không có: dùng producers hoặc products");
    }
    let bytes = ocop_web::export::export_file(&store, (province, None, None), kind, format)
        .await
        .map_err(|e| anyhow::anyhow!(e.detail().message))?;
    std::fs::write(out, bytes).with_context(|| format!("không ghi được {}", out.display()))?;
    println!("Đã xuất {kind} vào {}.", out.display());
    Ok(())
}

async fn user(database_url: &str, cmd: UserCommand) -> Result<()> {
    let store = open(database_url).await?;
    match cmd {
        UserCommand::Create {
            username,
            full_name,
            email,
            role,
            province,
            commune,
        } => {
            let role = match role.as_deref() {
                None => None,
                Some("admin") => Some(Role::Admin),
                Some("ministry") => Some(Role::Ministry),
                Some("buyer") => Some(Role::Buyer),
                Some("province_office") => {
                    let p = province.context("--province là bắt buộc với province_office")?;
                    ocop_domain::admin_units::units()
                        .province(&p)
                        .with_context(|| format!("mã tỉnh {p} không có"))?;
                    Some(Role::ProvinceOffice { province: p })
                }
                Some("commune_officer") => {
                    let c = commune.context("--commune là bắt buộc với commune_officer")?;
                    let unit = ocop_domain::admin_units::units()
                        .commune(&c)
                        .with_context(|| format!("mã xã {c} không có"))?;
                    Some(Role::CommuneOfficer {
                        province: unit.province_code.clone(),
                        commune: c,
                    })
                }
                Some(other) => {
                    bail!("vai trò \"{other}\" không cấp được từ dòng lệnh (dùng trang quản trị)")
                }
            };
            let password = read_password()?;
            let id = store
                .create_user(
                    &Capability::system(Action::CreateUser),
                    &username,
                    &full_name,
                    email.as_deref(),
                    &password,
                )
                .await?;
            if let Some(role) = role {
                store
                    .grant_role(&Capability::system(Action::GrantRole), id, &role)
                    .await?;
            }
            println!("Đã tạo người dùng {username} (#{id}).");
        }
        UserCommand::Passwd { username } => {
            let u = store
                .user_by_username(&username)
                .await?
                .with_context(|| format!("không có người dùng {username}"))?;
            let password = read_password()?;
            store
                .set_password(
                    &Capability::system(Action::ChangeOwnPassword),
                    u.id,
                    &password,
                )
                .await?;
            println!("Đã đặt mật khẩu mới cho {username}; mọi phiên đăng nhập của người này đã kết thúc.");
        }
        UserCommand::List => {
            for u in store.list_users().await? {
                let roles: Vec<String> = store
                    .grants(u.id)
                    .await?
                    .iter()
                    .map(|g| g.role.label().to_string())
                    .collect();
                println!(
                    "{:<16} {:<36} {}{}",
                    u.username,
                    u.full_name,
                    roles.join(", "),
                    if u.active { "" } else { " (đã khoá)" }
                );
            }
        }
    }
    Ok(())
}

async fn backup(database_url: &str, files: &std::path::Path, out: &std::path::Path) -> Result<()> {
    let store = open(database_url).await?;
    if out.exists() {
        bail!("{} đã tồn tại: chọn tên tệp khác", out.display());
    }
    match store.backend() {
        ocop_store::Backend::Sqlite => {
            store.backup_sqlite(&out.to_string_lossy()).await?;
        }
        ocop_store::Backend::Postgres => {
            let status = std::process::Command::new("pg_dump")
                .args(["--format=custom", "--file"])
                .arg(out)
                .arg(database_url)
                .status()
                .context("không chạy được pg_dump (cài gói postgresql-client)")?;
            if !status.success() {
                bail!("pg_dump thất bại ({status})");
            }
        }
    }
    // Evidence files after the database: the copy refers only to files
    // written before it (a file is stored before its row).
    let files_out = PathBuf::from(format!("{}.files", out.display()));
    let copied = copy_files(files, &files_out)?;
    println!(
        "Đã sao lưu vào {} ({copied} tệp minh chứng trong {}).",
        out.display(),
        files_out.display()
    );
    Ok(())
}

/// Copy the evidence files (content-addressed, never changed) from `src` to
/// `dst`, leaving out unfinished temporary files; how many were copied.
fn copy_files(src: &std::path::Path, dst: &std::path::Path) -> Result<usize> {
    if !src.exists() {
        return Ok(0);
    }
    let mut n = 0;
    for entry in std::fs::read_dir(src)? {
        let entry = entry?;
        let path = entry.path();
        let target = dst.join(entry.file_name());
        if path.is_dir() {
            n += copy_files(&path, &target)?;
        } else if !entry.file_name().to_string_lossy().ends_with(".tmp") {
            std::fs::create_dir_all(dst)?;
            std::fs::copy(&path, &target)?;
            n += 1;
        }
    }
    Ok(n)
}
