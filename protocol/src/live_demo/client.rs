//! The live-demo dialect on the widget's side: a session over REST, then the socket.

use super::{
    close, end_path, socket_path, SessionResponse, HEARTBEAT_MS, LEAD_EVENT, SERVER_TYPES,
    SESSION_PATH,
};
use crate::command::commands_from_json;
use crate::dialect::{
    ClientDialect, CloseKind, Closed, DecodeError, Decoder, HttpCall, SessionHandle, Settings,
    SocketTarget, Start, StartFailure, Started,
};
use crate::json::{self, object, Fields, Value};
use crate::model::{
    AgentError, AgentEvent, AgentMessage, ErrorCode, LeadField, LeadForm, PageEvent, VisitorAction,
};

/// The live-demo codec, for the widget.
#[derive(Debug, Clone, Copy, Default)]
pub struct LiveDemo;

impl ClientDialect for LiveDemo {
    fn name(&self) -> &'static str {
        "live-demo"
    }

    fn start(&self, settings: &Settings) -> Start {
        // A `SessionRequest` without visitor details.
        let body = object([("productId", Some(Value::str(&settings.product_id)))]);
        Start::Call(HttpCall {
            path: SESSION_PATH.into(),
            bearer: settings.key.clone(),
            body: Some(body.to_json()),
        })
    }

    fn started(&self, status: u16, body: &str) -> Result<Started, StartFailure> {
        if !(200..300).contains(&status) {
            let code = error_code(body);
            return Err(match (status, code) {
                (_, Some(ErrorCode::PdpNotFound)) => StartFailure::Refused(ErrorCode::PdpNotFound),
                (401 | 403, _) => StartFailure::KeyRejected,
                (429, _) => StartFailure::Busy,
                (400..=499, _) => StartFailure::Http(status),
                _ => StartFailure::ServerTrouble,
            });
        }
        let session = read_session(body).ok_or(StartFailure::Unreadable)?;
        let handle = Handle {
            id: session.session_id,
            token: session.token,
        };
        Ok(Started {
            session: SessionHandle(handle.to_json()),
            agent_name: Some(session.agent.name).filter(|n| !n.is_empty()),
            greeting: Some(session.greeting),
            resumed: false,
        })
    }

    fn end(&self, session: &SessionHandle) -> Option<HttpCall> {
        let handle = Handle::read(session)?;
        Some(HttpCall {
            path: end_path(&handle.id),
            bearer: handle.token,
            body: None,
        })
    }

    fn socket(&self, session: &SessionHandle) -> Option<SocketTarget> {
        let handle = Handle::read(session)?;
        Some(SocketTarget {
            path: socket_path(&handle.id, &handle.token),
            protocols: Vec::new(),
        })
    }

    fn decoder(&self) -> Box<dyn Decoder> {
        Box::new(LiveDemo)
    }

    fn heartbeat_ms(&self) -> Option<u32> {
        Some(HEARTBEAT_MS)
    }

    fn encode(&self, _session: &SessionHandle, action: &VisitorAction) -> Option<String> {
        // Written by hand in `ClientMessage`'s shape: `{"type", "payload"}`, absent optional
        // fields left out.
        let text = |value: &Option<String>| value.as_deref().map(Value::str);
        let (message_type, payload) = match action {
            VisitorAction::Say {
                text: words,
                context,
                client_id,
            } => (
                "visitor_message",
                object([
                    ("text", Some(Value::str(words))),
                    ("context", context.clone()),
                    ("clientMessageId", text(client_id)),
                ]),
            ),
            VisitorAction::Heartbeat => ("heartbeat", Value::Object(Vec::new())),
            VisitorAction::PageEvent(PageEvent {
                event,
                selector,
                url,
                action,
                error,
            }) => (
                "iframe_event",
                object([
                    ("event", Some(Value::str(event))),
                    ("selector", text(selector)),
                    ("url", text(url)),
                    ("action", text(action)),
                    ("error", text(error)),
                ]),
            ),
            VisitorAction::LeadSubmitted { values } => (
                "iframe_event",
                object([
                    ("event", Some(Value::str(LEAD_EVENT))),
                    (
                        "lead",
                        Some(Value::Object(
                            values
                                .iter()
                                .map(|(k, v)| (k.clone(), Value::str(v)))
                                .collect(),
                        )),
                    ),
                ]),
            ),
        };
        let frame = object([
            ("type", Some(Value::str(message_type))),
            ("payload", Some(payload)),
        ]);
        Some(frame.to_json())
    }

    fn classify_close(&self, code: u16) -> Closed {
        let (kind, reason) = match code {
            close::NORMAL => (CloseKind::Final, None),
            close::AUTH_FAILED => (CloseKind::NewSession, Some(ErrorCode::InvalidToken)),
            close::SESSION_NOT_FOUND => (CloseKind::NewSession, Some(ErrorCode::SessionNotFound)),
            // Policy violation: the same request would be refused again.
            1008 => (CloseKind::Final, None),
            4029 => (CloseKind::RateLimited, None),
            _ => (CloseKind::Retry, None),
        };
        Closed { kind, reason }
    }
}

/// Live-demo frames carry no per-connection state: the codec reads them as they come.
impl Decoder for LiveDemo {
    fn decode(&mut self, frame: &str) -> Result<Vec<AgentEvent>, DecodeError> {
        let (message_type, payload) = split_tagged(frame)?;
        read_frame(&message_type, &payload).map_err(|detail| DecodeError::BadField {
            message_type,
            detail,
        })
    }
}

/// Splits a server frame into its `type` and `payload`, with a typed error for each way it
/// can be wrong (as `ServerMessage::parse` does on the server's side). A missing payload
/// reads as `{}`.
fn split_tagged(frame: &str) -> Result<(String, Value), DecodeError> {
    let mut value = json::parse(frame).map_err(|e| DecodeError::NotJson(e.to_string()))?;
    if value.as_object().is_none() {
        return Err(DecodeError::NotAnObject);
    }
    let message_type = match value.take("type") {
        Some(Value::String(name)) => name,
        _ => return Err(DecodeError::MissingType),
    };
    if !SERVER_TYPES.contains(&message_type.as_str()) {
        return Err(DecodeError::UnknownType(
            message_type.chars().take(64).collect(),
        ));
    }
    let payload = value.take("payload").unwrap_or(Value::Object(Vec::new()));
    Ok((message_type, payload))
}

/// The events of one server frame of a known type; the error names the bad field. Every
/// field is checked as the seed types it, read or not (as serde's derive did).
fn read_frame(message_type: &str, payload: &Value) -> Result<Vec<AgentEvent>, String> {
    let f = Fields::of(payload)?;
    let event = match message_type {
        "agent_response" => {
            let text = f.str("text")?;
            let speech = f.opt_str("speech")?;
            // Kept raw until here so that one malformed command fails alone.
            let commands = f.opt_array("iframeCommands")?.unwrap_or_default();
            let suggestions = f.opt_strings("suggestions")?.unwrap_or_default();
            AgentEvent::Message(AgentMessage {
                text,
                speech,
                suggestions,
                commands: commands_from_json(commands),
                agent_id: f.opt_str("agentId")?,
                reply_to: f.opt_str("replyTo")?,
                products: Vec::new(),
            })
        }
        "typing_indicator" => {
            f.opt_str("agentId")?;
            AgentEvent::Typing(f.bool("isTyping")?)
        }
        "lead_form" => {
            let fields = f.strings("fields")?;
            let cta = match f.opt_object("cta")? {
                Some(cta) => Some((cta.str("text")?, cta.opt_str("url")?)),
                None => None,
            };
            let (cta_text, cta_url) = cta.unzip();
            AgentEvent::LeadForm(LeadForm {
                fields: fields
                    .iter()
                    .filter(|name| !name.trim().is_empty())
                    .map(|name| LeadField::from_name(name))
                    .collect(),
                cta_text,
                cta_url: cta_url.flatten(),
            })
        }
        "error" => {
            let code = ErrorCode::parse(&f.str("code")?);
            let message = f.str("message")?;
            AgentEvent::Error(AgentError {
                retryable: false,
                fatal: code.ends_session(),
                code,
                message,
            })
        }
        _ => AgentEvent::Pong {
            ts: f.opt_u64("ts")?,
        },
    };
    Ok(vec![event])
}

/// The `code` of a failed REST call's `{"error": {"code", "message"}}` body, if it is one.
fn error_code(body: &str) -> Option<ErrorCode> {
    let body = json::parse(body).ok()?;
    let error = Fields::of(&body).ok()?.object("error").ok()?;
    error.str("message").ok()?;
    Some(ErrorCode::parse(&error.str("code").ok()?))
}

/// The answer of `POST /api/v1/session`.
fn read_session(body: &str) -> Option<SessionResponse> {
    let body = json::parse(body).ok()?;
    let f = Fields::of(&body).ok()?;
    let agent = f.object("agent").ok()?;
    Some(SessionResponse {
        session_id: f.str("sessionId").ok()?,
        token: f.str("token").ok()?,
        greeting: crate::model::read_greeting(&f.object("greeting").ok()?).ok()?,
        agent: super::AgentProfile {
            name: agent.str("name").ok()?,
            tone: agent.opt_str("tone").ok()?.unwrap_or_default(),
        },
    })
}

/// What the widget keeps of a live-demo session: its id and the socket's token, as
/// `{"id","token"}` (saved with the conversation, so the shape stays).
#[derive(Debug)]
struct Handle {
    id: String,
    token: String,
}

impl Handle {
    fn read(session: &SessionHandle) -> Option<Handle> {
        let value = json::parse(&session.0).ok()?;
        let f = Fields::of(&value).ok()?;
        Some(Handle {
            id: f.str("id").ok()?,
            token: f.str("token").ok()?,
        })
    }

    fn to_json(&self) -> String {
        object([
            ("id", Some(Value::str(&self.id))),
            ("token", Some(Value::str(&self.token))),
        ])
        .to_json()
    }
}

impl SessionResponse {
    /// The session as a normalized event (live-demo greets over REST, not the socket).
    pub fn ready_event(&self) -> AgentEvent {
        AgentEvent::SessionReady {
            session_id: self.session_id.clone(),
            greeting: Some(self.greeting.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::ServerMessage;
    use super::*;

    fn settings() -> Settings {
        Settings {
            product_id: "crm".into(),
            key: "pk_1".into(),
            options: Vec::new(),
        }
    }

    const ANSWER: &str = r#"{"sessionId":"s 1","token":"t+1","greeting":{"text":"Hi","suggestions":["Go"]},"agent":{"name":"Ava","tone":"warm"}}"#;

    #[test]
    fn a_session_starts_over_rest_with_the_public_key() {
        let Start::Call(call) = LiveDemo.start(&settings()) else {
            panic!("live-demo starts with a POST");
        };
        assert_eq!(call.path, SESSION_PATH);
        assert_eq!(call.bearer, "pk_1");
        let body: serde_json::Value = serde_json::from_str(call.body.as_deref().unwrap()).unwrap();
        assert_eq!(body, serde_json::json!({"productId": "crm"}));
    }

    #[test]
    fn the_answer_becomes_a_handle_that_connects_and_ends_that_session() {
        let started = LiveDemo.started(201, ANSWER).unwrap();
        assert_eq!(started.agent_name.as_deref(), Some("Ava"));
        assert_eq!(started.greeting.unwrap().suggestions, ["Go"]);
        let socket = LiveDemo.socket(&started.session).unwrap();
        assert_eq!(socket.path, "/ws/session/s%201?token=t%2B1");
        assert!(socket.protocols.is_empty());
        let end = LiveDemo.end(&started.session).unwrap();
        assert_eq!(
            (end.path.as_str(), end.bearer.as_str()),
            ("/api/v1/session/s%201/end", "t+1")
        );
        assert!(LiveDemo.socket(&SessionHandle("not ours".into())).is_none());
    }

    #[test]
    fn refusals_are_read_as_meanings() {
        let pdp = r#"{"error":{"code":"PDP_NOT_FOUND","message":"x"}}"#;
        assert_eq!(
            LiveDemo.started(404, pdp),
            Err(StartFailure::Refused(ErrorCode::PdpNotFound))
        );
        assert_eq!(LiveDemo.started(401, ""), Err(StartFailure::KeyRejected));
        assert_eq!(LiveDemo.started(429, ""), Err(StartFailure::Busy));
        assert_eq!(LiveDemo.started(422, "{}"), Err(StartFailure::Http(422)));
        assert_eq!(
            LiveDemo.started(502, "<html>"),
            Err(StartFailure::ServerTrouble)
        );
        assert_eq!(LiveDemo.started(200, "{"), Err(StartFailure::Unreadable));
    }

    #[test]
    fn a_close_says_why_when_the_seed_does() {
        assert_eq!(
            LiveDemo.classify_close(4001).reason,
            Some(ErrorCode::InvalidToken)
        );
        assert_eq!(
            LiveDemo.classify_close(4004).reason,
            Some(ErrorCode::SessionNotFound)
        );
        assert_eq!(LiveDemo.classify_close(1006).reason, None);
    }

    /// The hand-written reader and the server's serde types agree on every frame: the same
    /// events, or an error of the same kind.
    #[test]
    fn the_widget_reads_frames_as_the_serde_types_do() {
        let frames = [
            r##"{"type":"agent_response","payload":{"text":"Hi","speech":null,"suggestions":["a"],"agentId":"x","replyTo":"c1","iframeCommands":[{"action":"click","selector":"#a"},{"action":"wait","selector":"#a","timeout":1500.5},7],"extra":{"deep":[1,2]}}}"##,
            r#"{"type":"agent_response","payload":{"text":"Hi","iframeCommands":null}}"#,
            r#"{"type":"agent_response","payload":{"text":5}}"#,
            r#"{"type":"agent_response","payload":{}}"#,
            r#"{"type":"agent_response","payload":{"text":"a","suggestions":[1]}}"#,
            r#"{"type":"agent_response","payload":{"text":"a","suggestions":"a"}}"#,
            r#"{"type":"agent_response","payload":{"text":"a","iframeCommands":{}}}"#,
            r#"{"type":"agent_response","payload":{"text":"a","agentId":3}}"#,
            r#"{"type":"typing_indicator","payload":{"isTyping":false,"agentId":"d"}}"#,
            r#"{"type":"typing_indicator","payload":{"isTyping":"yes"}}"#,
            r#"{"type":"typing_indicator","payload":{"isTyping":true,"agentId":[]}}"#,
            r#"{"type":"typing_indicator","payload":{}}"#,
            r#"{"type":"lead_form","payload":{"fields":["email"," ","phone"],"cta":{"text":"Go","url":"https://x"}}}"#,
            r#"{"type":"lead_form","payload":{"fields":["email"],"cta":{"url":"https://x"}}}"#,
            r#"{"type":"lead_form","payload":{"fields":["email"],"cta":null}}"#,
            r#"{"type":"lead_form","payload":{"cta":{"text":"x"}}}"#,
            r#"{"type":"error","payload":{"code":"SESSION_EXPIRED","message":"m"}}"#,
            r#"{"type":"error","payload":{"code":"X"}}"#,
            r#"{"type":"pong","payload":{"ts":1711000000000}}"#,
            r#"{"type":"pong"}"#,
            r#"{"type":"pong","payload":{"ts":-1}}"#,
            r#"{"type":"pong","payload":{"ts":1.5}}"#,
            r#"{"type":"pong","payload":{"ts":null}}"#,
            r#"{"type":"pong","payload":7}"#,
            r#"{"type":"pong","payload":"x"}"#,
            r#"{"type":"pong","payload":null}"#,
            r#"{"type":"nope","payload":{}}"#,
            r#"{"type":7}"#,
            r#"{"payload":{}}"#,
            r#"[1,2]"#,
            r#"{"type":"pong""#,
            "",
        ];
        for frame in frames {
            let ours = LiveDemo.decode(frame);
            let serde = ServerMessage::parse(frame).map(ServerMessage::into_events);
            match (&ours, &serde) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{frame}"),
                (Err(a), Err(b)) => assert_eq!(
                    std::mem::discriminant(a),
                    std::mem::discriminant(b),
                    "{frame}: {a} / {b}"
                ),
                _ => panic!("{frame}: ours {ours:?}, serde's {serde:?}"),
            }
        }
        assert_eq!(
            LiveDemo.decode(r#"{"type":"typing_indicator","payload":{"isTyping":"yes"}}"#),
            Err(DecodeError::BadField {
                message_type: "typing_indicator".into(),
                detail: "`isTyping` must be a boolean, found a string".into()
            })
        );
        assert_eq!(
            LiveDemo.decode("{").unwrap_err().to_string(),
            "the frame is not valid JSON (EOF while parsing an object at line 1 column 2)"
        );
    }

    #[test]
    fn a_handle_saved_by_the_serde_codec_still_connects() {
        // As `serde_json::to_string(&Handle)` wrote it before the widget left serde.
        let saved = SessionHandle(r#"{"id":"s 1","token":"t+1"}"#.into());
        assert_eq!(
            LiveDemo.socket(&saved).unwrap().path,
            "/ws/session/s%201?token=t%2B1"
        );
        let started = LiveDemo.started(201, ANSWER).unwrap();
        assert_eq!(started.session, saved);
    }

    #[test]
    fn frames_are_written_as_the_serde_types_write_them() {
        let actions = [
            VisitorAction::Say {
                text: "a \"b\"\n".into(),
                context: Some(json::from_serde(
                    &serde_json::json!({"url": "https://x", "n": [1, -2, true, null]}),
                )),
                client_id: Some("c1".into()),
            },
            VisitorAction::Heartbeat,
            VisitorAction::PageEvent(PageEvent {
                event: "command_failed".into(),
                action: Some("click".into()),
                error: Some("not found".into()),
                ..PageEvent::default()
            }),
            VisitorAction::LeadSubmitted {
                values: vec![
                    ("email".into(), "a@b.co".into()),
                    ("company".into(), "Ünï".into()),
                ],
            },
        ];
        for action in actions {
            let frame = LiveDemo.encode(&SessionHandle::default(), &action).unwrap();
            let parsed = super::super::ClientMessage::parse(&frame).unwrap();
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(&frame).unwrap(),
                serde_json::from_str::<serde_json::Value>(&parsed.to_json()).unwrap(),
                "{frame}"
            );
        }
    }
}
