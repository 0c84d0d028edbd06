//! `raftsim run`, `raftsim scenarios` and `raftsim tour`.

use crate::catalogue::{self, SCENARIOS};
use sim::scenario::{load_scenario, parse_scenario, run_scenario, Scenario, ScenarioError};
use std::path::Path;

/// A scenario from a path, or a shipped one by name.
fn load(arg: &str) -> Result<Scenario, ScenarioError> {
    let path = Path::new(arg);
    if !path.exists() {
        if let Some((file, text)) = catalogue::find(arg) {
            return parse_scenario(&format!("scenarios/{file}"), text);
        }
    }
    load_scenario(path)
}

pub fn run(file: &str, explain: bool, history: Option<&Path>) -> u8 {
    let scenario = match load(file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    let report = run_scenario(&scenario, explain);
    if explain {
        print!("{}", report.narration);
    }
    if let Some(path) = history {
        if !super::write_history(path, &report.history) {
            return 2;
        }
    }
    for f in &report.failures {
        println!("{file}:{}: expectation failed: {}", f.line, f.message);
    }
    for u in &report.unexpected {
        println!("{file}: unexpected violation: {u}");
    }
    if report.passed() {
        println!(
            "{}: ok ({} expectations hold)",
            scenario.name, report.expectations_checked
        );
        0
    } else {
        println!("{}: FAILED", scenario.name);
        1
    }
}

pub fn list() -> u8 {
    for (file, text) in SCENARIOS {
        match parse_scenario(file, text) {
            Ok(s) => println!("{:<30} {}", file.trim_end_matches(".toml"), s.description),
            Err(e) => println!("{:<30} (does not parse: {e})", file),
        }
    }
    0
}

pub fn tour() -> u8 {
    println!("raftsim tour: the shipped scenarios, narrated. Each replays exactly from its seed.");
    println!("Logs are drawn like the paper's figures: a row per server, the term in each cell, * = committed.\n");
    let mut failed = 0;
    for (file, text) in SCENARIOS {
        let scenario = match parse_scenario(&format!("scenarios/{file}"), text) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{e}");
                return 2;
            }
        };
        let report = run_scenario(&scenario, true);
        println!("{}", report.narration);
        let verdict = if report.passed() { "ok" } else { "FAILED" };
        println!("--- {}: {verdict}\n", scenario.name);
        failed += !report.passed() as u32;
    }
    println!("Next: `raftsim run scenarios/<name>.toml --explain`, `raftsim bugs`, `raftsim fuzz --bug <knob>`.");
    (failed > 0) as u8
}
