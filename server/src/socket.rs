//! The live-demo socket: `/ws/session/{id}?token=…`.
//!
//! A connection runs a reader that answers heartbeats and checks every frame at once, and a
//! writer that owns the socket's sending half. Visitor messages go to the session's turn
//! runner, which answers strictly in order (typing on, reply, typing off, lead form) on
//! whichever connection the session has *when the reply is ready*: so a slow reply never
//! delays a pong, and a reply survives the connection it was asked on.
//!
//! A visitor message with a `clientMessageId` is answered once: a resend of one still being
//! answered is ignored, and a resend of one already answered gets the same reply again
//! (`replyTo` names the message, so the widget shows it once).
//!
//! In seed-only mode (`Config::seed_only`) none of that: ids are ignored, every message is
//! answered as it comes, on the connection it came on, and a reply whose connection closed
//! is lost, as with a server written from seed 002 alone.

use crate::faults::TurnFate;
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
use tokio::sync::mpsc::{self, UnboundedSender, WeakUnboundedSender};

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
    if state.faults.refusing() {
        use axum::response::IntoResponse;
        return (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "refusing connections for a while (fault injection)",
        )
            .into_response();
    }
    ws.on_upgrade(move |socket| serve(socket, state, id, query.token))
}

/// What the writer task sends.
pub(crate) enum Outbound {
    Frame(ServerMessage),
    Close(u16, &'static str),
    /// Drop the connection without a close frame (fault injection).
    Drop,
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
    let token_for = state.tokens.check(token).map_err(|_| INVALID_TOKEN)?;
    // Seed 002: a session that does not exist closes with 4004, whoever asks for it; a live
    // session opens only with its own token.
    match state.sessions.lookup(id, state.config.idle_timeout) {
        Lookup::Live if token_for == id => Ok(()),
        Lookup::Live => Err(INVALID_TOKEN),
        Lookup::NotFound => Err(Refusal {
            code: ErrorCode::SessionNotFound,
            message: "Session does not exist",
            close: close::SESSION_NOT_FOUND,
            reason: "Session not found",
        }),
        Lookup::Expired => Err(EXPIRED),
    }
}

const INVALID_TOKEN: Refusal = Refusal {
    code: ErrorCode::InvalidToken,
    message: "Token is invalid or expired",
    close: close::AUTH_FAILED,
    reason: "Authentication failed",
};

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
    let Some((ended, expired)) = state
        .sessions
        .with(&id, |s| (s.ended_signal.clone(), s.expired_signal.clone()))
    else {
        return;
    };
    state.sessions.touch(&id);
    let (mut sink, mut stream) = socket.split();
    let (out, mut outbound) = mpsc::unbounded_channel::<Outbound>();
    let faults = state.faults.clone();
    let mut writer = tokio::spawn(async move {
        while let Some(item) = outbound.recv().await {
            let message = match item {
                Outbound::Frame(frame) => Message::Text(frame.to_json().into()),
                Outbound::Close(code, reason) => Message::Close(Some(CloseFrame {
                    code,
                    reason: reason.into(),
                })),
                // An abrupt drop: no close frame, the TCP connection just ends.
                Outbound::Drop => break,
            };
            let closing = matches!(message, Message::Close(_));
            let fate = faults.next_frame();
            if !faults.delay().is_zero() {
                tokio::time::sleep(faults.delay()).await;
            }
            if fate.malformed_first && !closing {
                let garbage = Message::Text(faults.malformed_frame().into());
                if sink.send(garbage).await.is_err() {
                    break;
                }
            }
            if sink.send(message).await.is_err() || closing {
                break;
            }
            if fate.drop_after {
                // An abrupt drop: no close frame, the TCP connection just ends.
                break;
            }
        }
    });
    let turns = state.sessions.with(&id, |s| {
        s.current_out = Some(out.clone());
        s.turns
            .get_or_insert_with(|| {
                let (turns, queue) = mpsc::unbounded_channel::<Turn>();
                tokio::spawn(run_turns(state.clone(), id.clone(), queue));
                turns
            })
            .clone()
    });
    let Some(turns) = turns else {
        return;
    };

    let mut writer_done = false;
    loop {
        let frame = tokio::select! {
            frame = tokio::time::timeout(state.config.idle_timeout, stream.next()) => frame,
            _ = ended.notified() => {
                let _ = out.send(Outbound::Close(close::NORMAL, "Session ended"));
                break;
            }
            _ = expired.notified() => {
                let _ = out.send(Outbound::Frame(ServerMessage::error(&EXPIRED.code, EXPIRED.message)));
                let _ = out.send(Outbound::Close(EXPIRED.close, EXPIRED.reason));
                break;
            }
            // The writer stopped on its own: a dropped connection (fault injection) or a dead peer.
            _ = &mut writer => {
                writer_done = true;
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
                // A server that speaks only the seed knows no ids.
                let client_id = message
                    .client_message_id
                    .clone()
                    .filter(|_| !state.config.seed_only);
                let fate = state.faults.next_turn();
                if fate == TurnFate::DropBefore {
                    // It never reached the agent.
                    let _ = out.send(Outbound::Drop);
                    break;
                }
                let seen = state.sessions.with(&id, |s| match &client_id {
                    Some(cid) if s.answered.contains_key(cid) => {
                        s.record.duplicates += 1;
                        Seen::Answered(s.answered[cid].clone())
                    }
                    Some(cid) if s.in_progress.contains(cid) => {
                        s.record.duplicates += 1;
                        Seen::InProgress
                    }
                    _ => {
                        s.in_progress.extend(client_id.clone());
                        s.record.visitor_messages.push(message.text.clone());
                        Seen::New
                    }
                });
                match seen {
                    Some(Seen::Answered(frames)) => {
                        for frame in frames {
                            let _ = out.send(Outbound::Frame(frame));
                        }
                    }
                    Some(Seen::New) => {
                        let _ = turns.send(Turn::Visitor {
                            text: message.text,
                            client_id,
                            fate,
                            // Seed-only: the reply goes where the message came from, or nowhere.
                            reply_on: state.config.seed_only.then(|| out.downgrade()),
                        });
                    }
                    _ => {}
                }
            }
            Ok(ClientMessage::IframeEvent(event)) => {
                if let Some(reply) = record_page_event(&state, &id, event) {
                    let _ = turns.send(Turn::Reaction(reply));
                }
            }
        }
    }
    // Replies still being prepared wait for the session's next connection.
    state.sessions.with(&id, |s| {
        if s.current_out.as_ref().is_some_and(|o| o.same_channel(&out)) {
            s.current_out = None;
        }
    });
    drop(out);
    if !writer_done {
        let _ = writer.await;
    }
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
            if state.config.seed_only {
                // The seed's `iframe_event` is analytics: nothing answers it.
                return None;
            }
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
pub(crate) enum Turn {
    Visitor {
        text: String,
        client_id: Option<String>,
        fate: TurnFate,
        /// The connection the reply must go to (seed-only); `None`: the session's current one.
        reply_on: Option<WeakUnboundedSender<Outbound>>,
    },
    Reaction(AgentResponse),
}

/// Whether a visitor message was seen before.
enum Seen {
    New,
    InProgress,
    Answered(Vec<ServerMessage>),
}

/// Answers a session's visitor messages one after another, as the seed's lifecycle
/// describes, on the session's current connection. Ends when the session does.
async fn run_turns(state: AppState, id: String, mut queue: mpsc::UnboundedReceiver<Turn>) {
    let agent_id = Some(state.script.agent.id.clone());
    let typing = |is_typing| {
        ServerMessage::TypingIndicator(TypingIndicator {
            agent_id: agent_id.clone(),
            is_typing,
        })
    };
    let current = || {
        state
            .sessions
            .with(&id, |s| s.current_out.clone())
            .flatten()
    };
    while let Some(turn) = queue.recv().await {
        let (mut reply, lead_form, client_id, fate, reply_on) = match turn {
            Turn::Visitor {
                text,
                client_id,
                fate,
                reply_on,
            } => {
                let answer = state.script.answer(&text);
                (answer.reply, answer.lead_form, client_id, fate, reply_on)
            }
            Turn::Reaction(reply) => (reply, None, None, TurnFate::Answer, None),
        };
        // Where this turn's frames go, looked up afresh for each frame: the connection it
        // came on (seed-only; gone means lost) or the session's connection of the moment.
        let target = || -> Option<UnboundedSender<Outbound>> {
            match &reply_on {
                Some(weak) => weak.upgrade(),
                None => current(),
            }
        };
        let send = |item: Outbound| {
            if let Some(out) = target() {
                let _ = out.send(item);
            }
        };
        reply.reply_to = client_id.clone();
        send(Outbound::Frame(typing(true)));
        tokio::time::sleep(state.config.reply_delay).await;
        let mut frames = vec![ServerMessage::AgentResponse(reply)];
        frames.extend(lead_form.map(ServerMessage::LeadForm));
        if let Some(cid) = client_id {
            state.sessions.with(&id, |s| {
                s.in_progress.remove(&cid);
                s.answered.insert(cid, frames.clone());
            });
        }
        if fate == TurnFate::LoseReply {
            // Processed, but the connection goes before the reply does.
            send(Outbound::Drop);
            continue;
        }
        let mut frames = frames.into_iter();
        if let Some(first) = frames.next() {
            send(Outbound::Frame(first));
        }
        if fate == TurnFate::DropAfterReply {
            send(Outbound::Drop);
            continue;
        }
        send(Outbound::Frame(typing(false)));
        frames.for_each(|frame| send(Outbound::Frame(frame)));
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
