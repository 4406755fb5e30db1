//! The chat's link to the agent platform, through the dialect: starting and ending
//! sessions, the socket and its frames (a fresh decoder per connection), and the browser's
//! online/offline and visibility changes.

use super::Chat;
use crate::browser::*;
use crate::conversation::Event;
use crate::texts;
use crate::transport::{self, Socket};
use docent_protocol::{SessionHandle, Start, VisitorAction};
use wasm_bindgen::closure::Closure;

impl Chat {
    /// Starts a session as the dialect says: at once, after its HTTP call, or not at all
    /// (settings it cannot use, said in the console and to the visitor).
    /// `expired`: the session the platform just refused, to renew where it allows that.
    pub(super) fn start_session(self, expired: Option<SessionHandle>) {
        let config = self.config();
        if let Some(reason) = config.not_set_up() {
            return self.dispatch(Event::SessionFailed { reason });
        }
        let settings = config.settings();
        let start = match &expired {
            Some(expired) => self.dialect.renew(&settings, expired),
            None => self.dialect.start(&settings),
        };
        let call = match start {
            Start::Ready(started) => return self.dispatch(Event::SessionCreated(started)),
            Start::Refused(failure) => {
                if let docent_protocol::StartFailure::BadSetting(why) = &failure {
                    web_sys::console::error_1(&format!("Docent: {why}").into());
                }
                let reason = texts::start_failure(&failure);
                return self.dispatch(Event::SessionFailed { reason });
            }
            Start::Call(call) => call,
        };
        let dialect = self.dialect;
        wasm_bindgen_futures::spawn_local(async move {
            let event = match transport::call(&config.server, &call).await {
                Ok((status, body)) => match dialect.started(status, &body) {
                    Ok(started) => Event::SessionCreated(started),
                    Err(failure) => Event::SessionFailed {
                        reason: texts::start_failure(&failure),
                    },
                },
                Err(_) => Event::SessionFailed {
                    reason: texts::get(texts::T::Unreachable),
                },
            };
            self.dispatch(event);
        });
    }

    /// Hands an action to the socket as the dialect writes it; one that cannot go now
    /// comes back to the conversation, which keeps it for the next connection.
    pub(super) fn send(self, action: VisitorAction) {
        let session = self.state.with_value(|c| c.session.clone());
        let Some(session) = session else {
            return self.dispatch(Event::NotSent(action));
        };
        let action = self.with_context(action);
        let Some(frame) = self.dialect.encode(&session, &action) else {
            return;
        };
        let sent = self
            .socket
            .with_value(|s| s.as_ref().is_some_and(|s| s.send(&frame)));
        if !sent {
            self.dispatch(Event::NotSent(action));
        }
    }

    /// Sends an action as one HTTP call, where the socket cannot be opened; the reply (or
    /// the error) in the answer goes to the conversation as if it came on the socket. A call
    /// that does not get through comes back to the conversation, as a frame the socket
    /// could not take does.
    pub(super) fn post(self, action: VisitorAction) {
        let session = self.state.with_value(|c| c.session.clone());
        let Some(session) = session else {
            return self.dispatch(Event::NotSent(action));
        };
        let action = self.with_context(action);
        let Some(call) = self.dialect.post(&session, &action) else {
            return;
        };
        let server = self.config.with_value(|c| c.server.clone());
        let dialect = self.dialect;
        wasm_bindgen_futures::spawn_local(async move {
            match transport::call(&server, &call).await {
                Ok((status, body)) => {
                    for event in dialect.posted(status, &body) {
                        self.dispatch(Event::Agent(event));
                    }
                }
                Err(_) => self.dispatch(Event::NotSent(action)),
            }
        });
    }

    /// A message with the `context` the platform takes: the page it was written on and
    /// what the visitor gave the lead form.
    fn with_context(self, action: VisitorAction) -> VisitorAction {
        match action {
            VisitorAction::Say {
                text,
                context: None,
                client_id,
            } => {
                let url = window().location().href().unwrap_or_default();
                let context = self
                    .state
                    .with_value(|c| self.dialect.context(&url, &c.lead_details));
                VisitorAction::Say {
                    text,
                    context,
                    client_id,
                }
            }
            other => other,
        }
    }

    /// Tells the server the visitor ended the session, if the dialect has a call for it.
    pub(super) fn end_session(self, session: &SessionHandle) {
        let Some(call) = self.dialect.end(session) else {
            return;
        };
        let server = self.config.with_value(|c| c.server.clone());
        // Best effort: the visitor is leaving anyway.
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = transport::call(&server, &call).await {
                web_sys::console::warn_2(&"Docent: ending the session failed".into(), &e);
            }
        });
    }

    pub(super) fn connect(self, session: &docent_protocol::SessionHandle) {
        // A new socket replaces (and so closes) any old one.
        self.socket.set_value(None);
        let closed = move |code: u16| {
            // What came on this connection may change what its close means.
            let after = self
                .decoder
                .with_value(|d| d.as_ref().and_then(|d| d.closed(code)));
            self.dispatch(Event::SocketClosed {
                closed: after.unwrap_or_else(|| self.dialect.classify_close(code)),
                jitter: js_sys::Math::random(),
            })
        };
        let Some(target) = self.dialect.socket(session) else {
            // A saved session of another dialect: it cannot be resumed, so it is gone.
            return closed(4004);
        };
        let origin = window().location().origin().unwrap_or_default();
        let url = transport::socket_url(
            &self.config.with_value(|c| c.server.clone()),
            &origin,
            &target.path,
        );
        self.decoder.set_value(Some(self.dialect.decoder()));
        let opened = Socket::open(
            &url,
            &target.protocols,
            move || self.dispatch(Event::SocketOpened),
            move |frame| self.receive(frame),
            closed,
        );
        match opened {
            Ok(socket) => self.socket.set_value(Some(socket)),
            Err(e) => {
                web_sys::console::warn_2(&"Docent: could not open the socket".into(), &e);
                closed(1006);
            }
        }
    }

    pub(super) fn receive(self, frame: Option<String>) {
        let Some(frame) = frame else {
            return self.dispatch(Event::UnreadableFrame {
                detail: "a binary frame".into(),
            });
        };
        let decoded = self
            .decoder
            .try_update_value(|d| d.as_mut().map(|d| d.decode(&frame)))
            .flatten();
        let Some(decoded) = decoded else {
            return;
        };
        match decoded {
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

    /// The browser's `online`/`offline` events and the tab's visibility feed the connection
    /// policy: back online reconnects at once, and a hidden tab does not spin.
    pub(super) fn watch_connectivity(self) {
        let online = move |on: bool| {
            Closure::<dyn FnMut()>::new(move || self.dispatch(Event::Online(on))).into_js_value()
        };
        self.listen(&window(), "online", online(true));
        self.listen(&window(), "offline", online(false));
        let visibility =
            Closure::<dyn FnMut()>::new(move || self.dispatch(Event::Hidden(document().hidden())));
        self.listen(&document(), "visibilitychange", visibility.into_js_value());
        if !web_sys::window().is_some_and(|w| w.navigator().on_line()) {
            self.dispatch(Event::Online(false));
        }
    }
}
