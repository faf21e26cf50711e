-- The directory and the offices' list page through points of sale in name
-- order (20,000 at national size): without this index every page sorted them all.
CREATE INDEX points_of_sale_order ON points_of_sale(sort_key, id);
