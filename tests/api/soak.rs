//! The soak: a bounded mixed load (browsing, cart changes, checkouts,
//! logins and logouts) on the built binary, then the same invariants as
//! the crash test. `.ci/run` runs the one-minute version; the half-hour
//! one of the README's figures is
//!
//! ```sh
//! SOAK_SECONDS=1800 TEST_SESSION_STORE=database cargo test --test api soak -- --ignored --nocapture
//! ```
//!
//! It prints the resident memory minute by minute. What may grow after the
//! warm-up, and no further: on SQLite, the page cache of each of the
//! pool's connections (`data::db::Backend::pool_options`: at most
//! `SQLITE_PAGE_CACHE_KIB` each), which fills as the database outgrows it.
//! What must not: a page whose size grows with the data. Each shopper
//! places thousands of orders here, and `/orders` listed them all until it
//! came in pages (`web::page::Pager`): that was the growth of the run of
//! 2026-12-02 on the database store (+12 %), and of a 15-minute run before
//! the fix (129 to 159 MiB).

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use cookie_jar::{data::db, domain::config::DatabaseUrl};
use reqwest::StatusCode;

use crate::common::{fresh_database, invariants, location, process::Process, Browser, PASSWORD};

/// SQLite's page cache, at most, of all the pool's connections together
/// (eight of `data::db::SQLITE_PAGE_CACHE_KIB`), in KiB: what memory may add
/// after the warm-up as the database grows.
const SQLITE_PAGE_CACHES_KIB: u64 = 8 * cookie_jar::data::db::SQLITE_PAGE_CACHE_KIB;

/// Resident memory now (VmRSS), in KiB.
fn rss_kib(pid: i32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

#[derive(Default)]
struct Tally {
    statuses: BTreeMap<u16, u64>,
    failures: Vec<String>,
}

impl Tally {
    fn note(&mut self, what: &str, status: StatusCode) {
        *self.statuses.entry(status.as_u16()).or_default() += 1;
        if status.is_server_error() {
            self.failures.push(format!("{what}: {status}"));
        }
    }
}

/// One shopper: browses, changes the cart, checks out now and then, and
/// signs out and in again now and then, until `until`.
async fn shop(browser: Browser, email: String, until: Instant, tally: Arc<Mutex<Tally>>) {
    let mut round: u64 = 0;
    while Instant::now() < until {
        round += 1;
        let product = 1 + (round % 8) as i64;
        let note = |what: &str, status| tally.lock().unwrap().note(what, status);
        for path in ["/", "/products", "/cart", "/orders", "/profile", "/session"] {
            note(path, browser.open(path).await.status);
        }
        note("add", browser.add_to_cart(product, 1).await.status());
        let quantity = (1 + round % 3).to_string();
        let set = format!("/cart/items/{product}");
        note(
            "set",
            browser
                .post(&set, &[("quantity", &quantity)])
                .await
                .status(),
        );
        if round.is_multiple_of(5) {
            let res = browser.post("/checkout", &[]).await;
            note("checkout", res.status());
            if location(&res) == "/cart" {
                // Refused: the scarce product sold out. Take it out, as a
                // shopper would, and carry on.
                let res = browser.post("/cart/items/3", &[("quantity", "0")]).await;
                note("remove", res.status());
            }
        }
        if round.is_multiple_of(20) {
            note("logout", browser.logout().await.status());
            note("login form", browser.open("/login").await.status);
            note("login", browser.login(&email, PASSWORD).await.status());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a minute of load or more: .ci/run runs it with --ignored"]
async fn a_mixed_load_grows_no_memory_answers_no_5xx_and_leaves_the_shop_whole() {
    let seconds: u64 = std::env::var("SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path()).await;
    // Warnings and the shop's own lines, but not a line per request (the
    // test keeps the log in memory).
    let log = "warn,cookie_jar=info,cookie_jar::web::telemetry=warn";
    let shop_process = Process::start(dir.path(), &[("DATABASE_URL", &url), ("LOG", log)]);
    let pool = db::open(&DatabaseUrl::new(url.clone())).await.unwrap().pool;
    // Stock for hours of orders, but one product scarce enough to sell
    // out, so refusals are part of it.
    for update in [
        "UPDATE products SET stock = 1000000 WHERE id BETWEEN 1 AND 8",
        "UPDATE products SET stock = 40 WHERE id = 3",
    ] {
        sqlx::query(update).execute(&pool).await.unwrap();
    }
    let initial = invariants::stock(&pool).await;

    let mut browsers = Vec::new();
    for n in 0..6 {
        let email = format!("soak{n}@example.com");
        let browser = Browser::new(&shop_process.address);
        let res = browser.register(&email, "Soak", PASSWORD).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        browsers.push((browser, email));
    }
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let tally = Arc::new(Mutex::new(Tally::default()));
    let mut shoppers = Vec::new();
    for (browser, email) in browsers {
        shoppers.push(tokio::spawn(shop(browser, email, until, tally.clone())));
    }

    // Memory, once a second: the peak of the warm-up (the first fifth),
    // the peak after it, the peak of the last third, and each minute's.
    let warm_up = Duration::from_secs((seconds / 5).max(10));
    let last_third = Duration::from_secs(seconds * 2 / 3);
    let pid = shop_process.pid();
    let (mut warm_peak, mut later_peak, mut last_peak, mut middle_peak) = (0, 0, 0, 0);
    let mut minutes: Vec<u64> = Vec::new();
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = rss_kib(pid);
        let elapsed = started.elapsed();
        let minute = (elapsed.as_secs() / 60) as usize;
        if minutes.len() <= minute {
            minutes.resize(minute + 1, 0);
        }
        minutes[minute] = minutes[minute].max(now);
        if elapsed < warm_up {
            warm_peak = warm_peak.max(now);
        } else {
            later_peak = later_peak.max(now);
            if elapsed < last_third {
                middle_peak = middle_peak.max(now);
            } else {
                last_peak = last_peak.max(now);
            }
        }
    }
    for shopper in shoppers {
        shopper.await.unwrap();
    }

    let tally = std::mem::take(&mut *tally.lock().unwrap());
    let requests: u64 = tally.statuses.values().sum();
    let sold = invariants::assert_stock_and_orders_whole(&pool, &initial).await;
    let orders: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders")
        .fetch_one(&pool)
        .await
        .unwrap();
    let store = crate::common::store_under_test();
    // What the pool's page caches could hold at most: the database's files.
    let database_kib: u64 = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.file_name().to_string_lossy().contains(".db"))
        .filter_map(|entry| entry.metadata().ok())
        .map(|meta| meta.len() / 1024)
        .sum();
    let by_minute: Vec<String> = minutes.iter().map(|kib| (kib / 1024).to_string()).collect();
    println!(
        "soak ({store}): {seconds} s, {requests} requests {:?}, {orders} orders ({sold} units), \
         RSS peak {} MiB in the warm-up, {} MiB after; by minute (MiB): {}; the database's \
         files: {} MiB",
        tally.statuses,
        warm_peak / 1024,
        later_peak / 1024,
        by_minute.join(" "),
        database_kib / 1024
    );
    assert!(
        tally.failures.is_empty(),
        "5xx answers: {:?}",
        tally.failures
    );
    assert!(orders > 0, "orders were placed");
    // After the warm-up, memory grows by at most a tenth, or on SQLite by
    // what the pool's page caches may take as the database grows, and no
    // more; a long run's last third stays flat (within 2 %) on the middle.
    let may_grow = (warm_peak / 10).max(match url.starts_with("sqlite") {
        true => SQLITE_PAGE_CACHES_KIB,
        false => 0,
    });
    assert!(
        later_peak <= warm_peak + may_grow,
        "memory grew by more than {may_grow} KiB after the warm-up: {warm_peak} KiB, then \
         {later_peak} KiB"
    );
    if seconds >= 600 {
        assert!(
            last_peak * 100 <= middle_peak * 102,
            "memory still grows in the last third: {middle_peak} KiB, then {last_peak} KiB"
        );
    }
    let log = shop_process.log();
    assert!(!log.contains("panicked"), "{log}");
    assert!(!log.contains("ERROR"), "{log}");
}
