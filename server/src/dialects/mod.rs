//! The one place that knows which platforms the server speaks: each dialect adds its routes
//! (how a session starts and ends over REST, where its socket is, how a socket presents its
//! credential) and hands every connection to the neutral loop in `connection` with its
//! `ServerDialect`. Nothing outside this folder names a dialect (`tests/no_dialect_names.rs`).

use crate::relay::Relay;
use crate::state::AppState;
use axum::Router;
use std::sync::Arc;

mod amigo;
pub mod aui;
mod live_demo;

/// Every dialect's routes. A dialect with state of its own (AUI's simulator and relay,
/// Amigo's relay) gets it here from the composition root; `AppState` holds only what every
/// dialect shares.
pub fn routes(aui: Arc<aui::AuiState>, amigo_relay: Arc<Relay>) -> Router<AppState> {
    Router::new()
        .merge(live_demo::routes())
        .merge(aui::routes(aui))
        .merge(amigo::routes())
        .merge(amigo::relay::routes(amigo_relay))
}
