-- The catalog's two orders (src/repo/products.rs, `Sort`) read from an
-- index instead of sorting the table for every page.
CREATE INDEX products_by_name ON products (active, name, id);
CREATE INDEX products_by_price ON products (active, price_cents, name, id);
