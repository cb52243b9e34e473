//! The shipped binary itself, run as a child process: it carries
//! everything it serves, and it refuses to start without what production
//! needs.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use reqwest::StatusCode;

use crate::common::{Browser, PASSWORD};

/// The binary, running; killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits for the "Cookie Jar is open at http://127.0.0.1:PORT" line.
fn address_from_log(child: &mut Child) -> String {
    let stdout = child.stdout.take().expect("piped stdout");
    let (found, wait) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(at) = line.find("is open at http://") {
                let url = line[at + "is open at ".len()..].split(' ').next().unwrap();
                let _ = found.send(url.to_string());
            }
        }
    });
    wait.recv_timeout(Duration::from_secs(60))
        .expect("the binary says where it listens within 60 s")
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_copied_binary_serves_its_pages_and_stylesheet_with_no_source_tree_around() {
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("cookie-jar");
    std::fs::copy(env!("CARGO_BIN_EXE_cookie-jar"), &binary).unwrap();
    let source_tree = env!("CARGO_MANIFEST_DIR");
    assert!(Path::new(source_tree).join("static/css/app.css").exists());
    // In a mount namespace of its own (inside a user namespace, so no root
    // is needed), an empty tmpfs hides the source tree (and `target/`) from
    // the binary: what it serves, it carries.
    let child = Command::new("unshare")
        .args([
            "--user",
            "--map-root-user",
            "--mount",
            "--propagation",
            "private",
        ])
        .args(["sh", "-c"])
        .arg(r#"mount -t tmpfs none "$1" && test ! -e "$1/Cargo.toml" && exec "$2""#)
        .args(["sh", source_tree])
        .arg(&binary)
        .current_dir(dir.path())
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("LOG", "info")
        .env("NO_COLOR", "1")
        .env_remove("DATABASE_URL")
        .env_remove("SESSION_SECRET")
        .env_remove("APP_ENV")
        .stdout(Stdio::piped())
        .spawn()
        .expect("unshare (util-linux) starts: the test needs user namespaces");
    let mut running = Running(child);
    let address = address_from_log(&mut running.0);

    let browser = Browser::new(&address);
    let home = browser.page("/", StatusCode::OK).await;
    assert!(
        home.count(".product-card") > 0,
        "the seeded catalog: {home}"
    );
    let css = home.attr("link[rel=stylesheet]", "href").unwrap();
    let res = browser.get(&css).await;
    assert_eq!(res.status(), StatusCode::OK, "{css}");
    assert!(res.text().await.unwrap().contains("data-theme"));
    let image = home.attr(".product-card img", "src").unwrap();
    assert_eq!(browser.get(&image).await.status(), StatusCode::OK);
    let res = browser.register("far@example.com", "Far", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "it works end to end");

    // It made its database and key where it runs.
    assert!(dir.path().join("data/cookie_jar.db").exists());
    assert!(dir.path().join("data/session.key").exists());
    assert!(
        !Path::new(source_tree).join("data/session.key").exists()
            || Path::new(source_tree).join("data").is_dir()
    );
}

#[test]
fn production_without_a_session_secret_refuses_to_start() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cookie-jar"))
        .env("APP_ENV", "production")
        .env_remove("SESSION_SECRET")
        .env("DATABASE_URL", "sqlite://should-not-be-created.db?mode=rwc")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("the binary runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("SESSION_SECRET is required"), "{stderr}");
}
