//! A proxy between a browser and the shop that can hold a request back:
//! the one way to make a real browser send a request with the cookies it
//! has now and have the shop answer it later, after other requests of the
//! same browser (a tab still loading while its user signs in in another).
//!
//! Each connection carries one request (the proxy asks the shop to close
//! it after its answer, so the browser does not reuse it): the proxy reads
//! the request's head and body, waits if its path is the one held, and
//! then passes it on and the answer back.

use std::sync::{Arc, Mutex};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::Notify,
};

pub struct DelayingProxy {
    /// `http://127.0.0.1:PORT`: where the browser goes.
    pub address: String,
    hold: Arc<Hold>,
}

#[derive(Default)]
struct Hold {
    /// The start of the request target to hold back (`/products?late`).
    path: Mutex<Option<String>>,
    /// How many requests are held now.
    held: Mutex<usize>,
    released: Notify,
    arrived: Notify,
}

impl DelayingProxy {
    /// A proxy in front of the shop at `upstream` (`127.0.0.1:PORT`).
    pub async fn start(upstream: &str) -> DelayingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = format!("http://{}", listener.local_addr().unwrap());
        let hold = Arc::new(Hold::default());
        let (upstream, shared) = (upstream.to_string(), hold.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(pass(client, upstream.clone(), shared.clone()));
            }
        });
        DelayingProxy { address, hold }
    }

    /// From now on, a request whose target starts with `path` waits until
    /// `release`.
    pub fn hold(&self, path: &str) {
        *self.hold.path.lock().unwrap() = Some(path.to_string());
    }

    /// Waits until a request is held.
    pub async fn until_held(&self) {
        loop {
            let arrived = self.hold.arrived.notified();
            if *self.hold.held.lock().unwrap() > 0 {
                return;
            }
            arrived.await;
        }
    }

    /// Lets the held requests go, and holds no more.
    pub fn release(&self) {
        *self.hold.path.lock().unwrap() = None;
        self.hold.released.notify_waiters();
    }
}

async fn pass(mut client: TcpStream, upstream: String, hold: Arc<Hold>) {
    let Some(request) = read_request(&mut client).await else {
        return;
    };
    let target = request
        .split(|b| *b == b' ')
        .nth(1)
        .map(|t| String::from_utf8_lossy(t).to_string())
        .unwrap_or_default();
    let held_path = hold.path.lock().unwrap().clone();
    if held_path.is_some_and(|path| target.starts_with(&path)) {
        let released = hold.released.notified();
        *hold.held.lock().unwrap() += 1;
        hold.arrived.notify_waiters();
        released.await;
        *hold.held.lock().unwrap() -= 1;
    }
    let Ok(mut shop) = TcpStream::connect(&upstream).await else {
        return;
    };
    if shop.write_all(&one_request_only(&request)).await.is_err() {
        return;
    }
    let mut answer = Vec::new();
    let _ = shop.read_to_end(&mut answer).await;
    let _ = client.write_all(&answer).await;
    let _ = client.shutdown().await;
}

/// The request's head and body (by its `Content-Length`).
async fn read_request(client: &mut TcpStream) -> Option<Vec<u8>> {
    let mut request = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        let n = client.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        request.extend_from_slice(&buf[..n]);
        if let Some(at) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&request[..head_end]).to_lowercase();
    let length = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    while request.len() < head_end + length {
        let n = client.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        request.extend_from_slice(&buf[..n]);
    }
    Some(request)
}

/// The request with `Connection: close`, so the shop closes the
/// connection after its answer (and says so to the browser).
fn one_request_only(request: &[u8]) -> Vec<u8> {
    let head_end = request.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 2;
    let head = String::from_utf8_lossy(&request[..head_end]);
    let mut out: String = head
        .split("\r\n")
        .filter(|line| !line.to_lowercase().starts_with("connection:"))
        .filter(|line| !line.is_empty())
        .map(|line| format!("{line}\r\n"))
        .collect();
    out.push_str("Connection: close\r\n\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&request[head_end + 2..]);
    bytes
}
