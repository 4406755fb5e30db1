//! The page-command executor's contract, in one place: the failures it reports, and the
//! `postMessage` wire between the widget and Docent's bridge script in a demo on another
//! origin.
//!
//! One executor (`src/commands/executor.js`) runs `click`, `type`, `highlight`, `scroll`,
//! `wait` and `select`, both for a same-origin demo (the widget's tour, `tour.js`, hands it
//! the iframe's window) and for a cross-origin one (the bridge imports it in the demo page).
//! It takes a command in its wire form ([`crate::PageCommand::to_json`], already checked) and
//! answers with nothing (done) or a [`Failure`] code; the widget turns that code into the
//! sentence the visitor reads, so both paths say the same words. `navigate` never reaches
//! the executor: the tour sets the iframe's `src` itself, whatever the demo's origin, where
//! the widget's rule ([`crate::command::check_navigation`]) lets it.
//!
//! Both ends of the wire are JS: the widget's `src/commands/tour.js` (commands, Stop,
//! answers) and `src/commands/demo.js` (activity), and `demo/crm/bridge.js`;
//! `tests/e2e/parity.test.mjs` runs the same fixtures through both ways. The wire: JSON text
//! (not structured clones, so nothing but data crosses), version 1.
//! ```text
//! widget -> bridge  {"docent":1,"id":7,"command":{"action":"click","selector":"#x"}}
//! widget -> bridge  {"docent":1,"id":7,"stop":true}           the visitor pressed Stop
//! bridge -> widget  {"docent":1,"id":7,"ok":true}
//! bridge -> widget  {"docent":1,"id":7,"ok":false,"failure":"no-match"}
//! bridge -> widget  {"docent":1,"activity":{"event":"click","selector":"#x","url":"/a"}}
//! ```
//! The widget posts only to the iframe's exact origin and reads only messages from that
//! origin and that iframe's window; the bridge obeys only its parent window on an origin
//! it was told to trust, and answers only that origin. A stopped command ends at its next
//! step and answers `ok`, and the highlight goes, as they do on the widget's own origin.

/// Why the executor could not carry out a command. The code (`"no-match"`) is what the
/// executor returns and the bridge sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// `querySelector` threw.
    BadSelector,
    /// Nothing matches the selector.
    NoMatch,
    /// `click` on an element that has no `click()` (an SVG shape, say).
    NotClickable,
    /// `type` into something that is neither an `input` nor a `textarea`.
    NotTextField,
    /// `select` on something that is not a `select`.
    NotDropdown,
    /// `select` named an option the dropdown does not have.
    NoOption,
    /// `wait` ran out of time.
    Timeout,
    /// `highlight` on a page without a body to draw in.
    NoBody,
    /// Anything else (an exception, an unknown code from a newer bridge).
    Other,
}

impl Failure {
    const CODES: [(&'static str, Failure); 8] = [
        ("bad-selector", Failure::BadSelector),
        ("no-match", Failure::NoMatch),
        ("not-clickable", Failure::NotClickable),
        ("not-text-field", Failure::NotTextField),
        ("not-dropdown", Failure::NotDropdown),
        ("no-option", Failure::NoOption),
        ("timeout", Failure::Timeout),
        ("no-body", Failure::NoBody),
    ];

    /// Reads an executor's code; codes this widget does not know are [`Failure::Other`].
    pub fn from_code(code: &str) -> Failure {
        Self::CODES
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(Failure::Other, |(_, f)| *f)
    }

    pub fn code(self) -> &'static str {
        Self::CODES
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("other", |(c, _)| c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_code_reads_back_and_unknown_ones_are_other() {
        for (code, failure) in Failure::CODES {
            assert_eq!(Failure::from_code(code), failure);
            assert_eq!(failure.code(), code);
        }
        assert_eq!(Failure::from_code("melted"), Failure::Other);
        assert_eq!(Failure::Other.code(), "other");
    }
}
