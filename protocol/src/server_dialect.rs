//! What a platform codec provides on the reference server's side.
//!
//! The server's connection loop, turn runner and session store speak only the neutral
//! values here: a visitor frame reads as a [`VisitorAction`], the agent's output is an
//! [`Outgoing`], and the ways a connection is refused or ended are [`Ending`]s. A server
//! dialect turns frames into those values and back, and says how each ending is closed,
//! so a second platform is one more implementation of [`ServerDialect`], not a second loop.

use crate::model::{ErrorCode, LeadForm, VisitorAction};
use serde_json::Value;

/// Something the agent side sends to the visitor, before any wire format.
#[derive(Debug, Clone, PartialEq)]
pub enum Outgoing {
    /// The agent started or stopped working on a reply.
    Typing {
        agent_id: Option<String>,
        on: bool,
    },
    Reply(Reply),
    /// Ask the visitor for contact details.
    LeadForm(LeadForm),
    Error {
        code: ErrorCode,
        message: String,
    },
    /// The answer to a heartbeat, with the server's clock in milliseconds.
    Pong {
        ts: Option<u64>,
    },
    /// The connection is accepted and serves this conversation (platforms that name it on
    /// connect). Platforms without such a frame send nothing for it.
    SessionReady {
        conversation_id: String,
    },
    /// The agent is working on a reply, on a named stage where it says one.
    Thinking {
        label: Option<String>,
    },
    /// A tool the agent runs, as it starts (`finished: false`) and as it ends.
    Tool(ToolActivity),
    /// A piece of a reply being streamed; the [`Outgoing::Reply`] that follows is the whole text.
    Delta(String),
    /// The agent's turn is complete; `turn_count` counts the conversation's completed turns.
    Done {
        conversation_id: String,
        turn_count: u64,
    },
    /// An error during a turn that says whether trying again may work, with the upstream HTTP
    /// status where there is one.
    TurnError {
        code: ErrorCode,
        message: String,
        retryable: bool,
        status: Option<u16>,
    },
}

/// One tool call of the agent's, for platforms that show tool activity.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ToolActivity {
    /// Pairs the start of a call with its end.
    pub call_id: String,
    pub name: String,
    /// What the tool was given (at the start).
    pub input: Option<Value>,
    /// What the tool returned (at the end).
    pub result: Option<Value>,
    pub finished: bool,
    /// Whether it worked (at the end).
    pub ok: Option<bool>,
}

/// A complete agent reply as the server sends it.
///
/// Unlike the model's `AgentMessage`, commands stay in their wire form (`{"action": …}`,
/// as `PageCommand::from_wire` reads them): the server relays what its script says and
/// leaves judging each command to the widget.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reply {
    pub text: String,
    /// What a voice would say instead of `text`.
    pub speech: Option<String>,
    /// Page commands, in order; empty when the reply has none.
    pub commands: Vec<Value>,
    /// Replies the visitor can pick with one click; empty when there are none.
    pub suggestions: Vec<String>,
    pub agent_id: Option<String>,
    /// The client id of the visitor message this answers, where the server names it.
    pub reply_to: Option<String>,
}

/// Why a connection is refused at the door or ended by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// No credential came with the connection.
    AuthRequired,
    /// The credential is invalid, expired, or for another session.
    InvalidToken,
    /// There is no such session (or it was ended).
    SessionNotFound,
    /// The session was idle too long.
    SessionExpired,
    /// The session was ended (over REST): a normal close.
    SessionEnded,
    /// The connection's own parameters are missing or malformed (ids, flags).
    InvalidRequest,
    /// The agent side cannot serve a connection now; trying later may work.
    Unavailable,
}

/// How a dialect closes a connection for an [`Ending`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closing {
    /// An error frame to send before closing, where the platform names the reason in one.
    pub error: Option<(ErrorCode, String)>,
    /// The WebSocket close code and reason.
    pub code: u16,
    pub reason: String,
}

/// A visitor frame the dialect could not read: the error to answer it with. The
/// connection stays open (one bad frame is not a reason to drop a conversation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub code: ErrorCode,
    pub message: String,
}

/// One agent platform, as the reference server speaks it.
pub trait ServerDialect {
    /// The dialect's configuration name (the same as its client side's).
    fn name(&self) -> &'static str;
    /// Reads one text frame from a visitor. Never panics.
    fn read(&self, frame: &str) -> Result<VisitorAction, Rejected>;
    /// Reads one binary frame; most platforms speak text only.
    fn read_binary(&self, _frame: &[u8]) -> Result<VisitorAction, Rejected> {
        Err(Rejected {
            code: ErrorCode::InvalidJson,
            message: "Binary frames are not supported".into(),
        })
    }
    /// The text frame for one piece of agent output; an empty string sends nothing (output
    /// the platform has no frame for).
    fn write(&self, output: &Outgoing) -> String;
    /// How the connection is closed for this ending.
    fn closing(&self, ending: Ending) -> Closing;
}
