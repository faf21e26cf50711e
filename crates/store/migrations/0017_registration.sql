-- The registration form's own facts (Mẫu 01) as filed: the representative's
-- position, contact, samples sent (JSON of `ocop_domain::dossier::Registration`).
ALTER TABLE dossiers ADD COLUMN registration TEXT;
