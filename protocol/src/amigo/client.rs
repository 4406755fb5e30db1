//! The Amigo dialect on the widget's side: settings checked before anything is sent, then
//! one socket that starts or resumes the conversation.

use super::{
    close, is_token_char, is_uuid, socket_path, ClientMessage, ServerEvent, UserText, AUTH_PROTOCOL,
};
use crate::dialect::{
    ClientDialect, CloseKind, Closed, DecodeError, Decoder, HttpCall, SessionHandle, Settings,
    SocketTarget, Start, StartFailure, Started,
};
use crate::model::{AgentError, AgentEvent, AgentMessage, ErrorCode, VisitorAction};
use serde::{Deserialize, Serialize};

/// The Amigo codec, for the widget.
#[derive(Debug, Clone, Copy, Default)]
pub struct Amigo;

/// The option names this dialect reads (`data-…` without the prefix).
pub mod option {
    pub const WORKSPACE_ID: &str = "workspace-id";
    pub const SERVICE_ID: &str = "service-id";
    pub const ENTITY_ID: &str = "entity-id";
    pub const TOOL_EVENTS: &str = "tool-events";
}

/// What the widget keeps of an Amigo session: all it needs to (re)connect. There is no
/// server-issued id to keep: the thread is resolved by entity + service on every connect.
/// The key is in it because the socket carries it; it is the page's own key (or short-lived
/// token) from its `data-public-key`, not a secret the widget was handed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Handle {
    workspace_id: String,
    service_id: String,
    entity_id: String,
    tool_events: bool,
    key: String,
}

impl Handle {
    fn read(session: &SessionHandle) -> Option<Handle> {
        serde_json::from_str(&session.0).ok()
    }

    /// Reads and checks the settings; the error says exactly what is wrong (for the console).
    fn from_settings(settings: &Settings) -> Result<Handle, String> {
        let uuid = |name: &str, what: &str| -> Result<String, String> {
            let value = settings.option(name).map(str::trim).unwrap_or("");
            if value.is_empty() {
                Err(format!(
                    "data-{name} is missing: Amigo needs the {what} as a UUID \
                     (like 123e4567-e89b-12d3-a456-426614174000)."
                ))
            } else if !is_uuid(value) {
                Err(format!(
                    "data-{name} is not a UUID: `{}` should look like \
                     123e4567-e89b-12d3-a456-426614174000.",
                    value.chars().take(64).collect::<String>()
                ))
            } else {
                Ok(value.to_string())
            }
        };
        let workspace_id = uuid(option::WORKSPACE_ID, "workspace id")?;
        let service_id = uuid(option::SERVICE_ID, "service id")?;
        let entity_id = uuid(option::ENTITY_ID, "entity id")?;
        let tool_events = match settings.option(option::TOOL_EVENTS).map(str::trim) {
            None | Some("") => false,
            Some(v) if v.eq_ignore_ascii_case("true") => true,
            Some(v) if v.eq_ignore_ascii_case("false") => false,
            Some(v) => {
                return Err(format!(
                    "data-tool-events must be `true` or `false`, not `{}`.",
                    v.chars().take(32).collect::<String>()
                ))
            }
        };
        let key = settings.key.trim().to_string();
        check_key(&key)?;
        Ok(Handle {
            workspace_id,
            service_id,
            entity_id,
            tool_events,
            key,
        })
    }
}

/// A key travels as the second `Sec-WebSocket-Protocol` value, so it must be a token.
/// The message names the character and its place, never the key itself.
fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err(
            "data-public-key is missing: Amigo needs an API key or access token (JWT).".into(),
        );
    }
    if key == AUTH_PROTOCOL {
        return Err(
            "data-public-key is `auth`, which is the name of the subprotocol it \
                    travels with, not a key."
                .into(),
        );
    }
    if let Some((at, bad)) = key.chars().enumerate().find(|(_, c)| !is_token_char(*c)) {
        let what = match bad {
            ' ' => "a space".to_string(),
            c if c.is_control() => format!("a control character (U+{:04X})", c as u32),
            c if !c.is_ascii() => format!("`{c}` (not ASCII)"),
            c => format!("`{c}`"),
        };
        return Err(format!(
            "data-public-key contains {what} at character {}: Amigo carries the key as a \
             WebSocket subprotocol (`auth, <key>`), which allows only letters, digits and \
             !#$%&'*+-.^_`|~ — use a key or token without it.",
            at + 1
        ));
    }
    Ok(())
}

impl ClientDialect for Amigo {
    fn name(&self) -> &'static str {
        "amigo"
    }

    fn start(&self, settings: &Settings) -> Start {
        match Handle::from_settings(settings) {
            Ok(handle) => match serde_json::to_string(&handle) {
                Ok(json) => Start::Ready(Started {
                    session: SessionHandle(json),
                    agent_name: None,
                    // The greeting arrives over the socket, as a turn stream.
                    greeting: None,
                }),
                Err(e) => Start::Refused(StartFailure::BadSetting(e.to_string())),
            },
            Err(text) => Start::Refused(StartFailure::BadSetting(text)),
        }
    }

    /// Never called: [`Amigo::start`] makes no HTTP call.
    fn started(&self, _status: u16, _body: &str) -> Result<Started, StartFailure> {
        Err(StartFailure::Unreadable)
    }

    /// Amigo has no call that ends a session; closing the socket is all.
    fn end(&self, _session: &SessionHandle) -> Option<HttpCall> {
        None
    }

    fn socket(&self, session: &SessionHandle) -> Option<SocketTarget> {
        let handle = Handle::read(session)?;
        Some(SocketTarget {
            path: socket_path(
                &handle.workspace_id,
                &handle.service_id,
                &handle.entity_id,
                handle.tool_events,
            ),
            protocols: vec![AUTH_PROTOCOL.into(), handle.key],
        })
    }

    fn decoder(&self) -> Box<dyn Decoder> {
        Box::new(AmigoDecoder::default())
    }

    /// Only chat text has an Amigo message. Its context and client id have no field and are
    /// left out; a text out of the 1..=10,000 range is still sent (the server answers with
    /// `client_error`, which is said to the visitor) rather than dropped unseen.
    fn encode(&self, action: &VisitorAction) -> Option<String> {
        match action {
            VisitorAction::Say { text, .. } => {
                Some(ClientMessage::UserText(UserText { text: text.clone() }).to_json())
            }
            VisitorAction::Heartbeat
            | VisitorAction::PageEvent(_)
            | VisitorAction::LeadSubmitted { .. } => None,
        }
    }

    fn classify_close(&self, code: u16) -> Closed {
        // Amigo has no session to renew (the socket is the session, resumed by entity +
        // service), so what a new session could fix, a new connection would not: `Final`.
        let other = |name: &str| Some(ErrorCode::Other(name.into()));
        let (kind, reason) = match code {
            close::NORMAL => (CloseKind::Final, None),
            close::POLICY_VIOLATION | close::SDK_TERMINAL => (CloseKind::Final, None),
            close::INVALID_PARAMETERS => (CloseKind::Final, other("invalid_parameters")),
            close::AUTH_FAILED | close::FORBIDDEN | close::SDK_FORBIDDEN => {
                (CloseKind::Final, Some(ErrorCode::InvalidToken))
            }
            close::NOT_FOUND => (CloseKind::Final, other("not_found")),
            close::RATE_LIMITED => (CloseKind::RateLimited, other("rate_limited")),
            close::UNAVAILABLE => (CloseKind::Retry, other("unavailable")),
            _ => (CloseKind::Retry, None),
        };
        Closed { kind, reason }
    }

    /// The seed has no keep-alive message.
    fn heartbeat_ms(&self) -> Option<u32> {
        None
    }
}

/// Reads one connection's frames: `token`s stream as deltas and are kept until the turn's
/// `message` (the whole reply) or `done` makes them one reply.
#[derive(Debug, Default)]
pub struct AmigoDecoder {
    /// Text streamed since the last reply was closed.
    streamed: String,
}

impl Decoder for AmigoDecoder {
    fn decode(&mut self, frame: &str) -> Result<Vec<AgentEvent>, DecodeError> {
        Ok(match ServerEvent::parse(frame)? {
            ServerEvent::SessionCreated(created) => vec![AgentEvent::SessionReady {
                session_id: created.conversation_id,
                greeting: None,
            }],
            ServerEvent::Token(token) if token.text.is_empty() => vec![],
            ServerEvent::Token(token) => {
                self.streamed.push_str(&token.text);
                vec![AgentEvent::TextDelta(token.text)]
            }
            ServerEvent::Thinking(_) => vec![AgentEvent::Typing(true)],
            ServerEvent::ToolCallStarted(call) => vec![AgentEvent::ToolActivity {
                name: call.tool_name,
                finished: false,
                succeeded: None,
            }],
            ServerEvent::ToolCallCompleted(call) => vec![AgentEvent::ToolActivity {
                name: call.tool_name,
                finished: true,
                succeeded: call.succeeded,
            }],
            ServerEvent::Message(message) if message.role.as_deref() == Some("user") => vec![],
            ServerEvent::Message(message) => {
                self.streamed.clear();
                vec![reply(message.text)]
            }
            ServerEvent::Done(_) if self.streamed.is_empty() => vec![AgentEvent::Typing(false)],
            ServerEvent::Done(_) => vec![reply(std::mem::take(&mut self.streamed))],
            ServerEvent::Error(error) => {
                // A retried turn streams again from its start; the reply that ends it
                // replaces the streamed row, so it must not include the text before the error.
                self.streamed.clear();
                let retryable = error.is_retryable();
                vec![AgentEvent::Error(AgentError {
                    message: if error.message.is_empty() {
                        error.code.clone()
                    } else {
                        error.message
                    },
                    code: ErrorCode::Other(error.code),
                    retryable,
                    fatal: false,
                })]
            }
        })
    }
}

fn reply(text: String) -> AgentEvent {
    AgentEvent::Message(AgentMessage {
        text,
        ..AgentMessage::default()
    })
}
