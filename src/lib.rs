pub use raft;
pub use sim;
pub mod campaign;
pub mod catalogue;
pub mod cli;
pub mod testing;

pub use campaign::Campaign;
