//! Docent's Amigo relay: the widget's way to Amigo for a site that cannot mint short-lived
//! tokens for the browser. The relay (part of `docent-server`) holds the Amigo key, so the
//! page never sees it; the widget talks to the relay as it would to Amigo, with a relay
//! token in place of the key. This is the relay's widget-facing contract; the widget speaks
//! it with `data-relay="true"` ([`RELAY_OPTION`]).
//!
//! **Get a token.** `POST /relay/amigo/token` ([`TOKEN_PATH`]) with
//! `Authorization: Bearer <site public key>` (`data-public-key`) and the body
//! [`TokenRequest`]: `{"workspace_id", "service_id", "entity_id", "tool_events"}`. The
//! relay checks the key, the page's `Origin` and the ids (UUIDs), calls nothing upstream,
//! and answers [`RelayToken`]: the same ids and `tool_events`, `token` (HS256, short-lived,
//! bound to the workspace, service, entity and origin) and `expires_in` (seconds).
//! Failures are `{"error": {"code", "message"}}` with 401 `KEY_REJECTED`, 403
//! `ORIGIN_NOT_ALLOWED`, 400 `INVALID_REQUEST`, 503 `UPSTREAM_UNAVAILABLE` (the relay has
//! no Amigo key).
//!
//! **Connect.** A WebSocket to `/relay/amigo` + Amigo's own path and query +
//! `&token=…` ([`socket_path`]), with no subprotocol: the relay checks the token
//! (signature, expiry, ids, origin), opens Amigo's socket with `auth, <key>` and forwards
//! text frames unchanged both ways, close codes included. Its own close codes
//! ([`relay_close`]): 4401 (token missing, invalid or expired: get a new one), 4003 (origin,
//! or a thread the token is not for), 4000 (a bad `tool_events`), 4029 (too many
//! connections or messages), 1013 (Amigo unreachable: try again later). An upstream close
//! with 4401 is passed on as 4001, so 4401 always means the relay's token.

use serde::{Deserialize, Serialize};

/// `POST` here (on the relay) for a token.
pub const TOKEN_PATH: &str = "/relay/amigo/token";
/// The relay's socket paths are Amigo's under this prefix.
pub const SOCKET_PREFIX: &str = "/relay/amigo";
/// The host-page option that sends the widget through the relay (`data-relay="true"`).
pub const RELAY_OPTION: &str = "relay";

/// The relay's own close codes (beside Amigo's, which it passes on).
pub mod relay_close {
    /// The token is missing, invalid or expired: get a new one (the thread continues).
    pub const TOKEN_REJECTED: u16 = 4401;
    /// The page's origin, or the thread asked for, is not the token's (Amigo's "forbidden").
    pub const NOT_ALLOWED: u16 = super::super::close::FORBIDDEN;
    /// `tool_events` is not `true` or `false` (Amigo's "invalid parameters").
    pub const INVALID_PARAMETERS: u16 = super::super::close::INVALID_PARAMETERS;
    /// Too many connections or messages (Amigo's rate limit).
    pub const RATE_LIMITED: u16 = super::super::close::RATE_LIMITED;
    /// Amigo could not be reached; try again later (RFC 6455 "Try Again Later").
    pub const TRY_AGAIN_LATER: u16 = 1013;
}

/// The relay's error codes (`{"error": {"code", "message"}}`).
pub mod relay_codes {
    pub const KEY_REJECTED: &str = "KEY_REJECTED";
    pub const ORIGIN_NOT_ALLOWED: &str = "ORIGIN_NOT_ALLOWED";
    pub const INVALID_REQUEST: &str = "INVALID_REQUEST";
    pub const UPSTREAM_UNAVAILABLE: &str = "UPSTREAM_UNAVAILABLE";
}

/// The body of `POST /relay/amigo/token`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenRequest {
    pub workspace_id: String,
    pub service_id: String,
    pub entity_id: String,
    #[serde(default)]
    pub tool_events: bool,
}

/// The relay's answer: what the token is for, and the token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelayToken {
    pub token: String,
    /// Seconds the token stays valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    pub workspace_id: String,
    pub service_id: String,
    pub entity_id: String,
    #[serde(default)]
    pub tool_events: bool,
}

/// `/relay/amigo/v1/{workspace_id}/sessions/connect?service_id=…&entity_id=…&tool_events=…&token=…`.
pub fn socket_path(
    workspace_id: &str,
    service_id: &str,
    entity_id: &str,
    tool_events: bool,
    token: &str,
) -> String {
    format!(
        "{SOCKET_PREFIX}{}&token={}",
        super::socket_path(workspace_id, service_id, entity_id, tool_events),
        super::percent_encode(token)
    )
}
