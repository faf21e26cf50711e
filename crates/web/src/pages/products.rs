//! Product pages: list, create, show, edit, certificates, images.

use super::{
    csrf_of, ctx, field_errors, flash_text, history_json, input_from, options, province_options,
    render, see_other, version_of, FlashQuery, FormMap, OrPage, PageResult,
};
use crate::error::AppError;
use crate::session::User;
use crate::State;
use axum::extract::{Multipart, Path, Query, State as S};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use ocop_domain::auth::{authorize, Action, Role, Scope};
use ocop_domain::certificate::LegacyCertificateInput;
use ocop_domain::classification::product_sets;
use ocop_domain::product::ProductInput;
use ocop_store::registry::{ProductFilter, ProductListItem, ProductRow};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
    tinh: Option<String>,
    bo: Option<String>,
    sao: Option<String>,
    trang: Option<i64>,
}

pub(crate) fn set_options() -> serde_json::Value {
    options(
        product_sets()
            .iter()
            .map(|s| (s.set.clone(), format!("{} · {}", s.set, s.name))),
    )
}

pub(crate) fn scope_of(p: &ProductRow) -> Scope {
    Scope::producer(&p.province_code, &p.commune_code, p.producer_id)
}

/// An uploaded image's type, sniffed from its bytes; refuses empty, oversized
/// and non-image files (the declared type is never trusted).
pub(crate) fn check_image(bytes: &[u8]) -> Result<&'static str, AppError> {
    if bytes.is_empty() {
        Err(AppError::bad_request(
            "empty_file",
            "Chưa chọn tệp ảnh.",
            "No image file.",
        ))
    } else if bytes.len() > ocop_store::registry::MAX_IMAGE_BYTES {
        Err(AppError::bad_request(
            "too_large",
            "Ảnh lớn hơn 5 MB.",
            "Image larger than 5 MB.",
        ))
    } else {
        sniff_image(bytes).ok_or_else(|| {
            AppError::bad_request(
                "unsupported_type",
                "Chỉ nhận ảnh JPEG, PNG hoặc WebP.",
                "Only JPEG, PNG or WebP images.",
            )
        })
    }
}

/// Recognise an image by its first bytes; the declared type is not trusted.
pub(crate) fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    ocop_domain::evidence::sniff_image(bytes)
}

fn item_json(x: &ProductListItem, today: chrono::NaiveDate) -> serde_json::Value {
    let status = x.certificate_status(today);
    let mut v = serde_json::to_value(x).unwrap_or_default();
    v["status"] = json!(status.map(|s| s.code()));
    v["status_label"] = json!(status.map(|s| s.label()));
    v
}

pub async fn list(S(state): S<State>, user: User, Query(q): Query<ListQuery>) -> PageResult {
    let staff = user
        .actor
        .roles
        .iter()
        .any(|r| !matches!(r, Role::Producer { .. }));
    let own = user.actor.roles.iter().find_map(|r| match r {
        Role::Producer { producer_id, .. } => Some(*producer_id),
        _ => None,
    });
    let ne = |s: &Option<String>| {
        s.as_ref()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let province = match &q.tinh {
        None => user.actor.home_scope().province,
        Some(_) => ne(&q.tinh),
    };
    let stars = ne(&q.sao).and_then(|s| s.parse::<i64>().ok());
    let filter = ProductFilter {
        q: ne(&q.q),
        province: province.clone(),
        set_code: ne(&q.bo),
        stars,
        producer_id: if staff { None } else { own.or(Some(-1)) },
        page: q.trang.unwrap_or(1),
        per_page: 50,
        ..Default::default()
    };
    let page = state
        .store
        .list_products(&filter)
        .await
        .or_page(&state, Some(&user))?;
    let today = state.today();
    let items: Vec<serde_json::Value> = page.items.iter().map(|x| item_json(x, today)).collect();
    let mut c = ctx(Some(&user), "products", "Sản phẩm OCOP");
    c.insert(
        "page".into(),
        json!({"total": page.total, "page": page.page, "pages": page.pages(), "items": items}),
    );
    c.insert(
        "f".into(),
        json!({"q": filter.q, "province": province, "set_code": filter.set_code, "stars": stars}),
    );
    c.insert("provinces".into(), province_options());
    c.insert("sets".into(), set_options());
    c.insert(
        "base_url".into(),
        json!(format!(
            "/san-pham?q={}&tinh={}&bo={}&sao={}",
            crate::session::urlencode(filter.q.as_deref().unwrap_or("")),
            province.as_deref().unwrap_or(""),
            filter.set_code.as_deref().unwrap_or(""),
            stars.map(|s| s.to_string()).unwrap_or_default()
        )),
    );
    Ok(render(&state, "products/list.html", c))
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    state: &State,
    user: &User,
    producer: serde_json::Value,
    title: &str,
    action: &str,
    cancel: &str,
    v: serde_json::Value,
    errors: serde_json::Value,
    version: Option<i64>,
) -> Response {
    let mut c = ctx(Some(user), "products", title);
    c.insert("producer".into(), producer);
    c.insert("action".into(), json!(action));
    c.insert("cancel".into(), json!(cancel));
    c.insert("v".into(), v);
    c.insert("errors".into(), errors);
    c.insert("version".into(), json!(version));
    c.insert("sets".into(), set_options());
    render(state, "products/form.html", c)
}

pub async fn new_form(S(state): S<State>, user: User, Path(pid): Path<i64>) -> PageResult {
    let p = state
        .store
        .producer(pid)
        .await
        .or_page(&state, Some(&user))?;
    authorize(
        &user.actor,
        Action::CreateProduct,
        &Scope::producer(&p.province_code, &p.commune_code, pid),
    )
    .or_page(&state, Some(&user))?;
    Ok(form_page(
        &state,
        &user,
        json!({"id": p.id, "name": p.name}),
        "Thêm sản phẩm",
        &format!("/chu-the/{pid}/san-pham/moi"),
        &format!("/chu-the/{pid}"),
        json!({}),
        json!({}),
        None,
    ))
}

pub async fn create(
    S(state): S<State>,
    user: User,
    Path(pid): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let p = state
        .store
        .producer(pid)
        .await
        .or_page(&state, Some(&user))?;
    let input: ProductInput = input_from(&form);
    let year = chrono::Datelike::year(&state.today());
    let result: Result<i64, AppError> = async {
        let cap = authorize(
            &user.actor,
            Action::CreateProduct,
            &Scope::producer(&p.province_code, &p.commune_code, pid),
        )?;
        let data = input.validate(&p.province_code, &p.commune_code)?;
        Ok(state.store.create_product(&cap, pid, &data, year).await?.0)
    }
    .await;
    match result {
        Ok(id) => Ok(see_other(&format!("/san-pham/{id}?tb=da-tao"))),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page(
                &state,
                &user,
                json!({"id": p.id, "name": p.name}),
                "Thêm sản phẩm",
                &format!("/chu-the/{pid}/san-pham/moi"),
                &format!("/chu-the/{pid}"),
                json!(form),
                field_errors(&e),
                None,
            ),
        )
            .into_response()),
        Err(e) => Err(super::error_page(&state, Some(&user), e)),
    }
}

async fn show_page(
    state: &State,
    user: &User,
    id: i64,
    flash: Option<&str>,
    cert_form: Option<(serde_json::Value, serde_json::Value)>,
) -> PageResult {
    let x = state.store.product(id).await.or_page(state, Some(user))?;
    let scope = scope_of(&x.product);
    let staff = user
        .actor
        .roles
        .iter()
        .any(|r| !matches!(r, Role::Producer { .. }));
    let can_read = user.actor.can_read(&scope);
    if !staff && !can_read {
        return Err(super::error_page(
            state,
            Some(user),
            AppError::Forbidden("Bạn chỉ xem được sản phẩm của chủ thể mình.".into()),
        ));
    }
    let certificates = state
        .store
        .certificates_of(id)
        .await
        .or_page(state, Some(user))?;
    let images = state
        .store
        .product_image_ids(id)
        .await
        .or_page(state, Some(user))?;
    let history = if can_read {
        state
            .store
            .history("product", &id.to_string())
            .await
            .or_page(state, Some(user))?
    } else {
        Vec::new()
    };
    let status = x.certificate_status(state.today());
    let (cv, cert_errors) = cert_form.unwrap_or((json!({}), json!(null)));
    let mut c = ctx(Some(user), "products", &x.product.name);
    c.insert("x".into(), item_json(&x, state.today()));
    c.insert("status".into(), json!(status.map(|s| s.code())));
    c.insert("status_label".into(), json!(status.map(|s| s.label())));
    // Which certificates this viewer may revoke (the competent level depends on the stars).
    let revocable: Vec<i64> = certificates
        .iter()
        .filter(|c| {
            c.status(state.today()).in_force()
                && authorize(
                    &user.actor,
                    ocop_domain::auth::revocation_action(c.stars as u8),
                    &scope,
                )
                .is_ok()
        })
        .map(|c| c.id)
        .collect();
    c.insert("revocable".into(), json!(revocable));
    c.insert(
        "grounds".into(),
        options(
            ocop_domain::certificate::RevocationGround::ALL
                .iter()
                .map(|g| (g.code().to_string(), g.label().to_string())),
        ),
    );
    let today = state.today();
    let certificates_json: Vec<serde_json::Value> = certificates
        .iter()
        .map(|c| {
            let mut v = json!(c);
            let s = c.status(today);
            v["status"] = json!(s.code());
            v["status_label"] = json!(s.label());
            v
        })
        .collect();
    c.insert("certificates".into(), json!(certificates_json));
    // The re-evaluation window of the certificate in force, for the producer and the officers.
    if let Some(cur) = certificates.first().filter(|c| c.status(today).in_force()) {
        let w = ocop_domain::reevaluation::window(cur.expires_on);
        c.insert(
            "reevaluation".into(),
            json!({"opens": w.opens, "closes": w.closes, "open": today >= w.opens && today <= cur.expires_on}),
        );
    }
    // Its evaluations: self-assessment and each council's result, part by part.
    c.insert(
        "evaluations".into(),
        json!(crate::rounds::product_evaluations(state, id)
            .await
            .or_page(state, Some(user))?),
    );
    // Post-certification monitoring: the inspections, and who may record one now.
    let inspections = state
        .store
        .inspections_of(id)
        .await
        .or_page(state, Some(user))?;
    c.insert(
        "inspections".into(),
        json!(inspections
            .iter()
            .map(crate::inspections::inspection_json)
            .collect::<Vec<_>>()),
    );
    c.insert(
        "can_inspect".into(),
        json!(
            certificates
                .first()
                .is_some_and(|c| c.status(today).in_force())
                && authorize(&user.actor, Action::RecordInspection, &scope).is_ok()
        ),
    );
    c.insert(
        "inspection_kinds".into(),
        options(
            ocop_domain::inspection::InspectionKind::ALL
                .iter()
                .map(|k| (k.code().to_string(), k.label().to_string())),
        ),
    );
    c.insert(
        "conclusions".into(),
        options(
            ocop_domain::inspection::Conclusion::ALL
                .iter()
                .map(|k| (k.code().to_string(), k.label().to_string())),
        ),
    );
    let designations = state
        .store
        .designations_of(id)
        .await
        .or_page(state, Some(user))?;
    c.insert(
        "designations".into(),
        json!(designations
            .iter()
            .map(|d| json!({"label": ocop_domain::market::designation_label(&d.kind), "decision_number": d.decision_number,
                "recognized_on": d.recognized_on, "valid_until": d.valid_until}))
            .collect::<Vec<_>>()),
    );
    c.insert(
        "can_designate".into(),
        json!(authorize(&user.actor, Action::RecordDesignation, &scope).is_ok()),
    );
    c.insert(
        "designation_kinds".into(),
        options(
            ocop_domain::market::DESIGNATIONS
                .iter()
                .map(|(c, l)| (c.to_string(), l.to_string())),
        ),
    );
    c.insert("images".into(), json!(images));
    c.insert("history".into(), history_json(&history));
    c.insert(
        "can_edit".into(),
        json!(authorize(&user.actor, Action::EditProduct, &scope).is_ok()),
    );
    c.insert(
        "can_certify".into(),
        json!(authorize(&user.actor, Action::RecordCertificate, &scope).is_ok()),
    );
    c.insert(
        "can_upload".into(),
        json!(authorize(&user.actor, Action::UploadProductImage, &scope).is_ok()),
    );
    c.insert(
        "can_deactivate".into(),
        json!(authorize(&user.actor, Action::DeactivateProduct, &scope).is_ok()),
    );
    c.insert("cv".into(), cv);
    c.insert("cert_errors".into(), cert_errors);
    c.insert("flash".into(), json!(flash_text(flash)));
    Ok(render(state, "products/show.html", c))
}

pub async fn show(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Query(fq): Query<FlashQuery>,
) -> PageResult {
    show_page(&state, &user, id, fq.tb.as_deref(), None).await
}

pub async fn edit_form(S(state): S<State>, user: User, Path(id): Path<i64>) -> PageResult {
    let x = state.store.product(id).await.or_page(&state, Some(&user))?;
    authorize(&user.actor, Action::EditProduct, &scope_of(&x.product))
        .or_page(&state, Some(&user))?;
    let v = json!({"name": x.product.name, "set_code": x.product.set_code, "gtin": x.product.gtin, "code": x.product.code, "description": x.product.description});
    Ok(form_page(
        &state,
        &user,
        json!({"id": x.product.producer_id, "name": x.producer_name}),
        &format!("Sửa: {}", x.product.name),
        &format!("/san-pham/{id}/sua"),
        &format!("/san-pham/{id}"),
        v,
        json!({}),
        Some(x.product.version),
    ))
}

pub async fn update(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let x = state.store.product(id).await.or_page(&state, Some(&user))?;
    let input: ProductInput = input_from(&form);
    let result: Result<(), AppError> = async {
        let cap = authorize(&user.actor, Action::EditProduct, &scope_of(&x.product))?;
        let data = input.validate(&x.product.province_code, &x.product.commune_code)?;
        Ok(state
            .store
            .update_product(&cap, id, &data, version_of(&form))
            .await?)
    }
    .await;
    match result {
        Ok(()) => Ok(see_other(&format!("/san-pham/{id}?tb=da-luu"))),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page(
                &state,
                &user,
                json!({"id": x.product.producer_id, "name": x.producer_name}),
                &format!("Sửa: {}", x.product.name),
                &format!("/san-pham/{id}/sua"),
                &format!("/san-pham/{id}"),
                json!(form),
                field_errors(&e),
                version_of(&form),
            ),
        )
            .into_response()),
        Err(e) => Err(super::error_page(&state, Some(&user), e)),
    }
}

pub async fn revoke_certificate(
    S(state): S<State>,
    user: User,
    Path((id, cert_id)): Path<(i64, i64)>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let x = state.store.product(id).await.or_page(&state, Some(&user))?;
    let cert = state
        .store
        .certificate(cert_id)
        .await
        .or_page(&state, Some(&user))?;
    if cert.product_id != id {
        return Err(super::error_page(
            &state,
            Some(&user),
            AppError::NotFound("giấy chứng nhận".into()),
        ));
    }
    let cap = authorize(
        &user.actor,
        ocop_domain::auth::revocation_action(cert.stars as u8),
        &scope_of(&x.product),
    )
    .or_page(&state, Some(&user))?;
    let input: ocop_domain::certificate::RevocationInput = input_from(&form);
    match input.validate(cert.issued_on, state.today()) {
        Ok(r) => {
            state
                .store
                .revoke_certificate(&cap, cert_id, &r)
                .await
                .or_page(&state, Some(&user))?;
            Ok(see_other(&format!("/san-pham/{id}?tb=da-thu-hoi-gcn")))
        }
        Err(errs) => {
            let msg = errs
                .0
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join(" ");
            Err(super::error_page(
                &state,
                Some(&user),
                AppError::bad_request("invalid", msg, "invalid revocation"),
            ))
        }
    }
}

pub async fn record_certificate(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let x = state.store.product(id).await.or_page(&state, Some(&user))?;
    let cap = authorize(
        &user.actor,
        Action::RecordCertificate,
        &scope_of(&x.product),
    )
    .or_page(&state, Some(&user))?;
    let input: LegacyCertificateInput = input_from(&form);
    match input.validate(state.today()) {
        Ok(cert) => {
            state
                .store
                .record_certificate(&cap, id, &cert)
                .await
                .or_page(&state, Some(&user))?;
            Ok(see_other(&format!("/san-pham/{id}?tb=da-ghi-nhan")))
        }
        Err(errs) => {
            let e = AppError::Invalid(errs);
            let page = show_page(
                &state,
                &user,
                id,
                None,
                Some((json!(form), field_errors(&e))),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// The multipart body of an API upload, or the JSON error of its rejection
/// (not multipart, no boundary): JSON like every other API error.
pub(crate) fn api_multipart(
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Multipart, AppError> {
    mp.map_err(|e| {
        AppError::bad_request(
            "bad_multipart",
            format!("Tải lên lỗi: {}", e.body_text()),
            e.body_text(),
        )
    })
}

/// Read a multipart upload: the CSRF field and one file field.
pub(crate) async fn read_upload(
    mut mp: Multipart,
    file_field: &str,
) -> Result<(FormMap, Option<(String, Vec<u8>)>), AppError> {
    let mut fields = FormMap::new();
    let mut file = None;
    // A body over the limit is 413, whichever part crosses it.
    let refused = |e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge
        } else {
            AppError::bad_request("bad_multipart", format!("Tải lên lỗi: {e}"), e.to_string())
        }
    };
    while let Some(field) = mp.next_field().await.map_err(refused)? {
        let name = field.name().unwrap_or("").to_string();
        if name == file_field {
            let filename = field.file_name().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(refused)?;
            file = Some((filename, bytes.to_vec()));
        } else {
            let text = field.text().await.unwrap_or_default();
            fields.insert(name, text);
        }
    }
    Ok((fields, file))
}

pub async fn upload_image(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    mp: Multipart,
) -> PageResult {
    let (fields, file) = read_upload(mp, "image")
        .await
        .or_page(&state, Some(&user))?;
    user.check_csrf(csrf_of(&fields))
        .or_page(&state, Some(&user))?;
    let x = state.store.product(id).await.or_page(&state, Some(&user))?;
    let cap = authorize(
        &user.actor,
        Action::UploadProductImage,
        &scope_of(&x.product),
    )
    .or_page(&state, Some(&user))?;
    let bytes = file.map(|(_, b)| b).unwrap_or_default();
    let checked = check_image(&bytes);
    let content_type = checked.or_page(&state, Some(&user))?;
    state
        .store
        .add_product_image(&cap, id, content_type, &bytes)
        .await
        .or_page(&state, Some(&user))?;
    Ok(see_other(&format!("/san-pham/{id}?tb=da-tai-anh")))
}

/// Serve an image: the sniffed type only, never HTML, with a sandboxing CSP.
pub async fn image(
    S(state): S<State>,
    Path(id): Path<i64>,
    headers: axum::http::HeaderMap,
) -> Response {
    match state.store.product_image(id).await {
        Ok((ct, bytes, sha)) => {
            let etag = format!("\"{sha}\"");
            if headers
                .get(header::IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                == Some(etag.as_str())
            {
                return StatusCode::NOT_MODIFIED.into_response();
            }
            (
                [
                    (header::CONTENT_TYPE, ct),
                    (header::CACHE_CONTROL, "public, max-age=86400".to_string()),
                    (header::ETAG, etag),
                    (
                        header::CONTENT_SECURITY_POLICY,
                        "default-src 'none'; sandbox".to_string(),
                    ),
                    (header::CONTENT_DISPOSITION, "inline".to_string()),
                ],
                bytes,
            )
                .into_response()
        }
        Err(_) => (StatusCode::NOT_FOUND, "Không tìm thấy ảnh.").into_response(),
    }
}

async fn set_active(state: State, user: User, id: i64, form: FormMap, active: bool) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let x = state.store.product(id).await.or_page(&state, Some(&user))?;
    let cap = authorize(
        &user.actor,
        Action::DeactivateProduct,
        &scope_of(&x.product),
    )
    .or_page(&state, Some(&user))?;
    state
        .store
        .set_product_active(&cap, id, active)
        .await
        .or_page(&state, Some(&user))?;
    Ok(see_other(&format!(
        "/san-pham/{id}?tb={}",
        if active { "da-mo-lai" } else { "da-ngung" }
    )))
}

pub async fn deactivate(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    set_active(state, user, id, form, false).await
}

pub async fn reactivate(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    set_active(state, user, id, form, true).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn images_are_sniffed() {
        assert_eq!(
            super::sniff_image(b"\x89PNG\r\n\x1a\n...."),
            Some("image/png")
        );
        assert_eq!(
            super::sniff_image(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some("image/jpeg")
        );
        assert_eq!(super::sniff_image(b"RIFF1234WEBPVP8 "), Some("image/webp"));
        assert_eq!(super::sniff_image(b"<html><script>"), None);
    }
}
