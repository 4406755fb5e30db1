//! The REST side: create and end sessions, and (behind `--control`) read what one recorded.

use crate::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use docent_protocol::live_demo::{ErrorPayload, HttpError, SessionRequest, SessionResponse};

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let body = HttpError {
        error: ErrorPayload {
            code: code.into(),
            message: message.into(),
        },
    };
    (status, Json(body)).into_response()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

fn public_key_ok(state: &AppState, key: &str) -> bool {
    if state.config.public_keys.is_empty() {
        key.starts_with("pk_test_") || key.starts_with("pk_live_")
    } else {
        state.config.public_keys.iter().any(|k| k == key)
    }
}

/// `POST /api/v1/session` with `Authorization: Bearer pk_…` and `{productId, visitorMeta?}`.
pub async fn create_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Response {
    match bearer(&headers) {
        None => {
            return error(
                StatusCode::UNAUTHORIZED,
                "AUTH_REQUIRED",
                "Send your public key as `Authorization: Bearer pk_…`",
            )
        }
        Some(key) if !public_key_ok(&state, key) => {
            return error(
                StatusCode::UNAUTHORIZED,
                "INVALID_KEY",
                "This public key is not valid",
            )
        }
        Some(_) => {}
    }
    let Json(value) = match body {
        Ok(body) => body,
        Err(rejection) => {
            return error(
                StatusCode::BAD_REQUEST,
                "INVALID_JSON",
                rejection.body_text(),
            )
        }
    };
    let request: SessionRequest = match serde_json::from_value(value) {
        Ok(request) => request,
        Err(e) => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "INVALID_REQUEST",
                e.to_string(),
            )
        }
    };
    if request.product_id.trim().is_empty() {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "INVALID_REQUEST",
            "`productId` is empty",
        );
    }
    if !state.script.accepts_product(&request.product_id) {
        return error(
            StatusCode::NOT_FOUND,
            "PDP_NOT_FOUND",
            format!("No demo is configured for product `{}`", request.product_id),
        );
    }
    let meta = request
        .visitor_meta
        .map(|m| serde_json::to_value(m).unwrap_or_default());
    let session_id = state.sessions.create(request.product_id, meta);
    let response = SessionResponse {
        token: state.tokens.issue(&session_id),
        session_id,
        greeting: state.script.greeting.clone(),
        agent: state.script.profile(),
    };
    (StatusCode::OK, Json(response)).into_response()
}

/// `POST /api/v1/session/{id}/end`, authorised by the session's token or a public key.
pub async fn end_session(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let authorised = match bearer(&headers) {
        Some(key) if public_key_ok(&state, key) => true,
        Some(token) => state.tokens.check(token).is_ok_and(|sid| sid == id),
        None => false,
    };
    if !authorised {
        return error(
            StatusCode::UNAUTHORIZED,
            "INVALID_TOKEN",
            "Send the session token as `Authorization: Bearer …`",
        );
    }
    if state.sessions.end(&id) {
        (StatusCode::OK, Json(serde_json::json!({"ended": true}))).into_response()
    } else {
        error(
            StatusCode::NOT_FOUND,
            "SESSION_NOT_FOUND",
            "Session does not exist",
        )
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
                out.send(crate::socket::Outbound::Close(code, "closed by control"))
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
