//! The AUI side of the reference server (seeds 000, 001 and 003), in two parts:
//!
//! - [`upstream`]: a simulator of the AUI platform itself, under `/api/v1/external/…`
//!   (tasks, message history, `POST …/message`, the streaming session socket), answered by
//!   a scripted microwave adviser ([`adviser`]) whose images and product pages this server
//!   serves (`/aui/images/…`, `/aui/products/…`).
//! - [`relay`]: Docent's key-holding relay under `/relay/aui/…`, the only thing a browser
//!   widget talks to (the contract is in `docent_protocol::aui::client`). It forwards to a
//!   configured upstream: this server's own simulator by default, or AUI's GCP or Azure base.
//!
//! The relay forwards frames verbatim, so neither part goes through the `ServerDialect` seam
//! (the neutral connection loop of `crate::connection` serves live-demo's session model:
//! server-held sessions, message ids, a scripted turn runner). The simulator speaks AUI's
//! wire with `docent_protocol::aui`'s types directly.
//!
//! The dialect keeps its own state ([`AuiConfig`], [`AuiState`]): the composition root
//! (`main.rs`, or a test) builds an `Arc<AuiState>` and hands it to [`routes`], whose
//! handlers read it as an axum `Extension`; the neutral `crate::state` knows nothing of it.

use crate::state::AppState;
use axum::routing::{get, post};
use axum::{Extension, Router};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

pub mod adviser;
mod outbound;
pub mod relay;
pub mod upstream;

/// A secret that never prints: `Debug` shows `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// `None` for an empty or blank value.
    pub fn new(value: impl Into<String>) -> Option<Secret> {
        let value = value.into().trim().to_string();
        (!value.is_empty()).then_some(Secret(value))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How the AUI simulator and relay behave.
#[derive(Debug, Clone)]
pub struct AuiConfig {
    /// Network API keys the simulator accepts; empty accepts any `aui_test_…` key.
    pub simulator_keys: Vec<String>,
    /// Pause between two cumulative text updates of the simulator. Default 40 ms.
    pub stream_delay: Duration,
    /// The base of the image and product URLs the simulator hands out; default
    /// `http://<Host of the request>`.
    pub public_url: Option<String>,
    /// The AUI network API key the relay uses upstream. Without it the relay answers 503.
    pub relay_key: Option<Secret>,
    /// The upstream base URL (as seed 000's `https://…/api/ia-controller`); default this
    /// server's own simulator (the address it listens on).
    pub upstream: Option<String>,
    /// Page origins the relay serves (`Origin` header); `*` allows any. Empty: loopback
    /// origins only (`http://localhost:…`, `http://127.0.0.1:…`, `http://[::1]:…`).
    pub allowed_origins: Vec<String>,
    /// How long a relay token is valid. Default 30 min.
    pub token_lifetime: Duration,
    /// The secret relay tokens are signed with; shared by every relay instance. Default:
    /// the server's own token secret.
    pub relay_secret: Option<Secret>,
    /// How long the relay waits for AUI (connecting, a REST answer). Default 30 s.
    pub upstream_timeout: Duration,
    /// Visitor messages one relay connection may send per minute (then 4029). Default 30.
    pub max_messages_per_minute: u32,
    /// Relay connections one instance holds at once (then 4029). Default 1000.
    pub max_connections: usize,
    /// The simulator answers `echo: X` with X as its text, a suggestion and the fields of a
    /// product card (for tests; on with `--control`). Default off.
    pub echo: bool,
}

impl Default for AuiConfig {
    fn default() -> AuiConfig {
        AuiConfig {
            simulator_keys: Vec::new(),
            stream_delay: Duration::from_millis(40),
            public_url: None,
            relay_key: None,
            upstream: None,
            allowed_origins: Vec::new(),
            token_lifetime: Duration::from_secs(30 * 60),
            relay_secret: None,
            upstream_timeout: Duration::from_secs(30),
            max_messages_per_minute: 30,
            max_connections: 1000,
            echo: false,
        }
    }
}

/// What the AUI handlers share: their configuration, the simulator's tasks and the relay's
/// signer.
pub struct AuiState {
    pub(crate) config: AuiConfig,
    pub(crate) tasks: Arc<Mutex<HashMap<String, upstream::TaskRecord>>>,
    pub(crate) relay: Arc<relay::Relay>,
    /// This server's own address, the relay's default upstream.
    local: Arc<OnceLock<String>>,
}

impl AuiState {
    /// `secret` signs relay tokens unless `config.relay_secret` is set (the server passes its
    /// own token secret).
    pub fn new(config: AuiConfig, secret: &[u8]) -> AuiState {
        AuiState {
            tasks: Arc::default(),
            relay: Arc::new(relay::Relay::new(&config, secret)),
            config,
            local: Arc::default(),
        }
    }

    /// Tells the relay where this server listens (its default upstream).
    pub fn set_local_address(&self, addr: std::net::SocketAddr) {
        let _ = self.local.set(format!("http://{addr}"));
    }

    pub(crate) fn local_base(&self) -> Option<String> {
        self.local.get().cloned()
    }
}

/// The simulator's and the relay's routes, their handlers sharing `aui`.
pub fn routes(aui: Arc<AuiState>) -> Router<AppState> {
    use docent_protocol::aui::{client as contract, MESSAGE_PATH, SESSION_PATH, TASKS_PATH};
    Router::new()
        .route(
            TASKS_PATH,
            post(upstream::create_task).get(upstream::list_tasks),
        )
        .route(
            &format!("{TASKS_PATH}/{{task_id}}/messages"),
            get(upstream::history),
        )
        .route(MESSAGE_PATH, post(upstream::message))
        .route(SESSION_PATH, get(upstream::session))
        .route("/aui/images/{file}", get(upstream::image))
        .route("/aui/products/{id}", get(upstream::product_page))
        .route(contract::TASKS_PATH, post(relay::create_task))
        .route(contract::MESSAGE_PATH, post(relay::message))
        .route(contract::SOCKET_PATH, get(relay::session))
        .layer(Extension(aui))
}
