-- Photos of a point of sale and the evidence of its criteria (Decision
-- 950/QĐ-BCT): `kind` is a criterion code or 'photo'. The bytes live in
-- the file store by content hash, like the dossiers' evidence.
CREATE TABLE pos_files (
    id {id},
    pos_id {bigint} NOT NULL REFERENCES points_of_sale(id),
    kind TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size {bigint} NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by {bigint} NOT NULL,
    uploaded_at {ts} NOT NULL
);
CREATE INDEX pos_files_pos ON pos_files(pos_id);
