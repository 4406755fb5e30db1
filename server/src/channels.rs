//! What flows through a session's channels: output to its connection's writer, and turns to
//! its turn runner. Neutral on purpose: the session store keeps these, and only the
//! connection's dialect turns output into frames.

use crate::faults::TurnFate;
use docent_protocol::{Outgoing, Reply};
use tokio::sync::mpsc::WeakUnboundedSender;

/// What a connection's writer sends.
#[derive(Debug)]
pub enum Outbound {
    /// Agent output, written as a frame by the connection's dialect.
    Say(Outgoing),
    /// Close the connection with this code and reason.
    Close(u16, String),
    /// Drop the connection without a close frame (fault injection).
    Drop,
}

/// What the turn runner answers.
#[derive(Debug)]
pub enum Turn {
    /// A visitor message.
    Visitor {
        text: String,
        /// The message's client id, where the server honours ids (answered once).
        client_id: Option<String>,
        fate: TurnFate,
        /// The connection the reply must go to (seed-only); `None`: the session's current one.
        reply_on: Option<WeakUnboundedSender<Outbound>>,
    },
    /// The agent's reaction to something the visitor did in the demo, or a reply it gives
    /// on its own (a greeting a dialect streams as a turn when a connection opens).
    Reaction(Reply),
}
