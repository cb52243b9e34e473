-- Cookie Jar schema. Portable SQL: it runs unchanged on SQLite and PostgreSQL.
-- Money is integer cents, time is integer Unix seconds, flags are 0/1 integers.
-- Row ids of users and orders are random positive 53-bit integers made by the
-- application (see src/ids.rs): no AUTOINCREMENT/IDENTITY split between the
-- two databases, and an order number in a URL tells nothing about the others.

CREATE TABLE users (
    id            BIGINT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,   -- stored lower-cased
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,          -- argon2id PHC string
    theme         TEXT NOT NULL DEFAULT 'system',
    page_size     BIGINT NOT NULL DEFAULT 12,
    created_at    BIGINT NOT NULL
);

-- One row per logged-in browser session. The cookie carries the secret `id`;
-- `handle` is the public name used in URLs (revoke buttons).
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    handle       TEXT NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    remember_me  BIGINT NOT NULL DEFAULT 0,
    user_agent   TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT '',
    revoked_at   BIGINT
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- Login throttling: one counter per bucket ('email:ann@example.com',
-- 'client:127.0.0.1') over a fixed window that starts at its first attempt.
-- Shared by every instance; incremented atomically before a password is
-- checked, so parallel attempts cannot slip past the limit.
CREATE TABLE rate_limits (
    bucket       TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    attempts     BIGINT NOT NULL
);
CREATE INDEX rate_limits_window_idx ON rate_limits (window_start);

CREATE TABLE products (
    id          BIGINT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    price_cents BIGINT NOT NULL CHECK (price_cents >= 0),
    stock       BIGINT NOT NULL CHECK (stock >= 0),
    image       TEXT NOT NULL,            -- path under /static
    featured    BIGINT NOT NULL DEFAULT 0,
    active      BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE cart_items (
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    product_id BIGINT NOT NULL REFERENCES products (id),
    quantity   BIGINT NOT NULL CHECK (quantity BETWEEN 1 AND 99),
    added_at   BIGINT NOT NULL,
    PRIMARY KEY (user_id, product_id)
);

-- Orders outlive accounts: deleting an account sets user_id to NULL.
CREATE TABLE orders (
    id          BIGINT PRIMARY KEY,
    user_id     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    total_cents BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX orders_user_idx ON orders (user_id);

CREATE TABLE order_items (
    order_id         BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id       BIGINT NOT NULL,
    product_name     TEXT NOT NULL,
    unit_price_cents BIGINT NOT NULL,
    quantity         BIGINT NOT NULL,
    PRIMARY KEY (order_id, product_id)
);

CREATE TABLE security_events (
    id         BIGINT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    ip         TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX security_events_user_idx ON security_events (user_id, created_at);
