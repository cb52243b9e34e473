//! Preferences: the theme and the catalog's page size. Pure types; a guest
//! keeps them in the session cookie, an account in the `users` table.
//!
//! Adding a preference: a field here (in `Preferences` and
//! `ChosenPreferences`), its column (a migration and `repo::users`), its
//! form field (`routes::preferences` and `templates/preferences.html`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// The colour scheme; `System` follows the operating system's setting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    Light,
    Dark,
    #[default]
    System,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::Light, Theme::Dark, Theme::System];

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
    pub fn toggled(self) -> Theme {
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

/// Products per catalog page: one of `PageSize::ALL`.
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

/// The preferences in force for someone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Preferences {
    pub theme: Theme,
    pub page_size: PageSize,
}

/// What a guest chose, field by field: a field the guest never touched
/// stays `None`, so at login it does not overwrite the account's choice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChosenPreferences {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<Theme>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<PageSize>,
}

impl ChosenPreferences {
    pub fn is_empty(&self) -> bool {
        *self == ChosenPreferences::default()
    }

    /// `base` with the chosen fields put over it.
    pub fn over(&self, base: Preferences) -> Preferences {
        Preferences {
            theme: self.theme.unwrap_or(base.theme),
            page_size: self.page_size.unwrap_or(base.page_size),
        }
    }

    /// These choices with `newer` ones put over them.
    pub fn merged(&self, newer: ChosenPreferences) -> ChosenPreferences {
        ChosenPreferences {
            theme: newer.theme.or(self.theme),
            page_size: newer.page_size.or(self.page_size),
        }
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
            theme: Theme::Light,
            page_size: PageSize::ALL[2],
        };
        let chosen = ChosenPreferences {
            theme: Some(Theme::Dark),
            page_size: None,
        };
        let merged = chosen.over(account);
        assert_eq!(merged.theme, Theme::Dark);
        assert_eq!(merged.page_size, account.page_size);
    }

    #[test]
    fn a_bad_page_size_in_a_cookie_does_not_deserialize() {
        assert!(serde_json::from_str::<ChosenPreferences>(r#"{"page_size":7}"#).is_err());
        let ok: ChosenPreferences = serde_json::from_str(r#"{"theme":"dark"}"#).unwrap();
        assert_eq!(ok.theme, Some(Theme::Dark));
    }
}
