//! The conversation as a pure state machine: every change is an [`Event`] through
//! [`Conversation::apply`], which returns the [`Effect`]s the browser shell must carry out.
//! Time is passed in, never read, so all of it is tested natively.
//!
//! `apply` routes each event to the concern that owns it, one file each:
//! - `transcript.rs`: the messages shown, streamed text, replies, what the visitor may send;
//! - `outbox.rs`: visitor messages waiting or in flight, resends, acknowledgement learning
//!   (the rules are `transport::policy`'s);
//! - `link.rs`: the session and the connection: starting, closes, backoff, the watchdog,
//!   online/offline and a hidden tab, ending;
//! - `tour.rs`: the page commands the agent runs in the demo;
//! - `lead.rs`: the lead form and its field checks;
//! - `host.rs`: what the host page is told (`docent:…` events);
//! - `snapshot.rs`: what survives a reload;
//! - `tabs.rs`: one conversation in every tab (what followers show and ask, hand-over).
//!
//! Sentences a visitor reads come from [`crate::texts`]; the core picks which.

mod host;
mod lead;
mod link;
mod outbox;
mod snapshot;
mod tabs;
#[cfg(test)]
mod test_support;
mod tour;
mod transcript;

pub use host::{ErrorKind, HostEvent};
pub use lead::{lead_field_problem, LeadFormState};
pub use link::Status;
pub use snapshot::Snapshot;
pub use tabs::{Ask, Asks, Note, Shared, Tabs};
pub use tour::TourStep;
pub use transcript::{check_visitor_text, Author, Delivery, Message, MAX_VISITOR_CHARS};

use crate::texts;
use docent_protocol::{
    AgentEvent, Closed, PageCommand, PageEvent, SessionHandle, Started, VisitorAction,
};
use link::Link;

use outbox::Outbox;

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
    /// Another tab's visitor opened the chat: start the session, this window as it is.
    Start,
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
    /// The visitor turned reading replies aloud on or off.
    Speaker(bool),
    /// The visitor starts over after a chat ended.
    StartNew,
}

/// What the browser shell must do after an event.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    CreateSession,
    /// Start again after the platform refused this session (its token expired): the same
    /// conversation where the platform allows it (`ClientDialect::renew`).
    RenewSession(SessionHandle),
    /// Open a socket for this session.
    Connect(SessionHandle),
    Send(VisitorAction),
    ReconnectIn(u32),
    /// Tell the server the session is over (`POST …/end`).
    EndSession(SessionHandle),
    CloseSocket,
    /// Send this without the socket, as one HTTP call (the socket cannot be opened here).
    Post(VisitorAction),
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
    /// Read this aloud (the visitor turned the speaker on).
    Speak(String),
    /// Play the notification sound (the site turned it on, and the reply came unseen).
    Chime,
    /// Stop reading aloud.
    Hush,
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
    /// What the agent's tools are doing in this turn, worded for the visitor (tool events).
    pub activity: Option<String>,
    /// What the visitor gave the lead form, for platforms whose messages carry it.
    pub lead_details: Vec<(String, String)>,
    /// A message the platform refused, given back to the composer to change and send
    /// again: the refused message's id (so the same text refused twice still comes back)
    /// and its text.
    pub returned_text: Option<(u64, String)>,
    /// Agent replies that came while the window was closed (the launcher's badge).
    pub unread: usize,
    /// Replies are read aloud (the visitor's choice, off until they turn it on).
    pub speaker: bool,
    /// The browser can read aloud (the shell says), so the speaker toggle is offered.
    pub can_speak: bool,
    /// A short sound tells of a reply that comes while the window is closed or the page is
    /// in the background (the site's choice, `data-sound`; off by default).
    pub sound: bool,
    /// The agent message that streamed text is growing, until the complete reply ends it.
    streaming: Option<u64>,
    next_id: u64,
    /// Visitor frames on their way: see `outbox.rs`.
    outbox: Outbox,
    /// What the connection has shown so far: see `link.rs`.
    link: Link,
    /// What the platform allows and expects.
    pub platform: Platform,
    /// The host page was told the connection is in trouble (`docent:error`) and has not
    /// seen it come back yet.
    connection_trouble_told: bool,
}

/// What differs between platforms that the conversation must respect (the shell reads it
/// from the dialect).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Platform {
    /// The platform answers heartbeats: a silent connection is a dead one.
    pub keep_alive: bool,
    /// The longest message a visitor may send, in characters.
    pub max_text_chars: usize,
    /// Messages can go as HTTP calls where the socket cannot be opened.
    pub posts: bool,
}

impl Default for Platform {
    fn default() -> Self {
        Platform {
            keep_alive: true,
            max_text_chars: MAX_VISITOR_CHARS,
            posts: false,
        }
    }
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
            notice: None,
            tour: None,
            activity: None,
            lead_details: Vec::new(),
            returned_text: None,
            unread: 0,
            speaker: false,
            can_speak: false,
            sound: false,
            streaming: None,
            next_id: 1,
            outbox: Outbox::default(),
            link: Link::default(),
            platform: Platform::default(),
            connection_trouble_told: false,
        }
    }

    /// Fits the conversation to its platform.
    pub fn fit(&mut self, platform: Platform) {
        self.platform = platform;
    }

    /// Whether the visitor can type and send right now (a message may still wait for the
    /// connection; it is not lost).
    pub fn can_send(&self) -> bool {
        !matches!(self.status, Status::Ended { .. } | Status::Idle)
    }

    /// Applies one event: the new state, and the effects it calls for, the host page's
    /// `docent:…` events last.
    pub fn apply(&mut self, event: Event, now_ms: f64) -> Vec<Effect> {
        let before = host::Glance::of(self);
        let by_visitor = matches!(event, Event::End);
        let mut effects = self.step(event, now_ms);
        // Replies held for their turn can come out together: one sound tells of them all.
        let mut chimed = false;
        effects.retain(|e| !(*e == Effect::Chime && std::mem::replace(&mut chimed, true)));
        effects.extend(
            before
                .host_events(self, by_visitor)
                .into_iter()
                .map(Effect::Announce),
        );
        effects
    }

    /// Hands the event to the concern that owns it.
    fn step(&mut self, event: Event, now_ms: f64) -> Vec<Effect> {
        match event {
            Event::Open => {
                self.open = true;
                self.start()
            }
            Event::Start => self.start(),
            Event::Close => {
                self.open = false;
                vec![]
            }
            Event::SessionCreated(started) => self.session_created(started, now_ms),
            Event::SessionFailed { reason } => {
                self.status = Status::Failed { reason };
                vec![]
            }
            Event::SocketOpened => self.socket_opened(now_ms),
            Event::SocketClosed { closed, jitter } => self.socket_closed(closed, jitter, now_ms),
            Event::Agent(event) => {
                self.link.heard(&event, now_ms);
                self.outbox.heard(&event, now_ms);
                self.agent_event(event, now_ms)
            }
            Event::UnreadableFrame { detail } => {
                self.notify(texts::get(texts::T::UnreadableFrame));
                vec![Effect::Warn(format!(
                    "Docent: skipped an unreadable frame: {detail}"
                ))]
            }
            Event::Tick => self.tick(now_ms),
            Event::Online(online) => self.online(online, now_ms),
            Event::Hidden(hidden) => self.hidden(hidden, now_ms),
            Event::ReconnectDue => self.reconnect_due(now_ms),
            Event::Retry => self.retry(now_ms),
            Event::HeartbeatDue => self.heartbeat_due(),
            Event::VisitorSays(text) => self.visitor_says(text, now_ms),
            Event::RetryMessage(id) => self.retry_message(id, now_ms),
            Event::NotSent(action) => self.not_sent(action, now_ms),
            Event::LeadSubmitted(values) => self.lead_submitted(values),
            Event::CommandStarted {
                step,
                total,
                description,
            } => self.command_started(step, total, description),
            Event::CommandFailed {
                action,
                selector,
                error,
            } => self.command_failed(Some(action), selector, error),
            Event::CommandsDone => self.tour_over(false),
            Event::StopCommands => self.tour_over(true),
            Event::VisitorActivity(event) => self.visitor_activity(event),
            Event::End => self.end(),
            Event::Speaker(on) => {
                self.speaker = on;
                if on {
                    vec![]
                } else {
                    vec![Effect::Hush]
                }
            }
            Event::StartNew => {
                let open = self.open;
                let platform = self.platform;
                let (speaker, can_speak, sound) = (self.speaker, self.can_speak, self.sound);
                *self = Conversation {
                    open,
                    next_id: self.next_id,
                    ..Conversation::new(&self.agent_name)
                };
                self.platform = platform;
                self.speaker = speaker;
                self.can_speak = can_speak;
                self.sound = sound;
                self.status = Status::Starting;
                vec![Effect::CreateSession]
            }
        }
    }

    /// Hands a frame's event to the concern that owns it.
    fn agent_event(&mut self, event: AgentEvent, now_ms: f64) -> Vec<Effect> {
        match event {
            AgentEvent::SessionReady { .. } | AgentEvent::Pong { .. } => vec![],
            AgentEvent::ToolActivity {
                name,
                finished,
                succeeded,
            } => {
                self.activity = Some(texts::tool_activity(&name, finished, succeeded));
                vec![]
            }
            AgentEvent::Typing(on) => {
                self.typing = on;
                vec![]
            }
            AgentEvent::TextDelta(delta) => {
                self.stream(delta, now_ms);
                vec![]
            }
            AgentEvent::Message(reply) => self.answer(reply, now_ms),
            AgentEvent::LeadForm(form) => {
                self.show_lead_form(form);
                vec![]
            }
            AgentEvent::Error(error) => self.agent_error(error, now_ms),
        }
    }

    /// Tells the visitor about a passing problem.
    fn notify(&mut self, text: String) {
        self.notice = Some(Notice { text });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::test_support::*;

    #[test]
    fn tool_activity_shows_as_one_line_until_the_next_turn() {
        let mut c = connected();
        c.act(Event::VisitorSays("where is order 1234?".into()), 1.0);
        let tool = |finished, succeeded| {
            Event::Agent(AgentEvent::ToolActivity {
                name: "lookup_order".into(),
                finished,
                succeeded,
            })
        };
        c.act(tool(false, None), 2.0);
        assert_eq!(c.activity.as_deref(), Some("Working on it: lookup order…"));
        c.act(tool(true, Some(true)), 3.0);
        assert_eq!(c.activity.as_deref(), Some("lookup order: done"));
        c.act(tool(true, Some(false)), 4.0);
        assert_eq!(c.activity.as_deref(), Some("lookup order: didn't work"));
        c.act(Event::VisitorSays("thanks".into()), 5.0);
        assert_eq!(c.activity, None);
    }
}
