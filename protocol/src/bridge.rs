//! The page-command executor's contract, in one place: the failures it reports, and the
//! `postMessage` wire between the widget and Docent's bridge script in a demo on another
//! origin.
//!
//! One executor (`src/commands/executor.js`) runs `click`, `type`, `highlight`, `scroll`,
//! `wait` and `select`, both for a same-origin demo (the widget imports it and hands it the
//! iframe's window) and for a cross-origin one (the bridge imports it in the demo page). It
//! takes a command in its wire form ([`PageCommand::to_wire`], already checked) and answers
//! with nothing (done) or a [`Failure`] code; the widget turns that code into the sentence
//! the visitor reads, so both paths say the same words. `navigate` never reaches the executor:
//! the widget checks and sets the iframe's `src` itself, whatever the demo's origin.
//!
//! The wire: JSON text (not structured clones, so nothing but data crosses), version 1.
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

use crate::json::{self, object, Fields, Value};
use crate::{PageCommand, PageEvent};

/// The wire's version, the `docent` field of every message.
pub const VERSION: u8 = 1;

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

/// A message from the widget to the bridge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ToBridge<'a> {
    /// Run this command; answer with its `id`.
    Run { id: u32, command: &'a PageCommand },
    /// The visitor pressed Stop: end command `id` at its next step (if it still runs) and
    /// remove the highlight.
    Stop { id: u32 },
}

impl ToBridge<'_> {
    pub fn encode(&self) -> String {
        let (id, body) = match self {
            ToBridge::Run { id, command } => (id, ("command", command.to_json())),
            ToBridge::Stop { id } => (id, ("stop", Value::Bool(true))),
        };
        object([
            ("docent", Some(Value::uint(u64::from(VERSION)))),
            ("id", Some(Value::uint(u64::from(*id)))),
            (body.0, Some(body.1)),
        ])
        .to_json()
    }
}

/// A message from the bridge to the widget.
#[derive(Debug, Clone, PartialEq)]
pub enum FromBridge {
    /// Command `id` finished, or failed.
    Done {
        id: u32,
        outcome: Result<(), Failure>,
    },
    /// The visitor did something in the demo on their own.
    Activity(PageEvent),
}

impl FromBridge {
    /// Reads one message; anything that is not a bridge message of this version is `None`
    /// (so is one with a field of the wrong type: the bridge never sends one).
    pub fn decode(text: &str) -> Option<FromBridge> {
        let value = json::parse(text).ok()?;
        let f = Fields::of(&value).ok()?;
        if f.u64("docent").ok()? != u64::from(VERSION) {
            return None;
        }
        let id = match f.opt_u64("id").ok()? {
            Some(id) => Some(u32::try_from(id).ok()?),
            None => None,
        };
        let ok = f.opt_bool("ok").ok()?;
        let failure = f.opt_str("failure").ok()?;
        let activity = match f.opt_object("activity").ok()? {
            Some(a) => Some(PageEvent {
                event: a.str("event").ok()?,
                selector: a.opt_str("selector").ok()?,
                url: a.opt_str("url").ok()?,
                action: a.opt_str("action").ok()?,
                error: a.opt_str("error").ok()?,
            }),
            None => None,
        };
        match (id, activity) {
            (Some(id), _) => Some(FromBridge::Done {
                id,
                outcome: if ok == Some(true) {
                    Ok(())
                } else {
                    Err(failure
                        .as_deref()
                        .map_or(Failure::Other, Failure::from_code))
                },
            }),
            (None, Some(activity)) => Some(FromBridge::Activity(activity)),
            (None, None) => None,
        }
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

    #[test]
    fn commands_and_stops_are_written_as_documented() {
        let command = PageCommand::Click {
            selector: "#x".into(),
        };
        let run: serde_json::Value = serde_json::from_str(
            &ToBridge::Run {
                id: 7,
                command: &command,
            }
            .encode(),
        )
        .unwrap();
        assert_eq!(
            run,
            serde_json::json!({"docent": 1, "id": 7, "command": {"action": "click", "selector": "#x"}})
        );
        assert_eq!(
            ToBridge::Stop { id: 7 }.encode(),
            r#"{"docent":1,"id":7,"stop":true}"#
        );
    }

    #[test]
    fn answers_and_activity_are_read_and_anything_else_is_not() {
        assert_eq!(
            FromBridge::decode(r#"{"docent":1,"id":3,"ok":true}"#),
            Some(FromBridge::Done {
                id: 3,
                outcome: Ok(())
            })
        );
        assert_eq!(
            FromBridge::decode(r#"{"docent":1,"id":3,"ok":false,"failure":"timeout"}"#),
            Some(FromBridge::Done {
                id: 3,
                outcome: Err(Failure::Timeout)
            })
        );
        assert_eq!(
            FromBridge::decode(r#"{"docent":1,"id":3,"ok":false}"#),
            Some(FromBridge::Done {
                id: 3,
                outcome: Err(Failure::Other)
            })
        );
        assert_eq!(
            FromBridge::decode(r#"{"docent":1,"activity":{"event":"navigation","url":"/a"}}"#),
            Some(FromBridge::Activity(PageEvent {
                event: "navigation".into(),
                url: Some("/a".into()),
                ..PageEvent::default()
            }))
        );
        for other in [
            r#"{"docent":2,"id":3,"ok":true}"#,
            r#"{"docent":1}"#,
            r#"{"id":3,"ok":true}"#,
            r#"{"docent":1,"id":"3","ok":true}"#,
            r#"{"docent":1,"id":4294967296,"ok":true}"#,
            r#"{"docent":1,"id":3,"ok":"yes"}"#,
            r#"{"docent":1,"activity":{"url":"/a"}}"#,
            r#"{"docent":257,"id":3,"ok":true}"#,
            "not json",
            r#""a string""#,
        ] {
            assert_eq!(FromBridge::decode(other), None, "{other}");
        }
    }
}
