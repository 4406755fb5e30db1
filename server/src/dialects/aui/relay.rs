//! Docent's AUI relay: the widget's only way to AUI, since AUI's network API key must never
//! reach a browser. The widget-facing contract is `docent_protocol::aui::client`'s module
//! documentation; this is its server side.
//!
//! - `POST /relay/aui/tasks` (`Authorization: Bearer <site public key>`, body
//!   `{product_id, user_id?}`): checks the key and the page's `Origin`, creates a task
//!   upstream (`POST /api/v1/external/tasks`, with the relay's key), and answers
//!   `{task_id, token, expires_in, welcome_message?, followup_suggestions?}`.
//! - `GET /relay/aui/session?task_id=…&token=…` (WebSocket): checks the token (signature,
//!   expiry, task) and the origin, opens AUI's session socket with `network_api_key`, and
//!   forwards text frames verbatim both ways. A widget frame whose `task_id` is not the
//!   token's closes with 4003.
//! - `POST /relay/aui/message` (`Authorization: Bearer <token>`): the REST fallback, forwarded
//!   to `POST /api/v1/external/message`.
//!
//! **Stateless.** The token is an HS256 JWT naming the task and the origin; nothing is kept
//! between calls, so any relay instance sharing the signing secret and the upstream serves
//! any visitor. Each socket is its own task: a slow upstream holds only its own visitor.
//!
//! **The key** is read from the environment or a file (never the command line), never
//! logged, and never sent to the widget: errors are the relay's own words, and any upstream
//! frame, close reason or body that contains it has it replaced by `***`. Message text is
//! never logged.
//!
//! Close codes toward the widget: 4001 (token invalid or expired: start a new task), 4003
//! (origin, or the frame's task, not allowed), 4029 (too many connections or messages), 1013
//! (AUI unreachable or lost: try again later), and AUI's own (1008, 1011, …) passed on.
//! REST errors are `{"error": {"code", "message"}}`: 401 `KEY_REJECTED`/`TOKEN_REJECTED`,
//! 403 `ORIGIN_NOT_ALLOWED`/`TASK_NOT_ALLOWED`, 400 `INVALID_REQUEST`, 429 `RATE_LIMITED`,
//! 502 `UPSTREAM_REJECTED` (AUI refused the relay), 503/504 `UPSTREAM_UNAVAILABLE`.

use super::outbound::{self, UpstreamError};
use super::{AuiConfig, AuiState};
use crate::rest::{bearer, error, public_key_ok};
use crate::sessions::random_bytes;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use docent_protocol::aui::client::{relay_close, relay_codes, RelayTask, RelayTaskRequest};
use docent_protocol::aui::{close, codes, Task, MESSAGE_PATH, TASKS_PATH};
use futures_util::{SinkExt, StreamExt};
use jsonwebtoken::{decode, encode, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio_tungstenite::tungstenite::Message as UpMessage;

/// The relay's codes beyond `relay_codes` (same `{"error": {code, message}}` shape).
pub const TASK_NOT_ALLOWED: &str = "TASK_NOT_ALLOWED";
pub const INVALID_REQUEST: &str = "INVALID_REQUEST";

/// The audience of relay tokens, so no other token of this server passes for one.
const AUDIENCE: &str = "docent-aui-relay";

/// What a relay token says.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Claims {
    /// The task.
    tid: String,
    /// The page origin it was issued to ("" when any origin is allowed and none was sent).
    org: String,
    aud: String,
    iat: u64,
    exp: u64,
}

#[derive(Debug, PartialEq, Eq)]
enum TokenProblem {
    Invalid,
    Expired,
}

/// The relay's signer and its connection count (the only thing it holds, and only for
/// its own limit).
pub struct Relay {
    encoding: EncodingKey,
    decoding: DecodingKey,
    lifetime: Duration,
    connections: Arc<AtomicUsize>,
}

impl Relay {
    pub fn new(config: &AuiConfig, secret: &[u8]) -> Relay {
        let secret = config
            .relay_secret
            .as_ref()
            .map(|s| s.expose().as_bytes())
            .unwrap_or(secret);
        Relay {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            lifetime: config.token_lifetime,
            connections: Arc::default(),
        }
    }

    fn issue(&self, task_id: &str, origin: &str) -> String {
        let now = unix_now();
        let claims = Claims {
            tid: task_id.into(),
            org: origin.into(),
            aud: AUDIENCE.into(),
            iat: now,
            exp: now + self.lifetime.as_secs(),
        };
        encode(&Header::default(), &claims, &self.encoding).expect("HS256 signing cannot fail")
    }

    fn check(&self, token: &str) -> Result<Claims, TokenProblem> {
        let mut validation = Validation {
            leeway: 0,
            ..Validation::default()
        };
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "aud"]);
        decode::<Claims>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenProblem::Expired,
                _ => TokenProblem::Invalid,
            })
    }

    /// Counts a connection while the guard lives; `None` past the limit.
    fn admit(&self, limit: usize) -> Option<Admitted> {
        let before = self.connections.fetch_add(1, Ordering::SeqCst);
        let guard = Admitted(self.connections.clone());
        (before < limit).then_some(guard)
    }
}

struct Admitted(Arc<AtomicUsize>);

impl Drop for Admitted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn origin_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::ORIGIN)?
        .to_str()
        .ok()
        .map(|o| o.trim().trim_end_matches('/').to_string())
        .filter(|o| !o.is_empty() && o != "null")
}

fn is_loopback(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    let host = if rest.starts_with("[::1]") {
        "[::1]"
    } else {
        rest.split(':').next().unwrap_or("")
    };
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

/// Whether the page's origin may use the relay (see [`AuiConfig::allowed_origins`]).
fn origin_allowed(config: &AuiConfig, origin: Option<&str>) -> bool {
    if config.allowed_origins.iter().any(|o| o == "*") {
        return true;
    }
    let Some(origin) = origin else {
        return false;
    };
    if config.allowed_origins.is_empty() {
        return is_loopback(origin);
    }
    config
        .allowed_origins
        .iter()
        .any(|allowed| allowed.trim_end_matches('/').eq_ignore_ascii_case(origin))
}

fn origin_refused(origin: Option<&str>) -> Response {
    let message = match origin {
        Some(origin) => format!("Pages at {origin} may not use this relay"),
        None => "This relay serves web pages only: the request has no Origin".to_string(),
    };
    error(
        StatusCode::FORBIDDEN,
        relay_codes::ORIGIN_NOT_ALLOWED,
        message,
    )
}

/// Replaces every occurrence of the key (should AUI ever echo it) with `***`.
fn redact(text: &str, key: &str) -> String {
    if key.is_empty() || !text.contains(key) {
        text.to_string()
    } else {
        text.replace(key, "***")
    }
}

/// The key and the upstream base, or the error that says the relay is not set up.
fn upstream(aui: &AuiState) -> Result<(String, String), &'static str> {
    let config = &aui.config;
    let key = config
        .relay_key
        .as_ref()
        .ok_or("The relay has no AUI key configured")?;
    let base = config
        .upstream
        .clone()
        .or_else(|| aui.local_base())
        .ok_or("The relay has no AUI upstream configured")?;
    Ok((key.expose().to_string(), base))
}

fn log(what: &str) {
    eprintln!("docent-server: aui relay: {what}");
}

/// The relay cannot reach AUI at all (no key, no upstream): said the same way everywhere.
fn unavailable(message: &str) -> Response {
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        relay_codes::UPSTREAM_UNAVAILABLE,
        message,
    )
}

fn upstream_failure(failure: UpstreamError) -> Response {
    let (status, message) = match failure {
        UpstreamError::Timeout => (StatusCode::GATEWAY_TIMEOUT, "AUI did not answer in time"),
        UpstreamError::BadBase => (
            StatusCode::SERVICE_UNAVAILABLE,
            "The relay's AUI upstream URL cannot be used",
        ),
        UpstreamError::Unreachable | UpstreamError::Refused(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "AUI cannot be reached; try again later",
        ),
    };
    log(&format!("upstream call failed: {failure:?}"));
    error(status, relay_codes::UPSTREAM_UNAVAILABLE, message)
}

/// `POST /relay/aui/tasks`.
pub async fn create_task(
    State(state): State<AppState>,
    Extension(aui): Extension<Arc<AuiState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let config = &aui.config;
    match bearer(&headers) {
        Some(key) if public_key_ok(&state, key) => {}
        _ => {
            return error(
                StatusCode::UNAUTHORIZED,
                relay_codes::KEY_REJECTED,
                "Send this site's public key as `Authorization: Bearer pk_…`",
            )
        }
    }
    let origin = origin_of(&headers);
    if !origin_allowed(config, origin.as_deref()) {
        return origin_refused(origin.as_deref());
    }
    let request: RelayTaskRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                INVALID_REQUEST,
                "The body must be {\"product_id\": \"…\", \"user_id\"?: \"…\"}",
            )
        }
    };
    let (key, base) = match upstream(&aui) {
        Ok(pair) => pair,
        Err(message) => return unavailable(message),
    };
    let user_id = request
        .user_id
        .map(|id| id.trim().chars().take(200).collect::<String>())
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| {
            let bytes = random_bytes::<8>();
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            format!("docent-visitor-{hex}")
        });
    let body = serde_json::json!({ "user_id": user_id }).to_string();
    let answer = outbound::request(
        &base,
        &key,
        hyper::Method::POST,
        TASKS_PATH,
        Some(body),
        config.upstream_timeout,
    )
    .await;
    let (status, body) = match answer {
        Ok(answer) => answer,
        Err(failure) => return upstream_failure(failure),
    };
    if let Some(response) = refused_upstream(status, "create a task") {
        return response;
    }
    let Ok(task) = serde_json::from_str::<Task>(&body) else {
        log("AUI answered a task that cannot be read");
        return error(
            StatusCode::BAD_GATEWAY,
            relay_codes::UPSTREAM_REJECTED,
            "AUI's answer could not be read",
        );
    };
    let origin = origin.unwrap_or_default();
    let answer = RelayTask {
        token: aui.relay.issue(&task.id, &origin),
        expires_in: Some(config.token_lifetime.as_secs()),
        welcome_message: task.welcome_text().map(|text| redact(&text, &key)),
        followup_suggestions: task
            .followup_suggestions
            .iter()
            .map(|s| redact(s, &key))
            .collect(),
        task_id: task.id,
    };
    (StatusCode::OK, axum::Json(answer)).into_response()
}

/// The relay's answer when AUI refused a task call: `None` for a success.
fn refused_upstream(status: u16, what: &str) -> Option<Response> {
    match status {
        200..=299 => None,
        401 | 403 => {
            log(&format!("AUI refused the relay's key (HTTP {status})"));
            Some(error(
                StatusCode::BAD_GATEWAY,
                relay_codes::UPSTREAM_REJECTED,
                "AUI refused the relay's credentials",
            ))
        }
        429 => Some(error(
            StatusCode::TOO_MANY_REQUESTS,
            codes::RATE_LIMITED,
            "AUI is rate-limiting this relay; try again shortly",
        )),
        _ => {
            log(&format!("AUI refused to {what} (HTTP {status})"));
            Some(error(
                StatusCode::BAD_GATEWAY,
                relay_codes::UPSTREAM_REJECTED,
                format!("AUI refused to {what} (HTTP {status})"),
            ))
        }
    }
}

fn token_refused(problem: TokenProblem) -> Response {
    let message = match problem {
        TokenProblem::Expired => "The relay token has expired: start a new task",
        TokenProblem::Invalid => "The relay token is not valid: start a new task",
    };
    error(
        StatusCode::UNAUTHORIZED,
        relay_codes::TOKEN_REJECTED,
        message,
    )
}

fn task_of(frame: &[u8]) -> Option<String> {
    serde_json::from_slice::<serde_json::Value>(frame)
        .ok()?
        .get("task_id")?
        .as_str()
        .map(str::to_string)
}

/// `POST /relay/aui/message` (`Authorization: Bearer <relay token>`): the REST fallback.
pub async fn message(
    Extension(aui): Extension<Arc<AuiState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let config = &aui.config;
    let claims = match bearer(&headers).map(|token| aui.relay.check(token)) {
        Some(Ok(claims)) => claims,
        Some(Err(problem)) => return token_refused(problem),
        None => return token_refused(TokenProblem::Invalid),
    };
    let origin = origin_of(&headers);
    if !origin_allowed(config, origin.as_deref()) || origin.as_deref().unwrap_or("") != claims.org {
        return origin_refused(origin.as_deref());
    }
    if task_of(&body).as_deref() != Some(claims.tid.as_str()) {
        return error(
            StatusCode::FORBIDDEN,
            TASK_NOT_ALLOWED,
            "The message's task_id is not the task this token is for",
        );
    }
    let (key, base) = match upstream(&aui) {
        Ok(pair) => pair,
        Err(message) => return unavailable(message),
    };
    let body = String::from_utf8_lossy(&body).into_owned();
    let answer = outbound::request(
        &base,
        &key,
        hyper::Method::POST,
        MESSAGE_PATH,
        Some(body),
        config.upstream_timeout,
    )
    .await;
    let (status, body) = match answer {
        Ok(answer) => answer,
        Err(failure) => return upstream_failure(failure),
    };
    // AUI's validation, moderation and server errors reach the widget as AUI wrote them
    // (the widget reads those shapes); a refused key is the relay's problem, not the page's.
    if matches!(status, 401 | 403 | 429) {
        if let Some(response) = refused_upstream(status, "answer") {
            return response;
        }
    }
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        redact(&body, &key),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
pub struct SocketQuery {
    task_id: Option<String>,
    token: Option<String>,
}

/// `GET /relay/aui/session?task_id=…&token=…`.
pub async fn session(
    ws: WebSocketUpgrade,
    Extension(aui): Extension<Arc<AuiState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let origin = origin_of(&headers);
    let query = SocketQuery {
        task_id: query.get("task_id").cloned(),
        token: query.get("token").cloned(),
    };
    ws.on_upgrade(move |socket| serve(socket, aui, query, origin))
}

async fn close_widget(mut widget: WebSocket, code: u16, reason: &str) {
    let reason: String = cut(reason, 123);
    let _ = widget
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await;
}

/// The longest prefix of `text` within `max` bytes.
fn cut(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

async fn serve(widget: WebSocket, aui: Arc<AuiState>, query: SocketQuery, origin: Option<String>) {
    let config = aui.config.clone();
    let Some(_admitted) = aui.relay.admit(config.max_connections) else {
        return close_widget(
            widget,
            relay_close::RATE_LIMITED,
            "Too many connections: try again shortly",
        )
        .await;
    };
    let claims = match query.token.as_deref().map(|t| aui.relay.check(t)) {
        Some(Ok(claims)) => claims,
        Some(Err(TokenProblem::Expired)) => {
            return close_widget(
                widget,
                relay_close::TOKEN_REJECTED,
                "The relay token has expired: start a new task",
            )
            .await
        }
        _ => {
            return close_widget(
                widget,
                relay_close::TOKEN_REJECTED,
                "The relay token is missing or not valid: start a new task",
            )
            .await
        }
    };
    if query.task_id.as_deref() != Some(claims.tid.as_str()) {
        return close_widget(
            widget,
            relay_close::NOT_ALLOWED,
            "This token is for another task",
        )
        .await;
    }
    if !origin_allowed(&config, origin.as_deref()) || origin.as_deref().unwrap_or("") != claims.org
    {
        return close_widget(
            widget,
            relay_close::NOT_ALLOWED,
            "This page's origin may not use this relay",
        )
        .await;
    }
    let (key, base) = match upstream(&aui) {
        Ok(pair) => pair,
        Err(message) => return close_widget(widget, relay_close::TRY_AGAIN_LATER, message).await,
    };
    let upstream = match outbound::socket(&base, &key, config.upstream_timeout).await {
        Ok(socket) => socket,
        Err(UpstreamError::Refused(status @ (401 | 403))) => {
            log(&format!("AUI refused the relay's key (HTTP {status})"));
            let payload = docent_protocol::aui::ErrorPayload {
                status_code: 401,
                description: "Not authenticated".into(),
                message: "AUI refused the relay's credentials".into(),
                extra_data: Default::default(),
            };
            let reason = docent_protocol::aui::ServerFrame::Error(payload).to_json();
            return close_widget(widget, close::POLICY_VIOLATION, &reason).await;
        }
        Err(failure) => {
            log(&format!("cannot open AUI's socket: {failure:?}"));
            return close_widget(
                widget,
                relay_close::TRY_AGAIN_LATER,
                "AUI cannot be reached; try again later",
            )
            .await;
        }
    };
    forward(widget, upstream, &claims.tid, &key, &config).await;
}

/// Whether a close code may be sent in a close frame (RFC 6455 §7.4).
fn sendable(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// Forwards text frames both ways until either side closes.
async fn forward(
    mut widget: WebSocket,
    upstream: outbound::Upstream,
    task_id: &str,
    key: &str,
    config: &AuiConfig,
) {
    let (mut up_tx, mut up_rx) = upstream.split();
    let mut recent: VecDeque<Instant> = VecDeque::new();
    let window = Duration::from_secs(60);
    loop {
        tokio::select! {
            frame = widget.recv() => match frame {
                Some(Ok(Message::Text(text))) => {
                    let now = Instant::now();
                    while recent.front().is_some_and(|t| now.duration_since(*t) > window) {
                        recent.pop_front();
                    }
                    if recent.len() >= config.max_messages_per_minute as usize {
                        let _ = up_tx.send(UpMessage::Close(None)).await;
                        return close_widget(
                            widget,
                            relay_close::RATE_LIMITED,
                            "Too many messages: wait a minute",
                        )
                        .await;
                    }
                    recent.push_back(now);
                    if task_of(text.as_bytes()).as_deref() != Some(task_id) {
                        let _ = up_tx.send(UpMessage::Close(None)).await;
                        return close_widget(
                            widget,
                            relay_close::NOT_ALLOWED,
                            "A frame named another task than this connection's",
                        )
                        .await;
                    }
                    if up_tx.send(UpMessage::text(text.as_str())).await.is_err() {
                        return close_widget(
                            widget,
                            relay_close::TRY_AGAIN_LATER,
                            "The connection to AUI was lost; try again",
                        )
                        .await;
                    }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => {
                    let _ = up_tx.send(UpMessage::Close(None)).await;
                    return;
                }
                // Pings are answered by the socket itself; binary frames are not AUI's.
                Some(Ok(_)) => {}
            },
            frame = up_rx.next() => match frame {
                Some(Ok(UpMessage::Text(text))) => {
                    let text = redact(text.as_str(), key);
                    if widget.send(Message::Text(text.into())).await.is_err() {
                        let _ = up_tx.send(UpMessage::Close(None)).await;
                        return;
                    }
                }
                Some(Ok(UpMessage::Close(frame))) => {
                    let (code, reason) = frame
                        .map(|f| (u16::from(f.code), redact(f.reason.as_str(), key)))
                        .unwrap_or((1000, String::new()));
                    let code = if sendable(code) { code } else { 1000 };
                    return close_widget(widget, code, &reason).await;
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => {
                    return close_widget(
                        widget,
                        relay_close::TRY_AGAIN_LATER,
                        "The connection to AUI was lost; try again",
                    )
                    .await;
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_origins_are_the_default_and_star_allows_any() {
        let config = AuiConfig::default();
        assert!(origin_allowed(&config, Some("http://localhost:8080")));
        assert!(origin_allowed(&config, Some("http://127.0.0.1")));
        assert!(origin_allowed(&config, Some("http://[::1]:3000")));
        assert!(!origin_allowed(&config, Some("https://evil.example")));
        assert!(!origin_allowed(
            &config,
            Some("http://localhost.evil.example")
        ));
        assert!(!origin_allowed(&config, None));
        let config = AuiConfig {
            allowed_origins: vec!["https://shop.example/".into()],
            ..AuiConfig::default()
        };
        assert!(origin_allowed(&config, Some("https://shop.example")));
        assert!(!origin_allowed(&config, Some("http://localhost:8080")));
        let any = AuiConfig {
            allowed_origins: vec!["*".into()],
            ..AuiConfig::default()
        };
        assert!(origin_allowed(&any, None));
    }

    #[test]
    fn tokens_name_their_task_and_expire() {
        let relay = Relay::new(&AuiConfig::default(), b"s");
        let token = relay.issue("t1", "http://localhost");
        let claims = relay.check(&token).unwrap();
        assert_eq!(
            (claims.tid.as_str(), claims.org.as_str()),
            ("t1", "http://localhost")
        );
        let other = Relay::new(&AuiConfig::default(), b"other");
        assert_eq!(other.check(&token).unwrap_err(), TokenProblem::Invalid);
        let short = Relay::new(
            &AuiConfig {
                token_lifetime: Duration::ZERO,
                ..AuiConfig::default()
            },
            b"s",
        );
        let token = short.issue("t1", "");
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(relay.check(&token).unwrap_err(), TokenProblem::Expired);
        assert_eq!(redact("a KEY b KEY", "KEY"), "a *** b ***");
        assert_eq!(cut("héllo", 2), "h");
    }
}
