//! SIGTERM under load: what is in flight finishes and is kept, nothing new
//! is taken, and the process exits 0 within `SHUTDOWN_TIMEOUT`.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::common::{fresh_database, process::Process, Browser, PASSWORD};

#[tokio::test]
async fn sigterm_finishes_the_requests_in_flight_refuses_new_ones_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path()).await;
    let vars = [("DATABASE_URL", url.as_str()), ("SHUTDOWN_TIMEOUT", "20")];
    let mut shop = Process::start(dir.path(), &vars);

    // Sixteen registrations at once: each is a password hash, so they
    // queue at the hashing threads and most are still in flight when the
    // signal comes.
    let mut visitors = Vec::new();
    for _ in 0..16 {
        let browser = Browser::new(&shop.address);
        let token = browser.csrf_token().await;
        visitors.push((browser, token));
    }
    let registrations = visitors.iter().enumerate().map(|(n, (browser, token))| {
        let email = format!("late{n}@example.com");
        async move {
            let form = [
                ("email", email.as_str()),
                ("display_name", "Late"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
                ("csrf_token", token.as_str()),
            ];
            let res = browser
                .client
                .post(browser.url("/register"))
                .form(&form)
                .send()
                .await;
            (email, res.map(|r| r.status()), Instant::now())
        }
    });
    let in_flight = futures_util::future::join_all(registrations);
    let signal = async {
        // Long enough for the shop to have read every request (a keep-alive
        // connection whose request is not read yet counts as idle, and is
        // closed: seen once on a loaded CI machine at 50 ms), short of the
        // time sixteen hashes take.
        tokio::time::sleep(Duration::from_millis(150)).await;
        shop.terminate();
        let signalled = Instant::now();
        // A visitor arriving after the signal is not taken in.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let late = reqwest::Client::new()
            .get(format!("{}/livez", shop.address))
            .send()
            .await;
        (signalled, late)
    };
    let (answers, (signalled, late)) = tokio::join!(in_flight, signal);

    assert!(
        late.is_err(),
        "a new connection after SIGTERM is refused: {late:?}"
    );
    let mut placed = Vec::new();
    for (email, answer, _) in &answers {
        let status = answer
            .as_ref()
            .unwrap_or_else(|e| panic!("{email} got no answer: {e}"));
        match *status {
            StatusCode::SEE_OTHER => placed.push(email.clone()),
            // More at once than the hashing places take: refused at once.
            StatusCode::SERVICE_UNAVAILABLE => {}
            other => panic!("{email}: {other}"),
        }
    }
    let status = shop
        .exited_within(Duration::from_secs(20))
        .expect("exits within SHUTDOWN_TIMEOUT");
    assert!(status.success(), "exit status {status}: {}", shop.log());
    println!(
        "SIGTERM: {} registrations answered 303 in flight, exited {:.1?} after the signal",
        placed.len(),
        signalled.elapsed()
    );
    let after_the_signal = answers
        .iter()
        .filter(|(_, answer, at)| answer.is_ok() && *at > signalled)
        .count();
    assert!(
        after_the_signal > 0,
        "some registrations were still in flight at the signal"
    );
    assert!(!shop.log().contains("panicked"), "{}", shop.log());

    // Started again: every account that was answered is there.
    let shop = Process::start(dir.path(), &[("DATABASE_URL", url.as_str())]);
    for email in placed {
        let browser = Browser::new(&shop.address);
        let res = browser.login(&email, PASSWORD).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{email} can sign in");
    }
}
