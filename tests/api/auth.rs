//! Registration, login, logout.

use reqwest::StatusCode;

use crate::common::{location, Page, TestApp, PASSWORD};

#[tokio::test]
async fn a_visitor_registers_logs_out_and_logs_in_again() {
    let app = TestApp::spawn().await;
    let browser = app.browser();

    let res = browser.register("ann@example.com", "Ann", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/");
    let home = browser.page("/", StatusCode::OK).await;
    assert!(home.flash_says("Welcome to Cookie Jar, Ann!"), "{home}");
    assert!(
        home.signed_in_as().as_deref() == Some("Ann"),
        "the nav names the user"
    );

    let res = browser.logout().await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(!browser.is_logged_in().await);

    let res = browser.login("ANN@example.com", PASSWORD).await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "emails are case-insensitive"
    );
    assert!(browser.is_logged_in().await);
    let profile = browser.page("/profile", StatusCode::OK).await;
    assert!(profile.says("ann@example.com"), "{profile}");
}

#[tokio::test]
async fn registration_mistakes_come_back_as_422_with_what_was_typed() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        (
            "not-an-email",
            "Ann",
            PASSWORD,
            PASSWORD,
            "Enter an email address",
        ),
        (
            "a\"<b>x</b>@example.com",
            "Ann",
            PASSWORD,
            PASSWORD,
            "Enter an email address",
        ),
        (
            "ann@example.com",
            "   ",
            PASSWORD,
            PASSWORD,
            "Enter a display name",
        ),
        (
            "ann@example.com",
            &"n".repeat(51),
            PASSWORD,
            PASSWORD,
            "50 characters",
        ),
        (
            "ann@example.com",
            "Ann",
            "short",
            "short",
            "at least 8 characters",
        ),
        (
            "ann@example.com",
            "Ann",
            "password123",
            "password123",
            "too common",
        ),
        (
            "ann@example.com",
            "Ann",
            PASSWORD,
            "something else",
            "do not match",
        ),
    ];
    for (email, name, password, confirm, message) in cases {
        let res = browser
            .post(
                "/register",
                &[
                    ("email", email),
                    ("display_name", name),
                    ("password", password),
                    ("password_confirm", confirm),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        let page = Page::from_response(res).await;
        assert!(page.says(message), "expected `{message}`: {page}");
        assert_eq!(page.field("email").as_deref(), Some(*email), "email kept");
        // Not in a field's value either: the markup, not only the text.
        assert!(
            !page.markup().contains(PASSWORD),
            "passwords are never echoed"
        );
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 0);
}

#[tokio::test]
async fn an_email_can_only_register_once_whatever_its_case() {
    let app = TestApp::spawn().await;
    app.user("bob@example.com").await;
    let res = app
        .browser()
        .register("  BOB@Example.com ", "Other Bob", PASSWORD)
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::from_response(res).await;
    assert!(page.says("already exists"), "{page}");
    assert_eq!(page.field("display_name").as_deref(), Some("Other Bob"));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 1);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.user("cy@example.com").await;
    let browser = app.browser();

    let wrong = browser
        .login("cy@example.com", "not the password at all")
        .await;
    let wrong_status = wrong.status();
    let wrong_page = Page::from_response(wrong).await;
    let unknown = browser
        .login("nobody@example.com", "not the password at all")
        .await;
    assert_eq!(wrong_status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.status(), wrong_status);
    let unknown_page = Page::from_response(unknown).await;
    let message = "The email or the password is not right.";
    assert!(wrong_page.says(message) && unknown_page.says(message));
    assert_eq!(
        wrong_page.field("email").as_deref(),
        Some("cy@example.com"),
        "email kept"
    );
    assert!(!browser.is_logged_in().await);
}

#[tokio::test]
async fn repeated_failures_are_throttled_even_for_the_right_password_until_the_window_passes() {
    let app = TestApp::spawn().await;
    app.user("dee@example.com").await;
    let browser = app.browser();
    for _ in 0..5 {
        let res = browser.login("dee@example.com", "wrong wrong wrong").await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let res = browser.login("dee@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    let page = Page::from_response(res).await;
    assert!(page.says("Too many attempts"), "{page}");

    // The same answer for an email that has no account.
    for _ in 0..5 {
        browser
            .login("ghost@example.com", "wrong wrong wrong")
            .await;
    }
    let ghost = browser.login("ghost@example.com", PASSWORD).await;
    assert_eq!(ghost.status(), StatusCode::TOO_MANY_REQUESTS);

    app.clock.advance(15 * 60 + 1);
    let res = browser.login("dee@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "the window has passed");
}

#[tokio::test]
async fn one_client_cannot_hammer_the_login_form() {
    let app = TestApp::spawn_with(&[("CLIENT_AUTH_POSTS_PER_MINUTE", "3")]).await;
    let browser = app.browser();
    for i in 0..3 {
        let email = format!("user{i}@example.com");
        let res = browser.login(&email, "whatever it is").await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let res = browser.login("user9@example.com", "whatever it is").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let res = browser.register("new@example.com", "New", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    app.clock.advance(61);
    let res = browser.register("new@example.com", "New", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn login_follows_next_only_to_local_pages() {
    let app = TestApp::spawn().await;
    app.user("eve@example.com").await;

    let res = app.browser().get("/profile").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/login?next=/profile");

    let browser = app.browser();
    let form = browser.page("/login?next=/orders", StatusCode::OK).await;
    assert_eq!(form.field("next").as_deref(), Some("/orders"));
    let res = browser
        .post(
            "/login",
            &[
                ("email", "eve@example.com"),
                ("password", PASSWORD),
                ("next", "/orders"),
            ],
        )
        .await;
    assert_eq!(location(&res), "/orders");

    for evil in [
        "//evil.example/x",
        "https://evil.example",
        "/\\evil.example",
    ] {
        let browser = app.browser();
        let res = browser
            .post(
                "/login",
                &[
                    ("email", "eve@example.com"),
                    ("password", PASSWORD),
                    ("next", evil),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/", "next={evil} must not be followed");
    }
}

#[tokio::test]
async fn a_display_name_with_html_is_shown_as_text() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let res = browser
        .register("xss@example.com", "<script>alert(1)</script>", PASSWORD)
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = browser.page("/profile", StatusCode::OK).await;
    assert_eq!(page.count("script"), 0, "no script element on the page");
    assert_eq!(
        page.signed_in_as().as_deref(),
        Some("<script>alert(1)</script>"),
        "the name is text in the nav"
    );
}

#[tokio::test]
async fn a_burst_of_parallel_guesses_cannot_slip_past_the_limit() {
    let app = TestApp::spawn().await;
    app.user("kit@example.com").await;
    let browser = app.browser();
    let token = browser.csrf_token().await;
    let form = [
        ("email", "kit@example.com"),
        ("password", "a wrong guess here"),
        ("csrf_token", token.as_str()),
    ];
    let guesses = (0..20).map(|_| browser.post_raw("/login", &form));
    let results = futures_util::future::join_all(guesses).await;
    let checked = results
        .iter()
        .filter(|r| r.status() == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    // The rest are refused: throttled (429), or, beyond the hashing
    // places, busy (503) before anything was counted.
    let refused = results
        .iter()
        .filter(|r| {
            r.status() == StatusCode::TOO_MANY_REQUESTS
                || r.status() == StatusCode::SERVICE_UNAVAILABLE
        })
        .count();
    assert_eq!((checked, refused), (5, 15));
    let res = browser.login("kit@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}

/// SQLite would store a NUL; PostgreSQL refuses it (a 500 before the
/// fix), so this test bites in the PostgreSQL run of `.ci/run`.
#[tokio::test]
async fn control_characters_are_refused_not_stored() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let res = browser.register("a\0b@example.com", "Nul", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = browser.login("a\0b@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    browser.page("/products/a%00b", StatusCode::NOT_FOUND).await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 0);
}

/// Breaks the last step of every login (writing its security event), so a
/// login fails after the password was right and the other steps ran.
async fn break_the_event_log(app: &TestApp) {
    app.sql("ALTER TABLE security_events RENAME TO security_events_gone")
        .await;
}

async fn mend_the_event_log(app: &TestApp) {
    app.sql("ALTER TABLE security_events_gone RENAME TO security_events")
        .await;
}

#[tokio::test]
async fn a_login_that_fails_halfway_leaves_the_guest_as_they_were() {
    let app = TestApp::spawn().await;
    app.user("half@example.com").await.logout().await;
    let guest = app.browser();
    guest.add_to_cart(1, 2).await;
    guest
        .post("/preferences", &[("theme", "dark"), ("back", "/")])
        .await;
    let before = guest.cookie().unwrap();

    break_the_event_log(&app).await;
    let res = guest.login("half@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let page = Page::from_response(res).await;
    assert!(page.says("Something went wrong on our side"), "{page}");
    assert_eq!(page.signed_in_as(), None, "the error page shows a guest");
    mend_the_event_log(&app).await;

    // Nothing of the login was written, and the guest has all they had.
    let live = "SELECT COUNT(*) FROM logins WHERE revoked_at IS NULL";
    assert_eq!(app.scalar(live).await, 0);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM cart_items").await, 0);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM users WHERE preferences LIKE '%dark%'")
            .await,
        0
    );
    assert_eq!(guest.cookie().unwrap(), before, "the same cookie");
    let home = guest.page("/", StatusCode::OK).await;
    assert_eq!(home.signed_in_as(), None);
    assert_eq!((home.cart_count(), home.theme().as_str()), (2, "dark"));

    // Once the database is whole again, the same login works and merges.
    let res = guest.login("half@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let home = guest.page("/", StatusCode::OK).await;
    assert_eq!(home.signed_in_as().as_deref(), Some("Tester"));
    assert_eq!((home.cart_count(), home.theme().as_str()), (2, "dark"));
}

#[tokio::test]
async fn a_registration_that_fails_halfway_creates_no_account() {
    let app = TestApp::spawn().await;
    let guest = app.browser();
    guest.add_to_cart(3, 1).await;
    break_the_event_log(&app).await;
    let res = guest.register("new@example.com", "New", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    mend_the_event_log(&app).await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 0);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM logins").await, 0);
    assert_eq!(guest.cart_count().await, 1);
    let res = guest.register("new@example.com", "New", PASSWORD).await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "the email is still free"
    );
}

#[tokio::test]
async fn a_password_change_that_fails_halfway_changes_nothing() {
    let app = TestApp::spawn().await;
    let browser = app.user("pwd@example.com").await;
    let other = app.browser();
    other.login("pwd@example.com", PASSWORD).await;
    browser.page("/profile", StatusCode::OK).await;
    let cookie = browser.cookie().unwrap();
    break_the_event_log(&app).await;
    let new = "a brand new passphrase";
    let res = browser
        .post(
            "/profile/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", new),
                ("new_password_confirm", new),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    mend_the_event_log(&app).await;

    assert_eq!(
        browser.cookie().unwrap(),
        cookie,
        "this browser keeps its cookie"
    );
    assert!(browser.is_logged_in().await);
    assert!(
        other.is_logged_in().await,
        "the other session was not ended"
    );
    let res = app.browser().login("pwd@example.com", PASSWORD).await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "the old password still works"
    );
}

#[tokio::test]
async fn only_a_taken_email_is_reported_as_a_taken_email() {
    use cookie_jar::{
        data::db, data::repo::users, domain::ids::UserId, domain::prefs::Preferences,
    };
    let app = TestApp::spawn().await;
    app.user("first@example.com").await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'first@example.com'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let user = |id, email| users::NewUser {
        id: UserId::new(id),
        email,
        display_name: "Second",
        password_hash: "not a hash",
        preferences: Preferences::default(),
        created_at: 0,
    };
    // The same email: the email's constraint.
    let err = users::insert(&app.pool, &user(id + 1, "first@example.com"))
        .await
        .unwrap_err();
    assert!(
        db::Failure::violates_unique(&err, "users", "email"),
        "{err}"
    );
    // Another unique constraint of the same statement (the row's id) is
    // not a taken email.
    let err = users::insert(&app.pool, &user(id, "second@example.com"))
        .await
        .unwrap_err();
    assert!(
        !db::Failure::violates_unique(&err, "users", "email"),
        "{err}"
    );
    assert!(
        matches!(&err, sqlx::Error::Database(e) if e.is_unique_violation()),
        "{err}"
    );
}

#[tokio::test]
async fn a_form_that_needs_a_login_sends_a_guest_back_to_the_page_it_was_on() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    browser.page("/products?page=2", StatusCode::OK).await;
    let token = browser.csrf_token().await;
    let from = |referer: Option<String>| {
        let mut post = browser.client.post(browser.url("/profile"));
        if let Some(referer) = referer {
            post = post.header("Referer", referer);
        }
        post.form(&[("display_name", "Guest"), ("csrf_token", &token)])
            .send()
    };
    // The page the form was on, query and all.
    let res = from(Some(format!("{}/products?page=2", app.address)))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/login?next=/products%3Fpage%3D2");
    // No Referer (a browser told to send none): the home page.
    let res = from(None).await.unwrap();
    assert_eq!(location(&res), "/login?next=/");
    // A Referer of another site never gets this far.
    let res = from(Some("http://evil.example/phish".into()))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_sign_in_page_promises_the_remember_me_timeout_it_is_set_to() {
    let app = TestApp::spawn().await;
    let page = app.browser().page("/login", StatusCode::OK).await;
    assert!(page.says("Keep me signed in for 30 days"), "{page}");
    let week = TestApp::spawn_with(&[("SESSION_REMEMBER_ME_TIMEOUT", "604800")]).await;
    let page = week.browser().page("/login", StatusCode::OK).await;
    assert!(page.says("Keep me signed in for 7 days"), "{page}");
}
