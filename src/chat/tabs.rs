//! One conversation in every tab of the site: the browser's part. The tabs of one site
//! configuration share a `BroadcastChannel` and a Web Lock of the same name; the tab that
//! holds the lock leads (runs the conversation and the socket), the others follow. The
//! rules (what a follower asks, what it shows, how a tab takes over, where page commands
//! run) are `conversation::tabs`'s; this file only carries notes and holds the lock.
//! Where either API is missing, the tab works alone.
//!
//! The lock is asked for only once there is a conversation to lead: one restored, one a
//! leader shares (to take over when it goes), or the visitor's first doing (opening the
//! chat). A held lock keeps the host page out of the browser's back/forward cache, which
//! a visitor who never opens the chat should not pay for.

use super::Chat;
use crate::browser::*;
use crate::conversation::{Ask, Asks, Conversation, Effect, Event, Note, Shared, Tabs};
use docent_protocol::PageCommand;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// This tab's place among the site's tabs.
pub(super) struct TabLink {
    channel: web_sys::BroadcastChannel,
    /// This tab's id, random per page.
    me: u32,
    leading: bool,
    /// Leader: the tabs heard from. Follower: unused.
    tabs: Tabs,
    /// Follower: the leader's latest state and acks (its note's words), to take over from;
    /// that leader's id; and this tab's asks not yet seen done.
    latest: Option<Vec<String>>,
    leader: u32,
    asks: Asks,
    /// Leader: what was broadcast last (its words), so an unchanged state is not sent again.
    sent: Option<Vec<String>>,
    /// Resolving it releases the lock (on destroy).
    release: Option<js_sys::Function>,
    /// How to ask for the lock (`navigator.locks`, its `request`, the lock's name), until
    /// it is asked for.
    lock: Option<(JsValue, js_sys::Function, String)>,
}

impl TabLink {
    /// Leader: counts where the visitor is from an event of `tab` (this one or one that
    /// asks): which tabs are shown (a hidden leader is not "hidden" while a follower is in
    /// view), who sent the latest message.
    fn count(&mut self, tab: u32, event: Event) -> Event {
        match event {
            Event::Hidden(hidden) => {
                self.tabs.shown(tab, !hidden);
                // A tab that just arrived needs the whole state.
                self.sent = None;
                Event::Hidden(!self.tabs.any_shown())
            }
            Event::VisitorSays(text) => {
                self.tabs.said(tab);
                Event::VisitorSays(text)
            }
            event => event,
        }
    }
}

impl Chat {
    /// Joins the site's other tabs as a follower; asks for the lock that makes this tab the
    /// leader at once if it has a conversation to continue (`restored`), else when one
    /// comes ([`Chat::seek_lead`]). False if the browser has no `BroadcastChannel` or Web
    /// Locks: the tab then works alone.
    pub(super) fn join_tabs(self, restored: bool) -> bool {
        let name = self
            .config
            .with_value(|c| format!("docent|{}|{}", c.server, c.storage_key()));
        let Ok(channel) = web_sys::BroadcastChannel::new(&name) else {
            return false;
        };
        let navigator = window().navigator();
        let locks = js_sys::Reflect::get(&navigator, &"locks".into()).unwrap_or_default();
        let request = js_sys::Reflect::get(&locks, &"request".into()).unwrap_or_default();
        let Ok(request) = request.dyn_into::<js_sys::Function>() else {
            channel.close();
            return false;
        };
        // One handler for the other tabs' notes and for this page going (`pagehide`): one
        // closure's glue, not two.
        let heard =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                if e.type_() == "pagehide" {
                    return self.tell_gone();
                }
                let words = js_sys::Array::from(&e.data())
                    .iter()
                    .filter_map(|w| w.as_string())
                    .collect();
                self.heard(words);
            })
            .into_js_value();
        channel.set_onmessage(Some(heard.unchecked_ref()));
        let me = (js_sys::Math::random() * 4e9) as u32;
        self.tabs.set_value(Some(TabLink {
            channel,
            me,
            leading: false,
            tabs: Tabs::default(),
            latest: None,
            leader: 0,
            asks: Asks::default(),
            sent: None,
            release: None,
            lock: Some((locks, request, name)),
        }));
        if restored {
            self.seek_lead();
        }
        // A leader hears that this tab is here, and shares its state.
        self.ask(Event::Hidden(document().hidden()));
        self.listen(&window(), "pagehide", heard);
        true
    }

    /// Asks for the lock that makes this tab the leader, once: granted at once if no tab
    /// holds it, else when the tabs before it in the queue are gone.
    fn seek_lead(self) {
        let Some((locks, request, name)) = self
            .tabs
            .try_update_value(|t| t.as_mut().and_then(|t| t.lock.take()))
            .flatten()
        else {
            return;
        };
        // Held until the tab goes (or the widget is destroyed): the promise never settles.
        let granted = Closure::once_into_js(move || -> JsValue {
            let mut release = None;
            let held = js_sys::Promise::new(&mut |resolve, _| release = Some(resolve));
            match release {
                Some(release) if self.alive() => self.lead(release),
                Some(release) => drop(release.call0(&JsValue::NULL)),
                None => {}
            }
            held.into()
        });
        let _ = request.call2(&locks, &name.into(), &granted);
    }

    /// Whether this tab follows another (false when it leads or works alone).
    pub(super) fn following(self) -> bool {
        self.tabs
            .with_value(|t| t.as_ref().is_some_and(|t| !t.leading))
    }

    fn me(self) -> u32 {
        self.tabs.with_value(|t| t.as_ref().map_or(0, |t| t.me))
    }

    /// Says something to the site's other tabs.
    fn tell(self, note: Note) {
        self.say_words(note.words());
    }

    fn say_words(self, words: Vec<String>) {
        let words: js_sys::Array = words.into_iter().map(JsValue::from).collect();
        self.tabs.with_value(|t| {
            if let Some(t) = t {
                let _ = t.channel.post_message(&words);
            }
        });
    }

    /// Follower: asks the leader, and keeps the ask until the leader shows it done. The
    /// visitor's doings need a leader: this tab becomes one if no other is.
    fn ask(self, ask: Ask) {
        if !matches!(ask, Event::Hidden(_)) {
            self.seek_lead();
        }
        let asked = self
            .tabs
            .try_update_value(|t| t.as_mut().map(|t| t.asks.push(t.me, ask)));
        if let Some(Some(words)) = asked {
            self.say_words(words);
        }
    }

    fn tell_gone(self) {
        self.tell(Note::Gone(self.me()));
    }

    /// The lock is this tab's: it leads from the latest state it saw (the old leader's, or
    /// its own), as a reload would.
    fn lead(self, release: js_sys::Function) {
        let now = js_sys::Date::now();
        let hidden = document().hidden();
        let (latest, mine) = self
            .tabs
            .try_update_value(|t| {
                let t = t.as_mut()?;
                t.leading = true;
                t.release = Some(release);
                t.tabs.shown(t.me, !hidden);
                let latest = match t.latest.take().and_then(|words| Note::read(&words)) {
                    Some(Note::State(_, shared, acks)) => {
                        t.tabs.acks = acks;
                        Some(*shared)
                    }
                    _ => None,
                };
                Some((latest, t.asks.take()))
            })
            .flatten()
            .unwrap_or_default();
        let effects = self.state.try_update_value(|c| {
            let latest = latest.unwrap_or_else(|| c.shared());
            let (next, effects) = Conversation::take_over(latest, c, now);
            *c = next;
            effects
        });
        self.show();
        self.save_soon();
        self.share();
        for effect in effects.unwrap_or_default() {
            self.run(effect);
        }
        // What this tab asked the old leader, which may not have done it.
        for ask in mine {
            self.apply(self.own_event(ask), true);
        }
        // The conversation taken over starts as if in view: whether any tab is (for the
        // notification sound and deferred reconnects) is this tab's to say now.
        self.apply(self.own_event(Event::Hidden(document().hidden())), false);
    }

    /// Leader: tells the followers the state and what it has done of their asks, if either
    /// changed. Not while no other tab is here (after the first): writing the state out
    /// costs as much as the conversation is long, on every event (a tab that arrives asks,
    /// and then gets the whole state).
    pub(super) fn share(self) {
        let words = self.tabs.with_value(|t| {
            // The first state after taking the lock goes out whoever is known to be here:
            // it is how the other tabs learn of a new leader (and say again that they are
            // here, and what it may not have had of their asks).
            let t = t
                .as_ref()
                .filter(|t| t.leading && (t.tabs.others(t.me) || t.sent.is_none()))?;
            let shared = self.state.with_value(Conversation::shared);
            let words = Note::State(t.me, shared.into(), t.tabs.acks.clone()).words();
            (t.sent.as_ref() != Some(&words)).then_some(words)
        });
        if let Some(words) = words {
            self.tabs.update_value(|t| {
                if let Some(t) = t {
                    t.sent = Some(words.clone());
                }
            });
            self.say_words(words);
        }
    }

    /// A follower's own event: shown here (its window) or asked of the leader.
    pub(super) fn follow_event(self, event: Event) {
        let now = js_sys::Date::now();
        let Some((effects, ask)) = self
            .state
            .try_update_value(|c| c.follower_event(event, now))
        else {
            return;
        };
        self.show();
        for effect in effects {
            self.run(effect);
        }
        if let Some(ask) = ask {
            self.ask(ask);
        }
    }

    /// Leader: an event of its own tab passes through here, which keeps count of where the
    /// visitor is (a hidden leader is not "hidden" while a follower is in view).
    pub(super) fn own_event(self, event: Event) -> Event {
        self.tabs
            .try_update_value(|t| match t {
                Some(t) => t.count(t.me, event),
                None => event,
            })
            .unwrap_or(Event::Tick)
    }

    /// Leader: the other tab the visitor is looking at, where page commands run and
    /// replies are read aloud; `None` if that is this tab (or it works alone).
    fn elsewhere(self) -> Option<u32> {
        self.tabs.with_value(|t| {
            let t = t.as_ref().filter(|t| t.leading)?;
            Some(t.tabs.commands_tab(t.me)).filter(|tab| *tab != t.me)
        })
    }

    /// Leader: runs page commands in the tab the visitor is looking at.
    pub(super) fn route_commands(self, commands: Vec<PageCommand>) {
        match self.elsewhere() {
            Some(tab) => self.tell(Note::Run(tab, commands)),
            None => self.run_commands(commands),
        }
    }

    /// Leader: reads a reply aloud in the tab the visitor is looking at (one voice, not
    /// one per tab).
    pub(super) fn route_speech(self, text: String) {
        match self.elsewhere() {
            Some(tab) => self.tell(Note::Speak(tab, text)),
            None => self.speak(&text),
        }
    }

    /// Reading aloud stops in every tab.
    pub(super) fn hush_everywhere(self) {
        self.tell(Note::Hush);
        self.hush();
    }

    /// Leader: page commands stop in every tab.
    pub(super) fn cancel_everywhere(self) {
        if !self.following() {
            self.tell(Note::Cancel);
        }
    }

    fn heard(self, words: Vec<String>) {
        let Some(note) = Note::read(&words).filter(|_| self.alive()) else {
            return;
        };
        let leading = self
            .tabs
            .with_value(|t| t.as_ref().is_some_and(|t| t.leading));
        match note {
            Note::State(leader, shared, acks) if !leading => {
                self.follow_state(leader, *shared, acks, words)
            }
            Note::Ask(tab, n, ask) if leading => self.asked(tab, n, ask),
            Note::Gone(tab) if leading => self.tabs.update_value(|t| {
                if let Some(t) = t {
                    t.tabs.gone(tab);
                }
            }),
            // Checked by the leader's codec; not again: a note comes only from a page of
            // this origin, which could as well run anything itself.
            Note::Run(tab, commands) if tab == self.me() => self.run_commands(commands),
            Note::Cancel => self.run(Effect::CancelCommands),
            Note::Speak(tab, text) if tab == self.me() => self.speak(&text),
            Note::Hush => self.hush(),
            _ => {}
        }
    }

    /// Follower: shows the leader's state; a new leader hears that this tab is here. This
    /// tab queues for the lock, to take over when the leader goes.
    fn follow_state(self, leader: u32, shared: Shared, acks: Vec<(u32, u32)>, words: Vec<String>) {
        self.seek_lead();
        let (first, again) = self
            .tabs
            .try_update_value(|t| {
                let t = t.as_mut()?;
                let first = t.latest.is_none() && t.leader == 0;
                t.asks.done(t.me, &acks);
                let new_leader = std::mem::replace(&mut t.leader, leader) != leader;
                t.latest = Some(words);
                // A new leader hears again what the last one may not have done, and that
                // this tab is here.
                let mut again = if new_leader { t.asks.waiting() } else { vec![] };
                if new_leader {
                    again.push(t.asks.push(t.me, Event::Hidden(document().hidden())));
                }
                Some((first, again))
            })
            .flatten()
            .unwrap_or_default();
        for words in again {
            self.say_words(words);
        }
        let Some((effects, ask)) = self.state.try_update_value(|c| c.follow(shared)) else {
            return;
        };
        self.show();
        self.save_soon();
        // The history a new tab finds is not news to its host page.
        if !first {
            for effect in effects {
                self.run(effect);
            }
        }
        if let Some(ask) = ask {
            self.ask(ask);
        }
    }

    /// Leader: what a follower asks (each ask once, however often it is asked).
    fn asked(self, tab: u32, n: u32, ask: Ask) {
        let event = self
            .tabs
            .try_update_value(|t| {
                let t = t.as_mut()?;
                t.tabs.fresh(tab, n).then(|| t.count(tab, ask))
            })
            .flatten();
        if let Some(event) = event {
            self.apply(event, true);
        }
    }

    /// Undoes joining: the lock passes to another tab, which takes over.
    pub(super) fn leave_tabs(self) {
        self.tell_gone();
        if let Some(t) = self.tabs.try_update_value(Option::take).flatten() {
            t.channel.set_onmessage(None);
            t.channel.close();
            if let Some(release) = t.release {
                let _ = release.call0(&JsValue::NULL);
            }
        }
    }
}
