//! Registration, login and logout: the moments a session changes hands.
//!
//! Login in one transaction: the new `logins` row, what the guest brings
//! along (the preferences they chose, their cart) and the security event
//! commit together; only then does the browser get its new cookie (new id,
//! new CSRF token). If any step fails, nothing of the login is written and
//! the visitor is still the guest they were. (What comes before the
//! transaction is written on purpose whatever follows: the throttle's
//! counts, and a failed attempt in the account's security log.)

use crate::{
    data::db::{self, Conn, Tx},
    data::error::{AppError, Result},
    data::repo::{
        self,
        events::EventKind,
        logins::{self, NewLogin},
        users::{self, NewUser},
    },
    domain::client::ClientInfo,
    domain::ids::{self, UserId},
    domain::prefs::Preferences,
    domain::session::{RenewedFor, SecondStep, SessionState},
    domain::validate::{self, FieldErrors},
    services::auth::{check_password, email, record, throttle, Proven},
    services::cart::{self, Merged},
    services::mail::{PastTheLimit, Queued},
    services::password::HashPermit,
    services::state::AppState,
};

/// What a login form sends.
pub(crate) struct Credentials<'a> {
    pub(crate) email: &'a str,
    pub(crate) password: &'a str,
    pub(crate) remember_me: bool,
    /// Where to go once signed in (a local path).
    pub(crate) next: &'a str,
    /// The token of this browser's "don't ask again" cookie, if it has
    /// one ([`second_step_for`]).
    pub(crate) remembered: Option<&'a str>,
}

pub(crate) enum Login {
    /// Signed in: the new session state (new id, new CSRF token) and what
    /// happened to the guest cart, if there was one.
    SignedIn {
        state: Box<SessionState>,
        merged: Option<Merged>,
    },
    /// The password is right, and the account asks for its second factor:
    /// this step waits in the session for the code
    /// (`two_factor::complete_sign_in`, which ends it with [`sign_in`]).
    /// Nothing of a sign-in happened.
    SecondFactor(SecondStep),
    /// Wrong email or password (the answer does not say which).
    Refused,
}

/// Logs in the browser whose session is `guest`. Counted in
/// `logins_total` by outcome.
pub(crate) async fn log_in(
    app: &AppState,
    guest: &SessionState,
    client: &ClientInfo,
    form: Credentials<'_>,
) -> Result<Login> {
    let outcome = try_log_in(app, guest, client, form).await;
    let label = match &outcome {
        Ok(Login::SignedIn { .. }) => "succeeded",
        Ok(Login::SecondFactor(_)) => "second_step",
        Ok(Login::Refused) => "failed",
        Err(AppError::TooManyRequests { .. }) => "throttled",
        Err(_) => "error",
    };
    metrics::counter!("logins_total", "outcome" => label).increment(1);
    outcome
}

async fn try_log_in(
    app: &AppState,
    guest: &SessionState,
    client: &ClientInfo,
    form: Credentials<'_>,
) -> Result<Login> {
    // A place at the hashing threads first: when there is none, the login
    // is refused (503) before anything is counted or read.
    let permit = app.hasher.reserve()?;
    throttle::count_client(app, &client.ip).await?;
    let email = validate::normalize_email(form.email);
    let check = check_password(
        app,
        &permit,
        client,
        &email,
        form.password,
        EventKind::LoginFailed,
    );
    let Some(proven) = check.await? else {
        return Ok(Login::Refused);
    };
    let mut tx = app.db.begin_write().await?;
    // A reset that committed while the password was being checked.
    if !proven.still_holds(app, &mut tx).await? {
        return Ok(Login::Refused);
    }
    // An account with a second factor: the password only opens the second
    // step (asked under the account's lock, so a browser forgotten by a
    // change that committed first is forgotten here too).
    let second = second_step_for(
        app,
        &mut tx,
        &proven,
        form.remember_me,
        form.next,
        form.remembered,
    );
    if let Some(step) = second.await? {
        return Ok(Login::SecondFactor(step));
    }
    let user_id = proven.user_id;
    let (state, merged) = sign_in(tx, app, guest, client, user_id, form.remember_me).await?;
    Ok(Login::SignedIn {
        state: Box::new(state),
        merged,
    })
}

/// The step a right password opens for an account with a second factor;
/// `None` when the account has none, or when `remembered` (the token of
/// the browser's "don't ask again" cookie) names a browser it remembers.
/// Inside the sign-in's transaction `tx`, which holds the account's lock
/// ([`Proven::still_holds`]).
///
/// [`Proven::still_holds`]: crate::services::auth::Proven::still_holds
async fn second_step_for(
    app: &AppState,
    tx: &mut Tx,
    proven: &Proven,
    remember_me: bool,
    next: &str,
    remembered: Option<&str>,
) -> Result<Option<SecondStep>> {
    let (user_id, now) = (proven.user_id, app.clock.now());
    if repo::two_factor::find(&mut **tx, user_id).await?.is_none() {
        return Ok(None);
    }
    if let Some(token) = remembered {
        let digest = ids::digest(token);
        if repo::two_factor::is_remembered(&mut **tx, &digest, user_id, now).await? {
            return Ok(None);
        }
    }
    Ok(Some(SecondStep {
        user_id: proven.user_id,
        remember_me,
        next: next.to_string(),
        proof: proven.proof().to_string(),
        until: now + app.settings.two_factor_timeout.get(),
        wrong_codes: 0,
    }))
}

/// What a registration form sends.
pub struct NewAccount<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    pub password_confirm: &'a str,
}

pub(crate) struct Registered {
    /// The new session state, signed in.
    pub(crate) state: SessionState,
    pub(crate) display_name: String,
    /// What came of the guest's cart.
    pub(crate) merged: Option<Merged>,
    /// Whether the link that proves the address was mailed (it is left
    /// out when the address had all the mail it may have this hour).
    pub(crate) proof_sent: bool,
}

/// Creates the account and logs in the browser whose session is `guest`,
/// in one transaction: the guest's preferences become the account's, their
/// cart moves in. Mistakes come back as [`FieldErrors`], and nothing is
/// written.
pub(crate) async fn register(
    app: &AppState,
    guest: &SessionState,
    client: &ClientInfo,
    form: NewAccount<'_>,
) -> Result<Result<Registered, FieldErrors>> {
    let permit = app.hasher.reserve()?;
    throttle::count_client(app, &client.ip).await?;
    let (tx, account) = match new_account(app, &permit, client, &form).await? {
        Ok(created) => created,
        Err(errors) => return Ok(Err(errors)),
    };
    let (state, merged) = sign_in(tx, app, guest, client, account.id, false).await?;
    app.mail.wake_worker();
    Ok(Ok(Registered {
        state,
        display_name: account.display_name,
        merged,
        proof_sent: account.proof_sent,
    }))
}

/// Creates an account without signing anyone in (`cookie-jar
/// create-user`): the same checks and the same one transaction.
pub async fn create_account(
    app: &AppState,
    client: &ClientInfo,
    form: NewAccount<'_>,
) -> Result<Result<UserId, FieldErrors>> {
    let permit = app.hasher.reserve()?;
    let (tx, account) = match new_account(app, &permit, client, &form).await? {
        Ok(created) => created,
        Err(errors) => return Ok(Err(errors)),
    };
    tx.commit().await?;
    app.mail.wake_worker();
    Ok(Ok(account.id))
}

struct Account {
    id: UserId,
    display_name: String,
    /// Whether the link that proves the address went into the outbox.
    proof_sent: bool,
}

/// Checks the form, hashes the password and inserts the account with its
/// "created" event and the mail that asks to prove its address, in a
/// transaction left open for the caller to finish.
async fn new_account(
    app: &AppState,
    permit: &HashPermit,
    client: &ClientInfo,
    form: &NewAccount<'_>,
) -> Result<Result<(Tx, Account), FieldErrors>> {
    let email = validate::normalize_email(form.email);
    let mut errors = FieldErrors::new();
    if let Err(e) = validate::email(&email) {
        errors.insert("email", e);
    }
    let display_name = validate::display_name(form.display_name).unwrap_or_else(|e| {
        errors.insert("display_name", e);
        String::new()
    });
    if let Err(e) = permit
        .check_strength(form.password, &[&email, &display_name])
        .await?
    {
        errors.insert("password", e);
    } else if form.password != form.password_confirm {
        errors.insert("password_confirm", "The two passwords do not match.".into());
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }

    // Hash before looking at the email, so a taken address is not
    // answered faster than a free one.
    let hash = permit.hash(form.password.to_string()).await?;
    let now = app.clock.now();
    let user = NewUser {
        id: UserId::random(),
        email: &email,
        display_name: &display_name,
        password_hash: &hash,
        preferences: Preferences::default(),
        created_at: now,
    };
    let mut tx = app.db.begin_write().await?;
    if let Err(e) = users::insert(&mut *tx, &user).await {
        if db::Failure::violates_unique(&e, "users", "email") {
            let taken = "An account with this email already exists. Try signing in.";
            return Ok(Err(FieldErrors::from([("email", taken.to_string())])));
        }
        return Err(e.into());
    }
    record(&mut tx, user.id, EventKind::Registered, client, now).await?;
    // The account stands without its first link: past the address's
    // limit (a loop of registrations with a stranger's address), it is
    // left out, and "send it again" asks for it later.
    let past = PastTheLimit::LeaveOut;
    let proof = email::queue_proof(&mut tx, app, user.id, &email, false, past).await?;
    let account = Account {
        id: user.id,
        display_name,
        proof_sent: proof == Queued::Yes,
    };
    Ok(Ok((tx, account)))
}

/// Ends the login of the session `state`, if it has one: the row is
/// revoked, so a copy of the cookie is worth nothing from now on. The
/// caller then ends the session itself (the state deleted, the cookie
/// removed).
pub(crate) async fn log_out(
    app: &AppState,
    state: &SessionState,
    client: &ClientInfo,
) -> Result<()> {
    if let Some(user_id) = state.user_id {
        let now = app.clock.now();
        let mut tx = app.db.begin_write().await?;
        logins::revoke(&mut *tx, &state.id, now).await?;
        record(&mut tx, user_id, EventKind::LoggedOut, client, now).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// The end of every login, inside its transaction `tx`: the end of the
/// login this browser had, if any; the new session's row; what the guest
/// brings along (the preferences they chose, their cart, merged once); the
/// event. Then the commit. Returns the new session state (new id, new CSRF
/// token), which the caller hands to the session: only now, after the
/// commit, does the browser get it. And what happened to the guest cart.
pub(super) async fn sign_in(
    mut tx: Tx,
    app: &AppState,
    guest: &SessionState,
    client: &ClientInfo,
    user_id: UserId,
    remember_me: bool,
) -> Result<(SessionState, Option<Merged>)> {
    let now = app.clock.now();
    if guest.user_id.is_some() {
        // Logging in (or registering) over a login: that session ends here.
        logins::revoke(&mut *tx, &guest.id, now).await?;
    }
    let deadline = now + login_lifetime(app, remember_me);
    let new = SessionState::logged_in(user_id, remember_me, deadline, now);
    open_session(&mut tx, app, client, user_id, &new, deadline).await?;
    app.db.lock_user(&mut tx, user_id).await?;
    users::choose_preferences(&mut tx, user_id, guest.prefs).await?;
    let merged = cart::merge_guest_cart(&mut tx, user_id, guest, now).await?;
    record(&mut tx, user_id, EventKind::LoggedIn, client, now).await?;
    tx.commit().await?;
    Ok((guest.renewed_as(new, RenewedFor::SignIn), merged))
}

/// Whether a sign-in has replaced the guest state `guest`: its note in
/// `guest_merges` says so. The cookie store asks before it writes a guest
/// state over ([`web::session`]): a request that still carries it is late,
/// or a copy, and the browser holds the login's cookie by now.
///
/// [`web::session`]: crate::web::session
pub(crate) async fn replaced_by_sign_in(app: &AppState, guest: &SessionState) -> Result<bool> {
    let note = repo::cart::merged_before(&app.db.pool, &guest.id.digest()).await?;
    Ok(note.is_some())
}

/// A new login whose state could not be kept (the session store is away):
/// its row is revoked, so that no login is left that nobody holds. If the
/// database cannot take that either, the row's own deadline ends it; it
/// is logged.
pub(crate) async fn abandon(app: &AppState, state: &SessionState) {
    let now = app.clock.now();
    if let Err(err) = logins::revoke(&app.db.pool, &state.id, now).await {
        tracing::warn!(error = %err, "a login whose state was not kept could not be revoked");
    }
}

/// How long a new login lasts at most: the absolute timeout, or the
/// longer one with "keep me signed in".
fn login_lifetime(app: &AppState, remember_me: bool) -> i64 {
    let settings = &app.settings;
    let lifetime = if remember_me {
        settings.session_remember_me_timeout
    } else {
        settings.session_absolute_timeout
    };
    lifetime.get()
}

/// Writes the `logins` row of `user_id`'s new `state`, ending at
/// `expires_at`.
pub(super) async fn open_session(
    conn: &mut Conn,
    app: &AppState,
    client: &ClientInfo,
    user_id: UserId,
    state: &SessionState,
    expires_at: i64,
) -> Result<()> {
    let row = NewLogin {
        id: &state.id,
        handle: &ids::token128(),
        user_id,
        created_at: app.clock.now(),
        expires_at,
        remember_me: state.remember_me,
        user_agent: &client.user_agent,
        ip: &client.ip,
    };
    logins::insert(conn, &row).await?;
    Ok(())
}
