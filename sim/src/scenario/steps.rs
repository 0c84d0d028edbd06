//! Parsing `[[step]]` tables: exactly one action each, plus an optional `note` and `label`.

use super::ast::{Changes, Condition, Step, StepAt};
use super::error::{suggestion, ScenarioError};
use super::parse::{get, type_name, Parser, Table};
use crate::client::ReadMode;
use crate::disk::DiskFault;
use raft::{ConfChange, LogIndex, MessageKind, NodeId};
use toml::{Spanned, Value};

pub(super) type Inline = toml::map::Map<String, Value>;

impl Parser<'_> {
    pub(super) fn step(&self, t: &Spanned<Table>, nodes: u8) -> Result<StepAt, ScenarioError> {
        let table = t.get_ref();
        let mut actions = table
            .iter()
            .filter(|(k, _)| !["note", "label"].contains(&k.get_ref().as_str()));
        let Some((key, value)) = actions.next() else {
            let msg = format!(
                "a step needs one action; expected one of: {}",
                Step::ACTIONS.join(", ")
            );
            return Err(self.err(t.span().start, msg));
        };
        if let Some((second, _)) = actions.next() {
            let msg = format!(
                "a step has exactly one action, but this one also has \"{}\"; put it in its own [[step]]",
                key.get_ref()
            );
            return Err(self.err(second.span().start, msg));
        }
        let name = key.get_ref().as_str();
        if !Step::ACTIONS.contains(&name) {
            let hint = suggestion(name, Step::ACTIONS);
            let msg = format!(
                "unknown step \"{name}\"{hint}; expected one of: {}",
                Step::ACTIONS.join(", ")
            );
            return Err(self.err(key.span().start, msg));
        }
        let step = self.action(name, value, nodes)?;
        let note = get(table, "note")
            .map(|v| self.string(v, "note"))
            .transpose()?;
        let label = get(table, "label")
            .map(|v| self.string(v, "label"))
            .transpose()?;
        let line = self.line_at(key.span().start);
        Ok(StepAt {
            step,
            line,
            note,
            label,
        })
    }

    fn action(&self, name: &str, v: &Spanned<Value>, nodes: u8) -> Result<Step, ScenarioError> {
        Ok(match name {
            "timeout" => Step::Timeout(self.node(v, "timeout", nodes)?),
            "crash" => Step::Crash(self.node(v, "crash", nodes)?),
            "pause" => Step::Pause(self.node(v, "pause", nodes)?),
            "resume" => Step::Resume(self.node(v, "resume", nodes)?),
            "calm" => match v.get_ref() {
                Value::Boolean(true) => Step::Calm,
                other => return Err(self.type_error(v, "calm", "true", other)),
            },
            "restart" => Step::Restart(self.node(v, "restart", nodes)?),
            "retry" => Step::Retry(self.node(v, "retry", nodes)?),
            "fsync-fail" | "torn-crash" | "wipe" => Step::Disk {
                node: self.node(v, name, nodes)?,
                fault: match name {
                    "fsync-fail" => DiskFault::FsyncFail,
                    "torn-crash" => DiskFault::TornCrash,
                    _ => DiskFault::Wipe,
                },
            },
            "corrupt" | "lose-write" | "misdirect" => self.record_fault(name, v, nodes)?,
            "add" => Step::Change(ConfChange::AddVoter(self.node(v, name, nodes)?)),
            "add-learner" => Step::Change(ConfChange::AddLearner(self.node(v, name, nodes)?)),
            "promote" => Step::Change(ConfChange::Promote(self.node(v, name, nodes)?)),
            "remove" => Step::Change(ConfChange::Remove(self.node(v, name, nodes)?)),
            "change-voters" => {
                let voters = self.node_list(v, v.get_ref(), name, nodes)?;
                if voters.is_empty() {
                    return Err(self.err(
                        v.span().start,
                        "change-voters expects the new voters, at least one, e.g. [1, 2, 4]",
                    ));
                }
                Step::Change(ConfChange::Joint {
                    voters: voters.into_iter().collect(),
                })
            }
            "transfer" => Step::Transfer(self.node(v, name, nodes)?),
            "heal" => match v.get_ref() {
                Value::Boolean(true) => Step::Heal,
                other => return Err(self.type_error(v, "heal", "true", other)),
            },
            "say" => Step::Say(self.string(v, "say")?),
            "run" => Step::Run {
                duration_us: self.duration(v, v.get_ref(), "run")?,
            },
            "partition" => Step::Partition(self.groups(v, nodes)?),
            "links" => Step::Links(self.links(v, nodes)?),
            "run-until" => self.run_until(v, nodes)?,
            "expect" => Step::Expect(Box::new(self.expectation(v, nodes)?)),
            "rewind" => self.rewind(v)?,
            "put" | "get" | "cas" => self.kv(name, v, nodes)?,
            "clock" => self.clock(v, nodes)?,
            _ => self.link_action(name, v, nodes)?,
        })
    }

    /// `write`, `cut`, `hold`, `release`, `drop`, `tick`: inline tables of named fields.
    fn link_action(
        &self,
        name: &str,
        v: &Spanned<Value>,
        nodes: u8,
    ) -> Result<Step, ScenarioError> {
        let (allowed, example): (&[&str], &str) = match name {
            "write" => (&["node", "value"], "{ node = 1, value = 7 }"),
            "cut" => (&["from", "to"], "{ from = 1, to = 3 }"),
            "tick" => (&["node", "count"], "{ node = 2, count = 3 }"),
            "release" => (
                &["from", "to", "type", "count", "newest", "twice"],
                "{ from = 1, to = 3, count = 1 }",
            ),
            _ => (
                &["from", "to", "type"],
                "{ from = 1, to = 3, type = \"append-entries\" }",
            ),
        };
        let t = self.inline(v, name, allowed, example)?;
        let node = |k: &str| self.field_node(v, &t, name, k, nodes);
        let count = |default: Option<u64>| -> Result<Option<u64>, ScenarioError> {
            match t.get("count") {
                None => Ok(default),
                Some(Value::Integer(c)) if *c >= 1 && *c <= 1_000_000 => Ok(Some(*c as u64)),
                Some(other) => {
                    Err(self.field_error(v, name, "count", "a whole number from 1", other))
                }
            }
        };
        Ok(match name {
            "write" => {
                let value = match t.get("value") {
                    Some(Value::Integer(x))
                        if *x >= 0 && (*x as u64) < crate::client::PAYLOAD_BASE =>
                    {
                        *x as u64
                    }
                    Some(other) => {
                        return Err(self.field_error(
                            v,
                            name,
                            "value",
                            "a whole number below 1000000",
                            other,
                        ))
                    }
                    None => {
                        return Err(self.err(
                            v.span().start,
                            format!("write needs `value`, e.g. {example}"),
                        ))
                    }
                };
                Step::Write {
                    node: node("node")?,
                    value,
                }
            }
            "cut" => Step::Cut {
                from: node("from")?,
                to: node("to")?,
            },
            "tick" => Step::Tick {
                node: node("node")?,
                count: count(Some(1))?.unwrap_or(1) as u32,
            },
            "release" => Step::Release {
                from: node("from")?,
                to: node("to")?,
                kind: self.kind(v, &t, name)?,
                count: count(None)?.map(|c| c as usize),
                newest: t.get("newest") == Some(&Value::Boolean(true)),
                twice: t.get("twice") == Some(&Value::Boolean(true)),
            },
            "hold" => Step::Hold {
                from: node("from")?,
                to: node("to")?,
                kind: self.kind(v, &t, name)?,
            },
            _ => Step::Drop {
                from: node("from")?,
                to: node("to")?,
                kind: self.kind(v, &t, name)?,
            },
        })
    }

    /// `put = { node, key, value }`, `get = { node, key }`, `cas = { node, key, from, to }`
    /// (`from` may be omitted: the key is expected to be missing).
    fn kv(&self, name: &str, v: &Spanned<Value>, nodes: u8) -> Result<Step, ScenarioError> {
        use crate::lin::KvOp;
        let (allowed, example): (&[&str], &str) = match name {
            "put" => (
                &["node", "key", "value"],
                "{ node = 1, key = 1, value = 2 }",
            ),
            "get" => (&["node", "key"], "{ node = 1, key = 1 }"),
            _ => (
                &["node", "key", "from", "to"],
                "{ node = 1, key = 1, from = 2, to = 3 }",
            ),
        };
        let t = self.inline(v, name, allowed, example)?;
        let node = self.field_node(v, &t, name, "node", nodes)?;
        let num = |field: &str, required: bool| -> Result<Option<u64>, ScenarioError> {
            match t.get(field) {
                None if required => Err(self.err(
                    v.span().start,
                    format!("{name} needs `{field}`, e.g. {example}"),
                )),
                None => Ok(None),
                Some(Value::Integer(x)) if *x >= 0 => Ok(Some(*x as u64)),
                Some(other) => Err(self.field_error(v, name, field, "a whole number", other)),
            }
        };
        let key = num("key", true)?.unwrap_or(0);
        let op = match name {
            "put" => KvOp::Put {
                key,
                value: num("value", true)?.unwrap_or(0),
            },
            "get" => KvOp::Get { key },
            _ => KvOp::Cas {
                key,
                expected: num("from", false)?,
                new: num("to", true)?.unwrap_or(0),
            },
        };
        Ok(Step::Kv { node, op })
    }

    pub(super) fn inline(
        &self,
        v: &Spanned<Value>,
        what: &str,
        allowed: &[&str],
        example: &str,
    ) -> Result<Inline, ScenarioError> {
        let Value::Table(t) = v.get_ref() else {
            return Err(self.type_error(v, what, &format!("a table like {example}"), v.get_ref()));
        };
        for k in t.keys() {
            if !allowed.contains(&k.as_str()) {
                let hint = suggestion(k, allowed.iter().copied());
                let msg = format!(
                    "{what} has no field \"{k}\"{hint}; expected: {}",
                    allowed.join(", ")
                );
                return Err(self.err(self.key_offset(v, k), msg));
            }
        }
        Ok(t.clone())
    }

    /// Where `key` stands inside an inline table value (or the value's start).
    pub(super) fn key_offset(&self, v: &Spanned<Value>, key: &str) -> usize {
        let src = self.text.get(v.span()).unwrap_or("");
        src.find(key).map_or(v.span().start, |i| v.span().start + i)
    }

    pub(super) fn field_error(
        &self,
        v: &Spanned<Value>,
        what: &str,
        field: &str,
        expected: &str,
        got: &Value,
    ) -> ScenarioError {
        let msg = format!("{what}.{field} expects {expected}, got {}", type_name(got));
        self.err(self.key_offset(v, field), msg)
    }

    fn field_node(
        &self,
        v: &Spanned<Value>,
        t: &Inline,
        what: &str,
        field: &str,
        nodes: u8,
    ) -> Result<NodeId, ScenarioError> {
        match t.get(field) {
            None => Err(self.err(
                v.span().start,
                format!("{what} needs `{field}` (a node number 1..{nodes})"),
            )),
            Some(x) => self.node_value(v, x, &format!("{what}.{field}"), nodes, field),
        }
    }

    pub(super) fn node_value(
        &self,
        v: &Spanned<Value>,
        x: &Value,
        what: &str,
        nodes: u8,
        near: &str,
    ) -> Result<NodeId, ScenarioError> {
        match x {
            Value::Integer(i) if *i >= 1 && *i <= nodes as i64 => Ok(NodeId(*i as u8)),
            Value::Integer(i) => Err(self.err(
                self.key_offset(v, near),
                format!("node {i} is out of range: this cluster has nodes 1..{nodes}"),
            )),
            other => Err(self.err(
                self.key_offset(v, near),
                format!("{what} expects a node number, got {}", type_name(other)),
            )),
        }
    }

    fn kind(
        &self,
        v: &Spanned<Value>,
        t: &Inline,
        what: &str,
    ) -> Result<Option<MessageKind>, ScenarioError> {
        let Some(x) = t.get("type") else {
            return Ok(None);
        };
        let names = MessageKind::ALL.map(|k| k.name());
        match x {
            Value::String(s) => match MessageKind::ALL.into_iter().find(|k| k.name() == s) {
                Some(k) => Ok(Some(k)),
                None => {
                    let hint = suggestion(s, names);
                    let msg = format!(
                        "unknown message type \"{s}\"{hint}; expected one of: {}",
                        names.join(", ")
                    );
                    Err(self.err(self.key_offset(v, s), msg))
                }
            },
            other => Err(self.field_error(v, what, "type", "a message type name", other)),
        }
    }

    /// `"150ms"`, `"2s"`, `"500us"`, or a whole number of milliseconds.
    fn duration(&self, v: &Spanned<Value>, x: &Value, what: &str) -> Result<u64, ScenarioError> {
        let bad = |got: &str| {
            self.err(
                v.span().start,
                format!("{what} expects a duration like \"150ms\", \"2s\" or \"500us\", got {got}"),
            )
        };
        match x {
            Value::Integer(ms) if *ms >= 0 => Ok(*ms as u64 * 1000),
            Value::String(s) => {
                let s = s.trim();
                let (num, unit) =
                    s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
                let n: u64 = num.parse().map_err(|_| bad(&format!("\"{s}\"")))?;
                let scale = match unit.trim() {
                    "us" => 1,
                    "ms" | "" => 1_000,
                    "s" => 1_000_000,
                    _ => return Err(bad(&format!("\"{s}\""))),
                };
                n.checked_mul(scale)
                    .ok_or_else(|| bad("a duration too long"))
            }
            other => Err(bad(type_name(other))),
        }
    }

    pub(super) fn node_list(
        &self,
        v: &Spanned<Value>,
        x: &Value,
        what: &str,
        nodes: u8,
    ) -> Result<Vec<NodeId>, ScenarioError> {
        let Value::Array(items) = x else {
            return Err(self.err(
                v.span().start,
                format!(
                    "{what} expects a list of node numbers, got {}",
                    type_name(x)
                ),
            ));
        };
        items
            .iter()
            .map(|i| self.node_value(v, i, what, nodes, &value_text(i)))
            .collect()
    }

    /// `partition = [[1, 2], [3]]`. A node in no group is cut off from everyone, so a single
    /// group (or none) hides which nodes end up alone: at least two groups are required.
    fn groups(&self, v: &Spanned<Value>, nodes: u8) -> Result<Vec<Vec<NodeId>>, ScenarioError> {
        let Value::Array(groups) = v.get_ref() else {
            return Err(self.type_error(
                v,
                "partition",
                "groups like [[1, 2], [3, 4, 5]]",
                v.get_ref(),
            ));
        };
        if groups.len() < 2 {
            let msg = "a partition needs at least two groups, e.g. [[1, 2], [3]]; \
                       to cut a node off alone, give it its own group";
            return Err(self.err(v.span().start, msg));
        }
        let groups = groups
            .iter()
            .map(|g| self.node_list(v, g, "partition", nodes))
            .collect::<Result<Vec<_>, _>>()?;
        let mut seen = Vec::new();
        for n in groups.iter().flatten() {
            if seen.contains(n) {
                return Err(self.err(
                    v.span().start,
                    format!("partition lists {n} twice: each node belongs to at most one group"),
                ));
            }
            seen.push(*n);
        }
        Ok(groups)
    }

    fn links(&self, v: &Spanned<Value>, nodes: u8) -> Result<Vec<(NodeId, NodeId)>, ScenarioError> {
        let Value::Array(pairs) = v.get_ref() else {
            return Err(self.type_error(v, "links", "pairs like [[1, 2], [2, 3]]", v.get_ref()));
        };
        pairs
            .iter()
            .map(|p| match self.node_list(v, p, "links", nodes)?.as_slice() {
                [a, b] if a != b => Ok((*a, *b)),
                _ => Err(self.err(
                    v.span().start,
                    "links expects pairs of two different nodes, like [1, 2]",
                )),
            })
            .collect()
    }

    fn run_until(&self, v: &Spanned<Value>, nodes: u8) -> Result<Step, ScenarioError> {
        let example =
            "{ leader = 1 }, { any-leader = true } or { committed = { node = 1, index = 2 } }";
        let t = self.inline(
            v,
            "run-until",
            &["leader", "any-leader", "committed", "within-ms"],
            example,
        )?;
        let within_us = match t.get("within-ms") {
            None => 10_000_000,
            Some(x) => self.duration(v, x, "run-until.within-ms")?,
        };
        let cond = if let Some(x) = t.get("leader") {
            Condition::Leader(self.node_value(v, x, "run-until.leader", nodes, "leader")?)
        } else if let Some(x) = t.get("committed") {
            let c = match x {
                Value::Table(c) => c,
                other => {
                    return Err(self.field_error(
                        v,
                        "run-until",
                        "committed",
                        "{ node = N, index = I }",
                        other,
                    ))
                }
            };
            let node = c
                .get("node")
                .ok_or_else(|| self.err(v.span().start, "run-until.committed needs `node`"))?;
            let index = match c.get("index") {
                Some(Value::Integer(i)) if *i >= 0 => *i as u64,
                _ => {
                    return Err(self.err(
                        self.key_offset(v, "index"),
                        "run-until.committed needs `index`, a whole number",
                    ))
                }
            };
            Condition::Committed {
                node: self.node_value(v, node, "run-until.committed.node", nodes, "node")?,
                index,
            }
        } else if t.get("any-leader") == Some(&Value::Boolean(true)) {
            Condition::AnyLeader
        } else {
            return Err(self.err(
                v.span().start,
                format!("run-until needs a condition: {example}"),
            ));
        };
        Ok(Step::RunUntil { cond, within_us })
    }

    fn rewind(&self, v: &Spanned<Value>) -> Result<Step, ScenarioError> {
        let example = "{ to = \"label\", bugs = [], pre-vote = true, check-quorum = true, read-mode = \"read-index\", recovery = \"refuse\" }";
        let t = match v.get_ref() {
            Value::String(label) => {
                return Ok(Step::Rewind {
                    label: label.clone(),
                    changes: Default::default(),
                })
            }
            Value::Table(_) => {
                let keys = [
                    "to",
                    "bugs",
                    "pre-vote",
                    "check-quorum",
                    "read-mode",
                    "recovery",
                ];
                self.inline(v, "rewind", &keys, example)?
            }
            other => {
                return Err(self.type_error(v, "rewind", &format!("a label or {example}"), other))
            }
        };
        let Some(Value::String(label)) = t.get("to") else {
            let msg = "rewind needs `to = \"label\"`, the label of an earlier step";
            return Err(self.err(v.span().start, msg));
        };
        let flag = |k: &str| -> Result<Option<bool>, ScenarioError> {
            match t.get(k) {
                None => Ok(None),
                Some(Value::Boolean(b)) => Ok(Some(*b)),
                Some(other) => Err(self.field_error(v, "rewind", k, "true or false", other)),
            }
        };
        let changes = Changes {
            bugs: t
                .get("bugs")
                .map(|b| self.knobs(&Spanned::new(v.span(), b.clone()), "rewind.bugs"))
                .transpose()?,
            pre_vote: flag("pre-vote")?,
            check_quorum: flag("check-quorum")?,
            read_mode: t
                .get("read-mode")
                .map(|m| self.read_mode(v, m))
                .transpose()?,
            recovery: t
                .get("recovery")
                .map(|r| self.recovery(v, "rewind.recovery", r))
                .transpose()?,
        };
        Ok(Step::Rewind {
            label: label.clone(),
            changes,
        })
    }

    pub(super) fn read_mode(
        &self,
        v: &Spanned<Value>,
        m: &Value,
    ) -> Result<ReadMode, ScenarioError> {
        let names = ReadMode::ALL.map(|m| m.name());
        let Value::String(s) = m else {
            return Err(self.field_error(v, "rewind", "read-mode", "a read mode name", m));
        };
        ReadMode::from_name(s).ok_or_else(|| {
            let hint = suggestion(s, names);
            let msg = format!(
                "unknown read mode \"{s}\"{hint}; expected one of: {}",
                names.join(", ")
            );
            self.err(self.key_offset(v, s), msg)
        })
    }

    /// A recovery policy by name (`[raft] recovery`, `rewind.recovery`): what a node does when
    /// its disk's reader found a damaged log.
    pub(super) fn recovery(
        &self,
        v: &Spanned<Value>,
        what: &str,
        r: &Value,
    ) -> Result<raft::RecoveryPolicy, ScenarioError> {
        let names = raft::RecoveryPolicy::ALL.map(|p| p.name());
        let expected = names.map(|n| format!("\"{n}\"")).join(" or ");
        let Value::String(s) = r else {
            let msg = format!("{what} expects {expected}, got {}", type_name(r));
            return Err(self.err(self.key_offset(v, "recovery"), msg));
        };
        raft::RecoveryPolicy::from_name(s).ok_or_else(|| {
            let hint = suggestion(s, names);
            let msg =
                format!("unknown recovery policy \"{s}\" in {what}{hint}; expected {expected}");
            self.err(self.key_offset(v, s), msg)
        })
    }

    /// `corrupt`, `lose-write`, `misdirect`: a node and the entry whose record is hit.
    fn record_fault(
        &self,
        name: &str,
        v: &Spanned<Value>,
        nodes: u8,
    ) -> Result<Step, ScenarioError> {
        let (allowed, example): (&[&str], &str) = if name == "misdirect" {
            (
                &["node", "index", "over"],
                "{ node = 2, index = 3, over = 2 }",
            )
        } else {
            (&["node", "index"], "{ node = 2, index = 3 }")
        };
        let t = self.inline(v, name, allowed, example)?;
        let node = self.field_node(v, &t, name, "node", nodes)?;
        let index = |field: &str| -> Result<LogIndex, ScenarioError> {
            match t.get(field) {
                Some(Value::Integer(i)) if *i >= 1 => Ok(LogIndex(*i as u64)),
                Some(other) => Err(self.field_error(v, name, field, "a log index from 1", other)),
                None => Err(self.err(
                    v.span().start,
                    format!("{name} needs `{field}` (a log index), e.g. {example}"),
                )),
            }
        };
        let fault = match name {
            "corrupt" => DiskFault::Corrupt(index("index")?),
            "lose-write" => DiskFault::LoseWrite(index("index")?),
            _ => DiskFault::Misdirect {
                index: index("index")?,
                over: index("over")?,
            },
        };
        Ok(Step::Disk { node, fault })
    }

    fn clock(&self, v: &Spanned<Value>, nodes: u8) -> Result<Step, ScenarioError> {
        let t = self.inline(
            v,
            "clock",
            &["node", "drift-ppm"],
            "{ node = 1, drift-ppm = 500000 }",
        )?;
        let node = self.field_node(v, &t, "clock", "node", nodes)?;
        let drift_ppm = match t.get("drift-ppm") {
            Some(Value::Integer(d)) if (-900_000..=10_000_000).contains(d) => *d as i32,
            Some(other) => {
                return Err(self.field_error(
                    v,
                    "clock",
                    "drift-ppm",
                    "a whole number from -900000 to 10000000",
                    other,
                ))
            }
            None => return Err(self.err(v.span().start, "clock needs `drift-ppm`")),
        };
        Ok(Step::Clock { node, drift_ppm })
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::Integer(i) => i.to_string(),
        Value::String(s) => s.clone(),
        _ => String::new(),
    }
}
