//! Docent's Amigo relay: for a site that cannot mint short-lived Amigo tokens for the
//! browser, the relay holds the Amigo key and the widget talks to it instead (the contract
//! is `docent_protocol::amigo::relay`'s module documentation; this is its server side).
//!
//! - `POST /relay/amigo/token` (`Authorization: Bearer <site public key>`, body
//!   `{workspace_id, service_id, entity_id, tool_events?}`): checks the key, the page's
//!   `Origin` and the ids, and answers the ids with a token bound to them and to the origin.
//!   Nothing is called upstream: Amigo's socket itself starts or resumes the thread.
//! - `GET /relay/amigo/v1/{workspace_id}/sessions/connect?service_id=…&entity_id=…
//!   &tool_events=…&token=…` (WebSocket, no subprotocol): checks the token, the origin and
//!   that the ids are the token's, opens Amigo's socket at the same path with
//!   `Sec-WebSocket-Protocol: auth, <key>`, and forwards text frames verbatim both ways.
//!   The upstream URL is built from the token's ids, never from the page's query.
//!
//! Stateless, as every relay (`crate::relay`): tokens are HS256 JWTs with the audience
//! `docent-amigo-relay`, so relays that share the signing secret and the upstream serve
//! the same visitors, and no AUI relay token or session token passes for one.
//!
//! Close codes toward the widget: Amigo's own passed on (4000, 4001, 4004, 4503, 1000 after
//! `idle_timeout`, …), except that an upstream 4401 becomes 4001; the relay's own are 4401
//! (token missing, invalid or expired), 4003 (origin, or another thread than the token's),
//! 4000 (a bad `tool_events`), 4029 (too many connections or messages) and 1013 (Amigo
//! unreachable, or the relay has no key). When Amigo refuses the handshake with an HTTP
//! status instead of a close code, the relay closes with the code Amigo means by it: 400 →
//! 4000, 401 → 4001, 403 → 4003, 404 → 4004, 429 → 4029, anything else → 1013.

use crate::relay::outbound::{self, UpstreamError};
use crate::relay::{close_widget, forward, origin_of, Closes, Forwarding, Relay, TokenProblem};
use crate::rest::error;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use docent_protocol::amigo::relay::{
    relay_close, relay_codes, RelayToken, TokenRequest, SOCKET_PREFIX, TOKEN_PATH,
};
use docent_protocol::amigo::{close, is_token_char, is_uuid, socket_path, AUTH_PROTOCOL};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// The audience of Amigo relay tokens.
const AUDIENCE: &str = "docent-amigo-relay";
const PLATFORM: &str = "Amigo";

/// The relay, as its handlers find it (a type of its own, so no other relay's state is
/// mistaken for it).
#[derive(Clone)]
struct AmigoRelay(Arc<Relay>);

/// What an Amigo relay token reaches: one thread (workspace + service + entity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ThreadScope {
    ws: String,
    svc: String,
    ent: String,
}

pub fn routes(relay: Arc<Relay>) -> Router<AppState> {
    Router::new()
        .route(TOKEN_PATH, post(token))
        .route(
            &format!("{SOCKET_PREFIX}/v1/{{workspace_id}}/sessions/connect"),
            get(connect),
        )
        .layer(Extension(AmigoRelay(relay)))
}

fn log(what: &str) {
    crate::relay::log("amigo relay", what);
}

/// The key and the upstream base, or why the relay cannot reach Amigo. The key must be
/// able to travel as a subprotocol value (said here, since the page cannot fix it).
fn upstream(relay: &Relay) -> Result<(String, String), String> {
    let (key, base) = relay.upstream(PLATFORM)?;
    if key == AUTH_PROTOCOL || !key.chars().all(is_token_char) {
        log("the Amigo key cannot travel as a WebSocket subprotocol (`auth, <key>`)");
        return Err("The relay's Amigo key cannot be used: see the relay's log".into());
    }
    Ok((key, base))
}

fn invalid(message: impl Into<String>) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        relay_codes::INVALID_REQUEST,
        message,
    )
}

/// `POST /relay/amigo/token`.
async fn token(
    State(state): State<AppState>,
    Extension(AmigoRelay(relay)): Extension<AmigoRelay>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let origin = match relay.admit_page(&state, &headers) {
        Ok(origin) => origin,
        Err(refused) => return *refused,
    };
    let Ok(request) = serde_json::from_slice::<TokenRequest>(&body) else {
        return invalid(
            "The body must be {\"workspace_id\", \"service_id\", \"entity_id\", \
             \"tool_events\"?: true|false}",
        );
    };
    for (name, value) in [
        ("workspace_id", &request.workspace_id),
        ("service_id", &request.service_id),
        ("entity_id", &request.entity_id),
    ] {
        if !is_uuid(value.trim()) {
            return invalid(format!("{name} must be a UUID"));
        }
    }
    if let Err(message) = upstream(&relay) {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            relay_codes::UPSTREAM_UNAVAILABLE,
            message,
        );
    }
    let scope = ThreadScope {
        ws: request.workspace_id.trim().to_ascii_lowercase(),
        svc: request.service_id.trim().to_ascii_lowercase(),
        ent: request.entity_id.trim().to_ascii_lowercase(),
    };
    let answer = RelayToken {
        token: relay.issue(AUDIENCE, &scope, &origin.unwrap_or_default()),
        expires_in: Some(relay.config.token_lifetime.as_secs()),
        workspace_id: scope.ws,
        service_id: scope.svc,
        entity_id: scope.ent,
        tool_events: request.tool_events,
    };
    (StatusCode::OK, axum::Json(answer)).into_response()
}

/// What the page's socket asked for.
struct Asked {
    workspace_id: String,
    query: HashMap<String, String>,
    origin: Option<String>,
}

/// `GET /relay/amigo/v1/{workspace_id}/sessions/connect?…&token=…`.
async fn connect(
    ws: WebSocketUpgrade,
    Extension(AmigoRelay(relay)): Extension<AmigoRelay>,
    Path(workspace_id): Path<String>,
    headers: HeaderMap,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let asked = Asked {
        workspace_id,
        // An unreadable query has no token: refused as such.
        query: query.map(|Query(q)| q).unwrap_or_default(),
        origin: origin_of(&headers),
    };
    // No subprotocol is selected: the page offers none (its token rides in the query).
    ws.on_upgrade(move |socket| serve(socket, relay, asked))
}

/// Whether the page asked for exactly the token's thread.
fn same_thread(scope: &ThreadScope, asked: &Asked) -> bool {
    let id = |value: Option<&String>| value.map(|v| v.trim().to_ascii_lowercase());
    id(Some(&asked.workspace_id)).as_deref() == Some(scope.ws.as_str())
        && id(asked.query.get("service_id")).as_deref() == Some(scope.svc.as_str())
        && id(asked.query.get("entity_id")).as_deref() == Some(scope.ent.as_str())
}

/// The close code Amigo means by refusing its handshake with an HTTP status.
fn refusal_code(status: u16) -> u16 {
    match status {
        400 => close::INVALID_PARAMETERS,
        401 => close::AUTH_FAILED,
        403 => close::FORBIDDEN,
        404 => close::NOT_FOUND,
        429 => close::RATE_LIMITED,
        _ => relay_close::TRY_AGAIN_LATER,
    }
}

/// Amigo's close codes pass on, but never as the relay's own 4401.
fn pass_close(code: u16) -> u16 {
    if code == relay_close::TOKEN_REJECTED {
        close::AUTH_FAILED
    } else {
        code
    }
}

async fn serve(widget: WebSocket, relay: Arc<Relay>, asked: Asked) {
    let Some(_admitted) = relay.admit() else {
        return close_widget(
            widget,
            relay_close::RATE_LIMITED,
            "Too many connections: try again shortly",
        )
        .await;
    };
    let checked = asked
        .query
        .get("token")
        .map(|token| relay.check::<ThreadScope>(AUDIENCE, token));
    let grant = match checked {
        Some(Ok(grant)) => grant,
        Some(Err(TokenProblem::Expired)) => {
            return close_widget(
                widget,
                relay_close::TOKEN_REJECTED,
                "The relay token has expired: get a new one",
            )
            .await
        }
        _ => {
            return close_widget(
                widget,
                relay_close::TOKEN_REJECTED,
                "The relay token is missing or not valid: get a new one",
            )
            .await
        }
    };
    if !relay.origin_matches(asked.origin.as_deref(), &grant.origin) {
        return close_widget(
            widget,
            relay_close::NOT_ALLOWED,
            "This page's origin may not use this relay",
        )
        .await;
    }
    if !same_thread(&grant.scope, &asked) {
        return close_widget(
            widget,
            relay_close::NOT_ALLOWED,
            "This token is for another workspace, service or entity",
        )
        .await;
    }
    let tool_events = match asked.query.get("tool_events").map(|v| v.trim()) {
        None | Some("") => false,
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        Some(_) => {
            return close_widget(
                widget,
                relay_close::INVALID_PARAMETERS,
                "tool_events must be true or false",
            )
            .await
        }
    };
    let (key, base) = match upstream(&relay) {
        Ok(pair) => pair,
        Err(message) => {
            return close_widget(widget, relay_close::TRY_AGAIN_LATER, &message).await;
        }
    };
    let scope = &grant.scope;
    let url = outbound::socket_url(
        &base,
        &socket_path(&scope.ws, &scope.svc, &scope.ent, tool_events),
    );
    let credential = format!("{AUTH_PROTOCOL}, {key}");
    let headers = [("sec-websocket-protocol", credential.as_str())];
    let config = &relay.config;
    let upstream = match outbound::socket(&url, &headers, config.upstream_timeout).await {
        Ok(socket) => socket,
        Err(UpstreamError::Refused(status)) => {
            log(&format!("Amigo refused the socket (HTTP {status})"));
            let reason = format!("Amigo refused the connection (HTTP {status})");
            return close_widget(widget, refusal_code(status), &reason).await;
        }
        Err(failure) => {
            log(&format!("cannot open Amigo's socket: {failure:?}"));
            return close_widget(
                widget,
                relay_close::TRY_AGAIN_LATER,
                "Amigo cannot be reached; try again later",
            )
            .await;
        }
    };
    let how = Forwarding {
        key: &key,
        platform: PLATFORM,
        max_messages_per_minute: config.max_messages_per_minute,
        closes: Closes {
            rate_limited: relay_close::RATE_LIMITED,
            not_allowed: relay_close::NOT_ALLOWED,
            try_again_later: relay_close::TRY_AGAIN_LATER,
        },
        // Amigo's frames name no thread (the socket is the thread): nothing to check.
        check: &|_| Ok(()),
        pass_close,
    };
    forward(widget, upstream, how).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_relays_own_token_code_is_never_passed_on_from_amigo() {
        assert_eq!(pass_close(relay_close::TOKEN_REJECTED), close::AUTH_FAILED);
        for code in [1000, 1011, 4000, 4001, 4004, 4029, 4503] {
            assert_eq!(pass_close(code), code);
        }
        assert_eq!(refusal_code(401), close::AUTH_FAILED);
        assert_eq!(refusal_code(502), relay_close::TRY_AGAIN_LATER);
    }

    #[test]
    fn a_token_is_for_one_thread_whatever_the_case_of_its_ids() {
        let scope = ThreadScope {
            ws: "aa".into(),
            svc: "bb".into(),
            ent: "cc".into(),
        };
        let asked = |ws: &str, svc: &str, ent: &str| Asked {
            workspace_id: ws.into(),
            query: [("service_id", svc), ("entity_id", ent)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            origin: None,
        };
        assert!(same_thread(&scope, &asked("AA", "bb", " cc")));
        assert!(!same_thread(&scope, &asked("aa", "bb", "cd")));
        assert!(!same_thread(&scope, &asked("aa", "bx", "cc")));
    }
}
