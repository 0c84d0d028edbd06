//! `raftsim tour`: the shipped scenarios (or the ones named), narrated; opened by a glossary of
//! what the narration writes, closed by a summary of what held and what broke; with `--out`,
//! every story's pictures and an index page that links them.

use super::scenarios::{changes_membership, load, unsupported};
use crate::catalogue::{self, SCENARIOS};
use sim::node::RaftNode;
use sim::play::{run_scenario_pictured, ScenarioReport};
use sim::scenario::{parse_scenario, Scenario, Step};
use sim::ReadMode;
use std::path::Path;

/// What the narration writes, one line each, before the first story.
const GLOSSARY: &str = "\
How to read it:
  F C L P    a server's role: follower, candidate, leader, pre-candidate (with PreVote it asks before raising its term); -- crashed
  2:3        a log cell, index:term: the entry at index 2, written in term 3 (log tables show the term at each index)
  *          committed: the entry is on a majority and may be applied (when that is safe is Figure 8's lesson, §5.4.2)
  seed 000   a source: a Chinese blog post on etcd's node (Raft, its write-ahead log and storage)
  seed 003   a source: a Chinese blog post on Raft's safety, with a counterexample about the commit index
  t=…        trace lines at virtual time; `n2 denies its vote to n5 …: why` and `n1 truncates its log after 1 (drops 2:2)` say why and what
";

/// The stories to play: every shipped one, or those `names` asks for (shipped names or
/// scenario files). Bad input is an error message listing the names.
fn pick(names: &[String]) -> Result<Vec<Scenario>, String> {
    if names.is_empty() {
        return SCENARIOS
            .iter()
            .map(|(file, text)| {
                parse_scenario(&format!("scenarios/{file}"), text).map_err(|e| e.to_string())
            })
            .collect();
    }
    let mut stories = Vec::new();
    for name in names {
        if !Path::new(name).exists() && catalogue::find(name).is_none() {
            let known: Vec<&str> = SCENARIOS
                .iter()
                .map(|(file, _)| file.trim_end_matches(".toml"))
                .collect();
            return Err(format!(
                "error: unknown scenario '{name}': not a file, and not one of the shipped scenarios: {}",
                known.join(", ")
            ));
        }
        stories.push(load(name).map_err(|e| e.to_string())?);
    }
    Ok(stories)
}

/// One branch of a story, from its start or a rewind to the next rewind: what it runs and
/// which properties its expectations say break.
struct Branch {
    setting: String,
    broke: Vec<&'static str>,
    /// A bug knob or the unsafe read mode is on.
    unsafe_rules: bool,
}

/// How a story went, for the summary and the index page.
struct Outcome {
    name: String,
    description: String,
    verdict: Verdict,
    /// Space-time diagrams drawn: one per branch (`name.svg`, `name-2.svg`, …).
    diagrams: usize,
}

enum Verdict {
    Skipped(String),
    Failed(String),
    /// Every expectation held (the violations expected did occur, no other did).
    Held {
        branches: Vec<Branch>,
        stopped: bool,
    },
}

/// `raft` and `sim` in words: the knobs switched off, or correct Raft with its options.
fn setting(raft: &raft::Config, sim: &sim::SimConfig) -> (String, bool) {
    let knobs: Vec<&str> = (raft.bugs.iter().map(|k| k.name()))
        .chain(sim.bugs.iter().map(|k| k.name()))
        .collect();
    let local = sim.read_mode == ReadMode::Local;
    let mut what = if knobs.is_empty() {
        "correct Raft".to_string()
    } else {
        format!("bug knob {}", knobs.join(", "))
    };
    let mut options = Vec::new();
    if raft.pre_vote {
        options.push("PreVote".to_string());
    }
    if raft.check_quorum {
        options.push("CheckQuorum".to_string());
    }
    if sim.read_mode != ReadMode::Log {
        let unsafe_mode = if local { " (unsafe)" } else { "" };
        options.push(format!("{} reads{unsafe_mode}", sim.read_mode.name()));
    }
    if raft.recovery != raft::RecoveryPolicy::default() {
        options.push(format!("recovery {}", raft.recovery.name()));
    }
    if !options.is_empty() {
        what = format!("{what} with {}", options.join(", "));
    }
    (what, !knobs.is_empty() || local)
}

/// The story's branches as implementation `N` runs them (expectations for other
/// implementations left out).
fn branches<N: RaftNode>(s: &Scenario) -> Vec<Branch> {
    let branch = |raft: &raft::Config, sim: &sim::SimConfig| {
        let (setting, unsafe_rules) = setting(raft, sim);
        Branch {
            setting,
            broke: Vec::new(),
            unsafe_rules,
        }
    };
    let mut out = vec![branch(&s.raft, &s.sim)];
    for st in &s.steps {
        match &st.step {
            Step::Rewind { changes, .. } => {
                let (mut raft, mut sim) = (s.raft.clone(), s.sim.clone());
                changes.apply(&mut raft, &mut sim);
                out.push(branch(&raft, &sim));
            }
            Step::Expect(e) if e.on.as_deref().is_none_or(|on| on == N::NAME) => {
                let last = out.last_mut().expect("a first branch");
                if let Some(p) = e.violation.map(|p| p.name()) {
                    if !last.broke.contains(&p) {
                        last.broke.push(p);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

impl Outcome {
    fn of<N: RaftNode>(s: &Scenario, report: &ScenarioReport<N>) -> Outcome {
        let verdict = if report.passed() {
            Verdict::Held {
                branches: branches::<N>(s),
                stopped: report.stopped.is_some(),
            }
        } else {
            let mut why = Vec::new();
            if let Some(bad) = &report.invalid {
                why.push(format!("a step cannot be carried out, {bad}"));
            }
            if let Some(f) = report.failures.first() {
                why.push(format!(
                    "{} expectation(s) failed, the first at line {}: {}",
                    report.failures.len(),
                    f.line,
                    f.message
                ));
            }
            if !report.unexpected.is_empty() {
                why.push(format!(
                    "{} unexpected violation(s)",
                    report.unexpected.len()
                ));
            }
            Verdict::Failed(why.join("; "))
        };
        Outcome {
            name: s.name.clone(),
            description: s.description.clone(),
            verdict,
            diagrams: report.past.len() + 1,
        }
    }

    /// What the story ran and what came of it, in one line.
    fn line(&self) -> String {
        match &self.verdict {
            Verdict::Skipped(why) => format!("skipped: {why}"),
            Verdict::Failed(why) => format!("FAILED: {why}"),
            Verdict::Held { branches, stopped } => {
                let mut parts: Vec<String> = Vec::new();
                let mut previous: Option<&str> = None;
                for b in branches {
                    let verdict = if b.broke.is_empty() && b.unsafe_rules {
                        "no safety property broke".to_string()
                    } else if b.broke.is_empty() {
                        "clean".to_string()
                    } else {
                        format!("broke {} (expected)", b.broke.join(", "))
                    };
                    parts.push(match previous {
                        None => format!("{}: {verdict}", b.setting),
                        Some(p) if p == b.setting => format!("then, rewound: {verdict}"),
                        Some(_) => format!("then {}: {verdict}", b.setting),
                    });
                    previous = Some(&b.setting);
                }
                let cap = if *stopped { " (stopped by a cap)" } else { "" };
                format!("{}{cap}", parts.join("; "))
            }
        }
    }
}

/// Per story one line, then the totals.
fn summary(outcomes: &[Outcome]) -> String {
    let width = outcomes.iter().map(|o| o.name.len()).max().unwrap_or(0);
    let mut s = String::from("Summary: what held and what broke\n");
    for o in outcomes {
        s += &format!("  {:<width$}  {}\n", o.name, o.line());
    }
    let (mut broke, mut by_knob, mut clean, mut failed, mut skipped) = (0, 0, 0, 0, 0);
    let (mut rewound, mut restored) = (0, 0);
    for o in outcomes {
        match &o.verdict {
            Verdict::Skipped(_) => skipped += 1,
            Verdict::Failed(_) => failed += 1,
            Verdict::Held { branches, .. } => {
                let breaking: Vec<&Branch> =
                    branches.iter().filter(|b| !b.broke.is_empty()).collect();
                if breaking.is_empty() {
                    clean += 1;
                    continue;
                }
                broke += 1;
                if breaking.iter().any(|b| b.unsafe_rules) {
                    by_knob += 1;
                    let safe: Vec<&Branch> = branches.iter().filter(|b| !b.unsafe_rules).collect();
                    rewound += !safe.is_empty() as u32;
                    restored +=
                        (!safe.is_empty() && safe.iter().all(|b| b.broke.is_empty())) as u32;
                }
            }
        }
    }
    let played = outcomes.len() - skipped;
    let how = match (by_knob, broke - by_knob) {
        (0, 0) => String::new(),
        (_, 0) => " (each with a rule switched off)".to_string(),
        (0, _) => " (under correct Raft: each story says why)".to_string(),
        (k, c) => {
            format!(" ({k} with a rule switched off, {c} under correct Raft: its story says why)")
        }
    };
    let stories = if played == 1 { "story" } else { "stories" };
    s += &format!(
        "Totals: {played} {stories} played: {broke} broke a safety property, each as its story expects{how}; {clean} held throughout; {failed} failed, {skipped} skipped.\n"
    );
    if rewound > 0 {
        s += &format!("Of the {by_knob} stories that switch a rule off, {rewound} rewind with it back on: {restored} of them run clean.\n");
    }
    s
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page that links every story's pictures: what each shows and what came of it, Figure 8
/// first.
fn index_page(outcomes: &[Outcome]) -> String {
    let mut rows = String::new();
    let drawn = outcomes
        .iter()
        .filter(|o| !matches!(o.verdict, Verdict::Skipped(_)));
    for o in drawn {
        let name = escape(&o.name);
        let mut diagrams = format!("<a href=\"{name}.svg\">space-time diagram</a>");
        for b in 2..=o.diagrams {
            diagrams += &format!(", <a href=\"{name}-{b}.svg\">after rewind {}</a>", b - 1);
        }
        rows += &format!(
            "<tr><td><a href=\"{name}.html\"><b>{name}</b></a></td><td>{}<br><small>{}</small></td><td><a href=\"{name}.html\">step through</a> · {diagrams}</td></tr>\n",
            escape(&o.description),
            escape(&o.line())
        );
    }
    let start = if outcomes.iter().any(|o| o.name == "figure8") {
        "<p>Start with <a href=\"figure8.html\">Figure 8</a> (§5.4.2): an entry of an old term sits on a majority and is still not committed; step through it with the arrow keys. Then each bug knob: a story that switches one safety rule off, shows what breaks, and rewinds to show the rule at work.</p>"
    } else {
        "<p>Each story switches a safety rule off or keeps correct Raft, and shows what breaks or what holds.</p>"
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>raftsim tour</title></head><body style=\"font-family: system-ui, sans-serif; margin: 1.5em; max-width: 70em\"><h1>raftsim tour</h1>{start}<p>Every story replays exactly from its seed. Cells are index:term; * marks a committed entry; roles are F follower, C candidate, L leader, P pre-candidate.</p><table cellpadding=\"6\" style=\"border-collapse: collapse\">\n<tr><th align=\"left\">story</th><th align=\"left\">what it shows, and what came of it</th><th align=\"left\">pictures</th></tr>\n{rows}</table></body></html>\n"
    )
}

pub fn tour<N: RaftNode>(names: &[String], out: Option<&Path>) -> u8 {
    let stories = match pick(names) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{}", e.trim_end());
            return 2;
        }
    };
    if let Some(dir) = out {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("error: cannot create {}: {e}", dir.display());
            return 2;
        }
    }
    let which = if names.is_empty() {
        "the shipped scenarios"
    } else {
        "the scenarios named"
    };
    println!("raftsim tour: {which}, narrated. Each replays exactly from its seed.\n");
    println!("{GLOSSARY}");
    let mut outcomes = Vec::new();
    for scenario in &stories {
        if let Some(why) = unsupported::<N>(scenario) {
            println!("--- {}: skipped ({why})\n", scenario.name);
            let needs = branches::<N>(scenario).into_iter().find(|b| b.unsafe_rules);
            let short = if changes_membership(scenario) && !N::CHANGES_MEMBERSHIP {
                format!("{} cannot run it (configuration changes)", N::NAME)
            } else {
                needs.map_or(why, |b| {
                    format!("{} cannot run it ({})", N::NAME, b.setting)
                })
            };
            outcomes.push(Outcome {
                name: scenario.name.clone(),
                description: scenario.description.clone(),
                verdict: Verdict::Skipped(short),
                diagrams: 0,
            });
            continue;
        }
        let report = run_scenario_pictured::<N>(scenario, true);
        println!("{}", report.narration);
        let verdict = if report.passed() { "ok" } else { "FAILED" };
        println!("--- {}: {verdict}\n", scenario.name);
        if let Some(dir) = out {
            let name = &scenario.name;
            let pictures = super::PictureArgs {
                svg: Some(dir.join(format!("{name}.svg"))),
                html: Some(dir.join(format!("{name}.html"))),
            };
            if !pictures.write_scenario(&report, name) {
                return 2;
            }
            println!();
        }
        outcomes.push(Outcome::of(scenario, &report));
    }
    print!("{}", summary(&outcomes));
    if let Some(dir) = out {
        let index = dir.join("index.html");
        if !super::write_file(&index, &index_page(&outcomes)) {
            return 2;
        }
        println!(
            "wrote the index page to {}: open it in a browser",
            index.display()
        );
    }
    println!("Next: `raftsim run scenarios/<name>.toml --explain`, `raftsim bugs`, `raftsim fuzz --bug <knob>`.");
    let failed = outcomes
        .iter()
        .any(|o| matches!(o.verdict, Verdict::Failed(_)));
    let stopped = outcomes
        .iter()
        .any(|o| matches!(o.verdict, Verdict::Held { stopped: true, .. }));
    if failed {
        1
    } else if stopped {
        3
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn story(branches: Vec<Branch>) -> Outcome {
        Outcome {
            name: "s".into(),
            description: "d <b>".into(),
            verdict: Verdict::Held {
                branches,
                stopped: false,
            },
            diagrams: 1,
        }
    }

    fn branch(setting: &str, broke: &[&'static str], unsafe_rules: bool) -> Branch {
        Branch {
            setting: setting.into(),
            broke: broke.to_vec(),
            unsafe_rules,
        }
    }

    #[test]
    fn a_story_line_names_each_branch_and_what_broke() {
        let knob = branch("bug knob volatile-vote", &["Election Safety"], true);
        let fixed = branch("correct Raft", &[], false);
        assert_eq!(
            story(vec![knob, fixed]).line(),
            "bug knob volatile-vote: broke Election Safety (expected); then correct Raft: clean"
        );
        let again = story(vec![
            branch("correct Raft", &[], false),
            branch("correct Raft", &[], false),
        ]);
        assert_eq!(again.line(), "correct Raft: clean; then, rewound: clean");
        let page = index_page(&[again]);
        assert!(page.contains("d &lt;b&gt;"), "descriptions are escaped");
    }

    #[test]
    fn unknown_names_are_bad_input_listing_the_shipped_ones() {
        let e = pick(&["no-such-story".into()]).expect_err("an error");
        assert!(e.contains("unknown scenario 'no-such-story'"), "{e}");
        assert!(e.contains("figure8, figure8-unsafe-commit"), "{e}");
        let picked = pick(&["figure7".into(), "figure8".into()]).expect("shipped names");
        let names: Vec<&str> = picked.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["figure7", "figure8"]);
    }
}
