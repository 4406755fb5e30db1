//! The live-demo dialect (iraa.ai, seed 002): `{type, payload}` frames over
//! `/ws/session/:sessionId?token=JWT`, after a `POST /api/v1/session` that creates the session.
//!
//! Both directions are here so that the widget and the reference server share one codec.
//! One extension beyond the seed, chosen so a real server stays happy: a submitted lead
//! travels as an `iframe_event` with `event: "lead_submitted"` and a `lead` object, because
//! seed 002 has no client message for it and an unknown type would be answered with
//! `UNKNOWN_TYPE`.

use crate::command::commands_from_wire;
use crate::dialect::DecodeError;
use crate::model::{
    AgentError, AgentEvent, AgentMessage, ErrorCode, Greeting, LeadField, LeadForm,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

mod client;
mod server;
pub use client::LiveDemo;
pub use server::LiveDemoServer;

/// `POST` here creates a session.
pub const SESSION_PATH: &str = "/api/v1/session";
/// The `iframe_event` name that carries a submitted lead.
pub const LEAD_EVENT: &str = "lead_submitted";
/// Seed 002's recommended heartbeat interval.
pub const HEARTBEAT_MS: u32 = 30_000;

/// Close codes of seed 002.
pub mod close {
    pub const NORMAL: u16 = 1000;
    pub const AUTH_FAILED: u16 = 4001;
    pub const SESSION_NOT_FOUND: u16 = 4004;
}

/// `POST /api/v1/session/:id/end`.
pub fn end_path(session_id: &str) -> String {
    format!("{SESSION_PATH}/{}/end", percent_encode(session_id))
}

/// The socket's path and query: `/ws/session/:id?token=…`.
pub fn socket_path(session_id: &str, token: &str) -> String {
    format!(
        "/ws/session/{}?token={}",
        percent_encode(session_id),
        percent_encode(token)
    )
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

// ---------------------------------------------------------------- REST

/// Body of `POST /api/v1/session`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionRequest {
    pub product_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor_meta: Option<VisitorMeta>,
}

/// What the host page knows about the visitor, all optional.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct VisitorMeta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persona: Option<String>,
}

/// Answer of `POST /api/v1/session`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionResponse {
    pub session_id: String,
    pub token: String,
    pub greeting: Greeting,
    pub agent: AgentProfile,
}

/// Who the visitor talks to.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AgentProfile {
    pub name: String,
    #[serde(default)]
    pub tone: String,
}

/// The JSON body of a failed REST call: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpError {
    pub error: ErrorPayload,
}

// ---------------------------------------------------------------- socket frames

/// Frames the widget sends.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "payload", rename_all = "snake_case")]
pub enum ClientMessage {
    VisitorMessage(VisitorMessage),
    Heartbeat(Empty),
    IframeEvent(IframeEvent),
}

/// Frames the server sends.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "payload", rename_all = "snake_case")]
pub enum ServerMessage {
    AgentResponse(AgentResponse),
    TypingIndicator(TypingIndicator),
    LeadForm(LeadFormPayload),
    Error(ErrorPayload),
    Pong(Pong),
}

const CLIENT_TYPES: [&str; 3] = ["visitor_message", "heartbeat", "iframe_event"];
pub(crate) const SERVER_TYPES: [&str; 5] = [
    "agent_response",
    "typing_indicator",
    "lead_form",
    "error",
    "pong",
];

/// An empty payload: `{}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Empty {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitorMessage {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    /// Extension: the widget's id for this message; a server that knows it answers a
    /// resent message once, and names it in `agent_response.replyTo`.
    #[serde(
        default,
        rename = "clientMessageId",
        skip_serializing_if = "Option::is_none"
    )]
    pub client_message_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct IframeEvent {
    pub event: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Extension: the page command that failed, with `event: "command_failed"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Extension: why it failed, in plain words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Extension: the submitted lead, with `event: "lead_submitted"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentResponse {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speech: Option<String>,
    /// Kept raw so that one malformed command fails alone, not the whole reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iframe_commands: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestions: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Extension: the `clientMessageId` of the visitor message this answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypingIndicator {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    pub is_typing: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadFormPayload {
    pub fields: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cta: Option<Cta>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cta {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorPayload {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Pong {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ts: Option<u64>,
}

impl ClientMessage {
    /// Reads a frame sent by a widget (the server's side of the codec).
    pub fn parse(frame: &str) -> Result<ClientMessage, DecodeError> {
        let (name, body) = split_tagged(frame, &CLIENT_TYPES)?;
        Ok(match name.as_str() {
            "visitor_message" => ClientMessage::VisitorMessage(payload(&name, body)?),
            "heartbeat" => ClientMessage::Heartbeat(payload(&name, body)?),
            _ => ClientMessage::IframeEvent(payload(&name, body)?),
        })
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("client messages always serialize")
    }
}

impl ServerMessage {
    /// Reads a frame sent by a server (the widget's side of the codec).
    pub fn parse(frame: &str) -> Result<ServerMessage, DecodeError> {
        let (name, body) = split_tagged(frame, &SERVER_TYPES)?;
        Ok(match name.as_str() {
            "agent_response" => ServerMessage::AgentResponse(payload(&name, body)?),
            "typing_indicator" => ServerMessage::TypingIndicator(payload(&name, body)?),
            "lead_form" => ServerMessage::LeadForm(payload(&name, body)?),
            "error" => ServerMessage::Error(payload(&name, body)?),
            _ => ServerMessage::Pong(payload(&name, body)?),
        })
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("server messages always serialize")
    }

    pub fn error(code: &ErrorCode, message: impl Into<String>) -> ServerMessage {
        ServerMessage::Error(ErrorPayload {
            code: code.as_str().to_string(),
            message: message.into(),
        })
    }

    /// The normalized events this frame stands for.
    pub fn into_events(self) -> Vec<AgentEvent> {
        match self {
            ServerMessage::AgentResponse(reply) => {
                vec![AgentEvent::Message(AgentMessage {
                    text: reply.text,
                    speech: reply.speech,
                    suggestions: reply.suggestions.unwrap_or_default(),
                    commands: commands_from_wire(reply.iframe_commands.as_deref().unwrap_or(&[])),
                    agent_id: reply.agent_id,
                    reply_to: reply.reply_to,
                    products: Vec::new(),
                })]
            }
            ServerMessage::TypingIndicator(typing) => vec![AgentEvent::Typing(typing.is_typing)],
            ServerMessage::LeadForm(form) => vec![AgentEvent::LeadForm(LeadForm {
                fields: form
                    .fields
                    .iter()
                    .filter(|name| !name.trim().is_empty())
                    .map(|name| LeadField::from_name(name))
                    .collect(),
                cta_text: form.cta.as_ref().map(|cta| cta.text.clone()),
                cta_url: form.cta.and_then(|cta| cta.url),
            })],
            ServerMessage::Error(error) => {
                let code = ErrorCode::parse(&error.code);
                vec![AgentEvent::Error(AgentError {
                    retryable: false,
                    fatal: code.ends_session(),
                    code,
                    message: error.message,
                })]
            }
            ServerMessage::Pong(pong) => vec![AgentEvent::Pong { ts: pong.ts }],
        }
    }
}

/// Splits a frame into its `type` and `payload`, with a typed error for each way it can be
/// wrong. A missing payload reads as `{}` (so `{"type":"heartbeat"}` is a heartbeat).
fn split_tagged(frame: &str, known: &[&str]) -> Result<(String, Value), DecodeError> {
    let value: Value =
        serde_json::from_str(frame).map_err(|e| DecodeError::NotJson(e.to_string()))?;
    let Value::Object(mut object) = value else {
        return Err(DecodeError::NotAnObject);
    };
    let message_type = match object.remove("type") {
        Some(Value::String(name)) => name,
        _ => return Err(DecodeError::MissingType),
    };
    if !known.contains(&message_type.as_str()) {
        return Err(DecodeError::UnknownType(
            message_type.chars().take(64).collect(),
        ));
    }
    let payload = object
        .remove("payload")
        .unwrap_or_else(|| Value::Object(Map::new()));
    Ok((message_type, payload))
}

/// Reads one payload type. Dispatching on the type by hand (rather than through serde's
/// adjacently tagged enums) keeps serde's buffering deserializer out of the widget's wasm.
fn payload<T: DeserializeOwned>(message_type: &str, payload: Value) -> Result<T, DecodeError> {
    serde_json::from_value(payload).map_err(|e| DecodeError::BadField {
        message_type: message_type.to_string(),
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::{ClientDialect, CloseKind, SessionHandle};
    use crate::model::VisitorAction;

    #[test]
    fn socket_paths_escape_what_they_carry() {
        assert_eq!(
            socket_path("a b", "x.y+z"),
            "/ws/session/a%20b?token=x.y%2Bz"
        );
        assert_eq!(end_path("s/1"), "/api/v1/session/s%2F1/end");
    }

    #[test]
    fn close_codes_are_classified_as_the_seed_describes() {
        let d = LiveDemo;
        assert_eq!(d.classify_close(1000).kind, CloseKind::Final);
        assert_eq!(d.classify_close(4001).kind, CloseKind::NewSession);
        assert_eq!(d.classify_close(4004).kind, CloseKind::NewSession);
        assert_eq!(d.classify_close(1006).kind, CloseKind::Retry);
        assert_eq!(d.classify_close(1011).kind, CloseKind::Retry);
        assert_eq!(d.classify_close(4029).kind, CloseKind::RateLimited);
    }

    #[test]
    fn a_lead_travels_as_an_iframe_event() {
        let frame = LiveDemo
            .encode(
                &SessionHandle::default(),
                &VisitorAction::LeadSubmitted {
                    values: vec![("email".into(), "a@b.co".into())],
                },
            )
            .unwrap();
        let value: Value = serde_json::from_str(&frame).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"type": "iframe_event",
                "payload": {"event": "lead_submitted", "lead": {"email": "a@b.co"}}})
        );
        assert!(matches!(
            ClientMessage::parse(&frame),
            Ok(ClientMessage::IframeEvent(IframeEvent {
                lead: Some(_),
                ..
            }))
        ));
    }
}
