//! `GET /tour`: the guided tour of the session (`docs/SESSIONS.md`), built
//! into the binary and shown as a page of the shop, so a reader running it
//! can follow each step next to the session inspector, which links to the
//! step that explains what it shows.

use actix_web::HttpResponse;
use askama::{filters::Safe, Template};
use pulldown_cmark::{html, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::{
    data::error::Result,
    domain::session::{RenewedFor, SessionState},
    web::{
        extract::Visitor,
        page::{filters, render, Layout},
    },
};

/// The tour, as written in the repository.
const TOUR: &str = include_str!("../../docs/SESSIONS.md");

/// The anchors of the tour's steps (GitHub's and this page's heading ids);
/// a test checks each is a heading of the tour.
const STEPS: [&str; 13] = [
    "1-the-first-page-view-a-guest-session-is-minted",
    "2-adding-to-the-cart-as-a-guest",
    "3-signing-in-the-session-is-renewed",
    "4-changing-a-preference",
    "5-a-second-browser-the-list-of-devices-revoking-one",
    "6-changing-the-password-the-others-end",
    "7-signing-out-revocation-and-clear-site-data",
    "8-expiry-idle-and-absolute",
    "9-a-forgotten-password-the-reset-ends-every-session",
    "10-a-mailed-link-is-a-password-only-its-digest-is-stored",
    "11-sudo-mode-confirmed-a-moment-ago-is-a-timestamp-in-the-session",
    "12-a-link-is-held-by-the-session-for-one-form-and-dies-with-every-credential-change",
    "13-two-step-sign-in-half-signed-in-is-not-signed-in",
];

/// The step that explains a session in this state.
pub(crate) fn step_for(state: &SessionState) -> &'static str {
    let step = match (state.user_id, state.renewed.as_ref().map(|r| r.why)) {
        _ if state.second_step.is_some() => 13,
        _ if !state.held_links.is_empty() => 12,
        (_, Some(RenewedFor::PasswordChange)) => 6,
        (Some(_), _) => 3,
        (None, Some(RenewedFor::LoginRevoked)) => 5,
        (None, Some(RenewedFor::LoginTimedOut)) => 8,
        (None, _) if !state.cart.is_empty() => 2,
        (None, _) => 1,
    };
    STEPS[step - 1]
}

#[derive(Template)]
#[template(path = "tour.html")]
struct TourPage {
    layout: Layout,
    /// Made by the Markdown renderer from the tour, with any raw HTML in it
    /// escaped: nothing here comes from a visitor.
    body: Safe<String>,
}

pub(crate) async fn show(visitor: Visitor) -> Result<HttpResponse> {
    render(TourPage {
        layout: visitor.layout(),
        body: Safe(tour_html()),
    })
}

/// The tour as HTML: headings get GitHub's ids, so `#step` links work here
/// and on the forge alike; raw HTML is shown as text.
fn tour_html() -> String {
    let mut events = Vec::new();
    let mut heading: Option<(HeadingLevel, Vec<Event<'_>>)> = None;
    for event in Parser::new_ext(TOUR, Options::ENABLE_TABLES) {
        let event = match event {
            Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
            other => other,
        };
        match (event, &mut heading) {
            (Event::Start(Tag::Heading { level, .. }), None) => heading = Some((level, Vec::new())),
            (Event::End(TagEnd::Heading(_)), Some(_)) => {
                let (level, inner) = heading.take().unwrap_or((HeadingLevel::H2, Vec::new()));
                let text: String = inner.iter().filter_map(text_of).collect();
                let open = format!("<{level} id=\"{}\">", anchor(&text));
                events.push(Event::Html(CowStr::from(open)));
                events.extend(inner);
                events.push(Event::Html(CowStr::from(format!("</{level}>"))));
            }
            (event, Some((_, inner))) => inner.push(event),
            (event, None) => events.push(event),
        }
    }
    let mut out = String::with_capacity(TOUR.len() * 2);
    html::push_html(&mut out, events.into_iter());
    // A code block wider than the page scrolls; the keyboard must reach it.
    out.replace("<pre>", "<pre tabindex=\"0\">")
}

fn text_of<'a>(event: &'a Event<'_>) -> Option<&'a str> {
    match event {
        Event::Text(t) | Event::Code(t) => Some(t),
        _ => None,
    }
}

/// A heading's id as GitHub makes it: lower case, spaces to hyphens, and
/// nothing but letters, digits, hyphens and underscores.
fn anchor(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ids of every heading of the tour.
    fn anchors() -> Vec<String> {
        let mut in_heading = false;
        let mut text = String::new();
        let mut ids = Vec::new();
        for event in Parser::new_ext(TOUR, Options::ENABLE_TABLES) {
            match event {
                Event::Start(Tag::Heading { .. }) => (in_heading, text) = (true, String::new()),
                Event::End(TagEnd::Heading(_)) => {
                    in_heading = false;
                    ids.push(anchor(&text));
                }
                Event::Text(t) | Event::Code(t) if in_heading => text.push_str(&t),
                _ => {}
            }
        }
        ids
    }

    #[test]
    fn anchors_are_githubs() {
        assert_eq!(
            anchor("3. Signing in: the session is renewed"),
            "3-signing-in-the-session-is-renewed"
        );
        assert_eq!(
            anchor("Coming from `express-session`"),
            "coming-from-express-session"
        );
    }

    #[test]
    fn every_step_the_inspector_links_to_is_a_heading_of_the_tour() {
        let anchors = anchors();
        for step in STEPS {
            assert!(anchors.iter().any(|a| a == step), "{step} in {anchors:?}");
        }
    }

    #[test]
    fn raw_html_in_the_tour_is_shown_as_text() {
        let html = tour_html();
        assert!(html.contains("<h2 id=\"3-signing-in-the-session-is-renewed\">"));
        assert!(!html.contains("<script"), "no raw HTML passes through");
    }
}
