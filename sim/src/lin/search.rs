//! The search for a linearization of the operations on one key.
//!
//! Wing & Gong, "Testing and verifying concurrent objects" (JPDC 1993): keep the history's call
//! and return events in time order in a doubly linked list. Scanning from the front, a call
//! whose operation is legal in the current state is *linearized*: its call and return are
//! lifted out of the list and the scan restarts from the front. Reaching a return event means
//! that operation should already have been linearized (everything in the list before it was
//! tried), so the search backtracks: it undoes the last linearized operation and tries the
//! next candidate after it.
//!
//! Lowe, "Testing for linearizability" (CCPE 2017): memoise the configurations visited, the
//! pair (set of linearized operations, model state); a configuration seen before cannot lead to
//! success, so it is skipped. This turns the exponential search into one bounded by the number
//! of distinct configurations, which for histories with little concurrency is small.
//!
//! An operation with an unknown outcome gets its return event at the end of time (after every
//! other event), so it may be linearized anywhere after its invocation; being linearized after
//! everything else is the same as never taking effect. This is how Porcupine treats Jepsen's
//! `:info` operations.

use super::history::{Operation, Outcome};
use std::collections::BTreeSet;

/// The outcome of searching one key's operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Search {
    Linearizable,
    /// No order explains the history.
    Violation,
    /// Gave up after the step bound.
    StepLimit,
}

/// End of list.
const NIL: usize = usize::MAX;

/// The event list: nodes `0..2n` are events, node `2n` is the head sentinel.
struct Events {
    /// For each node, its operation's index in the searched slice.
    op: Vec<usize>,
    /// For a call node, its return node; `NIL` for a return node.
    ret: Vec<usize>,
    next: Vec<usize>,
    prev: Vec<usize>,
    head: usize,
}

impl Events {
    /// Orders calls and returns by time; at equal times calls come first, so intervals are
    /// closed (operations that touch at an instant are concurrent). An unknown outcome returns
    /// after every real time.
    fn new(ops: &[&Operation]) -> Events {
        let mut order: Vec<(u128, bool, usize)> = Vec::with_capacity(2 * ops.len());
        for (i, op) in ops.iter().enumerate() {
            let ret_time = op.complete_us().map_or(u64::MAX as u128 + 1, u128::from);
            assert!(
                ret_time >= u128::from(op.invoke_us),
                "{op} completes before its invocation"
            );
            order.push((u128::from(op.invoke_us), false, i));
            order.push((ret_time, true, i));
        }
        order.sort_unstable();
        let n = order.len();
        let mut call_node = vec![NIL; ops.len()];
        let mut events = Events {
            op: Vec::with_capacity(n),
            ret: vec![NIL; n],
            next: (1..=n).chain([0]).collect(),
            prev: [n].into_iter().chain(0..n).collect(),
            head: n,
        };
        events.next[n - 1] = NIL;
        for (node, &(_, is_return, i)) in order.iter().enumerate() {
            events.op.push(i);
            if is_return {
                events.ret[call_node[i]] = node;
            } else {
                call_node[i] = node;
            }
        }
        events
    }

    fn unlink(&mut self, node: usize) {
        let (p, n) = (self.prev[node], self.next[node]);
        self.next[p] = n;
        if n != NIL {
            self.prev[n] = p;
        }
    }

    fn relink(&mut self, node: usize) {
        let (p, n) = (self.prev[node], self.next[node]);
        self.next[p] = node;
        if n != NIL {
            self.prev[n] = node;
        }
    }

    /// Removes a call and its return. Lifts are undone in reverse order, so the removed
    /// nodes' own links are still valid when they are put back (dancing links).
    fn lift(&mut self, call: usize) {
        self.unlink(call);
        self.unlink(self.ret[call]);
    }

    fn unlift(&mut self, call: usize) {
        self.relink(self.ret[call]);
        self.relink(call);
    }
}

/// The state after `op` from `state`, if the sequential specification allows the output the
/// client saw. An unknown outcome allows any output.
fn step(op: &Operation, state: Option<u64>) -> Option<Option<u64>> {
    let (after, output) = op.op.step(state);
    match op.outcome {
        Outcome::Unknown => Some(after),
        Outcome::Ok { output: seen, .. } => (seen == output).then_some(after),
    }
}

/// Searches for a linearization of `ops`, which must all touch one key, from the missing
/// state, taking at most `max_steps` steps (one step = one event visited).
pub(crate) fn search(ops: &[&Operation], max_steps: u64) -> Search {
    if ops.is_empty() {
        return Search::Linearizable;
    }
    let mut events = Events::new(ops);
    let mut linearized = vec![0u64; ops.len().div_ceil(64)];
    let mut cache: BTreeSet<(Vec<u64>, Option<u64>)> = BTreeSet::new();
    // The linearized calls, in order, with the state before each.
    let mut calls: Vec<(usize, Option<u64>)> = Vec::new();
    let mut state: Option<u64> = None;
    let mut node = events.next[events.head];
    let mut steps = 0u64;
    while events.next[events.head] != NIL {
        steps += 1;
        if steps > max_steps {
            return Search::StepLimit;
        }
        let i = events.op[node];
        if events.ret[node] != NIL {
            if let Some(after) = step(ops[i], state) {
                let (word, bit) = (i / 64, 1u64 << (i % 64));
                linearized[word] |= bit;
                if cache.insert((linearized.clone(), after)) {
                    calls.push((node, state));
                    state = after;
                    events.lift(node);
                    node = events.next[events.head];
                    continue;
                }
                linearized[word] &= !bit;
            }
            node = events.next[node];
        } else {
            let Some((call, before)) = calls.pop() else {
                return Search::Violation;
            };
            let j = events.op[call];
            linearized[j / 64] &= !(1u64 << (j % 64));
            state = before;
            events.unlift(call);
            node = events.next[call];
        }
    }
    Search::Linearizable
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lin::kv::{KvOp, KvOutput};

    fn op(id: usize, op: KvOp, invoke_us: u64, done: Option<(KvOutput, u64)>) -> Operation {
        let outcome = match done {
            Some((output, complete_us)) => Outcome::Ok {
                output,
                complete_us,
            },
            None => Outcome::Unknown,
        };
        Operation {
            id,
            client: id as u64,
            op,
            invoke_us,
            outcome,
        }
    }

    /// Porcupine's register example (README): a write of 100 overlapping two reads, one of
    /// which saw it and one which did not, linearizes; moving the read of the old value after
    /// the read of the new one does not.
    #[test]
    fn register_examples_from_porcupine_readme() {
        let w = op(
            0,
            KvOp::Put { key: 0, value: 100 },
            0,
            Some((KvOutput::Ok, 100)),
        );
        let r1 = op(
            1,
            KvOp::Get { key: 0 },
            25,
            Some((KvOutput::Value(Some(100)), 75)),
        );
        let r2 = op(
            2,
            KvOp::Get { key: 0 },
            30,
            Some((KvOutput::Value(None), 60)),
        );
        assert_eq!(search(&[&w, &r1, &r2], 1_000), Search::Linearizable);
        let r1 = op(
            1,
            KvOp::Get { key: 0 },
            10,
            Some((KvOutput::Value(Some(100)), 30)),
        );
        let r2 = op(
            2,
            KvOp::Get { key: 0 },
            40,
            Some((KvOutput::Value(None), 90)),
        );
        assert_eq!(search(&[&w, &r1, &r2], 1_000), Search::Violation);
    }

    #[test]
    fn step_limit_is_reported_not_exceeded() {
        let ops: Vec<Operation> = (0..20)
            .map(|i| {
                op(
                    i,
                    KvOp::Put {
                        key: 0,
                        value: i as u64,
                    },
                    0,
                    None,
                )
            })
            .collect();
        let refs: Vec<&Operation> = ops.iter().collect();
        assert_eq!(search(&refs, 5), Search::StepLimit);
        assert_eq!(search(&refs, 1_000), Search::Linearizable);
    }
}
