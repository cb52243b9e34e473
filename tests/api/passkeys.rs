//! Passkeys over HTTP: each ceremony starts with a challenge the session
//! keeps, and no answer works without it, or twice, or forged. The right
//! answers come from a software passkey (`tests/common/authenticator.rs`);
//! `tests/browser.rs` does the same through Chromium's virtual
//! authenticator.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::{authenticator::Authenticator, location, totp, Browser, Page, TestApp};

/// POSTs `body` as JSON to `path` from the page the browser is on, with
/// that page's CSRF token in the header, as static/js/passkeys.js does.
async fn post_json(browser: &Browser, path: &str, body: &Value) -> reqwest::Response {
    let page = browser.current_page().await;
    let token = page.csrf_token().expect("the page has a CSRF token");
    browser
        .client
        .post(browser.url(path))
        .header("referer", &page.url)
        .header("content-type", "application/json")
        .header("x-csrf-token", token)
        .body(body.to_string())
        .send()
        .await
        .expect("POST")
}

/// An answer shaped like a browser's, signed by nobody.
fn forged_assertion() -> Value {
    json!({
        "id": "AAAA",
        "rawId": "AAAA",
        "type": "public-key",
        "response": {
            "authenticatorData": "AAAA",
            "clientDataJSON": "AAAA",
            "signature": "AAAA",
            "userHandle": "AAAAAAAAAAAAAAAAAAAAAA"
        },
        "extensions": {}
    })
}

#[tokio::test]
async fn a_passkey_sign_in_starts_with_a_challenge_and_refuses_a_forged_or_repeated_answer() {
    let app = TestApp::spawn().await;
    let guest = app.browser();
    let login = guest.page("/login", StatusCode::OK).await;
    assert!(login.has("button#passkey-login"), "{login}");
    assert!(login.has("script[src^='/static/js/passkeys.js']"));

    let res = post_json(&guest, "/passkeys/login/options", &json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let options: Value = serde_json::from_str(&res.text().await.unwrap()).unwrap();
    let challenge = options["publicKey"]["challenge"].as_str().unwrap();
    assert!(
        challenge.len() >= 43,
        "a challenge of 32 bytes or more: {challenge}"
    );
    assert_eq!(options["publicKey"]["rpId"], "localhost");

    guest.page("/login", StatusCode::OK).await;
    let res = post_json(&guest, "/passkeys/login", &forged_assertion()).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // The challenge went with that answer: the next one has none.
    let res = post_json(&guest, "/passkeys/login", &forged_assertion()).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(!guest.is_logged_in().await);

    // Without the token, nothing starts; a body that is no answer is 400.
    let res = guest
        .client
        .post(guest.url("/passkeys/login/options"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    guest.page("/login", StatusCode::OK).await;
    let res = post_json(&guest, "/passkeys/login", &json!({"id": 1})).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(!guest.is_logged_in().await);
}

#[tokio::test]
async fn adding_a_passkey_needs_sudo_mode_and_an_answer_to_its_own_challenge() {
    let app = TestApp::spawn().await;
    let owner = app.user("qi@example.com").await;
    let security = owner.page("/profile/security", StatusCode::OK).await;
    assert!(security.has("#add-passkey"));
    assert!(security.says("No passkey yet."));

    let res = post_json(&owner, "/passkeys/register/options", &json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let options: Value = serde_json::from_str(&res.text().await.unwrap()).unwrap();
    assert_eq!(options["publicKey"]["user"]["name"], "qi@example.com");
    assert_eq!(options["publicKey"]["rp"]["id"], "localhost");

    owner.page("/profile/security", StatusCode::OK).await;
    let forged = json!({
        "name": "My phone",
        "credential": {
            "id": "AAAA",
            "rawId": "AAAA",
            "type": "public-key",
            "response": {"attestationObject": "AAAA", "clientDataJSON": "AAAA"},
            "extensions": {}
        }
    });
    let res = post_json(&owner, "/passkeys/register", &forged).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM passkeys").await, 0);

    // Past the window, the password is asked first.
    app.clock.advance(601);
    owner.page("/profile/security", StatusCode::OK).await;
    let res = post_json(&owner, "/passkeys/register/options", &json!({})).await;
    assert!(
        location(&res).starts_with("/confirm-password?next="),
        "{res:?}"
    );
    let res = owner.post("/profile/passkeys/AAAA/delete", &[]).await;
    assert!(
        location(&res).starts_with("/confirm-password?next="),
        "{res:?}"
    );
}

#[tokio::test]
async fn a_shop_reached_by_an_ip_address_runs_without_passkeys_and_offers_none() {
    let app = TestApp::spawn_with(&[("PUBLIC_ORIGIN", "http://192.168.1.10:8080")]).await;
    let guest = app.browser();
    let login = guest.page("/login", StatusCode::OK).await;
    assert!(!login.has("#passkey-login"), "{login}");
    assert!(!login.has("script"));
    // (Its forms want their own origin, so this test, on 127.0.0.1, stops
    // at the page.)
}

/// The options a ceremony's first request gives, as JSON.
async fn options_of(browser: &Browser, path: &str) -> Value {
    let res = post_json(browser, path, &json!({})).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    serde_json::from_str(&res.text().await.unwrap()).unwrap()
}

#[tokio::test]
async fn a_passkey_signs_in_alone_with_two_step_sign_in_on_and_answers_each_challenge_once() {
    let app = TestApp::spawn().await;
    let owner = app.user("su@example.com").await;
    let mut phone = Authenticator::new(&app.address, 1);

    // Two-step sign-in on, as its owner turns it on.
    owner.page("/profile/security", StatusCode::OK).await;
    owner.post("/profile/two-factor/setup", &[]).await;
    let setup = owner
        .page("/profile/two-factor/setup", StatusCode::OK)
        .await;
    let secret = setup.text_of("#totp-secret").unwrap();
    let code = totp::code(&secret, app.clock.now());
    let res = owner
        .post("/profile/two-factor/enable", &[("code", &code)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    // A passkey added from the security page.
    owner.page("/profile/security", StatusCode::OK).await;
    let options = options_of(&owner, "/passkeys/register/options").await;
    let selection = &options["publicKey"]["authenticatorSelection"];
    assert_eq!(selection["residentKey"], "required", "{options}");
    let added = json!({"name": "My phone", "credential": phone.create(&options)});
    let res = post_json(&owner, "/passkeys/register", &added).await;
    assert_eq!(res.status(), StatusCode::OK);
    let security = owner.page("/profile/security", StatusCode::OK).await;
    assert!(security.says("My phone"), "{security}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM passkeys").await, 1);
    // The same passkey again is refused.
    let options = options_of(&owner, "/passkeys/register/options").await;
    let again = json!({"name": "Again", "credential": phone.create(&options)});
    let res = post_json(&owner, "/passkeys/register", &again).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM passkeys").await, 1);

    // Signed in with it alone: no password, no code.
    let logins = "SELECT COUNT(*) FROM logins WHERE revoked_at IS NULL";
    let browser = app.browser();
    browser.page("/login", StatusCode::OK).await;
    let options = options_of(&browser, "/passkeys/login/options").await;
    let holding_the_challenge = browser.cookie();
    let answer = phone.get(&options);
    let res = post_json(&browser, "/passkeys/login?next=/orders", &answer).await;
    assert_eq!(res.status(), StatusCode::OK);
    let done: Value = serde_json::from_str(&res.text().await.unwrap()).unwrap();
    assert_eq!(done["redirect"], "/orders");
    assert!(browser.is_logged_in().await);
    assert_eq!(app.scalar(logins).await, 2);

    // The same answer again, with the cookie that held the challenge (on
    // the cookie store it still carries it): refused.
    let replayer = app.browser();
    if let Some(cookie) = holding_the_challenge {
        replayer.set_cookie(&cookie);
    }
    replayer.page("/login", StatusCode::OK).await;
    let res = post_json(&replayer, "/passkeys/login", &answer).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(!replayer.is_logged_in().await);
    assert_eq!(app.scalar(logins).await, 2);

    // Sudo mode past its window: the passkey confirms, and it can go.
    app.clock.advance(601);
    let confirm = owner
        .page("/confirm-password?next=/profile/security", StatusCode::OK)
        .await;
    assert!(confirm.has("#passkey-confirm"), "{confirm}");
    let options = options_of(&owner, "/passkeys/confirm/options").await;
    let res = post_json(
        &owner,
        "/passkeys/confirm?next=/profile/security",
        &phone.get(&options),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let security = owner.page("/profile/security", StatusCode::OK).await;
    let remove = security
        .attrs("#passkeys form", "action")
        .pop()
        .expect("a Remove form");
    let res = owner.post(&remove, &[]).await;
    assert_eq!(location(&res), "/profile/security");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM passkeys").await, 0);
    let _ = Page::from_response(res).await;
}
