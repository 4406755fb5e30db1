//! The conversation across reloads: saved in the storage the host page chose after each
//! event that changed something worth keeping, restored when the chat starts.

use super::Chat;
use crate::conversation::{Conversation, Effect, Snapshot};
use crate::embed::Persist;
use leptos::prelude::*;

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
                self.state.set(conversation);
                self.show_messages();
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

    pub(super) fn save(self, now: f64) {
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
}
