use crate::conversation::{Notice, Status, TourStep};
use crate::texts::{fill, get, number, T};
use leptos::prelude::*;

/// One line that says what the connection is doing, and any problem, in plain words, with
/// the one action that helps (retry, or start a new chat).
#[component]
pub fn StatusLine(
    #[prop(into)] status: Signal<Status>,
    /// A passing problem that did not end the chat.
    #[prop(into)]
    notice: Signal<Option<Notice>>,
    /// Try the connection (or the start) again now.
    #[prop(into)]
    on_retry: Callback<()>,
    /// Start a new chat after this one ended.
    #[prop(into)]
    on_start_new: Callback<()>,
    /// The agent is showing the visitor around the demo.
    #[prop(into)]
    tour: Signal<Option<TourStep>>,
    /// Stop the tour.
    #[prop(into)]
    on_stop: Callback<()>,
) -> impl IntoView {
    let text = move || match status.get() {
        Status::Idle | Status::Connected => match tour.get() {
            Some(step) => Some(fill(
                T::TourStep,
                &[
                    ("step", &number(step.step)),
                    ("total", &number(step.total)),
                    ("doing", &step.doing),
                ],
            )),
            None => notice.get().map(|n| n.text),
        },
        Status::Starting => Some(get(T::Starting)),
        Status::Connecting => Some(get(T::Connecting)),
        Status::Offline => Some(get(T::Offline)),
        Status::Reconnecting { in_ms } => Some(fill(
            T::ReconnectingIn,
            &[("seconds", &number(in_ms.div_ceil(1000) as usize))],
        )),
        Status::Failed { reason } | Status::Ended { reason } => Some(reason),
    };
    let kind = move || match status.get() {
        Status::Failed { .. } | Status::Ended { .. } => "docent-status docent-status--error",
        Status::Reconnecting { .. } | Status::Offline | Status::Starting | Status::Connecting => {
            "docent-status docent-status--busy"
        }
        _ if tour.with(Option::is_some) => "docent-status docent-status--tour",
        _ if notice.with(Option::is_some) => "docent-status docent-status--warning",
        _ => "docent-status",
    };
    let action = move || match status.get() {
        Status::Reconnecting { .. } => Some((get(T::RetryNow), on_retry)),
        Status::Failed { .. } => Some((get(T::TryAgain), on_retry)),
        Status::Ended { .. } => Some((get(T::StartNewChat), on_start_new)),
        _ if tour.with(Option::is_some) => Some((get(T::Stop), on_stop)),
        _ => None,
    };
    view! {
        <div class=kind data-testid="docent-status" role="status" aria-live="polite"
            hidden=move || text().is_none()>
            <span class="docent-status__text">{text}</span>
            {move || action().map(|(label, callback)| view! {
                <button type="button" class="docent-status__action" on:click=move |_| callback.run(())>
                    {label}
                </button>
            })}
        </div>
    }
}
