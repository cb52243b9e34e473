-- A user's cart lines in the order the cart shows them (oldest first,
-- src/repo/sessions.rs, `with_user`): every signed-in page reads them, and
-- with this index SQLite reads them in order instead of sorting them each
-- time. (PostgreSQL's planner still sorts the joined rows, a handful.)
CREATE INDEX cart_items_in_order ON cart_items (user_id, added_at, product_id);
