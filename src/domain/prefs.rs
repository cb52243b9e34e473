//! Preferences: the theme and the catalog's page size. Pure types; a guest
//! keeps them in the session cookie, an account in the `users` table (one
//! JSON column), and at login the guest's choices go over the account's.
//!
//! Adding a preference: a field of [`Preferences`] (with its default and its
//! line in [`merged`]), its form and page fields ([`routes::preferences`]), and
//! its control in `templates/preferences.html`; storage and the merge at
//! login follow by themselves. A preference every page shows (the theme)
//! also needs its field in [`web::page::Layout`] and the markup that uses it:
//! docs/SESSIONS.md, "Recipe: add a preference", walks through both kinds.
//!
//! [`Preferences`]: crate::domain::prefs::Preferences
//! [`merged`]: crate::domain::prefs::Preferences::merged
//! [`routes::preferences`]: crate::routes::preferences
//! [`web::page::Layout`]: crate::web::page::Layout

use std::fmt;

use serde::{de::DeserializeOwned, Deserialize, Deserializer, Serialize};

/// The colour scheme; [`System`] follows the operating system's setting.
///
/// [`System`]: Theme::System
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    Light,
    Dark,
    #[default]
    System,
}

impl Theme {
    pub(crate) const ALL: [Theme; 3] = [Theme::Light, Theme::Dark, Theme::System];

    /// The stable name: in forms, in the database, on `<html data-theme>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::System => "system",
        }
    }

    pub fn parse(value: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|t| t.as_str() == value.trim())
    }

    /// What the nav's toggle switches to.
    pub(crate) fn toggled(self) -> Theme {
        match self {
            Theme::Dark => Theme::Light,
            Theme::Light | Theme::System => Theme::Dark,
        }
    }
}

impl fmt::Display for Theme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for Theme {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        Theme::parse(&value).ok_or_else(|| format!("unknown theme `{value}`"))
    }
}

/// Rows per page of a list (the catalog, the orders): one of [`PageSize::ALL`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct PageSize(i64);

impl PageSize {
    pub const ALL: [PageSize; 3] = [PageSize(6), PageSize(12), PageSize(24)];

    pub fn get(self) -> i64 {
        self.0
    }

    pub fn parse(value: &str) -> Option<PageSize> {
        let n: i64 = value.trim().parse().ok()?;
        Self::try_from(n).ok()
    }
}

impl Default for PageSize {
    fn default() -> Self {
        PageSize(12)
    }
}

impl fmt::Display for PageSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl TryFrom<i64> for PageSize {
    type Error = String;
    fn try_from(n: i64) -> Result<Self, String> {
        PageSize::ALL
            .into_iter()
            .find(|size| size.0 == n)
            .ok_or_else(|| format!("{n} is not a page size"))
    }
}

impl From<PageSize> for i64 {
    fn from(size: PageSize) -> i64 {
        size.0
    }
}

/// What someone chose: a guest in their session cookie, an account in the
/// `users.preferences` column (as JSON). A preference never chosen is
/// `None` and follows the default, so a guest's untouched choices never
/// overwrite an account's at login.
///
/// Stored by another version, a value this one cannot read counts as not
/// chosen (the default), and a preference it does not know is ignored (and
/// gone when the preferences are next saved): neither makes an account or a
/// cookie unreadable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preferences {
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub theme: Option<Theme>,
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub page_size: Option<PageSize>,
}

/// A value, or `None` when it is not one this version knows.
fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(T::deserialize(value).ok())
}

impl Preferences {
    pub fn theme(&self) -> Theme {
        self.theme.unwrap_or_default()
    }

    pub fn page_size(&self) -> PageSize {
        self.page_size.unwrap_or_default()
    }

    pub(crate) fn is_empty(&self) -> bool {
        *self == Preferences::default()
    }

    /// These choices with the `newer` ones put over them.
    pub(crate) fn merged(self, newer: Preferences) -> Preferences {
        Preferences {
            theme: newer.theme.or(self.theme),
            page_size: newer.page_size.or(self.page_size),
        }
    }

    /// As stored in `users.preferences`.
    pub(crate) fn to_json(self) -> String {
        // Serializing two optional enums cannot fail.
        serde_json::to_string(&self).unwrap_or_else(|_| "{}".into())
    }
}

/// As stored in the database: JSON (an object; anything else is an error).
impl TryFrom<String> for Preferences {
    type Error = serde_json::Error;
    fn try_from(json: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_values_parse() {
        assert_eq!(Theme::parse("dark"), Some(Theme::Dark));
        assert_eq!(Theme::parse("Dark"), None);
        assert_eq!(PageSize::parse(" 24 ").map(PageSize::get), Some(24));
        for bad in ["7", "1e3", "", "12.0", "99999999999999999999"] {
            assert_eq!(PageSize::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_guests_untouched_fields_do_not_override_the_account() {
        let account = Preferences {
            theme: Some(Theme::Light),
            page_size: Some(PageSize::ALL[2]),
        };
        let guest = Preferences {
            theme: Some(Theme::Dark),
            page_size: None,
        };
        let merged = account.merged(guest);
        assert_eq!(merged.theme(), Theme::Dark);
        assert_eq!(merged.page_size(), PageSize::ALL[2]);
        assert_eq!(Preferences::default().page_size().get(), 12);
    }

    #[test]
    fn stored_preferences_read_back_and_bad_ones_do_not() {
        let chosen = Preferences {
            theme: Some(Theme::Dark),
            page_size: None,
        };
        assert_eq!(chosen.to_json(), r#"{"theme":"dark"}"#);
        assert_eq!(Preferences::try_from(chosen.to_json()).unwrap(), chosen);
        let unknown = r#"{"page_size":7,"theme":"sepia","font":"large"}"#;
        let read = Preferences::try_from(unknown.to_string()).unwrap();
        assert_eq!(
            read,
            Preferences::default(),
            "unknown values count as not chosen"
        );
        assert!(Preferences::try_from("not json".to_string()).is_err());
    }
}
