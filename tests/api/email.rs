//! The account's address: proven by a mailed link, sent again on request,
//! changed only when the new one is proven; and sudo mode before the
//! riskiest changes.

use reqwest::StatusCode;

use cookie_jar::services::mail::MAILS_PER_HOUR;

use crate::common::{location, smtp::SmtpSink, Page, TestApp, PASSWORD};

async fn app_with_sink() -> (SmtpSink, TestApp) {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &sink.url())]).await;
    (sink, app)
}

#[tokio::test]
async fn a_new_account_works_at_once_and_is_asked_to_confirm_its_address() {
    let (sink, app) = app_with_sink().await;
    let browser = app.user("lea@example.com").await;
    let home = browser.page("/", StatusCode::OK).await;
    assert!(
        home.says("Please confirm your address: we sent a link to lea@example.com."),
        "{home}"
    );
    assert!(home.has_form("/verify-email/resend"));
    // Nothing waits for the proof: the cart and checkout work as before.
    browser.add_to_cart(1, 1).await;
    assert_eq!(
        location(&browser.post("/checkout", &[]).await)
            .split('/')
            .nth(1),
        Some("orders")
    );
    let profile = browser.page("/profile", StatusCode::OK).await;
    assert!(profile.says("Not confirmed yet"), "{profile}");

    let link = sink.wait_for("lea@example.com", 1).await[0]
        .link_to("/verify-email/")
        .unwrap();
    // Incoming the link changes nothing (mail scanners open links); its
    // button does. Another browser, not signed in, may use it. The token
    // leaves the address bar at once: the page is `/verify-email`.
    let other = app.browser();
    let page = other.follow(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.url.ends_with("/verify-email"), "{page}");
    assert!(
        page.says("Confirm that lea@example.com is yours."),
        "{page}"
    );
    assert!(browser
        .page("/profile", StatusCode::OK)
        .await
        .says("Not confirmed yet"));
    let res = other.submit("/verify-email", &[]).await;
    assert_eq!(location(&res), "/login");
    let profile = browser.page("/profile", StatusCode::OK).await;
    assert!(profile.says("Confirmed"), "{profile}");
    assert!(profile.says("Email address confirmed"), "{profile}");
    assert!(!browser
        .page("/", StatusCode::OK)
        .await
        .has(".verify-banner"));
    // Used once; a second use says so.
    let again = other.open(&link).await;
    assert_eq!(again.status, StatusCode::GONE);
    assert!(again.says("This link was used already"), "{again}");
}

#[tokio::test]
async fn send_again_mails_a_new_link_that_retires_the_old_one_and_is_throttled() {
    let (sink, app) = app_with_sink().await;
    let browser = app.user("max@example.com").await;
    let first = sink.wait_for("max@example.com", 1).await[0]
        .link_to("/verify-email/")
        .unwrap();
    browser.page("/products", StatusCode::OK).await;
    let res = browser.post("/verify-email/resend", &[]).await;
    assert_eq!(
        location(&res),
        "/products",
        "back to the page it was sent from"
    );
    let page = browser.page("/products", StatusCode::OK).await;
    assert!(
        page.flash_says("A new link is on its way to max@example.com."),
        "{page}"
    );
    let second = sink.wait_for("max@example.com", 2).await[1]
        .link_to("/verify-email/")
        .unwrap();
    assert_ne!(first, second);
    let older = browser.open(&first).await;
    assert_eq!(older.status, StatusCode::GONE, "the older link is retired");
    assert!(older.says("a newer one was sent since"), "{older}");
    // Every mail to the address counts, the one at registration too.
    for _ in 2..MAILS_PER_HOUR {
        browser.page("/", StatusCode::OK).await;
        assert_eq!(
            browser.post("/verify-email/resend", &[]).await.status(),
            StatusCode::SEE_OTHER
        );
    }
    browser.page("/", StatusCode::OK).await;
    let flood = browser.post("/verify-email/resend", &[]).await;
    assert_eq!(flood.status(), StatusCode::TOO_MANY_REQUESTS);
    let page = Page::from_response(flood).await;
    assert!(page.says("nothing was sent and nothing changed"), "{page}");
    // The first and the rest again, and no more.
    let sent = sink
        .wait_for_exactly("max@example.com", MAILS_PER_HOUR as usize)
        .await;
    // Expired links say so. The newest link is the one still live: mails
    // queued in the same second may go out in any order.
    let mut live = Vec::new();
    for mail in &sent {
        let link = mail.link_to("/verify-email/").unwrap();
        if browser.open(&link).await.status != StatusCode::GONE {
            live.push(link);
        }
    }
    assert_eq!(live.len(), 1, "only the newest link works");
    let last = live.pop().unwrap();
    app.clock.advance(86_400);
    let stale = browser.open(&last).await;
    assert_eq!(stale.status, StatusCode::GONE);
    assert!(stale.says("run out of time"), "{stale}");
}

#[tokio::test]
async fn changing_the_address_asks_the_password_and_takes_effect_when_the_new_one_is_proven() {
    let (sink, app) = app_with_sink().await;
    let browser = app.user("ned@example.com").await;
    let welcome = sink.wait_for("ned@example.com", 1).await[0]
        .link_to("/verify-email/")
        .unwrap();
    browser.page("/profile", StatusCode::OK).await;
    let wrong = browser
        .post(
            "/profile/email",
            &[
                ("new_email", "ned@new.example"),
                ("password", "not my password"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::from_response(wrong).await;
    assert!(page.error_for("email_password").is_some(), "{page}");
    for (bad, field) in [
        ("not an address", "new_email"),
        ("ned@example.com", "new_email"),
    ] {
        browser.page("/profile", StatusCode::OK).await;
        let res = browser
            .post(
                "/profile/email",
                &[("new_email", bad), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(
            Page::from_response(res).await.error_for(field).is_some(),
            "{bad}"
        );
    }
    browser.page("/profile", StatusCode::OK).await;
    let res = browser
        .post(
            "/profile/email",
            &[("new_email", "Ned@New.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(location(&res), "/profile");
    let profile = browser.page("/profile", StatusCode::OK).await;
    assert!(
        profile.flash_says("We sent a link to ned@new.example."),
        "{profile}"
    );
    // Nothing changed yet.
    assert!(profile.says("ned@example.com"), "{profile}");
    let mail = &sink.wait_for("ned@new.example", 1).await[0];
    assert_eq!(mail.subject(), "Confirm your new email address");
    let link = mail.link_to("/verify-email/").unwrap();
    // The current address is told at once, and how to stop it.
    let told = &sink.wait_for("ned@example.com", 2).await[1];
    assert_eq!(told.subject(), "Someone asked to change your email address");
    assert!(told.text().contains("reset it now"), "{}", told.text());
    // "Send again" for the current address leaves the change's link alone.
    browser.page("/profile", StatusCode::OK).await;
    browser.post("/verify-email/resend", &[]).await;
    let resent = sink.wait_for("ned@example.com", 3).await[2]
        .link_to("/verify-email/")
        .unwrap();
    let page = browser.follow(&link).await;
    assert!(
        page.says("Sign in with ned@new.example from now on?"),
        "{page}"
    );
    let res = browser.submit("/verify-email", &[]).await;
    assert_eq!(location(&res), "/profile");
    let profile = browser.page("/profile", StatusCode::OK).await;
    assert!(profile.says("ned@new.example Confirmed"), "{profile}");
    assert!(profile.says("Email address changed"), "{profile}");
    // The old address is told, and its links prove nothing any more.
    // (The old address was never proven, so the notice does not name the
    // new one: that is text the requester chose.)
    let told = sink.wait_for("ned@example.com", 4).await;
    assert_eq!(told[3].subject(), "Your email address was changed");
    assert!(
        told[3].text().contains("no longer signs in"),
        "{}",
        told[3].text()
    );
    assert!(!told[3].text().contains("ned@new.example"));
    for old in [&welcome, &resent] {
        assert_eq!(browser.open(old).await.status, StatusCode::GONE, "{old}");
    }
    assert!(browser
        .page("/profile", StatusCode::OK)
        .await
        .says("ned@new.example"));
    // Signing in takes the new address only.
    let other = app.browser();
    assert_eq!(
        other.login("ned@example.com", PASSWORD).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        other.login("ned@new.example", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn an_address_taken_before_the_link_is_used_stays_with_its_owner() {
    let (sink, app) = app_with_sink().await;
    let browser = app.user("ola@example.com").await;
    browser.page("/profile", StatusCode::OK).await;
    browser
        .post(
            "/profile/email",
            &[("new_email", "wanted@example.com"), ("password", PASSWORD)],
        )
        .await;
    let link = sink.wait_for("wanted@example.com", 1).await[0]
        .link_to("/verify-email/")
        .unwrap();
    app.user("wanted@example.com").await;
    browser.follow(&link).await;
    let res = browser.submit("/verify-email", &[]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let page = Page::from_response(res).await;
    assert!(page.says("your address stays ola@example.com"), "{page}");
    assert!(browser
        .page("/profile", StatusCode::OK)
        .await
        .says("ola@example.com"));
}

#[tokio::test]
async fn past_the_window_signing_out_other_browsers_asks_for_the_password_and_comes_back() {
    let app = TestApp::spawn().await;
    let browser = app.user("pia@example.com").await;
    let elsewhere = app.browser();
    elsewhere.login("pia@example.com", PASSWORD).await;
    // Just signed in: no need to confirm.
    let inspector = browser.page("/session", StatusCode::OK).await;
    assert!(
        inspector
            .text_of("[data-testid=sudo]")
            .unwrap()
            .contains("needs no password again"),
        "{inspector}"
    );
    app.clock.advance(11 * 60);
    let inspector = browser.page("/session", StatusCode::OK).await;
    assert!(
        inspector
            .text_of("[data-testid=sudo]")
            .unwrap()
            .contains("will ask for it again"),
        "{inspector}"
    );

    let sessions = browser.page("/profile/sessions", StatusCode::OK).await;
    let revoke_one = sessions
        .attr(
            "form[action^=\"/profile/sessions/\"][action$=\"/revoke\"]",
            "action",
        )
        .expect("a sign-out button for the other browser");
    for action in ["/profile/sessions/revoke-others", revoke_one.as_str()] {
        browser.page("/profile/sessions", StatusCode::OK).await;
        let res = browser.post(action, &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{action}");
        assert_eq!(
            location(&res),
            "/confirm-password?next=/profile/sessions",
            "{action}"
        );
    }
    assert!(elsewhere.is_logged_in().await, "nothing was done");

    let form = browser
        .page("/confirm-password?next=/profile/sessions", StatusCode::OK)
        .await;
    assert!(form.says("Confirm your password"), "{form}");
    let wrong = browser
        .post(
            "/confirm-password",
            &[("password", "not it"), ("next", "/profile/sessions")],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    browser
        .page("/confirm-password?next=/profile/sessions", StatusCode::OK)
        .await;
    let right = browser
        .post(
            "/confirm-password",
            &[("password", PASSWORD), ("next", "/profile/sessions")],
        )
        .await;
    assert_eq!(location(&right), "/profile/sessions");
    let inspector = browser.page("/session", StatusCode::OK).await;
    assert!(inspector
        .text_of("[data-testid=sudo]")
        .unwrap()
        .contains("needs no password again"));
    assert!(inspector.says("password_confirmed_at"), "{inspector}");
    browser.page("/profile/sessions", StatusCode::OK).await;
    let res = browser.post("/profile/sessions/revoke-others", &[]).await;
    assert_eq!(location(&res), "/profile/sessions");
    assert!(!elsewhere.is_logged_in().await);
}

#[tokio::test]
async fn the_forms_that_ask_for_the_password_count_it_as_the_confirmation() {
    let app = TestApp::spawn().await;
    let browser = app.user("rex@example.com").await;
    app.clock.advance(11 * 60);
    let sudo = |page: Page| page.text_of("[data-testid=sudo]").unwrap();
    browser.page("/profile", StatusCode::OK).await;
    let wrong = browser
        .post(
            "/profile/email",
            &[("new_email", "rex@new.example"), ("password", "not it")],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let inspector = browser.page("/session", StatusCode::OK).await;
    assert!(sudo(inspector).contains("will ask for it again"));
    browser.page("/profile", StatusCode::OK).await;
    let right = browser
        .post(
            "/profile/email",
            &[("new_email", "rex@new.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(location(&right), "/profile");
    let inspector = browser.page("/session", StatusCode::OK).await;
    assert!(sudo(inspector).contains("needs no password again"));
    // Deleting the account past the window: its own password suffices.
    app.clock.advance(11 * 60);
    browser.page("/profile", StatusCode::OK).await;
    let gone = browser
        .post("/account/delete", &[("password", PASSWORD)])
        .await;
    assert_eq!(location(&gone), "/goodbye");
}

#[tokio::test]
async fn confirming_the_password_returns_to_local_paths_only() {
    let app = TestApp::spawn().await;
    let browser = app.user("quinn@example.com").await;
    for next in [
        "https://evil.example/",
        "//evil.example/x",
        "javascript:alert(1)",
    ] {
        let form = browser
            .page(&format!("/confirm-password?next={next}"), StatusCode::OK)
            .await;
        assert_eq!(form.field("next").as_deref(), Some("/profile"), "{next}");
        let res = browser
            .post(
                "/confirm-password",
                &[("password", PASSWORD), ("next", next)],
            )
            .await;
        assert_eq!(location(&res), "/profile", "{next}");
    }
    // A guest is asked to sign in first.
    let guest = app.browser();
    let res = guest.get("/confirm-password?next=/profile").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/login?next="));
}
