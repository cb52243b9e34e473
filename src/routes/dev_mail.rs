//! `/dev/mail`: the outbox, for a developer without an SMTP server (the
//! habit of Django's console backend and Rails' letter_opener). Each mail
//! is readable, its links clickable; the HTML version opens sandboxed.
//! Production answers 404 here: the outbox holds live links.

use actix_web::{http::header, web, HttpResponse};
use askama::Template;

use crate::{
    data::error::{AppError, Result},
    data::repo::outbox::{self, Listed},
    domain::config::AppEnv,
    services::state::AppState,
    web::{
        extract::Visitor,
        page::{filters, render, Layout},
    },
};

#[derive(Template)]
#[template(path = "dev_mail.html")]
struct OutboxPage {
    layout: Layout,
    mails: Vec<Listed>,
    /// Whether mail is sent (`SMTP_URL`), or only kept here.
    sending: bool,
}

#[derive(Template)]
#[template(path = "dev_mail_one.html")]
struct MailPage {
    layout: Layout,
    mail: Listed,
    /// The text body in pieces: plain text, or a link.
    pieces: Vec<Piece>,
}

/// A stretch of a text body.
enum Piece {
    Text(String),
    Link(String),
}

/// What the list says of a mail.
fn status(mail: &Listed, sending: bool) -> String {
    match (mail.sent_at, mail.failed_at) {
        (Some(_), _) => "sent".into(),
        (None, Some(_)) => "refused by the server".into(),
        _ if !sending => "kept here (no SMTP_URL)".into(),
        _ if mail.attempts == 0 => "waiting".into(),
        _ => format!("waiting ({} attempts)", mail.attempts),
    }
}

impl OutboxPage {
    fn status(&self, mail: &Listed) -> String {
        status(mail, self.sending)
    }
}

fn development_only(app: &AppState) -> Result<()> {
    match app.settings.app_env {
        AppEnv::Development => Ok(()),
        AppEnv::Production => Err(AppError::NotFound),
    }
}

pub(crate) async fn index(app: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse> {
    development_only(&app)?;
    render(OutboxPage {
        layout: visitor.layout(),
        mails: outbox::recent(&app.db.pool, 100).await?,
        sending: app.settings.smtp_url.is_some(),
    })
}

async fn mail(app: &AppState, id: &str) -> Result<Listed> {
    development_only(app)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    outbox::find(&app.db.pool, id)
        .await?
        .ok_or(AppError::NotFound)
}

pub(crate) async fn show(
    app: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    let mail = mail(&app, &id).await?;
    render(MailPage {
        layout: visitor.layout(),
        pieces: pieces(&mail.text_body),
        mail,
    })
}

/// The HTML version as the mail client would get it, under a policy that
/// runs nothing and loads nothing (its own inline styles aside).
pub(crate) async fn html(app: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse> {
    let mail = mail(&app, &id).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "sandbox allow-top-navigation-by-user-activation; default-src 'none'; \
             style-src 'unsafe-inline'; frame-ancestors 'none'",
        ))
        .body(mail.html_body))
}

/// Splits a text body at its `http://` and `https://` addresses.
fn pieces(text: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut plain = String::new();
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            plain.push(' ');
        }
        let (start, rest) = word.split_at(word.find("http").unwrap_or(word.len()));
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (url, tail) = rest.split_at(end);
        if url.starts_with("http://") || url.starts_with("https://") {
            plain.push_str(start);
            pieces.push(Piece::Text(std::mem::take(&mut plain)));
            pieces.push(Piece::Link(url.to_string()));
            plain.push_str(tail);
        } else {
            plain.push_str(word);
        }
    }
    pieces.push(Piece::Text(plain));
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_links_of_a_text_body_become_pieces_of_their_own() {
        let text = "Open this:\nhttp://127.0.0.1:8080/password/reset/abc\n\nCookie Jar";
        let got: Vec<String> = pieces(text)
            .into_iter()
            .map(|p| match p {
                Piece::Text(t) => format!("T[{t}]"),
                Piece::Link(l) => format!("L[{l}]"),
            })
            .collect();
        assert_eq!(
            got,
            [
                "T[Open this:\n]",
                "L[http://127.0.0.1:8080/password/reset/abc]",
                "T[\n\nCookie Jar]"
            ]
        );
    }
}
