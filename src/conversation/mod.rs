//! The conversation as a pure state machine: every change is an [`Event`] through
//! [`Conversation::apply`], which returns the [`Effect`]s the browser shell must carry out.
//! Time is passed in, never read, so all of it is tested natively.

use crate::texts::explain;
use crate::transport::policy::{self, Backoff, ANSWER_TIMEOUT_MS, MAX_ATTEMPTS, SILENCE_MS};
use docent_protocol::{
    AgentEvent, AgentMessage, CloseKind, Closed, ErrorCode, LeadFieldKind, LeadForm, PageCommand,
    PageEvent, SessionHandle, Started, VisitorAction,
};

/// Longest message a visitor may send; longer text is refused (and kept in the composer).
pub const MAX_VISITOR_CHARS: usize = 4_000;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Author {
    Visitor,
    Agent,
}

/// Where a visitor's message is on its way to the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Delivery {
    /// Waiting for a connection; sent as soon as there is one.
    Pending,
    /// Handed to a socket; no answer yet. If that connection closes first, it goes again
    /// on the next one.
    Sent,
    /// The agent answered it.
    Answered,
    /// Sent again and again without an answer: the visitor may retry it.
    Failed,
    /// Sent to a server that does not acknowledge, on connections that all closed before
    /// its answer: it may or may not have arrived. The visitor may send it again.
    Unconfirmed,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Message {
    /// Stable id, used as the key of the rendered row.
    pub id: u64,
    pub author: Author,
    pub text: String,
    /// What a voice would say (agent messages); kept, not shown.
    pub speech: Option<String>,
    pub delivery: Delivery,
    /// When it was written, in milliseconds since the Unix epoch.
    pub at_ms: f64,
    /// The visitor message's id on the wire (`clientMessageId`), so resends are answered once.
    pub client_id: Option<String>,
    /// How many connections it was sent on as the oldest unanswered message.
    pub attempts: u32,
    /// How often its text was replaced rather than grown (a stream ended with a corrected
    /// text), so a view appending streamed text knows to take it whole.
    #[serde(default)]
    pub rewrites: u32,
}

/// The connection, as the visitor sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// The chat was never opened: nothing has been created yet.
    Idle,
    /// Creating the session.
    Starting,
    /// Opening the socket.
    Connecting,
    Connected,
    /// Lost the connection; trying again in `in_ms`.
    Reconnecting {
        in_ms: u32,
    },
    /// The browser is offline; messages wait for the connection to come back.
    Offline,
    /// Could not start; `Retry` may help.
    Failed {
        reason: String,
    },
    /// This chat is over; a new one can be started.
    Ended {
        reason: String,
    },
}

/// A lead form on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadFormState {
    pub form: LeadForm,
    pub submitted: bool,
}

/// The agent is showing the visitor around the demo: which step, and what it does.
#[derive(Debug, Clone, PartialEq)]
pub struct TourStep {
    pub step: usize,
    pub total: usize,
    pub doing: String,
}

/// A note for the visitor about something that went wrong but did not end the chat.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub text: String,
}

/// What can happen to a conversation.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The visitor opened the chat window.
    Open,
    /// The visitor closed (minimised) the chat window.
    Close,
    /// The dialect started a session (or has one without asking the server).
    SessionCreated(Started),
    /// Creating the session failed; `reason` is in plain words.
    SessionFailed {
        reason: String,
    },
    SocketOpened,
    /// The socket closed, as the dialect reads its close code; `jitter` is uniform in
    /// `[0, 1)` and spreads the reconnect delay.
    SocketClosed {
        closed: Closed,
        jitter: f64,
    },
    Agent(AgentEvent),
    /// A frame that could not be read; `detail` is for the console.
    UnreadableFrame {
        detail: String,
    },
    /// The visitor sends text (typed, or a suggestion chip's text).
    VisitorSays(String),
    LeadSubmitted(Vec<(String, String)>),
    /// A page command started (`step` of `total`, both counted from 1).
    CommandStarted {
        step: usize,
        total: usize,
        description: String,
    },
    /// A page command failed; the rest go on.
    CommandFailed {
        action: String,
        selector: Option<String>,
        error: String,
    },
    /// No page command is left to run.
    CommandsDone,
    /// The visitor stopped the tour.
    StopCommands,
    /// The visitor did something in the demo iframe themself.
    VisitorActivity(PageEvent),
    /// A frame could not be handed to the socket (it was not open after all).
    NotSent(VisitorAction),
    /// Time for a keep-alive frame.
    HeartbeatDue,
    /// A clock tick (every few seconds), for the silence watchdog.
    Tick,
    /// The browser went online (`true`) or offline.
    Online(bool),
    /// The tab was hidden (`true`) or shown again.
    Hidden(bool),
    /// The visitor asks to send a failed message again.
    RetryMessage(u64),
    /// Time to try the connection again.
    ReconnectDue,
    /// The visitor asked to try again now.
    Retry,
    /// The visitor ends the chat.
    End,
    /// The visitor starts over after a chat ended.
    StartNew,
}

/// What the browser shell must do after an event.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    CreateSession,
    /// Open a socket for this session.
    Connect(SessionHandle),
    Send(VisitorAction),
    ReconnectIn(u32),
    /// Tell the server the session is over (`POST …/end`).
    EndSession(SessionHandle),
    CloseSocket,
    /// The connection is dead though the socket did not say so: drop it and reconnect.
    Reconnect,
    /// Run page commands in the demo iframe, after any still running.
    RunCommands(Vec<PageCommand>),
    /// Stop running page commands.
    CancelCommands,
    /// Tell the host page something happened (a `docent:…` DOM event).
    Announce(HostEvent),
    /// Something for the developer console.
    Warn(String),
}

/// What the host page hears about, as `docent:…` DOM events on the host element.
#[derive(Debug, Clone, PartialEq)]
pub enum HostEvent {
    /// `docent:open`: the chat window opened.
    Open,
    /// `docent:close`: the chat window closed.
    Close,
    /// `docent:message`: a message appeared in the conversation (either author's).
    Message {
        id: u64,
        author: Author,
        text: String,
    },
    /// `docent:lead`: the visitor submitted the lead form.
    Lead(Vec<(String, String)>),
    /// `docent:error`: something went wrong that the visitor was told about.
    Error { kind: ErrorKind, message: String },
}

/// What kind of trouble a `docent:error` reports (`detail.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The chat could not start (session refused, server unreachable, not set up).
    Start,
    /// The connection dropped or the browser went offline; the widget is reconnecting.
    Connection,
    /// The agent's side ended the chat.
    Ended,
    /// A passing problem the chat survived (a refused message, a failed page command…).
    Notice,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Start => "start",
            ErrorKind::Connection => "connection",
            ErrorKind::Ended => "ended",
            ErrorKind::Notice => "notice",
        }
    }
}

/// The parts of the conversation the host page hears about, taken before an event so the
/// change it made can be told (a few fields, not the transcript).
struct Glance {
    open: bool,
    next_id: u64,
    status: Status,
    notice: Option<Notice>,
}

impl Glance {
    fn of(c: &Conversation) -> Glance {
        Glance {
            open: c.open,
            next_id: c.next_id,
            status: c.status.clone(),
            notice: c.notice.clone(),
        }
    }

    /// The host events between this glance and `now`. `by_visitor`: the visitor ended the
    /// chat, which is no error.
    fn host_events(&self, now: &mut Conversation, by_visitor: bool) -> Vec<HostEvent> {
        let mut events = Vec::new();
        if now.open != self.open {
            events.push(if now.open {
                HostEvent::Open
            } else {
                HostEvent::Close
            });
        }
        for m in now.messages.iter().filter(|m| m.id >= self.next_id) {
            events.push(HostEvent::Message {
                id: m.id,
                author: m.author,
                text: m.text.clone(),
            });
        }
        let trouble = |s: &Status| match s {
            Status::Failed { reason } => Some((ErrorKind::Start, reason.clone())),
            Status::Ended { reason } if !by_visitor => Some((ErrorKind::Ended, reason.clone())),
            Status::Offline => Some((ErrorKind::Connection, "The browser is offline.".to_string())),
            Status::Reconnecting { .. } => Some((
                ErrorKind::Connection,
                "The connection was lost; reconnecting.".to_string(),
            )),
            _ => None,
        };
        // Connection trouble is told once until the connection is back, however many
        // reconnects it takes.
        if now.status == Status::Connected {
            now.connection_trouble_told = false;
        }
        let same_kind = std::mem::discriminant(&self.status) == std::mem::discriminant(&now.status);
        match trouble(&now.status) {
            Some((ErrorKind::Connection, _)) if now.connection_trouble_told => {}
            Some((kind, message)) if !same_kind => {
                now.connection_trouble_told = kind == ErrorKind::Connection;
                events.push(HostEvent::Error { kind, message });
            }
            _ => {}
        }
        if let Some(notice) = now
            .notice
            .as_ref()
            .filter(|n| self.notice.as_ref() != Some(n))
        {
            events.push(HostEvent::Error {
                kind: ErrorKind::Notice,
                message: notice.text.clone(),
            });
        }
        events
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    pub agent_name: String,
    pub open: bool,
    pub status: Status,
    pub session: Option<SessionHandle>,
    pub messages: Vec<Message>,
    pub typing: bool,
    pub suggestions: Vec<String>,
    pub lead_form: Option<LeadFormState>,
    pub notice: Option<Notice>,
    pub tour: Option<TourStep>,
    /// Frames other than chat messages that must still reach the agent (a submitted lead).
    unsent: Vec<VisitorAction>,
    /// Answers that arrived before the answer to an earlier message, waiting for it.
    held: Vec<AgentMessage>,
    /// The agent message that streamed text is growing, until the complete reply ends it.
    streaming: Option<u64>,
    next_id: u64,
    backoff: Backoff,
    /// When the current connection opened.
    connected_at: Option<f64>,
    /// The current connection carried an answer.
    answered_on_connection: bool,
    /// The session was accepted once (a frame other than an error came on it): if it is
    /// later refused, it expired, and a new one is started without asking.
    session_worked: bool,
    /// The session being created replaces one that expired (no second greeting).
    renewing: bool,
    /// When the last frame arrived, for the watchdog.
    last_frame_at: f64,
    /// The server has shown that it names the message each reply answers (`replyTo`).
    /// Until it does, it is taken not to: see `transport::policy` for what that changes.
    server_acks: bool,
    /// Visitor messages handed to the current connection and not answered yet, oldest first.
    in_flight: Vec<u64>,
    /// When the answer to a message in flight last showed progress (the send, typing, a reply).
    progress_at: f64,
    offline: bool,
    hidden: bool,
    /// A reconnect came due while the tab was hidden or offline: it waits for them.
    reconnect_deferred: bool,
    /// The host page was told the connection is in trouble (`docent:error`) and has not
    /// seen it come back yet.
    connection_trouble_told: bool,
}

impl Default for Conversation {
    fn default() -> Self {
        Conversation::new("Assistant")
    }
}

impl Conversation {
    pub fn new(agent_name: &str) -> Conversation {
        Conversation {
            agent_name: agent_name.to_string(),
            open: false,
            status: Status::Idle,
            session: None,
            messages: Vec::new(),
            typing: false,
            suggestions: Vec::new(),
            lead_form: None,
            streaming: None,
            notice: None,
            tour: None,
            unsent: Vec::new(),
            held: Vec::new(),
            next_id: 1,
            backoff: Backoff::default(),
            connected_at: None,
            answered_on_connection: false,
            session_worked: false,
            renewing: false,
            last_frame_at: 0.0,
            server_acks: false,
            in_flight: Vec::new(),
            progress_at: 0.0,
            offline: false,
            hidden: false,
            reconnect_deferred: false,
            connection_trouble_told: false,
        }
    }

    /// Visitor messages still waiting for a connection.
    pub fn pending(&self) -> impl Iterator<Item = &Message> {
        self.messages
            .iter()
            .filter(|m| m.delivery == Delivery::Pending)
    }

    /// Whether an agent message is still streaming in (not worth saving until it ends).
    pub fn is_streaming(&self) -> bool {
        self.streaming.is_some()
    }

    /// Whether the visitor can type and send right now (a message may still wait for the
    /// connection; it is not lost).
    pub fn can_send(&self) -> bool {
        !matches!(self.status, Status::Ended { .. } | Status::Idle)
    }

    /// Applies one event: the new state, and the effects it calls for, the host page's
    /// `docent:…` events last.
    pub fn apply(&mut self, event: Event, now_ms: f64) -> Vec<Effect> {
        let before = Glance::of(self);
        let by_visitor = matches!(event, Event::End);
        let mut effects = self.step(event, now_ms);
        effects.extend(
            before
                .host_events(self, by_visitor)
                .into_iter()
                .map(Effect::Announce),
        );
        effects
    }

    fn step(&mut self, event: Event, now_ms: f64) -> Vec<Effect> {
        match event {
            Event::Open => {
                self.open = true;
                if self.status == Status::Idle {
                    self.status = Status::Starting;
                    return vec![Effect::CreateSession];
                }
                vec![]
            }
            Event::Close => {
                self.open = false;
                vec![]
            }
            Event::SessionCreated(started) => {
                if let Some(name) = started.agent_name {
                    self.agent_name = name;
                }
                self.session = Some(started.session.clone());
                self.status = Status::Connecting;
                let renewing = std::mem::take(&mut self.renewing);
                if let Some(greeting) = started.greeting.filter(|_| !renewing) {
                    if !greeting.text.is_empty() {
                        self.push(Author::Agent, greeting.text, now_ms).speech = greeting.speech;
                    }
                    self.suggestions = greeting.suggestions;
                }
                // Messages sent in the old session but never answered go to the new one.
                for m in &mut self.messages {
                    if m.author == Author::Visitor && m.delivery == Delivery::Sent {
                        m.delivery = Delivery::Pending;
                    }
                }
                vec![Effect::Connect(started.session)]
            }
            Event::SessionFailed { reason } => {
                self.status = Status::Failed { reason };
                vec![]
            }
            Event::SocketOpened => {
                self.status = Status::Connected;
                self.connected_at = Some(now_ms);
                self.last_frame_at = now_ms;
                if self.pending().next().is_some() || !self.unsent.is_empty() {
                    self.notice = None;
                }
                self.flush(now_ms)
            }
            Event::SocketClosed { closed, jitter } => self.socket_closed(closed, jitter, now_ms),
            Event::Agent(event) => {
                self.last_frame_at = now_ms;
                if matches!(
                    event,
                    AgentEvent::Typing(_) | AgentEvent::TextDelta(_) | AgentEvent::Message(_)
                ) {
                    self.progress_at = now_ms;
                }
                if !matches!(event, AgentEvent::Error(_)) {
                    self.session_worked = true;
                }
                self.agent_event(event, now_ms)
            }
            Event::Tick => {
                if self.status != Status::Connected {
                    return vec![];
                }
                let silent = now_ms - self.last_frame_at >= SILENCE_MS;
                // An answer that is not coming on this connection: a fresh one gets the
                // message again (and a server without acknowledgements forgets the old one).
                let stuck =
                    !self.in_flight.is_empty() && now_ms - self.progress_at >= ANSWER_TIMEOUT_MS;
                if silent || stuck {
                    // Same as a drop, at the first step of the backoff: reconnect soon.
                    let mut effects = vec![Effect::Reconnect];
                    let lost = Closed {
                        kind: CloseKind::Retry,
                        reason: None,
                    };
                    effects.extend(self.socket_closed(lost, 0.0, now_ms));
                    return effects;
                }
                // Nothing waits while the connection is open and has room for it.
                self.flush(now_ms)
            }
            Event::Online(online) => {
                self.offline = !online;
                if !online {
                    if !matches!(self.status, Status::Ended { .. } | Status::Idle) {
                        self.status = Status::Offline;
                    }
                    return vec![];
                }
                self.reconnect_now()
            }
            Event::Hidden(hidden) => {
                self.hidden = hidden;
                if hidden || !self.reconnect_deferred {
                    return vec![];
                }
                self.reconnect_now()
            }
            Event::RetryMessage(id) => {
                let connected = self.status == Status::Connected;
                let Some(message) = self.messages.iter_mut().find(|m| {
                    m.id == id && matches!(m.delivery, Delivery::Failed | Delivery::Unconfirmed)
                }) else {
                    return vec![];
                };
                message.attempts = 0;
                message.delivery = Delivery::Pending;
                if connected {
                    self.notice = None;
                    self.flush(now_ms)
                } else {
                    vec![]
                }
            }
            Event::UnreadableFrame { detail } => {
                self.notice = Some(Notice {
                    text:
                        "The assistant sent something this chat couldn't read, so it was skipped."
                            .into(),
                });
                vec![Effect::Warn(format!(
                    "Docent: skipped an unreadable frame: {detail}"
                ))]
            }
            Event::VisitorSays(text) => self.visitor_says(text, now_ms),
            Event::LeadSubmitted(values) => {
                let Some(state) = self.lead_form.as_mut() else {
                    return vec![];
                };
                if state.submitted {
                    return vec![];
                }
                state.submitted = true;
                vec![
                    Effect::Send(VisitorAction::LeadSubmitted {
                        values: values.clone(),
                    }),
                    Effect::Announce(HostEvent::Lead(values)),
                ]
            }
            Event::CommandStarted {
                step,
                total,
                description,
            } => {
                self.tour = Some(TourStep {
                    step,
                    total,
                    doing: description,
                });
                vec![]
            }
            Event::CommandFailed {
                action,
                selector,
                error,
            } => self.command_failed(Some(action), selector, error),
            Event::CommandsDone => {
                self.tour = None;
                vec![]
            }
            Event::StopCommands => {
                self.tour = None;
                vec![Effect::CancelCommands]
            }
            Event::VisitorActivity(event) => match self.status {
                // What the visitor does in the demo is analytics: worth sending, not queuing.
                Status::Connected => vec![Effect::Send(VisitorAction::PageEvent(event))],
                _ => vec![],
            },
            Event::NotSent(action) => {
                match action {
                    VisitorAction::Say {
                        text, client_id, ..
                    } => {
                        let waiting = self.messages.iter_mut().rev().find(|m| {
                            m.author == Author::Visitor
                                && m.delivery == Delivery::Sent
                                && m.text == text
                                && m.client_id == client_id
                        });
                        if let Some(message) = waiting {
                            message.delivery = Delivery::Pending;
                            let id = message.id;
                            self.in_flight.retain(|&m| m != id);
                        }
                    }
                    // A missed keep-alive does not matter; the next one follows.
                    VisitorAction::Heartbeat => return vec![],
                    other => self.unsent.push(other),
                }
                self.notice = Some(Notice {
                    text: "You're not connected right now — it will be sent as soon as the connection is back.".into(),
                });
                vec![]
            }
            Event::HeartbeatDue => match self.status {
                Status::Connected => vec![Effect::Send(VisitorAction::Heartbeat)],
                _ => vec![],
            },
            Event::ReconnectDue => {
                if !matches!(self.status, Status::Reconnecting { .. }) {
                    return vec![];
                }
                // A hidden tab does not spin, and offline there is nothing to reach.
                if self.hidden || self.offline {
                    self.reconnect_deferred = true;
                    return vec![];
                }
                self.connect()
            }
            Event::Retry => match (&self.status, &self.session) {
                (Status::Failed { .. }, None) => {
                    self.status = Status::Starting;
                    vec![Effect::CreateSession]
                }
                (
                    Status::Reconnecting { .. } | Status::Failed { .. } | Status::Offline,
                    Some(_),
                ) => self.connect(),
                _ => vec![],
            },
            Event::End => {
                let mut effects = vec![Effect::CloseSocket];
                if let Some(session) = self.session.take() {
                    effects.push(Effect::EndSession(session));
                }
                self.typing = false;
                self.suggestions.clear();
                self.status = Status::Ended {
                    reason: "You ended this chat.".into(),
                };
                effects
            }
            Event::StartNew => {
                let open = self.open;
                *self = Conversation {
                    open,
                    next_id: self.next_id,
                    ..Conversation::new(&self.agent_name)
                };
                self.status = Status::Starting;
                vec![Effect::CreateSession]
            }
        }
    }

    fn message_mut(&mut self, id: u64) -> Option<&mut Message> {
        self.messages.iter_mut().rev().find(|m| m.id == id)
    }

    fn push(&mut self, author: Author, text: String, now_ms: f64) -> &mut Message {
        let id = self.next_id;
        self.next_id += 1;
        self.messages.push(Message {
            id,
            author,
            text,
            speech: None,
            delivery: Delivery::Sent,
            at_ms: now_ms,
            client_id: None,
            attempts: 0,
            rewrites: 0,
        });
        self.messages.last_mut().expect("just pushed")
    }

    fn visitor_says(&mut self, text: String, now_ms: f64) -> Vec<Effect> {
        let text = match check_visitor_text(&text) {
            Ok(text) => text,
            Err(problem) => {
                self.notice = Some(Notice { text: problem });
                return vec![];
            }
        };
        if matches!(self.status, Status::Ended { .. }) {
            self.notice = Some(Notice {
                text: "This chat has ended — start a new one to send a message.".into(),
            });
            return vec![];
        }
        self.notice = None;
        self.suggestions.clear();
        let message = self.push(Author::Visitor, text, now_ms);
        message.client_id = Some(format!("m{}", message.id));
        message.delivery = Delivery::Pending;
        self.flush(now_ms)
    }

    /// Connects now if a reconnect is waiting.
    fn reconnect_now(&mut self) -> Vec<Effect> {
        match self.status {
            Status::Reconnecting { .. } | Status::Offline if self.session.is_some() => {
                self.connect()
            }
            _ => vec![],
        }
    }

    fn connect(&mut self) -> Vec<Effect> {
        let Some(session) = &self.session else {
            return vec![];
        };
        self.reconnect_deferred = false;
        self.status = Status::Connecting;
        vec![Effect::Connect(session.clone())]
    }

    /// Sends visitor messages waiting for their answer, oldest first, as far as the window
    /// allows (`policy::window`), then anything else unsent. A message sent on a connection
    /// that closed before its answer may have been lost with it, so it goes again: an
    /// acknowledging server answers its `clientMessageId` once; toward any other server it
    /// goes alone, so that the answer that comes is certainly its own. The oldest message
    /// counts an attempt each time it is sent; after [`MAX_ATTEMPTS`] it is given up on, for
    /// the visitor to send again. Does nothing unless connected.
    fn flush(&mut self, now_ms: f64) -> Vec<Effect> {
        if self.status != Status::Connected {
            return vec![];
        }
        let mut effects = Vec::new();
        let window = policy::window(self.server_acks);
        let mut failed = None;
        // Only the oldest unanswered message counts an attempt: the ones behind it are
        // waiting their turn, not failing.
        let mut oldest = true;
        for message in &mut self.messages {
            let waiting = message.author == Author::Visitor
                && matches!(message.delivery, Delivery::Pending | Delivery::Sent);
            if !waiting {
                continue;
            }
            if self.in_flight.contains(&message.id) {
                oldest = false;
                continue;
            }
            if self.in_flight.len() >= window {
                break;
            }
            if oldest && message.attempts >= MAX_ATTEMPTS {
                // Toward a server that does not acknowledge, a message sent before may have
                // arrived: "may not have been delivered", not "not delivered".
                message.delivery = if self.server_acks {
                    Delivery::Failed
                } else {
                    Delivery::Unconfirmed
                };
                failed = Some(message.delivery);
                continue;
            }
            if oldest {
                message.attempts += 1;
                oldest = false;
            }
            if self.in_flight.is_empty() {
                self.progress_at = now_ms;
            }
            message.delivery = Delivery::Sent;
            self.in_flight.push(message.id);
            effects.push(Effect::Send(VisitorAction::Say {
                text: message.text.clone(),
                context: None,
                client_id: message.client_id.clone(),
            }));
        }
        if let Some(delivery) = failed {
            // A message given up on no longer holds back the answers after it.
            effects.extend(self.release_held(0.0));
            self.notice = Some(Notice {
                text: if delivery == Delivery::Unconfirmed {
                    "A message may not have been delivered. Use Send again next to it if it still needs an answer."
                } else {
                    "A message could not be delivered. Use Retry next to it to send it again."
                }
                .into(),
            });
        }
        effects.extend(self.unsent.drain(..).map(Effect::Send));
        effects
    }

    fn agent_event(&mut self, event: AgentEvent, now_ms: f64) -> Vec<Effect> {
        match event {
            AgentEvent::SessionReady { .. } | AgentEvent::Pong { .. } => vec![],
            AgentEvent::Typing(on) => {
                self.typing = on;
                vec![]
            }
            AgentEvent::TextDelta(delta) => {
                let growing = self.streaming.and_then(|id| self.message_mut(id));
                match growing {
                    Some(message) => message.text.push_str(&delta),
                    None => self.streaming = Some(self.push(Author::Agent, delta, now_ms).id),
                }
                vec![]
            }
            AgentEvent::Message(reply) => {
                self.typing = false;
                self.answered_on_connection = true;
                let Some(answers) = reply.reply_to.clone() else {
                    // A server that does not name its answers: credited only when certain.
                    if !self.server_acks {
                        if let Some(id) = policy::unnamed_answer(&self.in_flight) {
                            self.in_flight.clear();
                            if let Some(m) = self.messages.iter_mut().find(|m| m.id == id) {
                                m.delivery = Delivery::Answered;
                            }
                        }
                    }
                    let mut effects = self.show_reply(reply, now_ms);
                    effects.extend(self.flush(now_ms));
                    return effects;
                };
                // Before the first named answer, "answered" was credited by position: an
                // unasked message (a reaction to the demo) may have been taken for it.
                let first_named = !std::mem::replace(&mut self.server_acks, true);
                let Some(asked) = self
                    .messages
                    .iter()
                    .position(|m| m.client_id.as_deref() == Some(answers.as_str()))
                else {
                    let mut effects = self.show_reply(reply, now_ms);
                    effects.extend(self.flush(now_ms));
                    return effects;
                };
                // The same answer again, after a resend: shown (or held) once already.
                let already = (self.messages[asked].delivery == Delivery::Answered && !first_named)
                    || self.held.iter().any(|h| h.reply_to == reply.reply_to);
                if already {
                    return vec![];
                }
                self.messages[asked].delivery = Delivery::Answered;
                let id = self.messages[asked].id;
                self.in_flight.retain(|&m| m != id);
                // An answer that overtook the answer to an earlier message (lost with a
                // connection, asked again) waits for it, so answers show in order.
                self.held.push(reply);
                let mut effects = self.release_held(now_ms);
                effects.extend(self.flush(now_ms));
                effects
            }
            AgentEvent::LeadForm(form) => {
                self.lead_form = Some(LeadFormState {
                    form,
                    submitted: false,
                });
                vec![]
            }
            AgentEvent::ToolActivity { .. } => vec![],
            AgentEvent::Error(error) => {
                let text = explain(&error.code).to_string();
                let warn = Effect::Warn(format!(
                    "Docent: the agent reported {}: {}",
                    error.code.as_str(),
                    error.message
                ));
                if error.fatal && !self.session_worked {
                    self.typing = false;
                    self.session = None;
                    self.status = Status::Ended { reason: text };
                } else if error.fatal {
                    // The close that follows starts a new session; say why meanwhile.
                    self.notice = Some(Notice { text });
                } else {
                    self.notice = Some(Notice { text });
                }
                vec![warn]
            }
        }
    }

    /// Shows a reply: its text, its suggestions, and its page commands to run.
    fn show_reply(&mut self, reply: AgentMessage, now_ms: f64) -> Vec<Effect> {
        // The complete reply ends the streamed text in progress: it becomes that message
        // (its text the complete one), not a second bubble.
        let streamed = self.streaming.take().and_then(|id| self.message_mut(id));
        let message = match streamed {
            Some(message) => {
                if message.text != reply.text {
                    message.text = reply.text;
                    message.rewrites += 1;
                }
                message
            }
            None => self.push(Author::Agent, reply.text, now_ms),
        };
        message.speech = reply.speech;
        self.suggestions = reply.suggestions;
        let mut effects = Vec::new();
        let mut runnable = Vec::new();
        for command in reply.commands {
            match command {
                Ok(command) => runnable.push(command),
                Err(refused) => effects.extend(self.command_failed(
                    refused.action.clone(),
                    None,
                    refused.reason.clone(),
                )),
            }
        }
        if !runnable.is_empty() {
            effects.push(Effect::RunCommands(runnable));
        }
        effects
    }

    /// Shows held answers, in the order of the messages they answer, as far as no earlier
    /// message is still waiting for its own.
    fn release_held(&mut self, now_ms: f64) -> Vec<Effect> {
        let position = |c: &Conversation, reply: &AgentMessage| {
            c.messages
                .iter()
                .position(|m| m.client_id.is_some() && m.client_id == reply.reply_to)
                .unwrap_or(0)
        };
        let mut effects = Vec::new();
        while let Some(next) = (0..self.held.len()).min_by_key(|&i| position(self, &self.held[i])) {
            let at = position(self, &self.held[next]);
            let earlier_waiting = self.messages[..at].iter().any(|m| {
                m.author == Author::Visitor
                    && matches!(m.delivery, Delivery::Pending | Delivery::Sent)
            });
            if earlier_waiting {
                break;
            }
            let reply = self.held.remove(next);
            effects.extend(self.show_reply(reply, now_ms));
        }
        effects
    }

    /// One page command failed: the visitor is told in a sentence, the developer in the
    /// console, and the agent through an `iframe_event`; the conversation goes on.
    fn command_failed(
        &mut self,
        action: Option<String>,
        selector: Option<String>,
        error: String,
    ) -> Vec<Effect> {
        self.notice = Some(Notice {
            text: format!("One step of the demo didn't work: {error}."),
        });
        let warn = Effect::Warn(format!(
            "Docent: page command `{}` failed: {error}",
            action.as_deref().unwrap_or("?")
        ));
        let report = VisitorAction::PageEvent(PageEvent {
            event: "command_failed".into(),
            selector,
            url: None,
            action,
            error: Some(error),
        });
        match self.status {
            Status::Connected => vec![warn, Effect::Send(report)],
            _ => vec![warn],
        }
    }

    fn socket_closed(&mut self, closed: Closed, jitter: f64, now_ms: f64) -> Vec<Effect> {
        let Closed { kind, reason } = closed;
        self.typing = false;
        // A stream cut off stays as far as it came; what comes next is a new message.
        self.streaming = None;
        // What was in flight stays sent: the next connection sends it again.
        self.in_flight.clear();
        if let Some(opened) = self.connected_at.take() {
            let answered = std::mem::take(&mut self.answered_on_connection);
            self.backoff.connection_lasted(now_ms - opened, answered);
        }
        if matches!(self.status, Status::Ended { .. }) {
            return vec![];
        }
        match kind {
            CloseKind::Final => {
                self.session = None;
                self.status = Status::Ended {
                    reason: "This chat has ended — start a new one.".into(),
                };
                vec![]
            }
            CloseKind::NewSession if self.session_worked => {
                // The session expired or was forgotten: a new one, same transcript.
                self.session = None;
                self.session_worked = false;
                self.renewing = true;
                self.status = Status::Starting;
                self.notice = Some(Notice {
                    text: "Your chat session had expired, so a new one was started. Unsent messages will follow.".into(),
                });
                vec![Effect::CreateSession]
            }
            CloseKind::NewSession => {
                self.session = None;
                let reason = reason.unwrap_or(ErrorCode::SessionNotFound);
                self.status = Status::Ended {
                    reason: explain(&reason).into(),
                };
                vec![]
            }
            CloseKind::Retry | CloseKind::RateLimited => {
                let delay = self.backoff.next_delay(kind, jitter);
                if self.offline {
                    self.status = Status::Offline;
                    self.reconnect_deferred = true;
                    return vec![];
                }
                self.status = Status::Reconnecting { in_ms: delay };
                vec![Effect::ReconnectIn(delay)]
            }
        }
    }
}

/// What survives a page reload: the session (id and short-lived token: no other secret),
/// the transcript with each message's delivery, and whether the chat was open.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Snapshot {
    /// Bumped when the shape changes; other versions are not restored.
    pub version: u32,
    pub saved_at_ms: f64,
    pub agent_name: String,
    pub open: bool,
    pub session: Option<SessionHandle>,
    pub session_worked: bool,
    pub server_acks: bool,
    pub messages: Vec<Message>,
    pub suggestions: Vec<String>,
    pub next_id: u64,
}

/// 2: the session is the dialect's own handle.
const SNAPSHOT_VERSION: u32 = 2;

impl Conversation {
    pub fn snapshot(&self, now_ms: f64) -> Snapshot {
        Snapshot {
            version: SNAPSHOT_VERSION,
            saved_at_ms: now_ms,
            agent_name: self.agent_name.clone(),
            open: self.open,
            session: self.session.clone(),
            session_worked: self.session_worked,
            server_acks: self.server_acks,
            messages: self.messages.clone(),
            suggestions: self.suggestions.clone(),
            next_id: self.next_id,
        }
    }

    /// Rebuilds a conversation from saved text, unless it is unreadable, of another
    /// version, or older than `max_age_ms`. The effects reconnect its session.
    pub fn restore(
        saved: &str,
        now_ms: f64,
        max_age_ms: f64,
    ) -> Result<(Conversation, Vec<Effect>), String> {
        let snapshot: Snapshot = serde_json::from_str(saved)
            .map_err(|e| format!("the saved conversation is unreadable ({e})"))?;
        if snapshot.version != SNAPSHOT_VERSION {
            return Err(format!(
                "the saved conversation has version {}",
                snapshot.version
            ));
        }
        if now_ms - snapshot.saved_at_ms > max_age_ms {
            return Err("the saved conversation has expired".into());
        }
        let mut c = Conversation::new(&snapshot.agent_name);
        c.open = snapshot.open;
        c.session_worked = snapshot.session_worked;
        c.server_acks = snapshot.server_acks;
        c.suggestions = snapshot.suggestions;
        c.next_id = snapshot.next_id.max(
            snapshot
                .messages
                .iter()
                .map(|m| m.id + 1)
                .max()
                .unwrap_or(1),
        );
        c.messages = snapshot.messages;
        // Whatever was on its way when the page went away goes again.
        for m in &mut c.messages {
            if m.author == Author::Visitor && m.delivery == Delivery::Sent {
                m.delivery = Delivery::Pending;
            }
        }
        let effects = match snapshot.session {
            Some(session) => {
                c.session = Some(session);
                c.connect()
            }
            None if c.open => {
                c.status = Status::Starting;
                vec![Effect::CreateSession]
            }
            None => vec![],
        };
        Ok((c, effects))
    }
}

/// Checks what the visitor typed: trimmed, not empty, not too long.
pub fn check_visitor_text(text: &str) -> Result<String, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("Type a message first.".into());
    }
    let count = trimmed.chars().count();
    if count > MAX_VISITOR_CHARS {
        return Err(format!(
            "Your message is {count} characters long; the limit is {MAX_VISITOR_CHARS}. Please shorten it."
        ));
    }
    Ok(trimmed.to_string())
}

/// Why a lead field's value is not acceptable, in plain words; `None` when it is fine.
pub fn lead_field_problem(kind: LeadFieldKind, label: &str, value: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        return Some(format!("{label} is required."));
    }
    let ok = match kind {
        LeadFieldKind::Email => is_email(value),
        LeadFieldKind::Phone => {
            value
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c))
                && value.chars().filter(char::is_ascii_digit).count() >= 7
        }
        LeadFieldKind::Url => {
            let rest = value
                .strip_prefix("https://")
                .or_else(|| value.strip_prefix("http://"));
            rest.is_some_and(|r| r.contains('.') && !r.contains(' '))
        }
        LeadFieldKind::Number => crate::decimal::parse(value).is_some(),
        LeadFieldKind::Text => value.chars().count() <= 200,
    };
    if ok {
        return None;
    }
    Some(match kind {
        LeadFieldKind::Email => "Enter an email address like name@company.com.".into(),
        LeadFieldKind::Phone => "Enter a phone number with at least 7 digits.".into(),
        LeadFieldKind::Url => "Enter a web address starting with https://.".into(),
        LeadFieldKind::Number => format!("{label} must be a number."),
        LeadFieldKind::Text => format!("{label} must be at most 200 characters."),
    })
}

fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !value.contains(char::is_whitespace)
        && domain.split('.').count() >= 2
        && domain.split('.').all(|part| !part.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use docent_protocol::{AgentError, CommandError, Greeting, LeadField};

    /// `apply` without the host page's events, for tests about everything else (the
    /// host events have tests of their own, which call `apply`).
    trait Act {
        fn act(&mut self, event: Event, now_ms: f64) -> Vec<Effect>;
    }

    impl Act for Conversation {
        fn act(&mut self, event: Event, now_ms: f64) -> Vec<Effect> {
            self.apply(event, now_ms)
                .into_iter()
                .filter(|e| !matches!(e, Effect::Announce(h) if !matches!(h, HostEvent::Lead(_))))
                .collect()
        }
    }

    /// A dialect's session handle; the conversation never looks inside.
    fn handle(id: &str, token: &str) -> SessionHandle {
        SessionHandle(format!("{id}/{token}"))
    }

    fn session() -> Started {
        Started {
            session: handle("s1", "t1"),
            agent_name: Some("Ava".into()),
            greeting: Some(Greeting {
                text: "Hi, I'm Ava".into(),
                speech: Some("Hi".into()),
                suggestions: vec!["Show me the dashboard".into()],
            }),
        }
    }

    fn connected() -> Conversation {
        let mut c = Conversation::default();
        c.act(Event::Open, 0.0);
        c.act(Event::SessionCreated(session()), 1.0);
        c.act(Event::SocketOpened, 2.0);
        c
    }

    /// The frame for visitor message number `id` (its `clientMessageId` is `m{id}`).
    fn say(text: &str, id: u64) -> Effect {
        Effect::Send(VisitorAction::Say {
            text: text.into(),
            context: None,
            client_id: Some(format!("m{id}")),
        })
    }

    fn closed(c: &mut Conversation, now: f64) -> Vec<Effect> {
        c.act(
            Event::SocketClosed {
                closed: Closed {
                    kind: CloseKind::Retry,
                    reason: None,
                },
                jitter: 0.999_999,
            },
            now,
        )
    }

    fn reply_to(text: &str, id: u64) -> Event {
        Event::Agent(AgentEvent::Message(AgentMessage {
            text: text.into(),
            reply_to: Some(format!("m{id}")),
            ..AgentMessage::default()
        }))
    }

    fn delta(text: &str) -> Event {
        Event::Agent(AgentEvent::TextDelta(text.into()))
    }

    #[test]
    fn streamed_text_then_the_complete_reply_is_one_message() {
        let mut c = connected();
        let before = c.messages.len();
        c.act(Event::Agent(AgentEvent::Typing(true)), 3.0);
        c.act(delta("Here's "), 3.1);
        c.act(delta("the dash"), 3.2);
        assert_eq!(c.messages.len(), before + 1);
        assert_eq!(c.messages.last().unwrap().text, "Here's the dash");
        let complete = Event::Agent(AgentEvent::Message(AgentMessage {
            text: "Here's the dashboard!".into(),
            speech: Some("Here is the dashboard".into()),
            ..AgentMessage::default()
        }));
        c.act(complete, 3.3);
        assert_eq!(
            c.messages.len(),
            before + 1,
            "the reply became a second bubble"
        );
        let reply = c.messages.last().unwrap();
        assert_eq!(reply.text, "Here's the dashboard!");
        assert_eq!(reply.speech.as_deref(), Some("Here is the dashboard"));
        // The next stream is a message of its own.
        c.act(delta("Next"), 4.0);
        assert_eq!(c.messages.len(), before + 2);
        assert_eq!(c.messages.last().unwrap().text, "Next");
    }

    #[test]
    fn a_stream_cut_off_by_a_drop_stays_and_the_next_is_new() {
        let mut c = connected();
        let before = c.messages.len();
        c.act(delta("Half a"), 3.0);
        closed(&mut c, 4.0);
        c.act(Event::SocketOpened, 5.0);
        c.act(delta("Whole"), 6.0);
        assert_eq!(c.messages.len(), before + 2);
        assert_eq!(c.messages[before].text, "Half a");
        assert_eq!(c.messages[before + 1].text, "Whole");
    }

    #[test]
    fn five_thousand_deltas_grow_one_message_in_place() {
        let mut c = connected();
        let before = c.messages.len();
        let mut moves = 0;
        let mut at = std::ptr::null();
        for i in 0..5_000 {
            // 5,000 updates growing one message to 20,000 characters.
            assert_eq!(c.act(delta("abcd"), 3.0 + f64::from(i)), []);
            let text = &c.messages.last().unwrap().text;
            if text.as_ptr() != at {
                moves += 1;
                at = text.as_ptr();
            }
        }
        assert_eq!(c.messages.len(), before + 1);
        assert_eq!(c.messages.last().unwrap().text.len(), 20_000);
        // Appended where it lies: the text moves only when its buffer doubles (about
        // log2(20,000) times), never copied or rebuilt per update.
        assert!(
            moves <= 16,
            "the streamed text moved {moves} times in 5,000 updates"
        );
    }

    #[test]
    fn the_session_is_created_on_first_open_not_before_and_only_once() {
        let mut c = Conversation::default();
        assert_eq!(c.status, Status::Idle);
        assert_eq!(c.act(Event::Open, 0.0), [Effect::CreateSession]);
        assert_eq!(c.act(Event::Close, 0.0), []);
        assert_eq!(c.act(Event::Open, 0.0), []);
        assert_eq!(c.status, Status::Starting);
    }

    #[test]
    fn a_created_session_greets_suggests_and_connects_with_its_token() {
        let mut c = Conversation::default();
        c.act(Event::Open, 0.0);
        let effects = c.act(Event::SessionCreated(session()), 5.0);
        assert_eq!(effects, [Effect::Connect(handle("s1", "t1"))]);
        assert_eq!(c.agent_name, "Ava");
        assert_eq!(c.messages[0].text, "Hi, I'm Ava");
        assert_eq!(c.messages[0].speech.as_deref(), Some("Hi"));
        assert_eq!(c.suggestions, ["Show me the dashboard"]);
        assert_eq!(c.status, Status::Connecting);
    }

    #[test]
    fn messages_sent_before_the_socket_opens_wait_and_go_out_in_order() {
        let mut c = Conversation::default();
        c.act(Event::Open, 0.0);
        assert_eq!(c.act(Event::VisitorSays("first".into()), 1.0), []);
        c.act(Event::SessionCreated(session()), 2.0);
        assert_eq!(c.act(Event::VisitorSays("second".into()), 3.0), []);
        assert_eq!(c.pending().count(), 2);
        // Whether the server names its answers is not known yet: one at a time.
        assert_eq!(c.act(Event::SocketOpened, 4.0), [say("first", 1)]);
        assert_eq!(
            c.act(reply_to("to first", 1), 5.0),
            [say("second", 3)],
            "in order"
        );
        assert_eq!(c.pending().count(), 0);
    }

    #[test]
    fn empty_and_oversized_text_is_refused_with_a_reason_and_nothing_is_sent() {
        let mut c = connected();
        let before = c.messages.len();
        assert_eq!(c.act(Event::VisitorSays("   \n".into()), 1.0), []);
        assert_eq!(c.notice.as_ref().unwrap().text, "Type a message first.");
        let huge = "x".repeat(MAX_VISITOR_CHARS + 1);
        assert_eq!(c.act(Event::VisitorSays(huge), 1.0), []);
        assert!(c.notice.as_ref().unwrap().text.contains("4001 characters"));
        assert_eq!(c.messages.len(), before);
        assert_eq!(
            c.act(Event::VisitorSays("  hello  ".into()), 1.0),
            [say("hello", 2)]
        );
        assert_eq!(c.notice, None);
    }

    /// The host page's events among `effects`, in order.
    fn heard(effects: Vec<Effect>) -> Vec<HostEvent> {
        effects
            .into_iter()
            .filter_map(|e| match e {
                Effect::Announce(h) => Some(h),
                _ => None,
            })
            .collect()
    }

    fn message(id: u64, author: Author, text: &str) -> HostEvent {
        HostEvent::Message {
            id,
            author,
            text: text.into(),
        }
    }

    #[test]
    fn the_host_page_hears_open_each_message_once_and_close_in_order() {
        let mut c = Conversation::default();
        let mut events = heard(c.apply(Event::Open, 0.0));
        events.extend(heard(c.apply(Event::SessionCreated(session()), 1.0)));
        events.extend(heard(c.apply(Event::SocketOpened, 2.0)));
        events.extend(heard(c.apply(Event::VisitorSays("Hello".into()), 3.0)));
        events.extend(heard(c.apply(Event::Agent(AgentEvent::Typing(true)), 4.0)));
        let reply = AgentMessage {
            text: "Hi there".into(),
            speech: None,
            suggestions: vec![],
            commands: vec![],
            agent_id: None,
            reply_to: Some("m2".into()),
            products: vec![],
        };
        events.extend(heard(
            c.apply(Event::Agent(AgentEvent::Message(reply)), 5.0),
        ));
        events.extend(heard(c.apply(Event::Tick, 6.0)));
        events.extend(heard(c.apply(Event::Close, 7.0)));
        assert_eq!(
            events,
            [
                HostEvent::Open,
                message(1, Author::Agent, "Hi, I'm Ava"),
                message(2, Author::Visitor, "Hello"),
                message(3, Author::Agent, "Hi there"),
                HostEvent::Close,
            ]
        );
        assert_eq!(heard(c.apply(Event::Close, 8.0)), [], "already closed");
    }

    #[test]
    fn the_host_page_hears_each_problem_once_in_plain_words() {
        let mut c = connected();
        let lost = heard(c.apply(
            Event::SocketClosed {
                closed: Closed {
                    kind: CloseKind::Retry,
                    reason: None,
                },
                jitter: 0.5,
            },
            10.0,
        ));
        assert!(
            matches!(&lost[..], [HostEvent::Error { kind: ErrorKind::Connection, message }] if message.contains("lost")),
            "{lost:?}"
        );
        // Still reconnecting after the next failed try: no second report.
        c.apply(Event::ReconnectDue, 20.0);
        let again = heard(c.apply(
            Event::SocketClosed {
                closed: Closed {
                    kind: CloseKind::Retry,
                    reason: None,
                },
                jitter: 0.5,
            },
            21.0,
        ));
        assert_eq!(again, [], "the same trouble is not told twice");

        let refused = heard(c.apply(Event::VisitorSays("   ".into()), 30.0));
        assert!(
            matches!(&refused[..], [HostEvent::Error { kind: ErrorKind::Notice, message }] if message.contains("Type a message")),
            "{refused:?}"
        );

        let mut c = Conversation::default();
        c.apply(Event::Open, 0.0);
        let failed = heard(c.apply(
            Event::SessionFailed {
                reason: "The chat service did not answer.".into(),
            },
            1.0,
        ));
        assert_eq!(
            failed,
            [HostEvent::Error {
                kind: ErrorKind::Start,
                message: "The chat service did not answer.".into()
            }]
        );
    }

    #[test]
    fn a_visitor_ending_the_chat_is_no_error() {
        let mut c = connected();
        assert_eq!(heard(c.apply(Event::End, 5.0)), []);
    }

    #[test]
    fn typing_then_a_reply_shows_the_reply_and_its_suggestions() {
        let mut c = connected();
        c.act(Event::VisitorSays("Show me the dashboard".into()), 1.0);
        assert!(c.suggestions.is_empty(), "sending clears the old chips");
        c.act(Event::Agent(AgentEvent::Typing(true)), 2.0);
        assert!(c.typing);
        let reply = AgentMessage {
            text: "Here's the dashboard!".into(),
            speech: Some("Here is the dashboard".into()),
            suggestions: vec!["Create a deal".into()],
            commands: vec![Err(CommandError {
                action: Some("click".into()),
                reason: "the selector is empty".into(),
            })],
            agent_id: None,
            reply_to: None,
            products: vec![],
        };
        let effects = c.act(Event::Agent(AgentEvent::Message(reply)), 3.0);
        assert!(!c.typing);
        let last = c.messages.last().unwrap();
        assert_eq!(
            (last.author, last.text.as_str()),
            (Author::Agent, "Here's the dashboard!")
        );
        assert_eq!(last.speech.as_deref(), Some("Here is the dashboard"));
        assert_eq!(c.suggestions, ["Create a deal"]);
        assert!(matches!(&effects[0], Effect::Warn(w) if w.contains("selector is empty")));
        assert!(
            matches!(&effects[1], Effect::Send(VisitorAction::PageEvent(e))
            if e.event == "command_failed" && e.action.as_deref() == Some("click"))
        );
        assert_eq!(effects.len(), 2, "no valid command, nothing to run");
    }

    #[test]
    fn a_lead_goes_to_the_server_and_the_host_page_once() {
        let mut c = connected();
        assert_eq!(
            c.act(Event::LeadSubmitted(vec![]), 1.0),
            [],
            "no form, no lead"
        );
        c.act(
            Event::Agent(AgentEvent::LeadForm(LeadForm {
                fields: vec![LeadField::from_name("email")],
                cta_text: None,
                cta_url: None,
            })),
            1.0,
        );
        let values = vec![("email".to_string(), "a@b.co".to_string())];
        assert_eq!(
            c.act(Event::LeadSubmitted(values.clone()), 2.0),
            [
                Effect::Send(VisitorAction::LeadSubmitted {
                    values: values.clone()
                }),
                Effect::Announce(HostEvent::Lead(values.clone()))
            ]
        );
        assert!(c.lead_form.as_ref().unwrap().submitted);
        assert_eq!(c.act(Event::LeadSubmitted(values), 3.0), []);
    }

    #[test]
    fn a_rejected_token_ends_the_chat_in_plain_words() {
        let mut c = connected();
        let error = AgentError {
            code: ErrorCode::InvalidToken,
            message: "Token is invalid or expired".into(),
            retryable: false,
            fatal: true,
        };
        c.act(Event::Agent(AgentEvent::Error(error)), 1.0);
        c.act(
            Event::SocketClosed {
                closed: Closed {
                    kind: CloseKind::NewSession,
                    reason: Some(ErrorCode::InvalidToken),
                },
                jitter: 0.999,
            },
            2.0,
        );
        assert_eq!(
            c.status,
            Status::Ended {
                reason: explain(&ErrorCode::InvalidToken).into()
            }
        );
        assert!(!c.can_send());
        assert_eq!(c.act(Event::StartNew, 3.0), [Effect::CreateSession]);
        assert!(c.messages.is_empty());
    }

    #[test]
    fn a_close_without_an_error_frame_still_says_why() {
        let mut c = connected();
        c.act(
            Event::SocketClosed {
                closed: Closed {
                    kind: CloseKind::NewSession,
                    reason: Some(ErrorCode::SessionNotFound),
                },
                jitter: 0.999,
            },
            1.0,
        );
        assert_eq!(
            c.status,
            Status::Ended {
                reason: explain(&ErrorCode::SessionNotFound).into()
            }
        );
    }

    #[test]
    fn a_passing_error_is_a_notice_and_the_chat_goes_on() {
        let mut c = connected();
        let error = AgentError {
            code: ErrorCode::EmptyMessage,
            message: "Message text is empty".into(),
            retryable: false,
            fatal: false,
        };
        c.act(Event::Agent(AgentEvent::Error(error)), 1.0);
        assert_eq!(c.status, Status::Connected);
        assert_eq!(
            c.notice.as_ref().unwrap().text,
            explain(&ErrorCode::EmptyMessage)
        );
        let effects = c.act(Event::UnreadableFrame { detail: "x".into() }, 2.0);
        assert!(c.notice.as_ref().unwrap().text.contains("couldn't read"));
        assert!(matches!(&effects[..], [Effect::Warn(_)]));
    }

    #[test]
    fn every_error_code_has_its_own_plain_words() {
        let codes = [
            ErrorCode::AuthRequired,
            ErrorCode::InvalidToken,
            ErrorCode::SessionNotFound,
            ErrorCode::SessionExpired,
            ErrorCode::InvalidJson,
            ErrorCode::EmptyMessage,
            ErrorCode::UnknownType,
            ErrorCode::PdpNotFound,
            ErrorCode::Other("X".into()),
        ];
        let mut texts: Vec<_> = codes.iter().map(explain).collect();
        texts.sort();
        texts.dedup();
        assert_eq!(texts.len(), codes.len());
        assert!(
            texts.iter().all(|t| !t.contains('_')),
            "no codes shown to people"
        );
    }

    #[test]
    fn a_dropped_connection_retries_with_growing_jittered_delays_and_keeps_messages() {
        let mut c = connected();
        assert_eq!(closed(&mut c, 1.0), [Effect::ReconnectIn(1_000)]);
        assert_eq!(c.status, Status::Reconnecting { in_ms: 1_000 });
        assert_eq!(c.act(Event::VisitorSays("still there?".into()), 2.0), []);
        assert_eq!(
            c.act(Event::ReconnectDue, 3.0),
            [Effect::Connect(handle("s1", "t1"))]
        );
        assert_eq!(closed(&mut c, 4.0), [Effect::ReconnectIn(2_000)]);
        c.act(Event::ReconnectDue, 5.0);
        assert_eq!(c.act(Event::SocketOpened, 6.0), [say("still there?", 2)]);
        assert_eq!(
            closed(&mut c, 7.0),
            [Effect::ReconnectIn(4_000)],
            "a short connection does not reset"
        );
        c.act(Event::ReconnectDue, 8.0);
        c.act(Event::SocketOpened, 10.0);
        assert_eq!(
            closed(&mut c, 20_010.0),
            [Effect::ReconnectIn(1_000)],
            "a stable one does"
        );
    }

    #[test]
    fn unanswered_messages_are_resent_to_a_server_that_names_its_answers_and_shown_once() {
        let mut c = connected();
        assert_eq!(
            c.act(Event::VisitorSays("one".into()), 1.0),
            [say("one", 2)]
        );
        c.act(reply_to("answer one", 2), 2.0);
        assert_eq!(
            c.act(Event::VisitorSays("two".into()), 3.0),
            [say("two", 4)]
        );
        // Dropped before "two" was answered: it goes again on the next connection.
        closed(&mut c, 4.0);
        c.act(Event::ReconnectDue, 5.0);
        assert_eq!(c.act(Event::SocketOpened, 6.0), [say("two", 4)]);
        // The answer to "one" comes again (the server resent it): shown once.
        assert_eq!(c.act(reply_to("answer one", 2), 7.0), []);
        c.act(reply_to("answer two", 4), 8.0);
        c.act(reply_to("answer two", 4), 9.0);
        let texts: Vec<_> = c.messages.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(
            texts,
            ["Hi, I'm Ava", "one", "answer one", "two", "answer two"]
        );
        assert!(c
            .messages
            .iter()
            .filter(|m| m.author == Author::Visitor)
            .all(|m| m.delivery == Delivery::Answered));
    }

    #[test]
    fn an_answer_that_overtakes_an_earlier_one_waits_for_it() {
        let mut c = connected();
        c.act(reply_to("acks on", 99), 0.5);
        c.act(Event::VisitorSays("first".into()), 1.0);
        c.act(Event::VisitorSays("second".into()), 1.5);
        // The answer to "first" was lost with the connection; "second" is answered first.
        assert_eq!(c.act(reply_to("to second", 4), 2.0), []);
        assert!(
            !c.messages.iter().any(|m| m.text == "to second"),
            "held back"
        );
        c.act(reply_to("to first", 3), 3.0);
        let texts: Vec<_> = c.messages.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Hi, I'm Ava",
                "acks on",
                "first",
                "second",
                "to first",
                "to second"
            ]
        );
        // And the held answer is not shown twice when it comes again.
        assert_eq!(c.act(reply_to("to second", 4), 4.0), []);
    }

    #[test]
    fn a_server_that_does_not_name_its_answers_gets_only_the_messages_after_its_last_reply() {
        let mut c = connected();
        c.act(Event::VisitorSays("one".into()), 1.0);
        c.act(
            Event::Agent(AgentEvent::Message(AgentMessage {
                text: "answer".into(),
                ..AgentMessage::default()
            })),
            2.0,
        );
        c.act(Event::VisitorSays("two".into()), 3.0);
        closed(&mut c, 4.0);
        c.act(Event::ReconnectDue, 5.0);
        assert_eq!(c.act(Event::SocketOpened, 6.0), [say("two", 4)]);
    }

    /// An answer that names no message, as a server speaking only seed 002 sends it.
    fn unnamed(text: &str) -> Event {
        Event::Agent(AgentEvent::Message(AgentMessage {
            text: text.into(),
            ..AgentMessage::default()
        }))
    }

    fn reconnect(c: &mut Conversation, now: f64) -> Vec<Effect> {
        closed(c, now);
        c.act(Event::ReconnectDue, now + 1.0);
        c.act(Event::SocketOpened, now + 2.0)
    }

    fn delivery(c: &Conversation, text: &str) -> Delivery {
        c.messages.iter().find(|m| m.text == text).unwrap().delivery
    }

    fn transcript(c: &Conversation) -> Vec<&str> {
        c.messages.iter().map(|m| m.text.as_str()).collect()
    }

    #[test]
    fn toward_a_server_without_ids_one_message_is_in_flight_and_its_answer_is_certain() {
        let mut c = connected();
        assert_eq!(
            c.act(Event::VisitorSays("one".into()), 1.0),
            [say("one", 2)]
        );
        assert_eq!(
            c.act(Event::VisitorSays("two".into()), 1.1),
            [],
            "waits for the answer to the first"
        );
        assert_eq!(delivery(&c, "two"), Delivery::Pending);
        assert_eq!(c.act(unnamed("to one"), 2.0), [say("two", 3)]);
        assert_eq!(delivery(&c, "one"), Delivery::Answered);
        assert_eq!(delivery(&c, "two"), Delivery::Sent);
        assert_eq!(c.act(unnamed("to two"), 3.0), []);
        assert_eq!(delivery(&c, "two"), Delivery::Answered);
        assert_eq!(
            transcript(&c),
            ["Hi, I'm Ava", "one", "two", "to one", "to two"]
        );
    }

    #[test]
    fn toward_a_server_without_ids_a_message_dropped_before_processing_is_sent_again() {
        // The case: the server never saw "one"; the answer that comes next must not
        // be taken for its answer and "two" must still go.
        let mut c = connected();
        c.act(Event::VisitorSays("one".into()), 1.0);
        closed(&mut c, 2.0);
        assert_eq!(c.act(Event::VisitorSays("two".into()), 2.5), []);
        c.act(Event::ReconnectDue, 3.0);
        assert_eq!(
            c.act(Event::SocketOpened, 4.0),
            [say("one", 2)],
            "the oldest first, alone"
        );
        assert_eq!(c.act(unnamed("to one"), 5.0), [say("two", 3)]);
        assert_eq!(delivery(&c, "one"), Delivery::Answered);
        c.act(unnamed("to two"), 6.0);
        assert_eq!(
            transcript(&c),
            ["Hi, I'm Ava", "one", "two", "to one", "to two"]
        );
        assert!(c
            .messages
            .iter()
            .all(|m| m.delivery == Delivery::Answered || m.author == Author::Agent));
    }

    #[test]
    fn toward_a_server_without_ids_a_message_whose_reply_was_lost_is_sent_again_and_answered_once()
    {
        let mut c = connected();
        c.act(Event::VisitorSays("one".into()), 1.0);
        // Processed: the agent started typing, then the connection went with the reply.
        c.act(Event::Agent(AgentEvent::Typing(true)), 1.5);
        assert_eq!(reconnect(&mut c, 2.0), [say("one", 2)]);
        assert!(!c.typing);
        c.act(Event::Agent(AgentEvent::Typing(true)), 4.5);
        c.act(unnamed("to one"), 5.0);
        assert_eq!(transcript(&c), ["Hi, I'm Ava", "one", "to one"]);
        assert_eq!(delivery(&c, "one"), Delivery::Answered);
        assert_eq!(reconnect(&mut c, 6.0), [], "answered: not sent again");
    }

    #[test]
    fn toward_a_server_without_ids_a_drop_after_the_reply_resends_only_what_is_unanswered() {
        let mut c = connected();
        c.act(Event::VisitorSays("one".into()), 1.0);
        c.act(Event::VisitorSays("two".into()), 1.1);
        assert_eq!(c.act(unnamed("to one"), 2.0), [say("two", 3)]);
        // The socket drops right after the reply to "one", with "two" just sent.
        assert_eq!(reconnect(&mut c, 2.1), [say("two", 3)]);
        c.act(unnamed("to two"), 5.0);
        assert_eq!(
            transcript(&c),
            ["Hi, I'm Ava", "one", "two", "to one", "to two"]
        );
        assert_eq!(reconnect(&mut c, 6.0), []);
    }

    #[test]
    fn toward_a_server_without_ids_an_answer_with_nothing_in_flight_is_credited_to_nothing() {
        let mut c = connected();
        c.act(Event::VisitorSays("one".into()), 1.0);
        closed(&mut c, 2.0);
        c.act(Event::ReconnectDue, 3.0);
        c.act(Event::SocketOpened, 4.0);
        c.act(unnamed("to one"), 5.0);
        // The agent speaks on its own: shown, and no message is marked answered by it.
        assert_eq!(c.act(unnamed("By the way…"), 6.0), []);
        c.act(Event::VisitorSays("two".into()), 7.0);
        closed(&mut c, 8.0);
        c.act(Event::ReconnectDue, 9.0);
        assert_eq!(c.act(Event::SocketOpened, 10.0), [say("two", 5)]);
        assert_eq!(delivery(&c, "two"), Delivery::Sent);
    }

    #[test]
    fn toward_a_server_without_ids_a_message_that_never_gets_an_answer_may_be_sent_again() {
        let mut c = connected();
        c.act(Event::VisitorSays("lost".into()), 1.0);
        c.act(Event::VisitorSays("behind".into()), 1.1);
        let mut now = 2.0;
        for _ in 1..MAX_ATTEMPTS {
            assert_eq!(reconnect(&mut c, now), [say("lost", 2)]);
            now += 3.0;
        }
        // Given up on: "behind" goes in its place, and counts its first attempt.
        assert_eq!(reconnect(&mut c, now), [say("behind", 3)]);
        assert_eq!(delivery(&c, "lost"), Delivery::Unconfirmed);
        assert!(c
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("may not have been delivered"));
        c.act(unnamed("to behind"), now + 3.0);
        let id = c.messages.iter().find(|m| m.text == "lost").unwrap().id;
        assert_eq!(c.act(Event::RetryMessage(id), now + 4.0), [say("lost", 2)]);
        assert_eq!(delivery(&c, "lost"), Delivery::Sent);
    }

    #[test]
    fn an_answer_that_does_not_come_replaces_the_connection_and_nothing_sits_unsent() {
        let mut c = connected();
        c.act(Event::VisitorSays("one".into()), 1_000.0);
        c.act(Event::VisitorSays("two".into()), 1_100.0);
        // Pongs keep the connection alive, but they are no sign of an answer.
        c.act(Event::Agent(AgentEvent::Pong { ts: None }), 40_000.0);
        assert_eq!(c.act(Event::Tick, 50_000.0), [], "still in time");
        // Typing is a sign the answer is coming.
        c.act(Event::Agent(AgentEvent::Typing(true)), 50_000.0);
        assert_eq!(c.act(Event::Tick, 90_000.0), []);
        c.act(Event::Agent(AgentEvent::Pong { ts: None }), 95_000.0);
        let effects = c.act(Event::Tick, 110_001.0);
        assert_eq!(effects[0], Effect::Reconnect);
        c.act(Event::ReconnectDue, 111_000.0);
        assert_eq!(c.act(Event::SocketOpened, 112_000.0), [say("one", 2)]);
        c.act(unnamed("to one"), 113_000.0);
        assert_eq!(delivery(&c, "two"), Delivery::Sent);
    }

    #[test]
    fn a_named_answer_is_shown_even_if_an_unasked_one_was_taken_for_it_before_ids_were_known() {
        let mut c = connected();
        c.act(Event::VisitorSays("one".into()), 1.0);
        // The agent reacts to the demo while "one" is in flight: taken for its answer…
        c.act(unnamed("I see you opened Deals"), 2.0);
        // …until the real answer names "one": then the server names its answers, and it shows.
        c.act(reply_to("to one", 2), 3.0);
        assert_eq!(
            transcript(&c),
            ["Hi, I'm Ava", "one", "I see you opened Deals", "to one"]
        );
        assert_eq!(c.act(reply_to("to one", 2), 4.0), [], "once");
        assert_eq!(transcript(&c).len(), 4);
    }

    #[test]
    fn toward_a_server_with_ids_several_messages_go_at_once_and_resends_are_paced() {
        let mut c = connected();
        assert_eq!(c.act(Event::VisitorSays("m".into()), 1.0), [say("m", 2)]);
        c.act(reply_to("to m", 2), 2.0);
        let mut sent = 0;
        for i in 0..20 {
            sent += c.act(Event::VisitorSays(format!("q{i}")), 3.0).len();
        }
        assert_eq!(sent, policy::ACK_WINDOW, "a window of messages in flight");
        // An answer that names no message (the agent reacting to the demo) credits nothing.
        assert_eq!(c.act(unnamed("I see you opened Deals"), 4.0), []);
        // After a drop only the window's worth goes again, oldest first…
        let resent = reconnect(&mut c, 5.0);
        assert_eq!(resent.len(), policy::ACK_WINDOW);
        assert_eq!(resent[0], say("q0", 4));
        // …and each answer makes room for the next.
        assert_eq!(c.act(reply_to("to q0", 4), 9.0), [say("q8", 12)]);
        assert_eq!(delivery(&c, "q1"), Delivery::Sent);
    }

    #[test]
    fn a_message_that_never_gets_an_answer_is_marked_failed_and_can_be_retried() {
        let mut c = connected();
        c.act(reply_to("acks on", 99), 0.5);
        c.act(Event::VisitorSays("lost".into()), 1.0);
        let mut now = 2.0;
        for _ in 1..MAX_ATTEMPTS {
            closed(&mut c, now);
            c.act(Event::ReconnectDue, now + 1.0);
            assert_eq!(c.act(Event::SocketOpened, now + 2.0).len(), 1);
            now += 3.0;
        }
        closed(&mut c, now);
        c.act(Event::ReconnectDue, now + 1.0);
        assert_eq!(c.act(Event::SocketOpened, now + 2.0), []);
        let lost = c.messages.iter().find(|m| m.text == "lost").unwrap();
        assert_eq!(lost.delivery, Delivery::Failed);
        assert!(c.notice.as_ref().unwrap().text.contains("Retry"));
        let id = lost.id;
        assert_eq!(c.act(Event::RetryMessage(id), now + 3.0), [say("lost", id)]);
    }

    #[test]
    fn messages_waiting_behind_the_oldest_do_not_count_attempts() {
        let mut c = connected();
        c.act(reply_to("acks on", 99), 0.5);
        c.act(Event::VisitorSays("first".into()), 1.0);
        c.act(Event::VisitorSays("second".into()), 1.0);
        let mut now = 2.0;
        for round in 0..(MAX_ATTEMPTS * 2) {
            closed(&mut c, now);
            c.act(Event::ReconnectDue, now + 1.0);
            c.act(Event::SocketOpened, now + 2.0);
            // The first is answered on the first reconnect; the second waits its turn.
            if round == 0 {
                c.act(reply_to("one", 3), now + 2.5);
            }
            now += 3.0;
        }
        let second = c.messages.iter().find(|m| m.text == "second").unwrap();
        assert_eq!(
            second.delivery,
            Delivery::Failed,
            "it became the oldest and failed in its turn"
        );
        let first = c.messages.iter().find(|m| m.text == "first").unwrap();
        assert_eq!(first.delivery, Delivery::Answered);
        assert!(second.attempts <= MAX_ATTEMPTS);
    }

    #[test]
    fn a_reload_restores_the_transcript_the_queue_and_the_session() {
        let mut c = connected();
        c.act(Event::Agent(AgentEvent::Pong { ts: None }), 1.0);
        c.act(Event::VisitorSays("answered".into()), 1.0);
        c.act(reply_to("yes", 2), 2.0);
        c.act(Event::VisitorSays("in flight".into()), 3.0);
        closed(&mut c, 4.0);
        c.act(Event::VisitorSays("queued".into()), 5.0);
        let saved = serde_json::to_string(&c.snapshot(6.0)).unwrap();
        let (mut back, effects) = Conversation::restore(&saved, 7.0, 60_000.0).unwrap();
        assert_eq!(effects, [Effect::Connect(handle("s1", "t1"))]);
        let texts: Vec<_> = back.messages.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(
            texts,
            ["Hi, I'm Ava", "answered", "yes", "in flight", "queued"]
        );
        assert!(back.open);
        assert_eq!(
            back.act(Event::SocketOpened, 8.0),
            [say("in flight", 4), say("queued", 5)]
        );
        assert_eq!(
            back.act(Event::VisitorSays("new".into()), 9.0),
            [say("new", 6)],
            "ids go on"
        );
    }

    #[test]
    fn unreadable_foreign_or_expired_saves_are_refused() {
        let c = connected();
        assert!(Conversation::restore("{not json", 0.0, 1e9)
            .unwrap_err()
            .contains("unreadable"));
        let mut snapshot = c.snapshot(0.0);
        snapshot.version = 99;
        let foreign = serde_json::to_string(&snapshot).unwrap();
        assert!(Conversation::restore(&foreign, 0.0, 1e9).is_err());
        let old = serde_json::to_string(&c.snapshot(0.0)).unwrap();
        assert!(Conversation::restore(&old, 100_000.0, 60_000.0)
            .unwrap_err()
            .contains("expired"));
    }

    #[test]
    fn an_expired_session_that_worked_is_renewed_with_the_transcript_kept() {
        let mut c = connected();
        c.act(Event::Agent(AgentEvent::Pong { ts: None }), 1.0);
        c.act(Event::VisitorSays("hello".into()), 2.0);
        let expired = AgentError {
            code: ErrorCode::SessionExpired,
            message: "Session expired".into(),
            retryable: false,
            fatal: true,
        };
        c.act(Event::Agent(AgentEvent::Error(expired)), 3.0);
        let effects = c.act(
            Event::SocketClosed {
                closed: Closed {
                    kind: CloseKind::NewSession,
                    reason: Some(ErrorCode::SessionNotFound),
                },
                jitter: 0.5,
            },
            4.0,
        );
        assert_eq!(effects, [Effect::CreateSession]);
        assert!(c
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("new one was started"));
        let mut renewed = session();
        renewed.session = handle("s2", "t2");
        c.act(Event::SessionCreated(renewed), 5.0);
        assert_eq!(
            c.messages.len(),
            2,
            "no second greeting; the transcript stays"
        );
        assert_eq!(c.act(Event::SocketOpened, 6.0), [say("hello", 2)]);
    }

    #[test]
    fn silence_for_45_seconds_means_a_dead_connection() {
        let mut c = connected();
        assert_eq!(c.act(Event::Tick, 40_000.0), []);
        c.act(Event::Agent(AgentEvent::Pong { ts: None }), 40_000.0);
        assert_eq!(c.act(Event::Tick, 80_000.0), [], "a pong is a sign of life");
        let effects = c.act(Event::Tick, 85_001.0);
        assert_eq!(effects[0], Effect::Reconnect);
        assert!(matches!(effects[1], Effect::ReconnectIn(ms) if ms <= 1_000));
    }

    #[test]
    fn offline_waits_and_online_reconnects_at_once() {
        let mut c = connected();
        c.act(Event::Online(false), 1.0);
        assert_eq!(c.status, Status::Offline);
        assert_eq!(closed(&mut c, 2.0), [], "no retries while offline");
        assert_eq!(c.act(Event::VisitorSays("queued".into()), 3.0), []);
        assert_eq!(c.pending().count(), 1);
        assert_eq!(
            c.act(Event::Online(true), 4.0),
            [Effect::Connect(handle("s1", "t1"))]
        );
        assert_eq!(c.act(Event::SocketOpened, 5.0), [say("queued", 2)]);
    }

    #[test]
    fn a_hidden_tab_does_not_reconnect_until_it_is_shown() {
        let mut c = connected();
        c.act(Event::Hidden(true), 1.0);
        closed(&mut c, 2.0);
        assert_eq!(c.act(Event::ReconnectDue, 3.0), []);
        assert_eq!(
            c.act(Event::Hidden(false), 4.0),
            [Effect::Connect(handle("s1", "t1"))]
        );
    }

    #[test]
    fn a_frame_the_socket_refused_waits_for_the_next_connection() {
        let mut c = connected();
        c.act(Event::VisitorSays("hello".into()), 1.0);
        c.act(
            Event::NotSent(VisitorAction::Say {
                text: "hello".into(),
                context: None,
                client_id: Some("m2".into()),
            }),
            1.0,
        );
        assert_eq!(c.pending().count(), 1);
        assert!(c.notice.as_ref().unwrap().text.contains("not connected"));
        let lead = VisitorAction::LeadSubmitted {
            values: vec![("email".into(), "a@b.co".into())],
        };
        c.act(Event::NotSent(lead.clone()), 2.0);
        c.act(Event::NotSent(VisitorAction::Heartbeat), 2.0);
        closed(&mut c, 3.0);
        c.act(Event::ReconnectDue, 4.0);
        assert_eq!(
            c.act(Event::SocketOpened, 5.0),
            [say("hello", 2), Effect::Send(lead)]
        );
        assert_eq!(c.notice, None);
    }

    #[test]
    fn a_reply_runs_its_valid_commands_in_order_and_reports_the_refused_ones() {
        let mut c = connected();
        let navigate = PageCommand::Navigate {
            url: "/crm/deals.html".into(),
        };
        let click = PageCommand::Click {
            selector: "#deal-submit".into(),
        };
        let reply = AgentMessage {
            text: "Watch".into(),
            commands: vec![
                Ok(navigate.clone()),
                Err(CommandError {
                    action: Some("navigate".into()),
                    reason: "`javascript:` URLs are not allowed".into(),
                }),
                Ok(click.clone()),
            ],
            ..AgentMessage::default()
        };
        let effects = c.act(Event::Agent(AgentEvent::Message(reply)), 1.0);
        assert_eq!(
            effects.last(),
            Some(&Effect::RunCommands(vec![navigate, click]))
        );
        assert!(c.notice.as_ref().unwrap().text.contains("javascript:"));

        c.act(
            Event::CommandStarted {
                step: 1,
                total: 2,
                description: "Opening the deals page…".into(),
            },
            2.0,
        );
        assert_eq!(c.tour.as_ref().unwrap().doing, "Opening the deals page…");
        let failed = c.act(
            Event::CommandFailed {
                action: "click".into(),
                selector: Some("#deal-submit".into()),
                error: "nothing on the demo page matches `#deal-submit`".into(),
            },
            3.0,
        );
        assert!(
            matches!(&failed[1], Effect::Send(VisitorAction::PageEvent(e)) if e.selector.as_deref() == Some("#deal-submit"))
        );
        assert_eq!(c.act(Event::StopCommands, 4.0), [Effect::CancelCommands]);
        assert_eq!(c.tour, None);
        assert_eq!(c.status, Status::Connected, "the chat goes on");
    }

    #[test]
    fn visitor_activity_is_reported_only_while_connected() {
        let mut c = connected();
        let click = PageEvent {
            event: "click".into(),
            selector: Some("#a".into()),
            ..PageEvent::default()
        };
        assert_eq!(
            c.act(Event::VisitorActivity(click.clone()), 1.0),
            [Effect::Send(VisitorAction::PageEvent(click.clone()))]
        );
        c.act(Event::End, 2.0);
        assert_eq!(c.act(Event::VisitorActivity(click), 3.0), []);
    }

    #[test]
    fn heartbeats_go_out_only_while_connected() {
        let mut c = connected();
        assert_eq!(
            c.act(Event::HeartbeatDue, 1.0),
            [Effect::Send(VisitorAction::Heartbeat)]
        );
        c.act(Event::End, 2.0);
        assert_eq!(c.act(Event::HeartbeatDue, 3.0), []);
    }

    #[test]
    fn ending_the_chat_closes_the_socket_ends_the_session_and_keeps_the_transcript() {
        let mut c = connected();
        let effects = c.act(Event::End, 1.0);
        assert_eq!(
            effects,
            [Effect::CloseSocket, Effect::EndSession(handle("s1", "t1"))]
        );
        assert!(matches!(c.status, Status::Ended { .. }));
        assert_eq!(c.messages.len(), 1);
        // The close that follows our own ending changes nothing.
        c.act(
            Event::SocketClosed {
                closed: Closed {
                    kind: CloseKind::Final,
                    reason: None,
                },
                jitter: 0.999,
            },
            2.0,
        );
        assert_eq!(
            c.status,
            Status::Ended {
                reason: "You ended this chat.".into()
            }
        );
        assert!(c.act(Event::VisitorSays("hello?".into()), 3.0).is_empty());
    }

    #[test]
    fn a_failed_start_can_be_retried() {
        let mut c = Conversation::default();
        c.act(Event::Open, 0.0);
        c.act(
            Event::SessionFailed {
                reason: "unreachable".into(),
            },
            1.0,
        );
        assert!(matches!(c.status, Status::Failed { .. }));
        assert_eq!(c.act(Event::Retry, 2.0), [Effect::CreateSession]);
    }

    #[test]
    fn lead_values_are_checked_by_kind() {
        use LeadFieldKind::*;
        assert_eq!(lead_field_problem(Email, "Email", "ada@acme.io"), None);
        for bad in [
            "",
            "ada",
            "ada@",
            "@acme.io",
            "ada@acme",
            "a b@acme.io",
            "a@b@c.io",
        ] {
            assert!(lead_field_problem(Email, "Email", bad).is_some(), "{bad}");
        }
        assert_eq!(
            lead_field_problem(Phone, "Phone", "+1 (555) 010-9999"),
            None
        );
        assert!(lead_field_problem(Phone, "Phone", "12345").is_some());
        assert_eq!(lead_field_problem(Url, "Website", "https://acme.io"), None);
        assert!(lead_field_problem(Url, "Website", "javascript:alert(1)").is_some());
        assert_eq!(lead_field_problem(Number, "Seats", "12"), None);
        assert!(lead_field_problem(Number, "Seats", "twelve").is_some());
        assert_eq!(
            lead_field_problem(Text, "Company", " "),
            Some("Company is required.".into())
        );
    }
}
