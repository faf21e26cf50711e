-- Supply–demand matching: buyers' demands, producers' offers, introductions
-- between the two, and trade agreements with their status history. Lists of
-- product sets and provinces are stored as comma-separated codes: they are
-- read whole, never searched inside by SQL.
CREATE TABLE demands (
    id {id},
    owner_user_id {bigint} NOT NULL REFERENCES users(id),
    buyer TEXT NOT NULL,
    title TEXT NOT NULL,
    set_codes TEXT NOT NULL,
    min_stars {bigint} NOT NULL,
    quantity {bigint},
    unit TEXT NOT NULL,
    period_from {date} NOT NULL,
    period_to {date} NOT NULL,
    regions TEXT NOT NULL,
    certifications TEXT,
    price_min {bigint},
    price_max {bigint},
    deadline {date} NOT NULL,
    status TEXT NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX demands_deadline ON demands(status, deadline);

-- One current offer per product (a new offer replaces it).
CREATE TABLE offers (
    product_id {bigint} PRIMARY KEY REFERENCES products(id),
    capacity {bigint},
    unit TEXT NOT NULL,
    season TEXT,
    price_min {bigint},
    price_max {bigint},
    regions TEXT NOT NULL,
    updated_at {ts} NOT NULL
);

CREATE TABLE introductions (
    id {id},
    demand_id {bigint} NOT NULL REFERENCES demands(id),
    product_id {bigint} NOT NULL REFERENCES products(id),
    -- 'buyer' (the demand's owner wrote to the producer) or 'producer'.
    from_side TEXT NOT NULL,
    sender_user_id {bigint} NOT NULL REFERENCES users(id),
    message TEXT,
    status TEXT NOT NULL,
    created_at {ts} NOT NULL,
    answered_at {ts},
    UNIQUE (demand_id, product_id)
);
CREATE INDEX introductions_product ON introductions(product_id);

CREATE TABLE agreements (
    id {id},
    kind TEXT NOT NULL,
    buyer TEXT NOT NULL,
    -- The buyer's account when the agreement answers its demand.
    buyer_user_id {bigint} REFERENCES users(id),
    producer_id {bigint} NOT NULL REFERENCES producers(id),
    province_code TEXT NOT NULL REFERENCES provinces(code),
    product_ids TEXT NOT NULL,
    quantity TEXT,
    value_vnd {bigint},
    signed_on {date} NOT NULL,
    event_id {bigint} REFERENCES trade_events(id),
    demand_id {bigint} REFERENCES demands(id),
    status TEXT NOT NULL,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX agreements_province ON agreements(province_code, signed_on);
CREATE INDEX agreements_event ON agreements(event_id);

CREATE TABLE agreement_history (
    agreement_id {bigint} NOT NULL REFERENCES agreements(id),
    at {ts} NOT NULL,
    status TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    note TEXT
);
CREATE INDEX agreement_history_agreement ON agreement_history(agreement_id, at);
