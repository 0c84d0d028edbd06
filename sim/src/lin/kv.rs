//! The key-value model, like etcd's: keys and values are `u64`, a missing key reads as `None`.
//!
//! One sequential specification, [`KvOp::step`], serves both the replicated state machine
//! ([`KvStore`]) and the linearizability checker, so the two cannot disagree about what an
//! operation means.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A client's request. Every operation touches exactly one key, which is what lets the checker
/// check each key on its own (P-compositionality: Herlihy & Wing 1990, Horn & Kroening 2015).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KvOp {
    Put {
        key: u64,
        value: u64,
    },
    Get {
        key: u64,
    },
    /// Compare-and-set: writes `new` iff the key's current value equals `expected`
    /// (`None` = the key is missing).
    Cas {
        key: u64,
        expected: Option<u64>,
        new: u64,
    },
}

/// What the state machine answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KvOutput {
    /// A `Put` always succeeds.
    Ok,
    /// A `Get`'s result.
    Value(Option<u64>),
    /// Whether a `Cas` wrote.
    Cas(bool),
}

impl KvOp {
    pub fn key(&self) -> u64 {
        match *self {
            KvOp::Put { key, .. } | KvOp::Get { key } | KvOp::Cas { key, .. } => key,
        }
    }

    /// The sequential specification of one key (a register that starts missing): from the
    /// key's value `current`, returns the value after the operation and its output.
    pub fn step(&self, current: Option<u64>) -> (Option<u64>, KvOutput) {
        match *self {
            KvOp::Put { value, .. } => (Some(value), KvOutput::Ok),
            KvOp::Get { .. } => (current, KvOutput::Value(current)),
            KvOp::Cas { expected, new, .. } if current == expected => {
                (Some(new), KvOutput::Cas(true))
            }
            KvOp::Cas { .. } => (current, KvOutput::Cas(false)),
        }
    }

    /// The value this operation writes if it takes effect.
    pub fn written(&self) -> Option<u64> {
        match *self {
            KvOp::Put { value, .. } => Some(value),
            KvOp::Cas { new, .. } => Some(new),
            KvOp::Get { .. } => None,
        }
    }
}

/// Writes `nil` for a missing value, as etcd's and Jepsen's histories do.
pub(crate) struct Maybe(pub Option<u64>);

impl fmt::Display for Maybe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(v) => write!(f, "{v}"),
            None => f.write_str("nil"),
        }
    }
}

impl fmt::Display for KvOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            KvOp::Put { key, value } => write!(f, "put(k{key}, {value})"),
            KvOp::Get { key } => write!(f, "get(k{key})"),
            KvOp::Cas { key, expected, new } => {
                write!(f, "cas(k{key}, {}->{new})", Maybe(expected))
            }
        }
    }
}

impl fmt::Display for KvOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            KvOutput::Ok => f.write_str("ok"),
            KvOutput::Value(v) => write!(f, "{}", Maybe(v)),
            KvOutput::Cas(b) => write!(f, "{b}"),
        }
    }
}

/// A request older than the latest one the state machine applied for its client. The client
/// has already moved past it, so it is neither applied nor answered (thesis §6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StaleRequest {
    pub client_id: u64,
    pub request_id: u64,
    /// The request id the session holds.
    pub latest: u64,
}

/// One client's session: its latest applied request and that request's output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Session {
    request_id: u64,
    output: KvOutput,
}

/// The replicated state machine: the map plus client sessions for exactly-once semantics.
///
/// Raft thesis §6.3 ("Implementing linearizable semantics"): a client retries a command whose
/// answer it did not get, so the same command can be committed twice; each session records the
/// latest request id applied for its client and that request's output, and a duplicate returns
/// the recorded output without applying again. Clients have one request outstanding at a time,
/// so keeping only the latest request per client suffices.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KvStore {
    data: BTreeMap<u64, u64>,
    sessions: BTreeMap<u64, Session>,
}

impl KvStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies a committed command from `client_id` with the client's `request_id` (which
    /// grows by one per new request). A duplicate of the latest request returns its cached
    /// output without re-applying it; an older one is refused.
    pub fn apply(
        &mut self,
        client_id: u64,
        request_id: u64,
        op: KvOp,
    ) -> Result<KvOutput, StaleRequest> {
        if let Some(session) = self.sessions.get(&client_id) {
            if request_id == session.request_id {
                return Ok(session.output);
            }
            if request_id < session.request_id {
                return Err(StaleRequest {
                    client_id,
                    request_id,
                    latest: session.request_id,
                });
            }
        }
        let output = self.apply_op(op);
        self.sessions
            .insert(client_id, Session { request_id, output });
        Ok(output)
    }

    /// Applies an operation with no session: the plain sequential specification.
    pub fn apply_op(&mut self, op: KvOp) -> KvOutput {
        let key = op.key();
        let (after, output) = op.step(self.get(key));
        match after {
            Some(v) => self.data.insert(key, v),
            None => self.data.remove(&key),
        };
        output
    }

    pub fn get(&self, key: u64) -> Option<u64> {
        self.data.get(&key).copied()
    }

    /// §7: the store and its client sessions, serialized for a snapshot (the sessions must
    /// travel with the data, or a retried command would apply twice after a restore).
    pub fn to_snapshot(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a store always serializes")
    }

    /// The store a snapshot holds.
    pub fn from_snapshot(data: &[u8]) -> KvStore {
        serde_json::from_slice(data).expect("a snapshot this host wrote")
    }

    /// Number of client sessions held (one per client that ever applied a request).
    pub fn sessions(&self) -> usize {
        self.sessions.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(key: u64, value: u64) -> KvOp {
        KvOp::Put { key, value }
    }

    fn get(key: u64) -> KvOp {
        KvOp::Get { key }
    }

    fn cas(key: u64, expected: Option<u64>, new: u64) -> KvOp {
        KvOp::Cas { key, expected, new }
    }

    #[test]
    fn missing_key_reads_none_and_put_then_get() {
        let mut kv = KvStore::new();
        assert_eq!(kv.apply_op(get(1)), KvOutput::Value(None));
        assert_eq!(kv.apply_op(put(1, 10)), KvOutput::Ok);
        assert_eq!(kv.apply_op(get(1)), KvOutput::Value(Some(10)));
        assert_eq!(kv.apply_op(get(2)), KvOutput::Value(None));
    }

    #[test]
    fn cas_succeeds_iff_current_equals_expected() {
        let mut kv = KvStore::new();
        assert_eq!(kv.apply_op(cas(1, Some(0), 5)), KvOutput::Cas(false));
        assert_eq!(kv.get(1), None);
        assert_eq!(kv.apply_op(cas(1, None, 5)), KvOutput::Cas(true));
        assert_eq!(kv.apply_op(cas(1, None, 6)), KvOutput::Cas(false));
        assert_eq!(kv.apply_op(cas(1, Some(5), 7)), KvOutput::Cas(true));
        assert_eq!(kv.get(1), Some(7));
    }

    /// Raft thesis §6.3: a retried command that was already applied returns the cached output
    /// and is not applied a second time.
    #[test]
    fn duplicate_request_returns_cached_output_without_reapplying() {
        let mut kv = KvStore::new();
        assert_eq!(kv.apply(1, 1, cas(7, None, 1)), Ok(KvOutput::Cas(true)));
        // Re-applying would fail the CAS; the duplicate reports the first answer.
        assert_eq!(kv.apply(1, 1, cas(7, None, 1)), Ok(KvOutput::Cas(true)));
        assert_eq!(kv.get(7), Some(1));
        // A retried put must not overwrite a later write by another client.
        assert_eq!(kv.apply(1, 2, put(7, 2)), Ok(KvOutput::Ok));
        assert_eq!(kv.apply(2, 1, put(7, 3)), Ok(KvOutput::Ok));
        assert_eq!(kv.apply(1, 2, put(7, 2)), Ok(KvOutput::Ok));
        assert_eq!(kv.get(7), Some(3));
    }

    /// Raft thesis §6.3: only the latest request per client is kept; an older duplicate that
    /// commits late is refused, never applied.
    #[test]
    fn older_request_is_refused_and_sessions_keep_only_the_latest() {
        let mut kv = KvStore::new();
        kv.apply(4, 1, put(1, 1)).unwrap();
        kv.apply(4, 2, put(1, 2)).unwrap();
        let stale = kv.apply(4, 1, put(1, 1));
        assert_eq!(
            stale,
            Err(StaleRequest {
                client_id: 4,
                request_id: 1,
                latest: 2
            })
        );
        assert_eq!(kv.get(1), Some(2));
        assert_eq!(kv.sessions(), 1);
        kv.apply(5, 9, get(1)).unwrap();
        assert_eq!(kv.sessions(), 2);
    }

    #[test]
    fn display_is_compact() {
        assert_eq!(cas(3, None, 4).to_string(), "cas(k3, nil->4)");
        assert_eq!(put(3, 4).to_string(), "put(k3, 4)");
        assert_eq!(KvOutput::Value(None).to_string(), "nil");
        assert_eq!(KvOutput::Cas(false).to_string(), "false");
    }
}
