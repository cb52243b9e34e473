//! The static files (`static/`: stylesheet, icons, product pictures),
//! embedded in the binary at build time, so a release binary copied to
//! another machine serves them with no source tree around.
//!
//! Each file is served with an `ETag` (a digest of its content) and a
//! `Last-Modified`, so browsers revalidate cheaply. Pages link them through
//! the `asset` template filter, which appends `?v=<digest>`: a URL whose
//! content can never change, cached for a year; a new version of the file
//! is a new URL.

use std::{borrow::Cow, collections::HashMap, sync::LazyLock};

use actix_web::{
    http::header::{self, HttpDate},
    web::{self, Bytes},
    HttpRequest, HttpResponse,
};
use rust_embed::RustEmbed;

use crate::error::AppError;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Static;

/// Where the files are served.
pub const PREFIX: &str = "/static/";

/// `/static/css/app.css` -> `/static/css/app.css?v=3f9a1c0b2d4e`; a path
/// that names no embedded file is left as it is. Every page asks for a
/// dozen of these, so they are worked out once, for every file, at the
/// first page.
pub fn versioned(url: &str) -> String {
    static VERSIONED: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
        Static::iter()
            .filter_map(|path| {
                let file = Static::get(&path)?;
                let url = format!("{PREFIX}{path}");
                let pinned = format!("{url}?v={}", version(&file.metadata.sha256_hash()));
                Some((url, pinned))
            })
            .collect()
    });
    VERSIONED
        .get(url)
        .cloned()
        .unwrap_or_else(|| url.to_string())
}

/// Whether the browser's copy is this one: `If-None-Match` (weak
/// comparison, as for a GET; `*` matches) or, without it,
/// `If-Modified-Since`.
fn unchanged(req: &HttpRequest, etag: &header::EntityTag, modified: Option<HttpDate>) -> bool {
    let headers = req.headers();
    if let Some(tags) = headers.get(header::IF_NONE_MATCH) {
        let tags = tags.to_str().unwrap_or_default();
        return tags.split(',').map(str::trim).any(|tag| {
            tag == "*"
                || tag
                    .parse::<header::EntityTag>()
                    .is_ok_and(|t| t.weak_eq(etag))
        });
    }
    let since = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<HttpDate>().ok());
    matches!((since, modified), (Some(since), Some(modified)) if modified <= since)
}

fn version(sha256: &[u8; 32]) -> String {
    sha256[..6].iter().map(|b| format!("{b:02x}")).collect()
}

/// `GET /static/{path}`.
pub async fn serve(req: HttpRequest, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let file = Static::get(&path).ok_or(AppError::NotFound)?;
    let version = version(&file.metadata.sha256_hash());
    let etag = header::EntityTag::new_strong(version.clone());
    // A URL carrying the current version never changes; any other is
    // revalidated (a cheap 304) every time.
    let asked = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map(|q| q.0)
        .unwrap_or_default();
    let pinned = asked.iter().any(|(k, v)| k == "v" && *v == version);
    let cache = if pinned {
        "public, max-age=31536000, immutable"
    } else {
        "public, no-cache"
    };

    let modified = file
        .metadata
        .last_modified()
        .map(|secs| HttpDate::from(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs)));
    let matches = unchanged(&req, &etag, modified);
    let mut response = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache));
    if let Some(modified) = modified {
        response.insert_header((header::LAST_MODIFIED, modified));
    }
    if matches {
        return Ok(response.finish());
    }
    let body = match file.data {
        Cow::Borrowed(bytes) => Bytes::from_static(bytes),
        Cow::Owned(bytes) => Bytes::from(bytes),
    };
    Ok(response.content_type(file.metadata.mimetype()).body(body))
}
