//! Golden tests for the Amigo dialect. Seed 004 has no JSON examples (its "Example" section
//! is empty), so the fixtures are its tables and sentences, read verbatim from the seed, and
//! the event shapes PROTOCOLS.md writes out (`token {text}`, …).

mod support;
use support as seed;

use docent_protocol::amigo::{
    error_code, relay, user_text_problem, Amigo, ClientMessage, ServerEvent, SERVER_EVENTS,
    USER_TEXT_MAX_CHARS,
};
use docent_protocol::{
    AgentEvent, ClientDialect, CloseKind, SessionHandle, Settings, Start, VisitorAction,
};
use serde_json::{json, Value};

const SEED: &str = "004_a5293ff0bc418b13.txt";

const WORKSPACE: &str = "11111111-2222-4333-8444-555555555555";
const SERVICE: &str = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
const ENTITY: &str = "01234567-89ab-4cde-8f01-23456789abcd";

fn identifier(cell: &str) -> bool {
    !cell.is_empty()
        && cell
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn number(cell: &str) -> bool {
    cell.parse::<u16>().is_ok()
}

fn handle(tool_events: Option<&str>) -> SessionHandle {
    let mut options = vec![
        ("workspace-id".to_string(), WORKSPACE.to_string()),
        ("service-id".to_string(), SERVICE.to_string()),
        ("entity-id".to_string(), ENTITY.to_string()),
    ];
    if let Some(value) = tool_events {
        options.push(("tool-events".into(), value.into()));
    }
    let settings = Settings {
        key: "my-api-key".into(),
        options,
        ..Settings::default()
    };
    match Amigo.start(&settings) {
        Start::Ready(started) => started.session,
        other => panic!("{other:?}"),
    }
}

fn decode_one(frame: &str) -> AgentEvent {
    let events = Amigo.decoder().decode(frame).unwrap();
    match <[AgentEvent; 1]>::try_from(events) {
        Ok([event]) => event,
        Err(events) => panic!("expected one event from {frame}, got {events:?}"),
    }
}

#[test]
fn seed_004_has_no_json_examples_so_its_tables_are_the_fixtures() {
    assert_eq!(seed::json_examples(SEED), Vec::<String>::new());
}

#[test]
fn the_endpoint_and_query_parameters_are_the_seeds() {
    let endpoint = seed::seed_line(SEED, "Endpoint: wss://");
    let template = endpoint
        .split_once(".ai")
        .map(|(_, path)| path)
        .expect("the endpoint names a host");
    assert_eq!(template, "/v1/{workspace_id}/sessions/connect");

    let target = Amigo.socket(&handle(None)).unwrap();
    let (path, query) = target.path.split_once('?').unwrap();
    assert_eq!(path, template.replace("{workspace_id}", WORKSPACE));

    let rows = seed::seed_table(
        SEED,
        &["Parameter", "Type", "Required", "Description"],
        identifier,
    );
    let names: Vec<&str> = rows.iter().map(|row| row[0].as_str()).collect();
    assert_eq!(names, ["service_id", "entity_id", "tool_events"]);
    let sent: Vec<(&str, &str)> = query
        .split('&')
        .map(|pair| pair.split_once('=').unwrap())
        .collect();
    for row in &rows {
        let value = sent
            .iter()
            .find(|(name, _)| *name == row[0])
            .map(|(_, value)| *value)
            .unwrap_or_else(|| panic!("{} is not sent (required: {})", row[0], row[2]));
        match row[1].as_str() {
            "string (UUID)" => assert!(value == SERVICE || value == ENTITY, "{value}"),
            // Not required, default false per the seed: sent explicitly all the same.
            "boolean" => assert_eq!(value, "false"),
            other => panic!("a parameter type the test does not know: {other}"),
        }
    }
    assert!(Amigo
        .socket(&handle(Some("true")))
        .unwrap()
        .path
        .ends_with("tool_events=true"));
}

#[test]
fn the_key_travels_as_the_seeds_subprotocol_pair() {
    let line = seed::seed_line(SEED, "Sec-WebSocket-Protocol: ");
    let values = line.split_once(": ").unwrap().1;
    let (literal, placeholder) = values.split_once(", ").unwrap();
    assert_eq!((literal, placeholder), ("auth", "<api_key_or_jwt>"));
    let target = Amigo.socket(&handle(None)).unwrap();
    assert_eq!(target.protocols, [literal, "my-api-key"]);
}

#[test]
fn user_text_is_the_seeds_client_message() {
    let rows = seed::seed_table(
        SEED,
        &["Field", "Type", "Required", "Description"],
        identifier,
    );
    let fields: Vec<&str> = rows.iter().map(|row| row[0].as_str()).collect();
    assert_eq!(fields, ["type", "text"]);
    let type_name = rows[0][3]
        .strip_prefix("Must be ")
        .expect("the type row says what it must be");

    let frame = Amigo
        .encode(
            &SessionHandle::default(),
            &VisitorAction::Say {
                text: "Where is my order?".into(),
                context: None,
                client_id: None,
            },
        )
        .unwrap();
    let value: Value = serde_json::from_str(&frame).unwrap();
    assert_eq!(
        value,
        json!({"type": type_name, "text": "Where is my order?"})
    );
    let object = value.as_object().unwrap();
    assert_eq!(object.keys().collect::<Vec<_>>(), ["text", "type"]);
    // And the server's side reads it back.
    let again = ClientMessage::parse(&frame).unwrap().to_json();
    assert_eq!(serde_json::from_str::<Value>(&again).unwrap(), value);

    // "Must be between 1 and 10,000 characters."
    let limit: usize = rows[1][3]
        .split("and ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .map(|n| n.replace(',', ""))
        .and_then(|n| n.parse().ok())
        .expect("the text row states a limit");
    assert_eq!(limit, USER_TEXT_MAX_CHARS);
    assert!(user_text_problem("").is_some());
    assert_eq!(user_text_problem(&"x".repeat(limit)), None);
    assert!(user_text_problem(&"x".repeat(limit + 1)).is_some());
}

#[test]
fn session_created_carries_the_fields_the_seed_names() {
    let line = seed::seed_line(SEED, "session.created event with");
    let fields: Vec<&str> = line
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| word.ends_with("_id"))
        .collect();
    assert_eq!(fields, ["conversation_id", "entity_id", "service_id"]);
    let data: serde_json::Map<String, Value> = fields
        .iter()
        .map(|f| (f.to_string(), json!(format!("{f}-value"))))
        .collect();
    let frame = json!({"event": "session.created", "data": data}).to_string();
    let event = ServerEvent::parse(&frame).unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&event.to_json()).unwrap(),
        serde_json::from_str::<Value>(&frame).unwrap()
    );
    assert_eq!(
        decode_one(&frame),
        AgentEvent::SessionReady {
            session_id: "conversation_id-value".into(),
            greeting: None
        }
    );
}

/// A value for each field PROTOCOLS.md names; a field it does not know fails the test, so
/// the fixtures follow the document.
fn sample(field: &str) -> Value {
    match field {
        "text" => json!("Hello"),
        "tool_name" => json!("lookup_order"),
        "call_id" => json!("call_1"),
        "input" => json!({"order_id": "A-1"}),
        "result" => json!({"status": "shipped"}),
        "succeeded" => json!(true),
        "tier" => json!(1),
        "tier_name" => json!("fast"),
        "role" => json!("assistant"),
        "conversation_id" => json!("conv-1"),
        "status" => json!("completed"),
        "turn_count" => json!(2),
        "code" => json!("upstream_error"),
        "message" => json!("Agent engine error"),
        "retryable" => json!(true),
        "status_code" => json!(502),
        other => panic!("PROTOCOLS.md names a field the test has no sample for: {other}"),
    }
}

fn shapes() -> Vec<(String, Vec<String>)> {
    seed::event_shapes(&seed::protocols_section("amigo"))
}

#[test]
fn every_event_shape_of_protocols_md_round_trips() {
    let mut names: Vec<String> = shapes().into_iter().map(|(name, _)| name).collect();
    names.insert(0, "session.created".into());
    assert_eq!(names, SERVER_EVENTS);
    for (name, fields) in shapes() {
        let data: serde_json::Map<String, Value> =
            fields.iter().map(|f| (f.clone(), sample(f))).collect();
        let value = json!({"event": name, "data": data});
        let event =
            ServerEvent::parse(&value.to_string()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let again: Value = serde_json::from_str(&event.to_json()).unwrap();
        assert_eq!(again, value, "{name} did not re-encode equal");
    }
}

#[test]
fn each_event_shape_becomes_its_neutral_event() {
    let frame = |name: &str| {
        let (_, fields) = shapes()
            .into_iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("PROTOCOLS.md has no `{name}` shape"));
        let data: serde_json::Map<String, Value> =
            fields.iter().map(|f| (f.clone(), sample(f))).collect();
        json!({"event": name, "data": data}).to_string()
    };
    let mut d = Amigo.decoder();
    assert_eq!(
        d.decode(&frame("thinking")).unwrap(),
        [AgentEvent::Typing(true)]
    );
    assert_eq!(
        d.decode(&frame("tool_call_started")).unwrap(),
        [AgentEvent::ToolActivity {
            name: "lookup_order".into(),
            finished: false,
            succeeded: None
        }]
    );
    assert_eq!(
        d.decode(&frame("tool_call_completed")).unwrap(),
        [AgentEvent::ToolActivity {
            name: "lookup_order".into(),
            finished: true,
            succeeded: Some(true)
        }]
    );
    assert_eq!(
        d.decode(&frame("token")).unwrap(),
        [AgentEvent::TextDelta("Hello".into())]
    );
    // The token stream ends as one message: `done` turns it into the reply.
    let events = d.decode(&frame("done")).unwrap();
    let [AgentEvent::Message(reply)] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(reply.text, "Hello");
    let events = d.decode(&frame("message")).unwrap();
    let [AgentEvent::Message(reply)] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(reply.text, "Hello");
    let AgentEvent::Error(error) = decode_one(&frame("error")) else {
        panic!()
    };
    assert_eq!(error.code.as_str(), error_code::UPSTREAM_ERROR);
    assert_eq!(error.message, "Agent engine error");
    assert!(error.retryable, "its sample says retryable: true");
}

#[test]
fn every_error_code_of_the_seed_is_as_retryable_as_its_table_says() {
    let rows = seed::seed_table(
        SEED,
        &["Error Code", "Description", "Retryable"],
        identifier,
    );
    let codes: Vec<&str> = rows.iter().map(|row| row[0].as_str()).collect();
    assert_eq!(
        codes,
        [
            error_code::CLIENT_ERROR,
            error_code::UPSTREAM_ERROR,
            error_code::STREAM_INTERRUPTED,
            error_code::TURN_TIMEOUT,
            error_code::IDLE_TIMEOUT
        ]
    );
    for row in &rows {
        let (code, retryable) = (&row[0], row[2].as_str());
        // Whatever the frame itself says, the seed's Yes and No win.
        for says in [true, false] {
            let frame = json!({"event": "error",
                "data": {"code": code, "message": row[1], "retryable": says}});
            let AgentEvent::Error(error) = decode_one(&frame.to_string()) else {
                panic!("{code}")
            };
            let expected = match retryable {
                "Yes" => true,
                "No" => false,
                "Depends on status" => says,
                other => panic!("a Retryable value the test does not know: {other}"),
            };
            assert_eq!(error.retryable, expected, "{code}, frame says {says}");
            assert!(!error.fatal);
            assert_eq!(error.code.as_str(), code);
            assert_eq!(&error.message, &row[1]);
        }
    }
}

#[test]
fn the_codes_protocols_md_has_seen_decode_too() {
    let section = seed::protocols_section("amigo");
    let seen = section
        .split_once("codes seen: ")
        .and_then(|(_, rest)| rest.split_once(';'))
        .map(|(list, _)| list)
        .expect("PROTOCOLS.md lists the codes seen");
    let codes: Vec<&str> = seen.split('`').skip(1).step_by(2).collect();
    assert_eq!(
        codes,
        [
            "upstream_error",
            "stream_interrupted",
            "client_error",
            "unknown"
        ]
    );
    for code in codes {
        let frame = json!({"event": "error", "data": {"code": code, "message": "m"}});
        assert!(matches!(
            decode_one(&frame.to_string()),
            AgentEvent::Error(_)
        ));
    }
}

#[test]
fn every_close_code_of_the_seed_and_the_sdk_is_classified() {
    let rows = seed::seed_table(SEED, &["Code", "Reason"], number);
    let codes: Vec<u16> = rows.iter().map(|row| row[0].parse().unwrap()).collect();
    assert_eq!(codes, [4000, 4001, 4004, 4503]);
    for row in &rows {
        let closed = Amigo.classify_close(row[0].parse().unwrap());
        let temporary = row[1].contains("temporarily");
        let expected = if temporary {
            CloseKind::Retry
        } else {
            CloseKind::Final
        };
        assert_eq!(closed.kind, expected, "{} {}", row[0], row[1]);
        assert!(closed.reason.is_some(), "{} has a reason", row[0]);
    }

    let section = seed::protocols_section("amigo");
    let sdk = section
        .split_once("terminal close codes ")
        .and_then(|(_, rest)| rest.split_once(" means rate-limited"))
        .map(|(codes, _)| codes)
        .expect("PROTOCOLS.md lists the SDK's close codes");
    let (terminal, rate_limited) = sdk.split_once("; ").unwrap();
    for code in terminal.split(", ") {
        let code: u16 = code.parse().unwrap();
        assert_eq!(Amigo.classify_close(code).kind, CloseKind::Final, "{code}");
    }
    assert_eq!(rate_limited, "4029");
    assert_eq!(Amigo.classify_close(4029).kind, CloseKind::RateLimited);
}

#[test]
fn through_the_relay_the_socket_is_the_seeds_under_the_relays_prefix_and_its_codes_are_its_own() {
    let direct = Amigo.socket(&handle(Some("true"))).unwrap();
    // The relay's answer as the relay writes it.
    let answer = relay::RelayToken {
        token: "relay.token.sig".into(),
        expires_in: Some(1800),
        workspace_id: WORKSPACE.into(),
        service_id: SERVICE.into(),
        entity_id: ENTITY.into(),
        tool_events: true,
    };
    let started = Amigo
        .started(200, &serde_json::to_string(&answer).unwrap())
        .unwrap();
    let relayed = Amigo.socket(&started.session).unwrap();
    assert_eq!(
        relayed.path,
        format!(
            "{}{}&token=relay.token.sig",
            relay::SOCKET_PREFIX,
            direct.path
        )
    );
    assert!(relayed.protocols.is_empty(), "no key in the subprotocols");

    // The relay's own token code is none of the seed's or the SDK's, so the widget never
    // mistakes Amigo's close for it (and the relay passes an upstream 4401 on as 4001).
    let seed_codes: Vec<u16> = seed::seed_table(SEED, &["Code", "Reason"], number)
        .iter()
        .map(|row| row[0].parse().unwrap())
        .collect();
    let section = seed::protocols_section("amigo");
    let sdk = section
        .split_once("terminal close codes ")
        .and_then(|(_, rest)| rest.split_once(" means rate-limited"))
        .map(|(codes, _)| codes.replace(';', ","))
        .unwrap();
    let sdk_codes: Vec<u16> = sdk.split(", ").map(|c| c.parse().unwrap()).collect();
    let token = relay::relay_close::TOKEN_REJECTED;
    assert!(!seed_codes.contains(&token) && !sdk_codes.contains(&token));
    assert_eq!(Amigo.classify_close(token).kind, CloseKind::NewSession);
    // The others are the seed's and the SDK's own, read as they are.
    for code in [
        relay::relay_close::NOT_ALLOWED,
        relay::relay_close::INVALID_PARAMETERS,
        relay::relay_close::RATE_LIMITED,
    ] {
        assert!(
            seed_codes.contains(&code) || sdk_codes.contains(&code),
            "{code}"
        );
    }
}

#[test]
fn each_way_a_frame_can_be_wrong_has_its_typed_error() {
    use docent_protocol::DecodeError;
    type IsExpected = fn(&DecodeError) -> bool;
    let cases: [(&str, IsExpected); 7] = [
        ("{not json", |e| matches!(e, DecodeError::NotJson(_))),
        ("[1, 2]", |e| matches!(e, DecodeError::NotAnObject)),
        (r#"{"data": {"text": "x"}}"#, |e| {
            matches!(e, DecodeError::MissingType)
        }),
        (r#"{"event": 7}"#, |e| matches!(e, DecodeError::MissingType)),
        (
            r#"{"event": "transcript", "data": {}}"#,
            |e| matches!(e, DecodeError::UnknownType(name) if name == "transcript"),
        ),
        (
            r#"{"event": "token", "data": {"text": 7}}"#,
            |e| matches!(e, DecodeError::BadField { message_type, .. } if message_type == "token"),
        ),
        (
            r#"{"event": "error", "data": "boom"}"#,
            |e| matches!(e, DecodeError::BadField { message_type, .. } if message_type == "error"),
        ),
    ];
    for (frame, is_expected) in cases {
        let error = Amigo.decoder().decode(frame).unwrap_err();
        assert!(is_expected(&error), "{frame} gave {error:?}");
        assert!(!error.to_string().is_empty());
    }
    assert!(matches!(
        ClientMessage::parse(r#"{"type": "heartbeat"}"#),
        Err(DecodeError::UnknownType(_))
    ));
    assert!(matches!(
        ClientMessage::parse(r#"{"type": "user_text"}"#),
        Err(DecodeError::BadField { .. })
    ));
    assert!(matches!(
        ClientMessage::parse(r#"{"text": "hi"}"#),
        Err(DecodeError::MissingType)
    ));
}

#[test]
fn damaged_frames_never_panic_the_decoder() {
    // xorshift64*, fixed seed: a failure reproduces.
    let mut state = 0x5EED_0004_u64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let mut frames: Vec<String> = shapes()
        .into_iter()
        .map(|(name, fields)| {
            let data: serde_json::Map<String, Value> =
                fields.iter().map(|f| (f.clone(), sample(f))).collect();
            json!({"event": name, "data": data}).to_string()
        })
        .collect();
    frames.push(json!({"event": "session.created", "data": {"conversation_id": "c"}}).to_string());
    let mut decoded = 0;
    for _ in 0..30_000 {
        let mut bytes = frames[(next() % frames.len() as u64) as usize]
            .clone()
            .into_bytes();
        for _ in 0..=next() % 4 {
            if bytes.is_empty() {
                break;
            }
            let at = (next() % bytes.len() as u64) as usize;
            match next() % 4 {
                0 => bytes[at] = next() as u8,
                1 => {
                    bytes.remove(at);
                }
                2 => bytes.insert(at, b"{}[]\",:\\0 "[(next() % 10) as usize]),
                _ => bytes.truncate(at),
            }
        }
        let frame = String::from_utf8_lossy(&bytes).into_owned();
        let mut decoder = Amigo.decoder();
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decoder.decode(&frame)))
                .unwrap_or_else(|_| panic!("decode panicked on {frame:?}"));
        decoded += usize::from(result.is_ok());
        let _ = ClientMessage::parse(&frame);
    }
    assert!(
        decoded > 0,
        "no damaged frame decoded: the generator is broken"
    );
}
