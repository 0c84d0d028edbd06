//! Campaigns: many seeds, in parallel or sharded, with results identical to running them one
//! by one. Workers take seeds in increasing order; once a seed fails, no seed above it is
//! started, and the seeds above it that were already running are left out of the totals, so
//! the first failure and every counter are exactly those of a sequential run.

use crate::client::ReadMode;
use crate::faults::FaultKind;
use crate::node::RaftNode;
use crate::run::{run_seed_on, RunConfig, RunOutcome};
use crate::trace::TraceLine;
use crate::world::Stats;
use serde::Serialize;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// What a campaign exercised, summed over its seeds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    pub seeds: u64,
    pub liveness_passed: u64,
    /// Seeds stopped by a cap (`max_events`) before they finished: not checked to the end.
    pub stopped: u64,
    /// The first few of them.
    pub stopped_seeds: Vec<u64>,
    /// Seeds by cluster size (index = nodes).
    pub sizes: [u64; 8],
    pub pre_vote: u64,
    pub check_quorum: u64,
    /// Seeds by read mode, in `ReadMode::ALL` order.
    pub read_modes: [u64; 4],
    pub degraded_ends: u64,
    /// The runs' counters, summed (the highest term is the highest of any run).
    pub totals: Stats,
}

impl Coverage {
    fn add(&mut self, o: &RunOutcome) {
        self.seeds += 1;
        self.liveness_passed += o.liveness_passed as u64;
        if o.truncated {
            self.stopped += 1;
            if self.stopped_seeds.len() < 5 {
                self.stopped_seeds.push(o.seed);
            }
        }
        self.sizes[(o.nodes as usize).min(7)] += 1;
        self.pre_vote += o.options.pre_vote as u64;
        self.check_quorum += o.options.check_quorum as u64;
        let mode = ReadMode::ALL.iter().position(|m| *m == o.options.read_mode);
        self.read_modes[mode.expect("a read mode")] += 1;
        self.degraded_ends += o.degraded_end as u64;
        self.totals.add(&o.stats);
    }

    /// Lines for a campaign's summary: the configurations and faults exercised, with counts.
    pub fn describe(&self) -> String {
        let t = &self.totals;
        let sizes: Vec<String> = (1..8)
            .filter(|n| self.sizes[*n] > 0)
            .map(|n| format!("{n}:{}", self.sizes[n]))
            .collect();
        let modes: Vec<String> = ReadMode::ALL
            .iter()
            .zip(self.read_modes)
            .filter(|(_, c)| *c > 0)
            .map(|(m, c)| format!("{} {c}", m.name()))
            .collect();
        let faults: Vec<String> = FaultKind::ALL
            .iter()
            .zip(t.fault_actions)
            .map(|(k, c)| format!("{} {c}", k.name()))
            .collect();
        format!(
            "coverage: {} elections, {} leader changes, {} truncations, {} crashes, {} partitions, {} commits, {} client ops, highest term {}\n\
             configurations: sizes {}; pre-vote {}, check-quorum {}; reads {}; degraded ends {}\n\
             fault actions: {}",
            t.elections,
            t.leader_changes,
            t.truncations,
            t.crashes,
            t.partitions,
            t.commits,
            t.client_ops_ok,
            t.highest_term,
            sizes.join(" "),
            self.pre_vote,
            self.check_quorum,
            modes.join(", "),
            self.degraded_ends,
            faults.join(", ")
        ) + &self.describe_disks()
            + &self.describe_membership()
    }

    /// The configuration changes' line, when a campaign asked any (`--membership`).
    fn describe_membership(&self) -> String {
        let m = &self.totals.membership;
        if m.asked == 0 && m.transfers == 0 {
            return String::new();
        }
        format!(
            "
membership: {} changes asked, {} appended ({} voters added, {} learners added, {} promoted, {} removed, {} joint); {} transfers asked, {} ended with the target leading after the faults; largest configuration {} voters",
            m.asked,
            m.appended,
            m.adds,
            m.learners,
            m.promotions,
            m.removes,
            m.joint,
            m.transfers,
            m.transfers_done,
            m.max_voters
        )
    }

    /// The disks' and snapshots' line, when a campaign had any (`--snapshot-every`,
    /// `--disk-faults`): nothing otherwise.
    fn describe_disks(&self) -> String {
        let d = &self.totals.disk;
        let quiet = crate::event::DiskStats {
            max_wal_records: d.max_wal_records,
            ..Default::default()
        };
        if *d == quiet {
            return String::new();
        }
        format!(
            "\ndisks: {} snapshots sent, {} installed; {} records torn, {} fsync failures, {} records corrupted, {} writes lost, {} misdirected; {} starts on a damaged log, {} refused; largest WAL {} records",
            d.snapshots_sent,
            d.snapshots_installed,
            d.records_torn,
            d.fsync_failures,
            d.records_corrupted,
            d.writes_lost,
            d.writes_misdirected,
            d.damaged_starts,
            d.refusals,
            d.max_wal_records
        )
    }
}

/// Where two runs of one seed first differ.
#[derive(Clone, Debug, PartialEq)]
pub struct Divergence {
    pub seed: u64,
    pub line: usize,
    pub first: Option<String>,
    pub second: Option<String>,
}

#[derive(Clone, Debug)]
pub struct CampaignReport {
    pub coverage: Coverage,
    /// The lowest failing seed, if any.
    pub failure: Option<RunOutcome>,
    pub divergence: Option<Divergence>,
}

/// A campaign on raftsim's node (`Campaign::new`) or any implementation (`Campaign::on`).
#[derive(Debug)]
pub struct Campaign<N = raft::Node> {
    pub config: RunConfig,
    pub seeds: Range<u64>,
    pub jobs: usize,
    /// `(i, n)`: only seeds with `seed % n == i`.
    pub shard: Option<(u64, u64)>,
    pub check_determinism: bool,
    node: std::marker::PhantomData<fn() -> N>,
}

impl<N> Clone for Campaign<N> {
    fn clone(&self) -> Self {
        Campaign {
            config: self.config.clone(),
            seeds: self.seeds.clone(),
            jobs: self.jobs,
            shard: self.shard,
            check_determinism: self.check_determinism,
            node: std::marker::PhantomData,
        }
    }
}

impl Campaign {
    /// A campaign on raftsim's own node.
    pub fn new(config: RunConfig) -> Campaign {
        Campaign::on(config)
    }
}

impl<N: RaftNode> Campaign<N> {
    /// A campaign on implementation `N`.
    pub fn on(config: RunConfig) -> Campaign<N> {
        Campaign {
            config,
            seeds: 0..100,
            jobs: 1,
            shard: None,
            check_determinism: false,
            node: std::marker::PhantomData,
        }
    }

    pub fn seeds(mut self, seeds: Range<u64>) -> Campaign<N> {
        self.seeds = seeds;
        self
    }

    pub fn jobs(mut self, jobs: usize) -> Campaign<N> {
        self.jobs = jobs.max(1);
        self
    }

    pub fn shard(mut self, index: u64, count: u64) -> Campaign<N> {
        assert!(count > 0 && index < count, "shard {index}/{count}");
        self.shard = Some((index, count));
        self
    }

    pub fn check_determinism(mut self, on: bool) -> Campaign<N> {
        self.check_determinism = on;
        self
    }

    /// The seeds this campaign (or shard) runs, in order.
    pub fn seed_list(&self) -> Vec<u64> {
        self.seeds
            .clone()
            .filter(|s| self.shard.is_none_or(|(i, n)| s % n == i))
            .collect()
    }

    /// Runs the campaign; `progress` is called once per finished seed.
    pub fn run(&self, progress: &(dyn Fn() + Sync)) -> CampaignReport {
        let seeds = self.seed_list();
        let next = AtomicU64::new(0);
        let stop_at = AtomicU64::new(u64::MAX);
        let results: Mutex<Vec<(usize, RunOutcome, Option<Divergence>)>> = Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..self.jobs.min(seeds.len()).max(1) {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::SeqCst) as usize;
                    if i >= seeds.len() || i as u64 > stop_at.load(Ordering::SeqCst) {
                        return;
                    }
                    let (outcome, divergence) = self.one(seeds[i]);
                    if outcome.violation.is_some() || divergence.is_some() {
                        stop_at.fetch_min(i as u64, Ordering::SeqCst);
                    }
                    results
                        .lock()
                        .expect("no worker panics")
                        .push((i, outcome, divergence));
                    progress();
                });
            }
        });
        let mut results = results.into_inner().expect("no worker panics");
        results.sort_by_key(|r| r.0);
        let stop = stop_at.load(Ordering::SeqCst);
        let mut report = CampaignReport {
            coverage: Coverage::default(),
            failure: None,
            divergence: None,
        };
        for (i, outcome, divergence) in results.into_iter().filter(|r| r.0 as u64 <= stop) {
            report.coverage.add(&outcome);
            if i as u64 == stop {
                report.divergence = divergence;
                report.failure = outcome.violation.is_some().then_some(outcome);
            }
        }
        report
    }

    fn one(&self, seed: u64) -> (RunOutcome, Option<Divergence>) {
        if !self.check_determinism {
            return (run_seed_on::<N>(seed, &self.config, |_| {}).0, None);
        }
        let kept = RunConfig {
            keep_trace: true,
            ..self.config.clone()
        };
        let (a, wa) = run_seed_on::<N>(seed, &kept, |_| {});
        let (_, wb) = run_seed_on::<N>(seed, &kept, |_| {});
        let la: Vec<&TraceLine<N::Message>> = wa.trace.lines().collect();
        let lb: Vec<&TraceLine<N::Message>> = wb.trace.lines().collect();
        let line = first_divergence(&la, &lb);
        let divergence = line.map(|line| Divergence {
            seed,
            line,
            first: la.get(line).map(|l| l.to_string()),
            second: lb.get(line).map(|l| l.to_string()),
        });
        (a, divergence)
    }
}

/// The first index at which two traces differ (a missing line counts as a difference).
pub fn first_divergence<T: PartialEq>(a: &[T], b: &[T]) -> Option<usize> {
    (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn divergence_is_the_first_differing_or_missing_line() {
        assert_eq!(first_divergence(&[1, 2, 3], &[1, 2, 3]), None);
        assert_eq!(first_divergence(&[1, 2, 3], &[1, 9, 3]), Some(1));
        assert_eq!(first_divergence(&[1, 2], &[1, 2, 3]), Some(2));
    }

    #[test]
    fn parallel_results_equal_sequential_ones() {
        let config = RunConfig {
            bugs: crate::knob::Bugs::none().with(raft::BugKnob::CommitIndexWithoutMin),
            ..RunConfig::default()
        };
        let one = Campaign::new(config.clone())
            .seeds(0..500)
            .jobs(1)
            .run(&|| {});
        let four = Campaign::new(config).seeds(0..500).jobs(4).run(&|| {});
        assert_eq!(one.coverage, four.coverage);
        let seed = |r: &CampaignReport| r.failure.as_ref().map(|f| f.seed);
        assert!(
            seed(&one).is_some_and(|s| s > 0),
            "commit-index-without-min is found in 500 seeds, after the first"
        );
        assert_eq!(seed(&one), seed(&four));
    }

    #[test]
    fn shards_partition_the_seeds() {
        let c = Campaign::new(RunConfig::default()).seeds(0..10);
        let mut all: Vec<u64> = (0..3)
            .flat_map(|i| c.clone().shard(i, 3).seed_list())
            .collect();
        all.sort();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn determinism_check_finds_no_divergence_in_a_correct_run() {
        let r = Campaign::new(RunConfig::default())
            .seeds(0..5)
            .check_determinism(true)
            .run(&|| {});
        assert_eq!(r.divergence, None);
        assert_eq!(r.coverage.seeds, 5);
    }
}
