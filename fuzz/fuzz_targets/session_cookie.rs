//! The session cookie: opening it under the current or a previous key
//! (`web::session::open`, the key rotation), sealing it (`seal`), and
//! the state inside it (`domain::session::SessionState`, its JSON, as
//! `SessionState::from_json` reads it; a state of an earlier release, JSON
//! in a map under the key "state", reads too).
//!
//! The first byte chooses what the rest is.
//!
//! Even: a `Cookie` header from a browser, read as the rotation middleware
//! reads it (split at `;`, percent-decoded). For the session cookie in it:
//! - it opens under no unrelated key;
//! - a cookie opens only if it is one the test sealed (the seeds, sealed
//!   under key 0 with a known state): whatever is changed in it, it either
//!   does not open or gives exactly that state (no forgery, no tampering);
//! - rotation is consistent: under (current 1, previous [2, 0]) it opens
//!   with a previous key exactly when key 0 alone opens it, with the same
//!   plain value, and the plain value reads as a state.
//!
//! Odd: a session state, as the earlier release's map or as the bare state:
//! - a state that reads writes back (as `SessionState::to_json` writes it) to a
//!   value that reads again to the same value (a fixed point);
//! - sealed under a previous key, it opens as `WithPreviousKey` with the
//!   same plain value, re-sealed under the current key it opens as
//!   `WithCurrentKey`, and under an unrelated key never;
//! - what the state holds is what the types promise: a page size is one
//!   of `PageSize::ALL`, the id's fingerprint is 10 hex digits and its
//!   `Debug` never shows it;
//! - any JSON object as the stored preferences (unknown fields, values of
//!   the wrong kind) never makes the state unreadable.
#![no_main]

use std::{collections::HashMap, sync::OnceLock};

use actix_web::cookie::{Cookie, Key};
use cookie_jar::{
    domain::prefs::{PageSize, Preferences, Theme},
    domain::session::SessionState,
    web::session::{open, seal, Keys, Opened},
};
use libfuzzer_sys::fuzz_target;

const NAME: &str = "session";

/// The state the seeds carry (fuzz/seeds/session_cookie/*), sealed under
/// key 0.
const SEED_STATE: &str = r#"{"id":"AAAAAAAAAAAAAAAAAAAAAA","created_at":1700000000,"last_seen_at":1700000000,"csrf_token":"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB","cart":[[7,2]]}"#;

fn key(i: u8) -> &'static Key {
    static KEYS: OnceLock<Vec<Key>> = OnceLock::new();
    &KEYS.get_or_init(|| (0..4).map(|i| Key::from(&[0x11 * (i + 1); 64])).collect())[i as usize]
}

fn keys(current: u8, previous: &[u8]) -> Keys {
    Keys {
        current: key(current).clone(),
        previous: previous.iter().map(|&i| key(i).clone()).collect(),
    }
}

/// What the seeds' plain value is: the earlier release's format, a map
/// with the state's JSON under "state" (it must still read).
fn seed_plain() -> String {
    let map = HashMap::from([("state".to_string(), SEED_STATE.to_string())]);
    serde_json::to_string(&map).unwrap()
}

/// As the adapter reads a cookie's plain value.
fn read_state(plain: &str) -> Option<SessionState> {
    SessionState::from_json(plain)
}

/// As the adapter writes it.
fn write_state(state: &SessionState) -> String {
    state.to_json()
}

fn check_state(state: &SessionState) {
    if let Some(size) = state.prefs.page_size {
        assert!(PageSize::ALL.contains(&size));
    }
    if let Some(theme) = state.prefs.theme {
        assert_eq!(Theme::parse(theme.as_str()), Some(theme));
    }
    let fingerprint = state.id.fingerprint();
    assert_eq!(fingerprint.len(), 10);
    assert!(fingerprint.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(format!("{:?}", state.id), "SessionId(..)");
    if let Some(renewal) = &state.renewed {
        assert!(!renewal.why.explanation().is_empty());
    }
    let _ = state.guest_cart_count();
}

fn a_cookie_header(header: &str) {
    let cookies = header
        .split(';')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .filter_map(|c| Cookie::parse_encoded(c.to_string()).ok())
        .filter(|c| c.name() == NAME);
    for cookie in cookies {
        assert!(
            matches!(open(&cookie, &keys(3, &[])), Opened::No),
            "{header:?}"
        );
        let alone = match open(&cookie, &keys(0, &[])) {
            Opened::WithCurrentKey(_) => true,
            Opened::No => false,
            Opened::WithPreviousKey(_) => unreachable!("there is no previous key"),
        };
        match open(&cookie, &keys(1, &[2, 0])) {
            Opened::No => assert!(!alone, "{header:?}"),
            Opened::WithCurrentKey(_) => panic!("{header:?} opens under a key that sealed nothing"),
            Opened::WithPreviousKey(plain) => {
                assert!(alone, "{header:?}");
                assert_eq!(plain, seed_plain(), "{header:?} opens to something else");
                let state = read_state(&plain).expect("the seed state reads");
                check_state(&state);
            }
        }
    }
}

fn a_state(plain: &str) {
    let state = read_state(plain);
    if let Some(state) = state {
        check_state(&state);
        let written = write_state(&state);
        let again = read_state(&written).expect("a written state reads back");
        check_state(&again);
        assert_eq!(write_state(&again), written, "not a fixed point");
        let sealed = seal(NAME, written.clone(), key(0));
        match open(&sealed, &keys(1, &[2, 0])) {
            Opened::WithPreviousKey(opened) => assert_eq!(opened, written),
            _ => panic!("a cookie sealed under a previous key does not open"),
        }
        let resealed = seal(NAME, written, key(1));
        assert!(matches!(
            open(&resealed, &keys(1, &[0])),
            Opened::WithCurrentKey(_)
        ));
        assert!(matches!(open(&resealed, &keys(3, &[2])), Opened::No));
        assert!(matches!(open(&sealed, &keys(3, &[])), Opened::No));
    }
    // Whatever object the preferences are, the state still reads.
    if let Ok(serde_json::Value::Object(prefs)) = serde_json::from_str(plain) {
        let prefs = serde_json::Value::Object(prefs);
        let read = serde_json::from_value::<Preferences>(prefs.clone());
        assert!(read.is_ok(), "{prefs}: {read:?}");
        let mut state: serde_json::Value = serde_json::from_str(SEED_STATE).unwrap();
        state["prefs"] = prefs;
        let json = serde_json::to_string(&state).unwrap();
        let read = serde_json::from_str::<SessionState>(&json);
        assert!(read.is_ok(), "{json}: {read:?}");
    }
    // Any plain value at all survives sealing and opening.
    let sealed = seal(NAME, plain.to_string(), key(2));
    match open(&sealed, &keys(0, &[1, 2])) {
        Opened::WithPreviousKey(opened) => assert_eq!(opened, plain),
        _ => panic!("{plain:?} sealed under key 2 does not open with it"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    if mode % 2 == 0 {
        a_cookie_header(&text);
    } else {
        a_state(&text);
    }
});
