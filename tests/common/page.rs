//! An HTML page as a test reads it: through a real HTML parser, by CSS
//! selector, the way a user reads a page by what is on it. Both suites read
//! pages with it: the HTTP suite from a response (`Page::from_response`),
//! the browser suite from what Chromium shows (`tests/browser.rs`).
//!
//! A `Page` is not a string: a test says what it looks for on the page
//! (`says`, `flash_says`, `text_of`, `has`, `field`, `error_for`...). The
//! raw HTML is there only for tests about the markup itself (`markup`).

use reqwest::StatusCode;
use scraper::{Html, Selector};

#[derive(Clone, Debug)]
pub struct Page {
    /// Where the page was read: the address of the response, or the one the
    /// browser shows.
    pub url: String,
    pub status: StatusCode,
    html: String,
}

/// What a failed assertion prints: the status, the address and what the
/// page says.
impl std::fmt::Display for Page {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}: {}", self.status, self.url, self.text())
    }
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("bad selector `{css}`: {e:?}"))
}

impl Page {
    pub fn new(url: String, status: StatusCode, html: String) -> Page {
        Page { url, status, html }
    }

    pub async fn from_response(res: reqwest::Response) -> Page {
        let (url, status) = (res.url().to_string(), res.status());
        Page::new(url, status, res.text().await.expect("a body"))
    }

    /// The raw HTML, for the few tests about the markup itself (what must
    /// not be anywhere in it, attributes and comments included: a password,
    /// a secret id, an internal error). Every other test reads the page
    /// through the methods below, as a user reads it.
    pub fn markup(&self) -> &str {
        &self.html
    }

    /// The text of every element matching `css`, whitespace collapsed.
    pub fn texts(&self, css: &str) -> Vec<String> {
        let doc = Html::parse_document(&self.html);
        doc.select(&selector(css))
            .map(|el| el.text().collect::<Vec<_>>().join(" "))
            .map(|text| text.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    }

    /// The session id's fingerprint, as the inspector (`/session`) shows
    /// it: it changes when the id does.
    pub fn session_fingerprint(&self) -> String {
        self.text_of("[data-testid=session-fingerprint]")
            .expect("the inspector shows a fingerprint")
    }

    /// The text of the first element matching `css`.
    pub fn text_of(&self, css: &str) -> Option<String> {
        self.texts(css).into_iter().next()
    }

    /// What the page says: the text of `<main>`, whitespace collapsed.
    pub fn text(&self) -> String {
        self.text_of("main").unwrap_or_default()
    }

    /// Whether the page says `words` (in `<main>`, as text, not markup).
    pub fn says(&self, words: &str) -> bool {
        self.text().contains(words)
    }

    /// Attribute `attr` of the first element matching `css`.
    pub fn attr(&self, css: &str, attr: &str) -> Option<String> {
        let doc = Html::parse_document(&self.html);
        let el = doc.select(&selector(css)).next()?;
        el.value().attr(attr).map(str::to_string)
    }

    /// Attribute `attr` of every element matching `css` that has it.
    pub fn attrs(&self, css: &str, attr: &str) -> Vec<String> {
        let doc = Html::parse_document(&self.html);
        doc.select(&selector(css))
            .filter_map(|el| el.value().attr(attr).map(str::to_string))
            .collect()
    }

    /// Whether an element matches `css`.
    pub fn has(&self, css: &str) -> bool {
        self.count(css) > 0
    }

    /// How many elements match `css`.
    pub fn count(&self, css: &str) -> usize {
        Html::parse_document(&self.html)
            .select(&selector(css))
            .count()
    }

    /// The value of the first form field named `name`.
    pub fn field(&self, name: &str) -> Option<String> {
        self.attr(&format!("[name=\"{name}\"]"), "value")
    }

    /// The message under the form field `field` (the `id` of its input):
    /// `partials/field_error.html`.
    pub fn error_for(&self, field: &str) -> Option<String> {
        self.text_of(&format!("#{field}-error"))
    }

    /// The page's CSRF token (every form carries the same one).
    pub fn csrf_token(&self) -> Option<String> {
        self.field("csrf_token").filter(|t| !t.is_empty())
    }

    /// The flash banner's text.
    pub fn flash(&self) -> Option<String> {
        self.text_of(".flash")
    }

    /// Whether the flash banner says `words`.
    pub fn flash_says(&self, words: &str) -> bool {
        self.flash().is_some_and(|flash| flash.contains(words))
    }

    /// The nav's name of the logged-in user.
    pub fn signed_in_as(&self) -> Option<String> {
        self.text_of("nav a.user")
    }

    /// The number on the nav's cart badge.
    pub fn cart_count(&self) -> i64 {
        let badge = self
            .text_of("[data-testid=cart-count]")
            .expect("a cart badge in the nav");
        badge.parse().expect("a number on the cart badge")
    }

    /// `<html data-theme>`.
    pub fn theme(&self) -> String {
        self.attr("html", "data-theme").expect("data-theme")
    }

    /// Whether the page has a form that posts to `action`.
    pub fn has_form(&self, action: &str) -> bool {
        self.count(&format!("form[action=\"{action}\"]")) > 0
    }

    /// The hidden fields (name, value) of the first form that posts to
    /// `action`, as a browser sends them with it.
    pub fn hidden_fields(&self, action: &str) -> Vec<(String, String)> {
        let css = format!("form[action=\"{action}\"] input[type=\"hidden\"]");
        Html::parse_document(&self.html)
            .select(&selector(&css))
            .filter_map(|input| {
                let name = input.value().attr("name")?;
                Some((name.to_string(), input.value().attr("value")?.to_string()))
            })
            .collect()
    }
}
