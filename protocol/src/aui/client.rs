//! The AUI dialect on the widget's side, through Docent's relay.
//!
//! AUI's network API key must never reach a browser, so the widget never talks to AUI: it
//! talks to a Docent **relay** that holds the key, creates tasks, and forwards the session
//! socket's frames *verbatim* both ways. The relay keeps no state a second instance would
//! need: its tokens are signed, and the task id travels with the widget.
//!
//! # The relay's widget-facing contract
//!
//! **Start a task.** `POST /relay/aui/tasks` ([`TASKS_PATH`]) with
//! `Authorization: Bearer <site public key>` (`data-public-key`) and the body
//! [`RelayTaskRequest`]: `{"product_id": "…", "user_id": "…"}` (`user_id` only when the host
//! page gave `data-user-id`; the relay then makes one up). The relay checks the key and the
//! page's `Origin` against the key's allowed origins, calls AUI's `POST
//! /api/v1/external/tasks {user_id}`, and answers [`RelayTask`]:
//! `{"task_id", "token", "expires_in"?, "welcome_message"?, "followup_suggestions"?}`,
//! where `token` is a short-lived token the relay signed, bound to the task id and the
//! origin. Failures are `{"error": {"code", "message"}}` ([`RelayError`]) with 401 (key
//! unknown), 403 (`ORIGIN_NOT_ALLOWED`), 429, 502/503/504 (AUI failed or is unreachable);
//! the relay never copies AUI's words verbatim into them, since they could carry the key.
//!
//! **Renew a token.** The same call with `{"product_id", "renew": "<expired token>"}`: a
//! token this relay signed for this origin, expired less than [`RENEWAL_GRACE_SECS`] ago,
//! gets a new token for *its* task (`"renewed": true`, no welcome), and AUI is not called:
//! the task, and the agent's memory of the conversation, go on (seed 000: keep the task_id).
//! A token past the grace, not this relay's, or from another origin gets a new task instead,
//! as if `renew` were not there (`"renewed"` absent).
//!
//! **Stream.** A WebSocket to `/relay/aui/session?task_id=…&token=…` ([`socket_path`]): a
//! browser cannot set headers on a socket, so the token rides in the query. The relay checks
//! the token (signature, expiry, task, origin), opens AUI's
//! `…/api/v1/external/session?network_api_key=…`, and forwards text frames unchanged both
//! ways. It reads each widget frame only to check that its `task_id` is the token's; a frame
//! for another task closes the socket with 4003. AUI's close codes (1008, 1011) and reasons
//! are passed on; the relay's own are 4001 (token invalid or expired: start again), 4003
//! (origin or task not allowed), 4029 (too many connections or messages), 1013 (AUI
//! unreachable: try again later).
//!
//! **Without a socket.** `POST /relay/aui/message` ([`MESSAGE_PATH`]) with
//! `Authorization: Bearer <token>` and the same [`MessageRequest`] the socket carries; the
//! relay forwards it to AUI's `POST /api/v1/external/message` and answers with AUI's body
//! and status (an [`ExternalTaskMessage`](super::ExternalTaskMessage), or a
//! [`RestError`] shape): see [`ClientDialect::post`] and
//! [`Aui::rest_reply`].
//!
//! The handle the conversation keeps is this dialect's own JSON: `{"task_id", "token"}`.
//!
//! # Cumulative text
//!
//! AUI sends the whole reply so far in every update. The decoder remembers, per connection,
//! what it has already passed on and sends only what is new ([`AuiDecoder`]). An update that
//! does not extend what was passed on (a resend, a stale or shorter text, a correction)
//! passes nothing on: text given to the conversation cannot be taken back, and the final
//! message, which replaces the streamed text, carries the corrected reply. Streaming resumes
//! as soon as an update extends what was passed on again.

use super::read::{self, Frame};
use super::{close, codes};
use crate::dialect::{
    ClientDialect, CloseKind, Closed, DecodeError, Decoder, HttpCall, SessionHandle, Settings,
    SocketTarget, Start, StartFailure, Started,
};
use crate::json::{self, object, Value};
use crate::model::{AgentError, AgentEvent, AgentMessage, ErrorCode, Greeting, VisitorAction};
use serde::{Deserialize, Serialize};

/// `POST` here (on the relay) starts a task.
pub const TASKS_PATH: &str = "/relay/aui/tasks";
/// The relay's socket.
pub const SOCKET_PATH: &str = "/relay/aui/session";
/// `POST` here (on the relay) sends a message without the socket.
pub const MESSAGE_PATH: &str = "/relay/aui/message";
/// How long after it expired a relay token may still be renewed for its task: a visitor
/// who comes back within a week continues the same conversation.
pub const RENEWAL_GRACE_SECS: u64 = 7 * 24 * 3600;
/// The host-page option naming the visitor for AUI (`data-user-id`).
pub const USER_ID_OPTION: &str = "user-id";

/// The relay's own close codes (beside AUI's 1008 and 1011, which it passes on).
pub mod relay_close {
    /// The token is invalid or expired: a new task (and token) is needed.
    pub const TOKEN_REJECTED: u16 = 4001;
    /// The page's origin, or the frame's task, is not allowed.
    pub const NOT_ALLOWED: u16 = 4003;
    /// Too many connections or messages.
    pub const RATE_LIMITED: u16 = 4029;
    /// AUI could not be reached; try again later (RFC 6455 "Try Again Later").
    pub const TRY_AGAIN_LATER: u16 = 1013;
}

/// The relay's error codes (in [`RelayError`]).
pub mod relay_codes {
    pub const KEY_REJECTED: &str = "KEY_REJECTED";
    pub const ORIGIN_NOT_ALLOWED: &str = "ORIGIN_NOT_ALLOWED";
    pub const TOKEN_REJECTED: &str = "TOKEN_REJECTED";
    pub const UPSTREAM_UNAVAILABLE: &str = "UPSTREAM_UNAVAILABLE";
    pub const UPSTREAM_REJECTED: &str = "UPSTREAM_REJECTED";
}

/// The body of `POST /relay/aui/tasks`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RelayTaskRequest {
    pub product_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// A token of this relay's that expired: a new token for its task, no new task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renew: Option<String>,
}

/// The relay's answer to `POST /relay/aui/tasks`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RelayTask {
    pub task_id: String,
    pub token: String,
    /// Seconds the token stays valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    /// AUI's welcome message for the task, as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub welcome_message: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub followup_suggestions: Vec<String>,
    /// The token renews one for a task that already existed (see [`RelayTaskRequest::renew`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub renewed: bool,
}

/// The relay's error body: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelayError {
    pub error: RelayErrorBody,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelayErrorBody {
    pub code: String,
    #[serde(default)]
    pub message: String,
}

/// `/relay/aui/session?task_id=…&token=…`.
pub fn socket_path(task_id: &str, token: &str) -> String {
    format!(
        "{SOCKET_PATH}?task_id={}&token={}",
        super::percent_encode(task_id),
        super::percent_encode(token)
    )
}

/// The AUI codec, for the widget.
///
/// AUI's message frame names its task, which [`ClientDialect::encode`] reads from the
/// session handle.
#[derive(Debug, Default, Clone, Copy)]
pub struct Aui;

impl Aui {
    pub fn new() -> Aui {
        Aui
    }

    /// The `MessageRequest` for a visitor's words (the only action AUI has a message for),
    /// written by hand in its serde shape.
    fn request(&self, handle: &Handle, action: &VisitorAction) -> Option<String> {
        let VisitorAction::Say { text, context, .. } = action else {
            return None;
        };
        let request = object([
            ("task_id", Some(Value::str(&handle.task_id))),
            ("text", Some(Value::str(text))),
            ("context", context.clone()),
        ]);
        Some(request.to_json())
    }

    /// Reads the answer to [`ClientDialect::post`]: the reply, or the error to show.
    pub fn rest_reply(&self, status: u16, body: &str) -> Result<AgentMessage, AgentError> {
        if !(200..300).contains(&status) {
            if let Some((code, message)) = read::relay_error(body) {
                return Err(relay_error(status, code, message));
            }
            return Err(read::rest_error(status, body));
        }
        match read::frame(body) {
            Ok(Frame::Message(message)) => Ok(message),
            Ok(Frame::Error(error)) => Err(error),
            Ok(Frame::TextUpdated(_)) | Err(_) => Err(AgentError {
                code: ErrorCode::Other(codes::SERVER_ERROR.into()),
                message: "the reply could not be read".into(),
                retryable: true,
                fatal: false,
            }),
        }
    }
}

fn relay_error(status: u16, code: String, message: String) -> AgentError {
    let mut error = super::error_for_status(status, message);
    if code == relay_codes::TOKEN_REJECTED {
        error.code = ErrorCode::InvalidToken;
        error.fatal = true;
    } else if !code.is_empty() {
        error.code = ErrorCode::Other(code);
    }
    error
}

/// A `RelayTaskRequest`, written by hand in its serde shape.
fn task_request(product_id: &str, user_id: Option<String>, renew: Option<String>) -> String {
    object([
        ("product_id", Some(Value::str(product_id))),
        ("user_id", user_id.map(Value::String)),
        ("renew", renew.map(Value::String)),
    ])
    .to_json()
}

impl ClientDialect for Aui {
    fn name(&self) -> &'static str {
        "aui"
    }

    fn start(&self, settings: &Settings) -> Start {
        if settings.key.trim().is_empty() {
            return Start::Refused(StartFailure::BadSetting(
                "the AUI dialect needs data-public-key: the relay's key for this site \
                 (never AUI's network API key)"
                    .into(),
            ));
        }
        let user_id = settings
            .option(USER_ID_OPTION)
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(str::to_string);
        Start::Call(HttpCall {
            path: TASKS_PATH.into(),
            bearer: settings.key.clone(),
            body: Some(task_request(&settings.product_id, user_id, None)),
        })
    }

    /// The relay gives an expired token's task a new token (seed 000: keep the task_id),
    /// so the agent keeps the conversation.
    fn renew(&self, settings: &Settings, expired: &SessionHandle) -> Start {
        let (Start::Call(mut call), Some(handle)) = (self.start(settings), Handle::read(expired))
        else {
            return self.start(settings);
        };
        call.body = Some(task_request(&settings.product_id, None, Some(handle.token)));
        Start::Call(call)
    }

    fn started(&self, status: u16, body: &str) -> Result<Started, StartFailure> {
        if !(200..300).contains(&status) {
            let code = read::relay_error(body).map(|(code, _)| code);
            return Err(match (status, code.as_deref()) {
                (401 | 403, _) => StartFailure::KeyRejected,
                (429, _) => StartFailure::Busy,
                (400..=499, Some(code)) if !code.is_empty() => {
                    StartFailure::Refused(ErrorCode::Other(code.to_string()))
                }
                (400..=499, _) => StartFailure::Http(status),
                _ => StartFailure::ServerTrouble,
            });
        }
        let task = read::relay_task(body).ok_or(StartFailure::Unreadable)?;
        let resumed = task.renewed;
        if task.task_id.is_empty() || task.token.is_empty() {
            return Err(StartFailure::Unreadable);
        }
        let handle = Handle {
            task_id: task.task_id,
            token: task.token,
        };
        let greeting = task
            .welcome_message
            .filter(|text| !text.trim().is_empty())
            .map(|text| Greeting {
                text,
                speech: None,
                suggestions: task.followup_suggestions,
            });
        Ok(Started {
            session: SessionHandle(handle.to_json()),
            agent_name: None,
            greeting,
            resumed,
        })
    }

    /// AUI has no call that ends a task.
    fn end(&self, _session: &SessionHandle) -> Option<HttpCall> {
        None
    }

    fn socket(&self, session: &SessionHandle) -> Option<SocketTarget> {
        let handle = Handle::read(session)?;
        Some(SocketTarget {
            path: socket_path(&handle.task_id, &handle.token),
            protocols: Vec::new(),
        })
    }

    fn decoder(&self) -> Box<dyn Decoder> {
        Box::new(AuiDecoder::default())
    }

    /// Only the visitor's messages: AUI has no heartbeat, page events or lead message (the
    /// lead's details travel in the next message's `context.lead_details`).
    fn encode(&self, session: &SessionHandle, action: &VisitorAction) -> Option<String> {
        let handle = Handle::read(session)?;
        self.request(&handle, action)
    }

    fn options(&self) -> &'static [&'static str] {
        &[USER_ID_OPTION]
    }

    /// Seeds 000/003: a message's `context` carries the page's `url` and the lead's details.
    fn context(&self, url: &str, lead_details: &[(String, String)]) -> Option<Value> {
        super::message_context(Some(url), lead_details)
    }

    /// `POST /relay/aui/message`, which the relay forwards to AUI's
    /// `POST /api/v1/external/message` (seed 000's REST path, "without streaming").
    fn posts_without_socket(&self) -> bool {
        true
    }

    fn post(&self, session: &SessionHandle, action: &VisitorAction) -> Option<HttpCall> {
        let handle = Handle::read(session)?;
        let request = self.request(&handle, action)?;
        Some(HttpCall {
            path: MESSAGE_PATH.into(),
            bearer: handle.token,
            body: Some(request),
        })
    }

    fn posted(&self, status: u16, body: &str) -> Vec<AgentEvent> {
        vec![match self.rest_reply(status, body) {
            Ok(message) => AgentEvent::Message(message),
            Err(error) => AgentEvent::Error(error),
        }]
    }

    fn classify_close(&self, code: u16) -> Closed {
        let other = |name: &str| Some(ErrorCode::Other(name.into()));
        let (kind, reason) = match code {
            // Auth failure or application error: the same request fails again.
            close::POLICY_VIOLATION => (CloseKind::Final, other(codes::POLICY_VIOLATION)),
            close::INTERNAL_ERROR => (CloseKind::Retry, other(codes::SERVER_ERROR)),
            relay_close::TOKEN_REJECTED => (CloseKind::NewSession, Some(ErrorCode::InvalidToken)),
            relay_close::NOT_ALLOWED => (CloseKind::Final, other(relay_codes::ORIGIN_NOT_ALLOWED)),
            relay_close::RATE_LIMITED | relay_close::TRY_AGAIN_LATER => {
                (CloseKind::RateLimited, None)
            }
            // A normal close ends a connection, not the task (seed 000: keep the task_id
            // across reconnections), and an abnormal one is a dropped connection.
            _ => (CloseKind::Retry, None),
        };
        Closed { kind, reason }
    }

    fn heartbeat_ms(&self) -> Option<u32> {
        None
    }
}

/// Reads one connection's frames, turning AUI's cumulative text into deltas.
#[derive(Debug, Default)]
pub struct AuiDecoder {
    /// The text of the reply in progress that has been passed on, as deltas.
    shown: String,
    /// The last error refused one message (content moderation): the 1008 close that
    /// follows it ends this connection, not the task.
    message_rejected: bool,
}

impl AuiDecoder {
    /// Only what `text` adds to what was passed on; nothing when it does not extend it
    /// (see the module documentation).
    fn delta(&mut self, text: String) -> Option<String> {
        let new = text
            .strip_prefix(self.shown.as_str())
            .filter(|new| !new.is_empty())?
            .to_string();
        self.shown = text;
        Some(new)
    }
}

impl Decoder for AuiDecoder {
    fn decode(&mut self, frame: &str) -> Result<Vec<AgentEvent>, DecodeError> {
        Ok(match read::frame(frame)? {
            Frame::TextUpdated(text) => self
                .delta(text)
                .map(AgentEvent::TextDelta)
                .into_iter()
                .collect(),
            Frame::Message(message) => {
                self.shown.clear();
                vec![AgentEvent::Message(message)]
            }
            Frame::Error(error) => {
                self.shown.clear();
                self.message_rejected = error.code == ErrorCode::MessageRejected;
                vec![AgentEvent::Error(error)]
            }
        })
    }

    /// Seed 000 closes with 1008 after an application error, a refused message among
    /// them; the task itself is fine, so the next connection goes on with it.
    fn closed(&self, code: u16) -> Option<Closed> {
        (self.message_rejected && code == close::POLICY_VIOLATION).then_some(Closed {
            kind: CloseKind::Retry,
            reason: None,
        })
    }
}

/// What the widget keeps of an AUI task: its id and the relay's token for it.
/// What the widget keeps of an AUI session, saved as `{"task_id","token"}` (the shape its
/// serde derive wrote, which stays).
#[derive(Debug)]
struct Handle {
    task_id: String,
    token: String,
}

impl Handle {
    fn read(session: &SessionHandle) -> Option<Handle> {
        let value = json::parse(&session.0).ok()?;
        let f = json::Fields::of(&value).ok()?;
        Some(Handle {
            task_id: f.str("task_id").ok()?,
            token: f.str("token").ok()?,
        })
        .filter(|h| !h.task_id.is_empty())
    }

    fn to_json(&self) -> String {
        object([
            ("task_id", Some(Value::str(&self.task_id))),
            ("token", Some(Value::str(&self.token))),
        ])
        .to_json()
    }
}
