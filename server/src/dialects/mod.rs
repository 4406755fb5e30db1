//! The one place that knows which platforms the server speaks: each dialect adds its routes
//! (how a session starts and ends over REST, where its socket is, how a socket presents its
//! credential) and hands every connection to the neutral loop in `connection` with its
//! `ServerDialect`. Nothing outside this folder names a dialect (`tests/no_dialect_names.rs`).

use crate::state::AppState;
use axum::Router;

mod amigo;
pub mod aui;
mod live_demo;

/// Every dialect's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(live_demo::routes())
        .merge(aui::routes())
        .merge(amigo::routes())
}
