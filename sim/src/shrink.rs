//! Shrinking a failing random run to a small scenario file (none of madsim, turmoil, VOPR or
//! FoundationDB does this). The run's fault actions are recorded as timed scenario steps; the
//! steps are written out as a scenario with the run's seed, network, knobs and clients; then
//! delta debugging (Zeller & Hildebrandt 2002) removes steps, and the clients if they are not
//! needed, as long as the scenario still breaks the same property. Last, the small schedule
//! left is shrunk again letting each candidate run under other seeds too ([`reseeded`]).

use crate::checker::Property;
use crate::node::RaftNode;
use crate::play::run_scenario_on;
use crate::run::{run_seed_on, RunConfig};
use crate::scenario::write::{knob_list, step_toml};
use crate::scenario::{parse_scenario, Step};
use crate::swarm::Swarm;
use std::fmt::Write;

/// Bound on the scenario runs [`shrink_plain`] may spend.
pub const MAX_ATTEMPTS: usize = 3000;

/// Bound on the scenario runs [`reseeded`] may spend (each candidate costs up to
/// 1 + [`RESEEDS`]).
pub const MAX_RESEEDED_ATTEMPTS: usize = 6000;

/// Longest schedule [`reseeded`] takes on. Under another seed a long schedule is a different
/// run altogether: of the four schedules of 42-57 steps that [`shrink_plain`] left for
/// `commit-old-term-by-count` and `respond-before-persist` (first failing seeds), reseeding
/// shortened one (57 to 49), spending its whole budget of runs on each.
pub const MAX_RESEEDED_STEPS: usize = 30;

/// How many failing seeds [`shrink_best`] shrinks before it keeps the smallest result: failing
/// runs differ in how far they shrink (a run broken by a partial partition shrinks to two
/// steps, one broken by a long series of crashes to dozens).
pub const CANDIDATES: usize = 5;

/// `first` (a failing seed) and the next failing seeds below `end`, up to [`CANDIDATES`].
pub fn failing_seeds<N: RaftNode>(
    config: &RunConfig,
    first: u64,
    end: u64,
    jobs: usize,
) -> Vec<u64> {
    let mut seeds = vec![first];
    while seeds.len() < CANDIDATES {
        let from = seeds[seeds.len() - 1] + 1;
        if from >= end {
            break;
        }
        let more = crate::campaign::Campaign::<N>::on(config.clone())
            .seeds(from..end)
            .jobs(jobs)
            .run(&|| {});
        match more.failure {
            Some(f) => seeds.push(f.seed),
            None => break,
        }
    }
    seeds
}

/// Shrinks each of `seeds` that breaks the same property as the first of them, and keeps the
/// smallest schedule (the first of equals). `None` if no recorded schedule replays as a
/// scenario that breaks it. `progress` hears of each seed as its shrinking starts.
pub fn shrink_best<N: RaftNode>(
    config: &RunConfig,
    seeds: &[u64],
    progress: &dyn Fn(u64),
) -> Option<(Failure, Shrunk)> {
    let mut property = None;
    let mut best: Option<(Failure, Shrunk)> = None;
    for &seed in seeds {
        progress(seed);
        let Some(failure) = record::<N>(seed, config) else {
            continue;
        };
        if *property.get_or_insert(failure.property) != failure.property {
            continue;
        }
        let shrunk = shrink::<N>(&failure);
        let better = best
            .as_ref()
            .is_none_or(|(_, b)| shrunk.steps.len() < b.steps.len());
        if shrunk.reproduced && better {
            best = Some((failure, shrunk));
        }
    }
    best
}

/// A failing random run, recorded as a schedule of steps.
#[derive(Clone, Debug)]
pub struct Failure {
    pub seed: u64,
    pub config: RunConfig,
    pub nodes: u8,
    /// What the seed drew: options, fault mix, ending.
    pub swarm: Swarm,
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
    /// The scenario's seed: the failing run's, unless a smaller schedule broke the property
    /// only under another seed (see [`reseeded`]).
    pub seed: u64,
    /// Whether [`attempt`] also tries other seeds.
    reseed: bool,
    /// Steps in the recorded schedule, before shrinking.
    pub original_steps: usize,
    pub attempts: usize,
    /// Where the current phase stops: [`MAX_ATTEMPTS`] runs for [`shrink_plain`],
    /// [`MAX_RESEEDED_ATTEMPTS`] more for [`reseeded`].
    limit: usize,
    /// Whether the unshrunk schedule reproduced the violation as a scenario at all.
    pub reproduced: bool,
}

/// The recorder of a random run's fault actions, each as the scenario step that replays it at
/// its virtual time, so that the run can be written out (and shrunk) as a scenario file.
#[derive(Clone, Debug, Default)]
pub struct Schedule(pub Vec<(u64, Step)>);

impl<N: RaftNode> crate::world::Observer<N> for Schedule {
    fn on_fault(&mut self, at_us: u64, step: &Step) {
        self.0.push((at_us, step.clone()));
    }
}

/// Reruns `seed`, recording its fault actions. `None` if the seed does not fail.
pub fn record<N: RaftNode>(seed: u64, config: &RunConfig) -> Option<Failure> {
    let (outcome, mut world) = run_seed_on::<N>(seed, config, |w| w.observe(Schedule::default()));
    let violation = outcome.violation?;
    let (_, swarm) = crate::run::world_for_on::<N>(seed, config);
    Some(Failure {
        seed,
        config: config.clone(),
        nodes: outcome.nodes,
        swarm,
        property: violation.property,
        steps: world.detach::<Schedule>().map(|s| s.0).unwrap_or_default(),
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
            clients: f.config.workload.clients.min(f.swarm.mix.clients),
            lossy: true,
            spread: true,
        }
    }
}

/// The scenario file for `steps` of `f`, in the environment `shape` keeps.
pub fn scenario_text(f: &Failure, steps: &[(u64, Step)], shape: Shape, seed: u64) -> String {
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
    if seed != f.seed {
        let _ = writeln!(
            t,
            "# The steps below break it under seed {seed} (the seed draws message latencies, loss,\n\
             # election timeouts and client requests); under seed {} they need more steps.",
            f.seed
        );
    }
    let _ = writeln!(t, "# What the seed drew: {}.", f.swarm.describe());
    let _ = writeln!(t, "# Source: raftsim fuzz --shrink, seed {}.", f.seed);
    let _ = writeln!(t, "name = \"failure-{}\"", f.seed);
    let _ = writeln!(
        t,
        "description = \"seed {}: {} in {} steps\"\n",
        f.seed,
        f.property,
        steps.len()
    );
    let _ = writeln!(t, "[cluster]\nnodes = {}\nseed = {seed}", f.nodes);
    if let Some(m) = &f.swarm.mix.membership {
        let _ = writeln!(t, "voters = {}", m.voters);
    }
    let _ = writeln!(t);
    let _ = writeln!(t, "[raft]");
    let _ = writeln!(t, "bugs = {}", knob_list(c.bugs.raft.iter()));
    let o = &f.swarm.options;
    let _ = writeln!(
        t,
        "pre_vote = {}\ncheck_quorum = {}",
        o.pre_vote, o.check_quorum
    );
    let _ = writeln!(
        t,
        "max_entries_per_append = {}\nheartbeats_carry_entries = {}",
        f.swarm.mix.max_entries_per_append, f.swarm.mix.heartbeats_carry_entries
    );
    let disk = f.swarm.mix.disk.as_ref();
    let drawn = disk.and_then(|d| d.snapshot_threshold_entries);
    if let Some(n) = c.snapshot_threshold_entries.or(drawn) {
        let _ = writeln!(t, "snapshot_threshold_entries = {n}");
    }
    if let Some(d) = disk.filter(|d| d.recovery != raft::RecoveryPolicy::default()) {
        let _ = writeln!(t, "recovery = \"{}\"", d.recovery.name());
    }
    let _ = writeln!(t);
    let n = &f.swarm.mix.network;
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
        "[sim]\nread_mode = \"{}\"\nmax_events = {}",
        o.read_mode.name(),
        c.max_events
    );
    if !c.bugs.host.is_empty() {
        let _ = writeln!(t, "bugs = {}", knob_list(c.bugs.host.iter()));
    }
    t.push('\n');
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
        // Each fault is its own caption, so that the file reads (and draws) as a story.
        let caption = format!("t={}: {step}", crate::trace::VirtualTime(*at));
        let _ = writeln!(t, "[[step]]\nsay = \"{}\"", toml_escape(&caption));
        let body =
            step_toml(step).unwrap_or_else(|| format!("say = \"(not recordable: {})\"", step));
        let _ = writeln!(t, "[[step]]\n{body}");
    }
    if f.end_us > now {
        let _ = writeln!(t, "[[step]]\nrun = \"{}us\"", f.end_us - now);
    }
    let caption = format!(
        "By t={}, {} breaks.",
        crate::trace::VirtualTime(f.end_us.max(now)),
        f.property
    );
    let _ = writeln!(t, "[[step]]\nsay = \"{}\"", toml_escape(&caption));
    let _ = writeln!(t, "[[step]]\nexpect = {{ violation = \"{}\" }}", f.property);
    t
}

/// `s` inside a TOML basic string.
fn toml_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The scenario file for the shrunk schedule, expecting every property its replay breaks.
pub fn final_text<N: RaftNode>(f: &Failure, s: &Shrunk) -> String {
    let mut text = scenario_text(f, &s.steps, s.shape, s.seed);
    if let Ok(scenario) = parse_scenario("shrink", &text) {
        let report = run_scenario_on::<N>(&scenario, false);
        text.push_str(&crate::scenario::write::expect_violations(
            &report.unexpected,
        ));
    }
    text
}

/// Whether the scenario for `steps` breaks `f.property`.
pub fn reproduces<N: RaftNode>(
    f: &Failure,
    steps: &[(u64, Step)],
    shape: Shape,
    seed: u64,
) -> bool {
    let text = scenario_text(f, steps, shape, seed);
    let Ok(s) = parse_scenario("shrink", &text) else {
        return false;
    };
    run_scenario_on::<N>(&s, false).failures.is_empty()
}

/// Shrinks under the failing run's own seed: tries to do without the clients, the random loss
/// and the latency spread (each kept only if the violation needs it), tries each step alone
/// and each pair, then delta debugging, then a fault together with the step that undoes it;
/// repeated while something goes. At most [`MAX_ATTEMPTS`] scenario runs.
pub fn shrink_plain<N: RaftNode>(f: &Failure) -> Shrunk {
    let reproduced = reproduces::<N>(f, &f.steps, Shape::full(f), f.seed);
    let mut s = Shrunk {
        steps: f.steps.clone(),
        shape: Shape::full(f),
        seed: f.seed,
        reseed: false,
        original_steps: f.steps.len(),
        attempts: 1,
        limit: MAX_ATTEMPTS,
        reproduced,
    };
    if !reproduced {
        return s;
    }
    passes::<N>(f, &mut s);
    s
}

/// Shrinks `f` and then, if that leaves between 2 and [`MAX_RESEEDED_STEPS`] steps, goes on
/// with [`reseeded`].
pub fn shrink<N: RaftNode>(f: &Failure) -> Shrunk {
    reseeded::<N>(f, shrink_plain::<N>(f))
}

/// Shrinks further a schedule [`shrink_plain`] left, now also trying each smaller candidate
/// under [`RESEEDS`] other seeds. Removing one fault moves every later election timeout and
/// message latency, so a smaller schedule often breaks the property only under another draw of
/// the same randomness: a partial partition that makes two nodes take turns leading breaks
/// Figure 8's rule under some seeds and not others. The written scenario carries whichever
/// seed broke it, and says so. Each candidate costs up to 17 runs, so this runs last, on the
/// schedule that is already small.
pub fn reseeded<N: RaftNode>(f: &Failure, mut s: Shrunk) -> Shrunk {
    if !s.reproduced || s.steps.len() <= 1 || s.steps.len() > MAX_RESEEDED_STEPS {
        return s;
    }
    s.reseed = true;
    s.limit = s.attempts + MAX_RESEEDED_ATTEMPTS;
    passes::<N>(f, &mut s);
    s.reseed = false;
    s
}

/// The passes of shrinking, repeated while they remove something.
fn passes<N: RaftNode>(f: &Failure, s: &mut Shrunk) {
    loop {
        let before = (s.steps.len(), s.shape);
        simplify::<N>(f, s);
        smallest_subset::<N>(f, s);
        ddmin::<N>(f, s);
        remove_pairs::<N>(f, s);
        if (s.steps.len(), s.shape) == before || s.attempts >= s.limit {
            break;
        }
    }
}

/// How many other seeds [`reseeded`] tries a smaller schedule under when it does not break the
/// property under the current one.
pub const RESEEDS: u64 = 16;

/// The seeds [`reseeded`] tries besides the run's own: small numbers drawn from it.
fn other_seeds(f: &Failure) -> impl Iterator<Item = u64> {
    let seed = f.seed;
    (1..=RESEEDS).map(move |k| crate::rng::mix64(seed ^ (k << 32)) % 1_000_000)
}

/// Whether `steps` in `shape` break the property under the current seed, or (when reseeding)
/// under one of [`RESEEDS`] others, which then becomes the seed. Counts the runs.
fn attempt<N: RaftNode>(f: &Failure, s: &mut Shrunk, steps: &[(u64, Step)], shape: Shape) -> bool {
    let others = other_seeds(f).take(if s.reseed { RESEEDS as usize } else { 0 });
    for seed in std::iter::once(s.seed).chain(others) {
        if s.attempts >= s.limit {
            return false;
        }
        s.attempts += 1;
        if reproduces::<N>(f, steps, shape, seed) {
            s.seed = seed;
            return true;
        }
    }
    false
}

/// Fewer clients, no random loss, no latency spread: each kept only if the violation needs it.
fn simplify<N: RaftNode>(f: &Failure, s: &mut Shrunk) {
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
        if candidate != s.shape && attempt::<N>(f, s, &s.steps.clone(), candidate) {
            s.shape = candidate;
        }
    }
}

/// Most steps to try every pair of: 30 steps make 435 pairs, about as many runs as one pass
/// of [`ddmin`] over a long schedule.
const MAX_PAIRS_OF: usize = 30;

/// Tries each step alone, then each pair of steps (of distinct steps, in long schedules),
/// keeping the first that still breaks the property; steps at one instant count as one. ddmin
/// only ever removes steps, so it reaches a schedule of one or two steps only if every schedule
/// on the way there fails too; often two faults do the whole work (a partition, then a partial
/// partition that makes two nodes take turns leading) while the others, removed one by one,
/// tip the run elsewhere.
fn smallest_subset<N: RaftNode>(f: &Failure, s: &mut Shrunk) {
    // Steps at one instant act together (a crash and its restart: a bounce), so they are
    // tried together.
    let mut units: Vec<Vec<usize>> = Vec::new();
    for (i, (at, _)) in s.steps.iter().enumerate() {
        match units.last_mut() {
            Some(u) if s.steps[u[0]].0 == *at => u.push(i),
            _ => units.push(vec![i]),
        }
    }
    let n = units.len();
    if n <= 1 {
        return;
    }
    let singles = (0..n).map(|i| vec![i]);
    // Pairs of all units, or of each distinct unit's first occurrence when there are too many.
    let content = |u: &Vec<usize>| u.iter().map(|&i| &s.steps[i].1).collect::<Vec<_>>();
    let mut firsts: Vec<usize> = (0..n).collect();
    if n > MAX_PAIRS_OF {
        firsts.retain(|&i| !units[..i].iter().any(|u| content(u) == content(&units[i])));
    }
    let m = if firsts.len() <= MAX_PAIRS_OF {
        firsts.len()
    } else {
        0
    };
    let firsts = &firsts;
    let pairs = (0..m).flat_map(|i| (i + 1..m).map(move |j| vec![firsts[i], firsts[j]]));
    let picks: Vec<Vec<usize>> = singles.chain(pairs).collect();
    for pick in picks {
        let candidate: Vec<_> = pick
            .iter()
            .flat_map(|&u| &units[u])
            .map(|&i| s.steps[i].clone())
            .collect();
        if s.attempts >= s.limit {
            return;
        }
        if candidate.len() < s.steps.len() && attempt::<N>(f, s, &candidate, s.shape) {
            s.steps = candidate;
            return;
        }
    }
}

/// Zeller's ddmin, complement-only: removes chunks of steps, halving the chunk size when none
/// can go.
fn ddmin<N: RaftNode>(f: &Failure, s: &mut Shrunk) {
    let mut chunk = s.steps.len().div_ceil(2).max(1);
    while !s.steps.is_empty() && s.attempts < s.limit {
        let mut i = 0;
        let mut removed = false;
        while i < s.steps.len() && s.attempts < s.limit {
            let end = (i + chunk).min(s.steps.len());
            let candidate: Vec<_> = s.steps[..i]
                .iter()
                .chain(&s.steps[end..])
                .cloned()
                .collect();
            if attempt::<N>(f, s, &candidate, s.shape) {
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
/// a pause and its resume, a cut of the network and the next heal, a hold and its release), which ddmin's contiguous
/// chunks miss when other steps stand between them.
fn remove_pairs<N: RaftNode>(f: &Failure, s: &mut Shrunk) {
    let mut i = 0;
    while i < s.steps.len() && s.attempts < s.limit {
        let undo = |later: &Step| match (&s.steps[i].1, later) {
            (Step::Crash(a), Step::Restart(b)) | (Step::Pause(a), Step::Resume(b)) => a == b,
            (Step::Partition(_) | Step::Cut { .. } | Step::Links(_), Step::Heal) => true,
            (
                Step::Hold { from, to, kind },
                Step::Release {
                    from: f,
                    to: t,
                    kind: k,
                    count: None,
                    ..
                },
            ) => (from, to, kind) == (f, t, k),
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
        if attempt::<N>(f, s, &candidate, s.shape) {
            s.steps = candidate;
        } else {
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raft::BugKnob;
    use raft::Node;

    fn with(knob: BugKnob) -> RunConfig {
        RunConfig {
            bugs: crate::knob::Bugs::none().with(knob),
            ..RunConfig::default()
        }
    }

    fn first_failure(config: &RunConfig) -> Failure {
        (0..2000)
            .find_map(|seed| record::<Node>(seed, config))
            .expect("the knob is found within 2,000 seeds")
    }

    /// The result keeps only recorded steps, in their order, still breaks the property under
    /// the seed it names, and is 1-minimal there: without any one of its steps it no longer
    /// does.
    fn assert_shrunk_and_minimal(f: &Failure, s: &Shrunk) {
        assert!(s.reproduced, "the recorded schedule replays as a scenario");
        assert!(s.steps.len() < s.original_steps, "{s:?}");
        let mut rest = f.steps.iter();
        for step in &s.steps {
            assert!(
                rest.any(|r| r == step),
                "{step:?} is a recorded step, in order"
            );
        }
        assert!(reproduces::<Node>(f, &s.steps, s.shape, s.seed));
        for i in 0..s.steps.len() {
            let mut fewer = s.steps.clone();
            fewer.remove(i);
            assert!(
                !reproduces::<Node>(f, &fewer, s.shape, s.seed),
                "step {i} ({:?}) is not needed",
                s.steps[i].1
            );
        }
    }

    #[test]
    fn a_failing_run_shrinks_to_steps_it_needs_each_one() {
        let f = first_failure(&with(BugKnob::VolatileVote));
        let s = shrink::<Node>(&f);
        assert_shrunk_and_minimal(&f, &s);
    }

    #[test]
    fn a_schedule_without_the_failing_steps_does_not_reproduce() {
        let f = first_failure(&with(BugKnob::CommitIndexWithoutMin));
        assert!(reproduces::<Node>(&f, &f.steps, Shape::full(&f), f.seed));
        let calm = Shape {
            clients: 0,
            lossy: false,
            spread: false,
        };
        assert!(
            !reproduces::<Node>(&f, &[], calm, f.seed),
            "no faults, no clients"
        );
    }
}
