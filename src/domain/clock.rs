//! The application's idea of "now", in Unix seconds, and the lengths of
//! time it counts in: whole [`Seconds`]. In production it is the system
//! clock; tests move it forward to expire sessions without sleeping. The
//! one place time becomes integers: everything the shop stores is a Unix
//! second.
//!
//! [`Seconds`]: crate::domain::clock::Seconds

use std::{
    sync::{
        atomic::{AtomicI64, Ordering},
        Arc,
    },
    time::{SystemTime, UNIX_EPOCH},
};

/// A length of time in whole seconds, as the shop counts it (timeouts,
/// windows, lifetimes): added to [`Clock::now`], compared with stored times.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Seconds(i64);

impl Seconds {
    pub(crate) const fn new(seconds: i64) -> Seconds {
        Seconds(seconds)
    }

    /// The seconds, to add to or compare with Unix seconds.
    pub(crate) const fn get(self) -> i64 {
        self.0
    }
}

#[derive(Clone, Default, Debug)]
pub struct Clock {
    offset: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> i64 {
        let system = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        system + self.offset.load(Ordering::Relaxed)
    }

    /// Moves this clock (and every clone of it) forward. For tests.
    pub fn advance(&self, seconds: i64) {
        self.offset.fetch_add(seconds, Ordering::Relaxed);
    }
}
