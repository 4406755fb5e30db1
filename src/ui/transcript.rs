//! The transcript as the message list shows it: one row per message, each with its own
//! content (a visitor's text node, or an agent's markdown: [`super::rich_text`]) and delivery
//! signal, kept in step with the conversation by [`Transcript::sync`] after every event. A
//! streamed update appends only its new text to that row (an agent's is parsed from where
//! the last piece left it, and only its still-open end is redrawn);
//! a delivery change sets that row's signal; only a new message (or a new conversation)
//! touches the list itself. Nothing clones the transcript and no row is remounted for new
//! text, so an update costs the same in the first message as in the two-thousandth.
//!
//! What to do is planned by [`plan`] (pure, tested natively); [`Transcript`] applies it.

use super::rich_text::RichText;
use crate::conversation::{Author, Delivery, Message};
use docent_protocol::Product;
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use std::cell::RefCell;
use std::rc::Rc;

/// What a row shows of its message: enough to tell what changed, without a copy of the text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shown {
    pub id: u64,
    /// Bytes of text in the row.
    pub len: usize,
    /// The message's `rewrites` when the row last took its whole text.
    pub rewrites: u32,
    pub delivery: Delivery,
}

impl Shown {
    fn of(message: &Message) -> Shown {
        Shown {
            id: message.id,
            len: message.text.len(),
            rewrites: message.rewrites,
            delivery: message.delivery,
        }
    }
}

/// One change to the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowChange {
    /// A different conversation (started anew, restored): rows from scratch.
    Rebuild,
    /// New messages from this index on.
    Add(usize),
    /// The row's text grew: append the message's text from byte `from`.
    Append {
        row: usize,
        from: usize,
    },
    /// The row's text was replaced (a stream ended with a corrected text).
    Rewrite(usize),
    Delivery(usize),
}

/// The updates that bring rows showing `shown` to `messages`. Integer comparisons only:
/// the cost of an event does not depend on how long the messages are.
pub fn plan(shown: &[Shown], messages: &[Message]) -> Vec<RowChange> {
    let same_conversation =
        shown.len() <= messages.len() && shown.iter().zip(messages).all(|(s, m)| s.id == m.id);
    if !same_conversation {
        return vec![RowChange::Rebuild];
    }
    let mut updates = Vec::new();
    for (row, (s, m)) in shown.iter().zip(messages).enumerate() {
        if m.rewrites != s.rewrites || m.text.len() < s.len {
            updates.push(RowChange::Rewrite(row));
        } else if m.text.len() > s.len {
            updates.push(RowChange::Append { row, from: s.len });
        }
        if m.delivery != s.delivery {
            updates.push(RowChange::Delivery(row));
        }
    }
    if messages.len() > shown.len() {
        updates.push(RowChange::Add(shown.len()));
    }
    updates
}

/// One rendered message.
#[derive(Clone)]
pub struct Row {
    pub id: u64,
    pub author: Author,
    pub speech: Option<String>,
    /// The bubble's content: the row's component puts its node in the DOM; updates write it.
    pub content: Content,
    pub delivery: RwSignal<Delivery>,
    /// Product cards under the message (set with it, or when a stream ends with them).
    pub products: RwSignal<Vec<Product>>,
}

impl Row {
    fn of(message: &Message) -> Row {
        Row {
            id: message.id,
            author: message.author,
            speech: message.speech.clone(),
            content: match message.author {
                Author::Agent => Content::Rich(SendWrapper::new(Rc::new(RefCell::new(
                    RichText::new(&message.text),
                )))),
                Author::Visitor => Content::Plain(document().create_text_node(&message.text)),
            },
            delivery: RwSignal::new(message.delivery),
            products: RwSignal::new(message.products.clone()),
        }
    }
}

/// What a bubble shows: a visitor's words as they were typed, an agent's as markdown.
#[derive(Clone)]
pub enum Content {
    Plain(web_sys::Text),
    /// (Rows live in signals, which want `Send`; the widget has one thread.)
    Rich(SendWrapper<Rc<RefCell<RichText>>>),
}

impl Content {
    /// The node to put in the bubble.
    pub fn node(&self) -> web_sys::Node {
        match self {
            Content::Plain(text) => text.clone().into(),
            Content::Rich(rich) => rich.borrow().node().clone(),
        }
    }

    /// `text` grew from byte `from` on.
    fn append(&self, text: &str, from: usize) {
        match self {
            Content::Plain(node) => {
                let _ = node.append_data(&text[from..]);
            }
            Content::Rich(rich) => rich.borrow_mut().grow(text),
        }
    }

    fn replace(&self, text: &str) {
        match self {
            Content::Plain(node) => node.set_data(text),
            Content::Rich(rich) => rich.borrow_mut().replace(text),
        }
    }
}

/// The rows of the message list. `Copy`: components and the shell share one.
#[derive(Clone, Copy)]
pub struct Transcript {
    rows: RwSignal<Vec<Row>, LocalStorage>,
    shown: StoredValue<Vec<Shown>>,
    /// Bumped when any row changed, so the list can follow new content.
    changed: RwSignal<u64>,
    /// Where rows' signals live: the transcript's own owner, not whatever callback (a
    /// timer, a socket event) happened to bring the change.
    owner: StoredValue<Owner>,
}

impl Default for Transcript {
    fn default() -> Self {
        Transcript::new()
    }
}

impl Transcript {
    pub fn new() -> Transcript {
        Transcript {
            rows: RwSignal::new_local(Vec::new()),
            shown: StoredValue::new(Vec::new()),
            changed: RwSignal::new(0),
            owner: StoredValue::new(Owner::current().unwrap_or_default()),
        }
    }

    /// A transcript showing `messages`.
    pub fn of(messages: &[Message]) -> Transcript {
        let transcript = Transcript::new();
        transcript.sync(messages);
        transcript
    }

    pub fn rows(&self) -> Signal<Vec<Row>, LocalStorage> {
        let rows = self.rows;
        Signal::derive_local(move || rows.get())
    }

    /// Tracks every change to the rows (for scrolling along).
    pub fn track(&self) {
        self.changed.track();
    }

    /// Brings the rows in step with `messages`.
    pub fn sync(&self, messages: &[Message]) {
        let updates = self.shown.with_value(|shown| plan(shown, messages));
        if updates.is_empty() {
            return;
        }
        self.owner
            .get_value()
            .with(|| self.apply(updates, messages));
        self.changed.update(|n| *n += 1);
    }

    fn apply(&self, updates: Vec<RowChange>, messages: &[Message]) {
        for update in updates {
            let row = match update {
                RowChange::Rebuild => {
                    self.rows.set(messages.iter().map(Row::of).collect());
                    self.shown
                        .set_value(messages.iter().map(Shown::of).collect());
                    continue;
                }
                RowChange::Add(from) => {
                    let new = &messages[from..];
                    self.rows
                        .update(|rows| rows.extend(new.iter().map(Row::of)));
                    self.shown
                        .update_value(|shown| shown.extend(new.iter().map(Shown::of)));
                    continue;
                }
                RowChange::Append { row, from } => {
                    self.write(row, |content| content.append(&messages[row].text, from));
                    row
                }
                RowChange::Rewrite(row) => {
                    self.write(row, |content| content.replace(&messages[row].text));
                    let products = self.rows.with_untracked(|r| r.get(row).map(|r| r.products));
                    if let Some(products) = products {
                        products.set(messages[row].products.clone());
                    }
                    row
                }
                RowChange::Delivery(row) => {
                    let signal = self.rows.with_untracked(|r| r.get(row).map(|r| r.delivery));
                    if let Some(signal) = signal {
                        signal.set(messages[row].delivery);
                    }
                    row
                }
            };
            self.shown
                .update_value(|shown| shown[row] = Shown::of(&messages[row]));
        }
    }

    /// Writes row `row`'s content (not through a signal: the nodes are the state).
    fn write(&self, row: usize, write: impl FnOnce(&Content)) {
        self.rows.with_untracked(|rows| {
            if let Some(row) = rows.get(row) {
                write(&row.content);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: u64, text: &str) -> Message {
        Message {
            id,
            author: Author::Agent,
            text: text.into(),
            speech: None,
            delivery: Delivery::Sent,
            at_ms: 0.0,
            client_id: None,
            attempts: 0,
            rewrites: 0,
            products: Vec::new(),
        }
    }

    fn shown(messages: &[Message]) -> Vec<Shown> {
        messages.iter().map(Shown::of).collect()
    }

    #[test]
    fn nothing_changed_is_no_work() {
        let messages = [message(1, "hi"), message(2, "there")];
        assert_eq!(plan(&shown(&messages), &messages), []);
    }

    #[test]
    fn a_new_message_adds_a_row_and_leaves_the_others() {
        let mut messages = vec![message(1, "hi")];
        let before = shown(&messages);
        messages.push(message(2, "new"));
        assert_eq!(plan(&before, &messages), [RowChange::Add(1)]);
    }

    /// 5,000 streamed updates grow one message to 20,000 bytes: each is one append of only
    /// its new bytes, so the bytes written to the DOM add up to the message, not its square.
    #[test]
    fn each_streamed_update_writes_only_its_new_text() {
        let mut messages = vec![message(1, "hi"), message(2, "")];
        let mut rows = shown(&messages);
        let mut written = 0;
        for _ in 0..5_000 {
            messages[1].text.push_str("abcd");
            let updates = plan(&rows, &messages);
            let [RowChange::Append { row: 1, from }] = updates[..] else {
                panic!("expected one append, got {updates:?}");
            };
            written += messages[1].text.len() - from;
            rows[1] = Shown::of(&messages[1]);
        }
        assert_eq!(written, 20_000);
    }

    #[test]
    fn a_replaced_text_or_a_delivery_change_touches_only_its_row() {
        let mut messages = vec![message(1, "a"), message(2, "streamed")];
        let before = shown(&messages);
        messages[1].text = "final".into();
        messages[1].rewrites += 1;
        messages[0].delivery = Delivery::Answered;
        assert_eq!(
            plan(&before, &messages),
            [RowChange::Delivery(0), RowChange::Rewrite(1)]
        );
    }

    #[test]
    fn another_conversation_rebuilds() {
        let before = shown(&[message(1, "a"), message(2, "b")]);
        assert_eq!(plan(&before, &[message(3, "c")]), [RowChange::Rebuild]);
        assert_eq!(plan(&before, &[]), [RowChange::Rebuild]);
        assert_eq!(
            plan(&before, &[message(5, "x"), message(6, "y")]),
            [RowChange::Rebuild]
        );
    }
}
