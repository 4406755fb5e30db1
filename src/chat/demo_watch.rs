//! What the visitor does in the demo on their own (clicks and page changes), reported to
//! the agent; never what the agent's own commands do. `demo.js` watches the iframe (a
//! same-origin demo directly, another through its bridge script); the widget decides here
//! what is worth reporting.

use super::Chat;
use crate::commands::runner;
use crate::conversation::Event;
use docent_protocol::PageEvent;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsValue;

/// Visitor clicks in the demo closer together than this are reported once.
const CLICK_REPORT_GAP_MS: f64 = 400.0;

impl Chat {
    /// Watches the demo iframe, if the page has one, until the chat is destroyed.
    pub fn watch_demo_frame(self) {
        let report = Closure::<
            dyn FnMut(String, Option<String>, Option<String>, Option<String>, Option<String>),
        >::new(move |event, selector, url, action, error| {
            self.visitor_did(PageEvent {
                event,
                selector,
                url,
                action,
                error,
            })
        });
        let unwatch = runner::watch(&self.demo_selector(), &report.into_js_value());
        self.on_destroy(move || {
            let _ = unwatch.call0(&JsValue::NULL);
        });
    }

    /// Something happened in the demo: reported when the visitor did it, not a command.
    /// Navigations always move `last_url` (so the tour's own page changes are known); the
    /// first page the demo shows is where it starts, not a visitor's move.
    pub(super) fn visitor_did(self, event: PageEvent) {
        let now = js_sys::Date::now();
        let report = self.tour.try_update_value(|t| {
            if event.event == "navigation" {
                let moved = !t.running && t.last_url.is_some() && t.last_url != event.url;
                t.last_url = event.url.clone();
                moved
            } else {
                let quiet = !t.running && now - t.last_click_ms >= CLICK_REPORT_GAP_MS;
                if quiet {
                    t.last_click_ms = now;
                }
                quiet
            }
        });
        if report == Some(true) {
            self.dispatch(Event::VisitorActivity(event));
        }
    }
}
