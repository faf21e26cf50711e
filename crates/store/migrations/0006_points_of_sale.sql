-- Points of introduction and sale of OCOP products (Decision 950/QĐ-BCT) and
-- their listings. A listing's live state is derived from the product's
-- certificate when read, never stored, so it cannot go stale.
CREATE TABLE points_of_sale (
    id {id},
    name TEXT NOT NULL,
    name_fold TEXT NOT NULL,
    sort_key {sortkey} NOT NULL,
    operator TEXT NOT NULL,
    phone TEXT,
    address TEXT NOT NULL,
    commune_code TEXT NOT NULL REFERENCES communes(code),
    province_code TEXT NOT NULL REFERENCES provinces(code),
    location_type TEXT NOT NULL,
    lat {real},
    lon {real},
    opened_on {date},
    status TEXT NOT NULL,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX points_of_sale_province ON points_of_sale(province_code, sort_key);

CREATE TABLE pos_listings (
    pos_id {bigint} NOT NULL REFERENCES points_of_sale(id),
    product_id {bigint} NOT NULL REFERENCES products(id),
    listed_on {date} NOT NULL,
    PRIMARY KEY (pos_id, product_id)
);
CREATE INDEX pos_listings_product ON pos_listings(product_id);
