//! The REST side every dialect shares: what a failed call answers, keys and bearers, and
//! (behind `--control`) the test-control routes: read what a session recorded, make the
//! agent say any text, close or expire its socket, refuse connections, count faults.

use crate::channels::Outbound;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// A failed call's answer: `{"error": {"code", "message"}}` (live-demo's shape, which the
/// control routes share so tests read one error format).
pub fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let body = serde_json::json!({"error": {"code": code, "message": message.into()}});
    (status, Json(body)).into_response()
}

/// The credential of `Authorization: Bearer …`.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Whether a site's public key is accepted: the configured ones, or any test/live key.
pub fn public_key_ok(state: &AppState, key: &str) -> bool {
    if state.config.public_keys.is_empty() {
        key.starts_with("pk_test_") || key.starts_with("pk_live_")
    } else {
        state.config.public_keys.iter().any(|k| k == key)
    }
}

/// `GET /control/sessions/{id}`: what the session recorded (only with `--control`).
pub async fn session_record(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match state.sessions.with(&id, |s| (s.record.clone(), s.ended)) {
        Some((record, ended)) => Json(serde_json::json!({
            "record": record,
            "ended": ended,
        }))
        .into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            "SESSION_NOT_FOUND",
            "Session does not exist",
        ),
    }
}

/// What `POST /control/sessions/{id}/say` sends: any text, as the agent's.
#[derive(Debug, serde::Deserialize)]
pub struct Say {
    pub text: String,
    #[serde(default)]
    pub suggestions: Vec<String>,
}

/// `POST /control/sessions/{id}/say` with `{text, suggestions?}`: the agent says exactly
/// this on the session's socket (tests send markup and attacks the script never would).
pub async fn say(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(say): Json<Say>,
) -> Response {
    let reply = docent_protocol::Reply {
        text: say.text,
        speech: None,
        commands: Vec::new(),
        suggestions: say.suggestions,
        agent_id: None,
        reply_to: None,
    };
    let sent = state
        .sessions
        .with(&id, |s| {
            s.current_out.as_ref().is_some_and(|out| {
                out.send(Outbound::Say(docent_protocol::Outgoing::Reply(reply)))
                    .is_ok()
            })
        })
        .unwrap_or(false);
    Json(serde_json::json!({"sent": sent})).into_response()
}

/// `POST /control/sessions/{id}/close?code=N`: close the session's socket with that code.
pub async fn close_session_socket(
    State(state): State<AppState>,
    Path(id): Path<String>,
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    let code = query
        .get("code")
        .and_then(|c| c.parse::<u16>().ok())
        .unwrap_or(1011);
    let sent = state
        .sessions
        .with(&id, |s| {
            s.current_out.as_ref().is_some_and(|out| {
                out.send(Outbound::Close(code, "closed by control".into()))
                    .is_ok()
            })
        })
        .unwrap_or(false);
    Json(serde_json::json!({"closed": sent, "code": code})).into_response()
}

/// `POST /control/sessions/{id}/expire`: the session expires now (its socket is told so).
pub async fn expire_session(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let found = state
        .sessions
        .with(&id, |s| {
            s.last_activity = std::time::Instant::now()
                - state.config.idle_timeout
                - std::time::Duration::from_secs(1);
            s.expired_signal.notify_waiters();
        })
        .is_some();
    Json(serde_json::json!({"expired": found})).into_response()
}

/// `POST /control/refuse?ms=N`: refuse new sockets (HTTP 503) for N milliseconds.
pub async fn refuse_connections(
    State(state): State<AppState>,
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    let ms = query
        .get("ms")
        .and_then(|m| m.parse::<u64>().ok())
        .unwrap_or(5_000);
    state
        .faults
        .refuse_for(std::time::Duration::from_millis(ms));
    Json(serde_json::json!({"refusingMs": ms})).into_response()
}

/// `GET /control/faults`: frames sent, sockets dropped, malformed frames sent.
pub async fn fault_counts(State(state): State<AppState>) -> Response {
    Json(state.faults.counts()).into_response()
}
