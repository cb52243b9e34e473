//! The static files (stylesheet, icons, product pictures): the folder
//! `STATIC_DIR` (`static/` by default, beside the binary in a release),
//! served by actix-files, which answers `ETag`, `Last-Modified`,
//! conditional GETs and ranges.
//!
//! At start-up the folder is read once: each file gets a version, a digest
//! of its content. Pages link files through the [`asset`] template filter,
//! which appends `?v=<version>`: a URL whose content can never change,
//! cached for a year; a new version of the file is a new URL. Only the
//! files found then are served, so no request can name a path outside the
//! folder (`..`, a link), and a file added later waits for a restart, as
//! its version would.
//!
//! [`asset`]: crate::web::page::filters::asset

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::OnceLock,
};

use actix_files::NamedFile;
use actix_web::{
    http::header::{self, HeaderValue},
    web, HttpRequest, HttpResponse,
};
use anyhow::Context;
use blake2::{Blake2s256, Digest};

use crate::data::error::AppError;

/// Where the files are served.
const PREFIX: &str = "/static/";

/// The file every page needs: a folder without it is not the shop's.
const STYLESHEET: &str = "css/app.css";

/// The static folder as read at start-up: its place, and each file's
/// version by its path inside it (`css/app.css`).
struct Assets {
    dir: PathBuf,
    versions: HashMap<String, String>,
}

/// One process serves one folder: the templates' filter has no other way
/// to reach it. [`load`] sets it.
static ASSETS: OnceLock<Assets> = OnceLock::new();

/// Reads `dir` (`STATIC_DIR`) and versions every file in it. A folder that
/// is not there, or holds no stylesheet, stops start-up with a message
/// naming the setting. Loading it again (another application in the same
/// process: tests) must name the same folder.
pub fn load(dir: &Path) -> anyhow::Result<()> {
    let dir = check(dir)?;
    let loaded = match ASSETS.get() {
        Some(loaded) => loaded,
        None => {
            let mut versions = HashMap::new();
            read_folder(&dir, &dir, &mut versions)
                .with_context(|| format!("STATIC_DIR: cannot read {}", dir.display()))?;
            // Two loads at once: the first to finish is the one served.
            ASSETS.get_or_init(|| Assets {
                dir: dir.clone(),
                versions,
            })
        }
    };
    anyhow::ensure!(
        loaded.dir == dir,
        "STATIC_DIR: this process serves {} already",
        loaded.dir.display()
    );
    Ok(())
}

/// The folder `dir` as it would be served: its full path, when it holds the
/// stylesheet; else the start-up error that names `STATIC_DIR`
/// (`cookie-jar check-config` asks too).
pub(crate) fn check(dir: &Path) -> anyhow::Result<PathBuf> {
    let not_found = || {
        format!(
            "STATIC_DIR: {} holds no {STYLESHEET}. A release is the binary with its static/ \
             folder beside it: run it from that folder, or set STATIC_DIR to the folder",
            dir.display()
        )
    };
    let dir = dir.canonicalize().with_context(not_found)?;
    if !dir.join(STYLESHEET).is_file() {
        anyhow::bail!(not_found());
    }
    Ok(dir)
}

/// Every file under `folder` (links and hidden files left out), by its
/// path under `root` with `/` between the parts.
fn read_folder(
    root: &Path,
    folder: &Path,
    versions: &mut HashMap<String, String>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if entry.file_name().to_string_lossy().starts_with('.') || kind.is_symlink() {
            continue;
        }
        let path = entry.path();
        if kind.is_dir() {
            read_folder(root, &path, versions)?;
        } else if kind.is_file() {
            let Some(name) = path.strip_prefix(root).ok().and_then(Path::to_str) else {
                continue;
            };
            let digest = Blake2s256::digest(std::fs::read(&path)?);
            let version = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
            versions.insert(name.replace('\\', "/"), version);
        }
    }
    Ok(())
}

/// `/static/css/app.css` -> `/static/css/app.css?v=3f9a1c0b2d4e`; a path
/// that names no file of the folder is left as it is.
pub(crate) fn versioned(url: &str) -> String {
    let version = url
        .strip_prefix(PREFIX)
        .and_then(|path| ASSETS.get()?.versions.get(path));
    match version {
        Some(version) => format!("{url}?v={version}"),
        None => url.to_string(),
    }
}

/// `GET /static/{path}`: a file found at start-up, through actix-files. A
/// URL carrying the current version never changes, so it is cached for a
/// year; any other is revalidated (a cheap 304) every time.
pub(crate) async fn serve(
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let assets = ASSETS.get().ok_or(AppError::NotFound)?;
    let version = assets
        .versions
        .get(path.as_str())
        .ok_or(AppError::NotFound)?;
    // Opened on a blocking thread (a file system may be slow); gone since
    // start-up: not found, like any other missing file.
    let file_path = assets.dir.join(path.as_str());
    let file = web::block(move || NamedFile::open(file_path))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?
        .map_err(|_| AppError::NotFound)?
        .disable_content_disposition();
    let asked = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map(|q| q.0)
        .unwrap_or_default();
    let pinned = asked.iter().any(|(k, v)| k == "v" && v == version);
    let mut response = file.into_response(&req);
    // Only the file itself (200, 206, 304) is cached for a year; an answer
    // that refuses a range or a precondition (416, 412) is not the file.
    let cache = if pinned && !response.status().is_client_error() {
        "public, max-age=31536000, immutable"
    } else {
        "public, no-cache"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    Ok(response)
}
