//! Hosting your own Raft in raftsim, in your own `cargo test`.
//!
//! raftsim drives any implementation of one trait, `sim::node::RaftNode`: five inputs (a tick,
//! a message, a forced election, a client's proposal or read, and the news that writes are
//! durable), each answered by ordered `raft::Output`s — writes for the simulated disk, sends,
//! commits, applies, reads ready — and a read-only view for the checkers. Its messages show the
//! simulator a kind, a content key, a hash encoding and a line for the trace (`RaftMessage`).
//!
//! This example hosts raftsim's own node behind a wrapper, as the smallest honest template:
//! replace the body of each method with a call into your node. `src/node/raft_rs.rs` in the
//! `sim` crate is the worked example for a real implementation (tikv's raft-rs, whose Ready
//! and asynchronous persistence map onto the same outputs).
//!
//! What your code must avoid, or the same seed stops giving the same trace: randomness from the
//! OS (`thread_rng`, `rand::random`; take your randomness from `Boot::seed`), wall clocks (time
//! enters only by `tick`), and iterating a `HashMap`/`HashSet` with a random hasher where the
//! order reaches a message or a write. `Campaign::check_determinism` (and `raftsim fuzz
//! --check-determinism` for the hosted ones) runs every seed twice and names the first trace
//! line that differs.
//!
//! Run it: `cargo run --release --example host_your_raft`; `cargo test` runs its test.

use raftsim::raft::{
    self, Command, LogIndex, Message, NodeId, Output, RaftLog, RoleKind, Synced, Term,
};
use raftsim::sim::node::{Boot, RaftNode};
use raftsim::sim::run::RunConfig;
use raftsim::Campaign;

/// Your node. Here: raftsim's, wrapped.
pub struct MyRaft(raft::Node);

impl RaftNode for MyRaft {
    /// Your message type; it implements `sim::node::RaftMessage` (raftsim's already does).
    type Message = Message;
    const NAME: &'static str = "my-raft";

    /// Refuse what your node cannot do, before any run starts (here: raftsim's bug knobs are
    /// all supported; a real implementation refuses them).
    fn supports(config: &raft::Config) -> Result<(), String> {
        config.validate().map_err(|e| e.to_string())
    }

    /// Start from exactly what the disk holds: the first boot and every restart.
    fn boot(b: Boot<'_>) -> Result<MyRaft, String> {
        raft::Node::new(b.id, b.members, b.config.clone(), b.seed, b.disk)
            .map(MyRaft)
            .map_err(|e| e.to_string())
    }

    fn tick(&mut self, out: &mut Vec<Output>) {
        self.0.tick(out)
    }
    fn step(&mut self, from: NodeId, message: Message, out: &mut Vec<Output>) {
        self.0.step(from, message, out)
    }
    fn timeout_now(&mut self, out: &mut Vec<Output>) {
        self.0.timeout_now(out)
    }
    fn propose(&mut self, command: Command, out: &mut Vec<Output>) {
        self.0.propose(command, out)
    }
    fn read_index(&mut self, ctx: u64, out: &mut Vec<Output>) {
        self.0.read_index(ctx, out)
    }
    fn read_lease(&mut self, ctx: u64, out: &mut Vec<Output>) {
        self.0.read_lease(ctx, out)
    }
    /// The writes you asked for (your `Output::Persist`s, in order) are durable: count yourself
    /// toward a majority only now.
    fn persisted(&mut self, synced: Synced, out: &mut Vec<Output>) {
        self.0.persisted(synced, out)
    }

    fn role_kind(&self) -> RoleKind {
        self.0.role_kind()
    }
    fn current_term(&self) -> Term {
        self.0.current_term()
    }
    fn voted_for(&self) -> Option<NodeId> {
        self.0.voted_for()
    }
    fn leader(&self) -> Option<NodeId> {
        self.0.leader()
    }
    fn commit_index(&self) -> LogIndex {
        self.0.commit_index()
    }
    fn last_applied(&self) -> LogIndex {
        self.0.last_applied()
    }
    /// Your log as raftsim's checkers read it (keep this view up to date if you store it
    /// otherwise).
    fn log(&self) -> &RaftLog {
        self.0.log()
    }
}

fn main() {
    // Every seed draws its cluster size, options, faults and ending; every checker runs after
    // every event; a failure panics with the report and `rerun: RAFTSIM_SEED=<n> cargo test`.
    let report = Campaign::<MyRaft>::on(RunConfig::default())
        .seeds(0..200)
        .run();
    println!(
        "my-raft: {} seeds clean, {} events, liveness passed in {}",
        report.coverage.seeds, report.coverage.totals.events, report.coverage.liveness_passed
    );
}

#[test]
fn my_raft_survives_random_faults() {
    let report = Campaign::<MyRaft>::on(RunConfig::default())
        .seeds(0..100)
        .run();
    if std::env::var("RAFTSIM_SEED").is_err() {
        assert_eq!(report.coverage.seeds, 100);
    }
    assert!(report.coverage.totals.commits > 0);
}

#[test]
fn my_raft_is_deterministic() {
    let report = raftsim::sim::campaign::Campaign::<MyRaft>::on(RunConfig::default())
        .seeds(0..20)
        .check_determinism(true)
        .run(&|| {});
    assert_eq!(report.divergence, None);
}
