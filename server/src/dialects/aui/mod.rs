//! The AUI side of the reference server (seeds 000, 001 and 003), in two parts:
//!
//! - [`upstream`]: a simulator of the AUI platform itself, under `/api/v1/external/…`
//!   (tasks, message history, `POST …/message`, the streaming session socket), answered by
//!   a scripted microwave adviser ([`adviser`]) whose images and product pages this server
//!   serves (`/aui/images/…`, `/aui/products/…`).
//! - [`relay`]: Docent's key-holding relay under `/relay/aui/…`, the only thing a browser
//!   widget talks to (the contract is in `docent_protocol::aui::client`). It forwards to a
//!   configured upstream: this server's own simulator by default, or AUI's GCP or Azure base.
//!   What it shares with other relays (tokens, origins, the key, forwarding) is the neutral
//!   `crate::relay`.
//!
//! The relay forwards frames verbatim, so neither part goes through the `ServerDialect` seam
//! (the neutral connection loop of `crate::connection` serves live-demo's session model:
//! server-held sessions, message ids, a scripted turn runner). The simulator speaks AUI's
//! wire with `docent_protocol::aui`'s types directly.
//!
//! The dialect keeps its own state ([`AuiConfig`], [`AuiState`]): the composition root
//! (`main.rs`, or a test) builds an `Arc<AuiState>` and hands it to [`routes`], whose
//! handlers read it as an axum `Extension`; the neutral `crate::state` knows nothing of it.

use crate::relay::{Relay, RelayConfig};
use crate::state::AppState;
use axum::routing::{get, post};
use axum::{Extension, Router};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub mod adviser;
pub mod relay;
pub mod upstream;

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
    /// The relay: AUI's network API key (without it the relay answers 503), the upstream
    /// base (as seed 000's `https://…/api/ia-controller`; default this server's own
    /// simulator), origins, token lifetime and limits.
    pub relay: RelayConfig,
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
            relay: RelayConfig::default(),
            echo: false,
        }
    }
}

/// What the AUI handlers share: their configuration, the simulator's tasks and the relay.
pub struct AuiState {
    pub(crate) config: AuiConfig,
    pub(crate) tasks: Arc<Mutex<HashMap<String, upstream::TaskRecord>>>,
    pub(crate) relay: Relay,
}

impl AuiState {
    /// `secret` signs relay tokens unless `config.relay.secret` is set (the server passes
    /// its own token secret).
    pub fn new(config: AuiConfig, secret: &[u8]) -> AuiState {
        AuiState {
            tasks: Arc::default(),
            relay: Relay::new(config.relay.clone(), secret),
            config,
        }
    }

    /// Tells the relay where this server listens (its default upstream).
    pub fn set_local_address(&self, addr: std::net::SocketAddr) {
        self.relay.set_local_address(addr);
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
