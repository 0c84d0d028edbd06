//! The trace says what a newcomer would ask: which entries a truncation deleted (§5.3), and why
//! a vote was denied (§5.1, §5.2, §5.4.1; thesis §4.2.3 and §9.6 for the leases). Each story
//! is a small scenario run on raftsim's node and on raft-rs, whose messages the simulator sees
//! only through `RaftMessage`: both must give the line.

use sim::node::{RaftNode, RaftRs};
use sim::play::run_scenario_on;
use sim::scenario::parse_scenario;

/// Timeouts so long that nobody times out unless a step says so.
const SLOW: &str = "election_timeout_min_ticks = 1000\nelection_timeout_max_ticks = 1001\nheartbeat_interval_ticks = 5\n";

/// Three servers with the options `raft`, fixed latencies, a disk without delay.
fn story(raft: &str, steps: &str) -> String {
    format!(
        "name = \"t\"\n[cluster]\nnodes = 3\nseed = 1\n[raft]\n{raft}\n[network]\nlatency_min_us = 1000\nlatency_max_us = 1000\n[sim]\ndisk_latency_us = 0\n{steps}"
    )
}

/// The trace lines of `text` run on `N`, without their time stamps.
fn lines<N: RaftNode>(text: &str) -> Vec<String> {
    let s = parse_scenario("t.toml", text).expect("the story parses");
    let report = run_scenario_on::<N>(&s, false);
    report
        .world
        .trace
        .lines()
        .map(|l| {
            let line = l.to_string();
            line.split_once(' ')
                .map_or(line.clone(), |(_, rest)| rest.to_string())
        })
        .collect()
}

/// Asserts that some line of both implementations' traces starts with `start` and contains
/// `reason`.
fn both_say(text: &str, start: &str, reason: &str) {
    fn check<N: RaftNode>(text: &str, start: &str, reason: &str) {
        let lines = lines::<N>(text);
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(start) && l.contains(reason)),
            "{}: no line `{start} …{reason}`:\n{}",
            N::NAME,
            lines.join("\n")
        );
    }
    check::<raft::Node>(text, start, reason);
    check::<RaftRs>(text, start, reason);
}

/// §5.3: n1's two entries of term 1 never left it; n2 leads term 2 and n1, back from a crash,
/// deletes them for the leader's.
#[test]
fn trace_names_the_entries_a_truncation_drops() {
    let text = story(
        SLOW,
        r#"
[[step]]
timeout = 1
[[step]]
run = "20ms"
[[step]]
drop = { from = 1, to = 2, type = "append-entries" }
[[step]]
drop = { from = 1, to = 3, type = "append-entries" }
[[step]]
write = { node = 1, value = 7 }
[[step]]
write = { node = 1, value = 8 }
[[step]]
run = "20ms"
[[step]]
crash = 1
[[step]]
timeout = 2
[[step]]
run = "20ms"
[[step]]
restart = 1
[[step]]
run = "100ms"
[[step]]
expect = { node = 1, log = [1, 2] }
"#,
    );
    both_say(&text, "n1 truncates its log after 1 (drops 2:1, 3:1)", "");
}

/// §5.2: two candidates of one term each voted for themselves.
#[test]
fn trace_says_a_vote_went_to_another_candidate_of_the_term() {
    let text = story(
        SLOW,
        "[[step]]\ntimeout = 1\n[[step]]\ntimeout = 2\n[[step]]\nrun = \"20ms\"\n",
    );
    both_say(
        &text,
        "n2 denies its vote to n1 in term 1",
        ": already voted for n2 in term 1",
    );
}

/// §5.4.1: n3 missed 2:1, which n2 holds; n2 denies n3 its vote.
#[test]
fn trace_says_the_candidates_log_is_behind() {
    let text = story(
        SLOW,
        r#"
[[step]]
timeout = 1
[[step]]
run = "20ms"
[[step]]
drop = { from = 1, to = 3, type = "append-entries" }
[[step]]
write = { node = 1, value = 7 }
[[step]]
run = "20ms"
[[step]]
crash = 1
[[step]]
timeout = 3
[[step]]
run = "20ms"
[[step]]
expect = { no-leader = true }
"#,
    );
    both_say(
        &text,
        "n2 denies its vote to n3 in term 2",
        ": candidate's log is behind (last 1:1; ours 2:1)",
    );
}

/// §5.1: n3's RequestVote of term 1, held on its way to n1, arrives after n1 moved to term 2.
/// raftsim's node denies it; raft-rs ignores a stale request: both for the stale term.
#[test]
fn trace_says_a_request_is_of_a_stale_term() {
    let text = story(
        SLOW,
        r#"
[[step]]
hold = { from = 3, to = 1, type = "request-vote" }
[[step]]
timeout = 3
[[step]]
run = "20ms"
[[step]]
timeout = 2
[[step]]
run = "20ms"
[[step]]
release = { from = 3, to = 1 }
[[step]]
run = "20ms"
"#,
    );
    let ours = lines::<raft::Node>(&text);
    let denied = "n1 denies its vote to n3 in term 1: stale term 1 < 2";
    assert!(ours.iter().any(|l| l == denied), "{ours:?}");
    let theirs = lines::<RaftRs>(&text);
    let ignored = "n1 ignores n3's RequestVote for term 1: stale term 1 < 2";
    assert!(theirs.iter().any(|l| l == ignored), "{theirs:?}");
}

/// Thesis §4.2.3: with CheckQuorum, a follower that hears its leader ignores a candidate's
/// RequestVote, and the leader ignores it too, within its lease.
#[test]
fn trace_says_check_quorum_keeps_a_leaders_lease() {
    let text = story(
        &format!("{SLOW}check_quorum = true"),
        "[[step]]\ntimeout = 1\n[[step]]\nrun = \"30ms\"\n[[step]]\ntimeout = 3\n[[step]]\nrun = \"20ms\"\n[[step]]\nexpect = { leader = 1, term = 1 }\n",
    );
    both_say(
        &text,
        "n2 ignores n3's RequestVote for term 2",
        ": heard from a leader within the election timeout",
    );
    both_say(
        &text,
        "n1 ignores n3's RequestVote for term 2",
        ": it leads term 1, within its lease",
    );
}

/// Thesis §9.6: n3 stops hearing the leader and asks for pre-votes; n2 still hears it. raftsim's
/// node denies the pre-vote, raft-rs (with CheckQuorum) ignores it: both for the lease.
#[test]
fn trace_says_a_pre_vote_meets_a_leaders_lease() {
    let text = story(
        "pre_vote = true\ncheck_quorum = true\nelection_timeout_min_ticks = 10\nelection_timeout_max_ticks = 11\nheartbeat_interval_ticks = 2",
        "[[step]]\ntimeout = 1\n[[step]]\nrun = \"50ms\"\n[[step]]\ncut = { from = 1, to = 3 }\n[[step]]\nrun = \"400ms\"\n",
    );
    let lease = ": heard from a leader within the election timeout";
    let says = |lines: &[String], start: &str| {
        lines
            .iter()
            .any(|l| l.starts_with(start) && l.ends_with(lease))
    };
    let ours = lines::<raft::Node>(&text);
    assert!(
        says(&ours, "n2 denies n3 a pre-vote for term 2"),
        "{ours:?}"
    );
    let theirs = lines::<RaftRs>(&text);
    assert!(
        says(&theirs, "n2 ignores n3's PreVote for term 2"),
        "{theirs:?}"
    );
}
