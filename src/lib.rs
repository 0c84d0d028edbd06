pub use raft;
pub use sim;
pub mod cli;
pub mod testing;
