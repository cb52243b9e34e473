//! "Forgot your password?": the request, the mailed link, the new
//! password, and every way a link can be wrong.

use std::time::{Duration, Instant};

use cookie_jar::services::mail::MAILS_PER_HOUR;
use reqwest::StatusCode;

use crate::common::{location, smtp::SmtpSink, Browser, TestApp, PASSWORD};

const NEW_PASSWORD: &str = "purple elephant dancing quietly";

async fn ask_for_reset(browser: &Browser, email: &str) -> reqwest::Response {
    browser.page("/password/forgot", StatusCode::OK).await;
    browser.post("/password/forgot", &[("email", email)]).await
}

/// The reset link mailed to `email` (its `n`th mail), as a path.
async fn reset_link(sink: &SmtpSink, email: &str, n: usize) -> String {
    let mails = sink.wait_for(email, n).await;
    let mail = &mails[n - 1];
    assert_eq!(mail.subject(), "Reset your password");
    mail.link_to("/password/reset/").expect("a reset link")
}

/// Opens the mailed link (its token moves into the session, and the page
/// is `/password/reset`) and sends the form there.
async fn choose(browser: &Browser, link: &str, password: &str, confirm: &str) -> reqwest::Response {
    let form = browser.follow(link).await;
    assert_eq!(form.status, StatusCode::OK, "{form}");
    let fields = [("password", password), ("password_confirm", confirm)];
    browser.submit("/password/reset", &fields).await
}

#[tokio::test]
async fn a_mailed_link_sets_a_new_password_and_ends_every_session() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &sink.url())]).await;
    let signed_in = app.user("gil@example.com").await;
    let elsewhere = app.browser();
    elsewhere.login("gil@example.com", PASSWORD).await;
    assert!(elsewhere.is_logged_in().await);

    let guest = app.browser();
    let sign_in = guest.page("/login", StatusCode::OK).await;
    assert_eq!(
        sign_in
            .attr("a[href=\"/password/forgot\"]", "href")
            .as_deref(),
        Some("/password/forgot")
    );
    let res = ask_for_reset(&guest, "Gil@Example.com ").await;
    assert_eq!(res.status(), StatusCode::OK);
    let link = reset_link(&sink, "gil@example.com", 2).await;

    let form = guest.follow(&link).await;
    assert!(form.url.ends_with("/password/reset"), "{form}");
    assert!(form.says("For the account gil@example.com"), "{form}");
    assert!(
        !form.markup().contains(&link["/password/reset/".len()..]),
        "{form}"
    );
    // The same rules as registration.
    let weak = choose(&guest, &link, "password", "password").await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = crate::common::Page::from_response(weak).await;
    assert!(page.error_for("password").is_some(), "{page}");
    let differ = choose(&guest, &link, NEW_PASSWORD, "something else entirely").await;
    assert_eq!(differ.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let res = choose(&guest, &link, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/login");
    let login = guest.page("/login", StatusCode::OK).await;
    assert!(login.flash_says("Your password is changed"), "{login}");

    // Every session of the account ended.
    assert!(!signed_in.is_logged_in().await);
    assert!(!elsewhere.is_logged_in().await);
    // The old password is worthless, the new one works.
    let old = guest.login("gil@example.com", PASSWORD).await;
    assert_eq!(old.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let new = guest.login("gil@example.com", NEW_PASSWORD).await;
    assert_eq!(new.status(), StatusCode::SEE_OTHER);
    let profile = guest.page("/profile", StatusCode::OK).await;
    assert!(profile.says("Password reset by emailed link"), "{profile}");
    // The link reached the address: it is proven.
    assert!(profile.says("Confirmed"), "{profile}");
    // A notice went to the address.
    let mails = sink.wait_for("gil@example.com", 3).await;
    assert_eq!(mails[2].subject(), "Your password was reset");
    // The link works once.
    assert_eq!(guest.open(&link).await.status, StatusCode::GONE);
    let again = guest
        .post(
            &link,
            &[
                ("password", "another long pass phrase"),
                ("password_confirm", "another long pass phrase"),
            ],
        )
        .await;
    assert_eq!(again.status(), StatusCode::GONE);
}

#[tokio::test]
async fn asking_answers_the_same_and_as_slowly_whether_or_not_an_account_has_the_address() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &sink.url())]).await;
    app.user("hal@example.com").await;
    sink.wait_for("hal@example.com", 1).await;
    let mut pages = Vec::new();
    let mut took = Vec::new();
    for (i, email) in ["hal@example.com", "nobody@example.com"]
        .into_iter()
        .cycle()
        .take(6)
        .enumerate()
    {
        let browser = app.browser();
        browser.page("/password/forgot", StatusCode::OK).await;
        let started = Instant::now();
        let res = browser.post("/password/forgot", &[("email", email)]).await;
        took.push((i % 2, started.elapsed()));
        assert_eq!(res.status(), StatusCode::OK);
        let text = res.text().await.unwrap();
        let shown = text.replace(email, "ADDRESS");
        let main = shown[shown.find("<main").unwrap()..shown.find("</main>").unwrap()].to_string();
        pages.push(main);
    }
    assert!(
        pages.windows(2).all(|w| w[0] == w[1]),
        "one answer for both"
    );
    for (_, elapsed) in &took {
        assert!(*elapsed >= Duration::from_millis(400), "{elapsed:?}");
    }
    let median = |who: usize| {
        let mut times: Vec<Duration> = took
            .iter()
            .filter(|(w, _)| *w == who)
            .map(|(_, t)| *t)
            .collect();
        times.sort();
        times[1]
    };
    let (known, unknown) = (median(0), median(1));
    let gap = known.abs_diff(unknown);
    assert!(
        gap < Duration::from_millis(150),
        "known {known:?}, unknown {unknown:?}"
    );
    // Mail went only to the account (the first three asks of its address).
    assert_eq!(sink.to("hal@example.com").len(), 4);
    assert!(sink.to("nobody@example.com").is_empty());
}

#[tokio::test]
async fn a_link_past_its_time_says_so_and_a_forged_or_malformed_one_is_not_found() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &sink.url())]).await;
    app.user("ida@example.com").await;
    let guest = app.browser();
    ask_for_reset(&guest, "ida@example.com").await;
    let link = reset_link(&sink, "ida@example.com", 2).await;
    assert_eq!(guest.follow(&link).await.status, StatusCode::OK);
    app.clock.advance(30 * 60);
    // Held by the session, the link still runs out of time.
    let held = guest.open("/password/reset").await;
    assert_eq!(held.status, StatusCode::GONE);
    assert!(held.says("This link has run out of time."), "{held}");
    let stale = guest.open(&link).await;
    assert_eq!(stale.status, StatusCode::GONE);
    assert!(stale.says("This link has run out of time."), "{stale}");
    let forged = format!("/password/reset/{}", "A".repeat(43));
    let long = format!("/password/reset/{}", "b".repeat(5000));
    for path in [
        forged.as_str(),
        "/password/reset/abc",
        "/password/reset/..%2F..%2Fetc",
        long.as_str(),
    ] {
        let page = guest.open(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
    }
    // A POST to a bad link changes nothing either.
    guest.page("/password/forgot", StatusCode::OK).await;
    let res = guest
        .post(
            &forged,
            &[
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        guest.login("ida@example.com", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_link_of_a_deleted_account_is_not_found() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &sink.url())]).await;
    let browser = app.user("jo@example.com").await;
    let guest = app.browser();
    ask_for_reset(&guest, "jo@example.com").await;
    let link = reset_link(&sink, "jo@example.com", 2).await;
    browser.page("/profile", StatusCode::OK).await;
    let gone = browser
        .post("/account/delete", &[("password", PASSWORD)])
        .await;
    assert_eq!(location(&gone), "/goodbye");
    assert_eq!(guest.open(&link).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_flood_of_requests_is_throttled_and_sends_nothing_beyond_the_limit() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &sink.url())]).await;
    app.user("kim@example.com").await;
    sink.wait_for("kim@example.com", 1).await;
    let guest = app.browser();
    // The welcome counted: every mail to the address does.
    for _ in 1..MAILS_PER_HOUR {
        assert_eq!(
            ask_for_reset(&guest, "kim@example.com").await.status(),
            StatusCode::OK
        );
    }
    let res = ask_for_reset(&guest, "kim@example.com").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    // The same for an address no account has: the limit tells nothing.
    for _ in 0..MAILS_PER_HOUR {
        ask_for_reset(&guest, "ghost@example.com").await;
    }
    assert_eq!(
        ask_for_reset(&guest, "ghost@example.com").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // The welcome and the resets up to the limit, and no more.
    sink.wait_for_exactly("kim@example.com", MAILS_PER_HOUR as usize)
        .await;
}

#[tokio::test]
async fn one_client_asking_for_many_addresses_is_throttled() {
    let app = TestApp::spawn_with(&[("CLIENT_AUTH_POSTS_PER_MINUTE", "3")]).await;
    let guest = app.browser();
    for i in 0..3 {
        let res = ask_for_reset(&guest, &format!("spray{i}@example.com")).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let res = ask_for_reset(&guest, "spray9@example.com").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn an_address_no_account_could_have_is_refused_with_422_and_nothing_is_sent() {
    let app = TestApp::spawn().await;
    let guest = app.browser();
    let long = format!("{}@example.com", "a".repeat(300));
    for bad in [
        "not an address",
        long.as_str(),
        "ann@example.com\r\nBcc: evil@example.com",
        "",
    ] {
        let res = ask_for_reset(&guest, bad).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        let page = crate::common::Page::from_response(res).await;
        assert!(page.error_for("email").is_some(), "{page}");
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM outbox").await, 0);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM account_tokens").await, 0);
}

#[tokio::test]
async fn a_reset_link_dies_when_the_address_or_the_password_changes() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &sink.url())]).await;
    let owner = app.user("liv@example.com").await;
    let guest = app.browser();
    ask_for_reset(&guest, "liv@example.com").await;
    let to_old_address = reset_link(&sink, "liv@example.com", 2).await;
    // The owner moves to a new address: whoever holds the old mailbox can
    // no longer reset the password.
    owner.page("/profile", StatusCode::OK).await;
    let fields = [("new_email", "liv@new.example"), ("password", PASSWORD)];
    owner.post("/profile/email", &fields).await;
    let change = sink.wait_for("liv@new.example", 1).await[0]
        .link_to("/verify-email/")
        .unwrap();
    owner.follow(&change).await;
    assert_eq!(
        location(&owner.submit("/verify-email", &[]).await),
        "/profile"
    );
    let stale = guest.open(&to_old_address).await;
    assert_eq!(stale.status, StatusCode::GONE, "{stale}");
    // A reset asked for, then the password changed on the profile.
    ask_for_reset(&guest, "liv@new.example").await;
    let link = reset_link(&sink, "liv@new.example", 2).await;
    owner.page("/profile", StatusCode::OK).await;
    let fields = [
        ("current_password", PASSWORD),
        ("new_password", NEW_PASSWORD),
        ("new_password_confirm", NEW_PASSWORD),
    ];
    assert_eq!(
        owner.post("/profile/password", &fields).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(guest.open(&link).await.status, StatusCode::GONE);
}

/// An intruder who knows the password signs in just as the owner resets
/// it. The intruder's password is checked against the old hash while the
/// reset is under way (a hash takes milliseconds); whichever commits
/// first, no login of the intruder outlives the reset. Each round starts
/// the sign-in a little later, so that one of them falls in the window
/// between the reset's hash and its commit.
#[tokio::test]
async fn a_sign_in_that_crossed_a_reset_does_not_outlive_it() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &sink.url())]).await;
    app.user("hal@example.com").await;
    let mut password = PASSWORD.to_string();
    for (round, delay_ms) in [0u64, 5, 10, 20, 40].into_iter().enumerate() {
        let owner = app.browser();
        ask_for_reset(&owner, "hal@example.com").await;
        let link = reset_link(&sink, "hal@example.com", 2 + 2 * round).await;
        let form = owner.follow(&link).await;
        assert_eq!(form.status, StatusCode::OK, "{form}");
        let intruder = app.browser();
        intruder.page("/login", StatusCode::OK).await;
        let new_password = format!("{NEW_PASSWORD} {round}");
        let fields = [
            ("password", new_password.as_str()),
            ("password_confirm", new_password.as_str()),
        ];
        let (reset, _) = tokio::join!(owner.submit("/password/reset", &fields), async {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            intruder.login("hal@example.com", &password).await
        });
        assert_eq!(location(&reset), "/login", "round {round}");
        assert!(
            !intruder.is_logged_in().await,
            "round {round} ({delay_ms} ms): the intruder's login outlived the reset"
        );
        sink.wait_for("hal@example.com", 3 + 2 * round).await;
        password = new_password;
        // The next hour: the address may be mailed again.
        app.clock.advance(3600);
    }
}

/// The newest reset link mailed to `email` after its first `seen` mails
/// (notices of an earlier step may come in between).
async fn newest_reset_link(sink: &SmtpSink, email: &str, seen: usize) -> String {
    for count in seen + 1.. {
        let mails = sink.wait_for(email, count).await;
        let link = mails[seen..]
            .iter()
            .find_map(|m| m.link_to("/password/reset/"));
        if let Some(link) = link {
            return link;
        }
    }
    unreachable!()
}

/// The account-takeover path of a change of address, as a race: an
/// intruder signed in with the password asks for their own address just
/// as the owner resets it. If the request comes first, it retires the
/// owner's reset link (every link dies with a change asked for) and the
/// owner asks again; either way, once the reset is done, no link to the
/// intruder's address works and the address stays the owner's.
#[tokio::test]
async fn a_change_of_address_that_crossed_a_reset_leaves_no_live_link() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &sink.url())]).await;
    let owner_email = "ida@example.com";
    app.user(owner_email).await;
    let mut password = PASSWORD.to_string();
    for (round, delay_ms) in [0u64, 5, 10, 20, 40].into_iter().enumerate() {
        let intruder = app.browser();
        intruder.login(owner_email, &password).await;
        intruder.page("/profile", StatusCode::OK).await;
        let owner = app.browser();
        let seen = sink.to(owner_email).len();
        ask_for_reset(&owner, owner_email).await;
        let link = newest_reset_link(&sink, owner_email, seen).await;
        owner.follow(&link).await;
        let new_password = format!("{NEW_PASSWORD} {round}");
        let fields = [
            ("password", new_password.as_str()),
            ("password_confirm", new_password.as_str()),
        ];
        let evil = format!("mallory{round}@evil.example");
        let change = [
            ("new_email", evil.as_str()),
            ("password", password.as_str()),
        ];
        let (reset, _) = tokio::join!(owner.submit("/password/reset", &fields), async {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            intruder.post("/profile/email", &change).await
        });
        if reset.status() == StatusCode::GONE {
            // The intruder's request came first and retired the link; the
            // owner was told, and asks again.
            let seen = sink.to(owner_email).len();
            ask_for_reset(&owner, owner_email).await;
            let link = newest_reset_link(&sink, owner_email, seen).await;
            let res = choose(&owner, &link, &new_password, &new_password).await;
            assert_eq!(location(&res), "/login", "round {round}");
        } else {
            let status = reset.status();
            assert_eq!(location(&reset), "/login", "round {round}: {status}");
        }
        assert!(!intruder.is_logged_in().await, "round {round}");
        // Any link the intruder got is dead, and changes nothing.
        tokio::time::sleep(Duration::from_millis(500)).await;
        for mail in sink.to(&evil) {
            let change_link = mail.link_to("/verify-email/").expect("a link");
            let elsewhere = app.browser();
            let page = elsewhere.open(&change_link).await;
            assert_eq!(
                page.status,
                StatusCode::GONE,
                "round {round} ({delay_ms} ms): the change link outlived the reset"
            );
            elsewhere.page("/", StatusCode::OK).await;
            elsewhere.post(&change_link, &[]).await;
        }
        let taken = format!("SELECT COUNT(*) FROM users WHERE email = '{evil}'");
        assert_eq!(app.scalar(&taken).await, 0, "round {round}");
        password = new_password;
        app.clock.advance(3600);
    }
}
