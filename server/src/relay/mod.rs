//! What every key-holding relay shares, whatever platform it fronts: the platform's key (a
//! [`Secret`] from the environment or a file), short-lived signed tokens bound to what the
//! page may reach and to the page's origin, `Origin` checks, a connection limit, the calls
//! upstream ([`outbound`]) and the loop that forwards a socket's frames both ways.
//!
//! **Stateless.** A token (HS256 JWT) carries everything a relay needs to serve it: a
//! dialect's scope (its task, its thread), the origin, the expiry. Nothing is kept between
//! calls, so every relay instance that shares the signing secret and the upstream serves
//! every visitor. A dialect names its tokens with its own audience, so no other token of
//! this server (a session token, another relay's) passes for one of its.
//!
//! **The key** never reaches a page: errors are the relay's own words, and any upstream
//! frame or close reason that contains it has it replaced by `***`. Message text is never
//! logged. The dialects (`crate::dialects`) hold the routes, the scope of their tokens and
//! what their platform's wire looks like; this module names no platform.

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use jsonwebtoken::{decode, encode, DecodingKey, EncodingKey, Header, Validation};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio_tungstenite::tungstenite::Message as UpMessage;

pub mod outbound;

/// A secret that never prints: `Debug` shows `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// `None` for an empty or blank value.
    pub fn new(value: impl Into<String>) -> Option<Secret> {
        let value = value.into().trim().to_string();
        (!value.is_empty()).then_some(Secret(value))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How a relay behaves.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// The platform key the relay uses upstream. Without it the relay answers 503.
    pub key: Option<Secret>,
    /// The upstream base URL; default this server's own simulator of the platform (the
    /// address it listens on).
    pub upstream: Option<String>,
    /// Page origins the relay serves (`Origin` header); `*` allows any. Empty: loopback
    /// origins only (`http://localhost:…`, `http://127.0.0.1:…`, `http://[::1]:…`).
    pub allowed_origins: Vec<String>,
    /// How long a relay token is valid. Default 30 min.
    pub token_lifetime: Duration,
    /// The secret relay tokens are signed with; shared by every relay instance. Default:
    /// the server's own token secret.
    pub secret: Option<Secret>,
    /// How long the relay waits for the platform (connecting, a REST answer). Default 30 s.
    pub upstream_timeout: Duration,
    /// Visitor messages one relay connection may send per minute (then 4029). Default 30.
    pub max_messages_per_minute: u32,
    /// Relay connections one instance holds at once (then 4029). Default 1000.
    pub max_connections: usize,
}

impl Default for RelayConfig {
    fn default() -> RelayConfig {
        RelayConfig {
            key: None,
            upstream: None,
            allowed_origins: Vec::new(),
            token_lifetime: Duration::from_secs(30 * 60),
            secret: None,
            upstream_timeout: Duration::from_secs(30),
            max_messages_per_minute: 30,
            max_connections: 1000,
        }
    }
}

/// What a relay token says: the dialect's scope, flattened beside the origin and times.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Claims<S> {
    #[serde(flatten)]
    scope: S,
    /// The page origin it was issued to ("" when any origin is allowed and none was sent).
    org: String,
    aud: String,
    iat: u64,
    exp: u64,
}

/// A token that checked out: what it lets the page reach, and from which origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant<S> {
    pub scope: S,
    pub origin: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    Invalid,
    Expired,
}

/// One relay: its settings, its signer, its connection count (the only thing it holds, and
/// only for its own limit) and the address this server listens on (its default upstream).
pub struct Relay {
    pub config: RelayConfig,
    encoding: EncodingKey,
    decoding: DecodingKey,
    connections: Arc<AtomicUsize>,
    local: OnceLock<String>,
}

impl Relay {
    /// `secret` signs tokens unless `config.secret` is set (the server passes its own).
    pub fn new(config: RelayConfig, secret: &[u8]) -> Relay {
        let secret = config
            .secret
            .as_ref()
            .map(|s| s.expose().as_bytes())
            .unwrap_or(secret);
        Relay {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            connections: Arc::default(),
            local: OnceLock::new(),
            config,
        }
    }

    /// Tells the relay where this server listens (its default upstream).
    pub fn set_local_address(&self, addr: std::net::SocketAddr) {
        let _ = self.local.set(format!("http://{addr}"));
    }

    /// The key and the upstream base, or why the relay is not set up (`platform` names it).
    pub fn upstream(&self, platform: &str) -> Result<(String, String), String> {
        let key = self
            .config
            .key
            .as_ref()
            .ok_or_else(|| format!("The relay has no {platform} key configured"))?;
        let base = self
            .config
            .upstream
            .clone()
            .or_else(|| self.local.get().cloned())
            .ok_or_else(|| format!("The relay has no {platform} upstream configured"))?;
        Ok((key.expose().to_string(), base))
    }

    /// A token for `scope`, from `origin`, named for `audience`.
    pub fn issue<S: Serialize>(&self, audience: &str, scope: &S, origin: &str) -> String {
        let now = unix_now();
        let claims = Claims {
            scope,
            org: origin.into(),
            aud: audience.into(),
            iat: now,
            exp: now + self.config.token_lifetime.as_secs(),
        };
        encode(&Header::default(), &claims, &self.encoding).expect("HS256 signing cannot fail")
    }

    /// Checks a token's signature, audience and expiry (no leeway).
    pub fn check<S: DeserializeOwned>(
        &self,
        audience: &str,
        token: &str,
    ) -> Result<Grant<S>, TokenProblem> {
        self.decode(audience, token, 0).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenProblem::Expired,
            _ => TokenProblem::Invalid,
        })
    }

    /// Checks a token as [`Relay::check`] does, but takes one that expired up to `grace`
    /// ago: for renewing it, never for access.
    pub fn check_for_renewal<S: DeserializeOwned>(
        &self,
        audience: &str,
        token: &str,
        grace: std::time::Duration,
    ) -> Result<Grant<S>, TokenProblem> {
        self.decode(audience, token, grace.as_secs())
            .map_err(|_| TokenProblem::Invalid)
    }

    /// A token's grant, if its signature, audience and expiry (give or take `leeway`
    /// seconds) are good.
    fn decode<S: DeserializeOwned>(
        &self,
        audience: &str,
        token: &str,
        leeway: u64,
    ) -> Result<Grant<S>, jsonwebtoken::errors::Error> {
        let mut validation = Validation {
            leeway,
            ..Validation::default()
        };
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "aud"]);
        decode::<Claims<S>>(token, &self.decoding, &validation).map(|data| Grant {
            scope: data.claims.scope,
            origin: data.claims.org,
        })
    }

    /// Counts a connection while the guard lives; `None` past the limit.
    pub fn admit(&self) -> Option<Admitted> {
        let before = self.connections.fetch_add(1, Ordering::SeqCst);
        let guard = Admitted(self.connections.clone());
        (before < self.config.max_connections).then_some(guard)
    }

    /// Whether the page's origin may use the relay (see [`RelayConfig::allowed_origins`]).
    pub fn origin_allowed(&self, origin: Option<&str>) -> bool {
        origin_allowed(&self.config.allowed_origins, origin)
    }

    /// Admits a page asking for a token: it sends the site's public key (`Authorization:
    /// Bearer pk_…`) and comes from an allowed `Origin`. Its origin, or the answer refusing
    /// it (401 `KEY_REJECTED`, 403 `ORIGIN_NOT_ALLOWED`: the codes of both platforms' relays).
    pub fn admit_page(
        &self,
        state: &crate::state::AppState,
        headers: &HeaderMap,
    ) -> Result<Option<String>, Box<Response>> {
        match crate::rest::bearer(headers) {
            Some(key) if crate::rest::public_key_ok(state, key) => {}
            _ => {
                return Err(Box::new(crate::rest::error(
                    StatusCode::UNAUTHORIZED,
                    "KEY_REJECTED",
                    "Send this site's public key as `Authorization: Bearer pk_…`",
                )))
            }
        }
        let origin = origin_of(headers);
        if !self.origin_allowed(origin.as_deref()) {
            return Err(Box::new(origin_refused(
                "ORIGIN_NOT_ALLOWED",
                origin.as_deref(),
            )));
        }
        Ok(origin)
    }

    /// Whether a token's origin is this page's, and the page's origin is still allowed.
    pub fn origin_matches(&self, origin: Option<&str>, granted: &str) -> bool {
        self.origin_allowed(origin) && origin.unwrap_or("") == granted
    }
}

/// A counted connection; dropping it frees its place.
pub struct Admitted(Arc<AtomicUsize>);

impl Drop for Admitted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The page's origin, from its `Origin` header (`null` and blanks are none).
pub fn origin_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::ORIGIN)?
        .to_str()
        .ok()
        .map(|o| o.trim().trim_end_matches('/').to_string())
        .filter(|o| !o.is_empty() && o != "null")
}

fn is_loopback(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    let host = if rest.starts_with("[::1]") {
        "[::1]"
    } else {
        rest.split(':').next().unwrap_or("")
    };
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

fn origin_allowed(allowed: &[String], origin: Option<&str>) -> bool {
    if allowed.iter().any(|o| o == "*") {
        return true;
    }
    let Some(origin) = origin else {
        return false;
    };
    if allowed.is_empty() {
        return is_loopback(origin);
    }
    allowed
        .iter()
        .any(|allowed| allowed.trim_end_matches('/').eq_ignore_ascii_case(origin))
}

/// 403 for a page whose origin may not use the relay, with `code` as the error code.
pub fn origin_refused(code: &str, origin: Option<&str>) -> Response {
    let message = match origin {
        Some(origin) => format!("Pages at {origin} may not use this relay"),
        None => "This relay serves web pages only: the request has no Origin".to_string(),
    };
    crate::rest::error(StatusCode::FORBIDDEN, code, message)
}

/// Replaces every occurrence of the key (should the platform ever echo it) with `***`.
pub fn redact(text: &str, key: &str) -> String {
    if key.is_empty() || !text.contains(key) {
        text.to_string()
    } else {
        text.replace(key, "***")
    }
}

/// The longest prefix of `text` within `max` bytes.
pub fn cut(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// Whether a close code may be sent in a close frame (RFC 6455 §7.4).
pub fn sendable(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// Closes the page's socket with `code` and `reason` (cut to a close frame's 123 bytes).
pub async fn close_widget(mut widget: WebSocket, code: u16, reason: &str) {
    let _ = widget
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: cut(reason, 123).into(),
        })))
        .await;
}

/// A relay's line on stderr: what happened, never a key or a message's text.
pub fn log(relay: &str, what: &str) {
    eprintln!("docent-server: {relay}: {what}");
}

/// The relay's own close codes for what [`forward`] refuses or loses.
#[derive(Debug, Clone, Copy)]
pub struct Closes {
    /// Too many messages.
    pub rate_limited: u16,
    /// A frame the dialect's check refused.
    pub not_allowed: u16,
    /// The platform's socket was lost.
    pub try_again_later: u16,
}

/// How one connection is forwarded.
pub struct Forwarding<'a> {
    /// The key, redacted from everything that goes to the page.
    pub key: &'a str,
    /// The platform's name, for the relay's own close reasons.
    pub platform: &'a str,
    pub max_messages_per_minute: u32,
    pub closes: Closes,
    /// Reads a page frame before it goes upstream: `Err(reason)` closes with `not_allowed`.
    pub check: &'a (dyn Fn(&str) -> Result<(), &'static str> + Sync),
    /// What an upstream close code becomes toward the page (the identity, unless one of the
    /// relay's own codes must not be mistaken for the platform's).
    pub pass_close: fn(u16) -> u16,
}

/// Forwards text frames verbatim both ways until either side closes; the platform's close
/// code and (redacted) reason are passed on.
pub async fn forward(mut widget: WebSocket, upstream: outbound::Upstream, how: Forwarding<'_>) {
    let (mut up_tx, mut up_rx) = upstream.split();
    let mut recent: VecDeque<Instant> = VecDeque::new();
    let window = Duration::from_secs(60);
    let lost = format!("The connection to {} was lost; try again", how.platform);
    loop {
        tokio::select! {
            frame = widget.recv() => match frame {
                Some(Ok(Message::Text(text))) => {
                    let now = Instant::now();
                    while recent.front().is_some_and(|t| now.duration_since(*t) > window) {
                        recent.pop_front();
                    }
                    if recent.len() >= how.max_messages_per_minute as usize {
                        let _ = up_tx.send(UpMessage::Close(None)).await;
                        return close_widget(
                            widget,
                            how.closes.rate_limited,
                            "Too many messages: wait a minute",
                        )
                        .await;
                    }
                    recent.push_back(now);
                    if let Err(reason) = (how.check)(text.as_str()) {
                        let _ = up_tx.send(UpMessage::Close(None)).await;
                        return close_widget(widget, how.closes.not_allowed, reason).await;
                    }
                    if up_tx.send(UpMessage::text(text.as_str())).await.is_err() {
                        return close_widget(widget, how.closes.try_again_later, &lost).await;
                    }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => {
                    let _ = up_tx.send(UpMessage::Close(None)).await;
                    return;
                }
                // Pings are answered by the socket itself; the platforms speak text frames.
                Some(Ok(_)) => {}
            },
            frame = up_rx.next() => match frame {
                Some(Ok(UpMessage::Text(text))) => {
                    let text = redact(text.as_str(), how.key);
                    if widget.send(Message::Text(text.into())).await.is_err() {
                        let _ = up_tx.send(UpMessage::Close(None)).await;
                        return;
                    }
                }
                Some(Ok(UpMessage::Close(frame))) => {
                    let (code, reason) = frame
                        .map(|f| (u16::from(f.code), redact(f.reason.as_str(), how.key)))
                        .unwrap_or((1000, String::new()));
                    let code = if sendable(code) { (how.pass_close)(code) } else { 1000 };
                    return close_widget(widget, code, &reason).await;
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => {
                    return close_widget(widget, how.closes.try_again_later, &lost).await;
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_origins_are_the_default_and_star_allows_any() {
        let none: Vec<String> = Vec::new();
        assert!(origin_allowed(&none, Some("http://localhost:8080")));
        assert!(origin_allowed(&none, Some("http://127.0.0.1")));
        assert!(origin_allowed(&none, Some("http://[::1]:3000")));
        assert!(!origin_allowed(&none, Some("https://evil.example")));
        assert!(!origin_allowed(
            &none,
            Some("http://localhost.evil.example")
        ));
        assert!(!origin_allowed(&none, None));
        let shop = vec!["https://shop.example/".to_string()];
        assert!(origin_allowed(&shop, Some("https://shop.example")));
        assert!(!origin_allowed(&shop, Some("http://localhost:8080")));
        assert!(origin_allowed(&["*".to_string()], None));
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    struct Scope {
        tid: String,
    }

    #[test]
    fn tokens_carry_their_scope_and_audience_and_expire() {
        let relay = Relay::new(RelayConfig::default(), b"s");
        let scope = Scope { tid: "t1".into() };
        let token = relay.issue("one", &scope, "http://localhost");
        let grant: Grant<Scope> = relay.check("one", &token).unwrap();
        assert_eq!(grant.scope, scope);
        assert_eq!(grant.origin, "http://localhost");
        assert_eq!(
            relay.check::<Scope>("another", &token).unwrap_err(),
            TokenProblem::Invalid
        );
        let other = Relay::new(RelayConfig::default(), b"other");
        assert_eq!(
            other.check::<Scope>("one", &token).unwrap_err(),
            TokenProblem::Invalid
        );
        let short = Relay::new(
            RelayConfig {
                token_lifetime: Duration::ZERO,
                ..RelayConfig::default()
            },
            b"s",
        );
        let token = short.issue("one", &scope, "");
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(
            relay.check::<Scope>("one", &token).unwrap_err(),
            TokenProblem::Expired
        );
        assert_eq!(redact("a KEY b KEY", "KEY"), "a *** b ***");
        assert_eq!(cut("héllo", 2), "h");
    }

    #[test]
    fn the_connection_limit_frees_places_as_connections_end() {
        let relay = Relay::new(
            RelayConfig {
                max_connections: 1,
                ..RelayConfig::default()
            },
            b"s",
        );
        let first = relay.admit();
        assert!(first.is_some());
        assert!(relay.admit().is_none());
        drop(first);
        assert!(relay.admit().is_some());
    }
}
