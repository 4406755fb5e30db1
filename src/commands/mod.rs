//! Page commands in the demo iframe: what the visitor is told while they run and when one
//! fails (pure, below), and the two ways to the one executor (`executor.js`): [`dom`] for a
//! demo on the widget's origin, [`bridge`] for one on another origin.

pub mod bridge;
pub mod dom;

use crate::texts::{fill, get, T};
use docent_protocol::bridge::Failure;
use docent_protocol::PageCommand;

/// A name for the element a selector points at, from the selector's own words (the site's,
/// so not translated) in the visitor's language's frame: `[data-testid='pipeline-chart']` →
/// "the pipeline chart", `#deal-name` → "the deal name".
pub fn friendly_target(selector: &str) -> String {
    let candidates = [
        after_last(selector, "data-testid="),
        selector.rsplit_once('#').map(|(_, rest)| rest),
        after_last(selector, "name="),
    ];
    let name = candidates.into_iter().flatten().next().map(|rest| {
        rest.trim_start_matches(['\'', '"'])
            .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
            .next()
            .unwrap_or("")
    });
    match name.filter(|n| !n.is_empty()) {
        Some(name) => fill(T::TheTarget, &[("name", &name.replace(['-', '_'], " "))]),
        None => get(T::ThatPart),
    }
}

/// What follows the last `marker` in `text`. (By hand: `rsplit_once` with a text pattern
/// brings in core's two-way string search, about 1 KB of wasm, for these two calls.)
fn after_last<'a>(text: &'a str, marker: &str) -> Option<&'a str> {
    let start = (0..=text.len().checked_sub(marker.len())?)
        .rev()
        .find(|&i| text.as_bytes()[i..].starts_with(marker.as_bytes()))?;
    text.get(start + marker.len()..)
}

/// A page's name from its URL: `/crm/deals.html?x` → "deals".
pub fn page_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let stem = last.split('.').next().unwrap_or("");
    if stem.is_empty() || stem == "index" {
        get(T::HomePage)
    } else {
        stem.replace(['-', '_'], " ")
    }
}

/// What the visitor is told while a command runs.
pub fn describe(command: &PageCommand) -> String {
    let on = |t: T, selector: &str| fill(t, &[("target", &friendly_target(selector))]);
    match command {
        PageCommand::Navigate { url } => fill(T::Opening, &[("page", &page_name(url))]),
        PageCommand::Click { selector } => on(T::Clicking, selector),
        PageCommand::Type { selector, .. } => on(T::TypingInto, selector),
        PageCommand::Highlight { selector } => on(T::Showing, selector),
        PageCommand::Scroll { selector } => on(T::ScrollingTo, selector),
        PageCommand::Wait { selector, .. } => on(T::WaitingFor, selector),
        PageCommand::Select { selector, option } => fill(
            T::Choosing,
            &[("option", option), ("target", &friendly_target(selector))],
        ),
    }
}

/// The sentence for a command the executor could not carry out. Made here, from the
/// executor's failure code, so both ways to it (same-origin and bridge) say the same words.
pub fn explain(command: &PageCommand, failure: Failure) -> String {
    let selector = command.selector().unwrap_or_default();
    let target = friendly_target(selector);
    let about = |t: T| fill(t, &[("selector", selector), ("target", &target)]);
    match (failure, command) {
        (Failure::BadSelector, _) => about(T::NotASelector),
        (Failure::NoMatch, _) => about(T::NothingMatches),
        (Failure::NotClickable, _) => about(T::CannotBeClicked),
        (Failure::NotTextField, _) => about(T::NotATextField),
        (Failure::NotDropdown, _) => about(T::NotADropdown),
        (Failure::NoOption, PageCommand::Select { option, .. }) => fill(
            T::HasNoOption,
            &[("target", &target), ("option", option.trim())],
        ),
        (Failure::Timeout, PageCommand::Wait { timeout_ms, .. }) => {
            // Tenths of a second in integers: formatting an f64 would bring core's float
            // printing into the wasm (~4.5 KB brotli) for this one sentence.
            let tenths = (timeout_ms + 50) / 100;
            let seconds = format!("{}.{}", tenths / 10, tenths % 10);
            fill(
                T::DidNotAppear,
                &[("target", &target), ("seconds", &seconds)],
            )
        }
        (Failure::NoBody, _) => get(T::NoPageBody),
        _ => get(T::CouldNotCarryOut),
    }
}

/// The most stable selector for a clicked element, from what it and its ancestors carry
/// (nearest first): a `data-testid`, else an `id`, else the element's tag.
pub fn stable_selector(chain: &[(String, Option<String>, Option<String>)]) -> Option<String> {
    for (_, testid, id) in chain {
        if let Some(testid) = testid.as_deref().filter(|t| !t.is_empty()) {
            return Some(format!("[data-testid='{}']", testid.replace('\'', "\\'")));
        }
        if let Some(id) = id.as_deref().filter(|i| is_plain_ident(i)) {
            return Some(format!("#{id}"));
        }
    }
    chain.first().map(|(tag, _, _)| tag.to_ascii_lowercase())
}

fn is_plain_ident(id: &str) -> bool {
    id.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_pages_are_named_in_plain_words() {
        assert_eq!(
            friendly_target("[data-testid='pipeline-chart']"),
            "the pipeline chart"
        );
        assert_eq!(friendly_target("#deal-name"), "the deal name");
        assert_eq!(friendly_target("form input[name=email]"), "the email");
        assert_eq!(friendly_target("div > span"), "that part of the page");
        assert_eq!(page_name("/crm/deals.html"), "deals");
        assert_eq!(page_name("/crm/"), "crm");
        assert_eq!(page_name("index.html?x=1"), "home");
    }

    #[test]
    fn after_last_finds_the_last_marker_as_rsplit_once_did() {
        for (text, marker) in [
            ("a[name=x] b[name=y]", "name="),
            ("name=", "name="),
            ("[data-testid='é'] x", "data-testid="),
            ("no marker", "name="),
            ("nam", "name="),
            ("", "name="),
        ] {
            assert_eq!(
                after_last(text, marker),
                text.rsplit_once(marker).map(|(_, rest)| rest),
                "{text}"
            );
        }
    }

    #[test]
    fn every_action_is_described() {
        let select = PageCommand::Select {
            selector: "#deal-stage".into(),
            option: "proposal".into(),
        };
        assert_eq!(describe(&select), "Choosing “proposal” in the deal stage…");
        assert_eq!(
            describe(&PageCommand::Navigate {
                url: "/crm/dashboard.html".into()
            }),
            "Opening the dashboard page…"
        );
        assert_eq!(
            describe(&PageCommand::Highlight {
                selector: "[data-testid='pipeline-chart']".into()
            }),
            "Showing you the pipeline chart…"
        );
    }

    #[test]
    fn failures_are_told_in_the_words_of_the_command() {
        let select = PageCommand::Select {
            selector: "#deal-stage".into(),
            option: " lost ".into(),
        };
        assert_eq!(
            explain(&select, Failure::NoOption),
            "the deal stage has no option “lost”"
        );
        let wait = PageCommand::Wait {
            selector: "#never".into(),
            timeout_ms: 300,
        };
        assert_eq!(
            explain(&wait, Failure::Timeout),
            "the never did not appear within 0.3 s"
        );
        for (ms, seconds) in [
            (30_000, "30.0"),
            (1_249, "1.2"),
            (1_250, "1.3"),
            (40, "0.0"),
        ] {
            let wait = PageCommand::Wait {
                selector: "#never".into(),
                timeout_ms: ms,
            };
            let said = explain(&wait, Failure::Timeout);
            assert!(said.ends_with(&format!(" {seconds} s")), "{said}");
        }
        let click = PageCommand::Click {
            selector: ")(".into(),
        };
        assert_eq!(
            explain(&click, Failure::BadSelector),
            "`)(` is not a valid CSS selector"
        );
        assert_eq!(
            explain(&click, Failure::NoMatch),
            "nothing on the demo page matches `)(`"
        );
        assert_eq!(
            explain(&click, Failure::Other),
            "the demo page could not carry it out"
        );
    }

    #[test]
    fn clicked_elements_get_the_most_stable_selector_of_their_chain() {
        let chain = |items: &[(&str, Option<&str>, Option<&str>)]| -> Vec<_> {
            items
                .iter()
                .map(|(t, d, i)| (t.to_string(), d.map(String::from), i.map(String::from)))
                .collect()
        };
        assert_eq!(
            stable_selector(&chain(&[
                ("SPAN", None, None),
                ("TD", None, Some("9bad id")),
                ("TABLE", Some("deal-list"), Some("deals"))
            ])),
            Some("[data-testid='deal-list']".into())
        );
        assert_eq!(
            stable_selector(&chain(&[("BUTTON", None, Some("deal-submit"))])),
            Some("#deal-submit".into())
        );
        assert_eq!(
            stable_selector(&chain(&[("A", None, None), ("NAV", None, None)])),
            Some("a".into())
        );
        assert_eq!(stable_selector(&[]), None);
    }

    #[test]
    fn steps_and_failures_are_told_in_the_visitors_language() {
        let german: Vec<(String, String)> = serde_json::from_str::<
            std::collections::BTreeMap<String, String>,
        >(include_str!("../../locales/de.json"))
        .unwrap()
        .into_iter()
        .collect();
        for (name, words) in &german {
            assert!(crate::texts::set(name, words), "{name}");
        }
        let click = PageCommand::Click {
            selector: "#deal-name".into(),
        };
        let chart = PageCommand::Highlight {
            selector: "div > span".into(),
        };
        let wait = PageCommand::Wait {
            selector: "#never".into(),
            timeout_ms: 300,
        };
        let told = [
            describe(&click),
            describe(&chart),
            explain(&click, Failure::NotClickable),
            explain(&wait, Failure::Timeout),
            explain(&click, Failure::NoBody),
            page_name("/"),
        ];
        crate::texts::reset();
        assert_eq!(
            told,
            [
                "Klick auf „deal name“…",
                "Ich zeige Ihnen diesen Teil der Seite…",
                "„deal name“ lässt sich nicht anklicken",
                "„never“ ist nicht innerhalb von 0.3 s erschienen",
                "die Demo-Seite hat keinen Inhalt",
                "Start",
            ]
        );
    }
}
