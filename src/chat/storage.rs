//! The conversation across reloads: saved in the storage the host page chose a moment after
//! events that changed something worth keeping, and at once when the page is left or
//! hidden; restored when the chat starts.

use super::Chat;
use crate::browser::*;
use crate::conversation::{Conversation, Effect};
use crate::embed::Persist;
use std::time::Duration;
use wasm_bindgen::closure::Closure;

/// How long a change waits to be written, so that the events of one moment are written
/// once (and off the path of the event that changed it).
const SAVE_DELAY_MS: u64 = 200;

impl Chat {
    /// The storage the host page chose, if the browser allows it.
    pub(super) fn storage(self) -> Option<web_sys::Storage> {
        let window = web_sys::window()?;
        match self.config.with_value(|c| c.persist) {
            Persist::Tab => window.session_storage().ok().flatten(),
            Persist::Site => window.local_storage().ok().flatten(),
            Persist::Off => None,
        }
    }

    pub(super) fn storage_key(self) -> String {
        self.config.with_value(|c| c.storage_key())
    }

    /// Picks up the conversation a reload interrupted, and returns what continues it.
    /// Anything unreadable or expired is dropped with a warning, and the widget starts fresh.
    pub(super) fn restore(self) -> Vec<Effect> {
        if self.config.with_value(|c| c.persist) == Persist::Off {
            return vec![];
        }
        let Some(storage) = self.storage() else {
            web_sys::console::warn_1(
                &"Docent: storage is not available, so the conversation will not survive a reload."
                    .into(),
            );
            return vec![];
        };
        let key = self.storage_key();
        let Ok(Some(saved)) = storage.get_item(&key) else {
            return vec![];
        };
        let max_age = self.config.with_value(|c| c.persist_hours) * 3_600_000.0;
        match Conversation::restore(&saved, js_sys::Date::now(), max_age) {
            Ok((conversation, effects)) => {
                self.state.set_value(conversation);
                self.show();
                effects
            }
            Err(why) => {
                web_sys::console::warn_1(
                    &format!("Docent: starting a new conversation: {why}.").into(),
                );
                let _ = storage.remove_item(&key);
                vec![]
            }
        }
    }

    /// Notes that the conversation may have changed: if it did in something worth keeping,
    /// it is written a moment later ([`SAVE_DELAY_MS`]), once for all the events of that
    /// moment (a visitor message, its acknowledgement and the reply's first frames), and
    /// away from the event that changed it: the reply is on screen before its save begins.
    /// Leaving the page or hiding it writes at once ([`Chat::save_before_leaving`]).
    pub(super) fn save_soon(self) {
        if self.save_timer.with_value(Option::is_some) || !self.worth_saving() {
            return;
        }
        let timer = set_timeout_with_handle(
            move || {
                self.save_timer.set_value(None);
                self.save_now();
            },
            Duration::from_millis(SAVE_DELAY_MS),
        )
        .ok();
        self.save_timer.set_value(timer);
    }

    /// Whether the conversation holds something not saved yet. A message still streaming
    /// in is left out until it is complete (`Conversation::saved`): its updates change
    /// nothing to save.
    fn worth_saving(self) -> bool {
        if self.config.with_value(|c| c.persist) == Persist::Off {
            return false;
        }
        let mark = self.state.with_value(Conversation::save_mark);
        Some(mark) != self.saved_mark.get_value()
    }

    /// Writes the conversation now, if it changed since it was last written.
    pub(super) fn save_now(self) {
        if !self.alive() {
            return;
        }
        if let Some(timer) = self.save_timer.try_update_value(Option::take).flatten() {
            timer.clear();
        }
        if !self.worth_saving() {
            return;
        }
        let (mark, saved) = self
            .state
            .with_value(|c| (c.save_mark(), Some(c.saved(js_sys::Date::now()).to_json())));
        self.saved_mark.set_value(Some(mark));
        let stored = match (self.storage(), saved) {
            (Some(storage), Some(text)) => storage.set_item(&self.storage_key(), &text).is_ok(),
            _ => false,
        };
        if !stored && !self.save_failed.get_value() {
            self.save_failed.set_value(true);
            web_sys::console::warn_1(&"Docent: could not save the conversation (storage full or disabled); it will not survive a reload.".into());
        }
    }

    /// Writes what waits to be written when the visitor leaves the page (`pagehide`: a
    /// reload, a link, the tab closed) or hides it (a phone may end a hidden page without
    /// telling it).
    pub(super) fn save_before_leaving(self) {
        let leaving = Closure::<dyn FnMut()>::new(move || self.save_now());
        let hidden = Closure::<dyn FnMut()>::new(move || {
            if document().hidden() {
                self.save_now();
            }
        });
        self.listen(&window(), "pagehide", leaving.into_js_value());
        self.listen(&document(), "visibilitychange", hidden.into_js_value());
    }
}
