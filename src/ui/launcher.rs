use crate::texts;
use leptos::prelude::*;

/// The round button that opens and closes the chat window.
#[component]
pub fn Launcher(
    /// Whether the chat window is open.
    #[prop(into)]
    open: Signal<bool>,
    /// Replies that came while the window was closed: a badge, and in the launcher's name.
    #[prop(into)]
    unread: Signal<usize>,
    /// Called when the visitor clicks the launcher.
    #[prop(into)]
    on_toggle: Callback<()>,
) -> impl IntoView {
    view! {
        <button
            type="button"
            class="docent-launcher"
            data-testid="docent-launcher"
            aria-expanded=move || open.get().to_string()
            aria-label=move || match (open.get(), unread.get()) {
                (true, _) => texts::get(texts::T::CloseChat),
                (false, 0) => texts::get(texts::T::OpenChat),
                (false, n) => texts::fill(texts::T::OpenChatUnread, &[("count", &texts::number(n))]),
            }
            on:click=move |_| on_toggle.run(())
        >
            // Drawn, not an emoji: emoji fonts are missing on many systems.
            <svg class="docent-launcher__icon" viewBox="0 0 24 24" width="26" height="26" aria-hidden="true"
                fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
                <path d=move || if open.get() {
                    "M6 6l12 12M18 6L6 18"
                } else {
                    "M4 5h16v11H9l-5 4z"
                }/>
            </svg>
            // Empty while there is nothing unread (it is hidden then): the first `Intl`
            // number format costs ~30 ms (the locale's data), which is not start-up's to pay.
            <span class="docent-launcher__badge" data-testid="docent-unread" aria-hidden="true"
                hidden=move || open.get() || unread.get() == 0>
                {move || match unread.get() {
                    0 => String::new(),
                    n => texts::number(n),
                }}
            </span>
        </button>
    }
}
