//! Every mail the shop writes: its subject, and text and HTML bodies
//! rendered from one pair of templates (`templates/mail/letter.txt` and
//! `.html`). HTML escaping applies to the `.html` one (a display name
//! with markup stays text); the text one is plain.

use askama::Template;

use crate::{error::Result, present};

/// A mail before it is rendered.
#[derive(Clone, Debug)]
pub struct Letter {
    /// The shop's own words: no user input reaches a header.
    pub subject: String,
    /// Who the greeting names.
    pub name: String,
    pub paragraphs: Vec<String>,
    /// The button (and the link the text version spells out).
    pub action: Option<Action>,
    /// Order lines, as "2 × Ginger Snaps: €7.00".
    pub lines: Vec<String>,
    /// The small print at the end.
    pub footnote: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Action {
    pub label: &'static str,
    pub url: String,
}

pub struct Rendered {
    pub text: String,
    pub html: String,
}

#[derive(Template)]
#[template(path = "mail/letter.txt")]
struct Text<'a> {
    letter: &'a Letter,
}

#[derive(Template)]
#[template(path = "mail/letter.html")]
struct Html<'a> {
    letter: &'a Letter,
}

const NOT_YOU: &str = "If this was not you, you can ignore this mail: nothing changes \
                       until the link is used.";

impl Letter {
    fn new(subject: &str, name: &str, paragraphs: Vec<String>) -> Letter {
        Letter {
            subject: subject.to_string(),
            name: name.to_string(),
            paragraphs,
            action: None,
            lines: Vec::new(),
            footnote: None,
        }
    }

    fn with_action(mut self, label: &'static str, url: String) -> Letter {
        self.action = Some(Action { label, url });
        self
    }

    fn with_footnote(mut self, text: &str) -> Letter {
        self.footnote = Some(text.to_string());
        self
    }

    pub fn render(&self) -> Result<Rendered> {
        Ok(Rendered {
            text: Text { letter: self }.render()?,
            html: Html { letter: self }.render()?,
        })
    }

    /// After registration: prove the address reaches its owner.
    pub fn verify_address(name: &str, link: String, valid_for: &str) -> Letter {
        let words = format!(
            "Welcome to Cookie Jar! Please confirm that this is your address. The link \
             works once, for {valid_for}."
        );
        Letter::new("Confirm your email address", name, vec![words])
            .with_action("Confirm my address", link)
            .with_footnote(NOT_YOU)
    }

    /// A new address asked for on the profile: sent to the new address.
    pub fn confirm_new_address(name: &str, link: String, valid_for: &str) -> Letter {
        let words = format!(
            "You asked to sign in to Cookie Jar with this address from now on. It takes \
             effect when you confirm it. The link works once, for {valid_for}."
        );
        Letter::new("Confirm your new email address", name, vec![words])
            .with_action("Use this address", link)
            .with_footnote(NOT_YOU)
    }

    /// The address changed: sent to the old one.
    pub fn address_changed(name: &str, new_address: &str) -> Letter {
        let words = vec![
            format!(
                "The email address of your Cookie Jar account was changed to {new_address}. \
                 You sign in with that address from now on."
            ),
            "If you did not change it, reply to this mail at once.".to_string(),
        ];
        Letter::new("Your email address was changed", name, words)
    }

    /// "Forgot your password?"
    pub fn reset_password(name: &str, link: String, valid_for: &str) -> Letter {
        let words = format!(
            "Someone (we hope you) asked to reset the password of your Cookie Jar account. \
             The link below lets you choose a new one; it works once, for {valid_for}."
        );
        Letter::new("Reset your password", name, vec![words])
            .with_action("Choose a new password", link)
            .with_footnote(NOT_YOU)
    }

    /// The password was reset by a link: sent to the account's address.
    pub fn password_was_reset(name: &str, at: i64) -> Letter {
        let words = vec![
            format!(
                "The password of your Cookie Jar account was reset with an emailed link on \
                 {}. Every browser that was signed in has been signed out.",
                present::datetime(at)
            ),
            "If this was not you, reset it again at once and tell us.".to_string(),
        ];
        Letter::new("Your password was reset", name, words)
    }

    /// At checkout.
    pub fn order_confirmed(
        name: &str,
        order_id: i64,
        lines: Vec<String>,
        total_cents: i64,
        link: String,
    ) -> Letter {
        let words = vec![
            format!("Thank you for your order {order_id}. We are baking it now."),
            format!("Total: {}", present::money(total_cents)),
        ];
        Letter {
            lines,
            ..Letter::new(&format!("Your order {order_id}"), name, words)
        }
        .with_action("See the order", link)
    }
}
