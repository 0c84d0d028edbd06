//! Linearizability of a key-value store's client histories.
//!
//! - [`kv`]: the KV model (etcd-like `u64` keys and values; put, get, compare-and-set) and the
//!   replicated state machine with client sessions for exactly-once commands (thesis §6.3).
//! - [`history`]: what clients asked, when, and what they were told.
//! - [`checker`]: per-key linearizability checking (Wing & Gong 1993, Lowe 2017) that reports a
//!   violation as a handful of operations.
//! - [`export`]: histories as Porcupine JSON and Jepsen EDN, for the tools built around them.
//! - [`gen`]: seeded concurrent histories that are linearizable by construction (benchmarks,
//!   property tests).
//!
//! Nothing here depends on the simulator: a history is plain data.

pub mod checker;
pub mod export;
pub mod gen;
pub mod history;
pub mod kv;
mod minimise;
mod search;

#[cfg(test)]
mod tests;

pub use checker::{check, check_with, CheckConfig, LinResult};
pub use history::{History, HistoryFull, Operation, Outcome};
pub use kv::{KvOp, KvOutput, KvStore, StaleRequest};
