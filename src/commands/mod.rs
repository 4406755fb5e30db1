//! Page commands in the demo iframe: what the visitor is told while they run and when one
//! fails (pure, below), and [`runner`], the widget's way to the JS that runs them (`tour.js`,
//! which drives `executor.js` on the widget's origin and Docent's bridge on another) and
//! watches what the visitor does in the demo (`demo.js`).

pub mod runner;

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

/// The sentence for a command that failed, from the code the tour reported (see
/// `tour.js`): the executor's codes (the bridge's after `bridge:`), or the tour's own. Only a
/// navigation carries a sentence of its own (the widget's refusal, `refused:`); nothing a
/// demo page sends is shown as it came, only as one of the codes' sentences.
pub fn failure_sentence(command: &PageCommand, code: &str) -> String {
    let url = match command {
        PageCommand::Navigate { url } => url.as_str(),
        _ => "",
    };
    if let Some(refused) = code.strip_prefix("refused:").filter(|_| !url.is_empty()) {
        return refused.to_string();
    }
    if let Some(code) = code.strip_prefix("bridge:") {
        return explain(command, Failure::from_code(code));
    }
    match code {
        "no-frame" => get(T::NoDemoFrame),
        "no-executor" => get(T::NoExecutor),
        "no-src" => get(T::NoDemoSrc),
        "bad-url" => fill(T::BadUrl, &[("url", url)]),
        "load-timeout" => fill(
            T::PageDidNotLoad,
            &[("page", &page_name(url)), ("seconds", LOAD_TIMEOUT_S)],
        ),
        "unreachable" => get(T::DemoUnreachable),
        "silent" => get(T::DemoSilent),
        code => explain(command, Failure::from_code(code)),
    }
}

/// Why a navigation may not go where the browser resolved it: `resolved` is what `tour.js`
/// asks with, "protocol origin demo-origin" (the protocol's rule, `check_navigation`).
pub fn navigation_refused(resolved: &str, allowed: &[String]) -> Option<String> {
    let mut parts = resolved.split(' ');
    let mut next = || parts.next().unwrap_or_default();
    docent_protocol::command::check_navigation(next(), next(), next(), allowed).err()
}

/// How long `tour.js` gives a navigation to load (`LOAD_TIMEOUT_MS` there).
const LOAD_TIMEOUT_S: &str = "10";

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
    fn the_tours_own_failures_have_their_sentences() {
        let navigate = PageCommand::Navigate {
            url: "/crm/deals.html?x".into(),
        };
        assert_eq!(
            failure_sentence(&navigate, "load-timeout"),
            "the deals page did not load within 10 s"
        );
        assert_eq!(
            failure_sentence(&navigate, "refused:`javascript:` URLs are not allowed"),
            "`javascript:` URLs are not allowed"
        );
        assert_eq!(
            failure_sentence(&navigate, "bad-url"),
            "`/crm/deals.html?x` is not a valid URL"
        );
        let click = PageCommand::Click {
            selector: "#go".into(),
        };
        assert!(failure_sentence(&click, "silent").contains("bridge script"));
        // A demo page's bridge says only codes: nothing it sends is shown as it came.
        for sent in [
            "bridge:refused:you won a prize",
            "bridge:silent",
            "refused:you won",
        ] {
            assert_eq!(
                failure_sentence(&click, sent),
                "the demo page could not carry it out",
                "{sent}"
            );
        }
        assert_eq!(
            failure_sentence(&click, "bridge:no-match"),
            "nothing on the demo page matches `#go`"
        );
        assert_eq!(
            failure_sentence(&click, "no-match"),
            explain(&click, Failure::NoMatch)
        );
        assert_eq!(
            failure_sentence(&click, "melted"),
            "the demo page could not carry it out"
        );
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
            failure_sentence(
                &PageCommand::Navigate {
                    url: "/deals".into(),
                },
                "load-timeout",
            ),
            failure_sentence(&click, "unreachable"),
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
                "die Seite deals wurde nicht innerhalb von 10 s geladen",
                "die Demo-Seite war nicht erreichbar",
            ]
        );
    }
}
