//! `kill -9` in the middle of checkouts and cart changes loses nothing that
//! was answered, and leaves the stock whole: every write of the shop is one
//! transaction, committed before its answer is sent. Runs on SQLite, and on
//! PostgreSQL with `TEST_POSTGRES_URL`.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use cookie_jar::{
    data::db::{self, Pool},
    domain::config::DatabaseUrl,
};
use reqwest::StatusCode;
use sqlx::AssertSqlSafe;

use crate::common::{fresh_database, invariants, location, process::Process, Browser, PASSWORD};

/// The products the buyers buy, with little stock, so they sell out.
const SCARCE: [i64; 3] = [1, 2, 3];
const SCARCE_STOCK: i64 = 25;
/// The product whose cart quantity the editors keep changing.
const EDITED: i64 = 5;

/// What the clients were told: the orders answered as placed, and each
/// editor's quantities in the order sent, with whether they were answered.
#[derive(Default)]
struct Answers {
    orders: Vec<i64>,
    edits: HashMap<String, Vec<(i64, bool)>>,
    server_errors: Vec<String>,
}

async fn registered(address: &str, email: &str) -> (Browser, String) {
    let browser = Browser::new(address);
    let res = browser.register(email, "Crash", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{email} registers");
    let token = browser.csrf_token().await;
    (browser, token)
}

/// A buyer: adds a scarce product, checks out, again and again.
async fn buy(
    browser: Browser,
    token: String,
    n: usize,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Answers>>,
) {
    let mut round = n;
    while !stop.load(Ordering::Relaxed) {
        round += 1;
        let product = SCARCE[round % SCARCE.len()].to_string();
        let quantity = (1 + round % 2).to_string();
        let add = browser
            .client
            .post(browser.url("/cart/items"))
            .form(&[
                ("product_id", product.as_str()),
                ("quantity", &quantity),
                ("csrf_token", &token),
            ])
            .send()
            .await;
        note_server_error(&seen, "add", &add);
        let checkout = browser
            .client
            .post(browser.url("/checkout"))
            .form(&[("csrf_token", token.as_str())])
            .send()
            .await;
        note_server_error(&seen, "checkout", &checkout);
        match checkout {
            Ok(res) if res.status() == StatusCode::SEE_OTHER => {
                if let Some(id) = location(&res).strip_prefix("/orders/") {
                    seen.lock()
                        .unwrap()
                        .orders
                        .push(id.parse().expect("an order id"));
                }
            }
            Ok(_) => {}
            // The server is down (killed): wait for it to come back.
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

/// An editor: sets the quantity of one line, 1 to 9 round and round;
/// holds still while `paused` (the test looks at its line then).
async fn edit(
    browser: Browser,
    token: String,
    email: String,
    (stop, paused): (Arc<AtomicBool>, Arc<AtomicBool>),
    seen: Arc<Mutex<Answers>>,
) {
    let mut round = 0;
    let path = format!("/cart/items/{EDITED}");
    while !stop.load(Ordering::Relaxed) {
        if paused.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        }
        round += 1;
        let quantity = 1 + round % 9;
        let res = browser
            .client
            .post(browser.url(&path))
            .form(&[
                ("quantity", quantity.to_string().as_str()),
                ("csrf_token", &token),
            ])
            .send()
            .await;
        note_server_error(&seen, "edit", &res);
        let answered = matches!(&res, Ok(res) if res.status() == StatusCode::SEE_OTHER);
        seen.lock()
            .unwrap()
            .edits
            .entry(email.clone())
            .or_default()
            .push((quantity, answered));
        if res.is_err() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn note_server_error(
    seen: &Mutex<Answers>,
    what: &str,
    res: &Result<reqwest::Response, reqwest::Error>,
) {
    if let Ok(res) = res {
        if res.status().is_server_error() {
            seen.lock()
                .unwrap()
                .server_errors
                .push(format!("{what}: {}", res.status()));
        }
    }
}

#[tokio::test]
async fn kill_9_during_checkouts_loses_no_answered_write_and_keeps_stock_whole() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path()).await;
    let vars = [
        ("DATABASE_URL", url.as_str()),
        ("LOGIN_MAX_FAILURES", "100000"),
    ];
    let mut shop = Process::start(dir.path(), &vars);
    let pool = db::open(&DatabaseUrl::new(url.clone())).await.unwrap().pool;
    let scarce = SCARCE.map(|id| id.to_string()).join(", ");
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE products SET stock = {SCARCE_STOCK} WHERE id IN ({scarce})"
    )))
    .execute(&pool)
    .await
    .unwrap();
    let initial = invariants::stock(&pool).await;

    // Restarts listen where the first start did, so the clients carry on.
    let port = shop.address.rsplit(':').next().unwrap().to_string();
    let bind = format!("127.0.0.1:{port}");
    let vars = [vars[0], vars[1], ("BIND_ADDR", bind.as_str())];

    let stop = Arc::new(AtomicBool::new(false));
    let paused = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Answers::default()));
    let mut clients = Vec::new();
    for n in 0..4 {
        let (browser, token) = registered(&shop.address, &format!("buyer{n}@example.com")).await;
        clients.push(tokio::spawn(buy(
            browser,
            token,
            n,
            stop.clone(),
            seen.clone(),
        )));
    }
    for n in 0..2 {
        let email = format!("editor{n}@example.com");
        let (browser, token) = registered(&shop.address, &email).await;
        let res = browser.add_to_cart(EDITED, 1).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        clients.push(tokio::spawn(edit(
            browser,
            token,
            email,
            (stop.clone(), paused.clone()),
            seen.clone(),
        )));
    }

    let mut logs = Vec::new();
    for kill in 0..3 {
        tokio::time::sleep(Duration::from_millis(900 + 300 * kill)).await;
        shop.kill_hard();
        logs.push(shop.log());
        // The editors hold still (what they sent meanwhile found nobody),
        // so the restarted shop shows what the dead one had committed.
        paused.store(true, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(200)).await;
        shop = Process::start(dir.path(), &vars);
        let edits = seen.lock().unwrap().edits.clone();
        editors_hold_what_was_answered(&pool, &edits).await;
        paused.store(false, Ordering::Relaxed);
        let ready = reqwest::get(format!("{}/readyz", shop.address))
            .await
            .unwrap();
        assert_eq!(
            ready.status(),
            StatusCode::OK,
            "ready after kill {}",
            kill + 1
        );
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.await.unwrap();
    }
    logs.push(shop.log());

    let seen = std::mem::take(&mut *seen.lock().unwrap());
    let edits: usize = seen.edits.values().map(Vec::len).sum();
    println!(
        "crash test: 3 kills and restarts; {} orders and {} of {edits} cart edits answered",
        seen.orders.len(),
        seen.edits
            .values()
            .flatten()
            .filter(|(_, answered)| *answered)
            .count(),
    );
    assert!(
        seen.server_errors.is_empty(),
        "answers of 5xx: {:?}",
        seen.server_errors
    );
    assert!(!seen.orders.is_empty(), "some orders were placed");
    for log in &logs {
        assert!(!log.contains("panicked"), "a panic in the log:\n{log}");
    }

    // Every unit of stock is either still there or in an order.
    let sold = invariants::assert_stock_and_orders_whole(&pool, &initial).await;
    assert!(sold > 0, "some units were sold");

    // Every order answered as placed is there.
    for id in &seen.orders {
        let found: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(found, 1, "order {id} was answered as placed");
    }

    editors_hold_what_was_answered(&pool, &seen.edits).await;
}

/// Each editor's line holds the last quantity answered, or one sent after
/// it whose answer the kill cut off (it may have committed).
async fn editors_hold_what_was_answered(pool: &Pool, edits: &HashMap<String, Vec<(i64, bool)>>) {
    for (email, edits) in edits {
        let held: i64 = sqlx::query_scalar(
            "SELECT c.quantity FROM cart_items c JOIN users u ON u.id = c.user_id
              WHERE u.email = $1 AND c.product_id = $2",
        )
        .bind(email)
        .bind(EDITED)
        .fetch_one(pool)
        .await
        .unwrap();
        let Some(last_answered) = edits.iter().rposition(|(_, answered)| *answered) else {
            continue;
        };
        let possible: Vec<i64> = edits[last_answered..]
            .iter()
            .map(|(quantity, _)| *quantity)
            .collect();
        assert!(
            possible.contains(&held),
            "{email}: holds {held}, could hold {possible:?}"
        );
    }
}
