//! Shrinking a failing random run to a small scenario file (none of madsim, turmoil, VOPR or
//! FoundationDB does this). The run's fault actions are recorded as timed scenario steps; the
//! steps are written out as a scenario with the run's seed, network, knobs and clients; then
//! delta debugging (Zeller & Hildebrandt 2002) removes steps, and the clients if they are not
//! needed, as long as the scenario still breaks the same property.

use crate::checker::Property;
use crate::faults::FaultMix;
use crate::run::{run_seed_with, RunConfig};
use crate::scenario::{parse_scenario, run_scenario, Step};
use std::fmt::Write;

/// Bound on the scenario runs one shrink may spend.
pub const MAX_ATTEMPTS: usize = 3000;

/// A failing random run, recorded as a schedule of steps.
#[derive(Clone, Debug)]
pub struct Failure {
    pub seed: u64,
    pub config: RunConfig,
    pub nodes: u8,
    pub mix: FaultMix,
    pub property: Property,
    pub steps: Vec<(u64, Step)>,
    /// Virtual time at which the run stopped (at the violation).
    pub end_us: u64,
}

/// The result of shrinking.
#[derive(Clone, Debug)]
pub struct Shrunk {
    pub steps: Vec<(u64, Step)>,
    pub shape: Shape,
    /// Steps in the recorded schedule, before shrinking.
    pub original_steps: usize,
    pub attempts: usize,
    /// Whether the unshrunk schedule reproduced the violation as a scenario at all.
    pub reproduced: bool,
}

/// Reruns `seed`, recording its fault actions. `None` if the seed does not fail.
pub fn record(seed: u64, config: &RunConfig) -> Option<Failure> {
    let (outcome, world) = run_seed_with(seed, config, |w| w.schedule = Some(Vec::new()));
    let violation = outcome.violation?;
    let (_, mix) = crate::run::world_for(seed, config);
    Some(Failure {
        seed,
        config: config.clone(),
        nodes: outcome.nodes,
        mix,
        property: violation.property,
        steps: world.schedule.unwrap_or_default(),
        end_us: outcome.at_us,
    })
}

/// What of the run's environment the shrunk scenario keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// How many of the random clients (0: none).
    pub clients: u32,
    /// Random loss and duplication.
    pub lossy: bool,
    /// The latency spread (otherwise every message takes the minimum latency).
    pub spread: bool,
}

impl Shape {
    /// Everything the run had.
    pub fn full(f: &Failure) -> Shape {
        Shape {
            clients: f.config.workload.clients.min(f.mix.clients),
            lossy: true,
            spread: true,
        }
    }
}

/// The scenario file for `steps` of `f`, in the environment `shape` keeps.
pub fn scenario_text(f: &Failure, steps: &[(u64, Step)], shape: Shape) -> String {
    let mut t = String::new();
    let c = &f.config;
    let flags = c.flags();
    let _ = writeln!(
        t,
        "# A failing random run, shrunk: `raftsim fuzz --seeds {}{flags}` broke",
        f.seed
    );
    let _ = writeln!(
        t,
        "# {}. Its fault actions were recorded as the steps below, then reduced to",
        f.property
    );
    let _ = writeln!(
        t,
        "# those it needs (delta debugging). Replay: `raftsim run <this file> --explain`."
    );
    let _ = writeln!(t, "# Fault mix of the seed: {}.", f.mix.describe());
    let _ = writeln!(t, "# Source: raftsim fuzz --shrink, seed {}.", f.seed);
    let _ = writeln!(t, "name = \"failure-{}\"", f.seed);
    let _ = writeln!(
        t,
        "description = \"seed {}: {} in {} steps\"\n",
        f.seed,
        f.property,
        steps.len()
    );
    let _ = writeln!(t, "[cluster]\nnodes = {}\nseed = {}\n", f.nodes, f.seed);
    let _ = writeln!(t, "[raft]");
    let bugs: Vec<String> = c.bugs.iter().map(|k| format!("\"{k}\"")).collect();
    let _ = writeln!(t, "bugs = [{}]", bugs.join(", "));
    let _ = writeln!(
        t,
        "pre_vote = {}\ncheck_quorum = {}",
        c.pre_vote, c.check_quorum
    );
    let _ = writeln!(
        t,
        "max_entries_per_append = {}\nheartbeats_carry_entries = {}\n",
        f.mix.max_entries_per_append, f.mix.heartbeats_carry_entries
    );
    let n = &f.mix.network;
    let _ = writeln!(
        t,
        "[network]\nlatency_min_us = {}\nlatency_max_us = {}",
        n.latency_min_us,
        if shape.spread {
            n.latency_max_us
        } else {
            n.latency_min_us
        }
    );
    let (drop, dup) = if shape.lossy {
        (n.drop_probability, n.duplicate_probability)
    } else {
        (0.0, 0.0)
    };
    let _ = writeln!(
        t,
        "drop_probability = {drop:?}\nduplicate_probability = {dup:?}\n"
    );
    let _ = writeln!(
        t,
        "[sim]\nread_mode = \"{}\"\nmax_events = {}\n",
        c.read_mode.name(),
        c.max_events
    );
    if shape.clients > 0 {
        let _ = writeln!(
            t,
            "[workload]\nclients = {}\nkeys = {}\n",
            shape.clients, c.workload.keys
        );
    }
    let mut now = 0;
    for (at, step) in steps {
        if *at > now {
            let _ = writeln!(t, "[[step]]\nrun = \"{}us\"", at - now);
            now = *at;
        }
        let _ = writeln!(t, "[[step]]\n{}", step_toml(step));
    }
    if f.end_us > now {
        let _ = writeln!(t, "[[step]]\nrun = \"{}us\"", f.end_us - now);
    }
    let _ = writeln!(t, "[[step]]\nexpect = {{ violation = \"{}\" }}", f.property);
    t
}

/// The scenario file for the shrunk schedule, expecting every property its replay breaks.
pub fn final_text(f: &Failure, s: &Shrunk) -> String {
    let mut text = scenario_text(f, &s.steps, s.shape);
    if let Ok(scenario) = parse_scenario("shrink", &text) {
        let report = run_scenario(&scenario, false);
        let mut extra: Vec<&str> = report
            .unexpected
            .iter()
            .filter_map(|u| u.split(':').next())
            .collect();
        extra.sort();
        extra.dedup();
        for p in extra {
            let _ = writeln!(text, "[[step]]\nexpect = {{ violation = \"{p}\" }}");
        }
    }
    text
}

/// One fault step as the scenario language writes it.
fn step_toml(step: &Step) -> String {
    let ids = |g: &[raft::NodeId]| {
        g.iter()
            .map(|n| n.0.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match step {
        Step::Partition(groups) => {
            let g: Vec<String> = groups.iter().map(|g| format!("[{}]", ids(g))).collect();
            format!("partition = [{}]", g.join(", "))
        }
        Step::Cut { from, to } => format!("cut = {{ from = {}, to = {} }}", from.0, to.0),
        Step::Links(l) => {
            let l: Vec<String> = l
                .iter()
                .map(|(a, b)| format!("[{}, {}]", a.0, b.0))
                .collect();
            format!("links = [{}]", l.join(", "))
        }
        Step::Heal => "heal = true".into(),
        Step::Calm => "calm = true".into(),
        Step::Crash(n) => format!("crash = {}", n.0),
        Step::Restart(n) => format!("restart = {}", n.0),
        Step::Pause(n) => format!("pause = {}", n.0),
        Step::Resume(n) => format!("resume = {}", n.0),
        Step::Clock { node, drift_ppm } => {
            format!("clock = {{ node = {}, drift-ppm = {drift_ppm} }}", node.0)
        }
        other => format!("say = \"(not recordable: {other})\""),
    }
}

/// Whether the scenario for `steps` breaks `f.property`.
pub fn reproduces(f: &Failure, steps: &[(u64, Step)], shape: Shape) -> bool {
    let text = scenario_text(f, steps, shape);
    let Ok(s) = parse_scenario("shrink", &text) else {
        return false;
    };
    run_scenario(&s, false).failures.is_empty()
}

/// Delta debugging over the steps, after trying to do without the clients, the random loss
/// and the latency spread (each kept only if the violation needs it).
pub fn shrink(f: &Failure) -> Shrunk {
    let reproduced = reproduces(f, &f.steps, Shape::full(f));
    let mut s = Shrunk {
        steps: f.steps.clone(),
        shape: Shape::full(f),
        original_steps: f.steps.len(),
        attempts: 1,
        reproduced,
    };
    if !reproduced {
        return s;
    }
    loop {
        let before = (s.steps.len(), s.shape);
        simplify(f, &mut s);
        ddmin(f, &mut s);
        remove_pairs(f, &mut s);
        if (s.steps.len(), s.shape) == before || s.attempts >= MAX_ATTEMPTS {
            break;
        }
    }
    s
}

/// Fewer clients, no random loss, no latency spread: each kept only if the violation needs it.
fn simplify(f: &Failure, s: &mut Shrunk) {
    let simplifications: [fn(Shape) -> Shape; 4] = [
        |sh| Shape { clients: 0, ..sh },
        |sh| Shape {
            clients: sh.clients.min(1),
            ..sh
        },
        |sh| Shape { lossy: false, ..sh },
        |sh| Shape {
            spread: false,
            ..sh
        },
    ];
    for simplify in simplifications {
        let candidate = simplify(s.shape);
        if candidate != s.shape && s.attempts < MAX_ATTEMPTS {
            s.attempts += 1;
            if reproduces(f, &s.steps, candidate) {
                s.shape = candidate;
            }
        }
    }
}

/// Zeller's ddmin, complement-only: removes chunks of steps, halving the chunk size when none
/// can go.
fn ddmin(f: &Failure, s: &mut Shrunk) {
    let mut chunk = s.steps.len().div_ceil(2).max(1);
    while !s.steps.is_empty() && s.attempts < MAX_ATTEMPTS {
        let mut i = 0;
        let mut removed = false;
        while i < s.steps.len() && s.attempts < MAX_ATTEMPTS {
            let end = (i + chunk).min(s.steps.len());
            let candidate: Vec<_> = s.steps[..i]
                .iter()
                .chain(&s.steps[end..])
                .cloned()
                .collect();
            s.attempts += 1;
            if reproduces(f, &candidate, s.shape) {
                s.steps = candidate;
                removed = true;
            } else {
                i += chunk;
            }
        }
        if !removed {
            if chunk == 1 {
                return;
            }
            chunk = chunk.div_ceil(2);
        }
    }
}

/// Removes a fault together with the step that undoes it (a crash and the node's next restart,
/// a pause and its resume, a cut of the network and the next heal), which ddmin's contiguous
/// chunks miss when other steps stand between them.
fn remove_pairs(f: &Failure, s: &mut Shrunk) {
    let mut i = 0;
    while i < s.steps.len() && s.attempts < MAX_ATTEMPTS {
        let undo = |later: &Step| match (&s.steps[i].1, later) {
            (Step::Crash(a), Step::Restart(b)) | (Step::Pause(a), Step::Resume(b)) => a == b,
            (Step::Partition(_) | Step::Cut { .. } | Step::Links(_), Step::Heal) => true,
            _ => false,
        };
        let Some(j) = (i + 1..s.steps.len()).find(|&j| undo(&s.steps[j].1)) else {
            i += 1;
            continue;
        };
        let candidate: Vec<_> = s
            .steps
            .iter()
            .enumerate()
            .filter(|(k, _)| *k != i && *k != j)
            .map(|(_, st)| st.clone())
            .collect();
        s.attempts += 1;
        if reproduces(f, &candidate, s.shape) {
            s.steps = candidate;
        } else {
            i += 1;
        }
    }
}
