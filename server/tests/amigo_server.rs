//! The reference server's Amigo side over real sockets (seed 004, PROTOCOLS.md's event
//! shapes): subprotocol auth, every close code and error code, turns with and without tool
//! events, thread resumption, the idle timeout and injected retryable errors. Each test binds
//! port 0.

mod support;

use docent_server::Config;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::Duration;
use support::start;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const WORKSPACE: &str = "11111111-2222-4333-8444-555555555555";
const SERVICE: &str = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
const NIL: &str = "00000000-0000-0000-0000-000000000000";
const KEY: &str = "pk_test_amigo";
const GREETING: &str = "Hi! I can look up an order or book a demo for you. How can I help?";

fn quick() -> Config {
    Config {
        reply_delay: Duration::from_millis(20),
        control: true,
        ..Config::default()
    }
}

/// A fresh entity id, so each test has threads of its own.
fn entity() -> String {
    let hex = docent_server::sessions::random_id();
    format!(
        "{}-{}-4{}-8{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

fn path(workspace: &str, entity: &str, tool_events: bool) -> String {
    format!(
        "/v1/{workspace}/sessions/connect?service_id={SERVICE}&entity_id={entity}&tool_events={tool_events}"
    )
}

/// Connects with `Sec-WebSocket-Protocol: <protocols>` (none when empty); returns the socket
/// and the protocol the server selected.
async fn connect_with(addr: SocketAddr, path: &str, protocols: &str) -> (Socket, Option<String>) {
    let mut request = format!("ws://{addr}{path}").into_client_request().unwrap();
    if !protocols.is_empty() {
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_str(protocols).unwrap(),
        );
    }
    let (socket, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    let selected = response
        .headers()
        .get("sec-websocket-protocol")
        .map(|v| v.to_str().unwrap().to_string());
    (socket, selected)
}

async fn connect(addr: SocketAddr, path: &str) -> Socket {
    let (socket, selected) = connect_with(addr, path, &format!("auth, {KEY}")).await;
    assert_eq!(selected.as_deref(), Some("auth"));
    socket
}

/// The next JSON frame, or the close frame as `{"close": code, "reason": …}`.
async fn next(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a frame within 5 s")
            .expect("the socket is open")
            .expect("a readable frame");
        match message {
            Message::Text(text) => return serde_json::from_str(text.as_str()).unwrap(),
            Message::Close(Some(frame)) => {
                return json!({"close": u16::from(frame.code), "reason": frame.reason.as_str()})
            }
            Message::Close(None) => return json!({"close": null}),
            _ => continue,
        }
    }
}

async fn say(socket: &mut Socket, text: &str) {
    let frame = json!({"type": "user_text", "text": text}).to_string();
    socket.send(Message::text(frame)).await.unwrap();
}

/// The frames of one turn up to and including `done` or `error`.
async fn turn(socket: &mut Socket) -> Vec<Value> {
    let mut frames = Vec::new();
    loop {
        let frame = next(socket).await;
        let end =
            frame["event"] == "done" || frame["event"] == "error" || frame["close"] != Value::Null;
        frames.push(frame);
        if end {
            return frames;
        }
    }
}

fn names(frames: &[Value]) -> Vec<String> {
    frames
        .iter()
        .map(|f| f["event"].as_str().unwrap_or("close").to_string())
        .collect()
}

/// The turn's event names with the `token`s squeezed into one `token*`, and the tokens' text.
fn shape(frames: &[Value]) -> (Vec<String>, String) {
    let mut shape: Vec<String> = Vec::new();
    let mut text = String::new();
    for frame in frames {
        if frame["event"] == "token" {
            text.push_str(frame["data"]["text"].as_str().unwrap());
            if shape.last().map(String::as_str) != Some("token*") {
                shape.push("token*".into());
            }
        } else {
            shape.push(frame["event"].as_str().unwrap_or("close").to_string());
        }
    }
    (shape, text)
}

/// Connects to a new thread and reads `session.created` and the greeting.
async fn open(addr: SocketAddr, entity: &str, tool_events: bool) -> (Socket, String) {
    let mut socket = connect(addr, &path(WORKSPACE, entity, tool_events)).await;
    let created = next(&mut socket).await;
    assert_eq!(created["event"], "session.created", "{created}");
    let conversation = created["data"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_string();
    let greeting = turn(&mut socket).await;
    assert_eq!(
        shape(&greeting),
        (
            vec!["token*".into(), "message".into(), "done".into()],
            GREETING.into()
        )
    );
    (socket, conversation)
}

/// A plain HTTP/1.1 request; returns the status and the JSON body.
async fn http(addr: SocketAddr, method: &str, path: &str) -> (u16, Value) {
    let (status, json, _) = support::http(addr, method, path, &[], "").await;
    (status, json)
}

async fn expect_close(addr: SocketAddr, path: &str, protocols: &str, code: u16, reason: &str) {
    let (mut socket, _) = connect_with(addr, path, protocols).await;
    let close = next(&mut socket).await;
    assert_eq!(close["close"], code, "{path} [{protocols}]: {close}");
    let said = close["reason"].as_str().unwrap();
    assert!(said.contains(reason), "{path}: `{said}` lacks `{reason}`");
}

#[tokio::test]
async fn the_subprotocol_key_is_accepted_and_auth_is_selected() {
    let addr = start(quick()).await;
    let entity = entity();
    let mut socket = connect(addr, &path(WORKSPACE, &entity, false)).await;
    let created = next(&mut socket).await;
    assert_eq!(created["event"], "session.created");
    let data = created["data"].as_object().unwrap();
    assert_eq!(data["entity_id"], entity.as_str());
    assert_eq!(data["service_id"], SERVICE);
    assert!(data["conversation_id"]
        .as_str()
        .is_some_and(|c| !c.is_empty()));
    let greeting = turn(&mut socket).await;
    let done = greeting.last().unwrap();
    assert_eq!(
        done["data"],
        json!({"conversation_id": data["conversation_id"], "status": "completed", "turn_count": 1})
    );
    let message = &greeting[greeting.len() - 2];
    assert_eq!(
        message["data"],
        json!({"role": "assistant", "text": GREETING})
    );
}

#[tokio::test]
async fn only_the_configured_key_is_accepted_when_one_is() {
    // One key sorts before `auth`, one after: the pair is read in the order sent.
    let addr = start(Config {
        api_keys: vec!["amigo-secret_1".into(), "zz.key".into()],
        ..quick()
    })
    .await;
    let path = path(WORKSPACE, &entity(), true);
    expect_close(addr, &path, &format!("auth, {KEY}"), 4001, "invalid").await;
    let (mut socket, selected) = connect_with(addr, &path, "auth, amigo-secret_1").await;
    assert_eq!(selected.as_deref(), Some("auth"));
    let created = next(&mut socket).await;
    assert_eq!(created["event"], "session.created", "{created}");
    let (mut socket, _) = connect_with(addr, &path, "auth, zz.key").await;
    assert_eq!(next(&mut socket).await["event"], "session.created");
    // The key first and `auth` second is not the pair.
    expect_close(addr, &path, "zz.key, auth", 4001, "no credentials").await;
}

#[tokio::test]
async fn refusals_close_with_the_seed_codes() {
    let addr = start(quick()).await;
    let e = entity();
    let auth = format!("auth, {KEY}");
    // 4000: ids that are not UUIDs, a missing id, a tool_events that is not a flag.
    for (path, reason) in [
        (path("acme", &e, false), "workspace_id is not a UUID"),
        (
            format!("/v1/{WORKSPACE}/sessions/connect?service_id=svc&entity_id={e}"),
            "service_id is not a UUID",
        ),
        (
            format!("/v1/{WORKSPACE}/sessions/connect?service_id={SERVICE}"),
            "entity_id is missing",
        ),
        (
            format!("/v1/{WORKSPACE}/sessions/connect?entity_id={e}"),
            "service_id is missing",
        ),
        (path(WORKSPACE, &e[..35], false), "entity_id is not a UUID"),
        (
            format!(
                "/v1/{WORKSPACE}/sessions/connect?service_id={SERVICE}&entity_id={e}&tool_events=yes"
            ),
            "tool_events must be true or false",
        ),
    ] {
        expect_close(addr, &path, &auth, 4000, reason).await;
    }
    // 4001: no credentials, `auth` without a key, a key the server does not take.
    let good = path(WORKSPACE, &e, false);
    expect_close(addr, &good, "", 4001, "Authentication failed").await;
    expect_close(addr, &good, "auth", 4001, "Authentication failed").await;
    expect_close(addr, &good, "auth, sk_live_nope", 4001, "invalid").await;
    // 4004: a workspace, service or entity that does not exist.
    expect_close(
        addr,
        &path(NIL, &e, false),
        &auth,
        4004,
        "workspace not found",
    )
    .await;
    expect_close(
        addr,
        &path(WORKSPACE, NIL, false),
        &auth,
        4004,
        "entity not found",
    )
    .await;
    let no_service = format!("/v1/{WORKSPACE}/sessions/connect?service_id={NIL}&entity_id={e}");
    expect_close(addr, &no_service, &auth, 4004, "service not found").await;
    // 4503: the agent engine is down (the control route refuses connections for a while).
    let (status, _) = http(addr, "POST", "/control/refuse?ms=300").await;
    assert_eq!(status, 200);
    expect_close(addr, &good, &auth, 4503, "unavailable").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let mut socket = connect(addr, &good).await;
    assert_eq!(next(&mut socket).await["event"], "session.created");
}

#[tokio::test]
async fn a_turn_with_tool_events_streams_thinking_tools_tokens_message_done() {
    let addr = start(quick()).await;
    let (mut socket, conversation) = open(addr, &entity(), true).await;
    say(&mut socket, "Where is my order 1234?").await;
    let frames = turn(&mut socket).await;
    let (order, text) = shape(&frames);
    assert_eq!(
        order,
        [
            "thinking",
            "tool_call_started",
            "tool_call_completed",
            "token*",
            "message",
            "done"
        ]
    );
    assert_eq!(frames[0]["data"], json!({"tier_name": "fast"}));
    assert_eq!(
        frames[1]["data"],
        json!({"tool_name": "lookup_order", "call_id": "call_1", "input": {"order_id": "1234"}})
    );
    let completed = &frames[2]["data"];
    assert_eq!(completed["tool_name"], "lookup_order");
    assert_eq!(completed["call_id"], "call_1");
    assert_eq!(completed["succeeded"], true);
    assert_eq!(completed["result"]["status"], "shipped");
    let message = &frames[frames.len() - 2]["data"];
    assert_eq!(message["role"], "assistant");
    assert_eq!(message["text"], text.as_str());
    assert!(text.contains("1234") && text.contains("shipped"), "{text}");
    assert!(frames.iter().filter(|f| f["event"] == "token").count() > 3);
    assert_eq!(
        frames.last().unwrap()["data"],
        json!({"conversation_id": conversation, "status": "completed", "turn_count": 2})
    );

    // The calendar booking, and a lookup whose tool fails.
    say(&mut socket, "Can I book a demo tomorrow?").await;
    let frames = turn(&mut socket).await;
    assert_eq!(frames[1]["data"]["tool_name"], "book_calendar_slot");
    assert_eq!(frames[1]["data"]["call_id"], "call_2");
    assert_eq!(frames[2]["data"]["succeeded"], true);
    assert!(shape(&frames).1.contains("tomorrow at 10:00"));
    say(&mut socket, "where is my order 404").await;
    let frames = turn(&mut socket).await;
    assert_eq!(frames[2]["event"], "tool_call_completed");
    assert_eq!(frames[2]["data"]["succeeded"], false);
    assert!(shape(&frames).1.contains("could not find order 404"));
    assert_eq!(frames.last().unwrap()["data"]["turn_count"], 4);
}

#[tokio::test]
async fn without_tool_events_a_turn_has_no_tool_frames() {
    let addr = start(quick()).await;
    let (mut socket, _) = open(addr, &entity(), false).await;
    for text in ["Where is my order 1234?", "book a demo tomorrow", "hello"] {
        say(&mut socket, text).await;
        let frames = turn(&mut socket).await;
        assert_eq!(
            shape(&frames).0,
            ["thinking", "token*", "message", "done"],
            "{text}"
        );
    }
    // The fallback says what the agent can do.
    say(&mut socket, "What's the weather?").await;
    assert!(shape(&turn(&mut socket).await)
        .1
        .contains("where is my order 1234"));
}

#[tokio::test]
async fn bad_frames_are_client_errors_and_the_socket_stays_open() {
    let addr = start(quick()).await;
    let (mut socket, _) = open(addr, &entity(), false).await;
    let long = json!({"type": "user_text", "text": "x".repeat(10_001)}).to_string();
    for frame in [
        "{not json".to_string(),
        r#"{"type":"heartbeat"}"#.into(),
        r#"{"text":"no type"}"#.into(),
        r#"{"type":"user_text"}"#.into(),
        r#"{"type":"user_text","text":""}"#.into(),
        r#"{"type":"user_text","text":"   "}"#.into(),
        long,
    ] {
        socket.send(Message::text(frame.clone())).await.unwrap();
        let error = next(&mut socket).await;
        assert_eq!(error["event"], "error", "{frame}");
        assert_eq!(error["data"]["code"], "client_error", "{frame}");
        assert_eq!(error["data"]["retryable"], false, "{frame}");
        assert!(error["data"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }
    socket.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
    assert_eq!(next(&mut socket).await["data"]["code"], "client_error");
    // 10,000 characters are fine.
    say(&mut socket, &"é".repeat(10_000)).await;
    assert_eq!(
        shape(&turn(&mut socket).await).0,
        ["thinking", "token*", "message", "done"]
    );
}

#[tokio::test]
async fn the_same_entity_and_service_resume_the_thread_without_a_second_greeting() {
    let addr = start(quick()).await;
    let entity = entity();
    let (mut socket, conversation) = open(addr, &entity, false).await;
    say(&mut socket, "where is my order 1234").await;
    assert_eq!(
        turn(&mut socket).await.last().unwrap()["data"]["turn_count"],
        2
    );
    socket.close(None).await.unwrap();

    let mut again = connect(addr, &path(WORKSPACE, &entity, true)).await;
    let created = next(&mut again).await;
    assert_eq!(created["event"], "session.created");
    assert_eq!(created["data"]["conversation_id"], conversation.as_str());
    // No greeting: the next frame is the answer to the next message.
    say(&mut again, "book a demo tomorrow").await;
    let frames = turn(&mut again).await;
    assert_eq!(frames[0]["event"], "thinking", "{frames:?}");
    let done = &frames.last().unwrap()["data"];
    assert_eq!(done["conversation_id"], conversation.as_str());
    assert_eq!(done["turn_count"], 3);

    // The server kept the whole transcript.
    let (status, body) = http(addr, "GET", &format!("/control/sessions/{conversation}")).await;
    assert_eq!(status, 200);
    let record = &body["record"];
    assert_eq!(
        record["visitorMessages"],
        json!(["where is my order 1234", "book a demo tomorrow"])
    );
    let replies = record["replies"].as_array().unwrap();
    assert_eq!(replies.len(), 3);
    assert_eq!(replies[0], GREETING);

    // Another entity, or the same entity in another workspace, is another thread.
    let (_, other) = open(addr, &self::entity(), false).await;
    assert_ne!(other, conversation);
    let mut elsewhere = connect(
        addr,
        &path("22222222-2222-4333-8444-555555555555", &entity, false),
    )
    .await;
    let created = next(&mut elsewhere).await;
    assert_ne!(created["data"]["conversation_id"], conversation.as_str());
    assert_eq!(shape(&turn(&mut elsewhere).await).1, GREETING);
}

#[tokio::test]
async fn an_idle_socket_gets_idle_timeout_then_a_normal_close() {
    let addr = start(Config {
        idle_timeout: Duration::from_millis(400),
        ..quick()
    })
    .await;
    let (mut socket, _) = open(addr, &entity(), false).await;
    let error = next(&mut socket).await;
    assert_eq!(error["event"], "error");
    assert_eq!(error["data"]["code"], "idle_timeout");
    assert_eq!(error["data"]["retryable"], true);
    let close = next(&mut socket).await;
    assert_eq!(close["close"], 1000, "{close}");
}

#[tokio::test]
async fn injected_errors_fail_once_and_the_resend_is_answered() {
    let addr = start(quick()).await;
    let (mut socket, _) = open(addr, &entity(), true).await;

    // Interrupted mid-stream: some tokens, then the retryable error, and no done.
    let text = "where is my order 1234 #stream_interrupted";
    say(&mut socket, text).await;
    let frames = turn(&mut socket).await;
    let (order, streamed) = shape(&frames);
    assert_eq!(
        order,
        [
            "thinking",
            "tool_call_started",
            "tool_call_completed",
            "token*",
            "error"
        ]
    );
    assert!(!streamed.is_empty());
    assert_eq!(
        frames.last().unwrap()["data"],
        json!({"code": "stream_interrupted",
            "message": "Connection to agent engine was interrupted", "retryable": true})
    );
    say(&mut socket, text).await;
    let frames = turn(&mut socket).await;
    assert_eq!(frames.last().unwrap()["event"], "done");
    assert_eq!(frames.last().unwrap()["data"]["turn_count"], 2);

    for (tag, code, retryable, status) in [
        ("#turn_timeout", "turn_timeout", true, None::<u64>),
        ("#upstream_503", "upstream_error", true, Some(503)),
        ("#upstream_400", "upstream_error", false, Some(400)),
    ] {
        let text = format!("hello {tag}");
        say(&mut socket, &text).await;
        let frames = turn(&mut socket).await;
        assert_eq!(names(&frames), ["thinking", "error"], "{tag}");
        let data = &frames[1]["data"];
        assert_eq!(data["code"], code, "{tag}");
        assert_eq!(data["retryable"], retryable, "{tag}");
        assert_eq!(data["status_code"].as_u64(), status, "{tag}");
        say(&mut socket, &text).await;
        assert_eq!(
            names(&turn(&mut socket).await).last().map(String::as_str),
            Some("done"),
            "{tag}"
        );
    }
}

#[tokio::test]
async fn every_frame_parses_with_the_widgets_codec() {
    use docent_protocol::amigo::ServerEvent;
    let addr = start(quick()).await;
    let mut socket = connect(addr, &path(WORKSPACE, &entity(), true)).await;
    let mut frames = vec![next(&mut socket).await];
    frames.extend(turn(&mut socket).await);
    say(&mut socket, "where is my order 1234 #stream_interrupted").await;
    frames.extend(turn(&mut socket).await);
    for frame in frames {
        assert!(ServerEvent::parse(&frame.to_string()).is_ok(), "{frame}");
    }
}

#[tokio::test]
async fn expiring_the_conversation_through_control_closes_like_the_idle_timeout() {
    let addr = start(quick()).await;
    let (mut socket, conversation) = open(addr, &entity(), false).await;
    let (status, _) = http(
        addr,
        "POST",
        &format!("/control/sessions/{conversation}/expire"),
    )
    .await;
    assert_eq!(status, 200);
    let error = next(&mut socket).await;
    assert_eq!(error["data"]["code"], "idle_timeout");
    assert_eq!(next(&mut socket).await["close"], 1000);
}

#[tokio::test]
async fn a_key_offered_without_auth_selects_no_protocol_and_the_handshake_fails() {
    // The server selects `auth` only when it was offered; a client (a browser, tungstenite)
    // fails a socket whose server selects none of the protocols it offered.
    let addr = start(quick()).await;
    let mut request = format!("ws://{addr}{}", path(WORKSPACE, &entity(), false))
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", HeaderValue::from_static(KEY));
    assert!(tokio_tungstenite::connect_async(request).await.is_err());
}

/// With `--control`, `echo: X` runs a tool named X and answers X, markup and all (the
/// widget's XSS test sends its payloads this way); without it, `echo:` is an ordinary message.
#[tokio::test]
async fn with_control_an_echo_names_the_tool_and_says_the_payload() {
    let addr = start(quick()).await;
    let (mut socket, _) = open(addr, &entity(), true).await;
    let payload = "<img src=x onerror=alert(1)> **b**";
    say(&mut socket, &format!("echo: {payload}")).await;
    let frames = turn(&mut socket).await;
    assert_eq!(frames[1]["data"]["tool_name"], payload);
    assert_eq!(frames[frames.len() - 2]["data"]["text"], payload);

    let addr = start(Config {
        control: false,
        ..quick()
    })
    .await;
    let (mut socket, _) = open(addr, &entity(), true).await;
    say(&mut socket, &format!("echo: {payload}")).await;
    let frames = turn(&mut socket).await;
    assert_ne!(frames[frames.len() - 2]["data"]["text"], payload);
}

#[tokio::test]
async fn with_control_a_bench_stream_is_c_characters_in_n_tokens_and_without_it_an_ordinary_reply()
{
    let addr = start(quick()).await;
    let (mut socket, _) = open(addr, &entity(), false).await;
    say(&mut socket, "#bench_stream 300 1200").await;
    let frames = turn(&mut socket).await;
    let (shape_of, text) = shape(&frames);
    assert_eq!(shape_of, ["thinking", "token*", "message", "done"]);
    assert_eq!(names(&frames).iter().filter(|n| *n == "token").count(), 300);
    assert_eq!(text.len(), 1200);
    let message = frames.iter().find(|f| f["event"] == "message").unwrap();
    assert_eq!(message["data"]["text"].as_str(), Some(text.as_str()));

    // Without `--control` the marker is only words: the agent's usual answer.
    let addr = start(Config {
        control: false,
        ..quick()
    })
    .await;
    let (mut socket, _) = open(addr, &entity(), false).await;
    say(&mut socket, "#bench_stream 300 1200").await;
    let (_, text) = shape(&turn(&mut socket).await);
    assert!(text.contains("where is my order 1234"), "{text}");
}
