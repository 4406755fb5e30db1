//! The words the widget says, in one table: every sentence and label a visitor reads or a
//! screen reader says, by name, with its English. Everything else deals in meanings (an error
//! code, a start failure, a lead field's kind) and asks here for the words, so another
//! language is another table: the loader fetches one (`locales/<lang>.json`, by `data-locale`
//! or the browser's language) and lays the host page's own words (`data-text-<name>`,
//! `Docent.init({texts})`) over it; [`set`] takes them in. Depends on nothing of the widget's
//! own (the conversation calls it, never the reverse).

use docent_protocol::{ErrorCode, LeadFieldKind, StartFailure};
use std::cell::RefCell;

macro_rules! table {
    ($($(#[$doc:meta])* $key:ident $name:literal $english:literal,)*
     @page_commands $($(#[$pdoc:meta])* $pkey:ident $pname:literal $penglish:literal,)*) => {
        /// A text, by meaning. `{name}` in a text is filled in by [`fill`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum T {
            $($(#[$doc])* $key,)*
            $(#[cfg(feature = "page-commands")] $(#[$pdoc])* $pkey,)*
        }
        /// Each text's name (as `data-text-<name>` and locale files spell it) and its English,
        /// in the order of [`T`].
        pub const TABLE: &[(&str, &str)] = &[
            $(($name, $english),)*
            $(#[cfg(feature = "page-commands")] ($pname, $penglish),)*
        ];
        /// The page commands' texts, in a build without them (AUI's, Amigo's): a locale file
        /// or a page may name them, and the build takes and ignores their words rather than
        /// warn; their English stays out of its wasm.
        #[cfg(not(feature = "page-commands"))]
        const NOT_SAID_HERE: &[&str] = &[$($pname,)*];
        #[cfg(feature = "page-commands")]
        const NOT_SAID_HERE: &[&str] = &[];
    };
}

table! {
    // Why a session or a message failed, by error code.
    /// No session token was sent.
    AuthRequired "auth-required" "This chat couldn't sign in: no session token was sent. Start a new chat to try again.",
    InvalidToken "invalid-token" "This chat's sign-in was rejected or has expired. Start a new chat to continue.",
    SessionNotFound "session-not-found" "This chat session no longer exists. Start a new chat to continue.",
    SessionExpired "session-expired" "This chat timed out after a while without messages. Start a new chat to continue.",
    InvalidJson "invalid-json" "The assistant couldn't read the last message from this chat. Please send it again.",
    EmptyMessageError "empty-message-error" "That message was empty, so it wasn't sent.",
    UnknownType "unknown-type" "The assistant didn't understand a request from this chat. You can keep chatting.",
    PdpNotFound "pdp-not-found" "This product's demo isn't set up yet, so the assistant can't answer. Please try again later.",
    MessageRejectedError "message-rejected-error" "The assistant didn't accept that message. You can change it and send it again.",
    OtherError "other-error" "The assistant ran into a problem. You can keep chatting.",
    // Why the chat could not start.
    KeyRejected "key-rejected" "This website's chat key was not accepted, so the chat can't start.",
    Busy "busy" "The chat is busy right now. Please try again in a minute.",
    StartRefused "start-refused" "The chat server refused to start a chat (HTTP {status}).",
    ServerTrouble "server-trouble" "The chat server had a problem starting the chat. Please try again in a moment.",
    UnreadableStart "unreadable-start" "The chat server's answer couldn't be read, so the chat can't start.",
    BadSetting "bad-setting" "This chat is not set up correctly, so it can't start.",
    /// Required options the host page did not give.
    NotSetUp "not-set-up" "This chat is not set up yet (the site has not given its {missing}).",
    /// The server could not be reached at all.
    Unreachable "unreachable" "We couldn't reach the chat server. Check your connection and try again.",
    // What the conversation tells the visitor (its notices and why a chat ended).
    UnreadableFrame "unreadable-frame" "The assistant sent something this chat couldn't read, so it was skipped.",
    NotConnected "not-connected" "You're not connected right now — it will be sent as soon as the connection is back.",
    MayNotHaveBeenDelivered "may-not-have-been-delivered" "A message may not have been delivered. Use Send again next to it if it still needs an answer.",
    NotDelivered "not-delivered" "A message could not be delivered. Use Retry next to it to send it again.",
    SessionRenewed "session-renewed" "Your chat session had expired, so a new one was started. Unsent messages will follow.",
    /// The platform refused a message (content moderation); its text is back in the composer.
    MessageRejected "message-rejected" "That message wasn't accepted, so it wasn't sent. It's back in the box for you to change.",
    /// The socket cannot be opened here; messages go one HTTP call each.
    NoLiveUpdates "no-live-updates" "Live updates are blocked on this network, so replies will arrive all at once.",
    VisitorEnded "visitor-ended" "You ended this chat.",
    ChatEnded "chat-ended" "This chat has ended — start a new one.",
    SendAfterEnd "send-after-end" "This chat has ended — start a new one to send a message.",
    DemoStepFailed "demo-step-failed" "One step of the demo didn't work: {error}.",
    EmptyMessage "empty-message" "Type a message first.",
    MessageTooLong "message-too-long" "Your message is {count} characters long; the limit is {limit}. Please shorten it.",
    // The lead form: its invitation, then its checks.
    LeadIntro "lead-intro" "Leave your details and we'll get back to you.",
    LeadRequired "lead-required" "{label} is required.",
    LeadEmail "lead-email" "Enter an email address like name@company.com.",
    LeadPhone "lead-phone" "Enter a phone number with at least 7 digits.",
    LeadUrl "lead-url" "Enter a web address starting with https://.",
    LeadNumber "lead-number" "{label} must be a number.",
    LeadTooLong "lead-too-long" "{label} must be at most {max} characters.",
    LeadSend "lead-send" "Send",
    LeadContinue "lead-continue" "Continue",
    // A tool the agent runs, as one compact line.
    ToolWorking "tool-working" "Working on it: {name}…",
    ToolFailed "tool-failed" "{name}: didn't work",
    ToolDone "tool-done" "{name}: done",
    TourStep "tour-step" "Step {step} of {total} · {doing}",
    Stop "stop" "Stop",
    // The connection, on the status line.
    Starting "starting" "Starting the chat…",
    /// Said by the loader (`docent.js`, from the locale's table) when the wasm cannot be loaded.
    LoadFailed "load-failed" "The chat could not be loaded. Please try again later.",
    Connecting "connecting" "Connecting…",
    Offline "offline" "You're offline — messages will be sent when you're back.",
    ReconnectingIn "reconnecting-in" "Connection lost. Reconnecting in {seconds} s…",
    RetryNow "retry-now" "Retry now",
    TryAgain "try-again" "Try again",
    StartNewChat "start-new-chat" "Start a new chat",
    // A visitor message's delivery.
    WaitingToSend "waiting-to-send" "Waiting to send…",
    MayNotHaveArrived "may-not-have-arrived" "May not have been delivered.",
    NotDeliveredShort "not-delivered-short" "Not delivered.",
    SendAgain "send-again" "Send again",
    Retry "retry" "Retry",
    // What the host page is told with `docent:error` (for its developers and its own UI).
    HostOffline "host-offline" "The browser is offline.",
    HostReconnecting "host-reconnecting" "The connection was lost; reconnecting.",
    // What the widget's controls are called: their words and the names screen readers say.
    /// The launcher while the chat is closed (also drawn by the loader before the wasm arrives).
    OpenChat "open-chat" "Open chat",
    /// The launcher while replies wait unread.
    OpenChatUnread "open-chat-unread" "Open chat ({count} new)",
    /// The header's toggle that reads replies aloud.
    ReadAloud "read-aloud" "Read replies aloud",
    /// The launcher while the chat is open, and the window's close button.
    CloseChat "close-chat" "Close chat",
    EndChat "end-chat" "End chat",
    /// The chat window's name, a dialog, for screen readers.
    ChatWith "chat-with" "Chat with {name}",
    /// The message list's name (a scrollable region keyboard users can focus).
    Messages "messages" "Messages",
    /// Above the messages on screen in a long conversation: shows the older ones again.
    EarlierMessages "earlier-messages" "Show earlier messages",
    /// What a screen reader says once an agent message is complete (never token by token).
    AgentSaid "agent-said" "{name}: {text}",
    IsTyping "is-typing" "{name} is typing",
    Activity "activity" "What the assistant is doing",
    SuggestedReplies "suggested-replies" "Suggested replies",
    Products "products" "Products",
    ViewProduct "view-product" "View {title} (opens in a new tab)",
    View "view" "View",
    Recommended "recommended" "Recommended",
    AlsoIn "also-in" "Also: {names}",
    TypeAMessage "type-a-message" "Type your message…",
    Message "message" "Message",
    Send "send" "Send",
    SendMessage "send-message" "Send message",
    // Only in builds with page commands (live-demo): the tour's words.
    @page_commands
    // The page commands, as the tour's status line says them.
    Opening "opening" "Opening the {page} page…",
    Clicking "clicking" "Clicking {target}…",
    TypingInto "typing-into" "Typing into {target}…",
    Showing "showing" "Showing you {target}…",
    ScrollingTo "scrolling-to" "Scrolling to {target}…",
    WaitingFor "waiting-for" "Waiting for {target}…",
    Choosing "choosing" "Choosing “{option}” in {target}…",
    /// An element of the demo page, named from its selector's own words (`#deal-name`).
    TheTarget "the-target" "the {name}",
    /// An element whose selector has no words to name it by.
    ThatPart "that-part" "that part of the page",
    /// The demo's start page (`/`, `index.html`).
    HomePage "home-page" "home",
    // Why a page command could not be carried out (after "One step of the demo didn't work:").
    NotASelector "not-a-selector" "`{selector}` is not a valid CSS selector",
    NothingMatches "nothing-matches" "nothing on the demo page matches `{selector}`",
    CannotBeClicked "cannot-be-clicked" "{target} cannot be clicked",
    NotATextField "not-a-text-field" "{target} is not a text field",
    NotADropdown "not-a-dropdown" "{target} is not a dropdown",
    HasNoOption "has-no-option" "{target} has no option “{option}”",
    DidNotAppear "did-not-appear" "{target} did not appear within {seconds} s",
    NoPageBody "no-page-body" "the demo page has no body",
    CouldNotCarryOut "could-not-carry-out" "the demo page could not carry it out",
    // Why a step could not reach the demo page at all (the tour's own codes).
    NoDemoFrame "no-demo-frame" "this page has no demo iframe for the agent to use",
    NoExecutor "no-executor" "Docent's page-command executor could not be loaded",
    NoDemoSrc "no-demo-src" "the demo iframe has no valid src",
    BadUrl "bad-url" "`{url}` is not a valid URL",
    PageDidNotLoad "page-did-not-load" "the {page} page did not load within {seconds} s",
    DemoUnreachable "demo-unreachable" "could not reach the demo page",
    DemoSilent "demo-silent" "the demo page did not answer: it needs Docent's bridge script, with this site's origin in data-parent-origin",
}

thread_local! {
    /// The words laid over the English, by [`T`]'s position (the page has one thread).
    static WORDS: RefCell<Vec<Option<String>>> = const { RefCell::new(Vec::new()) };
}

/// Lays `words` over the text called `name`; `false` if there is no such text.
pub fn set(name: &str, words: &str) -> bool {
    let Some(at) = TABLE.iter().position(|(n, _)| *n == name) else {
        return NOT_SAID_HERE.contains(&name);
    };
    WORDS.with(|w| {
        let mut w = w.borrow_mut();
        if w.len() < TABLE.len() {
            w.resize(TABLE.len(), None);
        }
        w[at] = Some(words.to_string());
    });
    true
}

/// Back to English everywhere.
pub fn reset() {
    WORDS.with(|w| w.borrow_mut().clear());
}

/// The words for `t`.
pub fn get(t: T) -> String {
    words(t as usize)
}

/// The words of the text called `name` (as in [`TABLE`]).
pub fn named(name: &str) -> Option<String> {
    TABLE.iter().position(|(n, _)| *n == name).map(words)
}

/// The words of [`TABLE`]'s text at `at`: the site's or the locale's, or the English.
fn words(at: usize) -> String {
    WORDS
        .with(|w| w.borrow().get(at).cloned().flatten())
        .unwrap_or_else(|| TABLE[at].1.to_string())
}

/// The words for `t` with each `{name}` filled in from `values`, in one pass (a value that
/// itself contains `{…}` stays as it is).
pub fn fill(t: T, values: &[(&str, &str)]) -> String {
    fill_in(&get(t), &mut |name, out| {
        let value = values.iter().find(|(n, _)| *n == name);
        value.map(|(_, v)| out.push_str(v)).is_some()
    })
}

/// `template` with each `{name}` replaced by what `value` writes for it, in one pass (what it
/// writes is not looked into again). A `{…}` it does not know (it returns `false`, having
/// written nothing) stays as it is. Texts ([`fill`]) and the widget's markup
/// (`ui::dom::markup`) are filled this way.
pub fn fill_in(template: &str, value: &mut dyn FnMut(&str, &mut String) -> bool) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some((before, after)) = rest.split_once('{') {
        out.push_str(before);
        match after.split_once('}') {
            Some((name, then)) if value(name, &mut out) => rest = then,
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A count as the visitor's language writes it (`10,000`, `10.000`): the browser's `Intl`.
pub fn number(n: usize) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let format = js_sys::Intl::NumberFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
        let written = format.format().call1(&format, &(n as f64).into());
        if let Some(text) = written.ok().and_then(|t| t.as_string()) {
            return text;
        }
    }
    n.to_string()
}

/// Each error code in words a visitor understands.
pub fn explain(code: &ErrorCode) -> String {
    get(match code {
        ErrorCode::AuthRequired => T::AuthRequired,
        ErrorCode::InvalidToken => T::InvalidToken,
        ErrorCode::SessionNotFound => T::SessionNotFound,
        ErrorCode::SessionExpired => T::SessionExpired,
        ErrorCode::InvalidJson => T::InvalidJson,
        ErrorCode::EmptyMessage => T::EmptyMessageError,
        ErrorCode::UnknownType => T::UnknownType,
        ErrorCode::PdpNotFound => T::PdpNotFound,
        ErrorCode::MessageRejected => T::MessageRejectedError,
        ErrorCode::Other(_) => T::OtherError,
    })
}

/// Why the chat could not start, in words a visitor understands.
pub fn start_failure(failure: &StartFailure) -> String {
    match failure {
        StartFailure::Refused(code) => explain(code),
        StartFailure::KeyRejected => get(T::KeyRejected),
        StartFailure::Busy => get(T::Busy),
        StartFailure::Http(status) => fill(T::StartRefused, &[("status", &status.to_string())]),
        StartFailure::ServerTrouble => get(T::ServerTrouble),
        StartFailure::Unreadable => get(T::UnreadableStart),
        StartFailure::BadSetting(_) => get(T::BadSetting),
    }
}

/// The visitor's message is `count` characters long, over the `limit`.
pub fn message_too_long(count: usize, limit: usize) -> String {
    fill(
        T::MessageTooLong,
        &[("count", &number(count)), ("limit", &number(limit))],
    )
}

/// A lead field whose value is not of its `kind` (a `Text` one: longer than `max_text_chars`).
pub fn lead_field_invalid(kind: LeadFieldKind, label: &str, max_text_chars: usize) -> String {
    match kind {
        LeadFieldKind::Email => get(T::LeadEmail),
        LeadFieldKind::Phone => get(T::LeadPhone),
        LeadFieldKind::Url => get(T::LeadUrl),
        LeadFieldKind::Number => fill(T::LeadNumber, &[("label", label)]),
        LeadFieldKind::Text => fill(
            T::LeadTooLong,
            &[("label", label), ("max", &number(max_text_chars))],
        ),
    }
}

/// A tool the agent runs, as a compact line: `name` is the tool's own (`lookup_order`).
pub fn tool_activity(name: &str, finished: bool, succeeded: Option<bool>) -> String {
    let name = name.replace('_', " ");
    let t = match (finished, succeeded) {
        (false, _) => T::ToolWorking,
        (true, Some(false)) => T::ToolFailed,
        (true, _) => T::ToolDone,
    };
    fill(t, &[("name", &name)])
}

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

    #[test]
    fn a_host_page_lays_its_own_words_over_single_texts() {
        assert!(set("send", "Go"));
        assert_eq!(get(T::Send), "Go");
        assert_eq!(get(T::SendMessage), "Send message", "only the one named");
        assert!(
            !set("no-such-text", "x"),
            "an unknown name is said, not kept"
        );
        assert!(set("chat-with", "Mit {name} chatten"));
        assert_eq!(fill(T::ChatWith, &[("name", "Ava")]), "Mit Ava chatten");
        reset();
        assert_eq!(get(T::Send), "Send");
    }

    #[test]
    fn filling_in_is_one_pass_and_leaves_unknown_braces() {
        assert_eq!(
            fill(T::AgentSaid, &[("name", "{text}"), ("text", "a {name} b")]),
            "{text}: a {name} b"
        );
        assert!(set("agent-said", "{who} {name}"));
        assert_eq!(fill(T::AgentSaid, &[("name", "Ava")]), "{who} Ava");
        reset();
    }

    /// The `{…}` names a text fills in.
    fn placeholders(text: &str) -> Vec<&str> {
        let mut names: Vec<&str> = text
            .split('{')
            .skip(1)
            .filter_map(|part| part.split_once('}').map(|(name, _)| name))
            .collect();
        names.sort_unstable();
        names
    }

    /// Reads a flat `{"name": "words"}` locale file.
    fn locale(json: &str) -> Vec<(String, String)> {
        let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(json).unwrap();
        map.into_iter()
            .map(|(k, v)| (k, v.as_str().expect("words are strings").to_string()))
            .collect()
    }

    #[test]
    fn every_locale_has_every_text_with_the_same_blanks_and_nothing_else() {
        for (file, json) in [
            ("de", include_str!("../locales/de.json")),
            ("he", include_str!("../locales/he.json")),
        ] {
            let words = locale(json);
            for (name, english) in TABLE {
                let Some((_, translated)) = words.iter().find(|(n, _)| n == name) else {
                    panic!("{file}.json has no \"{name}\"");
                };
                assert_eq!(
                    placeholders(translated),
                    placeholders(english),
                    "{file}.json \"{name}\" fills in other blanks"
                );
                assert_ne!(translated.trim(), "", "{file}.json \"{name}\" is empty");
            }
            for (name, _) in &words {
                assert!(
                    TABLE.iter().any(|(n, _)| n == name),
                    "{file}.json has \"{name}\", which the widget does not say"
                );
            }
        }
    }
}
