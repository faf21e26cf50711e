//! HTML pages (Vietnamese, server-rendered, no JavaScript needed).

mod account;
mod admin;
mod criteria;
mod exchange;
mod producers;
pub(crate) mod products;

use crate::error::AppError;
use crate::session::{User, Viewer};
use crate::templates::html;
use crate::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use minijinja::Value;
use ocop_domain::auth::{Action, Actor, Role, Scope};
use serde_json::{json, Map};

pub(crate) use admin::visible;
pub(crate) use criteria::tree_json as criteria_tree_json;
pub(crate) use exchange::run_import;
pub(crate) use exchange::{download, export_scope};
pub use exchange::{export_file, producer_cells, product_cells, ExportScope};
pub(crate) use products::check_image;

pub fn routes() -> Router<State> {
    Router::new()
        .route("/", get(home))
        .route("/dang-nhap", get(account::login_page).post(account::login))
        .route("/dang-xuat", post(account::logout))
        .route("/tai-khoan", get(account::account_page))
        .route("/tai-khoan/mat-khau", post(account::change_password))
        .route("/chu-the", get(producers::list))
        .route(
            "/chu-the/moi",
            get(producers::new_form).post(producers::create),
        )
        .route("/chu-the/{id}", get(producers::show))
        .route(
            "/chu-the/{id}/sua",
            get(producers::edit_form).post(producers::update),
        )
        .route("/chu-the/{id}/ngung", post(producers::deactivate))
        .route("/chu-the/{id}/mo-lai", post(producers::reactivate))
        .route(
            "/chu-the/{id}/san-pham/moi",
            get(products::new_form).post(products::create),
        )
        .route("/san-pham", get(products::list))
        .route("/san-pham/{id}", get(products::show))
        .route(
            "/san-pham/{id}/sua",
            get(products::edit_form).post(products::update),
        )
        .route(
            "/san-pham/{id}/chung-nhan",
            post(products::record_certificate),
        )
        .route(
            "/san-pham/{id}/chung-nhan/{cert}/thu-hoi",
            post(products::revoke_certificate),
        )
        .route("/san-pham/{id}/anh", post(products::upload_image))
        .route("/san-pham/{id}/ngung", post(products::deactivate))
        .route("/san-pham/{id}/mo-lai", post(products::reactivate))
        .route("/anh/{id}", get(products::image))
        .route("/nhap-du-lieu", get(exchange::page).post(exchange::upload))
        .route("/nhap-du-lieu/mau/{file}", get(exchange::template_file))
        .route("/xuat/{file}", get(exchange::export))
        .route(
            "/quan-tri/nguoi-dung",
            get(admin::users).post(admin::create_user),
        )
        .route("/quan-tri/nguoi-dung/{id}", get(admin::user))
        .route("/quan-tri/nguoi-dung/{id}/vai-tro", post(admin::grant))
        .route(
            "/quan-tri/nguoi-dung/{id}/vai-tro/{grant}/xoa",
            post(admin::revoke),
        )
        .route("/quan-tri/nguoi-dung/{id}/khoa", post(admin::lock))
        .route("/quan-tri/nguoi-dung/{id}/mo-khoa", post(admin::unlock))
        .route("/quan-tri/nhat-ky", get(admin::audit))
        .route("/tieu-chi", get(criteria::index))
        .route("/tieu-chi/{version}/{set}", get(criteria::sheet))
}

/// What every page template sees about the viewer.
pub(crate) fn viewer_json(user: Option<&User>) -> serde_json::Value {
    match user {
        None => serde_json::Value::Null,
        Some(u) => {
            let a = &u.actor;
            let probe = |action| a.roles.iter().any(|r| may_somewhere(r, action));
            json!({
                "username": a.username,
                "full_name": u.full_name,
                "roles": a.roles.iter().map(role_text).collect::<Vec<_>>(),
                "is_admin": a.is_admin(),
                "can_manage_users": probe(Action::CreateUser),
                "can_import": probe(Action::ImportRegistry),
                "can_create_producer": probe(Action::CreateProducer),
                "can_pos": probe(Action::ManagePointOfSale) || a.roles.iter().any(|r| matches!(r, Role::PointOfSale { .. })),
                "can_rounds": probe(Action::ManageRound) || a.roles.iter().any(|r| matches!(r, Role::CouncilMember { .. })),
            })
        }
    }
}

/// Could this role do `action` in at least its own scope? (For showing links;
/// the real check is made on the record.)
fn may_somewhere(role: &Role, action: Action) -> bool {
    ocop_domain::auth::permits(role, action, &role.scope(), None)
}

/// "Văn phòng OCOP tỉnh — Thành phố Hà Nội".
pub(crate) fn role_text(r: &Role) -> String {
    let u = ocop_domain::admin_units::units();
    match r {
        Role::ProvinceOffice { province } => {
            format!(
                "{} — {}",
                r.label(),
                u.province(province)
                    .map(|p| p.name.as_str())
                    .unwrap_or(province)
            )
        }
        Role::CommuneOfficer { commune, .. } => {
            format!(
                "{} — {}",
                r.label(),
                u.commune(commune)
                    .map(|c| c.name.as_str())
                    .unwrap_or(commune)
            )
        }
        Role::Producer { producer_id, .. } => format!("{} #{producer_id}", r.label()),
        _ => r.label().to_string(),
    }
}

/// A page context with the common keys filled in.
pub(crate) fn ctx(
    user: Option<&User>,
    active: &str,
    title: &str,
) -> Map<String, serde_json::Value> {
    let mut m = Map::new();
    m.insert("viewer".into(), viewer_json(user));
    m.insert("csrf".into(), json!(user.map(|u| u.csrf.clone())));
    m.insert("active".into(), json!(active));
    m.insert("title".into(), json!(title));
    m
}

pub(crate) fn render(state: &State, name: &str, ctx: Map<String, serde_json::Value>) -> Response {
    html(
        &state.templates,
        name,
        Value::from_serialize(serde_json::Value::Object(ctx)),
    )
}

/// Render an error as a Vietnamese page with the right status.
pub(crate) fn error_page(state: &State, user: Option<&User>, e: AppError) -> Response {
    let status = e.status();
    if let AppError::Internal(msg) = &e {
        tracing::error!(error = %msg, "internal error");
    }
    let heading = match status {
        StatusCode::NOT_FOUND => "Không tìm thấy",
        StatusCode::FORBIDDEN => "Không có quyền",
        StatusCode::UNAUTHORIZED => "Cần đăng nhập",
        StatusCode::TOO_MANY_REQUESTS => "Thử quá nhiều lần",
        StatusCode::INTERNAL_SERVER_ERROR => "Lỗi hệ thống",
        _ => "Không thực hiện được",
    };
    let mut c = ctx(user, "", heading);
    c.insert("heading".into(), json!(heading));
    c.insert("message".into(), json!(e.detail().message));
    (status, render(state, "error.html", c)).into_response()
}

pub(crate) type PageResult = Result<Response, Response>;

/// `?` for pages: turn an error into its page.
pub(crate) trait OrPage<T> {
    fn or_page(self, state: &State, user: Option<&User>) -> Result<T, Response>;
}

impl<T, E: Into<AppError>> OrPage<T> for Result<T, E> {
    fn or_page(self, state: &State, user: Option<&User>) -> Result<T, Response> {
        self.map_err(|e| error_page(state, user, e.into()))
    }
}

pub async fn not_found(
    axum::extract::State(state): axum::extract::State<State>,
    viewer: Viewer,
) -> Response {
    error_page(
        &state,
        viewer.0.as_ref(),
        AppError::NotFound("trang này".into()),
    )
}

/// Redirect after a successful POST, with a message shown once on the next page.
pub(crate) fn see_other(to: &str) -> Response {
    axum::response::Redirect::to(to).into_response()
}

/// Flash messages are carried as a short code in the query string.
pub(crate) fn flash_text(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "da-luu" => "Đã lưu.",
        "da-tao" => "Đã tạo.",
        "da-ngung" => "Đã chuyển sang ngừng hoạt động. Hồ sơ và lịch sử vẫn được giữ.",
        "da-mo-lai" => "Đã cho hoạt động lại.",
        "da-ghi-nhan" => "Đã ghi nhận giấy chứng nhận.",
        "da-nop" => "Đã nộp hồ sơ: UBND xã xem xét trong 15 ngày làm việc.",
        "da-chuyen" => "Đã chuyển hồ sơ lên tỉnh.",
        "da-tra-lai" => "Đã trả hồ sơ để chủ thể bổ sung.",
        "da-rut" => "Đã rút hồ sơ.",
        "da-luu-nhap" => {
            "Đã lưu bản nháp. Hồ sơ chưa gửi UBND xã: khi đủ thông tin, bấm “Nộp hồ sơ”."
        }
        "da-huy-nhap" => "Đã huỷ bản nháp.",
        "da-gui-trao-doi" => "Đã gửi nội dung trao đổi.",
        "da-nop-phieu" => "Đã nộp phiếu đánh giá.",
        "da-ket-thuc" => "Đã kết thúc chấm điểm: kết quả hội đồng đã được ghi.",
        "da-quyet-dinh" => "Đã ghi nhận quyết định.",
        "da-thu-hoi-gcn" => "Đã thu hồi giấy chứng nhận: trang xác minh công khai hiển thị ngay.",
        "da-tai-anh" => "Đã tải ảnh lên.",
        "da-tai-minh-chung" => "Đã tải tài liệu minh chứng lên.",
        "da-luu-tu-van" => "Đã lưu nội dung của Tổ tư vấn.",
        "da-tai-tep" => "Đã tải tệp lên.",
        "da-ghi-kiem-tra" => "Đã ghi kết quả kiểm tra sau công nhận.",
        "da-loai" => "Đã loại hồ sơ theo điều kiện loại; căn cứ đã được ghi.",
        "da-go-minh-chung" => "Đã gỡ tài liệu minh chứng.",
        "da-doi-mat-khau" => "Đã đổi mật khẩu.",
        "da-cap-vai-tro" => "Đã cấp vai trò.",
        "da-thu-hoi" => "Đã thu hồi vai trò.",
        "da-dang-ky" => "Đã đăng ký gian hàng: ban tổ chức sẽ bố trí và thông báo số gian hàng.",
        "da-mo-lai-phieu" => "Đã mở lại các phiếu: thành viên hội đồng chấm lại.",
        "da-gui" => "Đã gửi lời giới thiệu; bên kia sẽ trả lời.",
        "da-tong-ket" => "Đã công bố báo cáo tổng kết; số liệu của sự kiện được khoá.",
        _ => return None,
    })
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct FlashQuery {
    pub tb: Option<String>,
    /// The page of a paged list on the page.
    pub trang: Option<i64>,
}

/// The province the viewer's dashboard is about, if any.
fn home_province(actor: &Actor) -> Option<String> {
    let s: Scope = actor.home_scope();
    s.province
}

async fn home(
    axum::extract::State(state): axum::extract::State<State>,
    viewer: Viewer,
    axum::extract::Query(fq): axum::extract::Query<FlashQuery>,
) -> PageResult {
    let user = viewer.0.as_ref();
    let province = user.and_then(|u| home_province(&u.actor));
    let counts = state
        .store
        .registry_counts(province.as_deref())
        .await
        .or_page(&state, user)?;
    // Certified products by stars, and those expiring soon, as the public
    // catalog and statistics count them (a valid certificate of an active
    // product of an active producer): from the search's facet table, not a
    // pass over every product's latest certificate in SQL (0.15 s at
    // national size).
    let catalog = state
        .search
        .catalog(
            &ocop_store::catalog::CatalogFilter {
                province: province.clone(),
                per_page: 1,
                page: 1,
                ..Default::default()
            },
            state.today(),
        )
        .await
        .or_page(&state, user)?;
    let mut c = ctx(user, "home", "Tổng quan");
    let stars: Vec<serde_json::Value> = [3i64, 4, 5]
        .iter()
        .map(|s| {
            let n = catalog.facets.stars.get(&s.to_string()).copied();
            json!({"stars": s, "count": n.unwrap_or(0)})
        })
        .collect();
    c.insert("counts".into(), json!(counts));
    c.insert("stars".into(), json!(stars));
    c.insert(
        "scope_name".into(),
        json!(province
            .as_ref()
            .and_then(|p| ocop_domain::admin_units::units()
                .province(p)
                .map(|p| p.name.clone()))),
    );
    // Work waiting for this person: dossiers in their scope, and certificates
    // of their province entering the re-evaluation window.
    if let Some(u) = user {
        if let Some(f) = crate::dossiers::visible_filter(&u.actor) {
            // Counted and picked in SQL: a province holds tens of thousands
            // of dossiers at national size.
            let counts = state
                .store
                .dossier_counts(&f, state.today())
                .await
                .or_page(&state, user)?;
            // Threads where someone else had the last word in the last two weeks.
            let since = chrono::Utc::now() - chrono::Duration::days(14);
            let replies: Vec<_> = state
                .store
                .dossiers_with_replies(&f, u.actor.user_id, since, 5)
                .await
                .or_page(&state, user)?
                .iter()
                .map(|d| json!({"id": d.dossier.id, "product_name": d.product_name, "at": d.last_comment_at, "count": d.comment_count}))
                .collect();
            let mut dossiers = json!(counts);
            dossiers["replies"] = json!(replies);
            c.insert("dossiers".into(), dossiers);
        }
        let expiring = catalog.facets.status.get("expiring_soon").copied();
        c.insert(
            "expiring".into(),
            json!({"count": expiring.unwrap_or(0), "href": format!("/danh-muc?tinh_trang=expiring_soon{}", province.as_deref().map(|p| format!("&tinh={p}")).unwrap_or_default())}),
        );
        c.insert(
            "reevaluation".into(),
            crate::dossiers::reevaluation_notices(&state, u)
                .await
                .or_page(&state, user)?,
        );
        c.insert(
            "revocations".into(),
            crate::inspections::revocation_notices(&state, u)
                .await
                .or_page(&state, user)?,
        );
        c.insert(
            "suspended".into(),
            json!(crate::markets::suspension_notices(&state, u)
                .await
                .or_page(&state, user)?),
        );
    }
    c.insert("flash".into(), json!(flash_text(fq.tb.as_deref())));
    Ok(render(&state, "home.html", c))
}

/// A generated file as a download.
pub(crate) fn attachment(bytes: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    use axum::http::{header, HeaderValue};
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub(crate) const PDF: &str = "application/pdf";

/// Options for a `<select>`: `[{value, label}]`.
pub(crate) fn options<I: IntoIterator<Item = (String, String)>>(items: I) -> serde_json::Value {
    json!(items
        .into_iter()
        .map(|(v, l)| json!({"value": v, "label": l}))
        .collect::<Vec<_>>())
}

pub(crate) fn province_options() -> serde_json::Value {
    json!(ocop_domain::admin_units::units()
        .provinces_sorted()
        .iter()
        .map(|p| json!({"code": p.code, "name": p.name}))
        .collect::<Vec<_>>())
}

/// Human label of an audit action code.
pub(crate) fn action_label(code: &str) -> &'static str {
    match code {
        "producer.create" => "tạo chủ thể",
        "producer.edit" => "sửa thông tin chủ thể",
        "producer.deactivate" => "đổi trạng thái hoạt động",
        "product.create" => "tạo sản phẩm",
        "product.edit" => "sửa sản phẩm",
        "product.deactivate" => "đổi trạng thái sản phẩm",
        "product.image" => "thêm ảnh",
        "certificate.record" => "ghi nhận giấy chứng nhận",
        "certificate.revoke_provincial" | "certificate.revoke_national" => {
            "thu hồi giấy chứng nhận"
        }
        "dossier.file" => "nộp / nộp lại / rút hồ sơ",
        "dossier.review" => "UBND xã xem xét hồ sơ",
        "dossier.score" => "thành viên hội đồng nộp phiếu",
        "round.manage" => "văn phòng OCOP tỉnh quản lý đợt đánh giá",
        "dossier.decide" => "ra quyết định",
        "pos.manage" => "quản lý điểm bán",
        "pos.listing" => "bày bán sản phẩm",
        "product.designation" => "ghi nhận danh hiệu (QĐ 950)",
        "event.manage" => "ban tổ chức cập nhật sự kiện",
        "event.apply_booth" => "đăng ký gian hàng",
        "demand.post" | "demand.manage" => "nhu cầu thu mua",
        "offer.post" => "chào hàng",
        "match.introduce" => "giới thiệu cung cầu",
        "agreement.record" => "thoả thuận hợp tác",
        "certificate.inspect" => "ghi kết quả kiểm tra sau công nhận",
        "registry.import" => "nhập từ tệp",
        "user.create" => "tạo người dùng",
        "user.grant_role" => "đổi vai trò",
        "user.deactivate" => "khoá/mở khoá tài khoản",
        "user.change_password" => "đổi mật khẩu",
        _ => "thao tác khác",
    }
}

pub(crate) fn history_json(entries: &[ocop_store::audit::AuditEntry]) -> serde_json::Value {
    json!(entries
        .iter()
        .map(|h| json!({"at": h.at, "actor_name": h.actor_name, "action_label": history_label(h)}))
        .collect::<Vec<_>>())
}

/// A history line's wording: a dossier's or a point of sale's move is named
/// by the state it reached.
fn history_label(h: &ocop_store::audit::AuditEntry) -> &'static str {
    if h.entity == "point_of_sale" {
        let after = serde_json::from_str::<serde_json::Value>(&h.after).unwrap_or_default();
        if let Some(status) = after.get("status").and_then(|s| s.as_str()) {
            return ocop_domain::market::status_label(status).unwrap_or("đổi trạng thái");
        }
        if after.get("listed").is_some() {
            return "thêm sản phẩm bày bán";
        }
        if after.get("file").is_some() {
            return "tải ảnh hoặc minh chứng tiêu chí";
        }
        return "đăng ký điểm bán";
    }
    if h.entity == "dossier" {
        let status_in = |json: &str| {
            serde_json::from_str::<serde_json::Value>(json)
                .ok()
                .and_then(|v| v.get("status").and_then(|s| s.as_str()).map(str::to_string))
        };
        let status = status_in(&h.after);
        let from_draft = status_in(&h.before).as_deref() == Some("draft");
        return match status.as_deref() {
            _ if h.action == "dossier.comment" => "viết trao đổi",
            Some("draft") if from_draft => "sửa bản nháp",
            Some("draft") => "lưu bản nháp",
            Some("submitted") if from_draft => "nộp hồ sơ (từ bản nháp)",
            Some("withdrawn") if from_draft => "huỷ bản nháp",
            // A filing's own entry has no state before it.
            Some("submitted") if status_in(&h.before).is_none() => "nộp hồ sơ",
            None if h.action == "dossier.score" => "thành viên hội đồng nộp phiếu",
            None if h.after.contains("\"reopened\"") => "mở lại phiếu để hội đồng chấm lại",
            None if h.after.contains("\"evidence_removed\"") => "gỡ tài liệu minh chứng",
            None if h.after.contains("\"evidence\"") => "tải tài liệu minh chứng",
            None if h.after.contains("\"recused\"") => "thành viên khai xung đột lợi ích",
            None => "nộp hồ sơ",
            Some("submitted") => "nộp lại hồ sơ",
            Some("returned") => "UBND xã trả lại để bổ sung",
            Some("forwarded") => "UBND xã chuyển lên tỉnh",
            Some("withdrawn") => "rút hồ sơ",
            Some("in_round") => "đưa vào đợt đánh giá",
            Some("scored") => "hội đồng kết thúc chấm điểm",
            Some("recognized") => "quyết định công nhận, cấp giấy chứng nhận",
            Some("not_recognized") => "không công nhận",
            Some("sent_to_ministry") => "gửi Bộ đánh giá 5 sao",
            Some("returned_by_ministry") => "Bộ trả về tỉnh (không đạt 5 sao)",
            Some("rejected") => "loại hồ sơ theo điều kiện loại",
            Some(_) => action_label(&h.action),
        };
    }
    action_label(&h.action)
}

/// Map validation errors to `{field: message}` for the form templates.
pub(crate) fn field_errors(e: &AppError) -> serde_json::Value {
    let mut m = Map::new();
    for f in e.detail().fields {
        m.entry(f.field.clone()).or_insert(json!(f.message));
    }
    serde_json::Value::Object(m)
}

/// Parse the form's `version` field.
pub(crate) fn version_of(form: &std::collections::HashMap<String, String>) -> Option<i64> {
    form.get("version").and_then(|v| v.parse().ok())
}

/// A form as a map, NFC-normalised values (see `ocop_domain::text::clean`).
pub(crate) type FormMap = std::collections::HashMap<String, String>;

pub(crate) fn csrf_of(form: &FormMap) -> &str {
    form.get("_csrf").map(|s| s.as_str()).unwrap_or("")
}

/// A count typed in a form ("1.200" with thousands dots): None when blank;
/// text that is no number becomes -1, which validation refuses by name.
pub(crate) fn form_count(form: &FormMap, key: &str) -> Option<i64> {
    form.get(key)
        .map(|s| s.replace(['.', ' '], ""))
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<i64>().unwrap_or(-1))
}

/// The codes of a group of checkboxes named `<prefix><code>`, sorted.
pub(crate) fn checked_codes(form: &FormMap, prefix: &str) -> Vec<String> {
    let mut v: Vec<String> = form
        .keys()
        .filter_map(|k| k.strip_prefix(prefix).map(str::to_string))
        .collect();
    v.sort();
    v
}

/// Deserialize a typed input from a form map (unknown keys ignored). Only
/// for inputs whose fields are all text: a field of another type fails the
/// whole conversion and yields the default (empty) input.
pub(crate) fn input_from<T: serde::de::DeserializeOwned + Default>(form: &FormMap) -> T {
    serde_json::to_value(form)
        .and_then(serde_json::from_value)
        .unwrap_or_default()
}
