-- Upgrade and re-evaluation (Decision 26/2026 Art. 7.5, 7.6, 12.3).
-- A dossier of either kind names the certificate it builds on. While a
-- re-evaluation is pending, that certificate runs past its expiry until the
-- result, at most to `extended_until`; the result ends the extension. The
-- certificate a new one replaces keeps its number and points to its successor.
ALTER TABLE dossiers ADD COLUMN certificate_id {bigint} REFERENCES certificates(id);
ALTER TABLE dossiers ADD COLUMN late_filing {bool} NOT NULL DEFAULT FALSE;
ALTER TABLE certificates ADD COLUMN extended_until {date};
ALTER TABLE certificates ADD COLUMN superseded_by {bigint} REFERENCES certificates(id);
