//! Steps written back in the scenario language: what `fuzz --shrink` and the proptest
//! schedules of `schedule.rs` put in the files they write. Each written step parses back
//! to the same [`Step`] (tested below).

use super::Step;
use crate::lin::KvOp;
use raft::NodeId;

/// One step as a `[[step]]` body, or `None` for steps that only hand-written scenarios use
/// (expectations, rewinds, narration).
pub fn step_toml(step: &Step) -> Option<String> {
    let ids = |g: &[NodeId]| {
        g.iter()
            .map(|n| n.0.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    Some(match step {
        Step::Run { duration_us } => format!("run = \"{duration_us}us\""),
        Step::Timeout(n) => format!("timeout = {}", n.0),
        Step::Partition(groups) => {
            let g: Vec<String> = groups.iter().map(|g| format!("[{}]", ids(g))).collect();
            format!("partition = [{}]", g.join(", "))
        }
        Step::Cut { from, to } => format!("cut = {{ from = {}, to = {} }}", from.0, to.0),
        Step::Links(l) => {
            let l: Vec<String> = l
                .iter()
                .map(|(a, b)| format!("[{}, {}]", a.0, b.0))
                .collect();
            format!("links = [{}]", l.join(", "))
        }
        Step::Heal => "heal = true".into(),
        Step::Calm => "calm = true".into(),
        Step::Retry(n) => format!("retry = {}", n.0),
        Step::Change(change) => match *change {
            raft::ConfChange::AddVoter(n) => format!("add = {}", n.0),
            raft::ConfChange::AddLearner(n) => format!("add-learner = {}", n.0),
            raft::ConfChange::Promote(n) => format!("promote = {}", n.0),
            raft::ConfChange::Remove(n) => format!("remove = {}", n.0),
            raft::ConfChange::Joint { voters } => {
                let v: Vec<NodeId> = voters.iter().collect();
                format!("change-voters = [{}]", ids(&v))
            }
        },
        Step::Transfer(n) => format!("transfer = {}", n.0),
        Step::Disk { node, fault } => {
            use crate::disk::DiskFault;
            let n = node.0;
            match fault {
                DiskFault::FsyncFail | DiskFault::TornCrash | DiskFault::Wipe => {
                    format!("{} = {n}", fault.name())
                }
                DiskFault::Corrupt(i) | DiskFault::LoseWrite(i) => {
                    format!("{} = {{ node = {n}, index = {} }}", fault.name(), i.0)
                }
                DiskFault::Misdirect { index, over } => format!(
                    "misdirect = {{ node = {n}, index = {}, over = {} }}",
                    index.0, over.0
                ),
            }
        }
        Step::Crash(n) => format!("crash = {}", n.0),
        Step::Restart(n) => format!("restart = {}", n.0),
        Step::Pause(n) => format!("pause = {}", n.0),
        Step::Resume(n) => format!("resume = {}", n.0),
        Step::Clock { node, drift_ppm } => {
            format!("clock = {{ node = {}, drift-ppm = {drift_ppm} }}", node.0)
        }
        Step::Write { node, value } => format!("write = {{ node = {}, value = {value} }}", node.0),
        Step::Tick { node, count } => format!("tick = {{ node = {}, count = {count} }}", node.0),
        Step::Hold { from, to, kind } => format!("hold = {}", link(*from, *to, *kind, "")),
        Step::Drop { from, to, kind } => format!("drop = {}", link(*from, *to, *kind, "")),
        Step::Release {
            from,
            to,
            kind,
            count,
            newest,
            twice,
        } => {
            let mut extra = String::new();
            if let Some(c) = count {
                extra += &format!(", count = {c}");
            }
            if *newest {
                extra += ", newest = true";
            }
            if *twice {
                extra += ", twice = true";
            }
            format!("release = {}", link(*from, *to, *kind, &extra))
        }
        Step::Kv { node, op } => match op {
            KvOp::Put { key, value } => {
                format!(
                    "put = {{ node = {}, key = {key}, value = {value} }}",
                    node.0
                )
            }
            KvOp::Get { key } => format!("get = {{ node = {}, key = {key} }}", node.0),
            KvOp::Cas {
                key,
                expected: Some(from),
                new,
            } => format!(
                "cas = {{ node = {}, key = {key}, from = {from}, to = {new} }}",
                node.0
            ),
            KvOp::Cas {
                key,
                expected: None,
                new,
            } => format!("cas = {{ node = {}, key = {key}, to = {new} }}", node.0),
        },
        _ => return None,
    })
}

/// `{ from = 1, to = 3, type = "heartbeat"<extra> }`.
fn link(from: NodeId, to: NodeId, kind: Option<raft::MessageKind>, extra: &str) -> String {
    let kind = kind.map_or(String::new(), |k| format!(", type = \"{}\"", k.name()));
    format!("{{ from = {}, to = {}{kind}{extra} }}", from.0, to.0)
}

/// `expect = { violation = ... }` steps, one for each property that `violations` ("Property:
/// detail" lines, as a scenario report's `unexpected` has them) names, in name order.
pub fn expect_violations(violations: &[String]) -> String {
    let mut properties: Vec<&str> = violations
        .iter()
        .filter_map(|v| v.split(':').next())
        .collect();
    properties.sort();
    properties.dedup();
    properties
        .iter()
        .map(|p| format!("[[step]]\nexpect = {{ violation = \"{p}\" }}\n"))
        .collect()
}

/// A list of knob names as a scenario writes it: `["volatile-vote", "ack-uncommitted-write"]`.
pub fn knob_list<K: std::fmt::Display>(knobs: impl Iterator<Item = K>) -> String {
    let names: Vec<String> = knobs.map(|k| format!("\"{k}\"")).collect();
    format!("[{}]", names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse_scenario;

    #[test]
    fn written_steps_parse_back_to_themselves() {
        let n = NodeId;
        let steps = vec![
            Step::Run { duration_us: 1234 },
            Step::Timeout(n(2)),
            Step::Partition(vec![vec![n(1), n(2)], vec![n(3)]]),
            Step::Cut {
                from: n(1),
                to: n(3),
            },
            Step::Links(vec![(n(1), n(3)), (n(2), n(3))]),
            Step::Heal,
            Step::Calm,
            Step::Retry(n(2)),
            Step::Crash(n(1)),
            Step::Restart(n(1)),
            Step::Pause(n(2)),
            Step::Resume(n(2)),
            Step::Clock {
                node: n(3),
                drift_ppm: -4200,
            },
            Step::Write {
                node: n(1),
                value: 7,
            },
            Step::Tick {
                node: n(2),
                count: 3,
            },
            Step::Kv {
                node: n(1),
                op: KvOp::Put { key: 1, value: 2 },
            },
            Step::Kv {
                node: n(2),
                op: KvOp::Get { key: 1 },
            },
            Step::Kv {
                node: n(3),
                op: KvOp::Cas {
                    key: 1,
                    expected: Some(2),
                    new: 3,
                },
            },
            Step::Kv {
                node: n(3),
                op: KvOp::Cas {
                    key: 0,
                    expected: None,
                    new: 5,
                },
            },
            Step::Hold {
                from: n(1),
                to: n(2),
                kind: Some(raft::MessageKind::HeartbeatResponse),
            },
            Step::Drop {
                from: n(2),
                to: n(3),
                kind: None,
            },
            Step::Release {
                from: n(1),
                to: n(2),
                kind: Some(raft::MessageKind::HeartbeatResponse),
                count: None,
                newest: true,
                twice: false,
            },
            Step::Release {
                from: n(3),
                to: n(1),
                kind: None,
                count: Some(2),
                newest: false,
                twice: true,
            },
        ];
        let mut text = String::from("[cluster]\nnodes = 3\n");
        for s in &steps {
            text.push_str(&format!("[[step]]\n{}\n", step_toml(s).expect("writable")));
        }
        let parsed = parse_scenario("written", &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let back: Vec<Step> = parsed.steps.into_iter().map(|s| s.step).collect();
        assert_eq!(back, steps);
        assert_eq!(step_toml(&Step::Say("hi".into())), None);
    }
}
