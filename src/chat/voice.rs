//! Reading replies aloud with the browser's own speech synthesis, where there is one (not
//! every browser has it: then the speaker toggle is not shown and nothing else changes). The
//! visitor's choice is remembered for the site, apart from any one conversation. And the
//! notification sound, made by the browser's Web Audio in `sound.js`, a module imported the
//! first time it plays, so sites that leave the sound off never download it.

use super::Chat;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsCast;

#[wasm_bindgen(module = "/src/commands/load.js")]
extern "C" {
    /// Plays the sound of the module at `url`, importing it on first use.
    #[wasm_bindgen(js_name = chime)]
    fn chime_from(url: &str);
}

/// Plays the notification sound (a browser that will not play it yet, before the visitor
/// has touched the page, stays silent: that is not an error).
pub(super) fn chime() {
    chime_from(&wasm_bindgen::link_to!(module = "/src/chat/sound.js"));
}

/// Where the visitor's choice is kept (`localStorage`).
const SPEAKER_KEY: &str = "docent:speaker";

fn synthesis() -> Option<web_sys::SpeechSynthesis> {
    let window = web_sys::window()?;
    let found = js_sys::Reflect::get(&window, &"speechSynthesis".into()).ok()?;
    (!found.is_undefined() && !found.is_null()).then(|| found.unchecked_into())
}

fn remembered() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

impl Chat {
    /// Whether replies can be read aloud here, and whether the visitor asked for it before.
    pub(super) fn voice_setup(self) -> (bool, bool) {
        let can = synthesis().is_some();
        let on = can
            && remembered()
                .and_then(|s| s.get_item(SPEAKER_KEY).ok().flatten())
                .is_some_and(|v| v == "on");
        (can, on)
    }

    pub(super) fn remember_speaker(self, on: bool) {
        if let Some(storage) = remembered() {
            let _ = storage.set_item(SPEAKER_KEY, if on { "on" } else { "off" });
        }
    }

    /// Reads `text` aloud in the widget's language.
    pub(super) fn speak(self, text: &str) {
        let Some(voice) = synthesis() else {
            return;
        };
        let Ok(utterance) = web_sys::SpeechSynthesisUtterance::new_with_text(text) else {
            return;
        };
        let lang = self
            .host
            .with_value(|h| h.as_ref().and_then(|h| h.get_attribute("lang")));
        if let Some(lang) = lang {
            utterance.set_lang(&lang);
        }
        voice.speak(&utterance);
    }

    pub(super) fn hush(self) {
        if let Some(voice) = synthesis() {
            voice.cancel();
        }
    }
}
