//! The registry: every SQL statement the shop runs, by the name of the item
//! that holds it (a `const` next to the function that runs it, or a small
//! function for one built from pieces or with variants), with the columns
//! it returns and the Rust type the code reads each one into.
//! `tests/statements.rs` prepares each of them on a fresh, migrated SQLite
//! database and PostgreSQL database, checks the columns against the
//! database's own description, and fails on a statement run anywhere in
//! `src/` that is not here. A new statement: a named item beside its
//! function, and a line here.

use super::{
    cart, events, logins, orders, outbox, passkeys, products, products::Sort, rate_limit,
    session_store, tokens, two_factor, users,
};
use crate::data::db;

/// One statement, as the registry knows it.
#[derive(Clone, Debug)]
pub struct Statement {
    /// The item that holds it, `module::ITEM` or `module::function(args)`
    /// (`tests/statements.rs` finds every place that runs one by it).
    pub name: &'static str,
    pub sql: String,
    /// The databases that run it.
    pub on: Databases,
    /// What the code binds to `$1`, `$2`...: PostgreSQL is told these
    /// types when the statement is prepared, as the shop's queries tell it.
    pub params: Vec<Param>,
    /// What it returns, in order: each column's name and the Rust type it
    /// is read into. Empty: it returns no rows.
    pub columns: Vec<(&'static str, Rust)>,
}

/// Which databases run a statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Databases {
    /// Every statement in [`repo`]: portable SQL.
    ///
    /// [`repo`]: crate::data::repo
    Both,
    /// Only on SQLite ([`data::db`]'s own: the pragmas, `BEGIN IMMEDIATE`,
    /// the backup).
    ///
    /// [`data::db`]: crate::data::db
    SqliteOnly,
    /// Only on PostgreSQL (the user's row lock).
    PostgresOnly,
}

/// The Rust type a parameter is bound from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    /// `i64` (ids, cents, seconds, 0/1 flags); an id of [`domain::ids`]
    /// ([`UserId`], [`ProductId`], [`OrderId`]) binds as the `i64` it wraps.
    ///
    /// [`domain::ids`]: crate::domain::ids
    /// [`UserId`]: crate::domain::ids::UserId
    /// [`ProductId`]: crate::domain::ids::ProductId
    /// [`OrderId`]: crate::domain::ids::OrderId
    Int,
    /// `&str` or `String`.
    Str,
}

/// The Rust type a column is read into (through [`sqlx::Any`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rust {
    /// `i64`, or an id of [`domain::ids`], read as the `i64` it wraps.
    ///
    /// [`domain::ids`]: crate::domain::ids
    I64,
    /// `i64`, from a column the table lets be NULL but the statement has
    /// just set to a bound `i64` (`SET x = $2 ... RETURNING x`): never NULL
    /// here, though the database cannot know it.
    SetI64,
    /// `Option<i64>`: the column may be NULL.
    OptI64,
    /// A 0/1 flag, read as `i64` ([`data::db::flag`]).
    ///
    /// [`data::db::flag`]: crate::data::db::flag
    Flag,
    /// A flag that may be NULL.
    OptFlag,
    /// `String` (or a type made from one: [`Preferences`], [`EventKind`]...).
    ///
    /// [`Preferences`]: crate::domain::prefs::Preferences
    /// [`EventKind`]: crate::data::repo::events::EventKind
    Text,
    /// `Option<String>`.
    OptText,
    /// `Vec<u8>`.
    Bytes,
    /// Returned, never read (rows an `execute` drops): any type.
    Unread,
}

impl Rust {
    /// Whether the code copes with NULL here: it reads an `Option`, or reads
    /// the column only when another of the row says it is there (the
    /// product and cart columns of [`logins::with_user_sql`]'s outer joins).
    pub fn may_be_null(self) -> bool {
        matches!(
            self,
            Rust::OptI64 | Rust::SetI64 | Rust::OptFlag | Rust::OptText | Rust::Unread
        )
    }
}

/// A column read by position ([`query_scalar`]) whose name the two databases
/// give differently (`COUNT(*)` is `count` on PostgreSQL): the name is not
/// checked, the type is.
///
/// [`query_scalar`]: fn@sqlx::query_scalar
pub const ANY_NAME: &str = "";

use Param::{Int, Str};
use Rust::*;

/// [`users::COLUMNS`], as [`users::User`] reads them.
const USER: [(&str, Rust); 6] = [
    ("id", I64),
    ("email", Text),
    ("display_name", Text),
    ("preferences", Text),
    ("created_at", I64),
    ("email_verified_at", OptI64),
];

/// [`passkeys::Stored`].
const PASSKEY: [(&str, Rust); 6] = [
    ("credential_id", Text),
    ("user_id", I64),
    ("name", Text),
    ("passkey", Text),
    ("created_at", I64),
    ("last_used_at", OptI64),
];

/// `products`' own columns, as [`products::Product`] reads them.
const PRODUCT: [(&str, Rust); 8] = [
    ("id", I64),
    ("slug", Text),
    ("name", Text),
    ("description", Text),
    ("price_cents", I64),
    ("stock", I64),
    ("image", Text),
    ("active", Flag),
];

/// [`products::JOINED_COLUMNS`] after an outer join: all NULL when there is
/// no product ([`Product::from_joined`] reads the rest only after `p_id`).
///
/// [`Product::from_joined`]: crate::data::repo::products::Product::from_joined
const JOINED_PRODUCT: [(&str, Rust); 8] = [
    ("p_id", OptI64),
    ("p_slug", OptText),
    ("p_name", OptText),
    ("p_description", OptText),
    ("p_price_cents", OptI64),
    ("p_stock", OptI64),
    ("p_image", OptText),
    ("p_active", OptFlag),
];

/// [`orders::OrderSummary`].
const ORDER_SUMMARY: [(&str, Rust); 4] = [
    ("id", I64),
    ("total_cents", I64),
    ("created_at", I64),
    ("item_count", I64),
];

/// [`outbox::Listed`].
const LISTED_MAIL: [(&str, Rust); 10] = [
    ("id", I64),
    ("recipient", Text),
    ("subject", Text),
    ("text_body", Text),
    ("html_body", Text),
    ("created_at", I64),
    ("attempts", I64),
    ("sent_at", OptI64),
    ("failed_at", OptI64),
    ("last_error", OptText),
];

fn on(
    on: Databases,
    name: &'static str,
    sql: impl Into<String>,
    params: &[Param],
    columns: &[(&'static str, Rust)],
) -> Statement {
    Statement {
        name,
        sql: sql.into(),
        on,
        params: params.to_vec(),
        columns: columns.to_vec(),
    }
}

/// A portable statement.
fn both(
    name: &'static str,
    sql: impl Into<String>,
    params: &[Param],
    columns: &[(&'static str, Rust)],
) -> Statement {
    on(Databases::Both, name, sql, params, columns)
}

/// Every statement the shop runs; one entry per variant of one built with
/// variants (each sort of the catalog; [`products::by_ids_sql`] for one id
/// and for several).
pub fn all() -> Vec<Statement> {
    let with_user: Vec<(&str, Rust)> = USER
        .iter()
        .copied()
        .chain([
            ("handle", Text),
            ("last_seen_at", I64),
            ("expires_at", I64),
            ("remember_me", Flag),
            ("revoked_at", OptI64),
            ("product_id", OptI64),
            // Read (as `i64`) only when `product_id` is there.
            ("quantity", OptI64),
        ])
        .chain(JOINED_PRODUCT)
        .collect();
    let page: Vec<(&str, Rust)> = PRODUCT.iter().copied().chain([("total", I64)]).collect();
    let orders_page: Vec<(&str, Rust)> = ORDER_SUMMARY
        .iter()
        .copied()
        .chain([("total", I64)])
        .collect();
    vec![
        // logins
        both(
            "logins::INSERT",
            logins::INSERT,
            &[Str, Str, Int, Int, Int, Int, Str, Str],
            &[],
        ),
        both(
            "logins::with_user_sql()",
            logins::with_user_sql(),
            &[Str, Int],
            &with_user,
        ),
        both("logins::PRUNE", logins::PRUNE, &[Int, Int], &[]),
        both("logins::TOUCH", logins::TOUCH, &[Int, Str], &[]),
        both("logins::REVOKE", logins::REVOKE, &[Int, Str], &[]),
        both(
            "logins::REVOKE_BY_HANDLE",
            logins::REVOKE_BY_HANDLE,
            &[Int, Str, Int],
            &[],
        ),
        both(
            "logins::REVOKE_OTHERS",
            logins::REVOKE_OTHERS,
            &[Int, Int, Str],
            &[],
        ),
        both("logins::REVOKE_ALL", logins::REVOKE_ALL, &[Int, Int], &[]),
        both(
            "logins::LIVE_FOR_USER",
            logins::LIVE_FOR_USER,
            &[Int, Int, Int],
            &[
                ("handle", Text),
                ("created_at", I64),
                ("last_seen_at", I64),
                ("expires_at", I64),
                ("user_agent", Text),
                ("ip", Text),
            ],
        ),
        both(
            "logins::COUNT_LIVE",
            logins::COUNT_LIVE,
            &[Int, Int],
            &[(ANY_NAME, I64)],
        ),
        // users
        both(
            "users::INSERT",
            users::INSERT,
            &[Int, Str, Str, Str, Str, Int],
            &[],
        ),
        both(
            "users::CREDENTIALS",
            users::CREDENTIALS,
            &[Str],
            &[("id", I64), ("password_hash", Text)],
        ),
        both(
            "users::PASSWORD_HASH",
            users::PASSWORD_HASH,
            &[Int],
            &[("password_hash", Text)],
        ),
        both(
            "users::by_email_sql()",
            users::by_email_sql(),
            &[Str],
            &USER,
        ),
        both("users::by_id_sql()", users::by_id_sql(), &[Int], &USER),
        both(
            "users::MARK_VERIFIED",
            users::MARK_VERIFIED,
            &[Int, Str, Int],
            &[],
        ),
        both("users::SET_EMAIL", users::SET_EMAIL, &[Int, Str, Int], &[]),
        both(
            "users::SET_DISPLAY_NAME",
            users::SET_DISPLAY_NAME,
            &[Str, Int],
            &[],
        ),
        both(
            "users::SET_PASSWORD_HASH",
            users::SET_PASSWORD_HASH,
            &[Str, Int],
            &[],
        ),
        both(
            "users::PREFERENCES",
            users::PREFERENCES,
            &[Int],
            &[("preferences", Text)],
        ),
        both(
            "users::SET_PREFERENCES",
            users::SET_PREFERENCES,
            &[Str, Int],
            &[],
        ),
        both("users::DELETE", users::DELETE, &[Int], &[]),
        // products
        both(
            "products::featured_sql()",
            products::featured_sql(),
            &[],
            &PRODUCT,
        ),
        both(
            "products::page_sql(Sort::Name)",
            products::page_sql(Sort::Name),
            &[Int, Int],
            &page,
        ),
        both(
            "products::page_sql(Sort::Price)",
            products::page_sql(Sort::Price),
            &[Int, Int],
            &page,
        ),
        both(
            "products::by_slug_sql()",
            products::by_slug_sql(),
            &[Str],
            &PRODUCT,
        ),
        both(
            "products::by_id_sql()",
            products::by_id_sql(),
            &[Int],
            &PRODUCT,
        ),
        both(
            "products::by_ids_sql(1)",
            products::by_ids_sql(1),
            &[Int],
            &PRODUCT,
        ),
        both(
            "products::by_ids_sql(3)",
            products::by_ids_sql(3),
            &[Int, Int, Int],
            &PRODUCT,
        ),
        both(
            "products::TAKE_STOCK",
            products::TAKE_STOCK,
            &[Int, Int],
            &[("name", Text), ("price_cents", I64)],
        ),
        // cart
        both(
            "cart::QUANTITY",
            cart::QUANTITY,
            &[Int, Int],
            &[("quantity", I64)],
        ),
        both(
            "cart::LINE_COUNT",
            cart::LINE_COUNT,
            &[Int],
            &[(ANY_NAME, I64)],
        ),
        both(
            "cart::ADD_CAPPED",
            cart::ADD_CAPPED,
            &[Int, Int, Int, Int, Int],
            &[],
        ),
        both("cart::ADD", cart::ADD, &[Int, Int, Int, Int, Int], &[]),
        both(
            "cart::UPDATE_QUANTITY",
            cart::UPDATE_QUANTITY,
            &[Int, Int, Int],
            &[],
        ),
        both("cart::REMOVE", cart::REMOVE, &[Int, Int], &[]),
        both("cart::CLEAR", cart::CLEAR, &[Int], &[]),
        both(
            "cart::CLAIM",
            cart::CLAIM,
            &[Int],
            &[("product_id", I64), ("quantity", I64)],
        ),
        both(
            "cart::CLAIM_MERGE_NOTE",
            cart::CLAIM_MERGE_NOTE,
            &[Str, Int],
            &[],
        ),
        both(
            "cart::MERGED_BEFORE",
            cart::MERGED_BEFORE,
            &[Str],
            &[("cart", Text)],
        ),
        both(
            "cart::NOTE_MERGED",
            cart::NOTE_MERGED,
            &[Str, Str, Int],
            &[],
        ),
        both("cart::PRUNE_MERGES", cart::PRUNE_MERGES, &[Int], &[]),
        // events
        both(
            "events::RECORD",
            events::RECORD,
            &[Int, Int, Str, Str, Str, Int],
            &[],
        ),
        both(
            "events::RECENT",
            events::RECENT,
            &[Int, Int],
            &[
                ("kind", Text),
                ("ip", Text),
                ("user_agent", Text),
                ("created_at", I64),
            ],
        ),
        // orders
        both("orders::INSERT", orders::INSERT, &[Int, Int, Int, Int], &[]),
        both(
            "orders::INSERT_ITEM",
            orders::INSERT_ITEM,
            &[Int, Int, Str, Int, Int],
            &[],
        ),
        both(
            "orders::page_sql()",
            orders::page_sql(),
            &[Int, Int, Int],
            &orders_page,
        ),
        both("orders::COUNT", orders::COUNT, &[Int], &[(ANY_NAME, I64)]),
        both(
            "orders::find_sql()",
            orders::find_sql(),
            &[Int, Int],
            &ORDER_SUMMARY,
        ),
        both(
            "orders::ITEMS",
            orders::ITEMS,
            &[Int],
            &[
                ("product_id", I64),
                ("product_name", Text),
                ("unit_price_cents", I64),
                ("quantity", I64),
            ],
        ),
        // outbox
        both(
            "outbox::QUEUE",
            outbox::QUEUE,
            &[Int, Str, Str, Str, Str, Int],
            &[],
        ),
        both(
            "outbox::CLAIM",
            outbox::CLAIM,
            &[Int, Int],
            &[
                ("id", I64),
                ("recipient", Text),
                ("subject", Text),
                ("text_body", Text),
                ("html_body", Text),
                ("attempts", I64),
                ("claimed_until", SetI64),
            ],
        ),
        both("outbox::SENT", outbox::SENT, &[Int, Int, Int], &[]),
        both(
            "outbox::RETRY_AT",
            outbox::RETRY_AT,
            &[Int, Int, Int, Str],
            &[],
        ),
        both("outbox::FAILED", outbox::FAILED, &[Int, Int, Int, Str], &[]),
        both("outbox::RECENT", outbox::RECENT, &[Int], &LISTED_MAIL),
        both("outbox::FIND", outbox::FIND, &[Int], &LISTED_MAIL),
        both("outbox::PRUNE", outbox::PRUNE, &[Int], &[]),
        // rate_limit
        both(
            "rate_limit::HIT",
            rate_limit::HIT,
            &[Str, Int, Int],
            &[("attempts", I64), ("window_start", I64)],
        ),
        both("rate_limit::FORGET", rate_limit::FORGET, &[Str], &[]),
        both("rate_limit::PRUNE", rate_limit::PRUNE, &[Int], &[]),
        // session_store
        both(
            "session_store::LOAD",
            session_store::LOAD,
            &[Str, Int],
            &[("state", Text)],
        ),
        both(
            "session_store::INSERT",
            session_store::INSERT,
            &[Str, Str, Int],
            &[],
        ),
        both(
            "session_store::UPDATE_IF",
            session_store::UPDATE_IF,
            &[Str, Str, Str, Int, Int],
            &[],
        ),
        both(
            "session_store::DELETE_IF",
            session_store::DELETE_IF,
            &[Str, Str],
            &[],
        ),
        both("session_store::DELETE", session_store::DELETE, &[Str], &[]),
        both(
            "session_store::EXPIRY",
            session_store::EXPIRY,
            &[Str],
            &[("expires_at", I64)],
        ),
        both("session_store::PRUNE", session_store::PRUNE, &[Int], &[]),
        // tokens
        both(
            "tokens::INSERT",
            tokens::INSERT,
            &[Str, Str, Int, Str, Int, Int],
            &[],
        ),
        both(
            "tokens::FIND",
            tokens::FIND,
            &[Str],
            &[
                ("purpose", Text),
                ("user_id", I64),
                ("email", Text),
                ("expires_at", I64),
                ("used_at", OptI64),
                ("retired_at", OptI64),
            ],
        ),
        both("tokens::USE_ONCE", tokens::USE_ONCE, &[Str, Str, Int], &[]),
        both(
            "tokens::RETIRE_OLDER",
            tokens::RETIRE_OLDER,
            &[Int, Str, Int],
            &[],
        ),
        both(
            "tokens::RETIRE_EVERY",
            tokens::RETIRE_EVERY,
            &[Int, Int],
            &[],
        ),
        both("tokens::PRUNE", tokens::PRUNE, &[Int], &[]),
        // passkeys
        both(
            "passkeys::ADD",
            passkeys::ADD,
            &[Str, Int, Str, Str, Int],
            &[],
        ),
        both("passkeys::OF_USER", passkeys::OF_USER, &[Int], &PASSKEY),
        both("passkeys::FIND", passkeys::FIND, &[Str], &PASSKEY),
        both("passkeys::USED", passkeys::USED, &[Str, Str, Int], &[]),
        both("passkeys::REMOVE", passkeys::REMOVE, &[Int, Str], &[]),
        both(
            "passkeys::SPEND_CHALLENGE",
            passkeys::SPEND_CHALLENGE,
            &[Str, Int],
            &[],
        ),
        both(
            "passkeys::PRUNE_CHALLENGES",
            passkeys::PRUNE_CHALLENGES,
            &[Int],
            &[],
        ),
        // two_factor
        both(
            "two_factor::FIND",
            two_factor::FIND,
            &[Int],
            &[("secret", Text), ("last_step", I64), ("enabled_at", I64)],
        ),
        both(
            "two_factor::ENABLE",
            two_factor::ENABLE,
            &[Int, Str, Int, Int],
            &[],
        ),
        both(
            "two_factor::USE_STEP",
            two_factor::USE_STEP,
            &[Int, Int],
            &[],
        ),
        both(
            "two_factor::RESEAL",
            two_factor::RESEAL,
            &[Int, Str, Str],
            &[],
        ),
        both(
            "two_factor::ALL_SECRETS",
            two_factor::ALL_SECRETS,
            &[],
            &[("user_id", I64), ("secret", Text)],
        ),
        both("two_factor::DISABLE", two_factor::DISABLE, &[Int], &[]),
        both(
            "two_factor::ADD_CODE",
            two_factor::ADD_CODE,
            &[Int, Str, Int],
            &[],
        ),
        both(
            "two_factor::DROP_CODES",
            two_factor::DROP_CODES,
            &[Int],
            &[],
        ),
        both(
            "two_factor::USE_CODE",
            two_factor::USE_CODE,
            &[Int, Str, Int],
            &[],
        ),
        both(
            "two_factor::REMEMBER_BROWSER",
            two_factor::REMEMBER_BROWSER,
            &[Str, Int, Int, Int, Str, Str],
            &[],
        ),
        both(
            "two_factor::IS_REMEMBERED",
            two_factor::IS_REMEMBERED,
            &[Str, Int, Int],
            &[(ANY_NAME, I64)],
        ),
        both(
            "two_factor::REMEMBERED_BROWSERS",
            two_factor::REMEMBERED_BROWSERS,
            &[Int, Int],
            &[
                ("created_at", I64),
                ("expires_at", I64),
                ("user_agent", Text),
                ("ip", Text),
            ],
        ),
        both(
            "two_factor::FORGET_BROWSERS",
            two_factor::FORGET_BROWSERS,
            &[Int],
            &[],
        ),
        both(
            "two_factor::PRUNE_BROWSERS",
            two_factor::PRUNE_BROWSERS,
            &[Int],
            &[],
        ),
        both(
            "two_factor::CODES_LEFT",
            two_factor::CODES_LEFT,
            &[Int],
            &[(ANY_NAME, I64)],
        ),
        // db: the pool's own
        both(
            "db::APPLIED_MIGRATIONS",
            db::APPLIED_MIGRATIONS,
            &[],
            &[("version", I64), ("checksum", Bytes)],
        ),
        both("db::PING", db::PING, &[], &[(ANY_NAME, Unread)]),
        // db's backend: where SQLite and PostgreSQL differ
        on(
            Databases::SqliteOnly,
            "backend::SQLITE_JOURNAL_MODE",
            db::SQLITE_JOURNAL_MODE,
            &[],
            &[("journal_mode", Unread)],
        ),
        on(
            Databases::SqliteOnly,
            "backend::SQLITE_SYNCHRONOUS",
            db::SQLITE_SYNCHRONOUS,
            &[],
            &[],
        ),
        on(
            Databases::SqliteOnly,
            "backend::sqlite_cache_size_sql()",
            db::sqlite_cache_size_sql(),
            &[],
            &[],
        ),
        on(
            Databases::SqliteOnly,
            "backend::SQLITE_BEGIN_WRITE",
            db::SQLITE_BEGIN_WRITE,
            &[],
            &[],
        ),
        on(
            Databases::PostgresOnly,
            "backend::POSTGRES_LOCK_USER",
            db::POSTGRES_LOCK_USER,
            &[Int],
            &[("id", Unread)],
        ),
        on(
            Databases::SqliteOnly,
            "backend::SQLITE_BACKUP",
            db::SQLITE_BACKUP,
            &[Str],
            &[],
        ),
    ]
}
