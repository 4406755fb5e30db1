//! The browser shell around the pure conversation: it feeds events into
//! [`Conversation::apply`] and carries out the effects. It decides nothing: every choice is
//! the conversation's (what to do) or the dialect's (how a platform says it). One job per
//! file:
//!
//! - this file: the chat's handles, its lifetime, and running effects;
//! - [`link`]: starting sessions, the socket and its frames, the browser's connectivity;
//! - [`storage`]: the conversation across reloads;
//! - [`tour`]: page commands in the demo iframe, one after another;
//! - [`demo_watch`]: what the visitor does in the demo on their own;
//! - [`host`]: `docent:…` DOM events for the host page;
//! - [`tabs`]: one conversation in every tab of the site (a leader, followers);
//! - [`voice`]: replies read aloud, where the browser can.
//!
//! What undoes the chat's timers and listeners is kept in the chat ([`Chat::on_destroy`])
//! and run by [`Chat::destroy`].

#[cfg(feature = "page-commands")]
mod demo_watch;
mod host;
mod link;
mod storage;
mod tabs;
mod tour;
mod voice;

use crate::browser::{set_interval_with_handle, set_timeout_with_handle, Slot, TimeoutHandle};
use crate::conversation::{Conversation, Effect, Event, HostEvent, Platform, MAX_VISITOR_CHARS};
use crate::dialects;
use crate::embed::Config;
use crate::transport::Socket;
use crate::ui::View;
use docent_protocol::{ClientDialect, Decoder};
use std::time::Duration;
#[cfg(feature = "page-commands")]
use tour::Tour;
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;

/// How often the silence watchdog looks at the connection.
const WATCHDOG_TICK_MS: u64 = 5_000;

/// The running chat: its state and the handles the effects need. `Copy`, so every
/// callback can hold one.
#[derive(Clone, Copy)]
pub struct Chat {
    pub state: Slot<Conversation>,
    /// What the visitor sees, brought in step with `state` after every change (once per
    /// task however many changes came in it: [`Chat::show`]).
    view: Slot<Option<View>>,
    /// A redraw of the view is scheduled.
    show_due: Slot<bool>,
    config: Slot<Config>,
    /// The agent platform's codec, chosen by `data-dialect`.
    dialect: &'static dyn ClientDialect,
    socket: Slot<Option<Socket>>,
    /// Reads the current connection's frames (a fresh one per connection).
    decoder: Slot<Option<Box<dyn Decoder>>>,
    /// Where DOM events for the host page are dispatched.
    host: Slot<Option<web_sys::Element>>,
    #[cfg(feature = "page-commands")]
    tour: Slot<Tour>,
    /// Saving failed once already (said once in the console, not on every event).
    save_failed: Slot<bool>,
    /// The save mark of what was saved last (`Conversation::save_mark`), so events that
    /// change nothing worth keeping (ticks, pongs) cost no serialization and no write.
    saved_mark: Slot<Option<u64>>,
    /// The save that will write the latest changes, if one is scheduled.
    save_timer: Slot<Option<TimeoutHandle>>,
    /// What undoes the chat's timers and listeners, run by [`Chat::destroy`].
    undo: Slot<Vec<Box<dyn FnOnce()>>>,
    /// The pending reconnect, if one is scheduled.
    reconnect_timer: Slot<Option<TimeoutHandle>>,
    /// Set by [`Chat::destroy`]: late callbacks (an HTTP answer, a timer) change nothing.
    destroyed: Slot<bool>,
    /// This tab among the site's other tabs; `None` when it works alone.
    tabs: Slot<Option<tabs::TabLink>>,
}

impl Chat {
    pub fn new(config: Config, host: Option<web_sys::Element>) -> Chat {
        let dialect = dialects::named(config.dialect);
        let chat = Chat {
            state: Slot::new(Conversation::new(&config.title)),
            view: Slot::new(None),
            show_due: Slot::new(false),
            dialect,
            decoder: Slot::new(None),
            config: Slot::new(config),
            socket: Slot::new(None),
            host: Slot::new(host),
            #[cfg(feature = "page-commands")]
            tour: Slot::new(Tour::default()),
            save_failed: Slot::new(false),
            saved_mark: Slot::new(None),
            save_timer: Slot::new(None),
            undo: Slot::new(Vec::new()),
            reconnect_timer: Slot::new(None),
            destroyed: Slot::new(false),
            tabs: Slot::new(None),
        };
        // The saved conversation shows at once; it is continued here only if this tab
        // leads (when another tab does, that tab's state replaces it).
        let restored = chat.restore();
        let ongoing = !restored.is_empty() || chat.state.with_value(|c| c.session.is_some());
        if !chat.join_tabs(ongoing) {
            for effect in restored {
                chat.run(effect);
            }
        }
        let platform = Platform {
            keep_alive: dialect.heartbeat_ms().is_some(),
            max_text_chars: dialect.max_text_chars().unwrap_or(MAX_VISITOR_CHARS),
            posts: dialect.posts_without_socket(),
        };
        let (can_speak, speaker) = chat.voice_setup();
        let sound = chat.config.with_value(|c| c.sound);
        chat.state.update_value(|c| {
            c.fit(platform);
            c.can_speak = can_speak;
            c.speaker = speaker;
            c.sound = sound;
        });
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
        chat.save_before_leaving();
        chat
    }

    /// Remembers how to undo something the chat set up: run by [`Chat::destroy`].
    fn on_destroy(self, undo: impl FnOnce() + 'static) {
        self.undo.update_value(|all| all.push(Box::new(undo)));
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

    /// Stops what the chat is doing: the socket, a scheduled reconnect, any tour, its
    /// timers and listeners, and takes its nodes away; late callbacks change nothing from
    /// now on. The conversation is left as saved, so a new widget picks it up.
    pub fn destroy(self) {
        if self.destroyed.get_value() {
            return;
        }
        self.save_now();
        self.destroyed.set_value(true);
        self.leave_tabs();
        self.stop_demo();
        self.socket.set_value(None);
        if let Some(timer) = self
            .reconnect_timer
            .try_update_value(Option::take)
            .flatten()
        {
            timer.clear();
        }
        for undo in self.undo.update_value(std::mem::take) {
            undo();
        }
        if let Some(view) = self.view.update_value(Option::take) {
            view.remove();
        }
        // Saved above; nothing is written after this (`save_now` checks), so the transcript
        // can go now rather than stay in memory for the page's life (a site that destroys
        // and starts the widget on every route change would keep one per visit).
        self.state.set_value(Conversation::new(""));
        self.decoder.set_value(None);
    }

    /// False once destroyed.
    fn alive(self) -> bool {
        self.destroyed.try_get_value() == Some(false)
    }

    /// Shows the widget in its host, replacing what is there (the loader's launcher and
    /// window).
    pub fn mount(self) {
        let Some(host) = self.host.get_value() else {
            return;
        };
        host.set_inner_html("");
        let (side, title) = self.config.with_value(|c| (c.position, c.title.clone()));
        let view = self
            .state
            .with_value(|c| View::mount(&host, side, &title, c, move |event| self.dispatch(event)));
        self.view.set_value(Some(view));
    }

    /// Brings the view in step with the conversation once this task's changes are in:
    /// a burst of frames is drawn once.
    fn show(self) {
        if self.show_due.with_value(|due| *due) {
            return;
        }
        self.show_due.set_value(true);
        wasm_bindgen_futures::spawn_local(async move {
            if self.show_due.try_update_value(std::mem::take).is_none() {
                return;
            }
            let view = self.view.try_get_value().flatten();
            if let Some(view) = view {
                self.state.with_value(|c| view.update(c));
            }
        });
    }

    /// A conversation restored open (a reload mid-chat) is open from the start: says so. Else
    /// opens it if the site asked (`data-open`).
    pub fn open_at_start(self) {
        if self.state.with_value(|c| c.open) {
            self.emit("docent:open", &js_sys::Object::new());
        } else if self.config.with_value(|c| c.start_open) {
            self.dispatch(Event::Open);
        }
    }

    pub fn config(&self) -> Config {
        self.config.get_value()
    }

    /// Applies an event and runs what it calls for; in a tab that follows another, shows
    /// it here or asks the leader.
    pub fn dispatch(self, event: Event) {
        if !self.alive() {
            return;
        }
        if let Event::Speaker(on) = event {
            self.remember_speaker(on);
        }
        if self.following() {
            return self.follow_event(event);
        }
        let event = self.own_event(event);
        self.apply(event, false);
    }

    /// Leader (or alone): applies an event, of this tab or asked by another (`asked`: the
    /// asking tab tells its own host page of a lead), and runs what it calls for.
    fn apply(self, event: Event, asked: bool) {
        let now = js_sys::Date::now();
        let effects = self
            .state
            .try_update_value(|c| c.apply(event, now))
            .unwrap_or_default();
        self.show();
        self.save_soon();
        self.share();
        for effect in effects {
            if !(asked && matches!(effect, Effect::Announce(HostEvent::Lead(_)))) {
                self.run(effect);
            }
        }
    }

    fn run(self, effect: Effect) {
        match effect {
            Effect::CreateSession => self.start_session(None),
            Effect::RenewSession(expired) => self.start_session(Some(expired)),
            Effect::Connect(session) => self.connect(&session),
            Effect::Send(action) => self.send(action),
            Effect::Post(action) => self.post(action),
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
            Effect::EndSession(session) => self.end_session(&session),
            Effect::RunCommands(commands) => self.route_commands(commands),
            Effect::CancelCommands => {
                self.cancel_everywhere();
                self.stop_demo();
            }
            // Dropping the socket detaches its handlers: no close event follows.
            Effect::CloseSocket | Effect::Reconnect => self.socket.set_value(None),
            Effect::Announce(event) => self.announce(event),
            Effect::Warn(text) => web_sys::console::warn_1(&text.into()),
            Effect::Speak(text) => self.route_speech(text),
            Effect::Hush => self.hush_everywhere(),
            // Only the leading tab (or a tab alone) runs the conversation, so one tab plays
            // it; sound is heard whichever tab makes it.
            Effect::Chime => voice::chime(),
        }
    }
}
