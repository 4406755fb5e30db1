//! An agent message's markdown as DOM nodes, built as its text grows. The parser
//! ([`crate::markdown`]) says what is final and what is still open; final nodes are built
//! once and never touched again (text arriving into a finished text node is appended to it),
//! and only the open tail is taken away and drawn again at the next piece. Every node is made
//! with `createElement`/`createTextNode`: no text the agent sends is ever parsed as HTML.

use crate::markdown::{Op, Stream, Tag};
use wasm_bindgen::JsCast;
use web_sys::{Element, Node};

pub struct RichText {
    /// What the message's row puts in its bubble.
    root: Element,
    stream: Stream,
    /// The elements the final ops left open, outermost (`root`) first.
    open: Vec<Element>,
    /// Nodes the tail added to final elements, to take away before the next piece.
    tail: Vec<Node>,
}

impl RichText {
    pub fn new(text: &str) -> RichText {
        let root = make("div");
        root.set_class_name("docent-message__text");
        let mut rich = RichText {
            open: vec![root.clone()],
            root,
            stream: Stream::default(),
            tail: Vec::new(),
        };
        rich.grow(text);
        rich
    }

    pub fn node(&self) -> &Node {
        &self.root
    }

    /// Shows `text`, which is the text shown before with more at its end.
    pub fn grow(&mut self, text: &str) {
        for node in self.tail.drain(..) {
            if let Some(parent) = node.parent_node() {
                let _ = parent.remove_child(&node);
            }
        }
        let update = self.stream.grow(text);
        let (done, tail) = update.ops.split_at(update.committed);
        build(&mut self.open, done, None);
        let mut open = self.open.clone();
        build(&mut open, tail, Some(&mut self.tail));
    }

    /// Shows `text` in place of what was shown (a stream that ended with another text).
    pub fn replace(&mut self, text: &str) {
        self.root.set_text_content(None);
        self.open.truncate(1);
        self.tail.clear();
        self.stream = Stream::default();
        self.grow(text);
    }
}

fn make(name: &str) -> Element {
    super::dom::made(crate::browser::document().create_element(name))
}

/// Carries out `ops` inside the elements `open` (innermost last). With `tail`, every node
/// added to an element that was open before is recorded there, so it can be taken away;
/// without, text goes into the text node it follows, if any.
fn build(open: &mut Vec<Element>, ops: &[Op], mut tail: Option<&mut Vec<Node>>) {
    // Elements below this index were there before these ops.
    let mut old = open.len();
    for op in ops {
        let Some(parent) = open.last().cloned() else {
            return;
        };
        let parent_was_there = open.len() <= old;
        let node: Node = match *op {
            Op::Close => {
                if open.len() > 1 {
                    open.pop();
                }
                old = old.min(open.len());
                continue;
            }
            Op::Text(text) => {
                if tail.is_none() {
                    if let Some(last) = parent.last_child().filter(|n| n.node_type() == 3) {
                        let _ = last.unchecked_into::<web_sys::Text>().append_data(text);
                        continue;
                    }
                }
                crate::browser::document().create_text_node(text).into()
            }
            Op::Break => make("br").into(),
            Op::Open(tag) => {
                let element = make(match tag {
                    Tag::Paragraph => "p",
                    Tag::List => "ul",
                    Tag::NumberedList(_) => "ol",
                    Tag::Item => "li",
                    Tag::CodeBlock => "pre",
                    Tag::Strong => "strong",
                    Tag::Emphasis => "em",
                    Tag::Code => "code",
                    Tag::Link(_) => "a",
                });
                match tag {
                    Tag::NumberedList(start) if start != 1 => {
                        let _ = element.set_attribute("start", &start.to_string());
                    }
                    Tag::Link(href) => {
                        let _ = element.set_attribute("href", href);
                        let _ = element.set_attribute("target", "_blank");
                        let _ = element.set_attribute("rel", "noopener noreferrer");
                    }
                    _ => {}
                }
                open.push(element.clone());
                element.into()
            }
        };
        let _ = parent.append_child(&node);
        if let Some(tail) = tail.as_deref_mut().filter(|_| parent_was_there) {
            tail.push(node);
        }
    }
}
