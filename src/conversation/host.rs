//! What the host page is told: `docent:…` DOM events for the chat opening and closing, each
//! message once, and each problem the visitor was told about (connection trouble once until
//! the connection is back).

use super::{Author, Conversation, Notice, Status};
use crate::texts;

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
pub(super) struct Glance {
    open: bool,
    next_id: u64,
    status: Status,
    notice: Option<Notice>,
}

impl Glance {
    pub(super) fn of(c: &Conversation) -> Glance {
        Glance {
            open: c.open,
            next_id: c.next_id,
            status: c.status.clone(),
            notice: c.notice.clone(),
        }
    }

    /// The host events between this glance and `now`. `by_visitor`: the visitor ended the
    /// chat, which is no error.
    pub(super) fn host_events(&self, now: &mut Conversation, by_visitor: bool) -> Vec<HostEvent> {
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
            Status::Offline => Some((ErrorKind::Connection, texts::get(texts::T::HostOffline))),
            Status::Reconnecting { .. } => Some((
                ErrorKind::Connection,
                texts::get(texts::T::HostReconnecting),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::test_support::*;

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
}
