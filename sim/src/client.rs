//! Clients: each proposes commands one at a time to the node it believes leads, follows
//! redirects, gives up on an attempt after a timeout, and records every operation's invocation,
//! completion and outcome (the client history).

use raft::{Command, LogIndex, NodeId, Term};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkloadConfig {
    pub clients: u32,
    /// Pause between one operation's end and the next one's start.
    pub think_min_us: u64,
    pub think_max_us: u64,
    /// An attempt with no answer after this long has an unknown outcome; the client moves on.
    pub timeout_us: u64,
    /// Wait before retrying after a redirect.
    pub retry_us: u64,
}

impl Default for WorkloadConfig {
    fn default() -> Self {
        WorkloadConfig {
            clients: 3,
            think_min_us: 5_000,
            think_max_us: 50_000,
            timeout_us: 400_000,
            retry_us: 10_000,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Outcome {
    Pending,
    /// The node the client talked to applied the command at `index` in `term`.
    Ok {
        complete_us: u64,
        index: LogIndex,
        term: Term,
    },
    /// No answer before the timeout: it may or may not take effect.
    Unknown {
        gave_up_us: u64,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClientOp {
    pub client: u32,
    pub command: Command,
    pub invoke_us: u64,
    /// The node that accepted it, and where.
    pub accepted: Option<(NodeId, LogIndex, Term)>,
    pub outcome: Outcome,
}

pub(crate) struct Client {
    pub target: NodeId,
    /// Index into the history of the operation in progress.
    pub current: Option<usize>,
    pub next_seq: u64,
    /// Operations completed since the last heal (the liveness phase counts them).
    pub done_since_mark: u64,
}

/// Payloads encode their client so that an applied command finds its way back, readably:
/// client 2's 16th command is `c2000016`. Scenario writes use payloads below `PAYLOAD_BASE`.
pub fn payload(client: u32, seq: u64) -> u64 {
    assert!(
        seq < PAYLOAD_BASE,
        "a client issues fewer than a million commands a run"
    );
    (client as u64 + 1) * PAYLOAD_BASE + seq
}

pub const PAYLOAD_BASE: u64 = 1_000_000;

/// The client a payload belongs to, if a workload client made it.
pub fn client_of(payload: u64) -> Option<u32> {
    (payload >= PAYLOAD_BASE).then(|| (payload / PAYLOAD_BASE - 1) as u32)
}

pub struct Clients {
    pub config: WorkloadConfig,
    pub(crate) clients: Vec<Client>,
    pub history: Vec<ClientOp>,
    /// After `stop`, no new operations start.
    pub stopped: bool,
}

impl Clients {
    pub fn new(config: WorkloadConfig) -> Clients {
        let clients = (0..config.clients)
            .map(|i| Client {
                target: NodeId(1 + i as u8),
                current: None,
                next_seq: 1,
                done_since_mark: 0,
            })
            .collect();
        Clients {
            config,
            clients,
            history: Vec::new(),
            stopped: false,
        }
    }

    /// Starts a new operation for `client` (if it has none) and returns its command.
    pub(crate) fn begin(&mut self, client: u32, now_us: u64) -> Option<Command> {
        let c = &mut self.clients[client as usize];
        if let Some(i) = c.current {
            return Some(self.history[i].command);
        }
        if self.stopped {
            return None;
        }
        let command = Command::Client(payload(client, c.next_seq));
        c.next_seq += 1;
        c.current = Some(self.history.len());
        self.history.push(ClientOp {
            client,
            command,
            invoke_us: now_us,
            accepted: None,
            outcome: Outcome::Pending,
        });
        Some(command)
    }

    pub(crate) fn accepted(&mut self, client: u32, node: NodeId, index: LogIndex, term: Term) {
        if let Some(i) = self.clients[client as usize].current {
            self.history[i].accepted = Some((node, index, term));
        }
    }

    /// Node `node` applied `command` at `index`: if it is the operation that node accepted for
    /// a waiting client, the client is answered. Returns the client answered.
    pub(crate) fn applied(
        &mut self,
        node: NodeId,
        command: Command,
        index: LogIndex,
        term: Term,
        now_us: u64,
    ) -> Option<u32> {
        let Command::Client(p) = command else {
            return None;
        };
        let client = client_of(p)?;
        let c = self.clients.get_mut(client as usize)?;
        let i = c.current?;
        let op = &mut self.history[i];
        if op.command != command || op.accepted.map(|a| a.0) != Some(node) {
            return None;
        }
        op.outcome = Outcome::Ok {
            complete_us: now_us,
            index,
            term,
        };
        c.current = None;
        c.done_since_mark += 1;
        Some(client)
    }

    /// The attempt `op` timed out (if it is still in progress).
    pub(crate) fn timed_out(&mut self, client: u32, op: usize, now_us: u64) -> Option<Command> {
        let c = &mut self.clients[client as usize];
        if c.current != Some(op) {
            return None;
        }
        c.current = None;
        self.history[op].outcome = Outcome::Unknown { gave_up_us: now_us };
        Some(self.history[op].command)
    }

    pub fn pending(&self) -> usize {
        self.clients.iter().filter(|c| c.current.is_some()).count()
    }

    pub(crate) fn mark(&mut self) {
        for c in &mut self.clients {
            c.done_since_mark = 0;
        }
    }

    /// Every client finished an operation since the mark and none is waiting.
    pub(crate) fn all_progressed(&self) -> bool {
        self.clients
            .iter()
            .all(|c| c.done_since_mark > 0 && c.current.is_none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operation_completes_only_at_the_node_that_accepted_it() {
        let mut clients = Clients::new(WorkloadConfig::default());
        let cmd = clients.begin(1, 100).unwrap();
        assert_eq!(clients.begin(1, 150), Some(cmd), "one operation at a time");
        clients.accepted(1, NodeId(2), LogIndex(4), Term(3));
        assert_eq!(
            clients.applied(NodeId(3), cmd, LogIndex(4), Term(3), 200),
            None
        );
        assert_eq!(
            clients.applied(NodeId(2), cmd, LogIndex(4), Term(3), 200),
            Some(1)
        );
        assert!(matches!(
            clients.history[0].outcome,
            Outcome::Ok {
                complete_us: 200,
                ..
            }
        ));
        assert_eq!(clients.pending(), 0);
    }

    #[test]
    fn a_timeout_leaves_the_outcome_unknown() {
        let mut clients = Clients::new(WorkloadConfig::default());
        let cmd = clients.begin(0, 0).unwrap();
        assert_eq!(clients.timed_out(0, 0, 500), Some(cmd));
        assert_eq!(clients.timed_out(0, 0, 600), None);
        assert_eq!(
            clients.history[0].outcome,
            Outcome::Unknown { gave_up_us: 500 }
        );
        assert_ne!(
            clients.begin(0, 700),
            Some(cmd),
            "the next attempt is a new command"
        );
    }
}
