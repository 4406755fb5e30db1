//! The scripted demo agent: a JSON file of phrases and the replies they get
//! (`demo/agent.json`). Matching is deliberately simple and predictable, so tests and
//! demos behave the same every time.

use docent_protocol::{Greeting, LeadField, LeadForm, Reply};
use serde::Deserialize;
use serde_json::Value;

/// The script the reference server ships with.
pub const BUILT_IN_SCRIPT: &str = include_str!("../../demo/agent.json");

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Script {
    /// The product this agent demonstrates; `POST /api/v1/session` accepts it or `default`.
    pub product_id: String,
    pub agent: ScriptAgent,
    pub greeting: Greeting,
    pub intents: Vec<Intent>,
    /// How the agent reacts to what the visitor does in the demo on their own.
    #[serde(default)]
    pub page_events: Vec<PageReaction>,
    pub fallback: ScriptReply,
}

/// A reply to a visitor's own action in the demo (`iframe_event`), given once per session.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageReaction {
    /// `click` or `navigation`.
    pub event: String,
    /// Matches when the event's URL contains this.
    #[serde(default)]
    pub url_contains: Option<String>,
    /// Matches when the event's selector contains this.
    #[serde(default)]
    pub selector_contains: Option<String>,
    pub reply: ScriptReply,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ScriptAgent {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub tone: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Intent {
    pub name: String,
    pub phrases: Vec<String>,
    pub reply: ScriptReply,
    /// Shown after the reply when present.
    #[serde(default)]
    pub lead_form: Option<ScriptLeadForm>,
}

/// A reply as the script file spells it (the same keys as seed 002's `agent_response`, so
/// the file reads like the frames it stands for); [`ScriptReply::reply`] makes it neutral.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScriptReply {
    pub text: String,
    #[serde(default)]
    pub speech: Option<String>,
    #[serde(default)]
    pub iframe_commands: Vec<Value>,
    #[serde(default)]
    pub suggestions: Vec<String>,
    #[serde(default)]
    pub agent_id: Option<String>,
}

impl ScriptReply {
    pub fn reply(&self) -> Reply {
        Reply {
            text: self.text.clone(),
            speech: self.speech.clone(),
            commands: self.iframe_commands.clone(),
            suggestions: self.suggestions.clone(),
            agent_id: self.agent_id.clone(),
            reply_to: None,
        }
    }
}

/// A lead form as the script file spells it: `{fields: [..], cta: {text, url?}}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ScriptLeadForm {
    pub fields: Vec<String>,
    #[serde(default)]
    pub cta: Option<ScriptCta>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ScriptCta {
    pub text: String,
    #[serde(default)]
    pub url: Option<String>,
}

impl ScriptLeadForm {
    pub fn form(&self) -> LeadForm {
        LeadForm {
            fields: self
                .fields
                .iter()
                .map(|f| LeadField::from_name(f))
                .collect(),
            cta_text: self.cta.as_ref().map(|cta| cta.text.clone()),
            cta_url: self.cta.as_ref().and_then(|cta| cta.url.clone()),
        }
    }
}

/// What the agent answers to one visitor message.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    pub intent: Option<String>,
    pub reply: Reply,
    pub lead_form: Option<LeadForm>,
}

impl Script {
    pub fn parse(json: &str) -> Result<Script, String> {
        let script: Script =
            serde_json::from_str(json).map_err(|e| format!("the agent script is invalid: {e}"))?;
        if let Some(intent) = script.intents.iter().find(|i| i.phrases.is_empty()) {
            return Err(format!("intent `{}` has no phrases", intent.name));
        }
        Ok(script)
    }

    pub fn accepts_product(&self, product_id: &str) -> bool {
        product_id == "default" || product_id == self.product_id
    }

    /// The first reaction (by index) matching an event from the demo iframe.
    pub fn react(&self, event: &str, url: Option<&str>, selector: Option<&str>) -> Option<usize> {
        let contains = |needle: &Option<String>, hay: Option<&str>| match needle {
            None => true,
            Some(n) => hay.is_some_and(|h| h.contains(n.as_str())),
        };
        self.page_events.iter().position(|r| {
            r.event == event
                && contains(&r.url_contains, url)
                && contains(&r.selector_contains, selector)
        })
    }

    /// The best reply: the intent with the longest phrase found in the message as whole
    /// words; the fallback when none matches.
    pub fn answer(&self, text: &str) -> Turn {
        let said = format!(" {} ", normalize(text));
        let best = self
            .intents
            .iter()
            .filter_map(|intent| {
                intent
                    .phrases
                    .iter()
                    .map(|p| normalize(p))
                    .filter(|p| !p.is_empty() && said.contains(&format!(" {p} ")))
                    .map(|p| p.len())
                    .max()
                    .map(|score| (score, intent))
            })
            // Ties go to the intent listed first.
            .fold(
                None::<(usize, &Intent)>,
                |best, (score, intent)| match best {
                    Some((top, _)) if top >= score => best,
                    _ => Some((score, intent)),
                },
            );
        match best {
            Some((_, intent)) => Turn {
                intent: Some(intent.name.clone()),
                reply: intent.reply.reply(),
                lead_form: intent.lead_form.as_ref().map(ScriptLeadForm::form),
            },
            None => {
                // `{text}` in the fallback repeats what the visitor said (an echo agent for tests).
                let mut reply = self.fallback.reply();
                let said: String = text.trim().chars().take(200).collect();
                reply.text = reply.text.replace("{text}", &said);
                Turn {
                    intent: None,
                    reply,
                    lead_form: None,
                }
            }
        }
    }
}

/// Lower case, letters and digits only, single spaces.
fn normalize(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script() -> Script {
        Script::parse(BUILT_IN_SCRIPT).expect("the built-in script parses")
    }

    #[test]
    fn the_seed_phrases_each_get_their_own_reply() {
        let script = script();
        for (phrase, intent) in [
            ("Show me the dashboard", "dashboard"),
            ("Create a deal", "create-deal"),
            ("Show contacts", "contacts"),
            ("Tell me about pricing", "pricing"),
        ] {
            assert_eq!(
                script.answer(phrase).intent.as_deref(),
                Some(intent),
                "{phrase}"
            );
        }
    }

    #[test]
    fn matching_ignores_case_and_punctuation_and_prefers_longer_phrases() {
        let script = script();
        assert_eq!(
            script.answer("  CREATE a DEAL, please!").intent.as_deref(),
            Some("create-deal")
        );
        // "start a free trial" beats the shorter "trial" of the pricing intent.
        assert_eq!(
            script
                .answer("I want to start a free trial")
                .intent
                .as_deref(),
            Some("trial")
        );
        // Whole words only: "dealership" is not "deal".
        assert_eq!(script.answer("dealership").intent, None);
    }

    #[test]
    fn unknown_input_gets_the_fallback_with_suggestions() {
        let turn = script().answer("What's the weather on Mars?");
        assert_eq!(turn.intent, None);
        assert!(!turn.reply.text.is_empty());
        assert!(!turn.reply.suggestions.is_empty());
    }

    #[test]
    fn the_fallback_can_repeat_what_the_visitor_said() {
        let mut script = script();
        script.fallback.text = "Echo: {text}".into();
        assert_eq!(
            script.answer("  message 17 ").reply.text,
            "Echo: message 17"
        );
    }

    #[test]
    fn pricing_asks_for_a_lead() {
        let turn = script().answer("Tell me about pricing");
        let form = turn.lead_form.expect("pricing shows the lead form");
        let names: Vec<_> = form.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["email", "company"]);
    }

    #[test]
    fn every_scripted_command_passes_the_widget_checks() {
        let script = script();
        for intent in &script.intents {
            for raw in &intent.reply.iframe_commands {
                docent_protocol::PageCommand::from_wire(raw)
                    .unwrap_or_else(|e| panic!("intent {}: {e}", intent.name));
            }
        }
    }

    #[test]
    fn the_agent_reacts_to_the_visitor_opening_a_page_on_their_own() {
        let script = script();
        let deals = script
            .react("navigation", Some("/crm/deals.html"), None)
            .unwrap();
        assert!(script.page_events[deals]
            .reply
            .text
            .contains("opened Deals"));
        assert_eq!(
            script.react("navigation", Some("/crm/settings.html"), None),
            None
        );
        assert_eq!(script.react("click", Some("/crm/deals.html"), None), None);
    }

    #[test]
    fn a_broken_script_is_reported() {
        assert!(Script::parse("{").is_err());
        let no_phrases = BUILT_IN_SCRIPT.replacen(
            r#""phrases": ["show me the dashboard", "dashboard", "pipeline", "overview"]"#,
            r#""phrases": []"#,
            1,
        );
        assert!(Script::parse(&no_phrases)
            .unwrap_err()
            .contains("dashboard"));
    }
}
