//! The browser shell around the pure conversation: it feeds events into
//! [`Conversation::apply`] and carries out the effects (HTTP calls, the socket, timers,
//! DOM events for the host page). Components only ever call [`Chat::dispatch`].

use crate::commands::{self, dom};
use crate::conversation::{Author, Conversation, Effect, Event, HostEvent, Snapshot};
use crate::embed::{Config, Persist};
use crate::transport::{self, Socket};
use crate::ui::Transcript;
use crate::{dialects, texts};
use docent_protocol::{ClientDialect, Decoder, PageCommand, PageEvent, Start};
use leptos::prelude::*;
use std::collections::VecDeque;
use std::time::Duration;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::HtmlIFrameElement;

/// How often the silence watchdog looks at the connection.
const WATCHDOG_TICK_MS: u64 = 5_000;
/// A pause between page commands, so a person can follow what the agent shows.
const STEP_PAUSE_MS: i32 = 450;
/// Visitor clicks in the demo closer together than this are reported once.
const CLICK_REPORT_GAP_MS: f64 = 400.0;

/// The running chat: its state and the handles the effects need. `Copy`, so every
/// callback can hold one.
#[derive(Clone, Copy)]
pub struct Chat {
    pub state: RwSignal<Conversation>,
    /// The message list's rows, brought in step with `state` after every event.
    pub transcript: Transcript,
    config: StoredValue<Config>,
    /// The agent platform's codec, chosen by `data-dialect`.
    dialect: &'static dyn ClientDialect,
    socket: StoredValue<Option<Socket>, LocalStorage>,
    /// Reads the current connection's frames (a fresh one per connection).
    decoder: StoredValue<Option<Box<dyn Decoder>>, LocalStorage>,
    /// Where DOM events for the host page are dispatched.
    host: StoredValue<Option<web_sys::Element>, LocalStorage>,
    tour: StoredValue<Tour>,
    /// Saving failed once already (said once in the console, not on every event).
    save_failed: StoredValue<bool>,
    /// What was saved last, so events that change nothing worth keeping (ticks, pongs)
    /// cost no serialization and no storage write.
    last_saved: StoredValue<Option<Snapshot>>,
    /// What undoes each timer and listener the chat set up, run by [`Chat::destroy`].
    cleanups: StoredValue<Vec<Box<dyn FnOnce()>>, LocalStorage>,
    /// The pending reconnect, if one is scheduled.
    reconnect_timer: StoredValue<Option<TimeoutHandle>, LocalStorage>,
    /// Set by [`Chat::destroy`]: late callbacks (an HTTP answer, a timer) change nothing.
    destroyed: StoredValue<bool>,
}

/// Page commands waiting to run, and whether they are running. `generation` changes when
/// the visitor presses Stop, which tells a running command to give up.
#[derive(Default)]
struct Tour {
    queue: VecDeque<PageCommand>,
    running: bool,
    done: usize,
    generation: u64,
    last_click_ms: f64,
    /// The demo page the visitor was last seen on, so only real navigations are reported.
    last_url: Option<String>,
}

impl Chat {
    pub fn new(config: Config, host: Option<web_sys::Element>) -> Chat {
        let dialect = dialects::named(config.dialect);
        let chat = Chat {
            state: RwSignal::new(Conversation::new(&config.title)),
            transcript: Transcript::new(),
            dialect,
            decoder: StoredValue::new_local(None),
            config: StoredValue::new(config),
            socket: StoredValue::new_local(None),
            host: StoredValue::new_local(host),
            tour: StoredValue::new(Tour::default()),
            save_failed: StoredValue::new(false),
            last_saved: StoredValue::new(None),
            cleanups: StoredValue::new_local(Vec::new()),
            reconnect_timer: StoredValue::new_local(None),
            destroyed: StoredValue::new(false),
        };
        chat.restore();
        // The heartbeat and the watchdog tick always; the conversation decides what is due.
        // (Events are made in each closure, not cloned: `Event: Clone` costs 2.7 KB of wasm.)
        let heartbeat = dialect.heartbeat_ms().and_then(|ms| {
            set_interval_with_handle(
                move || chat.dispatch(Event::HeartbeatDue),
                Duration::from_millis(u64::from(ms)),
            )
            .ok()
        });
        let watchdog = set_interval_with_handle(
            move || chat.dispatch(Event::Tick),
            Duration::from_millis(WATCHDOG_TICK_MS),
        )
        .ok();
        for timer in [heartbeat, watchdog].into_iter().flatten() {
            chat.on_destroy(move || timer.clear());
        }
        chat.watch_connectivity();
        chat
    }

    /// Remembers how to undo something the chat set up.
    fn on_destroy(self, undo: impl FnOnce() + 'static) {
        self.cleanups.update_value(|c| c.push(Box::new(undo)));
    }

    /// Listens to `name` on `target` until the chat is destroyed.
    fn listen(self, target: &web_sys::EventTarget, name: &'static str, handler: JsValue) {
        if target
            .add_event_listener_with_callback(name, handler.unchecked_ref())
            .is_ok()
        {
            let target = target.clone();
            self.on_destroy(move || {
                let _ = target.remove_event_listener_with_callback(name, handler.unchecked_ref());
            });
        }
    }

    /// Stops everything the chat runs: the socket, timers, listeners and any tour. The
    /// conversation is left as saved, so a new widget picks it up.
    pub fn destroy(self) {
        if self.destroyed.get_value() {
            return;
        }
        self.destroyed.set_value(true);
        self.tour.update_value(|t| {
            t.queue.clear();
            t.generation += 1;
        });
        self.stop_demo();
        self.socket.set_value(None);
        if let Some(timer) = self
            .reconnect_timer
            .try_update_value(Option::take)
            .flatten()
        {
            timer.clear();
        }
        let cleanups = self.cleanups.try_update_value(std::mem::take);
        for undo in cleanups.into_iter().flatten() {
            undo();
        }
    }

    /// False once destroyed (or once its reactive owner is gone).
    fn alive(self) -> bool {
        self.destroyed.try_get_value() == Some(false)
    }

    pub fn config(&self) -> Config {
        self.config.get_value()
    }

    /// Applies an event and runs what it calls for.
    pub fn dispatch(self, event: Event) {
        if !self.alive() {
            return;
        }
        let now = js_sys::Date::now();
        let effects = self
            .state
            .try_update(|c| c.apply(event, now))
            .unwrap_or_default();
        self.show_messages();
        self.save(now);
        for effect in effects {
            self.run(effect);
        }
    }

    fn show_messages(self) {
        self.state
            .with_untracked(|c| self.transcript.sync(&c.messages));
    }

    /// The storage the host page chose, if the browser allows it.
    fn storage(self) -> Option<web_sys::Storage> {
        let window = web_sys::window()?;
        match self.config.with_value(|c| c.persist) {
            Persist::Tab => window.session_storage().ok().flatten(),
            Persist::Site => window.local_storage().ok().flatten(),
            Persist::Off => None,
        }
    }

    fn storage_key(self) -> String {
        format!(
            "docent:{}",
            self.config.with_value(|c| c.product_id.clone())
        )
    }

    /// Picks up the conversation a reload interrupted. Anything unreadable or expired is
    /// dropped with a warning, and the widget starts fresh.
    fn restore(self) {
        if self.config.with_value(|c| c.persist) == Persist::Off {
            return;
        }
        let Some(storage) = self.storage() else {
            web_sys::console::warn_1(
                &"Docent: storage is not available, so the conversation will not survive a reload."
                    .into(),
            );
            return;
        };
        let key = self.storage_key();
        let Ok(Some(saved)) = storage.get_item(&key) else {
            return;
        };
        let max_age = self.config.with_value(|c| c.persist_hours) * 3_600_000.0;
        match Conversation::restore(&saved, js_sys::Date::now(), max_age) {
            Ok((conversation, effects)) => {
                self.state.set(conversation);
                self.show_messages();
                for effect in effects {
                    self.run(effect);
                }
            }
            Err(why) => {
                web_sys::console::warn_1(
                    &format!("Docent: starting a new conversation: {why}.").into(),
                );
                let _ = storage.remove_item(&key);
            }
        }
    }

    fn save(self, now: f64) {
        if self.config.with_value(|c| c.persist) == Persist::Off {
            return;
        }
        // A message still streaming in is saved once, when it is complete: not per update.
        if self.state.with_untracked(Conversation::is_streaming) {
            return;
        }
        let snapshot = self.state.with_untracked(|c| c.snapshot(now));
        let unchanged = self.last_saved.with_value(|last| {
            last.as_ref().is_some_and(|l| {
                Snapshot {
                    saved_at_ms: now,
                    ..l.clone()
                } == snapshot
            })
        });
        if unchanged {
            return;
        }
        let saved = serde_json::to_string(&snapshot).ok();
        self.last_saved.set_value(Some(snapshot));
        let stored = match (self.storage(), saved) {
            (Some(storage), Some(text)) => storage.set_item(&self.storage_key(), &text).is_ok(),
            _ => false,
        };
        if !stored && !self.save_failed.get_value() {
            self.save_failed.set_value(true);
            web_sys::console::warn_1(&"Docent: could not save the conversation (storage full or disabled); it will not survive a reload.".into());
        }
    }

    fn run(self, effect: Effect) {
        match effect {
            Effect::CreateSession => {
                let config = self.config();
                if let Some(reason) = config.not_set_up() {
                    return self.dispatch(Event::SessionFailed { reason });
                }
                let call = match self.dialect.start(&config.settings()) {
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
                leptos::task::spawn_local(async move {
                    let event = match transport::call(&config.server, &call).await {
                        Ok((status, body)) => match dialect.started(status, &body) {
                            Ok(started) => Event::SessionCreated(started),
                            Err(failure) => Event::SessionFailed {
                                reason: texts::start_failure(&failure),
                            },
                        },
                        Err(_) => Event::SessionFailed {
                            reason: texts::UNREACHABLE.into(),
                        },
                    };
                    self.dispatch(event);
                });
            }
            Effect::Connect(session) => self.connect(&session),
            Effect::Send(action) => {
                let session = self.state.with_untracked(|c| c.session.clone());
                let Some(session) = session else {
                    return self.dispatch(Event::NotSent(action));
                };
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
            Effect::ReconnectIn(ms) => {
                let timer = set_timeout_with_handle(
                    move || {
                        self.reconnect_timer.set_value(None);
                        self.dispatch(Event::ReconnectDue);
                    },
                    Duration::from_millis(u64::from(ms)),
                )
                .ok();
                if let Some(old) = self
                    .reconnect_timer
                    .try_update_value(|t| std::mem::replace(t, timer))
                    .flatten()
                {
                    old.clear();
                }
            }
            Effect::EndSession(session) => {
                let Some(call) = self.dialect.end(&session) else {
                    return;
                };
                let server = self.config.with_value(|c| c.server.clone());
                // Best effort: the visitor is leaving anyway.
                leptos::task::spawn_local(async move {
                    if let Err(e) = transport::call(&server, &call).await {
                        web_sys::console::warn_2(&"Docent: ending the session failed".into(), &e);
                    }
                });
            }
            Effect::RunCommands(commands) => self.run_commands(commands),
            Effect::CancelCommands => {
                self.tour.update_value(|t| {
                    t.queue.clear();
                    t.generation += 1;
                });
                self.stop_demo();
            }
            // Dropping the socket detaches its handlers: no close event follows.
            Effect::CloseSocket | Effect::Reconnect => self.socket.set_value(None),
            Effect::Announce(event) => self.announce(event),
            Effect::Warn(text) => web_sys::console::warn_1(&text.into()),
        }
    }

    fn connect(self, session: &docent_protocol::SessionHandle) {
        // A new socket replaces (and so closes) any old one.
        self.socket.set_value(None);
        let closed = move |code: u16| {
            self.dispatch(Event::SocketClosed {
                closed: self.dialect.classify_close(code),
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

    fn receive(self, frame: Option<String>) {
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
    fn watch_connectivity(self) {
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

    /// The iframe the agent drives, found afresh each time (the host page may replace it).
    fn demo_frame(self) -> Option<HtmlIFrameElement> {
        let selector = self.config.with_value(|c| c.demo_frame.clone());
        let frame = document().query_selector(&selector).ok().flatten()?;
        (frame.tag_name() == "IFRAME").then(|| frame.unchecked_into())
    }

    /// Ends the running page command at its next step and removes the highlight, on
    /// whichever origin the demo is (the widget's own runner is told through the tour's
    /// generation, which `cancelled` reads).
    fn stop_demo(self) {
        dom::clear_highlight();
        if let Some(frame) = self.demo_frame() {
            commands::bridge::stop(&frame);
        }
    }

    /// Queues commands; starts the runner unless it is already going.
    fn run_commands(self, commands: Vec<PageCommand>) {
        let start = self.tour.try_update_value(|t| {
            t.queue.extend(commands);
            !std::mem::replace(&mut t.running, true)
        });
        if start == Some(true) {
            leptos::task::spawn_local(self.run_tour());
        }
    }

    /// Runs queued commands one after another, each after the previous one finished.
    async fn run_tour(self) {
        let generation = self.tour.with_value(|t| t.generation);
        // A destroyed chat's values may already be gone: that cancels too.
        let cancelled = move || {
            self.tour
                .try_with_value(|t| t.generation != generation)
                .unwrap_or(true)
        };
        let allowed = self.config.with_value(|c| c.allowed_origins.clone());
        let mut shown_last = false;
        loop {
            let next = self.tour.try_update_value(|t| {
                let command = t.queue.pop_front()?;
                t.done += 1;
                Some((command, t.done, t.done + t.queue.len()))
            });
            let Some(Some((command, step, total))) = next else {
                break;
            };
            // Only after a step the visitor could see: failed steps show nothing to follow.
            if shown_last {
                dom::sleep(STEP_PAUSE_MS).await;
            }
            if cancelled() {
                break;
            }
            self.dispatch(Event::CommandStarted {
                step,
                total,
                description: commands::describe(&command),
            });
            let result = match self.demo_frame() {
                // A demo on another origin is driven through its bridge script; navigation
                // stays with the widget, which may set any iframe's src.
                Some(frame)
                    if frame.content_document().is_none()
                        && !matches!(command, PageCommand::Navigate { .. }) =>
                {
                    commands::bridge::run(&frame, &command).await
                }
                Some(frame) => dom::run(&frame, &command, &allowed, cancelled).await,
                None => Err("this page has no demo iframe for the agent to use".to_string()),
            };
            shown_last = result.is_ok();
            if let Err(error) = result {
                self.dispatch(Event::CommandFailed {
                    action: command.action().to_string(),
                    selector: command.selector().map(str::to_string),
                    error,
                });
            }
        }
        self.tour.try_update_value(|t| {
            t.running = false;
            t.done = 0;
        });
        self.dispatch(Event::CommandsDone);
        // Commands queued while a Stop was in flight start a fresh run.
        if self.alive() && self.tour.with_value(|t| !t.queue.is_empty()) {
            self.run_commands(Vec::new());
        }
    }

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
    fn visitor_did(self, event: PageEvent) {
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

    /// A `docent:…` CustomEvent on the host element (bubbling, so `document` hears it too),
    /// with what happened as `detail`.
    fn announce(self, event: HostEvent) {
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

/// The demo page's path and query (`/crm/deals.html`), if this page may read it.
fn frame_path(frame: &HtmlIFrameElement) -> Option<String> {
    let location = frame.content_window()?.location();
    let path = location.pathname().ok()?;
    Some(path + &location.search().unwrap_or_default())
}
