//! A point of sale's photos and the evidence of its criteria (Decision
//! 950/QĐ-BCT), uploaded by the province's office, kept in the file store
//! by content hash. Photos are public (the directory shows them); evidence
//! is for those who manage or operate the point.

use crate::error::{AppError, AppResult, ErrorBody};
use crate::pages::products::{api_multipart, read_upload};
use crate::pages::{csrf_of, error_page, see_other, OrPage, PageResult};
use crate::session::{User, Viewer};
use crate::State;
use axum::extract::{Multipart, Path, State as S};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ocop_domain::auth::{authorize, Action, Scope};
use ocop_store::markets::{NewPosFile, PosFileRow};

pub fn routes() -> Router<State> {
    Router::new()
        .route("/diem-ban/{id}/tep", post(upload_page))
        .route("/diem-ban/{id}/tep/{fid}", get(download))
        .route(
            "/api/v1/points-of-sale/{id}/files",
            get(api_list).post(api_upload),
        )
}

async fn scope_of(state: &State, id: i64) -> AppResult<Scope> {
    let p = state.store.point_of_sale(id).await?;
    Ok(Scope::point_of_sale(&p.province_code, id))
}

/// May this viewer see the point's evidence (not only its photos)?
fn sees_evidence(user: Option<&User>, scope: &Scope) -> bool {
    user.is_some_and(|u| {
        authorize(&u.actor, Action::ManagePointOfSale, scope).is_ok()
            || authorize(&u.actor, Action::ManageListing, scope).is_ok()
    })
}

async fn upload(
    state: &State,
    user: &User,
    id: i64,
    kind: &str,
    file: Option<(String, Vec<u8>)>,
) -> AppResult<i64> {
    let cap = authorize(
        &user.actor,
        Action::ManagePointOfSale,
        &scope_of(state, id).await?,
    )?;
    let (name, bytes) = file.unwrap_or_default();
    let (filename, content_type) = ocop_domain::market::check_pos_file(kind, &name, &bytes)?;
    let sha = state
        .files
        .put(&bytes)
        .await
        .map_err(|e| AppError::Internal(format!("point of sale file: {e}")))?;
    Ok(state
        .store
        .add_pos_file(
            &cap,
            id,
            &NewPosFile {
                kind,
                filename: &filename,
                content_type,
                size: bytes.len(),
                sha256: &sha,
            },
        )
        .await?)
}

/// Add a photo (`kind` = photo: JPEG, PNG or WebP) or the evidence of a
/// criterion (`kind` = location, products or signage: PDF or image), at
/// most 10 MB; multipart fields `kind` and `file`. Approval needs evidence
/// for every criterion.
#[utoipa::path(post, path = "/api/v1/points-of-sale/{id}/files", tag = "markets", params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", description = "kind, file"),
    responses((status = 201, body = PosFileRow), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_upload(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let added = async {
        let (fields, file) = read_upload(api_multipart(mp)?, "file").await?;
        let kind = fields.get("kind").cloned().unwrap_or_default();
        let fid = upload(&state, &user, id, kind.trim(), file).await?;
        Ok::<_, AppError>(state.store.pos_file(id, fid).await?)
    }
    .await;
    match added {
        Ok(row) => (StatusCode::CREATED, Json(row)).into_response(),
        Err(e) => e.json(),
    }
}

/// A point's files: its photos for everyone, the criteria's evidence too for
/// those who manage or operate it.
#[utoipa::path(get, path = "/api/v1/points-of-sale/{id}/files", tag = "markets", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<PosFileRow>), (status = 404, body = ErrorBody)))]
pub async fn api_list(S(state): S<State>, viewer: Viewer, Path(id): Path<i64>) -> Response {
    let listed = async {
        let scope = scope_of(&state, id).await?;
        let all = sees_evidence(viewer.0.as_ref(), &scope);
        Ok::<_, AppError>(
            state
                .store
                .pos_files(id)
                .await?
                .into_iter()
                .filter(|f| all || f.kind == "photo")
                .collect::<Vec<_>>(),
        )
    }
    .await;
    match listed {
        Ok(rows) => Json(rows).into_response(),
        Err(e) => e.json(),
    }
}

pub(crate) async fn upload_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    mp: Multipart,
) -> PageResult {
    let (fields, file) = read_upload(mp, "file").await.or_page(&state, Some(&user))?;
    user.check_csrf(csrf_of(&fields))
        .or_page(&state, Some(&user))?;
    let kind = fields.get("kind").cloned().unwrap_or_default();
    upload(&state, &user, id, kind.trim(), file)
        .await
        .or_page(&state, Some(&user))?;
    Ok(see_other(&format!("/diem-ban/{id}?tb=da-tai-tep#tieu-chi")))
}

/// A photo inline for anyone; evidence as an attachment for those who may
/// see it. Never rendered as a page (sandboxing CSP).
pub(crate) async fn download(
    S(state): S<State>,
    viewer: Viewer,
    Path((id, fid)): Path<(i64, i64)>,
) -> Response {
    let found = async {
        let f = state.store.pos_file(id, fid).await?;
        if f.kind != "photo" && !sees_evidence(viewer.0.as_ref(), &scope_of(&state, id).await?) {
            return Err(AppError::NotFound("tệp của điểm bán".into()));
        }
        let bytes = state
            .files
            .get(&f.sha256)
            .await
            .map_err(|e| AppError::Internal(format!("point of sale file {}: {e}", f.sha256)))?;
        Ok::<_, AppError>((f, bytes))
    }
    .await;
    match found {
        Ok((f, bytes)) => {
            let photo = f.kind == "photo";
            let fallback = format!("tep-{fid}");
            crate::evidence::file_response(
                &f.content_type,
                (!photo).then_some((fallback.as_str(), f.filename.as_str())),
                photo,
                bytes,
            )
        }
        Err(e) => error_page(&state, viewer.0.as_ref(), e),
    }
}
