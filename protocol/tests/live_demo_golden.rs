//! Golden tests: every JSON example of seed 002, verbatim, decodes to the expected
//! message and event, and encodes back to an equal JSON value.

mod support;
use support as seed_examples;

use docent_protocol::live_demo::{ClientMessage, LiveDemo, ServerMessage};
use docent_protocol::{
    AgentEvent, ClientDialect, Decoder, ErrorCode, LeadFieldKind, PageCommand, VisitorAction,
};
use serde_json::Value;

const SEED: &str = "002_0c3d5c86f07c3b8b.txt";

fn examples() -> Vec<(String, Value)> {
    seed_examples::json_examples(SEED)
        .into_iter()
        .map(|text| {
            let value: Value = serde_json::from_str(&text).expect("seed example is JSON");
            let name = value["type"]
                .as_str()
                .expect("every example has a type")
                .to_string();
            (name, value)
        })
        .collect()
}

fn example(name: &str) -> (String, Value) {
    let (_, value) = examples()
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("seed 002 has no `{name}` example"));
    (value.to_string(), value)
}

#[test]
fn the_seed_has_an_example_of_every_message_type() {
    let mut names: Vec<String> = examples().into_iter().map(|(n, _)| n).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "agent_response",
            "error",
            "heartbeat",
            "iframe_event",
            "lead_form",
            "pong",
            "typing_indicator",
            "visitor_message"
        ]
    );
}

#[test]
fn every_client_example_round_trips() {
    for name in ["visitor_message", "heartbeat", "iframe_event"] {
        let (frame, value) = example(name);
        let message = ClientMessage::parse(&frame).unwrap_or_else(|e| panic!("{name}: {e}"));
        let again: Value = serde_json::from_str(&message.to_json()).unwrap();
        assert_eq!(again, value, "{name} did not re-encode equal");
    }
}

#[test]
fn every_server_example_round_trips() {
    for name in [
        "agent_response",
        "typing_indicator",
        "lead_form",
        "error",
        "pong",
    ] {
        let (frame, value) = example(name);
        let message = ServerMessage::parse(&frame).unwrap_or_else(|e| panic!("{name}: {e}"));
        let again: Value = serde_json::from_str(&message.to_json()).unwrap();
        assert_eq!(again, value, "{name} did not re-encode equal");
    }
}

#[test]
fn the_widget_encodes_visitor_actions_as_the_seed_shows() {
    let cases = [
        (
            "visitor_message",
            VisitorAction::Say {
                text: "Show me the dashboard".into(),
                context: None,
                client_id: None,
            },
        ),
        ("heartbeat", VisitorAction::Heartbeat),
        (
            "iframe_event",
            VisitorAction::PageEvent(docent_protocol::PageEvent {
                event: "click".into(),
                selector: Some("#btn".into()),
                url: Some("/dashboard".into()),
                ..Default::default()
            }),
        ),
    ];
    for (name, action) in cases {
        let frame = LiveDemo
            .encode(&action)
            .expect("live-demo encodes every action");
        let value: Value = serde_json::from_str(&frame).unwrap();
        assert_eq!(value, example(name).1, "{name}");
    }
}

#[test]
fn agent_response_becomes_a_message_with_its_commands_in_order() {
    let events = LiveDemo.decode(&example("agent_response").0).unwrap();
    let [AgentEvent::Message(message)] = events.as_slice() else {
        panic!("expected one message, got {events:?}");
    };
    assert_eq!(
        message.text,
        "Here's the dashboard! Let me show you the pipeline."
    );
    assert_eq!(
        message.speech.as_deref(),
        Some("Here's the dashboard. Let me show you the pipeline.")
    );
    assert_eq!(
        message.suggestions,
        ["Create a deal", "Show contacts", "Tell me about pricing"]
    );
    assert_eq!(message.agent_id.as_deref(), Some("demo"));
    assert_eq!(
        message.commands,
        [
            Ok(PageCommand::Navigate {
                url: "/dashboard".into()
            }),
            Ok(PageCommand::Highlight {
                selector: "[data-testid='pipeline-chart']".into()
            })
        ]
    );
}

#[test]
fn the_other_server_examples_become_their_events() {
    assert_eq!(
        LiveDemo.decode(&example("typing_indicator").0).unwrap(),
        [AgentEvent::Typing(true)]
    );
    assert_eq!(
        LiveDemo.decode(&example("pong").0).unwrap(),
        [AgentEvent::Pong {
            ts: Some(1711000000000)
        }]
    );
    let events = LiveDemo.decode(&example("error").0).unwrap();
    let [AgentEvent::Error(error)] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(error.code, ErrorCode::SessionExpired);
    assert_eq!(error.message, "Session expired");
    assert!(error.fatal);

    let events = LiveDemo.decode(&example("lead_form").0).unwrap();
    let [AgentEvent::LeadForm(form)] = events.as_slice() else {
        panic!("{events:?}")
    };
    let fields: Vec<_> = form
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.kind))
        .collect();
    assert_eq!(
        fields,
        [
            ("email", LeadFieldKind::Email),
            ("company", LeadFieldKind::Text)
        ]
    );
    assert_eq!(form.cta_text.as_deref(), Some("Start Free Trial"));
    assert_eq!(form.cta_url.as_deref(), Some("https://example.com/signup"));
}

#[test]
fn every_error_code_of_the_seed_is_named() {
    for code in [
        "AUTH_REQUIRED",
        "INVALID_TOKEN",
        "SESSION_NOT_FOUND",
        "SESSION_EXPIRED",
        "INVALID_JSON",
        "EMPTY_MESSAGE",
        "UNKNOWN_TYPE",
        "PDP_NOT_FOUND",
    ] {
        let frame = format!(r#"{{"type":"error","payload":{{"code":"{code}","message":"m"}}}}"#);
        let events = LiveDemo.decode(&frame).unwrap();
        let [AgentEvent::Error(error)] = events.as_slice() else {
            panic!("{events:?}")
        };
        assert!(!matches!(error.code, ErrorCode::Other(_)), "{code} unnamed");
        assert_eq!(error.code.as_str(), code);
    }
}
