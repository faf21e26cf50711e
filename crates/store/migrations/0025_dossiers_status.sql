-- The dashboards count the dossiers waiting for work (submitted, forwarded,
-- drafts): a few among the decided ones of past rounds, read through this
-- index instead of a pass over every dossier (166,000 at national size).
CREATE INDEX dossiers_status ON dossiers(status, commune_deadline);
