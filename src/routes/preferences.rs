//! `/preferences`: theme and page size, for guests (in the session) and
//! users (in their account).

use actix_web::{http::StatusCode, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::{
    auth::Visitor,
    csrf::Form,
    errors::Result,
    page::{render, render_status, see_other, Layout},
    repo::users,
    routes::auth::safe_next,
    session::Preferences,
    startup::AppState,
    validate::FieldErrors,
};

pub const THEMES: [&str; 3] = ["light", "dark", "system"];
pub const PAGE_SIZES: [i64; 3] = [6, 12, 24];

#[derive(Template)]
#[template(path = "preferences.html")]
struct PreferencesPage {
    layout: Layout,
    theme: String,
    page_size: String,
    errors: FieldErrors,
}

impl PreferencesPage {
    fn themes(&self) -> &'static [&'static str] {
        &THEMES
    }

    fn page_sizes(&self) -> &'static [i64] {
        &PAGE_SIZES
    }

    fn theme_is(&self, theme: &str) -> bool {
        self.theme == theme
    }

    fn page_size_is(&self, size: &i64) -> bool {
        self.page_size.trim() == size.to_string()
    }
}

pub async fn show(visitor: Visitor) -> Result<HttpResponse> {
    let prefs = visitor.preferences();
    render(PreferencesPage {
        layout: visitor.layout(),
        theme: prefs.theme,
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
    let current = visitor.preferences();
    let mut errors = FieldErrors::new();
    let theme = form.theme.clone().unwrap_or(current.theme.clone());
    if !THEMES.contains(&theme.as_str()) {
        errors.insert("theme", "Choose light, dark or system.".into());
    }
    let page_size_raw = form
        .page_size
        .clone()
        .unwrap_or(current.page_size.to_string());
    let page_size = page_size_raw.trim().parse::<i64>().unwrap_or(0);
    if !PAGE_SIZES.contains(&page_size) {
        errors.insert("page_size", "Choose 6, 12 or 24 products per page.".into());
    }
    if !errors.is_empty() {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            PreferencesPage {
                layout: visitor.layout(),
                theme,
                page_size: page_size_raw,
                errors,
            },
        );
    }

    match &visitor.user {
        Some(me) => {
            let prefs = Preferences { theme, page_size };
            users::set_preferences(&app.pool, me.user.id, &prefs).await?
        }
        // Remember only what the guest actually sent (the toggle sends
        // just the theme), so login carries over only real choices.
        None => visitor.session.update(|s| {
            if form.theme.is_some() {
                s.prefs.theme = Some(theme);
            }
            if form.page_size.is_some() {
                s.prefs.page_size = Some(page_size);
            }
        }),
    }
    let back = form.back.as_deref().and_then(safe_next);
    if back.is_none() {
        visitor.session.flash("success", "Preferences saved.");
    }
    Ok(see_other(back.unwrap_or("/preferences")))
}
