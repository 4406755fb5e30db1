//! The session and the connection: starting a session, opening and losing the socket, the
//! backoff between tries, the silence watchdog, waiting while offline or hidden, a session
//! that expired or was refused, and ending the chat.

use super::{outbox, Conversation, Effect};
use crate::texts::{self, explain};
use crate::transport::policy::{Backoff, SILENCE_MS, SOCKET_FAILURES_BEFORE_HTTP};
use docent_protocol::{
    AgentError, AgentEvent, CloseKind, Closed, ErrorCode, Started, VisitorAction,
};

/// The connection, as the visitor sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// The chat was never opened: nothing has been created yet.
    Idle,
    /// Creating the session.
    Starting,
    /// Opening the socket.
    Connecting,
    Connected,
    /// Lost the connection; trying again in `in_ms`.
    Reconnecting {
        in_ms: u32,
    },
    /// The browser is offline; messages wait for the connection to come back.
    Offline,
    /// Could not start; `Retry` may help.
    Failed {
        reason: String,
    },
    /// This chat is over; a new one can be started.
    Ended {
        reason: String,
    },
}

/// What the connection and the session have shown so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Link {
    backoff: Backoff,
    /// When the current connection opened.
    connected_at: Option<f64>,
    /// The current connection carried an answer.
    pub(super) answered_on_connection: bool,
    /// The session was accepted once (a frame other than an error came on it): if it is
    /// later refused, it expired, and a new one is started without asking.
    pub(super) session_worked: bool,
    /// The session being created replaces one that expired (no second greeting).
    renewing: bool,
    /// When the last frame arrived, for the watchdog.
    last_frame_at: f64,
    offline: bool,
    /// The page is in a background tab (or minimised).
    pub(super) hidden: bool,
    /// A reconnect came due while the tab was hidden or offline: it waits for them.
    reconnect_deferred: bool,
    /// Sockets in a row that closed before they opened.
    failed_opens: u32,
    /// Messages go as HTTP calls, one each, since the socket cannot be opened here
    /// ([`super::Platform::posts`]); "connected" then means the calls can be made.
    pub(super) over_http: bool,
}

impl Link {
    /// A frame came: a sign of life, and (unless it is an error) of a session that works.
    pub(super) fn heard(&mut self, event: &AgentEvent, now_ms: f64) {
        self.last_frame_at = now_ms;
        if !matches!(event, AgentEvent::Error(_)) {
            self.session_worked = true;
        }
    }
}

impl Conversation {
    /// The chat window opened (here or in another tab): the first time, a session is
    /// created. Replies waiting unread are seen.
    pub(super) fn start(&mut self) -> Vec<Effect> {
        self.unread = 0;
        if self.status == Status::Idle {
            self.status = Status::Starting;
            return vec![Effect::CreateSession];
        }
        vec![]
    }

    pub(super) fn session_created(&mut self, started: Started, now_ms: f64) -> Vec<Effect> {
        if let Some(name) = started.agent_name {
            self.agent_name = name;
        }
        self.session = Some(started.session.clone());
        self.status = Status::Connecting;
        let renewing = std::mem::take(&mut self.link.renewing);
        if let Some(greeting) = started.greeting.filter(|_| !renewing) {
            self.greet(greeting, now_ms);
        }
        if renewing && started.resumed {
            // The platform kept the conversation: nothing changed for the visitor.
            self.notice = None;
        }
        // Messages sent in the old session but never answered go to the new one.
        outbox::requeue_sent(&mut self.messages);
        self.connect(now_ms)
    }

    pub(super) fn socket_opened(&mut self, now_ms: f64) -> Vec<Effect> {
        self.status = Status::Connected;
        self.link.connected_at = Some(now_ms);
        self.link.last_frame_at = now_ms;
        if self.pending().next().is_some() || self.outbox.has_unsent() {
            self.notice = None;
        }
        self.flush(now_ms)
    }

    /// The watchdog: a silent connection, or one on which an answer is not coming, is
    /// replaced; otherwise anything waiting that now fits is sent.
    pub(super) fn tick(&mut self, now_ms: f64) -> Vec<Effect> {
        if self.status != Status::Connected {
            return vec![];
        }
        // Without keep-alive frames, silence says nothing: only an overdue answer counts.
        let silent = self.platform.keep_alive && now_ms - self.link.last_frame_at >= SILENCE_MS;
        // An answer that is not coming on this connection: a fresh one gets the
        // message again (and a server without acknowledgements forgets the old one).
        let stuck = self.outbox.answer_overdue(now_ms);
        if silent || stuck {
            // Same as a drop, at the first step of the backoff: reconnect soon.
            let mut effects = vec![Effect::Reconnect];
            let lost = Closed {
                kind: CloseKind::Retry,
                reason: None,
            };
            effects.extend(self.socket_closed(lost, 0.0, now_ms));
            return effects;
        }
        // Nothing waits while the connection is open and has room for it.
        self.flush(now_ms)
    }

    pub(super) fn online(&mut self, online: bool, now_ms: f64) -> Vec<Effect> {
        self.link.offline = !online;
        if !online {
            if !matches!(self.status, Status::Ended { .. } | Status::Idle) {
                self.status = Status::Offline;
            }
            return vec![];
        }
        self.reconnect_now(now_ms)
    }

    pub(super) fn hidden(&mut self, hidden: bool, now_ms: f64) -> Vec<Effect> {
        self.link.hidden = hidden;
        if hidden || !self.link.reconnect_deferred {
            return vec![];
        }
        self.reconnect_now(now_ms)
    }

    pub(super) fn reconnect_due(&mut self, now_ms: f64) -> Vec<Effect> {
        if !matches!(self.status, Status::Reconnecting { .. }) {
            return vec![];
        }
        // A hidden tab does not spin, and offline there is nothing to reach.
        if self.link.hidden || self.link.offline {
            self.link.reconnect_deferred = true;
            return vec![];
        }
        self.connect(now_ms)
    }

    /// A keep-alive goes out only on an open connection.
    pub(super) fn heartbeat_due(&self) -> Vec<Effect> {
        match self.status {
            Status::Connected if !self.link.over_http => {
                vec![Effect::Send(VisitorAction::Heartbeat)]
            }
            _ => vec![],
        }
    }

    /// The visitor asked to try again now.
    pub(super) fn retry(&mut self, now_ms: f64) -> Vec<Effect> {
        match (&self.status, &self.session) {
            (Status::Failed { .. }, None) => {
                self.status = Status::Starting;
                vec![Effect::CreateSession]
            }
            (Status::Reconnecting { .. } | Status::Failed { .. } | Status::Offline, Some(_)) => {
                self.connect(now_ms)
            }
            _ => vec![],
        }
    }

    /// Connects now if a reconnect is waiting.
    fn reconnect_now(&mut self, now_ms: f64) -> Vec<Effect> {
        match self.status {
            Status::Reconnecting { .. } | Status::Offline if self.session.is_some() => {
                self.connect(now_ms)
            }
            _ => vec![],
        }
    }

    /// Opens the socket for the session; over HTTP, there is nothing to open, and what
    /// waits goes at once.
    pub(super) fn connect(&mut self, now_ms: f64) -> Vec<Effect> {
        let Some(session) = &self.session else {
            return vec![];
        };
        self.link.reconnect_deferred = false;
        if self.link.over_http {
            self.status = Status::Connected;
            self.link.last_frame_at = now_ms;
            return self.flush(now_ms);
        }
        self.status = Status::Connecting;
        vec![Effect::Connect(session.clone())]
    }

    /// The socket cannot be opened here, but the platform takes messages over HTTP: from
    /// now on each goes as one call, its reply in the answer (no streaming: the typing
    /// indicator shows meanwhile). Until the page is loaded again, or an HTTP call itself
    /// fails to get through.
    fn go_over_http(&mut self, now_ms: f64) -> Vec<Effect> {
        self.link.over_http = true;
        self.notify(texts::get(texts::T::NoLiveUpdates));
        self.connect(now_ms)
    }

    /// An HTTP call did not get through either: back to trying the socket, with backoff.
    pub(super) fn http_failed(&mut self, now_ms: f64) -> Vec<Effect> {
        self.link.over_http = false;
        self.link.failed_opens = 0;
        let lost = Closed {
            kind: CloseKind::Retry,
            reason: None,
        };
        self.socket_closed(lost, 0.0, now_ms)
    }

    pub(super) fn socket_closed(
        &mut self,
        closed: Closed,
        jitter: f64,
        now_ms: f64,
    ) -> Vec<Effect> {
        let Closed { kind, reason } = closed;
        self.typing = false;
        // A stream cut off stays as far as it came; what comes next is a new message.
        self.streaming = None;
        self.outbox.connection_lost();
        if let Some(opened) = self.link.connected_at.take() {
            let answered = std::mem::take(&mut self.link.answered_on_connection);
            self.link
                .backoff
                .connection_lasted(now_ms - opened, answered);
            self.link.failed_opens = 0;
        } else if self.status == Status::Connecting {
            self.link.failed_opens += 1;
        }
        if matches!(self.status, Status::Ended { .. }) {
            return vec![];
        }
        match kind {
            CloseKind::Final => {
                self.session = None;
                self.status = Status::Ended {
                    reason: texts::get(texts::T::ChatEnded),
                };
                vec![]
            }
            CloseKind::NewSession if self.link.session_worked => {
                // The session expired or was forgotten: renewed where the platform allows
                // it, else a new one; the same transcript either way.
                let expired = self.session.take();
                self.link.session_worked = false;
                self.link.renewing = true;
                self.status = Status::Starting;
                self.notify(texts::get(texts::T::SessionRenewed));
                vec![expired.map_or(Effect::CreateSession, Effect::RenewSession)]
            }
            CloseKind::NewSession => {
                self.session = None;
                let reason = reason.unwrap_or(ErrorCode::SessionNotFound);
                self.status = Status::Ended {
                    reason: explain(&reason),
                };
                vec![]
            }
            CloseKind::Retry
                if self.platform.posts
                    && !self.link.over_http
                    && !self.link.offline
                    && self.link.failed_opens >= SOCKET_FAILURES_BEFORE_HTTP =>
            {
                self.go_over_http(now_ms)
            }
            CloseKind::Retry | CloseKind::RateLimited => {
                let delay = self.link.backoff.next_delay(kind, jitter);
                if self.link.offline {
                    self.status = Status::Offline;
                    self.link.reconnect_deferred = true;
                    return vec![];
                }
                self.status = Status::Reconnecting { in_ms: delay };
                vec![Effect::ReconnectIn(delay)]
            }
        }
    }

    /// The agent reported an error: a retryable one (a turn cut off, timed out) is tried
    /// again by itself, as a dropped connection is: a fresh connection after a short wait,
    /// and the unanswered message goes again; a fatal one on a session that never worked
    /// ends the chat; anything else is a notice (a fatal one's close then renews the
    /// session).
    pub(super) fn agent_error(&mut self, error: AgentError, now_ms: f64) -> Vec<Effect> {
        let text = explain(&error.code);
        let warn = Effect::Warn(format!(
            "Docent: the agent reported {}: {}",
            error.code.as_str(),
            error.message
        ));
        if error.code == ErrorCode::MessageRejected {
            let mut effects = vec![warn];
            effects.extend(self.reject_in_flight(now_ms));
            return effects;
        }
        if self.link.over_http {
            // The call is over: nothing more comes for it.
            self.typing = false;
        }
        if error.retryable && self.session.is_some() {
            self.drop_partial_reply();
            let mut effects = vec![warn, Effect::Reconnect];
            let passing = Closed {
                kind: CloseKind::Retry,
                reason: None,
            };
            effects.extend(self.socket_closed(passing, 0.0, now_ms));
            return effects;
        }
        if error.fatal && !self.link.session_worked {
            self.typing = false;
            self.session = None;
            self.status = Status::Ended { reason: text };
        } else if error.fatal && self.link.over_http {
            // No socket to close over HTTP: renew the session now, as its close would.
            let gone = Closed {
                kind: CloseKind::NewSession,
                reason: Some(error.code),
            };
            let mut effects = vec![warn];
            effects.extend(self.socket_closed(gone, 0.0, now_ms));
            return effects;
        } else {
            // Fatal on a session that worked: the close that follows starts a new session;
            // this says why meanwhile.
            self.notify(text);
        }
        vec![warn]
    }

    /// The visitor ends the chat: the socket closes and the server hears the session is over.
    pub(super) fn end(&mut self) -> Vec<Effect> {
        let mut effects = vec![Effect::CloseSocket, Effect::Hush];
        if let Some(session) = self.session.take() {
            effects.push(Effect::EndSession(session));
        }
        self.typing = false;
        self.suggestions.clear();
        self.status = Status::Ended {
            reason: texts::get(texts::T::VisitorEnded),
        };
        effects
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::test_support::*;

    #[test]
    fn the_session_is_created_on_first_open_not_before_and_only_once() {
        let mut c = Conversation::default();
        assert_eq!(c.status, Status::Idle);
        assert_eq!(c.act(Event::Open, 0.0), [Effect::CreateSession]);
        assert_eq!(c.act(Event::Close, 0.0), []);
        assert_eq!(c.act(Event::Open, 0.0), []);
        assert_eq!(c.status, Status::Starting);
    }

    #[test]
    fn a_created_session_greets_suggests_and_connects_with_its_token() {
        let mut c = Conversation::default();
        c.act(Event::Open, 0.0);
        let effects = c.act(Event::SessionCreated(session()), 5.0);
        assert_eq!(effects, [Effect::Connect(handle("s1", "t1"))]);
        assert_eq!(c.agent_name, "Ava");
        assert_eq!(c.messages[0].text, "Hi, I'm Ava");
        assert_eq!(c.messages[0].speech.as_deref(), Some("Hi"));
        assert_eq!(c.suggestions, ["Show me the dashboard"]);
        assert_eq!(c.status, Status::Connecting);
    }

    #[test]
    fn a_rejected_token_ends_the_chat_in_plain_words() {
        let mut c = connected();
        let error = AgentError {
            code: ErrorCode::InvalidToken,
            message: "Token is invalid or expired".into(),
            retryable: false,
            fatal: true,
        };
        c.act(Event::Agent(AgentEvent::Error(error)), 1.0);
        c.act(
            Event::SocketClosed {
                closed: Closed {
                    kind: CloseKind::NewSession,
                    reason: Some(ErrorCode::InvalidToken),
                },
                jitter: 0.999,
            },
            2.0,
        );
        assert_eq!(
            c.status,
            Status::Ended {
                reason: explain(&ErrorCode::InvalidToken)
            }
        );
        assert!(!c.can_send());
        assert_eq!(c.act(Event::StartNew, 3.0), [Effect::CreateSession]);
        assert!(c.messages.is_empty());
    }

    #[test]
    fn a_close_without_an_error_frame_still_says_why() {
        let mut c = connected();
        c.act(
            Event::SocketClosed {
                closed: Closed {
                    kind: CloseKind::NewSession,
                    reason: Some(ErrorCode::SessionNotFound),
                },
                jitter: 0.999,
            },
            1.0,
        );
        assert_eq!(
            c.status,
            Status::Ended {
                reason: explain(&ErrorCode::SessionNotFound)
            }
        );
    }

    #[test]
    fn a_passing_error_is_a_notice_and_the_chat_goes_on() {
        let mut c = connected();
        let error = AgentError {
            code: ErrorCode::EmptyMessage,
            message: "Message text is empty".into(),
            retryable: false,
            fatal: false,
        };
        c.act(Event::Agent(AgentEvent::Error(error)), 1.0);
        assert_eq!(c.status, Status::Connected);
        assert_eq!(
            c.notice.as_ref().unwrap().text,
            explain(&ErrorCode::EmptyMessage)
        );
        let effects = c.act(Event::UnreadableFrame { detail: "x".into() }, 2.0);
        assert!(c.notice.as_ref().unwrap().text.contains("couldn't read"));
        assert!(matches!(&effects[..], [Effect::Warn(_)]));
    }

    /// A turn the platform cut off (Amigo's `stream_interrupted`) is tried again by itself:
    /// a fresh connection, and the unanswered message goes again, answered once.
    #[test]
    fn a_retryable_error_reconnects_and_sends_the_message_again() {
        let mut c = connected();
        assert_eq!(c.act(Event::VisitorSays("hi".into()), 1.0), [say("hi", 2)]);
        let cut = AgentError {
            code: ErrorCode::Other("stream_interrupted".into()),
            message: "interrupted".into(),
            retryable: true,
            fatal: false,
        };
        c.act(delta("Let me che"), 1.5);
        let effects = c.act(Event::Agent(AgentEvent::Error(cut)), 2.0);
        assert_eq!(
            transcript(&c),
            ["Hi, I'm Ava", "hi"],
            "half an answer is taken back"
        );
        assert!(
            matches!(
                effects[..],
                [Effect::Warn(_), Effect::Reconnect, Effect::ReconnectIn(_)]
            ),
            "{effects:?}"
        );
        assert!(matches!(c.status, Status::Reconnecting { .. }));
        assert_eq!(c.notice, None, "no alarm for a passing problem");
        c.act(Event::ReconnectDue, 3.0);
        assert_eq!(c.act(Event::SocketOpened, 4.0), [say("hi", 2)]);
        c.act(reply_to("hello", 2), 5.0);
        assert_eq!(transcript(&c), ["Hi, I'm Ava", "hi", "hello"]);
    }

    /// The same toward a server that names no answers (Amigo): the turn goes again.
    #[test]
    fn a_retryable_error_resends_toward_a_server_without_ids() {
        let mut c = connected();
        c.act(Event::VisitorSays("a".into()), 1.0);
        c.act(unnamed("A"), 2.0);
        assert_eq!(c.act(Event::VisitorSays("b".into()), 3.0), [say("b", 4)]);
        c.act(delta("par"), 3.5);
        let cut = AgentError {
            code: ErrorCode::Other("stream_interrupted".into()),
            message: "interrupted".into(),
            retryable: true,
            fatal: false,
        };
        c.act(Event::Agent(AgentEvent::Error(cut)), 4.0);
        c.act(Event::ReconnectDue, 5.0);
        assert_eq!(c.act(Event::SocketOpened, 6.0), [say("b", 4)]);
    }

    /// Amigo streams its greeting as a turn: a visitor who writes while it streams is not
    /// answered by the greeting's end, but by the next reply.
    #[test]
    fn a_stream_begun_before_a_message_does_not_answer_it() {
        let mut c = connected();
        c.act(delta("Hi the"), 1.0);
        assert_eq!(c.act(Event::VisitorSays("a".into()), 2.0), [say("a", 3)]);
        c.act(unnamed("Hi there"), 3.0);
        assert_eq!(
            delivery(&c, "a"),
            Delivery::Sent,
            "the greeting's end is no answer to it"
        );
        c.act(unnamed("A"), 4.0);
        assert_eq!(delivery(&c, "a"), Delivery::Answered);
    }

    #[test]
    fn a_dropped_connection_retries_with_growing_jittered_delays_and_keeps_messages() {
        let mut c = connected();
        assert_eq!(closed(&mut c, 1.0), [Effect::ReconnectIn(1_000)]);
        assert_eq!(c.status, Status::Reconnecting { in_ms: 1_000 });
        assert_eq!(c.act(Event::VisitorSays("still there?".into()), 2.0), []);
        assert_eq!(
            c.act(Event::ReconnectDue, 3.0),
            [Effect::Connect(handle("s1", "t1"))]
        );
        assert_eq!(closed(&mut c, 4.0), [Effect::ReconnectIn(2_000)]);
        c.act(Event::ReconnectDue, 5.0);
        assert_eq!(c.act(Event::SocketOpened, 6.0), [say("still there?", 2)]);
        assert_eq!(
            closed(&mut c, 7.0),
            [Effect::ReconnectIn(4_000)],
            "a short connection does not reset"
        );
        c.act(Event::ReconnectDue, 8.0);
        c.act(Event::SocketOpened, 10.0);
        assert_eq!(
            closed(&mut c, 20_010.0),
            [Effect::ReconnectIn(1_000)],
            "a stable one does"
        );
    }

    #[test]
    fn an_expired_session_that_worked_is_renewed_with_the_transcript_kept() {
        let mut c = connected();
        c.act(Event::Agent(AgentEvent::Pong { ts: None }), 1.0);
        c.act(Event::VisitorSays("hello".into()), 2.0);
        let expired = AgentError {
            code: ErrorCode::SessionExpired,
            message: "Session expired".into(),
            retryable: false,
            fatal: true,
        };
        c.act(Event::Agent(AgentEvent::Error(expired)), 3.0);
        let effects = c.act(
            Event::SocketClosed {
                closed: Closed {
                    kind: CloseKind::NewSession,
                    reason: Some(ErrorCode::SessionNotFound),
                },
                jitter: 0.5,
            },
            4.0,
        );
        assert_eq!(
            effects,
            [Effect::RenewSession(handle("s1", "t1"))],
            "the dialect hears which session expired"
        );
        assert!(c
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("new one was started"));
        let mut renewed = session();
        renewed.session = handle("s2", "t2");
        c.act(Event::SessionCreated(renewed), 5.0);
        assert_eq!(
            c.messages.len(),
            2,
            "no second greeting; the transcript stays"
        );
        assert!(c.notice.is_some(), "a new session: the visitor is told");
        assert_eq!(c.act(Event::SocketOpened, 6.0), [say("hello", 2)]);
    }

    #[test]
    fn a_session_the_platform_kept_is_renewed_without_a_word() {
        let mut c = connected();
        c.act(Event::Agent(AgentEvent::Pong { ts: None }), 1.0);
        let token_gone = Closed {
            kind: CloseKind::NewSession,
            reason: Some(ErrorCode::InvalidToken),
        };
        c.act(
            Event::SocketClosed {
                closed: token_gone,
                jitter: 0.5,
            },
            2.0,
        );
        let mut same = session();
        same.session = handle("s1", "t2");
        same.resumed = true;
        c.act(Event::SessionCreated(same), 3.0);
        assert_eq!(c.notice, None, "the same conversation goes on");
        assert_eq!(c.status, Status::Connecting);
    }

    #[test]
    fn without_keep_alive_a_quiet_connection_stays() {
        let mut c = connected();
        c.fit(Platform {
            keep_alive: false,
            ..Platform::default()
        });
        assert_eq!(
            c.act(Event::Tick, 85_001.0),
            [],
            "no heartbeats, so no pongs to miss"
        );
        c.act(Event::VisitorSays("hello?".into()), 90_000.0);
        let effects = c.act(Event::Tick, 150_001.0);
        assert_eq!(
            effects[0],
            Effect::Reconnect,
            "an answer that is not coming still counts"
        );
    }

    #[test]
    fn silence_for_45_seconds_means_a_dead_connection() {
        let mut c = connected();
        assert_eq!(c.act(Event::Tick, 40_000.0), []);
        c.act(Event::Agent(AgentEvent::Pong { ts: None }), 40_000.0);
        assert_eq!(c.act(Event::Tick, 80_000.0), [], "a pong is a sign of life");
        let effects = c.act(Event::Tick, 85_001.0);
        assert_eq!(effects[0], Effect::Reconnect);
        assert!(matches!(effects[1], Effect::ReconnectIn(ms) if ms <= 1_000));
    }

    #[test]
    fn offline_waits_and_online_reconnects_at_once() {
        let mut c = connected();
        c.act(Event::Online(false), 1.0);
        assert_eq!(c.status, Status::Offline);
        assert_eq!(closed(&mut c, 2.0), [], "no retries while offline");
        assert_eq!(c.act(Event::VisitorSays("queued".into()), 3.0), []);
        assert_eq!(c.pending().count(), 1);
        assert_eq!(
            c.act(Event::Online(true), 4.0),
            [Effect::Connect(handle("s1", "t1"))]
        );
        assert_eq!(c.act(Event::SocketOpened, 5.0), [say("queued", 2)]);
    }

    #[test]
    fn a_hidden_tab_does_not_reconnect_until_it_is_shown() {
        let mut c = connected();
        c.act(Event::Hidden(true), 1.0);
        closed(&mut c, 2.0);
        assert_eq!(c.act(Event::ReconnectDue, 3.0), []);
        assert_eq!(
            c.act(Event::Hidden(false), 4.0),
            [Effect::Connect(handle("s1", "t1"))]
        );
    }

    #[test]
    fn heartbeats_go_out_only_while_connected() {
        let mut c = connected();
        assert_eq!(
            c.act(Event::HeartbeatDue, 1.0),
            [Effect::Send(VisitorAction::Heartbeat)]
        );
        c.act(Event::End, 2.0);
        assert_eq!(c.act(Event::HeartbeatDue, 3.0), []);
    }

    #[test]
    fn ending_the_chat_closes_the_socket_ends_the_session_and_keeps_the_transcript() {
        let mut c = connected();
        let effects = c.act(Event::End, 1.0);
        assert_eq!(
            effects,
            [
                Effect::CloseSocket,
                Effect::Hush,
                Effect::EndSession(handle("s1", "t1"))
            ]
        );
        assert!(matches!(c.status, Status::Ended { .. }));
        assert_eq!(c.messages.len(), 1);
        // The close that follows our own ending changes nothing.
        c.act(
            Event::SocketClosed {
                closed: Closed {
                    kind: CloseKind::Final,
                    reason: None,
                },
                jitter: 0.999,
            },
            2.0,
        );
        assert_eq!(
            c.status,
            Status::Ended {
                reason: "You ended this chat.".into()
            }
        );
        assert!(c.act(Event::VisitorSays("hello?".into()), 3.0).is_empty());
    }

    #[test]
    fn a_failed_start_can_be_retried() {
        let mut c = Conversation::default();
        c.act(Event::Open, 0.0);
        c.act(
            Event::SessionFailed {
                reason: "unreachable".into(),
            },
            1.0,
        );
        assert!(matches!(c.status, Status::Failed { .. }));
        assert_eq!(c.act(Event::Retry, 2.0), [Effect::CreateSession]);
    }

    /// A conversation whose platform takes messages over HTTP, its socket blocked: every
    /// try closes before opening.
    fn blocked(posts: bool) -> (Conversation, Vec<Effect>) {
        let mut c = Conversation::default();
        c.fit(Platform {
            keep_alive: false,
            posts,
            ..Platform::default()
        });
        c.act(Event::Open, 0.0);
        c.act(Event::SessionCreated(session()), 1.0);
        c.act(Event::VisitorSays("hello?".into()), 2.0);
        let mut effects = closed(&mut c, 3.0);
        effects.extend(c.act(Event::ReconnectDue, 4.0));
        effects.extend(closed(&mut c, 5.0));
        (c, effects)
    }

    fn post(text: &str, id: u64) -> Effect {
        Effect::Post(VisitorAction::Say {
            text: text.into(),
            context: None,
            client_id: Some(format!("m{id}")),
        })
    }

    #[test]
    fn a_blocked_socket_sends_messages_over_http_with_typing_meanwhile() {
        let (mut c, effects) = blocked(true);
        assert_eq!(c.status, Status::Connected);
        assert!(effects.contains(&post("hello?", 2)), "{effects:?}");
        assert!(
            c.typing,
            "no streaming over HTTP: typing shows until the reply"
        );
        assert_eq!(
            c.notice.as_ref().unwrap().text,
            texts::get(texts::T::NoLiveUpdates)
        );
        c.act(unnamed("hi there"), 6.0);
        assert!(!c.typing);
        assert_eq!(delivery(&c, "hello?"), Delivery::Answered);
        // The next message goes the same way, and no socket is opened again.
        let next = c.act(Event::VisitorSays("and?".into()), 7.0);
        assert_eq!(next, [post("and?", 4)]);
        assert_eq!(
            c.act(Event::HeartbeatDue, 8.0),
            [],
            "no keep-alive over HTTP"
        );
    }

    #[test]
    fn without_an_http_path_a_blocked_socket_is_only_retried() {
        let (c, effects) = blocked(false);
        assert!(matches!(c.status, Status::Reconnecting { .. }));
        assert!(!effects.iter().any(|e| matches!(e, Effect::Post(_))));
    }

    #[test]
    fn a_socket_that_opened_once_is_a_drop_not_a_blocked_network() {
        let mut c = Conversation::default();
        c.fit(Platform {
            posts: true,
            ..Platform::default()
        });
        c.act(Event::Open, 0.0);
        c.act(Event::SessionCreated(session()), 1.0);
        c.act(Event::SocketOpened, 2.0);
        closed(&mut c, 3.0);
        c.act(Event::ReconnectDue, 4.0);
        closed(&mut c, 5.0);
        assert!(
            matches!(c.status, Status::Reconnecting { .. }),
            "one failure to open after a drop is not two in a row"
        );
        c.act(Event::ReconnectDue, 6.0);
        closed(&mut c, 7.0);
        assert_eq!(c.status, Status::Connected, "the second in a row is");
    }

    #[test]
    fn over_http_a_passing_failure_backs_off_and_the_message_goes_again_by_http() {
        let (mut c, _) = blocked(true);
        let error = Event::Agent(AgentEvent::Error(AgentError {
            code: ErrorCode::Other("SERVER_ERROR".into()),
            message: "HTTP 503".into(),
            retryable: true,
            fatal: false,
        }));
        let effects = c.act(error, 6.0);
        assert!(!c.typing);
        assert!(
            effects.iter().any(|e| matches!(e, Effect::ReconnectIn(_))),
            "{effects:?}"
        );
        assert_eq!(c.act(Event::ReconnectDue, 7.0), [post("hello?", 2)]);
    }

    #[test]
    fn over_http_a_call_that_does_not_get_through_tries_the_socket_again() {
        let (mut c, _) = blocked(true);
        let effects = c.act(
            Event::NotSent(VisitorAction::Say {
                text: "hello?".into(),
                context: None,
                client_id: Some("m2".into()),
            }),
            6.0,
        );
        assert!(!c.typing);
        assert_eq!(delivery(&c, "hello?"), Delivery::Pending, "kept, not lost");
        assert!(effects.iter().any(|e| matches!(e, Effect::ReconnectIn(_))));
        assert_eq!(
            c.act(Event::ReconnectDue, 7.0),
            [Effect::Connect(handle("s1", "t1"))]
        );
    }

    #[test]
    fn over_http_a_rejected_token_renews_the_session_at_once() {
        let (mut c, _) = blocked(true);
        c.act(unnamed("hi there"), 6.0);
        let expired = Event::Agent(AgentEvent::Error(AgentError {
            code: ErrorCode::InvalidToken,
            message: "expired".into(),
            retryable: false,
            fatal: true,
        }));
        assert!(c
            .act(expired, 7.0)
            .contains(&Effect::RenewSession(handle("s1", "t1"))));
        // The new session goes on over HTTP.
        c.act(Event::VisitorSays("more".into()), 8.0);
        assert_eq!(
            c.act(Event::SessionCreated(session()), 9.0),
            [post("more", 4)]
        );
    }
}
