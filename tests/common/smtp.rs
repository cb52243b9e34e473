//! A real SMTP server for the tests, on a free loopback port: it speaks
//! enough SMTP (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) for lettre's real
//! SMTP transport, keeps every message it accepts, and can be taken down
//! and brought back on the same port (an outage). Mail is read back with
//! a real MIME parser (`mail-parser`).

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use mail_parser::MessageParser;
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

/// One message as the server took it.
#[derive(Clone, Debug)]
pub struct Received {
    /// The envelope's recipients (`RCPT TO`).
    pub rcpt: Vec<String>,
    /// The message as sent: headers and MIME body.
    pub raw: String,
}

impl Received {
    fn parsed(&self) -> mail_parser::Message<'_> {
        MessageParser::default()
            .parse(self.raw.as_bytes())
            .expect("a message the parser reads")
    }

    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_string()
    }

    /// The `To` header's addresses.
    pub fn to(&self) -> Vec<String> {
        let parsed = self.parsed();
        let to = parsed.to().expect("a To header");
        to.iter()
            .filter_map(|a| a.address().map(str::to_string))
            .collect()
    }

    /// The plain-text body, decoded.
    pub fn text(&self) -> String {
        self.parsed().body_text(0).expect("a text part").to_string()
    }

    /// The HTML body, decoded.
    pub fn html(&self) -> String {
        self.parsed()
            .body_html(0)
            .expect("an HTML part")
            .to_string()
    }

    /// The names of the headers, in order.
    pub fn header_names(&self) -> Vec<String> {
        self.parsed()
            .headers()
            .iter()
            .map(|h| h.name().to_string())
            .collect()
    }

    /// The first link of the text body that leads into `path_prefix`, as a
    /// path (`/password/reset/...`).
    pub fn link_to(&self, path_prefix: &str) -> Option<String> {
        self.text().split_whitespace().find_map(|word| {
            let path = word.split_once("://")?.1;
            let path = &path[path.find('/')?..];
            path.starts_with(path_prefix).then(|| path.to_string())
        })
    }
}

pub struct SmtpSink {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    server: Mutex<Option<JoinHandle<()>>>,
}

impl SmtpSink {
    /// Listening on a free port of 127.0.0.1.
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let server = tokio::spawn(serve(listener, received.clone()));
        SmtpSink {
            port,
            received,
            server: Mutex::new(Some(server)),
        }
    }

    /// `SMTP_URL` for it.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Stops listening: connections are refused until `up`.
    pub fn down(&self) {
        if let Some(server) = self.server.lock().unwrap().take() {
            server.abort();
        }
    }

    /// Listens again, on the same port.
    pub async fn up(&self) {
        let listener = loop {
            match TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(listener) => break listener,
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        };
        let server = tokio::spawn(serve(listener, self.received.clone()));
        *self.server.lock().unwrap() = Some(server);
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// What reached `address`.
    pub fn to(&self, address: &str) -> Vec<Received> {
        let received = self.received();
        received
            .into_iter()
            .filter(|m| m.rcpt.iter().any(|r| r == address))
            .collect()
    }

    /// Waits (up to 10 s) until `address` has `count` mails; returns them,
    /// oldest first.
    pub async fn wait_for(&self, address: &str, count: usize) -> Vec<Received> {
        for _ in 0..200 {
            let mails = self.to(address);
            if mails.len() >= count {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "{address} got {} mails, not {count}: {:#?}",
            self.to(address).len(),
            self.received()
        );
    }

    /// Waits (up to 10 s) until `address` has `count` mails, then a second
    /// more, and checks that no further mail came: the mails are sent off
    /// the request path, so "no more than" needs the worker to catch up.
    pub async fn wait_for_exactly(&self, address: &str, count: usize) -> Vec<Received> {
        self.wait_for(address, count).await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let mails = self.to(address);
        assert_eq!(mails.len(), count, "{address} got more mails than {count}");
        mails
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.down();
    }
}

async fn serve(listener: TcpListener, received: Arc<Mutex<Vec<Received>>>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(conversation(stream, received.clone()));
    }
}

/// One SMTP session.
async fn conversation(stream: TcpStream, received: Arc<Mutex<Vec<Received>>>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut rcpt = Vec::new();
    let say = |text: &str| format!("{text}\r\n");
    if write
        .write_all(say("220 sink ESMTP").as_bytes())
        .await
        .is_err()
    {
        return;
    }
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line.get(..4).unwrap_or(&line).to_ascii_uppercase();
        let answer = match verb.as_str() {
            "EHLO" => "250-sink\r\n250 8BITMIME".to_string(),
            "HELO" | "MAIL" | "NOOP" => "250 OK".to_string(),
            "RSET" => {
                rcpt.clear();
                "250 OK".to_string()
            }
            "RCPT" => {
                let address = line
                    .split_once('<')
                    .and_then(|(_, rest)| rest.split_once('>'))
                    .map(|(address, _)| address.to_string())
                    .unwrap_or_default();
                rcpt.push(address);
                "250 OK".to_string()
            }
            "DATA" => {
                if write
                    .write_all(say("354 go ahead").as_bytes())
                    .await
                    .is_err()
                {
                    return;
                }
                let mut raw = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if line == "." {
                        break;
                    }
                    // Dot-stuffing (RFC 5321, 4.5.2).
                    let line = line
                        .strip_prefix('.')
                        .filter(|_| line.starts_with(".."))
                        .unwrap_or(&line);
                    raw.push_str(line);
                    raw.push_str("\r\n");
                }
                received.lock().unwrap().push(Received {
                    rcpt: std::mem::take(&mut rcpt),
                    raw,
                });
                "250 queued".to_string()
            }
            "QUIT" => {
                let _ = write.write_all(say("221 bye").as_bytes()).await;
                return;
            }
            _ => "502 not implemented".to_string(),
        };
        if write.write_all(say(&answer).as_bytes()).await.is_err() {
            return;
        }
    }
}
