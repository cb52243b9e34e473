//! When the database is away: a clear 503 page with `Retry-After`, health
//! checks that say so, no request waiting longer than the pool's acquire
//! timeout, nothing lost, and service back by itself when it returns.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

use reqwest::StatusCode;

use crate::common::{Browser, Page, TestApp, PASSWORD};

/// The same database, opened so that it can be read and not written: a
/// SQLite file opened read-only, or a PostgreSQL session whose
/// transactions are all read-only (a standby answers the same way).
fn read_only(url: &str) -> String {
    if url.starts_with("sqlite:") {
        url.replace("mode=rwc", "mode=ro")
    } else {
        format!("{url}?options=-c%20default_transaction_read_only%3Don")
    }
}

fn assert_unavailable_page(page: &Page, what: &str) {
    assert_eq!(
        page.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{what}: {page}"
    );
    assert!(page.says("may not have been saved"), "{what}: {page}");
}

#[tokio::test]
async fn on_a_database_it_cannot_write_the_shop_shows_pages_and_refuses_changes_with_a_clear_503() {
    let app = TestApp::spawn().await;
    let user = app.user("ro@example.com").await;
    user.add_to_cart(1, 2).await;
    let url = app.database_url.clone();
    let ro = app
        .restart_with(&[("DATABASE_URL", &read_only(&url))])
        .await;

    // Reading works, for guests and for the signed-in user.
    let guest = ro.browser();
    guest.page("/products", StatusCode::OK).await;
    let user = Browser::new(&ro.address).with_cookie_of(&user);
    let cart = user.page("/cart", StatusCode::OK).await;
    assert_eq!(cart.cart_count(), 2);
    // Past the minute after which a login's last-seen time is written:
    // that write fails, the page is still shown.
    ro.clock.advance(61);
    let cart = user.page("/cart", StatusCode::OK).await;
    assert_eq!(cart.cart_count(), 2);

    // Every change is refused, with a page that says so and when to retry.
    let res = guest
        .post(
            "/register",
            &[
                ("email", "new@example.com"),
                ("display_name", "New"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.headers().get("retry-after").unwrap(), "5");
    assert_unavailable_page(&Page::from_response(res).await, "register");
    let res = user.add_to_cart(3, 1).await;
    assert_unavailable_page(&Page::from_response(res).await, "add to cart");
    let res = user.post("/profile", &[("display_name", "Changed")]).await;
    assert_unavailable_page(&Page::from_response(res).await, "rename");

    // Writable again: everything as it was before, nothing half-done.
    let rw = ro.restart_with(&[("DATABASE_URL", &url)]).await;
    let user = Browser::new(&rw.address).with_cookie_of(&user);
    assert_eq!(user.cart_count().await, 2);
    let profile = user.page("/profile", StatusCode::OK).await;
    assert_eq!(profile.field("display_name").as_deref(), Some("Tester"));
    assert_eq!(
        rw.scalar("SELECT COUNT(*) FROM users WHERE email = 'new@example.com'")
            .await,
        0
    );
}

#[tokio::test]
async fn a_sqlite_file_deleted_under_the_running_shop_gives_a_clear_503_not_lost_writes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shop.db");
    let app = TestApp::spawn_on(&format!("sqlite://{}?mode=rwc", file.display()), &[]).await;
    let user = app.user("gone@example.com").await;
    user.add_to_cart(1, 1).await;
    let token = user.csrf_token().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    // The watcher looks once a second.
    let deadline = Instant::now() + Duration::from_secs(5);
    let page = loop {
        let page = user.open("/cart").await;
        if page.status != StatusCode::OK || Instant::now() > deadline {
            break page;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_unavailable_page(&page, "the cart, the file gone");
    let add = [
        ("product_id", "2"),
        ("quantity", "1"),
        ("csrf_token", &token),
    ];
    let res = user.post_raw("/cart/items", &add).await;
    assert_eq!(
        res.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "a change is refused, not lost"
    );
    assert_eq!(
        user.get("/readyz").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(user.get("/livez").await.status(), StatusCode::OK);
}

/// A PostgreSQL server of the test's own, on its own port and data
/// directory, which the test may stop: never the machine's shared server.
struct PrivateCluster {
    dir: tempfile::TempDir,
    port: u16,
}

/// `pg_ctl`, `initdb`... of the installed PostgreSQL, as the `postgres`
/// user when the test runs as root (PostgreSQL refuses to run as root).
#[allow(unsafe_code)]
fn pg(tool: &str) -> Command {
    let bin = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .and_then(|versions| versions.filter_map(Result::ok).map(|v| v.path()).max())
        .map(|version| version.join("bin").join(tool))
        .filter(|path| path.exists())
        .unwrap_or_else(|| PathBuf::from(tool));
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(bin);
        command
    } else {
        Command::new(bin)
    }
}

fn run(mut command: Command, what: &str) {
    let out = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl PrivateCluster {
    #[allow(unsafe_code)]
    fn create() -> PrivateCluster {
        let dir = tempfile::tempdir().unwrap();
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            run(
                {
                    let mut c = Command::new("chown");
                    c.arg("postgres:postgres").arg(dir.path());
                    c
                },
                "chown the cluster's folder",
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut initdb = pg("initdb");
        initdb
            .args(["-A", "trust", "-U", "postgres", "--no-sync", "-D"])
            .arg(Self::data(dir.path()));
        run(initdb, "initdb");
        let cluster = PrivateCluster { dir, port };
        cluster.start();
        cluster
    }

    fn data(dir: &Path) -> PathBuf {
        dir.join("data")
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn start(&self) {
        let mut start = pg("pg_ctl");
        start
            .arg("-D")
            .arg(Self::data(self.dir.path()))
            .arg("-l")
            .arg(self.dir.path().join("log"))
            .arg("-o")
            .arg(format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
                self.port,
                self.dir.path().display()
            ))
            .args(["-w", "start"]);
        run(start, "pg_ctl start");
    }

    fn stop(&self) {
        let mut stop = pg("pg_ctl");
        stop.arg("-D")
            .arg(Self::data(self.dir.path()))
            .args(["-m", "fast", "-w", "stop"]);
        run(stop, "pg_ctl stop");
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let mut stop = pg("pg_ctl");
        stop.arg("-D")
            .arg(Self::data(self.dir.path()))
            .args(["-m", "immediate", "stop"]);
        let _ = stop.output();
    }
}

/// Each of `pages`, opened by its visitor, is the 503 page within `limit`.
async fn assert_unavailable_within(pages: &[(&Browser, &str)], limit: Duration, what: &str) {
    for (who, path) in pages {
        let (page, took) = timed(who, path).await;
        assert_unavailable_page(&page, path);
        assert!(took < limit, "{path} took {took:?}");
        println!("{what}: {path} answered 503 in {took:.1?}");
    }
}

/// A change posted from a page opened before the outage is refused, with
/// when to try again.
async fn assert_change_refused(user: &Browser, token: &str) {
    let add = [
        ("product_id", "2"),
        ("quantity", "1"),
        ("csrf_token", token),
    ];
    let res = user.post_raw("/cart/items", &add).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.headers().get("retry-after").unwrap(), "5");
}

/// GET `path`, and how long the answer took.
async fn timed(browser: &Browser, path: &str) -> (Page, Duration) {
    let started = Instant::now();
    let page = browser.open(path).await;
    (page, started.elapsed())
}

#[tokio::test]
#[ignore = "starts a PostgreSQL cluster of its own (initdb, pg_ctl): .ci/run runs it with --ignored"]
async fn when_postgresql_goes_away_pages_answer_503_at_once_and_come_back_by_themselves() {
    let cluster = PrivateCluster::create();
    let app = TestApp::spawn_on(&cluster.url(), &[]).await;
    let user = app.user("away@example.com").await;
    user.add_to_cart(1, 2).await;
    let guest = app.browser();
    guest.page("/products", StatusCode::OK).await;
    // The form of the page the user had open before the outage.
    let token = user.csrf_token().await;

    cluster.stop();
    // The pool's acquire timeout is 5 s: no answer takes longer.
    let limit = Duration::from_secs(7);
    let pages = [
        (&guest, "/"),
        (&guest, "/products"),
        (&user, "/cart"),
        (&user, "/orders"),
    ];
    assert_unavailable_within(&pages, limit, "database away").await;
    assert_change_refused(&user, &token).await;
    for path in ["/readyz", "/healthz"] {
        let started = Instant::now();
        let res = guest.get(path).await;
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert!(started.elapsed() < limit, "{path}");
    }
    assert_eq!(
        guest.get("/livez").await.status(),
        StatusCode::OK,
        "the process is up"
    );

    cluster.start();
    // Back by itself: the pool reconnects; a broken connection it still
    // held fails one request (503) and is dropped.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = guest.get("/readyz").await.status() == StatusCode::OK;
        let cart = user.open("/cart").await;
        if ready && cart.status == StatusCode::OK {
            assert_eq!(cart.cart_count(), 2, "the cart is as it was");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not back 30 s after the database: {cart}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let res = user.add_to_cart(2, 1).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(user.cart_count().await, 3);
}

/// A redis-server of the test's own, on a port of its own, which the test
/// may stop, pause and start again: never the machine's shared one. It
/// keeps what it holds on disk (its own folder), so a restart finds the
/// sessions it had.
struct PrivateRedis {
    dir: tempfile::TempDir,
    port: u16,
    server: Option<std::process::Child>,
}

impl PrivateRedis {
    fn start() -> PrivateRedis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut redis = PrivateRedis {
            dir: tempfile::tempdir().unwrap(),
            port,
            server: None,
        };
        redis.run();
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn run(&mut self) {
        let server = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args([
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
            ])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server starts (apt-get install redis-server)");
        self.server = Some(server);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[allow(unsafe_code)]
    fn signal(&self, signal: i32) {
        let pid = self.server.as_ref().expect("running").id() as i32;
        // SAFETY: kill(2) with a pid of our own child and a valid signal.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    }

    /// SIGTERM: Redis writes what it holds and exits.
    fn stop(&mut self) {
        self.signal(libc::SIGTERM);
        self.server.take().unwrap().wait().unwrap();
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        if let Some(mut server) = self.server.take() {
            let _ = server.kill();
            let _ = server.wait();
        }
    }
}

#[tokio::test]
#[ignore = "starts a redis-server of its own: .ci/run runs it with --ignored"]
async fn when_redis_goes_away_pages_that_need_a_session_answer_503_and_come_back_by_themselves() {
    let mut redis = PrivateRedis::start();
    let app = TestApp::spawn_with(&[("SESSION_STORE", "redis"), ("REDIS_URL", &redis.url())]).await;
    let user = app.user("redis-away@example.com").await;
    user.add_to_cart(1, 2).await;
    let token = user.csrf_token().await;
    // A visitor who only looks at pages has nothing in the store.
    let looker = app.browser();
    looker.page("/products", StatusCode::OK).await;

    redis.stop();
    // Each request waits at most the store's timeout (2 s).
    let limit = Duration::from_secs(4);
    let pages = [
        (&user, "/cart"),
        (&user, "/"),
        (&user, "/orders"),
        (&user, "/session"),
    ];
    assert_unavailable_within(&pages, limit, "Redis away").await;
    assert_change_refused(&user, &token).await;
    // What needs no session state still answers.
    let (page, _) = timed(&looker, "/products").await;
    assert_eq!(page.status, StatusCode::OK, "no state needed: {page}");
    assert_eq!(
        looker.get("/readyz").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(looker.get("/livez").await.status(), StatusCode::OK);

    redis.run();
    // Back by itself: the pool connects again at the next request.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = looker.get("/readyz").await.status() == StatusCode::OK;
        let cart = user.open("/cart").await;
        if ready && cart.status == StatusCode::OK {
            assert_eq!(
                cart.cart_count(),
                2,
                "the session and its cart as they were"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not back 30 s after Redis: {cart}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let res = user.add_to_cart(2, 1).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(user.cart_count().await, 3);

    // A Redis that hangs (paused): the wait ends at the store's timeout.
    redis.signal(libc::SIGSTOP);
    let (page, took) = timed(&user, "/cart").await;
    redis.signal(libc::SIGCONT);
    assert_unavailable_page(&page, "/cart, Redis paused");
    assert!(took < limit, "{took:?}");
    println!("Redis paused: /cart answered 503 in {took:.1?}");
    assert_eq!(user.page("/cart", StatusCode::OK).await.cart_count(), 3);
}

#[tokio::test]
#[ignore = "starts a redis-server of its own: .ci/run runs it with --ignored"]
async fn when_redis_goes_away_a_registration_or_a_sign_in_leaves_no_login_that_nobody_holds() {
    let mut redis = PrivateRedis::start();
    let app = TestApp::spawn_with(&[("SESSION_STORE", "redis"), ("REDIS_URL", &redis.url())]).await;
    // Two visitors who only looked at pages: nothing of theirs is stored
    // (their forms carry the token of the signed csrf cookie).
    let newcomer = app.browser();
    newcomer.page("/register", StatusCode::OK).await;
    let regular = app.browser();
    app.user("regular@example.com").await.logout().await;
    regular.page("/login", StatusCode::OK).await;

    redis.stop();
    let fields = [
        ("email", "new@example.com"),
        ("display_name", "New"),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
    ];
    let res = newcomer.post("/register", &fields).await;
    let page = Page::from_response(res).await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE, "{page}");
    assert!(page.says("You are not signed in"), "{page}");
    assert!(
        page.says("if you were creating an account, it exists"),
        "{page}"
    );
    let fields = [
        ("email", "regular@example.com"),
        ("password", PASSWORD),
        ("remember_me", "on"),
    ];
    let res = regular.post("/login", &fields).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    // Neither new login is left live in the database.
    let live = "SELECT COUNT(*) FROM logins WHERE revoked_at IS NULL";
    assert_eq!(app.scalar(live).await, 0, "no login that nobody holds");

    redis.run();
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.browser().get("/readyz").await.status() != StatusCode::OK {
        assert!(Instant::now() < deadline, "not back 30 s after Redis");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // As the page said: the account exists, and signs in.
    for (who, email) in [
        (&newcomer, "new@example.com"),
        (&regular, "regular@example.com"),
    ] {
        who.page("/login", StatusCode::OK).await;
        let res = who.login(email, PASSWORD).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{email}");
        let sessions = who.page("/profile/sessions", StatusCode::OK).await;
        assert_eq!(
            sessions.count("tbody tr"),
            1,
            "no phantom login: {sessions}"
        );
    }
}
