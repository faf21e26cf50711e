-- Provincial evaluation rounds, their councils, and the members' score sheets.
CREATE TABLE rounds (
    id {id},
    province_code TEXT NOT NULL REFERENCES provinces(code),
    name TEXT NOT NULL,
    scoring_deadline {date} NOT NULL,
    -- Largest allowed gap between members' totals before discussion and re-scoring.
    max_spread {real} NOT NULL,
    status TEXT NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX rounds_province ON rounds(province_code);

CREATE TABLE round_members (
    round_id {bigint} NOT NULL REFERENCES rounds(id),
    user_id {bigint} NOT NULL REFERENCES users(id),
    is_chair {bool} NOT NULL,
    PRIMARY KEY (round_id, user_id)
);

ALTER TABLE dossiers ADD COLUMN round_id {bigint};
ALTER TABLE dossiers ADD COLUMN council_total {real};
ALTER TABLE dossiers ADD COLUMN council_rank {bigint};

-- One sheet per member and dossier, locked once submitted.
CREATE TABLE score_sheets (
    id {id},
    dossier_id {bigint} NOT NULL REFERENCES dossiers(id),
    member_id {bigint} NOT NULL REFERENCES users(id),
    options TEXT NOT NULL,
    total {bigint} NOT NULL,
    rank {bigint} NOT NULL,
    submitted_at {ts} NOT NULL,
    UNIQUE (dossier_id, member_id)
);
