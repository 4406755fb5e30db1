//! What the server's integration tests share: a real server on a free port.

use docent_server::agent::{Script, BUILT_IN_SCRIPT};
use docent_server::dialects::aui::{AuiConfig, AuiState};
use docent_server::relay::{Relay, RelayConfig};
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
#[allow(dead_code)] // each test file uses the starts it needs
pub async fn start_with(config: Config, aui: AuiConfig) -> SocketAddr {
    start_all(config, aui, RelayConfig::default()).await
}

/// [`start`], with `relay` for the Amigo relay.
#[allow(dead_code)]
pub async fn start_relay(config: Config, relay: RelayConfig) -> SocketAddr {
    start_all(config, AuiConfig::default(), relay).await
}

async fn start_all(config: Config, aui: AuiConfig, relay: RelayConfig) -> SocketAddr {
    let state = AppState::new(config, Script::parse(BUILT_IN_SCRIPT).unwrap(), SECRET);
    let aui = Arc::new(AuiState::new(aui, SECRET));
    let relay = Arc::new(Relay::new(relay, SECRET));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    aui.set_local_address(addr);
    relay.set_local_address(addr);
    tokio::spawn(async move { axum::serve(listener, app(state, aui, relay)).await.unwrap() });
    addr
}

/// A plain HTTP/1.1 request; answers the status, the body as JSON and the raw answer.
#[allow(dead_code)] // the relay and AUI tests use it
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, serde_json::Value, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let headers: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or("");
    (
        status,
        serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
        response.clone(),
    )
}
