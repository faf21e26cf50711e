-- Other categories of product Decision 950/QĐ-BCT admits at points of sale
-- besides OCOP 3★+: provincial key product, model rural industrial product,
-- local speciality; each recognised by a decision, possibly for a time.
CREATE TABLE product_designations (
    product_id {bigint} NOT NULL REFERENCES products(id),
    kind TEXT NOT NULL,
    decision_number TEXT NOT NULL,
    recognized_on {date} NOT NULL,
    valid_until {date},
    created_at {ts} NOT NULL,
    PRIMARY KEY (product_id, kind)
);
