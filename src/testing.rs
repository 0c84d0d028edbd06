//! Helpers for random tests that must say how to rerun the seed that failed.
//!
//! `RAFTSIM_SEED=<n>` narrows a seed loop to that one seed; every failure message ends with the
//! line that does so: `rerun: RAFTSIM_SEED=<n> cargo test <name>`.
//!
//! These run inside a user's `cargo test`, where bad input can only be a panic: so a bad
//! variable panics with what was expected, and (`#[track_caller]` on every function between
//! the user's test and the `panic!`) at the line of the user's test that read it.

use std::ops::Range;

/// The seeds a random test should run: `default`, or only `RAFTSIM_SEED` when it is set.
#[track_caller]
pub fn seeds(default: Range<u64>) -> Range<u64> {
    let expected = "the one seed to run, a whole number below 18446744073709551615, \
                    e.g. RAFTSIM_SEED=17";
    match env_number("RAFTSIM_SEED", expected) {
        // The range seed..seed + 1 must fit in a u64.
        Some(u64::MAX) => panic!("RAFTSIM_SEED must be {expected}; got '{}'", u64::MAX),
        Some(seed) => seed..seed + 1,
        None => default,
    }
}

/// The whole number in environment variable `name`, or `None` when it is unset. Anything else
/// there (text, a negative number, one beyond u64, bytes that are not UTF-8) panics naming the
/// variable, what is `expected` and the value given, at the caller's line.
#[track_caller]
pub(crate) fn env_number(name: &str, expected: &str) -> Option<u64> {
    let value = std::env::var_os(name)?;
    let text = value.to_string_lossy();
    match text.trim().parse::<u64>() {
        Ok(n) => Some(n),
        Err(_) => panic!("{name} must be {expected}; got '{text}'"),
    }
}

/// The line that reruns `seed` of test `name`.
pub fn rerun_line(name: &str, seed: u64) -> String {
    format!("rerun: RAFTSIM_SEED={seed} cargo test {name}")
}

/// The line that reruns `seed` of the test running on this thread. libtest names each test's
/// thread after the test (with `--test-threads=1` too, as of Rust 1.95); a thread with no name,
/// or the main thread (a `harness = false` target, a `main`), gets plain `cargo test`.
pub fn rerun_line_here(seed: u64) -> String {
    rerun_line_for(std::thread::current().name(), seed)
}

fn rerun_line_for(thread: Option<&str>, seed: u64) -> String {
    match thread {
        Some(name) if name != "main" => rerun_line(name, seed),
        _ => format!("rerun: RAFTSIM_SEED={seed} cargo test"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rerun_line_names_seed_and_test() {
        assert_eq!(
            rerun_line("clean_seeds", 42),
            "rerun: RAFTSIM_SEED=42 cargo test clean_seeds"
        );
    }

    #[test]
    fn rerun_line_here_names_this_test_or_falls_back_to_cargo_test() {
        assert_eq!(
            rerun_line_here(3),
            "rerun: RAFTSIM_SEED=3 cargo test \
             testing::tests::rerun_line_here_names_this_test_or_falls_back_to_cargo_test"
        );
        assert_eq!(
            rerun_line_for(Some("main"), 3),
            "rerun: RAFTSIM_SEED=3 cargo test"
        );
        assert_eq!(rerun_line_for(None, 3), "rerun: RAFTSIM_SEED=3 cargo test");
    }
}
