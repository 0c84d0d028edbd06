//! Seeded concurrent histories that are linearizable by construction, for the checker's
//! benchmark and property tests.
//!
//! Clients run one operation at a time with random latencies and think times, so their
//! operations overlap. Each operation is given a linearization point inside its interval, and
//! a sequential [`KvStore`] applies the operations in linearization-point order to produce the
//! outputs: the history is linearizable, with that order as a witness. Some operations end
//! with an unknown outcome; half of those take effect at their point, half never do.

use super::history::{Operation, Outcome};
use super::kv::{KvOp, KvStore};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The shape of a generated history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenConfig {
    pub ops: usize,
    pub keys: u64,
    pub clients: u64,
    /// Each operation takes 1..=`latency_max_us` from invocation to completion.
    pub latency_max_us: u64,
    /// A client waits 0..=`think_max_us` before its next operation.
    pub think_max_us: u64,
    /// Operations, per thousand, whose outcome is unknown.
    pub unknown_per_mille: u32,
}

impl GenConfig {
    /// The benchmark's shape: 10,000 operations over 10 keys from 5 clients, latencies up to
    /// 2 ms against think times up to 0.5 ms (so most operations overlap others), 1% unknown.
    pub fn bench() -> Self {
        GenConfig {
            ops: 10_000,
            keys: 10,
            clients: 5,
            latency_max_us: 2_000,
            think_max_us: 500,
            unknown_per_mille: 10,
        }
    }
}

/// The benchmark history of `seed`: [`generate`] with [`GenConfig::bench`].
pub fn bench_history(seed: u64) -> Vec<Operation> {
    generate(seed, &GenConfig::bench())
}

/// One operation before outputs are known.
struct Planned {
    client: u64,
    op: KvOp,
    invoke_us: u64,
    complete_us: u64,
    /// Where it takes effect; `None` if it never does (only for unknown outcomes).
    point_us: Option<u64>,
    unknown: bool,
}

/// A history of `config.ops` operations, ordered by invocation (ids are positions), drawn from
/// a ChaCha8 generator seeded with `seed`.
pub fn generate(seed: u64, config: &GenConfig) -> Vec<Operation> {
    assert!(config.keys > 0 && config.clients > 0 && config.latency_max_us > 0);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut clock: Vec<u64> = (0..config.clients)
        .map(|_| rng.gen_range(0..=config.think_max_us))
        .collect();
    let mut last_written: Vec<Option<u64>> = vec![None; config.keys as usize];
    let mut plan = Vec::with_capacity(config.ops);
    for value in 1..=config.ops as u64 {
        // The client free soonest goes next, so invocations come in time order.
        let client = (0..config.clients)
            .min_by_key(|&c| (clock[c as usize], c))
            .unwrap_or(0);
        let invoke_us = clock[client as usize];
        let complete_us = invoke_us + rng.gen_range(1..=config.latency_max_us);
        let key = rng.gen_range(0..config.keys);
        let op = draw_op(&mut rng, key, value, &mut last_written[key as usize]);
        let unknown = rng.gen_range(0..1000) < config.unknown_per_mille;
        let takes_effect = !unknown || rng.gen_bool(0.5);
        let point_us = takes_effect.then(|| rng.gen_range(invoke_us..=complete_us));
        clock[client as usize] = complete_us + rng.gen_range(0..=config.think_max_us);
        plan.push(Planned {
            client,
            op,
            invoke_us,
            complete_us,
            point_us,
            unknown,
        });
    }
    execute(plan)
}

/// Gets half the time, puts of a fresh value 30%, compare-and-sets 20% (expecting the last
/// value drawn for the key, or missing, so that some succeed).
fn draw_op(rng: &mut ChaCha8Rng, key: u64, fresh: u64, last: &mut Option<u64>) -> KvOp {
    match rng.gen_range(0..10) {
        0..=4 => KvOp::Get { key },
        5..=7 => {
            *last = Some(fresh);
            KvOp::Put { key, value: fresh }
        }
        _ => {
            let expected = if rng.gen_bool(0.8) { *last } else { None };
            *last = Some(fresh);
            KvOp::Cas {
                key,
                expected,
                new: fresh,
            }
        }
    }
}

/// Applies the planned operations in linearization-point order (ties by id) to a sequential
/// store and records what each client was told.
fn execute(plan: Vec<Planned>) -> Vec<Operation> {
    let mut order: Vec<(u64, usize)> = plan
        .iter()
        .enumerate()
        .filter_map(|(id, p)| p.point_us.map(|t| (t, id)))
        .collect();
    order.sort_unstable();
    let mut outputs = vec![None; plan.len()];
    let mut store = KvStore::new();
    for (_, id) in order {
        outputs[id] = Some(store.apply_op(plan[id].op));
    }
    plan.into_iter()
        .zip(outputs)
        .enumerate()
        .map(|(id, (p, output))| Operation {
            id,
            client: p.client,
            op: p.op,
            invoke_us: p.invoke_us,
            outcome: match output {
                Some(output) if !p.unknown => Outcome::Ok {
                    output,
                    complete_us: p.complete_us,
                },
                _ => Outcome::Unknown,
            },
        })
        .collect()
}
