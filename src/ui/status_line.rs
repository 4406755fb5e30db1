use super::dom::{append, find, hide, make_text, on, say};
use crate::conversation::{Notice, Status, TourStep};
use crate::texts::{fill, get, number, T};
use std::cell::Cell;
use std::rc::Rc;
use web_sys::Element;

/// The one action the status line offers, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Try the connection (or the start) again now.
    Retry,
    /// Start a new chat after this one ended.
    StartNew,
    /// Stop the tour.
    Stop,
}

/// Its markup, for the window's.
pub const HTML: &str = concat!(
    r#"<div class="docent-status" data-testid="docent-status" role="status" aria-live="polite" "#,
    r#"hidden><span class="docent-status__text"></span></div>"#
);

/// One line that says what the connection is doing, and any problem, in plain words, with
/// the one action that helps (retry, or start a new chat).
pub struct StatusLine {
    pub element: Element,
    text: Element,
    button: Element,
    /// What the button does now (the click reads it).
    action: Rc<Cell<Option<Action>>>,
    drawn: Option<(Status, Option<Notice>, Option<TourStep>)>,
}

impl StatusLine {
    /// The line drawn from [`HTML`] as `element`; its button is put in when it has an
    /// action.
    pub fn new(element: Element, on_action: impl Fn(Action) + 'static) -> StatusLine {
        let text = find(&element, "span");
        let button = make_text(
            "button",
            &[("type", "button"), ("class", "docent-status__action")],
            "",
        );
        let action = Rc::new(Cell::new(None));
        let current = action.clone();
        on(&button, "click", move |_| {
            if let Some(action) = current.get() {
                on_action(action);
            }
        });
        StatusLine {
            element,
            text,
            button,
            action,
            drawn: None,
        }
    }

    pub fn update(&mut self, status: &Status, notice: &Option<Notice>, tour: &Option<TourStep>) {
        // Compared before copied: this runs at every update of the conversation.
        if let Some((s, n, t)) = &self.drawn {
            if (s, n, t) == (status, notice, tour) {
                return;
            }
        }
        self.drawn = Some((status.clone(), notice.clone(), tour.clone()));
        let text = match status {
            Status::Idle | Status::Connected => match tour {
                Some(step) => Some(fill(
                    T::TourStep,
                    &[
                        ("step", &number(step.step)),
                        ("total", &number(step.total)),
                        ("doing", &step.doing),
                    ],
                )),
                None => notice.as_ref().map(|n| n.text.clone()),
            },
            Status::Starting => Some(get(T::Starting)),
            Status::Connecting => Some(get(T::Connecting)),
            Status::Offline => Some(get(T::Offline)),
            Status::Reconnecting { in_ms } => Some(fill(
                T::ReconnectingIn,
                &[("seconds", &number(in_ms.div_ceil(1000) as usize))],
            )),
            Status::Failed { reason } | Status::Ended { reason } => Some(reason.clone()),
        };
        let kind = match status {
            Status::Failed { .. } | Status::Ended { .. } => "docent-status docent-status--error",
            Status::Reconnecting { .. }
            | Status::Offline
            | Status::Starting
            | Status::Connecting => "docent-status docent-status--busy",
            _ if tour.is_some() => "docent-status docent-status--tour",
            _ if notice.is_some() => "docent-status docent-status--warning",
            _ => "docent-status",
        };
        let action = match status {
            Status::Reconnecting { .. } => Some((T::RetryNow, Action::Retry)),
            Status::Failed { .. } => Some((T::TryAgain, Action::Retry)),
            Status::Ended { .. } => Some((T::StartNewChat, Action::StartNew)),
            _ if tour.is_some() => Some((T::Stop, Action::Stop)),
            _ => None,
        };
        self.element.set_class_name(kind);
        hide(&self.element, text.is_none());
        say(&self.text, text.as_deref().unwrap_or_default());
        self.action.set(action.map(|(_, action)| action));
        match action {
            Some((label, _)) => {
                say(&self.button, &get(label));
                // Put in only if it is not there: moving a node takes the keyboard focus
                // off it (a visitor on Stop during a tour would lose it at every step).
                if self.button.parent_node().is_none() {
                    append(&self.element, &[&self.button]);
                }
            }
            None => self.button.remove(),
        }
    }
}
