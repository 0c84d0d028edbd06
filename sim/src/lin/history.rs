//! The client history: what each client asked, when, and what it was told.
//!
//! Times are virtual microseconds. An operation occupies the closed interval
//! `[invoke_us, complete_us]`: two operations are concurrent unless one completes strictly
//! before the other is invoked (the convention of Porcupine's `Operation`, which a simulated
//! clock that hands two events the same microsecond needs).

use super::kv::{KvOp, KvOutput};
use serde::{Deserialize, Serialize};
use std::fmt;

/// How an operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// The client got `output` at `complete_us`.
    Ok { output: KvOutput, complete_us: u64 },
    /// The client never got an answer (it timed out or the run ended): the operation may have
    /// taken effect at any time after its invocation, or never.
    Unknown,
}

/// One client operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    /// Unique within a history; stable, so reports can name operations.
    pub id: usize,
    pub client: u64,
    pub op: KvOp,
    pub invoke_us: u64,
    pub outcome: Outcome,
}

impl Operation {
    pub fn key(&self) -> u64 {
        self.op.key()
    }

    /// `None` for an operation whose outcome is unknown.
    pub fn complete_us(&self) -> Option<u64> {
        match self.outcome {
            Outcome::Ok { complete_us, .. } => Some(complete_us),
            Outcome::Unknown => None,
        }
    }

    pub fn output(&self) -> Option<KvOutput> {
        match self.outcome {
            Outcome::Ok { output, .. } => Some(output),
            Outcome::Unknown => None,
        }
    }
}

/// `#3 c1 [10us, 20us] get(k7) -> 5`; an unknown outcome shows as `[10us, ?] ... -> ?`.
impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (id, client, invoke) = (self.id, self.client, self.invoke_us);
        match self.outcome {
            Outcome::Ok {
                output,
                complete_us,
            } => write!(
                f,
                "#{id} c{client} [{invoke}us, {complete_us}us] {} -> {output}",
                self.op
            ),
            Outcome::Unknown => write!(f, "#{id} c{client} [{invoke}us, ?] {} -> ?", self.op),
        }
    }
}

/// Records a history as a run goes: `invoke` when a client sends, `complete` when it is
/// answered; operations never completed stay [`Outcome::Unknown`]. Bounded, because histories
/// are kept in memory (STYLE rule 11).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    ops: Vec<Operation>,
    max_ops: usize,
}

/// `History::invoke` past the history's bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HistoryFull {
    pub max_ops: usize,
}

impl History {
    pub fn new(max_ops: usize) -> Self {
        History {
            ops: Vec::new(),
            max_ops,
        }
    }

    /// Records an invocation; returns the operation's id.
    pub fn invoke(&mut self, client: u64, op: KvOp, invoke_us: u64) -> Result<usize, HistoryFull> {
        if self.ops.len() >= self.max_ops {
            return Err(HistoryFull {
                max_ops: self.max_ops,
            });
        }
        let id = self.ops.len();
        self.ops.push(Operation {
            id,
            client,
            op,
            invoke_us,
            outcome: Outcome::Unknown,
        });
        Ok(id)
    }

    /// Records the answer to operation `id`. Completing twice or before the invocation is a
    /// bug in the caller.
    pub fn complete(&mut self, id: usize, output: KvOutput, complete_us: u64) {
        let op = &mut self.ops[id];
        assert_eq!(
            op.outcome,
            Outcome::Unknown,
            "operation {id} completed twice"
        );
        assert!(
            complete_us >= op.invoke_us,
            "operation {id} completed before its invocation"
        );
        op.outcome = Outcome::Ok {
            output,
            complete_us,
        };
    }

    pub fn ops(&self) -> &[Operation] {
        &self.ops
    }

    pub fn into_ops(self) -> Vec<Operation> {
        self.ops
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorder_leaves_unanswered_operations_unknown_and_is_bounded() {
        let mut h = History::new(2);
        let a = h.invoke(0, KvOp::Put { key: 1, value: 5 }, 10).unwrap();
        let b = h.invoke(1, KvOp::Get { key: 1 }, 12).unwrap();
        assert_eq!(
            h.invoke(2, KvOp::Get { key: 1 }, 13),
            Err(HistoryFull { max_ops: 2 })
        );
        h.complete(b, KvOutput::Value(Some(5)), 20);
        assert_eq!(h.ops()[a].outcome, Outcome::Unknown);
        assert_eq!(h.ops()[b].complete_us(), Some(20));
        assert_eq!(h.ops()[b].to_string(), "#1 c1 [12us, 20us] get(k1) -> 5");
        assert_eq!(h.ops()[a].to_string(), "#0 c0 [10us, ?] put(k1, 5) -> ?");
    }

    #[test]
    fn operations_round_trip_through_serde() {
        let op = Operation {
            id: 3,
            client: 2,
            op: KvOp::Cas {
                key: 1,
                expected: None,
                new: 4,
            },
            invoke_us: 7,
            outcome: Outcome::Ok {
                output: KvOutput::Cas(true),
                complete_us: 9,
            },
        };
        let json = serde_json::to_string(&op).unwrap();
        assert_eq!(
            json,
            r#"{"id":3,"client":2,"op":{"Cas":{"key":1,"expected":null,"new":4}},"invoke_us":7,"outcome":{"Ok":{"output":{"Cas":true},"complete_us":9}}}"#
        );
        assert_eq!(serde_json::from_str::<Operation>(&json).unwrap(), op);
    }
}
