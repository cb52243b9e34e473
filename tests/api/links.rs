//! The mailed links and the one rule that binds them: every event that
//! changes who can act as an account ends every link it did not send
//! (`services::auth::links::retire_every_link`); the owner is told of a new address
//! at once; a token never stays in the address bar or rides in a
//! `Referer`; every mail to an address counts towards its hourly limit;
//! and a reset finished in a browser signed in to another account ends
//! that login too.

use std::collections::HashMap;

use cookie_jar::{routes, services::mail::MAILS_PER_HOUR, web::security::TOKEN_ROUTES};
use reqwest::StatusCode;
use sqlx::AssertSqlSafe;

use crate::common::{
    location,
    smtp::{Received, SmtpSink},
    Browser, Page, TestApp, PASSWORD,
};

const NEW_PASSWORD: &str = "purple elephant dancing quietly";

/// The mails each address got, read one at a time.
struct Mailbox {
    sink: SmtpSink,
    read: HashMap<String, usize>,
}

impl Mailbox {
    async fn start() -> Mailbox {
        Mailbox {
            sink: SmtpSink::start().await,
            read: HashMap::new(),
        }
    }

    /// The next mail to `address`, once it has come.
    async fn next(&mut self, address: &str) -> Received {
        let read = self.read.entry(address.to_string()).or_default();
        *read += 1;
        self.sink.wait_for(address, *read).await[*read - 1].clone()
    }

    /// The link starting with `prefix` in the next mail to `address`.
    async fn next_link(&mut self, address: &str, prefix: &str) -> String {
        let mail = self.next(address).await;
        mail.link_to(prefix)
            .unwrap_or_else(|| panic!("no {prefix} link in {:?}", mail.subject()))
    }
}

async fn ask_for_reset(browser: &Browser, email: &str) -> reqwest::Response {
    browser.page("/password/forgot", StatusCode::OK).await;
    browser.post("/password/forgot", &[("email", email)]).await
}

impl Mailbox {
    /// Resets `email`'s password to `NEW_PASSWORD` in `browser`, through
    /// the mailed link, as its owner would; returns the answer to the form.
    async fn reset_password(&mut self, browser: &Browser, email: &str) -> reqwest::Response {
        ask_for_reset(browser, email).await;
        let link = self.next_link(email, "/password/reset/").await;
        browser.follow(&link).await;
        let fields = [
            ("password", NEW_PASSWORD),
            ("password_confirm", NEW_PASSWORD),
        ];
        browser.submit("/password/reset", &fields).await
    }
}

/// Asks, as `owner` (signed in as `email`), to sign in with `new` from now
/// on; returns the link mailed to `new` (the current address is told too).
async fn ask_change(mail: &mut Mailbox, owner: &Browser, email: &str, new: &str) -> String {
    owner.page("/profile", StatusCode::OK).await;
    let fields = [("new_email", new), ("password", PASSWORD)];
    let res = owner.post("/profile/email", &fields).await;
    assert_eq!(location(&res), "/profile", "asking for {new}");
    mail.next(email).await; // the notice to the current address
    mail.next_link(new, "/verify-email/").await
}

/// The account row as a string: whatever a link could change in it.
async fn account_row(app: &TestApp, email_like: &str) -> Option<String> {
    let query = format!(
        "SELECT email || '|' || COALESCE(email_verified_at, 0) || '|' || password_hash
           FROM users WHERE email LIKE '{email_like}'"
    );
    sqlx::query_scalar(AssertSqlSafe(query))
        .fetch_optional(&app.pool)
        .await
        .expect("test SQL runs")
}

/// The link purposes of `Purpose`, as the table names them.
#[derive(Clone, Copy, Debug)]
enum Link {
    Reset,
    Verify,
    ChangeAddress,
}

/// The events that change who can act as an account.
#[derive(Clone, Copy, Debug)]
enum Event {
    PasswordReset,
    PasswordChange,
    AddressChangeAsked,
    AddressChangeConfirmed,
    AccountDeleted,
    SignOutEverywhere,
}

#[tokio::test]
async fn every_credential_event_retires_every_outstanding_link() {
    let mut mail = Mailbox::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &mail.sink.url())]).await;
    let events = [
        Event::PasswordReset,
        Event::PasswordChange,
        Event::AddressChangeAsked,
        Event::AddressChangeConfirmed,
        Event::AccountDeleted,
        Event::SignOutEverywhere,
    ];
    let mut failures = Vec::new();
    for (e, event) in events.into_iter().enumerate() {
        for (l, link) in [Link::Reset, Link::Verify, Link::ChangeAddress]
            .into_iter()
            .enumerate()
        {
            let email = format!("e{e}l{l}@example.com");
            let owner = app.user(&email).await;
            let verify = mail.next_link(&email, "/verify-email/").await;
            // A change confirmed: asked for before the outstanding link is
            // sent, so that only the confirmation can retire it (a change
            // link itself is retired by the next one asked for).
            let asked_change = match (event, link) {
                (Event::AddressChangeConfirmed, Link::Reset | Link::Verify) => Some(
                    ask_change(
                        &mut mail,
                        &owner,
                        &email,
                        &format!("moved-e{e}l{l}@example.com"),
                    )
                    .await,
                ),
                _ => None,
            };
            let outstanding = match link {
                // After a change asked for, the account's own address is
                // sent a new link ("send it again").
                Link::Verify if asked_change.is_some() => {
                    owner.page("/profile", StatusCode::OK).await;
                    owner.post("/verify-email/resend", &[]).await;
                    mail.next_link(&email, "/verify-email/").await
                }
                Link::Verify => verify,
                Link::Reset => {
                    ask_for_reset(&app.browser(), &email).await;
                    mail.next_link(&email, "/password/reset/").await
                }
                Link::ChangeAddress => {
                    let new = format!("new-e{e}l{l}@example.com");
                    ask_change(&mut mail, &owner, &email, &new).await
                }
            };

            let mut signs_in_with = email.clone();
            let password = match event {
                Event::PasswordReset => {
                    let res = mail.reset_password(&app.browser(), &email).await;
                    assert_eq!(location(&res), "/login", "{event:?}");
                    NEW_PASSWORD
                }
                Event::PasswordChange => {
                    owner.page("/profile", StatusCode::OK).await;
                    let fields = [
                        ("current_password", PASSWORD),
                        ("new_password", NEW_PASSWORD),
                        ("new_password_confirm", NEW_PASSWORD),
                    ];
                    let res = owner.post("/profile/password", &fields).await;
                    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{event:?}");
                    NEW_PASSWORD
                }
                Event::AddressChangeAsked | Event::AddressChangeConfirmed => {
                    let moved = format!("moved-e{e}l{l}@example.com");
                    let change = match asked_change {
                        Some(change) => change,
                        None => ask_change(&mut mail, &owner, &email, &moved).await,
                    };
                    if let Event::AddressChangeConfirmed = event {
                        owner.follow(&change).await;
                        let res = owner.submit("/verify-email", &[]).await;
                        assert_eq!(location(&res), "/profile", "{event:?}");
                        signs_in_with = moved;
                    }
                    PASSWORD
                }
                Event::AccountDeleted => {
                    owner.page("/profile", StatusCode::OK).await;
                    let res = owner
                        .post("/account/delete", &[("password", PASSWORD)])
                        .await;
                    assert_eq!(location(&res), "/goodbye", "{event:?}");
                    PASSWORD
                }
                Event::SignOutEverywhere => {
                    owner.page("/profile/sessions", StatusCode::OK).await;
                    let res = owner.post("/profile/sessions/revoke-others", &[]).await;
                    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{event:?}");
                    PASSWORD
                }
            };

            // The link is dead: 410, or 404 once its account is gone (its
            // rows go with it), and using it changes nothing.
            let expected = match event {
                Event::AccountDeleted => StatusCode::NOT_FOUND,
                _ => StatusCode::GONE,
            };
            let like = format!("%e{e}l{l}@example.com");
            let before = account_row(&app, &like).await;
            let stranger = app.browser();
            let opened = stranger.open(&outstanding).await.status;
            stranger.page("/", StatusCode::OK).await;
            let sneaky = "another long pass phrase";
            let fields = [("password", sneaky), ("password_confirm", sneaky)];
            let used = stranger.post(&outstanding, &fields).await.status();
            let after = account_row(&app, &like).await;
            if (opened, used) != (expected, expected) || before != after {
                failures.push(format!(
                    "{event:?} × {link:?}: GET {opened}, POST {used} (expected {expected}); \
                     account before {before:?}, after {after:?}"
                ));
            }
            if !matches!(event, Event::AccountDeleted) {
                let login = app.browser().login(&signs_in_with, password).await;
                if login.status() != StatusCode::SEE_OTHER {
                    failures.push(format!("{event:?} × {link:?}: the owner cannot sign in"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The attack of the issue, step by step: someone who knows the password
/// asks for their own address; the owner resets the password; the change
/// link must not work afterwards, in any browser.
#[tokio::test]
async fn a_change_of_address_asked_by_an_intruder_dies_with_the_owners_reset() {
    let mut mail = Mailbox::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &mail.sink.url())]).await;
    let owner_email = "pat@example.com";
    app.user(owner_email).await;
    mail.next(owner_email).await;

    // The intruder signs in with the password and asks for their address.
    let intruder = app.browser();
    intruder.login(owner_email, PASSWORD).await;
    intruder.page("/profile", StatusCode::OK).await;
    let fields = [
        ("new_email", "mallory@evil.example"),
        ("password", PASSWORD),
    ];
    intruder.post("/profile/email", &fields).await;
    let change = mail
        .next_link("mallory@evil.example", "/verify-email/")
        .await;
    // The owner is told at once, and how to stop it.
    let told = mail.next(owner_email).await;
    assert_eq!(told.subject(), "Someone asked to change your email address");
    assert!(
        told.link_to("/password/forgot").is_some(),
        "{}",
        told.text()
    );

    // The owner resets the password.
    let res = mail.reset_password(&app.browser(), owner_email).await;
    assert_eq!(location(&res), "/login");

    // The intruder, signed in nowhere now, tries the link: it is dead.
    assert!(!intruder.is_logged_in().await);
    let elsewhere = app.browser();
    let page = elsewhere.open(&change).await;
    assert_eq!(page.status, StatusCode::GONE, "{page}");
    assert!(page.says("no longer works"), "{page}");
    elsewhere.page("/", StatusCode::OK).await;
    let res = elsewhere.post(&change, &[]).await;
    assert_eq!(res.status(), StatusCode::GONE);
    // The account is still the owner's, and a reset to the intruder's
    // address finds nothing.
    assert_eq!(
        account_row(&app, "mallory@evil.example").await,
        None,
        "the address did not change"
    );
    assert_eq!(
        app.browser()
            .login(owner_email, NEW_PASSWORD)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_change_of_address_asked_by_an_intruder_dies_with_a_password_change() {
    let mut mail = Mailbox::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &mail.sink.url())]).await;
    let owner = app.user("quin@example.com").await;
    let intruder = app.browser();
    intruder.login("quin@example.com", PASSWORD).await;
    intruder.page("/profile", StatusCode::OK).await;
    let fields = [("new_email", "eve@evil.example"), ("password", PASSWORD)];
    intruder.post("/profile/email", &fields).await;
    let change = mail.next_link("eve@evil.example", "/verify-email/").await;

    owner.page("/profile", StatusCode::OK).await;
    let fields = [
        ("current_password", PASSWORD),
        ("new_password", NEW_PASSWORD),
        ("new_password_confirm", NEW_PASSWORD),
    ];
    owner.post("/profile/password", &fields).await;

    assert_eq!(app.browser().open(&change).await.status, StatusCode::GONE);
    let profile = owner.page("/profile", StatusCode::OK).await;
    assert!(profile.says("quin@example.com"), "{profile}");
}

/// Someone registers with an address that is not theirs and asks to move
/// the account elsewhere; the real owner of the address takes the account
/// back with a reset. The move asked for before must not happen.
#[tokio::test]
async fn an_address_reclaimed_by_its_owner_keeps_no_change_link_of_the_squatter() {
    let mut mail = Mailbox::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &mail.sink.url())]).await;
    let squatter = app.user("rae@example.com").await;
    mail.next("rae@example.com").await;
    squatter.page("/profile", StatusCode::OK).await;
    let fields = [("new_email", "squat@evil.example"), ("password", PASSWORD)];
    squatter.post("/profile/email", &fields).await;
    let change = mail.next_link("squat@evil.example", "/verify-email/").await;
    mail.next("rae@example.com").await;

    let res = mail.reset_password(&app.browser(), "rae@example.com").await;
    assert_eq!(location(&res), "/login");

    assert_eq!(app.browser().open(&change).await.status, StatusCode::GONE);
    assert!(account_row(&app, "rae@example.com").await.is_some());
}

#[tokio::test]
async fn the_notice_of_an_address_change_names_nothing_the_requester_typed() {
    let mut mail = Mailbox::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &mail.sink.url())]).await;
    let browser = app.user("sol@example.com").await;
    // Make the address proven, then give the account a name an intruder
    // might choose.
    let verify = mail.next_link("sol@example.com", "/verify-email/").await;
    browser.follow(&verify).await;
    browser.submit("/verify-email", &[]).await;
    browser.page("/profile", StatusCode::OK).await;
    let bait = "see https://evil.example/reset";
    browser.post("/profile", &[("display_name", bait)]).await;
    browser.page("/profile", StatusCode::OK).await;
    let fields = [("new_email", "sol@typed.example"), ("password", PASSWORD)];
    browser.post("/profile/email", &fields).await;

    let notice = mail.next("sol@example.com").await;
    assert_eq!(
        notice.subject(),
        "Someone asked to change your email address"
    );
    for body in [notice.text(), notice.html()] {
        assert!(!body.contains("evil.example"), "{body}");
        assert!(!body.contains("typed.example"), "{body}");
        assert!(body.contains("reset"), "{body}");
    }
    let link = mail.next("sol@typed.example").await;
    assert!(!link.text().contains("evil.example"), "{}", link.text());
}

#[tokio::test]
async fn a_mail_to_an_unproven_address_carries_no_text_the_requester_chose() {
    let mut mail = Mailbox::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &mail.sink.url())]).await;
    let bait = "see https://evil.example/reset";
    let browser = app.browser();
    let res = browser.register("tia@example.com", bait, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let welcome = mail.next("tia@example.com").await;
    // A reset and an order to the same, still unproven, address.
    ask_for_reset(&app.browser(), "tia@example.com").await;
    let reset = mail.next("tia@example.com").await;
    browser.add_to_cart(1, 1).await;
    browser.post("/checkout", &[]).await;
    let order = mail.next("tia@example.com").await;
    for sent in [&welcome, &reset, &order] {
        assert!(sent.text().starts_with("Hello,"), "{}", sent.text());
        assert!(!sent.text().contains("evil.example"), "{}", sent.text());
        assert!(!sent.html().contains("evil.example"), "{}", sent.html());
    }
    // Once the address is proven, the owner's name is theirs to read.
    let verify = welcome.link_to("/verify-email/").unwrap();
    browser.follow(&verify).await;
    browser.submit("/verify-email", &[]).await;
    browser.page("/profile", StatusCode::OK).await;
    browser.post("/profile", &[("display_name", "Tia")]).await;
    browser.add_to_cart(1, 1).await;
    browser.post("/checkout", &[]).await;
    let proven = mail.next("tia@example.com").await;
    assert!(proven.text().starts_with("Hello Tia,"), "{}", proven.text());
}

#[tokio::test]
async fn a_register_and_delete_loop_mails_an_address_at_most_the_hourly_limit() {
    let mail = Mailbox::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &mail.sink.url())]).await;
    let victim = "uma@example.com";
    for round in 0..MAILS_PER_HOUR + 3 {
        let browser = app.browser();
        let res = browser.register(victim, "Someone", PASSWORD).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "round {round}");
        // Past the limit the account is made all the same, without its
        // link, and the welcome says so.
        let home = browser.page("/", StatusCode::OK).await;
        let unsent = home.flash_says("We could not mail the link");
        assert_eq!(unsent, round >= MAILS_PER_HOUR, "round {round}: {home}");
        browser.page("/profile", StatusCode::OK).await;
        let res = browser
            .post("/account/delete", &[("password", PASSWORD)])
            .await;
        assert_eq!(location(&res), "/goodbye");
    }
    mail.sink
        .wait_for_exactly(victim, MAILS_PER_HOUR as usize)
        .await;
    // An hour later the address may be mailed again.
    app.clock.advance(3600);
    app.browser().register(victim, "Someone", PASSWORD).await;
    mail.sink
        .wait_for(victim, MAILS_PER_HOUR as usize + 1)
        .await;
}

#[tokio::test]
async fn asking_for_mail_past_the_limit_answers_alike_for_an_address_with_an_account_or_without() {
    let mail = Mailbox::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &mail.sink.url())]).await;
    app.user("vic@example.com").await;
    let guest = app.browser();
    // The account's address had its welcome: one mail fewer to go.
    for _ in 1..MAILS_PER_HOUR {
        assert_eq!(
            ask_for_reset(&guest, "vic@example.com").await.status(),
            StatusCode::OK
        );
    }
    for _ in 0..MAILS_PER_HOUR {
        assert_eq!(
            ask_for_reset(&guest, "nobody@example.com").await.status(),
            StatusCode::OK
        );
    }
    let mut answers = Vec::new();
    for email in ["vic@example.com", "nobody@example.com"] {
        let started = std::time::Instant::now();
        let res = ask_for_reset(&guest, email).await;
        let took = started.elapsed();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "{email}");
        let page = Page::from_response(res).await;
        answers.push((page.text().replace(email, "ADDRESS"), took));
    }
    assert_eq!(answers[0].0, answers[1].0, "one answer for both");
    for (_, took) in &answers {
        assert!(*took >= std::time::Duration::from_millis(400), "{took:?}");
    }
}

#[tokio::test]
async fn a_mailed_link_leaves_the_address_bar_and_no_address_with_a_token_sends_a_referer() {
    let mut mail = Mailbox::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &mail.sink.url())]).await;
    // Every route of the table that takes a token is covered.
    for endpoint in routes::table() {
        if endpoint.path.contains("{token}") {
            let route = endpoint.path.trim_end_matches("{token}");
            assert!(TOKEN_ROUTES.contains(&route), "{}", endpoint.path);
        }
    }
    app.user("val@example.com").await;
    let verify = mail.next_link("val@example.com", "/verify-email/").await;
    let guest = app.browser();
    ask_for_reset(&guest, "val@example.com").await;
    let reset = mail.next_link("val@example.com", "/password/reset/").await;

    for (link, page) in [(&reset, "/password/reset"), (&verify, "/verify-email")] {
        let browser = app.browser();
        // Without the link, the page says what to do.
        let empty = browser.open(page).await;
        assert_eq!(empty.status, StatusCode::GONE, "{empty}");
        assert!(empty.says("Open the link from the mail again"), "{empty}");
        // The first view: no Referer from here, and on to the page.
        let res = browser.get(link).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), page);
        assert_eq!(res.headers()["referrer-policy"], "no-referrer");
        let shown = browser.follow(page).await;
        assert_eq!(shown.status, StatusCode::OK, "{shown}");
        let token = &link[link.rfind('/').unwrap() + 1..];
        assert!(!shown.markup().contains(token), "{shown}");
        assert!(shown.has_form(page), "{shown}");
        // Another browser (another session) holds nothing.
        assert_eq!(app.browser().open(page).await.status, StatusCode::GONE);
    }
    // Dead, forged and malformed links, GET and POST: no Referer either.
    let forged = format!("/verify-email/{}", "A".repeat(43));
    for path in [forged.as_str(), "/password/reset/abc", "/verify-email/x"] {
        let res = guest.get(path).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(res.headers()["referrer-policy"], "no-referrer", "{path}");
        guest.page("/", StatusCode::OK).await;
        let res = guest.post(path, &[]).await;
        assert_eq!(res.headers()["referrer-policy"], "no-referrer", "{path}");
    }
    // Other pages keep the shop's usual policy.
    let res = guest.get("/password/reset").await;
    assert_eq!(
        res.headers()["referrer-policy"],
        "strict-origin-when-cross-origin"
    );
}

#[tokio::test]
async fn a_reset_form_works_from_the_session_and_the_link_is_let_go_once_used() {
    let mut mail = Mailbox::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &mail.sink.url())]).await;
    app.user("wes@example.com").await;
    mail.next("wes@example.com").await;
    let guest = app.browser();
    ask_for_reset(&guest, "wes@example.com").await;
    let link = mail.next_link("wes@example.com", "/password/reset/").await;
    guest.follow(&link).await;
    // A mistake keeps the link held: the form comes back at the same page.
    let fields = [("password", NEW_PASSWORD), ("password_confirm", "no match")];
    let res = guest.submit("/password/reset", &fields).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::from_response(res).await;
    assert!(page.has_form("/password/reset"), "{page}");
    guest.page("/password/reset", StatusCode::OK).await;
    let fields = [
        ("password", NEW_PASSWORD),
        ("password_confirm", NEW_PASSWORD),
    ];
    assert_eq!(
        location(&guest.submit("/password/reset", &fields).await),
        "/login"
    );
    // Used: the session holds it no more, and the page says so.
    let after = guest.open("/password/reset").await;
    assert_eq!(after.status, StatusCode::GONE, "{after}");
    let inspector = guest.page("/session", StatusCode::OK).await;
    assert!(!inspector.says("held_link"), "{inspector}");
}

#[tokio::test]
async fn the_inspector_shows_a_held_link_without_its_token() {
    let mut mail = Mailbox::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &mail.sink.url())]).await;
    app.user("xia@example.com").await;
    let link = mail.next_link("xia@example.com", "/verify-email/").await;
    let guest = app.browser();
    guest.follow(&link).await;
    let inspector = guest.page("/session", StatusCode::OK).await;
    assert!(inspector.says("held_link"), "{inspector}");
    assert!(inspector.says("email_address"), "{inspector}");
    let token = &link[link.rfind('/').unwrap() + 1..];
    assert!(!inspector.markup().contains(token), "{inspector}");
}

#[tokio::test]
async fn a_reset_finished_in_a_browser_signed_in_to_another_account_ends_that_login() {
    let mut mail = Mailbox::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &mail.sink.url())]).await;
    app.user("yan@example.com").await;
    mail.next("yan@example.com").await;
    // A shared computer: signed in as Zoe, who keeps a second browser.
    let shared = app.user("zoe@example.com").await;
    let zoes_phone = app.browser();
    zoes_phone.login("zoe@example.com", PASSWORD).await;
    let copy = shared.cookie().expect("a session cookie");

    let res = mail.reset_password(&shared, "yan@example.com").await;
    assert_eq!(location(&res), "/login");
    let login = shared.page("/login", StatusCode::OK).await;
    assert!(
        login
            .flash_says("This browser was signed in to zoe@example.com: that login has ended too."),
        "{login}"
    );
    assert!(!shared.is_logged_in().await);
    // That login is over everywhere: a copy of its cookie opens nothing,
    // and Zoe's list no longer shows it.
    let thief = app.browser();
    thief.set_cookie(&copy);
    let res = thief.get("/profile").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let sessions = zoes_phone.page("/profile/sessions", StatusCode::OK).await;
    assert_eq!(sessions.count("tbody tr"), 1, "{sessions}");
    // Zoe's own other browser is still signed in.
    assert!(zoes_phone.is_logged_in().await);
}
