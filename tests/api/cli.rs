//! The command line, run as the built binary: each subcommand does what
//! `--help` says.

use std::{
    io::Write,
    process::{Command, Output, Stdio},
};

use base64::{engine::general_purpose::STANDARD, Engine};
use cookie_jar::domain::config::variables::{self, WhenUnset};
use reqwest::StatusCode;

use crate::common::{fresh_database, TestApp, PASSWORD};

/// The binary with only the settings given (and PATH), in `dir`.
fn cookie_jar(dir: &std::path::Path, vars: &[(&str, &str)], args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cookie-jar"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SESSION_SECRET", STANDARD.encode([9u8; 64]))
        .env("STATIC_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/static"))
        .envs(vars.iter().copied())
        .current_dir(dir);
    command
}

/// Runs it to the end: (exit code, standard output, standard error).
fn run_for_code(command: &mut Command) -> (Option<i32>, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("the binary runs");
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (status.code(), text(stdout), text(stderr))
}

/// `check-config` on the database `url` with `vars`: (exit code, standard
/// output, standard error).
fn check_config_on(
    dir: &std::path::Path,
    url: &str,
    vars: &[(&str, &str)],
) -> (Option<i32>, String, String) {
    let mut all = vec![("DATABASE_URL", url)];
    all.extend_from_slice(vars);
    run_for_code(&mut cookie_jar(dir, &all, &["check-config"]))
}

/// Runs it to the end: (success, standard output, standard error).
fn run(command: &mut Command) -> (bool, String, String) {
    let (code, out, err) = run_for_code(command);
    (code == Some(0), out, err)
}

#[test]
fn help_lists_every_command_and_every_setting_with_its_variable() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, _) = run(&mut cookie_jar(dir.path(), &[], &["--help"]));
    assert!(ok);
    for command in [
        "serve",
        "migrate",
        "gen-key",
        "create-user",
        "check-config",
        "backup",
    ] {
        assert!(out.contains(command), "{command} in --help");
    }
    for var in variables::ALL {
        assert!(out.contains(var.name), "{} in --help", var.name);
        assert!(out.contains(var.help), "{}'s help in --help", var.name);
        assert!(
            out.contains(&format!("default: {}", var.default.describe())),
            "{}'s default in --help",
            var.name
        );
    }
}

#[test]
fn gen_key_prints_a_new_64_byte_key_that_the_settings_accept() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, first, _) = run(&mut cookie_jar(dir.path(), &[], &["gen-key"]));
    let (_, second, _) = run(&mut cookie_jar(dir.path(), &[], &["gen-key"]));
    assert!(ok);
    let key = first.trim();
    assert_eq!(STANDARD.decode(key).unwrap().len(), 64);
    assert_ne!(key, second.trim(), "a new key each time");
    let (ok, out, err) = run(&mut cookie_jar(
        dir.path(),
        &[("SESSION_SECRET", key)],
        &["migrate"],
    ));
    assert!(ok, "{out}{err}");
}

#[tokio::test]
async fn migrate_brings_a_database_up_to_date_and_then_does_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path()).await;
    let vars = [("DATABASE_URL", url.as_str())];
    let (ok, out, err) = run(&mut cookie_jar(dir.path(), &vars, &["migrate"]));
    assert!(ok, "{err}");
    assert!(out.starts_with("Applied "), "{out}");
    let (ok, out, _) = run(&mut cookie_jar(dir.path(), &vars, &["migrate"]));
    assert!(ok);
    assert!(out.starts_with("The database is up to date"), "{out}");
}

#[tokio::test]
async fn create_user_makes_an_account_one_can_sign_in_with() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let vars = [("DATABASE_URL", app.database_url.as_str())];
    let create = |email: &str, password: &str| {
        let mut child = cookie_jar(
            dir.path(),
            &vars,
            &["create-user", "--email", email, "--name", "Cli"],
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (ok, out) = create("cli@example.com", PASSWORD);
    assert!(ok, "{out}");
    assert!(out.contains("Created the account cli@example.com"), "{out}");
    let res = app.browser().login("cli@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let (ok, out) = create("cli@example.com", PASSWORD);
    assert!(!ok && out.contains("already exists"), "{out}");
    let (ok, out) = create("weak@example.com", "password");
    assert!(!ok && out.contains("too common"), "{out}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 1);
}

#[tokio::test]
async fn check_config_prints_the_settings_with_secrets_hidden_and_fails_on_a_problem() {
    let dir = tempfile::tempdir().unwrap();
    let key = STANDARD.encode([9u8; 64]);
    let url = fresh_database(dir.path()).await;
    let vars = [("DATABASE_URL", url.as_str())];
    let check = || run_for_code(&mut cookie_jar(dir.path(), &vars, &["check-config"]));

    if url.starts_with("sqlite:") {
        // A SQLite file that is not there is not made by looking.
        let (code, _, err) = check();
        assert_eq!(code, Some(1), "{err}");
        assert!(err.contains("does not answer"), "{err}");
        assert!(
            !dir.path().join("shop.db").exists(),
            "check-config made no file"
        );
    }
    run(&mut cookie_jar(dir.path(), &vars, &["migrate"]));
    let (code, out, err) = check();
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("SESSION_SECRET") && !out.contains(&key),
        "{out}"
    );
    assert!(
        out.contains("Database: reachable;") && out.contains("migrations applied"),
        "{out}"
    );

    // Looking writes no development key either.
    let bare = tempfile::tempdir().unwrap();
    let mut no_key = cookie_jar(bare.path(), &vars, &["check-config"]);
    no_key.env_remove("SESSION_SECRET");
    let (code, _, err) = run_for_code(&mut no_key);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        !bare.path().join("data").exists(),
        "no data/session.key made"
    );

    let unreachable = "postgres://shop:hunter2@127.0.0.1:1/shop?password=hunter2";
    let vars = [("DATABASE_URL", unreachable)];
    let (code, out, err) = run_for_code(&mut cookie_jar(dir.path(), &vars, &["check-config"]));
    assert_eq!(code, Some(1), "{out}");
    assert!(
        err.contains("does not answer") && !err.contains("hunter2"),
        "{err}"
    );

    let bad = [("SESSION_IDLE_TIMEOUT", "soon")];
    let (code, _, err) = run_for_code(&mut cookie_jar(dir.path(), &bad, &["check-config"]));
    assert_eq!(code, Some(2), "a bad setting: {err}");
    assert!(err.contains("SESSION_IDLE_TIMEOUT"), "{err}");
}

#[tokio::test]
async fn check_config_names_the_session_store_and_says_whether_it_answers() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path()).await;
    run(&mut cookie_jar(
        dir.path(),
        &[("DATABASE_URL", &url)],
        &["migrate"],
    ));
    let check = |vars: &[(&str, &str)]| check_config_on(dir.path(), &url, vars);
    let (code, out, err) = check(&[]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("Session store: cookie"), "{out}");
    let (code, out, err) = check(&[("SESSION_STORE", "database")]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("Session store: database (table session_store") && out.contains("answers"),
        "{out}"
    );
    // A Redis nobody listens for: named, its password hidden, and a failure.
    let away = [
        ("SESSION_STORE", "redis"),
        ("REDIS_URL", "redis://:hunter2@127.0.0.1:1/0"),
    ];
    let (code, out, err) = check(&away);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        err.contains("redis://:…@127.0.0.1:1/0") && err.contains("does not answer"),
        "{err}"
    );
    assert!(
        !err.contains("hunter2") && !out.contains("hunter2"),
        "{out}{err}"
    );
    let (code, _, err) = check(&[("SESSION_STORE", "memcached")]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("SESSION_STORE must be"), "{err}");
}

#[test]
fn serve_is_the_default_and_can_be_named() {
    for args in [&[][..], &["serve"][..]] {
        let dir = tempfile::tempdir().unwrap();
        let mut child = cookie_jar(
            dir.path(),
            &[("BIND_ADDR", "127.0.0.1:0"), ("NO_COLOR", "1")],
            args,
        )
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let opened = loop {
            line.clear();
            if std::io::BufRead::read_line(&mut lines, &mut line).unwrap() == 0 {
                break false;
            }
            if line.contains("Cookie Jar is open at http://127.0.0.1:") {
                break true;
            }
        };
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(opened, "{args:?}: the shop opened");
    }
}

#[test]
fn json_logs_carry_the_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let vars = [("BIND_ADDR", "127.0.0.1:0"), ("LOG_FORMAT", "json")];
    let mut child = cookie_jar(dir.path(), &vars, &[])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    let mut next_json = || -> serde_json::Value {
        let line = lines.next().expect("a log line").unwrap();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    };
    let address = loop {
        let message = next_json()["fields"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if let Some(at) = message.find("http://") {
            break message[at..].split(' ').next().unwrap().to_string();
        }
    };
    let status = reqwest::blocking::get(format!("{address}/products"))
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::OK);
    let request = loop {
        let entry = next_json();
        if entry["fields"]["message"] == "request" {
            break entry;
        }
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(request["fields"]["route"], "/products");
    assert_eq!(request["fields"]["status"], 200);
    let id = request["span"]["request_id"].as_str().unwrap_or_default();
    assert_eq!(id.len(), 36, "a request id: {request}");
}

#[tokio::test]
async fn backup_copies_the_sqlite_database_while_the_shop_runs() {
    let app = TestApp::spawn().await;
    app.user("kept@example.com").await;
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    let vars = [("DATABASE_URL", app.database_url.as_str())];
    let (ok, out, err) = run(&mut cookie_jar(
        dir.path(),
        &vars,
        &["backup", copy.to_str().unwrap()],
    ));
    if !app.database_url.starts_with("sqlite:") {
        assert!(!ok && err.contains("pg_dump"), "{out}{err}");
        return;
    }
    assert!(ok, "{err}");
    assert!(out.starts_with("Backed up"), "{out}");
    let copied = format!("sqlite://{}", copy.display());
    let vars = [("DATABASE_URL", copied.as_str())];
    let (ok, out, _) = run(&mut cookie_jar(dir.path(), &vars, &["check-config"]));
    assert!(ok && out.contains("Database: reachable"), "{out}");
    let pool = sqlx::AnyPool::connect(&copied).await.unwrap();
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(users, 1, "the account is in the copy");
    let (ok, _, err) = run(&mut cookie_jar(
        dir.path(),
        &[("DATABASE_URL", app.database_url.as_str())],
        &["backup", copy.to_str().unwrap()],
    ));
    assert!(!ok && err.contains("exists already"), "{err}");

    // A mistyped database is not "backed up" as an empty one, and a
    // `file:` URI is no file name.
    let typo = format!("sqlite://{}/typo.db?mode=rwc", dir.path().display());
    let other = dir.path().join("other.db");
    let (ok, _, err) = run(&mut cookie_jar(
        dir.path(),
        &[("DATABASE_URL", typo.as_str())],
        &["backup", other.to_str().unwrap()],
    ));
    assert!(
        !ok && !other.exists() && !dir.path().join("typo.db").exists(),
        "{err}"
    );
    let (ok, _, err) = run(&mut cookie_jar(
        dir.path(),
        &[("DATABASE_URL", app.database_url.as_str())],
        &["backup", "file:uri.db?mode=memory"],
    ));
    assert!(!ok && err.contains("plain file name"), "{err}");
}

/// `.env.example` lists each declared variable: `NAME=default` when the
/// default is a value, `# NAME=` (commented out) when it is not.
#[test]
fn the_env_example_lists_every_setting_with_its_declared_default() {
    let example = include_str!("../../.env.example");
    let lines: Vec<&str> = example.lines().collect();
    for var in variables::ALL {
        let line = match var.default {
            WhenUnset::Value(value) => format!("{}={value}", var.name),
            WhenUnset::Derived(_) | WhenUnset::Unset(_) => format!("# {}=", var.name),
        };
        let listed = match var.default {
            WhenUnset::Value(_) => lines.contains(&line.as_str()),
            _ => lines.iter().any(|l| l.starts_with(&line)),
        };
        assert!(listed, "`{line}` in .env.example");
    }
    let assigned = lines
        .iter()
        .filter_map(|l| l.trim_start_matches("# ").split_once('='))
        .filter(|(name, _)| name.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .filter(|(name, _)| !name.is_empty())
        .map(|(name, _)| name);
    for name in assigned {
        assert!(
            variables::ALL.iter().any(|var| var.name == name),
            ".env.example names {name}, which the shop does not read"
        );
    }
}

/// The README's table has a row for each declared variable, in order, with
/// the declared default when it is a value.
#[test]
fn the_readme_table_lists_every_setting_with_its_declared_default() {
    let readme = include_str!("../../README.md");
    let section = readme
        .split("\n## Configuration\n")
        .nth(1)
        .expect("a Configuration section");
    let section = section.split("\n## ").next().unwrap();
    let rows: Vec<Vec<&str>> = section
        .lines()
        .filter(|l| l.starts_with("| `") && l.ends_with(" |"))
        .map(|l| l.trim_matches('|').split(" | ").map(str::trim).collect())
        .filter(|cells: &Vec<&str>| {
            let name = cells[0].trim_matches('`');
            variables::ALL.iter().any(|var| var.name == name)
        })
        .collect();
    let named: Vec<&str> = rows
        .iter()
        .map(|cells| cells[0].trim_matches('`'))
        .collect();
    let declared: Vec<&str> = variables::ALL.iter().map(|var| var.name).collect();
    assert_eq!(
        named, declared,
        "one row per variable, in the declared order"
    );
    for (cells, var) in rows.iter().zip(variables::ALL) {
        if let WhenUnset::Value(value) = var.default {
            assert!(
                cells[1].starts_with(&format!("`{value}`")),
                "{}'s default in the README is `{value}`, not {}",
                var.name,
                cells[1]
            );
        }
    }
}

#[test]
fn a_client_cannot_forge_log_fields_or_its_address() {
    let dir = tempfile::tempdir().unwrap();
    let vars = [("BIND_ADDR", "127.0.0.1:0"), ("NO_COLOR", "1")];
    let mut child = cookie_jar(dir.path(), &vars, &[])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    let address = loop {
        let line = lines.next().expect("a log line").unwrap();
        if let Some(at) = line.find("is open at http://") {
            break line[at + "is open at ".len()..]
                .split(' ')
                .next()
                .unwrap()
                .to_string();
        }
    };
    let forged = "curl/8 request_id=00000000-0000-0000-0000-000000000000} status=200";
    reqwest::blocking::Client::new()
        .get(format!("{address}/products"))
        .header("User-Agent", forged)
        .header("X-Forwarded-For", "6.6.6.6")
        .send()
        .unwrap();
    let logged = loop {
        let line = lines.next().expect("a log line").unwrap();
        if line.contains(" request ") || line.ends_with("request") || line.contains(": request") {
            break line;
        }
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        logged.contains(&format!("user_agent=\"{forged}\"")),
        "quoted: {logged}"
    );
    assert!(
        logged.contains("client_ip=\"127.0.0.1\""),
        "the socket's address: {logged}"
    );
    assert!(!logged.contains("6.6.6.6"), "{logged}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_config_says_whether_the_smtp_server_answers_and_checks_the_static_folder() {
    let sink = crate::common::smtp::SmtpSink::start().await;
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path()).await;
    run(&mut cookie_jar(
        dir.path(),
        &[("DATABASE_URL", &url)],
        &["migrate"],
    ));
    let check = |vars: &[(&str, &str)]| check_config_on(dir.path(), &url, vars);
    let (code, out, err) = check(&[]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("Mail: kept in the outbox and shown at /dev/mail"),
        "{out}"
    );
    assert!(out.contains("Static files: "), "{out}");
    let (code, out, err) = check(&[("SMTP_URL", &sink.url())]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains(&format!("Mail: SMTP at {}: answers", sink.url())),
        "{out}"
    );
    // A server away is said, its password hidden; the shop can still serve.
    let away = [("SMTP_URL", "smtp://shop:hunter2@127.0.0.1:1")];
    let (code, out, err) = check(&away);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("smtp://shop:…@127.0.0.1:1 does not answer"),
        "{out}"
    );
    assert!(
        !out.contains("hunter2") && !err.contains("hunter2"),
        "{out}{err}"
    );
    // A static folder without the stylesheet is a problem, named.
    let (code, _, err) = check(&[("STATIC_DIR", dir.path().to_str().unwrap())]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("STATIC_DIR"), "{err}");
}
