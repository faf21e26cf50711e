//! The OpenAPI document (generated from the handlers' annotations) and a
//! browsable page rendered from it on the server: no download, no script.

use crate::api;
use crate::pages::{ctx, render};
use crate::session::Viewer;
use crate::State;
use axum::extract::State as S;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::sync::OnceLock;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "OCOP API", version = "1", description = "Hệ thống thông tin Chương trình OCOP (Mỗi xã một sản phẩm). Errors: {\"error\": {code, message, message_en, fields, lines}}."),
    paths(
        api::login, api::logout, api::me,
        api::provinces, api::communes, api::legacy_commune, api::classification,
        api::criteria_versions, api::criteria_sheet, api::criteria_evaluate,
        api::list_producers, api::create_producer, api::get_producer, api::update_producer,
        api::deactivate_producer, api::activate_producer, api::producer_history,
        api::list_products, api::get_product, api::create_product, api::update_product, api::record_certificate,
        api::deactivate_product, api::activate_product, api::upload_image, api::revoke_certificate,
        api::import, api::export,
        api::list_users, api::create_user, api::grant_role, api::revoke_role, api::deactivate_user, api::activate_user,
        api::change_password,
        crate::public::verify_json,
        crate::public_catalog::suggest_json,
        crate::public_catalog::statistics_json,
        crate::markets::api_list, crate::markets::api_create, crate::markets::api_get, crate::markets::api_status,
        crate::markets::api_listing, crate::markets::api_network, crate::markets::api_designations,
        crate::markets::api_designate,
        crate::dossiers::api_file, crate::dossiers::api_list, crate::dossiers::api_get, crate::dossiers::api_forward,
        crate::dossiers::api_return, crate::dossiers::api_resubmit, crate::dossiers::api_withdraw, crate::dossiers::api_file_draft, crate::dossiers::api_save_draft, crate::dossiers::api_submit, crate::dossier_thread::api_comments, crate::dossier_thread::api_comment,
        crate::evidence::api_list, crate::evidence::api_upload, crate::evidence::api_remove,
        crate::inspections::api_record, crate::inspections::api_list,
        crate::pos_files::api_upload, crate::pos_files::api_list,
        crate::rounds::api_create, crate::rounds::api_member, crate::rounds::api_assign, crate::rounds::api_score,
        crate::rounds::api_sheets, crate::rounds::api_close, crate::rounds::api_decide, crate::rounds::api_reject, crate::rounds::api_advisory_report, crate::rounds::api_advisory_team, crate::rounds::api_reopen,
        crate::rounds::api_conflict,
        crate::trade_events::api_list, crate::trade_events::api_create, crate::trade_events::api_get,
        crate::trade_events::api_apply, crate::trade_events::api_decide, crate::trade_events::api_day,
        crate::trade_events::api_participants, crate::trade_events::api_finalize,
        crate::matching::api_demands, crate::matching::api_create_demand, crate::matching::api_demand,
        crate::matching::api_matches, crate::matching::api_close_demand, crate::matching::api_offer,
        crate::matching::api_matching_demands, crate::matching::api_introduce, crate::matching::api_answer,
        crate::matching::api_agreements, crate::matching::api_agreement_statistics, crate::matching::api_create_agreement,
        crate::matching::api_agreement, crate::matching::api_agreement_status,
    ),
    tags(
        (name = "session", description = "Đăng nhập, phiên làm việc"),
        (name = "units", description = "Đơn vị hành chính và phân loại sản phẩm"),
        (name = "criteria", description = "Bộ tiêu chí đánh giá, phân hạng và máy tính tự đánh giá"),
        (name = "producers", description = "Chủ thể OCOP"),
        (name = "dossiers", description = "Hồ sơ đánh giá, phân hạng"),
        (name = "products", description = "Sản phẩm và giấy chứng nhận"),
        (name = "import", description = "Nhập dữ liệu từ tệp"),
        (name = "verify", description = "Xác minh sản phẩm, giấy chứng nhận OCOP"),
        (name = "markets", description = "Điểm giới thiệu và bán sản phẩm OCOP"),
        (name = "events", description = "Hội chợ, tuần hàng và sự kiện xúc tiến thương mại"),
        (name = "matching", description = "Kết nối cung cầu: nhu cầu, chào hàng, giới thiệu, thoả thuận hợp tác"),
        (name = "users", description = "Người dùng và vai trò"),
    )
)]
pub struct ApiDoc;

/// The document, built once.
pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        serde_json::to_value(ApiDoc::openapi()).expect("OpenAPI document serializes")
    })
}

pub async fn document() -> Response {
    (
        [(header::CACHE_CONTROL, "public, max-age=300")],
        axum::Json(spec().clone()),
    )
        .into_response()
}

const TAG_TITLES: &[(&str, &str)] = &[
    ("session", "Phiên đăng nhập"),
    ("units", "Đơn vị hành chính, phân loại"),
    ("criteria", "Bộ tiêu chí, tự đánh giá"),
    ("producers", "Chủ thể OCOP"),
    ("dossiers", "Hồ sơ đánh giá"),
    ("products", "Sản phẩm, chứng nhận"),
    ("import", "Nhập dữ liệu"),
    ("verify", "Xác minh sản phẩm"),
    ("markets", "Điểm bán"),
    ("events", "Hội chợ, tuần hàng"),
    ("matching", "Kết nối cung cầu"),
    ("users", "Người dùng"),
];

fn schema_name(v: &Value) -> Option<String> {
    v.pointer("/content/application~1json/schema/$ref")
        .or_else(|| v.pointer("/content/application~1octet-stream/schema/$ref"))
        .and_then(|r| r.as_str())
        .map(|r| r.rsplit('/').next().unwrap_or(r).to_string())
        .or_else(|| {
            v.get("content")
                .and_then(|c| c.as_object())
                .and_then(|c| c.keys().next().cloned())
        })
}

pub async fn docs_page(S(state): S<State>, viewer: Viewer) -> Response {
    let spec = spec();
    let mut tags: Vec<Value> = Vec::new();
    for (tag, title) in TAG_TITLES {
        let mut ops = Vec::new();
        if let Some(paths) = spec.get("paths").and_then(|p| p.as_object()) {
            for (path, item) in paths {
                for method in ["get", "post", "put", "delete"] {
                    let Some(op) = item.get(method) else { continue };
                    let in_tag = op
                        .get("tags")
                        .and_then(|t| t.as_array())
                        .is_some_and(|t| t.iter().any(|x| x == tag));
                    if !in_tag {
                        continue;
                    }
                    let params: Vec<Value> = op
                        .get("parameters")
                        .and_then(|p| p.as_array())
                        .map(|ps| {
                            ps.iter()
                                .map(|p| json!({"name": p["name"], "location": p["in"], "required": p["required"], "description": p["description"]}))
                                .collect()
                        })
                        .unwrap_or_default();
                    let responses: Vec<Value> = op
                        .get("responses")
                        .and_then(|r| r.as_object())
                        .map(|rs| {
                            rs.iter()
                                .map(|(status, r)| {
                                    let body = schema_name(r).map(|s| format!(" → {s}")).unwrap_or_default();
                                    json!({"status": status, "description": format!("{}{}", r["description"].as_str().unwrap_or(""), body)})
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    let (summary, description) = {
                        let s = op.get("summary").and_then(|s| s.as_str()).unwrap_or("");
                        let d = op.get("description").and_then(|s| s.as_str()).unwrap_or("");
                        (s.to_string(), d.to_string())
                    };
                    ops.push(json!({
                        "method": method, "path": path, "summary": summary, "description": description,
                        "params": params, "responses": responses,
                        "body": op.get("requestBody").and_then(schema_name),
                    }));
                }
            }
        }
        tags.push(json!({"name": tag, "title": title, "ops": ops}));
    }
    let tables = [
        ("Tệp chủ thể", ocop_docs::columns::PRODUCER_COLUMNS),
        ("Tệp sản phẩm", ocop_docs::columns::PRODUCT_COLUMNS),
    ]
    .iter()
    .map(|(title, cols)| {
        json!({"title": title, "columns": cols.iter().map(|c| json!({"code": c.code, "label": c.label, "required": c.required, "help": c.help})).collect::<Vec<_>>()})
    })
    .collect::<Vec<_>>();
    let mut c = ctx(viewer.0.as_ref(), "api", "API");
    c.insert("tags".into(), json!(tags));
    c.insert("import_tables".into(), json!(tables));
    render(&state, "api_docs.html", c)
}
