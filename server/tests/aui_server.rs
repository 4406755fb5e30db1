//! The AUI side of the reference server over real sockets: the simulator of the AUI platform
//! (seeds 000, 001, 003: REST shapes, the streaming socket, its close codes) and Docent's
//! relay (tokens, origins, forwarding, failures, the key never reaching the widget, two
//! instances serving one visitor). Every server binds port 0.

mod support;

use docent_protocol::aui::client::{relay_close, relay_codes, RelayTask, RENEWAL_GRACE_SECS};
use docent_protocol::aui::{ExternalTaskMessage, ServerFrame};
use docent_server::dialects::aui::AuiConfig;
use docent_server::relay::{RelayConfig, Secret};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use support::{http, start_with, SECRET};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The relay's AUI key in these tests (the simulator takes any `aui_test_…` key).
const KEY: &str = "aui_test_Sup3rSecretRelayKey_do_not_leak";
const ORIGIN: &str = "http://localhost:3000";
const SEED_QUESTION: &str =
    "I am looking for a built-in microwave with at least 20 liters capacity";

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

fn simulator_config() -> AuiConfig {
    AuiConfig {
        stream_delay: Duration::from_millis(5),
        ..AuiConfig::default()
    }
}

fn relay_config(upstream: SocketAddr) -> AuiConfig {
    relay_config_to(&format!("http://{upstream}"), KEY)
}

fn relay_config_to(upstream: &str, key: &str) -> AuiConfig {
    AuiConfig {
        relay: RelayConfig {
            key: Secret::new(key),
            upstream: Some(upstream.to_string()),
            upstream_timeout: Duration::from_secs(5),
            ..RelayConfig::default()
        },
        ..AuiConfig::default()
    }
}

/// A server with the default `Config` and `aui` for its AUI simulator and relay.
async fn start(aui: AuiConfig) -> SocketAddr {
    start_with(Default::default(), aui).await
}

/// A call the widget makes to a relay (recorded for the key scan).
async fn widget_http(
    addr: SocketAddr,
    path: &str,
    bearer: &str,
    origin: Option<&str>,
    body: &str,
) -> (u16, Value) {
    let auth = format!("Bearer {bearer}");
    let mut headers = vec![("Authorization", auth.as_str())];
    if let Some(origin) = origin {
        headers.push(("Origin", origin));
    }
    let (status, json, raw) = http(addr, "POST", path, &headers, body).await;
    saw(&raw);
    (status, json)
}

async fn start_task(relay: SocketAddr) -> RelayTask {
    let (status, body) = widget_http(
        relay,
        "/relay/aui/tasks",
        "pk_test_docent",
        Some(ORIGIN),
        r#"{"product_id":"default","user_id":"visitor-1"}"#,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).unwrap()
}

async fn connect(addr: SocketAddr, path: &str, origin: Option<&str>) -> Socket {
    let mut request = format!("ws://{addr}{path}").into_client_request().unwrap();
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("Origin", origin.parse().unwrap());
    }
    let (socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    socket
}

async fn relay_socket(relay: SocketAddr, task: &RelayTask, origin: Option<&str>) -> Socket {
    let path = docent_protocol::aui::client::socket_path(&task.task_id, &task.token);
    connect(relay, &path, origin).await
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

async fn say(socket: &mut Socket, task_id: &str, text: &str) {
    let frame = json!({"task_id": task_id, "text": text, "context": {"url": "https://shop.example/microwaves"}});
    socket.send(Message::text(frame.to_string())).await.unwrap();
}

/// Reads one streamed answer: the cumulative updates, then the final message.
async fn answer(socket: &mut Socket) -> (Vec<String>, ExternalTaskMessage) {
    let mut updates = Vec::new();
    loop {
        let frame = next(socket).await;
        assert!(frame.get("close").is_none(), "closed early: {frame}");
        match ServerFrame::parse(&frame.to_string()).unwrap() {
            ServerFrame::TextUpdated(text) => updates.push(text),
            ServerFrame::Message(message) => return (updates, *message),
            ServerFrame::Error(payload) => panic!("an error: {payload:?}"),
        }
    }
}

fn assert_cumulative(updates: &[String], final_text: &str) {
    assert!(
        updates.len() >= 3,
        "streamed in several updates: {updates:?}"
    );
    for pair in updates.windows(2) {
        assert!(
            pair[1].starts_with(&pair[0]) && pair[1].len() > pair[0].len(),
            "each update holds all of the one before: {pair:?}"
        );
    }
    assert_eq!(updates.last().unwrap(), final_text);
}

// ------------------------------------------------------------------ the simulator

#[tokio::test]
async fn the_simulator_creates_lists_and_keeps_tasks_over_rest() {
    let sim = start(simulator_config()).await;
    let key = [("x-network-api-key", KEY)];

    let (status, body, _) = http(
        sim,
        "POST",
        "/api/v1/external/tasks",
        &[],
        r#"{"user_id":"u1"}"#,
    )
    .await;
    assert_eq!(
        (status, body),
        (401, json!({"detail": "Not authenticated"}))
    );
    let wrong = [("x-network-api-key", "wrong")];
    let (status, body, _) = http(
        sim,
        "POST",
        "/api/v1/external/tasks",
        &wrong,
        r#"{"user_id":"u1"}"#,
    )
    .await;
    assert_eq!(
        (status, body),
        (401, json!({"detail": "Not authenticated"}))
    );

    let (status, body, _) = http(sim, "POST", "/api/v1/external/tasks", &key, "{}").await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [{"loc": ["body", "user_id"], "msg": "field required", "type": "value_error.missing"}]})
    );

    let mut ids = Vec::new();
    for user in ["u1", "u1", "u2"] {
        let body = json!({"user_id": user}).to_string();
        let (status, task, _) = http(sim, "POST", "/api/v1/external/tasks", &key, &body).await;
        assert_eq!(status, 200, "{task}");
        let id = task["id"].as_str().unwrap().to_string();
        assert_eq!(id.len(), 24);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(task["user_id"], user);
        assert!(task["welcome_message"]
            .as_str()
            .unwrap()
            .contains("microwave"));
        assert!(!task["followup_suggestions"].as_array().unwrap().is_empty());
        ids.push(id);
    }

    let (status, list, _) = http(
        sim,
        "GET",
        "/api/v1/external/tasks?user_id=u1&page=1&size=10",
        &key,
        "",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            list["total"].clone(),
            list["page"].clone(),
            list["size"].clone()
        ),
        (json!(2), json!(1), json!(10))
    );
    let listed: Vec<&str> = list["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        [ids[1].as_str(), ids[0].as_str()],
        "newest first, u1's only"
    );
    let (_, page2, _) = http(
        sim,
        "GET",
        "/api/v1/external/tasks?user_id=u1&page=2&size=1",
        &key,
        "",
    )
    .await;
    assert_eq!(page2["tasks"][0]["id"], ids[0]);
    let (status, body, _) = http(sim, "GET", "/api/v1/external/tasks", &key, "").await;
    assert_eq!(status, 422);
    assert_eq!(body["detail"][0]["loc"], json!(["query", "user_id"]));
    let (status, _, _) = http(sim, "GET", "/api/v1/external/tasks?user_id=u1", &[], "").await;
    assert_eq!(status, 401);

    // Send a message: the seed's question.
    let message = json!({"task_id": ids[0], "text": SEED_QUESTION, "context": {"url": "https://shop.example", "lead_details": {"budget_range": "300-500"}}});
    let (status, reply, _) = http(
        sim,
        "POST",
        "/api/v1/external/message",
        &key,
        &message.to_string(),
    )
    .await;
    assert_eq!(status, 200, "{reply}");
    let reply: ExternalTaskMessage = serde_json::from_value(reply).unwrap();
    assert!(reply
        .text
        .starts_with("I found several built-in microwaves"));
    assert_eq!(reply.id.len(), 36, "a UUID");
    assert!(reply.created_at.ends_with('Z') && reply.created_at.contains('T'));
    assert_eq!(reply.sender.as_ref().unwrap().kind, "agent");
    assert_eq!(reply.receiver.as_ref().unwrap().id, "u1");
    assert_eq!(reply.followup_suggestions.len(), 3);
    assert!(reply.options.iter().filter(|o| o.is_recommended).count() == 1);
    let products = reply.to_agent_message().products;
    assert!(products.len() >= 2);
    for product in &products {
        assert!(product.title.is_some() && product.price.is_some() && product.url.is_some());
        assert!(!product.parameters.is_empty());
    }
    assert!(!products
        .iter()
        .find(|p| p.recommended)
        .unwrap()
        .variants
        .is_empty());
    // The images are served by the server itself.
    let image = products[0].image_url.clone().unwrap();
    let path = image.split_once(&sim.to_string()).unwrap().1;
    let (status, _, raw) = http(sim, "GET", path, &[], "").await;
    assert_eq!(status, 200);
    assert!(raw.contains("image/svg+xml") && raw.contains("<svg"));

    // Seed 003's error shapes.
    let (status, body, _) = http(
        sim,
        "POST",
        "/api/v1/external/message",
        &key,
        r#"{"text":"hi"}"#,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [{"loc": ["body", "task_id"], "msg": "field required", "type": "value_error.missing"}]})
    );
    let (status, body, _) = http(
        sim,
        "POST",
        "/api/v1/external/message",
        &[],
        &message.to_string(),
    )
    .await;
    assert_eq!(
        (status, body),
        (401, json!({"detail": "Not authenticated"}))
    );
    let flagged = json!({"task_id": ids[0], "text": "you idiot"}).to_string();
    let (status, body, _) = http(sim, "POST", "/api/v1/external/message", &key, &flagged).await;
    assert_eq!(status, 400);
    assert_eq!(body["status_code"], 400);
    assert!(body["description"].is_string() && body["message"].is_string());
    assert_eq!(body["extra_data"]["moderation_category"], "harassment");
    let unknown = json!({"task_id": "000000000000000000000000", "text": "hi"}).to_string();
    let (status, body, _) = http(sim, "POST", "/api/v1/external/message", &key, &unknown).await;
    assert_eq!((status, body["status_code"].clone()), (400, json!(400)));

    // The history: welcome, the visitor's question, the reply (the refused ones are not kept).
    let path = format!("/api/v1/external/tasks/{}/messages", ids[0]);
    let (status, history, _) = http(sim, "GET", &path, &key, "").await;
    assert_eq!(status, 200);
    let history = docent_protocol::aui::parse_message_history(&history.to_string()).unwrap();
    let senders: Vec<&str> = history
        .iter()
        .map(|m| m.sender.as_ref().unwrap().kind.as_str())
        .collect();
    assert_eq!(senders, ["agent", "user", "agent"]);
    assert_eq!(history[1].text, SEED_QUESTION);
    assert_eq!(history[2], reply);
    let (status, _, _) = http(sim, "GET", "/api/v1/external/tasks/nope/messages", &key, "").await;
    assert_eq!(status, 404);
}

async fn simulator_task(sim: SocketAddr, user: &str) -> String {
    let body = json!({"user_id": user}).to_string();
    let (status, task, _) = http(
        sim,
        "POST",
        "/api/v1/external/tasks",
        &[("x-network-api-key", KEY)],
        &body,
    )
    .await;
    assert_eq!(status, 200);
    task["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_simulator_socket_streams_cumulative_text_then_the_final_message() {
    let sim = start(simulator_config()).await;
    let task = simulator_task(sim, "u1").await;
    let path = format!("/api/v1/external/session?network_api_key={KEY}");
    let mut socket = connect(sim, &path, None).await;
    say(&mut socket, &task, SEED_QUESTION).await;
    let (updates, message) = answer(&mut socket).await;
    assert_cumulative(&updates, &message.text);
    assert!(message.options.iter().any(|o| o.is_recommended));
    assert!(!message.options[0].widget_parameters.is_empty());
    assert!(!message.variants_options.is_empty());
    assert!(!message.followup_suggestions.is_empty());
    // A follow-up on the same socket and task reads what was shown.
    say(&mut socket, &task, "What is the price range?").await;
    let (_, message) = answer(&mut socket).await;
    assert!(message.text.contains("range from €"), "{}", message.text);

    // Moderation: an application error, the payload, then 1008.
    say(&mut socket, &task, "kill it").await;
    let error = next(&mut socket).await;
    assert_eq!(error["status_code"], 400);
    assert_eq!(error["extra_data"]["moderation_category"], "violence");
    let closed = next(&mut socket).await;
    assert_eq!(closed["close"], 1008);

    // An internal error: 1011.
    let mut socket = connect(sim, &path, None).await;
    say(&mut socket, &task, "please simulate internal error").await;
    assert_eq!(next(&mut socket).await["status_code"], 500);
    assert_eq!(next(&mut socket).await["close"], 1011);

    // An unknown task is an application error.
    let mut socket = connect(sim, &path, None).await;
    say(&mut socket, "000000000000000000000000", "hi").await;
    assert_eq!(next(&mut socket).await["status_code"], 400);
    assert_eq!(next(&mut socket).await["close"], 1008);
}

#[tokio::test]
async fn with_control_a_bench_stream_is_c_characters_in_n_cumulative_updates() {
    let control = docent_server::Config {
        control: true,
        ..Default::default()
    };
    let sim = start_with(control, simulator_config()).await;
    let task = simulator_task(sim, "bench").await;
    let path = format!("/api/v1/external/session?network_api_key={KEY}");
    let mut socket = connect(sim, &path, None).await;
    say(&mut socket, &task, "#bench_stream 300 1200").await;
    let (updates, message) = answer(&mut socket).await;
    assert_eq!(updates.len(), 300);
    assert_eq!(message.text.len(), 1200);
    // Each update holds the one before; the last (trimmed, as every update is) is the message.
    assert_eq!(updates.last().unwrap(), message.text.trim_end());
    assert!(updates.windows(2).all(|p| p[1].starts_with(&p[0])));

    // Without `--control` the marker is only words: the adviser's usual answer.
    let sim = start(simulator_config()).await;
    let task = simulator_task(sim, "bench").await;
    let mut socket = connect(sim, &path, None).await;
    say(&mut socket, &task, "#bench_stream 300 1200").await;
    let (updates, message) = answer(&mut socket).await;
    assert!(
        updates.len() < 300 && message.text.len() != 1200,
        "{}",
        message.text
    );
}

#[tokio::test]
async fn the_simulator_socket_closes_1008_with_the_payload_for_a_bad_key() {
    let sim = start(simulator_config()).await;
    for path in [
        "/api/v1/external/session?network_api_key=wrong",
        "/api/v1/external/session",
    ] {
        let mut socket = connect(sim, path, None).await;
        let payload = next(&mut socket).await;
        assert_eq!(
            payload,
            json!({"status_code": 401, "description": "Not authenticated", "message": "Invalid API key", "extra_data": {}})
        );
        let closed = next(&mut socket).await;
        assert_eq!(closed["close"], 1008);
        let reason: Value = serde_json::from_str(closed["reason"].as_str().unwrap()).unwrap();
        assert_eq!(reason, payload, "the close reason carries the payload too");
    }
}

// ------------------------------------------------------------------ the relay

#[tokio::test]
async fn a_visitor_talks_to_aui_through_the_relay() {
    let sim = start(simulator_config()).await;
    let relay = start(relay_config(sim)).await;
    let task = start_task(relay).await;
    assert_eq!(task.task_id.len(), 24);
    assert_eq!(task.token.split('.').count(), 3, "a JWT");
    assert_eq!(task.expires_in, Some(1800));
    assert!(task
        .welcome_message
        .as_deref()
        .unwrap()
        .contains("microwave"));
    assert!(!task.followup_suggestions.is_empty());

    let mut socket = relay_socket(relay, &task, Some(ORIGIN)).await;
    say(&mut socket, &task.task_id, SEED_QUESTION).await;
    let (updates, message) = answer(&mut socket).await;
    assert_cumulative(&updates, &message.text);
    assert_eq!(message.options.len(), 3);
    // The chip continues the same task.
    say(&mut socket, &task.task_id, &message.followup_suggestions[1]).await;
    let (_, message) = answer(&mut socket).await;
    assert!(message.text.contains("stainless steel"), "{}", message.text);
    socket.close(None).await.unwrap();

    // The REST fallback, through the relay.
    let body = json!({"task_id": task.task_id, "text": "Which one has the best energy rating?"});
    let (status, reply) = widget_http(
        relay,
        "/relay/aui/message",
        &task.token,
        Some(ORIGIN),
        &body.to_string(),
    )
    .await;
    assert_eq!(status, 200, "{reply}");
    assert!(reply["text"].as_str().unwrap().contains("standby"));
    // AUI's own refusals come through in AUI's shapes.
    let flagged = json!({"task_id": task.task_id, "text": "you idiot"});
    let (status, reply) = widget_http(
        relay,
        "/relay/aui/message",
        &task.token,
        Some(ORIGIN),
        &flagged.to_string(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(reply["extra_data"]["moderation_category"], "harassment");
    let other = json!({"task_id": "000000000000000000000000", "text": "hi"});
    let (status, reply) = widget_http(
        relay,
        "/relay/aui/message",
        &task.token,
        Some(ORIGIN),
        &other.to_string(),
    )
    .await;
    assert_eq!(
        (status, reply["error"]["code"].clone()),
        (403, json!("TASK_NOT_ALLOWED"))
    );

    // The whole conversation is one task upstream.
    let path = format!("/api/v1/external/tasks/{}/messages", task.task_id);
    let (_, history, _) = http(sim, "GET", &path, &[("x-network-api-key", KEY)], "").await;
    assert_eq!(history.as_array().unwrap().len(), 7);
    assert_key_never_reached_the_widget();
}

#[tokio::test]
async fn the_relay_refuses_other_origins_and_bad_site_keys() {
    let sim = start(simulator_config()).await;
    let relay = start(relay_config(sim)).await;
    let body = r#"{"product_id":"default"}"#;
    for origin in [
        Some("https://evil.example"),
        Some("http://localhost.evil.example"),
        None,
    ] {
        let (status, reply) =
            widget_http(relay, "/relay/aui/tasks", "pk_test_docent", origin, body).await;
        assert_eq!(status, 403, "{origin:?}");
        assert_eq!(reply["error"]["code"], relay_codes::ORIGIN_NOT_ALLOWED);
        assert!(!reply["error"]["message"].as_str().unwrap().is_empty());
    }
    let (status, reply) =
        widget_http(relay, "/relay/aui/tasks", "sk_nope", Some(ORIGIN), body).await;
    assert_eq!(
        (status, reply["error"]["code"].clone()),
        (401, json!(relay_codes::KEY_REJECTED))
    );

    // A token issued to one page does not open the socket from another.
    let task = start_task(relay).await;
    for origin in [
        Some("https://evil.example"),
        Some("http://localhost:4000"),
        None,
    ] {
        let mut socket = relay_socket(relay, &task, origin).await;
        let closed = next(&mut socket).await;
        assert_eq!(closed["close"], relay_close::NOT_ALLOWED, "{origin:?}");
        assert!(closed["reason"].as_str().unwrap().contains("origin"));
    }
    let (status, _) = widget_http(
        relay,
        "/relay/aui/message",
        &task.token,
        Some("https://evil.example"),
        &json!({"task_id": task.task_id, "text": "hi"}).to_string(),
    )
    .await;
    assert_eq!(status, 403);

    // Configured origins replace the loopback default.
    let mut config = relay_config(sim);
    config.relay.allowed_origins = vec!["https://shop.example".into()];
    let shop = start(config).await;
    let (status, _) = widget_http(
        shop,
        "/relay/aui/tasks",
        "pk_test_docent",
        Some("https://shop.example"),
        body,
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = widget_http(
        shop,
        "/relay/aui/tasks",
        "pk_test_docent",
        Some(ORIGIN),
        body,
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
async fn bad_and_expired_tokens_close_4001_and_another_task_closes_4003() {
    let sim = start(simulator_config()).await;
    let relay = start(relay_config(sim)).await;
    let task = start_task(relay).await;
    let claims = |tid: &str, aud: &str, exp: u64| json!({"tid": tid, "org": ORIGIN, "aud": aud, "iat": now() - 100, "exp": exp});
    let cases = [
        ("garbage".to_string(), "not a JWT"),
        (
            forge(
                b"another secret",
                claims(&task.task_id, "docent-aui-relay", now() + 60),
            ),
            "forged",
        ),
        (
            forge(
                SECRET,
                claims(&task.task_id, "docent-aui-relay", now() - 10),
            ),
            "expired",
        ),
        (
            forge(SECRET, claims(&task.task_id, "someone-else", now() + 60)),
            "another audience",
        ),
    ];
    for (token, why) in cases {
        let forged = RelayTask {
            task_id: task.task_id.clone(),
            token: token.clone(),
            ..RelayTask::default()
        };
        let mut socket = relay_socket(relay, &forged, Some(ORIGIN)).await;
        let closed = next(&mut socket).await;
        assert_eq!(closed["close"], relay_close::TOKEN_REJECTED, "{why}");
        assert!(!closed["reason"].as_str().unwrap().is_empty());
        let (status, reply) = widget_http(
            relay,
            "/relay/aui/message",
            &token,
            Some(ORIGIN),
            &json!({"task_id": task.task_id, "text": "hi"}).to_string(),
        )
        .await;
        assert_eq!(
            (status, reply["error"]["code"].clone()),
            (401, json!(relay_codes::TOKEN_REJECTED)),
            "{why}"
        );
    }
    let expired = forge(
        SECRET,
        claims(&task.task_id, "docent-aui-relay", now() - 10),
    );
    let forged = RelayTask {
        task_id: task.task_id.clone(),
        token: expired,
        ..RelayTask::default()
    };
    let mut socket = relay_socket(relay, &forged, Some(ORIGIN)).await;
    assert!(next(&mut socket).await["reason"]
        .as_str()
        .unwrap()
        .contains("expired"));

    // A good token for another task than the query names.
    let other = start_task(relay).await;
    let mixed = RelayTask {
        task_id: other.task_id.clone(),
        token: task.token.clone(),
        ..RelayTask::default()
    };
    let mut socket = relay_socket(relay, &mixed, Some(ORIGIN)).await;
    assert_eq!(next(&mut socket).await["close"], relay_close::NOT_ALLOWED);

    // A frame that names another task than the token's.
    let mut socket = relay_socket(relay, &task, Some(ORIGIN)).await;
    say(&mut socket, &other.task_id, "hi").await;
    let closed = next(&mut socket).await;
    assert_eq!(closed["close"], relay_close::NOT_ALLOWED);
    assert!(closed["reason"].as_str().unwrap().contains("task"));
    // And one that names none.
    let mut socket = relay_socket(relay, &task, Some(ORIGIN)).await;
    socket
        .send(Message::text(r#"{"text":"hi"}"#))
        .await
        .unwrap();
    assert_eq!(next(&mut socket).await["close"], relay_close::NOT_ALLOWED);
    assert_key_never_reached_the_widget();
}

#[tokio::test]
async fn two_relay_instances_serve_one_visitor_alternately() {
    let sim = start(simulator_config()).await;
    // Two relays that share only the signing secret (support's SECRET) and the upstream.
    let a = start(relay_config(sim)).await;
    let b = start(relay_config(sim)).await;
    assert_ne!(a, b);

    let task = start_task(a).await;
    let mut socket = relay_socket(b, &task, Some(ORIGIN)).await;
    say(&mut socket, &task.task_id, SEED_QUESTION).await;
    let (_, first) = answer(&mut socket).await;
    assert!(first
        .text
        .starts_with("I found several built-in microwaves"));
    socket.close(None).await.unwrap();

    // Reconnect to the other one: the same task, which remembers what it showed.
    let mut socket = relay_socket(a, &task, Some(ORIGIN)).await;
    say(&mut socket, &task.task_id, "What is the price range?").await;
    let (_, second) = answer(&mut socket).await;
    assert!(second.text.contains("range from €349"), "{}", second.text);
    socket.close(None).await.unwrap();

    // And the REST fallback through b again.
    let body = json!({"task_id": task.task_id, "text": "Do any of these come in white?"});
    let (status, third) = widget_http(
        b,
        "/relay/aui/message",
        &task.token,
        Some(ORIGIN),
        &body.to_string(),
    )
    .await;
    assert_eq!(status, 200, "{third}");

    // A second task, created through b and streamed through a.
    let task2 = start_task(b).await;
    let mut socket = relay_socket(a, &task2, Some(ORIGIN)).await;
    say(&mut socket, &task2.task_id, "hello").await;
    answer(&mut socket).await;

    let path = format!("/api/v1/external/tasks/{}/messages", task.task_id);
    let (_, history, _) = http(sim, "GET", &path, &[("x-network-api-key", KEY)], "").await;
    assert_eq!(
        history.as_array().unwrap().len(),
        7,
        "one task: welcome + 3 turns"
    );
    let (_, list, _) = http(
        sim,
        "GET",
        "/api/v1/external/tasks?user_id=visitor-1",
        &[("x-network-api-key", KEY)],
        "",
    )
    .await;
    assert_eq!(list["total"], 2);
    assert_key_never_reached_the_widget();
}

#[tokio::test]
async fn upstream_failures_reach_the_widget_as_the_relays_own_errors() {
    let sim = start(simulator_config()).await;
    // AUI refuses the relay's key: 502 for the task, 1008 with a payload on the socket.
    let wrong = start(relay_config_to(
        &format!("http://{sim}"),
        "not_a_test_key_Sup3rSecret",
    ))
    .await;
    let (status, reply) = widget_http(
        wrong,
        "/relay/aui/tasks",
        "pk_test_docent",
        Some(ORIGIN),
        r#"{"product_id":"default"}"#,
    )
    .await;
    assert_eq!(status, 502);
    assert_eq!(reply["error"]["code"], relay_codes::UPSTREAM_REJECTED);
    let good = start(relay_config(sim)).await;
    let task = start_task(good).await;
    let mut socket = relay_socket(wrong, &task, Some(ORIGIN)).await;
    // The simulator upgrades, then sends the payload and closes 1008: passed on verbatim.
    let payload = next(&mut socket).await;
    assert_eq!(payload["status_code"], 401);
    assert_eq!(next(&mut socket).await["close"], 1008);

    // AUI unreachable: 503, and 1013 (try again later) on the socket.
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let down = start(relay_config_to(&format!("http://{closed_port}"), KEY)).await;
    let (status, reply) = widget_http(
        down,
        "/relay/aui/tasks",
        "pk_test_docent",
        Some(ORIGIN),
        r#"{"product_id":"default"}"#,
    )
    .await;
    assert_eq!(status, 503);
    assert_eq!(reply["error"]["code"], relay_codes::UPSTREAM_UNAVAILABLE);
    let mut socket = relay_socket(down, &task, Some(ORIGIN)).await;
    let closed = next(&mut socket).await;
    assert_eq!(closed["close"], relay_close::TRY_AGAIN_LATER);

    // No key configured: a clear 503.
    let mut config = relay_config(sim);
    config.relay.key = None;
    let bare = start(config).await;
    let (status, reply) = widget_http(
        bare,
        "/relay/aui/tasks",
        "pk_test_docent",
        Some(ORIGIN),
        r#"{"product_id":"default"}"#,
    )
    .await;
    assert_eq!(status, 503);
    assert!(reply["error"]["message"]
        .as_str()
        .unwrap()
        .contains("no AUI key"));

    // AUI's internal error passes on as 1011.
    let mut socket = relay_socket(good, &task, Some(ORIGIN)).await;
    say(&mut socket, &task.task_id, "simulate internal error").await;
    assert_eq!(next(&mut socket).await["status_code"], 500);
    assert_eq!(next(&mut socket).await["close"], 1011);
    assert_key_never_reached_the_widget();
}

#[tokio::test]
async fn a_slow_upstream_answer_does_not_hold_other_visitors() {
    let sim = start(simulator_config()).await;
    let relay = start(relay_config(sim)).await;
    let slow = start_task(relay).await;
    let quick = start_task(relay).await;
    let mut slow_socket = relay_socket(relay, &slow, Some(ORIGIN)).await;
    let mut quick_socket = relay_socket(relay, &quick, Some(ORIGIN)).await;
    let began = Instant::now();
    say(
        &mut slow_socket,
        &slow.task_id,
        "microwave please, simulate slow reply",
    )
    .await;
    say(&mut quick_socket, &quick.task_id, SEED_QUESTION).await;
    answer(&mut quick_socket).await;
    assert!(
        began.elapsed() < Duration::from_millis(1200),
        "the quick visitor waited {:?}",
        began.elapsed()
    );
    answer(&mut slow_socket).await;
    assert!(began.elapsed() >= Duration::from_millis(1500));
}

#[tokio::test]
async fn too_many_messages_close_4029() {
    let sim = start(simulator_config()).await;
    let mut config = relay_config(sim);
    config.relay.max_messages_per_minute = 1;
    let relay = start(config).await;
    let task = start_task(relay).await;
    let mut socket = relay_socket(relay, &task, Some(ORIGIN)).await;
    say(&mut socket, &task.task_id, "hello").await;
    answer(&mut socket).await;
    say(&mut socket, &task.task_id, "hello again").await;
    assert_eq!(next(&mut socket).await["close"], relay_close::RATE_LIMITED);
}

#[tokio::test]
async fn an_expired_token_is_renewed_for_its_own_task_and_anything_else_gets_a_new_task() {
    let sim = start(simulator_config()).await;
    let relay = start(relay_config(sim)).await;
    let task = start_task(relay).await;
    let claims = |exp: u64, org: &str| json!({"tid": task.task_id, "org": org, "aud": "docent-aui-relay", "iat": now() - 7200, "exp": exp});
    let renew = |token: String, origin: &'static str| async move {
        let body = json!({"product_id": "default", "renew": token}).to_string();
        let (status, body) = widget_http(
            relay,
            "/relay/aui/tasks",
            "pk_test_docent",
            Some(origin),
            &body,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_value::<RelayTask>(body).unwrap()
    };

    // Expired an hour ago: a new token for the same task, and AUI is not asked for a task.
    let renewed = renew(forge(SECRET, claims(now() - 3600, ORIGIN)), ORIGIN).await;
    assert_eq!(renewed.task_id, task.task_id);
    assert!(renewed.renewed);
    assert_eq!(renewed.welcome_message, None, "no second welcome");
    let mut socket = relay_socket(relay, &renewed, Some(ORIGIN)).await;
    say(
        &mut socket,
        &renewed.task_id,
        "which microwave is cheapest?",
    )
    .await;
    let (_, reply) = answer(&mut socket).await;
    assert!(
        !reply.text.is_empty(),
        "the renewed token works on the socket"
    );

    // Past the grace, forged, or from another origin: a new task, as without `renew`.
    let cases = [
        (
            forge(SECRET, claims(now() - RENEWAL_GRACE_SECS - 60, ORIGIN)),
            ORIGIN,
            "too old",
        ),
        (
            forge(b"another secret", claims(now() - 60, ORIGIN)),
            ORIGIN,
            "forged",
        ),
        (
            forge(SECRET, claims(now() - 60, ORIGIN)),
            "http://127.0.0.1:1",
            "another origin",
        ),
    ];
    for (token, origin, why) in cases {
        let fresh = renew(token, origin).await;
        assert_ne!(fresh.task_id, task.task_id, "{why}");
        assert!(!fresh.renewed, "{why}");
    }
    assert_key_never_reached_the_widget();
}
