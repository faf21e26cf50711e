//! Points of sale on the web: registration and status by the province,
//! listings by the point's operator (or the province), the public
//! directory, and "where to buy" on product pages.

use crate::api::{ApiJson, ApiQuery};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::pages::{
    csrf_of, ctx, error_page, flash_text, options, render, see_other, FlashQuery, FormMap, OrPage,
    PageResult,
};
use crate::session::{User, Viewer};
use crate::State;
use axum::extract::{Path, Query, State as S};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use ocop_domain::admin_units::{short_name, units};
use ocop_domain::auth::{authorize, Action, Role, Scope};
use ocop_domain::market::{
    location_label, status_label, PointOfSaleInput, LOCATION_TYPES, POS_STATUSES,
};
use ocop_store::markets::{NetworkProvince, PointOfSaleRow};
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<State> {
    Router::new()
        .route("/diem-ban", get(admin_list).post(create_page))
        .route("/diem-ban/{id}", get(show_page))
        .route("/diem-ban/{id}/trang-thai", post(status_page))
        .route("/diem-ban/{id}/san-pham", post(listing_page))
        .route("/noi-ban", get(directory))
        .route("/api/v1/points-of-sale", get(api_list).post(api_create))
        .route("/api/v1/points-of-sale/statistics", get(api_network))
        .route("/api/v1/points-of-sale/{id}", get(api_get))
        .route("/api/v1/points-of-sale/{id}/status", post(api_status))
        .route("/api/v1/points-of-sale/{id}/listings", post(api_listing))
        .route(
            "/api/v1/products/{id}/designations",
            get(api_designations).post(api_designate),
        )
        .route("/san-pham/{id}/danh-hieu", post(designate_page))
}

fn pos_json(p: &PointOfSaleRow) -> serde_json::Value {
    let mut v = json!(p);
    v["location_label"] = json!(location_label(&p.location_type));
    v["status_label"] = json!(status_label(&p.status));
    v["province_name"] = json!(units()
        .province(&p.province_code)
        .map(|x| short_name(&x.name).to_string()));
    v["commune_name"] = json!(units().commune(&p.commune_code).map(|x| x.name.clone()));
    v
}

async fn create(state: &State, user: &User, input: &PointOfSaleInput) -> AppResult<i64> {
    let d = input.validate(units())?;
    let cap = authorize(
        &user.actor,
        Action::ManagePointOfSale,
        &Scope::province(&d.province_code),
    )?;
    Ok(state.store.create_point_of_sale(&cap, &d).await?)
}

async fn set_status(state: &State, user: &User, id: i64, status: &str) -> AppResult<()> {
    let p = state.store.point_of_sale(id).await?;
    let cap = authorize(
        &user.actor,
        Action::ManagePointOfSale,
        &Scope::point_of_sale(&p.province_code, id),
    )?;
    Ok(state
        .store
        .set_point_of_sale_status(&cap, id, status)
        .await?)
}

async fn list_product(state: &State, user: &User, id: i64, product_code: &str) -> AppResult<()> {
    let p = state.store.point_of_sale(id).await?;
    let cap = authorize(
        &user.actor,
        Action::ManageListing,
        &Scope::point_of_sale(&p.province_code, id),
    )?;
    let product = state
        .store
        .product_id_by_code(product_code.trim())
        .await?
        .ok_or_else(|| AppError::Conflict {
            field: "product_code".into(),
            message: format!("Không có sản phẩm mã \"{}\".", product_code.trim()),
            message_en: "unknown product code".into(),
        })?;
    Ok(state
        .store
        .add_listing(&cap, id, product, state.today())
        .await?)
}

/// Why a listing is suspended, in words (None when it is live).
pub(crate) fn suspension_reason(
    l: &ocop_store::markets::ListingRow,
    today: chrono::NaiveDate,
) -> Option<String> {
    use ocop_domain::certificate::format_date;
    if l.active {
        return None;
    }
    Some(match (l.revoked_on, l.expires_on, l.stars) {
        (Some(r), _, _) if r <= today => {
            format!("giấy chứng nhận bị thu hồi ngày {}", format_date(r))
        }
        (_, Some(e), _) if e < today => format!("giấy chứng nhận hết hạn ngày {}", format_date(e)),
        (_, _, Some(s)) if s < 3 => "sản phẩm dưới 3 sao".to_string(),
        _ => "sản phẩm không có giấy chứng nhận OCOP còn hiệu lực".to_string(),
    })
}

/// The operator is told: every suspended listing at the points this actor
/// operates, with its reason, for the dashboard. Derived on each visit, so
/// it appears the moment a certificate expires or is revoked.
pub(crate) async fn suspension_notices(
    state: &State,
    user: &User,
) -> AppResult<Vec<serde_json::Value>> {
    let today = state.today();
    let mut out = Vec::new();
    for r in &user.actor.roles {
        let Role::PointOfSale { pos_id } = r else {
            continue;
        };
        for l in state.store.listings_of_pos(*pos_id, today).await? {
            if let Some(reason) = suspension_reason(&l, today) {
                out.push(json!({"pos_id": l.pos_id, "pos_name": l.pos_name, "product_name": l.product_name,
                    "product_code": l.product_code, "reason": reason}));
            }
        }
    }
    Ok(out)
}

async fn designate(
    state: &State,
    user: &User,
    product_id: i64,
    input: &ocop_domain::market::DesignationInput,
) -> AppResult<()> {
    let p = state.store.product(product_id).await?;
    let cap = authorize(
        &user.actor,
        Action::RecordDesignation,
        &crate::pages::products::scope_of(&p.product),
    )?;
    let d = input.validate(state.today())?;
    Ok(state.store.record_designation(&cap, product_id, &d).await?)
}

// ---------- API ----------

/// A product's recognitions in the other categories points of sale may sell (public).
#[utoipa::path(get, path = "/api/v1/products/{id}/designations", tag = "markets", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<ocop_store::markets::DesignationRow>)))]
pub async fn api_designations(S(state): S<State>, Path(id): Path<i64>) -> Response {
    match state.store.designations_of(id).await {
        Ok(d) => Json(d).into_response(),
        Err(e) => AppError::from(e).json(),
    }
}

/// Record a product as a provincial key product, model rural industrial
/// product or local speciality (the province's office): it may then be
/// listed at points of sale while the recognition lasts.
#[utoipa::path(post, path = "/api/v1/products/{id}/designations", tag = "markets", params(("id" = i64, Path)),
    request_body = ocop_domain::market::DesignationInput,
    responses((status = 204), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_designate(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ocop_domain::market::DesignationInput>,
) -> Response {
    match designate(&state, &user, id, &input).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.json(),
    }
}

#[derive(Deserialize, utoipa::IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct PosQuery {
    pub province: Option<String>,
    /// A location type of Decision 950/QĐ-BCT.
    pub location_type: Option<String>,
    /// Page number, from 1 (past the last page: the last page).
    pub page: Option<i64>,
    /// Points per page, 1–200 (default 50).
    pub per_page: Option<i64>,
}

/// Active points of introduction and sale (public), in name order, paged:
/// the network has 20,000 points at national size.
#[utoipa::path(get, path = "/api/v1/points-of-sale", tag = "markets", params(PosQuery),
    responses((status = 200, body = ocop_store::Page<PointOfSaleRow>), (status = 422, body = ErrorBody)))]
pub async fn api_list(S(state): S<State>, ApiQuery(q): ApiQuery<PosQuery>) -> Response {
    let (page, per_page) = match crate::api::check_paging(q.page, q.per_page) {
        Ok(p) => p,
        Err(e) => return e.json(),
    };
    match state
        .store
        .points_of_sale_page(
            q.province.as_deref().filter(|s| !s.is_empty()),
            q.location_type.as_deref().filter(|s| !s.is_empty()),
            true,
            page,
            per_page,
        )
        .await
    {
        Ok(l) => Json(l).into_response(),
        Err(e) => AppError::from(e).json(),
    }
}

/// Register a point of sale (provincial office); it starts as proposed.
#[utoipa::path(post, path = "/api/v1/points-of-sale", tag = "markets", request_body = PointOfSaleInput,
    responses((status = 201, body = PointOfSaleRow), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_create(
    S(state): S<State>,
    user: User,
    ApiJson(input): ApiJson<PointOfSaleInput>,
) -> Response {
    match create(&state, &user, &input).await {
        Ok(id) => match state.store.point_of_sale(id).await {
            Ok(p) => (StatusCode::CREATED, Json(p)).into_response(),
            Err(e) => AppError::from(e).json(),
        },
        Err(e) => e.json(),
    }
}

/// The network by province, kept until the next write: computing it checks
/// every listing's certificate (77,000 listings at national size, a third of
/// a second), and the directory shows it on every visit.
async fn network(
    state: &State,
) -> Result<std::sync::Arc<Vec<NetworkProvince>>, ocop_store::StoreError> {
    let today = state.today();
    state
        .pos_network
        .get_or_compute(today, state.store.commit_count(), || async move {
            Ok(std::sync::Arc::new(state.store.pos_network(today).await?))
        })
        .await
}

/// The network by province: registered and active points, listings live today (public).
#[utoipa::path(get, path = "/api/v1/points-of-sale/statistics", tag = "markets", responses((status = 200, body = Vec<NetworkProvince>)))]
pub async fn api_network(S(state): S<State>) -> Response {
    match network(&state).await {
        Ok(n) => Json(&*n).into_response(),
        Err(e) => AppError::from(e).json(),
    }
}

/// One point of sale with its listings and their live state.
#[utoipa::path(get, path = "/api/v1/points-of-sale/{id}", tag = "markets", params(("id" = i64, Path)), responses((status = 200), (status = 404, body = ErrorBody)))]
pub async fn api_get(S(state): S<State>, Path(id): Path<i64>) -> Response {
    let p = match state.store.point_of_sale(id).await {
        Ok(p) => p,
        Err(e) => return AppError::from(e).json(),
    };
    match state.store.listings_of_pos(id, state.today()).await {
        Ok(l) => Json(json!({"point_of_sale": p, "listings": l})).into_response(),
        Err(e) => AppError::from(e).json(),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct StatusBody {
    /// proposed, approved, active, suspended, closed
    pub status: String,
}

/// Change a point's status (approval by the province's industry-and-trade office).
#[utoipa::path(post, path = "/api/v1/points-of-sale/{id}/status", tag = "markets", params(("id" = i64, Path)), request_body = StatusBody,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_status(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<StatusBody>,
) -> Response {
    match set_status(&state, &user, id, &body.status).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.json(),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ListingBody {
    pub product_code: String,
}

/// List a product at a point of sale: it needs a valid 3★+ certificate; the
/// listing is suspended automatically when the certificate expires or is revoked.
#[utoipa::path(post, path = "/api/v1/points-of-sale/{id}/listings", tag = "markets", params(("id" = i64, Path)), request_body = ListingBody,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_listing(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ListingBody>,
) -> Response {
    match list_product(&state, &user, id, &body.product_code).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.json(),
    }
}

// ---------- pages ----------

/// Points of sale per page of the offices' list.
const ADMIN_PAGE: i64 = 100;

pub(crate) async fn admin_list(
    S(state): S<State>,
    user: User,
    Query(fq): Query<FlashQuery>,
) -> PageResult {
    let own: Vec<i64> = user
        .actor
        .roles
        .iter()
        .filter_map(|r| match r {
            Role::PointOfSale { pos_id } => Some(*pos_id),
            _ => None,
        })
        .collect();
    let (points, can_create) = match user.actor.office_scope().map(|s| s.province) {
        Some(p) => (
            state
                .store
                .points_of_sale_page(p.as_deref(), None, false, fq.trang.unwrap_or(1), ADMIN_PAGE)
                .await
                .or_page(&state, Some(&user))?,
            true,
        ),
        None if !own.is_empty() => {
            let mut v = Vec::new();
            for id in own {
                v.push(
                    state
                        .store
                        .point_of_sale(id)
                        .await
                        .or_page(&state, Some(&user))?,
                );
            }
            let total = v.len() as i64;
            (
                ocop_store::Page {
                    total,
                    page: 1,
                    per_page: total.max(1),
                    items: v,
                },
                false,
            )
        }
        None => {
            return Err(error_page(
                &state,
                Some(&user),
                AppError::Forbidden("Chỉ văn phòng OCOP tỉnh và người vận hành điểm bán.".into()),
            ))
        }
    };
    admin_view(
        &state,
        &user,
        points,
        can_create,
        None,
        json!({}),
        flash_text(fq.tb.as_deref()),
    )
}

fn admin_view(
    state: &State,
    user: &User,
    points: ocop_store::Page<PointOfSaleRow>,
    can_create: bool,
    error: Option<String>,
    v: serde_json::Value,
    flash: Option<&str>,
) -> PageResult {
    let mut c = ctx(Some(user), "pos", "Điểm giới thiệu và bán sản phẩm OCOP");
    c.insert(
        "points".into(),
        json!(points.items.iter().map(pos_json).collect::<Vec<_>>()),
    );
    c.insert(
        "page".into(),
        json!({"total": points.total, "page": points.page, "pages": points.pages()}),
    );
    c.insert("can_create".into(), json!(can_create));
    c.insert(
        "types".into(),
        options(
            LOCATION_TYPES
                .iter()
                .map(|(c, l)| (c.to_string(), l.to_string())),
        ),
    );
    c.insert("error".into(), json!(error));
    c.insert("v".into(), v);
    c.insert("flash".into(), json!(flash));
    Ok(render(state, "markets/list.html", c))
}

pub(crate) async fn create_page(
    S(state): S<State>,
    user: User,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    // Built field by field: the coordinates are numbers, the rest text.
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let number = |k: &str| {
        form.get(k)
            .and_then(|s| s.replace(',', ".").trim().parse::<f64>().ok())
    };
    let input = PointOfSaleInput {
        name: get("name"),
        operator: get("operator"),
        phone: get("phone"),
        address: get("address"),
        commune_code: get("commune_code"),
        location_type: get("location_type"),
        lat: number("lat"),
        lon: number("lon"),
        opened_on: get("opened_on"),
    };
    match create(&state, &user, &input).await {
        Ok(id) => Ok(see_other(&format!("/diem-ban/{id}?tb=da-tao"))),
        Err(e @ AppError::Invalid(_)) => {
            let points = state
                .store
                .points_of_sale_page(
                    user.actor
                        .office_scope()
                        .and_then(|s| s.province)
                        .as_deref(),
                    None,
                    false,
                    1,
                    ADMIN_PAGE,
                )
                .await
                .or_page(&state, Some(&user))?;
            let msg = e.summary();
            let page = admin_view(&state, &user, points, true, Some(msg), json!(form), None)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(error_page(&state, Some(&user), e)),
    }
}

pub(crate) async fn show_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Query(fq): Query<FlashQuery>,
) -> PageResult {
    let p = state
        .store
        .point_of_sale(id)
        .await
        .or_page(&state, Some(&user))?;
    let scope = Scope::point_of_sale(&p.province_code, id);
    let can_manage = authorize(&user.actor, Action::ManagePointOfSale, &scope).is_ok();
    let can_list = authorize(&user.actor, Action::ManageListing, &scope).is_ok();
    if !can_manage && !can_list {
        return Err(error_page(
            &state,
            Some(&user),
            AppError::Forbidden("Bạn không quản lý điểm bán này.".into()),
        ));
    }
    let listings = state
        .store
        .listings_of_pos(id, state.today())
        .await
        .or_page(&state, Some(&user))?;
    let today = state.today();
    let listings: Vec<serde_json::Value> = listings
        .iter()
        .map(|l| {
            let mut v = json!(l);
            v["reason"] = json!(suspension_reason(l, today));
            v
        })
        .collect();
    let moves: Vec<serde_json::Value> = POS_STATUSES
        .iter()
        .filter(|(c, _)| ocop_domain::market::status_move_allowed(&p.status, c))
        .map(|(c, l)| json!({"value": c, "label": l}))
        .collect();
    let history = state
        .store
        .history("point_of_sale", &id.to_string())
        .await
        .or_page(&state, Some(&user))?;
    // The criteria of Decision 950 with their evidence, and the photos.
    let files = state
        .store
        .pos_files(id)
        .await
        .or_page(&state, Some(&user))?;
    let file_json = |f: &ocop_store::markets::PosFileRow| {
        json!({"id": f.id, "filename": f.filename, "href": format!("/diem-ban/{id}/tep/{}", f.id),
               "image": f.content_type.starts_with("image/"), "uploaded_at": f.uploaded_at})
    };
    let checklist: Vec<serde_json::Value> = ocop_domain::market::POS_CRITERIA
        .iter()
        .map(|(code, label)| {
            let evidence: Vec<serde_json::Value> = files
                .iter()
                .filter(|f| f.kind == *code)
                .map(file_json)
                .collect();
            json!({"code": code, "label": label, "met": !evidence.is_empty(), "files": evidence})
        })
        .collect();
    let photos: Vec<serde_json::Value> = files
        .iter()
        .filter(|f| f.kind == "photo")
        .map(file_json)
        .collect();
    let mut c = ctx(Some(&user), "pos", &p.name);
    c.insert("checklist".into(), json!(checklist));
    c.insert("photos".into(), json!(photos));
    c.insert(
        "file_kinds".into(),
        json!(std::iter::once(("photo", "Ảnh giới thiệu điểm bán"))
            .chain(ocop_domain::market::POS_CRITERIA.iter().copied())
            .map(|(v, l)| json!({"value": v, "label": l}))
            .collect::<Vec<_>>()),
    );
    c.insert("history".into(), crate::pages::history_json(&history));
    c.insert("p".into(), pos_json(&p));
    c.insert("listings".into(), json!(listings));
    c.insert("can_manage".into(), json!(can_manage));
    c.insert("can_list".into(), json!(can_list));
    c.insert("moves".into(), json!(moves));
    c.insert("flash".into(), json!(flash_text(fq.tb.as_deref())));
    Ok(render(&state, "markets/show.html", c))
}

pub(crate) async fn status_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    set_status(
        &state,
        &user,
        id,
        form.get("status").map(String::as_str).unwrap_or(""),
    )
    .await
    .or_page(&state, Some(&user))?;
    Ok(see_other(&format!("/diem-ban/{id}?tb=da-luu")))
}

pub(crate) async fn listing_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    list_product(
        &state,
        &user,
        id,
        form.get("product_code").map(String::as_str).unwrap_or(""),
    )
    .await
    .or_page(&state, Some(&user))?;
    Ok(see_other(&format!("/diem-ban/{id}?tb=da-luu")))
}

/// The national map: provinces shaded by their active points, each point
/// with coordinates marked and linking to its card below.
fn network_map(
    points: &[(&PointOfSaleRow, String)],
    network: &[NetworkProvince],
    kind: Option<&str>,
) -> String {
    use ocop_docs::map::{national_svg_with_points, MapPoint, Shade};
    let shades = network
        .iter()
        .map(|n| {
            let name = units()
                .province(&n.province_code)
                .map(|p| short_name(&p.name).to_string())
                .unwrap_or_default();
            let href = match kind {
                Some(k) => format!("/noi-ban?tinh={}&loai={k}", n.province_code),
                None => format!("/noi-ban?tinh={}", n.province_code),
            };
            (
                n.province_code.clone(),
                Shade {
                    value: n.active,
                    label: format!("{name}: {} điểm bán đang hoạt động", n.active),
                    href,
                },
            )
        })
        .collect();
    let marks: Vec<MapPoint> = points
        .iter()
        .filter_map(|(p, href)| {
            Some(MapPoint {
                lon: p.lon?,
                lat: p.lat?,
                label: format!("{} — {}", p.name, p.address),
                href: href.clone(),
            })
        })
        .collect();
    national_svg_with_points(
        &shades,
        &marks,
        "Bản đồ điểm giới thiệu và bán sản phẩm OCOP",
    )
}

pub(crate) async fn designate_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let input: ocop_domain::market::DesignationInput = crate::pages::input_from(&form);
    designate(&state, &user, id, &input)
        .await
        .or_page(&state, Some(&user))?;
    Ok(see_other(&format!("/san-pham/{id}?tb=da-luu")))
}

#[derive(Deserialize, Default)]
pub struct DirectoryQuery {
    tinh: Option<String>,
    loai: Option<String>,
    trang: Option<i64>,
}

/// Points of sale per page of the public directory.
const DIRECTORY_PAGE: i64 = 48;
/// Beyond this many points the national map shades the provinces only
/// (20,000 dots would be a blot and a megabyte of SVG); a province's map
/// always marks its points.
const MAP_POINTS_MAX: i64 = 500;

/// The public directory of active points of sale.
pub async fn directory(
    S(state): S<State>,
    viewer: Viewer,
    Query(q): Query<DirectoryQuery>,
) -> Response {
    let province = q.tinh.filter(|s| !s.is_empty());
    let kind = q.loai.filter(|s| !s.is_empty());
    let (province_ref, kind_ref) = (province.as_deref(), kind.as_deref());
    let page = match state
        .store
        .points_of_sale_page(
            province_ref,
            kind_ref,
            true,
            q.trang.unwrap_or(1),
            DIRECTORY_PAGE,
        )
        .await
    {
        Ok(p) => p,
        Err(e) => return error_page(&state, viewer.0.as_ref(), e.into()),
    };
    let marked = province.is_some() || page.total <= MAP_POINTS_MAX;
    let markers = if !marked {
        Vec::new()
    } else if page.total <= page.per_page {
        page.items.clone()
    } else {
        match state
            .store
            .list_points_of_sale(province_ref, kind_ref, true)
            .await
        {
            Ok(p) => p,
            Err(e) => return error_page(&state, viewer.0.as_ref(), e.into()),
        }
    };
    let network = match network(&state).await {
        Ok(n) => n,
        Err(e) => return error_page(&state, viewer.0.as_ref(), e.into()),
    };
    let ids: Vec<i64> = page.items.iter().map(|p| p.id).collect();
    let photos = match state.store.pos_photos(&ids).await {
        Ok(p) => p,
        Err(e) => return error_page(&state, viewer.0.as_ref(), e.into()),
    };
    let mut c = ctx(viewer.0.as_ref(), "directory", "Điểm bán sản phẩm OCOP");
    c.insert(
        "points".into(),
        json!(page
            .items
            .iter()
            .map(|p| {
                let mut v = pos_json(p);
                v["photo"] = json!(photos
                    .get(&p.id)
                    .map(|f| format!("/diem-ban/{}/tep/{f}", p.id)));
                v
            })
            .collect::<Vec<_>>()),
    );
    let base_url = format!(
        "/noi-ban?tinh={}&loai={}",
        province_ref.unwrap_or(""),
        crate::session::urlencode(kind_ref.unwrap_or(""))
    );
    // A dot links to the point's card: on this page, or on the page that
    // lists it (the markers are in the list's order).
    let markers: Vec<(&PointOfSaleRow, String)> = markers
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let on = i as i64 / DIRECTORY_PAGE + 1;
            let href = if on == page.page {
                format!("#diem-{}", p.id)
            } else {
                format!("{base_url}&trang={on}#diem-{}", p.id)
            };
            (p, href)
        })
        .collect();
    c.insert(
        "map".into(),
        json!(network_map(&markers, &network, kind_ref)),
    );
    c.insert("marked".into(), json!(marked));
    c.insert(
        "page".into(),
        json!({"total": page.total, "page": page.page, "pages": page.pages()}),
    );
    c.insert("base_url".into(), json!(base_url));
    c.insert(
        "network".into(),
        json!(network
            .iter()
            .filter(|n| n.active > 0)
            .map(|n| json!({"code": n.province_code, "name": units().province(&n.province_code).map(|p| short_name(&p.name).to_string()),
                "active": n.active, "points": n.points, "live_listings": n.live_listings}))
            .collect::<Vec<_>>()),
    );
    c.insert("provinces".into(), crate::pages::province_options());
    c.insert(
        "types".into(),
        options(
            LOCATION_TYPES
                .iter()
                .map(|(c, l)| (c.to_string(), l.to_string())),
        ),
    );
    c.insert("f".into(), json!({"province": province, "kind": kind}));
    render(&state, "markets/directory.html", c)
}
