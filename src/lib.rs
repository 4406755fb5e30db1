//! Docent: an embeddable chat widget for AI agents that can drive a product demo.
//!
//! - [`conversation`]: the pure state machine (events in, effects out).
//! - [`chat`]: the browser shell that carries out effects.
//! - [`transport`]: session REST calls and the WebSocket.
//! - [`embed`]: configuration from the host page.
//! - [`ui`]: Leptos components.

pub mod chat;
pub mod commands;
pub mod conversation;
pub mod embed;
pub mod transport;
pub mod ui;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Mounts the widget. Configuration comes from the element `#docent` (its `data-*`
/// attributes), which also receives the widget; without one, a new element is added to
/// the end of `<body>`.
pub fn start() {
    let document = document();
    let host = document.get_element_by_id("docent").unwrap_or_else(|| {
        let host = document
            .create_element("div")
            .expect("a div can be created");
        host.set_id("docent");
        if let Some(body) = document.body() {
            let _ = body.append_child(&host);
        }
        host
    });
    let (config, warnings) =
        embed::Config::from_attributes(|name| host.get_attribute(&format!("data-{name}")));
    for warning in warnings {
        web_sys::console::warn_1(&warning.into());
    }
    let start_open = config.start_open;
    let chat = chat::Chat::new(config, Some(host.clone()));
    let mount_point: web_sys::HtmlElement = host.unchecked_into();
    let handle =
        leptos::mount::mount_to(mount_point, move || view! { <ui::ChatWidget chat=chat/> });
    // The widget lives as long as the page.
    handle.forget();
    chat.watch_demo_frame();
    if start_open {
        chat.dispatch(conversation::Event::Open);
    }
}
