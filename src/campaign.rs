//! Random campaigns from a user's own `cargo test`:
//!
//! ```no_run
//! use raftsim::Campaign;
//! #[test]
//! fn raft_survives_random_faults() {
//!     // 200 seeds by default; RAFTSIM_SEEDS=5000 runs more, RAFTSIM_SEED=17 only seed 17.
//!     Campaign::new(raftsim::sim::RunConfig::default()).seeds(0..200).run();
//! }
//! ```
//!
//! `run` panics at the first violation with the full report and the two lines that rerun it.

use sim::campaign::{Campaign as Inner, CampaignReport};
use sim::node::RaftNode;
use sim::report::violation_report;
use sim::run::{run_seed_on, RunConfig};
use std::ops::Range;

/// A campaign on raftsim's own node (`Campaign::new`) or on any implementation of
/// [`RaftNode`] (`Campaign::<MyRaft>::on`).
pub struct Campaign<N: RaftNode = raft::Node> {
    inner: Inner<N>,
}

impl Campaign {
    /// A campaign on raftsim's own node, using every core.
    pub fn new(config: RunConfig) -> Campaign {
        Campaign::on(config)
    }
}

impl<N: RaftNode> Campaign<N> {
    /// A campaign on implementation `N`, using every core.
    pub fn on(config: RunConfig) -> Campaign<N> {
        let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
        Campaign {
            inner: Inner::on(config).jobs(jobs),
        }
    }

    /// The seeds to run, unless the environment says otherwise: `RAFTSIM_SEED=<n>` runs only
    /// seed n; `RAFTSIM_SEEDS=<count>` runs that many seeds from the range's start.
    pub fn seeds(mut self, seeds: Range<u64>) -> Campaign<N> {
        self.inner = self.inner.seeds(seeds);
        self
    }

    pub fn jobs(mut self, jobs: usize) -> Campaign<N> {
        self.inner = self.inner.jobs(jobs);
        self
    }

    /// The campaign with the environment's seeds applied. A bad variable panics at the user's
    /// call of `run` or `report`: `#[track_caller]` on every function down to the `panic!`.
    #[track_caller]
    fn effective(&self) -> Inner<N> {
        let mut c = self.inner.clone();
        let expected = "a whole number of seeds to run, e.g. RAFTSIM_SEEDS=5000";
        if let Some(count) = crate::testing::env_number("RAFTSIM_SEEDS", expected) {
            let start = c.seeds.start;
            c = c.seeds(start..start.saturating_add(count));
        }
        c.seeds = crate::testing::seeds(c.seeds.clone());
        c
    }

    /// Runs the seeds and returns what happened, failure included.
    #[track_caller]
    pub fn report(&self) -> CampaignReport {
        self.effective().run(&|| {})
    }

    /// Runs the seeds; panics at the first violation with its report and the two lines that
    /// rerun it: this test under `cargo test`, and the seed with the `raftsim` CLI (this crate's
    /// `cargo run` is not the user's). A seed stopped by the events cap is not a pass either:
    /// it panics too, saying so.
    #[track_caller]
    pub fn run(&self) -> CampaignReport {
        let report = self.report();
        if let Some(failure) = &report.failure {
            let config = RunConfig {
                keep_trace: true,
                ..self.inner.config.clone()
            };
            let (_, world) = run_seed_on::<N>(failure.seed, &config, |_| {});
            let v = failure
                .violation
                .as_ref()
                .expect("a failure has a violation");
            let replay = match N::NAME {
                "raftsim" | "raft-rs" => {
                    let node = if N::NAME == "raftsim" { "" } else { " --node raft-rs" };
                    format!(
                        "replay with the raftsim CLI: raftsim replay{node} --seed {}{}",
                        failure.seed,
                        config.flags()
                    )
                }
                other => format!(
                    "this seed alone, with the rerun line below (the raftsim CLI hosts raftsim's node and raft-rs, not {other})"
                ),
            };
            panic!(
                "{}{}",
                violation_report(&world, v, &replay),
                crate::testing::rerun_line_here(failure.seed)
            );
        }
        let c = &report.coverage;
        if c.stopped > 0 {
            panic!(
                "stopped: {} of {} seeds reached the cap of {} events before they finished (first: {:?}); they were not checked to the end. Raise RunConfig::max_events.",
                c.stopped, c.seeds, self.inner.config.max_events, c.stopped_seeds
            );
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clean_campaign_returns_its_coverage() {
        let r = Campaign::new(RunConfig::default()).seeds(0..20).run();
        if std::env::var("RAFTSIM_SEED").is_err() {
            assert_eq!(r.coverage.seeds, 20);
        }
        assert!(r.coverage.totals.commits > 0);
    }

    #[test]
    fn a_campaign_stopped_by_the_cap_is_not_a_pass() {
        let config = RunConfig {
            max_events: 300,
            ..RunConfig::default()
        };
        let err = std::panic::catch_unwind(|| Campaign::new(config).seeds(0..3).run())
            .expect_err("every seed stops at 300 events");
        let msg = err.downcast_ref::<String>().expect("a formatted panic");
        assert!(
            msg.starts_with("stopped: 3 of 3 seeds reached the cap of 300 events"),
            "{msg}"
        );
    }

    #[test]
    fn a_failing_campaign_panics_with_the_report_and_the_rerun_line() {
        let config = RunConfig {
            bugs: sim::Bugs::none().with(raft::BugKnob::VoteWithoutLogCheck),
            ..RunConfig::default()
        };
        let err = std::panic::catch_unwind(|| Campaign::new(config).seeds(0..50).run())
            .expect_err("vote-without-log-check is found");
        let msg = err.downcast_ref::<String>().expect("a formatted panic");
        assert!(msg.starts_with("violation: "), "{msg}");
        let rerun = msg
            .lines()
            .find(|l| l.starts_with("rerun: RAFTSIM_SEED="))
            .unwrap_or_else(|| panic!("a rerun line:\n{msg}"));
        assert!(
            rerun.ends_with(
                " cargo test campaign::tests::a_failing_campaign_panics_with_the_report_and_the_rerun_line"
            ),
            "{msg}"
        );
        let seed = rerun["rerun: RAFTSIM_SEED=".len()..]
            .split(' ')
            .next()
            .expect("a seed");
        let replay = format!(
            "\nreproduce: replay with the raftsim CLI: raftsim replay --seed {seed} --bug vote-without-log-check\n"
        );
        assert!(msg.contains(&replay), "{msg}");
    }
}
