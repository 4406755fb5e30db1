//! Making and changing elements, in as few calls as the views need. Every text from outside
//! (the agent's, the visitor's, the site's) goes in as a text node or an attribute value;
//! the only HTML parsed is the widget's own markup ([`put_html`]), with the site's words
//! escaped into it ([`markup`]).

use crate::browser::document;
use crate::texts;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, EventTarget, HtmlTemplateElement};

/// The element a valid tag name made. Not `expect`: the error is a `JsValue`, whose `Debug`
/// would link wasm-bindgen's `debugString` into every visitor's glue.
pub fn made(el: Result<Element, wasm_bindgen::JsValue>) -> Element {
    el.unwrap_or_else(|_| unreachable!("a valid tag name"))
}

/// A new `tag` element with `attributes` (name, value) set, in order.
pub fn make(tag: &str, attributes: &[(&str, &str)]) -> Element {
    let el = made(document().create_element(tag));
    for (name, value) in attributes {
        let _ = el.set_attribute(name, value);
    }
    el
}

/// [`make`] with `text` inside.
pub fn make_text(tag: &str, attributes: &[(&str, &str)], text: &str) -> Element {
    let el = make(tag, attributes);
    el.set_text_content(Some(text));
    el
}

/// The element `html` makes, put in `parent` before `before` (at its end without), for the
/// parts that are always the same (the launcher, the chat window): parsed by the browser in
/// one call instead of one call per element and attribute (~300 for the window), which was
/// most of the wasm's start. Parsed in an inert `<template>`, not where it goes: there a
/// site's own `<form>` around the widget would make the parser drop the composer's. `html`
/// is the widget's own markup, filled by [`markup`]: no text from outside is in it unescaped.
pub fn put_html(parent: &Element, before: Option<&Element>, html: &str) -> Element {
    let template: HtmlTemplateElement =
        made(document().create_element("template")).unchecked_into();
    template.set_inner_html(html);
    let element = template
        .content()
        .first_element_child()
        .unwrap_or_else(|| unreachable!("the markup has an element"));
    let _ = parent.insert_before(&element, before.map(|b| b.as_ref()));
    element
}

/// `template` with each `{name}` replaced by the words of the text called `name`
/// (`data-text-<name>`, a locale's), escaped, so a site's or a translator's words are text,
/// never markup.
pub fn markup(template: &str) -> String {
    texts::fill_in(template, &mut |name, out| {
        let Some(words) = texts::named(name) else {
            return false;
        };
        for c in words.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                c => out.push(c),
            }
        }
        true
    })
}

/// The element matching `selector` inside `root`, which the markup put there.
pub fn find(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .ok()
        .flatten()
        .unwrap_or_else(|| unreachable!("the markup has it"))
}

pub fn append(parent: &Element, children: &[&Element]) {
    for child in children {
        let _ = parent.append_child(child);
    }
}

pub fn set(el: &Element, name: &str, value: &str) {
    let _ = el.set_attribute(name, value);
}

pub fn hide(el: &Element, hidden: bool) {
    flag(el, "hidden", hidden);
}

pub fn flag(el: &Element, name: &str, on: bool) {
    let _ = el.toggle_attribute_with_force(name, on);
}

pub fn say(el: &Element, text: &str) {
    el.set_text_content(Some(text));
}

/// A listener the views added: where, for which event, and the closure it calls.
type Listener = (EventTarget, String, Closure<dyn FnMut(Event)>);

thread_local! {
    /// Every listener the views added, so [`forget_listeners`] can take them all away: a
    /// listener's closure holds its element, and neither would ever be freed otherwise.
    static LISTENERS: RefCell<Vec<Listener>> = const { RefCell::new(Vec::new()) };
}

/// Calls `handler` on every `name` event at `target` until [`forget_listeners`] (the view's
/// elements are made once; what a row or a chip holds is found by delegation).
pub fn on(target: &EventTarget, name: &str, handler: impl FnMut(Event) + 'static) {
    let handler = Closure::<dyn FnMut(Event)>::new(handler);
    let _ = target.add_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
    LISTENERS.with_borrow_mut(|all| all.push((target.clone(), name.to_string(), handler)));
}

/// Takes away every listener the views added and frees their closures (the widget is
/// destroyed). The closures go a moment later: one of them may be running now.
pub fn forget_listeners() {
    let all = LISTENERS.with_borrow_mut(std::mem::take);
    for (target, name, handler) in &all {
        let _ = target.remove_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
    }
    let _ = crate::browser::set_timeout_with_handle(move || drop(all), std::time::Duration::ZERO);
}

/// The element an event came from, or its nearest ancestor matching `selector`.
pub fn closest(event: &Event, selector: &str) -> Option<Element> {
    event
        .target()?
        .dyn_into::<Element>()
        .ok()?
        .closest(selector)
        .ok()
        .flatten()
}

/// Puts the keyboard focus on the element matching `selector` inside `root`, next frame
/// (after this task's changes: an element shown in it can take the focus).
pub fn focus_soon(root: &Element, selector: &'static str) {
    let root = root.clone();
    crate::browser::request_animation_frame(move || {
        if let Some(el) = root.query_selector(selector).ok().flatten() {
            let _ = el.unchecked_ref::<web_sys::HtmlElement>().focus();
        }
    });
}
