use super::dom::{closest, find, hide, on, say};
use super::transcript::{plan, Row, RowChange, Shown};
use crate::browser::request_animation_frame;
use crate::conversation::Conversation;
use crate::texts;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::Element;

/// How close to the bottom (in CSS pixels) still counts as "reading the latest message".
const FOLLOW_SLACK_PX: i32 = 48;

/// Whether new messages should scroll the list, after a scroll of it to `scroll_top`
/// (`moved_up`: from further down): yes at (or near) the bottom; no once the visitor scrolled
/// up away from it to re-read; otherwise as it was (`following`). Only a move up stops it:
/// its scroll event may come after new content landed below (a burst of messages), which
/// makes the bottom look far though the visitor never moved.
pub fn should_follow(
    following: bool,
    moved_up: bool,
    scroll_top: i32,
    client_height: i32,
    scroll_height: i32,
) -> bool {
    let near_bottom = scroll_height - (scroll_top + client_height) <= FOLLOW_SLACK_PX;
    near_bottom || (following && !moved_up)
}

/// How many rows a long conversation keeps on screen while the visitor follows along: the
/// browser's style and layout of each new message grow with the rows in the list, so with
/// a bound on those rows, appending costs the same at the 2,000th message as at the 20th.
const ON_SCREEN: usize = 100;
/// How many more rows may come before the oldest go off screen: a batch at a time, not one
/// row per new message.
const OFF_SCREEN_BATCH: usize = 50;

/// Its markup, for the window's: no live region (it would read every streamed token; the
/// widget's announcer reads each finished message once); focusable, so the keyboard can
/// scroll it. The rows go between the button that shows earlier messages (shown once some
/// are off screen) and the activity line and the typing indicator.
pub const HTML: &str = concat!(
    r#"<div class="docent-messages" data-testid="docent-messages" role="group" "#,
    r#"aria-label="{messages}" tabindex="0">"#,
    r#"<button type="button" class="docent-earlier" data-testid="docent-earlier" hidden>"#,
    r#"{earlier-messages}</button>"#,
    r#"<div class="docent-activity" data-testid="docent-activity" role="status" "#,
    r#"aria-label="{activity}" hidden></div>"#,
    r#"<div class="docent-typing" data-testid="docent-typing" hidden role="status">"#,
    r#"<span class="docent-sr"></span><span class="docent-typing__dot"></span>"#,
    r#"<span class="docent-typing__dot"></span><span class="docent-typing__dot"></span>"#,
    r#"</div></div>"#
);

/// The transcript, oldest first, with what the agent's tools are doing and the typing
/// indicator at its end.
pub struct MessageList {
    pub element: Element,
    activity: Element,
    typing: Element,
    typing_text: Element,
    rows: Vec<Row>,
    shown: Vec<Shown>,
    /// The button above the rows that puts the rows off screen back, and those rows, the
    /// oldest (in this fragment, in order) until the visitor asks for them; they are kept up
    /// to date there like the others. Made when a conversation first grows that long.
    off_screen: Option<(Element, web_sys::DocumentFragment)>,
    /// Where the list was scrolled to at its last scroll event (a scroll up from there is
    /// the visitor's), or where the widget put it.
    last_top: Rc<Cell<i32>>,
    /// The visitor is at the bottom: new content scrolls the list along. Decided on
    /// scroll, not on update: by the time new content lands, the old position is what
    /// tells whether the visitor was following along.
    follow: Rc<Cell<bool>>,
    /// A scroll to the bottom is scheduled for the next frame.
    scroll_due: Rc<Cell<bool>>,
    /// What the typing indicator (shown, and whose name it says) and the activity line show
    /// (`None` before the first update).
    typing_shown: Option<bool>,
    typing_name: Option<String>,
    activity_shown: Option<Option<String>>,
}

impl MessageList {
    /// The list drawn from [`HTML`] as `element`; `on_retry` is called with a message's id
    /// when the visitor retries a message that failed.
    pub fn new(element: Element, on_retry: impl Fn(u64) + 'static) -> MessageList {
        let activity = find(&element, ".docent-activity");
        let typing = find(&element, ".docent-typing");
        let typing_text = find(&typing, ".docent-sr");
        let follow = Rc::new(Cell::new(true));
        let list = element.clone();
        let following = follow.clone();
        let last_top = Rc::new(Cell::new(0));
        let top_seen = last_top.clone();
        on(&element, "scroll", move |_| {
            let top = list.scroll_top();
            following.set(should_follow(
                following.get(),
                top < top_seen.replace(top),
                top,
                list.client_height(),
                list.scroll_height(),
            ))
        });
        on(&element, "click", move |ev| {
            let id = closest(&ev, ".docent-message__retry")
                .and_then(|button| button.get_attribute("data-message"))
                .and_then(|id| id.parse().ok());
            if let Some(id) = id {
                on_retry(id);
            }
        });
        #[cfg(feature = "product-cards")]
        on(&element, "focusin", show_focused_card);
        MessageList {
            element,
            activity,
            typing,
            typing_text,
            rows: Vec::new(),
            shown: Vec::new(),
            off_screen: None,
            last_top,
            follow,
            scroll_due: Rc::new(Cell::new(false)),
            typing_shown: None,
            typing_name: None,
            activity_shown: None,
        }
    }

    /// Brings the list in step with `c`: only what changed is touched.
    pub fn update(&mut self, c: &Conversation) {
        let rows_before = self.rows.len();
        let mut changed = self.show_rows(&c.messages);
        // Only a new row can make too many: not checked at every streamed update.
        if self.rows.len() > rows_before {
            self.keep_rows_bounded();
        }
        // Each part written (and copied) only when it changed: this runs at every streamed
        // update, and a turn toggles the indicator twice.
        if self.typing_name.as_ref() != Some(&c.agent_name) {
            say(
                &self.typing_text,
                &texts::fill(texts::T::IsTyping, &[("name", &c.agent_name)]),
            );
            self.typing_name = Some(c.agent_name.clone());
        }
        if self.typing_shown != Some(c.typing) {
            hide(&self.typing, !c.typing);
            self.typing_shown = Some(c.typing);
            changed = true;
        }
        if self.activity_shown.as_ref() != Some(&c.activity) {
            hide(&self.activity, c.activity.is_none());
            say(&self.activity, c.activity.as_deref().unwrap_or_default());
            self.activity_shown = Some(c.activity.clone());
            changed = true;
        }
        if changed {
            self.follow_along();
        }
    }

    /// While the visitor follows along, the oldest rows go off screen once more than
    /// [`ON_SCREEN`] + [`OFF_SCREEN_BATCH`] are on it, down to [`ON_SCREEN`]; the button
    /// above the rows brings them back. Not while the visitor reads further up: what they
    /// read stays where it is.
    fn keep_rows_bounded(&mut self) {
        let off = self.off_screen.as_ref();
        let off = off.map_or(0, |(_, rows)| rows.child_element_count() as usize);
        let on_screen = self.rows.len().saturating_sub(off);
        if !self.follow.get() || on_screen <= ON_SCREEN + OFF_SCREEN_BATCH {
            return;
        }
        // Never the row with the focus (a keyboard visitor's link or Retry button), nor any
        // after it: moving it out of the document would drop the focus to the page. They go
        // with a later batch, once the focus is elsewhere.
        let focused = crate::browser::document().active_element();
        let end = self.rows.len() - ON_SCREEN;
        let end = self.rows[off..end]
            .iter()
            .position(|row| row.element.contains(focused.as_deref()))
            .map_or(end, |at| off + at);
        if end == off {
            return;
        }
        let list = &self.element;
        let (earlier, rows) = self.off_screen.get_or_insert_with(|| off_screen(list));
        for row in &self.rows[off..end] {
            let _ = rows.append_child(&row.element);
        }
        hide(earlier, false);
        // At the bottom now, not in the next frame: the browser would keep the rows in view
        // where they were (scroll anchoring). And that lower position is the widget's, not
        // a visitor's move up. (A layout once per batch of rows.)
        self.element.set_scroll_top(self.element.scroll_height());
        self.last_top.set(self.element.scroll_top());
    }

    /// Scrolls to the newest content if the visitor is following along: once per frame
    /// however many updates came in it (a fast stream brings several), since each scroll
    /// reads the list's height, which makes the browser lay it out again.
    fn follow_along(&self) {
        if !self.follow.get() || self.scroll_due.replace(true) {
            return;
        }
        let (list, due) = (self.element.clone(), self.scroll_due.clone());
        let following = self.follow.clone();
        // After this task's DOM updates, so the new row's height is known; and only if the
        // visitor has not scrolled up to re-read in the meantime.
        request_animation_frame(move || {
            due.set(false);
            if following.get() {
                list.set_scroll_top(list.scroll_height());
            }
        });
    }

    /// Brings the rows in step with `messages`; false if nothing changed.
    fn show_rows(&mut self, messages: &[crate::conversation::Message]) -> bool {
        let updates = plan(&self.shown, messages);
        if updates.is_empty() {
            return false;
        }
        for update in updates {
            let row = match update {
                RowChange::Rebuild => {
                    for row in self.rows.drain(..) {
                        row.element.remove();
                    }
                    if let Some((earlier, _)) = &self.off_screen {
                        hide(earlier, true);
                    }
                    self.shown.clear();
                    self.add(messages);
                    continue;
                }
                RowChange::Add(from) => {
                    self.add(&messages[from..]);
                    continue;
                }
                RowChange::Append { row, from } => {
                    self.rows[row].append(&messages[row].text, from);
                    row
                }
                RowChange::Rewrite(row) => {
                    self.rows[row].rewrite(&messages[row]);
                    row
                }
                RowChange::Delivery(row) => {
                    self.rows[row].show_delivery(&messages[row]);
                    row
                }
            };
            self.shown[row] = Shown::of(&messages[row]);
        }
        true
    }

    fn add(&mut self, messages: &[crate::conversation::Message]) {
        for message in messages {
            let row = Row::of(message);
            let _ = self
                .element
                .insert_before(&row.element, Some(&self.activity));
            self.rows.push(row);
            self.shown.push(Shown::of(message));
        }
    }
}

/// The button of `list` that shows its earlier messages, and where they wait off screen.
/// It puts them all back at once, above the first on screen, and that row stays where it
/// was in the view: browsers keep it there by themselves (scroll anchoring), but not from
/// the very top of the list, which is where the visitor presses the button. The focus goes
/// to the list, which the keyboard scrolls, as the button goes.
fn off_screen(list: &Element) -> (Element, web_sys::DocumentFragment) {
    let earlier = find(list, ".docent-earlier");
    let rows = crate::browser::document().create_document_fragment();
    let (to, button, back) = (list.clone(), earlier.clone(), rows.clone());
    on(&earlier, "click", move |_| {
        let first = button.next_element_sibling();
        let top = |row: &Element| row.get_bounding_client_rect().top();
        let was = first.as_ref().map(top);
        let _ = to.insert_before(&back, button.next_sibling().as_ref());
        hide(&button, true);
        if let (Some(first), Some(was)) = (first, was) {
            to.set_scroll_top(to.scroll_top() + (top(&first) - was).round() as i32);
        }
        let _ = to.unchecked_ref::<web_sys::HtmlElement>().focus();
    });
    (earlier, rows)
}

/// The products the agent offers: one card each, with what the platform gave (a picture,
/// the name, the price, a few specs, whether it is the agent's pick, its variants) and a link
/// to its page in a new tab. Every text is a text node; URLs were checked by the protocol
/// (http(s) or a path only).
#[cfg(feature = "product-cards")]
pub fn product_cards(products: &[docent_protocol::Product]) -> Element {
    use super::dom::{append, make, make_text};
    let list = make(
        "ul",
        &[
            ("class", "docent-cards"),
            ("aria-label", &texts::get(texts::T::Products)),
        ],
    );
    for p in products {
        let title = p.title.as_deref().unwrap_or_default();
        let card = make(
            "li",
            &[
                ("class", "docent-card"),
                ("data-testid", "docent-card"),
                (
                    "data-recommended",
                    if p.recommended { "true" } else { "false" },
                ),
                ("aria-label", title),
            ],
        );
        // The title follows in words: the picture adds nothing to read out.
        if let Some(src) = &p.image_url {
            let image = make(
                "img",
                &[
                    ("class", "docent-card__image"),
                    ("src", src),
                    ("alt", ""),
                    ("loading", "lazy"),
                ],
            );
            append(&card, &[&image]);
        }
        if p.recommended {
            let badge = make_text(
                "span",
                &[("class", "docent-card__badge")],
                &texts::get(texts::T::Recommended),
            );
            append(&card, &[&badge]);
        }
        append(
            &card,
            &[&make_text("p", &[("class", "docent-card__title")], title)],
        );
        if let Some(price) = &p.price {
            append(
                &card,
                &[&make_text("p", &[("class", "docent-card__price")], price)],
            );
        }
        let specs = make("dl", &[("class", "docent-card__specs")]);
        for spec in p.parameters.iter().take(4) {
            append(
                &specs,
                &[
                    &make_text("dt", &[], &spec.label),
                    &make_text("dd", &[], &spec.value),
                ],
            );
        }
        append(&card, &[&specs]);
        if !p.variants.is_empty() {
            let names: Vec<&str> = p
                .variants
                .iter()
                .filter_map(|v| v.title.as_deref())
                .collect();
            let variants = make_text(
                "p",
                &[("class", "docent-card__variants")],
                &texts::fill(texts::T::AlsoIn, &[("names", &names.join(", "))]),
            );
            append(&card, &[&variants]);
        }
        if let Some(href) = &p.url {
            let link = make_text(
                "a",
                &[
                    ("class", "docent-card__link"),
                    ("href", href),
                    ("target", "_blank"),
                    ("rel", "noopener noreferrer"),
                    (
                        "aria-label",
                        &texts::fill(texts::T::ViewProduct, &[("title", title)]),
                    ),
                ],
                &texts::get(texts::T::View),
            );
            append(&card, &[&link]);
        }
        append(&list, &[&card]);
    }
    list
}

/// A card whose link gets the keyboard focus is scrolled fully into its row of cards:
/// browsers leave a partly visible one where it is, so its link may sit outside the window.
#[cfg(feature = "product-cards")]
fn show_focused_card(ev: web_sys::Event) {
    let (Some(card), Some(row)) = (closest(&ev, ".docent-card"), closest(&ev, ".docent-cards"))
    else {
        return;
    };
    let (card_box, row_box) = (
        card.get_bounding_client_rect(),
        row.get_bounding_client_rect(),
    );
    let past_left = row_box.left() - card_box.left();
    let past_right = card_box.right() - row_box.right();
    if past_left > 0.0 {
        row.set_scroll_left(row.scroll_left() - past_left.ceil() as i32);
    } else if past_right > 0.0 {
        row.set_scroll_left(row.scroll_left() + past_right.ceil() as i32);
    }
}

#[cfg(test)]
mod tests {
    use super::should_follow;

    #[test]
    fn the_list_follows_only_a_visitor_at_the_bottom() {
        assert!(should_follow(false, false, 600, 400, 1000), "at the bottom");
        assert!(
            should_follow(false, true, 560, 400, 1000),
            "a few pixels above"
        );
        assert!(
            !should_follow(true, true, 100, 400, 1000),
            "scrolled up to re-read"
        );
        assert!(should_follow(false, true, 0, 400, 300), "nothing to scroll");
        // Content landed below before the scroll event of the widget's own scroll down.
        assert!(
            should_follow(true, false, 600, 400, 1600),
            "did not move up"
        );
        assert!(
            !should_follow(false, false, 700, 400, 1600),
            "reading, scrolling down"
        );
    }
}
