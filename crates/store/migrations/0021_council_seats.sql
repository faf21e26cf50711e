-- A council member's seat (Decision 26/2026 Art. 7.3.b): the organisation
-- represented and whether a department's representative or an invited
-- expert or organisation.
ALTER TABLE round_members ADD COLUMN organisation TEXT NOT NULL DEFAULT '';
ALTER TABLE round_members ADD COLUMN capacity TEXT NOT NULL DEFAULT 'department';
