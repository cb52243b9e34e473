//! End-to-end tests in a real browser: headless Chromium, driven through
//! chromedriver (WebDriver) with fantoccini, against the real app started
//! exactly as the HTTP suite starts it (`TestApp`). Everything the user does
//! here is a click or a keystroke in a real page, so these tests prove what
//! the HTTP suite cannot: that the stylesheet applies under the strict CSP,
//! and that the forms a browser really submits (with the headers a browser
//! really sends) pass the CSRF and origin checks. They also run axe-core on
//! every page, in both themes, and fail on any serious or critical
//! accessibility violation; and a guided tour of the shop takes the
//! screenshots of `docs/screenshots/`.
//!
//! They need chromium and chromedriver (Debian: `apt-get install chromium
//! chromium-driver`), so plain `cargo test` skips them; run them with
//!
//! ```sh
//! cargo test --test browser -- --ignored
//! ```
//!
//! `CHROMIUM` (default `/usr/bin/chromium`) and `CHROMEDRIVER` (default
//! `chromedriver` on the PATH) choose the binaries. The accessibility checks
//! need axe-core: `npm ci` at the repository root installs it into
//! `node_modules/` (from `package.json`), or `AXE_CORE` names its
//! `axe.min.js`. When any of them is missing the tests fail with a message
//! saying so; they never pass silently.
//!
//! `SCREENSHOTS=1` makes the tour write its PNGs into `docs/screenshots/`;
//! without it the tour visits and checks the same pages and writes nothing,
//! so CI never rewrites the committed pictures:
//!
//! ```sh
//! SCREENSHOTS=1 cargo test --test browser -- --ignored the_guided_tour
//! ```
//!
//! Each test starts its own chromedriver on a free port (in its own process
//! group, so the Chromium it starts goes with it) with a fresh profile, and
//! kills the group when it ends, also when it fails.

pub mod common;

use std::{
    collections::HashMap,
    net::TcpListener,
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Mutex, OnceLock},
    time::{Duration, Instant},
};

use common::{delay::DelayingProxy, smtp::SmtpSink, totp, Page, TestApp, PASSWORD};
use fantoccini::{
    actions::{InputSource, KeyAction, KeyActions},
    elements::Element,
    key::Key,
    Client, ClientBuilder, Locator,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// How long any one page may take to appear (generous: CI has 2 cores and
/// the tests of this binary run in parallel, each with its own Chromium).
const PAGE_TIMEOUT: Duration = Duration::from_secs(30);

/// The password a customer who forgot theirs chooses through the mailed
/// link.
const NEW_PASSWORD: &str = "purple elephant dancing quietly";

// ---- chromedriver -----------------------------------------------------------

/// A chromedriver child process (and the Chromium it starts), killed when
/// this is dropped, including when the test panics.
struct Chromedriver {
    child: Child,
    port: u16,
    /// Holds the chromedriver log and the browser profile.
    dir: tempfile::TempDir,
    reaped: bool,
}

impl Chromedriver {
    /// Starts chromedriver on a free port. The port is only free until
    /// chromedriver binds it; if something took it meanwhile, chromedriver
    /// exits at once, and another port is tried.
    async fn start() -> Chromedriver {
        let mut attempt = 1;
        loop {
            let mut driver = Chromedriver::spawn();
            match driver.wait_until_ready().await {
                Ok(()) => return driver,
                Err(why) if attempt < 3 => {
                    eprintln!(
                        "chromedriver on port {}: {why}; trying another port",
                        driver.port
                    );
                    attempt += 1;
                }
                Err(why) => panic!("chromedriver on port {}: {why}", driver.port),
            }
        }
    }

    fn spawn() -> Chromedriver {
        let program = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let port = free_port();
        let dir = tempfile::tempdir().expect("temp dir for chromedriver");
        let child = Command::new(&program)
            .arg(format!("--port={port}"))
            .arg(format!(
                "--log-path={}",
                dir.path().join("chromedriver.log").display()
            ))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group: Drop kills chromedriver and every
            // Chromium process it started in one go.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start chromedriver (`{program}`: {e}). The browser tests need \
                     chromium and chromedriver: `apt-get install chromium chromium-driver`, \
                     or set CHROMEDRIVER=/path/to/chromedriver"
                )
            });
        Chromedriver {
            child,
            port,
            dir,
            reaped: false,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn profile_dir(&self) -> PathBuf {
        self.dir.path().join("profile")
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("chromedriver.log"))
            .unwrap_or_else(|e| format!("(no chromedriver log: {e})"));
        // Each line cut short: a line can hold a whole injected script.
        let lines: Vec<String> = log
            .lines()
            .map(|line| match line.char_indices().nth(300) {
                Some((cut, _)) => format!("{}…", &line[..cut]),
                None => line.to_string(),
            })
            .collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Polls `GET /status` until chromedriver says it is ready (there is no
    /// event to wait for). An error if it exits first (the port was taken).
    async fn wait_until_ready(&mut self) -> Result<(), String> {
        let status = format!("{}/status", self.url());
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(exit) = self.child.try_wait().expect("chromedriver status") {
                self.reaped = true;
                return Err(format!(
                    "exited at start ({exit}); its log:\n{}",
                    self.log_tail()
                ));
            }
            if let Ok(res) = http.get(&status).send().await {
                let body = res.text().await.unwrap_or_default();
                let body: Value = serde_json::from_str(&body).unwrap_or_default();
                if body["value"]["ready"] == json!(true) {
                    return Ok(());
                }
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer on {status} within 20 s; its log:\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Chromedriver {
    #[allow(unsafe_code)]
    fn drop(&mut self) {
        if !self.reaped {
            let group = -(self.child.id() as libc::pid_t);
            // SAFETY: kill(2) on the process group this test created (the
            // child leads it and is not reaped yet, so the id is not reused).
            unsafe {
                libc::kill(group, libc::SIGKILL);
            }
            // SIGKILL takes effect at once; Chromium's processes, orphaned,
            // are left for init to reap.
            let _ = self.child.wait();
        }
        if std::thread::panicking() {
            eprintln!("---- chromedriver log (tail) ----\n{}", self.log_tail());
        }
    }
}

/// A port that was free a moment ago (the OS picks it), and that no other
/// test of this binary was given: two chromedrivers never race for one port,
/// and a test never talks to another test's chromedriver.
fn free_port() -> u16 {
    static HANDED_OUT: Mutex<Vec<u16>> = Mutex::new(Vec::new());
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("bind 127.0.0.1:0")
            .port();
        let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
        if !handed_out.contains(&port) {
            handed_out.push(port);
            return port;
        }
    }
}

// ---- the browser ------------------------------------------------------------

/// One headless Chromium showing the shop.
struct Shop {
    client: Client,
    base: String,
    // Dropped last: kills chromedriver and Chromium.
    driver: Chromedriver,
}

impl Shop {
    async fn open(app: &TestApp) -> Shop {
        Shop::start(&app.address, false).await
    }

    /// A shop whose browser also keeps a log of the requests its pages
    /// make (`requests_sent`).
    async fn open_recording_requests(app: &TestApp) -> Shop {
        Shop::start(&app.address, true).await
    }

    /// The shop as the browser sees it at `base`: through a proxy.
    async fn open_at(base: &str) -> Shop {
        Shop::start(base, false).await
    }

    async fn start(base: &str, record_requests: bool) -> Shop {
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        assert!(
            std::path::Path::new(&chromium).exists(),
            "no Chromium at {chromium}. The browser tests need chromium and chromedriver: \
             `apt-get install chromium chromium-driver`, or set CHROMIUM=/path/to/chromium"
        );
        let driver = Chromedriver::start().await;
        let args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            // No scrollbar in the viewport: the screenshots show the page.
            "--hide-scrollbars".into(),
            "--window-size=1280,900".into(),
            // `window.open` from a test's script is not a user's click.
            "--disable-popup-blocking".into(),
            format!("--user-data-dir={}", driver.profile_dir().display()),
        ];
        // Keep what the console reports as severe (CSP violations, script
        // errors) for `console_errors`; and, when asked, the DevTools
        // network events for `requests_sent`.
        let mut logging = json!({ "browser": "SEVERE" });
        if record_requests {
            logging["performance"] = json!("ALL");
        }
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium, "args": args },
            "goog:loggingPrefs": logging,
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&driver.url())
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "chromedriver could not start Chromium ({chromium}): {e}\n\
                     ---- chromedriver log (tail) ----\n{}",
                    driver.log_tail()
                )
            });
        Shop {
            client,
            base: base.to_string(),
            driver,
        }
    }

    /// Checks the browser reported no error, then stops chromedriver and
    /// Chromium. They are killed rather than asked to quit (which takes a
    /// second): the profile is thrown away anyway.
    async fn close(self) {
        let errors = self.console_errors().await;
        assert!(errors.is_empty(), "the browser reported: {errors:#?}");
        let Shop { client, driver, .. } = self;
        // Or the dropped client would still send chromedriver a "quit".
        client.persist().await.expect("keep the session");
        drop(driver);
    }

    /// chromedriver's log of `kind` since the last call (its log endpoint
    /// is not in the WebDriver standard, so fantoccini has no call for it).
    async fn log(&self, kind: &str) -> Vec<Value> {
        let id = self
            .client
            .session_id()
            .await
            .expect("session id")
            .expect("a WebDriver session");
        let log = reqwest::Client::new()
            .post(format!("{}/session/{id}/se/log", self.driver.url()))
            .header("content-type", "application/json")
            .body(json!({ "type": kind }).to_string())
            .send()
            .await
            .expect("ask chromedriver for a log");
        let log: Value =
            serde_json::from_str(&log.text().await.expect("log")).expect("the log is JSON");
        match log["value"].as_array() {
            Some(entries) => entries.clone(),
            None => panic!("chromedriver gave no {kind} log: {log}"),
        }
    }

    /// Every request the browser sent since the last call (a shop opened
    /// with `open_recording_requests`): its URL and its `Referer`, from the
    /// DevTools network events (the headers as sent, where Chromium
    /// reports them apart).
    async fn requests_sent(&self) -> Vec<(String, Option<String>)> {
        let mut urls: Vec<(String, String)> = Vec::new();
        let mut referers: HashMap<String, String> = HashMap::new();
        for entry in self.log("performance").await {
            let message: Value =
                serde_json::from_str(entry["message"].as_str().unwrap_or("{}")).unwrap_or_default();
            let params = &message["message"]["params"];
            let id = params["requestId"].as_str().unwrap_or_default().to_string();
            let headers = match message["message"]["method"].as_str() {
                Some("Network.requestWillBeSent") => {
                    let url = params["request"]["url"].as_str().unwrap_or_default();
                    urls.push((id.clone(), url.to_string()));
                    &params["request"]["headers"]
                }
                Some("Network.requestWillBeSentExtraInfo") => &params["headers"],
                _ => continue,
            };
            let referer = headers
                .as_object()
                .into_iter()
                .flatten()
                .find(|(name, _)| name.eq_ignore_ascii_case("referer"))
                .and_then(|(_, value)| value.as_str());
            if let Some(referer) = referer {
                referers.insert(id, referer.to_string());
            }
        }
        urls.into_iter()
            .map(|(id, url)| (url, referers.get(&id).cloned()))
            .collect()
    }

    /// What the browser's console reported as severe since the last call:
    /// a CSP violation (an inline style or script, a foreign image) or a
    /// script error. Failed loads are left out: `loaded` judges each page's
    /// status itself, and one test expects a 403.
    async fn console_errors(&self) -> Vec<String> {
        self.log("browser")
            .await
            .iter()
            .filter(|e| e["level"] == "SEVERE" && e["source"] != "network")
            .map(|e| e["message"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Types an address into the bar, as it were.
    async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("open {path}: {e}"));
        self.loaded().await;
    }

    /// Clicks `element` (a link or a submit button) and waits for the page
    /// it leads to: the first element matching `ready`, which must not be
    /// on the page clicked from. Then checks the new page is not an error.
    async fn click_to(&self, element: &Element, ready: Locator<'_>) -> Element {
        let found = self.click_and_wait(element, ready).await;
        self.loaded().await;
        found
    }

    /// Clicks `element` and waits for the first element matching `ready`,
    /// whatever the status of the page it finds it on (a form re-rendered
    /// with its mistakes answers 422; `click_to` would refuse it).
    async fn click_and_wait(&self, element: &Element, ready: Locator<'_>) -> Element {
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("click: {e}"));
        let found = self
            .client
            .wait()
            .at_most(PAGE_TIMEOUT)
            .every(Duration::from_millis(50))
            .for_element(ready)
            .await;
        match found {
            Ok(el) => el,
            Err(e) => {
                let page = self.page().await;
                panic!("after the click, no {ready:?} ({e}); the browser shows {page}")
            }
        }
    }

    /// Waits for the `load` event of the current page (an event, not a
    /// poll), then asserts it is a page the shop served without error: a
    /// status below 400 and no "Forbidden" (the CSRF and origin checks
    /// answer 403 with a page saying so).
    async fn loaded(&self) -> Page {
        let page = self.page().await;
        assert!(
            (200..400).contains(&page.status.as_u16()) && !page.says("Forbidden"),
            "the shop answered {page}"
        );
        page
    }

    /// The current page after its `load` event, as the HTTP suite reads
    /// one (`common::Page`): its address, the HTTP status of the response
    /// that produced it, and its HTML as the browser has it now.
    async fn page(&self) -> Page {
        self.client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 if (document.readyState === 'complete') done();
                 else window.addEventListener('load', () => done(), { once: true });",
                vec![],
            )
            .await
            .unwrap_or_else(|e| panic!("wait for the page to load: {e}"));
        let info = self
            .js("const nav = performance.getEntriesByType('navigation')[0];
                 return { url: location.href, status: nav ? nav.responseStatus : 0 };")
            .await;
        let url = info["url"].as_str().unwrap_or_default().to_string();
        // `PerformanceNavigationTiming.responseStatus`: 0 when the browser
        // does not know it (a data: URL).
        let status = info["status"].as_u64().unwrap_or(0);
        let status = u16::try_from(status)
            .ok()
            .and_then(|status| StatusCode::from_u16(status).ok())
            .unwrap_or_else(|| panic!("{url}: no HTTP status for the page ({status})"));
        let html = self
            .client
            .source()
            .await
            .unwrap_or_else(|e| panic!("the HTML of {url}: {e}"));
        Page::new(url, status, html)
    }

    async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("run script {script:?}: {e}"))
    }

    async fn find(&self, locator: Locator<'_>) -> Element {
        match self.client.find(locator).await {
            Ok(el) => el,
            Err(e) => {
                let page = self.page().await;
                panic!("no {locator:?} ({e}) on {page}")
            }
        }
    }

    async fn text(&self, locator: Locator<'_>) -> String {
        self.find(locator).await.text().await.expect("element text")
    }

    /// Clears a field and types `value` into it, key by key.
    async fn type_into(&self, locator: Locator<'_>, value: &str) {
        let field = self.find(locator).await;
        field.clear().await.expect("clear the field");
        field.send_keys(value).await.expect("type into the field");
    }

    async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current URL");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// The number in the nav's cart badge.
    async fn cart_count(&self) -> i64 {
        let text = self.text(Locator::Css("[data-testid='cart-count']")).await;
        text.trim()
            .parse()
            .unwrap_or_else(|_| panic!("cart count {text:?} is a number"))
    }

    /// The text of the flash message of this page.
    async fn flash(&self) -> String {
        self.text(Locator::Css("main .flash")).await
    }

    /// Fills the /register form and submits it; lands on the home page.
    async fn register(&self, email: &str, name: &str) {
        let link = self.find(Locator::Css("nav a[href='/register']")).await;
        self.click_to(&link, Locator::Css("form[action='/register']"))
            .await;
        self.type_into(Locator::Id("email"), email).await;
        self.type_into(Locator::Id("display_name"), name).await;
        self.type_into(Locator::Id("password"), PASSWORD).await;
        self.type_into(Locator::Id("password_confirm"), PASSWORD)
            .await;
        let submit = self
            .find(Locator::Css(
                "form[action='/register'] button[type='submit']",
            ))
            .await;
        self.click_to(&submit, Locator::Css("nav form[action='/logout']"))
            .await;
        assert_eq!(self.path().await, "/");
        let flash = self.flash().await;
        assert!(
            flash.starts_with(&format!("Welcome to Cookie Jar, {name}!")),
            "{flash}"
        );
        assert_eq!(self.text(Locator::Css("nav a.user")).await, name);
    }

    /// On a product page: sets the quantity, clicks "Add to cart", and
    /// lands on the cart.
    async fn add_to_cart(&self, quantity: u32) {
        self.type_into(Locator::Id("quantity"), &quantity.to_string())
            .await;
        let add = self
            .find(Locator::XPath(
                "//form[@action='/cart/items']//button[normalize-space()='Add to cart']",
            ))
            .await;
        self.click_to(&add, Locator::XPath("//h1[normalize-space()='Your cart']"))
            .await;
        assert_eq!(self.path().await, "/cart");
    }

    /// Opens a product page from the catalog by clicking its name.
    async fn open_product(&self, slug: &str, name: &str) {
        let link = self
            .find(Locator::Css(&format!("h3 a[href='/products/{slug}']")))
            .await;
        self.click_to(
            &link,
            Locator::XPath(&format!("//h1[normalize-space()='{name}']")),
        )
        .await;
        assert_eq!(self.path().await, format!("/products/{slug}"));
    }

    /// Clicks the nav's "Sign out"; lands on the home page as a guest.
    async fn sign_out(&self) {
        let button = self
            .find(Locator::XPath(
                "//nav//form[@action='/logout']//button[normalize-space()='Sign out']",
            ))
            .await;
        self.click_to(
            &button,
            Locator::XPath("//nav//a[@href='/login' and normalize-space()='Sign in']"),
        )
        .await;
        assert_eq!(self.path().await, "/?signed_out=1");
        assert!(self.client.find(Locator::Css("nav a.user")).await.is_err());
    }

    /// Clicks the nav's "Sign in" and signs in through the /login form.
    async fn sign_in(&self, email: &str) {
        let link = self
            .find(Locator::XPath("//nav//a[normalize-space()='Sign in']"))
            .await;
        self.click_to(&link, Locator::Css("form[action='/login']"))
            .await;
        self.sign_in_here(email, PASSWORD).await;
    }

    /// On the /login page: types `email` and `password` and clicks "Sign
    /// in"; lands signed in.
    async fn sign_in_here(&self, email: &str, password: &str) {
        self.type_into(Locator::Id("email"), email).await;
        self.type_into(Locator::Id("password"), password).await;
        let submit = self
            .find(Locator::XPath(
                "//form[@action='/login']//button[normalize-space()='Sign in']",
            ))
            .await;
        self.click_to(&submit, Locator::Css("nav form[action='/logout']"))
            .await;
    }

    /// Opens the development outbox (`/dev/mail`, an app without
    /// `SMTP_URL`) and, from it, the mail to `to` with `subject`: lands on
    /// its page, `/dev/mail/{id}`.
    async fn open_mail(&self, to: &str, subject: &str) {
        self.goto("/dev/mail").await;
        let link = self
            .find(Locator::XPath(&format!(
                "//table//tr[td[normalize-space()='{to}']]//a[normalize-space()='{subject}']"
            )))
            .await;
        self.click_to(
            &link,
            Locator::XPath(&format!("//h1[normalize-space()='{subject}']")),
        )
        .await;
        let path = self.path().await;
        assert!(
            path.strip_prefix("/dev/mail/")
                .is_some_and(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_digit())),
            "landed on /dev/mail/<id>, not {path}"
        );
    }

    /// On a mail's page of the outbox: the first link of its body that
    /// leads into `path_prefix`, as a path of the shop.
    async fn mail_link(&self, path_prefix: &str) -> String {
        let paths = self
            .js(
                "return Array.from(document.querySelectorAll('.mail-body a'),
                   a => new URL(a.href).pathname);",
            )
            .await;
        let found = paths
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .find(|path| path.starts_with(path_prefix));
        match found {
            Some(path) => path.to_string(),
            None => panic!(
                "no link into {path_prefix} in the mail's body (its links: {paths}) on {}",
                self.page().await
            ),
        }
    }

    /// Chooses a theme on the preferences page (as a guest it is kept in
    /// the session, and moves into the account at sign-in).
    async fn choose_theme(&self, theme: &str) {
        self.goto("/preferences").await;
        // The radio button: the nav's toggle has a hidden `theme` field too.
        self.find(Locator::Css(&format!(
            "input[type='radio'][name='theme'][value='{theme}']"
        )))
        .await
        .click()
        .await
        .expect("choose the theme");
        let save = self
            .find(Locator::XPath(
                "//button[normalize-space()='Save preferences']",
            ))
            .await;
        self.click_to(&save, Locator::Css(&format!("html[data-theme='{theme}']")))
            .await;
        assert_eq!(self.flash().await, "Preferences saved.");
    }

    /// On a page with product cards: clicks the card's one-click "Add to
    /// cart" button of `slug`, and lands on the cart.
    async fn add_from_card(&self, slug: &str) {
        let button = self
            .find(Locator::XPath(&format!(
                "//li[contains(@class, 'product-card')][.//a[@href='/products/{slug}']]\
                 //form[@action='/cart/items']//button"
            )))
            .await;
        self.click_to(
            &button,
            Locator::XPath("//h1[normalize-space()='Your cart']"),
        )
        .await;
        assert_eq!(self.path().await, "/cart");
    }

    /// Presses and releases one key, wherever the focus is.
    async fn press(&self, key: Key) {
        let key = char::from(key);
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
        self.client
            .perform_actions(keys)
            .await
            .expect("press a key");
    }

    /// Sizes the window so that the page's viewport is exactly `width` x
    /// `height` CSS pixels (the window may be larger than its viewport).
    async fn set_viewport(&self, width: u32, height: u32) {
        const VIEWPORT: &str = "return [innerWidth, innerHeight];";
        let (mut outer_width, mut outer_height) = (width, height);
        // A few rounds: on a busy machine the window manager may answer
        // before the page has its new size.
        for _ in 0..8 {
            self.client
                .set_window_size(outer_width, outer_height)
                .await
                .expect("size the window");
            tokio::time::sleep(Duration::from_millis(100)).await;
            let inner = self.js(VIEWPORT).await;
            let (Some(w), Some(h)) = (inner[0].as_u64(), inner[1].as_u64()) else {
                panic!("the viewport is {inner}")
            };
            if (w, h) == (u64::from(width), u64::from(height)) {
                return;
            }
            outer_width = (u64::from(outer_width) + u64::from(width) - w) as u32;
            outer_height = (u64::from(outer_height) + u64::from(height) - h) as u32;
        }
        panic!(
            "could not make the viewport {width}x{height}: it is {}",
            self.js(VIEWPORT).await
        );
    }

    /// Runs axe-core on the current page. Each violation of impact
    /// "serious" or "critical" is added to `failures`, as the rule, its
    /// impact, what it asks for, and each offending node's selector with
    /// axe's reason; lesser ones are printed, not counted.
    async fn audit(&self, failures: &mut Vec<String>) {
        self.client
            .execute(axe_source(), vec![])
            .await
            .unwrap_or_else(|e| panic!("inject axe-core: {e}"));
        let outcome = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] }).then(
                   r => done({ violations: r.violations.map(v => ({
                     id: v.id, impact: v.impact, help: v.help,
                     nodes: v.nodes.map(n => ({
                       target: n.target.join(' '),
                       why: [...n.any, ...n.all, ...n.none].map(c => c.message).join(' / '),
                     })),
                   })) }),
                   e => done({ error: String(e) }));",
                vec![],
            )
            .await
            .unwrap_or_else(|e| panic!("run axe-core: {e}"));
        let page = self
            .js(
                "return location.pathname + ' (theme ' + document.documentElement.dataset.theme
                 + ', ' + (document.querySelector('nav a.user') ? 'signed in' : 'guest') + ')';",
            )
            .await;
        let page = page.as_str().unwrap_or_default();
        if let Some(error) = outcome["error"].as_str() {
            panic!("axe-core failed on {page}: {error}");
        }
        let Some(violations) = outcome["violations"].as_array() else {
            panic!("axe-core gave no violations list on {page}: {outcome}")
        };
        for v in violations {
            let impact = v["impact"].as_str().unwrap_or("unknown");
            let nodes: Vec<String> = v["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|n| format!("    {}: {}", n["target"], n["why"].as_str().unwrap_or("")))
                .collect();
            let report = format!(
                "{page}: {} ({impact}): {}\n{}",
                v["id"].as_str().unwrap_or("?"),
                v["help"].as_str().unwrap_or(""),
                nodes.join("\n")
            );
            if matches!(impact, "serious" | "critical") {
                failures.push(report);
            } else {
                eprintln!("axe-core, not counted: {report}");
            }
        }
    }
}

// ---- accessibility and screenshots -------------------------------------------

/// The source of axe-core's browser build: `node_modules/axe-core/axe.min.js`
/// at the repository root (`npm ci` installs it from `package.json`), or the
/// file `AXE_CORE` names. Read once; a missing file fails the test.
fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = match std::env::var_os("AXE_CORE") {
            Some(path) => PathBuf::from(path),
            None => Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/axe-core/axe.min.js"),
        };
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "no axe-core at {} ({e}). The accessibility checks need it: run `npm ci` \
                 at the repository root (package.json lists axe-core), or set \
                 AXE_CORE=/path/to/axe.min.js",
                path.display()
            )
        })
    })
}

/// Where the tour's screenshots go: `docs/screenshots/` when `SCREENSHOTS=1`,
/// nowhere otherwise (the pages are visited and checked all the same).
struct Screenshots {
    dir: Option<PathBuf>,
}

impl Screenshots {
    fn from_env() -> Screenshots {
        let on = std::env::var("SCREENSHOTS").is_ok_and(|v| v == "1");
        Screenshots {
            dir: on.then(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots")),
        }
    }

    /// Checks the viewport is `width` x `height` at one device pixel per CSS
    /// pixel; then, if screenshots are on, writes it to `{name}.png` and
    /// checks the file is there and is a PNG of that size.
    async fn take(&self, shop: &Shop, name: &str, (width, height): (u32, u32)) {
        let viewport = shop
            .js("return innerWidth + 'x' + innerHeight + ' at ' + devicePixelRatio;")
            .await;
        assert_eq!(viewport, format!("{width}x{height} at 1"), "{name}");
        let Some(dir) = &self.dir else { return };
        std::fs::create_dir_all(dir).expect("create docs/screenshots");
        let path = dir.join(format!("{name}.png"));
        // So a write that silently failed cannot leave the old file to pass.
        let _ = std::fs::remove_file(&path);
        let png = shop
            .client
            .screenshot()
            .await
            .unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        let written =
            std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        assert_eq!(
            png_size(&written),
            Some((width, height)),
            "{} is a {width}x{height} PNG",
            path.display()
        );
    }
}

/// The width and height a PNG's header (its first chunk, IHDR) declares;
/// `None` if `bytes` is no PNG.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let header = bytes.get(..24)?;
    if header[..8] != *b"\x89PNG\r\n\x1a\n" || header[12..16] != *b"IHDR" {
        return None;
    }
    let number = |at: usize| u32::from_be_bytes(header[at..at + 4].try_into().unwrap());
    Some((number(16), number(20)))
}

// ---- the tests --------------------------------------------------------------

#[tokio::test]
#[ignore = "needs chromium and chromedriver: cargo test --test browser -- --ignored"]
async fn a_shopper_registers_adds_to_cart_checks_out_and_signs_out() {
    let app = TestApp::spawn().await;
    let shop = Shop::open(&app).await;

    shop.goto("/").await;
    assert_eq!(
        shop.text(Locator::Css("main h1")).await,
        "Fresh cookies, honest sessions."
    );
    shop.register("ada@example.com", "Ada").await;
    assert_eq!(shop.cart_count().await, 0);

    // The home page features the classic cookie (€3.50).
    shop.open_product("classic-chocolate-chip", "Classic Chocolate Chip")
        .await;
    shop.add_to_cart(3).await;
    assert_eq!(
        shop.flash().await,
        "Added 3 × Classic Chocolate Chip to your cart."
    );
    let rows = shop
        .client
        .find_all(Locator::Css("table.cart tbody tr"))
        .await
        .expect("cart rows");
    assert_eq!(rows.len(), 1, "one line in the cart");
    assert!(rows[0]
        .text()
        .await
        .unwrap()
        .contains("Classic Chocolate Chip"));
    let quantity = shop
        .find(Locator::Css(
            "table.cart input[name='quantity'][type='number']",
        ))
        .await;
    assert_eq!(quantity.prop("value").await.unwrap().as_deref(), Some("3"));
    assert_eq!(
        shop.text(Locator::Css("[data-testid='cart-total']")).await,
        "€10.50"
    );
    assert_eq!(shop.cart_count().await, 3);

    let place_order = shop
        .find(Locator::XPath(
            "//form[@action='/checkout']//button[normalize-space()='Place order']",
        ))
        .await;
    let heading = shop
        .click_to(
            &place_order,
            Locator::XPath("//h1[starts-with(normalize-space(), 'Order #')]"),
        )
        .await;
    let path = shop.path().await;
    let order_id = path
        .strip_prefix("/orders/")
        .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()))
        .unwrap_or_else(|| panic!("landed on /orders/<id>, not {path}"));
    assert_eq!(heading.text().await.unwrap(), format!("Order #{order_id}"));
    assert_eq!(shop.flash().await, "Thank you! Your order is placed.");
    let page = shop.loaded().await;
    assert!(page.says("Classic Chocolate Chip"), "{page}");
    assert!(page.says("€10.50"), "{page}");
    assert!(page.says("no payment is taken"), "{page}");
    assert_eq!(shop.cart_count().await, 0, "the cart was ordered");

    shop.sign_out().await;
    assert!(shop.loaded().await.flash_says("You are signed out."));
    shop.close().await;
}

/// A tab still loading a page while its user signs in in another: the
/// page is answered after the sign-in, for the cookie it was sent with
/// (a proxy holds it back), and the browser stays signed in. On a
/// server-side store that cookie's state was deleted at the sign-in; on
/// the cookie store it is the guest's, replaced by the sign-in; either way
/// its late answer may neither remove nor replace the login's cookie.
#[tokio::test]
#[ignore = "needs chromium and chromedriver: cargo test --test browser -- --ignored"]
async fn a_page_answered_after_the_sign_in_of_another_tab_leaves_the_browser_signed_in() {
    let app = TestApp::spawn().await;
    let email = "tabs@example.com";
    app.user(email).await.logout().await;
    let upstream = app.address.trim_start_matches("http://");
    let proxy = DelayingProxy::start(upstream).await;
    let shop = Shop::open_at(&proxy.address).await;

    // A guest with a line in the cart: a state the store keeps.
    shop.goto("/products").await;
    shop.open_product("classic-chocolate-chip", "Classic Chocolate Chip")
        .await;
    shop.add_to_cart(1).await;
    // Another tab starts loading the cart; its request waits at the proxy,
    // with the guest's cookie.
    proxy.hold("/cart?late");
    shop.js("window.open('/cart?late', 'late'); return true;")
        .await;
    proxy.until_held().await;
    // This tab signs in meanwhile.
    shop.goto("/login").await;
    shop.sign_in_here(email, PASSWORD).await;
    // A minute on: the late page would note "last seen" (a write).
    app.clock.advance(61);
    proxy.release();
    let windows = shop.client.windows().await.expect("windows");
    let here = shop.client.window().await.expect("this window");
    let late = windows
        .into_iter()
        .find(|w| *w != here)
        .expect("the late tab");
    shop.client
        .switch_to_window(late)
        .await
        .expect("to the late tab");
    let page = shop.loaded().await;
    assert!(page.url.ends_with("/cart?late"), "{page}");
    shop.client.switch_to_window(here).await.expect("back");
    shop.goto("/profile").await;
    assert_eq!(shop.path().await, "/profile", "still signed in");
    assert_eq!(shop.text(Locator::Css("main h1")).await, "Your profile");
    shop.close().await;
}

/// The whole "forgot your password?" journey, through a real SMTP server
/// (`common::smtp`): the link on the sign-in page, the form, the mailed
/// link opened in the browser, the new password, and signing in with it.
#[tokio::test]
#[ignore = "needs chromium and chromedriver: cargo test --test browser -- --ignored"]
async fn a_customer_who_forgot_the_password_gets_back_in_through_the_mailed_link() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &sink.url())]).await;
    let shop = Shop::open_recording_requests(&app).await;
    let email = "dot@example.com";

    shop.goto("/").await;
    shop.register(email, "Dot").await;
    shop.sign_out().await;

    shop.goto("/login").await;
    let forgot = shop
        .find(Locator::XPath(
            "//main//a[normalize-space()='Forgot your password?']",
        ))
        .await;
    shop.click_to(&forgot, Locator::Css("form[action='/password/forgot']"))
        .await;
    assert_eq!(shop.path().await, "/password/forgot");
    shop.type_into(Locator::Id("email"), email).await;
    let mail_me = shop
        .find(Locator::XPath(
            "//form[@action='/password/forgot']//button[normalize-space()='Mail me a link']",
        ))
        .await;
    shop.click_to(
        &mail_me,
        Locator::XPath("//h1[normalize-space()='Check your mail']"),
    )
    .await;
    let sent = shop.loaded().await;
    assert!(sent.says(email), "{sent}");

    // The account's first mail asked to confirm the address; its second
    // holds the link.
    let mails = sink.wait_for(email, 2).await;
    assert_eq!(mails[0].subject(), "Confirm your email address");
    assert_eq!(mails[1].subject(), "Reset your password");
    let link = mails[1]
        .link_to("/password/reset/")
        .expect("a reset link in the mail");

    // The link is opened as a click in the mail would: the token moves
    // into the session, and the address bar shows the page without it.
    let token = link.trim_start_matches("/password/reset/").to_string();
    shop.requests_sent().await;
    shop.goto(&link).await;
    assert_eq!(shop.path().await, "/password/reset");
    assert_eq!(
        shop.text(Locator::Css("main h1")).await,
        "Choose a new password"
    );
    assert!(shop
        .loaded()
        .await
        .says(&format!("For the account {email}")));
    shop.type_into(Locator::Id("password"), NEW_PASSWORD).await;
    shop.type_into(Locator::Id("password_confirm"), NEW_PASSWORD)
        .await;
    let set = shop
        .find(Locator::XPath(
            "//form[@action='/password/reset']\
             //button[normalize-space()='Set the new password']",
        ))
        .await;
    shop.click_to(&set, Locator::Css("form[action='/login']"))
        .await;
    // What the pages requested on the way (the page, its stylesheet,
    // its icon, the form): none carried the token in its `Referer`, and
    // the stylesheet's request is among them.
    let sent = shop.requests_sent().await;
    assert!(
        sent.iter().any(|(url, _)| url.contains("/static/css/")),
        "{sent:#?}"
    );
    for (url, referer) in &sent {
        let referer = referer.as_deref().unwrap_or_default();
        assert!(
            !referer.contains(&token),
            "{url} was sent Referer {referer}"
        );
    }
    assert_eq!(shop.path().await, "/login");
    let flash = shop.flash().await;
    assert!(flash.starts_with("Your password is changed"), "{flash}");

    // The old password is refused, the new one signs in.
    shop.type_into(Locator::Id("email"), email).await;
    shop.type_into(Locator::Id("password"), PASSWORD).await;
    let sign_in = shop
        .find(Locator::XPath(
            "//form[@action='/login']//button[normalize-space()='Sign in']",
        ))
        .await;
    let refused = shop
        .click_and_wait(&sign_in, Locator::Css("#login-error"))
        .await;
    assert_eq!(
        refused.text().await.unwrap(),
        "The email or the password is not right."
    );
    assert_eq!(shop.page().await.status, 422);
    shop.sign_in_here(email, NEW_PASSWORD).await;
    assert_eq!(shop.text(Locator::Css("nav a.user")).await, "Dot");
    // The link reached the address: it is confirmed, and no banner asks.
    assert!(
        shop.client
            .find(Locator::Css(".verify-banner"))
            .await
            .is_err(),
        "no 'Please confirm your address' banner after a reset by mail"
    );

    let mails = sink.wait_for(email, 3).await;
    assert_eq!(mails[2].subject(), "Your password was reset");
    shop.close().await;
}

#[tokio::test]
#[ignore = "needs chromium and chromedriver: cargo test --test browser -- --ignored"]
async fn the_theme_toggle_switches_the_page_theme_and_the_stylesheet_applies() {
    let app = TestApp::spawn().await;
    let shop = Shop::open(&app).await;
    const COLOURS: &str = "return {
        theme: document.documentElement.dataset.theme,
        background: getComputedStyle(document.documentElement).backgroundColor,
        text: getComputedStyle(document.body).color,
    };";

    shop.goto("/").await;
    let before = shop.js(COLOURS).await;
    assert_eq!(before["theme"], "system");
    // Headless Chromium prefers the light scheme, so "system" is light:
    // --bg #fbf7f2 from /static/css/app.css. An unstyled page would be
    // transparent.
    assert_eq!(before["background"], "rgb(251, 247, 242)", "{before}");

    let toggle = shop
        .find(Locator::Css("nav form.theme-toggle button"))
        .await;
    assert_eq!(toggle.text().await.unwrap(), "☾ Dark");
    shop.click_to(&toggle, Locator::Css("html[data-theme='dark']"))
        .await;
    assert_eq!(shop.path().await, "/", "the toggle returns to its page");

    let after = shop.js(COLOURS).await;
    assert_eq!(after["theme"], "dark");
    assert_ne!(after["background"], before["background"]);
    assert_ne!(after["text"], before["text"]);
    // --bg #1b1714 and --text #f3ebe3 of the dark theme.
    assert_eq!(after["background"], "rgb(27, 23, 20)", "{after}");
    assert_eq!(after["text"], "rgb(243, 235, 227)", "{after}");
    assert_eq!(
        shop.text(Locator::Css("nav form.theme-toggle button"))
            .await,
        "☀ Light"
    );

    // The CSP forbids inline style: nothing on the page relies on it, and
    // the one stylesheet is the linked file.
    let inline = shop
        .js("return document.querySelectorAll('[style], style').length;")
        .await;
    assert_eq!(inline, 0, "no inline style on the page");
    let sheets = shop
        .js("return Array.from(document.styleSheets, s => new URL(s.href).pathname);")
        .await;
    assert_eq!(sheets, json!(["/static/css/app.css"]));
    let errors = shop.console_errors().await;
    assert!(errors.is_empty(), "CSP violations or errors: {errors:#?}");

    // The choice is kept in the session: the next page is dark too.
    shop.goto("/products").await;
    assert_eq!(shop.js(COLOURS).await["theme"], "dark");
    shop.close().await;
}

#[tokio::test]
#[ignore = "needs chromium and chromedriver: cargo test --test browser -- --ignored"]
async fn a_guest_cart_follows_into_the_account_at_login() {
    let app = TestApp::spawn().await;
    // The account exists already (made over HTTP, as the HTTP suite does).
    app.user("bea@example.com").await;
    let shop = Shop::open(&app).await;

    shop.goto("/products").await;
    shop.open_product("ginger-snaps", "Ginger Snaps").await;
    shop.add_to_cart(2).await;
    assert_eq!(shop.cart_count().await, 2);
    let checkout = shop
        .text(Locator::Css("form[action='/checkout'] button"))
        .await;
    assert_eq!(checkout, "Sign in to check out", "a guest's cart");

    shop.sign_in("bea@example.com").await;
    assert_eq!(shop.path().await, "/");
    assert_eq!(
        shop.flash().await,
        "You are signed in. We moved 1 product from your cart into your account."
    );
    assert_eq!(shop.text(Locator::Css("nav a.user")).await, "Tester");
    assert_eq!(shop.cart_count().await, 2, "the cart count is unchanged");

    let cart = shop.find(Locator::Css("nav a.cart-link")).await;
    shop.click_to(&cart, Locator::XPath("//h1[normalize-space()='Your cart']"))
        .await;
    let rows = shop
        .client
        .find_all(Locator::Css("table.cart tbody tr"))
        .await
        .expect("cart rows");
    assert_eq!(rows.len(), 1);
    assert!(rows[0].text().await.unwrap().contains("Ginger Snaps"));
    assert_eq!(
        shop.text(Locator::Css("[data-testid='cart-total']")).await,
        "€5.98"
    );
    assert_eq!(
        shop.text(Locator::Css("form[action='/checkout'] button"))
            .await,
        "Place order"
    );
    shop.close().await;
}

/// Every kind of form in the shop, submitted by a real browser with the
/// headers it really sends (`Sec-Fetch-Site`, `Origin`), passes the CSRF
/// and origin checks: `click_to` fails on any 403 or "Forbidden" page. And
/// the same browser's cross-site POST, even with a valid token, is refused,
/// which shows that the 403 detection is not vacuous.
#[tokio::test]
#[ignore = "needs chromium and chromedriver: cargo test --test browser -- --ignored"]
async fn a_real_browser_post_passes_the_csrf_and_origin_checks() {
    let app = TestApp::spawn().await;
    let shop = Shop::open(&app).await;
    shop.goto("/").await;

    // POST /preferences as a guest, from the preferences form.
    let link = shop
        .find(Locator::Css("footer a[href='/preferences']"))
        .await;
    shop.click_to(
        &link,
        Locator::XPath("//h1[normalize-space()='Preferences']"),
    )
    .await;
    shop.find(Locator::Css("input[name='theme'][value='light']"))
        .await
        .click()
        .await
        .expect("choose light");
    shop.find(Locator::Id("page_size"))
        .await
        .select_by_value("6")
        .await
        .expect("choose 6 per page");
    let save = shop
        .find(Locator::XPath(
            "//button[normalize-space()='Save preferences']",
        ))
        .await;
    shop.click_to(&save, Locator::Css("html[data-theme='light']"))
        .await;
    assert_eq!(shop.flash().await, "Preferences saved.");

    // POST /register.
    shop.register("cy@example.com", "Cy").await;

    // POST /preferences from the nav's toggle, on the catalog.
    shop.goto("/products").await;
    assert_eq!(
        shop.client
            .find_all(Locator::Css("ul.grid li.product-card"))
            .await
            .unwrap()
            .len(),
        6,
        "the guest's page size came along"
    );
    let toggle = shop
        .find(Locator::Css("nav form.theme-toggle button"))
        .await;
    shop.click_to(&toggle, Locator::Css("html[data-theme='dark']"))
        .await;
    assert_eq!(shop.path().await, "/products");

    // POST /cart/items, then POST /cart/items/{id} (change the quantity).
    shop.open_product("classic-chocolate-chip", "Classic Chocolate Chip")
        .await;
    shop.add_to_cart(1).await;
    shop.type_into(
        Locator::Css("table.cart input[name='quantity'][type='number']"),
        "4",
    )
    .await;
    let update = shop
        // Its name says which line it updates (the product's name is
        // there for screen readers, visually hidden).
        .find(Locator::XPath(
            "//button[normalize-space()='Update Classic Chocolate Chip']",
        ))
        .await;
    shop.click_to(
        &update,
        Locator::XPath("//div[contains(@class, 'flash') and normalize-space()='Cart updated.']"),
    )
    .await;
    assert_eq!(shop.cart_count().await, 4);

    // POST /checkout.
    let place_order = shop
        .find(Locator::XPath("//button[normalize-space()='Place order']"))
        .await;
    shop.click_to(
        &place_order,
        Locator::XPath("//h1[starts-with(normalize-space(), 'Order #')]"),
    )
    .await;

    // POST /profile.
    let profile = shop.find(Locator::Css("nav a.user")).await;
    shop.click_to(
        &profile,
        Locator::XPath("//h1[normalize-space()='Your profile']"),
    )
    .await;
    shop.type_into(Locator::Id("display_name"), "Cyril").await;
    let save_name = shop
        .find(Locator::XPath("//button[normalize-space()='Save name']"))
        .await;
    shop.click_to(
        &save_name,
        Locator::XPath("//nav//a[contains(@class, 'user') and normalize-space()='Cyril']"),
    )
    .await;
    assert_eq!(shop.flash().await, "Display name saved.");

    // POST /logout, then POST /login.
    shop.sign_out().await;
    shop.sign_in("cy@example.com").await;
    assert_eq!(shop.flash().await, "You are signed in.");

    // The counter-check: a page of another site posts the add-to-cart form
    // to the shop, even with this session's real token. The browser marks
    // it cross-site (and leaves out the SameSite=Lax cookie): 403.
    shop.goto("/products/ginger-snaps").await;
    let token = shop
        .find(Locator::Css(
            "form[action='/cart/items'] input[name='csrf_token']",
        ))
        .await
        .prop("value")
        .await
        .unwrap()
        .expect("a CSRF token in the form");
    let forged = format!(
        "<!doctype html><form method='post' action='{}/cart/items'>\
         <input type='hidden' name='csrf_token' value='{token}'>\
         <input type='hidden' name='product_id' value='8'>\
         <input type='hidden' name='quantity' value='5'>\
         <button id='go'>Win a prize</button></form>",
        app.address
    );
    shop.client
        .goto(&format!("data:text/html,{}", percent_encode(&forged)))
        .await
        .expect("open the other site's page");
    let go = shop.find(Locator::Id("go")).await;
    go.click().await.expect("click the other site's button");
    shop.client
        .wait()
        .at_most(PAGE_TIMEOUT)
        .for_element(Locator::Css("p.status-code"))
        .await
        .expect("the shop answers the cross-site POST with an error page");
    let refused = shop.page().await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{refused}");
    assert!(
        refused.says("This request came from another site."),
        "{refused}"
    );
    shop.goto("/").await;
    assert_eq!(
        shop.cart_count().await,
        0,
        "the forged POST changed nothing"
    );
    // ...and did not replace the session cookie either (a cookie set by
    // that answer would have signed the user out).
    shop.client
        .find(Locator::Css("nav a.user"))
        .await
        .expect("still signed in after the forged POST");
    shop.close().await;
}

/// Percent-encodes everything but unreserved characters (for a data: URL).
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
#[ignore = "needs chromium and chromedriver: cargo test --test browser -- --ignored"]
async fn a_product_card_adds_one_to_the_cart_and_the_nav_counts_it() {
    let app = TestApp::spawn().await;
    let shop = Shop::open(&app).await;

    // The home page features the classic cookie.
    shop.goto("/").await;
    assert_eq!(shop.cart_count().await, 0);
    shop.add_from_card("classic-chocolate-chip").await;
    assert_eq!(
        shop.flash().await,
        "Added 1 × Classic Chocolate Chip to your cart."
    );
    assert_eq!(shop.cart_count().await, 1);

    // Each click adds one more, from the catalog too.
    shop.goto("/products").await;
    shop.add_from_card("ginger-snaps").await;
    assert_eq!(shop.flash().await, "Added 1 × Ginger Snaps to your cart.");
    assert_eq!(shop.cart_count().await, 2);
    shop.goto("/products").await;
    shop.add_from_card("ginger-snaps").await;
    assert_eq!(shop.cart_count().await, 3);
    assert_eq!(
        shop.client
            .find_all(Locator::Css("table.cart tbody tr"))
            .await
            .expect("cart rows")
            .len(),
        2,
        "two lines: one cookie, two packs of ginger snaps"
    );

    // A sold-out product's card says so, and has no button.
    shop.goto("/products").await;
    let sold_out = shop
        .find(Locator::XPath(
            "//li[contains(@class, 'product-card')][.//a[@href='/products/butter-shortbread-tin']]",
        ))
        .await;
    assert!(sold_out.text().await.unwrap().contains("Sold out"));
    assert!(
        sold_out.find(Locator::Css("form")).await.is_err(),
        "no add-to-cart form on a sold-out card"
    );
    shop.close().await;
}

#[tokio::test]
#[ignore = "needs chromium and chromedriver: cargo test --test browser -- --ignored"]
async fn the_first_tab_shows_a_skip_link_and_the_focus_is_outlined_in_both_themes() {
    let app = TestApp::spawn().await;
    let shop = Shop::open(&app).await;
    // Where the focus is, whether it is inside the viewport, and how it is
    // outlined.
    const FOCUS: &str = "const el = document.activeElement;
        const r = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        return {
          text: el.innerText, href: el.getAttribute('href'), in_main: !!el.closest('main'),
          shown: r.width > 20 && r.height > 10 && r.top >= 0 && r.left >= 0
                 && r.bottom <= innerHeight && r.right <= innerWidth,
          outline: style.outlineStyle, outline_width: parseFloat(style.outlineWidth),
          outline_colour: style.outlineColor,
          background: getComputedStyle(document.body).backgroundColor,
        };";

    for theme in ["light", "dark"] {
        shop.choose_theme(theme).await;
        shop.goto("/products").await;
        let hidden = shop
            .js("return document.querySelector('a.skip-link').getBoundingClientRect().bottom;")
            .await;
        assert!(
            hidden.as_f64().unwrap() <= 0.0,
            "{theme}: the skip link is off screen until focused ({hidden})"
        );
        shop.press(Key::Tab).await;
        let skip = shop.js(FOCUS).await;
        assert_eq!(skip["text"], "Skip to content", "{theme}: {skip}");
        assert_eq!(skip["href"], "#content");
        assert_eq!(skip["shown"], true, "{theme}: the skip link shows: {skip}");
        assert_eq!(skip["outline"], "solid", "{theme}: {skip}");
        assert!(skip["outline_width"].as_f64().unwrap() >= 2.0, "{skip}");
        assert_ne!(skip["outline_colour"], skip["background"], "{skip}");

        // Following it, the next Tab lands in the page's main content
        // (the catalog's "change" link), past the whole navigation.
        shop.press(Key::Enter).await;
        shop.press(Key::Tab).await;
        let next = shop.js(FOCUS).await;
        assert_eq!(next["in_main"], true, "{theme}: {next}");
        assert_eq!(next["outline"], "solid", "{theme}: {next}");
        assert!(next["outline_width"].as_f64().unwrap() >= 2.0, "{next}");
    }
    shop.close().await;
}

/// Every page of the shop, in the light and the dark theme, as a guest and
/// signed in wherever a page allows both, has no axe-core violation of
/// impact "serious" or "critical". All pages are checked before the test
/// fails, and the failure lists every violation with its nodes.
#[tokio::test]
#[ignore = "needs chromium and chromedriver: cargo test --test browser -- --ignored"]
async fn every_page_passes_the_axe_core_accessibility_checks_in_both_themes() {
    // Fails at once, before any browser starts, without axe-core.
    axe_source();
    let app = TestApp::spawn().await;
    let shop = Shop::open(&app).await;
    let mut failures = Vec::new();
    for theme in ["light", "dark"] {
        shop.choose_theme(theme).await;
        // An account whose owner forgot the password (made over HTTP): the
        // guest asks for its reset link. The app has no SMTP_URL, so every
        // mail is kept in the outbox, /dev/mail, and read there.
        let forgetful = format!("forgot-{theme}@example.com");
        app.user(&forgetful).await;
        audit_as_guest(&shop, &forgetful, &mut failures).await;
        let email = format!("{theme}@example.com");
        shop.register(&email, "Ada").await;
        audit_signed_in(&shop, &email, &mut failures).await;
    }
    assert!(
        failures.is_empty(),
        "axe-core found {} serious or critical violations:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    shop.close().await;
}

/// WebDriver's virtual authenticator (W3C WebAuthn, "Automation"): Chromium
/// then answers passkey ceremonies itself, as a phone unlocked by a
/// fingerprint would.
#[derive(Debug)]
struct AddVirtualAuthenticator;

impl fantoccini::wd::WebDriverCompatibleCommand for AddVirtualAuthenticator {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        let session = session.unwrap_or_default();
        base.join(&format!("session/{session}/webauthn/authenticator"))
    }

    fn method_and_body(&self, _: &url::Url) -> (reqwest::Method, Option<String>) {
        let authenticator = json!({
            "protocol": "ctap2",
            "transport": "internal",
            "hasResidentKey": true,
            "hasUserVerification": true,
            "isUserVerified": true,
            "automaticPresenceSimulation": true,
        });
        (reqwest::Method::POST, Some(authenticator.to_string()))
    }
}

/// A passkey in a real browser: added from the security page, then used to
/// sign in with no password and no code (two-step sign-in on), then to confirm sudo mode in place
/// of the password, then removed; in both themes, with axe on each page. The shop is opened
/// at `localhost` (a passkey belongs to a domain, never to an IP address).
#[tokio::test]
#[ignore = "needs chromium and chromedriver: cargo test --test browser -- --ignored"]
async fn a_customer_adds_a_passkey_and_signs_in_with_it_alone() {
    axe_source();
    let app = TestApp::spawn().await;
    let mut failures = Vec::new();
    for theme in ["light", "dark"] {
        // A browser of its own, with an authenticator of its own, each time.
        let shop = Shop::open_at(&app.address.replace("127.0.0.1", "localhost")).await;
        shop.client
            .issue_cmd(AddVirtualAuthenticator)
            .await
            .expect("a virtual authenticator");
        shop.goto("/").await;
        shop.choose_theme(theme).await;
        shop.register(&format!("kay-{theme}@example.com"), "Kay")
            .await;

        shop.goto("/profile/security").await;
        shop.audit(&mut failures).await;
        shop.type_into(Locator::Id("passkey_name"), "Test phone")
            .await;
        let add = shop.find(Locator::Id("add-passkey")).await;
        shop.click_to(&add, Locator::XPath("//td[normalize-space()='Test phone']"))
            .await;
        assert_eq!(shop.flash().await, "Your passkey is added.");
        shop.audit(&mut failures).await;

        // Two-step sign-in on as well: a passkey is both factors, and skips it.
        let set_up = shop
            .find(Locator::XPath(
                "//button[normalize-space()='Set up two-step sign-in']",
            ))
            .await;
        shop.click_to(&set_up, Locator::Id("totp-secret")).await;
        let secret = shop.text(Locator::Id("totp-secret")).await;
        shop.type_into(Locator::Id("code"), &totp::code(&secret, app.clock.now()))
            .await;
        let turn_on = shop
            .find(Locator::XPath(
                "//button[normalize-space()='Turn two-step sign-in on']",
            ))
            .await;
        shop.click_to(&turn_on, Locator::Css(".recovery-code"))
            .await;

        shop.sign_out().await;
        shop.goto("/login").await;
        shop.audit(&mut failures).await;
        let sign_in = shop.find(Locator::Id("passkey-login")).await;
        shop.click_to(&sign_in, Locator::Css("nav form[action='/logout']"))
            .await;
        assert_eq!(shop.text(Locator::Css("nav a.user")).await, "Kay");
        assert!(shop
            .flash()
            .await
            .starts_with("You are signed in with your passkey."));

        shop.goto("/profile/security").await;
        let last_used = shop
            .text(Locator::Css("#passkeys tbody td:nth-child(3)"))
            .await;
        assert_ne!(last_used, "never", "used just now");

        // Past sudo mode's window, removing it asks who you are: the passkey
        // answers for the password.
        app.clock.advance(601);
        let remove = "//section[@id='passkeys']//button[starts-with(normalize-space(), 'Remove')]";
        let button = shop.find(Locator::XPath(remove)).await;
        shop.click_to(&button, Locator::Id("passkey-confirm")).await;
        assert!(shop.path().await.starts_with("/confirm-password"));
        shop.audit(&mut failures).await;
        let confirm = shop.find(Locator::Id("passkey-confirm")).await;
        shop.click_to(&confirm, Locator::Css("section#passkeys"))
            .await;
        assert!(shop
            .flash()
            .await
            .starts_with("Confirmed with your passkey"));
        let button = shop.find(Locator::XPath(remove)).await;
        shop.click_to(
            &button,
            Locator::XPath("//p[normalize-space()='No passkey yet.']"),
        )
        .await;
        shop.sign_out().await;
        shop.close().await;
    }
    assert!(
        failures.is_empty(),
        "axe-core found {} serious or critical violations:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Two-step sign-in in a real browser, in both themes: set up from the
/// security page (the key read off the page, as a person types it into an
/// app), a wrong code refused, a right one turning it on and showing the
/// recovery codes; then signed out, and in again with the password and a
/// code, ticking "don't ask again on this browser"; then signed out, and in
/// again with the password alone. axe-core checks each new page as it
/// comes.
#[tokio::test]
#[ignore = "needs chromium and chromedriver: cargo test --test browser -- --ignored"]
async fn a_customer_turns_on_two_step_sign_in_and_signs_in_with_a_code_from_the_app() {
    axe_source();
    let app = TestApp::spawn().await;
    let shop = Shop::open(&app).await;
    let mut failures = Vec::new();
    for theme in ["light", "dark"] {
        shop.choose_theme(theme).await;
        let email = format!("two-step-{theme}@example.com");
        shop.register(&email, "Ada").await;
        shop.goto("/profile/security").await;
        shop.audit(&mut failures).await;
        let set_up = shop
            .find(Locator::XPath(
                "//button[normalize-space()='Set up two-step sign-in']",
            ))
            .await;
        shop.click_to(&set_up, Locator::Id("totp-secret")).await;
        assert!(shop.page().await.has("svg.qr path"));
        shop.audit(&mut failures).await;
        let secret = shop.text(Locator::Id("totp-secret")).await;
        let turn_on = "//button[normalize-space()='Turn two-step sign-in on']";

        let right = totp::code(&secret, app.clock.now());
        let wrong = if right == "000000" {
            "111111"
        } else {
            "000000"
        };
        shop.type_into(Locator::Id("code"), wrong).await;
        let button = shop.find(Locator::XPath(turn_on)).await;
        shop.click_and_wait(&button, Locator::Id("code-error"))
            .await;
        assert_eq!(shop.page().await.status, 422);
        shop.audit(&mut failures).await;

        shop.type_into(Locator::Id("code"), &right).await;
        let button = shop.find(Locator::XPath(turn_on)).await;
        shop.click_to(&button, Locator::Css(".recovery-code")).await;
        assert_eq!(shop.page().await.count(".recovery-code"), 10);
        shop.audit(&mut failures).await;
        // The code that turned it on is spent.
        app.clock.advance(30);

        shop.sign_out().await;
        shop.goto("/login").await;
        shop.type_into(Locator::Id("email"), &email).await;
        shop.type_into(Locator::Id("password"), PASSWORD).await;
        let sign_in = shop
            .find(Locator::XPath(
                "//form[@action='/login']//button[normalize-space()='Sign in']",
            ))
            .await;
        shop.click_to(&sign_in, Locator::Css("form[action='/login/two-factor']"))
            .await;
        assert!(shop.client.find(Locator::Css("nav a.user")).await.is_err());
        shop.audit(&mut failures).await;
        let code = totp::code(&secret, app.clock.now());
        shop.type_into(Locator::Id("code"), &code).await;
        let submit = shop
            .find(Locator::XPath(
                "//form[@action='/login/two-factor']//button[normalize-space()='Sign in']",
            ))
            .await;
        shop.find(Locator::Css("input[name='remember_device']"))
            .await
            .click()
            .await
            .expect("tick \"don't ask again\"");
        shop.click_to(&submit, Locator::Css("nav form[action='/logout']"))
            .await;
        assert_eq!(shop.text(Locator::Css("nav a.user")).await, "Ada");
        // A sign-out's Clear-Site-Data leaves the remembered browser's
        // cookie: the password alone signs in again here.
        shop.sign_out().await;
        shop.goto("/login").await;
        shop.sign_in_here(&email, PASSWORD).await;
        assert_eq!(shop.path().await, "/");
        shop.sign_out().await;
    }
    assert!(
        failures.is_empty(),
        "axe-core found {} serious or critical violations:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    shop.close().await;
}

/// The pages a guest sees, with the reset of `forgetful`'s password up to
/// its form, ending with a full cart.
async fn audit_as_guest(shop: &Shop, forgetful: &str, failures: &mut Vec<String>) {
    for path in [
        "/",
        "/products",
        "/products/classic-chocolate-chip",
        "/products/butter-shortbread-tin",
        "/cart",
        "/login",
        "/register",
        "/preferences",
        "/session",
        "/tour",
    ] {
        shop.goto(path).await;
        shop.audit(failures).await;
    }
    audit_not_found(shop, failures).await;

    // Registration re-rendered with a mistake in every field.
    shop.goto("/register").await;
    let create = shop
        .find(Locator::XPath(
            "//button[normalize-space()='Create account']",
        ))
        .await;
    shop.click_and_wait(&create, Locator::Css("#email-error"))
        .await;
    assert_eq!(shop.page().await.status, 422);
    assert_field_errors_are_tied(shop).await;
    shop.audit(failures).await;

    // A refused login.
    shop.goto("/login").await;
    shop.type_into(Locator::Id("email"), "nobody@example.com")
        .await;
    shop.type_into(Locator::Id("password"), "not the password")
        .await;
    let sign_in = shop
        .find(Locator::XPath(
            "//form[@action='/login']//button[normalize-space()='Sign in']",
        ))
        .await;
    shop.click_and_wait(&sign_in, Locator::Css("#login-error"))
        .await;
    assert_eq!(shop.page().await.status, 422);
    // It does not say which field was wrong: both are described by it.
    let tied = shop
        .js(
            "return Array.from(document.querySelectorAll('#email, #password'), f =>
               f.getAttribute('aria-describedby') === 'login-error'
               && f.getAttribute('aria-invalid') === 'true');",
        )
        .await;
    assert_eq!(tied, json!([true, true]));
    shop.audit(failures).await;

    audit_password_reset(shop, forgetful, failures).await;

    shop.goto("/").await;
    shop.add_from_card("classic-chocolate-chip").await;
    shop.audit(failures).await;
}

/// "Forgot your password?" for `forgetful`, as a guest: the form, the form
/// with a mistake, the answer, the outbox and the mail, and the page of
/// the mailed link, also with a mistake. The password is left as it was.
async fn audit_password_reset(shop: &Shop, forgetful: &str, failures: &mut Vec<String>) {
    shop.goto("/password/forgot").await;
    assert_eq!(
        shop.text(Locator::Css("main h1")).await,
        "Forgot your password?"
    );
    shop.audit(failures).await;
    let mail_me = "//form[@action='/password/forgot']//button[normalize-space()='Mail me a link']";

    // An address no account could have (no dot in its domain), which the
    // browser's own check of an email field lets through.
    shop.type_into(Locator::Id("email"), "nobody@localhost")
        .await;
    let submit = shop.find(Locator::XPath(mail_me)).await;
    shop.click_and_wait(&submit, Locator::Css("#email-error"))
        .await;
    assert_eq!(shop.page().await.status, 422);
    assert_field_errors_are_tied(shop).await;
    shop.audit(failures).await;

    shop.type_into(Locator::Id("email"), forgetful).await;
    let submit = shop.find(Locator::XPath(mail_me)).await;
    shop.click_to(
        &submit,
        Locator::XPath("//h1[normalize-space()='Check your mail']"),
    )
    .await;
    assert!(shop.loaded().await.says(forgetful));
    shop.audit(failures).await;

    shop.goto("/dev/mail").await;
    shop.audit(failures).await;
    shop.open_mail(forgetful, "Reset your password").await;
    shop.audit(failures).await;
    let link = shop.mail_link("/password/reset/").await;

    shop.goto(&link).await;
    assert_eq!(shop.path().await, "/password/reset");
    assert_eq!(
        shop.text(Locator::Css("main h1")).await,
        "Choose a new password"
    );
    shop.audit(failures).await;
    // Two passwords that differ.
    shop.type_into(Locator::Id("password"), NEW_PASSWORD).await;
    shop.type_into(Locator::Id("password_confirm"), "something else entirely")
        .await;
    let set = shop
        .find(Locator::XPath(
            "//button[normalize-space()='Set the new password']",
        ))
        .await;
    shop.click_and_wait(&set, Locator::Css("#password_confirm-error"))
        .await;
    assert_eq!(shop.page().await.status, 422);
    assert_field_errors_are_tied(shop).await;
    shop.audit(failures).await;
}

/// The pages of `email`'s account, from its cart (which came along) to the
/// order, with confirming its password and its address, ending with
/// deleting the account (and a guest again on the goodbye page).
async fn audit_signed_in(shop: &Shop, email: &str, failures: &mut Vec<String>) {
    for path in [
        "/",
        "/products",
        "/products/classic-chocolate-chip",
        "/cart",
        "/preferences",
        "/profile",
        "/profile/sessions",
        "/orders",
        "/session",
    ] {
        shop.goto(path).await;
        shop.audit(failures).await;
    }
    audit_not_found(shop, failures).await;

    // The profile re-rendered with a mistake: a name of spaces only.
    shop.goto("/profile").await;
    shop.type_into(Locator::Id("display_name"), "   ").await;
    let save = shop
        .find(Locator::XPath("//button[normalize-space()='Save name']"))
        .await;
    shop.click_and_wait(&save, Locator::Css("#display_name-error"))
        .await;
    assert_eq!(shop.page().await.status, 422);
    assert_field_errors_are_tied(shop).await;
    shop.audit(failures).await;

    audit_password_and_address(shop, email, failures).await;

    // An order, the list of orders, and the empty cart after it.
    shop.goto("/cart").await;
    let place_order = shop
        .find(Locator::XPath("//button[normalize-space()='Place order']"))
        .await;
    shop.click_to(
        &place_order,
        Locator::XPath("//h1[starts-with(normalize-space(), 'Order #')]"),
    )
    .await;
    shop.audit(failures).await;
    for path in ["/orders", "/cart"] {
        shop.goto(path).await;
        shop.audit(failures).await;
    }

    // Deleting the account.
    shop.goto("/profile").await;
    shop.type_into(Locator::Id("delete_password"), PASSWORD)
        .await;
    let delete = shop
        .find(Locator::XPath(
            "//button[normalize-space()='Delete my account']",
        ))
        .await;
    shop.click_to(
        &delete,
        Locator::XPath("//h1[normalize-space()='Your account is deleted']"),
    )
    .await;
    shop.audit(failures).await;
}

/// Signed in as `email`, its address not confirmed yet: the profile with
/// the banner that says so and its "Change your email address" section
/// (also with a mistake), `/confirm-password` (also refused), the outbox
/// and the registration mail, and the page of its link, whose button
/// confirms the address (and the banner goes).
async fn audit_password_and_address(shop: &Shop, email: &str, failures: &mut Vec<String>) {
    shop.goto("/profile").await;
    let banner = shop.text(Locator::Css("main .verify-banner")).await;
    assert!(
        banner.starts_with(&format!(
            "Please confirm your address: we sent a link to {email}."
        )),
        "{banner}"
    );
    shop.find(Locator::XPath(
        "//section[@id='email']/h2[normalize-space()='Change your email address']",
    ))
    .await;
    // The profile was audited with them already; here, refused: the
    // password is wrong.
    shop.type_into(Locator::Id("new_email"), &format!("new-{email}"))
        .await;
    shop.type_into(Locator::Id("email_password"), "not my password")
        .await;
    let send = shop
        .find(Locator::XPath(
            "//button[normalize-space()='Send a link to the new address']",
        ))
        .await;
    shop.click_and_wait(&send, Locator::Css("#email_password-error"))
        .await;
    assert_eq!(shop.page().await.status, 422);
    assert_field_errors_are_tied(shop).await;
    shop.audit(failures).await;

    shop.goto("/confirm-password?next=/profile").await;
    assert_eq!(
        shop.text(Locator::Css("main h1")).await,
        "Confirm your password"
    );
    shop.audit(failures).await;
    let confirm = "//form[@action='/confirm-password']//button[normalize-space()='Confirm']";
    shop.type_into(Locator::Id("password"), "not my password")
        .await;
    let submit = shop.find(Locator::XPath(confirm)).await;
    shop.click_and_wait(&submit, Locator::Css("#confirm-error"))
        .await;
    assert_eq!(shop.page().await.status, 422);
    shop.audit(failures).await;
    shop.type_into(Locator::Id("password"), PASSWORD).await;
    let submit = shop.find(Locator::XPath(confirm)).await;
    shop.click_to(
        &submit,
        Locator::XPath("//h1[normalize-space()='Your profile']"),
    )
    .await;
    assert!(shop.flash().await.starts_with("Password confirmed"));

    shop.goto("/dev/mail").await;
    shop.audit(failures).await;
    shop.open_mail(email, "Confirm your email address").await;
    shop.audit(failures).await;
    let link = shop.mail_link("/verify-email/").await;
    shop.goto(&link).await;
    assert_eq!(
        shop.text(Locator::Css("main h1")).await,
        "Confirm your address"
    );
    shop.audit(failures).await;
    let button = shop
        .find(Locator::XPath(
            "//button[normalize-space()='Confirm my address']",
        ))
        .await;
    shop.click_to(
        &button,
        Locator::XPath("//h1[normalize-space()='Your profile']"),
    )
    .await;
    assert_eq!(
        shop.flash().await,
        format!("Thank you: {email} is confirmed.")
    );
    assert!(
        shop.client
            .find(Locator::Css(".verify-banner"))
            .await
            .is_err(),
        "the banner goes once the address is confirmed"
    );
    shop.audit(failures).await;
}

/// Each field error on the page is tied to its field: the field is
/// `aria-invalid` and its `aria-describedby` names the message.
async fn assert_field_errors_are_tied(shop: &Shop) {
    let errors = shop
        .js(
            "return Array.from(document.querySelectorAll('.field-error'), e => {
               const field = document.querySelector(`[aria-describedby~='${e.id}']`);
               return { id: e.id, tied: !!field && field.getAttribute('aria-invalid') === 'true' };
             });",
        )
        .await;
    let errors = errors.as_array().expect("a list");
    assert!(!errors.is_empty(), "the page shows field errors");
    for error in errors {
        assert_eq!(error["tied"], true, "not tied to its field: {error}");
    }
}

/// The 404 page, which `goto` would refuse.
async fn audit_not_found(shop: &Shop, failures: &mut Vec<String>) {
    shop.client
        .goto(&format!("{}/no-such-page", shop.base))
        .await
        .expect("open /no-such-page");
    assert_eq!(shop.page().await.status, 404);
    shop.audit(failures).await;
}

/// The viewport of the tour's desktop pages, and of its phone pages.
const DESKTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (390, 844);

/// The guided tour: the pages a shopper sees, in the light and the dark
/// theme, at desktop size and (home, catalog, cart) at phone width. Each
/// page is checked as it is visited; with `SCREENSHOTS=1` each is also
/// written to `docs/screenshots/{page}-{theme}.png`.
#[tokio::test]
#[ignore = "needs chromium and chromedriver: cargo test --test browser -- --ignored"]
async fn the_guided_tour_shows_each_page_in_both_themes_and_on_a_phone() {
    let shots = Screenshots::from_env();
    for theme in ["light", "dark"] {
        // A shop of its own for each theme: the same account, the same
        // pictures.
        let app = TestApp::spawn().await;
        let shop = Shop::open(&app).await;
        tour(&app, &shop, theme, &shots).await;
        shop.close().await;
    }
}

async fn tour(app: &TestApp, shop: &Shop, theme: &str, shots: &Screenshots) {
    let shot = |page: &str| format!("{page}-{theme}");
    shop.set_viewport(DESKTOP.0, DESKTOP.1).await;
    shop.choose_theme(theme).await;

    shop.goto("/").await;
    assert_eq!(
        shop.text(Locator::Css("main h1")).await,
        "Fresh cookies, honest sessions."
    );
    shots.take(shop, &shot("home"), DESKTOP).await;

    shop.goto("/products").await;
    assert_eq!(shop.text(Locator::Css("main h1")).await, "Products");
    shots.take(shop, &shot("catalog"), DESKTOP).await;

    shop.open_product("classic-chocolate-chip", "Classic Chocolate Chip")
        .await;
    shots.take(shop, &shot("product"), DESKTOP).await;

    // A guest's cart: two cookies from the product page, a pack of ginger
    // snaps from its card in the catalog.
    shop.add_to_cart(2).await;
    shop.goto("/products").await;
    shop.add_from_card("ginger-snaps").await;
    assert_eq!(shop.flash().await, "Added 1 × Ginger Snaps to your cart.");
    assert_eq!(shop.cart_count().await, 3);
    assert_eq!(
        shop.text(Locator::Css("form[action='/checkout'] button"))
            .await,
        "Sign in to check out"
    );
    shots.take(shop, &shot("cart-guest"), DESKTOP).await;

    // A login refused: there is no such account yet.
    let sign_in = shop
        .find(Locator::XPath("//nav//a[normalize-space()='Sign in']"))
        .await;
    shop.click_to(&sign_in, Locator::Css("form[action='/login']"))
        .await;
    shop.type_into(Locator::Id("email"), "ada@example.com")
        .await;
    shop.type_into(Locator::Id("password"), "not my password")
        .await;
    let submit = shop
        .find(Locator::XPath(
            "//form[@action='/login']//button[normalize-space()='Sign in']",
        ))
        .await;
    let error = shop
        .click_and_wait(&submit, Locator::Css("#login-error"))
        .await;
    assert_eq!(
        error.text().await.unwrap(),
        "The email or the password is not right."
    );
    assert_eq!(shop.page().await.status, 422);
    shots.take(shop, &shot("login-error"), DESKTOP).await;

    // Registered, the cart came along; and a second browser signs in.
    shop.register("ada@example.com", "Ada").await;
    let other = app.browser();
    let res = other.login("ada@example.com", PASSWORD).await;
    assert_eq!(res.status(), reqwest::StatusCode::SEE_OTHER);

    shop.goto("/cart").await;
    assert_eq!(shop.cart_count().await, 3);
    assert_eq!(
        shop.text(Locator::Css("form[action='/checkout'] button"))
            .await,
        "Place order"
    );
    shots.take(shop, &shot("cart-signed-in"), DESKTOP).await;

    shop.goto("/profile").await;
    assert_eq!(shop.text(Locator::Css("main h1")).await, "Your profile");
    shots.take(shop, &shot("profile"), DESKTOP).await;

    shop.goto("/profile/sessions").await;
    let rows = shop
        .client
        .find_all(Locator::Css("table.sessions tbody tr"))
        .await
        .expect("session rows");
    assert_eq!(rows.len(), 2, "this browser and the other one");
    shots.take(shop, &shot("sessions"), DESKTOP).await;

    shop.goto("/session").await;
    let page = shop.loaded().await;
    assert!(page.says("yes, as ada@example.com"), "{page}");
    shots.take(shop, &shot("session"), DESKTOP).await;

    // At phone width.
    shop.set_viewport(PHONE.0, PHONE.1).await;
    for (path, page) in [("/", "home"), ("/products", "catalog"), ("/cart", "cart")] {
        shop.goto(path).await;
        shots
            .take(shop, &shot(&format!("phone-{page}")), PHONE)
            .await;
    }
    shop.set_viewport(DESKTOP.0, DESKTOP.1).await;

    // The order.
    shop.goto("/cart").await;
    let place_order = shop
        .find(Locator::XPath("//button[normalize-space()='Place order']"))
        .await;
    shop.click_to(
        &place_order,
        Locator::XPath("//h1[starts-with(normalize-space(), 'Order #')]"),
    )
    .await;
    assert_eq!(shop.flash().await, "Thank you! Your order is placed.");
    shots.take(shop, &shot("order"), DESKTOP).await;
}
