//! Fairs and promotion weeks on the web: the public calendar and reports,
//! the organiser's forms (plan, booths, daily figures, final report), the
//! producers' booth applications, the API, and the XLSX report.
//!
//! Revenue per booth is the producers' business figure: the public sees
//! totals; the organiser (and the API caller authorized as one) sees each
//! booth's.

use crate::api::{ApiJson, ApiQuery};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::pages::{
    attachment, checked_codes, csrf_of, ctx, error_page, flash_text, form_count, options,
    province_options, render, see_other, FlashQuery, FormMap, OrPage, PageResult, PDF, XLSX,
};
use crate::session::{User, Viewer};
use crate::State;
use axum::extract::{Path, Query, State as S};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Form, Json, Router};
use ocop_docs::pdf::{Block, PdfDocument, Table};
use ocop_docs::report::{write_workbook, Cell, Sheet};
use ocop_domain::admin_units::{short_name, units};
use ocop_domain::auth::{authorize, Action, Role, Scope};
use ocop_domain::certificate::format_date;
use ocop_domain::trade_event::{
    booth_status_label, format_million_vnd, kind_label, parse_countries, scope_label,
    BoothAllocationInput, BoothSalesInput, DayReportInput, EventFigures, EventPhase,
    FigureComparison, TradeEventInput, EVENT_KINDS, EVENT_SCOPES,
};
use ocop_store::trade_events::{BoothRow, EventFilter, Participants, TradeEventRow};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Router<State> {
    Router::new()
        .route("/su-kien", get(list_page).post(create_page))
        .route("/su-kien/{id}", get(show_page))
        .route("/su-kien/{id}/bao-cao.{ext}", get(report_file))
        .route("/su-kien/{id}/gian-hang", post(apply_page))
        .route("/su-kien/{id}/gian-hang/{booth}", post(decide_page))
        .route("/su-kien/{id}/so-lieu", post(day_page))
        .route("/su-kien/{id}/thanh-phan", post(participants_page))
        .route("/su-kien/{id}/tong-ket", post(finalize_page))
        .route("/api/v1/events", get(api_list).post(api_create))
        .route("/api/v1/events/{id}", get(api_get))
        .route("/api/v1/events/{id}/booths", post(api_apply))
        .route("/api/v1/events/{id}/booths/{booth}", post(api_decide))
        .route("/api/v1/events/{id}/days", put(api_day))
        .route("/api/v1/events/{id}/participants", put(api_participants))
        .route("/api/v1/events/{id}/final-report", post(api_finalize))
}

fn organiser_scope(e: &TradeEventRow) -> Scope {
    Scope::province(&e.province_code)
}

fn province_name(code: &str) -> Option<String> {
    units()
        .province(code)
        .map(|p| short_name(&p.name).to_string())
}

fn event_json(e: &TradeEventRow, today: chrono::NaiveDate) -> Value {
    let phase = EventPhase::of(e.starts_on, e.ends_on, e.finalized_at.is_some(), today);
    let mut v = json!(e);
    v["kind_label"] = json!(kind_label(&e.kind));
    v["scope_label"] = json!(scope_label(&e.scope));
    v["province_name"] = json!(province_name(&e.province_code));
    v["phase"] = json!(phase);
    v["phase_label"] = json!(phase.label());
    v["days"] = json!((e.ends_on - e.starts_on).num_days() + 1);
    v["dates_text"] = json!(if e.starts_on == e.ends_on {
        format_date(e.starts_on)
    } else {
        format!("{} – {}", format_date(e.starts_on), format_date(e.ends_on))
    });
    v["planned_revenue_text"] = json!(e.planned_revenue_vnd.map(format_million_vnd));
    v
}

fn comparison_json(c: &[FigureComparison]) -> Value {
    json!(c
        .iter()
        .map(|x| {
            let money = x.figure == "revenue_vnd";
            let show = |n: i64| {
                if money {
                    format_million_vnd(n)
                } else {
                    ocop_domain::text::group_thousands(n)
                }
            };
            json!({
                "figure": x.figure, "label": x.label, "current": x.current, "base": x.base,
                "percent": x.percent, "text": x.text,
                "current_text": show(x.current), "base_text": show(x.base),
            })
        })
        .collect::<Vec<_>>())
}

fn figures_json(f: &EventFigures) -> Value {
    let mut v = json!(f);
    v["revenue_text"] = json!(format_million_vnd(f.revenue_vnd));
    v["revenue_million"] = json!(ocop_domain::trade_event::format_million(f.revenue_vnd));
    v
}

fn booth_json(b: &BoothRow, with_sales: bool) -> Value {
    let mut v = json!({
        "id": b.id, "producer_id": b.producer_id, "producer_name": b.producer_name,
        "producer_url": crate::public::producer_path(b.producer_id, &b.producer_name),
        "province_code": b.province_code, "province_name": province_name(&b.province_code),
        "note": b.note, "status": b.status, "status_label": booth_status_label(&b.status),
        "booth_number": b.booth_number, "area_m2": b.area_m2,
    });
    if with_sales {
        v["revenue_vnd"] = json!(b.revenue_vnd);
        v["revenue_text"] = json!(format_million_vnd(b.revenue_vnd));
        v["orders"] = json!(b.orders);
    }
    v
}

/// Everything an event's page, API answer and workbook show.
struct Report {
    event: TradeEventRow,
    figures: EventFigures,
    against_plan: Vec<FigureComparison>,
    previous: Option<(TradeEventRow, EventFigures, Vec<FigureComparison>)>,
    days: Vec<ocop_store::trade_events::EventDayRow>,
    booths: Vec<BoothRow>,
    participants: Participants,
}

async fn report(state: &State, id: i64) -> AppResult<Report> {
    let s = &state.store;
    let event = s.trade_event(id).await?;
    let figures = s.event_figures(id).await?;
    let against_plan = figures.against_plan(
        event.planned_booths,
        event.planned_visitors,
        event.planned_revenue_vnd,
    );
    let previous = match s.previous_edition(&event).await? {
        Some(p) => {
            let pf = s.event_figures(p.id).await?;
            let changes = figures.against_previous(&pf);
            Some((p, pf, changes))
        }
        None => None,
    };
    Ok(Report {
        figures,
        against_plan,
        previous,
        days: s.event_days(id).await?,
        booths: s.booths_of(id).await?,
        participants: s.event_participants(id).await?,
        event,
    })
}

impl Report {
    fn json(&self, today: chrono::NaiveDate, with_sales: bool) -> Value {
        let (booths, applications): (Vec<&BoothRow>, Vec<&BoothRow>) =
            self.booths.iter().partition(|b| b.status == "allocated");
        let mut v = json!({
            "event": event_json(&self.event, today),
            "figures": figures_json(&self.figures),
            "against_plan": comparison_json(&self.against_plan),
            "previous": self.previous.as_ref().map(|(p, f, c)| json!({
                "event": event_json(p, today), "figures": figures_json(f), "changes": comparison_json(c),
            })),
            "days": self.days.iter().map(|d| json!({
                "day": d.day, "visitors": d.visitors, "agreements": d.agreements,
                "revenue_vnd": d.revenue_vnd, "revenue_text": format_million_vnd(d.revenue_vnd), "orders": d.orders,
            })).collect::<Vec<_>>(),
            "booths": booths.iter().map(|b| booth_json(b, with_sales)).collect::<Vec<_>>(),
            "participants": {
                "provinces": self.participants.provinces.iter()
                    .map(|c| json!({"code": c, "name": province_name(c)})).collect::<Vec<_>>(),
                "countries": self.participants.countries,
            },
        });
        if with_sales {
            v["applications"] = json!(applications
                .iter()
                .map(|b| booth_json(b, false))
                .collect::<Vec<_>>());
        }
        v
    }

    /// The report as a PDF: the same sections as the page and the workbook.
    fn pdf(&self, today: chrono::NaiveDate, with_sales: bool) -> Result<Vec<u8>, String> {
        let e = &self.event;
        let f = &self.figures;
        let thousands = ocop_domain::text::group_thousands;
        let phase = EventPhase::of(e.starts_on, e.ends_on, e.finalized_at.is_some(), today);
        let mut blocks = vec![
            Block::Banner(vec![
                e.organiser.to_uppercase(),
                "Hệ thống thông tin Chương trình OCOP".into(),
            ]),
            Block::Title(format!(
                "BÁO CÁO KẾT QUẢ {}",
                kind_label(&e.kind).unwrap_or("SỰ KIỆN").to_uppercase()
            )),
            Block::Paragraph(e.name.clone()),
            Block::Facts(vec![
                ("Quy mô".into(), scope_label(&e.scope).unwrap_or("").into()),
                (
                    "Thời gian".into(),
                    format!(
                        "{} – {} ({} ngày)",
                        format_date(e.starts_on),
                        format_date(e.ends_on),
                        (e.ends_on - e.starts_on).num_days() + 1
                    ),
                ),
                (
                    "Địa điểm".into(),
                    format!(
                        "{}, {}",
                        e.venue,
                        province_name(&e.province_code).unwrap_or_default()
                    ),
                ),
                ("Tình trạng".into(), phase.label().into()),
            ]),
            Block::Heading("1. Kết quả".into()),
            Block::Facts(vec![
                ("Gian hàng".into(), thousands(f.booths)),
                ("Số ngày có báo cáo".into(), thousands(f.days_reported)),
                ("Lượt khách".into(), thousands(f.visitors)),
                ("Doanh thu".into(), format_million_vnd(f.revenue_vnd)),
                ("Đơn hàng".into(), thousands(f.orders)),
                ("Biên bản hợp tác ký kết".into(), thousands(f.agreements)),
                ("Tỉnh, thành phố tham gia".into(), thousands(f.provinces)),
                ("Quốc gia tham gia".into(), thousands(f.countries)),
            ]),
        ];
        let show = |c: &FigureComparison, n: i64| {
            if c.figure == "revenue_vnd" {
                format_million_vnd(n)
            } else {
                thousands(n)
            }
        };
        if !self.against_plan.is_empty() || self.previous.is_some() {
            blocks.push(Block::Heading("2. So sánh với kế hoạch và kỳ trước".into()));
            let mut rows = Vec::new();
            for c in &self.against_plan {
                rows.push(vec![
                    c.label.to_string(),
                    "Kế hoạch".into(),
                    show(c, c.base),
                    show(c, c.current),
                    c.text.clone().unwrap_or_default(),
                ]);
            }
            if let Some((p, _, changes)) = &self.previous {
                for c in changes {
                    rows.push(vec![
                        c.label.to_string(),
                        p.name.clone(),
                        show(c, c.base),
                        show(c, c.current),
                        c.text.clone().unwrap_or_else(|| "—".into()),
                    ]);
                }
            }
            blocks.push(Block::Table(Table {
                headers: [
                    "Chỉ tiêu",
                    "So với",
                    "Kế hoạch / kỳ trước",
                    "Kết quả",
                    "Tỷ lệ",
                ]
                .map(String::from)
                .to_vec(),
                widths: vec![2.2, 2.6, 2.0, 2.0, 1.0],
                right: vec![2, 3, 4],
                rows,
            }));
        }
        blocks.push(Block::Heading("3. Số liệu theo ngày".into()));
        blocks.push(Block::Table(Table {
            headers: [
                "Ngày",
                "Lượt khách",
                "Doanh thu",
                "Đơn hàng",
                "Biên bản hợp tác",
            ]
            .map(String::from)
            .to_vec(),
            widths: vec![1.2, 1.2, 1.8, 1.0, 1.2],
            right: vec![1, 2, 3, 4],
            rows: self
                .days
                .iter()
                .map(|d| {
                    vec![
                        format_date(d.day),
                        thousands(d.visitors),
                        format_million_vnd(d.revenue_vnd),
                        thousands(d.orders),
                        thousands(d.agreements),
                    ]
                })
                .collect(),
        }));
        blocks.push(Block::Heading("4. Gian hàng".into()));
        let mut headers: Vec<String> = ["Số", "Chủ thể", "Tỉnh, thành phố", "Diện tích"]
            .map(String::from)
            .to_vec();
        let mut widths = vec![0.8, 3.2, 1.5, 1.0];
        if with_sales {
            headers.extend(["Doanh thu".to_string(), "Đơn hàng".to_string()]);
            widths.extend([1.7, 0.9]);
        }
        blocks.push(Block::Table(Table {
            headers,
            widths,
            right: vec![3, 4, 5],
            rows: self
                .booths
                .iter()
                .filter(|b| b.status == "allocated")
                .map(|b| {
                    let mut r = vec![
                        b.booth_number.clone().unwrap_or_default(),
                        b.producer_name.clone(),
                        province_name(&b.province_code).unwrap_or_default(),
                        b.area_m2
                            .map(|a| format!("{} m²", a.to_string().replace('.', ",")))
                            .unwrap_or_default(),
                    ];
                    if with_sales {
                        r.push(format_million_vnd(b.revenue_vnd));
                        r.push(thousands(b.orders));
                    }
                    r
                })
                .collect(),
        }));
        let p = &self.participants;
        if !p.provinces.is_empty() || !p.countries.is_empty() {
            let provinces: Vec<String> = p
                .provinces
                .iter()
                .filter_map(|c| province_name(c))
                .collect();
            blocks.push(Block::Paragraph(format!(
                "Thành phần tham gia khác: {}{}",
                if provinces.is_empty() {
                    String::new()
                } else {
                    format!("tỉnh, thành phố {}. ", provinces.join(", "))
                },
                if p.countries.is_empty() {
                    String::new()
                } else {
                    format!("Quốc gia: {}.", p.countries.join(", "))
                },
            )));
        }
        blocks.push(Block::Signatures(vec![(
            "ĐƠN VỊ TỔ CHỨC".into(),
            e.organiser.clone(),
        )]));
        ocop_docs::pdf::render(&PdfDocument {
            title: format!("Báo cáo kết quả {}", e.name),
            footer: format!("{} · lập ngày {}", e.name, format_date(today)),
            blocks,
        })
    }

    /// The workbook: summary with comparisons, days, booths (sales only for the organiser).
    fn workbook(&self, with_sales: bool) -> Result<Vec<u8>, String> {
        let e = &self.event;
        let f = &self.figures;
        let summary = vec![
            vec![
                "Loại sự kiện".into(),
                kind_label(&e.kind).unwrap_or("").into(),
            ],
            vec!["Đơn vị tổ chức".into(), e.organiser.clone().into()],
            vec![
                "Địa điểm".into(),
                format!(
                    "{}, {}",
                    e.venue,
                    province_name(&e.province_code).unwrap_or_default()
                )
                .into(),
            ],
            vec![
                "Thời gian".into(),
                format!("{} – {}", format_date(e.starts_on), format_date(e.ends_on)).into(),
            ],
            vec!["Số gian hàng".into(), f.booths.into()],
            vec!["Số ngày có báo cáo".into(), f.days_reported.into()],
            vec!["Lượt khách".into(), f.visitors.into()],
            vec![
                "Doanh thu (triệu đồng)".into(),
                Cell::MillionVnd(f.revenue_vnd),
            ],
            vec!["Đơn hàng".into(), f.orders.into()],
            vec!["Biên bản hợp tác ký kết".into(), f.agreements.into()],
            vec!["Tỉnh, thành phố tham gia".into(), f.provinces.into()],
            vec!["Quốc gia tham gia".into(), f.countries.into()],
        ];
        let value = |c: &FigureComparison, n: i64| {
            if c.figure == "revenue_vnd" {
                Cell::MillionVnd(n)
            } else {
                Cell::Int(n)
            }
        };
        let mut compare = Vec::new();
        for c in &self.against_plan {
            compare.push(vec![
                "So với kế hoạch".into(),
                c.label.into(),
                value(c, c.base),
                value(c, c.current),
                Cell::Percent(c.percent),
            ]);
        }
        if let Some((p, _, changes)) = &self.previous {
            for c in changes {
                compare.push(vec![
                    format!("So với {}", p.name).into(),
                    c.label.into(),
                    value(c, c.base),
                    value(c, c.current),
                    Cell::Percent(ocop_domain::trade_event::share_percent(c.current, c.base)),
                ]);
            }
        }
        let days = self
            .days
            .iter()
            .map(|d| {
                vec![
                    format_date(d.day).into(),
                    d.visitors.into(),
                    Cell::MillionVnd(d.revenue_vnd),
                    d.orders.into(),
                    d.agreements.into(),
                ]
            })
            .collect();
        let mut booth_headers: Vec<String> = ["Số gian hàng", "Diện tích (m²)", "Chủ thể", "Tỉnh"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        if with_sales {
            booth_headers.push("Doanh thu (triệu đồng)".into());
            booth_headers.push("Đơn hàng".into());
        }
        let booths = self
            .booths
            .iter()
            .filter(|b| b.status == "allocated")
            .map(|b| {
                let mut r: Vec<Cell> = vec![
                    b.booth_number.clone().unwrap_or_default().into(),
                    Cell::Text(b.area_m2.map(|a| a.to_string()).unwrap_or_default()),
                    b.producer_name.clone().into(),
                    province_name(&b.province_code).unwrap_or_default().into(),
                ];
                if with_sales {
                    r.push(Cell::MillionVnd(b.revenue_vnd));
                    r.push(b.orders.into());
                }
                r
            })
            .collect();
        write_workbook(&[
            Sheet {
                name: "Tổng hợp".into(),
                title: e.name.clone(),
                headers: vec!["Chỉ tiêu".into(), "Kết quả".into()],
                rows: summary,
            },
            Sheet {
                name: "So sánh".into(),
                title: format!("{}: so với kế hoạch và kỳ trước", e.name),
                headers: [
                    "So sánh",
                    "Chỉ tiêu",
                    "Kế hoạch / kỳ trước",
                    "Kết quả",
                    "Tỷ lệ",
                ]
                .iter()
                .map(|s| s.to_string())
                .collect(),
                rows: compare,
            },
            Sheet {
                name: "Theo ngày".into(),
                title: format!("{}: số liệu theo ngày", e.name),
                headers: [
                    "Ngày",
                    "Lượt khách",
                    "Doanh thu (triệu đồng)",
                    "Đơn hàng",
                    "Biên bản hợp tác",
                ]
                .iter()
                .map(|s| s.to_string())
                .collect(),
                rows: days,
            },
            Sheet {
                name: "Gian hàng".into(),
                title: format!("{}: gian hàng", e.name),
                headers: booth_headers,
                rows: booths,
            },
        ])
    }
}

/// May this viewer organise this event?
fn can_manage(user: Option<&User>, e: &TradeEventRow) -> bool {
    user.is_some_and(|u| authorize(&u.actor, Action::ManageTradeEvent, &organiser_scope(e)).is_ok())
}

// ---------- the writes, shared by pages and API ----------

async fn create(state: &State, user: &User, input: &TradeEventInput) -> AppResult<i64> {
    let d = input.validate(units())?;
    let cap = authorize(
        &user.actor,
        Action::ManageTradeEvent,
        &Scope::province(&d.province_code),
    )?;
    Ok(state.store.create_trade_event(&cap, &d).await?)
}

async fn apply(
    state: &State,
    user: &User,
    event_id: i64,
    producer_id: i64,
    note: &str,
) -> AppResult<i64> {
    let p = state.store.producer(producer_id).await?;
    let cap = authorize(
        &user.actor,
        Action::ApplyForBooth,
        &Scope::producer(&p.province_code, &p.commune_code, p.id),
    )?;
    let note = ocop_domain::text::clean(note);
    let note: String = note.chars().take(500).collect();
    Ok(state
        .store
        .apply_for_booth(
            &cap,
            event_id,
            producer_id,
            Some(note.as_str()).filter(|n| !n.is_empty()),
            state.today(),
        )
        .await?)
}

async fn organiser_cap(
    state: &State,
    user: &User,
    event_id: i64,
) -> AppResult<(TradeEventRow, ocop_domain::auth::Capability)> {
    let e = state.store.trade_event(event_id).await?;
    let cap = authorize(&user.actor, Action::ManageTradeEvent, &organiser_scope(&e))?;
    Ok((e, cap))
}

async fn decide(
    state: &State,
    user: &User,
    event_id: i64,
    booth_id: i64,
    input: &BoothAllocationInput,
) -> AppResult<()> {
    let (_, cap) = organiser_cap(state, user, event_id).await?;
    let booth = state.store.booth(booth_id).await?;
    if booth.event_id != event_id {
        return Err(AppError::NotFound("gian hàng".into()));
    }
    let d = input.validate()?;
    Ok(state.store.decide_booth(&cap, booth_id, &d).await?)
}

async fn record_day(
    state: &State,
    user: &User,
    event_id: i64,
    input: &DayReportInput,
) -> AppResult<()> {
    let (e, cap) = organiser_cap(state, user, event_id).await?;
    let allocated: Vec<i64> = state
        .store
        .booths_of(event_id)
        .await?
        .iter()
        .filter(|b| b.status == "allocated")
        .map(|b| b.id)
        .collect();
    let r = input.validate(e.starts_on, e.ends_on, &allocated)?;
    Ok(state.store.record_event_day(&cap, event_id, &r).await?)
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct ParticipantsBody {
    /// Province codes present besides those with a booth.
    pub provinces: Vec<String>,
    /// Country names ("Lào", "Nhật Bản").
    pub countries: Vec<String>,
}

async fn set_participants(
    state: &State,
    user: &User,
    event_id: i64,
    body: &ParticipantsBody,
) -> AppResult<()> {
    let (_, cap) = organiser_cap(state, user, event_id).await?;
    let mut e = ocop_domain::ValidationErrors::new();
    let mut provinces: Vec<String> = Vec::new();
    for (i, code) in body.provinces.iter().enumerate() {
        let code = code.trim();
        if units().province(code).is_none() {
            e.add(
                &format!("provinces[{i}]"),
                "unknown",
                format!("Mã tỉnh \"{code}\" không có."),
                "unknown province code",
            );
        } else if !provinces.iter().any(|p| p == code) {
            provinces.push(code.to_string());
        }
    }
    let countries = parse_countries(&body.countries.join("\n"));
    if countries.len() > 200 {
        e.add(
            "countries",
            "too_many",
            "Tối đa 200 quốc gia.",
            "at most 200 countries",
        );
    }
    if !e.is_empty() {
        return Err(e.into());
    }
    Ok(state
        .store
        .set_event_participants(
            &cap,
            event_id,
            &Participants {
                provinces,
                countries,
            },
        )
        .await?)
}

async fn finalize(state: &State, user: &User, event_id: i64) -> AppResult<()> {
    let (_, cap) = organiser_cap(state, user, event_id).await?;
    Ok(state
        .store
        .finalize_trade_event(&cap, event_id, state.today())
        .await?)
}

// ---------- API ----------

#[derive(Deserialize, utoipa::IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    pub province: Option<String>,
    /// fair, ocop_week, exhibition, supply_demand, online
    pub kind: Option<String>,
    /// Events starting in this year.
    pub year: Option<i32>,
}

/// Fairs, OCOP weeks and other promotion events, the latest first (public).
#[utoipa::path(get, path = "/api/v1/events", tag = "events", params(EventQuery), responses((status = 200), (status = 422, body = ErrorBody)))]
pub async fn api_list(S(state): S<State>, ApiQuery(q): ApiQuery<EventQuery>) -> Response {
    if let Some(k) = q.kind.as_deref().filter(|k| !k.is_empty()) {
        if kind_label(k).is_none() {
            return crate::api::bad_param("kind", "loại sự kiện không có.", "unknown kind");
        }
    }
    let f = EventFilter {
        province: q.province.as_deref().filter(|s| !s.is_empty()),
        kind: q.kind.as_deref().filter(|s| !s.is_empty()),
        year: q.year,
    };
    let today = state.today();
    match state.store.list_trade_events(&f).await {
        Ok(l) => Json(json!(l
            .iter()
            .map(|e| event_json(e, today))
            .collect::<Vec<_>>()))
        .into_response(),
        Err(e) => AppError::from(e).json(),
    }
}

/// Plan an event (the host province's OCOP office, or the ministry).
#[utoipa::path(post, path = "/api/v1/events", tag = "events", request_body = TradeEventInput,
    responses((status = 201, body = TradeEventRow), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_create(
    S(state): S<State>,
    user: User,
    ApiJson(input): ApiJson<TradeEventInput>,
) -> Response {
    match create(&state, &user, &input).await {
        Ok(id) => match state.store.trade_event(id).await {
            Ok(e) => (StatusCode::CREATED, Json(e)).into_response(),
            Err(e) => AppError::from(e).json(),
        },
        Err(e) => e.json(),
    }
}

/// An event's report: totals, comparison with the plan and the previous
/// edition, days, booths, participants. Revenue per booth only for the organiser.
#[utoipa::path(get, path = "/api/v1/events/{id}", tag = "events", params(("id" = i64, Path)),
    responses((status = 200), (status = 404, body = ErrorBody)))]
pub async fn api_get(S(state): S<State>, viewer: Viewer, Path(id): Path<i64>) -> Response {
    match report(&state, id).await {
        Ok(r) => {
            let with_sales = can_manage(viewer.0.as_ref(), &r.event);
            Json(r.json(state.today(), with_sales)).into_response()
        }
        Err(e) => e.json(),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct BoothApplicationBody {
    pub producer_id: i64,
    /// What the producer means to show and sell.
    #[serde(default)]
    pub note: String,
}

/// Apply for a booth, for a producer (the producer itself or its province's office).
#[utoipa::path(post, path = "/api/v1/events/{id}/booths", tag = "events", params(("id" = i64, Path)), request_body = BoothApplicationBody,
    responses((status = 201), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_apply(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<BoothApplicationBody>,
) -> Response {
    match apply(&state, &user, id, body.producer_id, &body.note).await {
        Ok(booth) => (StatusCode::CREATED, Json(json!({"id": booth}))).into_response(),
        Err(e) => e.json(),
    }
}

/// The organiser allocates a booth (number, area) or refuses the application.
#[utoipa::path(post, path = "/api/v1/events/{id}/booths/{booth}", tag = "events",
    params(("id" = i64, Path), ("booth" = i64, Path)), request_body = BoothAllocationInput,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_decide(
    S(state): S<State>,
    user: User,
    Path((id, booth)): Path<(i64, i64)>,
    ApiJson(body): ApiJson<BoothAllocationInput>,
) -> Response {
    match decide(&state, &user, id, booth, &body).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.json(),
    }
}

/// Report (or correct) one day: visitors, agreements, and each booth's revenue
/// (million đồng) and orders. A day reported again is replaced.
#[utoipa::path(put, path = "/api/v1/events/{id}/days", tag = "events", params(("id" = i64, Path)), request_body = DayReportInput,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_day(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<DayReportInput>,
) -> Response {
    match record_day(&state, &user, id, &body).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.json(),
    }
}

/// Record the provinces and countries present besides the booths' provinces.
#[utoipa::path(put, path = "/api/v1/events/{id}/participants", tag = "events", params(("id" = i64, Path)), request_body = ParticipantsBody,
    responses((status = 204), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_participants(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ParticipantsBody>,
) -> Response {
    match set_participants(&state, &user, id, &body).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.json(),
    }
}

/// Publish the final report (from the last day on): the figures lock.
#[utoipa::path(post, path = "/api/v1/events/{id}/final-report", tag = "events", params(("id" = i64, Path)),
    responses((status = 204), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_finalize(S(state): S<State>, user: User, Path(id): Path<i64>) -> Response {
    match finalize(&state, &user, id).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.json(),
    }
}

// ---------- pages ----------

#[derive(Deserialize, Default)]
pub struct ListQuery {
    tinh: Option<String>,
    loai: Option<String>,
    nam: Option<String>,
}

/// Provinces where this user may plan events: all for the ministry and
/// administrators, its own for a provincial office.
fn organiser_provinces(user: Option<&User>) -> Vec<String> {
    let Some(u) = user else { return vec![] };
    units()
        .provinces_sorted()
        .iter()
        .filter(|p| {
            authorize(
                &u.actor,
                Action::ManageTradeEvent,
                &Scope::province(&p.code),
            )
            .is_ok()
        })
        .map(|p| p.code.clone())
        .collect()
}

async fn list_view(
    state: &State,
    user: Option<&User>,
    q: &ListQuery,
    error: Option<String>,
    v: Value,
) -> PageResult {
    let province = q.tinh.as_deref().filter(|s| !s.is_empty());
    let kind = q.loai.as_deref().filter(|s| kind_label(s).is_some());
    let year = q.nam.as_deref().and_then(|y| y.parse::<i32>().ok());
    let events = state
        .store
        .list_trade_events(&EventFilter {
            province,
            kind,
            year,
        })
        .await
        .or_page(state, user)?;
    let today = state.today();
    let mut c = ctx(user, "events", "Hội chợ, tuần hàng OCOP");
    c.insert(
        "events".into(),
        json!(events
            .iter()
            .map(|e| event_json(e, today))
            .collect::<Vec<_>>()),
    );
    c.insert("provinces".into(), province_options());
    let kinds = || {
        options(
            EVENT_KINDS
                .iter()
                .map(|(c, l)| (c.to_string(), l.to_string())),
        )
    };
    c.insert("kinds".into(), kinds());
    c.insert(
        "scopes".into(),
        options(
            EVENT_SCOPES
                .iter()
                .map(|(c, l)| (c.to_string(), l.to_string())),
        ),
    );
    c.insert(
        "f".into(),
        json!({"province": province, "kind": kind, "year": year}),
    );
    let own = organiser_provinces(user);
    c.insert(
        "organiser_provinces".into(),
        json!(own
            .iter()
            .map(|p| json!({"code": p, "name": province_name(p)}))
            .collect::<Vec<_>>()),
    );
    c.insert("error".into(), json!(error));
    c.insert("v".into(), v);
    let status = if c["error"].is_null() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(state, "events/list.html", c)).into_response())
}

pub(crate) async fn list_page(
    S(state): S<State>,
    viewer: Viewer,
    Query(q): Query<ListQuery>,
) -> PageResult {
    list_view(&state, viewer.0.as_ref(), &q, None, json!({})).await
}

pub(crate) async fn create_page(
    S(state): S<State>,
    user: User,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let count = |k: &str| form_count(&form, k);
    let input = TradeEventInput {
        name: get("name"),
        series: get("series"),
        kind: get("kind"),
        scope: get("scope"),
        organiser: get("organiser"),
        venue: get("venue"),
        province_code: get("province_code"),
        starts_on: get("starts_on"),
        ends_on: get("ends_on"),
        planned_booths: count("planned_booths"),
        planned_visitors: count("planned_visitors"),
        planned_revenue: get("planned_revenue"),
    };
    match create(&state, &user, &input).await {
        Ok(id) => Ok(see_other(&format!("/su-kien/{id}?tb=da-tao"))),
        Err(e @ AppError::Invalid(_)) => {
            list_view(
                &state,
                Some(&user),
                &ListQuery::default(),
                Some(e.summary()),
                json!(form),
            )
            .await
        }
        Err(e) => Err(error_page(&state, Some(&user), e)),
    }
}

pub(crate) async fn show_page(
    S(state): S<State>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(fq): Query<FlashQuery>,
) -> PageResult {
    let user = viewer.0.as_ref();
    let r = report(&state, id).await.or_page(&state, user)?;
    let manage = can_manage(user, &r.event);
    let today = state.today();
    let mut c = ctx(user, "events", &r.event.name);
    c.insert("r".into(), r.json(today, manage));
    c.insert("can_manage".into(), json!(manage));
    // Producers this user may apply for: its own, as a producer account.
    let own_producers: Vec<i64> = user
        .map(|u| {
            u.actor
                .roles
                .iter()
                .filter_map(|r| match r {
                    Role::Producer { producer_id, .. } => Some(*producer_id),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let open = r.event.finalized_at.is_none() && today <= r.event.ends_on;
    let office_applies = user.is_some_and(|u| u.actor.office_scope().is_some());
    c.insert("own_producers".into(), json!(own_producers));
    c.insert(
        "can_apply".into(),
        json!(open && (!own_producers.is_empty() || office_applies)),
    );
    c.insert("office_applies".into(), json!(office_applies));
    c.insert(
        "can_report".into(),
        json!(manage && r.event.finalized_at.is_none() && today >= r.event.starts_on),
    );
    c.insert(
        "can_finalize".into(),
        json!(manage && r.event.finalized_at.is_none() && today >= r.event.ends_on),
    );
    c.insert(
        "today".into(),
        json!(format_date(today.clamp(r.event.starts_on, r.event.ends_on))),
    );
    c.insert("provinces".into(), province_options());
    c.insert("flash".into(), json!(flash_text(fq.tb.as_deref())));
    Ok(render(&state, "events/show.html", c))
}

fn back(id: i64) -> Response {
    see_other(&format!("/su-kien/{id}?tb=da-luu"))
}

pub(crate) async fn apply_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let producer_id = form
        .get("producer_id")
        .and_then(|s| s.trim().parse::<i64>().ok())
        .ok_or_else(|| {
            let mut e = ocop_domain::ValidationErrors::new();
            e.required("producer_id", "Mã số chủ thể");
            AppError::Invalid(e)
        })
        .or_page(&state, Some(&user))?;
    apply(
        &state,
        &user,
        id,
        producer_id,
        form.get("note").map(String::as_str).unwrap_or(""),
    )
    .await
    .or_page(&state, Some(&user))?;
    Ok(see_other(&format!("/su-kien/{id}?tb=da-dang-ky")))
}

pub(crate) async fn decide_page(
    S(state): S<State>,
    user: User,
    Path((id, booth)): Path<(i64, i64)>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let input = BoothAllocationInput {
        booth_number: form.get("booth_number").cloned().unwrap_or_default(),
        area_m2: form
            .get("area_m2")
            .and_then(|s| s.replace(',', ".").trim().parse::<f64>().ok()),
        reject: form.get("decision").map(String::as_str) == Some("reject"),
    };
    decide(&state, &user, id, booth, &input)
        .await
        .or_page(&state, Some(&user))?;
    Ok(back(id))
}

pub(crate) async fn day_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let count = |k: &str| form_count(&form, k);
    // Per-booth fields are named revenue_<booth id> and orders_<booth id>.
    let mut sales: Vec<BoothSalesInput> = form
        .iter()
        .filter_map(|(k, v)| {
            let booth_id = k.strip_prefix("revenue_")?.parse::<i64>().ok()?;
            let orders = count(&format!("orders_{booth_id}"));
            (!v.trim().is_empty() || orders.is_some()).then(|| BoothSalesInput {
                booth_id,
                revenue: v.clone(),
                orders,
            })
        })
        .collect();
    sales.sort_by_key(|s| s.booth_id);
    let input = DayReportInput {
        day: form.get("day").cloned().unwrap_or_default(),
        visitors: count("visitors"),
        agreements: count("agreements"),
        sales,
    };
    record_day(&state, &user, id, &input)
        .await
        .or_page(&state, Some(&user))?;
    Ok(back(id))
}

pub(crate) async fn participants_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    let provinces = checked_codes(&form, "p_");
    let body = ParticipantsBody {
        provinces,
        countries: vec![form.get("countries").cloned().unwrap_or_default()],
    };
    set_participants(&state, &user, id, &body)
        .await
        .or_page(&state, Some(&user))?;
    Ok(back(id))
}

pub(crate) async fn finalize_page(
    S(state): S<State>,
    user: User,
    Path(id): Path<i64>,
    Form(form): Form<FormMap>,
) -> PageResult {
    user.check_csrf(csrf_of(&form))
        .or_page(&state, Some(&user))?;
    finalize(&state, &user, id)
        .await
        .or_page(&state, Some(&user))?;
    Ok(see_other(&format!("/su-kien/{id}?tb=da-tong-ket")))
}

/// `/su-kien/{id}/bao-cao.{xlsx,pdf}`: the report as a workbook or a PDF;
/// revenue per booth only in the organiser's copy.
pub async fn report_file(
    S(state): S<State>,
    viewer: Viewer,
    Path((id, ext)): Path<(i64, String)>,
) -> Response {
    let user = viewer.0.as_ref();
    let r = match report(&state, id).await {
        Ok(r) => r,
        Err(e) => return error_page(&state, user, e),
    };
    let manage = can_manage(user, &r.event);
    let (made, content_type) = match ext.as_str() {
        "xlsx" => (r.workbook(manage), XLSX),
        "pdf" => (r.pdf(state.today(), manage), PDF),
        _ => return error_page(&state, user, AppError::NotFound("tệp này".into())),
    };
    match made {
        Ok(bytes) => attachment(bytes, content_type, &format!("bao-cao-su-kien-{id}.{ext}")),
        Err(e) => error_page(&state, user, AppError::Internal(e)),
    }
}
