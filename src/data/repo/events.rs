//! The account's security event log.

use std::fmt;

use sqlx::FromRow;

use crate::{
    data::db::Db,
    domain::ids::{self, UserId},
};

/// What happened. Stored as a stable code ([`code()`]); pages show [`label()`].
///
/// [`code()`]: EventKind::code
/// [`label()`]: EventKind::label
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EventKind {
    Registered,
    LoggedIn,
    LoginFailed,
    LoggedOut,
    PasswordChanged,
    PasswordChangeFailed,
    AccountDeletionFailed,
    SessionRevoked,
    PasswordReset,
    EmailVerified,
    EmailChangeRequested,
    EmailChanged,
    EmailChangeFailed,
    PasswordConfirmFailed,
    TwoFactorEnabled,
    TwoFactorDisabled,
    TwoFactorFailed,
    RecoveryCodeUsed,
    RecoveryCodesRenewed,
    PasskeyAdded,
    PasskeyRemoved,
}

impl EventKind {
    const ALL: [EventKind; 21] = [
        EventKind::Registered,
        EventKind::LoggedIn,
        EventKind::LoginFailed,
        EventKind::LoggedOut,
        EventKind::PasswordChanged,
        EventKind::PasswordChangeFailed,
        EventKind::AccountDeletionFailed,
        EventKind::SessionRevoked,
        EventKind::PasswordReset,
        EventKind::EmailVerified,
        EventKind::EmailChangeRequested,
        EventKind::EmailChanged,
        EventKind::EmailChangeFailed,
        EventKind::PasswordConfirmFailed,
        EventKind::TwoFactorEnabled,
        EventKind::TwoFactorDisabled,
        EventKind::TwoFactorFailed,
        EventKind::RecoveryCodeUsed,
        EventKind::RecoveryCodesRenewed,
        EventKind::PasskeyAdded,
        EventKind::PasskeyRemoved,
    ];

    /// The value in `security_events.kind`; never change one.
    fn code(self) -> &'static str {
        match self {
            EventKind::Registered => "registered",
            EventKind::LoggedIn => "logged_in",
            EventKind::LoginFailed => "login_failed",
            EventKind::LoggedOut => "logged_out",
            EventKind::PasswordChanged => "password_changed",
            EventKind::PasswordChangeFailed => "password_change_failed",
            EventKind::AccountDeletionFailed => "account_deletion_failed",
            EventKind::SessionRevoked => "session_revoked",
            EventKind::PasswordReset => "password_reset",
            EventKind::EmailVerified => "email_verified",
            EventKind::EmailChangeRequested => "email_change_requested",
            EventKind::EmailChanged => "email_changed",
            EventKind::EmailChangeFailed => "email_change_failed",
            EventKind::PasswordConfirmFailed => "password_confirm_failed",
            EventKind::TwoFactorEnabled => "two_factor_enabled",
            EventKind::TwoFactorDisabled => "two_factor_disabled",
            EventKind::TwoFactorFailed => "two_factor_failed",
            EventKind::RecoveryCodeUsed => "recovery_code_used",
            EventKind::RecoveryCodesRenewed => "recovery_codes_renewed",
            EventKind::PasskeyAdded => "passkey_added",
            EventKind::PasskeyRemoved => "passkey_removed",
        }
    }

    /// What the profile page says.
    fn label(self) -> &'static str {
        match self {
            EventKind::Registered => "Account created",
            EventKind::LoggedIn => "Signed in",
            EventKind::LoginFailed => "Failed sign-in (wrong password)",
            EventKind::LoggedOut => "Signed out",
            EventKind::PasswordChanged => "Password changed",
            EventKind::PasswordChangeFailed => "Password not changed (wrong current password)",
            EventKind::AccountDeletionFailed => "Account not deleted (wrong password)",
            EventKind::SessionRevoked => "Another session signed out",
            EventKind::PasswordReset => "Password reset by emailed link; every session ended",
            EventKind::EmailVerified => "Email address confirmed",
            EventKind::EmailChangeRequested => "New email address asked for",
            EventKind::EmailChanged => "Email address changed",
            EventKind::EmailChangeFailed => "Email address not changed (wrong password)",
            EventKind::PasswordConfirmFailed => "Password not confirmed (wrong password)",
            EventKind::TwoFactorEnabled => "Two-step sign-in turned on",
            EventKind::TwoFactorDisabled => "Two-step sign-in turned off",
            EventKind::TwoFactorFailed => "Failed sign-in (wrong second-step code)",
            EventKind::RecoveryCodeUsed => "Signed in with a recovery code",
            EventKind::RecoveryCodesRenewed => {
                "New recovery codes made; the old ones no longer work"
            }
            EventKind::PasskeyAdded => "Passkey added",
            EventKind::PasskeyRemoved => "Passkey removed",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl TryFrom<String> for EventKind {
    type Error = String;
    fn try_from(code: String) -> Result<Self, String> {
        EventKind::ALL
            .into_iter()
            .find(|kind| kind.code() == code)
            .ok_or_else(|| format!("unknown event kind `{code}`"))
    }
}

#[derive(Clone, Debug, FromRow)]
pub(crate) struct Event {
    #[sqlx(try_from = "String")]
    pub(crate) kind: EventKind,
    pub(crate) ip: String,
    pub(crate) user_agent: String,
    pub(crate) created_at: i64,
}

/// [`record`]'s statement.
pub(crate) const RECORD: &str =
    "INSERT INTO security_events (id, user_id, kind, ip, user_agent, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)";

/// Notes `kind` for the user, with the client's IP address and browser.
pub(crate) async fn record(
    db: impl Db<'_>,
    user_id: UserId,
    kind: EventKind,
    ip: &str,
    user_agent: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(RECORD)
        .bind(ids::row_id())
        .bind(user_id)
        .bind(kind.code())
        .bind(ip)
        .bind(user_agent)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// [`recent`]'s statement: `$1` the user, `$2` how many.
pub(crate) const RECENT: &str = "SELECT kind, ip, user_agent, created_at FROM security_events
          WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2";

pub(crate) async fn recent(
    db: impl Db<'_>,
    user_id: UserId,
    limit: i64,
) -> sqlx::Result<Vec<Event>> {
    sqlx::query_as(RECENT)
        .bind(user_id)
        .bind(limit)
        .fetch_all(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_as_its_kind() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::try_from(kind.code().to_string()), Ok(kind));
        }
    }
}
