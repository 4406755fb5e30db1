//! Golden tests: every JSON example of the AUI seeds (000, 001, 003), verbatim, reads as
//! the seed says and writes back to an equal JSON value; then a property test that the AUI
//! decoder never panics on generated frames.

mod support;
use support as seed_examples;
use support::fuzz::{self, mutate_bytes, Rng, Shape};

use docent_protocol::aui::{
    self, close, codes, Aui, CreateTaskRequest, ErrorPayload, ExternalTaskMessage, MessageRequest,
    RestError, ServerFrame, Task, TaskList,
};
use docent_protocol::{
    json, AgentEvent, ClientDialect, CloseKind, DecodeError, ErrorCode, SessionHandle,
    VisitorAction,
};
use serde_json::{json, Map, Value};

const WEBSOCKET: &str = "000_ae00f0f3f9ba8c51.txt";
const OVERVIEW: &str = "001_b5bdf9db4326a8f5.txt";
const SEND_MESSAGE: &str = "003_64e595a8c8802ef9.txt";
const TASK_ID: &str = "68e78d0dc5a4b19a030d03d6";
const MICROWAVE: &str = "I am looking for a built-in microwave with at least 20 liters capacity";

fn examples(seed: &str) -> Vec<(String, Value)> {
    seed_examples::json_examples(seed)
        .into_iter()
        .map(|text| {
            let value = serde_json::from_str(&text).expect("seed example is JSON");
            (text, value)
        })
        .collect()
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// A session on the seeds' task, as after the relay started it.
fn session() -> SessionHandle {
    SessionHandle(json!({"task_id": TASK_ID, "token": "t"}).to_string())
}

#[test]
fn the_seeds_have_the_examples_these_tests_read() {
    // If a seed gains or loses an example, these tests must say what it means.
    assert_eq!(examples(WEBSOCKET).len(), 3, "seed 000");
    assert_eq!(examples(SEND_MESSAGE).len(), 3, "seed 003");
    assert_eq!(seed_examples::json_examples(OVERVIEW).len(), 0, "seed 001");
    assert_eq!(
        seed_examples::curl_bodies(OVERVIEW).len(),
        2,
        "seed 001 curl"
    );
    assert_eq!(
        seed_examples::curl_bodies(SEND_MESSAGE).len(),
        1,
        "seed 003 curl"
    );
}

#[test]
fn seed_000_the_client_message_reads_and_is_what_the_widget_writes() {
    let (text, value) = &examples(WEBSOCKET)[0];
    let request = MessageRequest::parse(text).unwrap();
    assert_eq!(request.task_id, TASK_ID);
    assert_eq!(request.text, MICROWAVE);
    let context = request.context.clone().unwrap();
    assert_eq!(context["url"], "https://example.com/products");
    assert_eq!(context["lead_details"]["budget_range"], "300-500");
    assert_eq!(&json_of(&request.to_json()), value);

    // The widget writes exactly this frame for the visitor's words and context.
    let frame = Aui
        .encode(
            &session(),
            &VisitorAction::Say {
                text: MICROWAVE.into(),
                context: Some(json::from_serde(&value["context"])),
                client_id: Some("c-1".into()),
            },
        )
        .unwrap();
    assert_eq!(&json_of(&frame), value);
    // And the context helper builds the seed's context from the page and the lead.
    let context = aui::message_context(
        Some("https://example.com/products"),
        &[
            ("customer_type".into(), "residential".into()),
            ("budget_range".into(), "300-500".into()),
        ],
    )
    .unwrap();
    assert_eq!(&json_of(&context.to_json()), &value["context"]);
    // In the seed's own order too (serde's map above compares without order).
    let seed = json::parse(text).unwrap();
    assert_eq!(Some(&context), seed.get("context"));
}

#[test]
fn seed_000_a_text_update_is_cumulative_text_that_streams_as_a_delta() {
    let (text, value) = &examples(WEBSOCKET)[1];
    let frame = ServerFrame::parse(text).unwrap();
    assert_eq!(
        frame,
        ServerFrame::TextUpdated("I found several built-in microwaves".into())
    );
    assert_eq!(&json_of(&frame.to_json()), value);

    let mut decoder = Aui::new().decoder();
    assert_eq!(
        decoder.decode(text).unwrap(),
        [AgentEvent::TextDelta(
            "I found several built-in microwaves".into()
        )]
    );
    // The same cumulative text again adds nothing.
    assert_eq!(decoder.decode(text).unwrap(), []);
}

#[test]
fn seed_000_the_error_payload_reads_on_the_socket_in_a_close_reason_and_over_rest() {
    let (text, value) = &examples(WEBSOCKET)[2];
    let expected = ErrorPayload {
        status_code: 401,
        description: "Not authenticated".into(),
        message: "Invalid API key".into(),
        extra_data: Map::new(),
    };
    let frame = ServerFrame::parse(text).unwrap();
    assert_eq!(frame, ServerFrame::Error(expected.clone()));
    assert_eq!(&json_of(&frame.to_json()), value);

    let events = Aui::new().decoder().decode(text).unwrap();
    let [AgentEvent::Error(error)] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(
        error.code,
        ErrorCode::Other(codes::NOT_AUTHENTICATED.into())
    );
    assert_eq!(error.message, "Invalid API key");
    assert!(error.fatal && !error.retryable);
    assert_eq!(aui::close_reason(text).as_ref(), Some(error));
    assert_eq!(
        RestError::parse(401, text),
        RestError::Application(expected)
    );
}

#[test]
fn seed_000_close_codes_mean_what_its_table_says() {
    let aui = Aui::new();
    // "Invalid credentials will close the connection immediately with 1008": retrying with
    // the same credentials cannot help.
    let policy = aui.classify_close(close::POLICY_VIOLATION);
    assert_eq!(policy.kind, CloseKind::Final);
    assert!(policy.reason.is_some());
    // An internal error passes; reconnect (keeping the task, per the best practices).
    assert_eq!(
        aui.classify_close(close::INTERNAL_ERROR).kind,
        CloseKind::Retry
    );
}

#[test]
fn seed_001_the_quick_start_bodies_read() {
    let bodies = seed_examples::curl_bodies(OVERVIEW);
    let create: CreateTaskRequest = serde_json::from_str(&bodies[0]).unwrap();
    assert_eq!(create.user_id, "user_123");
    assert_eq!(
        json_of(&serde_json::to_string(&create).unwrap()),
        json_of(&bodies[0])
    );

    let message = MessageRequest::parse(&bodies[1]).unwrap();
    assert_eq!(
        message,
        MessageRequest {
            task_id: TASK_ID.into(),
            text: MICROWAVE.into(),
            context: None
        }
    );
    assert_eq!(json_of(&message.to_json()), json_of(&bodies[1]));
    // Seed 000: the socket takes "the same structure as the REST API".
    let frame = Aui
        .encode(
            &session(),
            &VisitorAction::Say {
                text: MICROWAVE.into(),
                context: None,
                client_id: None,
            },
        )
        .unwrap();
    assert_eq!(json_of(&frame), json_of(&bodies[1]));
}

#[test]
fn seed_003_the_request_body_reads() {
    let body = &seed_examples::curl_bodies(SEND_MESSAGE)[0];
    let message = MessageRequest::parse(body).unwrap();
    assert_eq!(message.task_id, TASK_ID);
    assert_eq!(message.text, MICROWAVE);
    assert_eq!(json_of(&message.to_json()), json_of(body));
}

#[test]
fn seed_003_the_external_task_message_reads_as_one_reply() {
    let (text, value) = &examples(SEND_MESSAGE)[0];
    let message: ExternalTaskMessage = serde_json::from_str(text).unwrap();
    assert_eq!(message.id, "507f1f77bcf86cd799439011");
    assert_eq!(message.created_at, "2026-03-09T14:22:01.000Z");
    let sender = message.sender.clone().unwrap();
    assert_eq!(
        (sender.id.as_str(), sender.kind.as_str()),
        ("agent_abc123", "agent")
    );
    assert_eq!(sender.email.as_deref(), Some("agent@aui.io"));
    let receiver = message.receiver.clone().unwrap();
    assert_eq!(
        (receiver.id.as_str(), receiver.kind.as_str()),
        ("user_xyz789", "user")
    );
    assert!(message.options.is_empty() && message.variants_options.is_empty());
    assert_eq!(
        serde_json::to_value(&message).unwrap(),
        *value,
        "re-encodes equal"
    );

    // As the socket's final frame: one complete reply, after streamed text.
    let mut decoder = Aui::new().decoder();
    decoder
        .decode(&examples(WEBSOCKET)[1].0)
        .expect("the text update of seed 000");
    let events = decoder.decode(text).unwrap();
    let [AgentEvent::Message(reply)] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(
        reply.text,
        "I found several built-in microwaves with 20+ liters capacity. Here are the top options for you:"
    );
    assert_eq!(
        reply.suggestions,
        [
            "What is the price range?",
            "Do any of these come in stainless steel?",
            "Which one has the best energy rating?"
        ]
    );
    assert_eq!(reply.agent_id.as_deref(), Some("agent_abc123"));
    assert!(reply.products.is_empty());
    assert_eq!(
        ServerFrame::parse(text).unwrap(),
        ServerFrame::Message(Box::new(message))
    );

    // As the REST answer (the fallback without a socket): the same reply.
    assert_eq!(Aui::new().rest_reply(200, text).as_ref(), Ok(reply));
}

#[test]
fn seed_003_the_401_and_422_bodies_read() {
    let all = examples(SEND_MESSAGE);
    let (text, value) = &all[1];
    let unauthenticated = RestError::parse(401, text);
    assert_eq!(
        unauthenticated,
        RestError::NotAuthenticated("Not authenticated".into())
    );
    assert_eq!(&json_of(&unauthenticated.to_json()), value);
    let error = unauthenticated.to_agent_error(401);
    assert_eq!(
        error.code,
        ErrorCode::Other(codes::NOT_AUTHENTICATED.into())
    );
    assert!(error.fatal);

    let (text, value) = &all[2];
    let invalid = RestError::parse(422, text);
    let RestError::Validation(issues) = &invalid else {
        panic!("{invalid:?}")
    };
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].loc, [json!("body"), json!("task_id")]);
    assert_eq!(issues[0].msg, "field required");
    assert_eq!(issues[0].kind, "value_error.missing");
    assert_eq!(&json_of(&invalid.to_json()), value);
    let error = invalid.to_agent_error(422);
    assert_eq!(error.code, ErrorCode::Other(codes::INVALID_REQUEST.into()));
    assert_eq!(error.message, "body.task_id: field required");
    assert!(!error.retryable && !error.fatal);
}

/// Shapes PROTOCOLS.md adds from the vendor's wider docs (the seeds show none).
#[test]
fn protocols_md_task_option_and_moderation_shapes_read() {
    let task: Task = serde_json::from_value(json!({"id": "t1", "user_id": "user_123",
        "title": "Microwaves", "welcome_message": "Hi! How can I help?",
        "followup_suggestions": ["Built-in?"]}))
    .unwrap();
    assert_eq!(task.welcome_text().as_deref(), Some("Hi! How can I help?"));
    let list: TaskList = serde_json::from_value(
        json!({"tasks": [serde_json::to_value(&task).unwrap()], "total": 1, "page": 1, "size": 10}),
    )
    .unwrap();
    assert_eq!(list.tasks, [task]);
    assert_eq!(
        aui::list_tasks_path("user_123", 1, 10),
        "/api/v1/external/tasks?user_id=user_123&page=1&size=10"
    );

    let reply = json!({"id": "m", "created_at": "2026-03-09T14:22:01.000Z", "text": "Two:",
        "options": [
            {"is_recommended": true, "widget_parameters": [
                {"title": "Name", "value": "Bosch BFL524MS0", "type": "title"},
                {"title": "Price", "value": 299, "type": "price"},
                {"title": "Image", "value": "/images/bosch.jpg", "type": "image"},
                {"title": "Capacity", "value": "20 l", "type": "text"},
                {"title": "Modes", "value": ["grill", "defrost"], "type": "list"}]},
            {"is_recommended": false, "widget_parameters": [
                {"title": "Name", "value": "Siemens BF634LGS1", "type": "title"}]}],
        "variants_options": [], "followup_suggestions": []});
    let events = Aui::new().decoder().decode(&reply.to_string()).unwrap();
    let [AgentEvent::Message(message)] = events.as_slice() else {
        panic!("{events:?}")
    };
    let [bosch, siemens] = message.products.as_slice() else {
        panic!("{:?}", message.products)
    };
    assert!(bosch.recommended && !siemens.recommended);
    assert_eq!(bosch.title.as_deref(), Some("Bosch BFL524MS0"));
    assert_eq!(bosch.price.as_deref(), Some("299"));
    assert_eq!(bosch.image_url.as_deref(), Some("/images/bosch.jpg"));
    assert_eq!(bosch.parameters.len(), 2);
    assert_eq!(bosch.parameters[1].value, "grill, defrost");
    assert_eq!(siemens.price, None);

    let moderated = json!({"status_code": 400, "description": "Bad Request",
        "message": "Message flagged", "extra_data": {"moderation_category": "violence",
        "text": "the flagged words"}});
    let error = RestError::parse(400, &moderated.to_string()).to_agent_error(400);
    assert_eq!(error.code, ErrorCode::MessageRejected);
}

// ---------------------------------------------------------------- generated frames

/// The AUI fields generated objects are made of.
const SHAPE: Shape = Shape {
    keys: &[
        "event",
        "data",
        "text",
        "id",
        "status_code",
        "extra_data",
        "options",
        "is_recommended",
        "widget_parameters",
        "title",
        "value",
        "type",
        "variants_options",
        "followup_suggestions",
        "sender",
    ],
    odd_text: "é\u{0}\u{202e}javascript:alert(1)",
    max_fields: 6,
};

fn random_value(rng: &mut Rng, depth: u32) -> Value {
    fuzz::random_value(rng, depth, &SHAPE)
}

#[test]
fn decoding_generated_frames_never_panics_and_types_each_error() {
    let seed = std::env::var("DOCENT_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_0A01_u64);
    let mut rng = Rng(seed);
    let mut corpus: Vec<String> = examples(WEBSOCKET)
        .into_iter()
        .chain(examples(SEND_MESSAGE))
        .map(|(text, _)| text)
        .collect();
    corpus.push(
        json!({"text": "t", "options": [{"is_recommended": true, "widget_parameters":
            [{"title": "Price", "value": [1, "a", [2]], "type": "price"}]}],
            "variants_options": [{"widget_parameters": []}, "v", [{"widget_parameters": null}]]})
        .to_string(),
    );
    const CASES: usize = 60_000;
    let mut decoded = 0;
    // One decoder across all frames, as a long-lived connection would keep it.
    let mut decoder = Aui::new().decoder();
    for case in 0..CASES {
        let frame = match case % 4 {
            0 => {
                let example = rng.pick(&corpus).clone();
                mutate_bytes(&mut rng, &example)
            }
            1 => random_value(&mut rng, 4).to_string(),
            2 => json!({"event": aui::TEXT_UPDATED, "data": random_value(&mut rng, 2)}).to_string(),
            _ => {
                let mut value = random_value(&mut rng, 3);
                if let Value::Object(map) = &mut value {
                    map.remove("event");
                    map.insert("text".into(), json!("t"));
                }
                value.to_string()
            }
        };
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decoder.decode(&frame)))
                .unwrap_or_else(|_| panic!("decode panicked on {frame:?}"));
        let _ = Aui::new().rest_reply(200, &frame);
        let _ = RestError::parse(422, &frame);
        let _ = aui::parse_message_history(&frame);
        match result {
            Ok(events) => {
                decoded += 1;
                for event in events {
                    if let AgentEvent::Message(message) = event {
                        for product in &message.products {
                            for url in [&product.image_url, &product.url].into_iter().flatten() {
                                assert!(url.starts_with("http") || url.starts_with('/'), "{url}");
                            }
                        }
                    }
                }
            }
            Err(error) => {
                assert!(!error.to_string().is_empty());
                if case % 4 == 2 {
                    assert!(
                        matches!(error, DecodeError::BadField { .. }),
                        "{frame}: {error:?}"
                    );
                }
            }
        }
    }
    println!("{CASES} frames: {decoded} decoded");
    assert!(decoded > CASES / 20, "the generator is broken: {decoded}");
}
