//! AUI's frames and REST answers as the widget reads them, with `crate::json` instead of
//! serde (whose derived readers were most of this codec's share of the wasm). The serde
//! types in the parent module stay for the relay, the reference server and the tests;
//! `tests.rs` checks that both readers agree.
//!
//! Each reader checks every field as the serde types type it, read or not, so a frame one
//! refuses the other refuses too; `null` reads as absent, as `null_default` did. One
//! difference, on purpose: serde's derive also reads a struct from an array, by position
//! (`"sender": []`); AUI never sends that, and this reader refuses it as malformed.

use super::{
    error_for_status, role_of, safe_url, ParameterRole, ERROR_PAYLOAD, FINAL_MESSAGE, TEXT_UPDATED,
};
use crate::dialect::DecodeError;
use crate::json::{self, Fields, Value};
use crate::model::{AgentError, AgentMessage, ErrorCode, Product, ProductParameter};

/// A socket frame (or the answer to a message sent over HTTP), as the decoder needs it.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Frame {
    /// The whole reply so far.
    TextUpdated(String),
    Message(AgentMessage),
    Error(AgentError),
}

/// Reads one frame; the same decisions, in the same order, as `ServerFrame::parse`.
pub(crate) fn frame(text: &str) -> Result<Frame, DecodeError> {
    let mut value = json::parse(text).map_err(|e| DecodeError::NotJson(e.to_string()))?;
    if value.as_object().is_none() {
        return Err(DecodeError::NotAnObject);
    }
    let bad = |message_type: &str| {
        let message_type = message_type.to_string();
        move |detail| DecodeError::BadField {
            message_type,
            detail,
        }
    };
    if has_key(&value, "status_code") {
        return error_payload(&value)
            .map(Frame::Error)
            .map_err(bad(ERROR_PAYLOAD));
    }
    if has_key(&value, "event") {
        let Some(Value::String(event)) = value.take("event") else {
            return Err(DecodeError::MissingType);
        };
        if event != TEXT_UPDATED {
            return Err(DecodeError::UnknownType(event.chars().take(64).collect()));
        }
        let data = value.take("data").unwrap_or(Value::Null);
        return Fields::of(&data)
            .and_then(|f| f.str("text"))
            .map(Frame::TextUpdated)
            .map_err(bad(TEXT_UPDATED));
    }
    if has_key(&value, "text") || has_key(&value, "id") {
        return message(&value)
            .map(Frame::Message)
            .map_err(bad(FINAL_MESSAGE));
    }
    Err(DecodeError::MissingType)
}

/// Whether the object has the key at all (`null` included, as serde's map saw it).
fn has_key(value: &Value, key: &str) -> bool {
    value
        .as_object()
        .is_some_and(|members| members.iter().any(|(k, _)| k == key))
}

/// An `ExternalTaskMessage` as the agent message it stands for.
fn message(value: &Value) -> Result<AgentMessage, String> {
    let f = Fields::of(value)?;
    f.opt_str("id")?;
    f.opt_str("created_at")?;
    let text = f.str("text")?;
    let mut agent_id = None;
    for party in ["sender", "receiver"] {
        if let Some(p) = f.opt_object(party)? {
            let id = p.opt_str("id")?.unwrap_or_default();
            p.opt_str("type")?;
            p.opt_str("email")?;
            if party == "sender" {
                agent_id = Some(id).filter(|id| !id.is_empty());
            }
        }
    }
    let options = f.opt_array("options")?.unwrap_or_default();
    let mut products = options.iter().map(product).collect::<Result<Vec<_>, _>>()?;
    let variant_items = f.opt_array("variants_options")?.unwrap_or_default();
    let suggestions = f.opt_strings("followup_suggestions")?.unwrap_or_default();
    // Variants belong to the recommended product (or the first); alone, they are the
    // products (as `ExternalTaskMessage::products`).
    let mut variants = Vec::new();
    for item in variant_items {
        variants_from(item, &mut variants);
    }
    if !variants.is_empty() {
        let owner = products
            .iter()
            .position(|p| p.recommended)
            .or((!products.is_empty()).then_some(0));
        match owner {
            Some(at) => products[at].variants = variants,
            None => products = variants,
        }
    }
    Ok(AgentMessage {
        text,
        suggestions: suggestions
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        agent_id,
        products,
        ..AgentMessage::default()
    })
}

/// A `ProductOption` as a card (as `ProductOption::to_product`).
fn product(value: &Value) -> Result<Product, String> {
    let f = Fields::of(value)?;
    let mut product = Product {
        recommended: f.opt_bool("is_recommended")?.unwrap_or(false),
        ..Product::default()
    };
    for parameter in f.opt_array("widget_parameters")?.unwrap_or_default() {
        let p = Fields::of(parameter)?;
        let title = p.opt_str("title")?.unwrap_or_default();
        let kind = p.opt_str("type")?.unwrap_or_default();
        let Some(value) = p
            .get("value")
            .and_then(display)
            .filter(|text| !text.trim().is_empty())
        else {
            continue;
        };
        let role = match role_of(&kind) {
            ParameterRole::Spec => role_of(&title),
            role => role,
        };
        let slot = match role {
            ParameterRole::Title => &mut product.title,
            ParameterRole::Price => &mut product.price,
            ParameterRole::Image => &mut product.image_url,
            ParameterRole::Link => &mut product.url,
            ParameterRole::Spec => {
                push_spec(&mut product, role, &title, &kind, value);
                continue;
            }
        };
        if slot.is_some() {
            push_spec(&mut product, role, &title, &kind, value);
            continue;
        }
        *slot = match role {
            ParameterRole::Image | ParameterRole::Link => safe_url(&value),
            _ => Some(value),
        };
    }
    Ok(product)
}

/// A spec line (or a second title or price); a second picture or link is dropped.
fn push_spec(product: &mut Product, role: ParameterRole, title: &str, kind: &str, value: String) {
    if matches!(role, ParameterRole::Image | ParameterRole::Link) {
        return;
    }
    let label = match title.trim() {
        "" => kind.trim().to_string(),
        title => title.to_string(),
    };
    product.parameters.push(ProductParameter { label, value });
}

/// Variants in whatever shape: product options, names, or lists of them.
fn variants_from(value: &Value, out: &mut Vec<Product>) {
    match value {
        Value::Object(_) if has_key(value, "widget_parameters") => {
            if let Ok(option) = product(value) {
                out.push(option);
            }
        }
        Value::Array(items) => {
            for item in items {
                if item.as_array().is_none() {
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

/// A parameter's value as a card shows it (as `WidgetParameter::display_value`).
fn display(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.trim().to_string()),
        Value::Number(_) => Some(number_text(value)),
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

/// A number as serde_json printed it: an integer as written, any other number as its
/// `f64` with `.0` when whole (`299.00` → `299.0`, `1e3` → `1000.0`), without a float
/// printer (see `Value::float`).
fn number_text(value: &Value) -> String {
    match value.integer_text() {
        Some(text) => text.to_string(),
        None => Value::float(value.as_f64().unwrap_or(f64::NAN)).to_json(),
    }
}

/// An error payload (`{status_code, description, message, extra_data}`) as the error it
/// means (as `ErrorPayload::to_agent_error`).
fn error_payload(value: &Value) -> Result<AgentError, String> {
    let f = Fields::of(value)?;
    let status = u16::try_from(f.u64("status_code")?)
        .map_err(|_| "`status_code` is out of range".to_string())?;
    let description = f.opt_str("description")?.unwrap_or_default();
    let message = f.opt_str("message")?.unwrap_or_default();
    let moderated = f
        .opt_object("extra_data")?
        .and_then(|extra| extra.get("moderation_category"))
        .and_then(Value::as_str)
        .is_some();
    let words = if message.is_empty() {
        description
    } else {
        message
    };
    let mut error = error_for_status(status, words);
    if moderated {
        error.code = ErrorCode::MessageRejected;
        error.retryable = false;
        error.fatal = false;
    }
    Ok(error)
}

/// A failed REST call's error, as `RestError::parse(…).to_agent_error(…)` reads it.
pub(crate) fn rest_error(status: u16, body: &str) -> AgentError {
    let fallback = || error_for_status(status, format!("HTTP {status}"));
    let Ok(value) = json::parse(body) else {
        return fallback();
    };
    if value.as_object().is_none() {
        return fallback();
    }
    if has_key(&value, "status_code") {
        if let Ok(error) = error_payload(&value) {
            return error;
        }
    }
    match value.get("detail") {
        Some(Value::String(detail)) => error_for_status(401, detail.clone()),
        Some(Value::Array(issues)) => issues
            .iter()
            .map(describe_issue)
            .collect::<Result<Vec<_>, _>>()
            .map(|issues| error_for_status(422, issues.join("; ")))
            .unwrap_or_else(|_| fallback()),
        _ => fallback(),
    }
}

/// A validation issue as `ValidationIssue::describe` words it: `body.text: field required`.
fn describe_issue(value: &Value) -> Result<String, String> {
    let f = Fields::of(value)?;
    let msg = f.opt_str("msg")?.unwrap_or_default();
    f.opt_str("type")?;
    let at: Vec<String> = f
        .opt_array("loc")?
        .unwrap_or_default()
        .iter()
        .map(|part| match part {
            Value::String(name) => name.clone(),
            Value::Number(_) => number_text(part),
            other => other.to_json(),
        })
        .collect();
    Ok(if at.is_empty() {
        msg
    } else {
        format!("{}: {}", at.join("."), msg)
    })
}

/// The relay's `{"error": {"code", "message"}}`, if the body is one: (code, message).
pub(crate) fn relay_error(body: &str) -> Option<(String, String)> {
    let value = json::parse(body).ok()?;
    let error = Fields::of(&value).ok()?.object("error").ok()?;
    Some((
        error.str("code").ok()?,
        error.opt_str("message").ok()?.unwrap_or_default(),
    ))
}

/// The relay's task answer: task id, token, welcome line, suggestions, renewed.
pub(crate) struct Task {
    pub task_id: String,
    pub token: String,
    pub welcome_message: Option<String>,
    pub followup_suggestions: Vec<String>,
    pub renewed: bool,
}

pub(crate) fn relay_task(body: &str) -> Option<Task> {
    let value = json::parse(body).ok()?;
    let f = Fields::of(&value).ok()?;
    f.opt_u64("expires_in").ok()?;
    Some(Task {
        task_id: f.str("task_id").ok()?,
        token: f.str("token").ok()?,
        welcome_message: f.opt_str("welcome_message").ok()?,
        followup_suggestions: f
            .opt_strings("followup_suggestions")
            .ok()?
            .unwrap_or_default(),
        renewed: f.opt_bool("renewed").ok()?.unwrap_or(false),
    })
}
