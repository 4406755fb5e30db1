//! What every platform codec provides, and the typed errors of reading a frame.

use crate::model::{AgentEvent, VisitorAction};
use std::fmt;

/// One agent platform's wire format.
pub trait Dialect {
    /// The name used in configuration (`data-dialect`).
    fn name(&self) -> &'static str;
    /// The frame to send for an action, or `None` when this platform has no such message
    /// (the action is then handled without the socket, or not at all).
    fn encode(&self, action: &VisitorAction) -> Option<String>;
    /// Reads one text frame. Never panics: anything unreadable is a [`DecodeError`].
    fn decode(&self, frame: &str) -> Result<Vec<AgentEvent>, DecodeError>;
    /// What a WebSocket close code means for the conversation.
    fn classify_close(&self, code: u16) -> CloseKind;
}

/// What to do after the socket closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseKind {
    /// Stop; reconnecting would fail the same way (or the server ended the conversation).
    Final,
    /// This session is gone; a new session may work.
    NewSession,
    /// A passing failure: reconnect with backoff.
    Retry,
    /// The server asks us to slow down: reconnect, but back off longer.
    RateLimited,
}

/// Why a frame could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Not JSON at all.
    NotJson(String),
    /// JSON, but not an object.
    NotAnObject,
    /// An object without a message type.
    MissingType,
    /// A message type this dialect does not know.
    UnknownType(String),
    /// A known message type with a missing or ill-typed field.
    BadField {
        message_type: String,
        detail: String,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::NotJson(detail) => write!(f, "the frame is not valid JSON ({detail})"),
            DecodeError::NotAnObject => write!(f, "the frame is not a JSON object"),
            DecodeError::MissingType => write!(f, "the frame has no message type"),
            DecodeError::UnknownType(name) => write!(f, "unknown message type `{name}`"),
            DecodeError::BadField {
                message_type,
                detail,
            } => write!(f, "`{message_type}` message is malformed: {detail}"),
        }
    }
}

impl std::error::Error for DecodeError {}
