-- The product group (I–VI of Decision 26/2026, Phụ lục I) of each product,
-- derived from its set, so the catalog can filter and count by group.
ALTER TABLE products ADD COLUMN group_code TEXT;

UPDATE products SET group_code = CASE
    WHEN set_code <= '13' THEN 'I'
    WHEN set_code <= '17' THEN 'II'
    WHEN set_code <= '20' THEN 'III'
    WHEN set_code <= '22' THEN 'IV'
    WHEN set_code <= '25' THEN 'V'
    ELSE 'VI' END;

CREATE INDEX products_group ON products(group_code);
