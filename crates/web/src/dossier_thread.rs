//! A dossier's thread (trao đổi): questions and answers between its
//! producer, its commune, its province's office, its council and the
//! ministry. Everyone who reads the dossier reads every comment.

use crate::api::ApiJson;
use crate::dossiers::{load, scope_of, shown_again};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::pages::{csrf_of, error_page, see_other, FormMap, OrPage, PageResult};
use crate::session::User;
use crate::State;
use axum::extract::{Path, State as S};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use ocop_domain::auth::{authorize, Action, Scope};
use ocop_domain::dossier::CommentInput;
use ocop_store::comments::CommentRow;
use serde_json::json;

pub fn routes() -> Router<State> {
    Router::new()
        .route("/ho-so/{id}/trao-doi", post(comment_page))
        .route(
            "/api/v1/dossiers/{id}/comments",
            get(api_comments).post(api_comment),
        )
}

async fn comment(state: &State, user: &User, id: i64, input: &CommentInput) -> AppResult<i64> {
    let d = load(state, user, id).await?;
    let scope = comment_scope(&d.dossier);
    let cap = authorize(&user.actor, Action::CommentDossier, &scope)?;
    let body = input.validate()?;
    // The capacity the author writes in: the role that lets them.
    let role = user
        .actor
        .acting_role(Action::CommentDossier, &scope)
        .ok_or_else(|| AppError::Internal("authorized without a permitting role".into()))?;
    Ok(state.store.add_comment(&cap, id, role, &body).await?)
}

/// Where a comment on a dossier is written: its unit and producer, and its council.
pub(crate) fn comment_scope(d: &ocop_store::dossiers::DossierRow) -> Scope {
    Scope {
        council_id: d.round_id,
        ..scope_of(d)
    }
}

/// The thread as the dossier page shows it, and whether the viewer may write in it.
pub(crate) async fn for_page(
    state: &State,
    user: &User,
    d: &ocop_store::dossiers::DossierRow,
) -> AppResult<(serde_json::Value, bool)> {
    let comments = state.store.comments_of(d.id).await?;
    let list = json!(comments
        .iter()
        .map(|k| json!({"id": k.id, "author": k.author_name, "role": ocop_domain::auth::label_of(&k.author_role),
                        "own": k.author_id == user.actor.user_id, "body": k.body, "at": k.created_at}))
        .collect::<Vec<_>>());
    let may_write = authorize(&user.actor, Action::CommentDossier, &comment_scope(d)).is_ok();
    Ok((list, may_write))
}

/// A dossier's comments, oldest first: every party to the dossier reads them all.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/comments", tag = "dossiers", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<CommentRow>), (status = 404, body = ErrorBody)))]
pub async fn api_comments(S(state): S<State>, user: User, Path(id): Path<i64>) -> Response {
    let list = async {
        load(&state, &user, id).await?;
        Ok::<_, AppError>(state.store.comments_of(id).await?)
    };
    match list.await {
        Ok(list) => Json(list).into_response(),
        Err(e) => e.json(),
    }
}

/// Write in a dossier's thread: its producer, its commune, its province's
/// office, its council's members, the ministry.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/comments", tag = "dossiers", params(("id" = i64, Path)), request_body = CommentInput,
    responses((status = 201, body = Vec<CommentRow>), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_comment(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<CommentInput>,
) -> Response {
    match comment(&state, &user, id, &input).await {
        Ok(_) => match state.store.comments_of(id).await {
            Ok(list) => (StatusCode::CREATED, Json(list)).into_response(),
            Err(e) => AppError::from(e).json(),
        },
        Err(e) => e.json(),
    }
}

pub(crate) async fn comment_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let input = CommentInput {
        body: form.get("body").cloned().unwrap_or_default(),
    };
    match comment(&state, &user, id, &input).await {
        Ok(cid) => Ok(see_other(&format!(
            "/ho-so/{id}?tb=da-gui-trao-doi#trao-doi-{cid}"
        ))),
        Err(e @ AppError::Invalid(_)) => {
            shown_again(&state, &user, id, "comment", e, json!({"body": input.body})).await
        }
        Err(e) => Err(error_page(&state, Some(&user), e)),
    }
}
