use super::dom::{append, hide, icon, make, say, set};
use crate::texts;
use web_sys::Element;

/// The round button that opens and closes the chat window.
pub struct Launcher {
    pub element: Element,
    path: Element,
    badge: Element,
    /// What it shows: whether the window is open, and the replies unread.
    drawn: Option<(bool, usize)>,
}

impl Launcher {
    pub fn new() -> Launcher {
        let element = make(
            "button",
            &[
                ("type", "button"),
                ("class", "docent-launcher"),
                ("data-testid", "docent-launcher"),
            ],
        );
        // Drawn, not an emoji: emoji fonts are missing on many systems.
        let (svg, path) = icon("docent-launcher__icon", "26", "");
        let badge = make(
            "span",
            &[
                ("class", "docent-launcher__badge"),
                ("data-testid", "docent-unread"),
                ("aria-hidden", "true"),
            ],
        );
        append(&element, &[&svg, &badge]);
        Launcher {
            element,
            path,
            badge,
            drawn: None,
        }
    }

    /// `unread`: replies that came while the window was closed: a badge, and in the
    /// launcher's name.
    pub fn update(&mut self, open: bool, unread: usize) {
        if self.drawn == Some((open, unread)) {
            return;
        }
        self.drawn = Some((open, unread));
        set(
            &self.element,
            "aria-expanded",
            if open { "true" } else { "false" },
        );
        let name = match (open, unread) {
            (true, _) => texts::get(texts::T::CloseChat),
            (false, 0) => texts::get(texts::T::OpenChat),
            (false, n) => texts::fill(texts::T::OpenChatUnread, &[("count", &texts::number(n))]),
        };
        set(&self.element, "aria-label", &name);
        let drawing = if open {
            "M6 6l12 12M18 6L6 18"
        } else {
            "M4 5h16v11H9l-5 4z"
        };
        set(&self.path, "d", drawing);
        hide(&self.badge, open || unread == 0);
        // Empty while there is nothing unread (it is hidden then): the first `Intl` number
        // format costs ~30 ms (the locale's data), which is not start-up's to pay.
        match unread {
            0 => say(&self.badge, ""),
            n => say(&self.badge, &texts::number(n)),
        }
    }
}
