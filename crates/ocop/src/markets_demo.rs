//! Demo data for the markets: fairs and promotion weeks, a buyer's demand
//! with offers, introductions and agreements, and points of sale with their
//! listings, made through the store's own writes (audited as the system or
//! the demo buyer) so that the demo exercises the real paths.

use anyhow::Result;
use chrono::NaiveDate;
use ocop_domain::admin_units::units;
use ocop_domain::auth::{Action, Capability};
use ocop_store::Store;

/// Demo points of sale across the provinces with certified products, at
/// their commune's coordinates, most of them active and listing products
/// of their province; a few still proposed or suspended.
pub(crate) async fn seed_demo_points_of_sale(
    store: &Store,
    files: &ocop_store::evidence::FileStore,
    count: usize,
    today: NaiveDate,
    seed: u64,
) -> Result<()> {
    // One sample evidence document per criterion, stored once (content-addressed) and shared.
    let mut evidence = Vec::new();
    for (code, label) in ocop_domain::market::POS_CRITERIA {
        let pdf = ocop_docs::pdf::render(&ocop_docs::pdf::PdfDocument {
            title: "Minh chứng tiêu chí điểm bán (dữ liệu mẫu)".into(),
            footer: "Dữ liệu mẫu của hệ thống OCOP".into(),
            blocks: vec![
                ocop_docs::pdf::Block::Title(
                    "BIÊN BẢN KIỂM TRA ĐIỂM GIỚI THIỆU VÀ BÁN SẢN PHẨM OCOP".into(),
                ),
                ocop_docs::pdf::Block::Paragraph(format!("Tiêu chí: {label}.")),
                ocop_docs::pdf::Block::Paragraph(
                    "Kết luận: đạt. (Tài liệu minh họa của dữ liệu mẫu.)".into(),
                ),
            ],
        })
        .map_err(|e| anyhow::anyhow!(e))?;
        let sha = files.put(&pdf).await?;
        evidence.push((code, pdf.len(), sha));
    }
    use ocop_domain::market::{PointOfSaleInput, LOCATION_TYPES};
    let manage = Capability::system(Action::ManagePointOfSale);
    let list = Capability::system(Action::ManageListing);
    let mut rng = ocop_domain::demo::Rng::new(seed ^ 0x9051);
    let candidates = store.demand_candidates(3, &[], today).await?;
    let mut provinces: Vec<&str> = candidates
        .iter()
        .map(|c| c.province_code.as_str())
        .collect();
    provinces.sort_unstable();
    provinces.dedup();
    let mut by_province: std::collections::HashMap<&str, Vec<_>> = Default::default();
    for c in &candidates {
        by_province
            .entry(c.province_code.as_str())
            .or_default()
            .push(c);
    }
    let names = [
        "Điểm giới thiệu và bán sản phẩm OCOP",
        "Gian hàng OCOP",
        "Cửa hàng OCOP",
    ];
    for i in 0..count {
        let province = provinces[i % provinces.len()];
        let communes = units().communes_of(province);
        let commune = communes[rng.below(communes.len() as u64) as usize];
        let (kind, _) = LOCATION_TYPES[i % LOCATION_TYPES.len()];
        let input = PointOfSaleInput {
            name: format!("{} {}", names[i % names.len()], commune.name),
            operator: format!("Hợp tác xã Dịch vụ {}", commune.name),
            phone: String::new(),
            address: format!("Số {} đường trung tâm", 1 + rng.below(200)),
            commune_code: commune.code.clone(),
            location_type: kind.to_string(),
            lat: Some(commune.lat),
            lon: Some(commune.lon),
            opened_on: ocop_domain::certificate::format_date(
                today - chrono::Duration::days(30 + rng.below(900) as i64),
            ),
        };
        let data = input
            .validate(units())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let id = store.create_point_of_sale(&manage, &data).await?;
        // Every 7th stays proposed, without its evidence yet; every 9th is
        // suspended after opening.
        if i % 7 == 6 {
            continue;
        }
        for (code, size, sha) in &evidence {
            store
                .add_pos_file(
                    &manage,
                    id,
                    &ocop_store::markets::NewPosFile {
                        kind: code,
                        filename: &format!("bien-ban-kiem-tra-{code}.pdf"),
                        content_type: "application/pdf",
                        size: *size,
                        sha256: sha,
                    },
                )
                .await?;
        }
        store
            .set_point_of_sale_status(&manage, id, "approved")
            .await?;
        store
            .set_point_of_sale_status(&manage, id, "active")
            .await?;
        // Each point lists a few of its province's products, taken in turn so
        // that a national network spreads over the catalog.
        let local = &by_province[province];
        for k in 0..(3 + i % 4).min(local.len()) {
            let c = local[(i / provinces.len() * 7 + k) % local.len()];
            store.add_listing(&list, id, c.product_id, today).await?;
        }
        if i % 9 == 8 {
            store
                .set_point_of_sale_status(&manage, id, "suspended")
                .await?;
        }
    }
    Ok(())
}

/// A demo demand from the buyer account, offers and introductions around
/// it, and agreements (some signed at the demo fair `fair`).
pub(crate) async fn seed_demo_matching(
    store: &Store,
    buyer: &ocop_domain::auth::Actor,
    fair: i64,
    today: NaiveDate,
) -> Result<()> {
    use ocop_domain::auth::{authorize, Scope};
    use ocop_domain::certificate::format_date;
    use ocop_domain::matching::{rank, AgreementInput, DemandInput, OfferInput};
    let candidates = store.demand_candidates(3, &[], today).await?;
    // The demand asks for the set most certified in Hà Nội, delivered there.
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for c in candidates.iter().filter(|c| c.province_code == "01") {
        *counts.entry(c.set_code.as_str()).or_default() += 1;
    }
    let Some((set, _)) = counts.into_iter().max_by_key(|(_, n)| *n) else {
        return Ok(());
    };
    let d = |days: i64| format_date(today + chrono::Duration::days(days));
    let demand = DemandInput {
        buyer: "Hệ thống siêu thị Xanh".into(),
        title: "Sản phẩm OCOP cho 40 siêu thị tại Hà Nội".into(),
        set_codes: vec![set.to_string()],
        min_stars: Some(3),
        quantity: Some(2_000),
        unit: "sản phẩm".into(),
        period_from: d(40),
        period_to: d(400),
        regions: vec!["01".into()],
        certifications: String::new(),
        price_min: None,
        price_max: None,
        deadline: d(30),
    }
    .validate(units(), today)
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let cap = authorize(buyer, Action::PostDemand, &Scope::national())?;
    let demand_id = store.create_demand(&cap, &demand).await?;
    // Offers for the first products of that set, with growing capacity.
    let of_set: Vec<_> = candidates
        .iter()
        .filter(|c| c.set_code == set)
        .take(6)
        .collect();
    for (i, c) in of_set.iter().enumerate() {
        let offer = OfferInput {
            capacity: Some(800 * (i as i64 + 1)),
            unit: "sản phẩm".into(),
            season: "quanh năm".into(),
            regions: if i % 2 == 0 {
                vec!["01".into()]
            } else {
                vec![]
            },
            ..Default::default()
        }
        .validate(units())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        store
            .set_offer(&Capability::system(Action::PostOffer), c.product_id, &offer)
            .await?;
    }
    // The buyer invites the two best candidates; the first accepts.
    let candidates = store
        .demand_candidates(3, &[set.to_string()], today)
        .await?;
    let best = rank(&demand, &candidates, units(), today);
    let invite = authorize(buyer, Action::Introduce, &Scope::owned_by(buyer.user_id))?;
    for (i, m) in best.iter().take(2).enumerate() {
        let id = store
            .introduce(
                &invite,
                demand_id,
                m.product_id,
                "buyer",
                Some("Mời quý đơn vị chào hàng cho hệ thống siêu thị."),
            )
            .await?;
        if i == 0 {
            store
                .answer_introduction(&Capability::system(Action::Introduce), id, true)
                .await?;
        }
    }
    // Agreements: the accepted introduction, and several signed at the fair.
    let record = Capability::system(Action::RecordAgreement);
    let fair_row = store.trade_event(fair).await?;
    let booths = store.booths_of(fair).await?;
    let mut signed = Vec::new();
    if let Some(m) = best.first() {
        let p = store.product(m.product_id).await?;
        signed.push((
            p,
            Some(demand_id),
            None,
            today - chrono::Duration::days(3),
            "contract",
        ));
    }
    for b in booths.iter().filter(|b| b.status == "allocated").take(5) {
        let list = store
            .list_products(&ocop_store::registry::ProductFilter {
                producer_id: Some(b.producer_id),
                per_page: 1,
                page: 1,
                ..Default::default()
            })
            .await?;
        if let Some(p) = list.items.into_iter().next() {
            signed.push((p, None, Some(fair), fair_row.starts_on, "cooperation"));
        }
    }
    for (i, (p, demand, event, on, kind)) in signed.into_iter().enumerate() {
        let a = AgreementInput {
            kind: kind.into(),
            buyer: if demand.is_some() {
                "Hệ thống siêu thị Xanh".into()
            } else {
                [
                    "Công ty Phân phối Hà Thành",
                    "Chuỗi cửa hàng Nông sản sạch",
                    "Siêu thị Thủ Đô",
                ][i % 3]
                    .into()
            },
            producer_id: p.product.producer_id,
            product_codes: vec![p.product.code.clone()],
            quantity: format!("{} sản phẩm/tháng", 200 * (i + 1)),
            value: format!("{}", 150 * (i + 1)),
            signed_on: format_date(on),
            event_id: event,
            demand_id: demand,
        }
        .validate(today)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        let id = store
            .create_agreement(
                &record,
                &a,
                &p.product.province_code,
                &[p.product.id],
                demand.map(|_| buyer.user_id),
            )
            .await?;
        if i % 2 == 1 {
            store
                .set_agreement_status(&record, id, "delivering", Some("Đã giao đợt đầu"))
                .await?;
        }
    }
    Ok(())
}

/// Demo fairs and promotion weeks around `today`: two editions of a Hà Nội
/// fair (so the report shows growth over the previous one), an OCOP week
/// running now, and an upcoming supply–demand conference. Booths go to demo
/// producers; daily figures come from the seeded generator.
pub(crate) async fn seed_demo_events(
    store: &Store,
    data: &[ocop_domain::demo::DemoProducer],
    producer_ids: &[i64],
    today: NaiveDate,
    seed: u64,
) -> Result<i64> {
    use ocop_domain::certificate::format_date;
    use ocop_domain::trade_event::{
        BoothAllocationInput, BoothSalesInput, DayReportInput, TradeEventInput,
    };
    use ocop_store::trade_events::Participants;
    let manage = Capability::system(Action::ManageTradeEvent);
    let apply = Capability::system(Action::ApplyForBooth);
    let mut rng = ocop_domain::demo::Rng::new(seed ^ 0xFA12);
    // Producers of the host province first, then from anywhere (regional fairs).
    let in_province = |code: &str| -> Vec<i64> {
        data.iter()
            .zip(producer_ids)
            .filter(|(p, _)| p.data.province_code == code)
            .map(|(_, id)| *id)
            .collect()
    };
    let others: Vec<i64> = data
        .iter()
        .zip(producer_ids)
        .filter(|(p, _)| p.data.province_code != "01")
        .map(|(_, id)| *id)
        .take(8)
        .collect();
    let d = |days: i64| format_date(today + chrono::Duration::days(days));
    let mut fair = 0;
    // (name, series, kind, scope, province, start offset, length, booths, plan revenue, finalize)
    let plans = [
        (
            "Hội chợ OCOP Hà Nội mùa thu năm trước",
            "Hội chợ OCOP Hà Nội",
            "fair",
            "regional",
            "01",
            -400_i64,
            5_i64,
            10_usize,
            "2.000",
            true,
        ),
        (
            "Hội chợ OCOP Hà Nội mùa thu",
            "Hội chợ OCOP Hà Nội",
            "fair",
            "regional",
            "01",
            -40,
            5,
            14,
            "3.500",
            true,
        ),
        (
            "Tuần hàng OCOP tại hệ thống siêu thị",
            "",
            "ocop_week",
            "provincial",
            "01",
            -2,
            7,
            6,
            "",
            false,
        ),
        (
            "Hội nghị kết nối cung cầu sản phẩm OCOP",
            "",
            "supply_demand",
            "national",
            "22",
            30,
            2,
            0,
            "",
            false,
        ),
    ];
    for (i, (name, series, kind, scope, province, start, len, booths, revenue, finalize)) in
        plans.into_iter().enumerate()
    {
        let input = TradeEventInput {
            name: name.into(),
            series: series.into(),
            kind: kind.into(),
            scope: scope.into(),
            organiser: if province == "01" {
                "Văn phòng Điều phối nông thôn mới Thành phố Hà Nội".into()
            } else {
                "Bộ Nông nghiệp và Môi trường".into()
            },
            venue: if kind == "ocop_week" {
                "Hệ thống siêu thị trên địa bàn thành phố".into()
            } else {
                "Trung tâm Triển lãm Việt Nam".into()
            },
            province_code: province.into(),
            starts_on: d(start),
            ends_on: d(start + len - 1),
            planned_booths: (booths > 0).then_some(booths as i64 + 2),
            planned_visitors: Some(4_000 * len),
            planned_revenue: revenue.into(),
        };
        let data = input
            .validate(units())
            .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        let event = store.create_trade_event(&manage, &data).await?;
        let local = in_province(province);
        let exhibitors: Vec<i64> = local
            .iter()
            .take(booths.saturating_sub(booths / 4))
            .chain(others.iter().take(booths / 4))
            .copied()
            .collect();
        // Applications are taken while the event is open; older ones are
        // back-dated by applying "today" as the event's first day.
        let apply_day = (today + chrono::Duration::days(start)).min(today);
        let mut allocated = Vec::new();
        for (n, producer) in exhibitors.iter().enumerate() {
            let booth = store
                .apply_for_booth(
                    &apply,
                    event,
                    *producer,
                    Some("Trưng bày và bán sản phẩm OCOP"),
                    apply_day,
                )
                .await?;
            // The last applicant of a running event still waits for a booth.
            if kind == "ocop_week" && n + 1 == exhibitors.len() {
                continue;
            }
            let decision = BoothAllocationInput {
                booth_number: format!("{}{:02}", ["A", "B"][n % 2], n + 1),
                area_m2: Some(9.0),
                reject: false,
            }
            .validate()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            store.decide_booth(&manage, booth, &decision).await?;
            allocated.push(booth);
        }
        let event_row = store.trade_event(event).await?;
        // Daily figures up to today; the earlier edition sold less.
        let scale = if i == 0 { 45 } else { 100 };
        for offset in 0..len {
            let day = event_row.starts_on + chrono::Duration::days(offset);
            if day > today {
                break;
            }
            let sales = allocated
                .iter()
                .map(|b| BoothSalesInput {
                    booth_id: *b,
                    revenue: format!("{},{}", (20 + rng.below(60)) * scale / 100, rng.below(10)),
                    orders: Some((5 + rng.below(40)) as i64),
                })
                .collect();
            let report = DayReportInput {
                day: format_date(day),
                visitors: Some(((2_500 + rng.below(2_000)) * scale / 100) as i64),
                agreements: Some(rng.below(4) as i64),
                sales,
            }
            .validate(event_row.starts_on, event_row.ends_on, &allocated)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            store.record_event_day(&manage, event, &report).await?;
        }
        if i == 1 {
            store
                .set_event_participants(
                    &manage,
                    event,
                    &Participants {
                        provinces: vec!["22".into(), "24".into(), "25".into()],
                        countries: vec!["Lào".into(), "Nhật Bản".into()],
                    },
                )
                .await?;
        }
        if finalize {
            store.finalize_trade_event(&manage, event, today).await?;
        }
        if i == 1 {
            fair = event;
        }
    }
    Ok(fair)
}
