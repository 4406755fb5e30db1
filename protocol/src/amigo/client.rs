//! The Amigo dialect on the widget's side: settings checked before anything is sent, then
//! one socket that starts or resumes the conversation.
//!
//! With `data-relay="true"` the widget goes through Docent's Amigo relay (the contract is
//! [`super::relay`]): the session starts with `POST /relay/amigo/token`, the site's public
//! key as bearer, and the socket goes to the relay with the relay's token in its query and
//! no subprotocol. The relay holds the Amigo key; the page never has it.

use super::relay::{relay_close, socket_path as relay_socket_path, RELAY_OPTION, TOKEN_PATH};
use super::{close, is_token_char, is_uuid, socket_path, ErrorEvent, AUTH_PROTOCOL, SERVER_EVENTS};
use crate::dialect::{
    ClientDialect, CloseKind, Closed, DecodeError, Decoder, HttpCall, SessionHandle, Settings,
    SocketTarget, Start, StartFailure, Started,
};
use crate::json::{self, object, Fields, Value};
use crate::model::{AgentError, AgentEvent, AgentMessage, ErrorCode, VisitorAction};

/// The Amigo codec, for the widget.
#[derive(Debug, Clone, Copy, Default)]
pub struct Amigo;

/// The option names this dialect reads (`data-…` without the prefix).
pub mod option {
    pub const WORKSPACE_ID: &str = "workspace-id";
    pub const SERVICE_ID: &str = "service-id";
    pub const ENTITY_ID: &str = "entity-id";
    pub const TOOL_EVENTS: &str = "tool-events";
    /// `true`: through Docent's relay, which holds the key (see [`super::super::relay`]).
    pub const RELAY: &str = super::RELAY_OPTION;
}

/// What the widget keeps of an Amigo session: all it needs to (re)connect. There is no
/// server-issued id to keep: the thread is resolved by entity + service on every connect.
/// The key is in it because the socket carries it; it is the page's own key (or short-lived
/// token) from its `data-public-key`, not a secret the widget was handed. Through the
/// relay, `key` is the relay's token for this thread (and `relay` is set).
/// Saved with the conversation as `{"workspace_id", "service_id", "entity_id",
/// "tool_events", "key", "relay"}`: the shape its serde derive wrote, which stays.
#[derive(Debug, Clone, PartialEq)]
struct Handle {
    workspace_id: String,
    service_id: String,
    entity_id: String,
    tool_events: bool,
    /// The relay answers its token as `token` (and the ids, in this same shape), so its
    /// answer reads as a handle: no second reader in the wasm.
    key: String,
    relay: bool,
}

impl Handle {
    fn read(session: &SessionHandle) -> Option<Handle> {
        Handle::parse(&session.0)
    }

    /// A handle, or the relay's token answer (`token` for `key`, no `relay`).
    fn parse(text: &str) -> Option<Handle> {
        let value = json::parse(text).ok()?;
        let f = Fields::of(&value).ok()?;
        let key = match f.opt_str("key").ok()? {
            Some(key) => key,
            None => f.str("token").ok()?,
        };
        Some(Handle {
            workspace_id: f.str("workspace_id").ok()?,
            service_id: f.str("service_id").ok()?,
            entity_id: f.str("entity_id").ok()?,
            tool_events: f.bool("tool_events").ok()?,
            key,
            relay: f.opt_bool("relay").ok()?.unwrap_or(false),
        })
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
        let tool_events = flag(settings, option::TOOL_EVENTS)?;
        let relay = flag(settings, option::RELAY)?;
        let key = settings.key.trim().to_string();
        if !relay {
            check_key(&key)?;
        } else if key.is_empty() {
            // Sent as a bearer header, not a subprotocol: any public key travels.
            return Err(
                "data-public-key is missing: the Amigo relay needs this site's \
                        public key."
                    .into(),
            );
        }
        Ok(Handle {
            workspace_id,
            service_id,
            entity_id,
            tool_events,
            key,
            relay,
        })
    }

    fn session(&self) -> SessionHandle {
        let text = |t: &str| Some(Value::str(t));
        SessionHandle(
            object([
                ("workspace_id", text(&self.workspace_id)),
                ("service_id", text(&self.service_id)),
                ("entity_id", text(&self.entity_id)),
                ("tool_events", Some(Value::Bool(self.tool_events))),
                ("key", text(&self.key)),
                ("relay", Some(Value::Bool(self.relay))),
            ])
            .to_json(),
        )
    }
}

/// A `true`/`false` option (any case), `false` when not set.
fn flag(settings: &Settings, name: &str) -> Result<bool, String> {
    match settings.option(name).map(str::trim) {
        None | Some("") => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(v) => Err(format!(
            "data-{name} must be `true` or `false`, not `{}`.",
            v.chars().take(32).collect::<String>()
        )),
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
            // Through the relay: a token first, for this thread (the key is the site's).
            Ok(handle) if handle.relay => {
                // A `relay::TokenRequest`, written by hand (the ids are checked UUIDs, nothing
                // to escape): a serializer for it would weigh more than these bytes.
                let body = format!(
                    "{{\"workspace_id\":\"{}\",\"service_id\":\"{}\",\"entity_id\":\"{}\",\
                     \"tool_events\":{}}}",
                    handle.workspace_id, handle.service_id, handle.entity_id, handle.tool_events
                );
                Start::Call(HttpCall {
                    path: TOKEN_PATH.into(),
                    bearer: handle.key,
                    body: Some(body),
                })
            }
            Ok(handle) => Start::Ready(started(handle.session())),
            Err(text) => Start::Refused(StartFailure::BadSetting(text)),
        }
    }

    /// Reads the relay's answer to the token call (only made with `data-relay="true"`).
    fn started(&self, status: u16, body: &str) -> Result<Started, StartFailure> {
        match status {
            200..=299 => {}
            401 | 403 => return Err(StartFailure::KeyRejected),
            429 => return Err(StartFailure::Busy),
            400..=499 => return Err(StartFailure::Http(status)),
            _ => return Err(StartFailure::ServerTrouble),
        }
        // A `relay::RelayToken`, read as a handle (`token` is the key's alias).
        let mut handle = Handle::parse(body).ok_or(StartFailure::Unreadable)?;
        let ids = [&handle.workspace_id, &handle.service_id, &handle.entity_id];
        if handle.key.is_empty() || !ids.iter().all(|id| is_uuid(id)) {
            return Err(StartFailure::Unreadable);
        }
        handle.relay = true;
        Ok(started(handle.session()))
    }

    /// Amigo has no call that ends a session; closing the socket is all.
    fn end(&self, _session: &SessionHandle) -> Option<HttpCall> {
        None
    }

    fn socket(&self, session: &SessionHandle) -> Option<SocketTarget> {
        let Handle {
            workspace_id: w,
            service_id: s,
            entity_id: e,
            tool_events,
            key,
            relay,
        } = Handle::read(session)?;
        Some(if relay {
            // The relay's token rides in the query (a browser cannot set headers on a
            // socket); the relay adds `auth, <key>` upstream.
            SocketTarget {
                path: relay_socket_path(&w, &s, &e, tool_events, &key),
                protocols: Vec::new(),
            }
        } else {
            SocketTarget {
                path: socket_path(&w, &s, &e, tool_events),
                protocols: vec![AUTH_PROTOCOL.into(), key],
            }
        })
    }

    fn decoder(&self) -> Box<dyn Decoder> {
        Box::new(AmigoDecoder::default())
    }

    /// Only chat text has an Amigo message. Its context and client id have no field and are
    /// left out; a text out of the 1..=10,000 range is still sent (the server answers with
    /// `client_error`, which is said to the visitor) rather than dropped unseen.
    fn encode(&self, _session: &SessionHandle, action: &VisitorAction) -> Option<String> {
        match action {
            // `ClientMessage::UserText`'s shape.
            VisitorAction::Say { text, .. } => Some(
                object([
                    ("type", Some(Value::str("user_text"))),
                    ("text", Some(Value::str(text))),
                ])
                .to_json(),
            ),
            VisitorAction::Heartbeat
            | VisitorAction::PageEvent(_)
            | VisitorAction::LeadSubmitted { .. } => None,
        }
    }

    fn options(&self) -> &'static [&'static str] {
        &[
            option::WORKSPACE_ID,
            option::SERVICE_ID,
            option::ENTITY_ID,
            option::TOOL_EVENTS,
            option::RELAY,
        ]
    }

    /// Seed 004: `user_text` is 1 to 10,000 characters.
    fn max_text_chars(&self) -> Option<usize> {
        Some(10_000)
    }

    /// The service and entity name the conversation; there is no product.
    fn needs_product(&self) -> bool {
        false
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
            // Only Docent's relay closes with it (it passes Amigo's own 4401 on as 4001): its
            // token expired or is not good, so get a new one; the thread continues.
            relay_close::TOKEN_REJECTED => (CloseKind::NewSession, Some(ErrorCode::InvalidToken)),
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
        let (name, data) = split_event(frame)?;
        self.read(&name, &data)
            .map_err(|detail| DecodeError::BadField {
                message_type: name,
                detail,
            })
    }
}

/// Splits a server frame into its `event` and `data` (`{}` when absent), with a typed
/// error for each way it can be wrong, as `ServerEvent::parse` does on the server's side.
fn split_event(frame: &str) -> Result<(String, Value), DecodeError> {
    let mut value = json::parse(frame).map_err(|e| DecodeError::NotJson(e.to_string()))?;
    if value.as_object().is_none() {
        return Err(DecodeError::NotAnObject);
    }
    let name = match value.take("event") {
        Some(Value::String(name)) => name,
        _ => return Err(DecodeError::MissingType),
    };
    if !SERVER_EVENTS.contains(&name.as_str()) {
        return Err(DecodeError::UnknownType(name.chars().take(64).collect()));
    }
    Ok((
        name,
        value.take("data").unwrap_or(Value::Object(Vec::new())),
    ))
}

impl AmigoDecoder {
    /// The events of one frame of a known event; the error names the bad field. Every
    /// field is checked as the seed types it, read or not (as serde's derive did).
    fn read(&mut self, name: &str, data: &Value) -> Result<Vec<AgentEvent>, String> {
        let f = Fields::of(data)?;
        Ok(match name {
            "session.created" => {
                f.opt_str("entity_id")?;
                f.opt_str("service_id")?;
                vec![AgentEvent::SessionReady {
                    session_id: f.str("conversation_id")?,
                    greeting: None,
                }]
            }
            "token" => {
                let text = f.str("text")?;
                if text.is_empty() {
                    vec![]
                } else {
                    self.streamed.push_str(&text);
                    vec![AgentEvent::TextDelta(text)]
                }
            }
            // `tier` has no documented type: any value.
            "thinking" => {
                f.opt_str("tier_name")?;
                vec![AgentEvent::Typing(true)]
            }
            "tool_call_started" | "tool_call_completed" => {
                f.opt_str("call_id")?;
                let finished = name == "tool_call_completed";
                let succeeded = if finished {
                    f.opt_bool("succeeded")?
                } else {
                    None
                };
                vec![AgentEvent::ToolActivity {
                    name: f.str("tool_name")?,
                    finished,
                    succeeded,
                }]
            }
            "message" => {
                let role = f.opt_str("role")?;
                let text = f.str("text")?;
                if role.as_deref() == Some("user") {
                    vec![]
                } else {
                    self.streamed.clear();
                    vec![reply(text)]
                }
            }
            "done" => {
                f.opt_str("conversation_id")?;
                f.opt_str("status")?;
                f.opt_u64("turn_count")?;
                if self.streamed.is_empty() {
                    vec![AgentEvent::Typing(false)]
                } else {
                    vec![reply(std::mem::take(&mut self.streamed))]
                }
            }
            _ => {
                let status_code = match f.opt_u64("status_code")? {
                    Some(code) => {
                        Some(u16::try_from(code).map_err(|_| "`status_code` is out of range")?)
                    }
                    None => None,
                };
                let error = ErrorEvent {
                    code: f.str("code")?,
                    message: f.opt_str("message")?.unwrap_or_default(),
                    retryable: f.opt_bool("retryable")?,
                    status_code,
                };
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

/// A session that starts (or resumes) at the socket: the greeting arrives over it.
fn started(session: SessionHandle) -> Started {
    Started {
        session,
        agent_name: None,
        greeting: None,
        // The thread is the entity's and the service's: a new connection continues it.
        resumed: true,
    }
}

fn reply(text: String) -> AgentEvent {
    AgentEvent::Message(AgentMessage {
        text,
        ..AgentMessage::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: &str = "11111111-2222-4333-8444-555555555555";
    const S: &str = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
    const E: &str = "01234567-89ab-4cde-8f01-23456789abcd";

    fn settings(key: &str, options: &[(&str, &str)]) -> Settings {
        Settings {
            product_id: String::new(),
            key: key.into(),
            options: options
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn good(key: &str) -> Settings {
        settings(
            key,
            &[("workspace-id", W), ("service-id", S), ("entity-id", E)],
        )
    }

    fn refusal(settings: &Settings) -> String {
        match Amigo.start(settings) {
            Start::Refused(StartFailure::BadSetting(text)) => text,
            other => panic!("expected a bad setting, got {other:?}"),
        }
    }

    fn started(settings: &Settings) -> SessionHandle {
        match Amigo.start(settings) {
            Start::Ready(Started {
                session,
                agent_name: None,
                greeting: None,
                ..
            }) => session,
            other => panic!("expected ready, got {other:?}"),
        }
    }

    #[test]
    fn good_settings_start_without_a_call_and_connect_with_subprotocol_auth() {
        let mut s = good("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-_x");
        s.options.push(("tool-events".into(), "TRUE".into()));
        let target = Amigo.socket(&started(&s)).unwrap();
        assert_eq!(
            target.path,
            format!("/v1/{W}/sessions/connect?service_id={S}&entity_id={E}&tool_events=true")
        );
        assert_eq!(
            target.protocols,
            ["auth", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-_x"]
        );
        // Not set: the documented default, sent explicitly.
        let target = Amigo.socket(&started(&good("k"))).unwrap();
        assert!(
            target.path.ends_with("&tool_events=false"),
            "{}",
            target.path
        );
        assert_eq!(Amigo.end(&started(&good("k"))), None);
    }

    #[test]
    fn a_handle_that_is_not_amigos_has_no_socket() {
        assert_eq!(Amigo.socket(&SessionHandle("{\"id\":\"x\"}".into())), None);
        assert_eq!(Amigo.socket(&SessionHandle("nonsense".into())), None);
    }

    #[test]
    fn each_bad_setting_is_refused_with_what_is_wrong() {
        let uuid_hint = "should look like 123e4567-e89b-12d3-a456-426614174000.";
        let cases: Vec<(Settings, String)> = vec![
            (
                settings("k", &[("service-id", S), ("entity-id", E)]),
                "data-workspace-id is missing: Amigo needs the workspace id as a UUID \
                 (like 123e4567-e89b-12d3-a456-426614174000)."
                    .into(),
            ),
            (
                settings("k", &[("workspace-id", W), ("entity-id", E)]),
                "data-service-id is missing: Amigo needs the service id as a UUID \
                 (like 123e4567-e89b-12d3-a456-426614174000)."
                    .into(),
            ),
            (
                settings(
                    "k",
                    &[("workspace-id", W), ("service-id", S), ("entity-id", " ")],
                ),
                "data-entity-id is missing: Amigo needs the entity id as a UUID \
                 (like 123e4567-e89b-12d3-a456-426614174000)."
                    .into(),
            ),
            (
                settings(
                    "k",
                    &[
                        ("workspace-id", "acme"),
                        ("service-id", S),
                        ("entity-id", E),
                    ],
                ),
                format!("data-workspace-id is not a UUID: `acme` {uuid_hint}"),
            ),
            (
                settings(
                    "k",
                    &[
                        ("workspace-id", W),
                        ("service-id", &S[..35]),
                        ("entity-id", E),
                    ],
                ),
                format!("data-service-id is not a UUID: `{}` {uuid_hint}", &S[..35]),
            ),
            (
                settings(
                    "k",
                    &[
                        ("workspace-id", W),
                        ("service-id", S),
                        ("entity-id", E),
                        ("tool-events", "yes"),
                    ],
                ),
                "data-tool-events must be `true` or `false`, not `yes`.".into(),
            ),
            (
                good(""),
                "data-public-key is missing: Amigo needs an API key or access token (JWT).".into(),
            ),
            (
                good("auth"),
                "data-public-key is `auth`, which is the name of the subprotocol it travels \
                 with, not a key."
                    .into(),
            ),
        ];
        for (settings, expected) in cases {
            assert_eq!(refusal(&settings), expected);
        }
    }

    #[test]
    fn a_key_a_subprotocol_cannot_carry_is_refused_naming_the_character_not_the_key() {
        let tail = "Amigo carries the key as a WebSocket subprotocol (`auth, <key>`), which \
                    allows only letters, digits and !#$%&'*+-.^_`|~ — use a key or token \
                    without it.";
        for (key, what) in [
            ("sk:secret", "`:` at character 3"),
            ("a/b", "`/` at character 2"),
            ("abc=", "`=` at character 4"),
            ("two words", "a space at character 4"),
            ("tab\there", "a control character (U+0009) at character 4"),
            ("clé", "`é` (not ASCII) at character 3"),
            ("a,b", "`,` at character 2"),
        ] {
            let text = refusal(&good(key));
            assert_eq!(text, format!("data-public-key contains {what}: {tail}"));
            if key.len() > 4 {
                assert!(!text.contains(key), "the key leaked into {text}");
            }
        }
    }

    #[test]
    fn surrounding_whitespace_is_not_part_of_a_setting() {
        let handle = started(&settings(
            "  key-1 ",
            &[
                ("workspace-id", &format!(" {W}\n")),
                ("service-id", S),
                ("entity-id", E),
            ],
        ));
        let target = Amigo.socket(&handle).unwrap();
        assert!(target.path.starts_with(&format!("/v1/{W}/")));
        assert_eq!(target.protocols, ["auth", "key-1"]);
    }

    fn relayed(key: &str, extra: &[(&str, &str)]) -> Settings {
        let mut s = good(key);
        s.options.push(("relay".into(), "true".into()));
        s.options
            .extend(extra.iter().map(|(n, v)| (n.to_string(), v.to_string())));
        s
    }

    #[test]
    fn through_the_relay_the_session_starts_with_a_token_call_and_the_sites_key() {
        let call = match Amigo.start(&relayed("pk_live_site", &[("tool-events", "true")])) {
            Start::Call(call) => call,
            other => panic!("expected a call, got {other:?}"),
        };
        assert_eq!(call.path, "/relay/amigo/token");
        assert_eq!(call.bearer, "pk_live_site");
        let body = call.body.unwrap();
        let value: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"workspace_id": W, "service_id": S, "entity_id": E,
                "tool_events": true})
        );
        // What the relay reads.
        let request: super::super::relay::TokenRequest = serde_json::from_str(&body).unwrap();
        assert!(request.tool_events && request.entity_id == E);
        // Not a subprotocol, so a key a subprotocol could not carry is no problem; a
        // missing one is said as such.
        assert!(matches!(
            Amigo.start(&relayed("pk_live:x", &[])),
            Start::Call(_)
        ));
        assert_eq!(
            refusal(&relayed("", &[])),
            "data-public-key is missing: the Amigo relay needs this site's public key."
        );
        let mut s = good("k");
        s.options.push(("relay".into(), "yes".into()));
        assert_eq!(
            refusal(&s),
            "data-relay must be `true` or `false`, not `yes`."
        );
        let mut s = good("k");
        s.options.push(("relay".into(), "FALSE".into()));
        assert!(matches!(Amigo.start(&s), Start::Ready(_)));
    }

    fn token_answer(token: &str, ids: [&str; 3]) -> String {
        serde_json::json!({"token": token, "expires_in": 1800, "workspace_id": ids[0],
            "service_id": ids[1], "entity_id": ids[2], "tool_events": true})
        .to_string()
    }

    #[test]
    fn the_relays_token_opens_the_relays_socket_without_a_subprotocol() {
        let started = Amigo
            .started(200, &token_answer("h.p-y_s+/=", [W, S, E]))
            .unwrap();
        assert_eq!((started.agent_name, started.greeting), (None, None));
        let target = Amigo.socket(&started.session).unwrap();
        assert_eq!(
            target.path,
            format!(
                "/relay/amigo/v1/{W}/sessions/connect?service_id={S}&entity_id={E}\
                 &tool_events=true&token=h.p-y_s%2B%2F%3D"
            )
        );
        assert!(target.protocols.is_empty(), "{:?}", target.protocols);
        // A handle saved before the relay existed reads as a direct one.
        let old = SessionHandle(format!(
            "{{\"workspace_id\":\"{W}\",\"service_id\":\"{S}\",\"entity_id\":\"{E}\",\
             \"tool_events\":false,\"key\":\"k\"}}"
        ));
        assert_eq!(Amigo.socket(&old).unwrap().protocols, ["auth", "k"]);
    }

    #[test]
    fn each_failed_token_call_is_a_start_failure() {
        for (status, body, failure) in [
            (401, "{}", StartFailure::KeyRejected),
            (
                403,
                r#"{"error":{"code":"ORIGIN_NOT_ALLOWED"}}"#,
                StartFailure::KeyRejected,
            ),
            (429, "", StartFailure::Busy),
            (400, "", StartFailure::Http(400)),
            (503, "", StartFailure::ServerTrouble),
            (200, "not json", StartFailure::Unreadable),
            (200, &token_answer("", [W, S, E]), StartFailure::Unreadable),
            (
                200,
                &token_answer("t", [W, "x", E]),
                StartFailure::Unreadable,
            ),
        ] {
            assert_eq!(Amigo.started(status, body), Err(failure), "{status} {body}");
        }
    }

    fn frame(event: &str, data: serde_json::Value) -> String {
        serde_json::json!({"event": event, "data": data}).to_string()
    }

    fn message(text: &str) -> AgentEvent {
        reply(text.into())
    }

    #[test]
    fn tokens_stream_as_deltas_and_done_makes_them_one_message() {
        let mut d = Amigo.decoder();
        let mut events = Vec::new();
        for piece in ["Hel", "lo", "", " there"] {
            events.extend(
                d.decode(&frame("token", serde_json::json!({"text": piece})))
                    .unwrap(),
            );
        }
        events.extend(d.decode(&frame("done", serde_json::json!({}))).unwrap());
        assert_eq!(
            events,
            [
                AgentEvent::TextDelta("Hel".into()),
                AgentEvent::TextDelta("lo".into()),
                AgentEvent::TextDelta(" there".into()),
                message("Hello there"),
            ]
        );
        // The next turn starts from nothing.
        d.decode(&frame("token", serde_json::json!({"text": "Next"})))
            .unwrap();
        assert_eq!(
            d.decode(&frame("done", serde_json::json!({}))).unwrap(),
            [message("Next")]
        );
    }

    #[test]
    fn a_message_is_the_whole_reply_and_done_after_it_adds_nothing() {
        let mut d = Amigo.decoder();
        d.decode(&frame("token", serde_json::json!({"text": "Hel"})))
            .unwrap();
        assert_eq!(
            d.decode(&frame(
                "message",
                serde_json::json!({"role": "assistant", "text": "Hello!"})
            ))
            .unwrap(),
            [message("Hello!")]
        );
        assert_eq!(
            d.decode(&frame("done", serde_json::json!({"status": "completed"})))
                .unwrap(),
            [AgentEvent::Typing(false)]
        );
        // The visitor's own text echoed back shows nothing.
        assert_eq!(
            d.decode(&frame(
                "message",
                serde_json::json!({"role": "user", "text": "hi"})
            ))
            .unwrap(),
            []
        );
    }

    #[test]
    fn each_connection_gets_a_fresh_decoder() {
        let mut first = Amigo.decoder();
        first
            .decode(&frame("token", serde_json::json!({"text": "cut off"})))
            .unwrap();
        let mut second = Amigo.decoder();
        second
            .decode(&frame("token", serde_json::json!({"text": "Again"})))
            .unwrap();
        assert_eq!(
            second
                .decode(&frame("done", serde_json::json!({})))
                .unwrap(),
            [message("Again")]
        );
    }

    #[test]
    fn thinking_is_typing_and_tools_are_activity() {
        let mut d = Amigo.decoder();
        assert_eq!(
            d.decode(&frame(
                "thinking",
                serde_json::json!({"tier": 1, "tier_name": "fast"})
            ))
            .unwrap(),
            [AgentEvent::Typing(true)]
        );
        assert_eq!(
            d.decode(&frame(
                "tool_call_started",
                serde_json::json!({"tool_name": "lookup_order", "call_id": "c1", "input": {"id": 7}})
            ))
            .unwrap(),
            [AgentEvent::ToolActivity {
                name: "lookup_order".into(),
                finished: false,
                succeeded: None
            }]
        );
        assert_eq!(
            d.decode(&frame(
                "tool_call_completed",
                serde_json::json!({"tool_name": "lookup_order", "call_id": "c1",
                    "result": "shipped", "succeeded": false})
            ))
            .unwrap(),
            [AgentEvent::ToolActivity {
                name: "lookup_order".into(),
                finished: true,
                succeeded: Some(false)
            }]
        );
    }

    fn error(data: serde_json::Value) -> AgentError {
        let events = Amigo.decoder().decode(&frame("error", data)).unwrap();
        match events.as_slice() {
            [AgentEvent::Error(error)] => error.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_are_retryable_as_the_seed_says() {
        for (data, retryable) in [
            (serde_json::json!({"code": "stream_interrupted"}), true),
            (
                serde_json::json!({"code": "turn_timeout", "retryable": false}),
                true,
            ),
            (serde_json::json!({"code": "idle_timeout"}), true),
            (
                serde_json::json!({"code": "client_error", "retryable": true}),
                false,
            ),
            (
                serde_json::json!({"code": "upstream_error", "retryable": true}),
                true,
            ),
            (
                serde_json::json!({"code": "upstream_error", "retryable": false, "status_code": 503}),
                false,
            ),
            (
                serde_json::json!({"code": "upstream_error", "status_code": 503}),
                true,
            ),
            (
                serde_json::json!({"code": "upstream_error", "status_code": 429}),
                true,
            ),
            (
                serde_json::json!({"code": "upstream_error", "status_code": 400}),
                false,
            ),
            (serde_json::json!({"code": "upstream_error"}), false),
            (serde_json::json!({"code": "unknown"}), false),
            (
                serde_json::json!({"code": "unknown", "retryable": true}),
                true,
            ),
        ] {
            let e = error(data.clone());
            assert_eq!(e.retryable, retryable, "{data}");
            assert!(!e.fatal, "{data}");
            assert_eq!(e.code.as_str(), data["code"].as_str().unwrap());
        }
        let e = error(serde_json::json!({"code": "turn_timeout", "message": "Too slow"}));
        assert_eq!(e.message, "Too slow");
        assert_eq!(
            error(serde_json::json!({"code": "turn_timeout"})).message,
            "turn_timeout"
        );
    }

    #[test]
    fn text_streamed_before_an_error_is_not_part_of_the_retried_reply() {
        let mut d = Amigo.decoder();
        d.decode(&frame("token", serde_json::json!({"text": "Half a "})))
            .unwrap();
        d.decode(&frame(
            "error",
            serde_json::json!({"code": "stream_interrupted"}),
        ))
        .unwrap();
        d.decode(&frame("token", serde_json::json!({"text": "Whole reply"})))
            .unwrap();
        assert_eq!(
            d.decode(&frame("done", serde_json::json!({}))).unwrap(),
            [message("Whole reply")]
        );
    }

    #[test]
    fn close_codes_are_classified_as_the_seed_and_the_sdk_say() {
        let other = |s: &str| Some(ErrorCode::Other(s.into()));
        let table = [
            (1000, CloseKind::Final, None),
            (1001, CloseKind::Retry, None),
            (1006, CloseKind::Retry, None),
            (1008, CloseKind::Final, None),
            (1011, CloseKind::Retry, None),
            (4000, CloseKind::Final, other("invalid_parameters")),
            (4001, CloseKind::Final, Some(ErrorCode::InvalidToken)),
            (4003, CloseKind::Final, Some(ErrorCode::InvalidToken)),
            (4004, CloseKind::Final, other("not_found")),
            (4029, CloseKind::RateLimited, other("rate_limited")),
            (4100, CloseKind::Final, None),
            (4403, CloseKind::Final, Some(ErrorCode::InvalidToken)),
            (4503, CloseKind::Retry, other("unavailable")),
            // The relay's token: get a new one.
            (4401, CloseKind::NewSession, Some(ErrorCode::InvalidToken)),
            (4999, CloseKind::Retry, None),
        ];
        for (code, kind, reason) in table {
            assert_eq!(
                Amigo.classify_close(code),
                Closed { kind, reason },
                "{code}"
            );
        }
    }

    #[test]
    fn only_chat_text_is_encoded() {
        let say = VisitorAction::Say {
            text: "Where is my order?".into(),
            context: Some(crate::json::from_serde(&serde_json::json!({"url": "/x"}))),
            client_id: Some("c-1".into()),
        };
        let value: serde_json::Value =
            serde_json::from_str(&Amigo.encode(&SessionHandle::default(), &say).unwrap()).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"type": "user_text", "text": "Where is my order?"})
        );
        assert_eq!(
            Amigo.encode(&SessionHandle::default(), &VisitorAction::Heartbeat),
            None
        );
        assert_eq!(
            Amigo.encode(
                &SessionHandle::default(),
                &VisitorAction::PageEvent(Default::default())
            ),
            None
        );
        assert_eq!(
            Amigo.encode(
                &SessionHandle::default(),
                &VisitorAction::LeadSubmitted { values: vec![] }
            ),
            None
        );
        assert_eq!(Amigo.heartbeat_ms(), None);
    }

    /// The hand-written reader accepts and refuses what the server's serde types do.
    #[test]
    fn the_widget_reads_events_as_the_serde_types_do() {
        let frames = [
            r#"{"event":"session.created","data":{"conversation_id":"c","entity_id":"e"}}"#,
            r#"{"event":"session.created","data":{"conversation_id":5}}"#,
            r#"{"event":"session.created","data":{"conversation_id":"c","service_id":[]}}"#,
            r#"{"event":"token","data":{"text":"Hi"}}"#,
            r#"{"event":"token","data":{"text":""}}"#,
            r#"{"event":"token","data":{}}"#,
            r#"{"event":"token"}"#,
            r#"{"event":"token","data":[]}"#,
            r#"{"event":"token","data":null}"#,
            r#"{"event":"thinking","data":{"tier":{"any":[1]},"tier_name":"fast"}}"#,
            r#"{"event":"thinking","data":{"tier_name":1}}"#,
            r#"{"event":"tool_call_started","data":{"tool_name":"t","input":{"id":7}}}"#,
            r#"{"event":"tool_call_started","data":{"call_id":"c"}}"#,
            r#"{"event":"tool_call_completed","data":{"tool_name":"t","succeeded":false,"result":[1]}}"#,
            r#"{"event":"tool_call_completed","data":{"tool_name":"t","succeeded":"no"}}"#,
            r#"{"event":"message","data":{"role":"assistant","text":"Hello"}}"#,
            r#"{"event":"message","data":{"role":"user","text":"hi"}}"#,
            r#"{"event":"message","data":{"role":7,"text":"hi"}}"#,
            r#"{"event":"done","data":{"status":"completed","turn_count":3}}"#,
            r#"{"event":"done","data":{"turn_count":-3}}"#,
            r#"{"event":"error","data":{"code":"upstream_error","status_code":503}}"#,
            r#"{"event":"error","data":{"code":"upstream_error","status_code":70000}}"#,
            r#"{"event":"error","data":{"message":"m"}}"#,
            r#"{"event":"error","data":{"code":"x","retryable":"yes"}}"#,
            r#"{"event":"nope","data":{}}"#,
            r#"{"event":1}"#,
            r#"{"data":{}}"#,
            r#""text""#,
            "{not json",
        ];
        for frame in frames {
            let ours = AmigoDecoder::default().decode(frame);
            let serde = super::super::ServerEvent::parse(frame);
            match (&ours, &serde) {
                (Ok(_), Ok(_)) => {}
                (Err(a), Err(b)) => assert_eq!(
                    std::mem::discriminant(a),
                    std::mem::discriminant(b),
                    "{frame}: {a} / {b}"
                ),
                _ => panic!("{frame}: ours {ours:?}, serde's {serde:?}"),
            }
        }
    }

    #[test]
    fn a_handle_saved_by_the_serde_codec_still_connects_and_the_shape_stays() {
        // As `serde_json::to_string(&Handle)` wrote it before the widget left serde.
        let saved = format!(
            r#"{{"workspace_id":"{W}","service_id":"{W}","entity_id":"{W}","tool_events":true,"key":"k","relay":false}}"#
        );
        let handle = Handle::read(&SessionHandle(saved.clone())).unwrap();
        assert_eq!(handle.session().0, saved);
        assert_eq!(
            Amigo.socket(&handle.session()).unwrap().protocols,
            ["auth", "k"]
        );
        // Older saves had no `relay`.
        let older = saved.replace(r#","relay":false"#, "");
        assert_eq!(Handle::read(&SessionHandle(older)), Some(handle));
    }
}
