//! Runs page commands in a same-origin demo iframe. `navigate` is done here (it is the
//! widget's for every demo, whatever its origin: it checks the URL and sets the iframe's
//! `src`); everything else goes to the one executor, `executor.js`, which this module
//! imports on the first command and hands the iframe's window. Nothing touches the host
//! page: every element is looked up in the iframe's own document.

use super::explain;
use docent_protocol::bridge::Failure;
use docent_protocol::command::check_navigation;
use docent_protocol::PageCommand;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlIFrameElement;

/// A navigation that has not loaded by then has failed.
const LOAD_TIMEOUT_MS: i32 = 10_000;

#[wasm_bindgen(module = "/src/commands/load.js")]
extern "C" {
    /// Runs a command through the executor at `url`, importing it on first use; resolves
    /// with a failure code, or `undefined` when done.
    #[wasm_bindgen(js_name = run)]
    fn run_in_executor(
        url: &str,
        window: &web_sys::Window,
        command: &JsValue,
        cancelled: &js_sys::Function,
    ) -> js_sys::Promise;

    /// Removes the highlight, if there is one.
    #[wasm_bindgen(js_name = clearHighlight)]
    pub fn clear_highlight();
}

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
    cancelled: impl Fn() -> bool + 'static,
) -> Result<(), String> {
    clear_highlight();
    if let PageCommand::Navigate { url } = command {
        return navigate(frame, url, allowed_origins).await;
    }
    let window = document_window(frame)?;
    // The executor reads the command in its checked wire form, as the bridge does.
    let wire = js_sys::JSON::parse(&command.to_json().to_json()).unwrap_or_default();
    let cancelled = Closure::<dyn Fn() -> bool>::new(cancelled);
    // Its URL, beside load.js under dist/snippets/ (wasm-bindgen --split-linked-modules).
    let url = wasm_bindgen::link_to!(module = "/src/commands/executor.js");
    let outcome = JsFuture::from(run_in_executor(
        &url,
        &window,
        &wire,
        cancelled.as_ref().unchecked_ref(),
    ))
    .await;
    match outcome {
        Ok(code) => match code.as_string() {
            None => Ok(()),
            Some(code) => Err(explain(command, Failure::from_code(&code))),
        },
        Err(_) => Err("Docent's page-command executor could not be loaded".into()),
    }
}

/// The iframe's window, if this page may reach its document.
fn document_window(frame: &HtmlIFrameElement) -> Result<web_sys::Window, String> {
    frame
        .content_document()
        .and(frame.content_window())
        .ok_or_else(|| {
            "the demo page is on another origin, so it must include Docent's bridge script".into()
        })
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
