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
//! Timers and listeners are undone through the reactive owner the chat was made in
//! (`on_cleanup`), so disposing of the widget's owner tears all of it down.

mod demo_watch;
mod host;
mod link;
mod storage;
mod tabs;
mod tour;
mod voice;

use crate::conversation::{Conversation, Effect, Event, HostEvent, Platform, MAX_VISITOR_CHARS};
use crate::dialects;
use crate::embed::Config;
use crate::transport::Socket;
use crate::ui::Transcript;
use docent_protocol::{ClientDialect, Decoder};
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use std::time::Duration;
use tour::Tour;
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;

/// How often the silence watchdog looks at the connection.
const WATCHDOG_TICK_MS: u64 = 5_000;

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
    /// The save mark of what was saved last (`Conversation::save_mark`), so events that
    /// change nothing worth keeping (ticks, pongs) cost no serialization and no write.
    saved_mark: StoredValue<Option<u64>>,
    /// The save that will write the latest changes, if one is scheduled.
    save_timer: StoredValue<Option<TimeoutHandle>, LocalStorage>,
    /// The reactive owner the chat was made in: what undoes its timers and listeners is
    /// registered there, and runs when that owner is cleaned up.
    owner: StoredValue<Owner>,
    /// The pending reconnect, if one is scheduled.
    reconnect_timer: StoredValue<Option<TimeoutHandle>, LocalStorage>,
    /// Set by [`Chat::destroy`]: late callbacks (an HTTP answer, a timer) change nothing.
    destroyed: StoredValue<bool>,
    /// This tab among the site's other tabs; `None` when it works alone.
    tabs: StoredValue<Option<tabs::TabLink>, LocalStorage>,
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
            saved_mark: StoredValue::new(None),
            save_timer: StoredValue::new_local(None),
            owner: StoredValue::new(Owner::current().unwrap_or_default()),
            reconnect_timer: StoredValue::new_local(None),
            destroyed: StoredValue::new(false),
            tabs: StoredValue::new_local(None),
        };
        // The saved conversation shows at once; it is continued here only if this tab
        // leads (when another tab does, that tab's state replaces it).
        let restored = chat.restore();
        let ongoing = !restored.is_empty() || chat.state.with_untracked(|c| c.session.is_some());
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
        chat.state.update_untracked(|c| {
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

    /// Remembers how to undo something the chat set up: run when the chat's owner is
    /// cleaned up (`Widget::destroy`).
    fn on_destroy(self, undo: impl FnOnce() + 'static) {
        // The owner's cleanups must be `Send`; the widget only ever runs on the page's
        // one thread, which `SendWrapper` checks.
        let undo = SendWrapper::new(undo);
        self.owner
            .with_value(|owner| owner.with(|| on_cleanup(move || undo.take()())));
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

    /// Stops what the chat is doing: the socket, a scheduled reconnect and any tour; late
    /// callbacks change nothing from now on. Timers and listeners go with the chat's owner
    /// (`Widget::destroy` cleans it up next). The conversation is left as saved, so a new
    /// widget picks it up.
    pub fn destroy(self) {
        if self.destroyed.get_value() {
            return;
        }
        self.save_now();
        self.destroyed.set_value(true);
        self.leave_tabs();
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
    }

    /// False once destroyed (or once its reactive owner is gone).
    fn alive(self) -> bool {
        self.destroyed.try_get_value() == Some(false)
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
            .try_update(|c| c.apply(event, now))
            .unwrap_or_default();
        self.show_messages();
        self.save_soon();
        self.share();
        for effect in effects {
            if !(asked && matches!(effect, Effect::Announce(HostEvent::Lead(_)))) {
                self.run(effect);
            }
        }
    }

    fn show_messages(self) {
        self.state
            .with_untracked(|c| self.transcript.sync(&c.messages));
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
            Effect::Speak(text) => self.route_speech(text),
            Effect::Hush => self.hush_everywhere(),
            // Only the leading tab (or a tab alone) runs the conversation, so one tab plays
            // it; sound is heard whichever tab makes it.
            Effect::Chime => voice::chime(),
        }
    }
}
