//! Scenario files: a TOML story of steps and expectations (`scenarios/*.toml`), parsed with
//! errors that name file, line and column, and run on one deterministic world.

pub mod ast;
pub mod error;
pub mod exec;
mod expect;
mod labels;
pub mod parse;
mod steps;
#[cfg(test)]
mod tests;
pub mod write;

pub use ast::{Changes, Condition, Expectation, Scenario, Step, StepAt};
pub use error::ScenarioError;
pub use exec::{run_scenario, run_scenario_on, ScenarioReport};
pub use parse::{load_scenario, parse_scenario};
