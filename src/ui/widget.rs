use super::dom::{find, focus_soon, hide, markup, on, put_html, say, set};
use super::{composer, launcher, message_list, status_line, suggestion_chips};
use super::{Action, Composer, Launcher, LeadFormView, MessageList, StatusLine, SuggestionChips};
use crate::browser::{document, request_animation_frame};
use crate::conversation::{Conversation, Event, Status};
use crate::embed::Side;
use crate::texts;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::Element;

/// The whole widget: the launcher, and the chat window once it has been opened. It shows
/// the conversation it is given ([`View::update`]) and hands every visitor action to
/// `dispatch`; it knows nothing of how the chat carries them out (the shell,
/// `crate::chat`, depends on the view, not the reverse). Each part remembers what it drew,
/// so an update touches only what changed. The window is built at the first open: most
/// visitors never open the chat, and they pay only for the launcher.
#[derive(Clone)]
pub struct View(Rc<Parts>);

struct Parts {
    root: Element,
    dispatch: Rc<dyn Fn(Event)>,
    /// Whether the window is open, for the launcher's and Escape's handlers.
    open: Rc<Cell<bool>>,
    /// The speaker is on, for its toggle's handler.
    speaking: Rc<Cell<bool>>,
    inner: RefCell<Inner>,
    /// The site's title for the chat, the header's words until the agent's name is known.
    title: String,
}

struct Inner {
    launcher: Launcher,
    window: Option<Window>,
    /// Whether the window was open at the last update (`None` before the first).
    was_open: Option<bool>,
}

/// The chat window and its parts.
struct Window {
    element: Element,
    avatar: Element,
    title: Element,
    /// The speaker toggle and its icon's changing stroke, where the browser can speak.
    speaker: Option<(Element, Element)>,
    end: Element,
    announcer: Element,
    status: StatusLine,
    list: MessageList,
    lead: LeadFormView,
    chips: SuggestionChips,
    composer: Composer,
    max_chars: usize,
    /// The header as drawn: open, the agent's name, the speaker, whether it can end.
    header: Option<(bool, String, bool, bool)>,
    /// The last finished agent message (`None` inside before the first update): a new
    /// one is read out.
    finished: Option<Option<u64>>,
}

impl View {
    /// Draws the widget for `c` at the end of `host`; `title` is the site's title for the
    /// chat (`data-title`).
    pub fn mount(
        host: &Element,
        side: Side,
        title: &str,
        c: &Conversation,
        dispatch: impl Fn(Event) + 'static,
    ) -> View {
        let dispatch: Rc<dyn Fn(Event)> = Rc::new(dispatch);
        let root_class = match side {
            Side::Right => r#"<div class="docent" "#,
            Side::Left => r#"<div class="docent docent--left" "#,
        };
        let html = [
            root_class,
            r#"data-testid="docent" data-open="false">"#,
            launcher::HTML,
            "</div>",
        ]
        .concat();
        let root = put_html(host, None, &html);
        let open = Rc::new(Cell::new(false));
        {
            let (dispatch, open) = (dispatch.clone(), open.clone());
            on(&root, "keydown", move |ev| {
                let key: &web_sys::KeyboardEvent = ev.unchecked_ref();
                if key.key() == "Escape" && open.get() && !key.is_composing() {
                    dispatch(Event::Close);
                }
            });
        }
        let launcher = Launcher::new(find(&root, ".docent-launcher"));
        {
            let (dispatch, open) = (dispatch.clone(), open.clone());
            on(&launcher.element, "click", move |_| {
                dispatch(if open.get() {
                    Event::Close
                } else {
                    Event::Open
                })
            });
        }
        let view = View(Rc::new(Parts {
            root,
            dispatch,
            open,
            speaking: Rc::new(Cell::new(false)),
            inner: RefCell::new(Inner {
                launcher,
                window: None,
                was_open: None,
            }),
            title: title.to_string(),
        }));
        view.update(c);
        view
    }

    /// Shows `c`: only the parts that changed since the last update are touched.
    pub fn update(&self, c: &Conversation) {
        let parts = &*self.0;
        let mut inner = parts.inner.borrow_mut();
        let inner = &mut *inner;
        if inner.window.is_none() && c.open {
            let (launcher, root) = (&inner.launcher.element, &parts.root);
            inner.window = Some(Window::new(
                c,
                &parts.dispatch,
                launcher,
                root,
                &parts.speaking,
            ));
        }
        if inner.was_open != Some(c.open) {
            parts.open.set(c.open);
            set(
                &parts.root,
                "data-open",
                if c.open { "true" } else { "false" },
            );
        }
        if let Some(window) = &mut inner.window {
            parts.speaking.set(c.speaker);
            window.update(c, &parts.title);
        }
        inner.launcher.update(c.open, c.unread);
        let was_open = inner.was_open.replace(c.open);
        if was_open != Some(c.open) {
            self.move_focus(c.open, was_open);
        }
    }

    /// Opening the chat puts the cursor in the composer, as people expect of a chat
    /// window; closing it gives the focus back to the launcher, so a keyboard user is not
    /// left on a hidden element (unless the focus is already elsewhere on the page: a
    /// host's own button that called `Docent.close()` keeps it).
    fn move_focus(&self, open: bool, was_open: Option<bool>) {
        let root = &self.0.root;
        if open {
            focus_soon(root, ".docent-composer__input");
        } else if was_open == Some(true) {
            let active = document().active_element();
            let inside = active.as_ref().is_none_or(|a| root.contains(Some(a)));
            if inside || active == document().body().map(Into::into) {
                focus_soon(root, ".docent-launcher");
            }
        }
    }

    /// Takes the widget's nodes off the page, and its listeners with them.
    pub fn remove(&self) {
        self.0.root.remove();
        super::dom::forget_listeners();
        self.0.inner.borrow_mut().window = None;
    }
}

impl Window {
    /// Draws the window before `launcher`, from one markup ([`put_html`]).
    fn new(
        c: &Conversation,
        dispatch: &Rc<dyn Fn(Event)>,
        launcher: &Element,
        root: &Element,
        speaking: &Rc<Cell<bool>>,
    ) -> Window {
        let speaker = if c.can_speak { SPEAKER } else { "" };
        let html = [
            HEADER_START,
            speaker,
            HEADER_END,
            status_line::HTML,
            message_list::HTML,
            ANNOUNCER,
            suggestion_chips::HTML,
            composer::HTML,
            "</section>",
        ]
        .concat();
        let element = put_html(root, Some(launcher), &markup(&html));
        let avatar = find(&element, ".docent-header__avatar");
        let title = find(&element, ".docent-header__title");
        let speaker = c.can_speak.then(|| {
            let button = find(&element, ".docent-header__speaker");
            let (dispatch, speaking) = (dispatch.clone(), speaking.clone());
            on(&button, "click", move |_| {
                dispatch(Event::Speaker(!speaking.get()))
            });
            let waves = find(&button, "path:last-child");
            (button, waves)
        });
        let end = find(&element, ".docent-header__end");
        let send = dispatch.clone();
        on(&end, "click", move |_| send(Event::End));
        let send = dispatch.clone();
        on(
            &find(&element, ".docent-header__close"),
            "click",
            move |_| send(Event::Close),
        );
        let send = dispatch.clone();
        let status = StatusLine::new(find(&element, ".docent-status"), move |action| {
            send(match action {
                Action::Retry => Event::Retry,
                Action::StartNew => Event::StartNew,
                Action::Stop => Event::StopCommands,
            })
        });
        let send = dispatch.clone();
        let list = MessageList::new(find(&element, ".docent-messages"), move |id| {
            send(Event::RetryMessage(id))
        });
        let announcer = find(&element, "[data-testid=docent-announcer]");
        // A chip picked, or a lead form sent, from the keyboard disappears: the focus goes
        // on to the composer rather than to nowhere. (Not after a tap on a button: that
        // would open a phone's keyboard.)
        let send = dispatch.clone();
        let from = root.clone();
        let chips = SuggestionChips::new(find(&element, ".docent-chips"), move |text| {
            let keyboard = by_keyboard();
            send(Event::VisitorSays(text));
            if keyboard {
                focus_soon(&from, ".docent-composer__input");
            }
        });
        let send = dispatch.clone();
        let from = root.clone();
        let lead = LeadFormView::new(&chips.element, move |values| {
            let keyboard = by_keyboard();
            send(Event::LeadSubmitted(values));
            if keyboard {
                focus_soon(&from, ".docent-composer__input");
            }
        });
        let max_chars = c.platform.max_text_chars;
        let send = dispatch.clone();
        let composer = Composer::new(find(&element, ".docent-composer"), max_chars, move |text| {
            send(Event::VisitorSays(text))
        });
        Window {
            element,
            avatar,
            title,
            speaker,
            end,
            announcer,
            status,
            list,
            lead,
            chips,
            composer,
            max_chars,
            header: None,
            finished: None,
        }
    }

    fn update(&mut self, c: &Conversation, title: &str) {
        let ended = matches!(c.status, Status::Ended { .. });
        let (can_end, drawn) = (c.session.is_some(), self.header.as_ref());
        if drawn.is_none_or(|(o, n, s, e)| {
            (*o, n, *s, *e) != (c.open, &c.agent_name, c.speaker, can_end)
        }) {
            let header = (c.open, c.agent_name.clone(), c.speaker, can_end);
            self.show_header(&header, title);
            self.header = Some(header);
        }
        self.status.update(&c.status, &c.notice, &c.tour);
        self.list.update(c);
        self.lead.update(&c.lead_form);
        let no_chips = Vec::new();
        self.chips.update(if c.can_send() {
            &c.suggestions
        } else {
            &no_chips
        });
        self.composer
            .update(ended, &c.returned_text, self.max_chars);
        self.announce(c);
    }

    fn show_header(
        &self,
        (open, name, speaker, can_end): &(bool, String, bool, bool),
        title: &str,
    ) {
        hide(&self.element, !open);
        // "Chat with Ava" once the agent has a name; until then the site's title alone (it
        // was "Chat with Chat with us").
        let label = if name == title {
            title.to_string()
        } else {
            texts::fill(texts::T::ChatWith, &[("name", name)])
        };
        set(&self.element, "aria-label", &label);
        say(
            &self.avatar,
            &name.chars().next().unwrap_or('?').to_string(),
        );
        say(&self.title, name);
        if let Some((button, waves)) = &self.speaker {
            set(
                button,
                "aria-pressed",
                if *speaker { "true" } else { "false" },
            );
            let drawing = if *speaker {
                "M16 9a4 4 0 0 1 0 6"
            } else {
                "M16 9l5 6M21 9l-5 6"
            };
            set(waves, "d", drawing);
        }
        hide(&self.end, !can_end);
    }

    /// Reads out an agent message once it is finished. Messages already there when the
    /// window appears (a reload, or replies that came before the first open) are not read.
    fn announce(&mut self, c: &Conversation) {
        let id = c.last_finished_agent_message().map(|m| m.id);
        let before = self.finished.replace(id);
        if before.is_none() || before == Some(id) || id.is_none() {
            return;
        }
        let said = c.last_finished_agent_message().map(|m| {
            texts::fill(
                texts::T::AgentSaid,
                &[
                    ("name", &c.agent_name),
                    ("text", &crate::markdown::plain(&m.text)),
                ],
            )
        });
        // Emptied first, so the same words twice are still a change to announce.
        let announcer = self.announcer.clone();
        say(&announcer, "");
        request_animation_frame(move || say(&announcer, &said.unwrap_or_default()));
    }
}

// The window's markup around its parts'. A non-modal dialog (the page stays usable beside it)
// whose header is no `<header>`: inside `<body>` that would be a second banner landmark beside
// the site's own. The avatar, the title and the speaker's state are set by `show_header`.
const HEADER_START: &str = concat!(
    r#"<section class="docent-window" data-testid="docent-window" role="dialog">"#,
    r#"<div class="docent-header"><span class="docent-header__avatar" aria-hidden="true"></span>"#,
    r#"<span class="docent-header__title" data-testid="docent-title"></span>"#
);

/// The speaker toggle, where the browser can speak: a loudspeaker, its waves (or, while off,
/// a cross) the last path.
const SPEAKER: &str = concat!(
    r#"<button type="button" class="docent-header__speaker" data-testid="docent-speaker" "#,
    r#"aria-label="{read-aloud}"><svg class="docent-header__icon" width="18" height="18" "#,
    icon!(),
    r#"><path d="M4 9h4l5-4v14l-5-4H4z"/><path/></svg></button>"#
);

const HEADER_END: &str = concat!(
    r#"<button type="button" class="docent-header__end" data-testid="docent-end" hidden>"#,
    r#"{end-chat}</button><button type="button" class="docent-header__close" "#,
    r#"aria-label="{close-chat}" data-testid="docent-close">×</button></div>"#
);

/// Screen readers hear each agent message once, whole, when it is complete: a polite live
/// region of its own gets the finished text (the list itself is no live region, or every
/// streamed token would be read out).
const ANNOUNCER: &str = r#"<div class="docent-sr" data-testid="docent-announcer" role="status" aria-atomic="true"></div>"#;

/// The focus is on a button the keyboard put it on (`:focus-visible`).
fn by_keyboard() -> bool {
    document()
        .active_element()
        .is_some_and(|el| el.matches(":focus-visible").unwrap_or(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `{name}` in the widget's markup is a text of the table: a misspelt one would be
    /// drawn empty (a button without a name for a screen reader).
    #[test]
    fn every_text_the_markup_names_is_in_the_table() {
        let markups = [
            HEADER_START,
            SPEAKER,
            HEADER_END,
            ANNOUNCER,
            status_line::HTML,
            message_list::HTML,
            suggestion_chips::HTML,
            composer::HTML,
            launcher::HTML,
        ];
        let mut named = Vec::new();
        for html in markups {
            let mut rest = html;
            while let Some((_, after)) = rest.split_once('{') {
                let (name, then) = after.split_once('}').expect("a closed placeholder");
                assert!(texts::TABLE.iter().any(|(n, _)| *n == name), "{name}");
                named.push(name);
                rest = then;
            }
        }
        assert_eq!(
            named,
            [
                "read-aloud",
                "end-chat",
                "close-chat",
                "messages",
                "earlier-messages",
                "activity",
                "suggested-replies",
                "type-a-message",
                "message",
                "send-message",
                "send"
            ]
        );
    }
}
