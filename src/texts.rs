//! The words the widget says: every sentence a visitor reads about a problem is made here
//! from a meaning (an error code, a start failure, a lead field's kind), so the state machine
//! and the transport only deal in meanings, and another language is another table.
//! Depends on nothing of the widget's own (the conversation calls it, never the reverse).

use docent_protocol::{ErrorCode, LeadFieldKind, StartFailure};

/// Each error code in words a visitor understands.
pub fn explain(code: &ErrorCode) -> &'static str {
    match code {
        ErrorCode::AuthRequired => {
            "This chat couldn't sign in: no session token was sent. Start a new chat to try again."
        }
        ErrorCode::InvalidToken => {
            "This chat's sign-in was rejected or has expired. Start a new chat to continue."
        }
        ErrorCode::SessionNotFound => {
            "This chat session no longer exists. Start a new chat to continue."
        }
        ErrorCode::SessionExpired => {
            "This chat timed out after a while without messages. Start a new chat to continue."
        }
        ErrorCode::InvalidJson => {
            "The assistant couldn't read the last message from this chat. Please send it again."
        }
        ErrorCode::EmptyMessage => "That message was empty, so it wasn't sent.",
        ErrorCode::UnknownType => {
            "The assistant didn't understand a request from this chat. You can keep chatting."
        }
        ErrorCode::PdpNotFound => {
            "This product's demo isn't set up yet, so the assistant can't answer. Please try again later."
        }
        ErrorCode::MessageRejected => {
            "The assistant didn't accept that message. You can change it and send it again."
        }
        ErrorCode::Other(_) => "The assistant ran into a problem. You can keep chatting.",
    }
}

/// Why the chat could not start, in words a visitor understands.
pub fn start_failure(failure: &StartFailure) -> String {
    match failure {
        StartFailure::Refused(code) => explain(code).into(),
        StartFailure::KeyRejected => {
            "This website's chat key was not accepted, so the chat can't start.".into()
        }
        StartFailure::Busy => "The chat is busy right now. Please try again in a minute.".into(),
        StartFailure::Http(status) => {
            format!("The chat server refused to start a chat (HTTP {status}).")
        }
        StartFailure::ServerTrouble => {
            "The chat server had a problem starting the chat. Please try again in a moment.".into()
        }
        StartFailure::Unreadable => {
            "The chat server's answer couldn't be read, so the chat can't start.".into()
        }
        StartFailure::BadSetting(_) => {
            "This chat is not set up correctly, so it can't start.".into()
        }
    }
}

/// The server could not be reached at all.
pub const UNREACHABLE: &str =
    "We couldn't reach the chat server. Check your connection and try again.";

// What the conversation tells the visitor (its notices and why a chat ended).

/// A frame from the agent could not be read and was skipped.
pub const UNREADABLE_FRAME: &str =
    "The assistant sent something this chat couldn't read, so it was skipped.";
/// A frame could not be handed to the socket; it waits for the connection.
pub const NOT_CONNECTED: &str =
    "You're not connected right now — it will be sent as soon as the connection is back.";
/// A message was given up on by a server that does not acknowledge: it may have arrived.
pub const MAY_NOT_HAVE_BEEN_DELIVERED: &str =
    "A message may not have been delivered. Use Send again next to it if it still needs an answer.";
/// A message was given up on by a server that acknowledges: it did not arrive.
pub const NOT_DELIVERED: &str =
    "A message could not be delivered. Use Retry next to it to send it again.";
/// The session expired and a new one was started without asking.
pub const SESSION_RENEWED: &str =
    "Your chat session had expired, so a new one was started. Unsent messages will follow.";
/// The platform refused a message (content moderation); its text is back in the composer.
pub const MESSAGE_REJECTED: &str =
    "That message wasn't accepted, so it wasn't sent. It's back in the box for you to change.";
/// The socket cannot be opened here; messages go one HTTP call each.
pub const NO_LIVE_UPDATES: &str =
    "Live updates are blocked on this network, so replies will arrive all at once.";
/// The visitor ended the chat.
pub const VISITOR_ENDED: &str = "You ended this chat.";
/// The agent's side ended the chat for good.
pub const CHAT_ENDED: &str = "This chat has ended — start a new one.";
/// The visitor tried to send to a chat that has ended.
pub const SEND_AFTER_END: &str = "This chat has ended — start a new one to send a message.";

/// One page command of the demo failed, with the executor's own `error`.
pub fn demo_step_failed(error: &str) -> String {
    format!("One step of the demo didn't work: {error}.")
}

/// The visitor tried to send nothing.
pub const EMPTY_MESSAGE: &str = "Type a message first.";

/// The visitor's message is `count` characters long, over the `limit`.
pub fn message_too_long(count: usize, limit: usize) -> String {
    format!("Your message is {count} characters long; the limit is {limit}. Please shorten it.")
}

/// A lead field left empty.
pub fn lead_field_required(label: &str) -> String {
    format!("{label} is required.")
}

/// A lead field whose value is not of its `kind` (a `Text` one: longer than `max_text_chars`).
pub fn lead_field_invalid(kind: LeadFieldKind, label: &str, max_text_chars: usize) -> String {
    match kind {
        LeadFieldKind::Email => "Enter an email address like name@company.com.".into(),
        LeadFieldKind::Phone => "Enter a phone number with at least 7 digits.".into(),
        LeadFieldKind::Url => "Enter a web address starting with https://.".into(),
        LeadFieldKind::Number => format!("{label} must be a number."),
        LeadFieldKind::Text => format!("{label} must be at most {max_text_chars} characters."),
    }
}

// What the host page is told with `docent:error` (for its developers and its own UI).

/// The browser went offline.
/// A tool the agent runs, as a compact line: `name` is the tool's own (`lookup_order`).
pub fn tool_activity(name: &str, finished: bool, succeeded: Option<bool>) -> String {
    let name = name.replace('_', " ");
    match (finished, succeeded) {
        (false, _) => format!("Working on it: {name}…"),
        (true, Some(false)) => format!("{name}: didn't work"),
        (true, _) => format!("{name}: done"),
    }
}

pub const HOST_OFFLINE: &str = "The browser is offline.";
/// The connection dropped and the widget is reconnecting.
pub const HOST_RECONNECTING: &str = "The connection was lost; reconnecting.";

// What the widget's controls are called: their visible words and the names screen readers
// say for them.

/// The launcher while the chat is closed (also drawn by the loader before the wasm arrives).
pub const OPEN_CHAT: &str = "Open chat";
/// The launcher while the chat is open, and the window's close button.
pub const CLOSE_CHAT: &str = "Close chat";
/// The button that ends the conversation.
pub const END_CHAT: &str = "End chat";
/// The chat window's name, a dialog, for screen readers.
pub fn chat_with(name: &str) -> String {
    format!("Chat with {name}")
}
/// The message list's name (a scrollable region keyboard users can focus).
pub const MESSAGES: &str = "Messages";
/// What a screen reader says once an agent message is complete (never token by token).
pub fn agent_said(name: &str, text: &str) -> String {
    format!("{name}: {text}")
}
/// The typing indicator, for screen readers.
pub fn is_typing(name: &str) -> String {
    format!("{name} is typing")
}
/// The line that says what the agent's tools are doing.
pub const ACTIVITY: &str = "What the assistant is doing";
/// The group of suggestion chips.
pub const SUGGESTED_REPLIES: &str = "Suggested replies";
/// The row of product cards.
pub const PRODUCTS: &str = "Products";
/// A product card's link to the product's page.
pub fn view_product(title: &str) -> String {
    format!("View {title} (opens in a new tab)")
}
/// The composer's placeholder.
pub const TYPE_A_MESSAGE: &str = "Type your message…";
/// The composer's name for screen readers.
pub const MESSAGE: &str = "Message";
/// The composer's button.
pub const SEND: &str = "Send";
/// The composer's button, for screen readers.
pub const SEND_MESSAGE: &str = "Send message";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_failures_are_worded_for_people() {
        assert!(start_failure(&StartFailure::KeyRejected).contains("key was not accepted"));
        assert_eq!(
            start_failure(&StartFailure::Refused(ErrorCode::PdpNotFound)),
            explain(&ErrorCode::PdpNotFound)
        );
        assert!(start_failure(&StartFailure::Http(422)).contains("HTTP 422"));
        assert!(start_failure(&StartFailure::ServerTrouble).contains("try again"));
        assert!(!start_failure(&StartFailure::BadSetting("x".into())).contains('x'));
    }

    #[test]
    fn every_error_code_has_its_own_plain_words() {
        let codes = [
            ErrorCode::AuthRequired,
            ErrorCode::InvalidToken,
            ErrorCode::SessionNotFound,
            ErrorCode::SessionExpired,
            ErrorCode::InvalidJson,
            ErrorCode::EmptyMessage,
            ErrorCode::UnknownType,
            ErrorCode::PdpNotFound,
            ErrorCode::MessageRejected,
            ErrorCode::Other("X".into()),
        ];
        let mut texts: Vec<_> = codes.iter().map(explain).collect();
        texts.sort();
        texts.dedup();
        assert_eq!(texts.len(), codes.len());
        assert!(
            texts.iter().all(|t| !t.contains('_')),
            "no codes shown to people"
        );
    }
}
