//! What the concerns' tests share: a connected conversation, the frames they expect, and
//! `act` (`apply` without the host page's events).

pub(crate) use super::*;
pub(crate) use docent_protocol::{
    AgentEvent, AgentMessage, CloseKind, Closed, CommandError, Greeting, LeadField, PageCommand,
    SessionHandle, Started, VisitorAction,
};

/// `apply` without the host page's events, for tests about everything else (the
/// host events have tests of their own, which call `apply`).
pub(crate) trait Act {
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
pub(crate) fn handle(id: &str, token: &str) -> SessionHandle {
    SessionHandle(format!("{id}/{token}"))
}

pub(crate) fn session() -> Started {
    Started {
        session: handle("s1", "t1"),
        agent_name: Some("Ava".into()),
        greeting: Some(Greeting {
            text: "Hi, I'm Ava".into(),
            speech: Some("Hi".into()),
            suggestions: vec!["Show me the dashboard".into()],
        }),
        resumed: false,
    }
}

pub(crate) fn connected() -> Conversation {
    let mut c = Conversation::default();
    c.act(Event::Open, 0.0);
    c.act(Event::SessionCreated(session()), 1.0);
    c.act(Event::SocketOpened, 2.0);
    c
}

/// The frame for visitor message number `id` (its `clientMessageId` is `m{id}`).
pub(crate) fn say(text: &str, id: u64) -> Effect {
    Effect::Send(VisitorAction::Say {
        text: text.into(),
        context: None,
        client_id: Some(format!("m{id}")),
    })
}

pub(crate) fn closed(c: &mut Conversation, now: f64) -> Vec<Effect> {
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

pub(crate) fn reply_to(text: &str, id: u64) -> Event {
    Event::Agent(AgentEvent::Message(AgentMessage {
        text: text.into(),
        reply_to: Some(format!("m{id}")),
        ..AgentMessage::default()
    }))
}

pub(crate) fn delta(text: &str) -> Event {
    Event::Agent(AgentEvent::TextDelta(text.into()))
}

/// The host page's events among `effects`, in order.
pub(crate) fn heard(effects: Vec<Effect>) -> Vec<HostEvent> {
    effects
        .into_iter()
        .filter_map(|e| match e {
            Effect::Announce(h) => Some(h),
            _ => None,
        })
        .collect()
}

pub(crate) fn message(id: u64, author: Author, text: &str) -> HostEvent {
    HostEvent::Message {
        id,
        author,
        text: text.into(),
    }
}

/// An answer that names no message, as a server speaking only seed 002 sends it.
pub(crate) fn unnamed(text: &str) -> Event {
    Event::Agent(AgentEvent::Message(AgentMessage {
        text: text.into(),
        ..AgentMessage::default()
    }))
}

pub(crate) fn reconnect(c: &mut Conversation, now: f64) -> Vec<Effect> {
    closed(c, now);
    c.act(Event::ReconnectDue, now + 1.0);
    c.act(Event::SocketOpened, now + 2.0)
}

pub(crate) fn delivery(c: &Conversation, text: &str) -> Delivery {
    c.messages.iter().find(|m| m.text == text).unwrap().delivery
}

pub(crate) fn transcript(c: &Conversation) -> Vec<&str> {
    c.messages.iter().map(|m| m.text.as_str()).collect()
}
