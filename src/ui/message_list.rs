use super::transcript::{Row, Transcript};
use crate::conversation::{Author, Delivery};
use crate::texts;
use docent_protocol::Product;
use leptos::html::Div;
use leptos::prelude::*;

/// How close to the bottom (in CSS pixels) still counts as "reading the latest message".
const FOLLOW_SLACK_PX: i32 = 48;

/// Whether new messages should scroll the list: only when the visitor is at (or near) the
/// bottom, so a visitor who scrolled up to re-read is left alone.
pub fn should_follow(scroll_top: i32, client_height: i32, scroll_height: i32) -> bool {
    scroll_height - (scroll_top + client_height) <= FOLLOW_SLACK_PX
}

/// The transcript, oldest first, with the typing indicator at its end.
#[component]
pub fn MessageList(
    /// The rows, kept in step with the conversation by whoever owns it.
    transcript: Transcript,
    /// The agent is working on a reply.
    #[prop(into)]
    typing: Signal<bool>,
    /// Used to say who is typing.
    #[prop(into)]
    agent_name: Signal<String>,
    /// What the agent's tools are doing in this turn, if anything (one compact line).
    #[prop(optional, into)]
    activity: MaybeProp<String>,
    /// Called with a message's id when the visitor retries a message that failed.
    #[prop(into)]
    on_retry: Callback<u64>,
) -> impl IntoView {
    let list = NodeRef::<Div>::new();
    // Decided on scroll, not on update: by the time new content lands, the old position
    // is what tells whether the visitor was following along.
    let follow = StoredValue::new(true);
    let on_scroll = move |_| {
        if let Some(el) = list.get() {
            follow.set_value(should_follow(
                el.scroll_top(),
                el.client_height(),
                el.scroll_height(),
            ));
        }
    };
    Effect::new(move |_| {
        transcript.track();
        typing.track();
        activity.track();
        if follow.get_value() {
            // After this tick's DOM updates, so the new row's height is known.
            request_animation_frame(move || {
                if let Some(el) = list.get_untracked() {
                    el.set_scroll_top(el.scroll_height());
                }
            });
        }
    });
    view! {
        // No live region: it would read every streamed token; the widget's announcer reads
        // each finished message once. Focusable, so the keyboard can scroll it.
        <div class="docent-messages" data-testid="docent-messages" node_ref=list on:scroll=on_scroll
            role="group" aria-label=texts::get(texts::T::Messages) tabindex="0">
            // Keyed by id alone: a row lives as long as its message, and its text and
            // delivery change in place.
            <For
                each=move || transcript.rows().get()
                key=|row| row.id
                children=move |row| view! { <MessageRow row=row on_retry=on_retry/> }
            />
            <div class="docent-activity" data-testid="docent-activity" role="status" aria-label=texts::get(texts::T::Activity)
                hidden=move || activity.with(Option::is_none)>
                {move || activity.get()}
            </div>
            <div class="docent-typing" data-testid="docent-typing" hidden=move || !typing.get()
                role="status">
                <span class="docent-sr">{move || texts::fill(texts::T::IsTyping, &[("name", &agent_name.get())])}</span>
                <span class="docent-typing__dot"></span>
                <span class="docent-typing__dot"></span>
                <span class="docent-typing__dot"></span>
            </div>
        </div>
    }
}

/// One message. A visitor's text is a text node; an agent's is markdown built as DOM nodes
/// (`rich_text`): nothing either sends is ever parsed as HTML.
#[component]
fn MessageRow(row: Row, on_retry: Callback<u64>) -> impl IntoView {
    let author = match row.author {
        Author::Visitor => "visitor",
        Author::Agent => "agent",
    };
    let delivery = row.delivery;
    let pending = move || delivery.get() == Delivery::Pending;
    let unsure = move || delivery.get() == Delivery::Unconfirmed;
    let failed = move || unsure() || delivery.get() == Delivery::Failed;
    let class = move || {
        format!(
            "docent-message docent-message--{author}{}{}",
            if pending() {
                " docent-message--pending"
            } else {
                ""
            },
            if failed() {
                " docent-message--failed"
            } else {
                ""
            }
        )
    };
    let id = row.id;
    let bubble = NodeRef::<leptos::html::Div>::new();
    let content = row.content.node();
    bubble.on_load(move |el| {
        let _ = el.append_child(&content);
    });
    view! {
        <div class=class data-testid="docent-message" data-author=author data-speech=row.speech>
            <div class="docent-message__bubble" node_ref=bubble></div>
            {cards(row.products)}
            {move || pending().then(|| view! { <div class="docent-message__meta">{texts::get(texts::T::WaitingToSend)}</div> })}
            {move || failed().then(|| view! {
                <div class="docent-message__meta docent-message__meta--failed">
                    {texts::get(if unsure() { texts::T::MayNotHaveArrived } else { texts::T::NotDeliveredShort })} " "
                    <button type="button" class="docent-message__retry" on:click=move |_| on_retry.run(id)>
                        {texts::get(if unsure() { texts::T::SendAgain } else { texts::T::Retry })}
                    </button>
                </div>
            })}
        </div>
    }
}

/// The row's product cards, in builds for platforms that offer products.
#[cfg(feature = "product-cards")]
fn cards(products: RwSignal<Vec<Product>>) -> impl IntoView {
    move || products.with(|p| (!p.is_empty()).then(|| view! { <ProductCards products=p.clone()/> }))
}

#[cfg(not(feature = "product-cards"))]
fn cards(_: RwSignal<Vec<Product>>) {}

/// The products the agent offers: one card each, with what the platform gave (a picture,
/// the name, the price, a few specs, whether it is the agent's pick, its variants) and a link
/// to its page in a new tab. Every text is a text node; URLs were checked by the protocol
/// (http(s) or a path only).
#[cfg(feature = "product-cards")]
#[component]
fn ProductCards(products: Vec<Product>) -> impl IntoView {
    let cards = products
        .into_iter()
        .map(|p| {
            let title = p.title.clone().unwrap_or_default();
            let variants = (!p.variants.is_empty()).then(|| {
                let names: Vec<String> = p.variants.iter().filter_map(|v| v.title.clone()).collect();
                view! { <p class="docent-card__variants">{texts::fill(texts::T::AlsoIn, &[("names", &names.join(", "))])}</p> }
            });
            view! {
                <li class="docent-card" data-testid="docent-card" data-recommended=p.recommended.to_string()
                    aria-label=title.clone()>
                    // The title follows in words: the picture adds nothing to read out.
                    {p.image_url.clone().map(|src| view! {
                        <img class="docent-card__image" src=src alt="" loading="lazy"/>
                    })}
                    {p.recommended.then(|| view! { <span class="docent-card__badge">{texts::get(texts::T::Recommended)}</span> })}
                    <p class="docent-card__title">{title.clone()}</p>
                    {p.price.clone().map(|price| view! { <p class="docent-card__price">{price}</p> })}
                    <dl class="docent-card__specs">
                        {p.parameters.into_iter().take(4).map(|s| view! { <dt>{s.label}</dt><dd>{s.value}</dd> }).collect_view()}
                    </dl>
                    {variants}
                    {p.url.clone().map(|href| view! {
                        <a class="docent-card__link" href=href target="_blank" rel="noopener noreferrer"
                            aria-label=texts::fill(texts::T::ViewProduct, &[("title", &title)])>{texts::get(texts::T::View)}</a>
                    })}
                </li>
            }
        })
        .collect_view();
    view! { <ul class="docent-cards" aria-label=texts::get(texts::T::Products) on:focusin=show_focused_card>{cards}</ul> }
}

/// A card whose link gets the keyboard focus is scrolled fully into the row: browsers leave
/// a partly visible one where it is, so its link may sit outside the window.
#[cfg(feature = "product-cards")]
fn show_focused_card(ev: web_sys::FocusEvent) {
    use wasm_bindgen::JsCast;
    let card = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|t| t.closest(".docent-card").ok().flatten());
    let row = ev
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
    let (Some(card), Some(row)) = (card, row) else {
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
        assert!(should_follow(600, 400, 1000), "at the bottom");
        assert!(should_follow(560, 400, 1000), "a few pixels above");
        assert!(!should_follow(100, 400, 1000), "scrolled up to re-read");
        assert!(should_follow(0, 400, 300), "nothing to scroll");
    }
}
