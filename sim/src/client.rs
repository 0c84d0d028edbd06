//! Clients of the key-value store: each runs one operation at a time against the node it
//! believes leads, follows redirects, retries the same request (same session id, so it applies
//! once, thesis §6.3) after a timeout, and records invocation and completion in the history
//! that the linearizability checker reads.

use crate::lin::{History, KvOp, KvOutput, Operation};
use raft::{LogIndex, NodeId, Term};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How a node serves a read (thesis §6.4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReadMode {
    /// Reads go through the log like writes: slow, always safe.
    #[default]
    Log,
    /// Thesis §6.4: commit an entry of the term, confirm leadership with a heartbeat round to
    /// a majority, wait until applied.
    ReadIndex,
    /// Thesis §6.4.1: no round while the leader's lease holds (needs CheckQuorum); safe only
    /// while clock drift stays within the lease margin.
    Lease,
    /// Unsafe: the node that believes it leads answers from its own state (etcd's 2014 bug).
    Local,
}

impl ReadMode {
    pub const ALL: [ReadMode; 4] = [
        ReadMode::Log,
        ReadMode::ReadIndex,
        ReadMode::Lease,
        ReadMode::Local,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ReadMode::Log => "log",
            ReadMode::ReadIndex => "read-index",
            ReadMode::Lease => "lease",
            ReadMode::Local => "local",
        }
    }

    pub fn from_name(name: &str) -> Option<ReadMode> {
        ReadMode::ALL.into_iter().find(|m| m.name() == name)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkloadConfig {
    pub clients: u32,
    /// Keys are `0..keys`; few keys make operations collide.
    pub keys: u64,
    /// Pause between one operation's end and the next one's start.
    pub think_min_us: u64,
    pub think_max_us: u64,
    /// An attempt with no answer after this long is retried at another node.
    pub timeout_us: u64,
    /// Wait before retrying after a redirect.
    pub retry_us: u64,
    /// Bound on the history (operations); clients stop when it is full.
    pub max_ops: usize,
}

impl Default for WorkloadConfig {
    fn default() -> Self {
        WorkloadConfig {
            clients: 3,
            keys: 3,
            think_min_us: 5_000,
            think_max_us: 50_000,
            timeout_us: 400_000,
            retry_us: 10_000,
            max_ops: 100_000,
        }
    }
}

/// Payloads name (client, request): client 2's 16th request is `c3000016` in traces. Scenario
/// `write` steps use payloads below `PAYLOAD_BASE`.
pub const PAYLOAD_BASE: u64 = 1_000_000;

pub fn payload(client: u32, request: u64) -> u64 {
    assert!(
        request < PAYLOAD_BASE,
        "a client issues fewer than a million requests a run"
    );
    (client as u64 + 1) * PAYLOAD_BASE + request
}

/// (client, request) of a client payload.
pub fn split_payload(payload: u64) -> Option<(u32, u64)> {
    (payload >= PAYLOAD_BASE).then(|| ((payload / PAYLOAD_BASE - 1) as u32, payload % PAYLOAD_BASE))
}

pub(crate) struct Client {
    pub target: NodeId,
    /// The operation in progress (an id in the history) and its payload.
    pub current: Option<(usize, u64)>,
    /// The node the current attempt went to, and where it appended it (if a write).
    pub attempt_at: Option<NodeId>,
    pub accepted: Option<(NodeId, LogIndex, Term)>,
    /// Counts attempts, so that a stale timeout is recognised.
    pub attempt: u64,
    pub next_request: u64,
    pub done_since_mark: u64,
    /// Scenario clients make one request and never retry.
    pub oneshot: bool,
    last_seen: BTreeMap<u64, Option<u64>>,
}

pub struct Clients {
    pub config: WorkloadConfig,
    pub(crate) clients: Vec<Client>,
    pub history: History,
    /// Every payload ever submitted, to its operation in the history.
    ops: BTreeMap<u64, usize>,
    /// After `stop`, no new operations start.
    pub stopped: bool,
}

impl Clients {
    pub fn new(config: WorkloadConfig, nodes: u8) -> Clients {
        let mut c = Clients {
            history: History::new(config.max_ops),
            config,
            clients: Vec::new(),
            ops: BTreeMap::new(),
            stopped: false,
        };
        for i in 0..c.config.clients {
            c.add(NodeId(1 + (i % nodes as u32) as u8), false);
        }
        c
    }

    pub(crate) fn add(&mut self, target: NodeId, oneshot: bool) -> u32 {
        self.clients.push(Client {
            target,
            current: None,
            attempt_at: None,
            accepted: None,
            attempt: 0,
            next_request: 1,
            done_since_mark: 0,
            oneshot,
            last_seen: BTreeMap::new(),
        });
        self.clients.len() as u32 - 1
    }

    /// The operation `client` should (re)submit: its current one, or a new one drawn from
    /// `rng` (or `op`, for scenario clients).
    pub(crate) fn begin(
        &mut self,
        client: u32,
        now_us: u64,
        workload: &ChaCha8Rng,
        op: Option<KvOp>,
    ) -> Option<(u64, KvOp)> {
        let keys = self.config.keys.max(1);
        let c = &mut self.clients[client as usize];
        if let Some((id, p)) = c.current {
            return Some((p, self.history.ops()[id].op));
        }
        if self.stopped && !c.oneshot {
            return None;
        }
        let request = c.next_request;
        let p = payload(client, request);
        let rng = &mut crate::rng::keyed(workload, client as u64, request);
        let op = op.unwrap_or_else(|| {
            let key = rng.gen_range(0..keys);
            match rng.gen_range(0..10) {
                0..=3 => KvOp::Put { key, value: p },
                4..=7 => KvOp::Get { key },
                _ => KvOp::Cas {
                    key,
                    expected: c.last_seen.get(&key).copied().flatten(),
                    new: p,
                },
            }
        });
        let id = self.history.invoke(client as u64, op, now_us).ok()?;
        c.next_request += 1;
        c.current = Some((id, p));
        c.accepted = None;
        self.ops.insert(p, id);
        Some((p, op))
    }

    /// The operation a payload stands for: (client, request, op).
    pub fn op_of(&self, payload: u64) -> Option<(u32, u64, KvOp)> {
        let id = *self.ops.get(&payload)?;
        let (client, request) = split_payload(payload)?;
        Some((client, request, self.history.ops()[id].op))
    }

    /// The client waiting for `payload` at `node`, if any.
    pub(crate) fn waiting(&self, payload: u64, node: NodeId) -> Option<u32> {
        let (client, _) = split_payload(payload)?;
        let c = self.clients.get(client as usize)?;
        (c.current.map(|x| x.1) == Some(payload) && c.attempt_at == Some(node)).then_some(client)
    }

    /// Answers `client`'s current operation. Returns the operation, if it was waiting.
    pub(crate) fn complete(
        &mut self,
        client: u32,
        output: KvOutput,
        now_us: u64,
    ) -> Option<Operation> {
        let c = self.clients.get_mut(client as usize)?;
        let (id, _) = c.current.take()?;
        c.attempt_at = None;
        c.done_since_mark += 1;
        self.history.complete(id, output, now_us);
        let op = self.history.ops()[id].clone();
        if let (KvOp::Get { key }, KvOutput::Value(v)) = (op.op, output) {
            c.last_seen.insert(key, v);
        }
        Some(op)
    }

    pub fn pending(&self) -> usize {
        self.clients
            .iter()
            .filter(|c| c.current.is_some() && !c.oneshot)
            .count()
    }

    /// The workload clients still waiting, for a liveness report: `client 2's put(k1, 7) (sent
    /// at t=5120ms, last to n4)`.
    pub fn describe_pending(&self) -> String {
        let waiting: Vec<String> = self
            .clients
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.oneshot)
            .map(|(i, c)| match c.current {
                Some((id, _)) => {
                    let op = &self.history.ops()[id];
                    let at = c
                        .attempt_at
                        .map_or("no node yet".to_string(), |n| format!("last to {n}"));
                    format!(
                        "client {i}'s {} (invoked at t={}, {at}) is unanswered",
                        op.op,
                        crate::trace::VirtualTime(op.invoke_us)
                    )
                }
                None if c.done_since_mark == 0 => {
                    format!("client {i} finished no operation since the faults stopped")
                }
                None => String::new(),
            })
            .filter(|s| !s.is_empty())
            .collect();
        waiting.join("; ")
    }

    pub(crate) fn mark(&mut self) {
        for c in &mut self.clients {
            c.done_since_mark = 0;
        }
    }

    /// Every workload client finished an operation since the mark and none is waiting.
    pub(crate) fn all_progressed(&self) -> bool {
        self.clients
            .iter()
            .filter(|c| !c.oneshot)
            .all(|c| c.done_since_mark > 0 && c.current.is_none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn payloads_round_trip_and_retries_keep_the_request() {
        assert_eq!(split_payload(payload(2, 16)), Some((2, 16)));
        assert_eq!(payload(2, 16), 3_000_016);
        assert_eq!(split_payload(7), None);
        let rng = ChaCha8Rng::seed_from_u64(1);
        let mut clients = Clients::new(WorkloadConfig::default(), 3);
        let (p, op) = clients.begin(1, 100, &rng, None).unwrap();
        assert_eq!(
            clients.begin(1, 150, &rng, None),
            Some((p, op)),
            "a retry is the same request"
        );
        assert_eq!(clients.op_of(p), Some((1, 1, op)));
        clients.clients[1].attempt_at = Some(NodeId(2));
        assert_eq!(clients.waiting(p, NodeId(3)), None);
        assert_eq!(clients.waiting(p, NodeId(2)), Some(1));
        let done = clients.complete(1, KvOutput::Ok, 200).unwrap();
        assert_eq!(done.complete_us(), Some(200));
        let (p2, _) = clients.begin(1, 300, &rng, None).unwrap();
        assert_ne!(p, p2, "the next operation is a new request");
    }
}
