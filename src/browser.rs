//! The few browser helpers the widget needs, written against `web_sys` directly (they came
//! from Leptos before the view layer was written without it: docs/SIZE-PLAN.md, step 7):
//! the page's window and document, timers that can be cleared, the next frame, and
//! [`Slot`], a `Copy` handle to a value, so every callback can hold the chat.

use std::any::Any;
use std::cell::RefCell;
use std::marker::PhantomData;
use std::rc::Rc;
use std::time::Duration;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

pub fn window() -> web_sys::Window {
    web_sys::window().expect("the widget runs in a page")
}

pub fn document() -> web_sys::Document {
    window().document().expect("the page has a document")
}

/// A scheduled `setTimeout`; [`TimeoutHandle::clear`] cancels it.
#[derive(Debug, Clone, Copy)]
pub struct TimeoutHandle(i32);

impl TimeoutHandle {
    pub fn clear(self) {
        window().clear_timeout_with_handle(self.0);
    }
}

/// A running `setInterval`; [`IntervalHandle::clear`] stops it.
#[derive(Debug, Clone, Copy)]
pub struct IntervalHandle(i32);

impl IntervalHandle {
    pub fn clear(self) {
        window().clear_interval_with_handle(self.0);
    }
}

fn millis(duration: Duration) -> i32 {
    duration.as_millis().min(i32::MAX as u128) as i32
}

/// Runs `callback` once after `duration`.
pub fn set_timeout_with_handle(
    callback: impl FnOnce() + 'static,
    duration: Duration,
) -> Result<TimeoutHandle, JsValue> {
    let callback = Closure::once_into_js(callback);
    window()
        .set_timeout_with_callback_and_timeout_and_arguments_0(
            callback.unchecked_ref(),
            millis(duration),
        )
        .map(TimeoutHandle)
}

/// Runs `callback` every `duration` until cleared. (The callback lives as long as the page:
/// intervals are the chat's heartbeat and watchdog, set once.)
pub fn set_interval_with_handle(
    callback: impl Fn() + 'static,
    duration: Duration,
) -> Result<IntervalHandle, JsValue> {
    let callback = Closure::<dyn Fn()>::new(callback).into_js_value();
    window()
        .set_interval_with_callback_and_timeout_and_arguments_0(
            callback.unchecked_ref(),
            millis(duration),
        )
        .map(IntervalHandle)
}

/// Runs `callback` before the next frame is painted, after this task's DOM changes.
pub fn request_animation_frame(callback: impl FnOnce() + 'static) {
    let callback = Closure::once_into_js(callback);
    let _ = window().request_animation_frame(callback.unchecked_ref());
}

thread_local! {
    /// Every slot's value. A slot's value lives as long as the page (a widget makes about
    /// fifteen; `Chat::destroy` empties the large ones).
    static SLOTS: RefCell<Vec<Rc<dyn Any>>> = const { RefCell::new(Vec::new()) };
}

/// A `Copy` handle to a value of type `T` that callbacks share. Reading or writing a
/// slot whose value is gone would be `None` from the `try_` methods and a panic from the
/// others; no slot's value goes today, so the two kinds answer alike.
pub struct Slot<T> {
    index: usize,
    kind: PhantomData<fn() -> T>,
}

impl<T> Clone for Slot<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Slot<T> {}

impl<T: 'static> Slot<T> {
    pub fn new(value: T) -> Slot<T> {
        let cell: Rc<dyn Any> = Rc::new(RefCell::new(value));
        let index = SLOTS.with_borrow_mut(|slots| {
            slots.push(cell);
            slots.len() - 1
        });
        Slot {
            index,
            kind: PhantomData,
        }
    }

    /// The value's cell, taken out of the table so callbacks may make slots while they hold it.
    fn cell(self) -> Option<Rc<RefCell<T>>> {
        let any = SLOTS.with_borrow(|slots| slots.get(self.index).cloned())?;
        any.downcast::<RefCell<T>>().ok()
    }

    pub fn try_with_value<R>(self, f: impl FnOnce(&T) -> R) -> Option<R> {
        Some(f(&self.cell()?.borrow()))
    }

    pub fn with_value<R>(self, f: impl FnOnce(&T) -> R) -> R {
        self.try_with_value(f).expect("slot disposed")
    }

    pub fn try_update_value<R>(self, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        Some(f(&mut self.cell()?.borrow_mut()))
    }

    pub fn update_value<R>(self, f: impl FnOnce(&mut T) -> R) -> R {
        self.try_update_value(f).expect("slot disposed")
    }

    pub fn set_value(self, value: T) {
        self.update_value(|v| *v = value);
    }
}

impl<T: Clone + 'static> Slot<T> {
    pub fn try_get_value(self) -> Option<T> {
        self.try_with_value(T::clone)
    }

    pub fn get_value(self) -> T {
        self.with_value(T::clone)
    }
}
