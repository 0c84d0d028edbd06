//! Histories in the formats of the tools built around linearizability: Porcupine's JSON and
//! Jepsen's EDN.
//!
//! # Porcupine
//!
//! Porcupine (github.com/anishathalye/porcupine, `model.go`) takes a history as a list of
//! `Operation { ClientId int; Input interface{}; Call int64; Output interface{}; Return int64 }`,
//! where `[Call, Return]` is a closed interval (as in [`super::history`]) and `ClientId` is
//! zero-indexed (its visualiser draws one row per client). [`to_porcupine_json`] writes that list
//! as Go's `encoding/json` would, one operation per line, with our times in microseconds:
//!
//! ```text
//! [
//! {"ClientId":0,"Input":{"Op":"put","Key":1,"Value":5},"Call":0,"Output":{"Result":"ok"},"Return":10},
//! {"ClientId":1,"Input":{"Op":"get","Key":1},"Call":5,"Output":{"Result":"value","Value":5},"Return":15}
//! ]
//! ```
//!
//! `Input` is `{"Op":"get","Key":k}`, `{"Op":"put","Key":k,"Value":v}` or
//! `{"Op":"cas","Key":k,"Expected":e|null,"New":n}`; `Output` is `{"Result":"ok"}`,
//! `{"Result":"value","Value":v|null}`, `{"Result":"cas","Ok":bool}` or `{"Result":"unknown"}`.
//! An unknown outcome follows Porcupine's etcd test (`etcdOutput.unknown`, whose model accepts
//! any output): its `Return` is one microsecond after the last time in the history, so it may
//! linearize anywhere after its call.
//!
//! # Jepsen
//!
//! [`to_jepsen_edn`] writes one EDN map per line, in time order, as in a Jepsen `history.edn`,
//! with keys made independent the way `jepsen.independent` does (`:value [k v]`):
//!
//! ```text
//! {:type :invoke, :f :write, :value [1 5], :process 0, :time 0}
//! {:type :ok, :f :write, :value [1 5], :process 0, :time 10000}
//! ```
//!
//! `:f` is `:write` (put), `:read` (get; invoked with `[k nil]`, completed with `[k v]`) or
//! `:cas` (`[k [expected new]]`, `nil` for missing). A compare-and-set that did not write
//! completes `:fail`; an unknown outcome completes `:info` at its client's next invocation (or
//! at the end of the history), after which, as in Jepsen, the client continues as a fresh
//! process (`process + clients`). `:time` is in nanoseconds. At equal times invocations come
//! before completions (closed intervals), except that a client's completion precedes its own
//! next invocation.

use super::history::Operation;
use super::kv::{KvOp, KvOutput, Maybe};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

#[derive(Serialize)]
struct PorcupineOperation {
    #[serde(rename = "ClientId")]
    client_id: u64,
    #[serde(rename = "Input")]
    input: PorcupineInput,
    #[serde(rename = "Call")]
    call: i64,
    #[serde(rename = "Output")]
    output: PorcupineOutput,
    #[serde(rename = "Return")]
    ret: i64,
}

#[derive(Serialize)]
#[serde(tag = "Op")]
enum PorcupineInput {
    #[serde(rename = "get")]
    Get {
        #[serde(rename = "Key")]
        key: u64,
    },
    #[serde(rename = "put")]
    Put {
        #[serde(rename = "Key")]
        key: u64,
        #[serde(rename = "Value")]
        value: u64,
    },
    #[serde(rename = "cas")]
    Cas {
        #[serde(rename = "Key")]
        key: u64,
        #[serde(rename = "Expected")]
        expected: Option<u64>,
        #[serde(rename = "New")]
        new: u64,
    },
}

#[derive(Serialize)]
#[serde(tag = "Result")]
enum PorcupineOutput {
    #[serde(rename = "ok")]
    Ok,
    #[serde(rename = "value")]
    Value {
        #[serde(rename = "Value")]
        value: Option<u64>,
    },
    #[serde(rename = "cas")]
    Cas {
        #[serde(rename = "Ok")]
        ok: bool,
    },
    #[serde(rename = "unknown")]
    Unknown,
}

/// The last time anything happens in the history.
fn end_us(history: &[Operation]) -> u64 {
    history
        .iter()
        .map(|op| op.complete_us().unwrap_or(op.invoke_us))
        .max()
        .unwrap_or(0)
}

fn go_time(us: u64) -> i64 {
    i64::try_from(us).expect("time beyond Go's int64")
}

/// The history as Porcupine's `[]Operation` JSON, in history order (see the module docs).
pub fn to_porcupine_json(history: &[Operation]) -> String {
    let unknown_return = end_us(history) + 1;
    let lines: Vec<String> = history
        .iter()
        .map(|op| {
            let input = match op.op {
                KvOp::Get { key } => PorcupineInput::Get { key },
                KvOp::Put { key, value } => PorcupineInput::Put { key, value },
                KvOp::Cas { key, expected, new } => PorcupineInput::Cas { key, expected, new },
            };
            let output = match op.output() {
                Some(KvOutput::Ok) => PorcupineOutput::Ok,
                Some(KvOutput::Value(value)) => PorcupineOutput::Value { value },
                Some(KvOutput::Cas(ok)) => PorcupineOutput::Cas { ok },
                None => PorcupineOutput::Unknown,
            };
            let record = PorcupineOperation {
                client_id: op.client,
                input,
                call: go_time(op.invoke_us),
                output,
                ret: go_time(op.complete_us().unwrap_or(unknown_return)),
            };
            serde_json::to_string(&record).expect("plain data serialises")
        })
        .collect();
    if lines.is_empty() {
        return "[]\n".into();
    }
    format!("[\n{}\n]\n", lines.join(",\n"))
}

/// One line of a Jepsen history, with its place in time order.
struct EdnEvent {
    /// (time, 1 = invocation or a completion followed at once by its client's next
    /// invocation, 2 = other completion, op id that fixes the order, 0 = before 1).
    order: (u64, u8, usize, u8),
    line: String,
}

/// `:f` and the invocation's `:value`.
fn edn_call(op: &KvOp) -> (&'static str, String) {
    match *op {
        KvOp::Put { key, value } => ("write", format!("[{key} {value}]")),
        KvOp::Get { key } => ("read", format!("[{key} nil]")),
        KvOp::Cas { key, expected, new } => ("cas", format!("[{key} [{} {new}]]", Maybe(expected))),
    }
}

/// `:type` and `:value` of the completion.
fn edn_completion(op: &Operation) -> (&'static str, String) {
    let (_, invoked) = edn_call(&op.op);
    match op.output() {
        None => ("info", invoked),
        Some(KvOutput::Value(v)) => ("ok", format!("[{} {}]", op.key(), Maybe(v))),
        Some(KvOutput::Cas(false)) => ("fail", invoked),
        Some(_) => ("ok", invoked),
    }
}

fn edn_line(kind: &str, f: &str, value: &str, process: u64, time_us: u64) -> String {
    let time_ns = time_us
        .checked_mul(1_000)
        .expect("time in ns overflows u64");
    format!("{{:type :{kind}, :f :{f}, :value {value}, :process {process}, :time {time_ns}}}")
}

/// The events of one client's operations, given in (invocation, id) order.
fn client_events(ops: &[&Operation], stride: u64, end: u64, out: &mut Vec<EdnEvent>) {
    let mut incarnation = 0u64;
    for (i, op) in ops.iter().enumerate() {
        let next = ops.get(i + 1);
        let process = op.client + stride * incarnation;
        let (f, invoked) = edn_call(&op.op);
        out.push(EdnEvent {
            order: (op.invoke_us, 1, op.id, 1),
            line: edn_line("invoke", f, &invoked, process, op.invoke_us),
        });
        let done_us = op
            .complete_us()
            .unwrap_or_else(|| next.map_or(end, |n| n.invoke_us));
        let order = match next {
            Some(n) if n.invoke_us == done_us => (done_us, 1, n.id, 0),
            _ => (done_us, 2, op.id, 0),
        };
        let (kind, value) = edn_completion(op);
        out.push(EdnEvent {
            order,
            line: edn_line(kind, f, &value, process, done_us),
        });
        // A crashed (`:info`) process never invokes again, and a process runs one operation
        // at a time; either way the client's next operation needs a fresh process.
        if op.output().is_none() || next.is_some_and(|n| n.invoke_us < done_us) {
            incarnation += 1;
        }
    }
}

/// The history as a Jepsen EDN history, one event per line (see the module docs).
pub fn to_jepsen_edn(history: &[Operation]) -> String {
    let mut by_client: BTreeMap<u64, Vec<&Operation>> = BTreeMap::new();
    for op in history {
        by_client.entry(op.client).or_default().push(op);
    }
    let stride = by_client.keys().next_back().map_or(1, |c| c + 1);
    let end = end_us(history);
    let mut events = Vec::with_capacity(2 * history.len());
    for ops in by_client.values_mut() {
        ops.sort_by_key(|op| (op.invoke_us, op.id));
        client_events(ops, stride, end, &mut events);
    }
    events.sort_by_key(|e| e.order);
    events.iter().fold(String::new(), |mut s, e| {
        let _ = writeln!(s, "{}", e.line);
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lin::history::Outcome;

    fn done(id: usize, client: u64, op: KvOp, t: (u64, u64), output: KvOutput) -> Operation {
        Operation {
            id,
            client,
            op,
            invoke_us: t.0,
            outcome: Outcome::Ok {
                output,
                complete_us: t.1,
            },
        }
    }

    fn pending(id: usize, client: u64, op: KvOp, invoke_us: u64) -> Operation {
        Operation {
            id,
            client,
            op,
            invoke_us,
            outcome: Outcome::Unknown,
        }
    }

    fn small_history() -> Vec<Operation> {
        vec![
            done(0, 0, KvOp::Put { key: 1, value: 5 }, (0, 10), KvOutput::Ok),
            done(
                1,
                1,
                KvOp::Get { key: 1 },
                (5, 15),
                KvOutput::Value(Some(5)),
            ),
            pending(2, 0, KvOp::Put { key: 2, value: 7 }, 10),
            done(
                3,
                1,
                KvOp::Cas {
                    key: 1,
                    expected: None,
                    new: 6,
                },
                (20, 30),
                KvOutput::Cas(false),
            ),
            done(4, 0, KvOp::Get { key: 2 }, (25, 26), KvOutput::Value(None)),
        ]
    }

    #[test]
    fn porcupine_json_has_go_field_names_and_unknown_returns_after_the_end() {
        let expected = r#"[
{"ClientId":0,"Input":{"Op":"put","Key":1,"Value":5},"Call":0,"Output":{"Result":"ok"},"Return":10},
{"ClientId":1,"Input":{"Op":"get","Key":1},"Call":5,"Output":{"Result":"value","Value":5},"Return":15},
{"ClientId":0,"Input":{"Op":"put","Key":2,"Value":7},"Call":10,"Output":{"Result":"unknown"},"Return":31},
{"ClientId":1,"Input":{"Op":"cas","Key":1,"Expected":null,"New":6},"Call":20,"Output":{"Result":"cas","Ok":false},"Return":30},
{"ClientId":0,"Input":{"Op":"get","Key":2},"Call":25,"Output":{"Result":"value","Value":null},"Return":26}
]
"#;
        assert_eq!(to_porcupine_json(&small_history()), expected);
        assert_eq!(to_porcupine_json(&[]), "[]\n");
    }

    /// Client 0's put at 10 is unknown: it completes `:info` when the client moves on at 25,
    /// and the client continues as process 0 + 2 clients = 2. The put at [0, 10] completes
    /// before its client's next invocation at 10.
    #[test]
    fn jepsen_edn_is_time_ordered_with_info_and_fresh_processes() {
        let expected = "\
{:type :invoke, :f :write, :value [1 5], :process 0, :time 0}
{:type :invoke, :f :read, :value [1 nil], :process 1, :time 5000}
{:type :ok, :f :write, :value [1 5], :process 0, :time 10000}
{:type :invoke, :f :write, :value [2 7], :process 0, :time 10000}
{:type :ok, :f :read, :value [1 5], :process 1, :time 15000}
{:type :invoke, :f :cas, :value [1 [nil 6]], :process 1, :time 20000}
{:type :info, :f :write, :value [2 7], :process 0, :time 25000}
{:type :invoke, :f :read, :value [2 nil], :process 2, :time 25000}
{:type :ok, :f :read, :value [2 nil], :process 2, :time 26000}
{:type :fail, :f :cas, :value [1 [nil 6]], :process 1, :time 30000}
";
        assert_eq!(to_jepsen_edn(&small_history()), expected);
    }

    /// Closed intervals: at equal times, another client's invocation precedes a completion.
    #[test]
    fn jepsen_edn_puts_invocations_before_completions_at_equal_times() {
        let history = vec![
            done(0, 0, KvOp::Put { key: 1, value: 1 }, (0, 10), KvOutput::Ok),
            done(
                1,
                1,
                KvOp::Get { key: 1 },
                (10, 12),
                KvOutput::Value(Some(1)),
            ),
            pending(2, 1, KvOp::Get { key: 1 }, 12),
        ];
        let expected = "\
{:type :invoke, :f :write, :value [1 1], :process 0, :time 0}
{:type :invoke, :f :read, :value [1 nil], :process 1, :time 10000}
{:type :ok, :f :write, :value [1 1], :process 0, :time 10000}
{:type :ok, :f :read, :value [1 1], :process 1, :time 12000}
{:type :invoke, :f :read, :value [1 nil], :process 1, :time 12000}
{:type :info, :f :read, :value [1 nil], :process 1, :time 12000}
";
        assert_eq!(to_jepsen_edn(&history), expected);
    }
}
