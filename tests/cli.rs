//! The CLI as a user runs it: exit codes 0 (clean), 1 (violation), 2 (bad input), and the lines
//! a user or a script looks for.

use std::process::Command;

fn raftsim(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_raftsim"))
        .args(args)
        .output()
        .expect("the binary runs");
    (
        out.status.code().expect("exited"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn clean_fuzz_exits_0_with_a_summary() {
    let (code, out, _) = raftsim(&["fuzz", "--seeds", "0..20"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("clean: 20 seeds,"), "{out}");
    assert!(out.contains("events/s"), "{out}");
}

#[test]
fn a_violation_exits_1_with_report_and_a_replay_that_reproduces_it() {
    let (code, out, _) = raftsim(&[
        "fuzz",
        "--seeds",
        "0..50",
        "--bug",
        "vote-without-log-check",
    ]);
    assert_eq!(code, 1, "{out}");
    let first = out.lines().next().unwrap();
    assert!(first.starts_with("violation: "), "{out}");
    assert!(
        out.contains("logs (term per index, * = committed):"),
        "{out}"
    );
    let cmd = out
        .lines()
        .find_map(|l| l.strip_prefix("reproduce: cargo run --release -- "))
        .expect("a reproduce line");
    let args: Vec<&str> = cmd.split_whitespace().collect();
    let (code, replay, _) = raftsim(&args);
    assert_eq!(code, 1);
    assert!(
        replay.contains(first),
        "replay shows the same violation:\n{replay}"
    );
}

#[test]
fn bad_flags_exit_2_with_what_was_expected() {
    let (code, _, err) = raftsim(&["fuzz", "--seeds", "9..3"]);
    assert_eq!(code, 2);
    assert!(err.contains("B must be greater than A"), "{err}");
    let (code, _, err) = raftsim(&["fuzz", "--bug", "no-such-knob"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("expected one of: vote-without-log-check"),
        "{err}"
    );
    let (code, _, err) = raftsim(&["replay"]);
    assert_eq!(code, 2);
    assert!(err.contains("--seed"), "{err}");
    let (code, _, _) = raftsim(&["frobnicate"]);
    assert_eq!(code, 2);
    // A membership campaign raft-rs's host cannot judge yet is bad input, saying why.
    let (code, _, err) = raftsim(&[
        "fuzz",
        "--node",
        "raft-rs",
        "--membership",
        "--seeds",
        "0..1",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("keeps no commit index"), "{err}");
}

/// A seed is a u64 and a single seed `n` is the range `n..n+1`: u64::MAX as a single seed used
/// to overflow into an empty range that ran nothing, and a number too large for a u64 was
/// reported as text that is not seeds at all.
#[test]
fn seeds_beyond_u64_exit_2_saying_the_limit() {
    let (code, out, err) = raftsim(&["fuzz", "--seeds", "18446744073709551615"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("seed must be below 18446744073709551615"),
        "{err}"
    );
    let (code, out, err) = raftsim(&["fuzz", "--seeds", "0..99999999999999999999"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("seed 99999999999999999999 is too large: seeds are 0 to 18446744073709551614"),
        "{err}"
    );
}

#[test]
fn replay_writes_a_json_lines_trace_and_bugs_lists_every_knob() {
    let dir = std::env::temp_dir().join(format!("raftsim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("trace.jsonl");
    let (code, out, _) = raftsim(&["replay", "--seed", "3", "--trace", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    let text = std::fs::read_to_string(&path).unwrap();
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert!(first.get("t_us").is_some() && first.get("event").is_some());
    let (code, out, _) = raftsim(&["bugs"]);
    assert_eq!(code, 0);
    for k in sim::knob::Knob::all() {
        assert!(out.contains(k.name()), "{} missing", k.name());
    }
    assert!(
        out.contains("ack-uncommitted-write\n  in:     the host"),
        "{out}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("raftsim-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn run_exits_0_when_expectations_hold_1_when_not_2_on_bad_input() {
    let (code, out, _) = raftsim(&["run", "scenarios/figure8.toml"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("figure8: ok"), "{out}");

    let wrong = "[cluster]\nnodes = 3\n[[step]]\ntimeout = 1\n[[step]]\nrun = \"100ms\"\n[[step]]\nexpect = { leader = 2 }\n";
    let path = temp_file("wrong.toml", wrong);
    let (code, out, _) = raftsim(&["run", path.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(":8: expectation failed: expected n2 to lead"),
        "{out}"
    );

    let bad = "[cluster]\nnodes = 3\n[[step]]\ncrash = 4\n";
    let path = temp_file("bad.toml", bad);
    let (code, _, err) = raftsim(&["run", path.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("bad.toml:4:9: error: node 4 is out of range: this cluster has nodes 1..3"),
        "{err}"
    );

    // A disk fault the file asks for that cannot happen is the file's mistake: exit 2.
    let damage = "[cluster]\nnodes = 3\n[[step]]\ntimeout = 1\n[[step]]\nrun = \"10ms\"\n[[step]]\ncorrupt = { node = 2, index = 1 }\n";
    let path = temp_file("damage.toml", damage);
    let (code, _, err) = raftsim(&["run", path.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("damage.toml: line 8: corrupt entry 1 on n2: n2 is running; damage a disk while its node is crashed"),
        "{err}"
    );

    let (code, _, err) = raftsim(&["run", "no/such/file.toml"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no/such/file.toml:1:1: error: cannot read the scenario file"),
        "{err}"
    );
}

#[test]
fn scenarios_lists_the_catalogue_and_tour_narrates_it() {
    let (code, out, _) = raftsim(&["scenarios"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("figure8 ") && out.contains("figure7 "),
        "{out}"
    );
    let (code, out, _) = raftsim(&["tour"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("=== figure8"), "{out}");
    assert!(out.contains("VIOLATION of Leader Completeness"), "{out}");
    assert!(!out.contains("FAILED"), "{out}");
    // A glossary opens it, one line per term, naming the two source posts (no paths).
    let (glossary, _) = out.split_once("=== figure8").unwrap();
    for term in [
        "F C L P ",
        "index:term",
        "committed",
        "seed 000 ",
        "seed 003 ",
    ] {
        assert!(glossary.contains(term), "{term}: {glossary}");
    }
    assert!(glossary.contains("etcd's node") && glossary.contains("commit index"));
    assert!(!glossary.contains("shared/"), "{glossary}");
    // A summary closes it: per story what ran and what broke, then the totals.
    let (_, summary) = out
        .split_once("Summary: what held and what broke\n")
        .unwrap();
    let line = |name: &str| {
        summary
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no summary line for {name}:\n{summary}"))
            .split_whitespace()
            .skip(1)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(line("figure8"), "correct Raft: clean; then, rewound: clean");
    assert_eq!(
        line("volatile-vote"),
        "bug knob volatile-vote: broke Election Safety (expected); then correct Raft: clean"
    );
    assert!(line("stale-leader-read")
        .starts_with("correct Raft with local reads (unsafe): broke Linearizability (expected)"));
    let stories = raftsim::catalogue::SCENARIOS.len();
    assert!(
        summary.contains(&format!(
            "Totals: {stories} stories played: 22 broke a safety property"
        )),
        "{summary}"
    );
    assert!(summary.contains("0 failed, 0 skipped."), "{summary}");
}

/// `tour NAME...` plays just those stories (shipped names or files); an unknown name is bad
/// input that lists the names.
#[test]
fn tour_plays_the_stories_named_and_refuses_unknown_ones() {
    let file = temp_file(
        "tour-story.toml",
        &raftsim::catalogue::find("figure7")
            .unwrap()
            .1
            .replace("name = \"figure7\"", "name = \"my-figure7\""),
    );
    let (code, out, _) = raftsim(&["tour", "volatile-vote", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("=== volatile-vote") && out.contains("=== my-figure7"),
        "{out}"
    );
    assert!(!out.contains("=== figure8"), "{out}");
    let (_, summary) = out
        .split_once("Summary: what held and what broke\n")
        .unwrap();
    assert!(
        summary.contains("Totals: 2 stories played: 1 broke"),
        "{summary}"
    );
    let (code, out, err) = raftsim(&["tour", "figure8", "no-such-story"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.is_empty(), "nothing is played: {out}");
    assert!(
        err.contains("unknown scenario 'no-such-story'")
            && err.contains("figure8, figure8-unsafe-commit,"),
        "{err}"
    );
}

#[test]
fn histories_export_as_porcupine_json_and_jepsen_edn() {
    let json = temp_file("h.json", "");
    let (code, _, _) = raftsim(&[
        "run",
        "stale-leader-read",
        "--history",
        json.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let parsed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let ops = parsed.as_array().expect("a list of operations");
    assert!(ops
        .iter()
        .all(|o| o.get("ClientId").is_some() && o.get("Call").is_some()));
    let edn = temp_file("h.edn", "");
    // Seed 0 draws three clients (some seeds draw none and have an empty history).
    let (code, _, _) = raftsim(&["replay", "--seed", "0", "--history", edn.to_str().unwrap()]);
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(&edn).unwrap();
    assert!(
        text.lines().next().unwrap().starts_with("{:type :invoke"),
        "{text}"
    );
}

#[test]
fn jobs_do_not_change_results_and_shards_are_validated() {
    let strip = |s: &str| -> Vec<String> {
        s.lines()
            .map(|l| l.split("; ").next().unwrap_or("").to_string())
            .filter(|l| !l.is_empty())
            .collect()
    };
    let (c1, one, _) = raftsim(&[
        "fuzz",
        "--seeds",
        "0..800",
        "--bug",
        "volatile-vote",
        "--jobs",
        "1",
    ]);
    let (c2, two, _) = raftsim(&[
        "fuzz",
        "--seeds",
        "0..800",
        "--bug",
        "volatile-vote",
        "--jobs",
        "2",
    ]);
    assert_eq!((c1, c2), (1, 1));
    assert_eq!(strip(&one), strip(&two));
    let (code, out, _) = raftsim(&[
        "fuzz",
        "--seeds",
        "0..40",
        "--shard",
        "1/4",
        "--check-determinism",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("clean: 10 seeds"), "{out}");
    assert!(out.contains("coverage: "), "{out}");
    let (code, _, err) = raftsim(&["fuzz", "--shard", "4/4"]);
    assert_eq!(code, 2);
    assert!(err.contains("expected a shard as I/N"), "{err}");
}

/// Issue: `fuzz --bug commit-old-term-by-count --shrink` writes a scenario of a handful of
/// steps that `raftsim run` replays to the same violation. Pinned to Figure 8's own setting
/// (three servers, neither PreVote nor CheckQuorum): there the bug comes from two nodes taking
/// turns leading through a third, which shrinks to two steps; in the whole swarm most of its
/// failures are series of crashes timed to elections, which shrink far less (README, Shrinking).
#[test]
fn shrink_writes_a_small_scenario_that_replays_the_violation() {
    let (stdout, text) = shrink_in_a_temp_dir(
        "shrink",
        &["--bug", "commit-old-term-by-count", "--seeds", "0..1000"],
        &["--nodes", "3", "--pre-vote=false", "--check-quorum=false"],
    );
    let first = stdout.lines().next().unwrap();
    let property = first
        .split("violation: ")
        .nth(1)
        .unwrap()
        .split(" seed=")
        .next()
        .unwrap();
    let fault_steps = text
        .split("[[step]]")
        .skip(1)
        .filter(|s| !s.trim_start().starts_with("run =") && !s.trim_start().starts_with("expect ="))
        .count();
    // The issue asks for a handful (today: 2, two partial partitions that make two nodes take
    // turns leading; see README, Shrinking).
    assert!(fault_steps <= 5, "{fault_steps} fault steps:\n{text}");
    assert!(
        text.contains(&format!("expect = {{ violation = \"{property}\" }}")),
        "{text}"
    );
}

/// Runs `fuzz <args> <pins> --shrink` in a fresh directory, checks it exits 1 and that the file
/// it wrote replays to exit 0 with `raftsim run`; returns fuzz's output and the file's text.
fn shrink_in_a_temp_dir(name: &str, args: &[&str], pins: &[&str]) -> (String, String) {
    let dir = std::env::temp_dir().join(format!("raftsim-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_raftsim"))
        .arg("fuzz")
        .args(args)
        .args(pins)
        .arg("--shrink")
        .current_dir(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let file = stdout
        .lines()
        .find_map(|l| l.strip_prefix("wrote ")?.split(';').next())
        .expect("a shrunk file");
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let (code, replay, _) = raftsim(&["run", path.to_str().unwrap()]);
    assert_eq!(code, 0, "the scenario reproduces its violation:\n{replay}");
    std::fs::remove_dir_all(&dir).ok();
    (stdout, text)
}

/// A liveness failure has no scenario to shrink into: it says so, writes nothing, exits 1.
#[test]
fn shrink_of_a_liveness_failure_says_it_is_not_shrunk() {
    let (code, out, _) = raftsim(&["fuzz", "--bug", "no-randomized-timeout", "--shrink"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("violation: Liveness"), "{out}");
    assert!(out.contains("liveness failures are not shrunk"), "{out}");
    assert!(!out.contains("wrote failure-"), "{out}");
}

#[test]
fn tour_out_writes_pictures_and_an_index_and_run_takes_svg_and_html() {
    let dir = std::env::temp_dir().join(format!("raftsim-tour-{}", std::process::id()));
    let (code, out, _) = raftsim(&["tour", "--out", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    let index = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(
        index.contains(r#"Start with <a href="figure8.html">Figure 8</a>"#),
        "{index}"
    );
    let figure8 = index
        .find(r#"<a href="figure8.html"><b>figure8</b>"#)
        .expect("a row");
    let figure7 = index
        .find(r#"<a href="figure7.html"><b>figure7</b>"#)
        .expect("a row");
    assert!(figure8 < figure7, "Figure 8 comes first");
    assert!(
        index.contains("broke Election Safety (expected)"),
        "what each story shows"
    );
    for (file, _) in raftsim::catalogue::SCENARIOS {
        let name = file.trim_end_matches(".toml");
        assert!(dir.join(format!("{name}.svg")).exists(), "{name}.svg");
        assert!(dir.join(format!("{name}.html")).exists(), "{name}.html");
        assert!(
            index.contains(&format!(r#"<a href="{name}.svg">"#)),
            "{name} linked"
        );
        let svg = dir.join(format!("{name}.svg"));
        let (one, first) = (
            format!("wrote the space-time diagram to {}\n", svg.display()),
            "wrote the space-time diagram of branch 1 of ",
        );
        assert!(
            out.contains(&one)
                || out.contains(first) && out.contains(&format!("to {}\n", svg.display())),
            "{name}.svg said"
        );
    }
    // A story that rewinds gets a diagram per branch, and the index links them.
    assert!(dir.join("figure8-2.svg").exists());
    assert!(
        index.contains(r#"<a href="figure8-2.svg">after rewind 1</a>"#),
        "{index}"
    );
    let page = dir.join("index.html");
    assert!(
        out.contains(&format!("wrote the index page to {}", page.display())),
        "{out}"
    );
    let (svg, html) = (dir.join("one.svg"), dir.join("one.html"));
    let (code, out, _) = raftsim(&["replay", "--seed", "3", "--svg", svg.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));
    assert!(
        out.contains(&format!(
            "wrote the space-time diagram to {}",
            svg.display()
        )),
        "{out}"
    );
    let args = [
        "run",
        "figure8",
        "--svg",
        svg.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ];
    let (code, out, _) = raftsim(&args);
    assert_eq!(code, 0, "{out}");
    let second = dir.join("one-2.svg");
    assert!(
        out.contains(&format!(
            "wrote the space-time diagram of branch 1 of 2 to {}\nwrote the space-time diagram of branch 2 of 2 to {}\n",
            svg.display(),
            second.display()
        )),
        "{out}"
    );
    assert!(std::fs::read_to_string(&second)
        .unwrap()
        .starts_with("<svg"));
    assert!(
        out.contains(&format!(
            "wrote the step-through page to {}\n",
            html.display()
        )),
        "{out}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A panic inside a run (here the knob that makes a lagging follower assert, as etcd raft's
/// commitTo does) is a reported violation: exit 1, the panic's message and place, the seed and
/// a reproduce line that shows it again. The tool itself does not crash (exit 101).
#[test]
fn a_node_panic_is_a_reported_violation_with_a_reproduce_line() {
    let (code, out, err) = raftsim(&[
        "fuzz",
        "--seeds",
        "0..20",
        "--bug",
        "assert-commit-within-log",
    ]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.starts_with("violation: Panic seed="), "{out}");
    assert!(out.contains("panicked: tocommit("), "{out}");
    assert!(out.contains("(at raft/src/replication.rs:"), "{out}");
    assert!(!err.contains("panicked at"), "no raw panic output: {err}");
    let cmd = out
        .lines()
        .find_map(|l| l.strip_prefix("reproduce: cargo run --release -- "))
        .expect("a reproduce line");
    let args: Vec<&str> = cmd.split_whitespace().collect();
    let (code, replay, _) = raftsim(&args);
    assert_eq!(code, 1, "{replay}");
    assert!(replay.contains("violation: Panic seed="), "{replay}");
}

/// A run stopped by a cap is reported as stopped, never as clean: a campaign whose seeds reach
/// `--max-events` exits 3 and says how many; so does a replay, and a scenario whose runs go past
/// `[sim] max_time_us` (here 700 s against the 600 s default) names the cap and the step.
#[test]
fn caps_are_reported_as_stopped_with_exit_3() {
    let (code, out, _) = raftsim(&["fuzz", "--seeds", "0..5", "--max-events", "300"]);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.starts_with("stopped: 5 of 5 seeds reached the cap of 300 events"),
        "{out}"
    );
    assert!(!out.contains("clean"), "{out}");
    let (code, out, _) = raftsim(&["replay", "--seed", "2", "--max-events", "300"]);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("stopped: the run reached the cap of 300 events"),
        "{out}"
    );
    let long = "[cluster]\nnodes = 3\n[[step]]\ntimeout = 1\n[[step]]\nrun = \"700s\"\n[[step]]\nexpect = { leader = 1 }\n";
    let path = temp_file("long.toml", long);
    let (code, out, _) = raftsim(&["run", path.to_str().unwrap()]);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("stopped: line 6: the run reached its cap of 600000ms of virtual time ([sim] max_time_us)"),
        "{out}"
    );
}

/// Flags that used to be accepted though they make no sense: each is an error naming the flag
/// and what is expected, exit 2.
#[test]
fn senseless_flags_exit_2_saying_what_is_expected() {
    for (args, expected) in [
        (
            vec!["fuzz", "--max-events", "0"],
            "--max-events must be at least 1",
        ),
        (vec!["fuzz", "--jobs", "0"], "--jobs must be at least 1"),
        (
            vec!["fuzz", "--read-mode", "lease"],
            "--read-mode lease needs --check-quorum",
        ),
        (
            vec![
                "replay",
                "--seed",
                "1",
                "--read-mode",
                "lease",
                "--check-quorum=false",
            ],
            "--read-mode lease needs --check-quorum",
        ),
    ] {
        let (code, out, err) = raftsim(&args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    let (code, out, _) = raftsim(&[
        "fuzz",
        "--seeds",
        "0..3",
        "--read-mode",
        "lease",
        "--check-quorum",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("reads lease 3"), "{out}");
}

/// A panic shrinks like any other violation: the written scenario expects "Panic" and
/// `raftsim run` replays it to that.
#[test]
fn a_node_panic_shrinks_to_a_scenario_that_panics_again() {
    let args = ["--seeds", "0..10", "--bug", "assert-commit-within-log"];
    let (_, text) = shrink_in_a_temp_dir("panic", &args, &[]);
    assert!(
        text.contains("expect = { violation = \"Panic\" }"),
        "{text}"
    );
}

/// raft-rs from the command line: a clean campaign, a replay whose JSON trace is byte-identical
/// twice, Figure 8, and a bug knob refused as bad input (raft-rs has none).
#[test]
fn raft_rs_runs_from_the_command_line() {
    let (code, out, err) = raftsim(&["fuzz", "--node", "raft-rs", "--seeds", "0..40"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("clean: 40 seeds"), "{out}");
    let dir = std::env::temp_dir().join(format!("raftsim-rs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let traces: Vec<String> = ["a", "b"]
        .iter()
        .map(|name| {
            let path = dir.join(format!("{name}.jsonl"));
            let args = ["replay", "--node", "raft-rs", "--seed", "5", "--trace"];
            let (code, out, _) = raftsim(&[&args[..], &[path.to_str().unwrap()]].concat());
            assert_eq!(code, 0, "{out}");
            std::fs::read_to_string(&path).unwrap()
        })
        .collect();
    assert!(traces[0].lines().count() > 100);
    assert_eq!(traces[0], traces[1], "the same seed, the same trace");
    std::fs::remove_dir_all(&dir).ok();
    let (code, out, _) = raftsim(&["run", "figure8", "--node", "raft-rs"]);
    assert_eq!(code, 0, "{out}");
    let (code, _, err) = raftsim(&["fuzz", "--node", "raft-rs", "--bug", "volatile-vote"]);
    assert_eq!(code, 2);
    assert!(err.contains("raft-rs has no knobs"), "{err}");
    let (code, _, err) = raftsim(&["run", "volatile-vote", "--node", "raft-rs"]);
    assert_eq!(code, 2);
    assert!(err.contains("raft-rs cannot run this scenario"), "{err}");
    // A story with a bug knob of raftsim's node: the tour skips it, saying why, and does not fail.
    let (code, out, _) = raftsim(&["tour", "--node", "raft-rs", "compact-past-applied"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("skipped: raft-rs cannot run it (bug knob compact-past-applied)"),
        "{out}"
    );
    assert!(out.contains("0 failed, 1 skipped."), "{out}");
}

/// The README's stale-read example is what the commands print: `fuzz --read-mode local` stops
/// at seed 9, whose replay shows n2, leader again after a crash, answering a read it has not
/// applied the acknowledged write for.
#[test]
fn the_readme_stale_read_is_seed_9_and_its_replay_shows_it() {
    let (code, out, _) = raftsim(&["fuzz", "--read-mode", "local", "--seeds", "0..20"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("violation: Linearizability seed=9\n"),
        "{out}"
    );
    let (code, out, _) = raftsim(&["replay", "--seed", "9", "--read-mode", "local", "--explain"]);
    assert_eq!(code, 1, "{out}");
    for line in [
        "t=3072.538ms client0 <- n2 put(k0, 1000006) = ok",
        "t=3073.206ms n2 CRASH (0 unsynced write(s) lost)",
        "t=3309.830ms n2 becomes leader term=16",
        "t=3320.913ms client0 <- n2 get(k0) = nil",
        "  #5 c0 [2307730us, 3072538us] put(k0, 1000006) -> ok",
        "  #6 c0 [3120913us, 3320913us] get(k0) -> nil",
    ] {
        assert!(out.lines().any(|l| l == line), "{line}");
    }
}
