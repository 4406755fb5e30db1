//! The browser shell around the pure conversation: it feeds events into
//! [`Conversation::apply`] and carries out the effects (HTTP calls, the socket, timers,
//! DOM events for the host page). Components only ever call [`Chat::dispatch`].

use crate::conversation::{Conversation, Effect, Event};
use crate::embed::Config;
use crate::transport::{self, Socket};
use docent_protocol::live_demo::{socket_path, LiveDemo, HEARTBEAT_MS};
use docent_protocol::Dialect;
use leptos::prelude::*;
use std::time::Duration;

/// The running chat: its state and the handles the effects need. `Copy`, so every
/// callback can hold one.
#[derive(Clone, Copy)]
pub struct Chat {
    pub state: RwSignal<Conversation>,
    config: StoredValue<Config>,
    socket: StoredValue<Option<Socket>, LocalStorage>,
    /// Where DOM events for the host page are dispatched.
    host: StoredValue<Option<web_sys::Element>, LocalStorage>,
}

impl Chat {
    pub fn new(config: Config, host: Option<web_sys::Element>) -> Chat {
        let chat = Chat {
            state: RwSignal::new(Conversation::new(&config.title)),
            config: StoredValue::new(config),
            socket: StoredValue::new_local(None),
            host: StoredValue::new_local(host),
        };
        // The heartbeat ticks always; the conversation decides whether a frame is due.
        let _ = set_interval_with_handle(
            move || chat.dispatch(Event::HeartbeatDue),
            Duration::from_millis(u64::from(HEARTBEAT_MS)),
        );
        chat
    }

    pub fn config(&self) -> Config {
        self.config.get_value()
    }

    /// Applies an event and runs what it calls for.
    pub fn dispatch(self, event: Event) {
        let now = js_sys::Date::now();
        let effects = self
            .state
            .try_update(|c| c.apply(event, now))
            .unwrap_or_default();
        for effect in effects {
            self.run(effect);
        }
    }

    fn run(self, effect: Effect) {
        match effect {
            Effect::CreateSession => {
                let config = self.config();
                leptos::task::spawn_local(async move {
                    match transport::create_session(&config).await {
                        Ok(session) => self.dispatch(Event::SessionCreated(session)),
                        Err(reason) => self.dispatch(Event::SessionFailed { reason }),
                    }
                });
            }
            Effect::Connect { session_id, token } => self.connect(&session_id, &token),
            Effect::Send(action) => {
                let Some(frame) = LiveDemo.encode(&action) else {
                    return;
                };
                let sent = self
                    .socket
                    .with_value(|s| s.as_ref().is_some_and(|s| s.send(&frame)));
                if !sent {
                    self.dispatch(Event::NotSent(action));
                }
            }
            Effect::ReconnectIn(ms) => set_timeout(
                move || self.dispatch(Event::ReconnectDue),
                Duration::from_millis(u64::from(ms)),
            ),
            Effect::EndSession { session_id, token } => {
                let config = self.config();
                leptos::task::spawn_local(async move {
                    transport::end_session(&config, &session_id, &token).await;
                });
            }
            Effect::CloseSocket => self.socket.set_value(None),
            Effect::AnnounceLead(values) => self.announce_lead(&values),
            Effect::Warn(text) => web_sys::console::warn_1(&text.into()),
        }
    }

    fn connect(self, session_id: &str, token: &str) {
        // A new socket replaces (and so closes) any old one.
        self.socket.set_value(None);
        let origin = window().location().origin().unwrap_or_default();
        let url = transport::socket_url(
            &self.config.with_value(|c| c.server.clone()),
            &origin,
            &socket_path(session_id, token),
        );
        let opened = Socket::open(
            &url,
            move || self.dispatch(Event::SocketOpened),
            move |frame| self.receive(frame),
            move |code| {
                self.dispatch(Event::SocketClosed {
                    code,
                    kind: LiveDemo.classify_close(code),
                })
            },
        );
        match opened {
            Ok(socket) => self.socket.set_value(Some(socket)),
            Err(e) => {
                web_sys::console::warn_2(&"Docent: could not open the socket".into(), &e);
                self.dispatch(Event::SocketClosed {
                    code: 1006,
                    kind: LiveDemo.classify_close(1006),
                });
            }
        }
    }

    fn receive(self, frame: Option<String>) {
        let Some(frame) = frame else {
            return self.dispatch(Event::UnreadableFrame {
                detail: "a binary frame".into(),
            });
        };
        match LiveDemo.decode(&frame) {
            Ok(events) => {
                for event in events {
                    self.dispatch(Event::Agent(event));
                }
            }
            Err(e) => self.dispatch(Event::UnreadableFrame {
                detail: e.to_string(),
            }),
        }
    }

    /// `docent:lead` on the host element, bubbling, with the values as `detail`.
    fn announce_lead(self, values: &[(String, String)]) {
        let detail = js_sys::Object::new();
        for (name, value) in values {
            let _ = js_sys::Reflect::set(&detail, &name.into(), &value.into());
        }
        let init = web_sys::CustomEventInit::new();
        init.set_detail(&detail);
        init.set_bubbles(true);
        let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict("docent:lead", &init) else {
            return;
        };
        let _ = self.host.with_value(|host| match host {
            Some(host) => host.dispatch_event(&event),
            None => document().dispatch_event(&event),
        });
    }
}
