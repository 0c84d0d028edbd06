//! `raftsim run` and `raftsim scenarios`, and how both and `raftsim tour` find a scenario.

use crate::catalogue::{self, SCENARIOS};
use sim::node::RaftNode;
use sim::play::run_scenario_pictured;
use sim::scenario::{load_scenario, parse_scenario, Scenario, ScenarioError};
use std::path::Path;

/// A scenario from a path, or a shipped one by name.
pub(super) fn load(arg: &str) -> Result<Scenario, ScenarioError> {
    let path = Path::new(arg);
    if !path.exists() {
        if let Some((file, text)) = catalogue::find(arg) {
            return parse_scenario(&format!("scenarios/{file}"), text);
        }
    }
    load_scenario(path)
}

/// Whether the scenario asks for configuration changes or leadership transfers (thesis
/// chapter 4, §3.10), which only an implementation whose host carries them out can run.
pub(super) fn changes_membership(s: &Scenario) -> bool {
    s.steps.iter().any(|st| {
        matches!(
            st.step,
            sim::scenario::Step::Change(_) | sim::scenario::Step::Transfer(_)
        )
    })
}

/// Why implementation `N` cannot run the scenario (configuration changes its host does not
/// carry out, or its knobs, in the file or in a rewind), if it cannot.
pub(super) fn unsupported<N: RaftNode>(s: &Scenario) -> Option<String> {
    if let Some(on) = s.on.as_deref().filter(|on| *on != N::NAME) {
        return Some(format!(
            "{} cannot run this scenario: it tells the rules of {on}'s node (its `on = \"{on}\"`)",
            N::NAME
        ));
    }
    if changes_membership(s) && !N::CHANGES_MEMBERSHIP {
        return Some(format!(
            "{} cannot run this scenario: it changes the configuration or transfers leadership, which the {} host does not do",
            N::NAME,
            N::NAME
        ));
    }
    let mut configs = vec![s.raft.clone()];
    for st in &s.steps {
        if let sim::scenario::Step::Rewind { changes, .. } = &st.step {
            let mut raft = s.raft.clone();
            let mut sim = s.sim.clone();
            changes.apply(&mut raft, &mut sim);
            configs.push(raft);
        }
    }
    configs
        .iter()
        .find_map(|c| N::supports(c).err())
        .map(|why| format!("{} cannot run this scenario: {why}", N::NAME))
}

pub fn run<N: RaftNode>(args: &super::RunArgs) -> u8 {
    let (file, explain, history) = (args.file.as_str(), args.explain, args.history.as_deref());
    let scenario = match load(file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    if let Some(why) = unsupported::<N>(&scenario) {
        eprintln!("error: {file}: {why}");
        return 2;
    }
    let report = run_scenario_pictured::<N>(&scenario, explain);
    if explain {
        print!("{}", report.narration);
    }
    if let Some(path) = history {
        if !super::write_history(path, &report.history) {
            return 2;
        }
    }
    if !args.pictures.write_scenario(&report, &scenario.name) {
        return 2;
    }
    if let Some(why) = &report.invalid {
        eprintln!("error: {file}: {why}");
        return 2;
    }
    for f in &report.failures {
        println!("{file}:{}: expectation failed: {}", f.line, f.message);
    }
    for u in &report.unexpected {
        println!("{file}: unexpected violation: {u}");
    }
    if let Some(stop) = &report.stopped {
        println!("{file}: stopped: {stop}");
    }
    if !report.passed() {
        println!("{}: FAILED", scenario.name);
        1
    } else if report.stopped.is_some() {
        println!(
            "{}: stopped by a cap ({} expectations hold up to it)",
            scenario.name, report.expectations_checked
        );
        3
    } else {
        println!(
            "{}: ok ({} expectations hold)",
            scenario.name, report.expectations_checked
        );
        0
    }
}

pub fn list() -> u8 {
    // One column of names, as wide as the longest, so that the descriptions line up.
    let width = SCENARIOS
        .iter()
        .map(|(file, _)| file.trim_end_matches(".toml").len())
        .max()
        .unwrap_or(0);
    for (file, text) in SCENARIOS {
        match parse_scenario(file, text) {
            Ok(s) => println!(
                "{:<width$} {}",
                file.trim_end_matches(".toml"),
                s.description
            ),
            Err(e) => println!("{:<width$} (does not parse: {e})", file),
        }
    }
    0
}
