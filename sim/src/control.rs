//! The cluster's levers: what scenario steps, the random fault schedule (`faults.rs`) and the
//! liveness phase do to it — crashes and restarts, pauses, clock drift, partitions, cuts, held
//! and dropped messages, calm. Each action is traced and told to the observers as the scenario
//! step that replays it (`Observer::on_fault`; the shrinker records them).

use crate::disk::DiskFault;
use crate::host::HostsView;
use crate::knob::HostKnob;
use crate::network::{Fate, LinkRule};
use crate::scenario::Step;
use crate::trace::TraceEvent;
use crate::world::{Event, World, MAX_CATCH_UP_TICKS};

/// How long a supervisor waits before it starts a process that stopped on a failed fsync.
pub const FSYNC_RESTART_US: u64 = 50_000;
use raft::{MessageKind, NodeId};

impl<N: crate::node::RaftNode> World<N> {
    /// Replaces a node's disk before the run starts (scenarios that begin from given logs, such
    /// as Figure 7) and restarts it from there.
    pub fn install(&mut self, id: NodeId, disk: raft::DurableState) {
        let i = id.0 as usize - 1;
        let node = self.new_node(id, disk.clone());
        self.hosts[i].set_disk(disk);
        self.hosts[i].restore_kv();
        self.hosts[i].node = Some(node);
        self.checkers.on_restart(id, &HostsView(&self.hosts));
    }

    pub fn crash(&mut self, id: NodeId) {
        self.crash_as(id, Some(Step::Crash(id)));
    }

    /// A crash, told to the observers as `step` (none when another step caused it: a torn
    /// crash, the stop after a failed fsync).
    fn crash_as(&mut self, id: NodeId, step: Option<Step>) {
        let host = &mut self.hosts[id.0 as usize - 1];
        if !host.is_alive() {
            // Down already: it stays down, and a supervisor's restart is called off.
            host.supervised = false;
            return;
        }
        // Messages that reached a paused node and waited for it are lost with it: they leave
        // their links (or the links' in-flight bounds would fill up for good).
        for (from, _) in &host.paused_inbox {
            self.network.arrived(*from, id);
        }
        let lost_writes = host.crash();
        if let Some(step) = step {
            self.note_step(step);
        }
        self.stats.crashes += 1;
        self.checkers.on_crash(id);
        self.record(TraceEvent::Crash {
            node: id,
            lost_writes,
        });
        self.notify(|o, w| o.on_change(w));
    }

    /// Boots a crashed node from what it reads of its WAL (`Host::recover`): with damage found,
    /// a protocol-aware node boots repairing, a refusing one stays down.
    pub fn restart(&mut self, id: NodeId) {
        let i = id.0 as usize - 1;
        if self.hosts[i].is_alive() || self.hosts[i].decommissioned {
            return;
        }
        self.hosts[i].supervised = false;
        self.note_step(Step::Restart(id));
        let verify = !self.config.bugs.contains(HostKnob::NoWalChecksums);
        let refuse = self.raft.recovery == raft::RecoveryPolicy::Refuse;
        let recovered = match self.hosts[i].recover(verify, refuse) {
            Ok(r) => r,
            Err(why) => {
                self.stats.disk.refusals += 1;
                self.record(TraceEvent::Fault {
                    description: format!("{id} refuses to start: {why}"),
                });
                return;
            }
        };
        if recovered.torn_tail {
            self.record(TraceEvent::Fault {
                description: format!("{id} drops the torn last record of its WAL"),
            });
        }
        if let Some((damage, seq)) = recovered.damage {
            self.stats.disk.damaged_starts += 1;
            let last = recovered.boot.synced().last_index;
            self.record(TraceEvent::Fault {
                description: format!(
                    "{id}'s WAL record {seq} {damage}: its log is cut after {last}, and it starts knowing its log was damaged"
                ),
            });
        }
        self.hosts[i].restore_kv();
        let node = self.new_node(id, recovered.boot);
        if !node.repairing() {
            // It ignores the damage (`truncate-on-corruption`, or an implementation without
            // a repair rule): nothing to be repaired of.
            self.hosts[i].booted_damaged = None;
        }
        self.hosts[i].node = Some(node);
        self.checkers.on_restart(id, &HostsView(&self.hosts));
        self.record(TraceEvent::Restart { node: id });
        self.notify(|o, w| o.on_change(w));
        let at = self.now_us + self.hosts[i].tick_interval_us(self.config.tick_us);
        self.schedule_tick(id, at);
    }

    /// A disk fault (`disk/`). Damage at rest needs the node down: raftsim's nodes read their
    /// WAL only when they start, as etcd's do, so damage to a running node's records would
    /// show only at its next start anyway. Errors name what is wrong.
    pub fn disk_fault(&mut self, id: NodeId, fault: DiskFault) -> Result<(), String> {
        let i = id.0 as usize - 1;
        let alive = self.hosts[i].is_alive();
        if fault.at_rest() && alive {
            return Err(format!(
                "{fault} on {id}: {id} is running; damage a disk while its node is crashed (a node reads its WAL only when it starts)"
            ));
        }
        if fault == DiskFault::TornCrash && !alive {
            return Err(format!("torn-crash {id}: {id} is crashed already"));
        }
        let host = &mut self.hosts[i];
        let description = match fault {
            DiskFault::FsyncFail => {
                host.fsync_fail_next = true;
                format!("{id}'s next fsync will fail")
            }
            DiskFault::TornCrash => {
                let n = host.writing.len();
                if host.tear_writes() {
                    self.stats.disk.records_torn += 1;
                    format!("{id} crashes in the middle of a write: of the {n} writes in flight, the last record is torn")
                } else {
                    format!("{id} crashes with no write in flight: nothing to tear")
                }
            }
            DiskFault::Corrupt(index) => {
                host.wal().corrupt(index)?;
                self.stats.disk.records_corrupted += 1;
                format!("the record of entry {index} on {id}'s disk is corrupted")
            }
            DiskFault::LoseWrite(index) => {
                host.wal().lose_write(index)?;
                self.stats.disk.writes_lost += 1;
                format!("the write of entry {index} never reached {id}'s disk (a lost write)")
            }
            DiskFault::Misdirect { index, over } => {
                host.wal().misdirect(index, over)?;
                self.stats.disk.writes_misdirected += 1;
                format!("on {id}'s disk, the write of entry {index} landed on the record of entry {over}")
            }
            DiskFault::Wipe => {
                host.wal().wipe();
                self.stats.disk.wipes += 1;
                format!("{id}'s disk is wiped")
            }
        };
        let host = &mut self.hosts[i];
        if fault.at_rest() {
            host.disk = host.wal().read(true).state;
        }
        self.note_step(Step::Disk { node: id, fault });
        self.record(TraceEvent::Fault { description });
        if fault == DiskFault::TornCrash {
            self.crash_as(id, None);
        }
        self.notify(|o, w| o.on_change(w));
        Ok(())
    }

    /// Whether `id` has writes on their way to its disk (a crash now would tear one).
    pub fn writes_in_flight(&self, id: NodeId) -> bool {
        !self.hosts[id.0 as usize - 1].writing.is_empty()
    }

    /// The disk-damage budget of the swarm (`faults::DiskMix`): a cluster of three or more
    /// (in a smaller one the node is its own majority, and what it lost has no other copy that
    /// a majority vouches for), and no node other than `id` impaired.
    pub fn disk_damage_allowed(&self, id: NodeId) -> bool {
        self.config.nodes >= 3 && self.impaired_disks().iter().all(|n| *n == id)
    }

    /// Nodes whose disk damage is not behind them: damage a reader would meet, or a node
    /// repairing (or to repair at its next start).
    pub fn impaired_disks(&self) -> Vec<NodeId> {
        self.hosts
            .iter()
            .filter(|h| h.impaired())
            .map(|h| h.id)
            .collect()
    }

    /// The fsync of `id`'s writes in flight failed. The correct host stops the process, as
    /// etcd does (`Fatal` on a failed WAL sync), and its supervisor starts it again after
    /// `FSYNC_RESTART_US`, reading the disk afresh; with `fsync-failure-ignored` it carries
    /// on, trusting the page cache. Returns whether the node is still running.
    pub(crate) fn fsync_failed(&mut self, id: NodeId) -> bool {
        self.stats.disk.fsync_failures += 1;
        let i = id.0 as usize - 1;
        if self.config.bugs.contains(HostKnob::FsyncFailureIgnored) {
            let n = self.hosts[i].lose_writes();
            self.record(TraceEvent::Fault {
                description: format!("{id}'s fsync fails: its {n} writes never reach the disk, and {id} carries on as if they had (fsync-failure-ignored)"),
            });
            return true;
        }
        self.record(TraceEvent::Fault {
            description: format!(
                "{id}'s fsync fails: {id} stops, and its supervisor restarts it in {}ms",
                FSYNC_RESTART_US / 1000
            ),
        });
        self.crash_as(id, None);
        self.hosts[i].supervised = true;
        let incarnation = self.hosts[i].incarnation;
        self.queue.push(
            self.now_us + FSYNC_RESTART_US,
            Event::Supervisor {
                node: id,
                incarnation,
            },
        );
        false
    }

    /// The supervisor's restart after a failed fsync, unless something else restarted the
    /// node meanwhile.
    pub(crate) fn supervisor_restart(&mut self, id: NodeId, incarnation: u64) {
        let host = &mut self.hosts[id.0 as usize - 1];
        if host.incarnation == incarnation && host.supervised {
            host.supervised = false;
            self.restart(id);
        }
    }

    pub fn pause(&mut self, id: NodeId) {
        let host = &mut self.hosts[id.0 as usize - 1];
        if host.is_alive() && !host.paused {
            host.paused = true;
            self.note_step(Step::Pause(id));
            self.record(TraceEvent::Fault {
                description: format!("{id} paused"),
            });
        }
    }

    pub fn resume(&mut self, id: NodeId) {
        let host = &mut self.hosts[id.0 as usize - 1];
        if !host.paused {
            return;
        }
        self.note_step(Step::Resume(id));
        let host = &mut self.hosts[id.0 as usize - 1];
        host.paused = false;
        let inbox = std::mem::take(&mut host.paused_inbox);
        let missed = std::mem::take(&mut host.missed_ticks);
        self.record(TraceEvent::Fault {
            description: format!("{id} resumed ({missed} ticks passed while paused)"),
        });
        // Its clock jumped: the node sees the time that passed before any message (a lease
        // checked against a real clock expires during a pause).
        for _ in 0..missed.min(MAX_CATCH_UP_TICKS) {
            self.input(id, |n, out| n.tick(out));
        }
        for (from, message) in inbox {
            let event = Event::Deliver {
                from,
                to: id,
                message,
                duplicate: false,
                sent_us: self.now_us,
            };
            self.queue.push(self.now_us, event);
        }
    }

    /// Makes a node time out now (it starts an election).
    pub fn timeout(&mut self, id: NodeId) {
        self.record(TraceEvent::Timeout { node: id });
        self.input(id, |n, out| n.timeout_now(out));
    }

    /// One extra tick of a node's clock.
    pub fn tick_node(&mut self, id: NodeId) {
        self.record(TraceEvent::Tick { node: id });
        self.input(id, |n, out| n.tick(out));
    }

    pub fn partition(&mut self, groups: &[Vec<NodeId>]) {
        self.network.partition(groups);
        self.note_step(Step::Partition(groups.to_vec()));
        self.stats.partitions += 1;
        let text: Vec<String> = groups.iter().map(|g| fmt_group(g)).collect();
        self.record(TraceEvent::Fault {
            description: format!("partition {}", text.join(" | ")),
        });
    }

    pub fn cut(&mut self, from: NodeId, to: NodeId) {
        self.network.cut(from, to);
        self.note_step(Step::Cut { from, to });
        self.stats.partitions += 1;
        self.record(TraceEvent::Fault {
            description: format!("one-way cut {from}->{to}"),
        });
    }

    pub fn keep_links(&mut self, links: &[(NodeId, NodeId)]) {
        self.network.keep_links(links);
        self.note_step(Step::Links(links.to_vec()));
        self.stats.partitions += 1;
        let text: Vec<String> = links.iter().map(|(a, b)| format!("{a}-{b}")).collect();
        self.record(TraceEvent::Fault {
            description: format!("only links {}", text.join(" ")),
        });
    }

    pub fn heal(&mut self) {
        self.network.heal();
        self.note_step(Step::Heal);
        self.record(TraceEvent::Fault {
            description: "heal: every link up".into(),
        });
    }

    pub fn add_link_rule(&mut self, from: NodeId, to: NodeId, rule: LinkRule) {
        self.network.add_rule(from, to, rule);
        let (what, kind) = match rule {
            LinkRule::Hold(k) => ("hold", k),
            LinkRule::Drop(k) => ("drop", k),
        };
        self.note_step(match rule {
            LinkRule::Hold(kind) => Step::Hold { from, to, kind },
            LinkRule::Drop(kind) => Step::Drop { from, to, kind },
        });
        let kind = kind.map_or("all".to_string(), |k| k.name().to_string());
        self.record(TraceEvent::Fault {
            description: format!("{what} {kind} messages {from}->{to}"),
        });
    }

    /// Lifts the rules on a link and delivers what was held there, in order.
    pub fn release(&mut self, from: NodeId, to: NodeId, kind: Option<MessageKind>) {
        self.release_some(from, to, kind, None, false, false);
    }

    /// Lifts every rule on every link and delivers every held message, in the order held.
    pub fn release_all_held(&mut self) {
        for (from, to) in self.network.held_links() {
            self.release(from, to, None);
        }
    }

    /// With `count`, delivers only `count` held messages (the oldest, or with `newest` the most
    /// recent) and keeps the hold on; without, lifts the rules on the link and delivers
    /// everything held there, in order (or with `newest`, the most recent first). With `twice`,
    /// each is delivered twice (a scripted duplication).
    pub fn release_some(
        &mut self,
        from: NodeId,
        to: NodeId,
        kind: Option<MessageKind>,
        count: Option<usize>,
        newest: bool,
        twice: bool,
    ) {
        self.note_step(Step::Release {
            from,
            to,
            kind,
            count,
            newest,
            twice,
        });
        let held = match count {
            Some(n) => self.network.take_held(from, to, kind, n, newest),
            None => {
                let mut all = self.network.release(from, to, kind);
                if newest {
                    all.reverse();
                }
                all
            }
        };
        let kind_name = kind.map_or("all".to_string(), |k| k.name().to_string());
        let what = match count {
            Some(_) => format!(
                "deliver {} held {kind_name} message(s) {from}->{to}",
                held.len()
            ),
            None => format!(
                "release {kind_name} messages {from}->{to} ({} held)",
                held.len()
            ),
        };
        self.record(TraceEvent::Fault { description: what });
        for (f, t, message) in held {
            for copy in 0..1 + twice as u8 {
                // Straight onto the wire: the hold was the fault; the network still adds latency.
                if let Fate::Deliver { latency_us, .. } = self.network.fate(f, t) {
                    let event = Event::Deliver {
                        from: f,
                        to: t,
                        message: message.clone(),
                        duplicate: copy == 1,
                        sent_us: self.now_us,
                    };
                    self.queue.push(self.now_us + latency_us, event);
                }
            }
        }
    }

    /// No more loss or duplication on the network (latency stays).
    pub fn calm(&mut self) {
        let mut net = self.network.config().clone();
        net.drop_probability = 0.0;
        net.duplicate_probability = 0.0;
        self.network.set_config(net);
        for h in &mut self.hosts {
            h.fsync_fail_next = false; // and no fsync fails
        }
        self.note_step(Step::Calm);
    }

    pub fn set_drift(&mut self, id: NodeId, drift_ppm: i32) {
        if self.hosts[id.0 as usize - 1].drift_ppm != drift_ppm {
            self.hosts[id.0 as usize - 1].drift_ppm = drift_ppm;
            self.note_step(Step::Clock {
                node: id,
                drift_ppm,
            });
        }
    }
}

fn fmt_group(g: &[NodeId]) -> String {
    let ids: Vec<String> = g.iter().map(|n| n.to_string()).collect();
    format!("{{{}}}", ids.join(","))
}

#[cfg(test)]
mod tests {
    use crate::config::SimConfig;
    use crate::trace::Trace;
    use crate::world::World;
    use raft::NodeId;

    /// Messages that waited for a paused node and were lost in its crash leave their links: the
    /// links' in-flight bounds do not fill up for good (they did, and the liveness phase found
    /// a link that dropped everything as "overflow").
    #[test]
    fn a_crash_of_a_paused_node_frees_what_waited_for_it() {
        let sim = SimConfig {
            nodes: 3,
            ..SimConfig::default()
        };
        let mut w = World::new(1, sim, raft::Config::default(), Trace::new(false, 0));
        let (n1, n2, n3) = (NodeId(1), NodeId(2), NodeId(3));
        w.timeout(n1);
        w.run_until(50_000);
        w.pause(n2);
        w.run_until(550_000);
        w.cut(n1, n2);
        w.cut(n3, n2);
        w.run_until(600_000);
        let waiting = |w: &World, from| {
            let inbox = &w.hosts[1].paused_inbox;
            inbox.iter().filter(|(f, _)| *f == from).count() as u32
        };
        let before = [n1, n3].map(|f| (w.network.in_flight(f, n2), waiting(&w, f)));
        assert!(before[0].1 > 10, "heartbeats waited for n2: {before:?}");
        w.crash(n2);
        let after = [n1, n3].map(|f| w.network.in_flight(f, n2));
        assert_eq!(after, before.map(|(flying, waited)| flying - waited));
    }
}
