//! The linearizability checker for KV client histories.
//!
//! Linearizability (Herlihy & Wing 1990): every operation appears to take effect at one
//! instant between its invocation and its completion, in an order that is legal for the
//! sequential specification ([`KvOp::step`]). Linearizability is compositional, and every
//! operation touches one key, so the history is split per key and each key is searched on its
//! own ([`search`], Wing & Gong 1993 with Lowe 2017's memoisation). This is also how Porcupine
//! checks etcd histories (P-compositionality, Horn & Kroening 2015).
//!
//! A violation is reported as a small set of operations of one key that no order explains,
//! found by greedily removing operations while the rest stays non-linearizable and the removed
//! ones could not have explained it ([`super::minimise`]), so a stale read shows as the two
//! writes and the read, not as the thousand operations around them.

use super::history::Operation;
use super::kv::KvOp;
use super::minimise::{minimise, unwritten_observation};
use super::search::{search, Search};
use serde::Serialize;
use std::collections::BTreeMap;

/// The checker's verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum LinResult {
    /// Every key's operations have a linearization.
    Ok,
    /// The operations on `key` are not linearizable; `ops` is a small subset of them, with their
    /// times, that no sequential order explains.
    Violation {
        key: u64,
        ops: Vec<Operation>,
        explanation: String,
    },
    /// The search for `key` hit [`CheckConfig::max_steps_per_key`] before deciding; no other key
    /// showed a violation.
    Unknown { key: u64 },
}

/// Bounds on the checker's work (STYLE rule 11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckConfig {
    /// Events the search may visit for one key before answering [`LinResult::Unknown`].
    pub max_steps_per_key: u64,
    /// Searches the minimisation of a violation may run; when it runs out, the set found so far
    /// is reported (still a violation, possibly not minimal).
    pub max_minimise_searches: usize,
}

impl Default for CheckConfig {
    fn default() -> Self {
        CheckConfig {
            max_steps_per_key: 10_000_000,
            max_minimise_searches: 2_000,
        }
    }
}

/// Checks `history` with the default bounds. Deterministic: keys are checked in ascending
/// order; the first violating key is reported, else the first undecided one.
pub fn check(history: &[Operation]) -> LinResult {
    check_with(history, &CheckConfig::default())
}

pub fn check_with(history: &[Operation], config: &CheckConfig) -> LinResult {
    let mut undecided = None;
    for (key, ops) in partition(history) {
        match check_key(key, ops, config) {
            LinResult::Ok => {}
            LinResult::Unknown { key } => {
                undecided.get_or_insert(key);
            }
            violation => return violation,
        }
    }
    match undecided {
        Some(key) => LinResult::Unknown { key },
        None => LinResult::Ok,
    }
}

/// Splits the history per key, each part ordered by invocation then id. A read that never
/// returned constrains nothing, so it is left out.
fn partition(history: &[Operation]) -> BTreeMap<u64, Vec<&Operation>> {
    let mut parts: BTreeMap<u64, Vec<&Operation>> = BTreeMap::new();
    for op in history {
        if matches!(op.op, KvOp::Get { .. }) && op.output().is_none() {
            continue;
        }
        parts.entry(op.key()).or_default().push(op);
    }
    for ops in parts.values_mut() {
        ops.sort_by_key(|op| (op.invoke_us, op.id));
    }
    parts
}

fn check_key(key: u64, ops: Vec<&Operation>, config: &CheckConfig) -> LinResult {
    if let Some((op, value)) = unwritten_observation(&ops) {
        let explanation = format!(
            "key {key}: {op}\n  observes value {value}, which no operation on key {key} writes \
             (the key starts missing)"
        );
        return violation(key, vec![op], explanation);
    }
    match search(&ops, config.max_steps_per_key) {
        Search::Linearizable => LinResult::Ok,
        Search::StepLimit => LinResult::Unknown { key },
        Search::Violation => {
            let n = ops.len();
            let small = minimise(ops, config.max_minimise_searches, config.max_steps_per_key);
            let mut explanation = format!(
                "key {key}: no order of these {} operations (minimised from {n}; the others \
                 cannot explain them) is legal for a register that starts missing, with each \
                 taking effect once between its invocation and completion (an unknown outcome: \
                 after its invocation, or never):",
                small.len()
            );
            for op in &small {
                explanation.push_str(&format!("\n  {op}"));
            }
            violation(key, small, explanation)
        }
    }
}

fn violation(key: u64, ops: Vec<&Operation>, explanation: String) -> LinResult {
    LinResult::Violation {
        key,
        ops: ops.into_iter().cloned().collect(),
        explanation,
    }
}

impl std::fmt::Display for LinResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinResult::Ok => f.write_str("linearizable"),
            LinResult::Violation { explanation, .. } => {
                write!(f, "not linearizable: {explanation}")
            }
            LinResult::Unknown { key } => {
                write!(f, "undecided: the search for key {key} hit its step bound")
            }
        }
    }
}
