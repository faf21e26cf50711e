-- A dossier rejected on a knock-out condition of its sheet keeps the ground
-- (JSON: the condition's id and text, the facts found).
ALTER TABLE dossiers ADD COLUMN rejection TEXT;
