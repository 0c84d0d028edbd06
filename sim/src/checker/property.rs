//! The properties raftsim checks, named as in the paper (Figure 3) and the catalogue §8.

use serde::Serialize;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Property {
    ElectionSafety,
    ElectedByMajority,
    LogMatching,
    LeaderCompleteness,
    StateMachineSafety,
    CommittedMeansReplicated,
    CommittedEntryDurability,
    Monotonicity,
    Linearizability,
    Liveness,
    LeadershipTransfer,
    Panic,
}

impl Property {
    pub const ALL: [Property; 12] = [
        Property::ElectionSafety,
        Property::ElectedByMajority,
        Property::LogMatching,
        Property::LeaderCompleteness,
        Property::StateMachineSafety,
        Property::CommittedMeansReplicated,
        Property::CommittedEntryDurability,
        Property::Monotonicity,
        Property::Linearizability,
        Property::Liveness,
        Property::LeadershipTransfer,
        Property::Panic,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Property::ElectionSafety => "Election Safety",
            Property::ElectedByMajority => "Elected by a majority",
            Property::LogMatching => "Log Matching",
            Property::LeaderCompleteness => "Leader Completeness",
            Property::StateMachineSafety => "State Machine Safety",
            Property::CommittedMeansReplicated => "Committed means replicated",
            Property::CommittedEntryDurability => "Committed-entry durability",
            Property::Monotonicity => "Monotonicity",
            Property::Linearizability => "Linearizability",
            Property::Liveness => "Liveness",
            Property::LeadershipTransfer => "Leadership transfer",
            Property::Panic => "Panic",
        }
    }

    pub fn from_name(name: &str) -> Option<Property> {
        Property::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The rule in plain words, as the paper states it.
    pub fn rule(self) -> &'static str {
        match self {
            Property::ElectionSafety => "at most one leader can be elected in a given term (§5.2)",
            Property::ElectedByMajority => "a candidate becomes leader only with votes from a majority of the servers (§5.2): of the voters of the configuration in its log, and of both halves of a joint one (thesis §4.1, §4.3)",
            Property::LogMatching => "if two logs contain an entry with the same index and term, the logs are identical in all entries up through that index (§5.3)",
            Property::LeaderCompleteness => "if a log entry is committed in a given term, it is present in the logs of the leaders for all higher-numbered terms (§5.4)",
            Property::StateMachineSafety => "if a server has applied a log entry at a given index, no other server ever applies a different log entry for the same index (§5.4.3)",
            Property::CommittedMeansReplicated => "a log entry is committed once it is replicated on a majority of the servers (§5.3), on their stable storage (Figure 2: persistent state is updated on stable storage before responding to RPCs)",
            Property::CommittedEntryDurability => "a committed entry is never deleted by a server at or above the term it was committed in, every server commits the same entry at an index, and an entry acknowledged to a client is the one that commits there",
            Property::Monotonicity => "a live server's currentTerm, commitIndex and lastApplied never decrease (Figure 2)",
            Property::Linearizability => "every client operation appears to take effect at one instant between its invocation and its response (thesis §6.3)",
            Property::Liveness => "once faults stop and the network heals, a leader is elected and every pending client operation finishes",
            Property::LeadershipTransfer => "a leadership transfer asked of a leader once faults have stopped ends with its target leading, within an election timeout and the time to bring the target up to date (thesis §3.10)",
            Property::Panic => "no server panics, and neither does the simulator: a panic is an assertion that fired, a state its author believed impossible",
        }
    }

    /// Why the rule exists: two or three plain sentences for learners.
    pub fn why(self) -> &'static str {
        match self {
            Property::ElectedByMajority => "Election Safety rests on every two majorities sharing a voter. A leader that counts votes of servers outside its configuration, or a majority of the wrong configuration, can be elected beside another leader of the same term.",
            Property::ElectionSafety => "A term is Raft's logical clock: one leader per term is what lets a follower trust any message carrying that term. Two leaders in one term can hand out different entries for the same index.",
            Property::LogMatching => "Leaders create at most one entry per index in a term, and AppendEntries checks the entry before the new ones. Together they let a single (index, term) stand for a whole log prefix.",
            Property::LeaderCompleteness => "Only a leader sends entries, and it never deletes its own. If a leader could lack a committed entry it would overwrite it on the followers; the election restriction (§5.4.1) and the commit rule (§5.4.2) prevent that.",
            Property::StateMachineSafety => "Replicated state machines agree only if they apply the same commands in the same order. Once any server applied an entry, every other server must apply that same entry at that index.",
            Property::CommittedMeansReplicated => "A commit is a promise that survives the crash of any minority. An entry that a majority holds only in memory, or that the leader counted before its own disk had it, can vanish in a crash, and a later leader would never know it existed.",
            Property::CommittedEntryDurability => "Committed means a client may have been told its command took effect. If a committed entry could vanish, the cluster would take back a promise.",
            Property::Monotonicity => "Terms are a clock and commitIndex a promise; both only move forward. A server whose term or commit index went backwards has lost state it already acted on.",
            Property::Linearizability => "Clients of a consistent store expect it to behave like a single copy. A read that returns a value older than a write that already completed breaks that illusion: a stale read.",
            Property::LeadershipTransfer => "Operators transfer leadership to take a server down for maintenance or to move load. A transfer that sends TimeoutNow to a server that cannot win leaves the cluster without a leader for an election timeout; one that keeps taking writes may never end.",
            Property::Liveness => "Safety alone is easy (never do anything). Raft also promises progress whenever a majority can talk to each other and timing is reasonable.",
            Property::Panic => "A server that panics takes itself out of the cluster, and the same input crashes it again after every restart: a panic on a message a correct peer can send is an availability bug, and the assertion that fired names a broken assumption.",
        }
    }
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
