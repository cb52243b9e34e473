//! The web glue between HTTP and the services: who is asking
//! (`extract`), CSRF protection (`csrf`), reading forms (`form`), the page
//! layout and rendering (`page`), error pages (`error_page`), the session
//! cookie's lifetime (`session_cookie`) and key rotation (`session_keys`),
//! response headers (`security`), logs and metrics (`telemetry`) and
//! the embedded static files (`assets`). Handlers in `routes` use these;
//! nothing here runs SQL of its own.

pub mod assets;
pub mod csrf;
pub mod error_page;
pub mod extract;
pub mod form;
pub mod page;
pub mod security;
pub mod session_cookie;
pub mod session_keys;
pub mod telemetry;
