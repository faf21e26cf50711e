-- Fairs, OCOP weeks and other promotion events (hội chợ, tuần hàng), their
-- booths and the figures reported each day. Totals are summed when read, so
-- a corrected day report can never leave a stale total behind.
CREATE TABLE trade_events (
    id {id},
    name TEXT NOT NULL,
    -- Editions of one recurring event share a series (compared in reports).
    series TEXT,
    series_fold TEXT,
    kind TEXT NOT NULL,
    scope TEXT NOT NULL,
    organiser TEXT NOT NULL,
    venue TEXT NOT NULL,
    province_code TEXT NOT NULL REFERENCES provinces(code),
    starts_on {date} NOT NULL,
    ends_on {date} NOT NULL,
    planned_booths {bigint},
    planned_visitors {bigint},
    planned_revenue_vnd {bigint},
    -- Set when the organiser publishes the final report; the figures lock.
    finalized_at {ts},
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX trade_events_starts ON trade_events(starts_on);
CREATE INDEX trade_events_series ON trade_events(series_fold, starts_on);

CREATE TABLE event_booths (
    id {id},
    event_id {bigint} NOT NULL REFERENCES trade_events(id),
    producer_id {bigint} NOT NULL REFERENCES producers(id),
    -- What the producer means to show and sell.
    note TEXT,
    status TEXT NOT NULL,
    booth_number TEXT,
    area_m2 {real},
    applied_at {ts} NOT NULL,
    decided_at {ts},
    UNIQUE (event_id, producer_id),
    UNIQUE (event_id, booth_number)
);

-- Visitors and agreements for the whole event, one row per reported day.
CREATE TABLE event_days (
    event_id {bigint} NOT NULL REFERENCES trade_events(id),
    day {date} NOT NULL,
    visitors {bigint} NOT NULL,
    agreements {bigint} NOT NULL,
    PRIMARY KEY (event_id, day)
);

-- Revenue (in đồng) and orders per booth and day.
CREATE TABLE booth_sales (
    booth_id {bigint} NOT NULL REFERENCES event_booths(id),
    day {date} NOT NULL,
    revenue_vnd {bigint} NOT NULL,
    orders {bigint} NOT NULL,
    PRIMARY KEY (booth_id, day)
);

-- Provinces (by code) and countries (by name) the organiser records as
-- present besides those with a booth: delegations, guests, buyers.
CREATE TABLE event_participants (
    event_id {bigint} NOT NULL REFERENCES trade_events(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (event_id, kind, name)
);
