//! The turn runner and the answered-once cache, for every dialect alike.
//!
//! Each session has one runner, which answers its visitor messages strictly in order
//! (typing on, reply, typing off, lead form) on whichever connection the session has *when
//! the reply is ready*: so a slow reply never delays a pong, and a reply survives the
//! connection it was asked on.
//!
//! A visitor message with a client id is answered once: a resend of one still being
//! answered is ignored, and a resend of one already answered gets the same output again
//! (the reply names the message it answers, so the widget shows it once).
//!
//! In seed-only mode (`Config::seed_only`) the connection sends no ids and asks for the
//! reply on the connection the message came on; if that connection is gone, the reply is
//! lost, as with a server written from seed 002 alone.

use crate::channels::{Outbound, Turn};
use crate::faults::TurnFate;
use crate::sessions::Sessions;
use crate::state::AppState;
use docent_protocol::Outgoing;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

/// Whether a visitor message was seen before.
#[derive(Debug, PartialEq)]
pub enum Seen {
    /// First time: it is recorded and goes to the turn runner.
    New,
    /// Being answered now: ignore the resend.
    InProgress,
    /// Answered before: send the same output again.
    Answered(Vec<Outgoing>),
}

/// Looks a visitor message up in the session's answered-once cache, recording it (and its
/// client id as in progress) when it is new. `None` if the session does not exist.
pub fn check_in(
    sessions: &Sessions,
    id: &str,
    client_id: Option<&str>,
    text: &str,
) -> Option<Seen> {
    sessions.with(id, |s| match client_id {
        Some(cid) if s.answered.contains_key(cid) => {
            s.record.duplicates += 1;
            Seen::Answered(s.answered[cid].clone())
        }
        Some(cid) if s.in_progress.contains(cid) => {
            s.record.duplicates += 1;
            Seen::InProgress
        }
        _ => {
            s.in_progress.extend(client_id.map(str::to_string));
            s.record.visitor_messages.push(text.to_string());
            Seen::New
        }
    })
}

/// Keeps a message's output for its resends, before the output is sent: a resend that
/// races the reply gets it too.
fn remember(sessions: &Sessions, id: &str, client_id: String, output: &[Outgoing]) {
    sessions.with(id, |s| {
        s.in_progress.remove(&client_id);
        s.answered.insert(client_id, output.to_vec());
    });
}

/// Answers a session's turns one after another, as seed 002's lifecycle describes. Ends
/// when the session drops its sender (the session ended) and the queue is drained.
pub async fn run_turns(state: AppState, id: String, mut queue: UnboundedReceiver<Turn>) {
    let typing = |on| Outgoing::Typing {
        agent_id: Some(state.script.agent.id.clone()),
        on,
    };
    let current = || {
        state
            .sessions
            .with(&id, |s| s.current_out.clone())
            .flatten()
    };
    while let Some(turn) = queue.recv().await {
        let (mut reply, lead_form, client_id, fate, reply_on) = match turn {
            Turn::Visitor {
                text,
                client_id,
                fate,
                reply_on,
            } => {
                let answer = state.script.answer(&text);
                (answer.reply, answer.lead_form, client_id, fate, reply_on)
            }
            Turn::Reaction(reply) => (reply, None, None, TurnFate::Answer, None),
        };
        // Where this turn's output goes, looked up afresh for each piece: the connection it
        // came on (seed-only; gone means lost) or the session's connection of the moment.
        let target = || -> Option<UnboundedSender<Outbound>> {
            match &reply_on {
                Some(weak) => weak.upgrade(),
                None => current(),
            }
        };
        let send = |item: Outbound| {
            if let Some(out) = target() {
                let _ = out.send(item);
            }
        };
        reply.reply_to = client_id.clone();
        let said = reply.text.clone();
        state.sessions.with(&id, |s| s.record.replies.push(said));
        send(Outbound::Say(typing(true)));
        tokio::time::sleep(state.config.reply_delay).await;
        let mut output = vec![Outgoing::Reply(reply)];
        output.extend(lead_form.map(Outgoing::LeadForm));
        if let Some(cid) = client_id {
            remember(&state.sessions, &id, cid, &output);
        }
        if fate == TurnFate::LoseReply {
            // Processed, but the connection goes before the reply does.
            send(Outbound::Drop);
            continue;
        }
        let mut output = output.into_iter();
        if let Some(first) = output.next() {
            send(Outbound::Say(first));
        }
        if fate == TurnFate::DropAfterReply {
            send(Outbound::Drop);
            continue;
        }
        send(Outbound::Say(typing(false)));
        output.for_each(|item| send(Outbound::Say(item)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_answered_once_by_its_client_id() {
        let sessions = Sessions::default();
        let id = sessions.create("default".into(), None);
        assert_eq!(check_in(&sessions, &id, Some("m1"), "hi"), Some(Seen::New));
        assert_eq!(
            check_in(&sessions, &id, Some("m1"), "hi"),
            Some(Seen::InProgress)
        );
        let output = vec![Outgoing::Pong { ts: None }];
        remember(&sessions, &id, "m1".into(), &output);
        assert_eq!(
            check_in(&sessions, &id, Some("m1"), "hi"),
            Some(Seen::Answered(output))
        );
        // Without an id every message is new.
        assert_eq!(check_in(&sessions, &id, None, "hi"), Some(Seen::New));
        assert_eq!(check_in(&sessions, &id, None, "hi"), Some(Seen::New));
        let record = sessions.with(&id, |s| s.record.clone()).unwrap();
        assert_eq!((record.visitor_messages.len(), record.duplicates), (3, 2));
        assert_eq!(check_in(&sessions, "nope", None, "hi"), None);
    }
}
