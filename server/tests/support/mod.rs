//! What the server's integration tests share: a real server on a free port.

use docent_server::agent::{Script, BUILT_IN_SCRIPT};
use docent_server::dialects::aui::{AuiConfig, AuiState};
use docent_server::{app, AppState, Config};
use std::net::SocketAddr;
use std::sync::Arc;

/// The secret the test servers sign tokens with, so tests can forge good and bad ones.
pub const SECRET: &[u8] = b"test secret";

/// Starts the server with `config` and the built-in agent script on 127.0.0.1, port 0.
#[allow(dead_code)] // the AUI tests start theirs with `start_with`
pub async fn start(config: Config) -> SocketAddr {
    start_with(config, AuiConfig::default()).await
}

/// [`start`], with `aui` for the AUI simulator and relay.
pub async fn start_with(config: Config, aui: AuiConfig) -> SocketAddr {
    let state = AppState::new(config, Script::parse(BUILT_IN_SCRIPT).unwrap(), SECRET);
    let aui = Arc::new(AuiState::new(aui, SECRET));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app(state, aui)).await.unwrap() });
    addr
}
