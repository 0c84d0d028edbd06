//! Same seed and config ⇒ byte-identical trace; different seeds ⇒ different traces.

use raftsim::testing::{rerun_line, seeds};
use sim::run::{run_seed, RunConfig};
use std::collections::BTreeMap;

#[test]
fn a_thousand_seeds_twice_give_identical_trace_hashes() {
    let config = RunConfig::default();
    let mut first_seed_of_hash = BTreeMap::new();
    let range = seeds(0..1000);
    let count = range.end - range.start;
    for seed in range {
        let a = run_seed(seed, &config).0;
        let b = run_seed(seed, &config).0;
        assert_eq!(
            (a.trace_hash, a.stats.events),
            (b.trace_hash, b.stats.events),
            "seed {seed} diverged between two runs\n{}",
            rerun_line("a_thousand_seeds_twice", seed)
        );
        if let Some(other) = first_seed_of_hash.insert(a.trace_hash, seed) {
            panic!(
                "seeds {other} and {seed} produced the same trace\n{}",
                rerun_line("a_thousand_seeds_twice", seed)
            );
        }
    }
    assert_eq!(first_seed_of_hash.len() as u64, count);
}

#[test]
fn a_kept_trace_is_the_same_run_as_a_hashed_one() {
    for seed in seeds(0..20) {
        let quick = run_seed(seed, &RunConfig::default()).0;
        let kept = RunConfig {
            keep_trace: true,
            ..RunConfig::default()
        };
        let (full, world) = run_seed(seed, &kept);
        assert_eq!(
            quick.trace_hash,
            full.trace_hash,
            "{}",
            rerun_line("a_kept_trace", seed)
        );
        assert_eq!(world.trace.lines().count() as u64, world.trace.len());
    }
}

/// raft-rs hosted: its election timeouts come from the node's seed (the adapter replaces
/// raft-rs's `thread_rng` draws), its peers' progress is an FxHash map iterated in insertion
/// order, and its logger is silent, so one seed gives one trace there too. Each run also
/// checks, event by event, that the traces of two runs are the same line for line.
#[test]
fn raft_rs_seeds_twice_give_identical_traces() {
    use sim::campaign::Campaign;
    use sim::node::RaftRs;
    let range = seeds(0..300);
    let report = Campaign::<RaftRs>::on(RunConfig::default())
        .seeds(range.clone())
        .check_determinism(true)
        .run(&|| {});
    if let Some(d) = &report.divergence {
        panic!(
            "seed {} diverged at trace line {}: {:?} / {:?}\n{}",
            d.seed,
            d.line,
            d.first,
            d.second,
            rerun_line("raft_rs_seeds_twice", d.seed)
        );
    }
    assert_eq!(report.coverage.seeds, range.end - range.start);
}
