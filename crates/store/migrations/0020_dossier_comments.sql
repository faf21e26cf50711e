-- A dossier's thread: questions and answers between the producer, the
-- commune, the province's office, the council and the ministry. The
-- author's capacity is kept as it was when writing (roles change).
CREATE TABLE dossier_comments (
    id {id},
    dossier_id {bigint} NOT NULL REFERENCES dossiers(id),
    author_id {bigint} NOT NULL,
    author_role TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX dossier_comments_dossier ON dossier_comments(dossier_id, id);

-- Who started a draft: a draft is seen by its producer and by that person
-- (a commune officer filing for a household) until it is filed.
ALTER TABLE dossiers ADD COLUMN drafted_by {bigint};
