//! Node configuration and the bug knobs: each knob switches off exactly one safety rule.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One safety rule of Raft, switched off. raftsim teaches by letting a learner turn a rule off
/// and watch which property breaks. Default: every rule on (no knob set).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BugKnob {
    VoteWithoutLogCheck,
    VoteByCommitIndex,
    CommitOldTermByCount,
    VolatileVote,
    RespondBeforePersist,
    TruncateOnStaleAppend,
    HeartbeatSkipsPrevCheck,
    CommitIndexWithoutMin,
    AcceptStaleTermReplies,
    NoRandomizedTimeout,
    /// The node asserts that a leader's commit index is within its own log, as etcd raft's
    /// `commitTo` does (`tocommit(..) is out of range [lastIndex(..)]`): a lagging follower
    /// panics on an ordinary heartbeat.
    AssertCommitWithinLog,
    /// An InstallSnapshot discards the follower's whole log, also the entries after a last
    /// included entry the follower holds.
    SnapshotDiscardsMatchingSuffix,
    /// A follower installs a snapshot older than its commit index.
    InstallSnapshotOlderThanCommit,
    /// The node compacts (and asks for snapshots) up to its last index, past what it applied.
    CompactPastApplied,
    /// A node booted from a damaged log (`DurableState::damaged`) ignores the damage: it votes
    /// and campaigns at once, as if the truncated log were all it ever held.
    TruncateOnCorruption,
    /// A new leader changes the configuration before it has committed an entry of its term
    /// (the single-server change bug, Ongaro, raft-dev, 2015).
    ConfigChangeBeforeOwnCommit,
    /// A leader appends a configuration change while an earlier one is still uncommitted.
    OverlappingConfigChanges,
    /// A change of several voters at once takes effect in one step, without the joint
    /// configuration of §4.3.
    ChangeManyWithoutJoint,
    /// A leader that removed itself keeps leading once the change commits.
    RemovedLeaderKeepsLeading,
    /// A leader transferring its leadership keeps accepting proposals.
    ProposeDuringTransfer,
    /// A leader sends TimeoutNow at once, whether or not the target's log is up to date.
    TimeoutNowToLaggingTarget,
}

/// What a knob switches off, where the paper states the rule, and what breaks. (The
/// simulator's host has knobs of its own, for rules outside the node, with the same doc.)
#[derive(Clone, Copy, Debug)]
pub struct KnobDoc {
    pub rule: &'static str,
    pub section: &'static str,
    pub breaks: &'static str,
    pub why: &'static str,
}

impl BugKnob {
    pub const ALL: [BugKnob; 21] = [
        BugKnob::VoteWithoutLogCheck,
        BugKnob::VoteByCommitIndex,
        BugKnob::CommitOldTermByCount,
        BugKnob::VolatileVote,
        BugKnob::RespondBeforePersist,
        BugKnob::TruncateOnStaleAppend,
        BugKnob::HeartbeatSkipsPrevCheck,
        BugKnob::CommitIndexWithoutMin,
        BugKnob::AcceptStaleTermReplies,
        BugKnob::NoRandomizedTimeout,
        BugKnob::AssertCommitWithinLog,
        BugKnob::SnapshotDiscardsMatchingSuffix,
        BugKnob::InstallSnapshotOlderThanCommit,
        BugKnob::CompactPastApplied,
        BugKnob::TruncateOnCorruption,
        BugKnob::ConfigChangeBeforeOwnCommit,
        BugKnob::OverlappingConfigChanges,
        BugKnob::ChangeManyWithoutJoint,
        BugKnob::RemovedLeaderKeepsLeading,
        BugKnob::ProposeDuringTransfer,
        BugKnob::TimeoutNowToLaggingTarget,
    ];

    /// The kebab-case name users type (`--bug commit-old-term-by-count`).
    pub fn name(self) -> &'static str {
        match self {
            BugKnob::VoteWithoutLogCheck => "vote-without-log-check",
            BugKnob::VoteByCommitIndex => "vote-by-commit-index",
            BugKnob::CommitOldTermByCount => "commit-old-term-by-count",
            BugKnob::VolatileVote => "volatile-vote",
            BugKnob::RespondBeforePersist => "respond-before-persist",
            BugKnob::TruncateOnStaleAppend => "truncate-on-stale-append",
            BugKnob::HeartbeatSkipsPrevCheck => "heartbeat-skips-prev-check",
            BugKnob::CommitIndexWithoutMin => "commit-index-without-min",
            BugKnob::AcceptStaleTermReplies => "accept-stale-term-replies",
            BugKnob::NoRandomizedTimeout => "no-randomized-timeout",
            BugKnob::AssertCommitWithinLog => "assert-commit-within-log",
            BugKnob::SnapshotDiscardsMatchingSuffix => "snapshot-discards-matching-suffix",
            BugKnob::InstallSnapshotOlderThanCommit => "install-snapshot-older-than-commit",
            BugKnob::CompactPastApplied => "compact-past-applied",
            BugKnob::TruncateOnCorruption => "truncate-on-corruption",
            BugKnob::ConfigChangeBeforeOwnCommit => "config-change-before-own-commit",
            BugKnob::OverlappingConfigChanges => "overlapping-config-changes",
            BugKnob::ChangeManyWithoutJoint => "change-many-without-joint",
            BugKnob::RemovedLeaderKeepsLeading => "removed-leader-keeps-leading",
            BugKnob::ProposeDuringTransfer => "propose-during-transfer",
            BugKnob::TimeoutNowToLaggingTarget => "timeout-now-to-lagging-target",
        }
    }

    pub fn from_name(name: &str) -> Option<BugKnob> {
        BugKnob::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn doc(self) -> KnobDoc {
        let (rule, section, breaks, why) = match self {
            BugKnob::VoteWithoutLogCheck => (
                "a voter grants its vote only to a candidate whose log is at least as up-to-date as its own",
                "§5.4.1",
                "Leader Completeness",
                "Without the check a server missing committed entries can win an election and overwrite them on the others.",
            ),
            BugKnob::VoteByCommitIndex => (
                "up-to-date means the last log entry's (term, index), not the commit index",
                "§5.4.1 (seed 003)",
                "Leader Completeness",
                "Followers learn the commit index one round late, so equal commit indexes say nothing about who holds a committed entry.",
            ),
            BugKnob::CommitOldTermByCount => (
                "a leader commits only entries of its current term by counting replicas",
                "§5.4.2, Figure 8",
                "State Machine Safety",
                "An old-term entry on a majority can still be overwritten by a leader whose last entry has a newer term (Figure 8 (d)).",
            ),
            BugKnob::VolatileVote => (
                "votedFor is on stable storage before the vote is granted",
                "Figure 2 (persistent state)",
                "Election Safety",
                "A server that forgets its vote in a crash can vote twice in one term, and two leaders win it.",
            ),
            BugKnob::RespondBeforePersist => (
                "persistent state is updated on stable storage before responding to RPCs",
                "Figure 2 (persistent state)",
                "committed-entry durability",
                "A reply may count toward a majority for an entry or a vote that a crash then erases.",
            ),
            BugKnob::TruncateOnStaleAppend => (
                "a follower deletes entries only when an existing entry conflicts with a new one",
                "Figure 2, AppendEntries receiver step 3",
                "committed-entry durability / Log Matching",
                "A delayed or duplicated AppendEntries would cut entries the follower already acknowledged.",
            ),
            BugKnob::HeartbeatSkipsPrevCheck => (
                "every AppendEntries, heartbeats too, is rejected unless the log holds prevLogIndex with prevLogTerm",
                "§5.3, Figure 2 AppendEntries receiver step 2",
                "Log Matching / State Machine Safety",
                "A follower that answers success without the check lets the leader count it in matchIndex for entries it does not hold.",
            ),
            BugKnob::CommitIndexWithoutMin => (
                "commitIndex = min(leaderCommit, index of last new entry)",
                "Figure 2, AppendEntries receiver step 5",
                "State Machine Safety",
                "Beyond the last new entry the follower's log may hold a stale suffix the leader never sent; committing it applies entries that are not committed.",
            ),
            BugKnob::AcceptStaleTermReplies => (
                "replies from older terms are ignored",
                "§5.1",
                "Election Safety",
                "A vote granted in an earlier term says nothing about the current one; counting it lets two candidates win one term.",
            ),
            BugKnob::NoRandomizedTimeout => (
                "election timeouts are chosen at random from a range",
                "§5.2",
                "liveness (no leader elected)",
                "With equal timeouts candidates start together and split the vote in every term.",
            ),
            BugKnob::AssertCommitWithinLog => (
                "a follower's commitIndex becomes min(leaderCommit, index of last new entry): a leaderCommit beyond the follower's log is ordinary, not an error",
                "Figure 2, AppendEntries receiver step 5 (etcd-io/raft #25, #197)",
                "Panic (the follower crashes, and again after every restart)",
                "A follower that lags behind the leader hears of commits past its last entry on every heartbeat; a node that asserts this cannot happen takes itself out of the cluster each time it is told.",
            ),
            BugKnob::SnapshotDiscardsMatchingSuffix => (
                "if existing log entry has same index and term as snapshot's last included entry, retain log entries following it and reply",
                "§7, Figure 13 InstallSnapshot receiver step 6",
                "Committed-entry durability",
                "A retransmitted or delayed snapshot can describe a prefix of the follower's log; the entries after it may be ones the follower already acknowledged and a majority committed, and discarding them takes a copy away from that majority.",
            ),
            BugKnob::InstallSnapshotOlderThanCommit => (
                "a follower ignores a snapshot whose last included index is at or below its commit index",
                "§7 (a snapshot describes a committed prefix; Figure 2: commitIndex only grows)",
                "Monotonicity",
                "A delayed snapshot resets the state machine to an older state: commitIndex and lastApplied move back, and entries already applied are applied again or answered from a stale store.",
            ),
            BugKnob::CompactPastApplied => (
                "a server snapshots only its committed and applied state: the snapshot's last included index is at most lastApplied",
                "§7 (\"each server takes snapshots independently, covering just the committed entries in its log\")",
                "State Machine Safety",
                "Entries compacted before they were applied are never applied (the state machine skips them), and an uncommitted entry frozen into a snapshot can no longer be replaced by a later leader's.",
            ),
            BugKnob::TruncateOnCorruption => (
                "a node that recovers from a damaged log starts no election and votes only for a candidate as up-to-date as the log it had, until a leader of a later term has repaired it",
                "PAR (Alagappan et al., FAST 2018); §5.4.1",
                "Leader Completeness / Committed-entry durability",
                "The naive recovery of LogCabin and ZooKeeper truncates at the first bad record and carries on: a node that lost a committed entry then votes as if it never had it, and a leader without the entry can win.",
            ),
            BugKnob::ConfigChangeBeforeOwnCommit => (
                "a leader appends a configuration entry only once it has committed an entry of its own term",
                "thesis §4.1; Ongaro, raft-dev, 2015 (catalogue §6)",
                "Leader Completeness / State Machine Safety",
                "A configuration entry that an earlier leader appended and a minority still holds can come back: one leader counts majorities of it while another counts majorities of a configuration made from the older one. The two differ by two servers, their majorities need not meet, and a committed entry is overwritten.",
            ),
            BugKnob::OverlappingConfigChanges => (
                "a leader appends a configuration change only once the previous one is committed",
                "thesis §4.1",
                "Election Safety / Leader Completeness / Liveness",
                "Single-server changes are safe because any majority of the old configuration meets any majority of the new one. Two changes in flight make configurations two servers apart both in force at once: their majorities can be disjoint, and a cluster can be left where no server can win (`fuzz --membership` finds that first: a leader removes itself and at once adds itself back as a learner).",
            ),
            BugKnob::ChangeManyWithoutJoint => (
                "a change of more than one voter goes through the joint configuration C_old,new, which needs majorities of both",
                "thesis §4.3; paper §6, Figure 10",
                "Election Safety / Leader Completeness",
                "Switching several voters at once lets servers that have the new configuration and servers that do not yet form two disjoint majorities, one of each, and each elects a leader in the same term.",
            ),
            BugKnob::RemovedLeaderKeepsLeading => (
                "a leader that is not in the new configuration steps down once that configuration is committed",
                "thesis §4.2.2",
                "Liveness",
                "A removed leader does not count itself toward majorities, but if it keeps leading, the servers of the new configuration keep following a server the operator took out, and it cannot be shut down without an election (etcd #11038).",
            ),
            BugKnob::ProposeDuringTransfer => (
                "a leader transferring its leadership stops accepting client proposals",
                "thesis §3.10",
                "Leadership transfer",
                "New entries keep the target behind the leader: TimeoutNow waits for the target to catch up or goes to a target that is behind again, whose election the up-to-date servers refuse (hashicorp/raft #581).",
            ),
            BugKnob::TimeoutNowToLaggingTarget => (
                "the leader sends TimeoutNow only once the target's log matches its own",
                "thesis §3.10",
                "Leadership transfer",
                "A target that is behind campaigns in a higher term, deposes the leader, and loses: the servers whose logs are more up-to-date refuse it (§5.4.1), and the cluster has no leader until another election timeout passes.",
            ),
        };
        KnobDoc {
            rule,
            section,
            breaks,
            why,
        }
    }
}

impl fmt::Display for BugKnob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of bug knobs (a bitmask over [`BugKnob::ALL`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Knobs(u32);

impl Knobs {
    pub fn none() -> Knobs {
        Knobs(0)
    }
    pub fn with(mut self, knob: BugKnob) -> Knobs {
        self.insert(knob);
        self
    }
    pub fn insert(&mut self, knob: BugKnob) {
        self.0 |= 1 << (knob as u32);
    }
    pub fn contains(&self, knob: BugKnob) -> bool {
        self.0 & (1 << (knob as u32)) != 0
    }
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }
    pub fn iter(&self) -> impl Iterator<Item = BugKnob> + '_ {
        BugKnob::ALL.into_iter().filter(|k| self.contains(*k))
    }
}

impl FromIterator<BugKnob> for Knobs {
    fn from_iter<I: IntoIterator<Item = BugKnob>>(iter: I) -> Self {
        let mut k = Knobs::none();
        for knob in iter {
            k.insert(knob);
        }
        k
    }
}

impl Serialize for Knobs {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Knobs {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<BugKnob>::deserialize(d)?.into_iter().collect())
    }
}

/// A node's configuration. Times are in ticks: the node has no clock, only `tick()` calls.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Election timeouts are drawn uniformly from `[min, max)` (§5.2).
    pub election_timeout_min_ticks: u32,
    pub election_timeout_max_ticks: u32,
    /// A leader sends AppendEntries to every follower at least this often (§5.2).
    pub heartbeat_interval_ticks: u32,
    /// Upper bound on entries carried by one AppendEntries.
    pub max_entries_per_append: usize,
    /// Periodic heartbeats carry the entries a follower is missing (from its nextIndex). With
    /// false, a heartbeat is the paper's empty AppendEntries (prev = nextIndex - 1, no entries);
    /// entries then travel only in reply to an answer or a proposal.
    pub heartbeats_carry_entries: bool,
    /// Thesis §9.6: a candidate first asks whether it could win, without raising any term.
    pub pre_vote: bool,
    /// Thesis §6.2: a leader that has not heard from a majority within an election timeout
    /// steps down; and (§4.2.3) a server that heard from a leader within the minimum election
    /// timeout ignores vote requests. Required for lease reads.
    pub check_quorum: bool,
    /// Lease reads (thesis §6.4.1): the lease ends this many ticks before the minimum election
    /// timeout after a confirmed heartbeat round, to cover clock drift between servers.
    pub lease_margin_ticks: u32,
    /// §7 log compaction: once the applied index is this many entries past the log's first
    /// index, the node asks its host for a snapshot (`Output::SnapshotWanted`). `None`, the
    /// default: never; the log keeps every entry, and no InstallSnapshot is ever sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot_threshold_entries: Option<u64>,
    /// What a node does when its disk's reader found a damaged log (`DurableState::damaged`).
    #[serde(skip_serializing_if = "RecoveryPolicy::is_protocol_aware")]
    pub recovery: RecoveryPolicy,
    /// Rules switched off on purpose.
    pub bugs: Knobs,
}

/// How a node recovers from a damaged log: its disk's reader found a bad entry record (a
/// checksum mismatch, a lost write) and truncated the log at it, keeping `currentTerm` and
/// `votedFor` (`DurableState::damaged`). Names as users type them: `protocol-aware`, `refuse`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum RecoveryPolicy {
    /// Protocol-aware recovery (Alagappan et al., FAST 2018): the node boots, stays out of
    /// elections (no votes, no pre-votes, no campaign) and follows a leader until that leader
    /// has repaired its log; see [`crate::recovery`] for the rule and its safety argument.
    #[default]
    ProtocolAware,
    /// The node refuses to start on a damaged log, as etcd does on a CRC mismatch (`wal: crc
    /// mismatch`): an operator must replace it. The host implements this: it does not boot
    /// the node. The node itself does nothing different; booted on a damaged disk anyway, it
    /// recovers as under `ProtocolAware`, the only safe way it knows.
    Refuse,
}

impl RecoveryPolicy {
    pub const ALL: [RecoveryPolicy; 2] = [RecoveryPolicy::ProtocolAware, RecoveryPolicy::Refuse];

    /// The kebab-case name users type, as serde reads and writes it.
    pub fn name(self) -> &'static str {
        match self {
            RecoveryPolicy::ProtocolAware => "protocol-aware",
            RecoveryPolicy::Refuse => "refuse",
        }
    }

    pub fn from_name(name: &str) -> Option<RecoveryPolicy> {
        RecoveryPolicy::ALL.into_iter().find(|p| p.name() == name)
    }

    fn is_protocol_aware(&self) -> bool {
        *self == RecoveryPolicy::ProtocolAware
    }
}

impl fmt::Display for RecoveryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            election_timeout_min_ticks: 10,
            election_timeout_max_ticks: 20,
            heartbeat_interval_ticks: 2,
            max_entries_per_append: 64,
            heartbeats_carry_entries: true,
            pre_vote: false,
            check_quorum: false,
            lease_margin_ticks: 2,
            snapshot_threshold_entries: None,
            recovery: RecoveryPolicy::ProtocolAware,
            bugs: Knobs::none(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// The election timeout must exceed the heartbeat interval, or followers time out while a
    /// healthy leader is still between heartbeats (§5.6: broadcastTime ≪ electionTimeout).
    ElectionTimeoutNotAboveHeartbeat {
        min: u32,
        heartbeat: u32,
    },
    /// `[min, max)` must be non-empty.
    EmptyElectionTimeoutRange {
        min: u32,
        max: u32,
    },
    ZeroHeartbeatInterval,
    ZeroMaxEntries,
    /// A snapshot threshold of 0 would ask for a snapshot after every entry and none at all.
    ZeroSnapshotThreshold,
    /// A lease must last a positive time.
    LeaseMarginTooLarge {
        margin: u32,
        min: u32,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::ElectionTimeoutNotAboveHeartbeat { min, heartbeat } => write!(
                f,
                "election_timeout_min_ticks ({min}) must be greater than heartbeat_interval_ticks ({heartbeat})"
            ),
            ConfigError::EmptyElectionTimeoutRange { min, max } => write!(
                f,
                "election_timeout_max_ticks ({max}) must be greater than election_timeout_min_ticks ({min})"
            ),
            ConfigError::ZeroHeartbeatInterval => {
                write!(f, "heartbeat_interval_ticks must be at least 1")
            }
            ConfigError::ZeroMaxEntries => write!(f, "max_entries_per_append must be at least 1"),
            ConfigError::ZeroSnapshotThreshold => {
                write!(f, "snapshot_threshold_entries must be at least 1 (omit it to never compact)")
            }
            ConfigError::LeaseMarginTooLarge { margin, min } => write!(
                f,
                "lease_margin_ticks ({margin}) must be less than election_timeout_min_ticks ({min})"
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.heartbeat_interval_ticks == 0 {
            return Err(ConfigError::ZeroHeartbeatInterval);
        }
        if self.election_timeout_min_ticks <= self.heartbeat_interval_ticks {
            return Err(ConfigError::ElectionTimeoutNotAboveHeartbeat {
                min: self.election_timeout_min_ticks,
                heartbeat: self.heartbeat_interval_ticks,
            });
        }
        if self.election_timeout_max_ticks <= self.election_timeout_min_ticks {
            return Err(ConfigError::EmptyElectionTimeoutRange {
                min: self.election_timeout_min_ticks,
                max: self.election_timeout_max_ticks,
            });
        }
        if self.max_entries_per_append == 0 {
            return Err(ConfigError::ZeroMaxEntries);
        }
        if self.snapshot_threshold_entries == Some(0) {
            return Err(ConfigError::ZeroSnapshotThreshold);
        }
        if self.lease_margin_ticks >= self.election_timeout_min_ticks {
            return Err(ConfigError::LeaseMarginTooLarge {
                margin: self.lease_margin_ticks,
                min: self.election_timeout_min_ticks,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_is_valid() {
        assert_eq!(Config::default().validate(), Ok(()));
    }

    #[test]
    fn election_timeout_must_exceed_heartbeat() {
        let c = Config {
            election_timeout_min_ticks: 2,
            heartbeat_interval_ticks: 2,
            ..Config::default()
        };
        assert_eq!(
            c.validate(),
            Err(ConfigError::ElectionTimeoutNotAboveHeartbeat {
                min: 2,
                heartbeat: 2
            })
        );
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("must be greater"));
    }

    #[test]
    fn empty_timeout_range_and_zeroes_are_rejected() {
        let c = Config {
            election_timeout_max_ticks: 10,
            ..Config::default()
        };
        assert!(matches!(
            c.validate(),
            Err(ConfigError::EmptyElectionTimeoutRange { .. })
        ));
        let c = Config {
            heartbeat_interval_ticks: 0,
            ..Config::default()
        };
        assert_eq!(c.validate(), Err(ConfigError::ZeroHeartbeatInterval));
        let c = Config {
            max_entries_per_append: 0,
            ..Config::default()
        };
        assert_eq!(c.validate(), Err(ConfigError::ZeroMaxEntries));
    }

    #[test]
    fn knob_names_round_trip_and_are_kebab_case() {
        for k in BugKnob::ALL {
            assert_eq!(BugKnob::from_name(k.name()), Some(k));
            assert!(k.name().chars().all(|c| c.is_ascii_lowercase() || c == '-'));
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.name())
            );
        }
        assert_eq!(BugKnob::from_name("no-such-knob"), None);
    }

    #[test]
    fn recovery_policy_parses_by_name_and_defaults_to_protocol_aware() {
        assert_eq!(Config::default().recovery, RecoveryPolicy::ProtocolAware);
        for p in RecoveryPolicy::ALL {
            assert_eq!(RecoveryPolicy::from_name(p.name()), Some(p));
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{p}\""));
        }
        let refuse: Config = serde_json::from_str(r#"{"recovery": "refuse"}"#).unwrap();
        assert_eq!(refuse.recovery, RecoveryPolicy::Refuse);
        assert_eq!(refuse.validate(), Ok(()));
        let absent: Config = serde_json::from_str("{}").unwrap();
        assert_eq!(absent, Config::default());
        // The default is not written, so configs written before the field read back the same.
        let written = serde_json::to_string(&Config::default()).unwrap();
        assert!(!written.contains("recovery"), "{written}");
        let round: Config = serde_json::from_str(&serde_json::to_string(&refuse).unwrap()).unwrap();
        assert_eq!(round, refuse);
    }

    #[test]
    fn an_unknown_recovery_policy_is_a_clear_error() {
        let err = serde_json::from_str::<Config>(r#"{"recovery": "truncate"}"#).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("unknown variant `truncate`"), "{msg}");
        assert!(
            msg.contains("`protocol-aware`") && msg.contains("`refuse`"),
            "{msg}"
        );
        assert_eq!(RecoveryPolicy::from_name("truncate"), None);
        let err = serde_json::from_str::<Config>(r#"{"recovery_policy": "refuse"}"#).unwrap_err();
        assert!(
            err.to_string().contains("unknown field `recovery_policy`"),
            "{err}"
        );
    }
}
