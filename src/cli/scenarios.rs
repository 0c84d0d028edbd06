//! `raftsim run`, `raftsim scenarios` and `raftsim tour`.

use crate::catalogue::{self, SCENARIOS};
use sim::node::RaftNode;
use sim::play::run_scenario_on;
use sim::scenario::{load_scenario, parse_scenario, Scenario, ScenarioError};
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

/// Why implementation `N` cannot run the scenario (its knobs, in the file or in a rewind), if
/// it cannot.
fn unsupported<N: RaftNode>(s: &Scenario) -> Option<String> {
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
    let report = run_scenario_on::<N>(&scenario, explain);
    if explain {
        print!("{}", report.narration);
    }
    if let Some(path) = history {
        if !super::write_history(path, &report.history) {
            return 2;
        }
    }
    if !args.pictures.write(&report.world, &scenario.name) {
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
    for (file, text) in SCENARIOS {
        match parse_scenario(file, text) {
            Ok(s) => println!("{:<30} {}", file.trim_end_matches(".toml"), s.description),
            Err(e) => println!("{:<30} (does not parse: {e})", file),
        }
    }
    0
}

pub fn tour<N: RaftNode>(out: Option<&Path>) -> u8 {
    println!("raftsim tour: the shipped scenarios, narrated. Each replays exactly from its seed.");
    println!("Logs are drawn like the paper's figures: a row per server, the term in each cell, * = committed.\n");
    if let Some(dir) = out {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("error: cannot create {}: {e}", dir.display());
            return 2;
        }
    }
    let mut failed = 0;
    let mut index = Vec::new();
    for (file, text) in SCENARIOS {
        let scenario = match parse_scenario(&format!("scenarios/{file}"), text) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{e}");
                return 2;
            }
        };
        if let Some(why) = unsupported::<N>(&scenario) {
            println!("--- {}: skipped ({why})\n", scenario.name);
            continue;
        }
        let report = run_scenario_on::<N>(&scenario, true);
        println!("{}", report.narration);
        let verdict = if report.passed() { "ok" } else { "FAILED" };
        println!("--- {}: {verdict}\n", scenario.name);
        failed += !report.passed() as u32;
        if let Some(dir) = out {
            let name = &scenario.name;
            let pictures = super::PictureArgs {
                svg: Some(dir.join(format!("{name}.svg"))),
                html: Some(dir.join(format!("{name}.html"))),
            };
            if !pictures.write(&report.world, name) {
                return 2;
            }
            index.push((name.clone(), scenario.description.clone()));
        }
    }
    if let Some(dir) = out {
        if !super::write_file(&dir.join("index.html"), &index_page(&index)) {
            return 2;
        }
        println!(
            "Pictures: open {} in a browser.",
            dir.join("index.html").display()
        );
    }
    println!("Next: `raftsim run scenarios/<name>.toml --explain`, `raftsim bugs`, `raftsim fuzz --bug <knob>`.");
    (failed > 0) as u8
}

fn index_page(entries: &[(String, String)]) -> String {
    let mut rows = String::new();
    for (name, description) in entries {
        let d = description.replace('&', "&amp;").replace('<', "&lt;");
        rows += &format!(
            "<li><b>{name}</b> — {d} <a href=\"{name}.html\">step through</a> · <a href=\"{name}.svg\">space-time diagram</a></li>\n"
        );
    }
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>raftsim tour</title></head><body style=\"font-family: system-ui, sans-serif; margin: 1.5em\"><h1>raftsim tour</h1><p>Each scenario replays exactly from its seed. Start with Figure 8.</p><ul>\n{rows}</ul></body></html>\n"
    )
}
