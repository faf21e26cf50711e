-- Council members declare conflicts of interest and are recused from those
-- dossiers; a round's quorum (the share of its members whose sheets a
-- result needs) is the province's setting, not code.
CREATE TABLE recusals (
    dossier_id {bigint} NOT NULL REFERENCES dossiers(id),
    member_id {bigint} NOT NULL REFERENCES users(id),
    reason TEXT NOT NULL,
    declared_at {ts} NOT NULL,
    PRIMARY KEY (dossier_id, member_id)
);
ALTER TABLE rounds ADD COLUMN quorum_pct {bigint} NOT NULL DEFAULT 75;
