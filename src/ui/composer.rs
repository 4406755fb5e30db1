use super::dom::{append, flag, hide, make, make_text, on, say, set};
use crate::conversation::check_visitor_text;
use crate::texts;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlTextAreaElement};

/// Where the visitor types. Enter sends, Shift+Enter starts a new line; empty or oversized
/// text is refused with a reason and stays in the box, so nothing typed is lost. The text
/// being typed lives in the box itself.
pub struct Composer {
    pub element: Element,
    input: HtmlTextAreaElement,
    send: Element,
    count: Element,
    /// The refused message last given back (its id), so it is put in the box once.
    returned: Option<u64>,
    disabled: bool,
}

impl Composer {
    /// `on_send` is called with the trimmed text when the visitor sends; `max` is the
    /// longest message the platform takes, in characters.
    pub fn new(max: usize, on_send: impl Fn(String) + 'static) -> Composer {
        let element = make(
            "form",
            &[
                ("class", "docent-composer"),
                ("data-testid", "docent-composer"),
            ],
        );
        let input: HtmlTextAreaElement = make(
            "textarea",
            &[
                ("class", "docent-composer__input"),
                ("data-testid", "docent-input"),
                ("rows", "1"),
                ("placeholder", &texts::get(texts::T::TypeAMessage)),
                ("aria-label", &texts::get(texts::T::Message)),
                ("aria-invalid", "false"),
            ],
        )
        .unchecked_into();
        let send = make_text(
            "button",
            &[
                ("type", "submit"),
                ("class", "docent-composer__send"),
                ("data-testid", "docent-send"),
                ("aria-label", &texts::get(texts::T::SendMessage)),
            ],
            &texts::get(texts::T::Send),
        );
        let hint = make(
            "div",
            &[
                ("class", "docent-composer__hint"),
                ("role", "alert"),
                ("hidden", ""),
            ],
        );
        let count = make(
            "div",
            &[("class", "docent-composer__count"), ("hidden", "")],
        );
        append(&element, &[&input, &send, &hint, &count]);

        let on_send = std::rc::Rc::new(on_send);
        let send_it = {
            let (input, hint, count) = (input.clone(), hint.clone(), count.clone());
            let on_send = on_send.clone();
            move || match check_visitor_text(&input.value(), max) {
                Ok(message) => {
                    show_problem(&input, &hint, None);
                    input.set_value("");
                    show_count(&count, &input, max);
                    on_send(message);
                }
                Err(reason) => show_problem(&input, &hint, Some(&reason)),
            }
        };
        let send_now = send_it.clone();
        on(&element, "submit", move |ev| {
            ev.prevent_default();
            send_now();
        });
        on(&input, "keydown", move |ev| {
            let key: &web_sys::KeyboardEvent = ev.unchecked_ref();
            // While an input method is composing, Enter confirms the composition.
            if key.key() == "Enter" && !key.shift_key() && !key.is_composing() {
                ev.prevent_default();
                send_it();
            }
        });
        let (typed, counted) = (input.clone(), count.clone());
        on(&input, "input", move |_| {
            show_problem(&typed, &hint, None);
            show_count(&counted, &typed, max);
        });
        Composer {
            element,
            input,
            send,
            count,
            returned: None,
            disabled: false,
        }
    }

    /// `disabled`: the chat cannot take messages now (it ended). `returned`: a message the
    /// platform refused comes back here, to be changed and sent again.
    pub fn update(&mut self, disabled: bool, returned: &Option<(u64, String)>, max: usize) {
        if disabled != self.disabled {
            self.disabled = disabled;
            flag(&self.input, "disabled", disabled);
            flag(&self.send, "disabled", disabled);
        }
        if let Some((id, text)) = returned {
            if self.returned != Some(*id) {
                self.returned = Some(*id);
                self.input.set_value(text);
                show_count(&self.count, &self.input, max);
            }
        }
    }
}

/// "1,850 / 2,000" once the text is near the platform's limit.
fn show_count(count: &Element, input: &HtmlTextAreaElement, max: usize) {
    let typed = input.value().chars().count();
    let near = typed > max * 9 / 10;
    hide(count, !near);
    if near {
        say(
            count,
            &format!("{} / {}", texts::number(typed), texts::number(max)),
        );
    }
}

fn show_problem(input: &HtmlTextAreaElement, hint: &Element, problem: Option<&str>) {
    set(
        input,
        "aria-invalid",
        if problem.is_some() { "true" } else { "false" },
    );
    hide(hint, problem.is_none());
    say(hint, problem.unwrap_or_default());
}
