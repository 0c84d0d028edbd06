//! The CLI's commands. Each returns the process exit code: 0 success, 1 violation, 2 bad input,
//! 3 stopped by a cap before the run (or a seed of the campaign) finished.

mod fuzz;
mod scenarios;
mod tour;

use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::ProgressBar;
use sim::knob::{Bugs, Knob};
use sim::node::RaftRs;
use std::num::{IntErrorKind, ParseIntError};
use std::ops::Range;

#[derive(Parser, Debug)]
#[command(
    name = "raftsim",
    version,
    about = "Deterministic simulation testing for Raft: one seed, a hostile network, every safety property checked after every event."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run random fault schedules over a range of seeds; stop at the first violation.
    Fuzz(FuzzArgs),
    /// Rerun exactly one seed, bit for bit.
    Replay(ReplayArgs),
    /// List the bug knobs: each switches off one safety rule.
    Bugs,
    /// Walk through the shipped scenarios with narration (the main command): a glossary
    /// first, a summary of what held and what broke last.
    Tour(TourArgs),
    /// Run a scenario file (or a shipped scenario by name) and check its expectations.
    Run(RunArgs),
    /// List the shipped scenarios.
    Scenarios,
    /// Measure the simulator: events/s and seeds/s of full Raft, deliveries/s of the core.
    Bench(BenchArgs),
}

/// The Raft implementation a command runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum NodeImpl {
    /// raftsim's own node (raft/), with its bug knobs.
    #[default]
    Raftsim,
    /// tikv's raft-rs (crate `raft` 0.7), hosted unchanged.
    #[value(name = "raft-rs")]
    RaftRs,
}

impl NodeImpl {
    pub fn name(self) -> &'static str {
        match self {
            NodeImpl::Raftsim => "raftsim",
            NodeImpl::RaftRs => "raft-rs",
        }
    }
}

#[derive(Args, Debug)]
pub struct TourArgs {
    /// Play only these stories: shipped scenario names (see `raftsim scenarios`) or scenario
    /// files. By default, every shipped one.
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// The Raft implementation: raftsim's own node, or tikv's raft-rs (scenarios that need a
    /// bug knob are skipped on it).
    #[arg(long, value_enum, default_value_t = NodeImpl::Raftsim)]
    pub node: NodeImpl,
    /// Also write every scenario's pictures (SVG, HTML) and an index page into DIR.
    #[arg(long, value_name = "DIR")]
    pub out: Option<std::path::PathBuf>,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// A scenario file, e.g. scenarios/figure8.toml, or a shipped scenario's name.
    pub file: String,
    /// The Raft implementation to run it on.
    #[arg(long, value_enum, default_value_t = NodeImpl::Raftsim)]
    pub node: NodeImpl,
    /// Narrate every step: what happened, the logs, who leads, and why a broken rule matters.
    #[arg(long)]
    pub explain: bool,
    /// Write the client history (Jepsen EDN if FILE ends in .edn, Porcupine JSON otherwise).
    #[arg(long, value_name = "FILE")]
    pub history: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub pictures: PictureArgs,
}

/// Pictures of a run.
#[derive(Args, Debug, Default)]
pub struct PictureArgs {
    /// Write a space-time diagram (SVG): a lane per node, messages, crashes, partitions.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<std::path::PathBuf>,
    /// Write a self-contained HTML page that steps through the run.
    #[arg(long, value_name = "FILE")]
    pub html: Option<std::path::PathBuf>,
}

impl PictureArgs {
    /// Writes the pictures asked for and says where; false (after saying why) if a file cannot
    /// be written.
    pub fn write<N: sim::node::RaftNode>(&self, world: &sim::World<N>, title: &str) -> bool {
        let mut ok = true;
        if let Some(path) = &self.svg {
            ok &= write_file(path, &sim::picture::space_time_svg(world))
                && wrote("the space-time diagram", path);
        }
        if let Some(path) = &self.html {
            ok &= write_file(path, &sim::picture::html_page(world, title))
                && wrote("the step-through page", path);
        }
        ok
    }

    /// The pictures of a scenario: the page tells every branch; a diagram is drawn per branch,
    /// the first at the path asked for and each later one beside it (`f8.svg`, `f8-2.svg`, …).
    pub fn write_scenario<N: sim::node::RaftNode>(
        &self,
        report: &sim::ScenarioReport<N>,
        title: &str,
    ) -> bool {
        let worlds: Vec<&sim::World<N>> = report.past.iter().chain([&report.world]).collect();
        let mut ok = true;
        if let Some(path) = &self.svg {
            for (i, world) in worlds.iter().enumerate() {
                let path = branch_path(path, i);
                let what = match worlds.len() {
                    1 => "the space-time diagram".to_string(),
                    n => format!("the space-time diagram of branch {} of {n}", i + 1),
                };
                ok &=
                    write_file(&path, &sim::picture::space_time_svg(world)) && wrote(&what, &path);
            }
        }
        let page = PictureArgs {
            svg: None,
            html: self.html.clone(),
        };
        ok && page.write(&report.world, title)
    }
}

/// `dir/f8.svg` for the first branch, `dir/f8-2.svg` for the second, …
pub fn branch_path(path: &std::path::Path, branch: usize) -> std::path::PathBuf {
    if branch == 0 {
        return path.to_path_buf();
    }
    let stem = path
        .file_stem()
        .map_or("picture".into(), |s| s.to_string_lossy());
    let ext = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()));
    path.with_file_name(format!("{stem}-{}{}", branch + 1, ext.unwrap_or_default()))
}

fn wrote(what: &str, path: &std::path::Path) -> bool {
    println!("wrote {what} to {}", path.display());
    true
}

pub fn write_file(path: &std::path::Path, text: &str) -> bool {
    match std::fs::write(path, text) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", path.display());
            false
        }
    }
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Seeds of the full-Raft campaign.
    #[arg(long, default_value_t = 300)]
    pub seeds: u64,
    /// Deliveries of the ping-mesh run.
    #[arg(long, default_value_t = 1_000_000)]
    pub deliveries: u64,
    /// Instead: for every bug knob and unsafe read mode, how many seeds the default campaign
    /// needs to find it (at most `--limit`).
    #[arg(long)]
    pub bugs: bool,
    #[arg(long, default_value_t = 10_000)]
    pub limit: u64,
    /// With `--bugs`: only the rows whose flags contain this text (e.g. `--membership`, or a
    /// knob's name).
    #[arg(long, value_name = "TEXT")]
    pub only: Option<String>,
    /// The implementation whose full-Raft rows are measured: raftsim's own node by default,
    /// or the hosted raft-rs.
    #[arg(long, value_enum, default_value_t = NodeImpl::Raftsim)]
    pub node: NodeImpl,
}

/// What defines a random run besides its seed; `replay` takes the same flags as `fuzz`. What
/// is not given, each seed draws (its cluster size, options and read mode); a flag pins it.
#[derive(Args, Debug, Clone)]
pub struct RunFlags {
    /// The Raft implementation: raftsim's own node, or tikv's raft-rs hosted unchanged.
    #[arg(long, value_enum, default_value_t = NodeImpl::Raftsim)]
    pub node: NodeImpl,
    /// Cluster size (1 to 63); by default each seed picks 1 to 7.
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=63))]
    pub nodes: Option<u8>,
    /// Switch off a safety rule (repeatable); see `raftsim bugs`.
    #[arg(long = "bug", value_name = "KNOB", value_parser = parse_knob)]
    pub bugs: Vec<Knob>,
    /// Bound on events per seed (at least 1); a seed that reaches it is reported as stopped.
    #[arg(long, default_value_t = 1_000_000, value_parser = parse_max_events)]
    pub max_events: u64,
    /// Candidates ask for pre-votes first (thesis §9.6); `--pre-vote=false` pins it off. By
    /// default each seed draws it.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub pre_vote: Option<bool>,
    /// Leaders step down without a majority; voters respect a leader's lease (thesis §6.2);
    /// `--check-quorum=false` pins it off. By default each seed draws it.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub check_quorum: Option<bool>,
    /// How reads are served: log, read-index, lease (needs --check-quorum) or local (unsafe).
    /// By default each seed draws log, read-index or lease.
    #[arg(long, value_parser = parse_read_mode)]
    pub read_mode: Option<sim::ReadMode>,
    /// Log compaction (§7): each node snapshots its state machine every N applied entries, and
    /// leaders send InstallSnapshot to followers behind their first index. Off by default.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub snapshot_every: Option<u64>,
    /// Disk faults (the WAL model of `sim/src/disk`): each seed draws how often crashes tear
    /// writes, fsyncs fail and restarts find a damaged record (one node at a time), and a
    /// small snapshot threshold unless --snapshot-every pins one. Off by default.
    #[arg(long)]
    pub disk_faults: bool,
    /// Membership changes (thesis chapter 4) and leadership transfers (§3.10): each seed draws
    /// spare servers and an operator that adds, removes and promotes servers, changes several
    /// voters at once through joint consensus and transfers the leadership, and shuts down the
    /// servers it removed. Off by default.
    #[arg(long)]
    pub membership: bool,
}

#[derive(Args, Debug)]
pub struct FuzzArgs {
    /// Seeds to run, `A..B` (B excluded) or a single seed.
    #[arg(long, default_value = "0..10000", value_parser = parse_seeds)]
    pub seeds: Range<u64>,
    /// On a violation, shrink the run to the fewest fault steps that still break the same
    /// property and write it as a scenario file, failure-<seed>.toml.
    #[arg(long)]
    pub shrink: bool,
    /// Worker threads, at least 1 (default: all cores). Results are the same for any number.
    #[arg(long, value_parser = parse_jobs)]
    pub jobs: Option<usize>,
    /// Run only the seeds with seed % N == I, for a CI matrix or batch jobs (`--shard 2/8`).
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub shard: Option<(u64, u64)>,
    /// Run every seed twice and compare the traces event by event.
    #[arg(long)]
    pub check_determinism: bool,
    #[command(flatten)]
    pub run: RunFlags,
}

#[derive(Args, Debug)]
pub struct ReplayArgs {
    #[arg(long)]
    pub seed: u64,
    #[command(flatten)]
    pub run: RunFlags,
    /// Write the whole trace as JSON lines to this file.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<std::path::PathBuf>,
    /// Print every event, with the logs drawn at each change of leader.
    #[arg(long)]
    pub explain: bool,
    /// Write the client history for other checkers: Jepsen EDN if FILE ends in .edn,
    /// Porcupine JSON otherwise.
    #[arg(long, value_name = "FILE")]
    pub history: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub pictures: PictureArgs,
}

/// Writes a client history where `--history` asked; returns false (after saying why) on error.
pub fn write_history(path: &std::path::Path, ops: &[sim::lin::Operation]) -> bool {
    let text = if path.extension().is_some_and(|e| e == "edn") {
        sim::lin::export::to_jepsen_edn(ops)
    } else {
        sim::lin::export::to_porcupine_json(ops)
    };
    match std::fs::write(path, text) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("error: cannot write the history to {}: {e}", path.display());
            false
        }
    }
}

fn parse_knob(s: &str) -> Result<Knob, String> {
    Knob::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = Knob::all().map(|k| k.name()).collect();
        format!(
            "unknown bug knob '{s}'; expected one of: {}",
            names.join(", ")
        )
    })
}

fn parse_read_mode(s: &str) -> Result<sim::ReadMode, String> {
    sim::ReadMode::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = sim::ReadMode::ALL.iter().map(|m| m.name()).collect();
        format!(
            "unknown read mode '{s}'; expected one of: {}",
            names.join(", ")
        )
    })
}

fn parse_max_events(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(0) => Err("--max-events must be at least 1 (a bound on the events of one seed)".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!(
            "expected a number of events (e.g. 1000000), got '{s}'"
        )),
    }
}

fn parse_jobs(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(0) => Err("--jobs must be at least 1 (the number of worker threads)".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!(
            "expected a number of worker threads (e.g. 2), got '{s}'"
        )),
    }
}

fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let bad = || format!("expected a shard as I/N with I < N (e.g. 0/4), got '{s}'");
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let (i, n): (u64, u64) = (
        i.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if n == 0 || i >= n {
        return Err(bad());
    }
    Ok((i, n))
}

/// `A..B` (B excluded) or a single seed `n`, the range `n..n + 1`: so seeds go up to
/// `u64::MAX - 1`, and a number too large for a u64 is told apart from text that is not one.
fn parse_seeds(s: &str) -> Result<Range<u64>, String> {
    let bad = || format!("expected seeds as A..B (e.g. 0..500) or a single seed, got '{s}'");
    let number = |text: &str| -> Result<u64, String> {
        let text = text.trim();
        text.parse().map_err(|e: ParseIntError| match e.kind() {
            IntErrorKind::PosOverflow => {
                format!("seed {text} is too large: seeds are 0 to {}", u64::MAX - 1)
            }
            _ => bad(),
        })
    };
    match s.split_once("..") {
        Some((a, b)) => {
            let (a, b) = (number(a)?, number(b)?);
            if b <= a {
                return Err(format!("empty seed range '{s}': B must be greater than A"));
            }
            Ok(a..b)
        }
        None => {
            let a = number(s)?;
            let end = a
                .checked_add(1)
                .ok_or_else(|| format!("seed must be below {}", u64::MAX))?;
            Ok(a..end)
        }
    }
}

impl RunFlags {
    pub fn run_config(&self) -> sim::RunConfig {
        sim::RunConfig {
            nodes: self.nodes,
            bugs: self.bugs.iter().copied().collect::<Bugs>(),
            pre_vote: self.pre_vote,
            check_quorum: self.check_quorum,
            read_mode: self.read_mode,
            max_events: self.max_events,
            snapshot_threshold_entries: self.snapshot_every,
            disk_faults: self.disk_faults,
            membership: self.membership,
            ..sim::RunConfig::default()
        }
    }

    /// The flags again, as they would be typed.
    pub fn to_args(&self) -> String {
        let node = match self.node {
            NodeImpl::Raftsim => String::new(),
            other => format!(" --node {}", other.name()),
        };
        format!("{node}{}", self.run_config().flags())
    }
}

pub fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Fuzz(args) => match args.run.node {
            NodeImpl::Raftsim => fuzz::fuzz::<raft::Node>(&args),
            NodeImpl::RaftRs => fuzz::fuzz::<RaftRs>(&args),
        },
        Command::Replay(args) => match args.run.node {
            NodeImpl::Raftsim => fuzz::replay::<raft::Node>(&args),
            NodeImpl::RaftRs => fuzz::replay::<RaftRs>(&args),
        },
        Command::Bench(args) => {
            bench(&args);
            0
        }
        Command::Bugs => {
            print_bugs();
            0
        }
        Command::Tour(args) => match args.node {
            NodeImpl::Raftsim => tour::tour::<raft::Node>(&args.names, args.out.as_deref()),
            NodeImpl::RaftRs => tour::tour::<RaftRs>(&args.names, args.out.as_deref()),
        },
        Command::Run(args) => match args.node {
            NodeImpl::Raftsim => scenarios::run::<raft::Node>(&args),
            NodeImpl::RaftRs => scenarios::run::<RaftRs>(&args),
        },
        Command::Scenarios => scenarios::list(),
    }
}

fn bench(args: &BenchArgs) {
    if args.bugs {
        println!("| bug | seeds to find | wall time | first violation | fault steps, shrunk |");
        println!("|---|---|---|---|---|");
        let spinner = ProgressBar::new_spinner();
        let rows = sim::bench::bug_configs().into_iter();
        let only = args.only.clone().unwrap_or_default();
        for (name, config) in rows.filter(|(name, _)| name.contains(&only)) {
            spinner.set_message(format!(
                "{name}: finding, then shrinking up to 5 failing seeds"
            ));
            spinner.enable_steady_tick(std::time::Duration::from_millis(200));
            let row = sim::bench::bug_row(name, &config, args.limit);
            let seeds = row
                .seeds
                .map_or(format!("not in {}", args.limit), |s| s.to_string());
            let property = row.property.unwrap_or_else(|| "-".into());
            let shrunk = row
                .shrunk
                .map_or("-".to_string(), |(a, b)| format!("{a} -> {b}"));
            spinner.suspend(|| {
                println!(
                    "| `{}` | {seeds} | {:.2}s | {property} | {shrunk} |",
                    row.name, row.secs
                )
            });
        }
        spinner.finish_and_clear();
        return;
    }
    println!("raftsim bench (one core, release build; figures vary with the machine)");
    let mut figures = Vec::new();
    let (events, seeds) = match args.node {
        NodeImpl::Raftsim => sim::bench::full_raft::<raft::Node>(args.seeds),
        NodeImpl::RaftRs => sim::bench::full_raft::<RaftRs>(args.seeds),
    };
    figures.extend([events, seeds]);
    figures.push(sim::bench::ping_mesh(args.deliveries).0);
    for f in figures {
        println!(
            "  {:<66} {:>12.0} {}/s  ({} in {:.2}s)",
            f.name,
            f.per_sec(),
            f.unit,
            f.count,
            f.secs
        );
    }
}

fn print_bugs() {
    println!("Bug knobs: each switches off exactly one safety rule (use with --bug NAME).\n");
    for k in Knob::all() {
        let d = k.doc();
        println!("{}", k.name());
        println!("  in:     {}", k.place());
        println!("  rule:   {} ({})", d.rule, d.section);
        println!("  breaks: {}", d.breaks);
        println!("  why:    {}\n", d.why);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_parse_as_ranges_or_single_seeds() {
        assert_eq!(parse_seeds("0..500"), Ok(0..500));
        assert_eq!(parse_seeds("7"), Ok(7..8));
        assert!(parse_seeds("5..5").unwrap_err().contains("empty"));
        assert!(parse_seeds("a..b").unwrap_err().contains("expected seeds"));
        assert!(parse_seeds("-1").unwrap_err().contains("expected seeds"));
        let max = u64::MAX;
        assert_eq!(parse_seeds(&format!("0..{max}")), Ok(0..max));
        assert_eq!(parse_seeds(&format!("{}", max - 1)), Ok(max - 1..max));
        assert_eq!(
            parse_seeds(&max.to_string()),
            Err(format!("seed must be below {max}"))
        );
        let too_large = format!(
            "seed 99999999999999999999 is too large: seeds are 0 to {}",
            max - 1
        );
        assert_eq!(
            parse_seeds("0..99999999999999999999"),
            Err(too_large.clone())
        );
        assert_eq!(
            parse_seeds("99999999999999999999..3"),
            Err(too_large.clone())
        );
        assert_eq!(parse_seeds(" 99999999999999999999 "), Err(too_large));
    }

    #[test]
    fn knobs_parse_by_kebab_name() {
        assert_eq!(
            parse_knob("commit-old-term-by-count"),
            Ok(Knob::Raft(raft::BugKnob::CommitOldTermByCount))
        );
        assert!(parse_knob("commit_old")
            .unwrap_err()
            .contains("expected one of"));
    }
}
