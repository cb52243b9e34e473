//! Mail: the outbox, its worker and a real SMTP server (tests/common/smtp.rs)
//! spoken to through lettre's real SMTP transport; `/dev/mail` without one.

use std::time::Duration;

use reqwest::StatusCode;

use cookie_jar::{
    data::repo::outbox::{self, NewMail},
    domain::client::ClientInfo,
    services::auth::login::{self, NewAccount},
};

use crate::common::{smtp::SmtpSink, Page, TestApp, PASSWORD};

/// An app whose mail goes to `sink`.
async fn app_mailing_to(sink: &SmtpSink) -> TestApp {
    TestApp::spawn_with(&[("SMTP_URL", &sink.url())]).await
}

/// Waits (up to 5 s) until `count` answers `expected`: the worker notes an
/// attempt just after the SMTP server has answered it.
async fn until(app: &TestApp, count: &str, expected: i64) {
    for _ in 0..100 {
        if app.scalar(count).await == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.scalar(count).await, expected, "{count}");
}

#[tokio::test]
async fn registration_mails_a_text_and_html_letter_to_the_bare_address() {
    let sink = SmtpSink::start().await;
    let app = app_mailing_to(&sink).await;
    app.user("ann@example.com").await;
    let mail = &sink.wait_for("ann@example.com", 1).await[0];
    assert_eq!(mail.subject(), "Confirm your email address");
    assert_eq!(mail.to(), ["ann@example.com"]);
    assert_eq!(mail.rcpt, ["ann@example.com"]);
    // Nobody has proved the address yet: the mail names nothing the
    // visitor typed (the test's display name is "Tester").
    assert!(mail.text().starts_with("Hello,"), "{}", mail.text());
    assert!(!mail.text().contains("Tester") && !mail.html().contains("Tester"));
    let link = mail.link_to("/verify-email/").expect("a link in the text");
    assert!(
        mail.html().contains(&link),
        "the HTML version has the link too"
    );
    // Once sent, the outbox keeps no body: it held a live link.
    let erased = "SELECT COUNT(*) FROM outbox
                   WHERE sent_at IS NOT NULL AND text_body = '' AND html_body = ''";
    until(&app, erased, 1).await;
}

#[tokio::test]
async fn a_mail_waits_while_the_smtp_server_is_down_and_goes_out_once_it_is_back() {
    let sink = SmtpSink::start().await;
    let app = app_mailing_to(&sink).await;
    sink.down();
    // The customer's request does not fail, or wait for the mail.
    app.user("ben@example.com").await;
    // Tried, failed, and kept for later.
    let waiting = "SELECT COUNT(*) FROM outbox
                    WHERE sent_at IS NULL AND attempts >= 1 AND last_error IS NOT NULL";
    until(&app, waiting, 1).await;
    sink.up().await;
    // The retry comes due after its backoff.
    app.clock.advance(60);
    let mails = sink.wait_for("ben@example.com", 1).await;
    assert_eq!(mails[0].subject(), "Confirm your email address");
    until(
        &app,
        "SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL",
        1,
    )
    .await;
}

#[tokio::test]
async fn two_instances_on_one_outbox_send_each_mail_once() {
    let sink = SmtpSink::start().await;
    let first = app_mailing_to(&sink).await;
    let second = first.another_instance(&[("SMTP_URL", &sink.url())]).await;
    let people: Vec<String> = (0..6).map(|i| format!("twin{i}@example.com")).collect();
    for (i, email) in people.iter().enumerate() {
        let app = if i % 2 == 0 { &first } else { &second };
        app.user(email).await;
    }
    for email in &people {
        sink.wait_for(email, 1).await;
    }
    // Both workers look again (they poll every 2 s): nothing goes twice.
    tokio::time::sleep(Duration::from_millis(4500)).await;
    assert_eq!(sink.received().len(), people.len());
    for email in &people {
        assert_eq!(sink.to(email).len(), 1, "{email}");
    }
}

#[tokio::test]
async fn a_server_that_cannot_do_the_required_starttls_gets_nothing_in_the_clear() {
    let sink = SmtpSink::start().await;
    let url = format!("{}?tls=required", sink.url());
    let app = TestApp::spawn_with(&[("SMTP_URL", &url)]).await;
    app.user("gus@example.com").await;
    let tried = "SELECT COUNT(*) FROM outbox WHERE last_error IS NOT NULL AND sent_at IS NULL";
    until(&app, tried, 1).await;
    assert!(sink.received().is_empty(), "nothing went out unencrypted");
}

#[tokio::test]
async fn a_display_name_with_a_line_break_adds_no_header_and_no_recipient() {
    let sink = SmtpSink::start().await;
    let app = app_mailing_to(&sink).await;
    app.user("cara@example.com").await;
    sink.wait_for("cara@example.com", 1).await;
    // Registration refuses such a name; an account from before the rule
    // may have one.
    sqlx::query("UPDATE users SET display_name = $1")
        .bind("Cara\r\nBcc: evil@example.com")
        .execute(&app.pool)
        .await
        .unwrap();
    let guest = app.browser();
    guest.page("/password/forgot", StatusCode::OK).await;
    let res = guest
        .post("/password/forgot", &[("email", "cara@example.com")])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let mail = sink.wait_for("cara@example.com", 2).await.pop().unwrap();
    assert_eq!(mail.subject(), "Reset your password");
    assert_eq!(mail.rcpt, ["cara@example.com"], "one recipient");
    assert_eq!(mail.to(), ["cara@example.com"]);
    let names = mail.header_names();
    assert!(
        !names.iter().any(|n| n.eq_ignore_ascii_case("bcc")),
        "{names:?}"
    );
    assert!(sink.to("evil@example.com").is_empty());
}

#[tokio::test]
async fn without_an_smtp_server_the_mail_is_kept_at_dev_mail_with_its_links() {
    let app = TestApp::spawn().await;
    let browser = app.user("dan@example.com").await;
    let list = browser.page("/dev/mail", StatusCode::OK).await;
    assert!(list.says("kept here (no SMTP_URL)"), "{list}");
    let href = list
        .attr("a[href^=\"/dev/mail/\"]", "href")
        .expect("a link to the mail");
    let mail = browser.page(&href, StatusCode::OK).await;
    assert!(mail.says("Confirm your email address"), "{mail}");
    assert!(mail.says("To dan@example.com"), "{mail}");
    let link = mail
        .attr(".mail-body a", "href")
        .expect("a clickable link in the body");
    assert!(
        link.starts_with(&format!("{}/verify-email/", app.address)),
        "{link}"
    );
    let path = &link[app.address.len()..];
    let confirm = browser.follow(path).await;
    assert_eq!(confirm.status, StatusCode::OK, "{confirm}");
    assert!(
        confirm.says("Confirm that dan@example.com is yours."),
        "{confirm}"
    );
    // The HTML version opens under a policy that runs nothing.
    let html = browser.get(&format!("{href}/html")).await;
    let policy = html.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(policy.starts_with("sandbox"), "{policy}");
    assert!(html.text().await.unwrap().contains("Confirm my address"));
}

#[tokio::test]
async fn dev_mail_answers_404_in_production_where_links_point_at_the_public_origin() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[
        ("APP_ENV", "production"),
        ("PUBLIC_ORIGIN", "https://shop.example"),
        ("COOKIE_SECURE", "false"),
        ("SMTP_URL", &sink.url()),
    ])
    .await;
    // The browser's forms come from 127.0.0.1, not the public origin, so
    // the account is made as `cookie-jar create-user` makes one.
    let account = NewAccount {
        email: "erin@example.com",
        display_name: "Erin",
        password: PASSWORD,
        password_confirm: PASSWORD,
    };
    let client = ClientInfo::new("127.0.0.1".into(), "test");
    login::create_account(&app.state, &client, account)
        .await
        .unwrap()
        .unwrap();
    let mail_id = app.scalar("SELECT id FROM outbox").await;
    let browser = app.browser();
    for path in [
        "/dev/mail".to_string(),
        format!("/dev/mail/{mail_id}"),
        format!("/dev/mail/{mail_id}/html"),
    ] {
        assert_eq!(
            browser.open(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // Links point at PUBLIC_ORIGIN, never at a request's host.
    let mail = &sink.wait_for("erin@example.com", 1).await[0];
    assert!(
        mail.text().contains("https://shop.example/verify-email/"),
        "{}",
        mail.text()
    );
}

#[tokio::test]
async fn an_order_is_confirmed_by_mail_with_its_lines_and_total() {
    let sink = SmtpSink::start().await;
    let app = app_mailing_to(&sink).await;
    let browser = app.user("fay@example.com").await;
    browser.add_to_cart(1, 2).await;
    let res = browser.post("/checkout", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let order_path = crate::common::location(&res);
    let order = browser.page(&order_path, StatusCode::OK).await;
    let mails = sink.wait_for("fay@example.com", 2).await;
    let mail = mails
        .iter()
        .find(|m| m.subject().starts_with("Your order"))
        .expect("an order mail");
    let order_id = order_path.trim_start_matches("/orders/");
    assert_eq!(mail.subject(), format!("Your order {order_id}"));
    assert_eq!(
        mail.link_to("/orders/").as_deref(),
        Some(order_path.as_str())
    );
    let product = order.texts("tbody td.row-title")[0].clone();
    assert!(
        mail.text().contains(&format!("2 × {product}")),
        "{}\n{product}",
        mail.text()
    );
    assert!(mail.html().contains("Total: €"), "{}", mail.html());
}

/// A page of `/dev/mail` is an ordinary page: it draws without an account.
#[tokio::test]
async fn an_empty_outbox_says_how_to_fill_it() {
    let app = TestApp::spawn().await;
    let page: Page = app.browser().page("/dev/mail", StatusCode::OK).await;
    assert!(page.says("No mail yet."), "{page}");
}

#[tokio::test]
async fn of_many_workers_claiming_one_mail_at_once_one_gets_it() {
    let app = TestApp::spawn().await;
    let now = app.clock.now();
    let mail = NewMail {
        recipient: "hugo@example.com",
        subject: "Hello",
        text_body: "Hello",
        html_body: "<p>Hello</p>",
    };
    let id = outbox::queue(&app.pool, &mail, now).await.unwrap();
    let claims: Vec<_> = (0..8)
        .map(|_| {
            let pool = app.pool.clone();
            tokio::spawn(async move { outbox::claim(&pool, now, 120).await.unwrap() })
        })
        .collect();
    let mut won = Vec::new();
    for claim in claims {
        won.extend(claim.await.unwrap());
    }
    assert_eq!(won.len(), 1, "one claim of eight");
    assert_eq!(won[0].id, id);
    // Past the lease another worker may claim it; the first one's late
    // update then changes nothing.
    let first = won[0].claimed_until;
    assert!(outbox::claim(&app.pool, now + 60, 120)
        .await
        .unwrap()
        .is_none());
    let second = outbox::claim(&app.pool, now + 121, 120)
        .await
        .unwrap()
        .unwrap();
    assert!(!outbox::sent(&app.pool, id, first, now + 122).await.unwrap());
    let unsent = "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND text_body = 'Hello'";
    assert_eq!(app.scalar(unsent).await, 1);
    assert!(outbox::sent(&app.pool, id, second.claimed_until, now + 122)
        .await
        .unwrap());
    assert_eq!(app.scalar(unsent).await, 0);
}
