//! Browser tests of the page-command executor against a fixture iframe (same origin as the
//! test page): every action, and every way one can fail, in headless Chromium.
#![cfg(target_arch = "wasm32")]

use docent::commands::{failure_sentence, navigation_refused};
use docent_protocol::PageCommand;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlIFrameElement, HtmlInputElement, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

/// The tour's one-command entry, as the widget's tour uses it for each step.
#[wasm_bindgen::prelude::wasm_bindgen(module = "/src/commands/tour.js")]
extern "C" {
    fn perform(
        frame: &HtmlIFrameElement,
        command: &wasm_bindgen::JsValue,
        cancelled: &js_sys::Function,
        check: &js_sys::Function,
    ) -> js_sys::Promise;
}

#[wasm_bindgen::prelude::wasm_bindgen(module = "/src/commands/executor.js")]
extern "C" {
    #[wasm_bindgen(js_name = clearHighlight)]
    fn clear_highlight();
}

const FIXTURE: &str = r#"
<form id="deal-form">
  <input id="deal-name">
  <select id="deal-stage">
    <option value="lead">Lead</option>
    <option value="proposal">Proposal</option>
    <option value="won">Won</option>
  </select>
  <button id="go" type="button">Go</button>
  <div id="plain">not a field</div>
</form>
<div style="height: 3000px"></div>
<div id="far-away" data-testid="far-away" style="height: 50px">bottom</div>
"#;

/// A fresh iframe on a same-origin URL (a 404 page, which is enough), with the fixture
/// written into its body.
async fn fixture() -> HtmlIFrameElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let frame: HtmlIFrameElement = document.create_element("iframe").unwrap().unchecked_into();
    frame
        .set_attribute("style", "width: 600px; height: 400px")
        .unwrap();
    let loaded = load_promise(&frame);
    frame.set_src("/docent-fixture");
    document.body().unwrap().append_child(&frame).unwrap();
    wasm_bindgen_futures::JsFuture::from(loaded).await.unwrap();
    frame
        .content_document()
        .unwrap()
        .body()
        .unwrap()
        .set_inner_html(FIXTURE);
    frame
}

fn load_promise(frame: &HtmlIFrameElement) -> js_sys::Promise {
    js_sys::Promise::new(&mut |resolve, _| {
        let options = web_sys::AddEventListenerOptions::new();
        options.set_once(true);
        frame
            .add_event_listener_with_callback_and_add_event_listener_options(
                "load", &resolve, &options,
            )
            .unwrap();
    })
}

/// Waits `ms` milliseconds.
async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Runs one command as the widget's tour does (the demo's own origin allowed, no other),
/// and says what the visitor would be told if it fails.
async fn run(frame: &HtmlIFrameElement, command: PageCommand) -> Result<(), String> {
    let wire = js_sys::JSON::parse(&command.to_json().to_json()).unwrap();
    let cancelled = Closure::<dyn Fn() -> bool>::new(|| false);
    let check = Closure::<dyn Fn(String) -> Option<String>>::new(|resolved: String| {
        navigation_refused(&resolved, &[])
    });
    let outcome = wasm_bindgen_futures::JsFuture::from(perform(
        frame,
        &wire,
        cancelled.as_ref().unchecked_ref(),
        check.as_ref().unchecked_ref(),
    ))
    .await
    .unwrap();
    match outcome.as_string() {
        None => Ok(()),
        Some(code) => Err(failure_sentence(&command, &code)),
    }
}

/// Runs a command that must fail; returns what the visitor is told.
async fn failure(frame: &HtmlIFrameElement, command: PageCommand) -> String {
    run(frame, command)
        .await
        .expect_err("the command should have failed")
}

/// Counts events of `kind` on the fixture element `id`.
fn count(frame: &HtmlIFrameElement, id: &str, kind: &str) -> Rc<Cell<u32>> {
    let counter = Rc::new(Cell::new(0));
    let c = counter.clone();
    let listener = Closure::<dyn FnMut()>::new(move || c.set(c.get() + 1));
    element(frame, id)
        .add_event_listener_with_callback(kind, listener.as_ref().unchecked_ref())
        .unwrap();
    listener.forget();
    counter
}

fn element(frame: &HtmlIFrameElement, id: &str) -> web_sys::Element {
    frame
        .content_document()
        .unwrap()
        .get_element_by_id(id)
        .unwrap()
}

fn selector(s: &str) -> String {
    s.to_string()
}

#[wasm_bindgen_test]
async fn click_clicks_the_element() {
    let frame = fixture().await;
    let clicks = count(&frame, "go", "click");
    run(
        &frame,
        PageCommand::Click {
            selector: selector("#go"),
        },
    )
    .await
    .unwrap();
    assert_eq!(clicks.get(), 1);
}

#[wasm_bindgen_test]
async fn type_fills_the_field_with_the_events_typing_fires() {
    let frame = fixture().await;
    let inputs = count(&frame, "deal-name", "input");
    let changes = count(&frame, "deal-name", "change");
    run(
        &frame,
        PageCommand::Type {
            selector: selector("#deal-name"),
            text: "Acme".into(),
        },
    )
    .await
    .unwrap();
    let field: HtmlInputElement = element(&frame, "deal-name").unchecked_into();
    assert_eq!(field.value(), "Acme");
    assert_eq!(inputs.get(), 4, "one input event per character");
    assert_eq!(changes.get(), 1);

    let long = "z".repeat(500);
    run(
        &frame,
        PageCommand::Type {
            selector: selector("#deal-name"),
            text: long.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        field.value(),
        long,
        "long text lands whole after the typed start"
    );
}

#[wasm_bindgen_test]
async fn select_picks_an_option_by_value_or_by_label() {
    let frame = fixture().await;
    let changes = count(&frame, "deal-stage", "change");
    let stage = || {
        element(&frame, "deal-stage")
            .unchecked_into::<HtmlSelectElement>()
            .value()
    };
    run(
        &frame,
        PageCommand::Select {
            selector: selector("#deal-stage"),
            option: "proposal".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(stage(), "proposal");
    run(
        &frame,
        PageCommand::Select {
            selector: selector("#deal-stage"),
            option: "won".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(stage(), "won");
    run(
        &frame,
        PageCommand::Select {
            selector: selector("#deal-stage"),
            option: " lead ".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(stage(), "lead", "by label, case and spaces ignored");
    assert_eq!(changes.get(), 3);

    let error = failure(
        &frame,
        PageCommand::Select {
            selector: selector("#deal-stage"),
            option: "lost".into(),
        },
    )
    .await;
    assert_eq!(error, "the deal stage has no option “lost”");
    let error = failure(
        &frame,
        PageCommand::Select {
            selector: selector("#plain"),
            option: "x".into(),
        },
    )
    .await;
    assert_eq!(error, "the plain is not a dropdown");
}

#[wasm_bindgen_test]
async fn highlight_draws_an_overlay_over_the_element_until_cleared() {
    let frame = fixture().await;
    run(
        &frame,
        PageCommand::Highlight {
            selector: selector("#deal-name"),
        },
    )
    .await
    .unwrap();
    let document = frame.content_document().unwrap();
    let overlay = document
        .query_selector("[data-docent-highlight]")
        .unwrap()
        .expect("an overlay");
    let target = element(&frame, "deal-name").get_bounding_client_rect();
    let drawn = overlay.get_bounding_client_rect();
    for (a, b) in [
        (target.left(), drawn.left()),
        (target.top(), drawn.top()),
        (target.width(), drawn.width()),
        (target.height(), drawn.height()),
    ] {
        assert!((a - b).abs() < 1.0, "overlay {b} vs element {a}");
    }
    // The next command clears it.
    run(
        &frame,
        PageCommand::Click {
            selector: selector("#go"),
        },
    )
    .await
    .unwrap();
    assert!(document
        .query_selector("[data-docent-highlight]")
        .unwrap()
        .is_none());
    clear_highlight();
}

#[wasm_bindgen_test]
async fn scroll_brings_the_element_into_the_demo_viewport_only() {
    let frame = fixture().await;
    let host_scroll = web_sys::window().unwrap().scroll_y().unwrap();
    run(
        &frame,
        PageCommand::Scroll {
            selector: selector("[data-testid='far-away']"),
        },
    )
    .await
    .unwrap();
    sleep(1200).await;
    let window = frame.content_window().unwrap();
    assert!(
        window.scroll_y().unwrap() > 2000.0,
        "the demo did not scroll"
    );
    let rect = element(&frame, "far-away").get_bounding_client_rect();
    assert!(
        rect.top() >= 0.0 && rect.bottom() <= 400.0,
        "not in view: {}",
        rect.top()
    );
    assert_eq!(
        web_sys::window().unwrap().scroll_y().unwrap(),
        host_scroll,
        "the host page moved"
    );
}

#[wasm_bindgen_test]
async fn wait_returns_when_the_element_appears_and_fails_after_its_timeout() {
    let frame = fixture().await;
    let document = frame.content_document().unwrap();
    let later = Closure::once_into_js(move || {
        let div = document.create_element("div").unwrap();
        div.set_id("late");
        document.body().unwrap().append_child(&div).unwrap();
    });
    web_sys::window()
        .unwrap()
        .set_timeout_with_callback_and_timeout_and_arguments_0(later.unchecked_ref(), 200)
        .unwrap();
    run(
        &frame,
        PageCommand::Wait {
            selector: selector("#late"),
            timeout_ms: 3000,
        },
    )
    .await
    .unwrap();

    let started = js_sys::Date::now();
    let error = failure(
        &frame,
        PageCommand::Wait {
            selector: selector("#never"),
            timeout_ms: 300,
        },
    )
    .await;
    assert_eq!(error, "the never did not appear within 0.3 s");
    assert!(
        js_sys::Date::now() - started < 2000.0,
        "the wait was not bounded"
    );
}

#[wasm_bindgen_test]
async fn navigate_loads_a_page_of_the_demo_origin_and_refuses_others() {
    let frame = fixture().await;
    run(
        &frame,
        PageCommand::Navigate {
            url: "/docent-fixture-next?step=2".into(),
        },
    )
    .await
    .unwrap();
    let location = frame.content_window().unwrap().location();
    assert_eq!(location.pathname().unwrap(), "/docent-fixture-next");
    assert_eq!(location.search().unwrap(), "?step=2");

    for url in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example/x",
    ] {
        let error = failure(&frame, PageCommand::Navigate { url: url.into() }).await;
        assert!(error.contains("evil.example"), "{url}: {error}");
    }
    let error = failure(
        &frame,
        PageCommand::Navigate {
            url: "javascript:alert(1)".into(),
        },
    )
    .await;
    assert!(error.contains("javascript:"), "{error}");
    assert_eq!(
        frame
            .content_window()
            .unwrap()
            .location()
            .pathname()
            .unwrap(),
        "/docent-fixture-next"
    );
}

#[wasm_bindgen_test]
async fn missing_elements_and_bad_selectors_fail_that_command_with_a_reason() {
    let frame = fixture().await;
    let error = failure(
        &frame,
        PageCommand::Click {
            selector: selector("#missing"),
        },
    )
    .await;
    assert_eq!(error, "nothing on the demo page matches `#missing`");
    let error = failure(
        &frame,
        PageCommand::Click {
            selector: selector(")("),
        },
    )
    .await;
    assert_eq!(error, "`)(` is not a valid CSS selector");
    let error = failure(
        &frame,
        PageCommand::Type {
            selector: selector("#plain"),
            text: "x".into(),
        },
    )
    .await;
    assert_eq!(error, "the plain is not a text field");
    // The executor keeps working after failures.
    run(
        &frame,
        PageCommand::Click {
            selector: selector("#go"),
        },
    )
    .await
    .unwrap();
}
