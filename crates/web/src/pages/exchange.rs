//! Import and export of the registry as spreadsheets (XLSX or CSV).

use super::{csrf_of, ctx, render, OrPage, PageResult};
use crate::error::AppError;
use crate::session::User;
use crate::State;
use axum::extract::{Multipart, Path, State as S};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use ocop_docs::columns::{PRODUCER_COLUMNS, PRODUCT_COLUMNS};
use ocop_docs::Format;
use ocop_domain::auth::{authorize, Action, Actor, Role};
use ocop_domain::certificate::format_date;
use ocop_store::import::ImportResult;
use ocop_store::registry::{ProducerFilter, ProducerListItem, ProductFilter, ProductListItem};
use serde_json::json;

fn view(
    state: &State,
    user: &User,
    kind: &str,
    report: serde_json::Value,
    errors: serde_json::Value,
) -> Response {
    let mut c = ctx(Some(user), "import", "Nhập / xuất dữ liệu");
    c.insert("kind".into(), json!(kind));
    c.insert("report".into(), report);
    c.insert("errors".into(), errors);
    render(state, "import.html", c)
}

pub async fn page(S(state): S<State>, user: User) -> PageResult {
    if user.actor.office_scope().is_none() {
        return Err(super::error_page(
            &state,
            Some(&user),
            AppError::Forbidden(
                "Chỉ quản trị hệ thống hoặc văn phòng OCOP tỉnh nhập dữ liệu.".into(),
            ),
        ));
    }
    Ok(view(&state, &user, "producers", json!(null), json!(null)))
}

/// Validate and import a file for `actor`: the one path shared by the page, the API and the CLI.
pub(crate) async fn run_import(
    state: &State,
    actor: &Actor,
    kind: &str,
    bytes: &[u8],
    filename: &str,
) -> Result<ImportResult, AppError> {
    let scope = actor
        .office_scope()
        .ok_or_else(|| AppError::Forbidden("Bạn không có quyền nhập dữ liệu.".into()))?;
    let cap = authorize(actor, Action::ImportRegistry, &scope)?;
    let format = Format::from_name(filename).unwrap_or_else(|| Format::sniff(bytes));
    let today = state.today();
    Ok(match kind {
        "producers" => match ocop_docs::import::prepare_producers(
            bytes,
            format,
            ocop_domain::admin_units::units(),
        ) {
            Ok(rows) => state.store.import_producers(&cap, &rows, &|_| {}).await?,
            Err(errors) => Err(errors),
        },
        "products" => match ocop_docs::import::prepare_products(bytes, format, today) {
            Ok(rows) => {
                state
                    .store
                    .import_products(&cap, &rows, chrono::Datelike::year(&today), &|_| {})
                    .await?
            }
            Err(errors) => Err(errors),
        },
        other => {
            return Err(AppError::bad_request(
                "unknown_kind",
                format!("Loại dữ liệu \"{other}\" không có (producers hoặc products)."),
                "kind must be producers or products.",
            ))
        }
    })
}

pub async fn upload(S(state): S<State>, user: User, mp: Multipart) -> PageResult {
    let (fields, file) = super::products::read_upload(mp, "file")
        .await
        .or_page(&state, Some(&user))?;
    user.check_csrf(csrf_of(&fields))
        .or_page(&state, Some(&user))?;
    let kind = fields.get("kind").cloned().unwrap_or_default();
    let Some((filename, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            view(
                &state,
                &user,
                &kind,
                json!(null),
                json!([{"line": 0, "field": "file", "message": "Chưa chọn tệp."}]),
            ),
        )
            .into_response());
    };
    match run_import(&state, &user.actor, &kind, &bytes, &filename)
        .await
        .or_page(&state, Some(&user))?
    {
        Ok(report) => Ok(view(&state, &user, &kind, json!(report), json!(null))),
        Err(errors) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            view(&state, &user, &kind, json!(null), json!(errors)),
        )
            .into_response()),
    }
}

/// An empty workbook with the import columns, to fill in.
pub async fn template_file(S(state): S<State>, user: User, Path(file): Path<String>) -> PageResult {
    let (cols, sheet) = match file.as_str() {
        "producers.xlsx" => (PRODUCER_COLUMNS, "Chủ thể"),
        "products.xlsx" => (PRODUCT_COLUMNS, "Sản phẩm"),
        _ => {
            return Err(super::error_page(
                &state,
                Some(&user),
                AppError::NotFound("mẫu tệp".into()),
            ))
        }
    };
    let bytes = ocop_docs::write_xlsx(sheet, cols, &[])
        .map_err(AppError::Internal)
        .or_page(&state, Some(&user))?;
    Ok(download(bytes, &file))
}

pub fn producer_cells(p: &ProducerListItem) -> Vec<String> {
    let r = &p.producer;
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    vec![
        r.name.clone(),
        r.kind.clone(),
        r.registration_number.clone(),
        r.address.clone(),
        r.commune_code.clone(),
        opt(&r.legacy_commune_code),
        opt(&r.phone),
        opt(&r.email),
        opt(&r.website),
        r.representative_name.clone(),
        if r.representative_gender == "female" {
            "Nữ"
        } else {
            "Nam"
        }
        .into(),
        r.representative_ethnicity.clone(),
        if r.representative_disability {
            "Có"
        } else {
            "Không"
        }
        .into(),
        r.community_capital_pct
            .map(|v| v.to_string())
            .unwrap_or_default(),
        r.workers.map(|v| v.to_string()).unwrap_or_default(),
        r.description.clone(),
    ]
}

pub fn product_cells(x: &ProductListItem) -> Vec<String> {
    let p = &x.product;
    vec![
        x.producer_registration_number.clone(),
        p.name.clone(),
        p.set_code.clone(),
        p.description.clone(),
        p.gtin.clone().unwrap_or_default(),
        p.code.clone(),
        x.stars.map(|s| s.to_string()).unwrap_or_default(),
        x.certificate_number.clone().unwrap_or_default(),
        x.certificate_issuer.clone().unwrap_or_default(),
        x.issued_on.map(format_date).unwrap_or_default(),
    ]
}

/// What this actor may export: everything for national roles, else its own unit or producer.
pub(crate) fn export_scope(actor: &Actor) -> Option<ExportScope> {
    if actor
        .roles
        .iter()
        .any(|r| matches!(r, Role::Admin | Role::Ministry))
    {
        return Some((None, None, None));
    }
    actor.roles.iter().find_map(|r| match r {
        Role::ProvinceOffice { province } => Some((Some(province.clone()), None, None)),
        Role::CommuneOfficer { commune, .. } => Some((None, Some(commune.clone()), None)),
        Role::Producer { producer_id, .. } => Some((None, None, Some(*producer_id))),
        _ => None,
    })
}

/// Which records an export covers: (province, commune, producer).
pub type ExportScope = (Option<String>, Option<String>, Option<i64>);

/// Build an export file: `kind` is `producers` or `products`, `format` `csv` or
/// `xlsx`. Shared by the page, the API and `ocop export`.
pub async fn export_file(
    store: &ocop_store::Store,
    scope: ExportScope,
    kind: &str,
    format: Format,
) -> Result<Vec<u8>, AppError> {
    let (province, commune, producer_id) = scope;
    let (cols, sheet, rows): (_, _, Vec<Vec<String>>) = match kind {
        "producers" => {
            let f = ProducerFilter {
                province,
                commune,
                producer_id,
                include_inactive: true,
                ..Default::default()
            };
            let items = store.export_producers(&f).await?;
            (
                PRODUCER_COLUMNS,
                "Chủ thể",
                items.iter().map(producer_cells).collect(),
            )
        }
        "products" => {
            let f = ProductFilter {
                province,
                commune,
                producer_id,
                include_inactive: true,
                ..Default::default()
            };
            let items = store.export_products(&f).await?;
            (
                PRODUCT_COLUMNS,
                "Sản phẩm",
                items.iter().map(product_cells).collect(),
            )
        }
        other => {
            return Err(AppError::NotFound(format!(
                "loại dữ liệu \"{other}\" (producers hoặc products)"
            )))
        }
    };
    match format {
        Format::Csv => Ok(ocop_docs::write_csv(cols, &rows)),
        Format::Xlsx => ocop_docs::write_xlsx(sheet, cols, &rows).map_err(AppError::Internal),
    }
}

pub(crate) fn download(bytes: Vec<u8>, filename: &str) -> Response {
    let ct = if filename.ends_with(".csv") {
        "text/csv; charset=utf-8"
    } else {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    };
    (
        [
            (header::CONTENT_TYPE, ct.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

pub async fn export(S(state): S<State>, user: User, Path(file): Path<String>) -> PageResult {
    let Some(scope) = export_scope(&user.actor) else {
        return Err(super::error_page(
            &state,
            Some(&user),
            AppError::Forbidden("Bạn không có quyền xuất dữ liệu.".into()),
        ));
    };
    let kind = match file.rsplit_once('.').map(|(stem, _)| stem) {
        Some("chu-the") => "producers",
        Some("san-pham") => "products",
        _ => {
            return Err(super::error_page(
                &state,
                Some(&user),
                AppError::NotFound("tệp xuất".into()),
            ))
        }
    };
    let Some(format) = Format::from_name(&file) else {
        return Err(super::error_page(
            &state,
            Some(&user),
            AppError::NotFound("định dạng tệp".into()),
        ));
    };
    let bytes = export_file(&state.store, scope, kind, format)
        .await
        .or_page(&state, Some(&user))?;
    Ok(download(bytes, &file))
}
