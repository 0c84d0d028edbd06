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
            "voted-for",
            "votes-from",
            "repairing",
            "alive",
            "snapshot",
            "voters",
            "learners",
            "joint-with",
            "on",
        ];
        let t = self.inline(v, "expect", &keys, "{ node = 1, log = [1, 2] }")?;
        let mut e = Expectation::default();
        let term = match t.get("term") {
            None => None,
            Some(Value::Integer(i)) if *i >= 0 => Some(*i as u64),
            Some(other) => {
                return Err(self.field_error(v, "expect", "term", "a whole number", other))
            }
        };
        if let Some(x) = t.get("leader") {
            e.leader = Some((
                self.node_value(v, x, "expect.leader", nodes, "leader")?,
                term,
            ));
        }
        if let Some(x) = t.get("node") {
            e.node = Some(self.node_value(v, x, "expect.node", nodes, "node")?);
        }
        match (term.is_some(), e.leader.is_some(), e.node.is_some()) {
            (true, true, true) => {
                let msg = "expect.term is ambiguous with both `leader` and `node`: the term the leader leads, or the node's currentTerm? Write two expectations";
                return Err(self.err(self.key_offset(v, "term"), msg));
            }
            (true, false, false) => {
                let msg = "expect.term goes with `leader` (the term it leads) or `node` (its currentTerm)";
                return Err(self.err(self.key_offset(v, "term"), msg));
            }
            (true, false, true) => e.term = term,
            _ => {}
        }
        self.vote_claims(v, &t, nodes, &mut e)?;
        self.node_claims(v, &t, &mut e)?;
        for key in ["voters", "learners", "joint-with"] {
            let Some(x) = t.get(key) else { continue };
            if e.node.is_none() {
                let msg = format!("expect.{key} needs `node` (whose configuration)");
                return Err(self.err(self.key_offset(v, key), msg));
            }
            let mut list = self.node_list(v, x, &format!("expect.{key}"), nodes)?;
            list.sort();
            list.dedup();
            match key {
                "voters" => e.voters = Some(list),
                "learners" => e.learners = Some(list),
                _ => e.joint_with = Some(list),
            }
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
            return Err(self.err(v.span().start, "expect needs something to check: leader, node with log/commit/term/voted-for/votes-from/repairing/alive/snapshot/voters/learners/joint-with, violation, no-violation or no-leader"));
        }
        Ok(e)
    }

    /// `repairing = true|false` and `alive = true|false`, which need `node`.
    fn node_claims(
        &self,
        v: &Spanned<Value>,
        t: &super::steps::Inline,
        e: &mut Expectation,
    ) -> Result<(), ScenarioError> {
        for key in ["repairing", "alive"] {
            let claim = match t.get(key) {
                None => continue,
                Some(_) if e.node.is_none() => {
                    let msg = format!("expect.{key} needs `node` (which server)");
                    return Err(self.err(self.key_offset(v, key), msg));
                }
                Some(Value::Boolean(b)) => Some(*b),
                Some(other) => {
                    return Err(self.field_error(v, "expect", key, "true or false", other))
                }
            };
            match key {
                "repairing" => e.repairing = claim,
                _ => e.alive = claim,
            }
        }
        let Some(x) = t.get("snapshot") else {
            return Ok(());
        };
        if e.node.is_none() {
            let msg = "expect.snapshot needs `node` (whose log)";
            return Err(self.err(self.key_offset(v, "snapshot"), msg));
        }
        let parsed = match x {
            Value::String(s) if s == "none" => Some((0, 0)),
            Value::String(s) => s
                .split_once(':')
                .and_then(|(i, t)| Some((i.parse::<u64>().ok()?, t.parse::<u64>().ok()?)))
                .filter(|(i, t)| *i >= 1 && *t >= 1),
            _ => None,
        };
        match parsed {
            Some(p) => e.snapshot = Some(p),
            None => {
                let expected = "\"INDEX:TERM\" (the last entry its snapshot stands for, e.g. \"6:1\") or \"none\"";
                return Err(self.field_error(v, "expect", "snapshot", expected, x));
            }
        }
        Ok(())
    }

    /// `voted-for = N` (or `"none"`) and `votes-from = [..]`, which need `node`.
    fn vote_claims(
        &self,
        v: &Spanned<Value>,
        t: &super::steps::Inline,
        nodes: u8,
        e: &mut Expectation,
    ) -> Result<(), ScenarioError> {
        for key in ["voted-for", "votes-from"] {
            if t.contains_key(key) && e.node.is_none() {
                let msg = format!("expect.{key} needs `node` (whose vote it is)");
                return Err(self.err(self.key_offset(v, key), msg));
            }
        }
        match t.get("voted-for") {
            None => {}
            Some(Value::String(s)) if s == "none" => e.voted_for = Some(None),
            Some(x @ Value::Integer(_)) => {
                let who = self.node_value(v, x, "expect.voted-for", nodes, "voted-for")?;
                e.voted_for = Some(Some(who));
            }
            Some(other) => {
                let expected = "a node number, or \"none\" for no vote";
                return Err(self.field_error(v, "expect", "voted-for", expected, other));
            }
        }
        let Some(x) = t.get("votes-from") else {
            return Ok(());
        };
        let Value::Array(items) = x else {
            let expected = "a list of node numbers, e.g. [2, 3] ([] for none)";
            return Err(self.field_error(v, "expect", "votes-from", expected, x));
        };
        let mut from = Vec::with_capacity(items.len());
        for item in items {
            let who = self.node_value(v, item, "expect.votes-from", nodes, "votes-from")?;
            let problem = if Some(who) == e.node {
                Some(format!("expect.votes-from lists {who} itself: a candidate's own vote is no message; list the servers whose grants reached it"))
            } else if from.contains(&who) {
                Some(format!("expect.votes-from lists {who} twice"))
            } else {
                None
            };
            if let Some(msg) = problem {
                return Err(self.err(self.key_offset(v, "votes-from"), msg));
            }
            from.push(who);
        }
        from.sort();
        e.votes_from = Some(from);
        Ok(())
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
