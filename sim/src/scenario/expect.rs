//! Parsing `expect = { ... }`: what must hold at a point of a scenario.

use super::ast::Expectation;
use super::error::{suggestion, ScenarioError};
use super::parse::Parser;
use crate::checker::Property;
use toml::{Spanned, Value};

impl Parser<'_> {
    pub(super) fn expectation(
        &self,
        v: &Spanned<Value>,
        nodes: u8,
    ) -> Result<Expectation, ScenarioError> {
        let keys = [
            "leader",
            "term",
            "node",
            "log",
            "commit",
            "violation",
            "no-violation",
            "no-leader",
            "last-get",
            "pending-ops",
            "leader-changes-at-least",
            "leader-changes-at-most",
            "on",
        ];
        let t = self.inline(v, "expect", &keys, "{ node = 1, log = [1, 2] }")?;
        let mut e = Expectation::default();
        if let Some(x) = t.get("leader") {
            let term = match t.get("term") {
                None => None,
                Some(Value::Integer(i)) if *i >= 0 => Some(*i as u64),
                Some(other) => {
                    return Err(self.field_error(v, "expect", "term", "a whole number", other))
                }
            };
            e.leader = Some((
                self.node_value(v, x, "expect.leader", nodes, "leader")?,
                term,
            ));
        } else if t.contains_key("term") {
            return Err(self.err(self.key_offset(v, "term"), "expect.term goes with `leader`"));
        }
        if let Some(x) = t.get("node") {
            e.node = Some(self.node_value(v, x, "expect.node", nodes, "node")?);
        }
        if let Some(x) = t.get("log") {
            let spanned = Spanned::new(v.span(), x.clone());
            e.log = Some(self.terms(&spanned, "expect.log")?);
        }
        match t.get("commit") {
            None => {}
            Some(Value::Integer(c)) if *c >= 0 => e.commit = Some(*c as u64),
            Some(other) => {
                return Err(self.field_error(v, "expect", "commit", "a whole number", other))
            }
        }
        if (e.log.is_some() || e.commit.is_some()) && e.node.is_none() {
            return Err(self.err(v.span().start, "expect.log and expect.commit need `node`"));
        }
        if let Some(x) = t.get("violation") {
            e.violation = Some(self.property(v, x)?);
        }
        let count = |k: &str| -> Result<Option<u64>, ScenarioError> {
            match t.get(k) {
                None => Ok(None),
                Some(Value::Integer(n)) if *n >= 0 => Ok(Some(*n as u64)),
                Some(other) => Err(self.field_error(v, "expect", k, "a whole number", other)),
            }
        };
        e.pending_ops = count("pending-ops")?.map(|n| n as usize);
        e.leader_changes_at_least = count("leader-changes-at-least")?;
        e.leader_changes_at_most = count("leader-changes-at-most")?;
        if let Some(g) = t.get("last-get") {
            let bad = || {
                self.err(self.key_offset(v, "last-get"), "expect.last-get expects { key = K, value = V } (value = \"none\" for a missing key)")
            };
            let Value::Table(g) = g else {
                return Err(bad());
            };
            let key = match g.get("key") {
                Some(Value::Integer(k)) if *k >= 0 => *k as u64,
                _ => return Err(bad()),
            };
            let value = match g.get("value") {
                Some(Value::Integer(x)) if *x >= 0 => Some(*x as u64),
                Some(Value::String(s)) if s == "none" => None,
                _ => return Err(bad()),
            };
            e.last_get = Some((key, value));
        }
        match t.get("on") {
            None => {}
            Some(Value::String(name)) if !name.is_empty() => e.on = Some(name.clone()),
            Some(other) => {
                return Err(self.field_error(
                    v,
                    "expect",
                    "on",
                    "an implementation's name (\"raftsim\" or \"raft-rs\")",
                    other,
                ))
            }
        }
        e.no_violation = t.get("no-violation") == Some(&Value::Boolean(true));
        e.no_leader = t.get("no-leader") == Some(&Value::Boolean(true));
        if (Expectation {
            on: None,
            ..e.clone()
        }) == Expectation::default()
        {
            return Err(self.err(v.span().start, "expect needs something to check: leader, node with log/commit, violation, no-violation or no-leader"));
        }
        Ok(e)
    }

    fn property(&self, v: &Spanned<Value>, x: &Value) -> Result<Property, ScenarioError> {
        let names = Property::ALL.map(|p| p.name());
        let Value::String(s) = x else {
            return Err(self.field_error(v, "expect", "violation", "a property name", x));
        };
        Property::from_name(s).ok_or_else(|| {
            let hint = suggestion(s, names);
            let msg = format!(
                "unknown property \"{s}\"{hint}; expected one of: {}",
                names.join(", ")
            );
            self.err(self.key_offset(v, s), msg)
        })
    }
}
