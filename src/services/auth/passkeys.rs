//! Passkeys (WebAuthn, through webauthn-rs): a key pair made by the
//! customer's device, whose private half never leaves it. Signing in with
//! one is both factors at once (something held, unlocked by a fingerprint,
//! a face or a PIN), so it needs no password and no second step.
//!
//! Each ceremony takes two requests, and the session carries it between
//! them ([`PasskeyCeremony`]): the first gives the browser a challenge and
//! keeps what checks the answer; the second takes that out of the session
//! (a challenge is used once) and checks the signed answer. A sign-in by
//! passkey then does what a sign-in by password does, in one transaction
//! ([`login`]'s `sign_in`): a new session id, the `logins` row, the cart
//! merged, the event.
//!
//! The relying party is the shop's domain: `PUBLIC_ORIGIN`'s host, or in
//! development `localhost` (a passkey belongs to a domain, never to an IP
//! address: open the shop at `http://localhost:PORT` to use one).
//!
//! [`PasskeyCeremony`]: crate::domain::session::PasskeyCeremony
//! [`login`]: crate::services::auth::login

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use webauthn_rs::prelude::{
    AuthenticationResult, DiscoverableAuthentication, Passkey, PasskeyAuthentication,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse, Uuid, Webauthn,
};

use crate::{
    data::db::{self, Tx},
    data::error::{AppError, Result},
    data::repo::{events::EventKind, passkeys},
    domain::client::ClientInfo,
    domain::ids::{self, UserId},
    domain::session::{CeremonyPurpose, PasskeyCeremony, SessionState},
    domain::validate,
    services::auth::{login::sign_in, record, LoggedIn},
    services::cart::Merged,
    services::mail::{greeting, Letter, PastTheLimit},
    services::state::{AppState, PASSKEY_CEREMONY_SECONDS},
};

/// The relying party, when the shop has one: `None` when `PUBLIC_ORIGIN`
/// names an IP address (a passkey belongs to a domain), and then every
/// ceremony is refused and the pages offer none.
fn relying_party(app: &AppState) -> Result<&Webauthn> {
    app.webauthn.as_ref().ok_or_else(|| {
        AppError::BadRequest("Passkeys need the shop to be reached by a domain name.".into())
    })
}

/// Whether the shop can use passkeys (the pages show their buttons).
pub(crate) fn available(app: &AppState) -> bool {
    app.webauthn.is_some()
}

/// How the database names a credential: its id's bytes, in base64url, as
/// the authenticator made it (never the `id` text a client sends beside
/// them, which nothing checks).
fn credential_key(id: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(id)
}

/// The handle the authenticator keeps for the account: its id, as a UUID
/// (a random number, nothing personal).
fn user_handle(user_id: UserId) -> Uuid {
    Uuid::from_u64_pair(0, user_id.get() as u64)
}

/// A passkey as the security page lists it.
pub(crate) struct Listed {
    pub(crate) credential_id: String,
    pub(crate) name: String,
    pub(crate) created_at: i64,
    pub(crate) last_used_at: Option<i64>,
}

/// The account's passkeys, oldest first.
pub(crate) async fn list(app: &AppState, user_id: UserId) -> Result<Vec<Listed>> {
    let stored = passkeys::of_user(&app.db.pool, user_id).await?;
    Ok(stored
        .into_iter()
        .map(|p| Listed {
            credential_id: p.credential_id,
            name: p.name,
            created_at: p.created_at,
            last_used_at: p.last_used_at,
        })
        .collect())
}

/// The first half of adding a passkey: the options for the browser's
/// `navigator.credentials.create()`, and the ceremony for the session.
pub(crate) async fn begin_adding(
    app: &AppState,
    me: &LoggedIn,
) -> Result<(serde_json::Value, PasskeyCeremony)> {
    let user = &me.user;
    let exclude = keys_of(app, user.id)
        .await?
        .iter()
        .map(|p| p.cred_id().clone())
        .collect::<Vec<_>>();
    let handle = user_handle(user.id);
    let (options, state) = relying_party(app)?
        .start_passkey_registration(handle, &user.email, &user.display_name, Some(exclude))
        .map_err(|e| anyhow::anyhow!("cannot start a passkey registration: {e}"))?;
    // A passkey the device can offer by itself at sign-in, where no name is
    // asked first (a discoverable credential): webauthn-rs discourages one
    // by default (security keys have little room), and does not export the
    // type that says otherwise, so the options say it as JSON.
    let mut options = serde_json::to_value(options)?;
    options["publicKey"]["authenticatorSelection"]["residentKey"] = "required".into();
    options["publicKey"]["authenticatorSelection"]["requireResidentKey"] = true.into();
    let ceremony = ceremony(app, CeremonyPurpose::AddPasskey, &state)?;
    Ok((options, ceremony))
}

/// The second half: checks the browser's answer against `ceremony` and
/// keeps the new passkey under `name`. A wrong answer (another challenge,
/// another site, a tampered one) changes nothing.
pub(crate) async fn finish_adding(
    app: &AppState,
    client: &ClientInfo,
    me: &LoggedIn,
    ceremony: Option<PasskeyCeremony>,
    answer: &RegisterPublicKeyCredential,
    name: &str,
) -> Result<()> {
    let user = &me.user;
    // A name follows a display name's rules (its length, no control
    // characters).
    let name = validate::display_name(name).map_err(AppError::BadRequest)?;
    let name = name.as_str();
    let (state, challenge): (PasskeyRegistration, _) =
        open_ceremony(app, ceremony, CeremonyPurpose::AddPasskey)?;
    let passkey = relying_party(app)?
        .finish_passkey_registration(answer, &state)
        .map_err(|_| refused())?;
    let credential_id = credential_key(passkey.cred_id());
    let now = app.clock.now();
    let mut tx = app.db.begin_write().await?;
    app.db.lock_user(&mut tx, user.id).await?;
    challenge.spend(&mut tx).await?;
    let record_json = serde_json::to_string(&passkey)?;
    if let Err(e) = passkeys::add(&mut *tx, &credential_id, user.id, name, &record_json, now).await
    {
        if db::Failure::violates_unique(&e, "passkeys", "credential_id") {
            return Err(AppError::BadRequest(
                "This passkey is added already.".into(),
            ));
        }
        return Err(e.into());
    }
    record(&mut tx, user.id, EventKind::PasskeyAdded, client, now).await?;
    let letter = Letter::passkey_added(greeting(user), name);
    app.mail
        .queue(&mut tx, &user.email, &letter, PastTheLimit::Send, now)
        .await?;
    tx.commit().await?;
    app.mail.wake_worker();
    Ok(())
}

/// Removes one of the account's passkeys; false when it has none by that id.
pub(crate) async fn remove(
    app: &AppState,
    client: &ClientInfo,
    me: &LoggedIn,
    credential_id: &str,
) -> Result<bool> {
    let now = app.clock.now();
    let mut tx = app.db.begin_write().await?;
    app.db.lock_user(&mut tx, me.user.id).await?;
    if !passkeys::remove(&mut *tx, me.user.id, credential_id).await? {
        return Ok(false);
    }
    record(&mut tx, me.user.id, EventKind::PasskeyRemoved, client, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// The first half of signing in with a passkey: a challenge any of the
/// shop's passkeys may answer (the browser offers the customer theirs; no
/// name is asked first), and the ceremony for the session.
pub(crate) fn begin_sign_in(app: &AppState) -> Result<(RequestChallengeResponse, PasskeyCeremony)> {
    let (mut options, state) = relying_party(app)?
        .start_discoverable_authentication()
        .map_err(|e| anyhow::anyhow!("cannot start a passkey sign-in: {e}"))?;
    // A button the customer pressed, not the autofill of a field: the
    // browser asks at once.
    options.mediation = None;
    let ceremony = ceremony(app, CeremonyPurpose::SignIn, &state)?;
    Ok((options, ceremony))
}

/// What a sign-in with a passkey did: the new session state (new id, new
/// CSRF token) and what came of the guest cart.
pub(crate) struct SignedIn {
    pub(crate) state: SessionState,
    pub(crate) merged: Option<Merged>,
}

/// The second half: checks the answer against `ceremony` and the passkey
/// it names, then signs the browser whose session is `guest` in, as a
/// password and its second step would. A passkey nobody has, or a wrong
/// answer, signs nobody in.
pub(crate) async fn finish_sign_in(
    app: &AppState,
    guest: &SessionState,
    client: &ClientInfo,
    ceremony: Option<PasskeyCeremony>,
    answer: &PublicKeyCredential,
) -> Result<SignedIn> {
    let (state, challenge): (DiscoverableAuthentication, _) =
        open_ceremony(app, ceremony, CeremonyPurpose::SignIn)?;
    let webauthn = relying_party(app)?;
    let (handle, _) = webauthn
        .identify_discoverable_authentication(answer)
        .map_err(|_| refused())?;
    let credential_id = credential_key(&answer.raw_id);
    let stored = passkeys::find(&app.db.pool, &credential_id)
        .await?
        .filter(|stored| user_handle(stored.user_id) == handle)
        .ok_or_else(refused)?;
    let passkey: Passkey = serde_json::from_str(&stored.passkey)?;
    let result = webauthn
        .finish_discoverable_authentication_v2(answer, state, &passkey)
        .map_err(|_| refused())?;
    let mut tx = app.db.begin_write().await?;
    app.db.lock_user(&mut tx, stored.user_id).await?;
    challenge.spend(&mut tx).await?;
    // Removed meanwhile (the owner's other tab): it signs nobody in.
    note_use(app, &mut tx, &credential_id, &result).await?;
    let (state, merged) = sign_in(tx, app, guest, client, stored.user_id, false).await?;
    Ok(SignedIn { state, merged })
}

/// Notes a use of the passkey `credential_id`, under its account's lock:
/// its counter moves on from the row as it is now (not as it was read
/// before the lock). Refused when the row is gone (removed meanwhile).
async fn note_use(
    app: &AppState,
    tx: &mut Tx,
    credential_id: &str,
    result: &AuthenticationResult,
) -> Result<()> {
    let row = passkeys::find(&mut **tx, credential_id)
        .await?
        .ok_or_else(refused)?;
    let mut passkey: Passkey = serde_json::from_str(&row.passkey)?;
    passkey.update_credential(result);
    let record_json = serde_json::to_string(&passkey)?;
    passkeys::used(&mut **tx, credential_id, &record_json, app.clock.now()).await?;
    Ok(())
}

/// Sudo mode's "confirm it is you" with a passkey, first half: a challenge
/// only the account's own passkeys may answer. None: the account has no
/// passkey (400).
pub(crate) async fn begin_confirming(
    app: &AppState,
    me: &LoggedIn,
) -> Result<(RequestChallengeResponse, PasskeyCeremony)> {
    let keys = keys_of(app, me.user.id).await?;
    if keys.is_empty() {
        return Err(AppError::BadRequest("This account has no passkey.".into()));
    }
    let (options, state) = relying_party(app)?
        .start_passkey_authentication(&keys)
        .map_err(|e| anyhow::anyhow!("cannot start a passkey confirmation: {e}"))?;
    let ceremony = ceremony(app, CeremonyPurpose::Confirm, &state)?;
    Ok((options, ceremony))
}

/// The second half: the answer, checked against `ceremony` and one of the
/// account's passkeys. Returns the time to note as the moment the owner
/// last proved it is them (sudo mode's window starts again).
pub(crate) async fn finish_confirming(
    app: &AppState,
    me: &LoggedIn,
    ceremony: Option<PasskeyCeremony>,
    answer: &PublicKeyCredential,
) -> Result<i64> {
    let (state, challenge): (PasskeyAuthentication, _) =
        open_ceremony(app, ceremony, CeremonyPurpose::Confirm)?;
    let result = relying_party(app)?
        .finish_passkey_authentication(answer, &state)
        .map_err(|_| refused())?;
    // The passkey that signed, as the check found it: one of the account's,
    // and still there (one removed since the challenge confirms nothing).
    let credential_id = credential_key(result.cred_id());
    let mut tx = app.db.begin_write().await?;
    app.db.lock_user(&mut tx, me.user.id).await?;
    challenge.spend(&mut tx).await?;
    let owned = passkeys::find(&mut *tx, &credential_id).await?;
    if owned.is_none_or(|row| row.user_id != me.user.id) {
        return Err(refused());
    }
    note_use(app, &mut tx, &credential_id, &result).await?;
    tx.commit().await?;
    Ok(app.clock.now())
}

/// The account's passkeys, as webauthn-rs reads them.
async fn keys_of(app: &AppState, user_id: UserId) -> Result<Vec<Passkey>> {
    let stored = passkeys::of_user(&app.db.pool, user_id).await?;
    Ok(stored
        .iter()
        .filter_map(|p| serde_json::from_str(&p.passkey).ok())
        .collect())
}

/// Whether the account has a passkey (the confirmation page offers it).
pub(crate) async fn any(app: &AppState, user_id: UserId) -> Result<bool> {
    Ok(!passkeys::of_user(&app.db.pool, user_id).await?.is_empty())
}

/// The answer every failed passkey ceremony gets: it says nothing of why.
fn refused() -> AppError {
    AppError::BadRequest(
        "That passkey could not be used here. Try again, or sign in with your password.".into(),
    )
}

/// `state` as the session keeps it until the answer comes.
fn ceremony(
    app: &AppState,
    purpose: CeremonyPurpose,
    state: &impl serde::Serialize,
) -> Result<PasskeyCeremony> {
    Ok(PasskeyCeremony {
        purpose,
        state: serde_json::to_string(state)?,
        until: app.clock.now() + PASSKEY_CEREMONY_SECONDS,
    })
}

/// A ceremony's challenge, to be spent by its one answer.
struct Challenge {
    digest: String,
    until: i64,
}

impl Challenge {
    /// Notes it as answered, in `tx`; refused when it was answered already
    /// (a replayed request, an old copy of a cookie, two requests at once).
    async fn spend(&self, tx: &mut Tx) -> Result<()> {
        match passkeys::spend_challenge(&mut **tx, &self.digest, self.until).await? {
            true => Ok(()),
            false => Err(refused()),
        }
    }
}

/// The state of the ceremony the session held for `purpose`, if it is
/// still in time, and its challenge; else the refusal.
fn open_ceremony<T: serde::de::DeserializeOwned>(
    app: &AppState,
    ceremony: Option<PasskeyCeremony>,
    purpose: CeremonyPurpose,
) -> Result<(T, Challenge)> {
    let now = app.clock.now();
    let ceremony = ceremony
        .filter(|c| c.purpose == purpose && now < c.until)
        .ok_or_else(refused)?;
    let state = serde_json::from_str(&ceremony.state).map_err(|_| refused())?;
    let challenge = Challenge {
        // The state holds the random challenge: its digest names it.
        digest: ids::digest(&ceremony.state),
        until: ceremony.until,
    };
    Ok((state, challenge))
}
