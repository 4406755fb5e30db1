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

use super::AuiState;
use crate::relay::outbound::{self, UpstreamError};
use crate::relay::{
    close_widget, forward, origin_of, redact, Closes, Forwarding, Grant, TokenProblem,
};
use crate::rest::{bearer, error, public_key_ok};
use crate::sessions::random_bytes;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use docent_protocol::aui::client::{
    relay_close, relay_codes, RelayTask, RelayTaskRequest, RENEWAL_GRACE_SECS,
};
use docent_protocol::aui::{
    close, codes, upstream_socket_url, Task, API_KEY_HEADER, MESSAGE_PATH, TASKS_PATH,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// The relay's codes beyond `relay_codes` (same `{"error": {code, message}}` shape).
pub const TASK_NOT_ALLOWED: &str = "TASK_NOT_ALLOWED";
pub const INVALID_REQUEST: &str = "INVALID_REQUEST";

/// The audience of AUI relay tokens, so no other token of this server passes for one.
const AUDIENCE: &str = "docent-aui-relay";

/// What an AUI relay token reaches: one task.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TaskScope {
    tid: String,
}

fn check(aui: &AuiState, token: &str) -> Result<Grant<TaskScope>, TokenProblem> {
    aui.relay.check(AUDIENCE, token)
}

fn origin_refused(origin: Option<&str>) -> Response {
    crate::relay::origin_refused(relay_codes::ORIGIN_NOT_ALLOWED, origin)
}

/// The key and the upstream base, or the error that says the relay is not set up.
fn upstream(aui: &AuiState) -> Result<(String, String), String> {
    aui.relay.upstream("AUI")
}

fn log(what: &str) {
    crate::relay::log("aui relay", what);
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
    let config = &aui.relay.config;
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
    if !aui.relay.origin_allowed(origin.as_deref()) {
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
    if let Some(task_id) = request
        .renew
        .as_deref()
        .and_then(|expired| renewable(&aui, expired, origin.as_deref()))
    {
        let answer = RelayTask {
            token: aui.relay.issue(
                AUDIENCE,
                &TaskScope {
                    tid: task_id.clone(),
                },
                origin.as_deref().unwrap_or_default(),
            ),
            expires_in: Some(config.token_lifetime.as_secs()),
            task_id,
            renewed: true,
            ..RelayTask::default()
        };
        return (StatusCode::OK, axum::Json(answer)).into_response();
    }
    // Not renewable (too old, not ours, another origin): a new task, as without it.
    let (key, base) = match upstream(&aui) {
        Ok(pair) => pair,
        Err(message) => return unavailable(&message),
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
        &[(API_KEY_HEADER, &key)],
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
        token: aui.relay.issue(
            AUDIENCE,
            &TaskScope {
                tid: task.id.clone(),
            },
            &origin,
        ),
        expires_in: Some(config.token_lifetime.as_secs()),
        welcome_message: task.welcome_text().map(|text| redact(&text, &key)),
        followup_suggestions: task
            .followup_suggestions
            .iter()
            .map(|s| redact(s, &key))
            .collect(),
        task_id: task.id,
        renewed: false,
    };
    (StatusCode::OK, axum::Json(answer)).into_response()
}

/// The task of a token this relay signed for `origin` that expired less than the grace
/// ago (or has not expired).
fn renewable(aui: &AuiState, expired: &str, origin: Option<&str>) -> Option<String> {
    let grace = std::time::Duration::from_secs(RENEWAL_GRACE_SECS);
    let grant = aui
        .relay
        .check_for_renewal::<TaskScope>(AUDIENCE, expired, grace)
        .ok()?;
    (grant.origin == origin.unwrap_or_default()).then_some(grant.scope.tid)
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
    let config = &aui.relay.config;
    let grant = match bearer(&headers).map(|token| check(&aui, token)) {
        Some(Ok(grant)) => grant,
        Some(Err(problem)) => return token_refused(problem),
        None => return token_refused(TokenProblem::Invalid),
    };
    let origin = origin_of(&headers);
    if !aui.relay.origin_matches(origin.as_deref(), &grant.origin) {
        return origin_refused(origin.as_deref());
    }
    if task_of(&body).as_deref() != Some(grant.scope.tid.as_str()) {
        return error(
            StatusCode::FORBIDDEN,
            TASK_NOT_ALLOWED,
            "The message's task_id is not the task this token is for",
        );
    }
    let (key, base) = match upstream(&aui) {
        Ok(pair) => pair,
        Err(message) => return unavailable(&message),
    };
    let body = String::from_utf8_lossy(&body).into_owned();
    let answer = outbound::request(
        &base,
        &[(API_KEY_HEADER, &key)],
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

async fn serve(widget: WebSocket, aui: Arc<AuiState>, query: SocketQuery, origin: Option<String>) {
    let Some(_admitted) = aui.relay.admit() else {
        return close_widget(
            widget,
            relay_close::RATE_LIMITED,
            "Too many connections: try again shortly",
        )
        .await;
    };
    let grant = match query.token.as_deref().map(|t| check(&aui, t)) {
        Some(Ok(grant)) => grant,
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
    let task_id = grant.scope.tid;
    if query.task_id.as_deref() != Some(task_id.as_str()) {
        return close_widget(
            widget,
            relay_close::NOT_ALLOWED,
            "This token is for another task",
        )
        .await;
    }
    if !aui.relay.origin_matches(origin.as_deref(), &grant.origin) {
        return close_widget(
            widget,
            relay_close::NOT_ALLOWED,
            "This page's origin may not use this relay",
        )
        .await;
    }
    let (key, base) = match upstream(&aui) {
        Ok(pair) => pair,
        Err(message) => return close_widget(widget, relay_close::TRY_AGAIN_LATER, &message).await,
    };
    let config = &aui.relay.config;
    let url = upstream_socket_url(&base, &key);
    let upstream = match outbound::socket(&url, &[], config.upstream_timeout).await {
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
    // A widget frame may only speak for the token's task.
    let same_task = |frame: &str| {
        if task_of(frame.as_bytes()).as_deref() == Some(task_id.as_str()) {
            Ok(())
        } else {
            Err("A frame named another task than this connection's")
        }
    };
    let how = Forwarding {
        key: &key,
        platform: "AUI",
        max_messages_per_minute: config.max_messages_per_minute,
        closes: Closes {
            rate_limited: relay_close::RATE_LIMITED,
            not_allowed: relay_close::NOT_ALLOWED,
            try_again_later: relay_close::TRY_AGAIN_LATER,
        },
        check: &same_task,
        pass_close: |code| code,
    };
    forward(widget, upstream, how).await;
}
