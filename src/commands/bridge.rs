//! Drives a demo on another origin through Docent's bridge script (`demo/crm/bridge.js`)
//! with `postMessage`: commands go only to the demo's exact origin, and only messages from
//! that origin and that iframe's window are read.

use docent_protocol::{PageCommand, PageEvent};
use serde::Deserialize;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlIFrameElement;

/// How long the bridge may take beyond a command's own wait.
const ANSWER_MS: u32 = 5_000;

thread_local! {
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
    /// Resolvers of the commands waiting for their answer, by id.
    static WAITING: RefCell<HashMap<u32, js_sys::Function>> = RefCell::new(HashMap::new());
}

/// A message from the bridge.
#[derive(Debug, Deserialize)]
struct FromBridge {
    docent: u8,
    id: Option<u32>,
    ok: Option<bool>,
    error: Option<String>,
    activity: Option<PageEvent>,
}

/// The origin of the iframe's `src`: where commands may go, and where answers must come from.
pub fn frame_origin(frame: &HtmlIFrameElement) -> Option<String> {
    web_sys::Url::new(&frame.src()).ok().map(|u| u.origin())
}

/// Sends one command and waits for the bridge's answer.
pub async fn run(frame: &HtmlIFrameElement, command: &PageCommand) -> Result<(), String> {
    let origin = frame_origin(frame).ok_or("the demo iframe has no valid src")?;
    let target = frame
        .content_window()
        .ok_or("the demo iframe has no window")?;
    let id = NEXT_ID.with(|n| {
        let id = n.get();
        n.set(id.wrapping_add(1));
        id
    });
    let message = serde_json::json!({"docent": 1, "id": id, "command": command.to_wire()});
    let wait = match command {
        PageCommand::Wait { timeout_ms, .. } => *timeout_ms,
        _ => 0,
    };
    let answer = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_1(
                &resolve,
                (wait + ANSWER_MS) as i32,
                &JsValue::NULL,
            );
        }
        WAITING.with(|w| w.borrow_mut().insert(id, resolve));
    });
    target
        .post_message(&JsValue::from_str(&message.to_string()), &origin)
        .map_err(|_| "could not reach the demo page".to_string())?;
    let reply = JsFuture::from(answer).await.unwrap_or(JsValue::NULL);
    WAITING.with(|w| w.borrow_mut().remove(&id));
    if reply.as_bool() == Some(true) {
        return Ok(());
    }
    match reply.as_string() {
        Some(error) => Err(error),
        None => Err(
            "the demo page did not answer: it needs Docent's bridge script, with this site's origin in data-parent-origin"
                .into(),
        ),
    }
}

/// Reads a `message` event. Answers settle their command here; visitor activity is
/// returned. Anything from another origin or window, or not from the bridge, is ignored.
pub fn receive(event: &web_sys::MessageEvent, frame: &HtmlIFrameElement) -> Option<PageEvent> {
    let from_frame = match (event.source(), frame.content_window()) {
        (Some(source), Some(window)) => JsValue::from(source) == JsValue::from(window),
        _ => false,
    };
    if !from_frame || Some(event.origin()) != frame_origin(frame) {
        return None;
    }
    let text = event.data().as_string()?;
    let message: FromBridge = serde_json::from_str(&text).ok()?;
    if message.docent != 1 {
        return None;
    }
    if let Some(id) = message.id {
        // `true` settles a success; a string is the failure's reason; `null` (the timer) is silence.
        let outcome = match (message.ok, message.error) {
            (Some(true), _) => JsValue::TRUE,
            (_, Some(error)) => JsValue::from_str(&error),
            _ => JsValue::from_str("the demo page gave no reason"),
        };
        if let Some(resolve) = WAITING.with(|w| w.borrow_mut().remove(&id)) {
            let _ = resolve.call1(&JsValue::NULL, &outcome);
        }
        return None;
    }
    message.activity
}
