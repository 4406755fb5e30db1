//! The AUI platform simulator: what AUI itself answers (seeds 000, 001, 003), so the relay
//! and the widget are tested end to end offline.
//!
//! - `POST /api/v1/external/tasks {user_id}` → a [`Task`] with a welcome message.
//! - `GET /api/v1/external/tasks?user_id=…&page=…&size=…` → a [`TaskList`], newest first.
//! - `GET /api/v1/external/tasks/{task_id}/messages` → the task's messages, oldest first
//!   (the visitor's and the agent's, as `ExternalTaskMessage`s).
//! - `POST /api/v1/external/message {task_id, text, context?}` → the agent's
//!   [`ExternalTaskMessage`].
//! - `GET /api/v1/external/session?network_api_key=…` (WebSocket): each message is answered
//!   with cumulative `thread-message-text-content-updated` events, then the final
//!   `ExternalTaskMessage`.
//!
//! REST calls need `x-network-api-key` (401 `{"detail":"Not authenticated"}`); bad bodies
//! get seed 003's 422; application errors 400 with an [`ErrorPayload`] (moderation puts
//! `moderation_category` and `flagged_text` in `extra_data`); internal errors 500. The socket
//! sends the same payload as a frame, then closes 1008 (bad key, application error) or 1011
//! (internal error) with the payload as the close reason.
//!
//! Scripted triggers, for tests: a message containing "simulate internal error" fails
//! internally; "simulate slow reply" waits 1.5 s before answering; a flagged word ("idiot",
//! "kill") is refused by moderation; an unknown `task_id` is an application error.

use super::adviser::{self, Advice};
use super::AuiState;
use crate::sessions::random_bytes;
use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use docent_protocol::aui::{
    close, ErrorPayload, ExternalTaskMessage, MessageRequest, Party, RestError, ServerFrame, Task,
    TaskList, ValidationIssue, API_KEY_HEADER, API_KEY_QUERY,
};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// One task the simulator holds.
#[derive(Debug, Clone)]
pub struct TaskRecord {
    pub task: Task,
    pub messages: Vec<ExternalTaskMessage>,
    /// The products last shown, for follow-up questions.
    pub shown: Vec<&'static str>,
    /// Creation order, for listing newest first.
    pub serial: u64,
}

const AGENT_ID: &str = "agent_docent_microwave_adviser";
const SLOW_TRIGGER: &str = "simulate slow reply";
const INTERNAL_TRIGGER: &str = "simulate internal error";
const SLOW_DELAY: Duration = Duration::from_millis(1500);

fn key_ok(state: &AuiState, key: Option<&str>) -> bool {
    let Some(key) = key.map(str::trim).filter(|k| !k.is_empty()) else {
        return false;
    };
    let keys = &state.config.simulator_keys;
    if keys.is_empty() {
        key.starts_with("aui_test_")
    } else {
        keys.iter().any(|k| k == key)
    }
}

fn header_key(headers: &HeaderMap) -> Option<&str> {
    headers.get(API_KEY_HEADER)?.to_str().ok()
}

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn rest_error(status: StatusCode, error: RestError) -> Response {
    json_response(status, error.to_json())
}

fn not_authenticated() -> Response {
    rest_error(
        StatusCode::UNAUTHORIZED,
        RestError::NotAuthenticated("Not authenticated".into()),
    )
}

fn issue(loc: &[&str], msg: &str, kind: &str) -> ValidationIssue {
    ValidationIssue {
        loc: loc.iter().map(|s| Value::String(s.to_string())).collect(),
        msg: msg.into(),
        kind: kind.into(),
    }
}

/// Reads a JSON body and checks that each of `required` is a string (FastAPI's 422 shape).
fn validate(body: &[u8], required: &[&str]) -> Result<Map<String, Value>, Vec<ValidationIssue>> {
    let object = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => object,
        Ok(_) => {
            return Err(vec![issue(
                &["body"],
                "value is not a valid dict",
                "type_error.dict",
            )])
        }
        Err(_) => {
            return Err(vec![issue(
                &["body"],
                "Expecting value",
                "value_error.jsondecode",
            )])
        }
    };
    let issues: Vec<ValidationIssue> = required
        .iter()
        .filter_map(|field| match object.get(*field) {
            None | Some(Value::Null) => Some(issue(
                &["body", field],
                "field required",
                "value_error.missing",
            )),
            Some(Value::String(_)) => None,
            Some(_) => Some(issue(
                &["body", field],
                "str type expected",
                "type_error.str",
            )),
        })
        .collect();
    if issues.is_empty() {
        Ok(object)
    } else {
        Err(issues)
    }
}

fn validation_error(issues: Vec<ValidationIssue>) -> Response {
    rest_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        RestError::Validation(issues),
    )
}

/// The base of the URLs handed out: the configured one, or `http://<Host>`.
fn public_base(state: &AuiState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.config.public_url {
        return url.trim_end_matches('/').to_string();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("127.0.0.1:8787");
    format!("http://{host}")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A 24-hex-digit id, like AUI's task ids (Mongo object ids).
fn object_id() -> String {
    hex(&random_bytes::<12>())
}

/// A UUID (version 4) for message ids.
fn uuid() -> String {
    let mut b = random_bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// Now as ISO 8601 (`2026-03-09T14:22:01.000Z`).
pub fn iso_now() -> String {
    let millis = crate::sessions::unix_millis();
    let secs = millis / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        millis % 1000
    )
}

fn agent() -> Party {
    Party {
        id: AGENT_ID.into(),
        kind: "agent".into(),
        email: None,
    }
}

fn user(id: &str) -> Party {
    Party {
        id: id.into(),
        kind: "user".into(),
        email: None,
    }
}

/// `POST /api/v1/external/tasks {user_id}`.
pub async fn create_task(
    Extension(state): Extension<Arc<AuiState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !key_ok(&state, header_key(&headers)) {
        return not_authenticated();
    }
    let object = match validate(&body, &["user_id"]) {
        Ok(object) => object,
        Err(issues) => return validation_error(issues),
    };
    let user_id = object["user_id"].as_str().unwrap_or_default().to_string();
    let task = Task {
        id: object_id(),
        user_id: user_id.clone(),
        title: Some("Microwave advice".into()),
        welcome_message: Some(Value::String(adviser::WELCOME.into())),
        followup_suggestions: adviser::welcome_suggestions(),
    };
    let welcome = ExternalTaskMessage {
        id: uuid(),
        created_at: iso_now(),
        text: adviser::WELCOME.into(),
        sender: Some(agent()),
        receiver: Some(user(&user_id)),
        followup_suggestions: adviser::welcome_suggestions(),
        ..ExternalTaskMessage::default()
    };
    {
        let mut tasks = state.tasks.lock().unwrap();
        let serial = tasks.len() as u64;
        tasks.insert(
            task.id.clone(),
            TaskRecord {
                task: task.clone(),
                messages: vec![welcome],
                shown: Vec::new(),
                serial,
            },
        );
    }
    json_response(
        StatusCode::OK,
        serde_json::to_string(&task).unwrap_or_default(),
    )
}

/// `GET /api/v1/external/tasks?user_id=…&page=1&size=10`.
pub async fn list_tasks(
    Extension(state): Extension<Arc<AuiState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if !key_ok(&state, header_key(&headers)) {
        return not_authenticated();
    }
    let Some(user_id) = query.get("user_id").filter(|u| !u.is_empty()) else {
        return validation_error(vec![issue(
            &["query", "user_id"],
            "field required",
            "value_error.missing",
        )]);
    };
    let number = |name: &str, default: u32| -> Result<u32, ValidationIssue> {
        match query.get(name) {
            None => Ok(default),
            Some(text) => text.parse().ok().filter(|n| *n >= 1).ok_or_else(|| {
                issue(
                    &["query", name],
                    "ensure this value is greater than or equal to 1",
                    "value_error.number.not_ge",
                )
            }),
        }
    };
    let (page, size) = match (number("page", 1), number("size", 10)) {
        (Ok(page), Ok(size)) => (page, size.min(100)),
        (page, size) => {
            return validation_error(page.err().into_iter().chain(size.err()).collect());
        }
    };
    let mut mine: Vec<(u64, Task)> = state
        .tasks
        .lock()
        .unwrap()
        .values()
        .filter(|r| &r.task.user_id == user_id)
        .map(|r| (r.serial, r.task.clone()))
        .collect();
    mine.sort_by_key(|(serial, _)| std::cmp::Reverse(*serial));
    let total = mine.len() as u64;
    let tasks = mine
        .into_iter()
        .skip(((page - 1) * size) as usize)
        .take(size as usize)
        .map(|(_, task)| task)
        .collect();
    let list = TaskList {
        tasks,
        total,
        page,
        size,
    };
    json_response(
        StatusCode::OK,
        serde_json::to_string(&list).unwrap_or_default(),
    )
}

fn task_not_found() -> ErrorPayload {
    ErrorPayload {
        status_code: 404,
        description: "Not found".into(),
        message: "Task not found".into(),
        extra_data: Map::new(),
    }
}

/// `GET /api/v1/external/tasks/{task_id}/messages`.
pub async fn history(
    Extension(state): Extension<Arc<AuiState>>,
    headers: HeaderMap,
    Path(task_id): Path<String>,
) -> Response {
    if !key_ok(&state, header_key(&headers)) {
        return not_authenticated();
    }
    let messages = state
        .tasks
        .lock()
        .unwrap()
        .get(&task_id)
        .map(|r| r.messages.clone());
    match messages {
        Some(messages) => json_response(
            StatusCode::OK,
            serde_json::to_string(&messages).unwrap_or_default(),
        ),
        None => rest_error(
            StatusCode::NOT_FOUND,
            RestError::Application(task_not_found()),
        ),
    }
}

/// Why a message got no reply.
#[derive(Debug)]
enum Failure {
    /// An application error: 400 over REST, 1008 on the socket.
    Application(ErrorPayload),
    /// 500 over REST, 1011 on the socket.
    Internal(ErrorPayload),
}

/// Answers a message: records it and the reply in the task's history.
fn answer(state: &AuiState, request: &MessageRequest, base: &str) -> Result<Advice, Failure> {
    let mut tasks = state.tasks.lock().unwrap();
    let Some(record) = tasks.get_mut(&request.task_id) else {
        let mut payload = task_not_found();
        payload.status_code = 400;
        payload.description = "Bad request".into();
        return Err(Failure::Application(payload));
    };
    if let Some((category, word)) = adviser::moderation(&request.text) {
        let mut extra = Map::new();
        extra.insert("moderation_category".into(), json!(category));
        extra.insert("flagged_text".into(), json!(word));
        return Err(Failure::Application(ErrorPayload {
            status_code: 400,
            description: "Bad request".into(),
            message: "The message was flagged by content moderation".into(),
            extra_data: extra,
        }));
    }
    if request.text.to_lowercase().contains(INTERNAL_TRIGGER) {
        return Err(Failure::Internal(ErrorPayload {
            status_code: 500,
            description: "Internal server error".into(),
            message: "The agent failed to answer".into(),
            extra_data: Map::new(),
        }));
    }
    let user_id = record.task.user_id.clone();
    record.messages.push(ExternalTaskMessage {
        id: uuid(),
        created_at: iso_now(),
        text: request.text.clone(),
        sender: Some(user(&user_id)),
        receiver: Some(agent()),
        ..ExternalTaskMessage::default()
    });
    let advice = match request.text.strip_prefix("echo: ") {
        Some(payload) if state.config.echo => adviser::echo(payload),
        _ => adviser::advise(&request.text, &record.shown, base),
    };
    record.shown = advice.shown.clone();
    Ok(advice)
}

/// The reply as the final `ExternalTaskMessage`, recorded in the task's history.
fn finish(state: &AuiState, task_id: &str, advice: Advice) -> ExternalTaskMessage {
    let mut tasks = state.tasks.lock().unwrap();
    let user_id = tasks
        .get(task_id)
        .map(|r| r.task.user_id.clone())
        .unwrap_or_default();
    let message = ExternalTaskMessage {
        id: uuid(),
        created_at: iso_now(),
        text: advice.text,
        sender: Some(agent()),
        receiver: Some(user(&user_id)),
        options: advice.options,
        variants_options: advice.variants_options,
        followup_suggestions: advice.followup_suggestions,
    };
    if let Some(record) = tasks.get_mut(task_id) {
        record.messages.push(message.clone());
    }
    message
}

fn is_slow(text: &str) -> bool {
    text.to_lowercase().contains(SLOW_TRIGGER)
}

/// `POST /api/v1/external/message {task_id, text, context?}`.
pub async fn message(
    Extension(state): Extension<Arc<AuiState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !key_ok(&state, header_key(&headers)) {
        return not_authenticated();
    }
    if let Err(issues) = validate(&body, &["task_id", "text"]) {
        return validation_error(issues);
    }
    let Ok(request) = serde_json::from_slice::<MessageRequest>(&body) else {
        return validation_error(vec![issue(&["body"], "invalid message", "type_error")]);
    };
    let base = public_base(&state, &headers);
    match answer(&state, &request, &base) {
        Ok(advice) => {
            if is_slow(&request.text) {
                tokio::time::sleep(SLOW_DELAY).await;
            }
            let message = finish(&state, &request.task_id, advice);
            json_response(
                StatusCode::OK,
                serde_json::to_string(&message).unwrap_or_default(),
            )
        }
        Err(Failure::Application(payload)) => {
            rest_error(StatusCode::BAD_REQUEST, RestError::Application(payload))
        }
        Err(Failure::Internal(payload)) => rest_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            RestError::Application(payload),
        ),
    }
}

/// `GET /api/v1/external/session?network_api_key=…`: the streaming socket.
pub async fn session(
    ws: WebSocketUpgrade,
    Extension(state): Extension<Arc<AuiState>>,
    axum::extract::State(app): axum::extract::State<crate::AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let authorised = key_ok(&state, query.get(API_KEY_QUERY).map(String::as_str));
    let base = public_base(&state, &headers);
    ws.on_upgrade(move |socket| async move {
        if authorised {
            serve(socket, state, base, app.config.control).await;
        } else {
            let payload = ErrorPayload {
                status_code: 401,
                description: "Not authenticated".into(),
                message: "Invalid API key".into(),
                extra_data: Map::new(),
            };
            fail(socket, close::POLICY_VIOLATION, payload).await;
        }
    })
}

/// Sends the error payload, then closes with `code` and the payload as the reason (cut to
/// a close frame's 123 bytes, dropping `extra_data` first).
async fn fail(mut socket: WebSocket, code: u16, payload: ErrorPayload) {
    let frame = ServerFrame::Error(payload.clone()).to_json();
    let _ = socket.send(Message::Text(frame.clone().into())).await;
    let reason = if frame.len() <= 123 {
        frame
    } else {
        let short = ErrorPayload {
            extra_data: Map::new(),
            ..payload
        };
        let text = ServerFrame::Error(short).to_json();
        if text.len() <= 123 {
            text
        } else {
            String::new()
        }
    };
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await;
}

/// `control`: the server runs with `--control`, so `#bench_stream N C` is honoured.
async fn serve(mut socket: WebSocket, state: Arc<AuiState>, base: String, control: bool) {
    while let Some(Ok(frame)) = socket.recv().await {
        let text = match frame {
            Message::Text(text) => text,
            Message::Close(_) => return,
            _ => continue,
        };
        let request = match MessageRequest::parse(text.as_str()) {
            Ok(request) if !request.task_id.is_empty() => request,
            Ok(_) | Err(_) => {
                let payload = ErrorPayload {
                    status_code: 422,
                    description: "Validation error".into(),
                    message: "A message needs `task_id` and `text` strings".into(),
                    extra_data: Map::new(),
                };
                return fail(socket, close::POLICY_VIOLATION, payload).await;
            }
        };
        let mut advice = match answer(&state, &request, &base) {
            Ok(advice) => advice,
            Err(Failure::Application(payload)) => {
                return fail(socket, close::POLICY_VIOLATION, payload).await
            }
            Err(Failure::Internal(payload)) => {
                return fail(socket, close::INTERNAL_ERROR, payload).await
            }
        };
        if is_slow(&request.text) {
            tokio::time::sleep(SLOW_DELAY).await;
        }
        // Cumulative updates: each carries the whole reply so far, a word more each time
        // (or, for the bench, a reply of C characters in N updates with no pause).
        let bench = control
            .then(|| crate::bench::request(&request.text))
            .flatten();
        let (pieces, delay) = match bench {
            Some((updates, chars)) => (crate::bench::pieces(updates, chars), Duration::ZERO),
            None => (
                advice.text.split_inclusive(' ').map(String::from).collect(),
                state.config.stream_delay,
            ),
        };
        if bench.is_some() {
            advice.text = pieces.concat();
        }
        let mut so_far = String::new();
        for word in &pieces {
            so_far.push_str(word);
            let update = ServerFrame::TextUpdated(so_far.trim_end().to_string()).to_json();
            if socket.send(Message::Text(update.into())).await.is_err() {
                return;
            }
            tokio::time::sleep(delay).await;
        }
        let message = finish(&state, &request.task_id, advice);
        let frame = ServerFrame::Message(Box::new(message)).to_json();
        if socket.send(Message::Text(frame.into())).await.is_err() {
            return;
        }
    }
}

/// `GET /aui/images/{id}.svg` or `/aui/images/{id}--{colour}.svg`.
pub async fn image(Path(file): Path<String>) -> Response {
    let Some(name) = file.strip_suffix(".svg") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (id, colour) = match name.split_once("--") {
        Some((id, colour)) => (id, Some(colour)),
        None => (name, None),
    };
    match adviser::find(id) {
        Some(m) => (
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            adviser::svg(m, colour),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `GET /aui/products/{id}`: the product page a card links to.
pub async fn product_page(
    Extension(state): Extension<Arc<AuiState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    match adviser::find(&id) {
        Some(m) => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            adviser::page(m, &public_base(&state, &headers)),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
