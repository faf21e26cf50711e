//! The public criteria sheets and the self-assessment calculator (a GET
//! form: no session, no JavaScript, shareable URLs).

use super::{ctx, render, PageResult};
use crate::error::AppError;
use crate::session::Viewer;
use crate::State;
use axum::extract::{Path, Query, State as S};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use ocop_domain::classification::product_set;
use ocop_domain::criteria::{versions, NodeKind, Sheet, TreeNode};
use serde_json::{json, Value};
use std::collections::HashMap;

pub async fn index(S(state): S<State>, viewer: Viewer) -> PageResult {
    let list: Vec<Value> = versions()
        .iter()
        .rev()
        .map(|v| {
            json!({"id": v.id, "title": v.title, "effective_from": v.effective_from, "effective_to": v.effective_to, "parts": v.parts,
                "sets": v.sheets.iter().map(|s| json!({"set": s.set, "name": product_set(&s.set).map(|p| p.name.clone())})).collect::<Vec<_>>()})
        })
        .collect();
    let mut c = ctx(viewer.0.as_ref(), "criteria", "Bộ tiêu chí");
    c.insert("versions".into(), json!(list));
    Ok(render(&state, "criteria/index.html", c))
}

/// The tree for the template, with `leaf` marking criteria that hold options.
pub(crate) fn tree_json(n: &TreeNode) -> Value {
    let leaf =
        n.kind == NodeKind::Criterion && n.children.iter().all(|c| c.kind == NodeKind::Option);
    json!({"id": n.id, "kind": n.kind, "title": n.title, "points": n.points, "min_star": n.min_star, "case": n.case,
           "note": n.note, "leaf": leaf, "children": n.children.iter().map(tree_json).collect::<Vec<_>>()})
}

pub async fn sheet(
    S(state): S<State>,
    viewer: Viewer,
    Path((version, set)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let user = viewer.0.as_ref();
    let v = ocop_domain::criteria::version(&version);
    let sheet: Option<&Sheet> = v.and_then(|v| v.sheet(&set));
    let (Some(v), Some(sheet)) = (v, sheet) else {
        return Err(super::error_page(
            &state,
            user,
            AppError::NotFound("phiếu đánh giá này".into()),
        ));
    };
    let case = q.get("truong_hop").filter(|c| !c.is_empty()).cloned();
    // Every other non-empty parameter is "leaf criterion id = option id".
    let selected: HashMap<String, String> = q
        .iter()
        .filter(|(k, val)| *k != "truong_hop" && !val.is_empty())
        .map(|(k, val)| (k.clone(), val.clone()))
        .collect();
    let mut options: Vec<String> = selected.values().cloned().collect();
    options.sort();
    let (result, error) = if selected.is_empty() && case.is_none() {
        (None, None)
    } else {
        match sheet.evaluate(&options, case.as_deref()) {
            Ok(e) => (Some(e), None),
            Err(e) => (None, Some(e.message)),
        }
    };
    let name = product_set(&set)
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let mut c = ctx(user, "criteria", &format!("Bộ sản phẩm {set}: {name}"));
    c.insert(
        "version".into(),
        json!({"id": v.id, "title": v.title, "parts": v.parts}),
    );
    c.insert("set".into(), json!(set));
    c.insert("name".into(), json!(name));
    c.insert(
        "cases".into(),
        if sheet.cases().is_empty() {
            json!(null)
        } else {
            json!(v.cases)
        },
    );
    c.insert("case".into(), json!(case));
    c.insert(
        "nodes".into(),
        json!(sheet.tree().iter().map(tree_json).collect::<Vec<_>>()),
    );
    c.insert("selected".into(), json!(selected));
    c.insert("result".into(), json!(result));
    let failed = error.is_some();
    c.insert("error".into(), json!(error));
    let page = render(&state, "criteria/sheet.html", c);
    Ok(if failed {
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    } else {
        page
    })
}
