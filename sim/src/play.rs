//! Runs a scenario: its steps in order on one deterministic world, its expectations checked,
//! and (with `explain`) a narration a learner can follow: what each step did, the logs drawn
//! like the paper's figures, who leads, and at a violation the rule that broke and why it exists.

use crate::checker::Property;
use crate::network::LinkRule;
use crate::node::RaftNode;
use crate::picture::Frames;
use crate::report::{leadership, log_table};
use crate::scenario::{Changes, Condition, Expectation, Scenario, Step, StepAt};
use crate::trace::{Trace, TraceEvent, TraceLine};
use crate::world::World;
use raft::{Node, NodeId, RoleKind};
use std::fmt::Write;

/// One expectation that did not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub line: usize,
    pub message: String,
}

/// The result of running a scenario.
pub struct ScenarioReport<N: RaftNode = Node> {
    pub failures: Vec<Failure>,
    /// Violations found that no `expect = { violation = ... }` step asked for.
    pub unexpected: Vec<String>,
    pub expectations_checked: usize,
    /// The narration (only with `explain`).
    pub narration: String,
    /// The client history of the last branch run.
    pub history: Vec<crate::lin::Operation>,
    /// The world at the end of the last branch (whole trace, frames): for pictures.
    pub world: World<N>,
    /// The worlds of the branches before it (each `rewind` ends one), in order: for diagrams.
    pub past: Vec<World<N>>,
    /// A cap (`[sim] max_time_us` or `max_events`) stopped the run at this step: what followed
    /// it ran on a world that no longer moves. Said in words, with the step's line.
    pub stopped: Option<String>,
    /// A step the file asks for that cannot be carried out (a disk fault on a running node,
    /// on a record the disk does not hold): the file is wrong, not the run. Said with its line.
    pub invalid: Option<String>,
}

impl<N: RaftNode> ScenarioReport<N> {
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.unexpected.is_empty() && self.invalid.is_none()
    }
}

struct Runner<'a, N: RaftNode> {
    scenario: &'a Scenario,
    world: World<N>,
    explain: bool,
    out: String,
    /// Trace lines already narrated.
    shown: usize,
    /// Violations already explained.
    explained: usize,
    failures: Vec<Failure>,
    checked: usize,
    /// Properties some step expected, in the current branch.
    expected: Vec<Property>,
    stopped: Option<String>,
    invalid: Option<String>,
    /// For each label, the branch (0 before the first rewind) its step last ran in.
    labels: Vec<(String, usize)>,
    /// The step being run comes just before a `rewind`: a `say` there captions the new branch.
    before_rewind: bool,
    /// The worlds of the branches ended by a rewind (kept only for pictures).
    past: Vec<World<N>>,
    /// Record the frames and keep every branch's world, for pictures.
    pictures: bool,
}

/// Builds the scenario's world from the start, with a rewind's changes (and, for pictures, a
/// recorder of its frames).
fn build<N: RaftNode>(s: &Scenario, changes: &Changes, pictures: bool) -> World<N> {
    let (mut raft, mut sim) = (s.raft.clone(), s.sim.clone());
    changes.apply(&mut raft, &mut sim);
    let mut world = World::new(s.seed, sim, raft, Trace::new(true, 0));
    if pictures {
        world.observe(Frames::scripted(&s.description, &s.header));
    }
    for (id, disk) in &s.initial {
        world.install(*id, disk.clone());
    }
    if let Some(w) = &s.workload {
        world.start_clients(w.clone());
    }
    frames(&mut world, |f, w| f.snap(w));
    world
}

/// Tells the world's picture recorder something, if it has one.
fn frames<N: RaftNode>(world: &mut World<N>, f: impl FnOnce(&mut Frames, &World<N>)) {
    if let Some(mut recorder) = world.detach::<Frames>() {
        f(&mut recorder, world);
        world.observe(recorder);
    }
}

/// Runs a scenario on raftsim's node.
pub fn run_scenario(s: &Scenario, explain: bool) -> ScenarioReport {
    run_scenario_on::<Node>(s, explain)
}

/// Runs a scenario on implementation `N` (no pictures: what shrinking and tests run).
pub fn run_scenario_on<N: RaftNode>(s: &Scenario, explain: bool) -> ScenarioReport<N> {
    play(s, explain, false)
}

/// Runs a scenario on implementation `N`, recording what the pictures need: the frames of
/// every branch (`picture::Story::of(&report.world, …)`) and the worlds of branches a rewind
/// ended (`report.past`).
pub fn run_scenario_pictured<N: RaftNode>(s: &Scenario, explain: bool) -> ScenarioReport<N> {
    play(s, explain, true)
}

fn play<N: RaftNode>(s: &Scenario, explain: bool, pictures: bool) -> ScenarioReport<N> {
    let mut r = Runner {
        scenario: s,
        world: build(s, &Changes::default(), pictures),
        explain,
        out: String::new(),
        shown: 0,
        explained: 0,
        failures: Vec::new(),
        checked: 0,
        expected: Vec::new(),
        stopped: None,
        invalid: None,
        labels: Vec::new(),
        before_rewind: false,
        past: Vec::new(),
        pictures,
    };
    r.intro();
    let mut unexpected = Vec::new();
    for (i, step) in s.steps.iter().enumerate() {
        if let Step::Rewind { label, changes } = &step.step {
            unexpected.extend(r.unexpected());
            r.rewind(i, label, changes);
            continue;
        }
        r.before_rewind = matches!(
            s.steps.get(i + 1).map(|n| &n.step),
            Some(Step::Rewind { .. })
        );
        r.step(step, true);
        r.before_rewind = false;
        r.note_cap(step.line);
    }
    unexpected.extend(r.unexpected());
    if r.explain {
        let _ = writeln!(
            r.out,
            "\n{} expectation(s) checked, {} failed.",
            r.checked,
            r.failures.len()
        );
    }
    ScenarioReport {
        failures: r.failures,
        unexpected,
        expectations_checked: r.checked,
        history: r.world.clients.history.ops().to_vec(),
        narration: r.out,
        world: r.world,
        past: r.past,
        stopped: r.stopped,
        invalid: r.invalid,
    }
}

impl<N: RaftNode> Runner<'_, N> {
    /// The first time the world is out of its bounds, says which and where.
    fn note_cap(&mut self, line: usize) {
        if self.stopped.is_some() || !self.world.exhausted() {
            return;
        }
        let c = &self.world.config;
        let cap = if self.world.stats.events >= c.max_events {
            format!("{} events ([sim] max_events)", c.max_events)
        } else {
            format!(
                "{} of virtual time ([sim] max_time_us)",
                crate::trace::VirtualTime(c.max_time_us)
            )
        };
        let msg = format!(
            "line {line}: the run reached its cap of {cap}; the steps after it acted on a stopped world (raise the cap in [sim] or shorten the runs)"
        );
        if self.explain {
            let _ = writeln!(self.out, "  !! stopped: {msg}");
        }
        self.stopped = Some(msg);
    }

    fn intro(&mut self) {
        if !self.explain {
            return;
        }
        let s = self.scenario;
        let _ = writeln!(self.out, "=== {} — {}", s.name, s.description);
        for line in s.header.lines() {
            let _ = writeln!(self.out, "  {line}");
        }
        let bugs: Vec<&str> = (s.raft.bugs.iter().map(|k| k.name()))
            .chain(s.sim.bugs.iter().map(|k| k.name()))
            .collect();
        let _ = writeln!(
            self.out,
            "\n{} servers, seed {}, bug knobs: {}",
            s.sim.nodes,
            s.seed,
            if bugs.is_empty() {
                "none (correct Raft)".to_string()
            } else {
                bugs.join(", ")
            }
        );
        if !s.initial.is_empty() {
            self.table();
        }
    }

    /// Violations found in the current branch that no step expected.
    fn unexpected(&self) -> Vec<String> {
        self.world
            .violations()
            .iter()
            .filter(|v| !self.expected.contains(&v.property))
            .map(|v| format!("{}: {}", v.property, v.detail))
            .collect()
    }

    /// Rebuilds the world and replays every step up to the one labelled `label`, silently.
    fn rewind(&mut self, at: usize, label: &str, changes: &Changes) {
        let steps = &self.scenario.steps[..at];
        let Some(end) = steps
            .iter()
            .position(|st| st.label.as_deref() == Some(label))
        else {
            let line = self.scenario.steps[at].line;
            self.fail(
                line,
                format!("rewind: no earlier step is labelled \"{label}\""),
            );
            return;
        };
        if self.explain {
            let _ = writeln!(
                self.out,
                "\n--- rewind to \"{label}\"{}: the same seed replays the same steps exactly",
                changes.describe()
            );
        }
        let mut old = std::mem::replace(
            &mut self.world,
            build(self.scenario, changes, self.pictures),
        );
        let parent = (self.labels.iter().rev())
            .find(|(l, _)| l == label)
            .map_or(0, |(_, b)| *b);
        let caption = match at.checked_sub(1).map(|i| &self.scenario.steps[i].step) {
            Some(Step::Say(text)) => Some(text.clone()),
            _ => old.observer::<Frames>().map(|f| f.current_caption()),
        };
        if let (Some(recorder), Some(next)) =
            (old.detach::<Frames>(), self.world.observer_mut::<Frames>())
        {
            recorder.fork(&old, next, parent);
        }
        if self.pictures {
            self.past.push(old);
        }
        self.expected.clear();
        let explain = std::mem::replace(&mut self.explain, false);
        for st in &steps[..=end] {
            if !matches!(st.step, Step::Expect(_) | Step::Rewind { .. }) {
                self.step(st, false);
            }
        }
        self.explain = explain;
        // The new branch opens with the caption said before the rewind ("(e) Back to …").
        frames(&mut self.world, |f, w| {
            f.replayed();
            f.say(w, &caption.unwrap_or_default());
        });
        self.shown = self.world.trace.lines().count();
        self.explained = self.world.violations().len();
        if self.explain {
            self.table();
        }
    }

    fn fail(&mut self, line: usize, message: String) {
        if self.explain {
            let _ = writeln!(self.out, "  ✗ line {line}: {message}");
        }
        self.failures.push(Failure { line, message });
    }

    fn step(&mut self, st: &StepAt, check: bool) {
        let mut draw = true;
        match &st.step {
            Step::Expect(e) => {
                draw = false;
                if check {
                    self.expect(st.line, e);
                }
            }
            Step::Say(text) => {
                draw = false;
                if self.explain {
                    let _ = writeln!(self.out, "\n» {text}");
                }
                if !self.before_rewind {
                    frames(&mut self.world, |f, w| f.say(w, text));
                }
            }
            Step::Rewind { .. } => unreachable!("handled by run_scenario"),
            step => {
                let what = format!("line {}: {}", st.line, step);
                frames(&mut self.world, |f, _| f.begin_step(what));
                // A panic in a step is reported as a violation and freezes the world there.
                let mut missed = None;
                if matches!(step, Step::Change(_) | Step::Transfer(_)) && !N::CHANGES_MEMBERSHIP {
                    let e = format!(
                        "{} does not change its configuration or transfer its leadership: `{step}` cannot run on it",
                        N::NAME
                    );
                    if check {
                        if self.explain {
                            let _ = writeln!(self.out, "  ✗ line {}: {e}", st.line);
                        }
                        self.invalid.get_or_insert(format!("line {}: {e}", st.line));
                    }
                } else if let Step::Disk { node, fault } = step {
                    let mut done = Ok(());
                    self.world.guarded(|w| done = w.disk_fault(*node, *fault));
                    if let (Err(e), true) = (done, check) {
                        if self.explain {
                            let _ = writeln!(self.out, "  ✗ line {}: {e}", st.line);
                        }
                        self.invalid.get_or_insert(format!("line {}: {e}", st.line));
                    }
                } else {
                    self.world.guarded(|w| missed = act(w, step));
                }
                if let (Some(msg), true) = (missed, check) {
                    self.fail(st.line, msg);
                }
                frames(&mut self.world, |f, w| f.snap(w));
            }
        }
        if let (Some(label), true) = (&st.label, check) {
            let branch = (self.world.observer::<Frames>()).map_or(0, |f| f.branches_so_far());
            self.labels.push((label.clone(), branch));
        }
        if self.explain && draw {
            self.narrate(st);
        }
    }

    fn narrate(&mut self, st: &StepAt) {
        let _ = writeln!(self.out, "\n[line {}] {}", st.line, st.step);
        if let Some(note) = &st.note {
            let _ = writeln!(self.out, "  ({note})");
        }
        let lines: Vec<TraceLine<N::Message>> =
            self.world.trace.lines().skip(self.shown).cloned().collect();
        self.shown += lines.len();
        let shown: Vec<&TraceLine<N::Message>> =
            lines.iter().filter(|l| worth_showing(&l.event)).collect();
        // A long run is summarised: its first and last events, and how many between.
        let (head, tail) = (30, 10);
        for (i, line) in shown.iter().enumerate() {
            if shown.len() > head + tail && i == head {
                let skipped = shown.len() - head - tail;
                let _ = writeln!(self.out, "  ... {skipped} more events ...");
            }
            if shown.len() <= head + tail || i < head || i >= shown.len() - tail {
                let _ = writeln!(self.out, "  {line}");
            }
        }
        if st.step.changes_state() {
            self.table();
        }
        self.explain_violations();
    }

    fn table(&mut self) {
        let _ = writeln!(
            self.out,
            "  {}; logs (term per index, * = committed):",
            leadership(&self.world)
        );
        for row in log_table(&self.world).lines() {
            let _ = writeln!(self.out, "    {row}");
        }
    }

    fn explain_violations(&mut self) {
        let new: Vec<_> = self.world.violations()[self.explained..].to_vec();
        self.explained += new.len();
        for v in new {
            let _ = writeln!(self.out, "  !! VIOLATION of {}: {}", v.property, v.detail);
            let _ = writeln!(self.out, "     the rule: {}", v.property.rule());
            let _ = writeln!(self.out, "     why it exists: {}", v.property.why());
        }
    }

    fn expect(&mut self, line: usize, e: &Expectation) {
        if e.on.as_deref().is_some_and(|name| name != N::NAME) {
            return; // another implementation's expectation
        }
        self.world.guarded(|w| w.check_linearizability());
        if self.explain {
            // The history check runs here, not in a step: say what it found before the ✓
            // that expects it, not under whichever step comes next.
            self.explain_violations();
        }
        let results = check_expectation(&self.world, e);
        if let Some(p) = e.violation {
            self.expected.push(p);
        }
        for (what, outcome) in results {
            self.checked += 1;
            match outcome {
                Ok(()) => {
                    if self.explain {
                        let _ = writeln!(self.out, "  ✓ {what}");
                    }
                }
                Err(msg) => self.fail(line, format!("expected {what}, but {msg}")),
            }
        }
    }
}

/// Carries out one step that acts on the world; for a `run-until` whose condition was not
/// reached in time, says so.
fn act<N: RaftNode>(w: &mut World<N>, step: &Step) -> Option<String> {
    match step {
        Step::Timeout(n) => w.timeout(*n),
        Step::RunUntil { cond, within_us } => {
            let deadline = w.now_us() + within_us;
            if !w.run_while(deadline, |w| holds(w, cond)) {
                return Some(format!(
                    "run-until: {} not reached within {}ms",
                    describe(cond),
                    within_us / 1000
                ));
            }
        }
        Step::Write { node, value } => {
            w.scripted_write(*node, *value);
        }
        Step::Kv { node, op } => w.client_op(*node, *op),
        Step::Clock { node, drift_ppm } => w.set_drift(*node, *drift_ppm),
        Step::Pause(n) => w.pause(*n),
        Step::Resume(n) => w.resume(*n),
        Step::Calm => w.calm(),
        Step::Retry(n) => w.client_retry(*n),
        Step::Disk { .. } => unreachable!("carried out by Runner::step"),
        Step::Change(change) => return unanswered(step, w.change_membership(*change)),
        Step::Transfer(to) => return unanswered(step, w.transfer_leadership(*to)),
        Step::Partition(groups) => w.partition(groups),
        Step::Cut { from, to } => w.cut(*from, *to),
        Step::Links(links) => w.keep_links(links),
        Step::Heal => w.heal(),
        Step::Crash(n) => w.crash(*n),
        Step::Restart(n) => w.restart(*n),
        Step::Hold { from, to, kind } => w.add_link_rule(*from, *to, LinkRule::Hold(*kind)),
        Step::Drop { from, to, kind } => w.add_link_rule(*from, *to, LinkRule::Drop(*kind)),
        Step::Release {
            from,
            to,
            kind,
            count,
            newest,
            twice,
        } => w.release_some(*from, *to, *kind, *count, *newest, *twice),
        Step::Tick { node, count } => {
            for _ in 0..*count {
                w.tick_node(*node);
            }
        }
        Step::Run { duration_us } => {
            let until = w.now_us() + duration_us;
            w.run_until(until);
        }
        Step::Expect(_) | Step::Say(_) | Step::Rewind { .. } => {}
    }
    None
}

/// Ticks, disk completions and client chatter are left out of narration; the trace has them.
fn worth_showing<M>(event: &TraceEvent<M>) -> bool {
    !matches!(event, TraceEvent::Tick { .. } | TraceEvent::Durable { .. })
}

fn holds<N: RaftNode>(w: &World<N>, cond: &Condition) -> bool {
    match cond {
        Condition::Leader(n) => w
            .node(*n)
            .is_some_and(|x| x.role_kind() == RoleKind::Leader),
        Condition::AnyLeader => w.leader().is_some(),
        Condition::Committed { node, index } => {
            w.node(*node).is_some_and(|x| x.commit_index().0 >= *index)
        }
    }
}

fn describe(cond: &Condition) -> String {
    match cond {
        Condition::Leader(n) => format!("{n} leading"),
        Condition::AnyLeader => "a leader".into(),
        Condition::Committed { node, index } => format!("{node} committing index {index}"),
    }
}

/// Each part of an expectation, described, with whether it holds.
pub fn check_expectation<N: RaftNode>(
    w: &World<N>,
    e: &Expectation,
) -> Vec<(String, Result<(), String>)> {
    let mut out = Vec::new();
    if let Some((leader, term)) = e.leader {
        let what = match term {
            Some(t) => format!("{leader} to lead term {t}"),
            None => format!("{leader} to lead"),
        };
        let got = match w.node(leader) {
            None => Err(format!("{leader} is crashed")),
            Some(n) if n.role_kind() != RoleKind::Leader => Err(format!(
                "{leader} is a {} in term {} ({})",
                n.role_kind(),
                n.current_term(),
                leadership(w)
            )),
            Some(n) if term.is_some_and(|t| t != n.current_term().0) => {
                Err(format!("it leads term {}", n.current_term()))
            }
            Some(_) => Ok(()),
        };
        out.push((what, got));
    }
    if let Some(node) = e.node {
        if let Some(want) = &e.log {
            let have = logged_terms(w, node);
            let got = if &have == want {
                Ok(())
            } else {
                Err(format!("it is {have:?}"))
            };
            out.push((format!("{node}'s log to be {want:?}"), got));
        }
        if let Some(want) = e.commit {
            let have = w.node(node).map(|n| n.commit_index().0);
            let got = match have {
                Some(c) if c == want => Ok(()),
                Some(c) => Err(format!("it is {c}")),
                None => Err(format!("{node} is crashed")),
            };
            out.push((format!("{node}'s commitIndex to be {want}"), got));
        }
        out.extend(crate::votes::check_votes(w, node, e));
        out.extend(check_status(w, node, e));
    }
    if let Some(p) = e.violation {
        let found = w.violations().iter().find(|v| v.property == p);
        let got = match found {
            Some(_) => Ok(()),
            None => Err(format!("none was found ({})", found_list(w))),
        };
        out.push((format!("a violation of {p}"), got));
    }
    if e.no_violation {
        let got = if w.violations().is_empty() {
            Ok(())
        } else {
            Err(found_list(w))
        };
        out.push(("no violation".into(), got));
    }
    if let Some((key, want)) = e.last_get {
        let got = w
            .clients
            .history
            .ops()
            .iter()
            .rev()
            .find_map(|o| match (o.op, o.output()) {
                (crate::lin::KvOp::Get { key: k }, Some(crate::lin::KvOutput::Value(v)))
                    if k == key =>
                {
                    Some(v)
                }
                _ => None,
            });
        let show = |v: Option<u64>| v.map_or("none".to_string(), |x| x.to_string());
        let outcome = match got {
            Some(v) if v == want => Ok(()),
            Some(v) => Err(format!("it returned {}", show(v))),
            None => Err("no get of that key was answered".into()),
        };
        out.push((
            format!("the last get of k{key} to return {}", show(want)),
            outcome,
        ));
    }
    if let Some(want) = e.pending_ops {
        let have = w
            .clients
            .history
            .ops()
            .iter()
            .filter(|o| o.output().is_none())
            .count();
        let got = if have == want {
            Ok(())
        } else {
            Err(format!("{have} are"))
        };
        out.push((format!("{want} client operation(s) unanswered"), got));
    }
    let changes = w.stats.leader_changes;
    if let Some(n) = e.leader_changes_at_least {
        let got = if changes >= n {
            Ok(())
        } else {
            Err(format!("there were {changes}"))
        };
        out.push((format!("at least {n} leader elections"), got));
    }
    if let Some(n) = e.leader_changes_at_most {
        let got = if changes <= n {
            Ok(())
        } else {
            Err(format!("there were {changes}"))
        };
        out.push((format!("at most {n} leader elections"), got));
    }
    if e.no_leader {
        let got = match w.leader() {
            None => Ok(()),
            Some(_) => Err(leadership(w)),
        };
        out.push(("no leader".into(), got));
    }
    out
}

/// Whether the node runs (`alive`) and whether it is repairing a damaged log (`repairing`).
fn check_status<N: RaftNode>(
    w: &World<N>,
    node: NodeId,
    e: &Expectation,
) -> Vec<(String, Result<(), String>)> {
    let mut out = Vec::new();
    let running = w.node(node);
    if let Some(want) = e.alive {
        let got = match (want, running.is_some()) {
            (true, false) => Err(format!("{node} is down")),
            (false, true) => Err(format!("{node} is running")),
            _ => Ok(()),
        };
        let what = if want { "running" } else { "down" };
        out.push((format!("{node} to be {what}"), got));
    }
    if let Some(want) = e.repairing {
        let got = match running.map(|n| n.repairing()) {
            None => Err(format!("{node} is down")),
            Some(r) if r != want => Err(format!(
                "it {}",
                if r {
                    "is repairing"
                } else {
                    "is not repairing"
                }
            )),
            Some(_) => Ok(()),
        };
        let what = if want {
            "to be repairing its damaged log"
        } else {
            "not to be repairing (its log whole, or repaired by a leader)"
        };
        out.push((format!("{node} {what}"), got));
    }
    let configured = [
        ("voters", &e.voters),
        ("learners", &e.learners),
        ("joint-with", &e.joint_with),
    ];
    if configured.iter().any(|(_, want)| want.is_some()) {
        let m = w.membership_of(node);
        for (key, want) in configured {
            let Some(want) = want else { continue };
            let want: raft::NodeSet = want.iter().copied().collect();
            let got = match m {
                None => Err(format!(
                    "{} does not say what its configuration is",
                    N::NAME
                )),
                Some(m) => {
                    let have = match key {
                        "voters" => m.voters,
                        "learners" => m.learners,
                        _ => m.outgoing,
                    };
                    if have == want {
                        Ok(())
                    } else {
                        Err(format!("its configuration is {m}"))
                    }
                }
            };
            let what = match key {
                "voters" => format!("{node}'s configuration to have the voters {want}"),
                "learners" => format!("{node}'s configuration to have the learners {want}"),
                _ if want.is_empty() => format!("{node}'s configuration not to be joint"),
                _ => format!("{node}'s configuration to be joint with {want}"),
            };
            out.push((what, got));
        }
    }
    if let Some((index, term)) = e.snapshot {
        let (i, t) = match running {
            Some(n) => n.log().last_included(),
            None => w.hosts[node.0 as usize - 1].disk.last_included(),
        };
        let name = |i: u64, t: u64| {
            if i == 0 {
                "no snapshot".to_string()
            } else {
                format!("a snapshot up to {i}:{t}")
            }
        };
        let got = if (i.0, t.0) == (index, term) {
            Ok(())
        } else {
            Err(format!("its log starts after {}", name(i.0, t.0)))
        };
        out.push((
            format!("{node}'s log to start after {}", name(index, term)),
            got,
        ));
    }
    out
}

/// What a scenario reports of a change or transfer nobody could take.
fn unanswered(step: &Step, asked: crate::membership::Asked) -> Option<String> {
    use crate::membership::Asked;
    match asked {
        Asked::NoLeader => Some(format!("{step}: no node leads, so no one can be asked")),
        Asked::Paused { leader } => Some(format!("{step}: the leader, {leader}, is paused")),
        _ => None,
    }
}

/// A node's log as terms by index (its disk's, if it is crashed).
fn logged_terms<N: RaftNode>(w: &World<N>, node: NodeId) -> Vec<u64> {
    match w.node(node) {
        Some(n) => n.log().terms(),
        None => w.hosts[node.0 as usize - 1]
            .disk
            .log
            .iter()
            .map(|e| e.term.0)
            .collect(),
    }
}

fn found_list<N: RaftNode>(w: &World<N>) -> String {
    let v: Vec<String> = w
        .violations()
        .iter()
        .map(|v| format!("{}: {}", v.property, v.detail))
        .collect();
    if v.is_empty() {
        "no violation was found".into()
    } else {
        format!("found: {}", v.join("; "))
    }
}
