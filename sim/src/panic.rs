//! A panic inside a run is a reported failure, never a crash of the tool: an assertion that
//! fires in a node (or in the simulator) is caught where the run steps, reported as the
//! property [`crate::Property::Panic`] with its message and place, and the run stops there,
//! its seed and `reproduce:` line printed like any other violation's.
//!
//! The default panic hook would print "thread panicked at ..." to stderr for a panic that is
//! caught and reported; while a run is stepping, a hook of ours records the message and its
//! place instead, and outside a run every panic goes to the hook that was there before.

use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// Whether this thread is inside [`catch`]: its panics are ours to report.
    static CATCHING: Cell<bool> = const { Cell::new(false) };
    /// The message and place of the last panic caught on this thread.
    static CAUGHT: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

fn install_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CATCHING.with(|c| c.get()) {
                let message = payload_text(info.payload());
                let text = match info.location() {
                    Some(l) => format!("{message} (at {}:{}:{})", l.file(), l.line(), l.column()),
                    None => message,
                };
                CAUGHT.with(|c| *c.borrow_mut() = Some(text));
            } else {
                previous(info);
            }
        }));
    });
}

fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// Runs `f`; a panic inside it comes back as `Err` with its message and place
/// (`message (at file:line:column)`).
pub fn catch<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    install_hook();
    let outer = CATCHING.with(|c| c.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(outer));
    result.map_err(|payload| {
        CAUGHT
            .with(|c| c.borrow_mut().take())
            .unwrap_or_else(|| payload_text(payload.as_ref()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_comes_back_with_its_message_and_place() {
        assert_eq!(catch(|| 7), Ok(7));
        let err = catch(|| -> u8 { panic!("terms never decrease") }).unwrap_err();
        assert!(err.starts_with("terms never decrease (at "), "{err}");
        assert!(err.contains("panic.rs:"), "{err}");
        let nested = catch(|| catch(|| -> u8 { panic!("inner") }).unwrap_err());
        assert!(nested.unwrap().starts_with("inner"));
    }
}
