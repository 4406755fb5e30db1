//! The Amigo dialect on the reference server's side: `user_text` frames in, seed 004's
//! `{"event", "data"}` frames out, and its close codes.
//!
//! What the seed leaves open, and what this side chose (the client's choices are in the
//! module doc of [`super`]):
//! - **Refusals** are a close with the seed's code and a reason, and no `error` frame (the
//!   seed lists the close codes as the answer "before or shortly after acceptance").
//! - **Idle timeout**: an `error` `idle_timeout` (retryable) and then a normal close (1000):
//!   the seed says the server closes, not with which code.
//! - **`retryable`** is always written, from the seed's table (`upstream_error` says it
//!   explicitly, with its `status_code`).
//! - **`thinking`** carries `tier_name` only: the type of `tier` is not documented.
//! - **`done.status`** is `completed`; **`message.role`** is `assistant`.
//! - **Tool events** are written only when the connection asked for them (`tool_events=true`);
//!   otherwise a tool's output writes as nothing.

use super::{
    close, error_code, user_text_problem, ClientMessage, Done, ErrorEvent, MessageEvent,
    ServerEvent, SessionCreated, Thinking, Token, ToolCallCompleted, ToolCallStarted,
};
use crate::model::{ErrorCode, VisitorAction};
use crate::server_dialect::{Closing, Ending, Outgoing, Rejected, ServerDialect};

/// The Amigo codec for one connection of the reference server: it knows what the connection
/// was opened for, since `session.created` repeats it and tool events depend on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AmigoServer {
    pub entity_id: Option<String>,
    pub service_id: Option<String>,
    /// The connection's `tool_events` parameter.
    pub tool_events: bool,
}

/// The Amigo spelling of a neutral error code: the wire's own codes travel as
/// `ErrorCode::Other`; what a frame could not say is the client's error.
pub fn wire_code(code: &ErrorCode) -> String {
    match code {
        ErrorCode::Other(code) => code.clone(),
        ErrorCode::InvalidJson
        | ErrorCode::EmptyMessage
        | ErrorCode::UnknownType
        | ErrorCode::MessageRejected => error_code::CLIENT_ERROR.into(),
        ErrorCode::SessionExpired => error_code::IDLE_TIMEOUT.into(),
        ErrorCode::AuthRequired
        | ErrorCode::InvalidToken
        | ErrorCode::SessionNotFound
        | ErrorCode::PdpNotFound => error_code::UNKNOWN.into(),
    }
}

fn client_error(message: String) -> Rejected {
    Rejected {
        code: ErrorCode::Other(error_code::CLIENT_ERROR.into()),
        message,
    }
}

impl ServerDialect for AmigoServer {
    fn name(&self) -> &'static str {
        "amigo"
    }

    /// Every unreadable frame, and a text out of 1..=10,000 characters, is `client_error`.
    fn read(&self, frame: &str) -> Result<VisitorAction, Rejected> {
        let ClientMessage::UserText(message) =
            ClientMessage::parse(frame).map_err(|e| client_error(e.to_string()))?;
        if let Some(problem) = user_text_problem(&message.text) {
            return Err(client_error(problem));
        }
        Ok(VisitorAction::Say {
            text: message.text,
            context: None,
            client_id: None,
        })
    }

    fn read_binary(&self, _frame: &[u8]) -> Result<VisitorAction, Rejected> {
        Err(client_error(
            "Binary frames are not supported: send JSON text".into(),
        ))
    }

    fn write(&self, output: &Outgoing) -> String {
        let event = match output {
            Outgoing::SessionReady { conversation_id } => {
                ServerEvent::SessionCreated(SessionCreated {
                    conversation_id: conversation_id.clone(),
                    entity_id: self.entity_id.clone(),
                    service_id: self.service_id.clone(),
                })
            }
            Outgoing::Thinking { label } => ServerEvent::Thinking(Thinking {
                tier: None,
                tier_name: label.clone(),
            }),
            Outgoing::Typing { on: true, .. } => ServerEvent::Thinking(Thinking::default()),
            Outgoing::Tool(_) if !self.tool_events => return String::new(),
            Outgoing::Tool(tool) if tool.finished => {
                ServerEvent::ToolCallCompleted(ToolCallCompleted {
                    tool_name: tool.name.clone(),
                    call_id: Some(tool.call_id.clone()),
                    result: tool.result.clone(),
                    succeeded: tool.ok,
                })
            }
            Outgoing::Tool(tool) => ServerEvent::ToolCallStarted(ToolCallStarted {
                tool_name: tool.name.clone(),
                call_id: Some(tool.call_id.clone()),
                input: tool.input.clone(),
            }),
            Outgoing::Delta(text) => ServerEvent::Token(Token { text: text.clone() }),
            Outgoing::Reply(reply) => ServerEvent::Message(MessageEvent {
                role: Some("assistant".into()),
                text: reply.text.clone(),
            }),
            Outgoing::Done {
                conversation_id,
                turn_count,
            } => ServerEvent::Done(Done {
                conversation_id: Some(conversation_id.clone()),
                status: Some("completed".into()),
                turn_count: Some(*turn_count),
            }),
            Outgoing::Error { code, message } => {
                let mut error = ErrorEvent {
                    code: wire_code(code),
                    message: message.clone(),
                    retryable: None,
                    status_code: None,
                };
                error.retryable = Some(error.is_retryable());
                ServerEvent::Error(error)
            }
            Outgoing::TurnError {
                code,
                message,
                retryable,
                status,
            } => ServerEvent::Error(ErrorEvent {
                code: wire_code(code),
                message: message.clone(),
                retryable: Some(*retryable),
                status_code: *status,
            }),
            // No frame: the turn's end is `done`, and the seed has no lead form or heartbeat.
            Outgoing::Typing { on: false, .. } | Outgoing::LeadForm(_) | Outgoing::Pong { .. } => {
                return String::new()
            }
        };
        event.to_json()
    }

    fn closing(&self, ending: Ending) -> Closing {
        let (code, reason) = match ending {
            Ending::InvalidRequest => (close::INVALID_PARAMETERS, "Invalid request parameters"),
            Ending::AuthRequired => (close::AUTH_FAILED, "Authentication failed: no credentials"),
            Ending::InvalidToken => (
                close::AUTH_FAILED,
                "Authentication failed: invalid or expired credentials",
            ),
            Ending::SessionNotFound => (close::NOT_FOUND, "Resource not found"),
            Ending::Unavailable => (close::UNAVAILABLE, "Service temporarily unavailable"),
            Ending::SessionEnded => (close::NORMAL, "Session ended"),
            Ending::SessionExpired => {
                return Closing {
                    error: Some((
                        ErrorCode::Other(error_code::IDLE_TIMEOUT.into()),
                        "No messages received within the idle window".into(),
                    )),
                    code: close::NORMAL,
                    reason: "Idle timeout".into(),
                }
            }
        };
        Closing {
            error: None,
            code,
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server_dialect::{Reply, ToolActivity};
    use serde_json::{json, Value};

    fn server(tool_events: bool) -> AmigoServer {
        AmigoServer {
            entity_id: Some("e".into()),
            service_id: Some("s".into()),
            tool_events,
        }
    }

    fn written(dialect: &AmigoServer, output: Outgoing) -> Value {
        serde_json::from_str(&dialect.write(&output)).unwrap()
    }

    #[test]
    fn user_text_reads_and_everything_else_is_a_client_error() {
        let s = server(false);
        assert_eq!(
            s.read(r#"{"type":"user_text","text":"hi"}"#),
            Ok(VisitorAction::Say {
                text: "hi".into(),
                context: None,
                client_id: None
            })
        );
        let long = json!({"type": "user_text", "text": "x".repeat(10_001)}).to_string();
        for frame in [
            "{nope",
            "[1]",
            r#"{"text":"hi"}"#,
            r#"{"type":"heartbeat"}"#,
            r#"{"type":"user_text"}"#,
            r#"{"type":"user_text","text":""}"#,
            &long,
        ] {
            let rejected = s.read(frame).unwrap_err();
            assert_eq!(
                rejected.code,
                ErrorCode::Other("client_error".into()),
                "{frame}"
            );
            assert!(!rejected.message.is_empty());
        }
        let max = json!({"type": "user_text", "text": "é".repeat(10_000)}).to_string();
        assert!(s.read(&max).is_ok());
        assert_eq!(
            s.read_binary(b"x").unwrap_err().code,
            ErrorCode::Other("client_error".into())
        );
    }

    #[test]
    fn output_writes_as_the_event_shapes_of_protocols_md() {
        let s = server(true);
        assert_eq!(
            written(
                &s,
                Outgoing::SessionReady {
                    conversation_id: "c1".into()
                }
            ),
            json!({"event": "session.created",
                "data": {"conversation_id": "c1", "entity_id": "e", "service_id": "s"}})
        );
        assert_eq!(
            written(
                &s,
                Outgoing::Thinking {
                    label: Some("fast".into())
                }
            ),
            json!({"event": "thinking", "data": {"tier_name": "fast"}})
        );
        let mut tool = ToolActivity {
            call_id: "call_1".into(),
            name: "lookup_order".into(),
            input: Some(json!({"order_id": "1234"})),
            ..ToolActivity::default()
        };
        assert_eq!(
            written(&s, Outgoing::Tool(tool.clone())),
            json!({"event": "tool_call_started", "data": {"tool_name": "lookup_order",
                "call_id": "call_1", "input": {"order_id": "1234"}}})
        );
        tool.finished = true;
        tool.ok = Some(true);
        tool.result = Some(json!({"status": "shipped"}));
        assert_eq!(
            written(&s, Outgoing::Tool(tool.clone())),
            json!({"event": "tool_call_completed", "data": {"tool_name": "lookup_order",
                "call_id": "call_1", "result": {"status": "shipped"}, "succeeded": true}})
        );
        assert_eq!(server(false).write(&Outgoing::Tool(tool)), "");
        assert_eq!(
            written(&s, Outgoing::Delta("Hel".into())),
            json!({"event": "token", "data": {"text": "Hel"}})
        );
        assert_eq!(
            written(
                &s,
                Outgoing::Reply(Reply {
                    text: "Hello".into(),
                    ..Reply::default()
                })
            ),
            json!({"event": "message", "data": {"role": "assistant", "text": "Hello"}})
        );
        assert_eq!(
            written(
                &s,
                Outgoing::Done {
                    conversation_id: "c1".into(),
                    turn_count: 2
                }
            ),
            json!({"event": "done", "data": {"conversation_id": "c1", "status": "completed",
                "turn_count": 2}})
        );
        assert_eq!(
            written(
                &s,
                Outgoing::TurnError {
                    code: ErrorCode::Other("upstream_error".into()),
                    message: "Bad gateway".into(),
                    retryable: true,
                    status: Some(502)
                }
            ),
            json!({"event": "error", "data": {"code": "upstream_error", "message": "Bad gateway",
                "retryable": true, "status_code": 502}})
        );
        assert_eq!(
            written(
                &s,
                Outgoing::Error {
                    code: ErrorCode::EmptyMessage,
                    message: "Empty".into()
                }
            ),
            json!({"event": "error", "data": {"code": "client_error", "message": "Empty",
                "retryable": false}})
        );
        for silent in [
            Outgoing::Typing {
                agent_id: None,
                on: false,
            },
            Outgoing::Pong { ts: Some(1) },
            Outgoing::LeadForm(crate::model::LeadForm {
                fields: vec![],
                cta_text: None,
                cta_url: None,
            }),
        ] {
            assert_eq!(s.write(&silent), "");
        }
    }

    #[test]
    fn every_written_event_parses_back_with_the_client_codec() {
        let s = server(true);
        for output in [
            Outgoing::SessionReady {
                conversation_id: "c".into(),
            },
            Outgoing::Thinking { label: None },
            Outgoing::Delta("x".into()),
            Outgoing::Done {
                conversation_id: "c".into(),
                turn_count: 1,
            },
            Outgoing::Error {
                code: ErrorCode::Other("turn_timeout".into()),
                message: String::new(),
            },
        ] {
            assert!(ServerEvent::parse(&s.write(&output)).is_ok(), "{output:?}");
        }
    }

    #[test]
    fn endings_close_with_the_seed_codes() {
        let s = server(false);
        let code = |ending| s.closing(ending).code;
        assert_eq!(code(Ending::InvalidRequest), 4000);
        assert_eq!(code(Ending::AuthRequired), 4001);
        assert_eq!(code(Ending::InvalidToken), 4001);
        assert_eq!(code(Ending::SessionNotFound), 4004);
        assert_eq!(code(Ending::Unavailable), 4503);
        assert_eq!(code(Ending::SessionEnded), 1000);
        let idle = s.closing(Ending::SessionExpired);
        assert_eq!(idle.code, 1000);
        let (error, _) = idle.error.unwrap();
        let frame = s.write(&Outgoing::Error {
            code: error,
            message: "idle".into(),
        });
        assert_eq!(
            serde_json::from_str::<Value>(&frame).unwrap()["data"],
            json!({"code": "idle_timeout", "message": "idle", "retryable": true})
        );
        assert!(s.closing(Ending::InvalidToken).error.is_none());
    }
}
