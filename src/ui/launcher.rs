use leptos::prelude::*;

/// The round button that opens and closes the chat window.
#[component]
pub fn Launcher(
    /// Whether the chat window is open.
    #[prop(into)]
    open: Signal<bool>,
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
            aria-label=move || if open.get() { "Close chat" } else { "Open chat" }
            on:click=move |_| on_toggle.run(())
        >
            <span class="docent-launcher__icon" aria-hidden="true">
                {move || if open.get() { "×" } else { "💬" }}
            </span>
        </button>
    }
}
