//! The live-demo dialect on the reference server's side: visitor frames in, agent output
//! out, and seed 002's close codes.

use super::{
    close, AgentResponse, ClientMessage, Cta, LeadFormPayload, Pong, ServerMessage,
    TypingIndicator, LEAD_EVENT,
};
use crate::dialect::DecodeError;
use crate::model::{ErrorCode, PageEvent, VisitorAction};
use crate::server_dialect::{Closing, Ending, Outgoing, Rejected, ServerDialect};
use serde_json::Value;

/// RFC 6455's policy-violation close.
const POLICY_VIOLATION: u16 = 1008;
/// The registered "try again later" close.
const TRY_AGAIN_LATER: u16 = 1013;

/// The live-demo codec, for the reference server.
#[derive(Debug, Clone, Copy, Default)]
pub struct LiveDemoServer;

impl ServerDialect for LiveDemoServer {
    fn name(&self) -> &'static str {
        "live-demo"
    }

    fn read(&self, frame: &str) -> Result<VisitorAction, Rejected> {
        let message = ClientMessage::parse(frame).map_err(|e| Rejected {
            // The seed has one code for a type it does not know, one for everything else.
            code: match e {
                DecodeError::MissingType | DecodeError::UnknownType(_) => ErrorCode::UnknownType,
                _ => ErrorCode::InvalidJson,
            },
            message: e.to_string(),
        })?;
        Ok(match message {
            ClientMessage::VisitorMessage(message) => VisitorAction::Say {
                text: message.text,
                context: message.context.as_ref().map(crate::json::from_serde),
                client_id: message.client_message_id,
            },
            ClientMessage::Heartbeat(_) => VisitorAction::Heartbeat,
            // Docent's extension: a submitted lead rides on an `iframe_event`.
            ClientMessage::IframeEvent(event) if event.event == LEAD_EVENT => {
                VisitorAction::LeadSubmitted {
                    values: event
                        .lead
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(name, value)| {
                            let value = match value {
                                Value::String(text) => text,
                                // A number or a flag is kept in its JSON spelling.
                                other => other.to_string(),
                            };
                            (name, value)
                        })
                        .collect(),
                }
            }
            ClientMessage::IframeEvent(event) => VisitorAction::PageEvent(PageEvent {
                event: event.event,
                selector: event.selector,
                url: event.url,
                action: event.action,
                error: event.error,
            }),
        })
    }

    fn write(&self, output: &Outgoing) -> String {
        let message = match output {
            Outgoing::Typing { agent_id, on } => ServerMessage::TypingIndicator(TypingIndicator {
                agent_id: agent_id.clone(),
                is_typing: *on,
            }),
            Outgoing::Reply(reply) => ServerMessage::AgentResponse(AgentResponse {
                text: reply.text.clone(),
                speech: reply.speech.clone(),
                iframe_commands: Some(reply.commands.clone()).filter(|c| !c.is_empty()),
                suggestions: Some(reply.suggestions.clone()).filter(|s| !s.is_empty()),
                agent_id: reply.agent_id.clone(),
                reply_to: reply.reply_to.clone(),
            }),
            Outgoing::LeadForm(form) => ServerMessage::LeadForm(LeadFormPayload {
                fields: form.fields.iter().map(|f| f.name.clone()).collect(),
                // The seed's call to action needs a text; a bare URL has no button to go on.
                cta: form.cta_text.clone().map(|text| Cta {
                    text,
                    url: form.cta_url.clone(),
                }),
            }),
            Outgoing::Error { code, message } => ServerMessage::error(code, message.clone()),
            Outgoing::Pong { ts } => ServerMessage::Pong(Pong { ts: *ts }),
            // Seed 002 has no streaming: thinking and its end are typing, an error during a
            // turn is an error, and the rest has no frame (the whole reply says it all).
            Outgoing::Thinking { .. } => ServerMessage::TypingIndicator(TypingIndicator {
                agent_id: None,
                is_typing: true,
            }),
            Outgoing::Done { .. } => ServerMessage::TypingIndicator(TypingIndicator {
                agent_id: None,
                is_typing: false,
            }),
            Outgoing::TurnError { code, message, .. } => {
                ServerMessage::error(code, message.clone())
            }
            Outgoing::SessionReady { .. } | Outgoing::Tool(_) | Outgoing::Delta(_) => {
                return String::new()
            }
        };
        message.to_json()
    }

    fn closing(&self, ending: Ending) -> Closing {
        let auth_failed = "Authentication failed";
        let (code, message, close, reason) = match ending {
            Ending::AuthRequired => (
                ErrorCode::AuthRequired,
                "No token provided",
                close::AUTH_FAILED,
                auth_failed,
            ),
            Ending::InvalidToken => (
                ErrorCode::InvalidToken,
                "Token is invalid or expired",
                close::AUTH_FAILED,
                auth_failed,
            ),
            Ending::SessionNotFound => (
                ErrorCode::SessionNotFound,
                "Session does not exist",
                close::SESSION_NOT_FOUND,
                "Session not found",
            ),
            // An expired session is gone for good: 4004, after saying why.
            Ending::SessionExpired => (
                ErrorCode::SessionExpired,
                "Session expired",
                close::SESSION_NOT_FOUND,
                "Session expired",
            ),
            Ending::SessionEnded => {
                return Closing {
                    error: None,
                    code: close::NORMAL,
                    reason: "Session ended".into(),
                }
            }
            // Seed 002 names neither: its socket has no parameters beyond the token, and an
            // unavailable server refuses the upgrade over HTTP. Standard codes, should they come.
            Ending::InvalidRequest => (
                ErrorCode::InvalidJson,
                "Invalid request",
                POLICY_VIOLATION,
                "Invalid request",
            ),
            Ending::Unavailable => {
                return Closing {
                    error: None,
                    code: TRY_AGAIN_LATER,
                    reason: "Try again later".into(),
                }
            }
        };
        Closing {
            error: Some((code, message.into())),
            code: close,
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LeadField;
    use crate::model::LeadForm;
    use crate::server_dialect::Reply;
    use serde_json::json;

    fn read(frame: Value) -> Result<VisitorAction, Rejected> {
        LiveDemoServer.read(&frame.to_string())
    }

    fn written(output: Outgoing) -> Value {
        serde_json::from_str(&LiveDemoServer.write(&output)).unwrap()
    }

    #[test]
    fn visitor_frames_read_as_actions() {
        assert_eq!(
            read(json!({"type": "visitor_message",
                "payload": {"text": "hi", "clientMessageId": "m1"}})),
            Ok(VisitorAction::Say {
                text: "hi".into(),
                context: None,
                client_id: Some("m1".into())
            })
        );
        assert_eq!(
            read(json!({"type": "heartbeat"})),
            Ok(VisitorAction::Heartbeat)
        );
        assert_eq!(
            read(json!({"type": "iframe_event", "payload": {"event": "click", "selector": "#b"}})),
            Ok(VisitorAction::PageEvent(PageEvent {
                event: "click".into(),
                selector: Some("#b".into()),
                ..PageEvent::default()
            }))
        );
        assert_eq!(
            read(json!({"type": "iframe_event",
                "payload": {"event": "lead_submitted", "lead": {"email": "a@b.co", "seats": 5}}})),
            Ok(VisitorAction::LeadSubmitted {
                values: vec![
                    ("email".into(), "a@b.co".into()),
                    ("seats".into(), "5".into())
                ]
            })
        );
    }

    #[test]
    fn unreadable_frames_get_the_seed_codes() {
        let code = |frame: &str| LiveDemoServer.read(frame).unwrap_err().code;
        assert_eq!(code("{nope"), ErrorCode::InvalidJson);
        assert_eq!(code("[1]"), ErrorCode::InvalidJson);
        assert_eq!(code(r#"{"payload":{}}"#), ErrorCode::UnknownType);
        assert_eq!(code(r#"{"type":"surprise"}"#), ErrorCode::UnknownType);
        assert_eq!(
            code(r#"{"type":"visitor_message","payload":{}}"#),
            ErrorCode::InvalidJson
        );
        assert_eq!(
            LiveDemoServer.read_binary(b"x").unwrap_err().code,
            ErrorCode::InvalidJson
        );
    }

    #[test]
    fn agent_output_writes_as_seed_frames() {
        assert_eq!(
            written(Outgoing::Typing {
                agent_id: Some("demo".into()),
                on: true
            }),
            json!({"type": "typing_indicator", "payload": {"agentId": "demo", "isTyping": true}})
        );
        assert_eq!(
            written(Outgoing::Reply(Reply {
                text: "Here".into(),
                commands: vec![json!({"action": "navigate", "url": "/d"})],
                suggestions: vec!["More".into()],
                reply_to: Some("m1".into()),
                ..Reply::default()
            })),
            json!({"type": "agent_response", "payload": {"text": "Here",
                "iframeCommands": [{"action": "navigate", "url": "/d"}],
                "suggestions": ["More"], "replyTo": "m1"}})
        );
        assert_eq!(
            written(Outgoing::LeadForm(LeadForm {
                fields: vec![LeadField::from_name("email")],
                cta_text: Some("Go".into()),
                cta_url: None
            })),
            json!({"type": "lead_form", "payload": {"fields": ["email"], "cta": {"text": "Go"}}})
        );
        assert_eq!(
            written(Outgoing::Error {
                code: ErrorCode::EmptyMessage,
                message: "Message text is empty".into()
            }),
            json!({"type": "error", "payload": {"code": "EMPTY_MESSAGE", "message": "Message text is empty"}})
        );
        assert_eq!(
            written(Outgoing::Pong { ts: Some(7) }),
            json!({"type": "pong", "payload": {"ts": 7}})
        );
    }

    #[test]
    fn streaming_output_maps_to_typing_or_nothing() {
        assert_eq!(
            written(Outgoing::Thinking { label: None }),
            json!({"type": "typing_indicator", "payload": {"isTyping": true}})
        );
        assert_eq!(
            written(Outgoing::Done {
                conversation_id: "c".into(),
                turn_count: 1
            }),
            json!({"type": "typing_indicator", "payload": {"isTyping": false}})
        );
        assert_eq!(
            written(Outgoing::TurnError {
                code: ErrorCode::Other("TIMEOUT".into()),
                message: "Too slow".into(),
                retryable: true,
                status: None
            }),
            json!({"type": "error", "payload": {"code": "TIMEOUT", "message": "Too slow"}})
        );
        for silent in [
            Outgoing::SessionReady {
                conversation_id: "c".into(),
            },
            Outgoing::Delta("Hel".into()),
            Outgoing::Tool(Default::default()),
        ] {
            assert_eq!(LiveDemoServer.write(&silent), "");
        }
    }

    #[test]
    fn endings_close_with_the_seed_codes() {
        let code = |ending| LiveDemoServer.closing(ending).code;
        assert_eq!(code(Ending::AuthRequired), 4001);
        assert_eq!(code(Ending::InvalidToken), 4001);
        assert_eq!(code(Ending::SessionNotFound), 4004);
        assert_eq!(code(Ending::SessionExpired), 4004);
        assert_eq!(code(Ending::InvalidRequest), 1008);
        assert_eq!(code(Ending::Unavailable), 1013);
        let ended = LiveDemoServer.closing(Ending::SessionEnded);
        assert_eq!((ended.code, ended.error), (1000, None));
        assert_eq!(
            LiveDemoServer.closing(Ending::SessionExpired).error,
            Some((ErrorCode::SessionExpired, "Session expired".into()))
        );
    }
}
