//! Drives a demo on another origin through Docent's bridge script (`demo/crm/bridge.js`),
//! which runs each command with the same executor the widget uses for a same-origin demo.
//! The wire is typed in [`docent_protocol::bridge`]: commands go only to the demo's exact
//! origin, and only messages from that origin and that iframe's window are read.

use super::explain;
use docent_protocol::bridge::{Failure, FromBridge, ToBridge};
use docent_protocol::{PageCommand, PageEvent};
use std::cell::{Cell, RefCell};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlIFrameElement;

/// How long the bridge may take beyond a command's own wait.
const ANSWER_MS: u32 = 5_000;

thread_local! {
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
    /// Resolvers of the commands waiting for their answer, by id: one at a time in practice
    /// (commands run one after another), so a list, not a hash map (whose hashing cost the
    /// wasm about 1.7 KB).
    static WAITING: RefCell<Vec<(u32, js_sys::Function)>> = const { RefCell::new(Vec::new()) };
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
    let wait = match command {
        PageCommand::Wait { timeout_ms, .. } => *timeout_ms,
        _ => 0,
    };
    let window = web_sys::window().ok_or("no window")?;
    let answer = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_1(
            &resolve,
            (wait + ANSWER_MS) as i32,
            &JsValue::NULL,
        );
        WAITING.with(|w| w.borrow_mut().push((id, resolve)));
    });
    target
        .post_message(
            &JsValue::from_str(&ToBridge::Run { id, command }.encode()),
            &origin,
        )
        .map_err(|_| "could not reach the demo page".to_string())?;
    let reply = JsFuture::from(answer).await.unwrap_or(JsValue::NULL);
    take_waiting(id);
    if reply.as_bool() == Some(true) {
        return Ok(());
    }
    match reply.as_string() {
        Some(code) => Err(explain(command, Failure::from_code(&code))),
        None => Err(
            "the demo page did not answer: it needs Docent's bridge script, with this site's origin in data-parent-origin"
                .into(),
        ),
    }
}

/// The visitor pressed Stop (or the chat is going away): the bridge ends the command it
/// runs at its next step and removes its highlight, as the widget does on its own origin.
/// Nothing to do for a demo on the widget's origin, or one that was never sent a command.
pub fn stop(frame: &HtmlIFrameElement) {
    let last = NEXT_ID.with(|n| n.get().wrapping_sub(1));
    if frame.content_document().is_some() || last == 0 {
        return;
    }
    if let (Some(origin), Some(target)) = (frame_origin(frame), frame.content_window()) {
        let stop = ToBridge::Stop { id: last }.encode();
        let _ = target.post_message(&JsValue::from_str(&stop), &origin);
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
    match FromBridge::decode(&event.data().as_string()?)? {
        FromBridge::Activity(activity) => Some(activity),
        FromBridge::Done { id, outcome } => {
            // `true` settles a success; a failure code its failure; `null` (the timer) is silence.
            let outcome = match outcome {
                Ok(()) => JsValue::TRUE,
                Err(failure) => JsValue::from_str(failure.code()),
            };
            if let Some(resolve) = take_waiting(id) {
                let _ = resolve.call1(&JsValue::NULL, &outcome);
            }
            None
        }
    }
}

/// The resolver of command `id`, taken off the waiting list.
fn take_waiting(id: u32) -> Option<js_sys::Function> {
    WAITING.with(|w| {
        let mut waiting = w.borrow_mut();
        let at = waiting
            .iter()
            .position(|(waiting_id, _)| *waiting_id == id)?;
        Some(waiting.swap_remove(at).1)
    })
}
