//! The HTTP suite: one binary (one link step), one module per feature in
//! `tests/api/`. Every test starts the real app on its own port and
//! database and talks to it like a browser (`tests/common`).

pub mod common;

mod api {
    mod auth;
    mod binary;
    mod cart;
    mod checkout;
    mod cli;
    mod crash;
    mod email;
    mod hostile;
    mod instances;
    mod links;
    mod mail;
    mod migrations;
    mod operations;
    mod outage;
    mod passkeys;
    mod profile;
    mod recovery;
    mod rotation;
    mod security;
    mod sessions;
    mod shutdown;
    mod soak;
    mod stores;
    mod tour;
    mod two_factor;
    mod write_back;
}
