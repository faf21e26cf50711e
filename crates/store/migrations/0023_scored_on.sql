-- The day (in Vietnam, on the server's calendar) the council closed its
-- scoring: a decision cannot be signed before it. It was read off
-- `updated_at`, a UTC timestamp that any later change to the dossier moves.
ALTER TABLE dossiers ADD COLUMN scored_on {date};
-- Dossiers scored before this migration: the best record there is, the
-- last change's day in Vietnam.
-- @sqlite
UPDATE dossiers SET scored_on = date(updated_at, '+7 hours') WHERE council_rank IS NOT NULL;
-- @postgres
UPDATE dossiers SET scored_on = (updated_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date WHERE council_rank IS NOT NULL;
-- @all
