//! The hashing floor of the benchmark (`bench/run.sh`): how many argon2id
//! hashes (the shop's parameters: m = 19 MiB, t = 2, p = 1) one core
//! computes per second. A login costs one; logins per second cannot beat it
//! times the cores the server has.
//!
//! `cargo run --release --example argon2_rate -- 5` (seconds to run)

use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Params, Version};

fn main() {
    let seconds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let params = Params::new(19_456, 2, 1, None).expect("valid parameters");
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut blocks = vec![argon2::Block::new(); params.block_count()];
    let mut out = [0u8; 32];
    let started = Instant::now();
    let mut hashes = 0u64;
    while started.elapsed() < Duration::from_secs(seconds) {
        argon2
            .hash_password_into_with_memory(
                b"correct horse battery staple",
                b"somesaltsomesalt",
                &mut out,
                &mut blocks,
            )
            .expect("hashing works");
        hashes += 1;
    }
    let rate = hashes as f64 / started.elapsed().as_secs_f64();
    println!("{{\"hashes\": {hashes}, \"per_second\": {rate:.2}}}");
}
