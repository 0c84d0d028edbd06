pub use raft;
pub use sim;
