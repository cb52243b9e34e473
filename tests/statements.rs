//! Every statement proven on both databases, before any page runs it.
//!
//! The registry (`cookie_jar::data::repo::statements::all`) names every SQL
//! statement the shop runs, the types it binds and the Rust type each column
//! it returns is read into. For a fresh SQLite file, and for a fresh
//! PostgreSQL database when `TEST_POSTGRES_URL` names a server (like
//! `postgres://postgres@127.0.0.1:5432`; a database is created there), both
//! migrated by `data::db::connect` as the shop does, each statement is
//! described on a native connection and must:
//!
//! - prepare. On PostgreSQL it is prepared with the parameter types the shop
//!   binds (`INT8`, `TEXT`), as its queries are: untyped, PostgreSQL guesses
//!   `text` for `CASE WHEN $3 > $4` and refuses statements the shop runs
//!   fine. sqlx describes from its cache of prepared statements, so the
//!   description that follows is of that typed statement (checked: the
//!   parameter types described must be those given);
//! - take as many parameters as the registry binds (SQLite counts the
//!   placeholders; PostgreSQL reports one too many bound only as a
//!   parameter it was told of, so there only one too few shows);
//! - return the columns the registry lists, in order, by name (a name
//!   `ANY_NAME` is a column read by position, like `COUNT(*)`, which the two
//!   databases name differently);
//! - have, for each column, a type the declared Rust type can be read from.
//!   The rule is sqlx's own: the database's type is mapped to what
//!   `sqlx::Any` makes of it (`AnyTypeInfo::try_from`, the mapping the
//!   shop's pool applies), and `<T as sqlx::Type<Any>>::compatible` decides,
//!   `T` being `i64` (for `I64`, `OptI64`, `Flag`, `OptFlag`), `String`
//!   (`Text`, `OptText`) or `Vec<u8>` (`Bytes`). So an integer reads from
//!   INTEGER/BIGINT (SQLite) or INT2/INT4/INT8 (PostgreSQL), text from
//!   TEXT/VARCHAR; a type `Any` cannot carry at all (PostgreSQL's NUMERIC,
//!   what `SUM` returns) fails. SQLite cannot type an expression
//!   (`COUNT(*)`, a subquery, `CASE`): it describes it as NULL, and sqlx
//!   decodes such a value by what it is at run time; such columns pass on
//!   SQLite, are counted in the output, and are checked by type on
//!   PostgreSQL, which types every expression. `Unread` columns (rows an
//!   `execute` drops) pass whatever their type;
//! - not be NULL where the Rust type cannot be: when the database says a
//!   column may be NULL (PostgreSQL: a nullable table column, an outer
//!   join; SQLite: a nullable table column, where it can tell), the
//!   declared type must be an `Opt*` one. Where the database cannot tell,
//!   nothing is checked.
//!
//! Without `TEST_POSTGRES_URL` the PostgreSQL half is NOT RUN: it says so on
//! the terminal (written past the test harness's capture) and passes, so
//! `cargo test` stays green on a machine without PostgreSQL; CI sets the
//! variable.
//!
//! Every statement is registered: `every_statement_run_in_src_is_registered`
//! reads every `.rs` file under `src/` (comment lines skipped) for the places
//! that run SQL: a call of `sqlx::query`, `query_as`, `query_scalar`,
//! `raw_sql` (and their `_with` forms), and a method `.execute(`,
//! `.fetch*(`, `.prepare(`, `.describe(` or `.begin_with(` whose argument is
//! SQL-like (a string literal, `format!`, `AssertSqlSafe(..)` or an
//! UPPER_CASE constant). Each argument (inside `AssertSqlSafe(..)`) must be
//! a named item, not a literal or a `format!`, and that item, as
//! `module::ITEM` or `module::function` (the module being the file's, or
//! the path's own when it has one), must be a registered name (a function
//! with variants is registered as `module::function(variant)`). And the
//! other way round: every registered item is run somewhere, so the registry
//! does not keep statements the shop no longer runs.

use std::{
    collections::BTreeSet,
    io::Write,
    path::{Path, PathBuf},
};

use cookie_jar::{
    data::{
        db,
        repo::statements::{self, Databases, Param, Rust, Statement, ANY_NAME},
    },
    domain::config::DatabaseUrl,
};
use sqlx::{
    any::AnyTypeInfo, postgres::PgConnection, sqlite::SqliteConnection, Any, AssertSqlSafe, Column,
    ColumnOrigin, Connection, Either, Executor, Postgres, SqlSafeStr, Type, TypeInfo,
};

/// What a database says of one column.
struct Described {
    name: String,
    /// The database's own name of its type (`INTEGER`, `INT8`, `NULL`...).
    db_type: String,
    /// What `sqlx::Any` makes of that type; `Err` when it cannot carry it.
    any: Result<AnyTypeInfo, String>,
    nullable: Option<bool>,
}

/// What a database says of one statement: its parameters and columns.
struct Description {
    params: usize,
    columns: Vec<Described>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Db {
    Sqlite,
    Postgres,
}

impl Db {
    fn name(self) -> &'static str {
        match self {
            Db::Sqlite => "SQLite",
            Db::Postgres => "PostgreSQL",
        }
    }

    fn runs(self, on: Databases) -> bool {
        matches!(
            (self, on),
            (_, Databases::Both)
                | (Db::Sqlite, Databases::SqliteOnly)
                | (Db::Postgres, Databases::PostgresOnly)
        )
    }
}

/// A native connection to a fresh database of one kind, migrated.
enum Conn {
    /// The folder of its file goes with it.
    Sqlite(SqliteConnection, #[allow(dead_code)] tempfile::TempDir),
    Postgres(PgConnection),
}

impl Conn {
    fn db(&self) -> Db {
        match self {
            Conn::Sqlite(..) => Db::Sqlite,
            Conn::Postgres(_) => Db::Postgres,
        }
    }

    async fn describe(&mut self, statement: &Statement) -> Result<Description, String> {
        let sql = || AssertSqlSafe(statement.sql.clone()).into_sql_str();
        match self {
            Conn::Sqlite(conn, _) => {
                let d = conn.describe(sql()).await.map_err(|e| e.to_string())?;
                let params = match d.parameters() {
                    Some(Either::Right(n)) => n,
                    Some(Either::Left(types)) => types.len(),
                    None => 0,
                };
                let mut columns = Vec::new();
                for (i, column) in d.columns().iter().enumerate() {
                    let mut nullable = d.nullable(i);
                    // SQLite lets a primary key that is not an INTEGER one
                    // (`id BIGINT PRIMARY KEY`) hold NULL, an old quirk of
                    // its own; the shop always gives ids, and PostgreSQL
                    // holds every primary key NOT NULL: not held against
                    // the statement here.
                    if let ColumnOrigin::Table(origin) = column.origin() {
                        let pk: Option<i64> = sqlx::query_scalar(
                            "SELECT pk FROM pragma_table_info($1) WHERE name = $2",
                        )
                        .bind(&*origin.table)
                        .bind(&*origin.name)
                        .fetch_optional(&mut *conn)
                        .await
                        .map_err(|e| e.to_string())?;
                        if pk.is_some_and(|pk| pk > 0) {
                            nullable = Some(false);
                        }
                    }
                    columns.push(Described {
                        name: column.name().to_string(),
                        db_type: column.type_info().name().to_string(),
                        any: AnyTypeInfo::try_from(column.type_info()).map_err(|e| e.to_string()),
                        nullable,
                    });
                }
                Ok(Description { params, columns })
            }
            Conn::Postgres(conn) => {
                let types: Vec<_> = statement
                    .params
                    .iter()
                    .map(|p| match p {
                        Param::Int => <i64 as Type<Postgres>>::type_info(),
                        Param::Str => <String as Type<Postgres>>::type_info(),
                    })
                    .collect();
                // Prepared with the types bound, as the shop's query is;
                // then described (from sqlx's cache: the same statement).
                conn.prepare_with(sql(), &types)
                    .await
                    .map_err(|e| e.to_string())?;
                let d = conn.describe(sql()).await.map_err(|e| e.to_string())?;
                let described = match d.parameters() {
                    Some(Either::Left(described)) => described.to_vec(),
                    _ => Vec::new(),
                };
                if described.len() >= types.len() && described[..types.len()] != types[..] {
                    return Err(format!(
                        "described with parameters {described:?}, not the {types:?} it was \
                         prepared with (sqlx no longer describes from its statement cache?)"
                    ));
                }
                let columns = (0..d.columns().len())
                    .map(|i| {
                        let column = d.column(i);
                        Described {
                            name: column.name().to_string(),
                            db_type: column.type_info().name().to_string(),
                            any: AnyTypeInfo::try_from(column.type_info())
                                .map_err(|e| e.to_string()),
                            nullable: d.nullable(i),
                        }
                    })
                    .collect();
                Ok(Description {
                    params: described.len(),
                    columns,
                })
            }
        }
    }
}

/// A fresh SQLite file, migrated by the shop's `connect`.
async fn fresh_sqlite() -> Conn {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("shop.db").display());
    let database = db::connect(&DatabaseUrl::new(&url))
        .await
        .expect("a fresh SQLite database, migrated");
    database.pool.close().await;
    let conn = SqliteConnection::connect(&url).await.expect("SQLite");
    Conn::Sqlite(conn, dir)
}

/// A fresh database on the server `TEST_POSTGRES_URL` names, migrated;
/// `None` when the variable is not set.
async fn fresh_postgres() -> Option<Conn> {
    let server = std::env::var("TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())?;
    let name = format!(
        "cookie_jar_test_statements_{}",
        cookie_jar::domain::ids::row_id()
    );
    let mut admin = PgConnection::connect(&format!("{server}/postgres"))
        .await
        .expect("TEST_POSTGRES_URL reaches a PostgreSQL server");
    admin
        .execute(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .expect("CREATE DATABASE");
    let url = format!("{server}/{name}");
    let database = db::connect(&DatabaseUrl::new(&url))
        .await
        .expect("a fresh PostgreSQL database, migrated");
    database.pool.close().await;
    let conn = PgConnection::connect(&url).await.expect("PostgreSQL");
    Some(Conn::Postgres(conn))
}

/// A line on the terminal even when the test passes: written to stderr
/// directly, past the test harness's capture.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Whether a column of this type can be read into `rust` (sqlx's rule).
fn readable(rust: Rust, ty: &AnyTypeInfo) -> bool {
    match rust {
        Rust::I64 | Rust::SetI64 | Rust::OptI64 | Rust::Flag | Rust::OptFlag => {
            <i64 as Type<Any>>::compatible(ty)
        }
        Rust::Text | Rust::OptText => <String as Type<Any>>::compatible(ty),
        Rust::Bytes => <Vec<u8> as Type<Any>>::compatible(ty),
        Rust::Unread => true,
    }
}

/// What is wrong with one statement on one database (nothing: empty), and
/// the columns the database could not type.
async fn check(conn: &mut Conn, statement: &Statement) -> (Vec<String>, Vec<String>) {
    let db = conn.db().name();
    let at = |what: String| format!("{} on {db}: {what}", statement.name);
    let description = match conn.describe(statement).await {
        Ok(d) => d,
        Err(e) => return (vec![at(format!("does not prepare: {e}"))], Vec::new()),
    };
    let mut problems = Vec::new();
    let mut untyped = Vec::new();
    if description.params != statement.params.len() {
        problems.push(at(format!(
            "takes {} parameters, the registry binds {}",
            description.params,
            statement.params.len()
        )));
    }
    let names: Vec<&str> = description.columns.iter().map(|c| &*c.name).collect();
    let declared: Vec<&str> = statement.columns.iter().map(|(n, _)| *n).collect();
    if names.len() != declared.len() {
        problems.push(at(format!(
            "returns {} columns {names:?}, the registry reads {} {declared:?}",
            names.len(),
            declared.len()
        )));
        return (problems, untyped);
    }
    for (column, &(name, rust)) in description.columns.iter().zip(&statement.columns) {
        if name != ANY_NAME && column.name != name {
            problems.push(at(format!(
                "column {:?} where the registry reads {name:?}",
                column.name
            )));
        }
        let label = if name == ANY_NAME { &column.name } else { name };
        match &column.any {
            Err(_) if rust == Rust::Unread => {}
            Err(e) => problems.push(at(format!(
                "column {label:?} is {}, which the shop cannot read ({e})",
                column.db_type
            ))),
            Ok(_) if rust == Rust::Unread => {}
            Ok(ty) if ty.is_null() => untyped.push(format!("{}.{label}", statement.name)),
            Ok(ty) if !readable(rust, ty) => problems.push(at(format!(
                "column {label:?} is {}, which cannot be read into {rust:?}",
                column.db_type
            ))),
            Ok(_) => {}
        }
        if column.nullable == Some(true) && !rust.may_be_null() {
            problems.push(at(format!(
                "column {label:?} may be NULL, but is read into {rust:?}"
            )));
        }
    }
    (problems, untyped)
}

/// Checks every registered statement its database runs; returns the
/// summary line.
async fn check_all(conn: &mut Conn) -> String {
    let db = conn.db();
    let mut problems = Vec::new();
    let (mut checked, mut untyped) = (0, Vec::new());
    for statement in statements::all().iter().filter(|s| db.runs(s.on)) {
        let (found, unknown) = check(conn, statement).await;
        problems.extend(found);
        untyped.extend(unknown);
        checked += 1;
    }
    assert!(
        problems.is_empty(),
        "{} statement problem(s) on {}:\n{}",
        problems.len(),
        db.name(),
        problems.join("\n")
    );
    format!(
        "statements: {}: all {checked} statements it runs prepare, with the declared \
         parameters and columns{}",
        db.name(),
        if untyped.is_empty() {
            String::new()
        } else {
            format!(
                " (typed at run time, the database could not say: {})",
                untyped.join(", ")
            )
        }
    )
}

#[tokio::test]
async fn every_statement_prepares_on_sqlite_and_reads_into_its_declared_types() {
    let mut conn = fresh_sqlite().await;
    let summary = check_all(&mut conn).await;
    say(&summary);
}

#[tokio::test]
async fn every_statement_prepares_on_postgres_and_reads_into_its_declared_types() {
    let Some(mut conn) = fresh_postgres().await else {
        say(
            "statements: PostgreSQL: NOT RUN, NOT CHECKED: set TEST_POSTGRES_URL \
             (postgres://postgres@127.0.0.1:5432) to prove the statements on PostgreSQL",
        );
        return;
    };
    let summary = check_all(&mut conn).await;
    say(&summary);
}

/// The checker catches mistakes: a typo does not prepare, a wrong Rust
/// type, a NULL read into a plain type, a column too few, a parameter too
/// many are reported; on SQLite, and on PostgreSQL when there is one.
#[tokio::test]
async fn the_checker_reports_a_typo_a_wrong_type_and_a_wrong_count() {
    let mut conns = vec![fresh_sqlite().await];
    match fresh_postgres().await {
        Some(pg) => conns.push(pg),
        None => say("statements: the checker's own test: PostgreSQL NOT RUN (TEST_POSTGRES_URL)"),
    }
    let statement = |sql: &str, params: &[Param], columns: &[(&'static str, Rust)]| Statement {
        name: "test::MISTAKE",
        sql: sql.to_string(),
        on: Databases::Both,
        params: params.to_vec(),
        columns: columns.to_vec(),
    };
    for conn in &mut conns {
        let db = conn.db().name();
        let right = statement(
            "SELECT id, email FROM users WHERE id = $1",
            &[Param::Int],
            &[("id", Rust::I64), ("email", Rust::Text)],
        );
        let (problems, _) = check(conn, &right).await;
        assert!(problems.is_empty(), "{db}: {problems:?}");

        let typo = statement(
            "SELECT id, emial FROM users WHERE id = $1",
            &[Param::Int],
            &[("id", Rust::I64), ("emial", Rust::Text)],
        );
        let (problems, _) = check(conn, &typo).await;
        assert!(
            problems.len() == 1 && problems[0].contains("does not prepare"),
            "{db}: {problems:?}"
        );

        let wrong_type = statement(
            "SELECT id, email FROM users WHERE id = $1",
            &[Param::Int],
            &[("id", Rust::Text), ("email", Rust::I64)],
        );
        let (problems, _) = check(conn, &wrong_type).await;
        assert!(
            problems.len() == 2
                && problems[0].contains("\"id\"")
                && problems[0].contains("cannot be read into Text")
                && problems[1].contains("\"email\"")
                && problems[1].contains("cannot be read into I64"),
            "{db}: {problems:?}"
        );

        let null_into_plain = statement(
            "SELECT email_verified_at FROM users WHERE id = $1",
            &[Param::Int],
            &[("email_verified_at", Rust::I64)],
        );
        let (problems, _) = check(conn, &null_into_plain).await;
        assert!(
            problems.len() == 1 && problems[0].contains("may be NULL"),
            "{db}: {problems:?}"
        );

        let too_few = statement(
            "SELECT id, email FROM users WHERE id = $1",
            &[Param::Int],
            &[("id", Rust::I64)],
        );
        let (problems, _) = check(conn, &too_few).await;
        assert!(
            problems.len() == 1 && problems[0].contains("returns 2 columns"),
            "{db}: {problems:?}"
        );

        let renamed = statement(
            "SELECT id AS user_id FROM users WHERE id = $1",
            &[Param::Int],
            &[("id", Rust::I64)],
        );
        let (problems, _) = check(conn, &renamed).await;
        assert!(
            problems.len() == 1 && problems[0].contains("column \"user_id\""),
            "{db}: {problems:?}"
        );

        let missing_param = statement(
            "DELETE FROM users WHERE id = $1 AND email = $2",
            &[Param::Int],
            &[],
        );
        let (problems, _) = check(conn, &missing_param).await;
        assert!(
            problems.len() == 1 && problems[0].contains("takes 2 parameters"),
            "{db}: {problems:?}"
        );

        // PostgreSQL takes a parameter type more than the statement uses
        // as one more parameter; SQLite counts the placeholders.
        if conn.db() == Db::Sqlite {
            let extra_param = statement(
                "DELETE FROM users WHERE id = $1",
                &[Param::Int, Param::Str],
                &[],
            );
            let (problems, _) = check(conn, &extra_param).await;
            assert!(
                problems.len() == 1 && problems[0].contains("takes 1 parameters"),
                "{db}: {problems:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Every statement run in src/ is registered.

/// The methods that run SQL when their argument is SQL-like.
const RUN_METHODS: [&str; 10] = [
    "execute",
    "fetch",
    "fetch_one",
    "fetch_all",
    "fetch_optional",
    "fetch_many",
    "execute_many",
    "prepare",
    "describe",
    "begin_with",
];

/// The functions that make a query of their argument.
const QUERY_FUNCTIONS: [&str; 7] = [
    "query",
    "query_as",
    "query_scalar",
    "query_with",
    "query_as_with",
    "query_scalar_with",
    "raw_sql",
];

/// One place that runs SQL: its line, and what it runs, as a registry key
/// (`module::item`), or the problem with it.
fn run_sites(module: &str, text: &str) -> Vec<(usize, Result<String, String>)> {
    // Comment lines (doc comments included) hold no code.
    let code: Vec<&str> = text
        .lines()
        .map(|line| {
            if line.trim_start().starts_with("//") {
                ""
            } else {
                line
            }
        })
        .collect();
    let code = code.join("\n");
    let calls = regex::Regex::new(r"(\.|\bsqlx::|\b)([a-z_]+)\s*\(").unwrap();
    let mut sites = Vec::new();
    for call in calls.captures_iter(&code) {
        let (whole, prefix, name) = (call.get(0).unwrap(), &call[1], &call[2]);
        let before = code[..whole.start()].trim_end();
        let method = prefix == ".";
        let function = !method && QUERY_FUNCTIONS.contains(&name) && !before.ends_with("fn");
        if !(function || method && RUN_METHODS.contains(&name)) {
            continue;
        }
        // A path segment of something else (`foo::query(`) is not sqlx's.
        if prefix.is_empty() && before.ends_with("::") {
            continue;
        }
        let argument = &code[whole.end()..];
        let line = code[..whole.start()].lines().count().max(1);
        match named_item(argument) {
            // A method's string is SQL only if it reads like it
            // (`.describe("the forms' token")` is no statement).
            Arg::Literal(text) if method && !reads_like_sql(&text) => {}
            Arg::Literal(_) => sites.push((
                line,
                Err(format!("SQL written in place at `{name}(`: name it")),
            )),
            Arg::Path(path) => {
                let sql_like = path.last().is_some_and(|item| {
                    item.chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                });
                if method && !sql_like {
                    // `.execute(db)`: an executor, not SQL.
                    continue;
                }
                let item = path.last().cloned().unwrap_or_default();
                let owner = if path.len() >= 2 {
                    path[path.len() - 2].clone()
                } else {
                    module.to_string()
                };
                sites.push((line, Ok(format!("{owner}::{item}"))));
            }
            Arg::Wrapped(path) => {
                let item = path.last().cloned().unwrap_or_default();
                let owner = if path.len() >= 2 {
                    path[path.len() - 2].clone()
                } else {
                    module.to_string()
                };
                sites.push((line, Ok(format!("{owner}::{item}"))));
            }
            Arg::Other(what) if function => sites.push((
                line,
                Err(format!(
                    "`{name}(` runs `{what}`, which is no named statement"
                )),
            )),
            Arg::Other(_) => {}
        }
    }
    sites
}

enum Arg {
    /// A string literal or a `format!`: its text, from the quote on.
    Literal(String),
    /// A path (`INSERT`, `users::by_id_sql`).
    Path(Vec<String>),
    /// A path inside `AssertSqlSafe(..)`: SQL whatever its case.
    Wrapped(Vec<String>),
    /// Anything else.
    Other(String),
}

/// Whether a string starts with an SQL keyword, in capitals as the shop
/// writes them.
fn reads_like_sql(text: &str) -> bool {
    const KEYWORDS: [&str; 20] = [
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "WITH",
        "VALUES",
        "REPLACE",
        "PRAGMA",
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "SAVEPOINT",
        "RELEASE",
        "VACUUM",
        "CREATE",
        "DROP",
        "ALTER",
        "SET",
        "LOCK",
        "TRUNCATE",
    ];
    let word = text
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or_default();
    KEYWORDS.contains(&word)
}

/// What a call's argument is, from its first characters.
fn named_item(argument: &str) -> Arg {
    let mut rest = argument.trim_start().trim_start_matches('&').trim_start();
    let mut wrapped = false;
    for wrapper in ["sqlx::AssertSqlSafe(", "AssertSqlSafe("] {
        if let Some(inner) = rest.strip_prefix(wrapper) {
            rest = inner.trim_start().trim_start_matches('&').trim_start();
            wrapped = true;
        }
    }
    if rest.starts_with('"')
        || rest.starts_with("r\"")
        || rest.starts_with("r#")
        || rest.starts_with("format!")
        || rest.starts_with("concat!")
    {
        let text = rest.split_once('"').map_or("", |(_, text)| text);
        return Arg::Literal(text.chars().take(40).collect());
    }
    let path = regex::Regex::new(r"^[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)*")
        .unwrap()
        .find(rest)
        .map(|m| {
            m.as_str()
                .split("::")
                .map(str::to_string)
                .collect::<Vec<_>>()
        });
    match path {
        Some(path) if wrapped => Arg::Wrapped(path),
        Some(path) => Arg::Path(path),
        None => Arg::Other(rest.chars().take(30).collect()),
    }
}

/// The module a file is: its name, or its folder's for a `mod.rs`.
fn module_of(file: &Path) -> String {
    let stem = file.file_stem().unwrap().to_string_lossy().to_string();
    if stem == "mod" {
        let folder = file.parent().unwrap().file_name().unwrap();
        folder.to_string_lossy().to_string()
    } else {
        stem
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A registered name as a key: `products::page_sql(Sort::Name)` is
/// `products::page_sql`.
fn key(name: &str) -> &str {
    name.split('(').next().unwrap_or(name)
}

#[test]
fn every_statement_run_in_src_is_registered() {
    let registered: BTreeSet<&str> = statements::all().iter().map(|s| key(s.name)).collect();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let (mut problems, mut run) = (Vec::new(), BTreeSet::new());
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let shown = file.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap();
        for (line, site) in run_sites(&module_of(file), &text) {
            match site {
                Ok(item) if registered.contains(item.as_str()) => {
                    run.insert(item);
                }
                Ok(item) => problems.push(format!(
                    "{}:{line}: runs `{item}`, which is not in data::repo::statements::all()",
                    shown.display()
                )),
                Err(problem) => problems.push(format!("{}:{line}: {problem}", shown.display())),
            }
        }
    }
    for name in &registered {
        if !run.contains(*name) {
            problems.push(format!(
                "`{name}` is registered but nothing in src/ runs it"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    say(&format!(
        "statements: {} registered items, each run in src/, and nothing else run",
        registered.len()
    ));
}

/// The scan itself: it finds SQL written in place, an unnamed or
/// unregistered statement, and passes named ones and executors.
#[test]
fn the_scan_finds_sql_that_is_not_a_named_item() {
    let text = r#"
        // sqlx::query("SELECT 1") in a comment is no code
        pub async fn a(db: impl Db<'_>) {
            sqlx::query("DELETE FROM users").execute(db).await;
            sqlx::query_as(AssertSqlSafe(format!("SELECT {COLUMNS} FROM users")));
            let sql = String::new();
            sqlx::query_scalar(AssertSqlSafe(sql));
            conn.execute("PRAGMA foreign_keys = ON").await;
            sqlx::query(INSERT).bind(1).execute(&mut *conn).await;
            sqlx::query_as(AssertSqlSafe(users::by_id_sql())).fetch_one(db).await;
            pool.begin_with(SQLITE_BEGIN_WRITE).await;
            query.fetch_all(db).await;
        }
    "#;
    let sites: Vec<_> = run_sites("logins", text)
        .into_iter()
        .map(|(line, site)| (line, site.unwrap_or_else(|e| format!("ERR {e}"))))
        .collect();
    let lines: Vec<usize> = sites.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [4, 5, 7, 8, 9, 10, 11], "{sites:?}");
    assert!(
        sites[0].1.starts_with("ERR SQL written in place"),
        "{sites:?}"
    );
    assert!(
        sites[1].1.starts_with("ERR SQL written in place"),
        "{sites:?}"
    );
    assert_eq!(sites[2].1, "logins::sql", "{sites:?}");
    assert!(
        sites[3].1.starts_with("ERR SQL written in place"),
        "{sites:?}"
    );
    assert_eq!(sites[4].1, "logins::INSERT");
    assert_eq!(sites[5].1, "users::by_id_sql");
    assert_eq!(sites[6].1, "logins::SQLITE_BEGIN_WRITE");
}

/// A method's string that is not SQL is no statement.
#[test]
fn the_scan_leaves_strings_that_are_not_sql_to_other_methods() {
    let text = r#"
        decided.csrf_cookie.describe("the forms' token, signed");
        conn.execute("DELETE FROM users").await;
        sqlx::query("delete from users").execute(db).await;
    "#;
    let sites = run_sites("web", text);
    let lines: Vec<usize> = sites.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [3, 4], "{sites:?}");
    assert!(sites.iter().all(|(_, site)| site.is_err()), "{sites:?}");
}
