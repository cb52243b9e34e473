//! Mail, the way it is done for real: a use case that causes a mail writes
//! it, rendered, into the outbox in its own transaction (`Mailer::queue`),
//! so the mail exists exactly when the change does; a worker sends it
//! later (`worker`), with retries and backoff, so an SMTP server that is
//! down delays mail and never fails the customer's request or loses it.
//!
//! Without `SMTP_URL` (development) nothing is sent: the mails stay in the
//! outbox and `/dev/mail` shows them, links and all (Django's console
//! backend, Rails' letter_opener). Production refuses to start without it.
//!
//! No header takes what a user typed: the recipient is the account's
//! address (checked when it was registered, and parsed again by lettre),
//! the subjects are the shop's own words, and names go in the body only.

pub mod letters;
pub mod worker;

use std::sync::Arc;

use tokio::sync::Notify;

use crate::{db::Conn, error::Result, repo::outbox};

pub use letters::Letter;

/// What services need to send mail: where links point, and a way to wake
/// the worker.
#[derive(Clone, Debug)]
pub struct Mailer {
    /// `https://shop.example` (`PUBLIC_ORIGIN`), or in development the
    /// address the shop listens on: links in mail start with it, never
    /// with a request's `Host` (a client could name any host there, and
    /// receive a victim's reset link: "password reset poisoning").
    origin: String,
    wake: Arc<Notify>,
}

impl Mailer {
    pub fn new(origin: impl Into<String>) -> Mailer {
        Mailer {
            origin: origin.into(),
            wake: Arc::new(Notify::new()),
        }
    }

    /// The absolute URL of a path of the shop.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// Renders `letter` to `to` and writes it into the outbox, inside the
    /// caller's transaction. Call `sent_soon` after the commit.
    pub async fn queue(&self, conn: &mut Conn, to: &str, letter: &Letter, now: i64) -> Result<()> {
        let rendered = letter.render()?;
        let mail = outbox::NewMail {
            recipient: to,
            subject: &letter.subject,
            text_body: &rendered.text,
            html_body: &rendered.html,
        };
        outbox::queue(conn, &mail, now).await?;
        Ok(())
    }

    /// Wakes this instance's worker after a commit that queued mail (it
    /// also looks every few seconds, for mail queued by other instances).
    pub fn sent_soon(&self) {
        self.wake.notify_one();
    }

    /// Waits until `sent_soon` is called (the worker).
    async fn woken(&self) {
        self.wake.notified().await;
    }
}
