//! Page commands in the demo iframe: what the visitor is told while they run and when one
//! fails (pure, below), and the two ways to the one executor (`executor.js`): [`dom`] for a
//! demo on the widget's origin, [`bridge`] for one on another origin.

pub mod bridge;
pub mod dom;

use docent_protocol::bridge::Failure;
use docent_protocol::PageCommand;

/// A name for the element a selector points at, in the visitor's words:
/// `[data-testid='pipeline-chart']` → "pipeline chart", `#deal-name` → "deal name".
pub fn friendly_target(selector: &str) -> String {
    let candidates = [
        selector.rsplit_once("data-testid=").map(|(_, rest)| rest),
        selector.rsplit_once('#').map(|(_, rest)| rest),
        selector.rsplit_once("name=").map(|(_, rest)| rest),
    ];
    let name = candidates.into_iter().flatten().next().map(|rest| {
        rest.trim_start_matches(['\'', '"'])
            .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
            .next()
            .unwrap_or("")
            .to_string()
    });
    let words = name
        .filter(|n| !n.is_empty())
        .map(|n| n.replace(['-', '_'], " "))
        .unwrap_or_else(|| "that part of the page".into());
    if words.starts_with("that ") {
        words
    } else {
        format!("the {words}")
    }
}

/// A page's name from its URL: `/crm/deals.html?x` → "deals".
pub fn page_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let stem = last.split('.').next().unwrap_or("");
    if stem.is_empty() || stem == "index" {
        "home".into()
    } else {
        stem.replace(['-', '_'], " ")
    }
}

/// What the visitor is told while a command runs.
/// (The target's name is read off the selector, in English: `#deal-name` is "the deal name".)
pub fn describe(command: &PageCommand) -> String {
    use crate::texts::{fill, T};
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
    let target = || friendly_target(selector);
    match (failure, command) {
        (Failure::BadSelector, _) => format!("`{selector}` is not a valid CSS selector"),
        (Failure::NoMatch, _) => format!("nothing on the demo page matches `{selector}`"),
        (Failure::NotClickable, _) => format!("{} cannot be clicked", target()),
        (Failure::NotTextField, _) => format!("{} is not a text field", target()),
        (Failure::NotDropdown, _) => format!("{} is not a dropdown", target()),
        (Failure::NoOption, PageCommand::Select { option, .. }) => {
            format!("{} has no option “{}”", target(), option.trim())
        }
        (Failure::Timeout, PageCommand::Wait { timeout_ms, .. }) => {
            // Tenths of a second in integers: formatting an f64 would bring core's float
            // printing into the wasm (~4.5 KB brotli) for this one sentence.
            let tenths = (timeout_ms + 50) / 100;
            format!(
                "{} did not appear within {}.{} s",
                target(),
                tenths / 10,
                tenths % 10
            )
        }
        (Failure::NoBody, _) => "the demo page has no body".into(),
        _ => "the demo page could not carry it out".into(),
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
}
