pub use raft;
pub use sim;
pub mod catalogue;
pub mod cli;
pub mod testing;
