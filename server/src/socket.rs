//! The live-demo socket: `/ws/session/{id}?token=…`.
//!
//! One connection runs three small tasks joined by channels: a reader that answers
//! heartbeats and checks every frame at once, a turn runner that answers visitor messages
//! strictly in order (typing on, reply, typing off, lead form), and a writer that owns the
//! socket's sending half. So a slow reply never delays a pong.

use crate::sessions::{unix_millis, Lookup};
use crate::AppState;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use docent_protocol::live_demo::{
    close, AgentResponse, ClientMessage, IframeEvent, Pong, ServerMessage, TypingIndicator,
    LEAD_EVENT,
};
use docent_protocol::{DecodeError, ErrorCode};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::mpsc;

#[derive(Debug, Deserialize)]
pub struct SocketQuery {
    token: Option<String>,
}

pub async fn upgrade(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<SocketQuery>,
) -> Response {
    ws.on_upgrade(move |socket| serve(socket, state, id, query.token))
}

/// What the writer task sends.
enum Outbound {
    Frame(ServerMessage),
    Close(u16, &'static str),
}

/// Why a socket is refused: the error frame to send, then the close code and reason.
struct Refusal {
    code: ErrorCode,
    message: &'static str,
    close: u16,
    reason: &'static str,
}

fn admit(state: &AppState, id: &str, token: Option<&str>) -> Result<(), Refusal> {
    let auth_failed = "Authentication failed";
    let token = match token.map(str::trim) {
        None | Some("") => {
            return Err(Refusal {
                code: ErrorCode::AuthRequired,
                message: "No token provided",
                close: close::AUTH_FAILED,
                reason: auth_failed,
            })
        }
        Some(token) => token,
    };
    match state.tokens.check(token) {
        Ok(sid) if sid == id => {}
        _ => {
            return Err(Refusal {
                code: ErrorCode::InvalidToken,
                message: "Token is invalid or expired",
                close: close::AUTH_FAILED,
                reason: auth_failed,
            })
        }
    }
    match state.sessions.lookup(id, state.config.idle_timeout) {
        Lookup::Live => Ok(()),
        Lookup::NotFound => Err(Refusal {
            code: ErrorCode::SessionNotFound,
            message: "Session does not exist",
            close: close::SESSION_NOT_FOUND,
            reason: "Session not found",
        }),
        Lookup::Expired => Err(EXPIRED),
    }
}

/// An idle session ends with `SESSION_EXPIRED`, then 4004: the session is gone for good.
const EXPIRED: Refusal = Refusal {
    code: ErrorCode::SessionExpired,
    message: "Session expired",
    close: close::SESSION_NOT_FOUND,
    reason: "Session expired",
};

async fn serve(mut socket: WebSocket, state: AppState, id: String, token: Option<String>) {
    if let Err(refusal) = admit(&state, &id, token.as_deref()) {
        refuse(&mut socket, refusal).await;
        return;
    }
    let Some(ended) = state.sessions.with(&id, |s| s.ended_signal.clone()) else {
        return;
    };
    state.sessions.touch(&id);
    let (mut sink, mut stream) = socket.split();
    let (out, mut outbound) = mpsc::unbounded_channel::<Outbound>();
    let writer = tokio::spawn(async move {
        while let Some(item) = outbound.recv().await {
            let message = match item {
                Outbound::Frame(frame) => Message::Text(frame.to_json().into()),
                Outbound::Close(code, reason) => Message::Close(Some(CloseFrame {
                    code,
                    reason: reason.into(),
                })),
            };
            let closing = matches!(message, Message::Close(_));
            if sink.send(message).await.is_err() || closing {
                break;
            }
        }
    });
    let (turns, turn_queue) = mpsc::unbounded_channel::<Turn>();
    let turn_runner = tokio::spawn(run_turns(state.clone(), turn_queue, out.clone()));

    loop {
        let frame = tokio::select! {
            frame = tokio::time::timeout(state.config.idle_timeout, stream.next()) => frame,
            _ = ended.notified() => {
                let _ = out.send(Outbound::Close(close::NORMAL, "Session ended"));
                break;
            }
        };
        let frame = match frame {
            Err(_idle) => {
                let _ = out.send(Outbound::Frame(ServerMessage::error(
                    &EXPIRED.code,
                    EXPIRED.message,
                )));
                let _ = out.send(Outbound::Close(EXPIRED.close, EXPIRED.reason));
                break;
            }
            Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Message::Close(_)))) => break,
            Ok(Some(Ok(frame))) => frame,
        };
        state.sessions.touch(&id);
        let text = match frame {
            Message::Text(text) => text,
            Message::Binary(_) => {
                let error = ServerMessage::error(
                    &ErrorCode::InvalidJson,
                    "Binary frames are not supported",
                );
                let _ = out.send(Outbound::Frame(error));
                continue;
            }
            _ => continue,
        };
        match ClientMessage::parse(text.as_str()) {
            Err(e) => {
                let code = match e {
                    DecodeError::MissingType | DecodeError::UnknownType(_) => {
                        ErrorCode::UnknownType
                    }
                    _ => ErrorCode::InvalidJson,
                };
                let _ = out.send(Outbound::Frame(ServerMessage::error(&code, e.to_string())));
            }
            Ok(ClientMessage::Heartbeat(_)) => {
                state.sessions.with(&id, |s| s.record.heartbeats += 1);
                let pong = ServerMessage::Pong(Pong {
                    ts: Some(unix_millis()),
                });
                let _ = out.send(Outbound::Frame(pong));
            }
            Ok(ClientMessage::VisitorMessage(message)) => {
                if message.text.trim().is_empty() {
                    let error =
                        ServerMessage::error(&ErrorCode::EmptyMessage, "Message text is empty");
                    let _ = out.send(Outbound::Frame(error));
                    continue;
                }
                state.sessions.with(&id, |s| {
                    s.record.visitor_messages.push(message.text.clone())
                });
                let _ = turns.send(Turn::Visitor(message.text));
            }
            Ok(ClientMessage::IframeEvent(event)) => {
                if let Some(reply) = record_page_event(&state, &id, event) {
                    let _ = turns.send(Turn::Reaction(reply));
                }
            }
        }
    }
    drop(turns);
    drop(out);
    turn_runner.abort();
    let _ = writer.await;
}

/// Records an `iframe_event`; returns the agent's reaction when the script has one for it
/// that this session has not had yet.
fn record_page_event(state: &AppState, id: &str, event: IframeEvent) -> Option<AgentResponse> {
    state
        .sessions
        .with(id, |s| {
            if event.event == LEAD_EVENT {
                let lead = event.lead.clone().unwrap_or_default();
                s.record.leads.push(serde_json::Value::Object(lead));
                return None;
            }
            s.record
                .page_events
                .push(serde_json::to_value(&event).unwrap_or_default());
            let reaction = state.script.react(
                &event.event,
                event.url.as_deref(),
                event.selector.as_deref(),
            )?;
            if s.reactions_given.contains(&reaction) {
                return None;
            }
            s.reactions_given.push(reaction);
            Some(state.script.page_events[reaction].reply.clone())
        })
        .flatten()
}

/// What the turn runner answers.
enum Turn {
    Visitor(String),
    Reaction(AgentResponse),
}

/// Answers visitor messages one after another, as the seed's lifecycle describes.
async fn run_turns(
    state: AppState,
    mut queue: mpsc::UnboundedReceiver<Turn>,
    out: mpsc::UnboundedSender<Outbound>,
) {
    let agent_id = Some(state.script.agent.id.clone());
    let typing = |is_typing| {
        Outbound::Frame(ServerMessage::TypingIndicator(TypingIndicator {
            agent_id: agent_id.clone(),
            is_typing,
        }))
    };
    while let Some(turn) = queue.recv().await {
        let (reply, lead_form) = match turn {
            Turn::Visitor(text) => {
                let answer = state.script.answer(&text);
                (answer.reply, answer.lead_form)
            }
            Turn::Reaction(reply) => (reply, None),
        };
        let _ = out.send(typing(true));
        tokio::time::sleep(state.config.reply_delay).await;
        let _ = out.send(Outbound::Frame(ServerMessage::AgentResponse(reply)));
        let _ = out.send(typing(false));
        if let Some(form) = lead_form {
            let _ = out.send(Outbound::Frame(ServerMessage::LeadForm(form)));
        }
    }
}

async fn refuse(socket: &mut WebSocket, refusal: Refusal) {
    let error = ServerMessage::error(&refusal.code, refusal.message);
    let _ = socket.send(Message::Text(error.to_json().into())).await;
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code: refusal.close,
            reason: refusal.reason.into(),
        })))
        .await;
}
