//! Password hashing with argon2id (OWASP parameters: m = 19 MiB, t = 2,
//! p = 1), stored as PHC strings.
//!
//! A hash takes tens of milliseconds of CPU and 19 MiB of memory, so it runs
//! on tokio's blocking pool, never on the async executor, and a semaphore
//! sized to the cores bounds how many run at once.

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc, OnceLock,
};

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use tokio::sync::Semaphore;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The hash checked when the email is unknown, so that answer takes as long
/// as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking("not anybody's password"))
}

fn hash_blocking(password: &str) -> String {
    // With a random 16-byte salt from the OS.
    argon2()
        .hash_password(password.as_bytes())
        .expect("argon2 hashing cannot fail with valid parameters")
        .to_string()
}

fn verify_blocking(password: &str, phc: &str) -> bool {
    // The PHC string's own parameters are used, so old hashes still verify.
    argon2().verify_password(password.as_bytes(), phc).is_ok()
}

/// Runs hashes off the executor, a bounded number at a time.
#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    size: usize,
    /// Hashes waiting for a permit.
    waiting: Arc<AtomicUsize>,
}

impl Default for Hasher {
    fn default() -> Self {
        Self::new()
    }
}

impl Hasher {
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Hasher {
            permits: Arc::new(Semaphore::new(cores)),
            size: cores,
            waiting: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// (hashes waiting for a permit, hashes running), for `/metrics`.
    pub fn queue(&self) -> (usize, usize) {
        let running = self.size - self.permits.available_permits();
        (self.waiting.load(Ordering::Relaxed), running)
    }

    async fn run<R: Send + 'static>(
        &self,
        work: impl FnOnce() -> R + Send + 'static,
    ) -> anyhow::Result<R> {
        // The permit travels with the work: it is released when the hash is
        // done, even if the request that asked for it has gone away.
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let permit = self.permits.clone().acquire_owned().await;
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        let permit = permit?;
        Ok(tokio::task::spawn_blocking(move || {
            let result = work();
            drop(permit);
            result
        })
        .await?)
    }

    /// Computes the dummy hash now, so the first login for an unknown email
    /// takes no longer than any other.
    pub async fn warm_up(&self) -> anyhow::Result<()> {
        self.run(|| {
            dummy_hash();
        })
        .await
    }

    pub async fn hash(&self, password: String) -> anyhow::Result<String> {
        self.run(move || hash_blocking(&password)).await
    }

    /// Checks `password` against the stored hash; with no hash (unknown
    /// email) it checks a dummy one and answers false, taking the same time.
    pub async fn verify(&self, password: String, phc: Option<String>) -> anyhow::Result<bool> {
        self.run(move || match phc {
            Some(phc) => verify_blocking(&password, &phc),
            None => {
                verify_blocking(&password, dummy_hash());
                false
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters() {
        let phc = hash_blocking("correct horse battery staple");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_blocking("correct horse battery staple", &phc));
        assert!(!verify_blocking("wrong", &phc));
    }
}
