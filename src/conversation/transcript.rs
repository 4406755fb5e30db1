//! What is shown: the messages of both authors, text streaming into an agent message, a
//! complete reply ending it, and what the visitor may send.

use super::{Conversation, Effect, Status};
use crate::texts;
use docent_protocol::{AgentMessage, Greeting, Product};

/// Longest message a visitor may send; longer text is refused (and kept in the composer).
pub const MAX_VISITOR_CHARS: usize = 4_000;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(test, derive(serde::Serialize, serde::Deserialize))]
pub enum Author {
    Visitor,
    Agent,
}

/// Where a visitor's message is on its way to the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(test, derive(serde::Serialize, serde::Deserialize))]
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

/// Saved by `Snapshot::to_json` (in the shape of the serde derive the tests compare it with).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(test, derive(serde::Serialize, serde::Deserialize))]
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
    #[cfg_attr(test, serde(default))]
    pub rewrites: u32,
    /// Products the agent offers with this message, shown as cards under it.
    #[cfg_attr(test, serde(default, skip_serializing_if = "Vec::is_empty"))]
    pub products: Vec<Product>,
}

/// Checks what the visitor typed: trimmed, not empty, not longer than `max_chars`.
pub fn check_visitor_text(text: &str, max_chars: usize) -> Result<String, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(texts::get(texts::T::EmptyMessage));
    }
    let count = trimmed.chars().count();
    if count > max_chars {
        return Err(texts::message_too_long(count, max_chars));
    }
    Ok(trimmed.to_string())
}

impl Conversation {
    /// Whether an agent message is still streaming in (not worth saving until it ends).
    pub fn is_streaming(&self) -> bool {
        self.streaming.is_some()
    }

    /// The newest agent message that is no longer streaming in: what a screen reader is told
    /// once, whole, rather than token by token while it grows.
    pub fn last_finished_agent_message(&self) -> Option<&Message> {
        self.messages
            .iter()
            .rev()
            .find(|m| m.author == Author::Agent && Some(m.id) != self.streaming)
    }

    pub(super) fn message_mut(&mut self, id: u64) -> Option<&mut Message> {
        self.messages.iter_mut().rev().find(|m| m.id == id)
    }

    pub(super) fn push(&mut self, author: Author, text: String, now_ms: f64) -> &mut Message {
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
            products: Vec::new(),
        });
        self.messages.last_mut().expect("just pushed")
    }

    /// A new session's greeting: its text (if any) and its suggestions.
    pub(super) fn greet(&mut self, greeting: Greeting, now_ms: f64) {
        if !greeting.text.is_empty() {
            self.push(Author::Agent, greeting.text, now_ms).speech = greeting.speech;
        }
        self.suggestions = greeting.suggestions;
    }

    /// The visitor sends text: refused with a reason, or queued and flushed.
    pub(super) fn visitor_says(&mut self, text: String, now_ms: f64) -> Vec<Effect> {
        let text = match check_visitor_text(&text, self.platform.max_text_chars) {
            Ok(text) => text,
            Err(problem) => {
                self.notify(problem);
                return vec![];
            }
        };
        if matches!(self.status, Status::Ended { .. }) {
            self.notify(texts::get(texts::T::SendAfterEnd));
            return vec![];
        }
        self.notice = None;
        self.suggestions.clear();
        // A new turn: the last one's tool activity is over.
        self.activity = None;
        let message = self.push(Author::Visitor, text, now_ms);
        message.client_id = Some(format!("m{}", message.id));
        message.delivery = Delivery::Pending;
        self.flush(now_ms)
    }

    /// Streamed text grows the agent message in progress, or starts one.
    pub(super) fn stream(&mut self, delta: String, now_ms: f64) {
        let growing = self.streaming.and_then(|id| self.message_mut(id));
        match growing {
            Some(message) => message.text.push_str(&delta),
            None => self.streaming = Some(self.push(Author::Agent, delta, now_ms).id),
        }
    }

    /// Takes back the text of a turn the platform abandoned (it will answer again in full):
    /// the visitor is not left with half an answer above the whole one.
    pub(super) fn drop_partial_reply(&mut self) {
        if let Some(id) = self.streaming.take() {
            self.messages.retain(|m| m.id != id);
        }
    }

    /// Shows a reply: its text, its suggestions, and its page commands to run.
    pub(super) fn show_reply(&mut self, reply: AgentMessage, now_ms: f64) -> Vec<Effect> {
        // The complete reply ends the streamed text in progress: it becomes that message
        // (its text the complete one), not a second bubble.
        let streamed = self.streaming.take().and_then(|id| self.message_mut(id));
        let message = match streamed {
            Some(message) => {
                // A row already on screen takes a changed text (or its cards) whole.
                if message.text != reply.text || !reply.products.is_empty() {
                    message.text = reply.text;
                    message.rewrites += 1;
                }
                message
            }
            None => self.push(Author::Agent, reply.text, now_ms),
        };
        message.products = reply.products;
        message.speech = reply.speech;
        // What a voice would say, where the platform gives it (live-demo's `speech`).
        let spoken = message
            .speech
            .clone()
            .unwrap_or_else(|| crate::markdown::plain(&message.text));
        self.suggestions = reply.suggestions;
        let mut effects = Vec::new();
        if self.speaker {
            effects.push(Effect::Speak(spoken));
        }
        if !self.open {
            self.unread += 1;
        }
        if self.sound && (!self.open || self.link.hidden) {
            effects.push(Effect::Chime);
        }
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::test_support::*;

    #[test]
    fn replies_while_closed_are_counted_until_the_window_opens() {
        let mut c = connected();
        c.act(Event::Close, 3.0);
        c.act(unnamed("one"), 4.0);
        c.act(delta("two, stream"), 5.0);
        assert_eq!(c.unread, 1, "a reply still streaming is not yet a reply");
        c.act(unnamed("two, streamed"), 6.0);
        assert_eq!(c.unread, 2);
        c.act(Event::Open, 7.0);
        assert_eq!(c.unread, 0);
        c.act(unnamed("three"), 8.0);
        assert_eq!(c.unread, 0, "seen as it came");
    }

    #[test]
    fn the_sound_tells_only_of_replies_that_come_unseen_and_only_where_the_site_wants_it() {
        let mut c = connected();
        let chimes = |effects: Vec<Effect>| effects.iter().filter(|e| **e == Effect::Chime).count();
        c.act(Event::Close, 3.0);
        assert_eq!(chimes(c.act(unnamed("off by default"), 4.0)), 0);
        c.sound = true;
        assert_eq!(chimes(c.act(delta("streaming, not yet a reply"), 5.0)), 0);
        assert_eq!(
            chimes(c.act(unnamed("streaming, now a reply"), 6.0)),
            1,
            "closed"
        );
        c.act(Event::Open, 7.0);
        assert_eq!(chimes(c.act(unnamed("seen as it came"), 8.0)), 0);
        c.act(Event::Hidden(true), 9.0);
        assert_eq!(chimes(c.act(unnamed("open in a background tab"), 10.0)), 1);
        c.act(Event::Hidden(false), 11.0);
        assert_eq!(chimes(c.act(unnamed("back in view"), 12.0)), 0);
        c.act(Event::StartNew, 13.0);
        assert!(c.sound, "a new chat keeps the site's choice");
    }

    #[test]
    fn with_the_speaker_on_each_reply_is_read_aloud_in_its_spoken_words() {
        let mut c = connected();
        assert!(!c.speaker, "off until the visitor turns it on");
        let reply = |text: &str, speech: Option<&str>| {
            Event::Agent(AgentEvent::Message(AgentMessage {
                text: text.into(),
                speech: speech.map(Into::into),
                ..AgentMessage::default()
            }))
        };
        assert!(!c
            .act(reply("quiet", None), 3.0)
            .iter()
            .any(|e| matches!(e, Effect::Speak(_))));
        c.act(Event::Speaker(true), 4.0);
        let effects = c.act(
            reply("Here's the **dashboard**", Some("Here is the dashboard")),
            5.0,
        );
        assert!(effects.contains(&Effect::Speak("Here is the dashboard".into())));
        let effects = c.act(reply("No speech given", None), 6.0);
        assert!(effects.contains(&Effect::Speak("No speech given".into())));
        assert_eq!(c.act(Event::Speaker(false), 7.0), [Effect::Hush]);
        c.act(Event::Speaker(true), 8.0);
        assert!(
            c.act(Event::End, 9.0).contains(&Effect::Hush),
            "ending the chat stops the voice"
        );
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
    fn a_streamed_message_is_finished_only_when_the_complete_reply_ends_it() {
        let mut c = connected();
        let finished = |c: &Conversation| c.last_finished_agent_message().map(|m| m.id);
        let greeting = finished(&c);
        c.act(delta("Here's "), 3.0);
        c.act(delta("the dash"), 3.1);
        assert_eq!(finished(&c), greeting, "a growing message is not finished");
        c.act(Event::VisitorSays("and?".into()), 3.2);
        assert_eq!(
            finished(&c),
            greeting,
            "nor is it once the visitor wrote below it"
        );
        let complete = Event::Agent(AgentEvent::Message(AgentMessage {
            text: "Here's the dashboard!".into(),
            ..AgentMessage::default()
        }));
        c.act(complete, 3.3);
        let reply = c.last_finished_agent_message().unwrap();
        assert_eq!(reply.text, "Here's the dashboard!");
        assert_ne!(Some(reply.id), greeting);
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

    /// Amigo takes up to 10,000 characters: its conversation allows that many, not more.
    #[test]
    fn the_platform_sets_the_longest_message() {
        let mut c = connected();
        c.fit(crate::conversation::Platform {
            max_text_chars: 10_000,
            ..Default::default()
        });
        let long = "y".repeat(10_000);
        assert_eq!(
            c.act(Event::VisitorSays(long.clone()), 1.0),
            [say(&long, 2)]
        );
        let too_long = "z".repeat(10_001);
        assert_eq!(c.act(Event::VisitorSays(too_long), 2.0), []);
        assert!(c
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("the limit is 10000"));
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
}
