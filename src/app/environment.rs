//! Where the settings come from when the shop runs: the process's
//! environment, a `.env` file if there is one, and, in development without
//! `SESSION_SECRET`, the key kept in `data/session.key` (made once, so that
//! a restart signs nobody out). The one place the settings touch files;
//! [`domain::config`] only reads the variables it is given.
//!
//! [`domain::config`]: crate::domain::config

use std::{collections::HashMap, io::Write, path::Path};

use crate::domain::config::{ConfigError, SessionSecret, Settings};

/// Where the development key is kept so a restart logs nobody out.
const DEV_KEY_FILE: &str = "data/session.key";

/// Whether reading the settings may write the development key file.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum DevKey {
    /// Serving: a missing `data/session.key` is made, once.
    Create,
    /// Looking only (`check-config`, `backup`): nothing is written; a
    /// missing key file is a key that exists in memory only.
    DoNotWrite,
}

/// The settings of this process: `.env` (if present) and the process
/// environment, the development key as `dev_key` says.
pub fn settings(dev_key: DevKey) -> Result<Settings, ConfigError> {
    let _ = dotenvy::dotenv();
    let vars: HashMap<String, String> = std::env::vars().collect();
    Settings::build(&vars, &|| dev_secret(Path::new(DEV_KEY_FILE), dev_key))
}

/// Development only: a key generated once and kept on disk.
fn dev_secret(path: &Path, dev_key: DevKey) -> Result<SessionSecret, ConfigError> {
    if let Ok(text) = std::fs::read_to_string(path) {
        return SessionSecret::from_base64(text.trim())
            .map_err(|why| ConfigError(format!("SESSION_SECRET {why} ({})", path.display())));
    }
    let key = SessionSecret::generate();
    if dev_key == DevKey::DoNotWrite {
        return Ok(key);
    }
    let write = || -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        write_private(path, key.to_base64().as_bytes())
    };
    write().map_err(|e| {
        ConfigError(format!(
            "SESSION_SECRET is unset and {} could not be written: {e}",
            path.display()
        ))
    })?;
    Ok(key)
}

/// Writes a file only its owner can read (the key must not be world-readable).
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents)
}
