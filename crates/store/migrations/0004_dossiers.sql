-- Evaluation dossiers (hồ sơ), from filing to the commune's review. The
-- self-assessment keeps the criteria version and the ticked options, so it
-- can be re-evaluated on its own sheet forever.
CREATE TABLE dossiers (
    id {id},
    product_id {bigint} NOT NULL REFERENCES products(id),
    producer_id {bigint} NOT NULL REFERENCES producers(id),
    province_code TEXT NOT NULL REFERENCES provinces(code),
    commune_code TEXT NOT NULL REFERENCES communes(code),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    criteria_version TEXT NOT NULL,
    set_code TEXT NOT NULL,
    self_options TEXT NOT NULL,
    self_case TEXT,
    self_total {bigint} NOT NULL,
    self_rank {bigint} NOT NULL,
    note TEXT NOT NULL,
    filed_on {date} NOT NULL,
    commune_deadline {date} NOT NULL,
    review TEXT,
    reviewed_on {date},
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    version {bigint} NOT NULL
);
CREATE INDEX dossiers_commune ON dossiers(commune_code, status);
CREATE INDEX dossiers_province ON dossiers(province_code, status);
CREATE INDEX dossiers_product ON dossiers(product_id);
