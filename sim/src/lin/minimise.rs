//! Shrinking a non-linearizable history of one key to a few operations that still prove it.
//!
//! Dropping operations can *hide* a violation (drop the reads) but can also *invent* one: drop
//! the write a read saw and the read is left with a value from nowhere. A reported subset is
//! only evidence if the operations left out could not have explained it. So an operation is
//! dropped only when doing so is sound: if the history was linearizable, the rest would be too.
//! Take any linearization and delete the dropped operations from it; every kept operation still
//! sees the same state provided that
//!
//! - no kept operation observes a value written by a dropped operation (a read's result, a
//!   successful or unknown compare-and-set's expected value), so the last write before each
//!   kept observer is kept; and
//! - if any write was dropped, no kept compare-and-set failed (a failure observes only that the
//!   value differs from the expected one, which a dropped write may have been what ensured).
//!
//! Reads and failed compare-and-sets change nothing, so they can always go. Dropping an
//! operation therefore also drops every operation it would strand, closed transitively (the
//! reads of a dropped write, and so on), and the conditions hold against everything dropped so
//! far, so the final subset is a sound reduction of the whole key's history in one step.
//!
//! The search order is delta debugging's (Zeller & Hildebrandt, "Simplifying and isolating
//! failure-inducing input", TSE 2002): chunks of halving size, then single operations, pass
//! after pass, until nothing more can go.

use super::history::{Operation, Outcome};
use super::kv::{KvOp, KvOutput};
use super::search::{search, Search};
use std::collections::BTreeSet;

/// The value an operation claims to have seen in the store: a read's result, or the expected
/// value of a compare-and-set that succeeded (or may have). `None`: it claims no value.
fn observed(op: &Operation) -> Option<u64> {
    match (op.op, op.output()) {
        (KvOp::Get { .. }, Some(KvOutput::Value(v))) => v,
        (KvOp::Cas { expected, .. }, Some(KvOutput::Cas(true)) | None) => expected,
        _ => None,
    }
}

/// The value an operation wrote, or may have written.
fn written(op: &Operation) -> Option<u64> {
    match op.outcome {
        Outcome::Ok {
            output: KvOutput::Cas(false),
            ..
        } => None,
        _ => op.op.written(),
    }
}

fn failed_cas(op: &Operation) -> bool {
    matches!(op.output(), Some(KvOutput::Cas(false)))
}

/// The first completed operation that observes a value no operation in `ops` writes, and that
/// value: a violation on its own (the key starts missing, and only writes make values).
pub(crate) fn unwritten_observation<'a>(ops: &[&'a Operation]) -> Option<(&'a Operation, u64)> {
    let writes: BTreeSet<u64> = ops.iter().filter_map(|op| written(op)).collect();
    ops.iter().copied().find_map(|op| {
        let v = observed(op).filter(|v| op.output().is_some() && !writes.contains(v))?;
        Some((op, v))
    })
}

/// What has been dropped so far, as far as soundness is concerned.
#[derive(Clone, Default)]
struct Dropped {
    /// Values written by dropped operations.
    values: BTreeSet<u64>,
    /// Whether any dropped operation wrote.
    any_write: bool,
}

impl Dropped {
    /// Whether dropping what `self` records leaves `op` seeing the same state (see the module
    /// docs); if not, `op` must be dropped too.
    fn strands(&self, op: &Operation) -> bool {
        observed(op).is_some_and(|v| self.values.contains(&v)) || (self.any_write && failed_cas(op))
    }

    fn record(&mut self, op: &Operation) {
        if let Some(v) = written(op) {
            self.values.insert(v);
            self.any_write = true;
        }
    }

    /// Drops `ops[range]` and, until nothing changes, every other operation it strands (a read
    /// of a dropped write, a failed compare-and-set once any write is gone, and what those
    /// strand in turn). Returns what is kept and the new record.
    fn drop_closed<'a>(
        &self,
        ops: &[&'a Operation],
        range: std::ops::Range<usize>,
    ) -> (Vec<&'a Operation>, Dropped) {
        let mut dropped = self.clone();
        let mut gone: Vec<bool> = (0..ops.len()).map(|i| range.contains(&i)).collect();
        range.for_each(|i| dropped.record(ops[i]));
        let mut changed = true;
        while changed {
            changed = false;
            for (i, op) in ops.iter().enumerate() {
                if !gone[i] && dropped.strands(op) {
                    gone[i] = true;
                    dropped.record(op);
                    changed = true;
                }
            }
        }
        let kept = ops
            .iter()
            .zip(gone)
            .filter(|(_, g)| !g)
            .map(|(op, _)| *op)
            .collect();
        (kept, dropped)
    }
}

/// Shrinks `ops`, which must not be linearizable, doing at most `max_searches` searches of at
/// most `max_steps` steps each. The result is still not linearizable, in the original order.
pub(crate) fn minimise(
    mut ops: Vec<&Operation>,
    max_searches: usize,
    max_steps: u64,
) -> Vec<&Operation> {
    let mut shrink = Shrink {
        dropped: Dropped::default(),
        budget: max_searches,
        max_steps,
    };
    let mut chunk = ops.len().div_ceil(2).max(1);
    loop {
        let removed = shrink.pass(&mut ops, chunk);
        if shrink.budget == 0 || (chunk == 1 && !removed) {
            return ops;
        }
        chunk = chunk.div_ceil(2).min(ops.len().div_ceil(2)).max(1);
    }
}

struct Shrink {
    dropped: Dropped,
    /// Searches left.
    budget: usize,
    max_steps: u64,
}

impl Shrink {
    /// One pass over `ops` in chunks of `chunk`, each dropped with what it strands; returns
    /// whether anything was dropped.
    fn pass(&mut self, ops: &mut Vec<&Operation>, chunk: usize) -> bool {
        let mut removed = false;
        let mut i = 0;
        while i < ops.len() && self.budget > 0 {
            let end = (i + chunk).min(ops.len());
            let (rest, dropped) = self.dropped.drop_closed(ops, i..end);
            if !rest.is_empty() && self.still_violates(&rest) {
                *ops = rest;
                self.dropped = dropped;
                removed = true;
            } else {
                i += chunk;
            }
        }
        removed
    }

    fn still_violates(&mut self, ops: &[&Operation]) -> bool {
        self.budget -= 1;
        search(ops, self.max_steps) == Search::Violation
    }
}
