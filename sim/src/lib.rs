//! raftsim's simulator: one thread, one seed, N Raft nodes on a virtual network and clock.

pub mod config;

pub use config::{NetworkConfig, SimConfig};
