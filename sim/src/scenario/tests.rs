//! Bad scenario files get an error naming file, line, column and what was expected; no input
//! makes the parser panic.

use super::*;
use proptest::prelude::*;

const HEAD: &str = "[cluster]\nnodes = 5\n";

fn err(text: &str) -> ScenarioError {
    parse_scenario("t.toml", text).expect_err("should not parse")
}

fn at(text: &str) -> (usize, usize, String) {
    let e = err(text);
    (e.line, e.column, e.message)
}

#[test]
fn a_full_example_parses() {
    let text = r#"# The story.
# Source: here.
name = "ex"
description = "an example"
[cluster]
nodes = 3
seed = 9
[raft]
bugs = ["volatile-vote"]
election_timeout_min_ticks = 30
election_timeout_max_ticks = 40
[network]
latency_max_us = 5000
[sim]
disk_latency_us = 0
[[node]]
id = 2
log = [1, 1, 2]
[[step]]
timeout = 1
note = "n1 first"
label = "start"
[[step]]
run-until = { committed = { node = 1, index = 2 }, within-ms = 500 }
[[step]]
hold = { from = 1, to = 3, type = "append-entries" }
[[step]]
release = { from = 1, to = 3, count = 2 }
[[step]]
run = "1500us"
[[step]]
expect = { leader = 1, term = 2 }
[[step]]
expect = { node = 2, log = [1, 1, 2], commit = 0 }
[[step]]
rewind = { to = "start", bugs = [] }
"#;
    let s = parse_scenario("ex.toml", text).unwrap();
    assert_eq!(s.name, "ex");
    assert_eq!(s.header, "The story.\nSource: here.");
    assert_eq!((s.sim.nodes, s.seed), (3, 9));
    assert!(s.raft.bugs.contains(raft::BugKnob::VolatileVote));
    assert_eq!(s.raft.election_timeout_min_ticks, 30);
    assert_eq!(s.sim.network.latency_max_us, 5000);
    assert_eq!(s.sim.disk_latency_us, 0);
    assert_eq!(s.initial[0].1.current_term, raft::Term(2));
    assert_eq!(s.steps.len(), 8);
    assert_eq!(s.steps[0].step, Step::Timeout(raft::NodeId(1)));
    assert_eq!(
        (s.steps[0].line, s.steps[0].label.as_deref()),
        (20, Some("start"))
    );
    assert_eq!(s.steps[4].step, Step::Run { duration_us: 1500 });
    assert!(matches!(
        s.steps[3].step,
        Step::Release { count: Some(2), .. }
    ));
    assert!(
        matches!(&s.steps[7].step, Step::Rewind { changes, .. } if changes.bugs == Some(crate::knob::Bugs::none()))
    );
}

#[test]
fn invalid_toml_points_at_the_error() {
    let (line, col, msg) = at("[cluster]\nnodes = = 5\n");
    assert_eq!((line, col), (2, 9));
    assert!(msg.starts_with("invalid scenario:"), "{msg}");
}

/// toml says nothing (an empty message) when the file ends right after `=` or inside an open
/// list, and only "invalid string" when the line does; the error says what is missing instead.
#[test]
fn a_missing_value_after_equals_says_so() {
    let (line, col, msg) = at("[cluster]\nnodes = 3\n[[step]]\nrun = ");
    assert_eq!((line, col), (4, 7));
    assert_eq!(msg, "invalid scenario: a value is missing after `=`");
    let (line, col, msg) = at("[cluster]\nnodes =\n[[step]]\nrun = \"1s\"\n");
    assert_eq!((line, col), (2, 8));
    assert_eq!(msg, "invalid scenario: a value is missing after `=`");
    let (_, _, msg) = at(&format!("{HEAD}[[step]]\ncut = {{ from = "));
    assert_eq!(msg, "invalid scenario: a value is missing after `=`");
    let (line, col, msg) = at(&format!("{HEAD}[[step]]\npartition = [ # n1 alone"));
    assert_eq!((line, col), (4, 25));
    assert_eq!(
        msg,
        "invalid scenario: the file ends in the middle of an entry"
    );
    let (_, _, msg) = at(&format!("{HEAD}[[step]]\nrun = @\n"));
    assert!(msg.starts_with("invalid scenario: invalid string"), "{msg}");
}

#[test]
fn unknown_step_suggests_the_nearest_name() {
    let (line, col, msg) = at(&format!("{HEAD}[[step]]\npartiton = [[1, 2], [3]]\n"));
    assert_eq!((line, col), (4, 1));
    assert!(
        msg.starts_with("unknown step \"partiton\"; did you mean \"partition\"?"),
        "{msg}"
    );
}

#[test]
fn wrong_type_says_what_was_expected() {
    let (line, col, msg) = at(&format!("{HEAD}[[step]]\ncrash = \"n1\"\n"));
    assert_eq!((line, col), (4, 9));
    assert_eq!(msg, "crash expects a node number, got a string");
}

#[test]
fn node_out_of_range_names_the_cluster() {
    let (line, col, msg) = at(&format!("{HEAD}[[step]]\nrestart = 6\n"));
    assert_eq!((line, col), (4, 11));
    assert_eq!(msg, "node 6 is out of range: this cluster has nodes 1..5");
    let (line, col, msg) = at(&format!("{HEAD}[[step]]\ncut = {{ from = 1, to = 9 }}\n"));
    assert_eq!((line, col), (4, 19));
    assert_eq!(msg, "node 9 is out of range: this cluster has nodes 1..5");
}

#[test]
fn steps_need_exactly_one_action() {
    let (_, _, msg) = at(&format!("{HEAD}[[step]]\nnote = \"x\"\n"));
    assert!(msg.starts_with("a step needs one action"), "{msg}");
    let (line, _, msg) = at(&format!("{HEAD}[[step]]\ncrash = 1\nrestart = 1\n"));
    assert_eq!(line, 5);
    assert!(msg.contains("exactly one action"), "{msg}");
}

#[test]
fn unknown_names_in_values_get_suggestions() {
    let (_, _, msg) = at(&format!(
        "{HEAD}[[step]]\nhold = {{ from = 1, to = 2, type = \"append-entry\" }}\n"
    ));
    assert!(
        msg.starts_with("unknown message type \"append-entry\"; did you mean \"append-entries\"?"),
        "{msg}"
    );
    let (_, _, msg) = at(&format!(
        "{HEAD}[[step]]\nexpect = {{ violation = \"Election Safty\" }}\n"
    ));
    assert!(
        msg.starts_with("unknown property \"Election Safty\"; did you mean \"Election Safety\"?"),
        "{msg}"
    );
    let (line, col, msg) = at(&format!("{HEAD}[raft]\nbugs = [\"volatile-vot\"]\n"));
    assert_eq!((line, col), (4, 10));
    assert!(
        msg.starts_with("unknown bug knob \"volatile-vot\"; did you mean \"volatile-vote\"?"),
        "{msg}"
    );
}

/// Each knob is set where its rule lives: the node's in `[raft]`, the host's in `[sim]`; a
/// knob in the wrong section is an error that says where it goes. A rewind takes both.
#[test]
fn knobs_go_where_their_rule_lives() {
    let s = parse_scenario(
        "t.toml",
        &format!(
            "{HEAD}[raft]\nbugs = [\"volatile-vote\"]\n[sim]\nbugs = [\"ack-uncommitted-write\"]\n"
        ),
    )
    .expect("parses");
    assert!(s.raft.bugs.contains(raft::BugKnob::VolatileVote));
    assert!(s
        .sim
        .bugs
        .contains(crate::knob::HostKnob::AckUncommittedWrite));
    let (line, col, msg) = at(&format!(
        "{HEAD}[raft]\nbugs = [\"ack-uncommitted-write\"]\n"
    ));
    assert_eq!((line, col), (4, 10));
    assert!(
        msg.contains("is a knob of the host") && msg.contains("put it in [sim] bugs"),
        "{msg}"
    );
    let (_, _, msg) = at(&format!("{HEAD}[sim]\nbugs = [\"volatile-vote\"]\n"));
    assert!(msg.contains("put it in [raft] bugs"), "{msg}");
    let (_, _, msg) = at(&format!("{HEAD}[sim]\nbugs = [\"ack-uncommitted-writ\"]\n"));
    assert!(
        msg.starts_with(
            "unknown bug knob \"ack-uncommitted-writ\"; did you mean \"ack-uncommitted-write\"?"
        ),
        "{msg}"
    );
    let s = parse_scenario(
        "t.toml",
        &format!("{HEAD}[[step]]\nlabel = \"start\"\ntimeout = 1\n[[step]]\nrewind = {{ to = \"start\", bugs = [\"volatile-vote\", \"ack-uncommitted-write\"] }}\n"),
    );
    let s = s.expect("parses");
    let Step::Rewind { changes, .. } = &s.steps[1].step else {
        panic!("a rewind: {:?}", s.steps)
    };
    let b = changes.bugs.expect("bugs given");
    assert!(b.raft.contains(raft::BugKnob::VolatileVote));
    assert!(b.host.contains(crate::knob::HostKnob::AckUncommittedWrite));
}

#[test]
fn unknown_keys_in_sections_are_named() {
    let (line, col, msg) = at(&format!("{HEAD}[network]\nlatency_max = 5\n"));
    assert_eq!((line, col), (4, 1));
    assert!(
        msg.starts_with(
            "unknown key \"latency_max\" in [network]; did you mean \"latency_max_us\"?"
        ),
        "{msg}"
    );
    let (_, _, msg) = at("[cluster]\nnodes = 3\nsed = 1\n");
    assert!(
        msg.starts_with("unknown key \"sed\" in [cluster]; did you mean \"seed\"?"),
        "{msg}"
    );
    let (line, _, msg) = at(&format!(
        "{HEAD}[raft]\nheartbeat_interval_ticks = \"fast\"\n"
    ));
    assert_eq!(line, 4);
    assert!(
        msg.starts_with("[raft] heartbeat_interval_ticks expects a whole number"),
        "{msg}"
    );
    let (line, _, msg) = at(&format!(
        "{HEAD}[raft]\nsnapshot_threshold_entries = \"often\"\n"
    ));
    assert_eq!(line, 4);
    assert!(
        msg.starts_with("[raft] snapshot_threshold_entries expects a whole number"),
        "{msg}"
    );
}

#[test]
fn invalid_configs_and_durations_and_missing_cluster() {
    let (_, _, msg) = at(&format!("{HEAD}[raft]\nelection_timeout_min_ticks = 1\n"));
    assert!(
        msg.contains("must be greater than heartbeat_interval_ticks"),
        "{msg}"
    );
    let (_, _, msg) = at(&format!("{HEAD}[[step]]\nrun = \"fast\"\n"));
    assert!(
        msg.starts_with("run expects a duration like \"150ms\""),
        "{msg}"
    );
    let (line, col, msg) = at("[[step]]\nheal = true\n");
    assert_eq!((line, col), (1, 1));
    assert!(msg.starts_with("missing [cluster] section"), "{msg}");
    let (_, _, msg) = at(&format!("{HEAD}[[step]]\nrewind = \"nowhere\"\n"));
    assert!(msg.contains("no earlier step has that label"), "{msg}");
}

/// A rewind goes to the first step with its label, so a second step with the same label would
/// silently never be reached; the error points at the second and names the first's line.
#[test]
fn duplicate_labels_are_an_error_at_the_second() {
    let text = format!(
        "{HEAD}[[step]]\ntimeout = 1\nlabel = \"start\"\n[[step]]\nrun = 100\nlabel = \"start\"\n"
    );
    let (line, col, msg) = at(&text);
    assert_eq!((line, col), (8, 9));
    assert_eq!(
        msg,
        "duplicate label \"start\": line 5 already labels a step with it; \
         labels must be unique, so that a rewind names one step"
    );
    let ok =
        format!("{HEAD}[[step]]\ntimeout = 1\nlabel = \"a\"\n[[step]]\nrun = 1\nlabel = \"b\"\n");
    assert!(parse_scenario("t.toml", &ok).is_ok());
}

/// Nodes in no group are cut off from everyone, so one group (or none) is an easy way to write
/// a partition that does not say which nodes end up alone.
#[test]
fn partitions_need_at_least_two_groups() {
    let expected = "a partition needs at least two groups, e.g. [[1, 2], [3]]; \
                    to cut a node off alone, give it its own group";
    for groups in ["[]", "[[1, 2, 3]]"] {
        let (line, col, msg) = at(&format!("{HEAD}[[step]]\npartition = {groups}\n"));
        assert_eq!((line, col, msg.as_str()), (4, 13, expected), "{groups}");
    }
    let ok = format!("{HEAD}[[step]]\npartition = [[1, 2, 3], [4], [5]]\n");
    assert!(parse_scenario("t.toml", &ok).is_ok());
}

#[test]
fn errors_print_like_rustc() {
    let e = err(&format!("{HEAD}[[step]]\ncrash = 7\n"));
    assert_eq!(
        e.to_string(),
        "t.toml:4:9: error: node 7 is out of range: this cluster has nodes 1..5\n  |\n4 | crash = 7\n  |         ^"
    );
}

/// `term` with `node` is the node's currentTerm; `voted-for` a node or "none"; `votes-from` a
/// set of servers, kept in node order.
#[test]
fn vote_expectations_parse() {
    let text = format!(
        "{HEAD}[[step]]\nexpect = {{ node = 3, term = 5, voted-for = 5 }}\n\
         [[step]]\nexpect = {{ node = 4, voted-for = \"none\" }}\n\
         [[step]]\nexpect = {{ node = 5, votes-from = [4, 2, 3] }}\n\
         [[step]]\nexpect = {{ node = 1, votes-from = [] }}\n"
    );
    let s = parse_scenario("t.toml", &text).expect("parses");
    let e: Vec<&Expectation> = s
        .steps
        .iter()
        .map(|st| match &st.step {
            Step::Expect(e) => &**e,
            other => panic!("an expectation: {other:?}"),
        })
        .collect();
    let n = raft::NodeId;
    assert_eq!(
        (e[0].term, e[0].voted_for, e[0].leader),
        (Some(5), Some(Some(n(5))), None)
    );
    assert_eq!(e[1].voted_for, Some(None));
    assert_eq!(e[2].votes_from, Some(vec![n(2), n(3), n(4)]));
    assert_eq!(e[3].votes_from, Some(vec![]));
}

#[test]
fn bad_vote_expectations_say_what_is_wrong() {
    let cases = [
        (
            "{ node = 3, voted-for = \"n5\" }",
            22,
            "expect.voted-for expects a node number, or \"none\" for no vote, got a string",
        ),
        (
            "{ node = 3, voted-for = 9 }",
            22,
            "node 9 is out of range: this cluster has nodes 1..5",
        ),
        (
            "{ voted-for = 2 }",
            12,
            "expect.voted-for needs `node` (whose vote it is)",
        ),
        (
            "{ node = 5, votes-from = 2 }",
            22,
            "expect.votes-from expects a list of node numbers, e.g. [2, 3] ([] for none), got a whole number",
        ),
        (
            "{ node = 5, votes-from = [2, \"n3\"] }",
            22,
            "expect.votes-from expects a node number, got a string",
        ),
        (
            "{ node = 5, votes-from = [2, 5] }",
            22,
            "expect.votes-from lists n5 itself: a candidate's own vote is no message; list the servers whose grants reached it",
        ),
        (
            "{ node = 5, votes-from = [2, 3, 2] }",
            22,
            "expect.votes-from lists n2 twice",
        ),
        (
            "{ leader = 1, node = 1, term = 2 }",
            34,
            "expect.term is ambiguous with both `leader` and `node`: the term the leader leads, or the node's currentTerm? Write two expectations",
        ),
        (
            "{ term = 2 }",
            12,
            "expect.term goes with `leader` (the term it leads) or `node` (its currentTerm)",
        ),
        (
            "{ node = 1, term = \"two\" }",
            22,
            "expect.term expects a whole number, got a string",
        ),
    ];
    for (expect, col, want) in cases {
        let (line, column, msg) = at(&format!("{HEAD}[[step]]\nexpect = {expect}\n"));
        assert_eq!((line, column, msg.as_str()), (4, col, want), "{expect}");
    }
}

/// Each vote expectation fails when its claim is false, and reads a crashed node's disk.
#[test]
fn vote_expectations_fail_when_the_claim_is_false() {
    let text = "[cluster]\nnodes = 3\n[raft]\nelection_timeout_min_ticks = 1000\n\
        election_timeout_max_ticks = 1001\n[network]\nlatency_min_us = 1000\n\
        latency_max_us = 1000\n[[step]]\ntimeout = 1\n[[step]]\nrun = \"10ms\"\n\
        [[step]]\nexpect = { node = 1, term = 1, votes-from = [2, 3] }\n\
        [[step]]\nexpect = { node = 2, voted-for = 1 }\n\
        [[step]]\ncrash = 2\n\
        [[step]]\nexpect = { node = 2, term = 1, voted-for = 1 }\n\
        [[step]]\nexpect = { node = 1, term = 2, votes-from = [2] }\n\
        [[step]]\nexpect = { node = 2, voted-for = \"none\" }\n\
        [[step]]\nexpect = { node = 3, voted-for = 3 }\n\
        [[step]]\nexpect = { node = 2, votes-from = [] }\n";
    let s = parse_scenario("t.toml", text).expect("parses");
    let report = crate::play::run_scenario(&s, false);
    let failures: Vec<(usize, &str)> = report
        .failures
        .iter()
        .map(|f| (f.line, f.message.as_str()))
        .collect();
    assert_eq!(
        failures,
        [
            (22, "expected n1's currentTerm to be 2, but it is 1"),
            (
                22,
                "expected n1's votes of term 1 to come from n2, but they came from n2, n3"
            ),
            (
                24,
                "expected n2's votedFor to be none, but it is n1 (in term 1)"
            ),
            (
                26,
                "expected n3's votedFor to be n3, but it is n1 (in term 1)"
            ),
        ]
    );
    assert_eq!(report.expectations_checked, 10);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        if let Err(e) = parse_scenario("p.toml", &text) {
            prop_assert!(!e.message.trim_end().ends_with(':'), "no message: {e}");
        }
    }

    #[test]
    fn mutated_valid_files_never_panic(cut in 0usize..2000, insert in "[\\[\\]{}=\"#,a-z0-9 \n]{0,4}") {
        let text = include_str!("../../../scenarios/figure8.toml");
        let mut chars: Vec<char> = text.chars().collect();
        let at = cut % chars.len();
        chars.remove(at);
        let mut mutated: String = chars.into_iter().collect();
        let at = mutated.char_indices().nth(at).map_or(mutated.len(), |(i, _)| i);
        mutated.insert_str(at, &insert);
        if let Err(e) = parse_scenario("m.toml", &mutated) {
            prop_assert!(!e.message.trim_end().ends_with(':'), "no message: {e}");
        }
    }
}

/// `[raft] recovery` and `rewind.recovery` take a policy by name; anything else is refused
/// with the names that are expected.
#[test]
fn recovery_policies_parse_by_name() {
    let text = format!(
        "{HEAD}[raft]\nrecovery = \"refuse\"\n[[step]]\ntimeout = 1\nlabel = \"a\"\n\
         [[step]]\nrewind = {{ to = \"a\", recovery = \"protocol-aware\" }}\n"
    );
    let s = parse_scenario("t.toml", &text).expect("parses");
    assert_eq!(s.raft.recovery, raft::RecoveryPolicy::Refuse);
    let Step::Rewind { changes, .. } = &s.steps[1].step else {
        panic!("a rewind: {:?}", s.steps[1]);
    };
    assert_eq!(changes.recovery, Some(raft::RecoveryPolicy::ProtocolAware));
    assert_eq!(changes.describe(), " with recovery protocol-aware");
    let cases = [
        (
            format!("{HEAD}[raft]\nrecovery = \"refused\"\n"),
            (4, 13),
            "unknown recovery policy \"refused\" in [raft] recovery; did you mean \"refuse\"?; expected \"protocol-aware\" or \"refuse\"",
        ),
        (
            format!("{HEAD}[raft]\nrecovery = 1\n"),
            (4, 12),
            "[raft] recovery expects \"protocol-aware\" or \"refuse\", got a whole number",
        ),
        (
            format!("{HEAD}[[step]]\ncrash = 1\nlabel = \"a\"\n[[step]]\nrewind = {{ to = \"a\", recovery = true }}\n"),
            (7, 22),
            "rewind.recovery expects \"protocol-aware\" or \"refuse\", got true or false",
        ),
    ];
    for (text, (line, col), want) in cases {
        assert_eq!(at(&text), (line, col, want.to_string()), "{text}");
    }
}

#[test]
fn bad_node_status_expectations_say_what_is_wrong() {
    let cases = [
        (
            "{ repairing = true }",
            12,
            "expect.repairing needs `node` (which server)",
        ),
        (
            "{ node = 2, repairing = \"yes\" }",
            22,
            "expect.repairing expects true or false, got a string",
        ),
        (
            "{ alive = false }",
            12,
            "expect.alive needs `node` (which server)",
        ),
        (
            "{ node = 2, alive = 0 }",
            22,
            "expect.alive expects true or false, got a whole number",
        ),
    ];
    for (expect, col, want) in cases {
        let (line, column, msg) = at(&format!("{HEAD}[[step]]\nexpect = {expect}\n"));
        assert_eq!((line, column, msg.as_str()), (4, col, want), "{expect}");
    }
}

/// `repairing` and `alive` fail when their claim is false: a node whose entry record was
/// corrupted boots repairing (protocol-aware), or with `recovery = "refuse"` stays down.
#[test]
fn node_status_expectations_fail_when_the_claim_is_false() {
    let text = "[cluster]\nnodes = 3\n[network]\nlatency_min_us = 1000\nlatency_max_us = 1000\n\
        [[step]]\ntimeout = 1\n[[step]]\nrun-until = { leader = 1, within-ms = 100 }\n\
        [[step]]\nwrite = { node = 1, value = 7 }\n\
        [[step]]\nrun-until = { committed = { node = 2, index = 2 }, within-ms = 100 }\n\
        [[step]]\ncrash = 2\nlabel = \"down\"\n\
        [[step]]\nexpect = { node = 2, alive = true }\n\
        [[step]]\ncorrupt = { node = 2, index = 2 }\n\
        [[step]]\nrestart = 2\n\
        [[step]]\nexpect = { node = 2, repairing = false, alive = false }\n\
        [[step]]\nexpect = { node = 3, repairing = true }\n\
        [[step]]\nexpect = { node = 2, repairing = true, alive = true }\n\
        [[step]]\nrewind = { to = \"down\", recovery = \"refuse\" }\n\
        [[step]]\ncorrupt = { node = 2, index = 2 }\n\
        [[step]]\nrestart = 2\n\
        [[step]]\nexpect = { node = 2, alive = true }\n\
        [[step]]\nexpect = { node = 2, alive = false }\n";
    let s = parse_scenario("t.toml", text).expect("parses");
    let report = crate::play::run_scenario(&s, false);
    let failures: Vec<(usize, &str)> = report
        .failures
        .iter()
        .map(|f| (f.line, f.message.as_str()))
        .collect();
    assert_eq!(
        failures,
        [
            (18, "expected n2 to be running, but n2 is down"),
            (24, "expected n2 to be down, but n2 is running"),
            (
                24,
                "expected n2 not to be repairing (its log whole, or repaired by a leader), but it is repairing"
            ),
            (26, "expected n3 to be repairing its damaged log, but it is not repairing"),
            (36, "expected n2 to be running, but n2 is down"),
        ]
    );
    assert_eq!(report.expectations_checked, 8);
}

#[test]
fn bad_snapshot_expectations_say_what_is_wrong() {
    let cases = [
        (
            "{ snapshot = \"6:1\" }",
            12,
            "expect.snapshot needs `node` (whose log)",
        ),
        (
            "{ node = 2, snapshot = \"6\" }",
            22,
            "expect.snapshot expects \"INDEX:TERM\" (the last entry its snapshot stands for, e.g. \"6:1\") or \"none\", got a string",
        ),
        (
            "{ node = 2, snapshot = 6 }",
            22,
            "expect.snapshot expects \"INDEX:TERM\" (the last entry its snapshot stands for, e.g. \"6:1\") or \"none\", got a whole number",
        ),
    ];
    for (expect, col, want) in cases {
        let (line, column, msg) = at(&format!("{HEAD}[[step]]\nexpect = {expect}\n"));
        assert_eq!((line, column, msg.as_str()), (4, col, want), "{expect}");
    }
}

/// `snapshot` holds when the node's log starts after that entry, and fails otherwise: with
/// compaction every 2 applied entries, a leader that applied 1:1 (its no-op) and two writes
/// has compacted up to 2:1 (the next compaction comes at 4).
#[test]
fn snapshot_expectations_fail_when_the_claim_is_false() {
    let text = "[cluster]\nnodes = 3\n[raft]\nsnapshot_threshold_entries = 2\n\
        [network]\nlatency_min_us = 1000\nlatency_max_us = 1000\n\
        [[step]]\ntimeout = 1\n[[step]]\nrun-until = { leader = 1, within-ms = 100 }\n\
        [[step]]\nexpect = { node = 1, snapshot = \"none\" }\n\
        [[step]]\nwrite = { node = 1, value = 7 }\n\
        [[step]]\nwrite = { node = 1, value = 8 }\n\
        [[step]]\nrun = \"50ms\"\n\
        [[step]]\nexpect = { node = 1, commit = 3, snapshot = \"2:1\" }\n\
        [[step]]\nexpect = { node = 1, snapshot = \"none\" }\n\
        [[step]]\nexpect = { node = 1, snapshot = \"3:1\" }\n";
    let s = parse_scenario("t.toml", text).expect("parses");
    let report = crate::play::run_scenario(&s, false);
    let failures: Vec<(usize, &str)> = report
        .failures
        .iter()
        .map(|f| (f.line, f.message.as_str()))
        .collect();
    assert_eq!(
        failures,
        [
            (
                23,
                "expected n1's log to start after no snapshot, but its log starts after a snapshot up to 2:1"
            ),
            (
                25,
                "expected n1's log to start after a snapshot up to 3:1, but its log starts after a snapshot up to 2:1"
            ),
        ]
    );
}

/// A story told for one node's rules names it; any other name is bad input at its place, and
/// `[cluster] voters` must be within `nodes`.
#[test]
fn on_and_voters_are_checked_where_they_stand() {
    let (line, column, msg) = at("name = \"x\"\non = \"etcd\"\n[cluster]\nnodes = 3\n");
    assert_eq!((line, column), (2, 6), "{msg}");
    assert!(msg.contains("\"raftsim\" or \"raft-rs\""), "{msg}");
    let ok = parse_scenario("t.toml", "on = \"raftsim\"\n[cluster]\nnodes = 3\n").unwrap();
    assert_eq!(ok.on.as_deref(), Some("raftsim"));
    let (line, _, msg) = at("[cluster]\nnodes = 3\nvoters = 4\n");
    assert_eq!(line, 3, "{msg}");
}
