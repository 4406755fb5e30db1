//! What survives a page reload, and rebuilding a conversation from it.

use super::{outbox, Conversation, Effect, Message, Status};
use docent_protocol::SessionHandle;

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
    /// What the visitor gave the lead form (platforms whose messages carry it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lead_details: Vec<(String, String)>,
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
            session_worked: self.link.session_worked,
            server_acks: self.outbox.server_acks,
            messages: self.messages.clone(),
            suggestions: self.suggestions.clone(),
            next_id: self.next_id,
            lead_details: self.lead_details.clone(),
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
        Ok(Conversation::from_snapshot(snapshot, now_ms))
    }

    /// Rebuilds a conversation from a snapshot (a reload, or a tab taking over from the
    /// leader); the effects reconnect its session.
    pub(super) fn from_snapshot(snapshot: Snapshot, now_ms: f64) -> (Conversation, Vec<Effect>) {
        let mut c = Conversation::new(&snapshot.agent_name);
        c.open = snapshot.open;
        c.link.session_worked = snapshot.session_worked;
        c.outbox.server_acks = snapshot.server_acks;
        c.suggestions = snapshot.suggestions;
        c.lead_details = snapshot.lead_details;
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
        outbox::requeue_sent(&mut c.messages);
        let effects = match snapshot.session {
            Some(session) => {
                c.session = Some(session);
                c.connect(now_ms)
            }
            None if c.open => {
                c.status = Status::Starting;
                vec![Effect::CreateSession]
            }
            None => vec![],
        };
        (c, effects)
    }
}

#[cfg(test)]
mod tests {
    use crate::conversation::test_support::*;

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
}
