//! The shipped scenarios, built into the binary so that `raftsim tour` works from anywhere.
//! A test checks that this list and the files in `scenarios/` agree.

macro_rules! scenario {
    ($name:literal) => {
        (
            concat!($name, ".toml"),
            include_str!(concat!("../scenarios/", $name, ".toml")),
        )
    };
}

/// (file name, contents), in tour order: the paper's figures first, then each bug.
pub const SCENARIOS: &[(&str, &str)] = &[
    scenario!("figure8"),
    scenario!("figure8-unsafe-commit"),
    scenario!("figure8-majority-not-committed"),
    scenario!("figure7"),
    scenario!("lagging-copy-replaced"),
    scenario!("commit-index-vote"),
    scenario!("vote-without-log-check"),
    scenario!("volatile-vote"),
    scenario!("respond-before-persist"),
    scenario!("truncate-on-stale-append"),
    scenario!("heartbeat-skips-prev-check"),
    scenario!("accept-stale-term-replies"),
    scenario!("commit-index-without-min"),
    scenario!("assert-commit-within-log"),
    scenario!("stale-leader-writes"),
    scenario!("stale-leader-read"),
    scenario!("read-index-new-leader"),
    scenario!("read-index-duplicate-context"),
    scenario!("lease-clock-drift"),
    scenario!("ack-uncommitted-write"),
    scenario!("election-livelock"),
    scenario!("partial-partition-liveness"),
    scenario!("snapshot-lagging-follower"),
    scenario!("snapshot-discards-matching-suffix"),
    scenario!("install-snapshot-older-than-commit"),
    scenario!("compact-past-applied"),
    scenario!("fsync-failure-double-vote"),
    scenario!("torn-write-tail"),
    scenario!("corrupted-entry-loses-commit"),
    scenario!("disk-wipe-rejoin"),
    scenario!("single-server-change-bug"),
    scenario!("single-server-change-fixed"),
    scenario!("joint-consensus"),
    scenario!("learner-catch-up"),
    scenario!("remove-leader"),
    scenario!("leader-transfer"),
];

/// The shipped scenario with this file name or stem (`figure8` or `figure8.toml`).
pub fn find(name: &str) -> Option<(&'static str, &'static str)> {
    SCENARIOS
        .iter()
        .find(|(file, _)| *file == name || file.strip_suffix(".toml") == Some(name))
        .copied()
}
