//! The connection to the agent server: the session REST calls and the WebSocket.
//! Pure helpers (URLs, failure wording) come first and are tested natively; the browser
//! shell below them is a thin layer over `fetch` and `web_sys::WebSocket`.

pub mod policy;

use crate::conversation::explain;
use crate::embed::Config;
use docent_protocol::live_demo::{HttpError, SessionRequest, SessionResponse, SESSION_PATH};
use docent_protocol::ErrorCode;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

/// The WebSocket URL for `path` on the server at `base` (empty: `page_origin`).
pub fn socket_url(base: &str, page_origin: &str, path: &str) -> String {
    let base = if base.is_empty() { page_origin } else { base };
    let base = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_string()
    };
    format!("{}{path}", base.trim_end_matches('/'))
}

/// Why a session could not be created, in plain words, from the HTTP answer.
pub fn session_failure(status: u16, body: &str) -> String {
    let code = serde_json::from_str::<HttpError>(body)
        .map(|e| ErrorCode::parse(&e.error.code))
        .ok();
    match (status, code) {
        (_, Some(ErrorCode::PdpNotFound)) => explain(&ErrorCode::PdpNotFound).into(),
        (401 | 403, _) => {
            "This website's chat key was not accepted, so the chat can't start.".into()
        }
        (429, _) => "The chat is busy right now. Please try again in a minute.".into(),
        (400..=499, _) => format!("The chat server refused to start a chat (HTTP {status})."),
        _ => {
            "The chat server had a problem starting the chat. Please try again in a moment.".into()
        }
    }
}

const UNREACHABLE: &str = "We couldn't reach the chat server. Check your connection and try again.";

/// `POST /api/v1/session`.
pub async fn create_session(config: &Config) -> Result<SessionResponse, String> {
    let body = serde_json::to_string(&SessionRequest {
        product_id: config.product_id.clone(),
        visitor_meta: None,
    })
    .map_err(|e| e.to_string())?;
    let url = format!("{}{SESSION_PATH}", config.server);
    let (status, text) = post(&url, &config.public_key, Some(&body))
        .await
        .map_err(|_| UNREACHABLE.to_string())?;
    if !(200..300).contains(&status) {
        return Err(session_failure(status, &text));
    }
    serde_json::from_str(&text)
        .map_err(|_| "The chat server's answer couldn't be read, so the chat can't start.".into())
}

/// `POST /api/v1/session/{id}/end`; best effort, since the visitor is leaving anyway.
pub async fn end_session(config: &Config, session_id: &str, token: &str) {
    let url = format!(
        "{}{}",
        config.server,
        docent_protocol::live_demo::end_path(session_id)
    );
    if let Err(e) = post(&url, token, None).await {
        web_sys::console::warn_2(&"Docent: ending the session failed".into(), &e);
    }
}

async fn post(url: &str, bearer: &str, body: Option<&str>) -> Result<(u16, String), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let headers = web_sys::Headers::new()?;
    headers.set("Content-Type", "application/json")?;
    headers.set("Authorization", &format!("Bearer {bearer}"))?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    if let Some(body) = body {
        init.set_body(&JsValue::from_str(body));
    }
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await?
        .dyn_into()?;
    let text = JsFuture::from(response.text()?).await?;
    Ok((response.status(), text.as_string().unwrap_or_default()))
}

/// An open WebSocket and its handlers. Dropping it detaches the handlers first, so a socket
/// the widget closed on purpose never reports its own close as a lost connection.
pub struct Socket {
    socket: WebSocket,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Socket {
    pub fn open(
        url: &str,
        on_open: impl Fn() + 'static,
        on_frame: impl Fn(Option<String>) + 'static,
        on_close: impl Fn(u16) + 'static,
    ) -> Result<Socket, JsValue> {
        let socket = WebSocket::new(url)?;
        let on_open = Closure::<dyn FnMut()>::new(on_open);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            // `None` is a binary frame: no dialect has them, but it is reported, not dropped.
            on_frame(event.data().as_string())
        });
        let on_close =
            Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| on_close(event.code()));
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(Socket {
            socket,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        })
    }

    /// Sends a frame; false if the socket is not open.
    pub fn send(&self, frame: &str) -> bool {
        self.socket.ready_state() == WebSocket::OPEN && self.socket.send_with_str(frame).is_ok()
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.socket.set_onopen(None);
        self.socket.set_onmessage(None);
        self.socket.set_onclose(None);
        let _ = self.socket.close_with_code(1000);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_urls_follow_the_server_or_the_page() {
        assert_eq!(
            socket_url("", "http://127.0.0.1:8080", "/ws/session/a?token=b"),
            "ws://127.0.0.1:8080/ws/session/a?token=b"
        );
        assert_eq!(
            socket_url("https://agent.example/", "http://x", "/ws/x"),
            "wss://agent.example/ws/x"
        );
    }

    #[test]
    fn session_failures_are_worded_for_people() {
        assert!(session_failure(401, "").contains("key was not accepted"));
        assert_eq!(
            session_failure(404, r#"{"error":{"code":"PDP_NOT_FOUND","message":"x"}}"#),
            explain(&ErrorCode::PdpNotFound)
        );
        assert!(session_failure(422, "{}").contains("HTTP 422"));
        assert!(session_failure(502, "<html>").contains("try again"));
    }
}
