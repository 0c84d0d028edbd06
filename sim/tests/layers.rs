//! The simulator's modules form layers: no module imports one that imports it back, directly
//! or through others (issue 12). Read from the sources: a module depends on every top-level
//! module it names as `crate::name` outside comments and outside its tests (a `tests.rs` file,
//! or the `#[cfg(test)] mod tests` that ends a file). The lowest layers (`rng`, `queue`,
//! `checker`, `lin`, `digest`) are checked to depend on nothing else, and `world`, the
//! cluster and its loop, on nothing above it.

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::BTreeMap;
use std::path::Path;

/// The top-level modules of `src` and what each names, in name order.
fn dependencies(src: &Path) -> BTreeMap<String, Vec<String>> {
    let mut deps: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut files = Vec::new();
    collect(src, &mut files);
    files.sort();
    for file in files {
        let rel = file.strip_prefix(src).expect("under src");
        let module = rel
            .components()
            .next()
            .expect("a file")
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if module == "lib" || file.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable source");
        let code = match text.find("#[cfg(test)]\nmod tests") {
            Some(at) => &text[..at],
            None => &text[..],
        };
        let entry = deps.entry(module.clone()).or_default();
        for line in code.lines() {
            let line = line.trim_start();
            if line.starts_with("//") {
                continue;
            }
            let line = line.split(" //").next().unwrap_or(line);
            for (at, _) in line.match_indices("crate::") {
                let name: String = line[at + "crate::".len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_' || c.is_ascii_digit())
                    .collect();
                if !name.is_empty() && name != module && !entry.contains(&name) {
                    entry.push(name);
                }
            }
        }
        entry.sort();
    }
    deps
}

fn collect(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable directory") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// The groups of modules that import each other in a circle.
fn cycles(deps: &BTreeMap<String, Vec<String>>) -> Vec<Vec<String>> {
    let mut graph = DiGraph::<&str, ()>::new();
    let mut index: BTreeMap<&str, NodeIndex> = BTreeMap::new();
    for name in deps.keys() {
        index.insert(name, graph.add_node(name));
    }
    for (from, tos) in deps {
        for to in tos {
            if let Some(&t) = index.get(to.as_str()) {
                graph.add_edge(index[from.as_str()], t, ());
            }
        }
    }
    let mut found: Vec<Vec<String>> = tarjan_scc(&graph)
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|c| {
            let mut names: Vec<String> = c.iter().map(|i| graph[*i].to_string()).collect();
            names.sort();
            names
        })
        .collect();
    found.sort();
    found
}

fn sim_dependencies() -> BTreeMap<String, Vec<String>> {
    dependencies(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
}

#[test]
fn the_simulator_has_no_module_cycles() {
    let deps = sim_dependencies();
    assert!(deps.len() > 20, "the sources were read: {deps:?}");
    let found = cycles(&deps);
    assert!(
        found.is_empty(),
        "modules that import each other in a circle: {found:?}\n{deps:#?}"
    );
}

#[test]
fn the_lowest_layers_stand_alone_and_the_cluster_does_not_reach_up() {
    let deps = sim_dependencies();
    for leaf in ["checker", "lin", "queue"] {
        assert_eq!(
            deps[leaf],
            Vec::<String>::new(),
            "{leaf} depends on nothing"
        );
    }
    assert_eq!(deps["digest"], vec!["rng".to_string()]);
    let above = [
        "campaign", "faults", "liveness", "picture", "play", "report", "run", "schedule", "shrink",
        "swarm", "bench", "control", "service",
    ];
    for module in &deps["world"] {
        assert!(
            !above.contains(&module.as_str()),
            "world (the cluster and its loop) imports {module}, which is built on it"
        );
    }
}

/// The check itself can fail: a circle made on purpose is found.
#[test]
fn a_cycle_is_found() {
    let mut deps = sim_dependencies();
    deps.get_mut("checker")
        .expect("a module")
        .push("world".to_string());
    let found = cycles(&deps);
    assert!(
        found
            .iter()
            .any(|c| c.contains(&"checker".to_string()) && c.contains(&"world".to_string())),
        "{found:?}"
    );
}
