//! The normalized model: what an agent can tell the widget ([`AgentEvent`]) and what the
//! widget can tell an agent ([`VisitorAction`]), whatever platform is on the other end.
//! Dialect differences stop at the codecs; nothing above them sees a wire format.

use crate::command::{CommandError, PageCommand};
use serde::{Deserialize, Serialize};

/// Something the agent side said or did.
#[derive(Debug, Clone, PartialEq)]
pub enum AgentEvent {
    /// The session exists; `greeting` is the agent's opening line when the platform sends one.
    SessionReady {
        session_id: String,
        greeting: Option<Greeting>,
    },
    /// The agent started or stopped working on a reply.
    Typing(bool),
    /// A piece of streamed reply text, to be appended to the reply in progress.
    TextDelta(String),
    /// A complete reply. Ends any streamed text in progress.
    Message(AgentMessage),
    /// The agent asks the visitor for contact details.
    LeadForm(LeadForm),
    /// The agent is running (or finished running) a tool.
    ToolActivity {
        name: String,
        finished: bool,
        succeeded: Option<bool>,
    },
    Error(AgentError),
    /// Answer to a heartbeat; `ts` is the server's clock in milliseconds when it sends one.
    Pong {
        ts: Option<u64>,
    },
}

/// The opening line of a session.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Greeting {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speech: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<String>,
}

/// Reads a greeting object: `text`, and optionally `speech` and `suggestions`.
pub(crate) fn read_greeting(f: &crate::json::Fields) -> Result<Greeting, String> {
    Ok(Greeting {
        text: f.str("text")?,
        speech: f.opt_str("speech")?,
        suggestions: f.opt_strings("suggestions")?.unwrap_or_default(),
    })
}

/// A complete agent reply.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AgentMessage {
    pub text: String,
    /// What a voice would say instead of `text` (kept for text-to-speech; not shown).
    pub speech: Option<String>,
    /// Replies the visitor can pick with one click.
    pub suggestions: Vec<String>,
    /// Page commands in the order the agent gave them; a malformed one stays in its place
    /// as an error so that the visitor and the agent can be told, and the rest still run.
    pub commands: Vec<Result<PageCommand, CommandError>>,
    pub agent_id: Option<String>,
    /// The visitor message this answers (its `client_id`), where the server says so.
    pub reply_to: Option<String>,
    /// Products the agent offers with this reply, in the agent's order, shown as cards.
    pub products: Vec<Product>,
}

/// A product the agent offers, as a card shows it. Every field may be missing: a card
/// shows what it has.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Product {
    /// The product's name.
    pub title: Option<String>,
    /// The price as the platform wrote it (`"299"`, `"€299.00"`): shown, never computed with.
    pub price: Option<String>,
    /// A picture of the product: an `http(s):` URL or a path on the server; anything else
    /// (`javascript:`, `data:`) never gets here.
    pub image_url: Option<String>,
    /// The product's own page, with the same restriction as `image_url`.
    pub url: Option<String>,
    /// The rest of what the platform says about it, as a spec list, in its order.
    pub parameters: Vec<ProductParameter>,
    /// The agent recommends this one above the others.
    pub recommended: bool,
    /// Other versions of the same product (colour, size, …), each a product of its own.
    pub variants: Vec<Product>,
}

impl Product {
    /// The product as its serde derive wrote it (saved with the conversation): every field,
    /// an absent text as `null`.
    pub fn to_json(&self) -> crate::json::Value {
        use crate::json::Value;
        let text = |t: &Option<String>| Some(t.as_deref().map_or(Value::Null, Value::str));
        crate::json::object([
            ("title", text(&self.title)),
            ("price", text(&self.price)),
            ("image_url", text(&self.image_url)),
            ("url", text(&self.url)),
            (
                "parameters",
                Some(Value::Array(
                    self.parameters
                        .iter()
                        .map(|p| {
                            crate::json::object([
                                ("label", Some(Value::str(&p.label))),
                                ("value", Some(Value::str(&p.value))),
                            ])
                        })
                        .collect(),
                )),
            ),
            ("recommended", Some(Value::Bool(self.recommended))),
            (
                "variants",
                Some(Value::Array(
                    self.variants.iter().map(Product::to_json).collect(),
                )),
            ),
        ])
    }

    /// Reads what [`Product::to_json`] (or the serde derive) wrote; every field may be absent.
    pub fn from_json(value: &crate::json::Value) -> Result<Product, String> {
        let f = crate::json::Fields::of(value)?;
        let parameters = f.opt_array("parameters")?.unwrap_or_default();
        let variants = f.opt_array("variants")?.unwrap_or_default();
        Ok(Product {
            title: f.opt_str("title")?,
            price: f.opt_str("price")?,
            image_url: f.opt_str("image_url")?,
            url: f.opt_str("url")?,
            parameters: parameters
                .iter()
                .map(|p| {
                    let p = crate::json::Fields::of(p)?;
                    Ok(ProductParameter {
                        label: p.str("label")?,
                        value: p.str("value")?,
                    })
                })
                .collect::<Result<_, String>>()?,
            recommended: f.opt_bool("recommended")?.unwrap_or_default(),
            variants: variants
                .iter()
                .map(Product::from_json)
                .collect::<Result<_, _>>()?,
        })
    }
}

/// One line of a product's spec list: `Capacity: 25 l`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProductParameter {
    pub label: String,
    pub value: String,
}

/// A request for the visitor's contact details.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadForm {
    pub fields: Vec<LeadField>,
    /// The call to action: a button text and, optionally, a page it opens (in a new tab).
    pub cta_text: Option<String>,
    pub cta_url: Option<String>,
}

/// One input of a lead form.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadField {
    /// The wire name (`email`, `company`, …); the key of the submitted value.
    pub name: String,
    pub kind: LeadFieldKind,
    /// A label in plain words.
    pub label: String,
}

/// How a lead field is entered and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeadFieldKind {
    Email,
    Phone,
    Url,
    Number,
    Text,
}

impl LeadField {
    /// Builds a field from its wire name, guessing the input type and label from the name,
    /// since platforms send bare names such as `["email", "company"]`.
    pub fn from_name(name: &str) -> LeadField {
        let lower = name.trim().to_ascii_lowercase();
        let kind = match lower.as_str() {
            "email" | "e-mail" | "work_email" | "workemail" => LeadFieldKind::Email,
            "phone" | "telephone" | "tel" | "mobile" | "phone_number" => LeadFieldKind::Phone,
            "website" | "url" | "site" => LeadFieldKind::Url,
            "team_size" | "employees" | "seats" | "company_size" => LeadFieldKind::Number,
            _ => LeadFieldKind::Text,
        };
        LeadField {
            name: name.trim().to_string(),
            kind,
            label: label_for(&lower),
        }
    }
}

fn label_for(name: &str) -> String {
    match name {
        "email" | "e-mail" => "Email".into(),
        "work_email" | "workemail" => "Work email".into(),
        "phone" | "telephone" | "tel" | "mobile" | "phone_number" => "Phone".into(),
        _ => {
            let words = name.replace(['_', '-'], " ");
            let mut chars = words.chars();
            match chars.next() {
                // ASCII only: wire names are ASCII, and Unicode case tables cost ~6 KB of wasm.
                Some(first) => std::iter::once(first.to_ascii_uppercase())
                    .chain(chars)
                    .collect(),
                None => String::new(),
            }
        }
    }
}

/// An error the agent side reported.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentError {
    pub code: ErrorCode,
    /// The platform's own words, for logs; the widget shows its own plain words per code.
    pub message: String,
    /// Trying the same thing again may work.
    pub retryable: bool,
    /// The session cannot go on: a new one is needed.
    pub fatal: bool,
}

/// Error codes, normalized across platforms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorCode {
    AuthRequired,
    InvalidToken,
    SessionNotFound,
    SessionExpired,
    InvalidJson,
    EmptyMessage,
    UnknownType,
    PdpNotFound,
    /// The platform refused this one message (content moderation, say); the session goes
    /// on, and the visitor may change the message and send it again.
    MessageRejected,
    /// A code this model has no name for, kept verbatim.
    Other(String),
}

impl ErrorCode {
    /// The live-demo wire spelling (also used as the stable name in logs and DOM events).
    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::AuthRequired => "AUTH_REQUIRED",
            ErrorCode::InvalidToken => "INVALID_TOKEN",
            ErrorCode::SessionNotFound => "SESSION_NOT_FOUND",
            ErrorCode::SessionExpired => "SESSION_EXPIRED",
            ErrorCode::InvalidJson => "INVALID_JSON",
            ErrorCode::EmptyMessage => "EMPTY_MESSAGE",
            ErrorCode::UnknownType => "UNKNOWN_TYPE",
            ErrorCode::PdpNotFound => "PDP_NOT_FOUND",
            ErrorCode::MessageRejected => "MESSAGE_REJECTED",
            ErrorCode::Other(code) => code,
        }
    }

    pub fn parse(code: &str) -> ErrorCode {
        match code {
            "AUTH_REQUIRED" => ErrorCode::AuthRequired,
            "INVALID_TOKEN" => ErrorCode::InvalidToken,
            "SESSION_NOT_FOUND" => ErrorCode::SessionNotFound,
            "SESSION_EXPIRED" => ErrorCode::SessionExpired,
            "INVALID_JSON" => ErrorCode::InvalidJson,
            "EMPTY_MESSAGE" => ErrorCode::EmptyMessage,
            "UNKNOWN_TYPE" => ErrorCode::UnknownType,
            "PDP_NOT_FOUND" => ErrorCode::PdpNotFound,
            "MESSAGE_REJECTED" => ErrorCode::MessageRejected,
            other => ErrorCode::Other(other.to_string()),
        }
    }

    /// The session is unusable after this error: the visitor needs a new one.
    pub fn ends_session(&self) -> bool {
        matches!(
            self,
            ErrorCode::AuthRequired
                | ErrorCode::InvalidToken
                | ErrorCode::SessionNotFound
                | ErrorCode::SessionExpired
                | ErrorCode::PdpNotFound
        )
    }
}

/// Something the visitor (or the widget on the visitor's behalf) tells the agent.
#[derive(Debug, Clone, PartialEq)]
pub enum VisitorAction {
    /// A chat message, with optional context for the agent (page URL, lead details, …).
    Say {
        text: String,
        /// The widget's own JSON value: the widget builds no serde value (docs/SIZE-PLAN.md).
        context: Option<crate::json::Value>,
        /// Names this message so a resend after an ambiguous drop is answered once.
        client_id: Option<String>,
    },
    /// Keep-alive.
    Heartbeat,
    /// What the visitor did inside the demo iframe (or what a page command did there).
    PageEvent(PageEvent),
    /// The visitor filled in the lead form; values in the form's field order.
    LeadSubmitted { values: Vec<(String, String)> },
}

/// An event inside the demo iframe: what the visitor did there (`click`, `navigation`), or
/// a page command that failed (`command_failed`, with `action` and `error`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PageEvent {
    pub event: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lead_fields_get_input_types_and_labels_from_their_names() {
        let email = LeadField::from_name("email");
        assert_eq!(email.kind, LeadFieldKind::Email);
        assert_eq!(email.label, "Email");
        let company = LeadField::from_name("company");
        assert_eq!(company.kind, LeadFieldKind::Text);
        assert_eq!(company.label, "Company");
        let phone = LeadField::from_name("phone_number");
        assert_eq!(phone.kind, LeadFieldKind::Phone);
        assert_eq!(LeadField::from_name("team_size").label, "Team size");
    }

    #[test]
    fn error_codes_round_trip_and_unknown_ones_are_kept() {
        for code in [
            "AUTH_REQUIRED",
            "INVALID_TOKEN",
            "SESSION_NOT_FOUND",
            "SESSION_EXPIRED",
            "INVALID_JSON",
            "EMPTY_MESSAGE",
            "UNKNOWN_TYPE",
            "PDP_NOT_FOUND",
            "SOMETHING_NEW",
        ] {
            assert_eq!(ErrorCode::parse(code).as_str(), code);
        }
        assert_eq!(
            ErrorCode::parse("SOMETHING_NEW"),
            ErrorCode::Other("SOMETHING_NEW".into())
        );
        assert!(ErrorCode::InvalidToken.ends_session());
        assert!(!ErrorCode::EmptyMessage.ends_session());
    }
}
