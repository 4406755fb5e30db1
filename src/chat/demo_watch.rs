//! What the visitor does in the demo on their own (clicks and page changes), reported to
//! the agent; never what the agent's own commands do. Same-origin demos are watched
//! directly, others through their bridge script.

use super::Chat;
use crate::browser::*;
use crate::commands;
use crate::conversation::Event;
use docent_protocol::PageEvent;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::HtmlIFrameElement;

/// Visitor clicks in the demo closer together than this are reported once.
const CLICK_REPORT_GAP_MS: f64 = 400.0;

impl Chat {
    /// Reports what the visitor does in the demo on their own (clicks and page changes),
    /// never what the agent's commands do: same-origin demos are watched directly, others
    /// through their bridge script.
    pub fn watch_demo_frame(self) {
        let Some(frame) = self.demo_frame() else {
            return;
        };
        let on_click =
            Closure::<dyn FnMut(web_sys::MouseEvent)>::new(move |event: web_sys::MouseEvent| {
                if !event.is_trusted() {
                    return;
                }
                let target = event
                    .target()
                    .map(|t| t.unchecked_into::<web_sys::Element>());
                let selector = target.and_then(|t| {
                    let mut chain = Vec::new();
                    let mut node = Some(t);
                    while let Some(el) = node.filter(|_| chain.len() < 6) {
                        chain.push((
                            el.tag_name(),
                            el.get_attribute("data-testid"),
                            Some(el.id()),
                        ));
                        node = el.parent_element();
                    }
                    commands::stable_selector(&chain)
                });
                let url = self.demo_frame().and_then(|f| frame_path(&f));
                self.visitor_did(PageEvent {
                    event: "click".into(),
                    selector,
                    url,
                    ..PageEvent::default()
                });
            });
        let on_click = on_click.into_js_value();
        let listen = {
            let on_click = on_click.clone();
            move |frame: &HtmlIFrameElement| {
                if let Some(document) = frame.content_document() {
                    let _ = document.add_event_listener_with_callback_and_bool(
                        "click",
                        on_click.unchecked_ref(),
                        true,
                    );
                }
            }
        };
        listen(&frame);
        {
            let on_click = on_click.clone();
            self.on_destroy(move || {
                let document = self.demo_frame().and_then(|f| f.content_document());
                if let Some(document) = document {
                    let _ = document.remove_event_listener_with_callback_and_bool(
                        "click",
                        on_click.unchecked_ref(),
                        true,
                    );
                }
            });
        }
        let loaded = frame.content_document().is_some_and(|d| {
            d.ready_state() == "complete" && !d.url().unwrap_or_default().starts_with("about:")
        });
        if loaded {
            self.tour.update_value(|t| t.last_url = frame_path(&frame));
        }
        let on_load = Closure::<dyn FnMut()>::new(move || {
            let Some(frame) = self.demo_frame() else {
                return;
            };
            listen(&frame);
            if let Some(url) = frame_path(&frame) {
                self.visitor_did(PageEvent {
                    event: "navigation".into(),
                    url: Some(url),
                    ..PageEvent::default()
                });
            }
        });
        self.listen(&frame, "load", on_load.into_js_value());
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                let activity = self
                    .demo_frame()
                    .and_then(|frame| commands::bridge::receive(&event, &frame));
                if let Some(activity) = activity {
                    self.visitor_did(activity);
                }
            },
        );
        self.listen(&window(), "message", on_message.into_js_value());
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

/// The demo page's path and query (`/crm/deals.html`), if this page may read it.
fn frame_path(frame: &HtmlIFrameElement) -> Option<String> {
    let location = frame.content_window()?.location();
    let path = location.pathname().ok()?;
    Some(path + &location.search().unwrap_or_default())
}
