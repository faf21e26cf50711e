-- A certificate's public number, printed on it and typed into the
-- verification page: OCOP-<province>-<year of issue>-<id, 6 digits>.
ALTER TABLE certificates ADD COLUMN number TEXT;

UPDATE certificates SET number = 'OCOP-' || (SELECT p.province_code FROM products p WHERE p.id = certificates.product_id)
    || '-' || SUBSTR(CAST(issued_on AS TEXT), 1, 4)
    || '-' || SUBSTR('000000' || CAST(id AS TEXT), LENGTH(CAST(id AS TEXT)) + 1, 6);

CREATE UNIQUE INDEX certificates_number ON certificates(number);
CREATE INDEX products_gtin ON products(gtin);
