//! The checker against histories whose verdict is known, and property tests tying it to the
//! sequential model and to the concurrent generator.

use super::gen::{generate, GenConfig};
use super::*;
use proptest::prelude::*;

/// A history written as `(client, op, invoke_us, Some((output, complete_us)) | None)`.
type Row = (u64, KvOp, u64, Option<(KvOutput, u64)>);

fn history(rows: &[Row]) -> Vec<Operation> {
    rows.iter()
        .enumerate()
        .map(|(id, &(client, op, invoke_us, done))| Operation {
            id,
            client,
            op,
            invoke_us,
            outcome: match done {
                Some((output, complete_us)) => Outcome::Ok {
                    output,
                    complete_us,
                },
                None => Outcome::Unknown,
            },
        })
        .collect()
}

const K: u64 = 7;

fn put(value: u64) -> KvOp {
    KvOp::Put { key: K, value }
}

fn get() -> KvOp {
    KvOp::Get { key: K }
}

fn cas(expected: Option<u64>, new: u64) -> KvOp {
    KvOp::Cas {
        key: K,
        expected,
        new,
    }
}

fn ok(t: u64) -> Option<(KvOutput, u64)> {
    Some((KvOutput::Ok, t))
}

fn val(v: Option<u64>, t: u64) -> Option<(KvOutput, u64)> {
    Some((KvOutput::Value(v), t))
}

fn cas_out(b: bool, t: u64) -> Option<(KvOutput, u64)> {
    Some((KvOutput::Cas(b), t))
}

/// The violation's key and the ids of its operations.
fn violation(result: &LinResult) -> (u64, Vec<usize>) {
    match result {
        LinResult::Violation { key, ops, .. } => (*key, ops.iter().map(|op| op.id).collect()),
        other => panic!("expected a violation, got {other}"),
    }
}

#[test]
fn sequential_history_is_linearizable() {
    let h = history(&[
        (0, get(), 0, val(None, 5)),
        (0, put(1), 10, ok(15)),
        (1, get(), 20, val(Some(1), 25)),
        (1, cas(Some(1), 2), 30, cas_out(true, 35)),
        (0, get(), 40, val(Some(2), 45)),
    ]);
    assert_eq!(check(&h), LinResult::Ok);
}

/// A read concurrent with a write may see either value, whichever order they overlap in.
#[test]
fn concurrent_put_and_get_linearize_in_either_order() {
    for (seen, get_at) in [
        (None, (0, 20)),
        (Some(1), (0, 20)),
        (None, (5, 30)),
        (Some(1), (5, 30)),
    ] {
        let h = history(&[
            (0, put(1), 2, ok(25)),
            (1, get(), get_at.0, val(seen, get_at.1)),
        ]);
        assert_eq!(check(&h), LinResult::Ok, "get saw {seen:?} over {get_at:?}");
    }
}

/// Closed intervals: an operation completing at t and one invoked at t are concurrent.
#[test]
fn operations_touching_at_an_instant_are_concurrent() {
    let h = history(&[(0, put(1), 0, ok(10)), (1, get(), 10, val(None, 12))]);
    assert_eq!(check(&h), LinResult::Ok);
    let h = history(&[(0, put(1), 0, ok(10)), (1, get(), 11, val(None, 12))]);
    assert_eq!(violation(&check(&h)), (K, vec![0, 1]));
}

/// An unknown write may take effect at any time after its invocation, or never.
#[test]
fn pending_writes_that_did_or_did_not_take_effect() {
    let took_effect = history(&[
        (0, put(1), 0, ok(5)),
        (1, put(2), 10, None),
        (0, get(), 100, val(Some(2), 105)),
    ]);
    assert_eq!(check(&took_effect), LinResult::Ok);
    let never = history(&[
        (0, put(1), 0, ok(5)),
        (1, put(2), 10, None),
        (0, get(), 100, val(Some(1), 105)),
    ]);
    assert_eq!(check(&never), LinResult::Ok);
    // Taking effect late: seen by one read after another read saw the old value.
    let late = history(&[
        (0, put(1), 0, ok(5)),
        (1, put(2), 10, None),
        (0, get(), 100, val(Some(1), 105)),
        (0, get(), 200, val(Some(2), 205)),
    ]);
    assert_eq!(check(&late), LinResult::Ok);
    // But not before its invocation.
    let early = history(&[(0, get(), 0, val(Some(2), 5)), (1, put(2), 10, None)]);
    assert_eq!(violation(&check(&early)).0, K);
}

/// A CAS that never answered may have applied: the only explanation of the later read.
#[test]
fn cas_chains_with_a_pending_link() {
    let h = history(&[
        (0, cas(None, 1), 0, cas_out(true, 5)),
        (1, cas(Some(1), 2), 10, cas_out(true, 15)),
        (2, cas(Some(2), 3), 20, None),
        (0, cas(Some(2), 4), 30, cas_out(false, 35)),
        (1, cas(Some(3), 5), 40, cas_out(true, 45)),
        (2, get(), 50, val(Some(5), 55)),
    ]);
    assert_eq!(check(&h), LinResult::Ok);
}

#[test]
fn keys_are_checked_independently() {
    let a = |value| KvOp::Put { key: 1, value };
    let b = |value| KvOp::Put { key: 2, value };
    let h = history(&[
        (0, a(1), 0, ok(10)),
        (1, b(5), 0, ok(10)),
        (0, KvOp::Get { key: 2 }, 20, val(Some(5), 30)),
        (1, KvOp::Get { key: 1 }, 20, val(Some(1), 30)),
    ]);
    assert_eq!(check(&h), LinResult::Ok);
}

/// Stale read after a completed write: the put finished before the get began.
#[test]
fn stale_read_after_completed_write_is_a_violation() {
    let h = history(&[
        (0, put(1), 0, ok(10)),
        (1, get(), 5, val(Some(1), 8)),
        (0, put(2), 20, ok(30)),
        (1, get(), 40, val(Some(1), 50)),
        (1, get(), 60, val(Some(2), 70)),
    ]);
    let result = check(&h);
    let (key, ids) = violation(&result);
    assert_eq!(key, K);
    assert!(ids.len() <= 3, "{result}");
    assert!(ids.contains(&2) && ids.contains(&3), "{result}");
}

/// Catalogue §4, the stale-leader read: x=1 acked, x=2 acked by the new majority, then the old
/// leader serves a read of x=1 from its local state.
#[test]
fn stale_leader_read_is_reported_as_the_two_writes_and_the_read() {
    let h = history(&[
        (0, put(1), 0, ok(10)),
        (1, put(2), 20, ok(30)),
        (2, get(), 40, val(Some(1), 50)),
    ]);
    let result = check(&h);
    assert_eq!(violation(&result), (K, vec![0, 1, 2]));
    let LinResult::Violation { explanation, .. } = &result else {
        unreachable!()
    };
    assert!(
        explanation.starts_with("key 7: no order of these 3 operations"),
        "{explanation}"
    );
    assert!(
        explanation.contains("#2 c2 [40us, 50us] get(k7) -> 1"),
        "{explanation}"
    );
}

/// Catalogue §4, bug variant: the old leader acknowledges a write on local append, then loses
/// it when its suffix is overwritten. The write was acked after x=2 committed, yet x reads 2.
#[test]
fn lost_acknowledged_write_is_a_violation() {
    let h = history(&[
        (1, put(2), 0, ok(10)),
        (0, put(1), 20, ok(30)),
        (2, get(), 40, val(Some(2), 50)),
        (2, get(), 60, val(Some(2), 70)),
    ]);
    let (key, ids) = violation(&check(&h));
    assert_eq!(key, K);
    assert_eq!(ids.len(), 3);
    assert!(ids.contains(&1));
}

/// Two compare-and-sets from the same expected value cannot both succeed.
#[test]
fn two_cas_from_the_same_expected_value_cannot_both_succeed() {
    let h = history(&[
        (0, put(0), 0, ok(5)),
        (1, cas(Some(0), 1), 10, cas_out(true, 40)),
        (2, cas(Some(0), 2), 15, cas_out(true, 45)),
        (0, get(), 50, val(Some(2), 55)),
    ]);
    let (key, ids) = violation(&check(&h));
    assert_eq!(key, K);
    assert_eq!(ids, vec![0, 1, 2]);
    let from_missing = history(&[
        (1, cas(None, 1), 10, cas_out(true, 40)),
        (2, cas(None, 2), 15, cas_out(true, 45)),
    ]);
    assert_eq!(violation(&check(&from_missing)), (K, vec![0, 1]));
}

/// A read of a value nobody wrote is a violation by itself.
#[test]
fn read_of_a_value_never_written_is_reported_alone() {
    let h = history(&[(0, put(1), 0, ok(10)), (1, get(), 20, val(Some(9), 30))]);
    let result = check(&h);
    assert_eq!(violation(&result), (K, vec![1]));
    assert!(result.to_string().contains("observes value 9"), "{result}");
}

/// The violation is found among many unrelated operations and shrunk to the few that matter.
#[test]
fn minimisation_finds_the_stale_read_in_a_long_history() {
    let mut rows: Vec<Row> = Vec::new();
    for i in 0..200u64 {
        let t = 100 * i;
        rows.push((i % 3, put(i), t, ok(t + 10)));
        rows.push(((i + 1) % 3, get(), t + 20, val(Some(i), t + 30)));
    }
    rows.push((0, get(), 100_000, val(Some(150), 100_010)));
    let result = check(&history(&rows));
    let (key, ids) = violation(&result);
    assert_eq!(key, K);
    assert!(ids.len() <= 3, "{result}");
    assert!(ids.contains(&400) && ids.contains(&300), "{result}");
}

/// A search that hits its bound answers Unknown, not a verdict.
#[test]
fn step_bound_gives_unknown() {
    let rows: Vec<Row> = (0..30).map(|i| (i, put(i), 0, None)).collect();
    let config = CheckConfig {
        max_steps_per_key: 10,
        ..CheckConfig::default()
    };
    assert_eq!(
        check_with(&history(&rows), &config),
        LinResult::Unknown { key: K }
    );
}

#[test]
fn check_is_deterministic_and_generated_bench_history_is_linearizable() {
    let h = gen::bench_history(1);
    assert_eq!(h.len(), 10_000);
    assert_eq!(h, gen::bench_history(1));
    assert!(h.iter().any(|op| op.outcome == Outcome::Unknown));
    assert_eq!(check(&h), LinResult::Ok);
}

fn arb_op() -> impl Strategy<Value = KvOp> {
    let key = 0..3u64;
    let value = 0..4u64;
    prop_oneof![
        (key.clone(), value.clone()).prop_map(|(key, value)| KvOp::Put { key, value }),
        key.clone().prop_map(|key| KvOp::Get { key }),
        (key, proptest::option::of(value.clone()), value)
            .prop_map(|(key, expected, new)| KvOp::Cas { key, expected, new }),
    ]
}

/// Runs `ops` one after another on a real store: op i occupies [10i, 10i + 5].
fn sequential_history(ops: &[(u64, KvOp)]) -> Vec<Operation> {
    let mut store = KvStore::new();
    ops.iter()
        .enumerate()
        .map(|(id, &(client, op))| Operation {
            id,
            client,
            op,
            invoke_us: 10 * id as u64,
            outcome: Outcome::Ok {
                output: store.apply_op(op),
                complete_us: 10 * id as u64 + 5,
            },
        })
        .collect()
}

proptest! {
    // A fixed seed, like everything else here; no regression files written into the tree.
    #![proptest_config(ProptestConfig {
        rng_algorithm: proptest::test_runner::RngAlgorithm::ChaCha,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x11ea_71ab),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// A sequential run of the real store is linearizable, and corrupting one read to a value
    /// never written makes it a violation on that read's key, naming that read.
    #[test]
    fn sequential_runs_linearize_and_a_corrupted_read_does_not(
        ops in proptest::collection::vec((0..3u64, arb_op()), 1..40),
        pick in any::<prop::sample::Index>(),
    ) {
        let mut h = sequential_history(&ops);
        prop_assert_eq!(check(&h), LinResult::Ok);
        let gets: Vec<usize> =
            h.iter().filter(|op| matches!(op.op, KvOp::Get { .. })).map(|op| op.id).collect();
        prop_assume!(!gets.is_empty());
        let target = gets[pick.index(gets.len())];
        let Outcome::Ok { complete_us, .. } = h[target].outcome else { unreachable!() };
        h[target].outcome = Outcome::Ok { output: KvOutput::Value(Some(1_000)), complete_us };
        let result = check(&h);
        let (key, ids) = violation(&result);
        prop_assert_eq!(key, h[target].key());
        prop_assert!(ids.contains(&target));
    }

    /// With no concurrency there is one order, so a read changed to any other value, even one
    /// that was written, is a violation; the reported set is itself a violation and contains
    /// the read (the minimiser drops only what could not have explained the rest).
    #[test]
    fn sequential_runs_with_a_stale_read_do_not_linearize(
        ops in proptest::collection::vec((0..3u64, arb_op()), 1..40),
        pick in any::<prop::sample::Index>(),
        other in any::<prop::sample::Index>(),
    ) {
        let mut h = sequential_history(&ops);
        let gets: Vec<usize> =
            h.iter().filter(|op| matches!(op.op, KvOp::Get { .. })).map(|op| op.id).collect();
        prop_assume!(!gets.is_empty());
        let target = gets[pick.index(gets.len())];
        let Outcome::Ok { output, complete_us } = h[target].outcome else { unreachable!() };
        let key = h[target].key();
        let mut values: Vec<Option<u64>> = h
            .iter()
            .filter(|op| op.key() == key)
            .filter_map(|op| op.op.written().map(Some))
            .chain([None])
            .filter(|v| KvOutput::Value(*v) != output)
            .collect();
        values.sort_unstable();
        values.dedup();
        prop_assume!(!values.is_empty());
        let stale = KvOutput::Value(values[other.index(values.len())]);
        h[target].outcome = Outcome::Ok { output: stale, complete_us };
        let result = check(&h);
        let (k, ids) = violation(&result);
        prop_assert_eq!(k, key);
        prop_assert!(ids.contains(&target), "{}", result);
        let LinResult::Violation { ops: small, .. } = &result else { unreachable!() };
        prop_assert_eq!(violation(&check(small)).0, key);
    }

    /// The minimiser only drops what could not have explained the rest, so when a read in a
    /// linearizable concurrent history is changed to another written value and the result is a
    /// violation, the reported set must contain that read (without it, the set would be a sound
    /// reduction of the original, linearizable history) and must itself be a violation.
    #[test]
    fn reported_sets_of_corrupted_concurrent_histories_contain_the_corruption(
        seed in any::<u64>(),
        pick in any::<prop::sample::Index>(),
        other in any::<prop::sample::Index>(),
    ) {
        let config = GenConfig {
            ops: 120,
            keys: 2,
            clients: 4,
            latency_max_us: 100,
            think_max_us: 30,
            unknown_per_mille: 50,
        };
        let mut h = generate(seed, &config);
        let reads: Vec<usize> = h
            .iter()
            .filter(|op| matches!(op.op, KvOp::Get { .. }) && op.output().is_some())
            .map(|op| op.id)
            .collect();
        prop_assume!(!reads.is_empty());
        let target = reads[pick.index(reads.len())];
        let Outcome::Ok { output, complete_us } = h[target].outcome else { unreachable!() };
        let values: Vec<Option<u64>> = h
            .iter()
            .filter(|op| op.key() == h[target].key())
            .filter_map(|op| op.op.written().map(Some))
            .filter(|v| KvOutput::Value(*v) != output)
            .collect();
        prop_assume!(!values.is_empty());
        let output = KvOutput::Value(values[other.index(values.len())]);
        h[target].outcome = Outcome::Ok { output, complete_us };
        if let result @ LinResult::Violation { ops: small, .. } = &check(&h) {
            prop_assert!(small.iter().any(|op| op.id == target), "{}", result);
            let again = check(small);
            prop_assert!(matches!(again, LinResult::Violation { .. }), "{}", again);
        }
    }

    /// Concurrent histories from the generator are linearizable by construction.
    #[test]
    fn generated_concurrent_histories_linearize(seed in any::<u64>(), unknown in 0..200u32) {
        let config = GenConfig {
            ops: 300,
            keys: 3,
            clients: 4,
            latency_max_us: 100,
            think_max_us: 30,
            unknown_per_mille: unknown,
        };
        let h = generate(seed, &config);
        prop_assert_eq!(check(&h), LinResult::Ok);
    }
}
