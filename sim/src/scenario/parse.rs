//! Parsing scenario files. Every error names the file, the line and column of the offending
//! key or value, and what was expected; nothing here panics on any input.

use super::ast::{Scenario, StepAt};
use super::error::{suggestion, ScenarioError};
use crate::config::SimConfig;
use crate::knob::{Bugs, Knob};
use raft::{Command, DurableState, Entry, LogIndex, NodeId, Term};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::{Spanned, Value};

pub(super) type Table = BTreeMap<Spanned<String>, Spanned<Value>>;

/// The file's shape; everything inside is checked by hand, value by value, with its position.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    name: Option<Spanned<Value>>,
    description: Option<Spanned<Value>>,
    on: Option<Spanned<Value>>,
    cluster: Option<Spanned<Table>>,
    raft: Option<Spanned<Table>>,
    network: Option<Spanned<Table>>,
    sim: Option<Spanned<Table>>,
    workload: Option<Spanned<Table>>,
    #[serde(default)]
    node: Vec<Spanned<Table>>,
    #[serde(default)]
    step: Vec<Spanned<Table>>,
}

/// Reads and parses a scenario file.
pub fn load_scenario(path: &Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
        file: file.clone(),
        line: 1,
        column: 1,
        message: format!("cannot read the scenario file: {e}"),
        source_line: String::new(),
    })?;
    let mut s = parse_scenario(&file, &text)?;
    if s.name.is_empty() {
        s.name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
    }
    Ok(s)
}

/// Parses scenario text; `file` is the name used in messages.
pub fn parse_scenario(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
    let p = Parser { file, text };
    let raw: Raw = toml::from_str(text).map_err(|e| p.toml_error(&e))?;
    p.scenario(raw)
}

pub(super) struct Parser<'a> {
    pub file: &'a str,
    pub text: &'a str,
}

impl Parser<'_> {
    pub fn err(&self, offset: usize, message: impl Into<String>) -> ScenarioError {
        ScenarioError::at(self.file, self.text, offset, message)
    }

    /// The 1-based line of byte `offset`, for messages that point back at another line.
    pub fn line_at(&self, offset: usize) -> usize {
        ScenarioError::at(self.file, self.text, offset, "").line
    }

    /// toml's own message, except where it would not help: after a bare `=` it says nothing at
    /// the end of the file and "invalid string" at the end of a line, so say the value is missing.
    fn toml_error(&self, e: &toml::de::Error) -> ScenarioError {
        let offset = e.span().map_or(0, |s| s.start);
        let msg = e.message().trim().replace("unknown field", "unknown key");
        let msg = if (msg.is_empty() || msg.starts_with("invalid string"))
            && self.value_missing_at(offset)
        {
            "a value is missing after `=`".to_string()
        } else if msg.is_empty() && offset >= self.text.len() {
            "the file ends in the middle of an entry".to_string()
        } else if msg.is_empty() {
            "this is not valid TOML".to_string()
        } else {
            msg
        };
        self.err(offset, format!("invalid scenario: {msg}"))
    }

    /// The line reads `key =` up to `offset` and holds nothing but a comment after it.
    fn value_missing_at(&self, offset: usize) -> bool {
        let (Some(before), Some(after)) = (self.text.get(..offset), self.text.get(offset..)) else {
            return false;
        };
        let line_before = before.rsplit('\n').next().unwrap_or("");
        let rest = after.split('\n').next().unwrap_or("").trim();
        line_before.trim_end().ends_with('=') && (rest.is_empty() || rest.starts_with('#'))
    }

    fn scenario(&self, raw: Raw) -> Result<Scenario, ScenarioError> {
        let name = self.opt_string(raw.name, "name")?.unwrap_or_default();
        let description = self
            .opt_string(raw.description, "description")?
            .unwrap_or_default();
        let on_at = raw.on.as_ref().map_or(0, |v| v.span().start);
        let on = self.opt_string(raw.on, "on")?;
        if let Some(name) = &on {
            if !["raftsim", "raft-rs"].contains(&name.as_str()) {
                return Err(self.err(
                    on_at,
                    format!("on = \"{name}\": expected an implementation's name, \"raftsim\" or \"raft-rs\""),
                ));
            }
        }
        let (nodes, seed, voters) = self.cluster(raw.cluster)?;
        let mut raft = raft::Config::default();
        if let Some(t) = &raw.raft {
            raft = self.config_table(t, "raft", raft, &[])?;
            if let Some(bugs) = get(t.get_ref(), "bugs") {
                raft.bugs = self.knobs_of(bugs, "[raft] bugs", Place::Raft)?.raft;
            }
            if let Some(r) = get(t.get_ref(), "recovery") {
                raft.recovery = self.recovery(r, "[raft] recovery", r.get_ref())?;
            }
            if let Err(e) = raft.validate() {
                return Err(self.err(t.span().start, format!("invalid [raft]: {e}")));
            }
        }
        let mut sim = SimConfig {
            nodes,
            voters,
            ..SimConfig::default()
        };
        if let Some(t) = &raw.network {
            sim.network = self.config_table(t, "network", sim.network.clone(), &[])?;
        }
        if let Some(t) = &raw.sim {
            sim = self.config_table(t, "sim", sim, &["nodes", "network"])?;
            if let Some(bugs) = get(t.get_ref(), "bugs") {
                sim.bugs = self.knobs_of(bugs, "[sim] bugs", Place::Host)?.host;
            }
        }
        if let Err(e) = sim.validate() {
            let at = raw
                .sim
                .as_ref()
                .or(raw.network.as_ref())
                .map_or(0, |t| t.span().start);
            return Err(self.err(at, format!("invalid configuration: {e}")));
        }
        let workload = raw
            .workload
            .as_ref()
            .map(|t| {
                let base = crate::client::WorkloadConfig::default();
                self.config_table(t, "workload", base, &[])
            })
            .transpose()?;
        let initial = raw
            .node
            .iter()
            .map(|t| self.initial_node(t, nodes))
            .collect::<Result<Vec<_>, _>>()?;
        let steps: Vec<StepAt> = raw
            .step
            .iter()
            .map(|t| self.step(t, nodes))
            .collect::<Result<Vec<_>, _>>()?;
        self.check_labels(&raw.step, &steps)?;
        self.check_rewinds(&raw.step, &steps)?;
        Ok(Scenario {
            name,
            description,
            header: header_comment(self.text),
            seed,
            raft,
            sim,
            initial,
            workload,
            steps,
            on,
        })
    }

    fn opt_string(
        &self,
        v: Option<Spanned<Value>>,
        key: &str,
    ) -> Result<Option<String>, ScenarioError> {
        v.map(|v| self.string(&v, key)).transpose()
    }

    pub fn string(&self, v: &Spanned<Value>, what: &str) -> Result<String, ScenarioError> {
        match v.get_ref() {
            Value::String(s) => Ok(s.clone()),
            other => Err(self.type_error(v, what, "a string", other)),
        }
    }

    pub fn type_error(
        &self,
        at: &Spanned<Value>,
        what: &str,
        expected: &str,
        got: &Value,
    ) -> ScenarioError {
        self.err(
            at.span().start,
            format!("{what} expects {expected}, got {}", type_name(got)),
        )
    }

    fn cluster(&self, t: Option<Spanned<Table>>) -> Result<(u8, u64, Option<u8>), ScenarioError> {
        let Some(t) = t else {
            return Err(self.err(
                0,
                "missing [cluster] section: expected `[cluster]` with `nodes = N` (1..=63)",
            ));
        };
        self.known_keys(t.get_ref(), "[cluster]", &["nodes", "seed", "voters"])?;
        let nodes = match get(t.get_ref(), "nodes") {
            None => {
                let msg = "[cluster] needs `nodes = N` (the number of servers, 1..=63)";
                return Err(self.err(t.span().start, msg));
            }
            Some(n) => self.int(n, "nodes", 1, raft::MAX_NODES as u64)? as u8,
        };
        let seed = match get(t.get_ref(), "seed") {
            None => 0,
            Some(s) => self.int(s, "seed", 0, i64::MAX as u64)?,
        };
        // Thesis chapter 4: the boot configuration's voters are n1..n{voters}; the rest are
        // spares that a configuration change can add.
        let voters = match get(t.get_ref(), "voters") {
            None => None,
            Some(v) => Some(self.int(v, "voters", 1, nodes as u64)? as u8),
        };
        Ok((nodes, seed, voters))
    }

    pub fn known_keys(&self, t: &Table, what: &str, keys: &[&str]) -> Result<(), ScenarioError> {
        for key in t.keys() {
            if !keys.contains(&key.get_ref().as_str()) {
                let hint = suggestion(key.get_ref(), keys.iter().copied());
                let msg = format!(
                    "unknown key \"{}\" in {what}{hint}; expected one of: {}",
                    key.get_ref(),
                    keys.join(", ")
                );
                return Err(self.err(key.span().start, msg));
            }
        }
        Ok(())
    }

    pub fn int(
        &self,
        v: &Spanned<Value>,
        what: &str,
        min: u64,
        max: u64,
    ) -> Result<u64, ScenarioError> {
        match v.get_ref() {
            Value::Integer(i) if *i >= min as i64 && (*i as u64) <= max => Ok(*i as u64),
            Value::Integer(i) => Err(self.err(
                v.span().start,
                format!("{what} must be between {min} and {max}, got {i}"),
            )),
            other => Err(self.type_error(v, what, "a whole number", other)),
        }
    }

    pub fn node(&self, v: &Spanned<Value>, what: &str, nodes: u8) -> Result<NodeId, ScenarioError> {
        match v.get_ref() {
            Value::Integer(i) if *i >= 1 && *i <= nodes as i64 => Ok(NodeId(*i as u8)),
            Value::Integer(i) => Err(self.err(
                v.span().start,
                format!("node {i} is out of range: this cluster has nodes 1..{nodes}"),
            )),
            other => Err(self.type_error(v, what, "a node number", other)),
        }
    }

    /// A `[raft]`, `[network]` or `[sim]` table onto its config struct, key by key, so that an
    /// unknown key or a value of the wrong type is reported where it stands.
    fn config_table<T: Serialize + DeserializeOwned>(
        &self,
        t: &Spanned<Table>,
        section: &str,
        base: T,
        skip: &[&str],
    ) -> Result<T, ScenarioError> {
        let Ok(Value::Table(mut merged)) = Value::try_from(&base) else {
            return Err(self.err(t.span().start, format!("[{section}] could not be read")));
        };
        let mut known: Vec<String> = merged
            .keys()
            .filter(|k| !skip.contains(&k.as_str()))
            .cloned()
            .collect();
        if section == "raft" {
            // An option that is off (`None`) has no TOML form, so `base` cannot show it; nor
            // does a default the config skips when it writes itself.
            known.push("snapshot_threshold_entries".to_string());
            known.push("recovery".to_string());
        }
        for (key, value) in t.get_ref() {
            let k = key.get_ref();
            if (section == "raft" || section == "sim") && k == "bugs" {
                continue;
            }
            if section == "raft" && k == "recovery" {
                continue; // read by name, with its own message (`Parser::recovery`)
            }
            if !known.contains(k) {
                let hint = suggestion(k, known.iter().map(|s| s.as_str()));
                let msg = format!(
                    "unknown key \"{k}\" in [{section}]{hint}; expected one of: {}",
                    known.join(", ")
                );
                return Err(self.err(key.span().start, msg));
            }
            let mut single = merged.clone();
            single.insert(k.clone(), value.get_ref().clone());
            if let Err(e) = Value::Table(single).try_into::<T>() {
                // A key `base` cannot show (`snapshot_threshold_entries` while off) has no type
                // to show either: indexing `merged` by it panicked.
                let expected = merged.get(k).map_or("a whole number", type_name);
                let msg = format!(
                    "[{section}] {k} expects {expected} ({})",
                    e.message().trim()
                );
                return Err(self.err(value.span().start, msg));
            }
            merged.insert(k.clone(), value.get_ref().clone());
        }
        Value::Table(merged).try_into::<T>().map_err(|e| {
            let msg = format!("invalid [{section}]: {}", e.message().trim());
            self.err(t.span().start, msg)
        })
    }

    /// A list of knob names (a rewind's: any knob).
    pub fn knobs(&self, v: &Spanned<Value>, what: &str) -> Result<Bugs, ScenarioError> {
        self.knobs_of(v, what, Place::Any)
    }

    /// A list of knob names, each of which must belong in `place`: `[raft] bugs` takes the
    /// node's knobs, `[sim] bugs` the host's.
    fn knobs_of(
        &self,
        v: &Spanned<Value>,
        what: &str,
        place: Place,
    ) -> Result<Bugs, ScenarioError> {
        let Value::Array(items) = v.get_ref() else {
            return Err(self.type_error(v, what, "a list of bug knob names", v.get_ref()));
        };
        let names: Vec<&str> = Knob::all()
            .filter(|k| place.holds(*k))
            .map(|k| k.name())
            .collect();
        let mut knobs = Bugs::none();
        for item in items {
            let Value::String(s) = item else {
                let msg = format!(
                    "{what} expects knob names as strings, got {}",
                    type_name(item)
                );
                return Err(self.err(v.span().start, msg));
            };
            let src = self.text.get(v.span()).unwrap_or("");
            let offset = src
                .find(s.as_str())
                .map_or(v.span().start, |i| v.span().start + i);
            match Knob::from_name(s) {
                Some(k) if place.holds(k) => knobs.insert(k),
                Some(Knob::Host(_)) => {
                    let msg = format!(
                        "\"{s}\" is a knob of the host (the simulator's KV service), not of the node: put it in [sim] bugs"
                    );
                    return Err(self.err(offset, msg));
                }
                Some(Knob::Raft(_)) => {
                    let msg = format!(
                        "\"{s}\" is a knob of raftsim's node, not of the host: put it in [raft] bugs"
                    );
                    return Err(self.err(offset, msg));
                }
                None => {
                    let hint = suggestion(s, names.iter().copied());
                    let msg = format!(
                        "unknown bug knob \"{s}\"{hint}; expected one of: {}",
                        names.join(", ")
                    );
                    return Err(self.err(offset, msg));
                }
            }
        }
        Ok(knobs)
    }

    /// `[[node]]`: a disk to start from (`id`, `term`, optional `voted-for`, `log` as terms).
    fn initial_node(
        &self,
        t: &Spanned<Table>,
        nodes: u8,
    ) -> Result<(NodeId, DurableState), ScenarioError> {
        let table = t.get_ref();
        self.known_keys(table, "[[node]]", &["id", "term", "voted-for", "log"])?;
        let Some(id) = get(table, "id") else {
            return Err(self.err(t.span().start, "[[node]] needs `id = N`"));
        };
        let id = self.node(id, "id", nodes)?;
        let term = get(table, "term")
            .map(|v| self.int(v, "term", 0, u32::MAX as u64))
            .transpose()?;
        let voted_for = get(table, "voted-for")
            .map(|v| self.node(v, "voted-for", nodes))
            .transpose()?;
        let log = match get(table, "log") {
            Some(v) => self.terms(v, "log")?,
            None => Vec::new(),
        };
        let last = log.last().copied().unwrap_or(0);
        let term = term.unwrap_or(last);
        if term < last {
            let at = get(table, "term").map_or(t.span().start, |v| v.span().start);
            return Err(self.err(
                at,
                format!("term {term} is older than the log's last term {last}"),
            ));
        }
        let entries = log
            .iter()
            .enumerate()
            .map(|(i, term)| Entry {
                index: LogIndex(i as u64 + 1),
                term: Term(*term),
                command: Command::Noop,
            })
            .collect();
        Ok((
            id,
            DurableState {
                current_term: Term(term),
                voted_for,
                log: entries,
                snapshot: None,
                damaged: None,
            },
        ))
    }

    /// A log written as terms by index: non-decreasing whole numbers from 1.
    pub fn terms(&self, v: &Spanned<Value>, what: &str) -> Result<Vec<u64>, ScenarioError> {
        let Value::Array(items) = v.get_ref() else {
            return Err(self.type_error(v, what, "a list of terms, e.g. [1, 1, 4]", v.get_ref()));
        };
        let mut terms = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Value::Integer(t) if *t >= 1 => terms.push(*t as u64),
                other => {
                    let msg = format!(
                        "{what} expects terms (whole numbers from 1), got {}",
                        type_name(other)
                    );
                    return Err(self.err(v.span().start, msg));
                }
            }
        }
        if terms.windows(2).any(|w| w[1] < w[0]) {
            return Err(self.err(
                v.span().start,
                format!("{what}: terms never decrease along a log"),
            ));
        }
        Ok(terms)
    }
}

pub(super) fn get<'t>(t: &'t Table, key: &str) -> Option<&'t Spanned<Value>> {
    t.iter().find(|(k, _)| k.get_ref() == key).map(|(_, v)| v)
}

pub(super) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Integer(_) => "a whole number",
        Value::Float(_) => "a number",
        Value::Boolean(_) => "true or false",
        Value::Datetime(_) => "a date",
        Value::Array(_) => "a list",
        Value::Table(_) => "a table",
    }
}

/// The file's leading comment block, `# ` stripped.
fn header_comment(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| l.trim_start().starts_with('#'))
        .map(|l| {
            let l = l.trim_start().trim_start_matches('#');
            l.strip_prefix(' ').unwrap_or(l)
        })
        .collect();
    lines.join("\n").trim_end().to_string()
}
/// Where a list of knobs may name them from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Raft,
    Host,
    Any,
}

impl Place {
    fn holds(self, k: Knob) -> bool {
        matches!(
            (self, k),
            (Place::Any, _) | (Place::Raft, Knob::Raft(_)) | (Place::Host, Knob::Host(_))
        )
    }
}
