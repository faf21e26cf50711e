-- The council's advisory team (Tổ tư vấn, Decision 26/2026 Art. 7.3.c):
-- its members per round, and its report on each dossier (JSON: site visit,
-- findings, tests requested), which the council reads before scoring.
ALTER TABLE rounds ADD COLUMN advisory_team TEXT NOT NULL DEFAULT '';
ALTER TABLE dossiers ADD COLUMN advisory_report TEXT;
