//! Visitor frames on their way to the agent: which messages wait and which are in flight on
//! this connection, sending them as far as the window allows, resends and giving up, and
//! matching answers to messages. What the server shows about naming its answers is learnt
//! here; the rules themselves are [`crate::transport::policy`]'s.

use super::{Author, Conversation, Delivery, Effect, Message, Status};
use crate::texts;
use crate::transport::policy::{self, ANSWER_TIMEOUT_MS, MAX_ATTEMPTS};
use docent_protocol::{AgentEvent, AgentMessage, VisitorAction};

#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Outbox {
    /// Frames other than chat messages that must still reach the agent (a submitted lead).
    unsent: Vec<VisitorAction>,
    /// Answers that arrived before the answer to an earlier message, waiting for it.
    held: Vec<AgentMessage>,
    /// The server has shown that it names the message each reply answers (`replyTo`).
    /// Until it does, it is taken not to: see `transport::policy` for what that changes.
    pub(super) server_acks: bool,
    /// Visitor messages handed to the current connection and not answered yet, oldest first.
    in_flight: Vec<u64>,
    /// When the answer to a message in flight last showed progress (the send, typing, a reply).
    progress_at: f64,
}

impl Outbox {
    /// A frame came: typing, streamed text or a reply is progress toward an answer.
    pub(super) fn heard(&mut self, event: &AgentEvent, now_ms: f64) {
        if matches!(
            event,
            AgentEvent::Typing(_) | AgentEvent::TextDelta(_) | AgentEvent::Message(_)
        ) {
            self.progress_at = now_ms;
        }
    }

    /// Whether frames other than chat messages wait for a connection.
    pub(super) fn has_unsent(&self) -> bool {
        !self.unsent.is_empty()
    }

    /// A message is in flight and its answer has shown no progress for too long: it is not
    /// coming on this connection.
    pub(super) fn answer_overdue(&self, now_ms: f64) -> bool {
        !self.in_flight.is_empty() && now_ms - self.progress_at >= ANSWER_TIMEOUT_MS
    }

    /// The connection closed: what was in flight stays sent, and the next connection sends
    /// it again.
    pub(super) fn connection_lost(&mut self) {
        self.in_flight.clear();
    }
}

/// Messages that were sent but not answered go again (to a new session, or after a reload).
pub(super) fn requeue_sent(messages: &mut [Message]) {
    for m in messages {
        if m.author == Author::Visitor && m.delivery == Delivery::Sent {
            m.delivery = Delivery::Pending;
        }
    }
}

impl Conversation {
    /// Visitor messages still waiting for a connection.
    pub fn pending(&self) -> impl Iterator<Item = &Message> {
        self.messages
            .iter()
            .filter(|m| m.delivery == Delivery::Pending)
    }

    /// Sends visitor messages waiting for their answer, oldest first, as far as the window
    /// allows (`policy::window`), then anything else unsent. A message sent on a connection
    /// that closed before its answer may have been lost with it, so it goes again: an
    /// acknowledging server answers its `clientMessageId` once; toward any other server it
    /// goes alone, so that the answer that comes is certainly its own. The oldest message
    /// counts an attempt each time it is sent; after [`MAX_ATTEMPTS`] it is given up on, for
    /// the visitor to send again. Does nothing unless connected.
    pub(super) fn flush(&mut self, now_ms: f64) -> Vec<Effect> {
        if self.status != Status::Connected {
            return vec![];
        }
        let mut effects = Vec::new();
        let outbox = &mut self.outbox;
        let window = policy::window(outbox.server_acks);
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
            if outbox.in_flight.contains(&message.id) {
                oldest = false;
                continue;
            }
            if outbox.in_flight.len() >= window {
                break;
            }
            if oldest && message.attempts >= MAX_ATTEMPTS {
                // Toward a server that does not acknowledge, a message sent before may have
                // arrived: "may not have been delivered", not "not delivered".
                message.delivery = if outbox.server_acks {
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
            if outbox.in_flight.is_empty() {
                outbox.progress_at = now_ms;
            }
            message.delivery = Delivery::Sent;
            outbox.in_flight.push(message.id);
            let say = VisitorAction::Say {
                text: message.text.clone(),
                context: None,
                client_id: message.client_id.clone(),
            };
            effects.push(if self.link.over_http {
                // The reply comes whole in the call's answer: typing shows meanwhile.
                self.typing = true;
                Effect::Post(say)
            } else {
                Effect::Send(say)
            });
        }
        if let Some(delivery) = failed {
            // A message given up on no longer holds back the answers after it.
            effects.extend(self.release_held(0.0));
            self.notify(texts::get(if delivery == Delivery::Unconfirmed {
                texts::T::MayNotHaveBeenDelivered
            } else {
                texts::T::NotDelivered
            }));
        }
        let over_http = self.link.over_http;
        effects.extend(self.outbox.unsent.drain(..).map(|action| {
            if over_http {
                Effect::Post(action)
            } else {
                Effect::Send(action)
            }
        }));
        effects
    }

    /// The platform refused the message in flight (content moderation, say): it leaves the
    /// transcript and goes back to the composer, to be changed and sent again; the messages
    /// after it go on.
    pub(super) fn reject_in_flight(&mut self, now_ms: f64) -> Vec<Effect> {
        self.typing = false;
        let refused = self.outbox.in_flight.first().copied().or_else(|| {
            self.messages
                .iter()
                .rev()
                .find(|m| m.author == Author::Visitor && m.delivery == Delivery::Sent)
                .map(|m| m.id)
        });
        if let Some(id) = refused {
            self.outbox.in_flight.retain(|&m| m != id);
            if let Some(at) = self.messages.iter().position(|m| m.id == id) {
                let message = self.messages.remove(at);
                self.returned_text = Some((id, message.text));
            }
        }
        self.notify(texts::get(texts::T::MessageRejected));
        self.flush(now_ms)
    }

    /// A complete reply: credited to the message it answers (by name, or by position when
    /// certain), shown in order, and the next messages sent.
    pub(super) fn answer(&mut self, reply: AgentMessage, now_ms: f64) -> Vec<Effect> {
        self.typing = false;
        self.link.answered_on_connection = true;
        let Some(answers) = reply.reply_to.clone() else {
            // A server that does not name its answers: credited only when certain. A
            // streamed reply that began before the message was sent (a greeting still
            // streaming when the visitor typed) answers something earlier, not it.
            let began_before = |id: u64| self.streaming.is_some_and(|row| row < id);
            if !self.outbox.server_acks {
                if let Some(id) =
                    policy::unnamed_answer(&self.outbox.in_flight).filter(|&id| !began_before(id))
                {
                    self.outbox.in_flight.clear();
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
        let first_named = !std::mem::replace(&mut self.outbox.server_acks, true);
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
            || self
                .outbox
                .held
                .iter()
                .any(|h| h.reply_to == reply.reply_to);
        if already {
            return vec![];
        }
        self.messages[asked].delivery = Delivery::Answered;
        let id = self.messages[asked].id;
        self.outbox.in_flight.retain(|&m| m != id);
        // An answer that overtook the answer to an earlier message (lost with a
        // connection, asked again) waits for it, so answers show in order.
        self.outbox.held.push(reply);
        let mut effects = self.release_held(now_ms);
        effects.extend(self.flush(now_ms));
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
        while let Some(next) =
            (0..self.outbox.held.len()).min_by_key(|&i| position(self, &self.outbox.held[i]))
        {
            let at = position(self, &self.outbox.held[next]);
            let earlier_waiting = self.messages[..at].iter().any(|m| {
                m.author == Author::Visitor
                    && matches!(m.delivery, Delivery::Pending | Delivery::Sent)
            });
            if earlier_waiting {
                break;
            }
            let reply = self.outbox.held.remove(next);
            effects.extend(self.show_reply(reply, now_ms));
        }
        effects
    }

    /// The visitor asks to send a failed (or unconfirmed) message again.
    pub(super) fn retry_message(&mut self, id: u64, now_ms: f64) -> Vec<Effect> {
        let connected = self.status == Status::Connected;
        let Some(message) = self
            .messages
            .iter_mut()
            .find(|m| m.id == id && matches!(m.delivery, Delivery::Failed | Delivery::Unconfirmed))
        else {
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

    /// A frame could not be handed to the socket: it waits for the next connection.
    pub(super) fn not_sent(&mut self, action: VisitorAction, now_ms: f64) -> Vec<Effect> {
        let over_http = self.link.over_http;
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
                    self.outbox.in_flight.retain(|&m| m != id);
                }
            }
            // A missed keep-alive does not matter; the next one follows.
            VisitorAction::Heartbeat => return vec![],
            other => self.outbox.unsent.push(other),
        }
        self.notify(texts::get(texts::T::NotConnected));
        if over_http {
            self.typing = false;
            return self.http_failed(now_ms);
        }
        vec![]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::test_support::*;

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
    fn answers_released_together_while_closed_make_one_sound() {
        let mut c = connected();
        c.sound = true;
        c.act(reply_to("acks on", 99), 0.5);
        c.act(Event::VisitorSays("first".into()), 1.0);
        c.act(Event::VisitorSays("second".into()), 1.5);
        c.act(Event::Close, 1.8);
        assert!(!c
            .act(reply_to("to second", 4), 2.0)
            .contains(&Effect::Chime));
        let effects = c.act(reply_to("to first", 3), 3.0);
        assert_eq!(c.unread, 2, "two replies came");
        assert_eq!(
            effects.iter().filter(|e| **e == Effect::Chime).count(),
            1,
            "{effects:?}"
        );
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
    fn a_refused_message_goes_back_to_the_composer_and_the_next_one_follows() {
        let mut c = connected();
        c.act(Event::VisitorSays("you idiot".into()), 1.0);
        c.act(Event::VisitorSays("which grill?".into()), 2.0);
        let refusal = Event::Agent(AgentEvent::Error(docent_protocol::AgentError {
            code: docent_protocol::ErrorCode::MessageRejected,
            message: "flagged".into(),
            retryable: false,
            fatal: false,
        }));
        let effects = c.act(refusal, 3.0);
        assert!(effects.contains(&say("which grill?", 3)), "{effects:?}");
        assert_eq!(c.returned_text, Some((2, "you idiot".to_string())));
        assert_eq!(transcript(&c), ["Hi, I'm Ava", "which grill?"]);
        assert_eq!(
            c.notice.as_ref().unwrap().text,
            texts::get(texts::T::MessageRejected)
        );
        assert!(!matches!(c.status, Status::Ended { .. }));
    }
}
