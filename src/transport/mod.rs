//! The connection to the agent server: HTTP calls and the WebSocket, carried out as the
//! dialect describes them (`docent_protocol::ClientDialect`); nothing here knows a
//! platform. Pure helpers come first and are tested natively; the browser shell below them
//! is a thin layer over `fetch` and `web_sys::WebSocket`.

pub mod policy;

use docent_protocol::HttpCall;
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

/// Makes a dialect's HTTP call against the server at `base` (empty: this page's origin).
/// `Err` only when the server could not be reached; any HTTP status is an answer.
pub async fn call(base: &str, call: &HttpCall) -> Result<(u16, String), JsValue> {
    post(
        &format!("{base}{}", call.path),
        &call.bearer,
        call.body.as_deref(),
    )
    .await
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
    /// Opens a socket to `url`, offering `protocols` (`Sec-WebSocket-Protocol`) if any.
    pub fn open(
        url: &str,
        protocols: &[String],
        on_open: impl Fn() + 'static,
        on_frame: impl Fn(Option<String>) + 'static,
        on_close: impl Fn(u16) + 'static,
    ) -> Result<Socket, JsValue> {
        let socket = if protocols.is_empty() {
            WebSocket::new(url)?
        } else {
            let list: js_sys::Array = protocols.iter().map(|p| JsValue::from_str(p)).collect();
            WebSocket::new_with_str_sequence(url, &list)?
        };
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
}
