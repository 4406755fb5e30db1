//! When to reconnect and how to deliver: pure policy, tested natively with injected time
//! and randomness. Nothing here names a dialect: live-demo, AUI and Amigo get the same rules.
//!
//! # Delivery toward a server that does not acknowledge
//!
//! A server acknowledges when its answers name the message they answer (live-demo's
//! `replyTo`, Docent's extension). That is learnt, never assumed: until an answer names its
//! message, the server is taken not to acknowledge. Toward such a server:
//! - **One message in flight per connection** ([`window`] is 1). The next one is sent when
//!   the answer to this one has come.
//! - **An answer is attributed only when that is certain** ([`unnamed_answer`]): a server
//!   answers the messages that came on a connection, in order, on that connection. So an
//!   answer on a connection where exactly one message was sent and is unanswered answers that
//!   message. An answer on a connection with nothing in flight answers nothing the widget
//!   asked (the agent spoke on its own): it is shown and credited to no message.
//! - **A connection that closes before its message's answer leaves the message uncertain**:
//!   it may never have arrived, or arrived and had its answer lost. It is sent again, oldest
//!   first, on the next connection (at least once delivery: the agent may see it twice, the
//!   visitor sees one answer). After [`MAX_ATTEMPTS`] connections it is marked "may not have
//!   been delivered", with Send again, instead of being resent without end.
//! - **No answer for [`ANSWER_TIMEOUT_MS`]** (no typing either) on an open connection means
//!   the answer is not coming on it: the connection is replaced and the message goes again,
//!   so the queue behind it never stalls.
//!
//! What the rule takes from the server: one answer per message, on the connection the message
//! came on (an answer for a connection that closed is lost, not delivered on a later one).
//! A server that carries answers over to a later connection must name them (`replyTo`).
//!
//! Toward a server that acknowledges, answers are matched by id, a resend is answered once,
//! and up to [`ACK_WINDOW`] messages are in flight at once, oldest first. (Before its first
//! named answer, an unasked answer while a message is in flight, such as a reaction to the
//! visitor's clicks in the demo, is taken for that message's answer; when the named answer
//! then comes, it is shown as well.)

use docent_protocol::CloseKind;

/// The first retry waits at most this long…
pub const FIRST_RETRY_MS: f64 = 1_000.0;
/// …and no retry waits longer than this (rate-limited ones: four times as long).
pub const MAX_RETRY_MS: f64 = 30_000.0;
/// A connection that stayed up this long was a good one: the next drop starts over at 1 s.
/// (So was one that carried an answer: it did useful work, however short it was.)
pub const STABLE_MS: f64 = 10_000.0;
/// No frame for this long means the connection is dead, whatever the socket says.
pub const SILENCE_MS: f64 = 45_000.0;
/// A message that is the oldest unanswered one on this many connections in a row is marked
/// failed. Only connections that opened count (a server that is down costs no attempts), so
/// this is about a server that takes the message but never answers it. 10, not 6: under the
/// chaos test's faults (a drop every 12 frames plus 3 % random ones) six short connections in a
/// row sometimes all ended before the answer (about one run in eight).
pub const MAX_ATTEMPTS: u32 = 10;

/// Sockets in a row that close before they open, where the platform can take messages
/// over HTTP, before it does: a network that blocks WebSockets (a proxy) fails every time,
/// a passing failure rarely twice.
pub const SOCKET_FAILURES_BEFORE_HTTP: u32 = 2;

/// Messages in flight at once on one connection toward a server that names its answers.
pub const ACK_WINDOW: usize = 8;
/// A message in flight this long with no sign of its answer (typing, a reply) is taken as
/// lost with the connection's answer: the connection is replaced and the message resent.
pub const ANSWER_TIMEOUT_MS: f64 = 60_000.0;

/// How many visitor messages may be in flight on one connection: toward a server that has
/// shown it names its answers, a window; toward any other, one at a time.
pub fn window(server_acks: bool) -> usize {
    if server_acks {
        ACK_WINDOW
    } else {
        1
    }
}

/// Which of the messages in flight on this connection (oldest first) an answer that names
/// no message answers, from a server that does not name its answers: the only one, if there
/// is exactly one. With none, the agent spoke unasked; with more, no answer is certain (the
/// window keeps it from happening).
pub fn unnamed_answer(in_flight: &[u64]) -> Option<u64> {
    match in_flight {
        [only] => Some(*only),
        _ => None,
    }
}

/// Exponential backoff with full jitter: attempt `n` waits a random time in
/// `[0, min(cap, first × 2ⁿ))`, so many widgets dropped together do not return together.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Backoff {
    attempt: u32,
}

impl Backoff {
    /// The wait before the next attempt; `random` is uniform in `[0, 1)`.
    pub fn next_delay(&mut self, kind: CloseKind, random: f64) -> u32 {
        let slower = if kind == CloseKind::RateLimited {
            4.0
        } else {
            1.0
        };
        let ceiling =
            (FIRST_RETRY_MS * 2f64.powi(self.attempt.min(16) as i32)).min(MAX_RETRY_MS) * slower;
        self.attempt += 1;
        (random.clamp(0.0, 1.0) * ceiling).round() as u32
    }

    /// A connection closed after staying up `uptime_ms`: a stable one, or one that carried
    /// an answer, resets the backoff.
    pub fn connection_lasted(&mut self, uptime_ms: f64, carried_an_answer: bool) {
        if uptime_ms >= STABLE_MS || carried_an_answer {
            self.attempt = 0;
        }
    }

    pub fn attempts(&self) -> u32 {
        self.attempt
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_without_acknowledgements_gets_one_message_at_a_time() {
        assert_eq!(window(false), 1);
        assert_eq!(window(true), ACK_WINDOW);
        assert_eq!(
            unnamed_answer(&[]),
            None,
            "nothing asked: the agent spoke unasked"
        );
        assert_eq!(unnamed_answer(&[7]), Some(7));
        assert_eq!(unnamed_answer(&[7, 8]), None, "two in flight: not certain");
    }

    #[test]
    fn delays_grow_to_the_cap_with_full_jitter() {
        let mut backoff = Backoff::default();
        let ceilings: Vec<u32> = (0..8)
            .map(|_| backoff.next_delay(CloseKind::Retry, 0.999_999))
            .collect();
        assert_eq!(
            ceilings,
            [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]
        );
        let mut backoff = Backoff::default();
        assert_eq!(
            backoff.next_delay(CloseKind::Retry, 0.0),
            0,
            "full jitter reaches zero"
        );
        assert_eq!(backoff.next_delay(CloseKind::Retry, 0.5), 1_000);
    }

    #[test]
    fn the_first_retry_comes_within_a_second() {
        for random in [0.0, 0.3, 0.7, 0.999] {
            assert!(Backoff::default().next_delay(CloseKind::Retry, random) <= 1_000);
        }
    }

    #[test]
    fn rate_limits_back_off_longer() {
        let mut backoff = Backoff::default();
        assert_eq!(backoff.next_delay(CloseKind::RateLimited, 0.999_999), 4_000);
        for _ in 0..10 {
            backoff.next_delay(CloseKind::RateLimited, 0.5);
        }
        assert_eq!(
            backoff.next_delay(CloseKind::RateLimited, 0.999_999),
            120_000
        );
    }

    #[test]
    fn a_connection_that_stayed_up_resets_the_backoff_and_a_short_one_does_not() {
        let mut backoff = Backoff::default();
        for _ in 0..4 {
            backoff.next_delay(CloseKind::Retry, 0.5);
        }
        backoff.connection_lasted(2_000.0, false);
        assert_eq!(backoff.attempts(), 4);
        backoff.connection_lasted(STABLE_MS, false);
        assert_eq!(backoff.attempts(), 0);
        backoff.next_delay(CloseKind::Retry, 0.5);
        backoff.connection_lasted(100.0, true);
        assert_eq!(
            backoff.attempts(),
            0,
            "a short connection that got an answer was good too"
        );
        assert!(backoff.next_delay(CloseKind::Retry, 0.999) <= 1_000);
    }
}
