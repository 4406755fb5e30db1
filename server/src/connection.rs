//! One connection loop for every dialect, over any sink and stream of [`Frame`]s.
//!
//! A connection runs a reader (this loop) that checks every frame at once and answers
//! heartbeats, and a writer task that owns the sending half. Visitor messages go to the
//! session's turn runner (`turns`), whose output reaches whichever connection the session
//! has when it is ready. The dialect reads frames into neutral values, writes neutral output
//! as frames, and says how each ending closes; this loop never sees a wire format, so it is
//! tested with channels (see the tests below) and reused by every dialect.
//!
//! axum's `WebSocket` is adapted to frames at the edge ([`upgrade`]).

use crate::channels::{Outbound, Turn};
use crate::faults::TurnFate;
use crate::sessions::{unix_millis, Lookup};
use crate::state::AppState;
use crate::turns::{check_in, run_turns, Seen};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use docent_protocol::{
    Closing, Ending, ErrorCode, Outgoing, PageEvent, Reply, ServerDialect, VisitorAction,
};
use futures_util::{future, Sink, SinkExt, Stream, StreamExt};
use std::sync::Arc;
use tokio::sync::mpsc::{self, UnboundedSender};

/// A WebSocket frame, whichever library carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    /// A close frame, with its code and reason when it has them.
    Close(Option<(u16, String)>),
}

/// Upgrades an HTTP request to a socket served by `dialect` for session `id`, unless fault
/// injection is refusing connections for now (HTTP 503, as an overloaded server would).
pub fn upgrade<D>(
    ws: WebSocketUpgrade,
    state: AppState,
    dialect: Arc<D>,
    id: String,
    token: Option<String>,
) -> Response
where
    D: ServerDialect + Send + Sync + ?Sized + 'static,
{
    if state.faults.refusing() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "refusing connections for a while (fault injection)",
        )
            .into_response();
    }
    ws.on_upgrade(move |socket| {
        let (sink, stream) = axum_frames(socket);
        serve(dialect, sink, stream, state, id, token)
    })
}

/// axum's socket as a sink and a stream of [`Frame`]s.
pub fn axum_frames(
    socket: WebSocket,
) -> (
    impl Sink<Frame, Error = axum::Error> + Unpin + Send + 'static,
    impl Stream<Item = Result<Frame, axum::Error>> + Unpin + Send + 'static,
) {
    let (sink, stream) = socket.split();
    let sink = sink.with(|frame: Frame| future::ready(Ok::<_, axum::Error>(to_axum(frame))));
    let stream = stream.map(|message| message.map(from_axum));
    (sink, stream)
}

fn to_axum(frame: Frame) -> Message {
    match frame {
        Frame::Text(text) => Message::Text(text.into()),
        Frame::Binary(bytes) => Message::Binary(bytes.into()),
        Frame::Ping(bytes) => Message::Ping(bytes.into()),
        Frame::Pong(bytes) => Message::Pong(bytes.into()),
        Frame::Close(close) => Message::Close(close.map(|(code, reason)| CloseFrame {
            code,
            reason: reason.into(),
        })),
    }
}

fn from_axum(message: Message) -> Frame {
    match message {
        Message::Text(text) => Frame::Text(text.as_str().to_owned()),
        Message::Binary(bytes) => Frame::Binary(bytes.to_vec()),
        Message::Ping(bytes) => Frame::Ping(bytes.to_vec()),
        Message::Pong(bytes) => Frame::Pong(bytes.to_vec()),
        Message::Close(close) => Frame::Close(close.map(|c| (c.code, c.reason.as_str().into()))),
    }
}

/// Who may open a socket for session `id` with `token`.
fn admit(state: &AppState, id: &str, token: Option<&str>) -> Result<(), Ending> {
    let token = match token.map(str::trim) {
        None | Some("") => return Err(Ending::AuthRequired),
        Some(token) => token,
    };
    let token_for = state
        .tokens
        .check(token)
        .map_err(|_| Ending::InvalidToken)?;
    // A session that does not exist is not found, whoever asks for it (seed 002: 4004 even
    // with another session's good token); a live session opens only with its own token.
    match state.sessions.lookup(id, state.config.idle_timeout) {
        Lookup::Live if token_for == id => Ok(()),
        Lookup::Live => Err(Ending::InvalidToken),
        Lookup::NotFound => Err(Ending::SessionNotFound),
        Lookup::Expired => Err(Ending::SessionExpired),
    }
}

/// Queues an ending on the writer: the dialect's error frame, if it sends one, then the close.
fn end<D: ServerDialect + ?Sized>(dialect: &D, out: &UnboundedSender<Outbound>, ending: Ending) {
    let closing = dialect.closing(ending);
    if let Some((code, message)) = closing.error {
        let _ = out.send(Outbound::Say(Outgoing::Error { code, message }));
    }
    let _ = out.send(Outbound::Close(closing.code, closing.reason));
}

/// Refuses a connection at the door: the dialect's error frame, if it sends one, then the
/// close, straight to the socket (past the writer and its faults).
pub async fn refuse<D, W>(dialect: &D, sink: &mut W, closing: Closing)
where
    D: ServerDialect + ?Sized,
    W: Sink<Frame> + Unpin,
{
    if let Some((code, message)) = closing.error {
        let error = dialect.write(&Outgoing::Error { code, message });
        if !error.is_empty() {
            let _ = sink.send(Frame::Text(error)).await;
        }
    }
    let _ = sink
        .send(Frame::Close(Some((closing.code, closing.reason))))
        .await;
}

/// What a dialect says as a connection opens, before any visitor frame is read.
#[derive(Debug, Default)]
pub struct Opening {
    /// Sent first, in order (say, the platform's "session created").
    pub say: Vec<Outgoing>,
    /// A turn for the session's runner once the connection is the session's (say, a greeting
    /// streamed like any reply).
    pub turn: Option<Turn>,
}

/// Serves one connection of session `id` until either side ends it, once the session's
/// token admits it.
pub async fn serve<D, W, R, E>(
    dialect: Arc<D>,
    mut sink: W,
    stream: R,
    state: AppState,
    id: String,
    token: Option<String>,
) where
    D: ServerDialect + Send + Sync + ?Sized + 'static,
    W: Sink<Frame> + Unpin + Send + 'static,
    R: Stream<Item = Result<Frame, E>> + Unpin + Send,
{
    if let Err(ending) = admit(&state, &id, token.as_deref()) {
        refuse(&*dialect, &mut sink, dialect.closing(ending)).await;
        return;
    }
    run(dialect, sink, stream, state, id, Opening::default()).await;
}

/// Serves one admitted connection of session `id` (a dialect that admits connections by its
/// own rules calls this directly): `opening` first, then the loop, until either side ends it.
/// The session's turn runner is started here unless the dialect started its own.
pub async fn run<D, W, R, E>(
    dialect: Arc<D>,
    mut sink: W,
    mut stream: R,
    state: AppState,
    id: String,
    opening: Opening,
) where
    D: ServerDialect + Send + Sync + ?Sized + 'static,
    W: Sink<Frame> + Unpin + Send + 'static,
    R: Stream<Item = Result<Frame, E>> + Unpin + Send,
{
    let Some((ended, expired)) = state
        .sessions
        .with(&id, |s| (s.ended_signal.clone(), s.expired_signal.clone()))
    else {
        return;
    };
    state.sessions.touch(&id);
    let (out, mut outbound) = mpsc::unbounded_channel::<Outbound>();
    let faults = state.faults.clone();
    let writer_dialect = dialect.clone();
    let mut writer = tokio::spawn(async move {
        while let Some(item) = outbound.recv().await {
            let frame = match item {
                Outbound::Say(output) => match writer_dialect.write(&output) {
                    // Output the platform has no frame for.
                    text if text.is_empty() => continue,
                    text => Frame::Text(text),
                },
                Outbound::Close(code, reason) => Frame::Close(Some((code, reason))),
                // An abrupt drop: no close frame, the TCP connection just ends.
                Outbound::Drop => break,
            };
            let closing = matches!(frame, Frame::Close(_));
            let fate = faults.next_frame();
            if !faults.delay().is_zero() {
                tokio::time::sleep(faults.delay()).await;
            }
            if fate.malformed_first && !closing {
                let garbage = Frame::Text(faults.malformed_frame());
                if sink.send(garbage).await.is_err() {
                    break;
                }
            }
            if sink.send(frame).await.is_err() || closing {
                break;
            }
            if fate.drop_after {
                // An abrupt drop: no close frame, the TCP connection just ends.
                break;
            }
        }
    });
    for output in opening.say {
        let _ = out.send(Outbound::Say(output));
    }
    let turns = state.sessions.with(&id, |s| {
        s.current_out = Some(out.clone());
        let r = &mut s.record;
        r.sockets += 1;
        r.open_sockets += 1;
        r.peak_sockets = r.peak_sockets.max(r.open_sockets);
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
    if let Some(turn) = opening.turn {
        let _ = turns.send(turn);
    }
    let say = |output: Outgoing| {
        let _ = out.send(Outbound::Say(output));
    };

    let mut writer_done = false;
    loop {
        let frame = tokio::select! {
            frame = tokio::time::timeout(state.config.idle_timeout, stream.next()) => frame,
            _ = ended.notified() => {
                end(&*dialect, &out, Ending::SessionEnded);
                break;
            }
            _ = expired.notified() => {
                end(&*dialect, &out, Ending::SessionExpired);
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
                end(&*dialect, &out, Ending::SessionExpired);
                break;
            }
            Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Frame::Close(_)))) => break,
            Ok(Some(Ok(frame))) => frame,
        };
        state.sessions.touch(&id);
        let read = match frame {
            Frame::Text(text) => dialect.read(&text),
            Frame::Binary(bytes) => dialect.read_binary(&bytes),
            // The WebSocket library answers pings itself.
            _ => continue,
        };
        let action = match read {
            Ok(action) => action,
            // One bad frame gets an error; the conversation goes on.
            Err(rejected) => {
                say(Outgoing::Error {
                    code: rejected.code,
                    message: rejected.message,
                });
                continue;
            }
        };
        match action {
            VisitorAction::Heartbeat => {
                state.sessions.with(&id, |s| s.record.heartbeats += 1);
                say(Outgoing::Pong {
                    ts: Some(unix_millis()),
                });
            }
            VisitorAction::Say {
                text, client_id, ..
            } => {
                if text.trim().is_empty() {
                    say(Outgoing::Error {
                        code: ErrorCode::EmptyMessage,
                        message: "Message text is empty".into(),
                    });
                    continue;
                }
                // A server that speaks only the seed knows no ids.
                let client_id = client_id.filter(|_| !state.config.seed_only);
                let fate = state.faults.next_turn();
                if fate == TurnFate::DropBefore {
                    // It never reached the agent.
                    let _ = out.send(Outbound::Drop);
                    break;
                }
                match check_in(&state.sessions, &id, client_id.as_deref(), &text) {
                    Some(Seen::Answered(output)) => output.into_iter().for_each(say),
                    Some(Seen::New) => {
                        let _ = turns.send(Turn::Visitor {
                            text,
                            client_id,
                            fate,
                            // Seed-only: the reply goes where the message came from, or nowhere.
                            reply_on: state.config.seed_only.then(|| out.downgrade()),
                        });
                    }
                    _ => {}
                }
            }
            VisitorAction::PageEvent(event) => {
                if let Some(reply) = record_page_event(&state, &id, event) {
                    let _ = turns.send(Turn::Reaction(reply));
                }
            }
            VisitorAction::LeadSubmitted { values } => {
                let lead = values
                    .into_iter()
                    .map(|(name, value)| (name, serde_json::Value::String(value)))
                    .collect();
                state.sessions.with(&id, |s| {
                    s.record.leads.push(serde_json::Value::Object(lead));
                });
            }
        }
    }
    // Replies still being prepared wait for the session's next connection.
    state.sessions.with(&id, |s| {
        s.record.open_sockets -= 1;
        if s.current_out.as_ref().is_some_and(|o| o.same_channel(&out)) {
            s.current_out = None;
        }
    });
    drop(out);
    if !writer_done {
        let _ = writer.await;
    }
}

/// Records an event from the demo; returns the agent's reaction when the script has one for
/// it that this session has not had yet.
fn record_page_event(state: &AppState, id: &str, event: PageEvent) -> Option<Reply> {
    state
        .sessions
        .with(id, |s| {
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
            Some(state.script.page_events[reaction].reply.reply())
        })
        .flatten()
}

#[cfg(test)]
mod tests {
    //! The loop over channels (as axum's testing-websockets example does), with a toy
    //! dialect: what is tested here holds for every platform, and no network is involved.

    use super::*;
    use crate::agent::{Script, BUILT_IN_SCRIPT};
    use crate::state::Config;
    use docent_protocol::{Rejected, ToolActivity};
    use futures_channel::mpsc::{unbounded, UnboundedReceiver, UnboundedSender};
    use std::time::Duration;

    /// Frames are words: `beat`, `say TEXT`, `say/ID TEXT`; output is written as words too.
    struct Toy;

    impl ServerDialect for Toy {
        fn name(&self) -> &'static str {
            "toy"
        }

        fn read(&self, frame: &str) -> Result<VisitorAction, Rejected> {
            let (verb, text) = frame.split_once(' ').unwrap_or((frame, ""));
            match verb.split_once('/') {
                _ if verb == "beat" => Ok(VisitorAction::Heartbeat),
                None if verb == "say" => Ok(VisitorAction::Say {
                    text: text.into(),
                    context: None,
                    client_id: None,
                }),
                Some(("say", id)) => Ok(VisitorAction::Say {
                    text: text.into(),
                    context: None,
                    client_id: Some(id.into()),
                }),
                _ => Err(Rejected {
                    code: ErrorCode::UnknownType,
                    message: format!("no verb `{verb}`"),
                }),
            }
        }

        fn write(&self, output: &Outgoing) -> String {
            match output {
                Outgoing::Typing { on: true, .. } => "typing on".into(),
                Outgoing::Typing { on: false, .. } => "typing off".into(),
                Outgoing::Reply(reply) => match &reply.reply_to {
                    Some(id) => format!("reply[{id}] {}", reply.text),
                    None => format!("reply {}", reply.text),
                },
                Outgoing::LeadForm(_) => "lead form".into(),
                Outgoing::Error { code, .. } => format!("error {}", code.as_str()),
                Outgoing::Pong { .. } => "pong".into(),
                Outgoing::SessionReady { conversation_id } => format!("ready {conversation_id}"),
                Outgoing::Thinking { .. } => "thinking".into(),
                Outgoing::Delta(text) => format!("delta {text}"),
                Outgoing::Done { turn_count, .. } => format!("done {turn_count}"),
                Outgoing::TurnError { code, .. } => format!("turn error {}", code.as_str()),
                // Nothing: the loop sends no frame for it.
                Outgoing::Tool(_) => String::new(),
            }
        }

        fn closing(&self, ending: Ending) -> Closing {
            // Codes of its own, so the tests see they come from the dialect.
            let code = match ending {
                Ending::AuthRequired => 4101,
                Ending::InvalidToken => 4102,
                Ending::SessionNotFound => 4104,
                Ending::SessionExpired => 4108,
                Ending::SessionEnded => 1000,
                Ending::InvalidRequest => 4100,
                Ending::Unavailable => 4503,
            };
            Closing {
                error: (ending != Ending::SessionEnded)
                    .then(|| (ErrorCode::Other(format!("{ending:?}")), String::new())),
                code,
                reason: format!("{ending:?}"),
            }
        }
    }

    fn state() -> AppState {
        let config = Config {
            reply_delay: Duration::from_millis(5),
            ..Config::default()
        };
        AppState::new(config, Script::parse(BUILT_IN_SCRIPT).unwrap(), b"secret")
    }

    /// The test's ends of one connection.
    struct Peer {
        to_server: UnboundedSender<Result<Frame, ()>>,
        from_server: UnboundedReceiver<Frame>,
    }

    impl Peer {
        fn send(&self, text: &str) {
            self.to_server
                .unbounded_send(Ok(Frame::Text(text.into())))
                .unwrap();
        }

        async fn next(&mut self) -> Frame {
            tokio::time::timeout(Duration::from_secs(5), self.from_server.next())
                .await
                .expect("the server answers in time")
                .expect("the server has not hung up")
        }

        async fn text(&mut self) -> String {
            match self.next().await {
                Frame::Text(text) => text,
                other => panic!("expected a text frame, got {other:?}"),
            }
        }
    }

    fn connect(state: &AppState, id: &str, token: Option<String>) -> Peer {
        let (to_server, server_in) = unbounded();
        let (server_out, from_server) = unbounded();
        tokio::spawn(serve(
            Arc::new(Toy),
            server_out,
            server_in,
            state.clone(),
            id.to_string(),
            token,
        ));
        Peer {
            to_server,
            from_server,
        }
    }

    /// A live session and a connection to it.
    fn open(state: &AppState) -> (Peer, String) {
        let id = state.sessions.create("default".into(), None);
        let peer = connect(state, &id, Some(state.tokens.issue(&id)));
        (peer, id)
    }

    #[tokio::test]
    async fn a_heartbeat_is_answered() {
        let state = state();
        let (mut peer, id) = open(&state);
        peer.send("beat");
        assert_eq!(peer.text().await, "pong");
        let heartbeats = state.sessions.with(&id, |s| s.record.heartbeats);
        assert_eq!(heartbeats, Some(1));
    }

    #[tokio::test]
    async fn a_bad_frame_gets_the_dialects_error_and_the_connection_stays_open() {
        let state = state();
        let (mut peer, _) = open(&state);
        peer.send("juggle");
        assert_eq!(peer.text().await, "error UNKNOWN_TYPE");
        peer.to_server
            .unbounded_send(Ok(Frame::Binary(vec![1, 2])))
            .unwrap();
        assert_eq!(peer.text().await, "error INVALID_JSON");
        peer.send("say   ");
        assert_eq!(peer.text().await, "error EMPTY_MESSAGE");
        peer.send("beat");
        assert_eq!(peer.text().await, "pong");
    }

    #[tokio::test]
    async fn a_visitor_message_is_answered_in_order_and_a_resend_once() {
        let state = state();
        let (mut peer, _) = open(&state);
        let said = "Show me the dashboard";
        let reply = state.script.answer(said).reply.text;
        peer.send(&format!("say {said}"));
        assert_eq!(peer.text().await, "typing on");
        assert_eq!(peer.text().await, format!("reply {reply}"));
        assert_eq!(peer.text().await, "typing off");

        peer.send(&format!("say/m1 {said}"));
        assert_eq!(peer.text().await, "typing on");
        assert_eq!(peer.text().await, format!("reply[m1] {reply}"));
        assert_eq!(peer.text().await, "typing off");
        // Answered already: the same reply again, without typing or a second turn.
        peer.send(&format!("say/m1 {said}"));
        assert_eq!(peer.text().await, format!("reply[m1] {reply}"));
        peer.send("beat");
        assert_eq!(peer.text().await, "pong");
    }

    #[tokio::test]
    async fn refusals_close_as_the_dialect_says() {
        let state = state();
        let id = state.sessions.create("default".into(), None);
        let refused = |token: Option<String>, session: &str| {
            let mut peer = connect(&state, session, token);
            async move { (peer.text().await, peer.next().await) }
        };
        let close = |code: u16, ending: &str| Frame::Close(Some((code, ending.into())));
        assert_eq!(
            refused(None, &id).await,
            ("error AuthRequired".into(), close(4101, "AuthRequired"))
        );
        assert_eq!(
            refused(Some("forged".into()), &id).await,
            ("error InvalidToken".into(), close(4102, "InvalidToken"))
        );
        // A session that does not exist, even with another session's good token.
        assert_eq!(
            refused(Some(state.tokens.issue(&id)), "nope").await,
            (
                "error SessionNotFound".into(),
                close(4104, "SessionNotFound")
            )
        );
    }

    #[tokio::test]
    async fn an_opening_is_said_first_and_output_without_a_frame_is_skipped() {
        let state = state();
        let id = state.sessions.create("default".into(), None);
        let (to_server, server_in) = unbounded();
        let (server_out, from_server) = unbounded();
        let opening = Opening {
            say: vec![
                Outgoing::SessionReady {
                    conversation_id: id.clone(),
                },
                Outgoing::Tool(ToolActivity::default()),
                Outgoing::Delta("hi".into()),
            ],
            turn: Some(Turn::Reaction(Reply {
                text: "Welcome".into(),
                ..Reply::default()
            })),
        };
        tokio::spawn(run(
            Arc::new(Toy),
            server_out,
            server_in,
            state.clone(),
            id.clone(),
            opening,
        ));
        let mut peer = Peer {
            to_server,
            from_server,
        };
        assert_eq!(peer.text().await, format!("ready {id}"));
        assert_eq!(peer.text().await, "delta hi");
        assert_eq!(peer.text().await, "typing on");
        assert_eq!(peer.text().await, "reply Welcome");
        assert_eq!(peer.text().await, "typing off");
        peer.send("beat");
        assert_eq!(peer.text().await, "pong");
    }

    #[tokio::test]
    async fn an_ended_session_closes_its_connection_normally() {
        let state = state();
        let (mut peer, id) = open(&state);
        peer.send("beat");
        assert_eq!(peer.text().await, "pong");
        assert!(state.sessions.end(&id));
        assert_eq!(
            peer.next().await,
            Frame::Close(Some((1000, "SessionEnded".into())))
        );
    }
}
