//! The words the widget says: every sentence a visitor reads about a problem is made here
//! from a meaning (an error code, a start failure), so the state machine and the transport
//! only deal in meanings.

use docent_protocol::{ErrorCode, StartFailure};

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
}
