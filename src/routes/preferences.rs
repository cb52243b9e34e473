//! `/preferences`: theme and page size, for guests (in the session) and
//! users (in their account).

use actix_web::{http::StatusCode, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::{
    data::error::Result,
    domain::prefs::{PageSize, Preferences, Theme},
    domain::session::FlashLevel,
    domain::validate::{local_path, FieldErrors},
    services::profile,
    services::state::AppState,
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

    /// The form showing `theme` and `page_size` where given (as they were
    /// sent), the visitor's own choices otherwise.
    fn of(
        visitor: &Visitor,
        theme: Option<String>,
        page_size: Option<String>,
        errors: FieldErrors,
    ) -> Self {
        let current = visitor.preferences();
        PreferencesPage {
            layout: visitor.layout(),
            theme: theme.unwrap_or(current.theme().to_string()),
            page_size: page_size.unwrap_or(current.page_size().to_string()),
            errors,
        }
    }
}

pub(crate) async fn show(visitor: Visitor) -> Result<HttpResponse> {
    render(PreferencesPage::of(
        &visitor,
        None,
        None,
        FieldErrors::new(),
    ))
}

/// Either field may be left out (the nav's theme toggle sends only the
/// theme); what is left out keeps its current value.
#[derive(Deserialize)]
pub(crate) struct PreferencesForm {
    theme: Option<String>,
    page_size: Option<String>,
    /// Where to go afterwards (the toggle returns to its page).
    back: Option<String>,
}

impl PreferencesForm {
    /// The choices the form makes, or what is wrong with them.
    fn choices(&self) -> std::result::Result<Preferences, FieldErrors> {
        let mut errors = FieldErrors::new();
        let theme = self.theme.as_deref().map(Theme::parse);
        if theme == Some(None) {
            errors.insert("theme", "Choose light, dark or system.".into());
        }
        let page_size = self.page_size.as_deref().map(PageSize::parse);
        if page_size == Some(None) {
            errors.insert("page_size", "Choose 6, 12 or 24 products per page.".into());
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Preferences {
            theme: theme.flatten(),
            page_size: page_size.flatten(),
        })
    }
}

pub(crate) async fn update(
    app: web::Data<AppState>,
    visitor: Visitor,
    form: Form<PreferencesForm>,
) -> Result<HttpResponse> {
    let chosen = match form.choices() {
        Ok(chosen) => chosen,
        Err(errors) => {
            // The form again, as it was sent.
            let (theme, page_size) = (form.theme.clone(), form.page_size.clone());
            let page = PreferencesPage::of(&visitor, theme, page_size, errors);
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, page);
        }
    };
    if let Some(chosen) = profile::save_preferences(&app, visitor.user_id(), chosen).await? {
        visitor
            .session
            .update(move |s| s.prefs = s.prefs.merged(chosen));
    }
    match form.back.as_deref().and_then(local_path) {
        Some(back) => Ok(see_other(back)),
        None => {
            visitor
                .session
                .flash(FlashLevel::Success, "Preferences saved.");
            Ok(see_other("/preferences"))
        }
    }
}
