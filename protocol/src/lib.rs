//! Docent's protocol layer: the normalized event model that the widget and the reference
//! server share, and the codecs ("dialects") that turn each agent platform's wire format
//! into it and back.
//!
//! Pure Rust on purpose: no browser and no async runtime, so everything here is tested
//! natively and reused unchanged by the widget (wasm) and the server (tokio).

pub mod amigo;
pub mod aui;
pub mod bridge;
pub mod command;
pub mod dialect;
pub mod json;
pub mod live_demo;
pub mod model;
pub mod server_dialect;
pub mod text;

pub use command::{CommandError, PageCommand};
pub use dialect::{
    ClientDialect, CloseKind, Closed, DecodeError, Decoder, HttpCall, SessionHandle, Settings,
    SocketTarget, Start, StartFailure, Started,
};
pub use model::{
    AgentError, AgentEvent, AgentMessage, ErrorCode, Greeting, LeadField, LeadFieldKind, LeadForm,
    PageEvent, Product, ProductParameter, VisitorAction,
};
pub use server_dialect::{Closing, Ending, Outgoing, Rejected, Reply, ServerDialect, ToolActivity};
