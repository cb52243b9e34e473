//! A URL as a browser sends it in `Origin` and `Referer`, cut into the
//! parts the shop reads: one parser for both (the CSRF check compares the
//! origin or the host; a form's page is read from the path).

/// `scheme://authority/path?query`, borrowed from the header's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SentUrl<'a> {
    url: &'a str,
    /// Where the authority ends (`scheme://authority`).
    origin_end: usize,
    /// Where the authority starts.
    host_start: usize,
}

impl<'a> SentUrl<'a> {
    /// `None` for what is no absolute URL (`null`, a path, garbage).
    pub(crate) fn parse(url: &'a str) -> Option<SentUrl<'a>> {
        let host_start = url.find("://")? + 3;
        let rest = &url[host_start..];
        let host_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        Some(SentUrl {
            url,
            origin_end: host_start + host_len,
            host_start,
        })
    }

    /// `https://shop.example:8443`.
    pub(crate) fn origin(&self) -> &'a str {
        &self.url[..self.origin_end]
    }

    /// "shop.example:8443".
    pub(crate) fn host(&self) -> &'a str {
        &self.url[self.host_start..self.origin_end]
    }

    /// "/cart?page=2": the path and its query; "/" when there is none.
    pub(crate) fn path(&self) -> &'a str {
        match self.url[self.origin_end..].find('/') {
            Some(at) => &self.url[self.origin_end + at..],
            None => "/",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_cut_into_its_origin_host_and_path() {
        let url = SentUrl::parse("https://shop.example:8443/cart?x=1").unwrap();
        assert_eq!(url.origin(), "https://shop.example:8443");
        assert_eq!(url.host(), "shop.example:8443");
        assert_eq!(url.path(), "/cart?x=1");
        let bare = SentUrl::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!((bare.host(), bare.path()), ("127.0.0.1:8080", "/"));
        assert_eq!(
            SentUrl::parse("https://evil.example?x").unwrap().host(),
            "evil.example"
        );
        assert_eq!(SentUrl::parse("null"), None);
        assert_eq!(SentUrl::parse("/just/a/path"), None);
    }
}
