//! Password hashing with argon2id (OWASP parameters: m = 19 MiB, t = 2,
//! p = 1), stored as PHC strings.
//!
//! A hash takes milliseconds of CPU and 19 MiB of memory, so it never runs
//! on the async executor. [`Hasher`] keeps a fixed set of hashing threads,
//! one per core, each with its own 19 MiB of argon2 memory, reused for
//! every hash: memory stays bounded however many logins arrive (no fresh
//! 19 MiB block a hash for the allocator to keep). The threads run at the
//! lowest priority (nice 19), so a storm of logins slows logins, not
//! pages. A use case that will hash takes a place first
//! ([`Hasher::reserve`]), before it writes or reads anything: when every
//! place is taken, it is refused at once with 503 and `Retry-After` and
//! costs nothing more, instead of piling up.
//!
//! [`Hasher`]: crate::services::password::Hasher
//! [`Hasher::reserve`]: crate::services::password::Hasher::reserve

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        mpsc::{channel, Receiver, Sender},
        Arc, Mutex, OnceLock,
    },
    thread,
};

use argon2::{
    password_hash::phc::{Output, ParamsString, PasswordHash, Salt},
    Algorithm, Argon2, Block, Params, Version,
};
use tokio::sync::oneshot;

use crate::{data::error::AppError, domain::ids, domain::validate};

/// The shop's parameters for new hashes.
fn params() -> Params {
    Params::new(19_456, 2, 1, None).expect("valid argon2 parameters")
}

/// `password` hashed with `salt` under these parameters, in `memory` (or,
/// for a stored hash that needs more, in memory of its own).
fn hash_into(
    memory: &mut Vec<Block>,
    password: &[u8],
    salt: &Salt,
    algorithm: Algorithm,
    version: Version,
    params: Params,
) -> Result<PasswordHash, argon2::password_hash::Error> {
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::new());
    }
    let mut out = [0u8; 64];
    let out = &mut out[..params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)];
    Argon2::new(algorithm, version, params.clone()).hash_password_into_with_memory(
        password,
        salt.as_ref(),
        out,
        &mut memory[..blocks],
    )?;
    Ok(PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(version.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(*salt),
        hash: Some(Output::new(out)?),
    })
}

fn hash_blocking(memory: &mut Vec<Block>, password: &str) -> String {
    let salt = Salt::new(&ids::random_bytes::<16>()).expect("16 bytes make a salt");
    hash_into(
        memory,
        password.as_bytes(),
        &salt,
        Algorithm::Argon2id,
        Version::V0x13,
        params(),
    )
    .expect("argon2 hashing cannot fail with valid parameters")
    .to_string()
}

/// Checks `password` against a PHC string, with the string's own
/// algorithm and parameters (so hashes of other parameters still verify);
/// the outputs are compared in constant time ([`Output`]'s `==`).
fn verify_blocking(memory: &mut Vec<Block>, password: &str, phc: &str) -> bool {
    let mut check = || -> Result<bool, argon2::password_hash::Error> {
        let stored = PasswordHash::new(phc)?;
        let (Some(salt), Some(expected)) = (&stored.salt, &stored.hash) else {
            return Ok(false);
        };
        let algorithm = Algorithm::try_from(stored.algorithm.as_str())?;
        let version = Version::try_from(stored.version.unwrap_or(0x13))?;
        let params = Params::try_from(&stored)?;
        let computed = hash_into(
            memory,
            password.as_bytes(),
            salt,
            algorithm,
            version,
            params,
        )?;
        Ok(computed.hash.as_ref() == Some(expected))
    };
    check().unwrap_or(false)
}

/// The hash checked when the email is unknown, so that answer takes as long
/// as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking(&mut Vec::new(), "not anybody's password"))
}

/// A piece of work for a hashing thread, given its memory.
type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// Runs hashes on the hashing threads, for a bounded number of places.
#[derive(Clone)]
pub(crate) struct Hasher {
    jobs: Sender<Job>,
    /// How many places there are, and how many are taken ([`HashPermit`]s).
    places: usize,
    taken: Arc<AtomicUsize>,
    /// Hashes waiting for a thread, and hashes running.
    waiting: Arc<AtomicUsize>,
    running: Arc<AtomicUsize>,
}

/// A place at the hashing threads, held by one use case while it runs
/// (a password change hashes twice under one); given back when dropped.
pub(crate) struct HashPermit {
    hasher: Hasher,
}

impl Drop for HashPermit {
    fn drop(&mut self) {
        self.hasher.taken.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Default for Hasher {
    fn default() -> Self {
        Self::new()
    }
}

impl Hasher {
    /// One hashing thread per core, and places for nine use cases a
    /// thread (one hashing, eight waiting: some 100 ms of work); beyond
    /// that a login gets 503 at once. Waiting costs no argon2 memory.
    pub(crate) fn new() -> Self {
        let threads = thread::available_parallelism().map_or(2, |n| n.get());
        // Unbounded, because the places bound it: a job is sent only
        // under a permit.
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let (waiting, running) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        for n in 0..threads {
            let (queue, waiting, running) = (queue.clone(), waiting.clone(), running.clone());
            thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || hash_thread(&queue, &waiting, &running))
                .expect("a hashing thread starts");
        }
        Hasher {
            jobs,
            places: threads * 9,
            taken: Arc::new(AtomicUsize::new(0)),
            waiting,
            running,
        }
    }

    /// A place for a use case that will hash, or, when all are taken,
    /// [`ServiceUnavailable`] (503, `Retry-After: 1`) at once. Take it
    /// before anything else, so a refused request has written nothing.
    ///
    /// [`ServiceUnavailable`]: crate::data::error::AppError::ServiceUnavailable
    pub(crate) fn reserve(&self) -> Result<HashPermit, AppError> {
        self.taken
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |taken| {
                (taken < self.places).then_some(taken + 1)
            })
            .map_err(|_| AppError::ServiceUnavailable { retry_after: 1 })?;
        Ok(HashPermit {
            hasher: self.clone(),
        })
    }

    /// (hashes waiting for a thread, hashes running), for `/metrics`.
    pub(crate) fn queue(&self) -> (usize, usize) {
        (
            self.waiting.load(Ordering::Relaxed),
            self.running.load(Ordering::Relaxed),
        )
    }

    async fn run<R: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> R + Send + 'static,
    ) -> Result<R, AppError> {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move |memory| {
            // The request went away while this waited (the client hung
            // up): its place is free again, so its work is skipped.
            if done.is_closed() {
                return;
            }
            let _ = done.send(work(memory));
        });
        self.waiting.fetch_add(1, Ordering::Relaxed);
        if self.jobs.send(job).is_err() {
            self.waiting.fetch_sub(1, Ordering::Relaxed);
            return Err(anyhow::anyhow!("the hashing threads have stopped").into());
        }
        result
            .await
            .map_err(|_| anyhow::anyhow!("a hashing thread stopped mid-hash").into())
    }

    /// Computes the dummy hash now, so the first login for an unknown email
    /// takes no longer than any other.
    pub(crate) async fn warm_up(&self) -> Result<(), AppError> {
        let _place = self.reserve()?;
        self.run(|_| {
            dummy_hash();
        })
        .await
    }
}

impl HashPermit {
    /// [`domain::validate::password`] for a new password, on a hashing thread too:
    /// zxcvbn's guess at its strength is also CPU work an executor thread
    /// must not do (it would hold up every other request on that thread).
    ///
    /// [`domain::validate::password`]: crate::domain::validate::password
    pub(crate) async fn check_strength(
        &self,
        password: &str,
        user_inputs: &[&str],
    ) -> Result<Result<(), String>, AppError> {
        let password = password.to_string();
        let inputs: Vec<String> = user_inputs.iter().map(|s| s.to_string()).collect();
        self.hasher
            .run(move |_| {
                let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
                validate::password(&password, &inputs)
            })
            .await
    }

    pub(crate) async fn hash(&self, password: String) -> Result<String, AppError> {
        self.hasher
            .run(move |memory| hash_blocking(memory, &password))
            .await
    }

    /// Checks `password` against the stored hash; with no hash (unknown
    /// email) it checks a dummy one and answers false, taking the same time.
    pub(crate) async fn verify(
        &self,
        password: String,
        phc: Option<String>,
    ) -> Result<bool, AppError> {
        self.hasher
            .run(move |memory| match phc {
                Some(phc) => verify_blocking(memory, &password, &phc),
                None => {
                    verify_blocking(memory, &password, dummy_hash());
                    false
                }
            })
            .await
    }
}

/// A hashing thread: takes jobs until every [`Hasher`] is gone, in memory of
/// its own (made on the first job, kept for the next).
fn hash_thread(queue: &Mutex<Receiver<Job>>, waiting: &AtomicUsize, running: &AtomicUsize) {
    lower_priority();
    let mut memory = Vec::new();
    loop {
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        waiting.fetch_sub(1, Ordering::Relaxed);
        running.fetch_add(1, Ordering::Relaxed);
        job(&mut memory);
        running.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Nice 19 for this thread, the lowest priority that still runs: when the
/// cores are busy, pages go first and logins wait (or, with the queue full,
/// get 503 at once). The crate's one unsafe block (`unsafe_code` is denied
/// everywhere else, Cargo.toml).
#[allow(unsafe_code)]
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority(2) on the calling thread (who = 0); it reads and
    // writes no memory of ours. Failing (not permitted) leaves it as it was.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 19);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_places_are_bounded_and_given_back_when_dropped() {
        let hasher = Hasher::new();
        let places: Vec<_> = (0..hasher.places)
            .map(|_| hasher.reserve().expect("a free permit"))
            .collect();
        assert!(matches!(
            hasher.reserve(),
            Err(AppError::ServiceUnavailable { retry_after: 1 })
        ));
        drop(places);
        assert!(hasher.reserve().is_ok());
    }

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters() {
        let mut memory = Vec::new();
        let phc = hash_blocking(&mut memory, "correct horse battery staple");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_blocking(
            &mut memory,
            "correct horse battery staple",
            &phc
        ));
        assert!(!verify_blocking(&mut memory, "wrong", &phc));
        assert!(!verify_blocking(&mut memory, "wrong", "not a PHC string"));
    }

    #[test]
    fn hashes_made_by_the_argon2_crate_itself_still_verify() {
        use argon2::{PasswordHasher, PasswordVerifier};
        let other = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8_192, 3, 1, None).unwrap(),
        );
        let phc = other
            .hash_password(b"an older passphrase")
            .unwrap()
            .to_string();
        let mut memory = Vec::new();
        assert!(verify_blocking(&mut memory, "an older passphrase", &phc));
        assert!(!verify_blocking(&mut memory, "another", &phc));
        // And the crate accepts ours.
        let ours = hash_blocking(&mut memory, "a passphrase of ours");
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(other
            .verify_password(b"a passphrase of ours", &parsed)
            .is_ok());
    }
}
