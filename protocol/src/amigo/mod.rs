//! The Amigo dialect (seed 004, with the event shapes of `shared/PROTOCOLS.md`): one
//! persistent socket at `/v1/{workspace_id}/sessions/connect?service_id=…&entity_id=…&tool_events=…`,
//! authorised by the subprotocol pair `auth, <key>`. The socket itself starts or resumes the
//! conversation (same entity + service continues the thread), so there is no REST call.
//!
//! Client frames are flat (`{"type": "user_text", "text": …}`); server frames are
//! `{"event": …, "data": {…}}`. Both directions are here so the widget and a reference
//! server can share one codec.
//!
//! What seed 004 leaves open, and what this codec chose:
//! - **No JSON examples.** The seed's "Example" section is empty; the shapes of the turn
//!   events come from PROTOCOLS.md, the field names of `session.created` from the seed's prose.
//! - **Characters** in "1 to 10,000 characters" are counted as Unicode scalar values
//!   (`str::chars`), as a Python server's `len()` does.
//!   [`user_text_problem`] says why a text is out of range; the codec still sends such a
//!   text (the server answers `client_error`) rather than drop it silently.
//! - **`message.role`**: a `message` with role `user` is taken as the echo of the
//!   visitor's own text and shows nothing; any other role (or none) is the agent's reply.
//! - **Turn end**: `message` carries the whole reply and ends what `token`s streamed; `done`
//!   ends the turn, and becomes the reply only if tokens streamed without a `message`.
//!   `done.status` values are not documented and are not interpreted.
//! - **`upstream_error`** is retryable "depending on status": the frame's own `retryable`
//!   decides when present, otherwise a `status_code` of 429 or 5xx does.
//! - **Fatal errors** are not marked on the wire; the close that follows a fatal error says
//!   what to do, so no error event is `fatal` here.
//! - **`thinking.tier`** has no documented type; it is kept as raw JSON.
//! - **Resume**: PROTOCOLS.md speaks of reconnecting "with `conversation_id`", but the seed's
//!   endpoint has no such parameter and resolves the thread by entity + service; the seed wins,
//!   so the socket path never carries a conversation id.
//! - **Heartbeats**: the seed has no keep-alive message; the SDK's "reconnect after 45 s of
//!   silence" is a client policy ([`SILENCE_RECONNECT_MS`]), not a frame.
//! - **Close codes**: the seed's 4000, 4001 and 4004 and the SDK's terminal codes are `Final`
//!   (there is no session to renew: a new one would be the same connect, refused the same way);
//!   4503 is `Retry`, 4029 `RateLimited`, 1000 `Final`, 1001 and anything unknown `Retry`. Which
//!   code follows `idle_timeout` is not said; if it is 1000, the chat ends rather than
//!   reconnecting into another idle window. 4003/4403 are read as "credentials not accepted"
//!   and 4100's meaning is undocumented.
//! - **Reasons**: the neutral [`ErrorCode`](crate::model::ErrorCode) gets no new variants (the
//!   widget matches it exhaustively); 4001/4003/4403 are `InvalidToken`, the rest of the
//!   seed's reasons and every Amigo error code travel as `ErrorCode::Other` with a stable
//!   snake_case name (`invalid_parameters`, `not_found`, `unavailable`, `rate_limited`, and
//!   the wire's own error codes).
//! - **Settings**: ids must be canonical hyphenated UUIDs; surrounding whitespace of ids and
//!   key is dropped. `tool-events` is `true`/`false` (any case), `false` when not set.
//!   The session handle holds the key, since the socket carries it on every connect.
//! - **Through Docent's relay** (`data-relay="true"`, for a site that cannot mint
//!   short-lived tokens for the browser): the session starts with a call for a relay token
//!   ([`relay`]) and the socket goes to the relay, which adds `auth, <key>` upstream; the
//!   page never holds the key. The relay's own 4401 (token rejected) asks for a new token
//!   (`NewSession`: the thread continues); every other code reads as Amigo's.

use crate::dialect::DecodeError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

mod client;
pub mod relay;
mod server;
pub use client::{Amigo, AmigoDecoder};
pub use server::{wire_code, AmigoServer};

/// The first `Sec-WebSocket-Protocol` value; the key follows it.
pub const AUTH_PROTOCOL: &str = "auth";
/// The longest `user_text` the server accepts, in characters.
pub const USER_TEXT_MAX_CHARS: usize = 10_000;
/// The vendor SDK forces a reconnect after this much silence on the socket.
pub const SILENCE_RECONNECT_MS: u32 = 45_000;

/// Close codes of seed 004 and of the vendor's SDK (PROTOCOLS.md).
pub mod close {
    /// The server's normal close.
    pub const NORMAL: u16 = 1000;
    /// The server is going away (restart, deploy).
    pub const GOING_AWAY: u16 = 1001;
    /// Policy violation: terminal in the vendor SDK.
    pub const POLICY_VIOLATION: u16 = 1008;
    /// Seed: invalid workspace id, service id, entity id, or a missing parameter.
    pub const INVALID_PARAMETERS: u16 = 4000;
    /// Seed: missing, invalid or expired credentials.
    pub const AUTH_FAILED: u16 = 4001;
    /// SDK: terminal (forbidden).
    pub const FORBIDDEN: u16 = 4003;
    /// Seed: workspace inactive, service or entity not found.
    pub const NOT_FOUND: u16 = 4004;
    /// SDK: rate limited.
    pub const RATE_LIMITED: u16 = 4029;
    /// SDK: terminal; its meaning is not documented.
    pub const SDK_TERMINAL: u16 = 4100;
    /// SDK: terminal (forbidden).
    pub const SDK_FORBIDDEN: u16 = 4403;
    /// Seed: agent engine down, or session creation timed out.
    pub const UNAVAILABLE: u16 = 4503;
}

/// The `error.code` values of seed 004 and PROTOCOLS.md.
pub mod error_code {
    /// Invalid message format, unknown type, missing text, or text too long. Not retryable.
    pub const CLIENT_ERROR: &str = "client_error";
    /// The agent engine returned an error. Retryable depending on status.
    pub const UPSTREAM_ERROR: &str = "upstream_error";
    /// The connection to the agent engine was interrupted. Retryable.
    pub const STREAM_INTERRUPTED: &str = "stream_interrupted";
    /// The agent did not complete the turn in time. Retryable.
    pub const TURN_TIMEOUT: &str = "turn_timeout";
    /// No message within the idle window. Retryable.
    pub const IDLE_TIMEOUT: &str = "idle_timeout";
    /// Seen in the vendor's SDK (PROTOCOLS.md), not in the seed.
    pub const UNKNOWN: &str = "unknown";
}

/// The socket's path and query. Ids are validated UUIDs (see [`is_uuid`]) before they get
/// here; they are percent-encoded anyway, so nothing else can bend the path.
pub fn socket_path(
    workspace_id: &str,
    service_id: &str,
    entity_id: &str,
    tool_events: bool,
) -> String {
    format!(
        "/v1/{}/sessions/connect?service_id={}&entity_id={}&tool_events={tool_events}",
        percent_encode(workspace_id),
        percent_encode(service_id),
        percent_encode(entity_id),
    )
}

fn percent_encode(text: &str) -> String {
    crate::live_demo::percent_encode(text)
}

/// A UUID in its canonical hyphenated form (`8-4-4-4-12` hex digits, either case).
pub fn is_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// An RFC 7230 `tchar`: what a `Sec-WebSocket-Protocol` value (RFC 6455) may be made of.
pub fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || (c.is_ascii() && b"!#$%&'*+-.^_`|~".contains(&(c as u8)))
}

/// Why seed 004 would refuse this `user_text`, in plain words; `None` when it is fine.
pub fn user_text_problem(text: &str) -> Option<String> {
    let chars = text.chars().count();
    if chars == 0 {
        Some("A message must have at least 1 character.".into())
    } else if chars > USER_TEXT_MAX_CHARS {
        Some(format!(
            "A message can have at most 10,000 characters; this one has {chars}."
        ))
    } else {
        None
    }
}

// ---------------------------------------------------------------- client frames

/// Frames the widget sends: `{"type": "user_text", "text": …}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    UserText(UserText),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserText {
    pub text: String,
}

impl ClientMessage {
    /// Reads a frame sent by a widget (the server's side of the codec). The length rule is
    /// the server's to enforce, with [`user_text_problem`]; this reads the shape only.
    pub fn parse(frame: &str) -> Result<ClientMessage, DecodeError> {
        let mut object = object_of(frame)?;
        let message_type = match object.remove("type") {
            Some(Value::String(name)) => name,
            _ => return Err(DecodeError::MissingType),
        };
        if message_type != "user_text" {
            return Err(unknown(&message_type));
        }
        Ok(ClientMessage::UserText(body(
            &message_type,
            Value::Object(object),
        )?))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("client messages always serialize")
    }
}

// ---------------------------------------------------------------- server frames

/// Frames the server sends: `{"event": …, "data": {…}}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", content = "data", rename_all = "snake_case")]
pub enum ServerEvent {
    #[serde(rename = "session.created")]
    SessionCreated(SessionCreated),
    Token(Token),
    Thinking(Thinking),
    ToolCallStarted(ToolCallStarted),
    ToolCallCompleted(ToolCallCompleted),
    Message(MessageEvent),
    Done(Done),
    Error(ErrorEvent),
}

/// Every server event name, in the order of PROTOCOLS.md (after the seed's `session.created`).
pub const SERVER_EVENTS: [&str; 8] = [
    "session.created",
    "token",
    "tool_call_started",
    "tool_call_completed",
    "thinking",
    "message",
    "done",
    "error",
];

/// Sent right after the connection is accepted, with the resolved thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionCreated {
    pub conversation_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
}

/// A piece of the agent's reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Token {
    pub text: String,
}

/// The agent is working (on some reasoning tier).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Thinking {
    /// Undocumented type: kept as it came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier_name: Option<String>,
}

/// A tool started (only with `tool_events=true`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCallStarted {
    pub tool_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<Value>,
}

/// A tool finished (only with `tool_events=true`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCallCompleted {
    pub tool_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub succeeded: Option<bool>,
}

/// A whole message of the turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    pub text: String,
}

/// The turn is complete.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Done {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn_count: Option<u64>,
}

/// Something went wrong during a turn; see [`error_code`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorEvent {
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retryable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
}

impl ErrorEvent {
    /// Whether trying again may work: the seed's table, with `upstream_error` decided by the
    /// frame's own `retryable`, else by its HTTP status (429 or 5xx).
    pub fn is_retryable(&self) -> bool {
        match self.code.as_str() {
            error_code::STREAM_INTERRUPTED
            | error_code::TURN_TIMEOUT
            | error_code::IDLE_TIMEOUT => true,
            error_code::CLIENT_ERROR => false,
            error_code::UPSTREAM_ERROR => self.retryable.unwrap_or_else(|| {
                self.status_code
                    .is_some_and(|s| s == 429 || (500..600).contains(&s))
            }),
            _ => self.retryable.unwrap_or(false),
        }
    }
}

impl ServerEvent {
    /// Reads a frame sent by the server. A missing `data` reads as `{}`.
    pub fn parse(frame: &str) -> Result<ServerEvent, DecodeError> {
        let mut object = object_of(frame)?;
        let name = match object.remove("event") {
            Some(Value::String(name)) => name,
            _ => return Err(DecodeError::MissingType),
        };
        let data = object
            .remove("data")
            .unwrap_or_else(|| Value::Object(Map::new()));
        // Dispatching by hand keeps serde's buffering deserializer out of the wasm.
        Ok(match name.as_str() {
            "session.created" => ServerEvent::SessionCreated(body(&name, data)?),
            "token" => ServerEvent::Token(body(&name, data)?),
            "thinking" => ServerEvent::Thinking(body(&name, data)?),
            "tool_call_started" => ServerEvent::ToolCallStarted(body(&name, data)?),
            "tool_call_completed" => ServerEvent::ToolCallCompleted(body(&name, data)?),
            "message" => ServerEvent::Message(body(&name, data)?),
            "done" => ServerEvent::Done(body(&name, data)?),
            "error" => ServerEvent::Error(body(&name, data)?),
            _ => return Err(unknown(&name)),
        })
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("server events always serialize")
    }
}

fn object_of(frame: &str) -> Result<Map<String, Value>, DecodeError> {
    match serde_json::from_str(frame) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(DecodeError::NotAnObject),
        Err(e) => Err(DecodeError::NotJson(e.to_string())),
    }
}

fn unknown(name: &str) -> DecodeError {
    DecodeError::UnknownType(name.chars().take(64).collect())
}

fn body<T: DeserializeOwned>(message_type: &str, data: Value) -> Result<T, DecodeError> {
    serde_json::from_value(data).map_err(|e| DecodeError::BadField {
        message_type: message_type.to_string(),
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_canonical_hyphenated_hex() {
        assert!(is_uuid("3f2b8c1e-9a4d-4e6f-8b7a-0c1d2e3f4a5b"));
        assert!(is_uuid("3F2B8C1E-9A4D-4E6F-8B7A-0C1D2E3F4A5B"));
        assert!(!is_uuid("3f2b8c1e9a4d4e6f8b7a0c1d2e3f4a5b"));
        assert!(!is_uuid("3f2b8c1e-9a4d-4e6f-8b7a-0c1d2e3f4a5g"));
        assert!(!is_uuid("{3f2b8c1e-9a4d-4e6f-8b7a-0c1d2e3f4a5b}"));
        assert!(!is_uuid(""));
    }

    #[test]
    fn the_socket_path_carries_every_parameter_and_tool_events_explicitly() {
        let path = socket_path("w", "s", "e", false);
        assert_eq!(
            path,
            "/v1/w/sessions/connect?service_id=s&entity_id=e&tool_events=false"
        );
        assert!(socket_path("w", "s", "e", true).ends_with("&tool_events=true"));
    }

    #[test]
    fn user_text_limits_count_characters_not_bytes() {
        assert!(user_text_problem("").is_some());
        assert_eq!(user_text_problem("a"), None);
        assert_eq!(user_text_problem(&"é".repeat(USER_TEXT_MAX_CHARS)), None);
        assert_eq!(
            user_text_problem(&"x".repeat(USER_TEXT_MAX_CHARS + 1)).as_deref(),
            Some("A message can have at most 10,000 characters; this one has 10001.")
        );
    }

    #[test]
    fn a_missing_data_object_reads_as_empty() {
        assert_eq!(
            ServerEvent::parse(r#"{"event":"done"}"#),
            Ok(ServerEvent::Done(Done::default()))
        );
        assert!(matches!(
            ServerEvent::parse(r#"{"event":"token"}"#),
            Err(DecodeError::BadField { .. })
        ));
    }
}
