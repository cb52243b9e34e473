//! `/preferences`: theme and page size, for guests (in the session) and
//! users (in their account).

use actix_web::{http::StatusCode, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::{
    error::Result,
    prefs::{ChosenPreferences, PageSize, Theme},
    profile,
    session::FlashLevel,
    state::AppState,
    validate::{self, FieldErrors},
    web::{
        extract::Visitor,
        form::Form,
        page::{filters, render, render_status, see_other, Layout},
    },
};

#[derive(Template)]
#[template(path = "preferences.html")]
struct PreferencesPage {
    layout: Layout,
    /// What the form shows as chosen (as typed, when it is refused).
    theme: String,
    page_size: String,
    errors: FieldErrors,
}

impl PreferencesPage {
    fn themes(&self) -> [Theme; 3] {
        Theme::ALL
    }

    fn page_sizes(&self) -> [PageSize; 3] {
        PageSize::ALL
    }

    fn theme_is(&self, theme: &Theme) -> bool {
        self.theme == theme.as_str()
    }

    fn page_size_is(&self, size: &PageSize) -> bool {
        self.page_size.trim() == size.to_string()
    }
}

pub async fn show(visitor: Visitor) -> Result<HttpResponse> {
    let prefs = visitor.preferences();
    render(PreferencesPage {
        layout: visitor.layout(),
        theme: prefs.theme.to_string(),
        page_size: prefs.page_size.to_string(),
        errors: FieldErrors::new(),
    })
}

/// Either field may be left out (the nav's theme toggle sends only the
/// theme); what is left out keeps its current value.
#[derive(Deserialize)]
pub struct PreferencesForm {
    theme: Option<String>,
    page_size: Option<String>,
    /// Where to go afterwards (the toggle returns to its page).
    back: Option<String>,
}

pub async fn update(
    app: web::Data<AppState>,
    visitor: Visitor,
    form: Form<PreferencesForm>,
) -> Result<HttpResponse> {
    let mut errors = FieldErrors::new();
    let chosen = ChosenPreferences {
        theme: form.theme.as_deref().and_then(|raw| {
            let theme = Theme::parse(raw);
            if theme.is_none() {
                errors.insert("theme", "Choose light, dark or system.".into());
            }
            theme
        }),
        page_size: form.page_size.as_deref().and_then(|raw| {
            let size = PageSize::parse(raw);
            if size.is_none() {
                errors.insert("page_size", "Choose 6, 12 or 24 products per page.".into());
            }
            size
        }),
    };
    if !errors.is_empty() {
        let current = visitor.preferences();
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            PreferencesPage {
                layout: visitor.layout(),
                theme: form.theme.clone().unwrap_or(current.theme.to_string()),
                page_size: form
                    .page_size
                    .clone()
                    .unwrap_or(current.page_size.to_string()),
                errors,
            },
        );
    }
    profile::save_preferences(&app, &visitor.session, visitor.user_id(), chosen).await?;
    match form.back.as_deref().and_then(validate::local_path) {
        Some(back) => Ok(see_other(back)),
        None => {
            visitor
                .session
                .flash(FlashLevel::Success, "Preferences saved.");
            Ok(see_other("/preferences"))
        }
    }
}
