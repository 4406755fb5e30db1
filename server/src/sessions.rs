//! Sessions and their tokens: who may open a socket, and what each session has recorded.

use crate::channels::{Outbound, Turn};
use docent_protocol::Outgoing;
use jsonwebtoken::{decode, encode, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::Notify;

/// What a session token says: which session, until when.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sid: String,
    iat: u64,
    exp: u64,
}

/// Signs and checks session tokens (HS256 JWTs).
#[derive(Clone)]
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    lifetime: Duration,
}

/// Why a token was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    Invalid,
    Expired,
}

impl Tokens {
    pub fn new(secret: &[u8], lifetime: Duration) -> Tokens {
        Tokens {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            lifetime,
        }
    }

    pub fn issue(&self, session_id: &str) -> String {
        let now = unix_now();
        let claims = Claims {
            sid: session_id.to_string(),
            iat: now,
            exp: now + self.lifetime.as_secs(),
        };
        encode(&Header::default(), &claims, &self.encoding).expect("HS256 signing cannot fail")
    }

    /// The session id the token was issued for.
    pub fn check(&self, token: &str) -> Result<String, TokenError> {
        let mut validation = Validation {
            leeway: 0,
            ..Validation::default()
        };
        validation.set_required_spec_claims(&["exp", "sid"]);
        decode::<Claims>(token, &self.decoding, &validation)
            .map(|data| data.claims.sid)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Milliseconds since the Unix epoch (for `pong.ts`).
pub fn unix_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// One conversation.
#[derive(Debug)]
pub struct Session {
    pub product_id: String,
    pub visitor_meta: Option<serde_json::Value>,
    pub last_activity: Instant,
    pub ended: bool,
    pub record: Record,
    /// Page reactions already given (indexes into the script's `pageEvents`).
    pub reactions_given: Vec<usize>,
    /// Replies by the client message id they answer, for resends.
    pub answered: HashMap<String, Vec<Outgoing>>,
    /// Messages being answered now, by client message id.
    pub in_progress: HashSet<String>,
    /// The session's open connection, where replies go when they are ready.
    pub(crate) current_out: Option<UnboundedSender<Outbound>>,
    /// The session's turn runner (started by its first connection).
    pub(crate) turns: Option<UnboundedSender<Turn>>,
    /// Wakes the session's open socket when the session is ended over REST.
    pub ended_signal: Arc<Notify>,
    /// Wakes the session's open socket when the session is expired through the control endpoint.
    pub expired_signal: Arc<Notify>,
}

/// What a session has seen, readable through the control endpoint.
#[derive(Debug, Default, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    pub visitor_messages: Vec<String>,
    /// The agent's complete replies, in order (a greeting included where one is streamed).
    pub replies: Vec<String>,
    pub page_events: Vec<serde_json::Value>,
    pub leads: Vec<serde_json::Value>,
    pub heartbeats: u64,
    /// Resent visitor messages that were not answered again.
    pub duplicates: u64,
    /// Sockets served for this session, in all.
    pub sockets: u64,
    /// Sockets open now, and the most ever open at once.
    pub open_sockets: u64,
    pub peak_sockets: u64,
}

/// All sessions of this server, in memory.
#[derive(Clone, Default)]
pub struct Sessions {
    inner: Arc<Mutex<HashMap<String, Session>>>,
    /// Sessions by a thread key, for platforms whose connection names what it talks about
    /// rather than a session (the same key continues the same session).
    threads: Arc<Mutex<HashMap<String, String>>>,
}

/// How a session stands when a socket asks for it.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    Live,
    NotFound,
    Expired,
}

impl Sessions {
    pub fn create(&self, product_id: String, visitor_meta: Option<serde_json::Value>) -> String {
        let id = random_id();
        let session = Session {
            product_id,
            visitor_meta,
            last_activity: Instant::now(),
            ended: false,
            record: Record::default(),
            reactions_given: Vec::new(),
            answered: HashMap::new(),
            in_progress: HashSet::new(),
            current_out: None,
            turns: None,
            ended_signal: Arc::new(Notify::new()),
            expired_signal: Arc::new(Notify::new()),
        };
        self.inner.lock().unwrap().insert(id.clone(), session);
        id
    }

    /// The live session of a thread key, or a new one; `true` when it is new.
    pub fn thread(
        &self,
        key: &str,
        product_id: String,
        visitor_meta: Option<serde_json::Value>,
    ) -> (String, bool) {
        let mut threads = self.threads.lock().unwrap();
        if let Some(id) = threads.get(key) {
            if self.with(id, |s| !s.ended) == Some(true) {
                return (id.clone(), false);
            }
        }
        let id = self.create(product_id, visitor_meta);
        threads.insert(key.to_string(), id.clone());
        (id, true)
    }

    pub fn lookup(&self, id: &str, idle_timeout: Duration) -> Lookup {
        match self.inner.lock().unwrap().get(id) {
            None => Lookup::NotFound,
            Some(s) if s.ended => Lookup::NotFound,
            Some(s) if s.last_activity.elapsed() > idle_timeout => Lookup::Expired,
            Some(_) => Lookup::Live,
        }
    }

    /// Runs `f` on a session; `None` if it does not exist.
    pub fn with<T>(&self, id: &str, f: impl FnOnce(&mut Session) -> T) -> Option<T> {
        self.inner.lock().unwrap().get_mut(id).map(f)
    }

    pub fn touch(&self, id: &str) {
        self.with(id, |s| s.last_activity = Instant::now());
    }

    /// Ends a session and closes its socket; false if there was no such live session.
    pub fn end(&self, id: &str) -> bool {
        self.with(id, |s| {
            let was_live = !s.ended;
            s.ended = true;
            // Ends the turn runner once it has drained.
            s.turns = None;
            s.ended_signal.notify_waiters();
            was_live
        })
        .unwrap_or(false)
    }
}

/// 128 random bits as hex, from the OS.
pub fn random_id() -> String {
    random_bytes::<16>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Random bytes from the OS; falls back to hashing the clock where /dev/urandom is missing.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    use std::io::Read;
    let mut bytes = [0u8; N];
    let filled = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .is_ok();
    if !filled {
        use std::hash::{BuildHasher, RandomState};
        for (i, chunk) in bytes.chunks_mut(8).enumerate() {
            let word = RandomState::new().hash_one((i, unix_millis(), Instant::now()));
            chunk.copy_from_slice(&word.to_le_bytes()[..chunk.len()]);
        }
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_names_its_session_and_a_forged_one_is_refused() {
        let tokens = Tokens::new(b"secret", Duration::from_secs(60));
        let token = tokens.issue("abc");
        assert_eq!(tokens.check(&token), Ok("abc".to_string()));
        let other = Tokens::new(b"other secret", Duration::from_secs(60));
        assert_eq!(other.check(&token), Err(TokenError::Invalid));
        assert_eq!(tokens.check("not.a.jwt"), Err(TokenError::Invalid));
    }

    #[test]
    fn an_expired_token_is_told_apart() {
        let tokens = Tokens::new(b"secret", Duration::from_secs(0));
        let token = tokens.issue("abc");
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(tokens.check(&token), Err(TokenError::Expired));
    }

    #[test]
    fn sessions_expire_when_idle_and_vanish_when_ended() {
        let sessions = Sessions::default();
        let id = sessions.create("default".into(), None);
        assert_eq!(sessions.lookup(&id, Duration::from_secs(60)), Lookup::Live);
        assert_eq!(sessions.lookup(&id, Duration::ZERO), Lookup::Expired);
        assert!(sessions.end(&id));
        assert!(!sessions.end(&id));
        assert_eq!(
            sessions.lookup(&id, Duration::from_secs(60)),
            Lookup::NotFound
        );
        assert_eq!(
            sessions.lookup("nope", Duration::from_secs(60)),
            Lookup::NotFound
        );
        assert_ne!(random_id(), random_id());
    }

    #[test]
    fn a_thread_key_continues_its_session_until_it_ends() {
        let sessions = Sessions::default();
        let (first, new) = sessions.thread("a", "p".into(), None);
        assert!(new);
        assert_eq!(
            sessions.thread("a", "p".into(), None),
            (first.clone(), false)
        );
        let (other, new) = sessions.thread("b", "p".into(), None);
        assert!(new && other != first);
        assert!(sessions.end(&first));
        let (again, new) = sessions.thread("a", "p".into(), None);
        assert!(new && again != first);
    }
}
