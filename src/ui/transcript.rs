//! The transcript as the message list shows it: one row per message, each with its own
//! content (a visitor's text node, or an agent's markdown: [`super::rich_text`]) and
//! delivery line, kept in step with the conversation after every event. A
//! streamed update appends only its new text to that row (an agent's is parsed from where
//! the last piece left it, and only its still-open end is redrawn);
//! a delivery change redraws that row's delivery line; only a new message (or a new conversation)
//! touches the list itself. Nothing clones the transcript and no row is remounted for new
//! text, so an update costs the same in the first message as in the two-thousandth.
//!
//! What to do is planned by [`plan`] (pure, tested natively); the message list applies it
//! to its [`Row`]s.

use super::dom::{append, make, make_text, say, set};
use super::rich_text::RichText;
use crate::browser::document;
use crate::conversation::{Author, Delivery, Message};
use crate::texts;
use docent_protocol::text::part;
use web_sys::Element;

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
    pub fn of(message: &Message) -> Shown {
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

/// One message as the list shows it. A visitor's text is a text node; an agent's is
/// markdown built as DOM nodes (`rich_text`): nothing either sends is ever parsed as HTML.
pub struct Row {
    pub element: Element,
    content: Content,
    /// What the class and the delivery line show (`None` before they are drawn).
    delivery: Option<Delivery>,
    /// The line under the bubble that says a message is waiting or did not arrive.
    meta: Option<Element>,
    /// Product cards under the message (set with it, or when a stream ends with them).
    #[cfg(feature = "product-cards")]
    cards: Option<Element>,
}

impl Row {
    pub fn of(message: &Message) -> Row {
        let author = match message.author {
            Author::Visitor => "visitor",
            Author::Agent => "agent",
        };
        let element = make(
            "div",
            &[("data-testid", "docent-message"), ("data-author", author)],
        );
        if let Some(speech) = &message.speech {
            set(&element, "data-speech", speech);
        }
        let bubble = make("div", &[("class", "docent-message__bubble")]);
        let content = match message.author {
            Author::Agent => Content::Rich(RichText::new(&message.text)),
            Author::Visitor => Content::Plain(document().create_text_node(&message.text)),
        };
        let _ = bubble.append_child(&content.node());
        append(&element, &[&bubble]);
        let mut row = Row {
            element,
            content,
            delivery: None,
            meta: None,
            #[cfg(feature = "product-cards")]
            cards: None,
        };
        row.show_delivery(message);
        row.show_products(message);
        row
    }

    /// `text` grew from byte `from` on.
    pub fn append(&mut self, text: &str, from: usize) {
        match &mut self.content {
            Content::Plain(node) => {
                let _ = node.append_data(part(text, from..));
            }
            Content::Rich(rich) => rich.grow(text),
        }
    }

    /// The message's text was replaced (and its products may have come with it).
    pub fn rewrite(&mut self, message: &Message) {
        match &mut self.content {
            Content::Plain(node) => node.set_data(&message.text),
            Content::Rich(rich) => rich.replace(&message.text),
        }
        self.show_products(message);
    }

    /// The class says whether the message is on its way or failed; a line under it says so
    /// in words, with a button to send it again where that helps.
    pub fn show_delivery(&mut self, message: &Message) {
        let delivery = message.delivery;
        if Some(delivery) == self.delivery {
            return;
        }
        self.delivery = Some(delivery);
        let pending = delivery == Delivery::Pending;
        let unsure = delivery == Delivery::Unconfirmed;
        let failed = unsure || delivery == Delivery::Failed;
        let author = self
            .element
            .get_attribute("data-author")
            .unwrap_or_default();
        let mut class = format!("docent-message docent-message--{author}");
        if pending {
            class.push_str(" docent-message--pending");
        }
        if failed {
            class.push_str(" docent-message--failed");
        }
        self.element.set_class_name(&class);
        if let Some(meta) = self.meta.as_ref().filter(|_| failed) {
            if let Some(retry) = meta.last_element_child() {
                // Failed and unsure share one line: its words change in place, so a
                // "Send again" the keyboard is on keeps the focus as it becomes "Retry".
                let (said, action) = failure_words(unsure);
                if let Some(words) = meta.first_child() {
                    words.set_text_content(Some(&(texts::get(said) + " ")));
                }
                say(&retry, &texts::get(action));
                return;
            }
        }
        if let Some(old) = self.meta.take() {
            old.remove();
        }
        let meta = if pending {
            make_text(
                "div",
                &[("class", "docent-message__meta")],
                &texts::get(texts::T::WaitingToSend),
            )
        } else if failed {
            let (said, action) = failure_words(unsure);
            let meta = make_text(
                "div",
                &[("class", "docent-message__meta docent-message__meta--failed")],
                &(texts::get(said) + " "),
            );
            let id = message.id.to_string();
            let retry = make_text(
                "button",
                &[
                    ("type", "button"),
                    ("class", "docent-message__retry"),
                    ("data-message", &id),
                ],
                &texts::get(action),
            );
            append(&meta, &[&retry]);
            meta
        } else {
            return;
        };
        append(&self.element, &[&meta]);
        self.meta = Some(meta);
    }

    #[cfg(feature = "product-cards")]
    fn show_products(&mut self, message: &Message) {
        if let Some(old) = self.cards.take() {
            old.remove();
        }
        if message.products.is_empty() {
            return;
        }
        let cards = super::message_list::product_cards(&message.products);
        // Under the bubble, above any delivery line.
        let _ = self
            .element
            .insert_before(&cards, self.meta.as_ref().map(|m| m.as_ref()));
        self.cards = Some(cards);
    }

    #[cfg(not(feature = "product-cards"))]
    fn show_products(&mut self, _: &Message) {}
}

/// What a failed message's line says, and its button: whether it may have arrived after all
/// (`unsure`: send again) or surely did not (retry).
fn failure_words(unsure: bool) -> (texts::T, texts::T) {
    if unsure {
        (texts::T::MayNotHaveArrived, texts::T::SendAgain)
    } else {
        (texts::T::NotDeliveredShort, texts::T::Retry)
    }
}

/// What a bubble shows: a visitor's words as they were typed, an agent's as markdown.
enum Content {
    Plain(web_sys::Text),
    Rich(RichText),
}

impl Content {
    fn node(&self) -> web_sys::Node {
        match self {
            Content::Plain(text) => text.clone().into(),
            Content::Rich(rich) => rich.node().clone(),
        }
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
