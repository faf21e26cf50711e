-- Evidence files of a dossier's self-assessment (Mẫu 02), each attached to
-- a criterion of its sheet ('' for the whole dossier). The bytes live
-- outside the database, by content hash (`sha256`): see `store::evidence`.
CREATE TABLE dossier_evidence (
    id {id},
    dossier_id {bigint} NOT NULL REFERENCES dossiers(id),
    criterion_id TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size {bigint} NOT NULL,
    sha256 TEXT NOT NULL,
    -- The uploader (0: the system itself).
    uploaded_by {bigint} NOT NULL,
    uploaded_at {ts} NOT NULL
);
CREATE INDEX dossier_evidence_dossier ON dossier_evidence(dossier_id);
