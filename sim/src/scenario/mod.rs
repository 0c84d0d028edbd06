//! Scenario files: a TOML story of steps and expectations (`scenarios/*.toml`), parsed with
//! errors that name file, line and column. This is the language only; `play.rs` runs a
//! scenario on a world, and the simulator records fault actions as its steps.

pub mod ast;
pub mod error;
mod expect;
mod labels;
pub mod parse;
mod steps;
#[cfg(test)]
mod tests;
pub mod write;

pub use ast::{Changes, Condition, Expectation, Scenario, Step, StepAt};
pub use error::ScenarioError;
pub use parse::{load_scenario, parse_scenario};
