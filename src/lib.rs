//! Docent: an embeddable chat widget for AI agents that can drive a product demo.
//!
//! - [`conversation`]: the pure state machine (events in, effects out).
//! - [`chat`]: the browser shell that carries out effects.
//! - [`transport`]: HTTP calls and the WebSocket, as the dialect describes them.
//! - [`dialects`]: the one place that maps `data-dialect` to a platform's codec.
//! - [`texts`]: the words said about problems, made from meanings.
//! - [`embed`]: the host page's options.
//! - [`markdown`]: the subset of markdown agent messages may use, parsed as they stream.
//! - [`ui`]: what the visitor sees, as DOM nodes kept in step with the conversation.
//! - [`browser`]: timers, frames and shared handles, on `web_sys`.
//!
//! The host page never calls this crate directly: the loader `docent.js` (`loader/`) reads
//! the options, shows the launcher, loads the wasm and calls [`start`], then
//! [`Widget::show`] in a task of its own, then forwards its `Docent.open()`/`close()`/… calls
//! to the [`Widget`].

mod browser;
pub mod chat;
#[cfg(feature = "page-commands")]
pub mod commands;
pub mod conversation;
mod decimal;
pub mod dialects;
pub mod embed;
mod layering;
pub mod markdown;
pub mod texts;
pub mod transport;
pub mod ui;

use wasm_bindgen::prelude::*;

/// A started widget, as the loader holds it.
#[wasm_bindgen]
pub struct Widget {
    chat: chat::Chat,
}

/// Starts the widget for `host` with `options`, an object of option name (`product-id`) to
/// string: reads the options (refused and missing ones are reported in the console; the
/// widget always renders), the saved conversation and the other tabs'. It draws nothing yet:
/// [`Widget::show`] does, in the loader's next task, so that neither half of the start holds
/// the page's main thread for long (at 4x CPU throttling each was ~50-100 ms).
#[wasm_bindgen]
pub fn start(host: web_sys::HtmlElement, options: &JsValue) -> Widget {
    let get = |name: &str| {
        js_sys::Reflect::get(options, &name.into())
            .ok()
            .and_then(|v| v.as_string())
    };
    let names: Vec<String> = js_sys::Object::keys(options.unchecked_ref::<js_sys::Object>())
        .iter()
        .filter_map(|k| k.as_string())
        .collect();
    // The words first: what the configuration says (a chat not set up) is in them.
    let wordless = embed::set_texts(
        names
            .iter()
            .filter_map(|name| Some((name.as_str(), get(name)?))),
    );
    let (config, warnings) = embed::Config::from_options(get);
    let dialect_options = dialects::named(config.dialect).options();
    let unknown = embed::unknown_options(names.iter().map(String::as_str), dialect_options);
    // The messages about missing required options come last: those are errors.
    let first_missing = warnings.len() - config.missing.len();
    for (i, message) in warnings.iter().chain(&unknown).chain(&wordless).enumerate() {
        if (first_missing..warnings.len()).contains(&i) {
            web_sys::console::error_1(&message.into());
        } else {
            web_sys::console::warn_1(&message.into());
        }
    }
    Widget {
        chat: chat::Chat::new(config, Some(host.into())),
    }
}

#[wasm_bindgen]
impl Widget {
    /// Draws the widget in its host, replacing what is there (the loader's launcher and
    /// window), and says it is ready.
    pub fn show(&self) {
        let chat = self.chat;
        chat.mount();
        #[cfg(feature = "page-commands")]
        chat.watch_demo_frame();
        chat.emit("docent:ready", &js_sys::Object::new());
        chat.open_at_start();
    }

    pub fn open(&self) {
        self.chat.dispatch(conversation::Event::Open);
    }

    pub fn close(&self) {
        self.chat.dispatch(conversation::Event::Close);
    }

    pub fn toggle(&self) {
        let open = self.chat.state.try_with_value(|c| c.open);
        self.chat.dispatch(if open == Some(true) {
            conversation::Event::Close
        } else {
            conversation::Event::Open
        });
    }

    /// Sends `text` as the visitor, opening the chat so they see it. False (and a console
    /// warning saying why) if the text cannot be sent.
    pub fn send(&self, text: String) -> bool {
        let max = self.chat.state.with_value(|c| c.platform.max_text_chars);
        if let Err(problem) = conversation::check_visitor_text(&text, max) {
            web_sys::console::warn_1(&format!("Docent.send: {problem}").into());
            return false;
        }
        self.chat.dispatch(conversation::Event::Open);
        self.chat.dispatch(conversation::Event::VisitorSays(text));
        true
    }

    /// Removes the widget's nodes, listeners, timers and socket. The saved conversation
    /// stays, so a widget mounted again picks it up.
    pub fn destroy(&self) {
        self.chat.destroy();
    }
}
