//! How long the linearizability checker takes on the benchmark history: 10,000 operations over
//! 10 keys from 5 overlapping clients, 1% with unknown outcomes (`sim::lin::gen::bench_history`).
//! Target: under 1 s per history. Also times finding and minimising one stale read planted in
//! the same history. Run with `cargo bench -p sim --bench linearizability`.

use sim::bench::wall_now;
use sim::lin::gen::bench_history;
use sim::lin::{check, KvOp, KvOutput, LinResult, Operation, Outcome};

const SEEDS: u64 = 5;

/// Times `f` in milliseconds, best of three runs.
fn best_ms<T>(mut f: impl FnMut() -> T) -> (T, f64) {
    let mut best = f64::MAX;
    let mut out = None;
    for _ in 0..3 {
        let start = wall_now();
        out = Some(f());
        best = best.min(start.elapsed().as_secs_f64() * 1e3);
    }
    (out.expect("ran"), best)
}

/// Makes the last completed read of key 0 return the first value written to key 0, long since
/// overwritten: a stale read.
fn plant_stale_read(history: &mut [Operation]) -> usize {
    let first = history
        .iter()
        .find_map(|op| match (op.op, op.output()) {
            (KvOp::Put { key: 0, value }, Some(_)) => Some(value),
            _ => None,
        })
        .expect("a put on key 0");
    let read = history
        .iter_mut()
        .rev()
        .find(|op| matches!(op.op, KvOp::Get { key: 0 }) && op.output().is_some())
        .expect("a read of key 0");
    let Outcome::Ok { complete_us, .. } = read.outcome else {
        unreachable!()
    };
    read.outcome = Outcome::Ok {
        output: KvOutput::Value(Some(first)),
        complete_us,
    };
    read.id
}

fn main() {
    let mut worst_ms = 0f64;
    for seed in 0..SEEDS {
        let history = bench_history(seed);
        let (result, ms) = best_ms(|| check(&history));
        assert_eq!(result, LinResult::Ok, "seed {seed}");
        let unknown = history
            .iter()
            .filter(|op| op.outcome == Outcome::Unknown)
            .count();
        println!(
            "lin check seed={seed} ops={} unknown={unknown} keys=10 clients=5: {ms:.1} ms",
            history.len()
        );
        worst_ms = worst_ms.max(ms);
    }
    println!("lin check worst of {SEEDS} seeds: {worst_ms:.1} ms (target < 1000 ms)");

    let mut history = bench_history(0);
    let planted = plant_stale_read(&mut history);
    let (result, ms) = best_ms(|| check(&history));
    let LinResult::Violation { key, ops, .. } = &result else {
        panic!("planted stale read not found: {result}")
    };
    assert!(ops.iter().any(|op| op.id == planted));
    println!(
        "lin violation seed=0 (stale read #{planted}): found and minimised to {} ops on key {key} \
         in {ms:.1} ms",
        ops.len()
    );
}
