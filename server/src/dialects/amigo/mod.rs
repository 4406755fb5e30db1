//! The Amigo dialect's route (seed 004): `GET /v1/{workspace_id}/sessions/connect
//! ?service_id=…&entity_id=…&tool_events=…`, a socket authorised by the subprotocol pair
//! `auth, <key>` and answered with `auth`. It is served by the neutral connection loop with
//! [`AmigoServer`]; what is Amigo's own is here: admission (the seed's close codes), thread
//! resolution, and a turn runner that streams (thinking, tool calls, tokens, message, done).
//!
//! - **Admission**, in this order: parameters (4000: ids not UUIDs, a missing id, a
//!   `tool_events` that is not `true`/`false`), credentials (4001: no `auth, <key>` pair, or a
//!   key the server does not accept), resources (4004: the nil UUID
//!   `00000000-0000-0000-0000-000000000000` as workspace, service or entity stands for one
//!   that does not exist), availability (4503: while `/control/refuse` is on). A refusal
//!   upgrades first, so the close code reaches the client, and selects `auth` when it was
//!   offered (a browser fails a socket whose server selects none of its subprotocols).
//! - **Threads**: the same workspace + service + entity continues the same conversation
//!   (same `conversation_id`, its history and turn count kept). A new thread's connection gets
//!   `session.created` and then the greeting as a turn stream; a resumed one gets
//!   `session.created` only. The seed lists the greeting as a connection's step but also says
//!   the reconnect "continues the existing conversation": greeting again would put a second
//!   greeting in the middle of the thread's history, so it is the thread's first turn only.
//! - **Turns**: `thinking`, then with `tool_events=true` `tool_call_started` /
//!   `tool_call_completed`, then `token`s (word by word), `message` (the whole text), `done`
//!   (`turn_count` counts the conversation's agent turns, the greeting included). The script
//!   looks up orders ("where is my order 1234"; order 404 is not found: the tool fails) and
//!   books demos ("book a demo tomorrow"); anything else gets a fallback.
//! - **Injected errors**, for tests: a message containing `#stream_interrupted` (some tokens,
//!   then the error), `#turn_timeout`, `#upstream_503` (retryable) or `#upstream_400` (not)
//!   fails that way the first time it is sent in a conversation; sent again, it is answered.
//!   An error ends its turn: no `done` follows it.
//! - **Idle timeout** (`--idle-timeout`): `error` `idle_timeout`, then close 1000.
//!
//! [`relay`] is Docent's key-holding relay in front of Amigo (this server's Amigo side by
//! default, or the platform itself), for sites that cannot mint tokens for the browser.

use crate::channels::{Outbound, Turn};
use crate::connection::{self, Opening};
use crate::faults::TurnFate;
use crate::rest::public_key_ok;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, Query, State};
use axum::http::header::SEC_WEBSOCKET_PROTOCOL;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use docent_protocol::amigo::{error_code, is_uuid, AmigoServer, AUTH_PROTOCOL};
use docent_protocol::{Ending, ErrorCode, Outgoing, Reply, ServerDialect, ToolActivity};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::{self, UnboundedReceiver};

pub mod relay;

/// Stands for a workspace, service or entity that does not exist (close 4004).
pub const MISSING: &str = "00000000-0000-0000-0000-000000000000";

/// The greeting a new thread opens with.
pub const GREETING: &str = "Hi! I can look up an order or book a demo for you. How can I help?";

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/{workspace_id}/sessions/connect", get(connect))
}

/// What a connection asked for, once admitted.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Admitted {
    workspace_id: String,
    service_id: String,
    entity_id: String,
    tool_events: bool,
}

/// Why a connection is refused, and the detail its close reason adds.
type Refusal = (Ending, String);

fn admit(
    state: &AppState,
    workspace_id: &str,
    query: Option<&HashMap<String, String>>,
    protocols: &[String],
) -> Result<Admitted, Refusal> {
    let invalid = |detail: String| (Ending::InvalidRequest, detail);
    let Some(query) = query else {
        return Err(invalid("unreadable query string".into()));
    };
    let id = |name: &str, value: Option<&str>| -> Result<String, Refusal> {
        match value.map(str::trim) {
            None | Some("") => Err(invalid(format!("{name} is missing"))),
            Some(v) if !is_uuid(v) => Err(invalid(format!("{name} is not a UUID"))),
            Some(v) => Ok(v.to_ascii_lowercase()),
        }
    };
    let workspace_id = id("workspace_id", Some(workspace_id))?;
    let service_id = id("service_id", query.get("service_id").map(String::as_str))?;
    let entity_id = id("entity_id", query.get("entity_id").map(String::as_str))?;
    let tool_events = match query.get("tool_events").map(|v| v.trim()) {
        None | Some("") => false,
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        Some(_) => return Err(invalid("tool_events must be true or false".into())),
    };
    let key = match protocols {
        [auth, key, ..] if auth == AUTH_PROTOCOL && !key.is_empty() => key,
        _ => return Err((Ending::AuthRequired, "send `auth, <key>`".into())),
    };
    if !key_ok(state, key) {
        return Err((Ending::InvalidToken, String::new()));
    }
    for (what, value) in [
        ("workspace", &workspace_id),
        ("service", &service_id),
        ("entity", &entity_id),
    ] {
        if value == MISSING {
            return Err((Ending::SessionNotFound, format!("{what} not found")));
        }
    }
    if state.faults.refusing() {
        return Err((Ending::Unavailable, "agent engine unavailable".into()));
    }
    Ok(Admitted {
        workspace_id,
        service_id,
        entity_id,
        tool_events,
    })
}

/// The configured API keys, or when there are none, what the server accepts as a public key.
fn key_ok(state: &AppState, key: &str) -> bool {
    if state.config.api_keys.is_empty() {
        public_key_ok(state, key)
    } else {
        state.config.api_keys.iter().any(|k| k == key)
    }
}

/// A close reason fits in 123 bytes.
fn reason(base: String, detail: &str) -> String {
    let mut reason = if detail.is_empty() {
        base
    } else {
        format!("{base}: {detail}")
    };
    while reason.len() > 123 {
        reason.pop();
    }
    reason
}

async fn connect(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    Path(workspace_id): Path<String>,
    headers: HeaderMap,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    // In the order sent (axum's `requested_protocols` is sorted, which loses which is the key).
    let protocols: Vec<String> = headers
        .get_all(SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|p| p.trim().to_string())
        .collect();
    let query = query.ok().map(|Query(q)| q);
    let admitted = admit(&state, &workspace_id, query.as_ref(), &protocols);
    ws.protocols([AUTH_PROTOCOL]).on_upgrade(move |socket| {
        let (mut sink, stream) = connection::axum_frames(socket);
        async move {
            let admitted = match admitted {
                Ok(admitted) => admitted,
                Err((ending, detail)) => {
                    let dialect = AmigoServer::default();
                    let mut closing = dialect.closing(ending);
                    closing.reason = reason(closing.reason, &detail);
                    connection::refuse(&dialect, &mut sink, closing).await;
                    return;
                }
            };
            let key = format!(
                "amigo/{}/{}/{}",
                admitted.workspace_id, admitted.service_id, admitted.entity_id
            );
            let meta = json!({
                "workspace_id": admitted.workspace_id,
                "service_id": admitted.service_id,
                "entity_id": admitted.entity_id,
            });
            let (id, new) = state
                .sessions
                .thread(&key, admitted.service_id.clone(), Some(meta));
            // The thread's own runner, started by its first connection; the loop keeps it.
            state.sessions.with(&id, |s| {
                s.turns.get_or_insert_with(|| {
                    let (turns, queue) = mpsc::unbounded_channel::<Turn>();
                    tokio::spawn(run_turns(state.clone(), id.clone(), queue));
                    turns
                });
            });
            let opening = Opening {
                say: vec![Outgoing::SessionReady {
                    conversation_id: id.clone(),
                }],
                turn: new.then(|| {
                    Turn::Reaction(Reply {
                        text: GREETING.into(),
                        ..Reply::default()
                    })
                }),
            };
            let dialect = AmigoServer {
                entity_id: Some(admitted.entity_id),
                service_id: Some(admitted.service_id),
                tool_events: admitted.tool_events,
            };
            connection::run(Arc::new(dialect), sink, stream, state, id, opening).await;
        }
    })
}

// ---------------------------------------------------------------- the scripted agent

/// A tool call the script makes.
#[derive(Debug, Clone, PartialEq)]
struct ToolCall {
    name: String,
    input: Value,
    result: Value,
    ok: bool,
}

/// What the agent does with one message.
#[derive(Debug, Clone, PartialEq)]
struct Plan {
    tool: Option<ToolCall>,
    answer: String,
}

/// The first run of digits in `text`.
fn number_in(text: &str) -> Option<String> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let digits: String = text[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Some(digits)
}

/// With `--control`, `echo: X` runs a tool named X and answers X (tests send markup and
/// attacks as the agent's words and a tool's name).
fn echo(payload: &str) -> Plan {
    Plan {
        tool: Some(ToolCall {
            name: payload.into(),
            input: json!({}),
            result: json!({}),
            ok: true,
        }),
        answer: payload.into(),
    }
}

fn plan(text: &str) -> Plan {
    let lower = text.to_lowercase();
    let has = |word: &str| lower.contains(word);
    if has("order") {
        let Some(order_id) = number_in(&lower) else {
            return Plan {
                tool: None,
                answer: "Happy to check. What is your order number?".into(),
            };
        };
        let input = json!({"order_id": order_id});
        if order_id == "404" {
            return Plan {
                tool: Some(ToolCall {
                    name: "lookup_order".into(),
                    input,
                    result: json!({"error": "order not found"}),
                    ok: false,
                }),
                answer: format!("I could not find order {order_id}. Could you check the number?"),
            };
        }
        return Plan {
            tool: Some(ToolCall {
                name: "lookup_order".into(),
                input,
                result: json!({"order_id": order_id, "status": "shipped",
                    "carrier": "UPS", "eta": "Thursday"}),
                ok: true,
            }),
            answer: format!("Order {order_id} has shipped with UPS and should arrive on Thursday."),
        };
    }
    if has("book") || has("demo") || has("schedule") || has("meeting") {
        let day = if has("today") { "today" } else { "tomorrow" };
        return Plan {
            tool: Some(ToolCall {
                name: "book_calendar_slot".into(),
                input: json!({"day": day, "duration_minutes": 30, "topic": "demo"}),
                result: json!({"booking_id": "bk_1001", "day": day, "start": "10:00"}),
                ok: true,
            }),
            answer: format!(
                "You are booked for a demo {day} at 10:00. A calendar invite is on its way."
            ),
        };
    }
    Plan {
        tool: None,
        answer: "I can look up an order (try \"where is my order 1234\") or book a demo \
                 (try \"book a demo tomorrow\")."
            .into(),
    }
}

/// An error a message asks for (see the module doc), as the turn's last output.
fn injected(text: &str) -> Option<(&'static str, Outgoing)> {
    let error = |code: &str, message: &str, retryable, status| Outgoing::TurnError {
        code: ErrorCode::Other(code.into()),
        message: message.into(),
        retryable,
        status,
    };
    let table = [
        (
            "#stream_interrupted",
            error(
                error_code::STREAM_INTERRUPTED,
                "Connection to agent engine was interrupted",
                true,
                None,
            ),
        ),
        (
            "#turn_timeout",
            error(
                error_code::TURN_TIMEOUT,
                "Agent did not complete the turn within the allowed time",
                true,
                None,
            ),
        ),
        (
            "#upstream_503",
            error(
                error_code::UPSTREAM_ERROR,
                "Agent engine returned an error (503)",
                true,
                Some(503),
            ),
        ),
        (
            "#upstream_400",
            error(
                error_code::UPSTREAM_ERROR,
                "Agent engine returned an error (400)",
                false,
                Some(400),
            ),
        ),
    ];
    table.into_iter().find(|(tag, _)| text.contains(tag))
}

/// The reply split into tokens: words with the space after them.
fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split_inclusive(' ')
}

/// Answers a thread's turns in order, streaming each on the thread's connection of the
/// moment. Lives as long as the thread.
async fn run_turns(state: AppState, id: String, mut queue: UnboundedReceiver<Turn>) {
    let pause = state.config.reply_delay;
    let token_pause = pause / 10;
    let send = |item: Outbound| {
        if let Some(out) = state
            .sessions
            .with(&id, |s| s.current_out.clone())
            .flatten()
        {
            let _ = out.send(item);
        }
    };
    let say = |output: Outgoing| send(Outbound::Say(output));
    // The injected errors already given in this conversation (each fails once).
    let mut failed: HashSet<&'static str> = HashSet::new();
    let mut calls = 0u64;
    while let Some(turn) = queue.recv().await {
        let (text, fate, greeting) = match turn {
            Turn::Visitor { text, fate, .. } => (text, fate, false),
            Turn::Reaction(reply) => (reply.text, TurnFate::Answer, true),
        };
        // `#bench_stream N C` (only with `--control`): C characters in N tokens, no pauses.
        let bench = (state.config.control && !greeting)
            .then(|| crate::bench::request(&text))
            .flatten()
            .map(|(updates, chars)| crate::bench::pieces(updates, chars));
        let (plan, injected) = if greeting {
            (
                Plan {
                    tool: None,
                    answer: text,
                },
                None,
            )
        } else {
            let injected = injected(&text).filter(|(tag, _)| failed.insert(tag));
            let plan = match text.strip_prefix("echo: ") {
                Some(payload) if state.config.control => echo(payload),
                _ => plan(&text),
            };
            (plan, injected.map(|(_, error)| error))
        };
        let (plan, token_pause) = match &bench {
            Some(pieces) => (
                Plan {
                    tool: None,
                    answer: pieces.concat(),
                },
                Duration::ZERO,
            ),
            None => (plan, token_pause),
        };
        if !greeting {
            say(Outgoing::Thinking {
                label: Some("fast".into()),
            });
            tokio::time::sleep(pause).await;
        }
        let interrupted = matches!(&injected, Some(Outgoing::TurnError { code, .. })
            if code.as_str() == error_code::STREAM_INTERRUPTED);
        if let Some(error) = injected.clone().filter(|_| !interrupted) {
            // The engine failed (or ran out of time) before answering anything.
            say(error);
            continue;
        }
        if let Some(tool) = &plan.tool {
            calls += 1;
            let mut activity = ToolActivity {
                call_id: format!("call_{calls}"),
                name: tool.name.clone(),
                input: Some(tool.input.clone()),
                ..ToolActivity::default()
            };
            say(Outgoing::Tool(activity.clone()));
            tokio::time::sleep(pause / 2).await;
            activity.finished = true;
            activity.ok = Some(tool.ok);
            activity.result = Some(tool.result.clone());
            activity.input = None;
            say(Outgoing::Tool(activity));
        }
        let pieces: Vec<&str> = match &bench {
            Some(pieces) => pieces.iter().map(String::as_str).collect(),
            None => tokens(&plan.answer).collect(),
        };
        if let Some(error) = injected {
            // Interrupted halfway through the answer.
            for piece in &pieces[..pieces.len() / 2] {
                say(Outgoing::Delta((*piece).into()));
                tokio::time::sleep(token_pause).await;
            }
            say(error);
            continue;
        }
        let turn_count = state
            .sessions
            .with(&id, |s| {
                s.record.replies.push(plan.answer.clone());
                s.record.replies.len() as u64
            })
            .unwrap_or(0);
        if fate == TurnFate::LoseReply {
            send(Outbound::Drop);
            continue;
        }
        for piece in pieces {
            say(Outgoing::Delta(piece.into()));
            tokio::time::sleep(token_pause).await;
        }
        say(Outgoing::Reply(Reply {
            text: plan.answer,
            ..Reply::default()
        }));
        if fate == TurnFate::DropAfterReply {
            send(Outbound::Drop);
            continue;
        }
        say(Outgoing::Done {
            conversation_id: id.clone(),
            turn_count,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_uses_its_tools() {
        let order = plan("Where is my order 1234?");
        let tool = order.tool.unwrap();
        assert_eq!((tool.name.as_str(), tool.ok), ("lookup_order", true));
        assert_eq!(tool.input, json!({"order_id": "1234"}));
        assert!(order.answer.contains("1234"));
        assert!(!plan("where is my order 404").tool.unwrap().ok);
        assert_eq!(plan("my order?").tool, None);
        let booking = plan("Book a demo tomorrow");
        assert_eq!(booking.tool.unwrap().name, "book_calendar_slot");
        assert!(booking.answer.contains("tomorrow"));
        assert_eq!(plan("hello").tool, None);
    }

    #[test]
    fn tokens_make_the_whole_text() {
        let text = "Order 1234 has shipped.";
        assert_eq!(tokens(text).collect::<String>(), text);
        assert_eq!(tokens(text).count(), 4);
    }

    #[test]
    fn magic_phrases_name_their_error() {
        assert!(injected("hi").is_none());
        for (text, tag) in [
            ("order 1 #stream_interrupted", "#stream_interrupted"),
            ("#turn_timeout", "#turn_timeout"),
            ("x #upstream_503", "#upstream_503"),
            ("#upstream_400", "#upstream_400"),
        ] {
            assert_eq!(injected(text).unwrap().0, tag);
        }
    }

    #[test]
    fn reasons_fit_a_close_frame() {
        assert_eq!(reason("Base".into(), ""), "Base");
        assert_eq!(reason("Base".into(), "why"), "Base: why");
        assert_eq!(reason("x".repeat(200), "").len(), 123);
    }
}
