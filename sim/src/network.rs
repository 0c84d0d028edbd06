//! The virtual network: which directed links are up (a petgraph topology), per-message latency,
//! loss and duplication, held messages, and a bound on messages in flight per link.
//!
//! The network decides a message's fate when it is sent (loss, duplication, latency, hold) and
//! checks the link again when it arrives: a link cut while a message is in flight loses it.

use crate::config::NetworkConfig;
use crate::node::RaftMessage;
use crate::rng::KeyedRng;
use crate::trace::DropReason;
use petgraph::graphmap::DiGraphMap;
use raft::{Message, MessageKind, NodeId, MAX_NODES};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// A rule on one directed link, set by scenario steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkRule {
    /// Keep matching messages on the link until released.
    Hold(Option<MessageKind>),
    /// Lose matching messages until healed or released.
    Drop(Option<MessageKind>),
}

impl LinkRule {
    fn matches(&self, kind: MessageKind) -> bool {
        match self {
            LinkRule::Hold(k) | LinkRule::Drop(k) => k.is_none_or(|k| k == kind),
        }
    }
}

/// What the network does with one sent message.
#[derive(Debug, PartialEq, Eq)]
pub enum Fate {
    /// Deliver after these latencies (two when duplicated).
    Deliver {
        latency_us: u64,
        copy_latency_us: Option<u64>,
    },
    Dropped(DropReason),
    Held,
}

pub struct Network<M = Message> {
    config: NetworkConfig,
    nodes: u8,
    /// The links that are up, as a directed graph over node ids.
    topology: DiGraphMap<u8, ()>,
    /// `reach[from]` has bit `to` set when the link from→to is up: the hot-path copy of
    /// `topology`, rebuilt whenever it changes.
    reach: [u64; MAX_NODES + 1],
    in_flight: Vec<u32>,
    rules: Vec<(NodeId, NodeId, LinkRule)>,
    held: Vec<(NodeId, NodeId, M)>,
    /// Drawn once from the network stream; each message's draws are keyed by it and the
    /// message's place (see `rng::KeyedRng`).
    secret: u64,
    sent: Vec<u64>,
}

impl<M: RaftMessage> Network<M> {
    pub fn new(nodes: u8, config: NetworkConfig, rng: ChaCha8Rng) -> Network<M> {
        let mut net = Network {
            config,
            nodes,
            topology: DiGraphMap::new(),
            reach: [0; MAX_NODES + 1],
            in_flight: vec![0; (nodes as usize + 1) * (nodes as usize + 1)],
            rules: Vec::new(),
            held: Vec::new(),
            secret: rng.clone().gen(),
            sent: vec![0; (nodes as usize + 1) * (nodes as usize + 1)],
        };
        net.heal();
        net
    }

    /// The number drawn once from the network stream that keys per-message draws.
    pub fn secret(&self) -> u64 {
        self.secret
    }

    pub fn config(&self) -> &NetworkConfig {
        &self.config
    }

    pub fn set_config(&mut self, config: NetworkConfig) {
        self.config = config;
    }

    fn ids(&self) -> impl Iterator<Item = u8> {
        1..=self.nodes
    }

    fn rebuild_reach(&mut self) {
        self.reach = [0; MAX_NODES + 1];
        for (a, b, _) in self.topology.all_edges() {
            self.reach[a as usize] |= 1 << b;
        }
    }

    /// Every link up, every rule lifted (held messages stay held until released).
    pub fn heal(&mut self) {
        let no_drops = self
            .rules
            .iter()
            .all(|(_, _, r)| matches!(r, LinkRule::Hold(_)));
        if no_drops && self.topology.node_count() == self.nodes as usize && self.is_healed() {
            return; // already whole
        }
        self.topology = DiGraphMap::new();
        for a in self.ids() {
            self.topology.add_node(a);
            for b in self.ids() {
                if a != b {
                    self.topology.add_edge(a, b, ());
                }
            }
        }
        self.rules
            .retain(|(_, _, r)| matches!(r, LinkRule::Hold(_)));
        self.rebuild_reach();
    }

    /// A symmetric partition: links stay up only inside each group; a node in no group is
    /// alone.
    pub fn partition(&mut self, groups: &[Vec<NodeId>]) {
        let group_of = |n: u8| groups.iter().position(|g| g.contains(&NodeId(n)));
        let mut topology = DiGraphMap::new();
        for a in self.ids() {
            topology.add_node(a);
            for b in self.ids() {
                if a != b && group_of(a).is_some() && group_of(a) == group_of(b) {
                    topology.add_edge(a, b, ());
                }
            }
        }
        self.topology = topology;
        self.rebuild_reach();
    }

    /// A one-way cut: messages from `from` to `to` are lost; the reverse direction is untouched.
    pub fn cut(&mut self, from: NodeId, to: NodeId) {
        self.topology.remove_edge(from.0, to.0);
        self.rebuild_reach();
    }

    /// Keep only these links, in both directions (a partial partition).
    pub fn keep_links(&mut self, links: &[(NodeId, NodeId)]) {
        let mut topology = DiGraphMap::new();
        for a in self.ids() {
            topology.add_node(a);
        }
        for (a, b) in links {
            topology.add_edge(a.0, b.0, ());
            topology.add_edge(b.0, a.0, ());
        }
        self.topology = topology;
        self.rebuild_reach();
    }

    pub fn is_up(&self, from: NodeId, to: NodeId) -> bool {
        self.reach[from.0 as usize] & (1 << to.0) != 0
    }

    /// Whether every link is up.
    pub fn is_healed(&self) -> bool {
        self.topology.edge_count() == self.nodes as usize * (self.nodes as usize - 1)
    }

    /// The groups of nodes that can reach each other (strongly connected components of the
    /// topology), for narration.
    pub fn components(&self) -> Vec<Vec<NodeId>> {
        let mut groups: Vec<Vec<NodeId>> = petgraph::algo::kosaraju_scc(&self.topology)
            .into_iter()
            .map(|c| {
                let mut g: Vec<NodeId> = c.into_iter().map(NodeId).collect();
                g.sort();
                g
            })
            .collect();
        groups.sort();
        groups
    }

    pub fn add_rule(&mut self, from: NodeId, to: NodeId, rule: LinkRule) {
        self.rules.push((from, to, rule));
    }

    /// Lifts the rules on a link (of one message kind, or all) and returns the messages held
    /// there, in the order they were sent.
    pub fn release(
        &mut self,
        from: NodeId,
        to: NodeId,
        kind: Option<MessageKind>,
    ) -> Vec<(NodeId, NodeId, M)> {
        let on_link = |f: NodeId, t: NodeId| f == from && t == to;
        let kind_matches = |k: MessageKind| kind.is_none_or(|want| want == k);
        self.rules.retain(|(f, t, r)| {
            let rk = match r {
                LinkRule::Hold(k) | LinkRule::Drop(k) => *k,
            };
            !(on_link(*f, *t) && (kind.is_none() || rk == kind))
        });
        let (released, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.held)
            .into_iter()
            .partition(|(f, t, m)| on_link(*f, *t) && kind_matches(m.kind()));
        self.held = kept;
        released
    }

    /// The messages held on their links (scenario `hold`), oldest first.
    pub fn held(&self) -> &[(NodeId, NodeId, M)] {
        &self.held
    }

    /// The links that hold messages or carry rules, each once, in order.
    pub fn held_links(&self) -> Vec<(NodeId, NodeId)> {
        let mut links: Vec<(NodeId, NodeId)> = self
            .held
            .iter()
            .map(|(f, t, _)| (*f, *t))
            .chain(self.rules.iter().map(|(f, t, _)| (*f, *t)))
            .collect();
        links.sort();
        links.dedup();
        links
    }

    /// Takes `count` messages held on a link (of one kind, or any), the oldest first or with
    /// `newest` the most recent first, leaving its rules.
    pub fn take_held(
        &mut self,
        from: NodeId,
        to: NodeId,
        kind: Option<MessageKind>,
        count: usize,
        newest: bool,
    ) -> Vec<(NodeId, NodeId, M)> {
        let matching = |(f, t, m): &(NodeId, NodeId, M)| {
            *f == from && *t == to && kind.is_none_or(|k| k == m.kind())
        };
        let mut picked: Vec<usize> = (0..self.held.len())
            .filter(|&i| matching(&self.held[i]))
            .collect();
        if newest {
            picked.reverse();
        }
        picked.truncate(count);
        let taken: Vec<_> = picked.iter().map(|&i| self.held[i].clone()).collect();
        picked.sort_unstable();
        for i in picked.into_iter().rev() {
            self.held.remove(i);
        }
        taken
    }

    /// Decides a sent message's fate, drawing from the network stream at a place keyed by the
    /// link, the message and the time it is sent: the same message sent at the same time meets
    /// the same fate, whatever else happened in the run (which keeps shrinking effective).
    pub fn send(&mut self, now_us: u64, from: NodeId, to: NodeId, message: &M) -> Fate {
        let kind = message.kind();
        if let Some((_, _, rule)) = self
            .rules
            .iter()
            .rev()
            .find(|(f, t, r)| *f == from && *t == to && r.matches(kind))
        {
            return match rule {
                LinkRule::Hold(_) => {
                    self.held.push((from, to, message.clone()));
                    Fate::Held
                }
                LinkRule::Drop(_) => Fate::Dropped(DropReason::Rule),
            };
        }
        let key = message.content_key() ^ crate::rng::mix64(now_us);
        let link = self.link(from, to) as u64;
        let mut rng = KeyedRng::new(self.secret, link, key);
        self.decide(&mut rng, from, to)
    }

    /// Loss, duplication and latency of one message on a link without rules: the network's
    /// core decision, also used alone by the ping-mesh benchmark.
    pub fn fate(&mut self, from: NodeId, to: NodeId) -> Fate {
        let link = self.link(from, to);
        let mut rng = KeyedRng::new(self.secret, link as u64, self.sent[link] | (1 << 63));
        self.sent[link] += 1;
        self.decide(&mut rng, from, to)
    }

    fn decide(&mut self, rng: &mut KeyedRng, from: NodeId, to: NodeId) -> Fate {
        let link = self.link(from, to);
        if self.in_flight[link] as usize >= self.config.max_in_flight_per_link {
            return Fate::Dropped(DropReason::Overflow);
        }
        let c = &self.config;
        if c.drop_probability > 0.0 && rng.gen_bool(c.drop_probability) {
            return Fate::Dropped(DropReason::Loss);
        }
        let latency_us = rng.gen_range(c.latency_min_us..=c.latency_max_us);
        let copy_latency_us = (c.duplicate_probability > 0.0
            && rng.gen_bool(c.duplicate_probability))
        .then(|| rng.gen_range(c.latency_min_us..=c.latency_max_us));
        self.in_flight[link] += 1 + copy_latency_us.is_some() as u32;
        Fate::Deliver {
            latency_us,
            copy_latency_us,
        }
    }

    /// Messages on the link from `from` to `to` that were sent and have not yet arrived.
    pub fn in_flight(&self, from: NodeId, to: NodeId) -> u32 {
        self.in_flight[self.link(from, to)]
    }

    /// A message scheduled by `send` leaves the link (delivered or lost on arrival).
    pub fn arrived(&mut self, from: NodeId, to: NodeId) {
        let link = self.link(from, to);
        self.in_flight[link] = self.in_flight[link].saturating_sub(1);
    }

    fn link(&self, from: NodeId, to: NodeId) -> usize {
        from.0 as usize * (self.nodes as usize + 1) + to.0 as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raft::Term;
    use rand::SeedableRng;

    fn ids(v: &[u8]) -> Vec<NodeId> {
        v.iter().map(|i| NodeId(*i)).collect()
    }
    fn vote() -> Message {
        Message::RequestVoteResponse {
            term: Term(1),
            vote_granted: true,
        }
    }

    #[test]
    fn partition_cuts_between_groups_only() {
        let mut net: Network =
            Network::new(5, NetworkConfig::default(), ChaCha8Rng::seed_from_u64(1));
        net.partition(&[ids(&[1, 2]), ids(&[3, 4, 5])]);
        assert!(net.is_up(NodeId(1), NodeId(2)));
        assert!(net.is_up(NodeId(4), NodeId(3)));
        assert!(!net.is_up(NodeId(1), NodeId(3)));
        assert!(!net.is_up(NodeId(5), NodeId(2)));
        assert_eq!(net.components(), vec![ids(&[1, 2]), ids(&[3, 4, 5])]);
        net.heal();
        assert!(net.is_healed());
    }

    #[test]
    fn one_way_cut_and_partial_links() {
        let mut net: Network =
            Network::new(3, NetworkConfig::default(), ChaCha8Rng::seed_from_u64(1));
        net.cut(NodeId(1), NodeId(3));
        assert!(!net.is_up(NodeId(1), NodeId(3)));
        assert!(net.is_up(NodeId(3), NodeId(1)));
        let mut net: Network =
            Network::new(5, NetworkConfig::default(), ChaCha8Rng::seed_from_u64(1));
        let links: Vec<_> = [(1, 2), (1, 3), (2, 3), (2, 4), (3, 5)]
            .iter()
            .map(|(a, b)| (NodeId(*a), NodeId(*b)))
            .collect();
        net.keep_links(&links);
        assert!(net.is_up(NodeId(4), NodeId(2)));
        assert!(!net.is_up(NodeId(4), NodeId(5)));
        assert!(!net.is_up(NodeId(1), NodeId(4)));
    }

    #[test]
    fn hold_then_release_returns_messages_in_order() {
        let mut net: Network =
            Network::new(3, NetworkConfig::default(), ChaCha8Rng::seed_from_u64(1));
        net.add_rule(
            NodeId(1),
            NodeId(2),
            LinkRule::Hold(Some(MessageKind::RequestVoteResponse)),
        );
        assert_eq!(net.send(0, NodeId(1), NodeId(2), &vote()), Fate::Held);
        assert!(matches!(
            net.send(0, NodeId(2), NodeId(1), &vote()),
            Fate::Deliver { .. }
        ));
        assert_eq!(net.release(NodeId(1), NodeId(2), None).len(), 1);
        assert!(matches!(
            net.send(0, NodeId(1), NodeId(2), &vote()),
            Fate::Deliver { .. }
        ));
    }

    #[test]
    fn in_flight_bound_and_loss() {
        let config = NetworkConfig {
            max_in_flight_per_link: 2,
            ..NetworkConfig::default()
        };
        let mut net: Network = Network::new(2, config, ChaCha8Rng::seed_from_u64(1));
        let (a, b) = (NodeId(1), NodeId(2));
        assert!(matches!(net.send(0, a, b, &vote()), Fate::Deliver { .. }));
        assert!(matches!(net.send(0, a, b, &vote()), Fate::Deliver { .. }));
        assert_eq!(
            net.send(0, a, b, &vote()),
            Fate::Dropped(DropReason::Overflow)
        );
        net.arrived(a, b);
        assert!(matches!(net.send(0, a, b, &vote()), Fate::Deliver { .. }));
        net.set_config(NetworkConfig {
            drop_probability: 1.0,
            ..NetworkConfig::default()
        });
        assert_eq!(net.send(0, b, a, &vote()), Fate::Dropped(DropReason::Loss));
    }
}
