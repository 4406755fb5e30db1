//! Runs page commands in a same-origin demo iframe through its DOM. Nothing here touches the
//! host page: every element is looked up in the iframe's own document.
//!
//! Elements of the iframe belong to another JavaScript realm, where `instanceof` checks
//! against this realm's classes fail; so element kinds are told by tag name and then used
//! through `unchecked_into`.

use super::friendly_target;
use docent_protocol::command::check_navigation;
use docent_protocol::PageCommand;
use std::cell::RefCell;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Document, Element, HtmlElement, HtmlIFrameElement, HtmlInputElement, HtmlOptionElement,
    HtmlSelectElement, HtmlTextAreaElement,
};

/// A navigation that has not loaded by then has failed.
const LOAD_TIMEOUT_MS: i32 = 10_000;
/// A highlight clears itself after this long (or at the next command).
pub const HIGHLIGHT_MS: i32 = 4_000;
/// Typing is shown key by key for this many characters, then the rest lands at once.
const ANIMATED_CHARS: usize = 40;
const KEY_DELAY_MS: i32 = 25;
const WAIT_POLL_MS: i32 = 100;

/// Waits `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Runs one command. `cancelled` is asked between steps of long commands (typing, waits),
/// so Stop takes effect promptly.
pub async fn run(
    frame: &HtmlIFrameElement,
    command: &PageCommand,
    allowed_origins: &[String],
    cancelled: &dyn Fn() -> bool,
) -> Result<(), String> {
    clear_highlight();
    match command {
        PageCommand::Navigate { url } => navigate(frame, url, allowed_origins).await,
        PageCommand::Click { selector } => {
            let element = find(frame, selector)?;
            if !js_sys::Reflect::has(&element, &"click".into()).unwrap_or(false) {
                return Err(format!("{} cannot be clicked", friendly_target(selector)));
            }
            scroll_to(frame, &element, false);
            element.unchecked_into::<HtmlElement>().click();
            Ok(())
        }
        PageCommand::Type { selector, text } => type_text(frame, selector, text, cancelled).await,
        PageCommand::Highlight { selector } => highlight(frame, selector),
        PageCommand::Scroll { selector } => {
            let element = find(frame, selector)?;
            scroll_to(frame, &element, true);
            Ok(())
        }
        PageCommand::Wait {
            selector,
            timeout_ms,
        } => wait_for(frame, selector, *timeout_ms, cancelled).await,
        PageCommand::Select { selector, option } => select(frame, selector, option),
    }
}

/// The iframe's document, if this page may reach it.
pub fn document_of(frame: &HtmlIFrameElement) -> Result<Document, String> {
    frame.content_document().ok_or_else(|| {
        "the demo page is on another origin, so it must include Docent's bridge script".into()
    })
}

fn find(frame: &HtmlIFrameElement, selector: &str) -> Result<Element, String> {
    let document = document_of(frame)?;
    match document.query_selector(selector) {
        Err(_) => Err(format!("`{selector}` is not a valid CSS selector")),
        Ok(None) => Err(format!("nothing on the demo page matches `{selector}`")),
        Ok(Some(element)) => Ok(element),
    }
}

/// The origin the demo was embedded with (from the iframe's `src`), which navigation may
/// not leave unless the host page allowed another.
fn demo_origin(frame: &HtmlIFrameElement) -> Result<String, String> {
    web_sys::Url::new(&frame.src())
        .map(|u| u.origin())
        .map_err(|_| "the demo iframe has no valid src".to_string())
}

async fn navigate(
    frame: &HtmlIFrameElement,
    url: &str,
    allowed_origins: &[String],
) -> Result<(), String> {
    let current = frame
        .content_window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_else(|| frame.src());
    let target = web_sys::Url::new_with_base(url, &current)
        .map_err(|_| format!("`{url}` is not a valid URL"))?;
    check_navigation(
        &target.protocol(),
        &target.origin(),
        &demo_origin(frame)?,
        allowed_origins,
    )?;
    let loaded = next_load(frame, LOAD_TIMEOUT_MS);
    frame.set_src(&target.href());
    if loaded.await {
        Ok(())
    } else {
        Err(format!(
            "the {} page did not load within {} s",
            super::page_name(url),
            LOAD_TIMEOUT_MS / 1000
        ))
    }
}

/// Resolves true at the iframe's next `load`, false after `timeout_ms`. The listener is in
/// place before this returns, so a load that follows at once is not missed.
fn next_load(
    frame: &HtmlIFrameElement,
    timeout_ms: i32,
) -> impl std::future::Future<Output = bool> {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let once = web_sys::AddEventListenerOptions::new();
        once.set_once(true);
        let _ = frame.add_event_listener_with_callback_and_add_event_listener_options(
            "load", &resolve, &once,
        );
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_1(
                &resolve,
                timeout_ms,
                &JsValue::FALSE,
            );
        }
    });
    async move {
        JsFuture::from(promise)
            .await
            .map(|v| v.as_bool() != Some(false))
            .unwrap_or(false)
    }
}

fn fire(element: &Element, kind: &str) {
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    if let Ok(event) = web_sys::Event::new_with_event_init_dict(kind, &init) {
        let _ = element.dispatch_event(&event);
    }
}

/// A text field, whichever kind it is.
enum TextField {
    Input(HtmlInputElement),
    Area(HtmlTextAreaElement),
}

impl TextField {
    fn of(element: Element, selector: &str) -> Result<TextField, String> {
        match element.tag_name().as_str() {
            "INPUT" => Ok(TextField::Input(element.unchecked_into())),
            "TEXTAREA" => Ok(TextField::Area(element.unchecked_into())),
            _ => Err(format!("{} is not a text field", friendly_target(selector))),
        }
    }

    fn set(&self, value: &str) {
        match self {
            TextField::Input(input) => input.set_value(value),
            TextField::Area(area) => area.set_value(value),
        }
    }

    fn element(&self) -> &Element {
        match self {
            TextField::Input(input) => input,
            TextField::Area(area) => area,
        }
    }
}

/// Types like a person: focus, then the text a key at a time (an `input` event each),
/// then `change`, so the demo's own scripts see what they would see from a visitor.
async fn type_text(
    frame: &HtmlIFrameElement,
    selector: &str,
    text: &str,
    cancelled: &dyn Fn() -> bool,
) -> Result<(), String> {
    let element = find(frame, selector)?;
    scroll_to(frame, &element, false);
    let field = TextField::of(element, selector)?;
    let _ = field.element().unchecked_ref::<HtmlElement>().focus();
    let mut typed = String::new();
    for c in text.chars().take(ANIMATED_CHARS) {
        if cancelled() {
            return Ok(());
        }
        typed.push(c);
        field.set(&typed);
        fire(field.element(), "input");
        sleep(KEY_DELAY_MS).await;
    }
    if typed.len() < text.len() {
        field.set(text);
        fire(field.element(), "input");
    }
    fire(field.element(), "change");
    Ok(())
}

fn select(frame: &HtmlIFrameElement, selector: &str, option: &str) -> Result<(), String> {
    let element = find(frame, selector)?;
    if element.tag_name() != "SELECT" {
        return Err(format!("{} is not a dropdown", friendly_target(selector)));
    }
    let dropdown: HtmlSelectElement = element.unchecked_into();
    let options = dropdown.options();
    let wanted = option.trim();
    let index = (0..options.length()).find(|&i| {
        options
            .item(i)
            .map(|o| o.unchecked_into::<HtmlOptionElement>())
            .is_some_and(|o| o.value() == wanted || o.text().trim().eq_ignore_ascii_case(wanted))
    });
    let Some(index) = index else {
        return Err(format!(
            "{} has no option “{wanted}”",
            friendly_target(selector)
        ));
    };
    dropdown.set_selected_index(index as i32);
    fire(&dropdown, "input");
    fire(&dropdown, "change");
    Ok(())
}

async fn wait_for(
    frame: &HtmlIFrameElement,
    selector: &str,
    timeout_ms: u32,
    cancelled: &dyn Fn() -> bool,
) -> Result<(), String> {
    let started = js_sys::Date::now();
    loop {
        // Looked up afresh each time: a navigation replaces the document.
        match document_of(frame)?.query_selector(selector) {
            Err(_) => return Err(format!("`{selector}` is not a valid CSS selector")),
            Ok(Some(_)) => return Ok(()),
            Ok(None) => {}
        }
        if cancelled() {
            return Ok(());
        }
        if js_sys::Date::now() - started >= f64::from(timeout_ms) {
            return Err(format!(
                "{} did not appear within {:.1} s",
                friendly_target(selector),
                f64::from(timeout_ms) / 1000.0
            ));
        }
        sleep(WAIT_POLL_MS).await;
    }
}

fn prefers_reduced_motion(frame: &HtmlIFrameElement) -> bool {
    frame
        .content_window()
        .and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .is_some_and(|m| m.matches())
}

/// Scrolls the demo so the element is centred. Only the iframe's own viewport moves:
/// `scrollIntoView` would also scroll the host page around the iframe.
fn scroll_to(frame: &HtmlIFrameElement, element: &Element, smooth: bool) {
    let Some(window) = frame.content_window() else {
        return;
    };
    let rect = element.get_bounding_client_rect();
    let viewport = window
        .inner_height()
        .ok()
        .and_then(|h| h.as_f64())
        .unwrap_or(0.0);
    let scroll_y = window.scroll_y().unwrap_or(0.0);
    let options = web_sys::ScrollToOptions::new();
    options.set_top((scroll_y + rect.top() - (viewport - rect.height()) / 2.0).max(0.0));
    options.set_behavior(if smooth && !prefers_reduced_motion(frame) {
        web_sys::ScrollBehavior::Smooth
    } else {
        web_sys::ScrollBehavior::Instant
    });
    window.scroll_to_with_scroll_to_options(&options);
}

/// The highlight on screen: its overlay and the timers that move and remove it.
struct Highlight {
    overlay: Element,
    follow: i32,
    expire: i32,
    _follow: Closure<dyn FnMut()>,
}

thread_local! {
    static HIGHLIGHT: RefCell<Option<Highlight>> = const { RefCell::new(None) };
}

/// Removes the highlight, if there is one.
pub fn clear_highlight() {
    let Some(highlight) = HIGHLIGHT.with(|h| h.borrow_mut().take()) else {
        return;
    };
    if let Some(window) = web_sys::window() {
        window.clear_interval_with_handle(highlight.follow);
        window.clear_timeout_with_handle(highlight.expire);
    }
    highlight.overlay.remove();
}

/// Places the overlay over the element, in document coordinates (so page scrolling needs
/// no update; layout changes are followed by a timer).
fn place(overlay: &Element, element: &Element, frame: &HtmlIFrameElement) {
    let rect = element.get_bounding_client_rect();
    let (scroll_x, scroll_y) = frame
        .content_window()
        .map(|w| (w.scroll_x().unwrap_or(0.0), w.scroll_y().unwrap_or(0.0)))
        .unwrap_or((0.0, 0.0));
    let style = format!(
        "position:absolute;left:{}px;top:{}px;width:{}px;height:{}px;box-sizing:border-box;\
         border:3px solid #f59e0b;border-radius:6px;box-shadow:0 0 0 4px rgba(245,158,11,.3);\
         pointer-events:none;z-index:2147483647;margin:0;padding:0;",
        rect.left() + scroll_x,
        rect.top() + scroll_y,
        rect.width(),
        rect.height()
    );
    // Through the CSSOM, not a `style` attribute, which a strict CSP (no 'unsafe-inline'
    // styles) would refuse. The overlay comes from the iframe's realm, so no `dyn_into`.
    overlay
        .unchecked_ref::<web_sys::HtmlElement>()
        .style()
        .set_css_text(&style);
}

fn highlight(frame: &HtmlIFrameElement, selector: &str) -> Result<(), String> {
    let element = find(frame, selector)?;
    let document = document_of(frame)?;
    let body = document
        .body()
        .ok_or_else(|| "the demo page has no body".to_string())?;
    scroll_to(frame, &element, true);
    let overlay = document
        .create_element("div")
        .map_err(|_| "could not draw the highlight".to_string())?;
    let _ = overlay.set_attribute("data-docent-highlight", selector);
    let _ = overlay.set_attribute("aria-hidden", "true");
    place(&overlay, &element, frame);
    body.append_child(&overlay)
        .map_err(|_| "could not draw the highlight".to_string())?;

    let window = web_sys::window().ok_or_else(|| "no window".to_string())?;
    let (o, e, f) = (overlay.clone(), element.clone(), frame.clone());
    let follow_tick = Closure::<dyn FnMut()>::new(move || place(&o, &e, &f));
    // A one-shot closure frees itself when it runs; it cannot be owned by the highlight it
    // removes (dropping a closure while it runs is an error).
    let expire_tick = Closure::once_into_js(clear_highlight);
    let follow = window
        .set_interval_with_callback_and_timeout_and_arguments_0(
            follow_tick.as_ref().unchecked_ref(),
            200,
        )
        .unwrap_or(0);
    let expire = window
        .set_timeout_with_callback_and_timeout_and_arguments_0(
            expire_tick.unchecked_ref(),
            HIGHLIGHT_MS,
        )
        .unwrap_or(0);
    HIGHLIGHT.with(|h| {
        *h.borrow_mut() = Some(Highlight {
            overlay,
            follow,
            expire,
            _follow: follow_tick,
        })
    });
    Ok(())
}
