//! Page commands: what an agent asks the widget to do inside the demo iframe, checked
//! before anything runs. Everything that can be decided without a browser is decided here:
//! the URL scheme policy, selector sanity, and bounds on text and waits.

use crate::json::Value;
use std::fmt;

/// A selector longer than this is not a real selector.
pub const MAX_SELECTOR_CHARS: usize = 1_000;
/// `type` text longer than this is cut off (a person does not type a novel into a demo).
pub const MAX_TYPE_CHARS: usize = 10_000;
/// Waits are bounded so a command can never hang the tour.
pub const MAX_WAIT_MS: u32 = 30_000;
pub const DEFAULT_WAIT_MS: u32 = 5_000;
/// More commands than this in one reply are refused: no real tour needs them.
pub const MAX_COMMANDS_PER_REPLY: usize = 50;

/// One validated page command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageCommand {
    Navigate { url: String },
    Click { selector: String },
    Type { selector: String, text: String },
    Highlight { selector: String },
    Scroll { selector: String },
    Wait { selector: String, timeout_ms: u32 },
    Select { selector: String, option: String },
}

/// Why a page command was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandError {
    /// The action the agent named, if it named one.
    pub action: Option<String>,
    pub reason: String,
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.action {
            Some(action) => write!(f, "`{action}` command refused: {}", self.reason),
            None => write!(f, "command refused: {}", self.reason),
        }
    }
}

impl PageCommand {
    /// The action's wire name.
    pub fn action(&self) -> &'static str {
        match self {
            PageCommand::Navigate { .. } => "navigate",
            PageCommand::Click { .. } => "click",
            PageCommand::Type { .. } => "type",
            PageCommand::Highlight { .. } => "highlight",
            PageCommand::Scroll { .. } => "scroll",
            PageCommand::Wait { .. } => "wait",
            PageCommand::Select { .. } => "select",
        }
    }

    /// The element the command acts on, if it has one.
    pub fn selector(&self) -> Option<&str> {
        match self {
            PageCommand::Navigate { .. } => None,
            PageCommand::Click { selector }
            | PageCommand::Type { selector, .. }
            | PageCommand::Highlight { selector }
            | PageCommand::Scroll { selector }
            | PageCommand::Wait { selector, .. }
            | PageCommand::Select { selector, .. } => Some(selector),
        }
    }

    /// Reads and checks one command given as a serde value (the reference server's side).
    pub fn from_wire(raw: &serde_json::Value) -> Result<PageCommand, CommandError> {
        PageCommand::from_json(&crate::json::from_serde(raw))
    }

    /// Reads and checks one command object such as `{"action":"navigate","url":"/dashboard"}`.
    pub fn from_json(raw: &Value) -> Result<PageCommand, CommandError> {
        if raw.as_object().is_none() {
            return Err(CommandError {
                action: None,
                reason: "a command must be a JSON object".into(),
            });
        }
        let object = raw;
        let action = object
            .get("action")
            .and_then(Value::as_str)
            .ok_or_else(|| CommandError {
                action: None,
                reason: "the command has no `action`".into(),
            })?;
        let fail = |reason: String| CommandError {
            action: Some(action.to_string()),
            reason,
        };
        let text_field = |name: &str| -> Result<String, CommandError> {
            match object.get(name) {
                Some(Value::String(s)) => Ok(s.clone()),
                // A number's text as the agent wrote it (`5` for a selector `5`).
                Some(Value::Number(n)) => Ok(n.clone()),
                Some(_) => Err(fail(format!("`{name}` must be a string"))),
                None => Err(fail(format!("`{name}` is missing"))),
            }
        };
        let selector = || -> Result<String, CommandError> {
            let selector = text_field("selector")?;
            check_selector(&selector).map_err(fail)?;
            Ok(selector)
        };
        match action {
            "navigate" => {
                let url = text_field("url")?;
                check_url_scheme(&url).map_err(fail)?;
                Ok(PageCommand::Navigate { url })
            }
            "click" => Ok(PageCommand::Click {
                selector: selector()?,
            }),
            "type" => {
                let selector = selector()?;
                let text = text_field("text").or_else(|_| text_field("value"))?;
                Ok(PageCommand::Type {
                    selector,
                    text: truncate_chars(text, MAX_TYPE_CHARS),
                })
            }
            "highlight" => Ok(PageCommand::Highlight {
                selector: selector()?,
            }),
            "scroll" => Ok(PageCommand::Scroll {
                selector: selector()?,
            }),
            "wait" => {
                let selector = selector()?;
                let timeout_ms = match object.get("timeout").or_else(|| object.get("timeoutMs")) {
                    None => DEFAULT_WAIT_MS,
                    Some(v) => match v.as_capped_u32(MAX_WAIT_MS) {
                        Some(ms) => ms,
                        None => {
                            return Err(fail("`timeout` must be a number of milliseconds".into()))
                        }
                    },
                };
                Ok(PageCommand::Wait {
                    selector,
                    timeout_ms,
                })
            }
            "select" => {
                let selector = selector()?;
                let option = text_field("value")
                    .or_else(|_| text_field("option"))
                    .or_else(|_| text_field("label"))?;
                Ok(PageCommand::Select { selector, option })
            }
            other => Err(CommandError {
                action: Some(other.chars().take(40).collect()),
                reason: "unknown action".into(),
            }),
        }
    }

    /// The command in its wire form, as the widget writes it (to the executor, the bridge).
    pub fn to_json(&self) -> Value {
        fn field<'a>(name: &'a str, value: &str) -> (&'a str, Option<Value>) {
            (name, Some(Value::str(value)))
        }
        let action = field("action", self.action());
        match self {
            PageCommand::Navigate { url } => crate::json::object([action, field("url", url)]),
            PageCommand::Type { selector, text } => {
                crate::json::object([action, field("selector", selector), field("text", text)])
            }
            PageCommand::Wait {
                selector,
                timeout_ms,
            } => crate::json::object([
                action,
                field("selector", selector),
                ("timeout", Some(Value::uint(u64::from(*timeout_ms)))),
            ]),
            PageCommand::Select { selector, option } => {
                crate::json::object([action, field("selector", selector), field("value", option)])
            }
            PageCommand::Click { selector }
            | PageCommand::Highlight { selector }
            | PageCommand::Scroll { selector } => {
                crate::json::object([action, field("selector", selector)])
            }
        }
    }

    /// The command in its wire form as a serde value (for the reference server).
    pub fn to_wire(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            PageCommand::Navigate { url } => json!({"action": "navigate", "url": url}),
            PageCommand::Click { selector } => json!({"action": "click", "selector": selector}),
            PageCommand::Type { selector, text } => {
                json!({"action": "type", "selector": selector, "text": text})
            }
            PageCommand::Highlight { selector } => {
                json!({"action": "highlight", "selector": selector})
            }
            PageCommand::Scroll { selector } => json!({"action": "scroll", "selector": selector}),
            PageCommand::Wait {
                selector,
                timeout_ms,
            } => json!({"action": "wait", "selector": selector, "timeout": timeout_ms}),
            PageCommand::Select { selector, option } => {
                json!({"action": "select", "selector": selector, "value": option})
            }
        }
    }
}

/// [`commands_from_json`] for serde values (codecs not yet moved off serde).
pub fn commands_from_wire(raw: &[serde_json::Value]) -> Vec<Result<PageCommand, CommandError>> {
    let raw: Vec<Value> = raw.iter().map(crate::json::from_serde).collect();
    commands_from_json(&raw)
}

/// Reads a reply's command list, keeping each command's place; past
/// [`MAX_COMMANDS_PER_REPLY`] one error stands for all the refused rest.
pub fn commands_from_json(raw: &[Value]) -> Vec<Result<PageCommand, CommandError>> {
    let mut commands: Vec<_> = raw
        .iter()
        .take(MAX_COMMANDS_PER_REPLY)
        .map(PageCommand::from_json)
        .collect();
    if raw.len() > MAX_COMMANDS_PER_REPLY {
        commands.push(Err(CommandError {
            action: None,
            reason: format!(
                "{} more commands were refused: at most {MAX_COMMANDS_PER_REPLY} run per reply",
                raw.len() - MAX_COMMANDS_PER_REPLY
            ),
        }));
    }
    commands
}

/// Refuses URL schemes that could run code or leave the web (`javascript:`, `data:`, …).
/// Relative URLs and http(s) pass here; whether the origin is allowed is decided where the
/// demo's origin is known.
pub fn check_url_scheme(url: &str) -> Result<(), String> {
    // Browsers ignore leading/trailing whitespace and control characters and tabs/newlines
    // inside a scheme, so `java\tscript:` must be read as `javascript:`.
    let cleaned: String = url
        .trim_matches(|c: char| c.is_whitespace() || c.is_control())
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    if cleaned.is_empty() {
        return Err("the URL is empty".into());
    }
    if let Some((scheme, _)) = cleaned.split_once(':') {
        let looks_like_scheme = !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        let before_path = !scheme.contains(['/', '?', '#']);
        if looks_like_scheme && before_path {
            let scheme = scheme.to_ascii_lowercase();
            if scheme != "http" && scheme != "https" {
                return Err(format!("`{scheme}:` URLs are not allowed"));
            }
        }
    }
    Ok(())
}

/// Cheap sanity checks a selector must pass before it reaches `querySelector`: not empty,
/// bounded, balanced brackets and quotes. The browser has the final word.
pub fn check_selector(selector: &str) -> Result<(), String> {
    if selector.trim().is_empty() {
        return Err("the selector is empty".into());
    }
    if selector.chars().count() > MAX_SELECTOR_CHARS {
        return Err(format!(
            "the selector is longer than {MAX_SELECTOR_CHARS} characters"
        ));
    }
    let mut stack = Vec::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in selector.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match (quote, c) {
            (_, '\\') => escaped = true,
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[') => stack.push(c),
            (None, ')') if stack.pop() != Some('(') => {
                return Err(format!("`{selector}` has an unbalanced `)`"));
            }
            (None, ']') if stack.pop() != Some('[') => {
                return Err(format!("`{selector}` has an unbalanced `]`"));
            }
            _ => {}
        }
    }
    if quote.is_some() || !stack.is_empty() {
        return Err(format!("`{selector}` is not closed"));
    }
    Ok(())
}

fn truncate_chars(mut text: String, max: usize) -> String {
    if let Some((cut, _)) = text.char_indices().nth(max) {
        text.truncate(cut);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_seed_commands_are_accepted() {
        assert_eq!(
            PageCommand::from_wire(&json!({"action": "navigate", "url": "/dashboard"})),
            Ok(PageCommand::Navigate {
                url: "/dashboard".into()
            })
        );
        assert_eq!(
            PageCommand::from_wire(
                &json!({"action": "highlight", "selector": "[data-testid='pipeline-chart']"})
            ),
            Ok(PageCommand::Highlight {
                selector: "[data-testid='pipeline-chart']".into()
            })
        );
    }

    #[test]
    fn code_running_urls_are_refused_however_they_are_spelled() {
        for url in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " javascript:alert(1)",
            "java\tscript:alert(1)",
            "\u{1}javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox",
            "file:///etc/passwd",
        ] {
            let result = PageCommand::from_wire(&json!({"action": "navigate", "url": url}));
            assert!(result.is_err(), "{url:?} was accepted");
        }
        for url in [
            "/dashboard",
            "deals.html?x=a:b",
            "https://demo.example/x",
            "HTTP://a",
        ] {
            assert!(check_url_scheme(url).is_ok(), "{url:?} was refused");
        }
    }

    #[test]
    fn broken_selectors_are_refused_with_a_reason() {
        for selector in [")(", "", "   ", "[data-x='a'", "a[b", "'unclosed"] {
            let err = PageCommand::from_wire(&json!({"action": "click", "selector": selector}))
                .unwrap_err();
            assert_eq!(err.action.as_deref(), Some("click"));
            assert!(!err.reason.is_empty());
        }
        let long = "a".repeat(MAX_SELECTOR_CHARS + 1);
        assert!(check_selector(&long).is_err());
        assert!(check_selector("a[title=')']").is_ok());
        assert!(check_selector(r"#a\)").is_ok());
    }

    #[test]
    fn typed_text_and_waits_are_bounded() {
        let huge = "x".repeat(MAX_TYPE_CHARS * 3);
        let Ok(PageCommand::Type { text, .. }) =
            PageCommand::from_wire(&json!({"action": "type", "selector": "#a", "text": huge}))
        else {
            panic!("type refused");
        };
        assert_eq!(text.chars().count(), MAX_TYPE_CHARS);
        let wait =
            PageCommand::from_wire(&json!({"action": "wait", "selector": "#a", "timeout": 1e12}));
        assert_eq!(
            wait,
            Ok(PageCommand::Wait {
                selector: "#a".into(),
                timeout_ms: MAX_WAIT_MS
            })
        );
        assert!(PageCommand::from_wire(
            &json!({"action": "wait", "selector": "#a", "timeout": -1})
        )
        .is_err());
    }

    #[test]
    fn malformed_commands_name_what_is_wrong() {
        assert!(PageCommand::from_wire(&json!("click")).is_err());
        assert!(PageCommand::from_wire(&json!({"selector": "#a"})).is_err());
        assert_eq!(
            PageCommand::from_wire(&json!({"action": "explode"}))
                .unwrap_err()
                .reason,
            "unknown action"
        );
        assert!(PageCommand::from_wire(&json!({"action": "click", "selector": 5})).is_ok());
        assert!(PageCommand::from_wire(&json!({"action": "click", "selector": [1]})).is_err());
    }

    #[test]
    fn a_flood_of_commands_is_bounded_and_said_so() {
        let raw: Vec<serde_json::Value> = (0..10_000)
            .map(|_| json!({"action": "click", "selector": "#a"}))
            .collect();
        let commands = commands_from_wire(&raw);
        assert_eq!(commands.len(), MAX_COMMANDS_PER_REPLY + 1);
        let last = commands.last().unwrap().as_ref().unwrap_err();
        assert!(
            last.reason.contains("9950 more commands"),
            "{}",
            last.reason
        );
    }

    #[test]
    fn every_command_round_trips_through_its_wire_form() {
        let all = [
            PageCommand::Navigate { url: "/a".into() },
            PageCommand::Click {
                selector: "#a".into(),
            },
            PageCommand::Type {
                selector: "#a".into(),
                text: "hi".into(),
            },
            PageCommand::Highlight {
                selector: "#a".into(),
            },
            PageCommand::Scroll {
                selector: "#a".into(),
            },
            PageCommand::Wait {
                selector: "#a".into(),
                timeout_ms: 100,
            },
            PageCommand::Select {
                selector: "#a".into(),
                option: "Won".into(),
            },
        ];
        for command in all {
            // The widget's writer and the server's serde form say the same.
            let text = command.to_json().to_json();
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(&text).unwrap(),
                command.to_wire()
            );
            assert_eq!(
                PageCommand::from_wire(&command.to_wire()),
                Ok(command.clone())
            );
            assert_eq!(PageCommand::from_json(&command.to_json()), Ok(command));
        }
    }

    #[test]
    fn waits_read_any_number_spelling_rounded_down() {
        let wait = |timeout: &str| {
            let raw = crate::json::parse(&format!(
                r##"{{"action":"wait","selector":"#a","timeout":{timeout}}}"##
            ))
            .unwrap();
            match PageCommand::from_json(&raw) {
                Ok(PageCommand::Wait { timeout_ms, .. }) => Ok(timeout_ms),
                Ok(other) => panic!("{other:?}"),
                Err(e) => Err(e.reason),
            }
        };
        assert_eq!(wait("1500"), Ok(1500));
        assert_eq!(wait("1500.7"), Ok(1500));
        assert_eq!(wait("2.5e3"), Ok(2500));
        assert_eq!(wait("0"), Ok(0));
        assert_eq!(wait("1e400"), Ok(MAX_WAIT_MS));
        assert!(wait("-3").is_err());
        assert!(wait("\"3\"").is_err());
    }
}

/// Whether `navigate` may take the demo iframe to a URL, given the URL's resolved scheme
/// (`"https:"`) and origin (`"https://demo.example"`): only http(s), only the demo's own
/// origin or an origin the host page allowed. The browser resolves the URL (so relative,
/// protocol-relative and backslash tricks are judged by where they really lead).
pub fn check_navigation(
    protocol: &str,
    origin: &str,
    demo_origin: &str,
    allowed_origins: &[String],
) -> Result<(), String> {
    if protocol != "http:" && protocol != "https:" {
        return Err(format!("`{protocol}` URLs are not allowed"));
    }
    let same = |a: &str, b: &str| {
        a.trim_end_matches('/')
            .eq_ignore_ascii_case(b.trim_end_matches('/'))
    };
    if same(origin, demo_origin) || allowed_origins.iter().any(|o| same(origin, o)) {
        Ok(())
    } else {
        Err(format!(
            "{origin} is not the demo's origin ({demo_origin}) nor an allowed one"
        ))
    }
}

#[cfg(test)]
mod navigation_tests {
    use super::check_navigation;

    #[test]
    fn only_the_demo_origin_or_an_allowed_one_over_http_is_reachable() {
        let demo = "http://127.0.0.1:8080";
        let allowed = vec!["https://docs.pipewise.test".to_string()];
        assert!(check_navigation("http:", "http://127.0.0.1:8080", demo, &allowed).is_ok());
        assert!(check_navigation("https:", "https://docs.pipewise.test", demo, &allowed).is_ok());
        assert!(check_navigation("https:", "HTTPS://DOCS.PIPEWISE.TEST/", demo, &allowed).is_ok());
        let refused = check_navigation("https:", "https://evil.test", demo, &allowed).unwrap_err();
        assert!(refused.contains("evil.test"));
        assert!(check_navigation("http:", "http://127.0.0.1:9999", demo, &allowed).is_err());
        assert!(check_navigation("javascript:", "null", demo, &allowed).is_err());
        assert!(check_navigation("data:", "null", demo, &allowed).is_err());
    }
}
