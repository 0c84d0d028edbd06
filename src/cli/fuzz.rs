//! `raftsim fuzz` and `raftsim replay`.

use super::{FuzzArgs, ReplayArgs, RunFlags};
use indicatif::{ProgressBar, ProgressStyle};
use sim::node::RaftNode;
use sim::report::{log_table, violation_report};
use sim::run::run_seed_on;
use std::io::Write;

/// The command that replays one seed exactly.
pub fn reproduce_command(seed: u64, flags: &RunFlags) -> String {
    format!(
        "cargo run --release -- replay --seed {seed}{}",
        flags.to_args()
    )
}

/// Whether implementation `N` can run the campaign's knobs.
fn supported<N: RaftNode>(config: &sim::RunConfig) -> Result<(), String> {
    let raft = raft::Config {
        bugs: config.bugs.raft,
        snapshot_threshold_entries: config.snapshot_threshold_entries,
        ..raft::Config::default()
    };
    if config.membership && !N::CHANGES_MEMBERSHIP {
        return Err(format!(
            "--node {} does not change its configuration: --membership needs an implementation that does (raftsim)",
            N::NAME
        ));
    }
    if let (true, Err(why)) = (config.membership, N::MEMBERSHIP_CAMPAIGNS) {
        return Err(format!(
            "--node {} --membership is not supported yet: {why}",
            N::NAME
        ));
    }
    N::supports(&raft).map_err(|e| format!("--node {}: {e}", N::NAME))
}

/// Wall-clock time for the summary only; it never orders events.
use sim::bench::wall_now as now;

pub fn fuzz<N: RaftNode>(args: &FuzzArgs) -> u8 {
    let config = args.run.run_config();
    if let Err(e) = config.validate().and_then(|()| supported::<N>(&config)) {
        eprintln!("error: {e}");
        return 2;
    }
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let mut campaign = sim::campaign::Campaign::<N>::on(config.clone())
        .seeds(args.seeds.clone())
        .jobs(jobs)
        .check_determinism(args.check_determinism);
    if let Some((i, n)) = args.shard {
        campaign = campaign.shard(i, n);
    }
    let count = campaign.seed_list().len() as u64;
    let bar = ProgressBar::new(count);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} seeds, {per_sec}, eta {eta}")
            .expect("static template"),
    );
    let started = now();
    let report = campaign.run(&|| bar.inc(1));
    bar.finish_and_clear();
    let secs = now().duration_since(started).as_secs_f64().max(1e-9);
    if let Some(d) = &report.divergence {
        println!(
            "nondeterminism: seed {} ran twice differs at trace line {}:",
            d.seed, d.line
        );
        println!("  first run:  {}", d.first.as_deref().unwrap_or("(ended)"));
        println!("  second run: {}", d.second.as_deref().unwrap_or("(ended)"));
        return 1;
    }
    if let Some(failure) = &report.failure {
        return report_failure::<N>(args, &config, failure);
    }
    let c = &report.coverage;
    let checked = c.seeds - c.stopped;
    let rate = format!(
        "{:.0} events/s, {:.0} seeds/s (wall {secs:.2}s, {jobs} job(s))",
        c.totals.events as f64 / secs,
        c.seeds as f64 / secs
    );
    if c.stopped > 0 {
        println!(
            "stopped: {} of {} seeds reached the cap of {} events before they finished (first: {:?}); they were checked only up to it. {checked} seeds ran to the end with no violation; {rate}",
            c.stopped, c.seeds, config.max_events, c.stopped_seeds
        );
    } else {
        println!(
            "clean: {} seeds, {} events, liveness passed in {}/{}; {rate}",
            c.seeds, c.totals.events, c.liveness_passed, c.seeds
        );
    }
    println!("{}", c.describe());
    if c.stopped > 0 {
        3
    } else {
        0
    }
}

/// The report of the first failing seed (rerun with its whole trace), then shrinking if asked.
fn report_failure<N: RaftNode>(
    args: &FuzzArgs,
    config: &sim::RunConfig,
    failure: &sim::RunOutcome,
) -> u8 {
    let seed = failure.seed;
    let v = failure
        .violation
        .as_ref()
        .expect("a failure has a violation");
    let kept = sim::RunConfig {
        keep_trace: true,
        ..config.clone()
    };
    let (_, world) = run_seed_on::<N>(seed, &kept, |_| {});
    print!(
        "{}",
        violation_report(&world, v, &reproduce_command(seed, &args.run))
    );
    let seeds_run = seed - args.seeds.start + 1;
    println!(
        "found after {seeds_run} seed(s) ({} nodes; {})",
        world.config.nodes, failure.mix
    );
    if args.shrink {
        return shrink::<N>(args, seed, config);
    }
    1
}

pub fn replay<N: RaftNode>(args: &ReplayArgs) -> u8 {
    let config = sim::RunConfig {
        keep_trace: true,
        ..args.run.run_config()
    };
    if let Err(e) = config.validate().and_then(|()| supported::<N>(&config)) {
        eprintln!("error: {e}");
        return 2;
    }
    let (outcome, world) = run_seed_on::<N>(args.seed, &config, |w| {
        if args.explain {
            w.observe(sim::report::Snapshots::default());
        }
        if args.pictures.html.is_some() {
            w.observe(sim::picture::Frames::default());
        }
    });
    if !args.pictures.write(&world, &format!("seed {}", args.seed)) {
        return 2;
    }
    if let Some(path) = &args.trace {
        let written = std::fs::File::create(path).and_then(|f| {
            let mut w = std::io::BufWriter::new(f);
            world.trace.write_json_lines(&mut w)
        });
        if let Err(e) = written {
            eprintln!("error: cannot write trace to {}: {e}", path.display());
            return 2;
        }
    }
    if let Some(path) = &args.history {
        if !super::write_history(path, world.clients.history.ops()) {
            return 2;
        }
    }
    if args.explain {
        explain(&world);
    }
    println!(
        "seed {}: {} nodes, {}; {} events, {} virtual ms, trace hash {:016x}",
        args.seed,
        outcome.nodes,
        outcome.mix,
        outcome.stats.events,
        world.now_us() / 1000,
        outcome.trace_hash
    );
    match &outcome.violation {
        Some(v) => {
            print!(
                "{}",
                violation_report(&world, v, &reproduce_command(args.seed, &args.run))
            );
            1
        }
        None if outcome.truncated => {
            println!(
                "stopped: the run reached the cap of {} events at t={} before it finished; no violation up to there, nothing checked after it",
                config.max_events,
                sim::trace::VirtualTime(world.now_us())
            );
            println!("\n{}", log_table(&world));
            3
        }
        None => {
            println!("no violation; liveness passed");
            println!("\n{}", log_table(&world));
            0
        }
    }
}

/// Every trace line, with the log table after each change of leader.
fn explain<N: RaftNode>(world: &sim::World<N>) {
    let snapshots = world
        .observer::<sim::report::Snapshots>()
        .map_or(&[][..], |s| &s.0[..]);
    let mut next = snapshots.iter().peekable();
    let mut out = std::io::stdout().lock();
    for (i, line) in world.trace.lines().enumerate() {
        // A closed pipe (`| head`) ends the listing quietly.
        if writeln!(out, "{line}").is_err() {
            return;
        }
        while let Some((_, table)) = next.next_if(|(at, _)| *at == i as u64 + 1) {
            for row in table.lines() {
                let _ = writeln!(out, "    {row}");
            }
        }
    }
}

/// Shrinks the failing seed (and up to [`sim::shrink::CANDIDATES`] - 1 more failing seeds)
/// and writes the smallest as `failure-<seed>.toml`. Returns the exit code: 1 (the violation
/// stands), or 2 if the file cannot be written.
fn shrink<N: RaftNode>(args: &FuzzArgs, seed: u64, config: &sim::RunConfig) -> u8 {
    use sim::shrink::CANDIDATES;
    let started = now();
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let Some(first) = sim::shrink::record::<N>(seed, config) else {
        println!("shrink: seed {seed} did not fail again (this is a bug in raftsim's determinism)");
        return 1;
    };
    if first.property == sim::checker::Property::Liveness {
        println!(
            "shrink: liveness failures are not shrunk (a scenario has no liveness phase); replay the seed with the command above"
        );
        return 1;
    }
    let spinner = ProgressBar::new_spinner();
    spinner.enable_steady_tick(std::time::Duration::from_millis(200));
    spinner.set_message(format!(
        "finding up to {CANDIDATES} failing seeds to shrink"
    ));
    let seeds = sim::shrink::failing_seeds::<N>(config, seed, args.seeds.end, jobs);
    let shrinking = |s: u64| spinner.set_message(format!("shrinking seed {s} (of {seeds:?})"));
    let best = sim::shrink::shrink_best::<N>(config, &seeds, &shrinking);
    spinner.finish_and_clear();
    let Some((failure, shrunk)) = best else {
        println!(
            "shrink: no recorded schedule of a failing seed, replayed as a scenario, breaks {} (events at one instant may run in another order); nothing written",
            first.property
        );
        return 1;
    };
    let seed = failure.seed;
    let text = sim::shrink::final_text::<N>(&failure, &shrunk);
    let path = format!("failure-{seed}.toml");
    if let Err(e) = std::fs::write(&path, text) {
        eprintln!("error: cannot write {path}: {e}");
        return 2;
    }
    println!(
        "shrunk seed {seed} (the smallest of up to {CANDIDATES} failing seeds): {} fault steps -> {}{} (needs: clients {}, random loss {}, latency spread {}), {} scenario runs, {:.2}s",
        shrunk.original_steps,
        shrunk.steps.len(),
        if shrunk.seed == seed {
            String::new()
        } else {
            format!(" under seed {}", shrunk.seed)
        },
        shrunk.shape.clients,
        shrunk.shape.lossy,
        shrunk.shape.spread,
        shrunk.attempts,
        now().duration_since(started).as_secs_f64()
    );
    println!("wrote {path}; replay it with: cargo run --release -- run {path} --explain");
    1
}
