-- One schema for SQLite and PostgreSQL. Tokens in braces are replaced per
-- backend by migrate.rs: {id} {ts} {date} {bool} {real} {blob} {sortkey} {bigint}.
-- Timestamps of the audit log are TEXT on both so the hashed string is exact.

CREATE TABLE provinces (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    lat {real} NOT NULL,
    lon {real} NOT NULL,
    sort_key {sortkey} NOT NULL
);

CREATE TABLE communes (
    code TEXT PRIMARY KEY,
    province_code TEXT NOT NULL REFERENCES provinces(code),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    lat {real} NOT NULL,
    lon {real} NOT NULL,
    area_km2 {real},
    sort_key {sortkey} NOT NULL
);
CREATE INDEX communes_province ON communes(province_code);

CREATE TABLE legacy_provinces (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    new_province_code TEXT NOT NULL REFERENCES provinces(code)
);

CREATE TABLE legacy_districts (
    code TEXT PRIMARY KEY,
    province_code TEXT NOT NULL REFERENCES legacy_provinces(code),
    name TEXT NOT NULL,
    kind TEXT NOT NULL
);

CREATE TABLE legacy_communes (
    code TEXT PRIMARY KEY,
    district_code TEXT NOT NULL REFERENCES legacy_districts(code),
    province_code TEXT NOT NULL REFERENCES legacy_provinces(code),
    name TEXT NOT NULL,
    kind TEXT NOT NULL
);

CREATE TABLE commune_mapping (
    old_commune_code TEXT NOT NULL REFERENCES legacy_communes(code),
    new_commune_code TEXT NOT NULL REFERENCES communes(code),
    is_default {bool} NOT NULL,
    PRIMARY KEY (old_commune_code, new_commune_code)
);

CREATE TABLE producers (
    id {id},
    name TEXT NOT NULL,
    name_fold TEXT NOT NULL,
    sort_key {sortkey} NOT NULL,
    kind TEXT NOT NULL,
    registration_number TEXT NOT NULL UNIQUE,
    address TEXT NOT NULL,
    commune_code TEXT NOT NULL REFERENCES communes(code),
    province_code TEXT NOT NULL REFERENCES provinces(code),
    legacy_commune_code TEXT REFERENCES legacy_communes(code),
    phone TEXT,
    email TEXT,
    website TEXT,
    representative_name TEXT NOT NULL,
    representative_gender TEXT NOT NULL,
    representative_ethnicity TEXT NOT NULL,
    representative_disability {bool} NOT NULL,
    community_capital_pct {real},
    workers {bigint},
    description TEXT NOT NULL,
    active {bool} NOT NULL,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    version {bigint} NOT NULL
);
CREATE INDEX producers_province ON producers(province_code, sort_key);
CREATE INDEX producers_commune ON producers(commune_code);

CREATE TABLE products (
    id {id},
    producer_id {bigint} NOT NULL REFERENCES producers(id),
    name TEXT NOT NULL,
    name_fold TEXT NOT NULL,
    sort_key {sortkey} NOT NULL,
    set_code TEXT NOT NULL,
    description TEXT NOT NULL,
    gtin TEXT UNIQUE,
    code TEXT NOT NULL UNIQUE,
    province_code TEXT NOT NULL REFERENCES provinces(code),
    commune_code TEXT NOT NULL REFERENCES communes(code),
    active {bool} NOT NULL,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    version {bigint} NOT NULL
);
CREATE INDEX products_producer ON products(producer_id);
CREATE INDEX products_province ON products(province_code, sort_key);

-- The next product sequence number (STT) per commune and year.
CREATE TABLE commune_sequences (
    commune_code TEXT NOT NULL,
    year {bigint} NOT NULL,
    next_seq {bigint} NOT NULL,
    PRIMARY KEY (commune_code, year)
);

CREATE TABLE certificates (
    id {id},
    product_id {bigint} NOT NULL REFERENCES products(id),
    stars {bigint} NOT NULL,
    decision_number TEXT NOT NULL,
    issuer TEXT NOT NULL,
    issued_on {date} NOT NULL,
    expires_on {date} NOT NULL,
    source TEXT NOT NULL,
    revoked_on {date},
    revocation_ground TEXT,
    created_at {ts} NOT NULL
);
CREATE INDEX certificates_product ON certificates(product_id, issued_on);

CREATE TABLE product_images (
    id {id},
    product_id {bigint} NOT NULL REFERENCES products(id),
    content_type TEXT NOT NULL,
    bytes {blob} NOT NULL,
    size {bigint} NOT NULL,
    sha256 TEXT NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX product_images_product ON product_images(product_id);

CREATE TABLE users (
    id {id},
    username TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    email TEXT,
    password_hash TEXT NOT NULL,
    active {bool} NOT NULL,
    created_at {ts} NOT NULL,
    password_changed_at {ts} NOT NULL
);

CREATE TABLE user_roles (
    id {id},
    user_id {bigint} NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    province_code TEXT REFERENCES provinces(code),
    commune_code TEXT REFERENCES communes(code),
    producer_id {bigint} REFERENCES producers(id),
    council_id {bigint},
    pos_id {bigint},
    created_at {ts} NOT NULL
);
CREATE INDEX user_roles_user ON user_roles(user_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id {bigint} NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at {ts} NOT NULL,
    expires_at {ts} NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Append-only, hash-chained. audit_head holds the chain's tip; updating it
-- first in every writing transaction serializes appends on both backends.
CREATE TABLE audit_log (
    id {bigint} PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id {bigint} NOT NULL,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit_log(entity, entity_id);

CREATE TABLE audit_head (
    k {bigint} PRIMARY KEY,
    last_id {bigint} NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (k, last_id, last_hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Changes for derived indexes (search), written in the same transaction as the data.
CREATE TABLE outbox (
    id {id},
    at {ts} NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    op TEXT NOT NULL
);
