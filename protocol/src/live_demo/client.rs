//! The live-demo dialect on the widget's side: a session over REST, then the socket.

use super::{
    close, end_path, socket_path, ClientMessage, Empty, HttpError, IframeEvent, ServerMessage,
    SessionRequest, SessionResponse, VisitorMessage, HEARTBEAT_MS, LEAD_EVENT, SESSION_PATH,
};
use crate::dialect::{
    ClientDialect, CloseKind, Closed, DecodeError, Decoder, HttpCall, SessionHandle, Settings,
    SocketTarget, Start, StartFailure, Started,
};
use crate::model::{AgentEvent, ErrorCode, PageEvent, VisitorAction};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The live-demo codec, for the widget.
#[derive(Debug, Clone, Copy, Default)]
pub struct LiveDemo;

impl ClientDialect for LiveDemo {
    fn name(&self) -> &'static str {
        "live-demo"
    }

    fn start(&self, settings: &Settings) -> Start {
        let body = SessionRequest {
            product_id: settings.product_id.clone(),
            visitor_meta: None,
        };
        Start::Call(HttpCall {
            path: SESSION_PATH.into(),
            bearer: settings.key.clone(),
            body: serde_json::to_string(&body).ok(),
        })
    }

    fn started(&self, status: u16, body: &str) -> Result<Started, StartFailure> {
        if !(200..300).contains(&status) {
            let code = serde_json::from_str::<HttpError>(body)
                .map(|e| ErrorCode::parse(&e.error.code))
                .ok();
            return Err(match (status, code) {
                (_, Some(ErrorCode::PdpNotFound)) => StartFailure::Refused(ErrorCode::PdpNotFound),
                (401 | 403, _) => StartFailure::KeyRejected,
                (429, _) => StartFailure::Busy,
                (400..=499, _) => StartFailure::Http(status),
                _ => StartFailure::ServerTrouble,
            });
        }
        let session: SessionResponse =
            serde_json::from_str(body).map_err(|_| StartFailure::Unreadable)?;
        let handle = Handle {
            id: session.session_id,
            token: session.token,
        };
        Ok(Started {
            session: SessionHandle(
                serde_json::to_string(&handle).map_err(|_| StartFailure::Unreadable)?,
            ),
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
        let message = match action {
            VisitorAction::Say {
                text,
                context,
                client_id,
            } => ClientMessage::VisitorMessage(VisitorMessage {
                text: text.clone(),
                context: context.clone(),
                client_message_id: client_id.clone(),
            }),
            VisitorAction::Heartbeat => ClientMessage::Heartbeat(Empty {}),
            VisitorAction::PageEvent(PageEvent {
                event,
                selector,
                url,
                action,
                error,
            }) => ClientMessage::IframeEvent(IframeEvent {
                event: event.clone(),
                selector: selector.clone(),
                url: url.clone(),
                action: action.clone(),
                error: error.clone(),
                lead: None,
            }),
            VisitorAction::LeadSubmitted { values } => ClientMessage::IframeEvent(IframeEvent {
                event: LEAD_EVENT.into(),
                lead: Some(
                    values
                        .iter()
                        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                        .collect(),
                ),
                ..IframeEvent::default()
            }),
        };
        Some(message.to_json())
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
        ServerMessage::parse(frame).map(ServerMessage::into_events)
    }
}

/// What the widget keeps of a live-demo session: its id and the socket's token.
#[derive(Debug, Serialize, Deserialize)]
struct Handle {
    id: String,
    token: String,
}

impl Handle {
    fn read(session: &SessionHandle) -> Option<Handle> {
        serde_json::from_str(&session.0).ok()
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
        let body: Value = serde_json::from_str(call.body.as_deref().unwrap()).unwrap();
        assert_eq!(body["productId"], "crm");
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
}
