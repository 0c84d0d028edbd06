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
    for k in raft::BugKnob::ALL {
        assert!(out.contains(k.name()), "{} missing", k.name());
    }
    std::fs::remove_dir_all(&dir).ok();
}
