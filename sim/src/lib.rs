//! raftsim's simulator: one thread, one seed, N Raft nodes on a virtual network and clock.
//!
//! Follow one event: [`world::World::step`] pops it from the [`queue`], hands it to the node
//! through `World::input` (the only place a node is stepped), which runs the [`checker`]s on
//! the node's outputs and carries them out through its [`host`]'s disk and the [`network`].
//!
//! The modules form layers, lowest first (`tests/layers.rs` checks that none imports one that
//! imports it back): [`rng`], [`queue`], [`digest`], [`lin`], [`checker`], [`knob`]; [`trace`] and the
//! node boundary [`node`]; [`client`], [`config`], [`network`], [`host`] and the scenario
//! language [`scenario`]; the cluster and its loop [`world`] (with its levers in `control.rs`
//! and the KV service in `service.rs`); on top, what drives or watches it: the random faults
//! [`faults`], [`liveness`], [`play`] (running a scenario, with [`votes`] for what its
//! expectations ask about votes), [`picture`], [`report`], [`run`],
//! [`swarm`], [`campaign`], [`shrink`], [`schedule`], [`mod@bench`].

pub mod bench;
pub mod campaign;
pub mod checker;
pub mod client;
pub mod config;
mod control;
pub mod digest;
pub mod disk;
mod event;
pub mod faults;
pub mod host;
pub mod knob;
pub mod lin;
pub mod liveness;
pub mod membership;
pub mod network;
pub mod node;
pub mod panic;
pub mod picture;
pub mod play;
pub mod queue;
pub mod reconfig;
pub mod report;
pub mod rng;
pub mod run;
pub mod scenario;
pub mod schedule;
mod service;
pub mod shrink;
pub mod swarm;
pub mod trace;
pub mod votes;
pub mod world;

pub use checker::{Checkers, Property, Violation};
pub use client::{ReadMode, WorkloadConfig};
pub use config::{NetworkConfig, SimConfig};
pub use event::Stats;
pub use faults::FaultMix;
pub use knob::{Bugs, HostKnob, Knob};
pub use play::{run_scenario, run_scenario_on, run_scenario_pictured, ScenarioReport};
pub use run::{run_seed, RunConfig, RunOutcome};
pub use world::World;
