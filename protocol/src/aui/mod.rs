//! The AUI dialect (docs.aui.io; seeds 000, 001 and 003): streamed product advice.
//!
//! The wire, as the seeds give it:
//! - REST under a base URL ([`GCP_BASE`] or [`AZURE_BASE`]), authorised by the
//!   `x-network-api-key` header: create a task ([`CreateTaskRequest`] -> [`Task`]), list a
//!   user's tasks ([`TaskList`]), read a task's messages ([`parse_message_history`]), and send
//!   a message ([`MessageRequest`] -> [`ExternalTaskMessage`]). Failures: 401 `{"detail": ".."}`,
//!   422 `{"detail": [{loc, msg, type}]}`, 400/500 [`ErrorPayload`] ([`RestError`]).
//! - A WebSocket at [`SESSION_PATH`]`?network_api_key=…`. The client sends the same
//!   [`MessageRequest`] as REST; the server answers with `thread-message-text-content-updated`
//!   events whose text is *cumulative* (all of the reply so far), then the complete
//!   [`ExternalTaskMessage`] (which has no `event` key), and closes with 1008 or 1011 on
//!   errors, with an [`ErrorPayload`] ([`ServerFrame`]).
//!
//! The network API key must never reach a browser, so the widget speaks this wire through
//! Docent's relay: [`client`] documents the relay's widget-facing contract, and [`Aui`]
//! is the widget's codec. Everything here is also what the reference server and the relay
//! read and write, so the two sides share one codec.

use crate::dialect::DecodeError;
use crate::model::{AgentError, AgentMessage, ErrorCode, Product, ProductParameter};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

pub mod client;
mod read;
pub use client::Aui;

/// Seed 000/001: the GCP deployment.
pub const GCP_BASE: &str = "https://data-services.aui.io/api/ia-controller";
/// Seed 000/001: the Azure deployment.
pub const AZURE_BASE: &str = "https://azure.aui.io/api/ia-controller";
/// REST authentication header (seed 001). Server side only.
pub const API_KEY_HEADER: &str = "x-network-api-key";
/// WebSocket authentication query parameter (seed 000). Server side only.
pub const API_KEY_QUERY: &str = "network_api_key";
/// `POST` creates a task; `GET ?user_id=&page=&size=` lists a user's tasks.
pub const TASKS_PATH: &str = "/api/v1/external/tasks";
/// `POST` sends a message and answers with the complete reply.
pub const MESSAGE_PATH: &str = "/api/v1/external/message";
/// The streaming WebSocket.
pub const SESSION_PATH: &str = "/api/v1/external/session";
/// The `event` of a cumulative text update.
pub const TEXT_UPDATED: &str = "thread-message-text-content-updated";
/// How [`DecodeError`]s name the final message, which has no `event` of its own.
pub const FINAL_MESSAGE: &str = "ExternalTaskMessage";
/// How [`DecodeError`]s name an error payload.
pub const ERROR_PAYLOAD: &str = "error";

/// Close codes of seed 000.
pub mod close {
    /// Authentication failure or application error (policy violation).
    pub const POLICY_VIOLATION: u16 = 1008;
    /// Internal server error.
    pub const INTERNAL_ERROR: u16 = 1011;
}

/// The names under which AUI's errors reach the conversation, as [`ErrorCode::Other`]
/// (the normalized model has no variants for them yet).
pub mod codes {
    /// 401: the network API key was missing or wrong (the relay's problem, not the visitor's).
    pub const NOT_AUTHENTICATED: &str = "NOT_AUTHENTICATED";
    /// 422: the request was not valid.
    pub const INVALID_REQUEST: &str = "INVALID_REQUEST";
    /// 400 without moderation details: the agent could not handle the message.
    pub const APPLICATION_ERROR: &str = "APPLICATION_ERROR";
    /// 429: too many requests.
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    /// 5xx, or close 1011.
    pub const SERVER_ERROR: &str = "SERVER_ERROR";
    /// Close 1008 without a payload that says more.
    pub const POLICY_VIOLATION: &str = "POLICY_VIOLATION";
}

/// `GET /api/v1/external/tasks?user_id=…&page=…&size=…`.
pub fn list_tasks_path(user_id: &str, page: u32, size: u32) -> String {
    format!(
        "{TASKS_PATH}?user_id={}&page={page}&size={size}",
        percent_encode(user_id)
    )
}

/// A task's message history. The seeds name the operation ("retrieve message history") but
/// not its path: this is the path Docent's reference server serves.
pub fn message_history_path(task_id: &str) -> String {
    format!("{TASKS_PATH}/{}/messages", percent_encode(task_id))
}

/// The upstream socket URL for a base URL: `https` becomes `wss`, `http` becomes `ws`.
/// Server side only: the result carries the key.
pub fn upstream_socket_url(base: &str, api_key: &str) -> String {
    let base = base.trim_end_matches('/');
    let base = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_string()
    };
    format!(
        "{base}{SESSION_PATH}?{API_KEY_QUERY}={}",
        percent_encode(api_key)
    )
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(text: &str) -> String {
    crate::live_demo::percent_encode(text)
}

// ---------------------------------------------------------------- REST shapes

/// Body of `POST /api/v1/external/tasks`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CreateTaskRequest {
    pub user_id: String,
}

/// A task: the answer of `POST /api/v1/external/tasks`, and an item of [`TaskList`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Task {
    pub id: String,
    #[serde(default, deserialize_with = "null_default")]
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// A string in the vendor's docs; read leniently (see [`Task::welcome_text`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub welcome_message: Option<Value>,
    #[serde(default, deserialize_with = "null_default")]
    pub followup_suggestions: Vec<String>,
}

impl Task {
    /// The welcome line: the string itself, or the `text` of a message object.
    pub fn welcome_text(&self) -> Option<String> {
        match self.welcome_message.as_ref()? {
            Value::String(text) => Some(text.clone()),
            Value::Object(message) => message.get("text")?.as_str().map(str::to_string),
            _ => None,
        }
        .filter(|text| !text.trim().is_empty())
    }
}

/// The answer of `GET /api/v1/external/tasks?user_id=…`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TaskList {
    #[serde(default, deserialize_with = "null_default")]
    pub tasks: Vec<Task>,
    #[serde(default)]
    pub total: u64,
    #[serde(default)]
    pub page: u32,
    #[serde(default)]
    pub size: u32,
}

/// Reads a task's message history: a bare array of messages, or an object with a
/// `messages` array (the seeds do not show the shape, so both are accepted).
pub fn parse_message_history(body: &str) -> Result<Vec<ExternalTaskMessage>, DecodeError> {
    let value: Value =
        serde_json::from_str(body).map_err(|e| DecodeError::NotJson(e.to_string()))?;
    let list = match value {
        Value::Array(list) => list,
        Value::Object(mut object) => match object.remove("messages") {
            Some(Value::Array(list)) => list,
            _ => return Err(DecodeError::MissingType),
        },
        _ => return Err(DecodeError::NotAnObject),
    };
    list.into_iter()
        .map(|item| read(FINAL_MESSAGE, item))
        .collect()
}

/// A message to the agent: the body of `POST /api/v1/external/message` and the frame the
/// client sends on the socket (seed 000: "the same structure as the REST API").
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MessageRequest {
    pub task_id: String,
    pub text: String,
    /// `{url, lead_details: {..}}` in the seeds; kept as given, since integrations
    /// configured at onboarding may add their own keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
}

impl MessageRequest {
    /// Reads a client frame or REST body (the relay's and the reference server's side).
    pub fn parse(text: &str) -> Result<MessageRequest, DecodeError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| DecodeError::NotJson(e.to_string()))?;
        if !value.is_object() {
            return Err(DecodeError::NotAnObject);
        }
        read("message", value)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("message requests always serialize")
    }
}

/// The message context of seeds 000/003: the host page and what the visitor told the
/// lead form, in the seed's order (`url`, then `lead_details` in the form's field order).
/// Built as the widget's own JSON value (no serde value in the widget).
pub fn message_context(
    url: Option<&str>,
    lead_details: &[(String, String)],
) -> Option<crate::json::Value> {
    use crate::json::{object, Value};
    let url = url.filter(|u| !u.is_empty()).map(Value::str);
    let details = (!lead_details.is_empty()).then(|| {
        // One member per name: a form that names a field twice sends its last value.
        let mut members: Vec<(String, Value)> = Vec::new();
        for (name, value) in lead_details {
            members.retain(|(n, _)| n != name);
            members.push((name.clone(), Value::str(value)));
        }
        Value::Object(members)
    });
    (url.is_some() || details.is_some()).then(|| object([("url", url), ("lead_details", details)]))
}

/// A complete agent reply: the REST answer, an item of the history, and the socket's final
/// frame.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ExternalTaskMessage {
    #[serde(default, deserialize_with = "null_default")]
    pub id: String,
    #[serde(default, deserialize_with = "null_default")]
    pub created_at: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<Party>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver: Option<Party>,
    #[serde(default, deserialize_with = "null_default")]
    pub options: Vec<ProductOption>,
    /// "Available product variants": the seeds give no item shape, so items are kept raw
    /// and read by [`ExternalTaskMessage::products`].
    #[serde(default, deserialize_with = "null_default")]
    pub variants_options: Vec<Value>,
    #[serde(default, deserialize_with = "null_default")]
    pub followup_suggestions: Vec<String>,
}

/// The sender or receiver of a message.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Party {
    #[serde(default, deserialize_with = "null_default")]
    pub id: String,
    /// `agent` or `user`.
    #[serde(rename = "type", default, deserialize_with = "null_default")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A product recommendation: `{is_recommended, widget_parameters: [{title, value, type}]}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProductOption {
    #[serde(default, deserialize_with = "null_default")]
    pub is_recommended: bool,
    #[serde(default, deserialize_with = "null_default")]
    pub widget_parameters: Vec<WidgetParameter>,
}

/// One fact about a product; `value` is a string, a number or an array.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WidgetParameter {
    #[serde(default, deserialize_with = "null_default")]
    pub title: String,
    #[serde(default)]
    pub value: Value,
    #[serde(rename = "type", default, deserialize_with = "null_default")]
    pub kind: String,
}

/// What a widget parameter is for on a card, read from its `type` and, when the type says
/// nothing the card uses (`text`, `number`, …), from its `title`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParameterRole {
    Title,
    Price,
    Image,
    Link,
    /// A line of the spec list.
    Spec,
}

impl WidgetParameter {
    pub fn role(&self) -> ParameterRole {
        match role_of(&self.kind) {
            ParameterRole::Spec => role_of(&self.title),
            role => role,
        }
    }

    /// The value as a card shows it: strings as they are, numbers as written, arrays
    /// joined with ", ", booleans as Yes/No; `None` for nothing to show.
    pub fn display_value(&self) -> Option<String> {
        display(&self.value).filter(|text| !text.trim().is_empty())
    }
}

fn role_of(name: &str) -> ParameterRole {
    let name = name.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    match name.as_str() {
        "title" | "name" | "product_name" | "product_title" => ParameterRole::Title,
        "price" | "product_price" | "sale_price" | "current_price" => ParameterRole::Price,
        "image" | "image_url" | "img" | "picture" | "photo" | "thumbnail" | "product_image" => {
            ParameterRole::Image
        }
        "url" | "link" | "href" | "product_url" | "product_link" => ParameterRole::Link,
        _ => ParameterRole::Spec,
    }
}

fn display(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.trim().to_string()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(yes) => Some(if *yes { "Yes" } else { "No" }.to_string()),
        Value::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .filter_map(|item| match item {
                    Value::Array(_) => None,
                    other => display(other),
                })
                .filter(|text| !text.is_empty())
                .collect();
            Some(parts.join(", "))
        }
        Value::Null | Value::Object(_) => None,
    }
}

/// A link a card may follow or load: `http(s):` or a path on the same server. Anything
/// else (`javascript:`, `data:`, a bare word) is dropped, since it would run or mislead.
pub fn safe_url(text: &str) -> Option<String> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let ok = lower.starts_with("https://")
        || lower.starts_with("http://")
        || (text.starts_with('/') && !text.starts_with("//"));
    (ok && !text.chars().any(char::is_whitespace)).then(|| text.to_string())
}

impl ProductOption {
    /// The option as a neutral product card. The first parameter of each card role wins;
    /// later ones of the same role become spec lines (a second price stays visible).
    pub fn to_product(&self) -> Product {
        let mut product = Product {
            recommended: self.is_recommended,
            ..Product::default()
        };
        for parameter in &self.widget_parameters {
            let Some(value) = parameter.display_value() else {
                continue;
            };
            let slot = match parameter.role() {
                ParameterRole::Title => &mut product.title,
                ParameterRole::Price => &mut product.price,
                ParameterRole::Image => &mut product.image_url,
                ParameterRole::Link => &mut product.url,
                ParameterRole::Spec => {
                    push_spec(&mut product, parameter, value);
                    continue;
                }
            };
            if slot.is_some() {
                push_spec(&mut product, parameter, value);
                continue;
            }
            *slot = match parameter.role() {
                ParameterRole::Image | ParameterRole::Link => safe_url(&value),
                _ => Some(value),
            };
        }
        product
    }
}

fn push_spec(product: &mut Product, parameter: &WidgetParameter, value: String) {
    if matches!(parameter.role(), ParameterRole::Image | ParameterRole::Link) {
        return;
    }
    let label = match parameter.title.trim() {
        "" => parameter.kind.trim().to_string(),
        title => title.to_string(),
    };
    product.parameters.push(ProductParameter { label, value });
}

/// Reads one item of `variants_options`: an option-shaped object (with
/// `widget_parameters`), a list of them, or a plain name. Anything else is skipped.
fn variants_from(value: &Value, out: &mut Vec<Product>) {
    match value {
        Value::Object(object) if object.contains_key("widget_parameters") => {
            if let Ok(option) = serde_json::from_value::<ProductOption>(value.clone()) {
                out.push(option.to_product());
            }
        }
        Value::Array(items) => {
            for item in items {
                if !item.is_array() {
                    variants_from(item, out);
                }
            }
        }
        Value::String(name) if !name.trim().is_empty() => out.push(Product {
            title: Some(name.trim().to_string()),
            ..Product::default()
        }),
        _ => {}
    }
}

impl ExternalTaskMessage {
    /// The products of this reply: one per option, in order. Variants (whose shape the
    /// seeds do not give) go to the first recommended option, else the first option; with
    /// no options they are the products.
    pub fn products(&self) -> Vec<Product> {
        let mut products: Vec<Product> = self.options.iter().map(|o| o.to_product()).collect();
        let mut variants = Vec::new();
        for item in &self.variants_options {
            variants_from(item, &mut variants);
        }
        if variants.is_empty() {
            return products;
        }
        let owner = products
            .iter()
            .position(|p| p.recommended)
            .or((!products.is_empty()).then_some(0));
        match owner {
            Some(at) => products[at].variants = variants,
            None => products = variants,
        }
        products
    }

    /// The reply in the normalized model: text, follow-up suggestions, product cards.
    pub fn to_agent_message(&self) -> AgentMessage {
        AgentMessage {
            text: self.text.clone(),
            suggestions: self
                .followup_suggestions
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            agent_id: self
                .sender
                .as_ref()
                .map(|s| s.id.clone())
                .filter(|id| !id.is_empty()),
            products: self.products(),
            ..AgentMessage::default()
        }
    }
}

// ---------------------------------------------------------------- errors

/// The error payload of seed 000 (socket) and of 400/500 REST answers.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ErrorPayload {
    pub status_code: u16,
    #[serde(default, deserialize_with = "null_default")]
    pub description: String,
    #[serde(default, deserialize_with = "null_default")]
    pub message: String,
    /// Contextual data; content moderation puts `moderation_category` here.
    #[serde(default, deserialize_with = "null_default")]
    pub extra_data: Map<String, Value>,
}

impl ErrorPayload {
    /// The moderation category, when content moderation refused the message.
    pub fn moderation_category(&self) -> Option<&str> {
        self.extra_data
            .get("moderation_category")
            .and_then(Value::as_str)
    }

    /// The error in the normalized model.
    pub fn to_agent_error(&self) -> AgentError {
        let words = if self.message.is_empty() {
            &self.description
        } else {
            &self.message
        };
        let mut error = error_for_status(self.status_code, words.clone());
        if self.moderation_category().is_some() {
            error.code = ErrorCode::MessageRejected;
            error.retryable = false;
            error.fatal = false;
        }
        error
    }
}

/// An error in the normalized model for an HTTP status (or an error payload's
/// `status_code`).
pub fn error_for_status(status: u16, message: String) -> AgentError {
    let (code, retryable, fatal) = match status {
        401 | 403 => (codes::NOT_AUTHENTICATED, false, true),
        422 => (codes::INVALID_REQUEST, false, false),
        429 => (codes::RATE_LIMITED, true, false),
        500..=599 => (codes::SERVER_ERROR, true, false),
        _ => (codes::APPLICATION_ERROR, false, false),
    };
    AgentError {
        code: ErrorCode::Other(code.into()),
        message,
        retryable,
        fatal,
    }
}

/// One problem of a 422 answer: where (`["body", "task_id"]`), what, and its kind.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ValidationIssue {
    #[serde(default, deserialize_with = "null_default")]
    pub loc: Vec<Value>,
    #[serde(default, deserialize_with = "null_default")]
    pub msg: String,
    #[serde(rename = "type", default, deserialize_with = "null_default")]
    pub kind: String,
}

impl ValidationIssue {
    /// `body.task_id: field required`.
    pub fn describe(&self) -> String {
        let at: Vec<String> = self
            .loc
            .iter()
            .map(|part| match part {
                Value::String(name) => name.clone(),
                other => other.to_string(),
            })
            .collect();
        if at.is_empty() {
            self.msg.clone()
        } else {
            format!("{}: {}", at.join("."), self.msg)
        }
    }
}

/// A failed REST answer, by shape (seed 003 and the error format of seed 000).
#[derive(Debug, Clone, PartialEq)]
pub enum RestError {
    /// 401 `{"detail": "Not authenticated"}`.
    NotAuthenticated(String),
    /// 422 `{"detail": [{loc, msg, type}]}`.
    Validation(Vec<ValidationIssue>),
    /// 400/500 `{status_code, description, message, extra_data}`.
    Application(ErrorPayload),
    /// Some other body (or none): only the status is known.
    Status(u16),
}

impl RestError {
    /// Reads a failed answer; never fails, since the status alone still says something.
    pub fn parse(status: u16, body: &str) -> RestError {
        let Ok(Value::Object(mut object)) = serde_json::from_str::<Value>(body) else {
            return RestError::Status(status);
        };
        if object.contains_key("status_code") {
            if let Ok(payload) = serde_json::from_value(Value::Object(object.clone())) {
                return RestError::Application(payload);
            }
        }
        match object.remove("detail") {
            Some(Value::String(detail)) => RestError::NotAuthenticated(detail),
            Some(Value::Array(issues)) => issues
                .into_iter()
                .map(serde_json::from_value)
                .collect::<Result<Vec<ValidationIssue>, _>>()
                .map(RestError::Validation)
                .unwrap_or(RestError::Status(status)),
            _ => RestError::Status(status),
        }
    }

    /// The error in the normalized model; `status` is the answer's HTTP status.
    pub fn to_agent_error(&self, status: u16) -> AgentError {
        match self {
            RestError::NotAuthenticated(detail) => error_for_status(401, detail.clone()),
            RestError::Validation(issues) => error_for_status(
                422,
                issues
                    .iter()
                    .map(ValidationIssue::describe)
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            RestError::Application(payload) => payload.to_agent_error(),
            RestError::Status(_) => error_for_status(status, format!("HTTP {status}")),
        }
    }

    /// The body, as the reference server writes it.
    pub fn to_json(&self) -> String {
        let value = match self {
            RestError::NotAuthenticated(detail) => serde_json::json!({ "detail": detail }),
            RestError::Validation(issues) => serde_json::json!({ "detail": issues }),
            RestError::Application(payload) => serde_json::to_value(payload).unwrap_or(Value::Null),
            RestError::Status(_) => Value::Object(Map::new()),
        };
        value.to_string()
    }
}

// ---------------------------------------------------------------- socket frames

/// A frame the AUI server sends on the session socket.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerFrame {
    /// `thread-message-text-content-updated`: the reply so far (cumulative, not a delta).
    TextUpdated(String),
    /// The complete reply; it ends the stream.
    Message(Box<ExternalTaskMessage>),
    /// An error payload (the server closes the socket after it).
    Error(ErrorPayload),
}

#[derive(Deserialize)]
struct TextData {
    text: String,
}

impl ServerFrame {
    /// Reads a frame. The seeds tell the frames apart by shape: a `status_code` marks an
    /// error payload (looked for first: seed 000's "error-first handling"), an `event` names
    /// a text update, and an object with neither but with `text` or `id` is the final
    /// message.
    pub fn parse(frame: &str) -> Result<ServerFrame, DecodeError> {
        let value: Value =
            serde_json::from_str(frame).map_err(|e| DecodeError::NotJson(e.to_string()))?;
        let Value::Object(mut object) = value else {
            return Err(DecodeError::NotAnObject);
        };
        if object.contains_key("status_code") {
            return read(ERROR_PAYLOAD, Value::Object(object)).map(ServerFrame::Error);
        }
        if let Some(event) = object.remove("event") {
            let Value::String(event) = event else {
                return Err(DecodeError::MissingType);
            };
            if event != TEXT_UPDATED {
                return Err(DecodeError::UnknownType(event.chars().take(64).collect()));
            }
            let data = object.remove("data").unwrap_or(Value::Null);
            let data: TextData = read(TEXT_UPDATED, data)?;
            return Ok(ServerFrame::TextUpdated(data.text));
        }
        if object.contains_key("text") || object.contains_key("id") {
            return read(FINAL_MESSAGE, Value::Object(object))
                .map(|message| ServerFrame::Message(Box::new(message)));
        }
        Err(DecodeError::MissingType)
    }

    pub fn to_json(&self) -> String {
        let value = match self {
            ServerFrame::TextUpdated(text) => {
                serde_json::json!({ "event": TEXT_UPDATED, "data": { "text": text } })
            }
            ServerFrame::Message(message) => serde_json::to_value(message).unwrap_or(Value::Null),
            ServerFrame::Error(payload) => serde_json::to_value(payload).unwrap_or(Value::Null),
        };
        value.to_string()
    }
}

/// Reads the error payload a server may put in a close frame's reason (seed 000: "error
/// payloads include …"), for the shell to show with the close.
pub fn close_reason(reason: &str) -> Option<AgentError> {
    match ServerFrame::parse(reason) {
        Ok(ServerFrame::Error(payload)) => Some(payload.to_agent_error()),
        _ => None,
    }
}

/// Reads one typed value. Dispatching by hand (rather than through serde's untagged
/// enums) keeps serde's buffering deserializer out of the widget's wasm.
fn read<T: DeserializeOwned>(message_type: &str, value: Value) -> Result<T, DecodeError> {
    serde_json::from_value(value).map_err(|e| DecodeError::BadField {
        message_type: message_type.to_string(),
        detail: e.to_string(),
    })
}

/// `null` reads as the type's default: platforms send `"options": null` as readily as `[]`.
fn null_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests;
