//! Mail, the way it is done for real: a use case that causes a mail writes
//! it, rendered, into the outbox in its own transaction ([`Mailer::queue`]),
//! so the mail exists exactly when the change does; a worker sends it
//! later ([`worker`]), with retries and backoff, so an SMTP server that is
//! down delays mail and never fails the customer's request or loses it.
//!
//! Without `SMTP_URL` (development) nothing is sent: the mails stay in the
//! outbox and `/dev/mail` shows them, links and all (Django's console
//! backend, Rails' letter_opener). Production refuses to start without it.
//!
//! No header takes what a user typed: the recipient is the account's
//! address (checked when it was registered, and parsed again by lettre),
//! the subjects are the shop's own words, and names go in the body only,
//! to proven addresses only ([`letters::greeting`]).
//!
//! **Every mail to an address counts** towards [`MAILS_PER_HOUR`],
//! whatever account or visitor caused it, in the transaction that queues
//! it ([`Mailer::queue`]); what a mail does past the limit is the caller's
//! word ([`PastTheLimit`]): a mail someone asked for is refused with the
//! change that would send it, one that comes with a change standing
//! without it is left out, and a notice to a proven owner of what was done
//! to their account always goes. So a loop of registrations with a
//! stranger's address, or of "send it again", mails that stranger at most
//! the limit in an hour.
//!
//! [`Mailer::queue`]: crate::services::mail::Mailer::queue
//! [`worker`]: crate::services::mail::worker
//! [`letters::greeting`]: crate::services::mail::letters::greeting
//! [`MAILS_PER_HOUR`]: crate::services::mail::MAILS_PER_HOUR
//! [`PastTheLimit`]: crate::services::mail::PastTheLimit

pub(crate) mod letters;
pub(crate) mod worker;

use std::sync::Arc;

use tokio::sync::Notify;

use crate::{
    data::db::{Conn, Db},
    data::error::{AppError, Result},
    data::repo::{outbox, rate_limit},
    domain::validate,
};

pub(crate) use letters::{greeting, Letter};

/// Mails one address may be sent in an hour, of every kind.
pub const MAILS_PER_HOUR: i64 = 10;

/// What a mail does past its address's hourly limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PastTheLimit {
    /// Refused, and so is the change that would send it (429, nothing
    /// changes): a link, or a notice, someone asked for.
    Refuse,
    /// Left out; the change goes on without it: a new account's first
    /// link ("send it again" asks later), an order's mail to an address
    /// nobody has proved.
    LeaveOut,
    /// Sent all the same: it tells a proven owner what was done to their
    /// account, and nobody may silence that by using up the limit first.
    Send,
}

/// Whether a mail went into the outbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Queued {
    Yes,
    /// Left out: the address had all the mail it may have this hour.
    LeftOut,
}

/// The hour of the limit, in seconds.
const MAIL_WINDOW: i64 = 3600;

/// Counts one mail to `to` (in `db`, the caller's transaction or the
/// pool); whether it may go, as `past` says when the address is past its
/// limit.
pub(crate) async fn count_mail_to(
    db: impl Db<'_>,
    to: &str,
    past: PastTheLimit,
    now: i64,
) -> Result<Queued> {
    let (sent, window_start) = rate_limit::hit(db, &mail_bucket(to), now, MAIL_WINDOW).await?;
    if sent <= MAILS_PER_HOUR {
        return Ok(Queued::Yes);
    }
    match past {
        PastTheLimit::Refuse => {
            let retry_after = (window_start + MAIL_WINDOW - now).max(1);
            Err(AppError::TooManyMails { retry_after })
        }
        PastTheLimit::LeaveOut => Ok(Queued::LeftOut),
        PastTheLimit::Send => Ok(Queued::Yes),
    }
}

/// The counter of the mails to an address.
fn mail_bucket(to: &str) -> String {
    format!("mail:{}", validate::email_for_counting(to))
}

/// What services need to send mail: where links point, and a way to wake
/// the worker.
#[derive(Clone, Debug)]
pub(crate) struct Mailer {
    /// `https://shop.example` (`PUBLIC_ORIGIN`), or in development the
    /// address the shop listens on: links in mail start with it, never
    /// with a request's `Host` (a client could name any host there, and
    /// receive a victim's reset link: "password reset poisoning").
    origin: String,
    wake: Arc<Notify>,
}

impl Mailer {
    pub(crate) fn new(origin: impl Into<String>) -> Mailer {
        Mailer {
            origin: origin.into(),
            wake: Arc::new(Notify::new()),
        }
    }

    /// The absolute URL of a path of the shop.
    pub(crate) fn link(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// Renders `letter` to `to` and writes it into the outbox, inside the
    /// caller's transaction, counted against the address's hourly limit
    /// ([`count_mail_to`]; `past` says what happens beyond it: a refusal
    /// fails the caller's transaction). Call [`wake_worker`] after the commit.
    ///
    /// [`wake_worker`]: Mailer::wake_worker
    pub(crate) async fn queue(
        &self,
        conn: &mut Conn,
        to: &str,
        letter: &Letter,
        past: PastTheLimit,
        now: i64,
    ) -> Result<Queued> {
        if count_mail_to(&mut *conn, to, past, now).await? == Queued::LeftOut {
            tracing::info!(subject = %letter.subject, "a mail left out: its address had its hourly limit");
            return Ok(Queued::LeftOut);
        }
        let rendered = letter.render()?;
        let mail = outbox::NewMail {
            recipient: to,
            subject: &letter.subject,
            text_body: &rendered.text,
            html_body: &rendered.html,
        };
        outbox::queue(conn, &mail, now).await?;
        Ok(Queued::Yes)
    }

    /// Wakes this instance's worker after a commit that queued mail (it
    /// also looks every few seconds, for mail queued by other instances).
    pub(crate) fn wake_worker(&self) {
        self.wake.notify_one();
    }

    /// Waits until [`wake_worker`] is called (the worker).
    ///
    /// [`wake_worker`]: Mailer::wake_worker
    async fn woken(&self) {
        self.wake.notified().await;
    }
}
