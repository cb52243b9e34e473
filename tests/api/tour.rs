//! The guided tour (`docs/SESSIONS.md`) stays true: its curl steps do what
//! it says, and every file and function it names exists.

use std::{fs, path::Path};

use regex::Regex;
use reqwest::StatusCode;

use crate::common::{location, TestApp, PASSWORD};

const TOUR: &str = include_str!("../../docs/SESSIONS.md");

fn set_cookie(res: &reqwest::Response) -> String {
    res.headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The section "Try it with curl", step by step, through a browser-like
/// client (a cookie jar, no redirects followed), as `curl -b jar -c jar`.
#[tokio::test]
async fn the_tours_curl_steps_do_what_the_tour_says() {
    // The tour follows `cargo run`, which keeps sessions in the cookie.
    let app = TestApp::spawn_with(&[("SESSION_STORE", "cookie")]).await;
    let browser = app.browser();

    // A guest cookie: the first page view writes one.
    let res = browser.get("/").await;
    let cookie = set_cookie(&res);
    assert!(cookie.starts_with("session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=2592000"] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    let guest_copy = browser.cookie().unwrap();
    let guest_view = browser.page("/session", StatusCode::OK).await;
    assert_eq!(
        guest_view.text_of("[data-testid=server-row]").unwrap(),
        "none: a guest session lives only in its cookie"
    );

    // Register (and so sign in): 303 to /.
    let res = browser.register("ada@example.com", "Ada", PASSWORD).await;
    assert_eq!(
        (res.status(), location(&res).as_str()),
        (StatusCode::SEE_OTHER, "/")
    );
    assert!(
        !set_cookie(&res).contains("Max-Age"),
        "a browser-session cookie"
    );

    // The id changed: the fingerprints differ, and the inspector says why.
    let inspector = browser.page("/session", StatusCode::OK).await;
    assert_ne!(
        inspector.session_fingerprint(),
        guest_view.session_fingerprint()
    );
    let renewed = inspector.text_of("[data-testid=renewed]").unwrap();
    assert!(
        renewed.contains("renewed at sign-in: a cookie copied before it is now worthless"),
        "{renewed}"
    );
    assert!(
        renewed.contains(&guest_view.session_fingerprint()),
        "the old fingerprint: {renewed}"
    );
    let step = inspector.attr("[data-testid=tour-step]", "href").unwrap();
    assert_eq!(step, "/tour#3-signing-in-the-session-is-renewed");
    let tour = browser.page("/tour", StatusCode::OK).await;
    assert_eq!(
        tour.count("[id='3-signing-in-the-session-is-renewed']"),
        1,
        "the step is on /tour"
    );
    let copied = app.browser();
    copied.set_cookie(&guest_copy);
    assert!(
        !copied.is_logged_in().await,
        "the guest cookie stays a guest"
    );

    // Sign out: the cookie is deleted and Clear-Site-Data sent.
    let login_copy = browser.cookie().unwrap();
    browser.page("/profile", StatusCode::OK).await;
    let res = browser.logout().await;
    assert!(set_cookie(&res).contains("Max-Age=0"));
    assert_eq!(res.headers().get("clear-site-data").unwrap(), "\"storage\"");

    // Replay the copy: the row is revoked, so it is refused.
    let replay = app.browser();
    replay.set_cookie(&login_copy);
    let res = replay.get("/profile").await;
    assert_eq!(
        (res.status(), location(&res).as_str()),
        (StatusCode::SEE_OTHER, "/login?next=/profile")
    );
    let home = replay.page("/", StatusCode::OK).await;
    assert_eq!(
        home.flash().as_deref(),
        Some("You were signed out of this browser. Sign in again to see your account.")
    );
}

/// Names in the tour that belong to the crates the shop uses, to HTTP or
/// to express-session, not to the shop.
const NOT_OURS: &[&str] = &["HttpOnly", "MemoryStore", "TracingLogger", "ErrorHandlers"];

/// Every Rust file of `src/`, with its module path (`services::auth::login`).
fn source_files() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))
                    .unwrap();
                let module = rel
                    .with_extension("")
                    .to_string_lossy()
                    .trim_end_matches("/mod")
                    .replace('/', "::");
                out.push((module, fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let mut files = Vec::new();
    walk(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
        &mut files,
    );
    files
}

/// Whether `name` is defined (as a function, type, constant, module,
/// enum variant or field) in `code`.
fn defines(code: &str, name: &str) -> bool {
    let item = format!(
        r"\b(fn|struct|enum|trait|const|static|type|mod)\s+{}\b",
        regex::escape(name)
    );
    let member = format!(r"(?m)^\s*(pub\s+)?{}\b\s*[(,{{:]", regex::escape(name));
    Regex::new(&item).unwrap().is_match(code) || Regex::new(&member).unwrap().is_match(code)
}

/// Whether a path the tour writes in code (`services::auth::check_session`,
/// `RequestSession::of`, `web::form::FORM_LIMIT_BYTES`) names something in `src/`.
fn resolves(path: &str, files: &[(String, String)]) -> bool {
    let segments: Vec<&str> = path.split("::").collect();
    if segments[0].starts_with(char::is_uppercase) {
        // `Type` or `Type::member`: a file that defines the type, and the
        // member in it.
        return files.iter().any(|(_, code)| {
            defines(code, segments[0]) && segments[1..].iter().all(|m| defines(code, m))
        });
    }
    // The longest prefix that is a module, then items in it.
    (1..=segments.len()).rev().any(|n| {
        let module = segments[..n].join("::");
        files.iter().any(|(name, code)| {
            *name == module && {
                let rest = &segments[n..];
                rest.is_empty()
                    || (defines(code, rest[0]) && rest[1..].iter().all(|m| defines(code, m)))
            }
        })
    })
}

#[test]
fn every_file_and_function_the_tour_names_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = source_files();
    let code_span = Regex::new(r"`([^`\n]+)`").unwrap();
    let rust_path = Regex::new(r"^[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)+$").unwrap();
    let type_name = Regex::new(r"^[A-Z][a-z]+[A-Z][A-Za-z]+$").unwrap();
    let test_name = Regex::new(r"^[a-z]+(_[a-z]+){4,}$").unwrap();
    let setting = Regex::new(r"^[A-Z]+(_[A-Z]+)+$").unwrap();
    let tests: String = ["tests/api", "tests"]
        .iter()
        .flat_map(|dir| fs::read_dir(root.join(dir)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| fs::read_to_string(p).unwrap())
        .collect();

    let mut checked = 0;
    let mut missing = Vec::new();
    for span in code_span.captures_iter(TOUR).map(|c| c[1].to_string()) {
        let name = span.trim_end_matches("()");
        let found = if NOT_OURS.contains(&name) {
            continue;
        } else if name.starts_with("src/")
            || name.starts_with("tests/")
            || name.starts_with("templates/")
        {
            root.join(name).exists()
        } else if name.starts_with("partials/") {
            root.join("templates").join(name).exists()
        } else if rust_path.is_match(name) || type_name.is_match(name) {
            resolves(name, &files)
        } else if test_name.is_match(name) {
            tests.contains(&format!("fn {name}("))
        } else if setting.is_match(name) {
            cookie_jar::domain::config::variables::ALL
                .iter()
                .any(|var| var.name == name)
        } else {
            continue;
        };
        checked += 1;
        if !found {
            missing.push(span);
        }
    }
    assert!(
        missing.is_empty(),
        "the tour names what does not exist: {missing:?}"
    );
    assert!(
        checked > 60,
        "the tour names {checked} things of the code; the checker reads too little"
    );
}

#[test]
fn every_link_inside_the_tour_leads_to_one_of_its_headings() {
    let heading = Regex::new(r"(?m)^#+ (.+)$").unwrap();
    let anchors: Vec<String> = heading
        .captures_iter(TOUR)
        .map(|c| {
            c[1].to_lowercase()
                .chars()
                .filter_map(|ch| match ch {
                    ' ' => Some('-'),
                    ch if ch.is_alphanumeric() || ch == '-' || ch == '_' => Some(ch),
                    _ => None,
                })
                .collect()
        })
        .collect();
    let link = Regex::new(r"\]\(#([^)]+)\)").unwrap();
    let links: Vec<String> = link.captures_iter(TOUR).map(|c| c[1].to_string()).collect();
    assert!(links.len() >= 15, "{links:?}");
    for target in links {
        assert!(
            anchors.contains(&target),
            "#{target} is no heading of the tour"
        );
    }
}

#[test]
fn the_checker_finds_what_is_missing() {
    let files = source_files();
    assert!(resolves("services::auth::check_session", &files));
    assert!(resolves("RequestSession::of", &files));
    assert!(resolves("services::cart::CartOwner::Guest", &files));
    assert!(!resolves("services::auth::check_sessions", &files));
    assert!(
        !resolves("auth::check_session", &files),
        "a path names its layer"
    );
    assert!(!resolves("RequestSession::regenerate", &files));
    assert!(!resolves("web::nothing", &files));
}
