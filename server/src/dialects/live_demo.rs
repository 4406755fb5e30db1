//! The live-demo dialect's routes (seed 002): `POST /api/v1/session` creates a session,
//! `POST /api/v1/session/{id}/end` ends it, and `/ws/session/{id}?token=…` is its socket,
//! served by the neutral connection loop with [`LiveDemoServer`].

use crate::connection;
use crate::rest::{bearer, error, public_key_ok};
use crate::state::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use docent_protocol::live_demo::{
    AgentProfile, LiveDemoServer, SessionRequest, SessionResponse, SESSION_PATH,
};
use serde::Deserialize;
use std::sync::Arc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(SESSION_PATH, post(create_session))
        .route("/api/v1/session/{id}/end", post(end_session))
        .route("/ws/session/{id}", get(upgrade))
}

#[derive(Debug, Deserialize)]
struct SocketQuery {
    token: Option<String>,
}

/// `GET /ws/session/{id}?token=…`: the token travels in the query (browsers cannot set
/// headers on a WebSocket).
async fn upgrade(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<SocketQuery>,
) -> Response {
    connection::upgrade(ws, state, Arc::new(LiveDemoServer), id, query.token)
}

/// `POST /api/v1/session` with `Authorization: Bearer pk_…` and `{productId, visitorMeta?}`.
async fn create_session(
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
        agent: AgentProfile {
            name: state.script.agent.name.clone(),
            tone: state.script.agent.tone.clone(),
        },
    };
    (StatusCode::OK, Json(response)).into_response()
}

/// `POST /api/v1/session/{id}/end`, authorised by the session's token or a public key.
async fn end_session(
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
