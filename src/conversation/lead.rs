//! The lead form the agent asks the visitor to fill in: checking its fields, and submitting
//! it once.

use super::{Conversation, Effect, HostEvent};
use crate::texts;
use docent_protocol::{LeadFieldKind, LeadForm, VisitorAction};

/// Longest value of a free-text lead field.
const MAX_TEXT_CHARS: usize = 200;

/// A lead form on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadFormState {
    pub form: LeadForm,
    pub submitted: bool,
}

/// Why a lead field's value is not acceptable, in plain words; `None` when it is fine.
pub fn lead_field_problem(kind: LeadFieldKind, label: &str, value: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        return Some(texts::fill(texts::T::LeadRequired, &[("label", label)]));
    }
    let ok = match kind {
        LeadFieldKind::Email => is_email(value),
        LeadFieldKind::Phone => {
            value
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.'))
                && value.chars().filter(char::is_ascii_digit).count() >= 7
        }
        LeadFieldKind::Url => {
            let rest = value
                .strip_prefix("https://")
                .or_else(|| value.strip_prefix("http://"));
            rest.is_some_and(|r| r.contains('.') && !r.contains(' '))
        }
        LeadFieldKind::Number => crate::decimal::parse(value).is_some(),
        LeadFieldKind::Text => value.chars().count() <= MAX_TEXT_CHARS,
    };
    if ok {
        return None;
    }
    Some(texts::lead_field_invalid(kind, label, MAX_TEXT_CHARS))
}

fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !value.contains(char::is_whitespace)
        && domain.split('.').count() >= 2
        && domain.split('.').all(|part| !part.is_empty())
}

impl Conversation {
    /// The agent asks for the visitor's details.
    pub(super) fn show_lead_form(&mut self, form: LeadForm) {
        self.lead_form = Some(LeadFormState {
            form,
            submitted: false,
        });
    }

    /// The visitor submitted the form: sent to the agent and told to the host page, once.
    pub(super) fn lead_submitted(&mut self, values: Vec<(String, String)>) -> Vec<Effect> {
        let Some(state) = self.lead_form.as_mut() else {
            return vec![];
        };
        if state.submitted {
            return vec![];
        }
        state.submitted = true;
        self.lead_details = values.clone();
        vec![
            Effect::Send(VisitorAction::LeadSubmitted {
                values: values.clone(),
            }),
            Effect::Announce(HostEvent::Lead(values)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::test_support::*;

    #[test]
    fn a_lead_goes_to_the_server_and_the_host_page_once() {
        let mut c = connected();
        assert_eq!(
            c.act(Event::LeadSubmitted(vec![]), 1.0),
            [],
            "no form, no lead"
        );
        c.act(
            Event::Agent(AgentEvent::LeadForm(LeadForm {
                fields: vec![LeadField::from_name("email")],
                cta_text: None,
                cta_url: None,
            })),
            1.0,
        );
        let values = vec![("email".to_string(), "a@b.co".to_string())];
        assert_eq!(
            c.act(Event::LeadSubmitted(values.clone()), 2.0),
            [
                Effect::Send(VisitorAction::LeadSubmitted {
                    values: values.clone()
                }),
                Effect::Announce(HostEvent::Lead(values.clone()))
            ]
        );
        assert!(c.lead_form.as_ref().unwrap().submitted);
        // Kept for the messages of platforms that carry the lead's details, and across a
        // reload.
        assert_eq!(c.lead_details, values);
        let saved = serde_json::to_string(&c.snapshot(2.5)).unwrap();
        let (restored, _) = Conversation::restore(&saved, 3.0, 60_000.0).unwrap();
        assert_eq!(restored.lead_details, values);
        assert_eq!(c.act(Event::LeadSubmitted(values), 3.0), []);
    }

    #[test]
    fn lead_values_are_checked_by_kind() {
        use LeadFieldKind::*;
        assert_eq!(lead_field_problem(Email, "Email", "ada@acme.io"), None);
        for bad in [
            "",
            "ada",
            "ada@",
            "@acme.io",
            "ada@acme",
            "a b@acme.io",
            "a@b@c.io",
        ] {
            assert!(lead_field_problem(Email, "Email", bad).is_some(), "{bad}");
        }
        assert_eq!(
            lead_field_problem(Phone, "Phone", "+1 (555) 010-9999"),
            None
        );
        assert!(lead_field_problem(Phone, "Phone", "12345").is_some());
        assert_eq!(lead_field_problem(Url, "Website", "https://acme.io"), None);
        assert!(lead_field_problem(Url, "Website", "javascript:alert(1)").is_some());
        assert_eq!(lead_field_problem(Number, "Seats", "12"), None);
        assert!(lead_field_problem(Number, "Seats", "twelve").is_some());
        assert_eq!(
            lead_field_problem(Text, "Company", " "),
            Some("Company is required.".into())
        );
    }
}
