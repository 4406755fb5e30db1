use crate::conversation::check_visitor_text;
use crate::texts;
use leptos::prelude::*;

/// Where the visitor types. Enter sends, Shift+Enter starts a new line; empty or oversized
/// text is refused with a reason and stays in the box, so nothing typed is lost.
#[component]
pub fn Composer(
    /// Called with the trimmed text when the visitor sends.
    #[prop(into)]
    on_send: Callback<String>,
    /// The chat cannot take messages now (it ended).
    #[prop(into)]
    disabled: Signal<bool>,
    /// The longest message the platform takes, in characters.
    #[prop(optional)]
    max_chars: Option<usize>,
    /// A message the platform refused comes back here, to be changed and sent again (the
    /// refused message's id, so the same text refused twice still comes back).
    #[prop(optional, into)]
    returned: Option<Signal<Option<(u64, String)>>>,
) -> impl IntoView {
    let max = max_chars.unwrap_or(crate::conversation::MAX_VISITOR_CHARS);
    let text = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    if let Some(returned) = returned {
        Effect::new(move |_| {
            if let Some((_, refused)) = returned.get() {
                text.set(refused);
            }
        });
    }
    let send = move || match check_visitor_text(&text.get_untracked(), max) {
        Ok(message) => {
            problem.set(None);
            text.set(String::new());
            on_send.run(message);
        }
        Err(reason) => problem.set(Some(reason)),
    };
    let near_limit = move || {
        let count = text.with(|t| t.chars().count());
        (count > max * 9 / 10).then(|| format!("{} / {}", texts::number(count), texts::number(max)))
    };
    view! {
        <form class="docent-composer" data-testid="docent-composer"
            on:submit=move |ev| { ev.prevent_default(); send(); }>
            <textarea
                class="docent-composer__input"
                data-testid="docent-input"
                rows="1"
                placeholder=texts::get(texts::T::TypeAMessage)
                aria-label=texts::get(texts::T::Message)
                aria-invalid=move || problem.with(Option::is_some).to_string()
                disabled=disabled
                prop:value=move || text.get()
                on:input=move |ev| {
                    text.set(event_target_value(&ev));
                    problem.set(None);
                }
                on:keydown=move |ev| {
                    // While an input method is composing, Enter confirms the composition.
                    if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                        ev.prevent_default();
                        send();
                    }
                }
            ></textarea>
            <button type="submit" class="docent-composer__send" data-testid="docent-send"
                disabled=disabled aria-label=texts::get(texts::T::SendMessage)>
                {texts::get(texts::T::Send)}
            </button>
            <div class="docent-composer__hint" role="alert" hidden=move || problem.with(Option::is_none)>
                {move || problem.get()}
            </div>
            <div class="docent-composer__count" hidden=move || near_limit().is_none()>{near_limit}</div>
        </form>
    }
}
