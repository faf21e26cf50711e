-- The ministry's central rounds for potential 5★ dossiers (Decision
-- 26/2026 Art. 7.4). A round has a level; a central round belongs to no
-- province. A dossier sent to the ministry keeps its provincial result
-- while the central council scores it; each score sheet names its round.
-- @postgres
ALTER TABLE rounds ALTER COLUMN province_code DROP NOT NULL;
ALTER TABLE rounds ADD COLUMN level TEXT NOT NULL DEFAULT 'province';
-- @sqlite
CREATE TABLE rounds_before AS SELECT * FROM rounds;
CREATE TABLE round_members_before AS SELECT * FROM round_members;
DROP TABLE round_members;
DROP TABLE rounds;
CREATE TABLE rounds (
    id {id},
    province_code TEXT REFERENCES provinces(code),
    name TEXT NOT NULL,
    scoring_deadline {date} NOT NULL,
    max_spread {real} NOT NULL,
    status TEXT NOT NULL,
    created_at {ts} NOT NULL,
    quorum_pct {bigint} NOT NULL DEFAULT 75,
    level TEXT NOT NULL DEFAULT 'province'
);
INSERT INTO rounds (id, province_code, name, scoring_deadline, max_spread, status, created_at, quorum_pct)
    SELECT id, province_code, name, scoring_deadline, max_spread, status, created_at, quorum_pct FROM rounds_before;
CREATE INDEX rounds_province ON rounds(province_code);
CREATE TABLE round_members (
    round_id {bigint} NOT NULL REFERENCES rounds(id),
    user_id {bigint} NOT NULL REFERENCES users(id),
    is_chair {bool} NOT NULL,
    PRIMARY KEY (round_id, user_id)
);
INSERT INTO round_members (round_id, user_id, is_chair) SELECT round_id, user_id, is_chair FROM round_members_before;
DROP TABLE round_members_before;
DROP TABLE rounds_before;
-- @all
ALTER TABLE score_sheets ADD COLUMN round_id {bigint};
UPDATE score_sheets SET round_id = (SELECT d.round_id FROM dossiers d WHERE d.id = score_sheets.dossier_id);
ALTER TABLE dossiers ADD COLUMN provincial_round_id {bigint};
ALTER TABLE dossiers ADD COLUMN provincial_total {real};
ALTER TABLE dossiers ADD COLUMN provincial_rank {bigint};
