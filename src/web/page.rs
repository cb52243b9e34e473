//! How a page is made: the layout context every template gets (so no page
//! forgets the CSRF token, the theme or the cart count), rendering helpers,
//! and the template filters.

use actix_web::{http::StatusCode, HttpResponse};
use askama::Template;

use crate::{
    data::error::{AppError, Result},
    domain::prefs::Theme,
    domain::session::Flash,
};

/// What `templates/base.html` needs on every page.
#[derive(Clone, Debug)]
pub(crate) struct Layout {
    /// Display name of the logged-in user, if any.
    pub(crate) user_name: Option<String>,
    /// The signed-in account's address while it is not proven: the banner
    /// asks to confirm it.
    pub(crate) unverified_email: Option<String>,
    /// Lands on `<html data-theme>`.
    pub(crate) theme: Theme,
    pub(crate) cart_count: i64,
    pub(crate) flash: Option<Flash>,
    /// The session's synchronizer token, for every form on the page.
    pub(crate) csrf_token: String,
    /// The current path, so small forms (theme toggle) can come back here.
    pub(crate) path: String,
}

impl Layout {
    /// For error pages, which may be rendered without a session.
    pub(crate) fn bare() -> Self {
        Layout {
            user_name: None,
            unverified_email: None,
            theme: Theme::System,
            cart_count: 0,
            flash: None,
            csrf_token: String::new(),
            path: "/".into(),
        }
    }

    /// The theme the nav's toggle switches to.
    pub(crate) fn next_theme(&self) -> Theme {
        self.theme.toggled()
    }

    /// The toggle's words.
    pub(crate) fn toggle_label(&self) -> &'static str {
        match self.next_theme() {
            Theme::Dark => "☾ Dark",
            Theme::Light | Theme::System => "☀ Light",
        }
    }
}

/// 200 with the rendered page.
pub(crate) fn render(page: impl Template) -> Result<HttpResponse> {
    render_status(StatusCode::OK, page)
}

/// A page with another status: 422 for a form with mistakes.
pub(crate) fn render_status(status: StatusCode, page: impl Template) -> Result<HttpResponse> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(page.render()?))
}

/// 303 See Other: the answer to every successful POST.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .finish()
}

/// What a `Clear-Site-Data` header asks the browser to erase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Erase {
    /// Whatever a script of the shop's origin stored (sign-out). Not the
    /// cookies: the session cookie goes by its own `Set-Cookie`, and the
    /// cookie of a browser remembered for two-step sign-in
    /// ([`web::remembered`]) outlives a sign-out, by design.
    ///
    /// [`web::remembered`]: crate::web::remembered
    Storage,
    /// Every cookie and all storage of the origin (the account deleted).
    CookiesAndStorage,
}

/// `response` with a `Clear-Site-Data` header asking the browser to erase
/// what `erase` says.
pub(crate) fn clear_site_data(mut response: HttpResponse, erase: Erase) -> HttpResponse {
    let value = match erase {
        Erase::Storage => "\"storage\"",
        Erase::CookiesAndStorage => "\"cookies\", \"storage\"",
    };
    response.headers_mut().insert(
        actix_web::http::header::HeaderName::from_static("clear-site-data"),
        actix_web::http::header::HeaderValue::from_static(value),
    );
    response
}

/// One page of a list shown in pages (the catalog, the orders): which page
/// it is, how many there are, and the links to its neighbours. The page
/// size is the visitor's preference (`prefs::PageSize`); the rows and the
/// total come from one statement (`LIMIT`/`OFFSET` and a `COUNT(*)`
/// subquery), which reads no row past the last page.
#[derive(Debug)]
pub(crate) struct Pager {
    /// From 1.
    pub(crate) number: i64,
    pub(crate) pages: i64,
    pub(crate) size: i64,
    /// How many rows the list has in all.
    pub(crate) total: i64,
    /// The list's URL without the page: `/orders`, `/products?sort=name`.
    base: String,
}

impl Pager {
    /// The page a `?page=` asks for: 1 when none; a page below 1 is not
    /// found.
    pub(crate) fn asked(page: Option<i64>) -> Result<i64> {
        match page.unwrap_or(1) {
            n if n >= 1 => Ok(n),
            _ => Err(AppError::NotFound),
        }
    }

    /// Page `number` of rows in pages of `size`. `total` is `None` when the
    /// statement found no row: past the last page (404), or page 1 of an
    /// empty list.
    pub(crate) fn new(base: String, number: i64, size: i64, total: Option<i64>) -> Result<Pager> {
        let total = total
            .or((number == 1).then_some(0))
            .ok_or(AppError::NotFound)?;
        Ok(Pager {
            number,
            pages: ((total + size - 1) / size).max(1),
            size,
            total,
            base,
        })
    }

    fn link(&self, number: i64) -> String {
        let join = if self.base.contains('?') { '&' } else { '?' };
        format!("{}{join}page={number}", self.base)
    }

    /// The previous page's URL, unless this is the first.
    pub(crate) fn previous(&self) -> Option<String> {
        (self.number > 1).then(|| self.link(self.number - 1))
    }

    /// The next page's URL, unless this is the last.
    pub(crate) fn next(&self) -> Option<String> {
        (self.number < self.pages).then(|| self.link(self.number + 1))
    }
}

use crate::domain::present::{datetime, duration, money, period};

/// The template filters, over the functions above: `{{ price|money }}`,
/// `{{ at|datetime }}`, `{{ seconds|duration }}`, `{{ seconds|period }}`, and
/// `{{ "/static/css/app.css"|asset }}` (the URL with its content's version,
/// see [`web::assets`]). Templates find them through
/// `use crate::web::page::filters;` in their module.
///
/// [`web::assets`]: crate::web::assets
pub mod filters {
    /// An integer however many references deep askama hands it over.
    pub trait Int {
        fn int(&self) -> i64;
    }

    impl Int for i64 {
        fn int(&self) -> i64 {
            *self
        }
    }

    impl<T: Int + ?Sized> Int for &T {
        fn int(&self) -> i64 {
            (**self).int()
        }
    }

    #[askama::filter_fn]
    pub fn money(cents: impl Int, _: &dyn askama::Values) -> askama::Result<String> {
        let cents = cents.int();
        Ok(super::money(cents))
    }

    #[askama::filter_fn]
    pub fn period(seconds: impl Int, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(super::period(seconds.int()))
    }

    #[askama::filter_fn]
    pub fn datetime(at: impl Int, _: &dyn askama::Values) -> askama::Result<String> {
        let at = at.int();
        Ok(super::datetime(at))
    }

    #[askama::filter_fn]
    pub fn duration(seconds: impl Int, _: &dyn askama::Values) -> askama::Result<String> {
        let seconds = seconds.int();
        Ok(super::duration(seconds))
    }

    #[askama::filter_fn]
    pub fn asset(path: impl AsRef<str>, _: &dyn askama::Values) -> askama::Result<String> {
        let path = path.as_ref();
        Ok(crate::web::assets::versioned(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_said_in_their_largest_whole_unit() {
        assert_eq!(period(30 * 86_400), "30 days");
        assert_eq!(period(12 * 3600), "12 hours");
        assert_eq!(period(60), "1 minute");
        assert_eq!(period(90), "90 seconds");
    }

    #[test]
    fn money_formats_cents() {
        assert_eq!(money(1234), "€12.34");
        assert_eq!(money(5), "€0.05");
        assert_eq!(money(-250), "-€2.50");
    }

    #[test]
    fn the_filters_render_in_a_template() {
        #[derive(Template)]
        #[template(source = "{{ cents|money }} {{ seconds|duration }}", ext = "txt")]
        struct Sample {
            cents: i64,
            seconds: i64,
        }
        let sample = Sample {
            cents: 1234,
            seconds: 43_080,
        };
        assert_eq!(sample.render().unwrap(), "€12.34 11 h 58 min");
    }
}
