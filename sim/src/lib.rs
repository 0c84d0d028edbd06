//! raftsim's simulator: one thread, one seed, N Raft nodes on a virtual network and clock.

pub mod checker;
pub mod config;
pub mod network;
pub mod queue;
pub mod rng;
pub mod trace;

pub use checker::{Checkers, Property, Violation};
pub use config::{NetworkConfig, SimConfig};
