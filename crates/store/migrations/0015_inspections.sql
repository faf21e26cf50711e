-- Post-certification inspections (Decision 26/2026 Art. 9), each of one
-- certificate of a product.
CREATE TABLE inspections (
    id {id},
    certificate_id {bigint} NOT NULL REFERENCES certificates(id),
    product_id {bigint} NOT NULL REFERENCES products(id),
    kind TEXT NOT NULL,
    inspected_on {date} NOT NULL,
    body TEXT NOT NULL,
    criteria_upkeep TEXT NOT NULL,
    mark_use TEXT NOT NULL,
    conclusion TEXT NOT NULL,
    correct_by {date},
    recorded_by {bigint} NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX inspections_product ON inspections(product_id, inspected_on);
