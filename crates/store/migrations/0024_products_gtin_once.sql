-- `products.gtin` is UNIQUE, which already indexes it: `products_gtin`
-- (0002) was a second index on the same column, kept up to date by every
-- write for nothing.
DROP INDEX products_gtin;
