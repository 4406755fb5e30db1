//! What the host page hears: `docent:…` CustomEvents on the host element.

use super::Chat;
use crate::browser::*;
use crate::conversation::{Author, HostEvent};
use wasm_bindgen::JsValue;

impl Chat {
    /// A `docent:…` CustomEvent on the host element (bubbling, so `document` hears it too),
    /// with what happened as `detail`.
    pub(super) fn announce(self, event: HostEvent) {
        let detail = js_sys::Object::new();
        let set = |key: &str, value: JsValue| {
            let _ = js_sys::Reflect::set(&detail, &key.into(), &value);
        };
        let name = match event {
            HostEvent::Open => "docent:open",
            HostEvent::Close => "docent:close",
            HostEvent::Message { id, author, text } => {
                set("id", JsValue::from_f64(id as f64));
                let author = match author {
                    Author::Visitor => "visitor",
                    Author::Agent => "agent",
                };
                set("author", author.into());
                set("text", text.into());
                "docent:message"
            }
            HostEvent::Lead(values) => {
                for (name, value) in values {
                    set(&name, value.into());
                }
                "docent:lead"
            }
            HostEvent::Error { kind, message } => {
                set("kind", kind.as_str().into());
                set("message", message.into());
                "docent:error"
            }
        };
        self.emit(name, &detail);
    }

    /// Dispatches `name` with `detail` on the host element.
    pub fn emit(self, name: &str, detail: &JsValue) {
        let init = web_sys::CustomEventInit::new();
        init.set_detail(detail);
        init.set_bubbles(true);
        let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(name, &init) else {
            return;
        };
        let _ = self.host.with_value(|host| match host {
            Some(host) => host.dispatch_event(&event),
            None => document().dispatch_event(&event),
        });
    }
}
