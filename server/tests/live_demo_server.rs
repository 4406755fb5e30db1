//! The reference server over real sockets: every client and server message type of seed
//! 002, every error code and every close code. Each test binds port 0.

mod support;

use docent_server::sessions::Tokens;
use docent_server::Config;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::Duration;
use support::{start, SECRET};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn quick() -> Config {
    Config {
        reply_delay: Duration::from_millis(20),
        control: true,
        ..Config::default()
    }
}

/// A plain HTTP/1.1 request over a real socket; returns the status and the JSON body.
async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    auth: Option<&str>,
    body: &str,
) -> (u16, Value) {
    let bearer = auth.map(|a| format!("Bearer {a}"));
    let headers: Vec<(&str, &str)> = bearer
        .iter()
        .map(|b| ("Authorization", b.as_str()))
        .collect();
    let (status, json, _) = support::http(addr, method, path, &headers, body).await;
    (status, json)
}

async fn create_session(addr: SocketAddr) -> (String, String) {
    let (status, body) = http(
        addr,
        "POST",
        "/api/v1/session",
        Some("pk_test_docent"),
        r#"{"productId":"default"}"#,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    (
        body["sessionId"].as_str().unwrap().to_string(),
        body["token"].as_str().unwrap().to_string(),
    )
}

async fn connect(addr: SocketAddr, path: &str) -> Socket {
    let (socket, _) = tokio_tungstenite::connect_async(format!("ws://{addr}{path}"))
        .await
        .unwrap();
    socket
}

async fn open(addr: SocketAddr) -> (Socket, String) {
    let (id, token) = create_session(addr).await;
    (
        connect(addr, &format!("/ws/session/{id}?token={token}")).await,
        id,
    )
}

async fn send(socket: &mut Socket, frame: Value) {
    socket.send(Message::text(frame.to_string())).await.unwrap();
}

/// The next JSON frame, or the close frame's code as `{"close": code, "reason": …}`.
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

async fn expect_refusal(addr: SocketAddr, path: &str, code: &str, close: u16) {
    let mut socket = connect(addr, path).await;
    let error = next(&mut socket).await;
    assert_eq!(error["type"], "error", "{error}");
    assert_eq!(error["payload"]["code"], code, "{error}");
    assert!(error["payload"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    assert_eq!(next(&mut socket).await["close"], close);
}

#[tokio::test]
async fn a_session_is_created_with_a_signed_token_greeting_and_agent() {
    let addr = start(quick()).await;
    let body = json!({"productId": "default", "visitorMeta": {"name": "Ada", "company": "Acme", "needs": ["crm"]}});
    let (status, session) = http(
        addr,
        "POST",
        "/api/v1/session",
        Some("pk_test_x"),
        &body.to_string(),
    )
    .await;
    assert_eq!(status, 200);
    let id = session["sessionId"].as_str().unwrap();
    let token = session["token"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3, "a JWT has three parts");
    let tokens = Tokens::new(SECRET, Duration::from_secs(60));
    assert_eq!(tokens.check(token).unwrap(), id);
    assert!(session["greeting"]["text"]
        .as_str()
        .unwrap()
        .contains("Ava"));
    assert!(session["greeting"]["speech"].is_string());
    assert_eq!(
        session["greeting"]["suggestions"][0],
        "Show me the dashboard"
    );
    assert_eq!(session["agent"], json!({"name": "Ava", "tone": "friendly"}));
}

#[tokio::test]
async fn bad_session_requests_get_a_json_error_with_a_4xx_status() {
    let addr = start(quick()).await;
    let ok_body = r#"{"productId":"default"}"#;
    for (auth, body, status, code) in [
        (None, ok_body, 401, "AUTH_REQUIRED"),
        (Some("sk_secret"), ok_body, 401, "INVALID_KEY"),
        (Some("pk_test_x"), "{not json", 400, "INVALID_JSON"),
        (
            Some("pk_test_x"),
            r#"{"visitorMeta":{}}"#,
            422,
            "INVALID_REQUEST",
        ),
        (
            Some("pk_test_x"),
            r#"{"productId":42}"#,
            422,
            "INVALID_REQUEST",
        ),
        (
            Some("pk_test_x"),
            r#"{"productId":"  "}"#,
            422,
            "INVALID_REQUEST",
        ),
        (
            Some("pk_test_x"),
            r#"{"productId":"unknown-product"}"#,
            404,
            "PDP_NOT_FOUND",
        ),
    ] {
        let (got, error) = http(addr, "POST", "/api/v1/session", auth, body).await;
        assert_eq!(got, status, "{body}: {error}");
        assert_eq!(error["error"]["code"], code, "{body}");
        assert!(error["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }
}

#[tokio::test]
async fn sockets_without_a_good_token_or_session_are_refused_with_the_seed_codes() {
    let addr = start(quick()).await;
    let (id, token) = create_session(addr).await;
    let (other_id, _) = create_session(addr).await;
    expect_refusal(addr, &format!("/ws/session/{id}"), "AUTH_REQUIRED", 4001).await;
    expect_refusal(
        addr,
        &format!("/ws/session/{id}?token="),
        "AUTH_REQUIRED",
        4001,
    )
    .await;
    expect_refusal(
        addr,
        &format!("/ws/session/{id}?token=garbage"),
        "INVALID_TOKEN",
        4001,
    )
    .await;
    // A real token, but for another session.
    expect_refusal(
        addr,
        &format!("/ws/session/{other_id}?token={token}"),
        "INVALID_TOKEN",
        4001,
    )
    .await;
    // An expired token.
    let expired = Tokens::new(SECRET, Duration::ZERO).issue(&id);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    expect_refusal(
        addr,
        &format!("/ws/session/{id}?token={expired}"),
        "INVALID_TOKEN",
        4001,
    )
    .await;
    // A well-signed token for a session this server never made.
    let ghost = Tokens::new(SECRET, Duration::from_secs(60)).issue("ghost");
    expect_refusal(
        addr,
        &format!("/ws/session/ghost?token={ghost}"),
        "SESSION_NOT_FOUND",
        4004,
    )
    .await;
    // A session that does not exist is not found, even asked for with a good token for another.
    expect_refusal(
        addr,
        &format!("/ws/session/no-such-session?token={token}"),
        "SESSION_NOT_FOUND",
        4004,
    )
    .await;
}

#[tokio::test]
async fn a_heartbeat_gets_a_pong_with_the_server_time() {
    let addr = start(quick()).await;
    let (mut socket, _) = open(addr).await;
    send(&mut socket, json!({"type": "heartbeat", "payload": {}})).await;
    let pong = next(&mut socket).await;
    assert_eq!(pong["type"], "pong");
    assert!(pong["payload"]["ts"].as_u64().unwrap() > 1_700_000_000_000);
}

#[tokio::test]
async fn a_visitor_message_gets_typing_then_the_scripted_reply_then_typing_off() {
    let addr = start(quick()).await;
    let (mut socket, _) = open(addr).await;
    send(
        &mut socket,
        json!({"type": "visitor_message", "payload": {"text": "Show me the dashboard"}}),
    )
    .await;
    assert_eq!(
        next(&mut socket).await,
        json!({"type": "typing_indicator", "payload": {"agentId": "demo", "isTyping": true}})
    );
    let reply = next(&mut socket).await;
    assert_eq!(reply["type"], "agent_response");
    let payload = &reply["payload"];
    assert_eq!(
        payload["text"],
        "Here's the dashboard! Let me show you the pipeline."
    );
    assert!(payload["speech"].is_string());
    assert_eq!(payload["agentId"], "demo");
    assert_eq!(payload["iframeCommands"][0]["action"], "navigate");
    assert_eq!(payload["suggestions"][0], "Create a deal");
    assert_eq!(
        next(&mut socket).await,
        json!({"type": "typing_indicator", "payload": {"agentId": "demo", "isTyping": false}})
    );
}

#[tokio::test]
async fn the_seed_phrases_and_unknown_input_each_get_an_answer_in_order() {
    let addr = start(quick()).await;
    let (mut socket, _) = open(addr).await;
    let phrases = [
        "Create a deal",
        "Show contacts",
        "What's the weather on Mars?",
    ];
    for phrase in phrases {
        send(
            &mut socket,
            json!({"type": "visitor_message", "payload": {"text": phrase}}),
        )
        .await;
    }
    let mut replies = Vec::new();
    while replies.len() < phrases.len() {
        let frame = next(&mut socket).await;
        if frame["type"] == "agent_response" {
            replies.push(frame["payload"]["text"].as_str().unwrap().to_string());
        }
    }
    assert!(replies[0].starts_with("Creating a deal"), "{replies:?}");
    assert!(
        replies[1].starts_with("These are your contacts"),
        "{replies:?}"
    );
    assert!(replies[2].starts_with("I'm not sure"), "{replies:?}");
}

#[tokio::test]
async fn pricing_is_followed_by_the_lead_form_and_a_submitted_lead_is_recorded() {
    let addr = start(quick()).await;
    let (mut socket, id) = open(addr).await;
    send(
        &mut socket,
        json!({"type": "visitor_message", "payload": {"text": "Tell me about pricing"}}),
    )
    .await;
    let mut types = Vec::new();
    let form = loop {
        let frame = next(&mut socket).await;
        types.push(frame["type"].as_str().unwrap().to_string());
        if frame["type"] == "lead_form" {
            break frame;
        }
    };
    assert_eq!(
        types,
        [
            "typing_indicator",
            "agent_response",
            "typing_indicator",
            "lead_form"
        ]
    );
    assert_eq!(form["payload"]["fields"], json!(["email", "company"]));
    assert_eq!(form["payload"]["cta"]["text"], "Start Free Trial");

    send(&mut socket, json!({"type": "iframe_event", "payload": {"event": "lead_submitted", "lead": {"email": "ada@acme.test", "company": "Acme"}}})).await;
    send(&mut socket, json!({"type": "iframe_event", "payload": {"event": "click", "selector": "#btn", "url": "/dashboard"}})).await;
    // A heartbeat after both events: once its pong is back, both were handled.
    send(&mut socket, json!({"type": "heartbeat", "payload": {}})).await;
    assert_eq!(next(&mut socket).await["type"], "pong");
    let (status, record) = http(addr, "GET", &format!("/control/sessions/{id}"), None, "").await;
    assert_eq!(status, 200);
    assert_eq!(
        record["record"]["leads"],
        json!([{"email": "ada@acme.test", "company": "Acme"}])
    );
    assert_eq!(
        record["record"]["pageEvents"],
        json!([{"event": "click", "selector": "#btn", "url": "/dashboard"}])
    );
    assert_eq!(
        record["record"]["visitorMessages"],
        json!(["Tell me about pricing"])
    );
}

#[tokio::test]
async fn the_agent_reacts_once_to_the_visitor_opening_deals_on_their_own() {
    let addr = start(quick()).await;
    let (mut socket, id) = open(addr).await;
    let opened_deals = json!({"type": "iframe_event", "payload": {"event": "navigation", "url": "/crm/deals.html"}});
    send(&mut socket, opened_deals.clone()).await;
    send(&mut socket, opened_deals).await;
    let mut replies = Vec::new();
    send(
        &mut socket,
        json!({"type": "visitor_message", "payload": {"text": "Show contacts"}}),
    )
    .await;
    while replies.len() < 2 {
        let frame = next(&mut socket).await;
        if frame["type"] == "agent_response" {
            replies.push(frame["payload"]["text"].as_str().unwrap().to_string());
        }
    }
    assert!(
        replies[0].starts_with("I see you opened Deals"),
        "{replies:?}"
    );
    assert!(
        replies[1].starts_with("These are your contacts"),
        "reacted twice: {replies:?}"
    );
    let (_, record) = http(addr, "GET", &format!("/control/sessions/{id}"), None, "").await;
    assert_eq!(record["record"]["pageEvents"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_resent_message_is_answered_once_and_a_late_reply_finds_the_next_connection() {
    let addr = start(Config {
        reply_delay: Duration::from_millis(300),
        ..quick()
    })
    .await;
    let (id, token) = create_session(addr).await;
    let path = format!("/ws/session/{id}?token={token}");
    let say = |cid: &str| json!({"type": "visitor_message", "payload": {"text": "Show contacts", "clientMessageId": cid}});

    // Asked, then the connection drops before the reply is ready.
    let mut first = connect(addr, &path).await;
    send(&mut first, say("c1")).await;
    assert_eq!(next(&mut first).await["payload"]["isTyping"], true);
    drop(first);
    // The widget reconnects and resends: the reply comes once, on the new connection.
    let mut second = connect(addr, &path).await;
    send(&mut second, say("c1")).await;
    let reply = loop {
        let frame = next(&mut second).await;
        if frame["type"] == "agent_response" {
            break frame;
        }
    };
    assert_eq!(reply["payload"]["replyTo"], "c1");
    // Resent again after it was answered: the same reply again, named, and no new turn.
    send(&mut second, say("c1")).await;
    let mut again = next(&mut second).await;
    if again["type"] == "typing_indicator" {
        again = next(&mut second).await;
    }
    assert_eq!(again, reply);
    let (_, record) = http(addr, "GET", &format!("/control/sessions/{id}"), None, "").await;
    assert_eq!(
        record["record"]["visitorMessages"],
        json!(["Show contacts"])
    );
    assert_eq!(record["record"]["duplicates"], 2);
}

#[tokio::test]
async fn seed_only_ignores_ids_and_a_reply_goes_only_to_the_connection_its_message_came_on() {
    let addr = start(Config {
        reply_delay: Duration::from_millis(300),
        seed_only: true,
        ..quick()
    })
    .await;
    let (id, token) = create_session(addr).await;
    let path = format!("/ws/session/{id}?token={token}");
    let say = json!({"type": "visitor_message", "payload": {"text": "Show contacts", "clientMessageId": "c1"}});

    let mut first = connect(addr, &path).await;
    send(&mut first, say.clone()).await;
    assert_eq!(next(&mut first).await["payload"]["isTyping"], true);
    drop(first);
    // The same message again, id and all: answered again, as a new message, on this
    // connection only, and nothing names what it answers.
    let mut second = connect(addr, &path).await;
    send(&mut second, say).await;
    let mut frames = Vec::new();
    while let Ok(Some(Ok(Message::Text(text)))) =
        tokio::time::timeout(Duration::from_millis(1_200), second.next()).await
    {
        frames.push(serde_json::from_str::<Value>(text.as_str()).unwrap());
    }
    let kinds: Vec<_> = frames.iter().map(|f| f["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["typing_indicator", "agent_response", "typing_indicator"],
        "the first connection's reply was lost with it: {frames:?}"
    );
    assert_eq!(frames[1]["payload"].get("replyTo"), None);
    let (_, record) = http(addr, "GET", &format!("/control/sessions/{id}"), None, "").await;
    assert_eq!(
        record["record"]["visitorMessages"],
        json!(["Show contacts", "Show contacts"])
    );
    assert_eq!(record["record"]["duplicates"], 0);
}

#[tokio::test]
async fn seed_only_records_page_events_without_reacting_to_them() {
    let addr = start(Config {
        seed_only: true,
        ..quick()
    })
    .await;
    let (mut socket, id) = open(addr).await;
    let open_deals = json!({"type": "iframe_event", "payload": {"event": "navigation", "url": "/crm/deals.html"}});
    send(&mut socket, open_deals).await;
    send(&mut socket, json!({"type": "heartbeat", "payload": {}})).await;
    assert_eq!(next(&mut socket).await["type"], "pong", "no reaction first");
    let (_, record) = http(addr, "GET", &format!("/control/sessions/{id}"), None, "").await;
    assert_eq!(record["record"]["pageEvents"].as_array().unwrap().len(), 1);
}

/// The frames' types until the socket drops (`None` if it closes properly or stays open).
async fn types_until_dropped(socket: &mut Socket) -> Option<Vec<String>> {
    let mut types = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_secs(2), socket.next()).await {
            Ok(None) | Ok(Some(Err(_))) => return Some(types),
            Ok(Some(Ok(Message::Text(text)))) => {
                let frame: Value = serde_json::from_str(text.as_str()).unwrap();
                types.push(frame["type"].as_str().unwrap().to_string());
            }
            Ok(Some(Ok(Message::Close(_)))) | Err(_) => return None,
            Ok(Some(Ok(_))) => continue,
        }
    }
}

#[tokio::test]
async fn turn_faults_drop_before_processing_instead_of_the_reply_or_after_it() {
    use docent_server::faults::Faults;
    let cases = [
        (
            Faults {
                drop_before_turn: 1.0,
                ..Faults::default()
            },
            vec![],
            0,
            "beforeTurn",
        ),
        (
            Faults {
                drop_instead_of_reply: 1.0,
                ..Faults::default()
            },
            vec!["typing_indicator"],
            1,
            "repliesLost",
        ),
        (
            Faults {
                drop_after_reply: 1.0,
                ..Faults::default()
            },
            vec!["typing_indicator", "agent_response"],
            1,
            "afterReply",
        ),
    ];
    for (faults, frames, processed, counted) in cases {
        let addr = start(Config {
            seed_only: true,
            faults,
            ..quick()
        })
        .await;
        let (mut socket, id) = open(addr).await;
        send(
            &mut socket,
            json!({"type": "visitor_message", "payload": {"text": "Show contacts"}}),
        )
        .await;
        assert_eq!(
            types_until_dropped(&mut socket).await,
            Some(frames.iter().map(|f| f.to_string()).collect()),
            "{counted}"
        );
        let (_, record) = http(addr, "GET", &format!("/control/sessions/{id}"), None, "").await;
        assert_eq!(
            record["record"]["visitorMessages"]
                .as_array()
                .unwrap()
                .len(),
            processed,
            "{counted}"
        );
        let (_, counts) = http(addr, "GET", "/control/faults", None, "").await;
        assert_eq!(counts[counted], 1, "{counts}");
        assert_eq!(counts["drops"], 1, "{counts}");
    }
}

#[tokio::test]
async fn bad_frames_get_their_error_code_and_the_socket_stays_usable() {
    let addr = start(quick()).await;
    let (mut socket, _) = open(addr).await;
    let cases = [
        ("{not json".to_string(), "INVALID_JSON"),
        ("[1,2]".to_string(), "INVALID_JSON"),
        (
            json!({"type": "visitor_message", "payload": {"text": 5}}).to_string(),
            "INVALID_JSON",
        ),
        (
            json!({"type": "teleport", "payload": {}}).to_string(),
            "UNKNOWN_TYPE",
        ),
        (json!({"payload": {}}).to_string(), "UNKNOWN_TYPE"),
        (
            json!({"type": "visitor_message", "payload": {"text": "   "}}).to_string(),
            "EMPTY_MESSAGE",
        ),
        (
            json!({"type": "visitor_message", "payload": {"text": ""}}).to_string(),
            "EMPTY_MESSAGE",
        ),
    ];
    for (frame, code) in cases {
        socket.send(Message::text(frame.clone())).await.unwrap();
        let error = next(&mut socket).await;
        assert_eq!(error["type"], "error", "{frame}");
        assert_eq!(error["payload"]["code"], code, "{frame}");
    }
    socket.send(Message::binary(vec![1, 2, 3])).await.unwrap();
    assert_eq!(next(&mut socket).await["payload"]["code"], "INVALID_JSON");
    send(&mut socket, json!({"type": "heartbeat", "payload": {}})).await;
    assert_eq!(next(&mut socket).await["type"], "pong");
}

#[tokio::test]
async fn an_idle_session_expires_with_session_expired_and_stays_gone() {
    let addr = start(Config {
        idle_timeout: Duration::from_millis(600),
        ..quick()
    })
    .await;
    let (id, token) = create_session(addr).await;
    let path = format!("/ws/session/{id}?token={token}");
    let mut socket = connect(addr, &path).await;
    let error = next(&mut socket).await;
    assert_eq!(error["payload"]["code"], "SESSION_EXPIRED");
    assert_eq!(next(&mut socket).await["close"], 4004);
    expect_refusal(addr, &path, "SESSION_EXPIRED", 4004).await;
}

#[tokio::test]
async fn ending_a_session_closes_its_socket_normally_and_it_cannot_be_reopened() {
    let addr = start(quick()).await;
    let (id, token) = create_session(addr).await;
    let path = format!("/ws/session/{id}?token={token}");
    let mut socket = connect(addr, &path).await;
    let end = format!("/api/v1/session/{id}/end");
    assert_eq!(http(addr, "POST", &end, None, "").await.0, 401);
    assert_eq!(http(addr, "POST", &end, Some("garbage"), "").await.0, 401);
    let (status, body) = http(addr, "POST", &end, Some(&token), "").await;
    assert_eq!((status, body), (200, json!({"ended": true})));
    let closed = next(&mut socket).await;
    assert_eq!(closed["close"], u16::from(CloseCode::Normal));
    expect_refusal(addr, &path, "SESSION_NOT_FOUND", 4004).await;
    let (status, error) = http(addr, "POST", &end, Some(&token), "").await;
    assert_eq!(status, 404);
    assert_eq!(error["error"]["code"], "SESSION_NOT_FOUND");
}

/// True once the socket ends without a close frame (an abrupt drop).
async fn dropped(socket: &mut Socket) -> bool {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), socket.next()).await {
            Ok(None) | Ok(Some(Err(_))) => return true,
            Ok(Some(Ok(Message::Close(_)))) => return false,
            Ok(Some(Ok(_))) => continue,
            Err(_) => return false,
        }
    }
}

#[tokio::test]
async fn faults_drop_the_socket_and_send_malformed_frames_when_asked() {
    let addr = start(Config {
        faults: docent_server::faults::Faults {
            drop_every: Some(2),
            malformed_every: Some(2),
            ..Default::default()
        },
        ..quick()
    })
    .await;
    let (mut socket, _) = open(addr).await;
    send(&mut socket, json!({"type": "heartbeat", "payload": {}})).await;
    assert_eq!(next(&mut socket).await["type"], "pong");
    send(&mut socket, json!({"type": "heartbeat", "payload": {}})).await;
    let garbage = socket.next().await.unwrap().unwrap();
    assert!(
        docent_protocol::live_demo::ServerMessage::parse(garbage.to_text().unwrap()).is_err(),
        "{garbage:?} should be malformed"
    );
    assert_eq!(next(&mut socket).await["type"], "pong");
    assert!(
        dropped(&mut socket).await,
        "the second frame should end the connection"
    );
    let (_, counts) = http(addr, "GET", "/control/faults", None, "").await;
    assert_eq!(counts, json!({"frames": 2, "drops": 1, "malformed": 1}));
}

#[tokio::test]
async fn the_control_endpoint_closes_expires_and_refuses_on_demand() {
    let addr = start(quick()).await;
    let (mut socket, id) = open(addr).await;
    let (status, _) = http(
        addr,
        "POST",
        &format!("/control/sessions/{id}/close?code=4001"),
        None,
        "",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(next(&mut socket).await["close"], 4001);

    let (mut socket, id) = open(addr).await;
    http(
        addr,
        "POST",
        &format!("/control/sessions/{id}/expire"),
        None,
        "",
    )
    .await;
    assert_eq!(
        next(&mut socket).await["payload"]["code"],
        "SESSION_EXPIRED"
    );
    assert_eq!(next(&mut socket).await["close"], 4004);

    let (id, token) = create_session(addr).await;
    http(addr, "POST", "/control/refuse?ms=300", None, "").await;
    let refused =
        tokio_tungstenite::connect_async(format!("ws://{addr}/ws/session/{id}?token={token}"))
            .await;
    assert!(refused.is_err(), "a socket was accepted while refusing");
    tokio::time::sleep(Duration::from_millis(350)).await;
    let mut socket = connect(addr, &format!("/ws/session/{id}?token={token}")).await;
    send(&mut socket, json!({"type": "heartbeat", "payload": {}})).await;
    assert_eq!(next(&mut socket).await["type"], "pong");
}

#[tokio::test]
async fn the_control_endpoint_exists_only_when_enabled() {
    let addr = start(Config::default()).await;
    let (id, _) = create_session(addr).await;
    let (status, _) = http(addr, "GET", &format!("/control/sessions/{id}"), None, "").await;
    assert_eq!(status, 404);
}

/// `POST /control/sessions/{id}/say`: the agent says exactly the text given, with its
/// suggestions, on the session's socket.
#[tokio::test]
async fn the_control_endpoint_makes_the_agent_say_any_text() {
    let addr = start(quick()).await;
    let (mut socket, id) = open(addr).await;
    let body = json!({"text": "<script>alert(1)</script> **x**", "suggestions": ["<b>y</b>"]});
    let (status, answer) = http(
        addr,
        "POST",
        &format!("/control/sessions/{id}/say"),
        None,
        &body.to_string(),
    )
    .await;
    assert_eq!((status, answer), (200, json!({"sent": true})));
    let frame = next(&mut socket).await;
    assert_eq!(frame["type"], "agent_response");
    assert_eq!(frame["payload"]["text"], body["text"]);
    assert_eq!(frame["payload"]["suggestions"], json!(["<b>y</b>"]));
    let (_, answer) = http(
        addr,
        "POST",
        "/control/sessions/nope/say",
        None,
        &body.to_string(),
    )
    .await;
    assert_eq!(answer, json!({"sent": false}));
}
