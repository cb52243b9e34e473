-- A customer's orders, newest first, a page at a time
-- (data::repo::orders::page_sql): read from an index in that order instead
-- of sorting all of the customer's orders for every page.
CREATE INDEX orders_by_user_and_time ON orders (user_id, created_at, id);
