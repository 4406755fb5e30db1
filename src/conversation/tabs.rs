//! One conversation in every tab of a site. One tab, the leader (the browser's lock picks
//! it), runs the conversation and the connection; the others follow: they show the leader's
//! state ([`Shared`], broadcast after each change) and hand the visitor's doings to the
//! leader ([`Ask`]). The rules here are pure; the shell (`chat/tabs.rs`) carries the notes.
//!
//! - A follower keeps its own window open or closed; all else it shows is the leader's.
//! - A follower asks; it never connects. What the visitor says or does becomes an `Ask`,
//!   the connection's events (it has none) are dropped.
//! - Hand-over: when the leader goes, the next leader continues from its latest copy as a
//!   reload continues a saved conversation: what was on its way goes again (answered once),
//!   a half-streamed reply is dropped (it comes again whole), an ended chat stays ended.
//! - Page commands run in the tab the visitor is looking at ([`Tabs::commands_tab`]).

use super::{host, Conversation, Effect, Event, HostEvent, LeadFormState, Notice, Snapshot};
use super::{Status, TourStep};
use crate::texts;
use docent_protocol::{LeadField, LeadForm, PageCommand, PageEvent};

/// A lead form as followers get it: its fields' names (each field is rebuilt from its
/// name, as every platform's is), the call to action (text, page), and whether it was sent.
pub type SharedLead = (Vec<String>, Option<String>, Option<String>, bool);

/// What a follower shows: the leader's state, as the leader last broadcast it. (Never
/// cloned nor compared outside tests: the shell keeps and compares a note's words.)
#[cfg_attr(test, derive(Debug, PartialEq))]
pub struct Shared {
    /// The transcript with deliveries, the session and what a reload keeps.
    pub saved: Snapshot,
    pub status: Status,
    pub typing: bool,
    pub notice: Option<String>,
    pub lead: Option<SharedLead>,
    /// The tour: step, of how many, doing what.
    pub tour: Option<(usize, usize, String)>,
    pub activity: Option<String>,
    pub returned: Option<(u64, String)>,
    /// The agent message still streaming in, if one is.
    pub streaming: Option<u64>,
    /// Replies no tab's open window has shown yet (the launcher's badge).
    pub unread: usize,
    /// Replies are read aloud (in one tab: [`Tabs::commands_tab`]'s).
    pub speaker: bool,
}

/// What a follower asks the leader to do: an [`Event`] of the visitor's doings (send, Retry,
/// End chat, lead form, chip, Stop, a new chat, the speaker), of its tour's progress, and
/// `Start` (its window opened) or `Hidden` (it is shown or not), which the leader applies
/// as its own (`Hidden` it counts first). Only those travel ([`Conversation::follower_event`]).
pub type Ask = Event;

/// What one tab tells the others over the site's channel, as text ([`Note::words`]).
#[cfg_attr(test, derive(Debug, PartialEq))]
pub enum Note {
    /// From a tab: what it asks, numbered (or, with `Shown`, that it is here).
    Ask(u32, u32, Ask),
    /// From the leader: its state after a change, and up to which number it has done each
    /// tab's asks.
    State(u32, Box<Shared>, Vec<(u32, u32)>),
    /// From the leader: page commands (their wire form) for one tab to run.
    Run(u32, Vec<PageCommand>),
    /// From the leader: stop running page commands, whichever tab runs them.
    Cancel,
    /// From the leader: a reply for one tab to read aloud.
    Speak(u32, String),
    /// Stop reading aloud, in every tab.
    Hush,
    /// From a tab: it is closing.
    Gone(u32),
}

// Notes travel as lists of strings (a JS array), read and written by hand: serde's derived
// code for these types weighed 12 KB of wasm (brotli), and JSON built by hand 8 KB. The
// transcript goes as the snapshot's own JSON (`Snapshot::to_json`, also used for storage).
// An absent text is "", a present one "+text"; a number is its digits; yes is "1".

fn put(out: &mut Vec<String>, text: &Option<String>) {
    out.push(text.as_ref().map_or(String::new(), |t| ["+", t].concat()));
}

/// A reader of a note's words, in order.
struct Words<'a>(std::slice::Iter<'a, String>);

impl Words<'_> {
    fn word(&mut self) -> &str {
        self.0.next().map_or("", String::as_str)
    }
    fn text(&mut self) -> Option<String> {
        self.word().strip_prefix('+').map(str::to_string)
    }
    fn number(&mut self) -> u64 {
        self.word().parse().unwrap_or_default()
    }
    fn yes(&mut self) -> bool {
        self.word() == "1"
    }
}

impl Note {
    pub fn words(&self) -> Vec<String> {
        let head = |code: &str, tab: &u32| vec![code.to_string(), tab.to_string()];
        match self {
            Note::Ask(from, n, ask) => {
                let mut out = head("a", from);
                out.push(n.to_string());
                write_ask(ask, &mut out);
                out
            }
            Note::State(leader, shared, acks) => {
                let mut out = head("s", leader);
                out.push(acks.len().to_string());
                for (tab, n) in acks {
                    out.extend([tab.to_string(), n.to_string()]);
                }
                shared.write(&mut out);
                out
            }
            Note::Run(to, commands) => {
                // Each command as three words: its action, selector (or page), and value.
                // Not the wire's JSON: a build whose platform has no page commands would
                // carry a JSON writer and reader, and their checks, for this alone.
                let mut out = head("r", to);
                for command in commands {
                    let (target, value) = match command {
                        PageCommand::Navigate { url: t }
                        | PageCommand::Click { selector: t }
                        | PageCommand::Highlight { selector: t }
                        | PageCommand::Scroll { selector: t } => (t, String::new()),
                        PageCommand::Type { selector, text: v }
                        | PageCommand::Select {
                            selector,
                            option: v,
                        } => (selector, v.clone()),
                        PageCommand::Wait {
                            selector,
                            timeout_ms,
                        } => (selector, timeout_ms.to_string()),
                    };
                    out.extend([command.action().into(), target.clone(), value]);
                }
                out
            }
            Note::Cancel => head("c", &0),
            Note::Speak(to, text) => {
                let mut out = head("v", to);
                out.push(text.clone());
                out
            }
            Note::Hush => head("h", &0),
            Note::Gone(from) => head("g", from),
        }
    }

    /// The note in `words`, or `None` if they are not one (another version's, say).
    pub fn read(words: &[String]) -> Option<Note> {
        let mut w = Words(words.iter());
        let code = w.word().to_string();
        let tab = w.number() as u32;
        Some(match code.as_str() {
            "a" => Note::Ask(tab, w.number() as u32, read_ask(&mut w)?),
            "s" => {
                let acks = (0..w.number())
                    .map(|_| (w.number() as u32, w.number() as u32))
                    .collect();
                Note::State(tab, Shared::read(&mut w)?.into(), acks)
            }
            "r" => {
                let mut commands = Vec::new();
                while w.0.len() > 2 {
                    let action = w.word().to_string();
                    let (t, v) = (w.word().to_string(), w.word().to_string());
                    commands.push(match action.as_str() {
                        "navigate" => PageCommand::Navigate { url: t },
                        "click" => PageCommand::Click { selector: t },
                        "type" => PageCommand::Type {
                            selector: t,
                            text: v,
                        },
                        "highlight" => PageCommand::Highlight { selector: t },
                        "scroll" => PageCommand::Scroll { selector: t },
                        "wait" => PageCommand::Wait {
                            selector: t,
                            timeout_ms: v.parse::<u64>().unwrap_or_default() as u32,
                        },
                        "select" => PageCommand::Select {
                            selector: t,
                            option: v,
                        },
                        _ => continue,
                    });
                }
                Note::Run(tab, commands)
            }
            "c" => Note::Cancel,
            "v" => Note::Speak(tab, w.word().into()),
            "h" => Note::Hush,
            "g" => Note::Gone(tab),
            _ => return None,
        })
    }
}

impl Shared {
    fn write(&self, out: &mut Vec<String>) {
        let (status, in_ms, reason) = match &self.status {
            Status::Idle => (0, 0, None),
            Status::Starting => (1, 0, None),
            Status::Connecting => (2, 0, None),
            Status::Connected => (3, 0, None),
            Status::Reconnecting { in_ms } => (4, *in_ms, None),
            Status::Offline => (5, 0, None),
            Status::Failed { reason } => (6, 0, Some(reason.clone())),
            Status::Ended { reason } => (7, 0, Some(reason.clone())),
        };
        out.push(self.saved.to_json());
        out.extend([status.to_string(), in_ms.to_string()]);
        put(out, &reason);
        out.push(if self.typing { "1" } else { "" }.into());
        put(out, &self.notice);
        put(out, &self.activity);
        let (step, total) = self.tour.as_ref().map_or((0, 0), |t| (t.0, t.1));
        put(out, &self.tour.as_ref().map(|t| t.2.clone()));
        out.extend([step.to_string(), total.to_string()]);
        let (id, returned) = self.returned.clone().unzip();
        put(out, &returned);
        out.extend([id.unwrap_or_default().to_string()]);
        put(out, &self.streaming.map(|id| id.to_string()));
        out.push(self.unread.to_string());
        out.push(if self.speaker { "1" } else { "" }.into());
        if let Some((names, text, url, sent)) = &self.lead {
            out.push(if *sent { "1" } else { "" }.into());
            put(out, text);
            put(out, url);
            out.extend(names.iter().cloned());
        }
    }

    fn read(w: &mut Words) -> Option<Shared> {
        let saved = Snapshot::from_json(w.word()).ok()?;
        let (status, in_ms, reason) = (w.number(), w.number() as u32, w.text());
        let reason = reason.unwrap_or_default();
        let status = match status {
            0 => Status::Idle,
            1 => Status::Starting,
            2 => Status::Connecting,
            3 => Status::Connected,
            4 => Status::Reconnecting { in_ms },
            5 => Status::Offline,
            6 => Status::Failed { reason },
            _ => Status::Ended { reason },
        };
        let typing = w.yes();
        let notice = w.text();
        let activity = w.text();
        let tour = w
            .text()
            .map(|doing| (w.number() as usize, w.number() as usize, doing));
        if tour.is_none() {
            w.number();
            w.number();
        }
        let returned = w.text().map(|text| (w.number(), text));
        if returned.is_none() {
            w.number();
        }
        let streaming = w.text().and_then(|id| id.parse().ok());
        let unread = w.number() as usize;
        let speaker = w.yes();
        let lead = (w.0.len() > 0).then(|| {
            let sent = w.yes();
            let (text, url) = (w.text(), w.text());
            (w.0.by_ref().cloned().collect(), text, url, sent)
        });
        Some(Shared {
            saved,
            status,
            typing,
            notice,
            lead,
            tour,
            activity,
            returned,
            streaming,
            unread,
            speaker,
        })
    }
}

fn write_ask(ask: &Ask, out: &mut Vec<String>) {
    let mut word = |w: &str| out.push(w.to_string());
    match ask {
        Event::Start => word("S"),
        Event::VisitorSays(text) => {
            word("s");
            word(text);
        }
        Event::RetryMessage(id) => {
            word("m");
            word(&id.to_string());
        }
        Event::LeadSubmitted(values) => {
            word("l");
            for (name, value) in values {
                word(name);
                word(value);
            }
        }
        Event::Retry => word("r"),
        Event::End => word("e"),
        Event::StartNew => word("n"),
        Event::StopCommands => word("x"),
        Event::Hidden(hidden) => word(if *hidden { "h" } else { "v" }),
        Event::Speaker(on) => word(if *on { "P" } else { "p" }),
        Event::VisitorActivity(e) => {
            word("a");
            word(&e.event);
            for field in [&e.selector, &e.url, &e.action, &e.error] {
                put(out, field);
            }
        }
        Event::CommandStarted {
            step,
            total,
            description,
        } => {
            word("c");
            word(&step.to_string());
            word(&total.to_string());
            word(description);
        }
        Event::CommandFailed {
            action,
            selector,
            error,
        } => {
            word("f");
            word(action);
            word(error);
            put(out, selector);
        }
        Event::CommandsDone => word("d"),
        // Nothing else is asked (`follower_event`); read back, it is no ask.
        _ => {}
    }
}

fn read_ask(w: &mut Words) -> Option<Ask> {
    Some(match w.word() {
        "S" => Event::Start,
        "s" => Event::VisitorSays(w.word().into()),
        "m" => Event::RetryMessage(w.number()),
        "l" => {
            let mut values = Vec::new();
            while w.0.len() > 1 {
                values.push((w.word().into(), w.word().into()));
            }
            Event::LeadSubmitted(values)
        }
        "r" => Event::Retry,
        "e" => Event::End,
        "n" => Event::StartNew,
        "x" => Event::StopCommands,
        "v" => Event::Hidden(false),
        "h" => Event::Hidden(true),
        "P" => Event::Speaker(true),
        "p" => Event::Speaker(false),
        "a" => Event::VisitorActivity(PageEvent {
            event: w.word().into(),
            selector: w.text(),
            url: w.text(),
            action: w.text(),
            error: w.text(),
        }),
        "c" => Event::CommandStarted {
            step: w.number() as usize,
            total: w.number() as usize,
            description: w.word().into(),
        },
        "f" => Event::CommandFailed {
            action: w.word().into(),
            error: w.word().into(),
            selector: w.text(),
        },
        "d" => Event::CommandsDone,
        _ => return None,
    })
}

impl Conversation {
    /// What followers are shown (undated: the same state, the same words).
    pub fn shared(&self) -> Shared {
        Shared {
            saved: self.snapshot(0.0),
            status: self.status.clone(),
            typing: self.typing,
            notice: self.notice.as_ref().map(|n| n.text.clone()),
            lead: self.lead_form.as_ref().map(|l| {
                let names = l.form.fields.iter().map(|f| f.name.clone()).collect();
                let form = &l.form;
                (
                    names,
                    form.cta_text.clone(),
                    form.cta_url.clone(),
                    l.submitted,
                )
            }),
            tour: self
                .tour
                .as_ref()
                .map(|t| (t.step, t.total, t.doing.clone())),
            activity: self.activity.clone(),
            returned: self.returned_text.clone(),
            streaming: self.streaming,
            unread: self.unread,
            speaker: self.speaker,
        }
    }

    /// A follower's own event: its window opening and closing is its own (an opening asks
    /// the leader to start the session, or shows the replies waiting unread); so is its
    /// speaker, which the leader hears of too; what the visitor says or does goes to the
    /// leader; the rest (connection, timers) has nothing to do in a follower. The effects
    /// are only the host page's events, which the follower tells itself, and hushing.
    pub fn follower_event(&mut self, event: Event, now_ms: f64) -> (Vec<Effect>, Option<Ask>) {
        let ask = match event {
            Event::Open | Event::Close | Event::Speaker(_) => {
                let ask = match event {
                    Event::Speaker(on) => Some(Event::Speaker(on)),
                    Event::Open if self.status == Status::Idle || self.unread > 0 => {
                        Some(Event::Start)
                    }
                    _ => None,
                };
                let effects = self.apply(event, now_ms);
                let told = effects
                    .into_iter()
                    .filter(|e| matches!(e, Effect::Announce(_) | Effect::Hush))
                    .collect();
                return (told, ask);
            }
            Event::LeadSubmitted(values) => {
                // The host page of the tab where the visitor sent it hears of it.
                let unsent = self.lead_form.as_ref().is_some_and(|l| !l.submitted);
                let told = unsent.then(|| Effect::Announce(HostEvent::Lead(values.clone())));
                return (
                    told.into_iter().collect(),
                    Some(Event::LeadSubmitted(values)),
                );
            }
            Event::Hidden(_)
            | Event::VisitorSays(_)
            | Event::RetryMessage(_)
            | Event::Retry
            | Event::End
            | Event::StartNew
            | Event::StopCommands
            | Event::VisitorActivity(_)
            | Event::CommandStarted { .. }
            | Event::CommandFailed { .. }
            | Event::CommandsDone => event,
            _ => return (vec![], None),
        };
        (vec![], Some(ask))
    }

    /// Shows the leader's state, keeping this tab's window as it is; the effects are the
    /// host page's events for what changed. An open window on a chat that never started
    /// asks the leader to start it (its first ask may have come before there was a leader),
    /// and an open window shows the replies waiting unread: the leader hears they are seen.
    pub fn follow(&mut self, shared: Shared) -> (Vec<Effect>, Option<Ask>) {
        let before = host::Glance::of(self);
        let saved = shared.saved;
        self.agent_name = saved.agent_name;
        self.session = saved.session;
        self.messages = saved.messages;
        self.suggestions = saved.suggestions;
        self.next_id = saved.next_id;
        self.lead_details = saved.lead_details;
        self.link.session_worked = saved.session_worked;
        self.outbox.server_acks = saved.server_acks;
        self.status = shared.status;
        self.typing = shared.typing;
        self.notice = shared.notice.map(|text| Notice { text });
        self.follow_lead(shared.lead);
        self.tour = shared
            .tour
            .map(|(step, total, doing)| TourStep { step, total, doing });
        self.activity = shared.activity;
        self.returned_text = shared.returned;
        self.streaming = shared.streaming;
        self.unread = shared.unread;
        self.speaker = shared.speaker;
        let by_visitor = matches!(&self.status,
            Status::Ended { reason } if *reason == texts::get(texts::T::VisitorEnded));
        let told = before.host_events(self, by_visitor);
        let start = self.open && (self.status == Status::Idle || self.unread > 0);
        (
            told.into_iter().map(Effect::Announce).collect(),
            start.then_some(Event::Start),
        )
    }

    /// This tab becomes the leader, from `latest` (what the old leader showed last, or this
    /// tab's own state): as a reload restores a saved conversation, with this tab's window
    /// (`mine`'s) open or not. Effects reconnect the session (or start one, if the window is
    /// open and there was none); an ended chat stays ended.
    pub fn take_over(
        latest: Shared,
        mine: &Conversation,
        now_ms: f64,
    ) -> (Conversation, Vec<Effect>) {
        let mut saved = latest.saved;
        saved.open = mine.open;
        // A reply cut off mid-stream comes again whole: the answer to a message resent.
        if let Some(id) = latest.streaming {
            saved.messages.retain(|m| m.id != id);
        }
        let ended = matches!(latest.status, Status::Ended { .. });
        if ended {
            saved.session = None;
        }
        let (mut c, effects) = Conversation::from_snapshot(saved, now_ms);
        c.platform = mine.platform;
        c.can_speak = mine.can_speak;
        c.sound = mine.sound;
        // The lead form, the badge and the speaker stay as they were (a reload loses the
        // form and the badge; a hand-over need not).
        c.follow_lead(latest.lead);
        c.unread = if c.open { 0 } else { latest.unread };
        c.speaker = latest.speaker;
        if ended {
            c.status = latest.status;
            return (c, vec![]);
        }
        (c, effects)
    }

    fn follow_lead(&mut self, lead: Option<SharedLead>) {
        self.lead_form = lead.map(|(names, cta_text, cta_url, submitted)| LeadFormState {
            form: LeadForm {
                fields: names.iter().map(|n| LeadField::from_name(n)).collect(),
                cta_text,
                cta_url,
            },
            submitted,
        });
    }
}

/// The tabs the leader has heard from, for where page commands run and whether anyone is
/// looking (a hidden leader must not hold back a reconnect while a follower is in view).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tabs {
    /// Each tab and whether it is shown, the most recently shown last.
    seen: Vec<(u32, bool)>,
    /// The tab whose visitor sent the latest message.
    sender: Option<u32>,
    /// Each tab's asks done, up to which number (kept across hand-overs).
    pub acks: Vec<(u32, u32)>,
}

impl Tabs {
    /// Ask number `n` of `tab`: true the first time. A follower asks the next leader again
    /// what the last one may not have had, so an ask is done once, whichever leader has it.
    pub fn fresh(&mut self, tab: u32, n: u32) -> bool {
        match self.acks.iter_mut().find(|(t, _)| *t == tab) {
            Some((_, done)) if *done >= n => false,
            Some((_, done)) => {
                *done = n;
                true
            }
            None => {
                self.acks.push((tab, n));
                true
            }
        }
    }

    /// A tab is here, shown or hidden.
    pub fn shown(&mut self, tab: u32, shown: bool) {
        self.seen.retain(|(t, _)| *t != tab);
        self.seen.push((tab, shown));
    }

    pub fn gone(&mut self, tab: u32) {
        self.seen.retain(|(t, _)| *t != tab);
        if self.sender == Some(tab) {
            self.sender = None;
        }
    }

    /// The visitor sent a message from `tab`.
    pub fn said(&mut self, tab: u32) {
        self.sender = Some(tab);
    }

    /// Whether a tab besides `me` is here: the leader has someone to tell. (A visitor with
    /// one tab, most visitors, costs the leader nothing per event.)
    pub fn others(&self, me: u32) -> bool {
        self.seen.iter().any(|(t, _)| *t != me)
    }

    /// Whether any tab is in view.
    pub fn any_shown(&self) -> bool {
        self.seen.iter().any(|(_, shown)| *shown)
    }

    /// Where page commands run: in the tab whose visitor sent the latest message if it is
    /// in view, else in the tab shown most recently; never in a background tab while one is
    /// in view. With none in view, the sender's (or `me`, the leader).
    pub fn commands_tab(&self, me: u32) -> u32 {
        let shown = |tab: u32| self.seen.contains(&(tab, true));
        match self.sender {
            Some(tab) if shown(tab) => tab,
            sender => self
                .seen
                .iter()
                .rev()
                .find(|(_, shown)| *shown)
                .map(|(tab, _)| *tab)
                .or(sender)
                .unwrap_or(me),
        }
    }
}

/// A follower's asks that no leader has shown as done yet: asked again of the next leader,
/// or done by this tab itself if it becomes the leader. Each is kept as its note's words.
#[derive(Debug, Default, PartialEq)]
pub struct Asks {
    last: u32,
    waiting: Vec<(u32, Vec<String>)>,
}

impl Asks {
    /// Numbers an ask of tab `me` and keeps it until it is seen done: the note's words.
    pub fn push(&mut self, me: u32, ask: Ask) -> Vec<String> {
        self.last += 1;
        let words = Note::Ask(me, self.last, ask).words();
        self.waiting.push((self.last, words.clone()));
        words
    }

    /// The leader has done `me`'s asks up to the number in `acks`.
    pub fn done(&mut self, me: u32, acks: &[(u32, u32)]) {
        if let Some((_, n)) = acks.iter().find(|(t, _)| *t == me) {
            self.waiting.retain(|(m, _)| m > n);
        }
    }

    /// The asks still waiting, to ask a new leader again.
    pub fn waiting(&self) -> Vec<Vec<String>> {
        self.waiting
            .iter()
            .map(|(_, words)| words.clone())
            .collect()
    }

    /// The asks still waiting, for this tab to do now that it leads.
    pub fn take(&mut self) -> Vec<Ask> {
        let read = |(_, words): (u32, Vec<String>)| match Note::read(&words) {
            Some(Note::Ask(_, _, ask)) => Some(ask),
            _ => None,
        };
        self.waiting.drain(..).filter_map(read).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::test_support::*;
    use crate::conversation::Delivery;

    /// What a follower last saw of `leader`, through the wire (JSON) as it travels.
    fn seen(leader: &Conversation) -> Shared {
        let note = Note::State(1, leader.shared().into(), vec![(7, 2)]).words();
        match Note::read(&note).unwrap() {
            Note::State(_, shared, acks) => {
                assert_eq!(acks, [(7, 2)]);
                *shared
            }
            other => panic!("{other:?}"),
        }
    }

    /// A tab's own conversation, its window open or not.
    fn window(open: bool) -> Conversation {
        Conversation {
            open,
            ..Conversation::default()
        }
    }

    fn texts(c: &Conversation) -> Vec<(&str, Delivery)> {
        c.messages
            .iter()
            .map(|m| (m.text.as_str(), m.delivery))
            .collect()
    }

    #[test]
    fn a_follower_shows_the_leaders_state_but_keeps_its_own_window() {
        let mut leader = connected();
        leader.act(Event::VisitorSays("Create a deal".into()), 3.0);
        leader.act(Event::Agent(AgentEvent::Typing(true)), 4.0);
        let mut follower = Conversation::default();
        let (told, ask) = follower.follow(seen(&leader));
        assert_eq!(ask, None, "its window is closed: nothing to start");
        assert!(!follower.open);
        assert_eq!(texts(&follower), texts(&leader));
        assert!(follower.typing);
        assert_eq!(follower.status, Status::Connected);
        assert_eq!(told.len(), 2, "each message is news to its host page, once");
        let (told, _) = follower.follow(seen(&leader));
        assert_eq!(told, [], "nothing new");
    }

    #[test]
    fn a_follower_asks_and_never_connects() {
        let mut follower = Conversation::default();
        let (told, ask) = follower.follower_event(Event::Open, 1.0);
        assert_eq!(told, [Effect::Announce(HostEvent::Open)]);
        assert_eq!(ask, Some(Event::Start), "the leader starts the session");
        for quiet in [
            Event::Tick,
            Event::HeartbeatDue,
            Event::ReconnectDue,
            Event::Online(true),
        ] {
            assert_eq!(follower.follower_event(quiet, 2.0), (vec![], None));
        }
        let (told, ask) = follower.follower_event(Event::VisitorSays("hi".into()), 3.0);
        assert_eq!((told, ask), (vec![], Some(Event::VisitorSays("hi".into()))));
        assert!(
            follower.messages.is_empty(),
            "shown when the leader says so"
        );
        // A leader that had not started when the first ask went: asked again.
        let (_, ask) = follower.follow(seen(&Conversation::default()));
        assert_eq!(ask, Some(Event::Start));
    }

    #[test]
    fn leader_gone_before_the_reply_the_message_goes_again_once() {
        let mut leader = connected();
        leader.act(Event::VisitorSays("Show contacts".into()), 3.0);
        let latest = seen(&leader);
        // The leader tab closes; a follower with its window open takes over.
        let (mut next, effects) = Conversation::take_over(latest, &window(true), 5.0);
        assert_eq!(
            effects,
            [Effect::Connect(handle("s1", "t1"))],
            "same session"
        );
        assert_eq!(
            next.act(Event::SocketOpened, 6.0),
            [say("Show contacts", 2)]
        );
        next.act(reply_to("Here are your contacts", 2), 7.0);
        let shown: Vec<_> = next.messages.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(
            shown,
            ["Hi, I'm Ava", "Show contacts", "Here are your contacts"]
        );
        assert!(next.open);
    }

    #[test]
    fn leader_gone_after_the_reply_nothing_goes_again() {
        let mut leader = connected();
        leader.act(Event::VisitorSays("Show contacts".into()), 3.0);
        leader.act(reply_to("Here are your contacts", 2), 4.0);
        let (mut next, effects) = Conversation::take_over(seen(&leader), &window(false), 6.0);
        assert_eq!(effects, [Effect::Connect(handle("s1", "t1"))]);
        assert_eq!(next.act(Event::SocketOpened, 7.0), [], "nothing to resend");
        assert_eq!(texts(&next), texts(&leader));
        assert!(!next.open, "the new leader's window stays as it was");
    }

    #[test]
    fn leader_gone_mid_stream_the_cut_reply_comes_again_whole() {
        let mut leader = connected();
        leader.act(Event::VisitorSays("advice".into()), 3.0);
        leader.act(
            Event::Agent(AgentEvent::TextDelta("Half of it".into())),
            4.0,
        );
        let latest = seen(&leader);
        assert_eq!(latest.streaming, Some(3));
        let (mut next, _) = Conversation::take_over(latest, &window(true), 6.0);
        assert_eq!(next.act(Event::SocketOpened, 7.0), [say("advice", 2)]);
        next.act(reply_to("All of it", 2), 8.0);
        let shown: Vec<_> = next.messages.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(shown, ["Hi, I'm Ava", "advice", "All of it"]);
    }

    #[test]
    fn an_ended_chat_stays_ended_after_a_hand_over() {
        let mut leader = connected();
        leader.act(Event::End, 3.0);
        let (next, effects) = Conversation::take_over(seen(&leader), &window(true), 5.0);
        assert_eq!(effects, []);
        assert!(matches!(next.status, Status::Ended { .. }));
        // Without a leader yet, a tab alone takes over from its own state: a fresh one
        // opened starts a session.
        let mut alone = Conversation::default();
        alone.follower_event(Event::Open, 1.0);
        let (_, effects) = Conversation::take_over(alone.shared(), &alone, 2.0);
        assert_eq!(effects, [Effect::CreateSession]);
    }

    #[test]
    fn the_lead_form_and_tour_follow() {
        let mut leader = connected();
        leader.act(
            Event::Agent(AgentEvent::LeadForm(LeadForm {
                fields: vec![LeadField::from_name("email")],
                cta_text: Some("Book".into()),
                cta_url: None,
            })),
            3.0,
        );
        leader.act(
            Event::CommandStarted {
                step: 1,
                total: 2,
                description: "Opening deals".into(),
            },
            4.0,
        );
        let mut follower = Conversation::default();
        follower.follow(seen(&leader));
        assert_eq!(follower.lead_form, leader.lead_form);
        assert_eq!(follower.tour, leader.tour);
        let lead = vec![("email".to_string(), "a@b.co".to_string())];
        let (told, ask) = follower.follower_event(Event::LeadSubmitted(lead.clone()), 6.0);
        assert_eq!(told, [Effect::Announce(HostEvent::Lead(lead.clone()))]);
        assert_eq!(ask, Some(Event::LeadSubmitted(lead)));
    }

    #[test]
    fn the_badge_counts_what_no_open_window_showed() {
        let mut leader = connected();
        leader.act(Event::Close, 3.0);
        leader.act(unnamed("One"), 4.0);
        let (mut closed, mut open) = (window(false), window(false));
        open.follower_event(Event::Open, 4.5);
        assert_eq!(closed.follow(seen(&leader)).1, None);
        assert_eq!(
            closed.unread, 1,
            "a tab with its window closed shows the badge"
        );
        let (_, ask) = open.follow(seen(&leader));
        assert_eq!(ask, Some(Event::Start), "an open window has shown it: seen");
        leader.act(ask.unwrap(), 6.0);
        assert_eq!(leader.unread, 0);
        closed.follow(seen(&leader));
        assert_eq!(closed.unread, 0, "seen in one tab, seen in all");
        // Opening a follower's window with replies waiting tells the leader too.
        leader.act(unnamed("Two"), 8.0);
        closed.follow(seen(&leader));
        let (_, ask) = closed.follower_event(Event::Open, 10.0);
        assert_eq!((closed.unread, ask), (0, Some(Event::Start)));
        // A new leader keeps the count its window has not shown.
        let (next, _) = Conversation::take_over(seen(&leader), &window(false), 12.0);
        assert_eq!(next.unread, 1);
    }

    #[test]
    fn the_speaker_follows_and_the_new_leader_keeps_it() {
        let mut leader = connected();
        let mut follower = window(true);
        follower.can_speak = true;
        follower.follow(seen(&leader));
        let (told, ask) = follower.follower_event(Event::Speaker(true), 4.0);
        assert_eq!(told, []);
        assert_eq!(ask, Some(Event::Speaker(true)));
        assert!(follower.speaker, "the toggle shows at once");
        leader.act(Event::Speaker(true), 5.0);
        assert!(leader
            .act(unnamed("Hello"), 6.0)
            .contains(&Effect::Speak("Hello".into())));
        let (told, ask) = follower.follower_event(Event::Speaker(false), 7.0);
        assert_eq!(
            (told, ask),
            (vec![Effect::Hush], Some(Event::Speaker(false)))
        );
        let (next, _) = Conversation::take_over(seen(&leader), &follower, 9.0);
        assert!(next.speaker && next.can_speak, "as the old leader had it");
        assert!(!next.sound, "the site did not turn the sound on");
        follower.sound = true;
        let (next, _) = Conversation::take_over(seen(&leader), &follower, 10.0);
        assert!(next.sound, "the site's choice, as this tab was told it");
    }

    #[test]
    fn page_commands_run_where_the_visitor_is_looking() {
        let mut tabs = Tabs::default();
        let (leader, a, b) = (1, 2, 3);
        tabs.shown(leader, false);
        tabs.shown(a, false);
        tabs.shown(b, true);
        assert_eq!(tabs.commands_tab(leader), b, "the one in view");
        tabs.said(a);
        assert_eq!(tabs.commands_tab(leader), b, "never a background tab");
        tabs.shown(a, true);
        tabs.shown(b, false);
        assert_eq!(tabs.commands_tab(leader), a, "the sender, in view");
        tabs.shown(a, false);
        assert_eq!(tabs.commands_tab(leader), a, "none in view: the sender's");
        assert!(!tabs.any_shown());
        tabs.gone(a);
        assert_eq!(tabs.commands_tab(leader), leader);
    }

    #[test]
    fn an_ask_the_old_leader_missed_is_done_once_by_the_next() {
        // Tab 7 asks twice; the old leader does the first, then goes.
        let mut follower = Asks::default();
        let first = follower.push(7, Event::VisitorSays("one".into()));
        let second = follower.push(7, Event::VisitorSays("two".into()));
        let number = |words: &[String]| match Note::read(words) {
            Some(Note::Ask(7, n, _)) => n,
            other => panic!("{other:?}"),
        };
        let mut old = Tabs::default();
        assert!(old.fresh(7, number(&first)));
        follower.done(7, &old.acks);
        assert_eq!(follower.waiting(), std::slice::from_ref(&second));
        // The next leader inherits what the old one had done, and is asked again.
        let mut next = Tabs {
            acks: old.acks.clone(),
            ..Tabs::default()
        };
        assert!(!next.fresh(7, number(&first)), "done already: not again");
        assert!(next.fresh(7, number(&second)));
        assert!(!next.fresh(7, number(&second)), "asked twice, done once");
        follower.done(7, &next.acks);
        assert_eq!(follower.take(), []);
        // A follower that becomes the leader itself does what is still waiting.
        let mut own = Asks::default();
        own.push(7, Event::VisitorSays("three".into()));
        assert_eq!(own.take(), [Event::VisitorSays("three".into())]);
    }

    #[test]
    fn every_note_reads_back_as_written() {
        let asks = [
            Event::Start,
            Event::VisitorSays("a \"quoted\" text".into()),
            Event::RetryMessage(4),
            Event::LeadSubmitted(vec![("email".into(), "a@b.co".into())]),
            Event::Retry,
            Event::End,
            Event::StartNew,
            Event::StopCommands,
            Event::Hidden(false),
            Event::Speaker(false),
            Event::Speaker(true),
            Event::VisitorActivity(PageEvent {
                event: "click".into(),
                selector: Some("#x".into()),
                ..PageEvent::default()
            }),
            Event::CommandStarted {
                step: 1,
                total: 3,
                description: "Opening deals".into(),
            },
            Event::CommandFailed {
                action: "click".into(),
                selector: None,
                error: "no-match".into(),
            },
            Event::CommandsDone,
        ];
        for ask in asks {
            let note = Note::Ask(9, 3, ask);
            assert_eq!(Note::read(&note.words()), Some(note));
        }
        let run = Note::Run(
            2,
            vec![
                PageCommand::Navigate {
                    url: "/crm/deals".into(),
                },
                PageCommand::Click {
                    selector: "#a".into(),
                },
                PageCommand::Type {
                    selector: "#name".into(),
                    text: "Acme, \"big\" deal".into(),
                },
                PageCommand::Highlight {
                    selector: ".x".into(),
                },
                PageCommand::Scroll {
                    selector: "#y".into(),
                },
                PageCommand::Wait {
                    selector: "#z".into(),
                    timeout_ms: 1500,
                },
                PageCommand::Select {
                    selector: "#stage".into(),
                    option: "Won".into(),
                },
            ],
        );
        let speak = Note::Speak(3, "Here you are".into());
        for note in [run, Note::Cancel, Note::Gone(5), speak, Note::Hush] {
            assert_eq!(Note::read(&note.words()), Some(note));
        }
        let mut leader = connected();
        leader.act(Event::Online(false), 3.0);
        leader.act(Event::VisitorSays("hi".into()), 4.0);
        let note = Note::State(1, leader.shared().into(), vec![]);
        assert_eq!(Note::read(&note.words()), Some(note));
        assert_eq!(Note::read(&["?".to_string()]), None);
        assert_eq!(Note::read(&[]), None);
    }

    #[test]
    fn a_leader_alone_has_no_one_to_tell_until_a_tab_says_it_is_here() {
        let mut tabs = Tabs::default();
        tabs.shown(1, true);
        assert!(!tabs.others(1), "the leader alone");
        tabs.shown(2, false);
        assert!(tabs.others(1), "a second tab, even hidden");
        tabs.gone(2);
        assert!(!tabs.others(1), "alone again once it went");
    }
}
