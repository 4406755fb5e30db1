//! Making and changing elements, in as few calls as the views need. Every text goes in as
//! a text node or an attribute value: nothing here parses HTML.

use crate::browser::document;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, EventTarget};

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

const SVG: Option<&str> = Some("http://www.w3.org/2000/svg");

/// An SVG icon of one path (the launcher's, the speaker's): `stroke`d in the text colour.
pub fn icon(class: &str, size: &str, path: &str) -> (Element, Element) {
    let svg = made(document().create_element_ns(SVG, "svg"));
    for (name, value) in [
        ("class", class),
        ("viewBox", "0 0 24 24"),
        ("width", size),
        ("height", size),
        ("aria-hidden", "true"),
        ("fill", "none"),
        ("stroke", "currentColor"),
        ("stroke-width", "2"),
        ("stroke-linecap", "round"),
        ("stroke-linejoin", "round"),
    ] {
        let _ = svg.set_attribute(name, value);
    }
    let drawn = svg_path(&svg, path);
    (svg, drawn)
}

/// A path drawn `path` at the end of `svg` (an icon's changing stroke is one more).
pub fn svg_path(svg: &Element, path: &str) -> Element {
    let drawn = made(document().create_element_ns(SVG, "path"));
    let _ = drawn.set_attribute("d", path);
    let _ = svg.append_child(&drawn);
    drawn
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
