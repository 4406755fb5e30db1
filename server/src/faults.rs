//! Fault injection, for testing how a widget survives a bad network or a bad server:
//! dropped sockets (every N frames, or at random from a seed; or at a visitor message's
//! turn: before it is processed, after it is processed with the reply lost, or after the
//! reply), malformed frames, delays, and
//! through the control endpoint: closing with a chosen code, expiring a session, refusing
//! connections for a while. Everything is off unless a flag turns it on.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What to break, from the command line.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Drop the socket (no close frame) after every N frames sent.
    pub drop_every: Option<u64>,
    /// Drop the socket after a frame with this probability (0 to 1), from `seed`.
    pub drop_probability: f64,
    /// Send a malformed frame before every N-th frame.
    pub malformed_every: Option<u64>,
    /// Hold every frame this long before sending it.
    pub delay: Duration,
    /// At a visitor message, drop the socket before processing it (it never reached the
    /// agent), with this probability…
    pub drop_before_turn: f64,
    /// …or process it, then drop the socket instead of sending the reply (the reply is lost)…
    pub drop_instead_of_reply: f64,
    /// …or drop the socket right after sending the reply.
    pub drop_after_reply: f64,
    pub seed: u64,
}

/// What happens around one visitor message (see the `drop_*` fields of [`Faults`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnFate {
    Answer,
    DropBefore,
    LoseReply,
    DropAfterReply,
}

/// What happens to the next outbound frame.
#[derive(Debug, PartialEq, Eq)]
pub struct FrameFate {
    pub malformed_first: bool,
    pub drop_after: bool,
}

/// The faults' running state, shared by all connections.
#[derive(Debug)]
pub struct FaultState {
    faults: Faults,
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    rng: u64,
    /// The visitor-message faults draw from their own sequence, so their fates depend only
    /// on the order of visitor messages, not on how heartbeats fall between them.
    turn_rng: u64,
    frames: u64,
    drops: u64,
    malformed: u64,
    before_turn: u64,
    replies_lost: u64,
    after_reply: u64,
    refuse_until: Option<Instant>,
}

/// Uniform in `[0, 1)`, the next of `state`'s sequence (xorshift64*).
fn random(state: &mut u64) -> f64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
}

/// Malformed frames the server sends when asked to: not JSON, a JSON array, an unknown type,
/// a known type with a wrong field; then (see [`FaultState::malformed_frame`]) a frame nested
/// as deep as a widget's JSON parser takes (128 levels, the payload's object and 126 arrays
/// in it: the deepest value it reads, which must not exhaust its 16 KiB stack) and one nested
/// far deeper (10,000 arrays), which it must refuse.
const MALFORMED: [&str; 4] = [
    "{\"type\":\"agent_response\",\"payload\":{\"text\":",
    "[1,2,3]",
    "{\"type\":\"surprise\",\"payload\":{}}",
    "{\"type\":\"typing_indicator\",\"payload\":{\"isTyping\":\"maybe\"}}",
];

impl FaultState {
    pub fn new(faults: Faults) -> FaultState {
        FaultState {
            inner: Mutex::new(Inner {
                rng: faults.seed.max(1),
                turn_rng: (faults.seed ^ 0x9E37_79B9_7F4A_7C15).max(1),
                frames: 0,
                drops: 0,
                malformed: 0,
                before_turn: 0,
                replies_lost: 0,
                after_reply: 0,
                refuse_until: None,
            }),
            faults,
        }
    }

    pub fn delay(&self) -> Duration {
        self.faults.delay
    }

    /// Decides the fate of the next frame (deterministic for a given seed and frame order).
    pub fn next_frame(&self) -> FrameFate {
        let mut inner = self.inner.lock().unwrap();
        inner.frames += 1;
        let n = inner.frames;
        let malformed_first = self
            .faults
            .malformed_every
            .is_some_and(|k| k > 0 && n.is_multiple_of(k));
        let random = random(&mut inner.rng);
        let drop_after = self
            .faults
            .drop_every
            .is_some_and(|k| k > 0 && n.is_multiple_of(k))
            || random < self.faults.drop_probability;
        if drop_after {
            inner.drops += 1;
        }
        if malformed_first {
            inner.malformed += 1;
        }
        FrameFate {
            malformed_first,
            drop_after,
        }
    }

    /// Decides what happens around the visitor message that just arrived (one draw from the
    /// seed, so a seed repeats its faults for the same order of messages).
    pub fn next_turn(&self) -> TurnFate {
        let f = &self.faults;
        if f.drop_before_turn + f.drop_instead_of_reply + f.drop_after_reply <= 0.0 {
            return TurnFate::Answer;
        }
        let mut inner = self.inner.lock().unwrap();
        let random = random(&mut inner.turn_rng);
        let fate = if random < f.drop_before_turn {
            inner.before_turn += 1;
            TurnFate::DropBefore
        } else if random < f.drop_before_turn + f.drop_instead_of_reply {
            inner.replies_lost += 1;
            TurnFate::LoseReply
        } else if random < f.drop_before_turn + f.drop_instead_of_reply + f.drop_after_reply {
            inner.after_reply += 1;
            TurnFate::DropAfterReply
        } else {
            return TurnFate::Answer;
        };
        inner.drops += 1;
        fate
    }

    /// One of the malformed frames, in turn.
    pub fn malformed_frame(&self) -> String {
        let n = self.inner.lock().unwrap().malformed as usize;
        let nested = |depth: usize| {
            format!(
                "{{\"type\":\"agent_response\",\"payload\":{{\"text\":{}{}}}}}",
                "[".repeat(depth),
                "]".repeat(depth)
            )
        };
        let k = n % (MALFORMED.len() + 2);
        match MALFORMED.get(k) {
            Some(frame) => frame.to_string(),
            None if k == MALFORMED.len() => nested(126),
            None => nested(10_000),
        }
    }

    /// Refuse new connections for `duration`.
    pub fn refuse_for(&self, duration: Duration) {
        self.inner.lock().unwrap().refuse_until = Some(Instant::now() + duration);
    }

    pub fn refusing(&self) -> bool {
        self.inner
            .lock()
            .unwrap()
            .refuse_until
            .is_some_and(|until| Instant::now() < until)
    }

    /// `{frames, drops, malformed}` so far, for the control endpoint and test reports
    /// (`drops` counts every dropped socket); with drops at visitor messages turned on, also
    /// `{beforeTurn, repliesLost, afterReply}`.
    pub fn counts(&self) -> serde_json::Value {
        let inner = self.inner.lock().unwrap();
        let mut counts = serde_json::json!({
            "frames": inner.frames,
            "drops": inner.drops,
            "malformed": inner.malformed,
        });
        let f = &self.faults;
        if f.drop_before_turn + f.drop_instead_of_reply + f.drop_after_reply > 0.0 {
            counts["beforeTurn"] = inner.before_turn.into();
            counts["repliesLost"] = inner.replies_lost.into();
            counts["afterReply"] = inner.after_reply.into();
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_breaks_unless_asked() {
        let state = FaultState::new(Faults::default());
        for _ in 0..1000 {
            assert_eq!(
                state.next_frame(),
                FrameFate {
                    malformed_first: false,
                    drop_after: false
                }
            );
        }
    }

    #[test]
    fn drops_and_malformed_frames_come_when_asked_and_repeat_for_a_seed() {
        let every = FaultState::new(Faults {
            drop_every: Some(3),
            malformed_every: Some(2),
            ..Faults::default()
        });
        let fates: Vec<_> = (0..6).map(|_| every.next_frame()).collect();
        assert_eq!(fates.iter().filter(|f| f.drop_after).count(), 2);
        assert_eq!(fates.iter().filter(|f| f.malformed_first).count(), 3);

        let run = |seed| {
            let state = FaultState::new(Faults {
                drop_probability: 0.1,
                seed,
                ..Faults::default()
            });
            (0..1000)
                .map(|_| state.next_frame().drop_after)
                .collect::<Vec<_>>()
        };
        let drops = run(7).iter().filter(|d| **d).count();
        assert!((60..=140).contains(&drops), "{drops} drops at p=0.1");
        assert_eq!(run(7), run(7), "the same seed gives the same drops");
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn turn_faults_come_in_their_proportions_and_repeat_for_a_seed() {
        assert_eq!(
            FaultState::new(Faults::default()).next_turn(),
            TurnFate::Answer
        );
        let run = |seed| {
            let state = FaultState::new(Faults {
                drop_before_turn: 0.1,
                drop_instead_of_reply: 0.2,
                drop_after_reply: 0.3,
                seed,
                ..Faults::default()
            });
            let fates: Vec<_> = (0..2000).map(|_| state.next_turn()).collect();
            (fates, state.counts())
        };
        let (fates, counts) = run(3);
        let count = |f| fates.iter().filter(|x| **x == f).count();
        assert!((140..=260).contains(&count(TurnFate::DropBefore)));
        assert!((320..=480).contains(&count(TurnFate::LoseReply)));
        assert!((500..=700).contains(&count(TurnFate::DropAfterReply)));
        assert_eq!(counts["beforeTurn"], count(TurnFate::DropBefore) as u64);
        assert_eq!(counts["drops"], (2000 - count(TurnFate::Answer)) as u64);
        assert_eq!(run(3).0, fates, "the same seed gives the same fates");
    }

    #[test]
    fn refusing_lasts_as_long_as_asked() {
        let state = FaultState::new(Faults::default());
        assert!(!state.refusing());
        state.refuse_for(Duration::from_millis(50));
        assert!(state.refusing());
        std::thread::sleep(Duration::from_millis(60));
        assert!(!state.refusing());
    }

    #[test]
    fn the_malformed_frames_come_in_turn_and_two_are_nested_to_the_parsers_limit_and_past_it() {
        let state = FaultState::new(Faults::default());
        let frames: Vec<String> = (0..12)
            .map(|n| {
                state.inner.lock().unwrap().malformed = n;
                state.malformed_frame()
            })
            .collect();
        assert_eq!(frames[0], MALFORMED[0]);
        assert_eq!(frames[6], MALFORMED[0], "in turn");
        // The widget's parser: the one as deep as it goes, the other past it.
        let parse = docent_protocol::json::parse;
        assert!(parse(&frames[4]).is_ok());
        assert!(parse(&frames[4].replacen('[', "[[", 1)).is_err());
        assert!(parse(&frames[5]).is_err());
        assert_eq!(frames[5].matches('[').count(), 10_000);
    }
}
