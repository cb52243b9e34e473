//! Two-step sign-in: setting it up (sudo mode, a code from the app), the
//! half-signed-in state between the password and the code, recovery codes,
//! turning it off, and what a reset or a key rotation does to it. The
//! codes come from `tests/common/totp.rs`, an authenticator app written
//! from the RFC.

use base64::{engine::general_purpose::STANDARD, Engine};
use reqwest::StatusCode;

use crate::common::{location, smtp::SmtpSink, totp, Browser, Page, TestApp, PASSWORD};

const NEW_PASSWORD: &str = "purple elephant dancing quietly";

/// An account with two-step sign-in on: its browser (signed in), the
/// secret its app holds and its recovery codes.
struct Enrolled {
    browser: Browser,
    email: String,
    secret: String,
    codes: Vec<String>,
}

impl Enrolled {
    /// The code the app shows now.
    fn code(&self, app: &TestApp) -> String {
        totp::code(&self.secret, app.clock.now())
    }
}

/// Registers `email` and turns two-step sign-in on, as its owner would.
async fn enrol(app: &TestApp, email: &str) -> Enrolled {
    let browser = app.user(email).await;
    browser.page("/profile/security", StatusCode::OK).await;
    let res = browser.post("/profile/two-factor/setup", &[]).await;
    assert_eq!(location(&res), "/profile/two-factor/setup");
    let page = browser
        .page("/profile/two-factor/setup", StatusCode::OK)
        .await;
    let secret = page.text_of("#totp-secret").expect("the secret as text");
    let code = totp::code(&secret, app.clock.now());
    let res = browser
        .post("/profile/two-factor/enable", &[("code", &code)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let codes = Page::from_response(res).await.texts(".recovery-code");
    // That code is spent: the next sign-in takes the next step's.
    app.clock.advance(30);
    Enrolled {
        browser,
        email: email.to_string(),
        secret,
        codes,
    }
}

/// A new browser that typed `email`'s password: it is sent to the second
/// step, and is on its page.
async fn password_step(app: &TestApp, email: &str, password: &str) -> Browser {
    let browser = app.browser();
    browser.page("/login", StatusCode::OK).await;
    let res = browser.login(email, password).await;
    assert_eq!(location(&res), "/login/two-factor", "{email}'s password");
    browser.page("/login/two-factor", StatusCode::OK).await;
    browser
}

async fn send_code(browser: &Browser, code: &str) -> reqwest::Response {
    browser.post("/login/two-factor", &[("code", code)]).await
}

/// A six-digit code that is none of the app's codes around now.
fn wrong_code(enrolled: &Enrolled, app: &TestApp) -> String {
    let now = app.clock.now();
    let near: Vec<String> = (-1..=1)
        .map(|step| totp::code(&enrolled.secret, now + step * 30))
        .collect();
    (0..10)
        .map(|digit| digit.to_string().repeat(6))
        .find(|code| !near.contains(code))
        .unwrap()
}

async fn stored_text(app: &TestApp, query: &str) -> Vec<String> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(query))
        .fetch_all(&app.pool)
        .await
        .expect("test SQL runs")
}

#[tokio::test]
async fn two_step_sign_in_turns_on_with_a_code_from_the_app_and_shows_ten_recovery_codes_once() {
    let app = TestApp::spawn().await;
    let owner = app.user("ada@example.com").await;
    let security = owner.page("/profile/security", StatusCode::OK).await;
    assert_eq!(security.text_of("#two-factor .status").unwrap(), "Off");

    let res = owner.post("/profile/two-factor/setup", &[]).await;
    assert_eq!(location(&res), "/profile/two-factor/setup");
    let setup = owner
        .page("/profile/two-factor/setup", StatusCode::OK)
        .await;
    let secret = setup.text_of("#totp-secret").unwrap();
    assert_eq!(secret.len(), 32, "160 bits in base32: {secret}");
    assert!(secret
        .chars()
        .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)));
    assert!(setup.has("svg.qr path"), "a QR code, drawn as SVG: {setup}");
    assert!(!setup.has("script"), "no script on the page");

    // A wrong code changes nothing.
    let right = totp::code(&secret, app.clock.now());
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let res = owner
        .post("/profile/two-factor/enable", &[("code", wrong)])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::from_response(res).await;
    assert!(page.has(".form-error"), "{page}");
    assert_eq!(
        page.text_of("#totp-secret").unwrap(),
        secret,
        "the same secret"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM two_factor").await, 0);

    let res = owner
        .post("/profile/two-factor/enable", &[("code", &right)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = Page::from_response(res).await;
    let codes = page.texts(".recovery-code");
    assert_eq!(codes.len(), 10, "{page}");
    let shape = regex::Regex::new("^[a-z2-7]{4}(-[a-z2-7]{4}){3}$").unwrap();
    assert!(codes.iter().all(|code| shape.is_match(code)), "{codes:?}");
    let mut distinct = codes.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 10);

    let security = owner.page("/profile/security", StatusCode::OK).await;
    assert_eq!(security.text_of("#two-factor .status").unwrap(), "On");
    assert_eq!(
        security.text_of("#recovery-codes-left").unwrap(),
        "10 of 10 left"
    );
    assert!(owner
        .page("/profile", StatusCode::OK)
        .await
        .says("Two-step sign-in turned on"));
    // The secret has left the session, and the codes are not shown again.
    let res = owner.get("/profile/two-factor/setup").await;
    assert_eq!(location(&res), "/profile/security");
    assert!(!security.says(&codes[0]));

    // At rest: the secret sealed, the codes as digests.
    let stored = stored_text(&app, "SELECT secret FROM two_factor").await;
    assert!(!stored[0].contains(&secret) && !stored[0].contains(&secret.to_lowercase()));
    let digests = stored_text(&app, "SELECT digest FROM recovery_codes").await;
    assert_eq!(digests.len(), 10);
    assert!(codes
        .iter()
        .all(|code| digests.iter().all(|d| !d.contains(code.as_str()))));
}

#[tokio::test]
async fn setting_up_two_step_sign_in_needs_a_recently_typed_password() {
    let app = TestApp::spawn().await;
    let owner = app.user("bo@example.com").await;
    app.clock.advance(601);
    owner.page("/profile/security", StatusCode::OK).await;
    let res = owner.post("/profile/two-factor/setup", &[]).await;
    assert_eq!(location(&res), "/confirm-password?next=/profile/security");
    owner.page("/confirm-password", StatusCode::OK).await;
    let res = owner
        .submit("/confirm-password", &[("password", PASSWORD)])
        .await;
    assert_eq!(location(&res), "/profile");
    // Nothing waits in the session, so there is nothing to enable.
    let res = owner.get("/profile/two-factor/setup").await;
    assert_eq!(location(&res), "/profile/security");
    owner.page("/profile/security", StatusCode::OK).await;
    let res = owner
        .post("/profile/two-factor/enable", &[("code", "123456")])
        .await;
    assert_eq!(location(&res), "/profile/security");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM two_factor").await, 0);
    // A setup begun within the window cannot be finished past it: its
    // page and its code ask for the password again.
    owner.page("/profile/security", StatusCode::OK).await;
    let res = owner.post("/profile/two-factor/setup", &[]).await;
    assert_eq!(location(&res), "/profile/two-factor/setup");
    let setup = owner
        .page("/profile/two-factor/setup", StatusCode::OK)
        .await;
    let secret = setup.text_of("#totp-secret").unwrap();
    app.clock.advance(601);
    let res = owner.get("/profile/two-factor/setup").await;
    assert!(location(&res).starts_with("/confirm-password?next="));
    let code = totp::code(&secret, app.clock.now());
    let res = owner
        .post("/profile/two-factor/enable", &[("code", &code)])
        .await;
    assert!(location(&res).starts_with("/confirm-password?next="));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM two_factor").await, 0);
    // A guest is sent to sign in.
    let guest = app.browser();
    guest.page("/", StatusCode::OK).await;
    let res = guest.post("/profile/two-factor/setup", &[]).await;
    assert!(location(&res).starts_with("/login?next="), "{res:?}");
}

#[tokio::test]
async fn an_account_with_two_step_sign_in_is_not_entered_with_the_password_alone() {
    let app = TestApp::spawn().await;
    let enrolled = enrol(&app, "cy@example.com").await;
    let user_id = app
        .scalar("SELECT id FROM users WHERE email = 'cy@example.com'")
        .await;
    let logins = format!("SELECT COUNT(*) FROM logins WHERE user_id = {user_id}");

    let browser = app.browser();
    browser.page("/products", StatusCode::OK).await;
    assert_eq!(
        browser.add_to_cart(1, 2).await.status(),
        StatusCode::SEE_OTHER
    );
    browser.page("/login", StatusCode::OK).await;
    let res = browser.login(&enrolled.email, PASSWORD).await;
    assert_eq!(location(&res), "/login/two-factor");

    // Half signed in: no page of the account, no login row, no merge.
    for page in [
        "/profile",
        "/orders",
        "/profile/security",
        "/profile/sessions",
    ] {
        let res = browser.get(page).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{page}");
        assert!(location(&res).starts_with("/login?next="), "{page}");
    }
    assert!(!browser.is_logged_in().await);
    assert_eq!(browser.cart_count().await, 2, "still the guest's cart");
    assert_eq!(app.scalar(&logins).await, 1, "only the owner's own browser");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM cart_items").await, 0);
    let inspector = browser.page("/session", StatusCode::OK).await;
    let half = inspector.text_of("[data-testid=second-step]").unwrap();
    assert!(half.contains("not a login"), "{half}");
    assert!(!inspector.says(&enrolled.secret));
    let before = inspector.session_fingerprint();

    let page = browser.page("/login/two-factor", StatusCode::OK).await;
    assert!(page.has_form("/login/two-factor"));
    let res = send_code(&browser, &enrolled.code(&app)).await;
    assert_eq!(location(&res), "/");
    assert!(browser.is_logged_in().await);
    assert_eq!(browser.cart_count().await, 2, "the guest's cart, merged");
    assert_eq!(app.scalar(&logins).await, 2);
    let after = browser.page("/session", StatusCode::OK).await;
    assert_ne!(after.session_fingerprint(), before, "a new id");
    assert!(!after.has("[data-testid=second-step]"));
}

#[tokio::test]
async fn the_second_step_goes_on_to_next_and_keeps_keep_me_signed_in() {
    let app = TestApp::spawn().await;
    let enrolled = enrol(&app, "di@example.com").await;
    let browser = app.browser();
    browser.page("/login?next=/orders", StatusCode::OK).await;
    let fields = [
        ("email", enrolled.email.as_str()),
        ("password", PASSWORD),
        ("remember_me", "on"),
    ];
    let res = browser.submit("/login", &fields).await;
    assert_eq!(location(&res), "/login/two-factor");
    browser.page("/login/two-factor", StatusCode::OK).await;
    let res = send_code(&browser, &enrolled.code(&app)).await;
    assert_eq!(location(&res), "/orders");
    let cookie = crate::common::set_cookie_named(&res, "session").expect("a new cookie");
    assert!(
        cookie.to_lowercase().contains("max-age="),
        "kept past the browser: {cookie}"
    );
    let user_id = app
        .scalar("SELECT id FROM users WHERE email = 'di@example.com'")
        .await;
    let remembered = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM logins WHERE user_id = {user_id} AND remember_me = 1"
        ))
        .await;
    assert_eq!(remembered, 1);
}

#[tokio::test]
async fn a_code_works_once_and_a_wrong_code_is_refused() {
    let app = TestApp::spawn().await;
    let enrolled = enrol(&app, "ed@example.com").await;
    let code = enrolled.code(&app);
    let first = password_step(&app, &enrolled.email, PASSWORD).await;
    assert_eq!(location(&send_code(&first, &code).await), "/");

    let second = password_step(&app, &enrolled.email, PASSWORD).await;
    let res = send_code(&second, &code).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "replayed");
    let page = Page::from_response(res).await;
    assert!(page.says("was used already"), "{page}");
    for bad in [wrong_code(&enrolled, &app).as_str(), "12ab56", ""] {
        second.page("/login/two-factor", StatusCode::OK).await;
        let res = send_code(&second, bad).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
    }
    assert!(!second.is_logged_in().await);
    assert!(enrolled
        .browser
        .page("/profile", StatusCode::OK)
        .await
        .says("Failed sign-in (wrong second-step code)"));
}

#[tokio::test]
async fn five_wrong_codes_end_the_step_and_the_account_then_waits_for_its_window() {
    let app = TestApp::spawn().await;
    let enrolled = enrol(&app, "fa@example.com").await;
    let wrong = wrong_code(&enrolled, &app);
    let browser = password_step(&app, &enrolled.email, PASSWORD).await;
    for try_left in (1..=4).rev() {
        browser.page("/login/two-factor", StatusCode::OK).await;
        let res = send_code(&browser, &wrong).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = Page::from_response(res).await;
        assert!(page.says(&format!("{try_left} more try")), "{page}");
    }
    browser.page("/login/two-factor", StatusCode::OK).await;
    let res = send_code(&browser, &wrong).await;
    assert_eq!(location(&res), "/login", "the fifth ends it");
    let res = browser.get("/login/two-factor").await;
    assert_eq!(location(&res), "/login");
    browser.page("/login", StatusCode::OK).await;
    let res = send_code(&browser, &enrolled.code(&app)).await;
    assert_eq!(
        location(&res),
        "/login",
        "no step: a right code does nothing"
    );
    assert!(!browser.is_logged_in().await);

    // The password again opens a step, but the account's codes are used
    // up for the window: the right code waits too.
    let again = password_step(&app, &enrolled.email, PASSWORD).await;
    let res = send_code(&again, &enrolled.code(&app)).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(!again.is_logged_in().await);

    app.clock.advance(901);
    let later = password_step(&app, &enrolled.email, PASSWORD).await;
    let res = send_code(&later, &enrolled.code(&app)).await;
    assert_eq!(location(&res), "/");
}

#[tokio::test]
async fn the_step_ends_after_its_timeout_and_belongs_to_the_browser_that_began_it() {
    let app = TestApp::spawn_with(&[("TWO_FACTOR_TIMEOUT", "120")]).await;
    let enrolled = enrol(&app, "gu@example.com").await;
    let slow = password_step(&app, &enrolled.email, PASSWORD).await;
    app.clock.advance(121);
    let res = send_code(&slow, &enrolled.code(&app)).await;
    assert_eq!(location(&res), "/login");
    let login = slow.follow("/login").await;
    assert!(login.flash_says("sign in again"), "{login}");
    assert!(!slow.is_logged_in().await);

    // Another browser, with no first step of its own, gets nowhere with
    // the code; the one that began the step still can.
    let began = password_step(&app, &enrolled.email, PASSWORD).await;
    let stranger = app.browser();
    stranger.page("/login", StatusCode::OK).await;
    let res = send_code(&stranger, &enrolled.code(&app)).await;
    assert_eq!(location(&res), "/login");
    assert!(!stranger.is_logged_in().await);
    assert_eq!(
        location(&send_code(&began, &enrolled.code(&app)).await),
        "/"
    );
}

/// `email`'s `n`th mail, once it has come.
async fn mail_to(sink: &SmtpSink, email: &str, n: usize) -> crate::common::smtp::Received {
    sink.wait_for(email, n).await[n - 1].clone()
}

#[tokio::test]
async fn a_recovery_code_signs_in_once_and_its_owner_is_told() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &sink.url())]).await;
    let enrolled = enrol(&app, "hu@example.com").await;
    let on = mail_to(&sink, &enrolled.email, 2).await;
    assert_eq!(on.subject(), "Two-step sign-in is on");

    let browser = password_step(&app, &enrolled.email, PASSWORD).await;
    // Typed as a person might: capitals, spaces for dashes.
    let typed = enrolled.codes[3].to_uppercase().replace('-', " ");
    let res = send_code(&browser, &typed).await;
    assert_eq!(location(&res), "/");
    assert!(browser
        .page("/", StatusCode::OK)
        .await
        .flash_says("recovery code"));
    let used = mail_to(&sink, &enrolled.email, 3).await;
    assert_eq!(used.subject(), "A recovery code was used");
    assert!(
        used.text().contains("9 of your codes are left"),
        "{}",
        used.text()
    );

    let again = password_step(&app, &enrolled.email, PASSWORD).await;
    let res = send_code(&again, &enrolled.codes[3]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let security = enrolled
        .browser
        .page("/profile/security", StatusCode::OK)
        .await;
    assert_eq!(
        security.text_of("#recovery-codes-left").unwrap(),
        "9 of 10 left"
    );
}

#[tokio::test]
async fn new_recovery_codes_replace_the_old_set() {
    let app = TestApp::spawn().await;
    let enrolled = enrol(&app, "io@example.com").await;
    enrolled
        .browser
        .page("/profile/security", StatusCode::OK)
        .await;
    let res = enrolled
        .browser
        .post("/profile/two-factor/recovery-codes", &[])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let fresh = Page::from_response(res).await.texts(".recovery-code");
    assert_eq!(fresh.len(), 10);
    assert!(fresh.iter().all(|code| !enrolled.codes.contains(code)));

    let browser = password_step(&app, &enrolled.email, PASSWORD).await;
    let res = send_code(&browser, &enrolled.codes[0]).await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the old set"
    );
    browser.page("/login/two-factor", StatusCode::OK).await;
    assert_eq!(location(&send_code(&browser, &fresh[0]).await), "/");
}

#[tokio::test]
async fn turning_it_off_needs_the_password_and_sudo_mode_and_then_the_password_alone_signs_in() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &sink.url())]).await;
    let enrolled = enrol(&app, "jo@example.com").await;
    let owner = &enrolled.browser;

    app.clock.advance(601);
    owner.page("/profile/security", StatusCode::OK).await;
    let res = owner
        .post("/profile/two-factor/disable", &[("password", PASSWORD)])
        .await;
    assert_eq!(location(&res), "/confirm-password?next=/profile/security");
    owner.page(&location(&res), StatusCode::OK).await;
    let res = owner
        .submit("/confirm-password", &[("password", PASSWORD)])
        .await;
    assert_eq!(location(&res), "/profile/security");

    owner.page("/profile/security", StatusCode::OK).await;
    let res = owner
        .post(
            "/profile/two-factor/disable",
            &[("password", "not my password")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::from_response(res).await;
    assert!(page.error_for("password").is_some(), "{page}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM two_factor").await, 1);

    owner.page("/profile/security", StatusCode::OK).await;
    let res = owner
        .post("/profile/two-factor/disable", &[("password", PASSWORD)])
        .await;
    assert_eq!(location(&res), "/profile/security");
    let security = owner.page("/profile/security", StatusCode::OK).await;
    assert_eq!(security.text_of("#two-factor .status").unwrap(), "Off");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM recovery_codes").await, 0);
    let off = mail_to(&sink, &enrolled.email, 3).await;
    assert_eq!(off.subject(), "Two-step sign-in is off");

    let browser = app.browser();
    browser.page("/login", StatusCode::OK).await;
    let res = browser.login(&enrolled.email, PASSWORD).await;
    assert_eq!(location(&res), "/");
    assert!(browser.is_logged_in().await);
}

#[tokio::test]
async fn a_password_reset_keeps_two_step_sign_in_and_ends_a_step_begun_before_it() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &sink.url())]).await;
    let enrolled = enrol(&app, "ka@example.com").await;
    let intruder = password_step(&app, &enrolled.email, PASSWORD).await;

    let owner = app.browser();
    owner.page("/password/forgot", StatusCode::OK).await;
    owner
        .post("/password/forgot", &[("email", &enrolled.email)])
        .await;
    let mail = mail_to(&sink, &enrolled.email, 3).await;
    let link = mail.link_to("/password/reset/").expect("a reset link");
    owner.follow(&link).await;
    let fields = [
        ("password", NEW_PASSWORD),
        ("password_confirm", NEW_PASSWORD),
    ];
    let res = owner.submit("/password/reset", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // The step the old password opened is over.
    let res = send_code(&intruder, &enrolled.code(&app)).await;
    assert_eq!(location(&res), "/login");
    assert!(!intruder.is_logged_in().await);
    // The new password still needs the code.
    let browser = password_step(&app, &enrolled.email, NEW_PASSWORD).await;
    assert_eq!(
        location(&send_code(&browser, &enrolled.code(&app)).await),
        "/"
    );
}

#[tokio::test]
async fn the_secret_is_sealed_at_rest_and_sealed_again_when_the_key_rotates() {
    let app = TestApp::spawn().await;
    let enrolled = enrol(&app, "lu@example.com").await;
    let sealed = stored_text(&app, "SELECT secret FROM two_factor").await;

    let old_key = STANDARD.encode([42u8; 64]);
    let new_key = STANDARD.encode([7u8; 64]);
    let rotating = app
        .restart_with(&[
            ("SESSION_SECRET", &new_key),
            ("SESSION_SECRET_PREVIOUS", &old_key),
        ])
        .await;
    let resealed = stored_text(&rotating, "SELECT secret FROM two_factor").await;
    assert_ne!(resealed, sealed, "sealed again at start");
    let key_of = |sealed: &str| sealed.split('.').next().unwrap().to_string();
    assert_ne!(key_of(&resealed[0]), key_of(&sealed[0]));

    // The old key can go: the secret opens under the new one alone.
    let rotated = rotating.restart_with(&[("SESSION_SECRET", &new_key)]).await;
    // A restart's clock starts again from the system's: past the step
    // of the code that turned it on.
    rotated.clock.advance(30);
    let browser = password_step(&rotated, &enrolled.email, PASSWORD).await;
    let code = totp::code(&enrolled.secret, rotated.clock.now());
    assert_eq!(location(&send_code(&browser, &code).await), "/");
}

/// Completes `browser`'s second step with `code`, ticking "don't ask again
/// on this browser".
async fn send_code_and_remember(browser: &Browser, code: &str) -> reqwest::Response {
    let fields = [("code", code), ("remember_device", "on")];
    browser.post("/login/two-factor", &fields).await
}

/// Signs `browser` out and in again with `email`'s password: where the
/// sign-in goes (`/` signed in, `/login/two-factor` asked for a code).
async fn password_again(browser: &Browser, email: &str, password: &str) -> String {
    if browser.is_logged_in().await {
        browser.logout().await;
    }
    browser.page("/login", StatusCode::OK).await;
    location(&browser.login(email, password).await)
}

#[tokio::test]
async fn dont_ask_again_lets_this_browser_alone_skip_the_code_for_thirty_days() {
    let app = TestApp::spawn().await;
    let enrolled = enrol(&app, "mo@example.com").await;
    let other = enrol(&app, "ny@example.com").await;
    let browser = password_step(&app, &enrolled.email, PASSWORD).await;
    let res = send_code_and_remember(&browser, &enrolled.code(&app)).await;
    assert_eq!(location(&res), "/");
    let cookie = crate::common::set_cookie_named(&res, "remembered").expect("its own cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=2592000"] {
        assert!(cookie.contains(attribute), "{attribute}: {cookie}");
    }

    // Signed out and in again: the password alone, here and only here.
    assert_eq!(
        password_again(&browser, &enrolled.email, PASSWORD).await,
        "/"
    );
    assert!(browser.is_logged_in().await);
    let elsewhere = app.browser();
    assert_eq!(
        password_again(&elsewhere, &enrolled.email, PASSWORD).await,
        "/login/two-factor"
    );
    // The cookie names this account's browser, not another account's.
    assert_eq!(
        password_again(&browser, &other.email, PASSWORD).await,
        "/login/two-factor"
    );
    // A made-up cookie is no cookie.
    let forger = app.browser();
    let url = reqwest::Url::parse(&app.address).unwrap();
    forger
        .jar
        .add_cookie_str("remembered=made-up-token; Path=/", &url);
    assert_eq!(
        password_again(&forger, &enrolled.email, PASSWORD).await,
        "/login/two-factor"
    );

    let security = enrolled
        .browser
        .page("/profile/security", StatusCode::OK)
        .await;
    assert_eq!(
        security.count("#remembered-browsers tbody tr"),
        1,
        "{security}"
    );

    app.clock.advance(30 * 86_400 + 1);
    assert_eq!(
        password_again(&browser, &enrolled.email, PASSWORD).await,
        "/login/two-factor",
        "thirty days later, the code again"
    );
}

#[tokio::test]
async fn every_change_of_the_credentials_forgets_every_remembered_browser() {
    let app = TestApp::spawn().await;
    let enrolled = enrol(&app, "oz@example.com").await;
    let owner = &enrolled.browser;
    let remembered = app.browser();
    let remember = || async {
        app.clock.advance(30);
        let step = password_again(&remembered, &enrolled.email, PASSWORD).await;
        assert_eq!(step, "/login/two-factor");
        remembered.page("/login/two-factor", StatusCode::OK).await;
        let res = send_code_and_remember(&remembered, &enrolled.code(&app)).await;
        assert_eq!(location(&res), "/");
        assert_eq!(
            password_again(&remembered, &enrolled.email, PASSWORD).await,
            "/"
        );
    };

    // "Sign out everywhere".
    remember().await;
    owner.page("/profile/sessions", StatusCode::OK).await;
    let res = owner.post("/profile/sessions/revoke-others", &[]).await;
    assert_eq!(location(&res), "/profile/sessions");
    assert_eq!(
        password_again(&remembered, &enrolled.email, PASSWORD).await,
        "/login/two-factor"
    );

    // "Forget every browser" on the security page.
    remember().await;
    owner.page("/profile/security", StatusCode::OK).await;
    let res = owner.post("/profile/security/browsers/forget", &[]).await;
    assert_eq!(location(&res), "/profile/security");
    assert_eq!(
        password_again(&remembered, &enrolled.email, PASSWORD).await,
        "/login/two-factor"
    );

    // A new password.
    remember().await;
    owner.page("/profile", StatusCode::OK).await;
    let fields = [
        ("current_password", PASSWORD),
        ("new_password", NEW_PASSWORD),
        ("new_password_confirm", NEW_PASSWORD),
    ];
    let res = owner.post("/profile/password", &fields).await;
    assert_eq!(location(&res), "/profile");
    assert_eq!(
        password_again(&remembered, &enrolled.email, NEW_PASSWORD).await,
        "/login/two-factor"
    );

    // Two-step sign-in turned off takes its browsers with it.
    app.clock.advance(30);
    remembered.page("/login/two-factor", StatusCode::OK).await;
    let res = send_code_and_remember(&remembered, &enrolled.code(&app)).await;
    assert_eq!(location(&res), "/");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM remembered_browsers").await,
        1
    );
    owner.page("/profile/security", StatusCode::OK).await;
    let res = owner
        .post("/profile/two-factor/disable", &[("password", NEW_PASSWORD)])
        .await;
    assert_eq!(location(&res), "/profile/security");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM remembered_browsers").await,
        0
    );
}

#[tokio::test]
async fn a_setup_sent_again_once_it_is_on_changes_neither_the_secret_nor_the_codes() {
    let app = TestApp::spawn().await;
    let enrolled = enrol(&app, "pi@example.com").await;
    let owner = &enrolled.browser;
    let secret_at_rest = stored_text(&app, "SELECT secret FROM two_factor").await;
    let digests = stored_text(&app, "SELECT digest FROM recovery_codes ORDER BY digest").await;

    owner.page("/profile/security", StatusCode::OK).await;
    let res = owner.post("/profile/two-factor/setup", &[]).await;
    assert_eq!(location(&res), "/profile/two-factor/setup");
    let setup = owner
        .page("/profile/two-factor/setup", StatusCode::OK)
        .await;
    let other_secret = setup.text_of("#totp-secret").unwrap();
    let code = totp::code(&other_secret, app.clock.now());
    let res = owner
        .post("/profile/two-factor/enable", &[("code", &code)])
        .await;
    assert_eq!(location(&res), "/profile/security");
    let page = owner.page("/profile/security", StatusCode::OK).await;
    assert!(page.flash_says("on already"), "{page}");
    assert_eq!(
        stored_text(&app, "SELECT secret FROM two_factor").await,
        secret_at_rest
    );
    assert_eq!(
        stored_text(&app, "SELECT digest FROM recovery_codes ORDER BY digest").await,
        digests
    );
    // The app's codes still sign in; the other secret's do not.
    let browser = password_step(&app, &enrolled.email, PASSWORD).await;
    let res = send_code(&browser, &totp::code(&other_secret, app.clock.now())).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    browser.page("/login/two-factor", StatusCode::OK).await;
    assert_eq!(
        location(&send_code(&browser, &enrolled.code(&app)).await),
        "/"
    );
}
