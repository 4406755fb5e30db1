//! What every platform codec provides, and the typed errors of reading a frame.
//!
//! A client dialect is everything that differs between platforms on the widget's side:
//! how a session starts and ends (an HTTP call, or nothing), where the socket goes and with
//! which subprotocols, how frames read (with per-connection state: a platform may send
//! cumulative text that has to become deltas), how frames are written, and what a close
//! code means. The widget's shell performs the I/O the dialect describes; the conversation
//! above it sees only the normalized model and an opaque [`SessionHandle`].

use crate::model::{AgentEvent, ErrorCode, Greeting, VisitorAction};
use std::fmt;

/// What the host page configured that a dialect may need (`data-*` options).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    /// The product (or agent) the chat is about: `data-product-id`.
    pub product_id: String,
    /// The site's public key: `data-public-key`.
    pub key: String,
    /// Every other option the host page gave, by name without `data-` (`workspace-id`, …):
    /// a dialect reads its own and says which are missing or wrong.
    pub options: Vec<(String, String)>,
}

impl Settings {
    /// The option called `name`, if the host page gave one.
    pub fn option(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// An HTTP `POST` with a JSON body that the shell makes for the dialect.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpCall {
    /// Path and query, appended to the configured server.
    pub path: String,
    /// Sent as `Authorization: Bearer …`.
    pub bearer: String,
    pub body: Option<String>,
}

/// How a session starts.
#[derive(Debug, Clone, PartialEq)]
pub enum Start {
    /// With this HTTP call; [`ClientDialect::started`] reads its answer.
    Call(HttpCall),
    /// Without one: the socket itself starts (or resumes) the conversation.
    Ready(Started),
    /// The configuration cannot work with this platform; said before anything is sent.
    Refused(StartFailure),
}

/// A session that exists, as the conversation receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Started {
    pub session: SessionHandle,
    /// Who the visitor talks to, where the platform says.
    pub agent_name: Option<String>,
    /// The opening line, where the platform sends it with the session.
    pub greeting: Option<Greeting>,
    /// The platform kept the conversation (a renewed token for the same task or thread):
    /// the agent remembers it, and the visitor need not be told anything changed.
    pub resumed: bool,
}

/// The dialect's own record of a session (ids, tokens), written and read only by the
/// dialect. The conversation keeps and persists it without looking inside.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct SessionHandle(pub String);

/// Why a session could not start: meanings, worded by the widget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartFailure {
    /// The server named the problem.
    Refused(ErrorCode),
    /// The site's key was not accepted (HTTP 401/403).
    KeyRejected,
    /// Too many requests (HTTP 429).
    Busy,
    /// Another client error, by HTTP status.
    Http(u16),
    /// The server failed (5xx).
    ServerTrouble,
    /// The answer could not be read.
    Unreadable,
    /// A setting the platform cannot use; the text says which and why (for the console).
    BadSetting(String),
}

/// Where the socket goes.
#[derive(Debug, Clone, PartialEq)]
pub struct SocketTarget {
    /// Path and query, appended to the configured server (as `ws:`/`wss:`).
    pub path: String,
    /// `Sec-WebSocket-Protocol` values (some platforms carry credentials there).
    pub protocols: Vec<String>,
}

/// What a close code means, and why, when the platform says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    pub kind: CloseKind,
    pub reason: Option<ErrorCode>,
}

/// Reads the frames of one connection; a new one for every connection, so state never
/// leaks from a dead socket into the next.
pub trait Decoder {
    /// Reads one text frame. Never panics: anything unreadable is a [`DecodeError`].
    fn decode(&mut self, frame: &str) -> Result<Vec<AgentEvent>, DecodeError>;
    /// What a close code means after what this connection carried, where that changes it
    /// (a platform that closes the socket after refusing one message: the session goes
    /// on). `None`: as [`ClientDialect::classify_close`] says.
    fn closed(&self, _code: u16) -> Option<Closed> {
        None
    }
}

/// One agent platform, as the widget speaks it.
pub trait ClientDialect: Sync {
    /// The name used in configuration (`data-dialect`).
    fn name(&self) -> &'static str;
    /// How a session starts for these settings.
    fn start(&self, settings: &Settings) -> Start;
    /// How a session starts again after the platform refused `expired` (its token ran
    /// out): where the platform allows it, the same conversation with new credentials.
    fn renew(&self, settings: &Settings, _expired: &SessionHandle) -> Start {
        self.start(settings)
    }
    /// Reads the answer to [`Start::Call`].
    fn started(&self, status: u16, body: &str) -> Result<Started, StartFailure>;
    /// The call that tells the server the visitor ended the session, if there is one.
    fn end(&self, session: &SessionHandle) -> Option<HttpCall>;
    /// Where to connect for this session; `None` if the handle is not this dialect's.
    fn socket(&self, session: &SessionHandle) -> Option<SocketTarget>;
    /// A reader for one new connection.
    fn decoder(&self) -> Box<dyn Decoder>;
    /// The frame to send for an action in this session, or `None` when this platform has
    /// no such message (the action is then handled without the socket, or not at all).
    fn encode(&self, session: &SessionHandle, action: &VisitorAction) -> Option<String>;
    /// What a WebSocket close code means for the conversation.
    fn classify_close(&self, code: u16) -> Closed;
    /// How often to send a keep-alive frame, if the platform wants one.
    fn heartbeat_ms(&self) -> Option<u32>;
    /// The host-page options this platform reads besides the common ones (`workspace-id`,
    /// …), so they reach [`Settings::options`] and are not called unknown.
    fn options(&self) -> &'static [&'static str] {
        &[]
    }
    /// The longest message the platform takes, in characters, if it says (the widget's own
    /// limit applies otherwise).
    fn max_text_chars(&self) -> Option<usize> {
        None
    }
    /// The `context` a visitor's message carries, if the platform takes one: the page it
    /// was written on (`url`) and what the visitor gave the lead form.
    fn context(
        &self,
        _url: &str,
        _lead_details: &[(String, String)],
    ) -> Option<crate::json::Value> {
        None
    }
    /// Whether messages can go without the socket (an HTTP call per message, the reply in
    /// its answer), for networks that block WebSockets.
    fn posts_without_socket(&self) -> bool {
        false
    }
    /// The HTTP call that sends `action` without the socket; `None` for actions that have
    /// no such call.
    fn post(&self, _session: &SessionHandle, _action: &VisitorAction) -> Option<HttpCall> {
        None
    }
    /// What the answer to [`ClientDialect::post`] brings: the reply, or the error.
    fn posted(&self, _status: u16, _body: &str) -> Vec<AgentEvent> {
        Vec::new()
    }
    /// Whether `data-product-id` is needed (some platforms name what to talk about otherwise).
    fn needs_product(&self) -> bool {
        true
    }
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
