//! Docent's Amigo relay over real sockets: tokens for the site's public key, bound to the
//! thread and the page's origin; the socket forwarded verbatim to an Amigo upstream (the
//! reference server's own Amigo side, in another server on its own port) with the key added
//! as `auth, <key>`; Amigo's close codes passed on and the relay's own; two relays serving
//! one visitor. Every byte the widget side receives is scanned for the key. Each server
//! binds port 0.

mod support;

use docent_protocol::amigo::relay::{relay_close, relay_codes, socket_path, RelayToken};
use docent_server::relay::{RelayConfig, Secret};
use docent_server::Config;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;
use support::{http, start, start_relay, SECRET};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The Amigo key the relay holds (the only one the upstream accepts).
const KEY: &str = "amigo_Sup3rSecretRelayKey-do-not-leak";
const SITE_KEY: &str = "pk_test_site";
const ORIGIN: &str = "http://localhost:3000";
const WORKSPACE: &str = "11111111-2222-4333-8444-555555555555";
const SERVICE: &str = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
const NIL: &str = "00000000-0000-0000-0000-000000000000";
const GREETING: &str = "Hi! I can look up an order or book a demo for you. How can I help?";

/// Every byte the widget side received from a relay, scanned for the key.
static WIDGET_SAW: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn saw(text: &str) {
    WIDGET_SAW.lock().unwrap().push(text.to_string());
}

fn assert_key_never_reached_the_widget() {
    let seen = WIDGET_SAW.lock().unwrap();
    assert!(!seen.is_empty());
    for text in seen.iter() {
        assert!(!text.contains(KEY), "the key reached the widget: {text}");
        assert!(!text.contains("Sup3rSecret"), "part of the key: {text}");
    }
}

/// An Amigo upstream: the reference server, accepting only `KEY` on its socket.
async fn amigo(config: Config) -> SocketAddr {
    start(Config {
        api_keys: vec![KEY.into()],
        reply_delay: Duration::from_millis(20),
        control: true,
        ..config
    })
    .await
}

fn relay_config(upstream: SocketAddr, key: &str) -> RelayConfig {
    RelayConfig {
        key: Secret::new(key),
        upstream: Some(format!("http://{upstream}")),
        upstream_timeout: Duration::from_secs(5),
        ..RelayConfig::default()
    }
}

/// A relay (a server of its own) in front of `upstream`, holding `KEY`.
async fn relay(upstream: SocketAddr) -> SocketAddr {
    start_relay(Config::default(), relay_config(upstream, KEY)).await
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

/// `POST /relay/amigo/token` as the widget makes it (recorded for the key scan).
async fn token_call(
    relay: SocketAddr,
    bearer: &str,
    origin: Option<&str>,
    body: &Value,
) -> (u16, Value) {
    let auth = format!("Bearer {bearer}");
    let mut headers = vec![("Authorization", auth.as_str())];
    if let Some(origin) = origin {
        headers.push(("Origin", origin));
    }
    let (status, json, raw) = http(
        relay,
        "POST",
        "/relay/amigo/token",
        &headers,
        &body.to_string(),
    )
    .await;
    saw(&raw);
    (status, json)
}

fn thread(entity: &str) -> Value {
    json!({"workspace_id": WORKSPACE, "service_id": SERVICE, "entity_id": entity,
        "tool_events": true})
}

async fn get_token(relay: SocketAddr, entity: &str) -> RelayToken {
    let (status, body) = token_call(relay, SITE_KEY, Some(ORIGIN), &thread(entity)).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).unwrap()
}

/// Opens `path` on `addr` as a page at `origin` would; answers the socket and the
/// subprotocol the relay selected.
async fn connect(addr: SocketAddr, path: &str, origin: Option<&str>) -> (Socket, Option<String>) {
    let mut request = format!("ws://{addr}{path}").into_client_request().unwrap();
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("Origin", origin.parse().unwrap());
    }
    let (socket, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    for (name, value) in response.headers() {
        saw(&format!("{name}: {}", value.to_str().unwrap_or("")));
    }
    let selected = response
        .headers()
        .get("sec-websocket-protocol")
        .map(|v| v.to_str().unwrap().to_string());
    (socket, selected)
}

async fn relay_socket(relay: SocketAddr, token: &RelayToken) -> Socket {
    let path = socket_path(
        &token.workspace_id,
        &token.service_id,
        &token.entity_id,
        token.tool_events,
        &token.token,
    );
    let (socket, selected) = connect(relay, &path, Some(ORIGIN)).await;
    assert_eq!(selected, None, "the page offered no subprotocol");
    socket
}

/// The next frame as JSON, or a close as `{"close": code, "reason": …}` (recorded).
async fn next(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a frame within 5 s")
            .expect("the socket is open")
            .expect("a readable frame");
        match message {
            Message::Text(text) => {
                saw(text.as_str());
                return serde_json::from_str(text.as_str()).unwrap();
            }
            Message::Close(Some(frame)) => {
                saw(frame.reason.as_str());
                return json!({"close": u16::from(frame.code), "reason": frame.reason.as_str()});
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

/// The frames of one turn up to and including `done` or `error` (or a close).
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

fn events(frames: &[Value]) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for frame in frames {
        let name = frame["event"].as_str().unwrap_or("close");
        if names.last() != Some(&name) {
            names.push(name);
        }
    }
    names
}

/// Reads `session.created`; answers the conversation id.
async fn created(socket: &mut Socket) -> String {
    let frame = next(socket).await;
    assert_eq!(frame["event"], "session.created", "{frame}");
    frame["data"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_visitor_talks_to_amigo_through_the_relay_and_never_sees_its_key() {
    let upstream = amigo(Config::default()).await;
    let relay = relay(upstream).await;
    let entity = entity();
    let token = get_token(relay, &entity).await;
    assert_eq!(
        (
            token.workspace_id.as_str(),
            token.service_id.as_str(),
            token.entity_id.as_str(),
            token.tool_events
        ),
        (WORKSPACE, SERVICE, entity.as_str(), true)
    );
    assert_eq!(token.expires_in, Some(1800));

    // The upstream accepts only KEY: the session opening proves the relay added it.
    let mut socket = relay_socket(relay, &token).await;
    created(&mut socket).await;
    let greeting = turn(&mut socket).await;
    assert_eq!(events(&greeting), ["token", "message", "done"]);
    assert_eq!(greeting[greeting.len() - 2]["data"]["text"], GREETING);

    say(&mut socket, "where is my order 1234").await;
    let answer = turn(&mut socket).await;
    assert_eq!(
        events(&answer),
        [
            "thinking",
            "tool_call_started",
            "tool_call_completed",
            "token",
            "message",
            "done"
        ]
    );
    let tool = &answer[1]["data"];
    assert_eq!(
        (&tool["tool_name"], &tool["input"]),
        (&json!("lookup_order"), &json!({"order_id": "1234"}))
    );

    // A bad frame is Amigo's to judge: passed on verbatim, answered verbatim.
    socket
        .send(Message::text(r#"{"type":"shout"}"#))
        .await
        .unwrap();
    let error = next(&mut socket).await;
    assert_eq!(
        (&error["event"], &error["data"]["code"]),
        (&json!("error"), &json!("client_error"))
    );
    socket.close(None).await.unwrap();
    assert_key_never_reached_the_widget();
}

#[tokio::test]
async fn the_same_relay_process_can_front_its_own_amigo_side() {
    // No upstream configured: the relay's default is the server it runs in.
    let addr = start_relay(
        Config {
            api_keys: vec![KEY.into()],
            reply_delay: Duration::from_millis(20),
            ..Config::default()
        },
        RelayConfig {
            key: Secret::new(KEY),
            ..RelayConfig::default()
        },
    )
    .await;
    let token = get_token(addr, &entity()).await;
    let mut socket = relay_socket(addr, &token).await;
    created(&mut socket).await;
    assert_eq!(
        events(&turn(&mut socket).await),
        ["token", "message", "done"]
    );
    assert_key_never_reached_the_widget();
}

#[tokio::test]
async fn a_wrong_key_anywhere_is_refused_in_plain_words() {
    let upstream = amigo(Config::default()).await;
    let good = relay(upstream).await;
    // The site's key: 401 before anything else.
    for bearer in ["sk_live_secret", "", "pk_nope"] {
        let (status, body) = token_call(good, bearer, Some(ORIGIN), &thread(&entity())).await;
        assert_eq!(status, 401, "{bearer}: {body}");
        assert_eq!(body["error"]["code"], relay_codes::KEY_REJECTED);
    }

    // The relay's Amigo key is not Amigo's: Amigo's 4001 reaches the widget, the key does not.
    let wrong = start_relay(
        Config::default(),
        relay_config(upstream, "amigo_Sup3rSecret-but-wrong"),
    )
    .await;
    let token = get_token(wrong, &entity()).await;
    let mut socket = relay_socket(wrong, &token).await;
    let closed = next(&mut socket).await;
    assert_eq!(closed["close"], 4001, "{closed}");

    // A key that cannot travel as a subprotocol, or none: the relay says it cannot serve.
    for config in [
        relay_config(upstream, "amigo:Sup3rSecret"),
        RelayConfig {
            key: None,
            ..relay_config(upstream, KEY)
        },
    ] {
        let broken = start_relay(Config::default(), config).await;
        let (status, body) = token_call(broken, SITE_KEY, Some(ORIGIN), &thread(&entity())).await;
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["error"]["code"], relay_codes::UPSTREAM_UNAVAILABLE);
        // A good token (from another relay sharing the secret) meets the same on the socket.
        let mut socket = relay_socket(broken, &token).await;
        assert_eq!(
            next(&mut socket).await["close"],
            relay_close::TRY_AGAIN_LATER
        );
    }

    // Bad bodies: 400 with what is wrong.
    for body in [
        json!({"workspace_id": "acme", "service_id": SERVICE, "entity_id": entity()}),
        json!({"service_id": SERVICE}),
    ] {
        let (status, reply) = token_call(good, SITE_KEY, Some(ORIGIN), &body).await;
        assert_eq!(status, 400, "{reply}");
        assert_eq!(reply["error"]["code"], relay_codes::INVALID_REQUEST);
    }
    assert_key_never_reached_the_widget();
}

#[tokio::test]
async fn pages_from_other_origins_are_refused() {
    let upstream = amigo(Config::default()).await;
    let mut config = relay_config(upstream, KEY);
    config.allowed_origins = vec![ORIGIN.into(), "https://other.example".into()];
    let relay = start_relay(Config::default(), config).await;
    for origin in [Some("https://evil.example"), Some("null"), None] {
        let (status, body) = token_call(relay, SITE_KEY, origin, &thread(&entity())).await;
        assert_eq!(status, 403, "{origin:?}: {body}");
        assert_eq!(body["error"]["code"], relay_codes::ORIGIN_NOT_ALLOWED);
    }
    // A token is good only from the page it was issued to, even for another allowed one.
    let token = get_token(relay, &entity()).await;
    let path = socket_path(WORKSPACE, SERVICE, &token.entity_id, true, &token.token);
    for origin in [
        Some("https://other.example"),
        Some("https://evil.example"),
        None,
    ] {
        let (mut socket, _) = connect(relay, &path, origin).await;
        let closed = next(&mut socket).await;
        assert_eq!(closed["close"], relay_close::NOT_ALLOWED, "{origin:?}");
    }
    // The default: loopback pages only.
    let loopback = start_relay(Config::default(), relay_config(upstream, KEY)).await;
    let (status, _) = token_call(
        loopback,
        SITE_KEY,
        Some("https://shop.example"),
        &thread(&entity()),
    )
    .await;
    assert_eq!(status, 403);
    assert_key_never_reached_the_widget();
}

fn forge(secret: &[u8], claims: Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .unwrap()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn bad_tokens_close_4401_and_a_token_reaches_only_its_own_thread() {
    let upstream = amigo(Config::default()).await;
    let relay = relay(upstream).await;
    let entity = entity();
    let claims = |aud: &str, exp: u64| {
        json!({"ws": WORKSPACE, "svc": SERVICE, "ent": entity, "org": ORIGIN,
            "aud": aud, "iat": now(), "exp": exp})
    };
    for (why, token) in [
        ("missing", String::new()),
        ("garbage", "not.a.token".to_string()),
        (
            "another secret",
            forge(b"wrong", claims("docent-amigo-relay", now() + 60)),
        ),
        (
            "expired",
            forge(SECRET, claims("docent-amigo-relay", now() - 10)),
        ),
        (
            "an AUI relay token",
            forge(SECRET, claims("docent-aui-relay", now() + 60)),
        ),
    ] {
        let path = socket_path(WORKSPACE, SERVICE, &entity, false, &token);
        let path = if token.is_empty() {
            path.replace("&token=", "")
        } else {
            path
        };
        let (mut socket, _) = connect(relay, &path, Some(ORIGIN)).await;
        let closed = next(&mut socket).await;
        assert_eq!(closed["close"], relay_close::TOKEN_REJECTED, "{why}");
    }
    // A good forged token works (the relay keeps nothing but the secret).
    let good = forge(SECRET, claims("docent-amigo-relay", now() + 60));
    let path = socket_path(WORKSPACE, SERVICE, &entity, false, &good);
    let (mut socket, _) = connect(relay, &path, Some(ORIGIN)).await;
    created(&mut socket).await;

    // Another entity, service or workspace than the token's: 4003.
    let token = get_token(relay, &entity).await;
    let other = self::entity();
    for path in [
        socket_path(WORKSPACE, SERVICE, &other, true, &token.token),
        socket_path(WORKSPACE, &other, &entity, true, &token.token),
        socket_path(&other, SERVICE, &entity, true, &token.token),
    ] {
        let (mut socket, _) = connect(relay, &path, Some(ORIGIN)).await;
        assert_eq!(next(&mut socket).await["close"], relay_close::NOT_ALLOWED);
    }
    // Upper-case ids are the same thread.
    let path = socket_path(
        WORKSPACE,
        &SERVICE.to_uppercase(),
        &entity,
        true,
        &token.token,
    );
    let (mut socket, _) = connect(relay, &path, Some(ORIGIN)).await;
    created(&mut socket).await;
    // A tool_events that is not true or false: Amigo's 4000, said by the relay.
    let path = socket_path(WORKSPACE, SERVICE, &entity, true, &token.token)
        .replace("tool_events=true", "tool_events=maybe");
    let (mut socket, _) = connect(relay, &path, Some(ORIGIN)).await;
    assert_eq!(
        next(&mut socket).await["close"],
        relay_close::INVALID_PARAMETERS
    );
    assert_key_never_reached_the_widget();
}

#[tokio::test]
async fn two_relay_processes_serve_one_visitor_alternately() {
    let upstream = amigo(Config::default()).await;
    // Two relays that share only the signing secret (support's SECRET) and the upstream.
    let a = relay(upstream).await;
    let b = relay(upstream).await;
    assert_ne!(a, b);
    let token = get_token(a, &entity()).await;

    let mut socket = relay_socket(b, &token).await;
    let conversation = created(&mut socket).await;
    turn(&mut socket).await;
    say(&mut socket, "where is my order 1234").await;
    let first = turn(&mut socket).await;
    assert_eq!(first.last().unwrap()["data"]["turn_count"], 2);
    socket.close(None).await.unwrap();

    // The other relay: the same thread, no second greeting, the turn count goes on.
    let mut socket = relay_socket(a, &token).await;
    assert_eq!(created(&mut socket).await, conversation);
    say(&mut socket, "book a demo tomorrow").await;
    let second = turn(&mut socket).await;
    assert_eq!(events(&second)[0], "thinking", "no greeting first");
    assert_eq!(second.last().unwrap()["data"]["turn_count"], 3);
    assert_eq!(
        second.last().unwrap()["data"]["conversation_id"],
        conversation.as_str()
    );
    socket.close(None).await.unwrap();

    // And back through b with a token b issued.
    let token_b = get_token(b, &token.entity_id).await;
    let mut socket = relay_socket(b, &token_b).await;
    assert_eq!(created(&mut socket).await, conversation);
    assert_key_never_reached_the_widget();
}

#[tokio::test]
async fn amigos_close_codes_reach_the_widget_and_the_relays_own_are_documented() {
    let upstream = amigo(Config {
        idle_timeout: Duration::from_millis(600),
        ..Config::default()
    })
    .await;
    let relay = relay(upstream).await;

    // Closes of an open socket, by the server's control route: passed on, 4401 as 4001.
    for (code, expected) in [(4004, 4004), (1012, 1012), (4503, 4503), (4401, 4001)] {
        let token = get_token(relay, &entity()).await;
        let mut socket = relay_socket(relay, &token).await;
        let conversation = created(&mut socket).await;
        turn(&mut socket).await;
        let (status, _, _) = http(
            upstream,
            "POST",
            &format!("/control/sessions/{conversation}/close?code={code}"),
            &[],
            "",
        )
        .await;
        assert_eq!(status, 200);
        let closed = next(&mut socket).await;
        assert_eq!(closed["close"], expected, "{code}: {closed}");
    }

    // Refusals at connect: Amigo's 4004 (the nil entity) and 4503 (engine down).
    let token = get_token(relay, NIL).await;
    let mut socket = relay_socket(relay, &token).await;
    let closed = next(&mut socket).await;
    assert_eq!(closed["close"], 4004, "{closed}");
    let (status, _, _) = http(upstream, "POST", "/control/refuse?ms=400", &[], "").await;
    assert_eq!(status, 200);
    let token = get_token(relay, &entity()).await;
    let mut socket = relay_socket(relay, &token).await;
    assert_eq!(next(&mut socket).await["close"], 4503);
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Idle: Amigo's `idle_timeout` error frame, then its 1000.
    let mut socket = relay_socket(relay, &token).await;
    created(&mut socket).await;
    turn(&mut socket).await;
    let error = next(&mut socket).await;
    assert_eq!(error["data"]["code"], "idle_timeout", "{error}");
    assert_eq!(next(&mut socket).await["close"], 1000);

    // Amigo unreachable: the relay's 1013.
    let gone = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let down = relay_with(relay_config(gone, KEY)).await;
    let mut socket = relay_socket(down, &token).await;
    assert_eq!(
        next(&mut socket).await["close"],
        relay_close::TRY_AGAIN_LATER
    );

    // Too many messages on one connection: 4029.
    let mut config = relay_config(upstream, KEY);
    config.max_messages_per_minute = 1;
    let strict = relay_with(config).await;
    let token = get_token(strict, &entity()).await;
    let mut socket = relay_socket(strict, &token).await;
    created(&mut socket).await;
    turn(&mut socket).await;
    say(&mut socket, "hello").await;
    turn(&mut socket).await;
    say(&mut socket, "hello again").await;
    let closed = loop {
        let frame = next(&mut socket).await;
        if frame.get("close").is_some() {
            break frame;
        }
    };
    assert_eq!(closed["close"], relay_close::RATE_LIMITED);
    assert_key_never_reached_the_widget();
}

async fn relay_with(config: RelayConfig) -> SocketAddr {
    start_relay(Config::default(), config).await
}

/// An upstream that answers every socket by echoing what it was sent: the handshake's
/// `Sec-WebSocket-Protocol` as a frame, then a close whose reason holds it too, as a
/// careless platform might. Answers its address and what each handshake carried.
async fn echoing_upstream() -> (SocketAddr, std::sync::Arc<Mutex<Vec<String>>>) {
    use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
    use tokio_tungstenite::tungstenite::protocol::CloseFrame;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let heard = std::sync::Arc::new(Mutex::new(Vec::new()));
    let log = heard.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let mut offered = String::new();
                #[allow(clippy::result_large_err)] // tungstenite's callback type
                let callback = |request: &Request, mut response: Response| {
                    offered = request
                        .headers()
                        .get("sec-websocket-protocol")
                        .map(|v| v.to_str().unwrap().to_string())
                        .unwrap_or_default();
                    let target = request.uri().to_string();
                    log.lock().unwrap().push(format!("{target} [{offered}]"));
                    response
                        .headers_mut()
                        .insert("sec-websocket-protocol", "auth".parse().unwrap());
                    Ok(response)
                };
                let mut socket = tokio_tungstenite::accept_hdr_async(stream, callback)
                    .await
                    .unwrap();
                let line = log.lock().unwrap().last().cloned().unwrap();
                let frame = json!({"event": "token", "data": {"text": line}});
                socket.send(Message::text(frame.to_string())).await.unwrap();
                let close = CloseFrame {
                    code: CloseCode::from(4000),
                    reason: format!("bad: {offered}").into(),
                };
                let _ = socket.send(Message::Close(Some(close))).await;
            });
        }
    });
    (addr, heard)
}

#[tokio::test]
async fn the_key_goes_upstream_as_the_auth_subprotocol_and_nothing_echoes_it_back() {
    let (upstream, heard) = echoing_upstream().await;
    let relay = relay(upstream).await;
    let entity = entity();
    let token = get_token(relay, &entity).await;
    let mut socket = relay_socket(relay, &token).await;
    let frame = next(&mut socket).await;
    let closed = next(&mut socket).await;
    let heard = heard.lock().unwrap().clone();
    // What Amigo got: the thread's own path and query, and `auth, <key>`.
    assert_eq!(
        heard,
        [format!(
            "/v1/{WORKSPACE}/sessions/connect?service_id={SERVICE}&entity_id={entity}\
             &tool_events=true [auth, {KEY}]"
        )]
    );
    // What the page got: the frame and the close, with the key replaced.
    assert_eq!(frame["event"], "token");
    assert!(frame["data"]["text"]
        .as_str()
        .unwrap()
        .ends_with("[auth, ***]"));
    assert_eq!(closed["close"], 4000);
    assert!(
        closed["reason"].as_str().unwrap().contains("***"),
        "{closed}"
    );
    assert_key_never_reached_the_widget();
}

#[tokio::test]
async fn an_amigo_that_refuses_the_handshake_gets_its_meaning_passed_on() {
    // Amigo behind a path that does not exist: HTTP 404 at the handshake, read as 4004.
    let upstream = amigo(Config::default()).await;
    let mut config = relay_config(upstream, KEY);
    config.upstream = Some(format!("http://{upstream}/nowhere"));
    let relay = relay_with(config).await;
    let token = get_token(relay, &entity()).await;
    let mut socket = relay_socket(relay, &token).await;
    let closed = next(&mut socket).await;
    assert_eq!(closed["close"], 4004, "{closed}");
    assert!(closed["reason"].as_str().unwrap().contains("HTTP 404"));
    assert_key_never_reached_the_widget();
}
