//! Every mail the shop writes: its subject, and text and HTML bodies
//! rendered from one pair of templates (`templates/mail/letter.txt` and
//! `.html`). HTML escaping applies to the `.html` one (a display name
//! with markup stays text); the text one is plain.
//!
//! A mail carries no text a visitor chose unless its address is the
//! account's own and proven: the greeting names the display name only
//! then ([`greeting`]). Otherwise anyone could put words (a display name
//! `see https://evil.example/reset`) into a shop-branded mail to a
//! stranger's address.

use askama::Template;

use crate::{data::error::Result, data::repo::users::User, domain::ids::OrderId, domain::present};

/// The name a mail to `user`'s address may greet: their display name when
/// that address is proven to be theirs, else none.
pub(crate) fn greeting(user: &User) -> Option<&str> {
    user.email_verified_at
        .is_some()
        .then_some(user.display_name.as_str())
}

/// A mail before it is rendered.
#[derive(Clone, Debug)]
pub(crate) struct Letter {
    /// The shop's own words: no user input reaches a header.
    pub(crate) subject: String,
    /// Who the greeting names ([`greeting`]); none: "Hello,".
    name: Option<String>,
    paragraphs: Vec<String>,
    /// The button (and the link the text version spells out).
    action: Option<Action>,
    /// Order lines, as "2 × Ginger Snaps: €7.00".
    lines: Vec<String>,
    /// The small print at the end.
    footnote: Option<String>,
}

#[derive(Clone, Debug)]
struct Action {
    label: &'static str,
    url: String,
}

pub(crate) struct Rendered {
    pub(crate) text: String,
    pub(crate) html: String,
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

/// For a notice of a change to the account's security.
const IF_NOT_YOU: &str = "If this was not you, someone knows your password: reset it now \
                          (\"Forgot your password?\" on the sign-in page).";

impl Letter {
    fn new(subject: &str, name: Option<&str>, paragraphs: Vec<String>) -> Letter {
        Letter {
            subject: subject.to_string(),
            name: name.map(str::to_string),
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

    pub(crate) fn render(&self) -> Result<Rendered> {
        Ok(Rendered {
            text: Text { letter: self }.render()?,
            html: Html { letter: self }.render()?,
        })
    }

    /// After registration, or "send it again": prove the address reaches
    /// its owner. Nobody has proved the address yet, so no name.
    pub(crate) fn verify_email(link: String, valid_for: &str) -> Letter {
        let words = format!(
            "Welcome to Cookie Jar! Please confirm that this is your address. The link \
             works once, for {valid_for}."
        );
        Letter::new("Confirm your email address", None, vec![words])
            .with_action("Confirm my address", link)
            .with_footnote(NOT_YOU)
    }

    /// A new address asked for on the profile: sent to the new address,
    /// which nobody has proved yet (no name).
    pub(crate) fn confirm_new_email(link: String, valid_for: &str) -> Letter {
        let words = format!(
            "You asked to sign in to Cookie Jar with this address from now on. It takes \
             effect when you confirm it. The link works once, for {valid_for}."
        );
        Letter::new("Confirm your new email address", None, vec![words])
            .with_action("Use this address", link)
            .with_footnote(NOT_YOU)
    }

    /// A new address was asked for: sent at once to the current one, which
    /// can stop it. It names nothing the requester typed (neither the new
    /// address nor a display name they may have set): whoever asked may
    /// be someone who learned the password.
    pub(crate) fn email_change_asked(forgot: String) -> Letter {
        let words = vec![
            "Someone signed in to your Cookie Jar account asked to sign in with another \
             email address from now on. Nothing changes until that address is confirmed."
                .to_string(),
            "If this was you, use the link we sent to the new address. If it was not, \
             someone knows your password: reset it now. A reset stops the change and \
             signs every browser out."
                .to_string(),
        ];
        Letter::new("Someone asked to change your email address", None, words)
            .with_action("Reset my password", forgot)
    }

    /// The address changed: sent to the old one, naming the new one when
    /// that may be said (`new_address`: only to a proven owner).
    pub(crate) fn email_changed(name: Option<&str>, new_address: Option<&str>) -> Letter {
        let changed = match new_address {
            Some(new) => format!(
                "The email address of your Cookie Jar account was changed to {new}. You sign \
                 in with that address from now on."
            ),
            None => "The email address of your Cookie Jar account was changed: this address \
                     no longer signs in to it."
                .to_string(),
        };
        let words = vec![
            changed,
            "If you did not change it, reply to this mail at once.".to_string(),
        ];
        Letter::new("Your email address was changed", name, words)
    }

    /// "Forgot your password?"
    pub(crate) fn reset_password(name: Option<&str>, link: String, valid_for: &str) -> Letter {
        let words = format!(
            "Someone (we hope you) asked to reset the password of your Cookie Jar account. \
             The link below lets you choose a new one; it works once, for {valid_for}."
        );
        Letter::new("Reset your password", name, vec![words])
            .with_action("Choose a new password", link)
            .with_footnote(NOT_YOU)
    }

    /// The password was reset by a link: sent to the account's address.
    pub(crate) fn password_was_reset(name: Option<&str>, at: i64) -> Letter {
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

    /// Two-step sign-in was turned on: sent to the account's address.
    pub(crate) fn two_factor_on(name: Option<&str>) -> Letter {
        let words = vec![
            "Two-step sign-in is now on for your Cookie Jar account: signing in asks for a \
             code from your authenticator app after the password."
                .to_string(),
            "Keep your recovery codes somewhere safe: each one signs you in once if you lose \
             your phone."
                .to_string(),
            IF_NOT_YOU.to_string(),
        ];
        Letter::new("Two-step sign-in is on", name, words)
    }

    /// A passkey was added: sent to the account's address. `name` is the
    /// one the owner gave it; the mail goes to the account's own address,
    /// and names it only when that address is proven ([`greeting`]'s rule).
    pub(crate) fn passkey_added(name: Option<&str>, passkey: &str) -> Letter {
        let added = match name {
            Some(_) => format!("A passkey, \"{passkey}\", was added to your Cookie Jar account."),
            None => "A passkey was added to your Cookie Jar account.".to_string(),
        };
        let words = vec![
            format!("{added} It signs in without a password, from the device that holds it."),
            IF_NOT_YOU.to_string(),
        ];
        Letter::new("A passkey was added to your account", name, words)
    }

    /// Two-step sign-in was turned off: sent to the account's address.
    pub(crate) fn two_factor_off(name: Option<&str>) -> Letter {
        let words = vec![
            "Two-step sign-in is now off for your Cookie Jar account: the password alone \
             signs in, and the recovery codes no longer work."
                .to_string(),
            IF_NOT_YOU.to_string(),
        ];
        Letter::new("Two-step sign-in is off", name, words)
    }

    /// A recovery code signed in: sent to the account's address, with
    /// how many are left.
    pub(crate) fn recovery_code_used(name: Option<&str>, left: i64) -> Letter {
        let words = vec![
            format!(
                "A recovery code was just used to sign in to your Cookie Jar account. It \
                 no longer works; {left} of your codes are left. You can make a new set on \
                 your account's security page."
            ),
            IF_NOT_YOU.to_string(),
        ];
        Letter::new("A recovery code was used", name, words)
    }

    /// At checkout.
    pub(crate) fn order_confirmed(
        name: Option<&str>,
        order_id: OrderId,
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
