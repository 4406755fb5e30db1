//! Docent's reference agent server: the live-demo protocol (seed 002) and Amigo's session
//! socket (seed 004) over real HTTP and WebSocket, answered by scripted agents, so the widget
//! runs and is tested locally.
//!
//! Run it with `cargo run -p docent-server -- --port 8787` (see `--help`). Tests build the
//! same app with [`app`] and bind port 0.

//! Modules depend one way, each only on those below it:
//! `dialects` (a platform's routes and admission) → `connection` (one loop for every
//! dialect) → `turns` (the turn runner and answered-once cache) → `sessions` → `channels`;
//! `agent`, `faults` and `state` beside them. Only `dialects` names a platform, and a
//! dialect's own state stays in it: `state::AppState` holds what every dialect shares, and
//! the composition root (`main.rs`, or a test) builds a dialect's state (AUI's
//! `dialects::aui::AuiState`, the Amigo relay's `relay::Relay`) and hands it to [`app`].
//! `relay` is what every key-holding relay shares (tokens, origins, forwarding); it names
//! no platform.

pub mod agent;
pub mod bench;
pub mod channels;
pub mod connection;
pub mod dialects;
pub mod faults;
pub mod relay;
pub mod rest;
pub mod sessions;
pub mod state;
pub mod turns;

pub use state::{AppState, Config};

use axum::http::{header, HeaderValue};
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, get_service, post, MethodRouter};
use axum::Router;
use dialects::aui::AuiState;
use relay::Relay;
use std::sync::Arc;
use tower_http::compression::CompressionLayer;
use tower_http::cors::CorsLayer;
use tower_http::services::ServeDir;

/// The whole server as a router: `state` shared by every handler, `aui` the AUI simulator's
/// and relay's own (`AuiState::new(AuiConfig::default(), secret)` for their defaults),
/// `amigo` the Amigo relay (`Relay::new(RelayConfig::default(), secret)`).
pub fn app(state: AppState, aui: Arc<AuiState>, amigo: Arc<Relay>) -> Router {
    let mut router = dialects::routes(aui, amigo);
    if state.config.control {
        router = router
            .route("/control/sessions/{id}", get(rest::session_record))
            .route("/control/sessions/{id}/say", post(rest::say))
            .route(
                "/control/sessions/{id}/close",
                post(rest::close_session_socket),
            )
            .route("/control/sessions/{id}/expire", post(rest::expire_session))
            .route("/control/refuse", post(rest::refuse_connections))
            .route("/control/faults", get(rest::fault_counts));
    }
    if let Some(files) = static_files(&state.config) {
        router = router.fallback_service(files);
    }
    // The widget may be served from another origin than its agent server.
    router.layer(CorsLayer::permissive()).with_state(state)
}

/// The static folders as one service: each folder falls back to the next, answers are
/// compressed, and each carries the configured CSP header.
fn static_files(config: &Config) -> Option<MethodRouter> {
    // A file's ready copy (`file.br`, `file.gz`: `cargo xtask dist` writes them) is sent
    // as it is, as a CDN would; the rest is compressed on the way out (brotli or gzip, as
    // the browser asks), and the layer leaves what is already compressed alone.
    let dir = |path| ServeDir::new(path).precompressed_br().precompressed_gzip();
    let mut dirs = config.static_dirs.iter().rev();
    let mut files = get_service(dir(dirs.next()?));
    for path in dirs {
        files = get_service(dir(path).fallback(files));
    }
    files = files.layer(CompressionLayer::new());
    if let Some(policy) = &config.csp {
        let value = HeaderValue::from_str(policy).ok()?;
        files = files.layer(middleware::map_response(move |mut response: Response| {
            let value = value.clone();
            async move {
                response
                    .headers_mut()
                    .insert(header::CONTENT_SECURITY_POLICY, value);
                response
            }
        }));
    }
    Some(files)
}
