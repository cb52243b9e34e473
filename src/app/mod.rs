//! Layer 6: putting it together. `main.rs` parses the command line and
//! calls these.

/// The command line's subcommands.
pub mod cli;
/// Where the settings come from: the environment, `.env`, the development
/// key's file.
pub mod environment;
/// [`Application::build`]: database, middleware, routes, listener.
///
/// [`Application::build`]: crate::app::startup::Application::build
pub mod startup;
