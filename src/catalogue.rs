//! The shipped scenarios, built into the binary so that `raftsim tour` works from anywhere.
//! A test checks that this list and the files in `scenarios/` agree.

/// (file name, contents), in tour order: the paper's figures first, then each bug.
pub const SCENARIOS: &[(&str, &str)] = &[
    ("figure8.toml", include_str!("../scenarios/figure8.toml")),
    (
        "figure8-unsafe-commit.toml",
        include_str!("../scenarios/figure8-unsafe-commit.toml"),
    ),
    ("figure7.toml", include_str!("../scenarios/figure7.toml")),
    (
        "commit-index-vote.toml",
        include_str!("../scenarios/commit-index-vote.toml"),
    ),
    (
        "stale-leader-writes.toml",
        include_str!("../scenarios/stale-leader-writes.toml"),
    ),
    (
        "election-livelock.toml",
        include_str!("../scenarios/election-livelock.toml"),
    ),
];

/// The shipped scenario with this file name or stem (`figure8` or `figure8.toml`).
pub fn find(name: &str) -> Option<(&'static str, &'static str)> {
    SCENARIOS
        .iter()
        .find(|(file, _)| *file == name || file.strip_suffix(".toml") == Some(name))
        .copied()
}
