//! A relay's calls to its platform: one REST request over HTTP/1.1 (hyper), or a socket
//! (tungstenite), over plain TCP or TLS (feature `tls`, for `https://`/`wss://` bases). The
//! dialect says which headers carry the credential; nothing here knows a platform.
//!
//! Nothing here prints the key or a URL that carries it: errors are reduced to
//! [`UpstreamError`], which names no address.

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;

/// A connection to the platform, plain or encrypted.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

pub type Upstream = WebSocketStream<Box<dyn Io>>;

/// Why a call to the platform failed (no addresses, no keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamError {
    /// No connection (refused, DNS, TLS, a dropped connection).
    Unreachable,
    /// No answer in time.
    Timeout,
    /// The base URL cannot be used (bad, or `https` without the `tls` feature).
    BadBase,
    /// The socket handshake was answered with this HTTP status.
    Refused(u16),
}

/// The largest REST answer the relay reads.
const MAX_BODY: usize = 4 << 20;

struct Target {
    tls: bool,
    host: String,
    port: u16,
    /// The base's path (`/api/ia-controller`), without a trailing slash.
    prefix: String,
}

fn target(base: &str) -> Result<Target, UpstreamError> {
    let uri: hyper::Uri = base
        .trim_end_matches('/')
        .parse()
        .map_err(|_| UpstreamError::BadBase)?;
    let tls = match uri.scheme_str() {
        Some("https" | "wss") => true,
        Some("http" | "ws") => false,
        _ => return Err(UpstreamError::BadBase),
    };
    let host = uri.host().ok_or(UpstreamError::BadBase)?;
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    Ok(Target {
        tls,
        port: uri.port_u16().unwrap_or(if tls { 443 } else { 80 }),
        host,
        prefix: uri.path().trim_end_matches('/').to_string(),
    })
}

impl Target {
    fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let default = if self.tls { 443 } else { 80 };
        if self.port == default {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

async fn connect(target: &Target) -> Result<Box<dyn Io>, UpstreamError> {
    let stream = TcpStream::connect((target.host.as_str(), target.port))
        .await
        .map_err(|_| UpstreamError::Unreachable)?;
    let _ = stream.set_nodelay(true);
    if target.tls {
        tls::wrap(stream, &target.host).await
    } else {
        Ok(Box::new(stream))
    }
}

/// One REST call: `method` `path` (with its query) under `base`, with `headers` (the
/// credential among them) and an optional JSON body. Answers the status and the body.
pub async fn request(
    base: &str,
    headers: &[(&str, &str)],
    method: hyper::Method,
    path: &str,
    body: Option<String>,
    timeout: Duration,
) -> Result<(u16, String), UpstreamError> {
    let target = target(base)?;
    let call = async {
        let io = connect(&target).await?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
            .await
            .map_err(|_| UpstreamError::Unreachable)?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        let mut builder = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{path}", target.prefix))
            .header(hyper::header::HOST, target.host_header())
            .header(hyper::header::ACCEPT, "application/json");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        if body.is_some() {
            builder = builder.header(hyper::header::CONTENT_TYPE, "application/json");
        }
        let request = builder
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|_| UpstreamError::BadBase)?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|_| UpstreamError::Unreachable)?;
        let status = response.status().as_u16();
        let bytes = Limited::new(response.into_body(), MAX_BODY)
            .collect()
            .await
            .map_err(|_| UpstreamError::Unreachable)?
            .to_bytes();
        Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
    };
    tokio::time::timeout(timeout, call)
        .await
        .map_err(|_| UpstreamError::Timeout)?
}

/// `http(s)://host/prefix` + `path` as the `ws(s)://` URL of a socket.
pub fn socket_url(base: &str, path: &str) -> String {
    let base = base.trim_end_matches('/');
    let base = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_string()
    };
    format!("{base}{path}")
}

/// Opens a socket at `url` (`ws://` or `wss://`) with `headers` added to the handshake (a
/// credential as `Sec-WebSocket-Protocol`, say).
pub async fn socket(
    url: &str,
    headers: &[(&str, &str)],
    timeout: Duration,
) -> Result<Upstream, UpstreamError> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
    let target = target(url)?;
    let mut request = url
        .into_client_request()
        .map_err(|_| UpstreamError::BadBase)?;
    for (name, value) in headers {
        let name = HeaderName::try_from(*name).map_err(|_| UpstreamError::BadBase)?;
        let value = HeaderValue::try_from(*value).map_err(|_| UpstreamError::BadBase)?;
        request.headers_mut().insert(name, value);
    }
    let open = async {
        let io = connect(&target).await?;
        match tokio_tungstenite::client_async(request, io).await {
            Ok((socket, _)) => Ok(socket),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                Err(UpstreamError::Refused(response.status().as_u16()))
            }
            Err(_) => Err(UpstreamError::Unreachable),
        }
    };
    tokio::time::timeout(timeout, open)
        .await
        .map_err(|_| UpstreamError::Timeout)?
}

#[cfg(feature = "tls")]
mod tls {
    use super::{Io, UpstreamError};
    use std::sync::{Arc, OnceLock};
    use tokio::net::TcpStream;
    use tokio_rustls::rustls::pki_types::ServerName;
    use tokio_rustls::rustls::{ClientConfig, RootCertStore};
    use tokio_rustls::TlsConnector;

    pub(super) fn config() -> Option<Arc<ClientConfig>> {
        static CONFIG: OnceLock<Option<Arc<ClientConfig>>> = OnceLock::new();
        CONFIG
            .get_or_init(|| {
                let mut roots = RootCertStore::empty();
                roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
                let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
                let config = ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .ok()?
                    .with_root_certificates(roots)
                    .with_no_client_auth();
                Some(Arc::new(config))
            })
            .clone()
    }

    pub async fn wrap(stream: TcpStream, host: &str) -> Result<Box<dyn Io>, UpstreamError> {
        let config = config().ok_or(UpstreamError::BadBase)?;
        let name = ServerName::try_from(host.to_string()).map_err(|_| UpstreamError::BadBase)?;
        let stream = TlsConnector::from(config)
            .connect(name, stream)
            .await
            .map_err(|_| UpstreamError::Unreachable)?;
        Ok(Box::new(stream))
    }
}

#[cfg(not(feature = "tls"))]
mod tls {
    use super::{Io, UpstreamError};
    use tokio::net::TcpStream;

    pub async fn wrap(_: TcpStream, _: &str) -> Result<Box<dyn Io>, UpstreamError> {
        Err(UpstreamError::BadBase)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases_are_read_with_their_path_and_default_ports() {
        let t = target("https://api.example.com/api/controller").unwrap();
        assert!(t.tls);
        assert_eq!((t.host.as_str(), t.port), ("api.example.com", 443));
        assert_eq!(t.prefix, "/api/controller");
        assert_eq!(t.host_header(), "api.example.com");
        let t = target("http://127.0.0.1:9000/").unwrap();
        assert_eq!((t.tls, t.port, t.prefix.as_str()), (false, 9000, ""));
        assert_eq!(t.host_header(), "127.0.0.1:9000");
        assert!(target("ftp://x").is_err());
        assert_eq!(
            socket_url("https://a.example/p/", "/s?x=1"),
            "wss://a.example/p/s?x=1"
        );
        assert_eq!(socket_url("http://127.0.0.1:9", "/s"), "ws://127.0.0.1:9/s");
    }

    #[cfg(feature = "tls")]
    #[test]
    fn the_tls_client_is_set_up_with_the_web_roots() {
        assert!(tls::config().is_some());
    }
}
