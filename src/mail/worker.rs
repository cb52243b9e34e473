//! The outbox worker: started with the shop when `SMTP_URL` is set, it
//! claims one due mail at a time (`repo::outbox::claim`: a lease, so that
//! two instances never send one mail twice) and hands it to the SMTP
//! server with lettre's real SMTP transport. Then:
//!
//! - sent: the mail is marked sent and its bodies erased;
//! - refused for good (a 5xx answer, an address lettre cannot parse): it
//!   is marked failed, logged, never tried again;
//! - anything else (the server is down, slow, says 4xx): it is due again
//!   after a backoff that doubles from `FIRST_RETRY` up to `LAST_RETRY`,
//!   and is tried until it goes: delayed, never lost.
//!
//! A worker that dies with a claimed mail leaves it claimed until the lease
//! runs out; another worker then sends it. So a mail is sent at least once,
//! and twice only if a worker dies between the server's "250 OK" and the
//! row's update: the one window no outbox can close.

use std::time::Duration;

use lettre::{
    message::{header::ContentType, Mailbox, MultiPart, SinglePart},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

use crate::{
    clock::Clock,
    config::{Settings, SmtpUrl},
    db::Pool,
    mail::Mailer,
    repo::outbox::{self, Claimed},
};

/// How long a claim keeps other workers off a mail: longer than an
/// attempt can take (`SMTP_TIMEOUT`).
const LEASE: i64 = 120;
/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// How often the worker looks for due mail when nobody wakes it (mail
/// queued by another instance, retries coming due).
const POLL: Duration = Duration::from_secs(2);
/// The first retry waits this long (seconds); each further one twice as
/// long, up to `LAST_RETRY`.
pub const FIRST_RETRY: i64 = 5;
pub const LAST_RETRY: i64 = 3600;

/// The wait before attempt `attempts + 1`, after `attempts` failed.
pub fn backoff(attempts: i64) -> i64 {
    let doublings = (attempts - 1).clamp(0, 20) as u32;
    (FIRST_RETRY << doublings).min(LAST_RETRY)
}

/// Everything the worker needs, built at start-up: a bad `SMTP_URL` is a
/// start-up error naming it.
pub struct Worker {
    pool: Pool,
    clock: Clock,
    mailer: Mailer,
    from: Mailbox,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl Worker {
    pub fn new(
        settings: &Settings,
        smtp: &SmtpUrl,
        pool: Pool,
        clock: Clock,
        mailer: Mailer,
    ) -> anyhow::Result<Worker> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp.expose())
            .map_err(|e| anyhow::anyhow!("SMTP_URL {smtp} cannot be used: {e}"))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        Ok(Worker {
            pool,
            clock,
            mailer,
            from: settings.mail_from.clone(),
            transport,
        })
    }

    /// Runs until the task is aborted.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                match self.send_due().await {
                    Ok(_) => {}
                    Err(err) => {
                        tracing::warn!(error = %err, "the outbox cannot be read; will retry")
                    }
                }
                tokio::select! {
                    _ = self.mailer.woken() => {}
                    _ = tokio::time::sleep(POLL) => {}
                }
            }
        })
    }

    /// Sends every mail that is due now, one after another; returns how
    /// many were handed over.
    pub async fn send_due(&self) -> sqlx::Result<usize> {
        let mut sent = 0;
        while let Some(mail) = outbox::claim(&self.pool, self.clock.now(), LEASE).await? {
            if self.attempt(mail).await? {
                sent += 1;
            }
        }
        Ok(sent)
    }

    async fn attempt(&self, mail: Claimed) -> sqlx::Result<bool> {
        let now = || self.clock.now();
        let message = match self.message(&mail) {
            Ok(message) => message,
            Err(why) => {
                tracing::warn!(mail = mail.id, error = %why, "a mail cannot be built; it is not sent");
                outbox::failed(&self.pool, mail.id, now(), &why).await?;
                return Ok(false);
            }
        };
        match self.transport.send(message).await {
            Ok(_) => {
                outbox::sent(&self.pool, mail.id, now()).await?;
                metrics::counter!("mail_total", "outcome" => "sent").increment(1);
                Ok(true)
            }
            Err(err) if err.is_permanent() => {
                tracing::warn!(mail = mail.id, error = %err, "the SMTP server refused a mail for good");
                outbox::failed(&self.pool, mail.id, now(), &err.to_string()).await?;
                metrics::counter!("mail_total", "outcome" => "refused").increment(1);
                Ok(false)
            }
            Err(err) => {
                let wait = backoff(mail.attempts);
                tracing::warn!(mail = mail.id, attempts = mail.attempts, retry_in = wait, error = %err, "mail not sent yet; will retry");
                outbox::retry_at(&self.pool, mail.id, now() + wait, &err.to_string()).await?;
                metrics::counter!("mail_total", "outcome" => "retried").increment(1);
                Ok(false)
            }
        }
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
