//! The server's configuration and what every handler shares. A dialect's own settings and
//! state stay in its dialect, so this module depends on none.

use crate::agent::Script;
use crate::faults;
use crate::sessions::{Sessions, Tokens};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How the server behaves; every field has a default that suits the demo.
#[derive(Debug, Clone)]
pub struct Config {
    /// Public keys accepted by `POST /api/v1/session`; empty accepts any `pk_test_…`/`pk_live_…`.
    pub public_keys: Vec<String>,
    /// API keys accepted by a platform whose socket carries its own credential (Amigo's
    /// `auth, <key>` subprotocol); empty accepts what `public_keys` accepts.
    pub api_keys: Vec<String>,
    /// A session with no frame for this long expires (`SESSION_EXPIRED`). Default 15 min.
    pub idle_timeout: Duration,
    /// How long a session token is valid. Default 1 h.
    pub token_lifetime: Duration,
    /// How long the agent "types" before it answers. Default 700 ms.
    pub reply_delay: Duration,
    /// Serve these folders at `/`, the first that has a file winning (the demo site,
    /// test host pages).
    pub static_dirs: Vec<PathBuf>,
    /// A `Content-Security-Policy` header for every static file, to try the widget under
    /// a site's policy.
    pub csp: Option<String>,
    /// Enable the control endpoints (`/control/…`: what a session recorded, and faults on
    /// demand). Default off.
    pub control: bool,
    /// Faults to inject (default: none).
    pub faults: faults::Faults,
    /// Speak seed 002 only, as a server written from it alone would: ignore
    /// `clientMessageId`, never send `replyTo`, answer a message on the connection it came on
    /// (a reply for a connection that closed is lost), and react to no `iframe_event`
    /// (analytics only). Default off: the reference server speaks Docent's extension.
    pub seed_only: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            public_keys: Vec::new(),
            api_keys: Vec::new(),
            idle_timeout: Duration::from_secs(15 * 60),
            token_lifetime: Duration::from_secs(60 * 60),
            reply_delay: Duration::from_millis(700),
            static_dirs: Vec::new(),
            csp: None,
            control: false,
            faults: faults::Faults::default(),
            seed_only: false,
        }
    }
}

/// Everything a request handler needs.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub script: Arc<Script>,
    pub sessions: Sessions,
    pub tokens: Tokens,
    pub faults: Arc<faults::FaultState>,
}

impl AppState {
    pub fn new(config: Config, script: Script, secret: &[u8]) -> AppState {
        AppState {
            tokens: Tokens::new(secret, config.token_lifetime),
            faults: Arc::new(faults::FaultState::new(config.faults.clone())),
            config: Arc::new(config),
            script: Arc::new(script),
            sessions: Sessions::default(),
        }
    }
}
