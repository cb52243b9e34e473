//! The outbox worker: started with the shop when `SMTP_URL` is set, it
//! claims one due mail at a time ([`data::repo::outbox::claim`]: a lease, so that
//! two instances never take one mail at once) and hands it to the SMTP
//! server with lettre's real SMTP transport. Then, if its lease still
//! holds (every update names the claim it was made under):
//!
//! - sent: the mail is marked sent and its bodies erased;
//! - refused for good (a 5xx answer, an address lettre cannot parse): it
//!   is marked failed, logged, never tried again;
//! - anything else (the server is down, slow, says 4xx): it is due again
//!   after a backoff that doubles from [`FIRST_RETRY`] up to [`LAST_RETRY`],
//!   and is tried until it goes: delayed, never lost.
//!
//! One attempt takes at most [`SEND_TIMEOUT`], well inside the lease, so no
//! other worker can claim a mail while it is being sent. On shutdown the
//! worker finishes the mail in hand before it stops. What remains is the
//! one window no outbox can close: a process killed between the server's
//! "250 OK" and the row's update sends that mail again once the lease
//! runs out. A mail goes at least once, and twice only then.
//!
//! [`data::repo::outbox::claim`]: crate::data::repo::outbox::claim

use std::time::Duration;

use tokio::sync::watch;

use lettre::{
    message::{header::ContentType, Mailbox, MultiPart, SinglePart},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

use crate::{
    data::db::Pool,
    data::repo::outbox::{self, Claimed},
    domain::clock::Clock,
    domain::config::{Settings, SmtpUrl},
    services::mail::Mailer,
};

/// How long a claim keeps other workers off a mail: twice as long as an
/// attempt may take ([`SEND_TIMEOUT`]).
const LEASE: i64 = 120;
/// How long one attempt may take in all, connecting to QUIT.
const SEND_TIMEOUT: Duration = Duration::from_secs(60);
/// How long one read or write of the SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// How often the worker looks for due mail when nobody wakes it (mail
/// queued by another instance, retries coming due).
const POLL: Duration = Duration::from_secs(2);
/// The first retry waits this long (seconds); each further one twice as
/// long, up to [`LAST_RETRY`].
const FIRST_RETRY: i64 = 5;
const LAST_RETRY: i64 = 3600;

/// The wait before attempt `attempts + 1`, after `attempts` failed.
fn backoff(attempts: i64) -> i64 {
    let doublings = (attempts - 1).clamp(0, 20) as u32;
    (FIRST_RETRY << doublings).min(LAST_RETRY)
}

/// Everything the worker needs, built at start-up: a bad `SMTP_URL` is a
/// start-up error naming it.
pub(crate) struct Worker {
    pool: Pool,
    clock: Clock,
    mailer: Mailer,
    from: Mailbox,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl Worker {
    pub(crate) fn new(
        settings: &Settings,
        smtp: &SmtpUrl,
        pool: Pool,
        clock: Clock,
        mailer: Mailer,
    ) -> anyhow::Result<Worker> {
        let transport = transport(smtp)?;
        Ok(Worker {
            pool,
            clock,
            mailer,
            from: settings.mail_from.clone(),
            transport,
        })
    }

    /// Runs until [`Running::stop`].
    pub(crate) fn spawn(self) -> Running {
        let (stop, stopping) = watch::channel(false);
        let task = tokio::spawn(async move {
            let mut stopping = stopping;
            while !*stopping.borrow() {
                if let Err(err) = self.send_due(&stopping).await {
                    tracing::warn!(error = %err, "the outbox cannot be read; will retry");
                }
                tokio::select! {
                    _ = self.mailer.woken() => {}
                    _ = tokio::time::sleep(POLL) => {}
                    // Stopped, or the shop went without stopping it.
                    changed = stopping.changed() => if changed.is_err() { return },
                }
            }
        });
        Running { stop, task }
    }

    /// Sends every mail that is due now, one after another, until there is
    /// none or the shop is stopping.
    async fn send_due(&self, stopping: &watch::Receiver<bool>) -> sqlx::Result<()> {
        while !*stopping.borrow() {
            let Some(mail) = outbox::claim(&self.pool, self.clock.now(), LEASE).await? else {
                break;
            };
            self.attempt(mail).await?;
        }
        Ok(())
    }

    /// One attempt at `mail`, and its outcome noted.
    async fn attempt(&self, mail: Claimed) -> sqlx::Result<()> {
        let (id, lease) = (mail.id, mail.claimed_until);
        let now = || self.clock.now();
        let message = match self.message(&mail) {
            Ok(message) => message,
            Err(why) => {
                tracing::warn!(mail = id, error = %why, "a mail cannot be built; it is not sent");
                let noted = outbox::failed(&self.pool, id, lease, now(), &why).await?;
                lease_held(id, noted);
                return Ok(());
            }
        };
        let sent = tokio::time::timeout(SEND_TIMEOUT, self.transport.send(message)).await;
        let (outcome, noted) = match sent {
            Ok(Ok(_)) => ("sent", outbox::sent(&self.pool, id, lease, now()).await?),
            Ok(Err(err)) if err.is_permanent() => {
                tracing::warn!(mail = id, error = %err, "the SMTP server refused a mail for good");
                let noted = outbox::failed(&self.pool, id, lease, now(), &err.to_string()).await?;
                ("refused", noted)
            }
            failed => {
                let why = match failed {
                    Ok(Err(err)) => err.to_string(),
                    _ => format!("no answer within {} s", SEND_TIMEOUT.as_secs()),
                };
                let wait = backoff(mail.attempts);
                tracing::warn!(
                    mail = id,
                    attempts = mail.attempts,
                    retry_in = wait,
                    error = %why,
                    "mail not sent yet; will retry"
                );
                let noted = outbox::retry_at(&self.pool, id, lease, now() + wait, &why).await?;
                ("retried", noted)
            }
        };
        metrics::counter!("mail_total", "outcome" => outcome).increment(1);
        lease_held(id, noted);
        Ok(())
    }

    /// The message: the bare recipient address (no name: nothing a user
    /// typed goes in a header), the shop's subject, text and HTML.
    fn message(&self, mail: &Claimed) -> Result<Message, String> {
        let to: Mailbox = mail
            .recipient
            .parse()
            .map_err(|e| format!("the address cannot be used: {e}"))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(mail.text_body.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(mail.html_body.clone()),
                    ),
            )
            .map_err(|e| e.to_string())
    }
}

/// lettre's SMTP transport for `SMTP_URL`; a URL it cannot use is an error
/// naming the variable.
fn transport(smtp: &SmtpUrl) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp.expose())
        .map_err(|e| anyhow::anyhow!("SMTP_URL {smtp} cannot be used: {e}"))?;
    Ok(builder.timeout(Some(SMTP_TIMEOUT)).build())
}

/// Whether the SMTP server of `SMTP_URL` answers: a connection (with its
/// TLS, and the login of the URL's credentials), a NOOP, a QUIT
/// (`cookie-jar check-config`).
pub(crate) async fn check(smtp: &SmtpUrl) -> anyhow::Result<()> {
    let answered = tokio::time::timeout(SEND_TIMEOUT, transport(smtp)?.test_connection()).await;
    match answered {
        Ok(Ok(true)) => Ok(()),
        Ok(Ok(false)) => anyhow::bail!("the SMTP server {smtp} does not answer NOOP"),
        Ok(Err(e)) => anyhow::bail!("the SMTP server {smtp} does not answer: {e}"),
        Err(_) => anyhow::bail!(
            "the SMTP server {smtp} does not answer within {} s",
            SEND_TIMEOUT.as_secs()
        ),
    }
}

/// The worker of a running shop.
pub(crate) struct Running {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Lets the mail in hand finish (at most [`SEND_TIMEOUT`]), then stops.
    pub(crate) async fn stop(self) {
        let _ = self.stop.send(true);
        let mut task = self.task;
        if tokio::time::timeout(SEND_TIMEOUT, &mut task).await.is_err() {
            task.abort();
        }
    }
}

/// Logs when the row was no longer this worker's as it noted the attempt
/// (the lease had run out).
fn lease_held(id: i64, noted: bool) {
    if !noted {
        tracing::warn!(
            mail = id,
            "a mail's lease ran out before its attempt was noted"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_up_to_an_hour() {
        let waits: Vec<i64> = (1..=12).map(backoff).collect();
        assert_eq!(&waits[..5], &[5, 10, 20, 40, 80]);
        assert_eq!(*waits.last().unwrap(), LAST_RETRY);
    }
}
