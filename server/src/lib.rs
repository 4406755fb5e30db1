//! Docent's reference agent server: the live-demo protocol (seed 002) over real HTTP and
//! WebSocket, answered by a scripted demo agent, so the widget runs and is tested locally.
//!
//! Run it with `cargo run -p docent-server -- --port 8787` (see `--help`). Tests build the
//! same app with [`app`] and bind port 0.

pub mod agent;
pub mod faults;
pub mod rest;
pub mod sessions;
pub mod socket;

use agent::Script;
use axum::http::{header, HeaderValue};
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, get_service, post, MethodRouter};
use axum::Router;
use sessions::{Sessions, Tokens};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::cors::CorsLayer;
use tower_http::services::ServeDir;

/// How the server behaves; every field has a default that suits the demo.
#[derive(Debug, Clone)]
pub struct Config {
    /// Public keys accepted by `POST /api/v1/session`; empty accepts any `pk_test_…`/`pk_live_…`.
    pub public_keys: Vec<String>,
    /// A session with no frame for this long expires (`SESSION_EXPIRED`). Default 15 min.
    pub idle_timeout: Duration,
    /// How long a session token is valid. Default 1 h.
    pub token_lifetime: Duration,
    /// How long the agent "types" before it answers. Default 700 ms.
    pub reply_delay: Duration,
    /// Serve these folders at `/`, the first that has a file winning (the demo site,
    /// test host pages).
    pub static_dirs: Vec<PathBuf>,
    /// A `Content-Security-Policy` header for every static file, to try the widget under
    /// a site's policy.
    pub csp: Option<String>,
    /// Enable the control endpoints (`/control/…`: what a session recorded, and faults on
    /// demand). Default off.
    pub control: bool,
    /// Faults to inject (default: none).
    pub faults: faults::Faults,
    /// Speak seed 002 only, as a server written from it alone would: ignore
    /// `clientMessageId`, never send `replyTo`, answer a message on the connection it came on
    /// (a reply for a connection that closed is lost), and react to no `iframe_event`
    /// (analytics only). Default off: the reference server speaks Docent's extension.
    pub seed_only: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            public_keys: Vec::new(),
            idle_timeout: Duration::from_secs(15 * 60),
            token_lifetime: Duration::from_secs(60 * 60),
            reply_delay: Duration::from_millis(700),
            static_dirs: Vec::new(),
            csp: None,
            control: false,
            faults: faults::Faults::default(),
            seed_only: false,
        }
    }
}

/// Everything a request handler needs.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub script: Arc<Script>,
    pub sessions: Sessions,
    pub tokens: Tokens,
    pub faults: Arc<faults::FaultState>,
}

impl AppState {
    pub fn new(config: Config, script: Script, secret: &[u8]) -> AppState {
        AppState {
            tokens: Tokens::new(secret, config.token_lifetime),
            faults: Arc::new(faults::FaultState::new(config.faults.clone())),
            config: Arc::new(config),
            script: Arc::new(script),
            sessions: Sessions::default(),
        }
    }
}

/// The whole server as a router.
pub fn app(state: AppState) -> Router {
    let mut router = Router::new()
        .route(
            docent_protocol::live_demo::SESSION_PATH,
            post(rest::create_session),
        )
        .route("/api/v1/session/{id}/end", post(rest::end_session))
        .route("/ws/session/{id}", get(socket::upgrade));
    if state.config.control {
        router = router
            .route("/control/sessions/{id}", get(rest::session_record))
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
    let mut dirs = config.static_dirs.iter().rev();
    let mut files = get_service(ServeDir::new(dirs.next()?));
    for dir in dirs {
        files = get_service(ServeDir::new(dir).fallback(files));
    }
    // Compressed as a CDN would serve them (brotli or gzip, as the browser asks).
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
