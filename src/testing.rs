//! Helpers for random tests that must say how to rerun the seed that failed.
//!
//! `RAFTSIM_SEED=<n>` narrows a seed loop to that one seed; every failure message ends with the
//! line that does so: `rerun: RAFTSIM_SEED=<n> cargo test <name>`.

use std::ops::Range;

/// The seeds a random test should run: `default`, or only `RAFTSIM_SEED` when it is set.
pub fn seeds(default: Range<u64>) -> Range<u64> {
    match std::env::var("RAFTSIM_SEED") {
        Ok(s) => match s.trim().parse::<u64>() {
            Ok(seed) => seed..seed + 1,
            Err(_) => panic!("RAFTSIM_SEED must be a whole number, got '{s}'"),
        },
        Err(_) => default,
    }
}

/// The line that reruns `seed` of test `name`.
pub fn rerun_line(name: &str, seed: u64) -> String {
    format!("rerun: RAFTSIM_SEED={seed} cargo test {name}")
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
}
