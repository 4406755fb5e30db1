//! What survives a page reload, and rebuilding a conversation from it.

use super::{outbox, Author, Conversation, Delivery, Effect, Message, Status};
use docent_protocol::json::{self, Fields, Value};
use docent_protocol::{Product, SessionHandle};

/// What survives a page reload: the session (id and short-lived token: no other secret),
/// the transcript with each message's delivery, and whether the chat was open.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(test, derive(serde::Serialize, serde::Deserialize))]
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
    #[cfg_attr(test, serde(default, skip_serializing_if = "Vec::is_empty"))]
    pub lead_details: Vec<(String, String)>,
}

// The snapshot is written and read by hand (docent_protocol::json), in exactly the shape
// its serde derive wrote, so that conversations saved before still restore and a tab
// running an older build can still read a newer one's notes; the derives stay, in tests
// only, to check it. Serde's code weighed several KB of every visitor's wasm.

fn text_or_null(text: &Option<String>) -> Option<Value> {
    Some(text.as_deref().map_or(Value::Null, Value::str))
}

fn author_name(author: Author) -> &'static str {
    match author {
        Author::Visitor => "Visitor",
        Author::Agent => "Agent",
    }
}

const DELIVERIES: [(Delivery, &str); 5] = [
    (Delivery::Pending, "Pending"),
    (Delivery::Sent, "Sent"),
    (Delivery::Answered, "Answered"),
    (Delivery::Failed, "Failed"),
    (Delivery::Unconfirmed, "Unconfirmed"),
];

fn write_message(m: &Message) -> Value {
    let delivery = DELIVERIES
        .iter()
        .find(|(d, _)| *d == m.delivery)
        .map(|(_, n)| *n);
    json::object([
        ("id", Some(Value::uint(m.id))),
        ("author", Some(Value::str(author_name(m.author)))),
        ("text", Some(Value::str(&m.text))),
        ("speech", text_or_null(&m.speech)),
        ("delivery", delivery.map(Value::str)),
        ("at_ms", Some(Value::float(m.at_ms))),
        ("client_id", text_or_null(&m.client_id)),
        ("attempts", Some(Value::uint(u64::from(m.attempts)))),
        ("rewrites", Some(Value::uint(u64::from(m.rewrites)))),
        (
            "products",
            (!m.products.is_empty())
                .then(|| Value::Array(m.products.iter().map(Product::to_json).collect())),
        ),
    ])
}

fn read_message(value: &Value) -> Result<Message, String> {
    let f = Fields::of(value)?;
    let author = match f.str("author")?.as_str() {
        "Visitor" => Author::Visitor,
        "Agent" => Author::Agent,
        other => return Err(format!("unknown author `{other}`")),
    };
    let delivery = f.str("delivery")?;
    let delivery = DELIVERIES
        .iter()
        .find(|(_, name)| *name == delivery)
        .map(|(d, _)| *d)
        .ok_or_else(|| format!("unknown delivery `{delivery}`"))?;
    Ok(Message {
        id: f.u64("id")?,
        author,
        text: f.str("text")?,
        speech: f.opt_str("speech")?,
        delivery,
        at_ms: f.f64("at_ms")?,
        client_id: f.opt_str("client_id")?,
        attempts: f.u32("attempts")?,
        rewrites: match f.get("rewrites") {
            Some(_) => f.u32("rewrites")?,
            None => 0,
        },
        products: f
            .opt_array("products")?
            .unwrap_or_default()
            .iter()
            .map(Product::from_json)
            .collect::<Result<_, _>>()?,
    })
}

impl Snapshot {
    /// The snapshot as JSON text, in its serde derive's shape.
    pub fn to_json(&self) -> String {
        let strings = |items: &[String]| Value::Array(items.iter().map(Value::str).collect());
        json::object([
            ("version", Some(Value::uint(u64::from(self.version)))),
            ("saved_at_ms", Some(Value::float(self.saved_at_ms))),
            ("agent_name", Some(Value::str(&self.agent_name))),
            ("open", Some(Value::Bool(self.open))),
            (
                "session",
                Some(
                    self.session
                        .as_ref()
                        .map_or(Value::Null, |s| Value::str(&s.0)),
                ),
            ),
            ("session_worked", Some(Value::Bool(self.session_worked))),
            ("server_acks", Some(Value::Bool(self.server_acks))),
            (
                "messages",
                Some(Value::Array(
                    self.messages.iter().map(write_message).collect(),
                )),
            ),
            ("suggestions", Some(strings(&self.suggestions))),
            ("next_id", Some(Value::uint(self.next_id))),
            (
                "lead_details",
                (!self.lead_details.is_empty()).then(|| {
                    Value::Array(
                        self.lead_details
                            .iter()
                            .map(|(k, v)| Value::Array(vec![Value::str(k), Value::str(v)]))
                            .collect(),
                    )
                }),
            ),
        ])
        .to_json()
    }

    /// Reads what [`Snapshot::to_json`] (or the serde derive, before) wrote.
    pub fn from_json(text: &str) -> Result<Snapshot, String> {
        let value = json::parse(text).map_err(|e| e.to_string())?;
        let f = Fields::of(&value)?;
        let lead_details = f
            .opt_array("lead_details")?
            .unwrap_or_default()
            .iter()
            .map(|pair| match pair.as_array() {
                Some([Value::String(k), Value::String(v)]) => Ok((k.clone(), v.clone())),
                _ => Err("`lead_details` must hold pairs of strings".to_string()),
            })
            .collect::<Result<_, _>>()?;
        Ok(Snapshot {
            version: f.u32("version")?,
            saved_at_ms: f.f64("saved_at_ms")?,
            agent_name: f.str("agent_name")?,
            open: f.bool("open")?,
            session: f.opt_str("session")?.map(SessionHandle),
            session_worked: f.bool("session_worked")?,
            server_acks: f.bool("server_acks")?,
            messages: f
                .opt_array("messages")?
                .ok_or("missing field `messages`")?
                .iter()
                .map(read_message)
                .collect::<Result<_, _>>()?,
            suggestions: f.strings("suggestions")?,
            next_id: f.u64("next_id")?,
            lead_details,
        })
    }
}

/// FNV-1a over 64-bit words and text: small, and enough to tell "changed" from "same".
struct Mark(u64);

impl Default for Mark {
    fn default() -> Mark {
        Mark(0xcbf2_9ce4_8422_2325)
    }
}

impl Mark {
    fn add(&mut self, word: u64) {
        for byte in word.to_le_bytes() {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn text(&mut self, text: &str) {
        for byte in text.bytes() {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        self.add(text.len() as u64);
    }
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

    /// What a reload keeps: the snapshot without an agent message still streaming in (the
    /// message it answers is still unanswered, so it is sent again and answered whole, as
    /// after a hand-over between tabs).
    pub fn saved(&self, now_ms: f64) -> Snapshot {
        let mut snapshot = self.snapshot(now_ms);
        if let Some(id) = self.streaming {
            snapshot.messages.retain(|m| m.id != id);
        }
        snapshot
    }

    /// A fingerprint of what [`Conversation::saved`] holds (bar the time), made without
    /// copying any text: while it stays the same, there is nothing new to save. A message's
    /// text counts by its length and `rewrites` (text only grows, or is replaced and
    /// counted), so a long conversation costs a few integers per message per event, where a
    /// copy to compare would cost all of its text.
    pub fn save_mark(&self) -> u64 {
        let mut mark = Mark::default();
        mark.text(&self.agent_name);
        mark.text(self.session.as_ref().map_or("", |s| s.0.as_str()));
        mark.add(u64::from(self.open) | u64::from(self.link.session_worked) << 1);
        mark.add(u64::from(self.outbox.server_acks) | u64::from(self.session.is_some()) << 1);
        mark.add(self.next_id);
        for suggestion in &self.suggestions {
            mark.text(suggestion);
        }
        mark.add(u64::MAX);
        for (field, value) in &self.lead_details {
            mark.text(field);
            mark.text(value);
        }
        for m in self
            .messages
            .iter()
            .filter(|m| Some(m.id) != self.streaming)
        {
            mark.add(m.id);
            mark.add(m.text.len() as u64);
            mark.add(u64::from(m.rewrites) << 32 | u64::from(m.attempts));
            mark.add(
                m.delivery as u64
                    | (m.author as u64) << 8
                    | u64::from(m.client_id.is_some()) << 16
                    | (m.products.len() as u64) << 24,
            );
            mark.add(m.speech.as_ref().map_or(u64::MAX, |s| s.len() as u64));
        }
        mark.0
    }

    /// Rebuilds a conversation from saved text, unless it is unreadable, of another
    /// version, or older than `max_age_ms`. The effects reconnect its session.
    pub fn restore(
        saved: &str,
        now_ms: f64,
        max_age_ms: f64,
    ) -> Result<(Conversation, Vec<Effect>), String> {
        let snapshot = Snapshot::from_json(saved)
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

    /// A snapshot with every kind of field filled in (products, lead details, a replaced
    /// text, a fractional time).
    fn full_snapshot() -> super::Snapshot {
        let mut c = connected();
        c.act(Event::VisitorSays("say \"hi\"\n😀".into()), 1.5);
        c.act(reply_to("yes", 2), 1732960000000.0);
        c.lead_details = vec![("email".into(), "a@b.co".into())];
        c.suggestions = vec!["Pricing".into()];
        let mut snapshot = c.snapshot(1732960000123.0);
        let last = snapshot.messages.last_mut().unwrap();
        last.rewrites = 2;
        last.speech = Some("yes".into());
        last.products = vec![docent_protocol::Product {
            title: Some("Pack".into()),
            price: Some("€299".into()),
            parameters: vec![docent_protocol::ProductParameter {
                label: "Capacity".into(),
                value: "25 l".into(),
            }],
            recommended: true,
            variants: vec![docent_protocol::Product {
                url: Some("/p/2".into()),
                ..Default::default()
            }],
            ..Default::default()
        }];
        snapshot
    }

    #[test]
    fn the_snapshot_is_written_exactly_as_its_serde_derive_wrote_it() {
        for snapshot in [connected().snapshot(0.0), full_snapshot()] {
            assert_eq!(
                snapshot.to_json(),
                serde_json::to_string(&snapshot).unwrap()
            );
            assert_eq!(
                super::Snapshot::from_json(&snapshot.to_json()),
                Ok(snapshot)
            );
        }
    }

    #[test]
    fn a_snapshot_saved_by_the_serde_code_restores() {
        // As main's serde code wrote it (before the widget left serde): a message without
        // `rewrites` (older still), products on the agent's, lead details.
        let saved = r#"{"version":2,"saved_at_ms":1732960000123.0,"agent_name":"Ava","open":true,"session":"s1/t1","session_worked":true,"server_acks":false,"messages":[{"id":1,"author":"Agent","text":"Hi, I'm Ava","speech":null,"delivery":"Answered","at_ms":0.0,"client_id":null,"attempts":0},{"id":2,"author":"Visitor","text":"say \"hi\"\n😀 \u00e9","speech":null,"delivery":"Sent","at_ms":1.5,"client_id":"c2","attempts":1,"rewrites":0},{"id":3,"author":"Agent","text":"yes","speech":"yes","delivery":"Answered","at_ms":1732960000000.0,"client_id":null,"attempts":0,"rewrites":2,"products":[{"title":"Pack","price":"€299","image_url":null,"url":null,"parameters":[{"label":"Capacity","value":"25 l"}],"recommended":true,"variants":[{"title":null,"price":null,"image_url":null,"url":"/p/2","parameters":[],"recommended":false,"variants":[]}]}]}],"suggestions":["Pricing"],"next_id":4,"lead_details":[["email","a@b.co"]]}"#;
        let ours = super::Snapshot::from_json(saved).unwrap();
        assert_eq!(
            ours,
            serde_json::from_str::<super::Snapshot>(saved).unwrap()
        );
        assert_eq!(ours.messages[1].text, "say \"hi\"\n😀 é");
        assert_eq!(
            ours.messages[2].products[0].variants[0].url.as_deref(),
            Some("/p/2")
        );
        assert_eq!(ours.saved_at_ms, 1732960000123.0);
        let (back, effects) = Conversation::restore(saved, 1732960000200.0, 60_000.0).unwrap();
        assert_eq!(effects, [Effect::Connect(handle("s1", "t1"))]);
        assert_eq!(back.messages.len(), 3);
        assert_eq!(back.lead_details, [("email".into(), "a@b.co".into())]);
        // Without the optional parts, as a snapshot without lead details was written.
        let bare = r#"{"version":2,"saved_at_ms":5.0,"agent_name":"","open":false,"session":null,"session_worked":false,"server_acks":true,"messages":[],"suggestions":[],"next_id":1}"#;
        assert_eq!(
            super::Snapshot::from_json(bare).unwrap(),
            serde_json::from_str::<super::Snapshot>(bare).unwrap()
        );
    }

    #[test]
    fn a_snapshot_missing_a_field_or_mistyped_is_unreadable() {
        for broken in [
            r#"{"version":2}"#,
            r#"{"version":"2","saved_at_ms":5.0,"agent_name":"","open":false,"session":null,"session_worked":false,"server_acks":true,"messages":[],"suggestions":[],"next_id":1}"#,
            r#"{"version":2,"saved_at_ms":5.0,"agent_name":"","open":false,"session":null,"session_worked":false,"server_acks":true,"messages":[{"id":1}],"suggestions":[],"next_id":1}"#,
            r#"[]"#,
        ] {
            let ours = super::Snapshot::from_json(broken);
            assert!(ours.is_err(), "{broken}");
            assert!(
                serde_json::from_str::<super::Snapshot>(broken).is_err(),
                "{broken}"
            );
            assert!(Conversation::restore(broken, 0.0, 1e9)
                .unwrap_err()
                .contains("unreadable"));
        }
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
    fn the_save_mark_changes_with_what_is_saved_and_only_with_it() {
        let mut c = connected();
        c.act(Event::Agent(AgentEvent::Pong { ts: None }), 1.0);
        let mut last = c.save_mark();
        let mut changed = |c: &Conversation, what: &str, expected: bool| {
            let mark = c.save_mark();
            assert_eq!(mark != last, expected, "{what}");
            last = mark;
        };
        c.act(Event::Agent(AgentEvent::Pong { ts: None }), 1.5);
        changed(&c, "a second pong changes nothing saved", false);
        c.act(Event::HeartbeatDue, 2.0);
        changed(&c, "nor a heartbeat", false);
        c.act(Event::VisitorSays("hello".into()), 3.0);
        changed(&c, "a new message", true);
        c.act(delta("Hel"), 4.0);
        changed(
            &c,
            "a stream begins: it takes the next id, which is saved",
            true,
        );
        c.act(delta("lo"), 5.0);
        changed(&c, "a reply streaming in is left out until complete", false);
        c.act(unnamed("Hello"), 5.5);
        changed(&c, "the reply, complete", true);
        c.messages.last_mut().unwrap().delivery = Delivery::Failed;
        changed(&c, "a delivery", true);
        c.messages.last_mut().unwrap().rewrites += 1;
        changed(&c, "a text replaced by one as long", true);
        c.act(Event::Close, 6.0);
        changed(&c, "the window closed", true);
        c.suggestions = vec!["Pricing".into()];
        changed(&c, "suggestions", true);
        c.suggestions = vec!["Pricinh".into()];
        changed(&c, "a suggestion's words", true);
        c.lead_details = vec![("email".into(), "a@b.co".into())];
        changed(&c, "lead details", true);
        c.typing = !c.typing;
        changed(&c, "typing is not saved", false);
    }

    #[test]
    fn a_reload_mid_stream_keeps_the_question_and_asks_it_again() {
        let mut c = connected();
        c.act(Event::Agent(AgentEvent::Pong { ts: None }), 1.0);
        c.act(Event::VisitorSays("what does it cost?".into()), 2.0);
        c.act(delta("It costs"), 3.0);
        let saved = serde_json::to_string(&c.saved(4.0)).unwrap();
        let (mut back, _) = Conversation::restore(&saved, 5.0, 60_000.0).unwrap();
        let texts: Vec<_> = back.messages.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(
            texts,
            ["Hi, I'm Ava", "what does it cost?"],
            "no half reply"
        );
        let resent = back.act(Event::SocketOpened, 6.0);
        assert!(
            resent
                .iter()
                .any(|e| matches!(e, Effect::Send(_))
                    && format!("{e:?}").contains("what does it cost?")),
            "{resent:?}"
        );
    }
}
