//! The modules of `src/` depend downwards only: every `crate::` path names a module of the
//! same layer or a lower one, as `src/lib.rs` lists the layers, and no modules import each
//! other round in a circle (neither the crate's top-level modules nor the files of one
//! folder). A failure names the file and line of the import.
//!
//! Unit tests (a `#[cfg(test)] mod tests` at the end of a file) are left out: they may build
//! their inputs with whatever the crate offers, and no shipped code depends on them.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// A module of the crate as a path of names: `["transform", "decode"]`.
type ModulePath = Vec<String>;

/// One reference from a file to a module.
#[derive(Debug)]
struct Import {
    /// The file, relative to `src/`.
    file: String,
    /// Its line, from 1.
    line: usize,
    /// The module the file is.
    from: ModulePath,
    /// The deepest module the path names that has a file of its own.
    to: ModulePath,
}

/// The layers `src/lib.rs` states, lines of the form `//! 2. name: module, module — why`.
fn layers() -> BTreeMap<String, usize> {
    let lib = std::fs::read_to_string(Path::new(SRC).join("lib.rs")).expect("src/lib.rs");
    let mut layers = BTreeMap::new();
    for line in lib.lines() {
        let Some(rest) = line.strip_prefix("//! ") else { continue };
        let Some((number, rest)) = rest.split_once(". ") else { continue };
        let Ok(number) = number.trim().parse::<usize>() else { continue };
        let Some((_, modules)) = rest.split_once(": ") else { continue };
        let modules = modules.split(" — ").next().unwrap_or_default();
        for module in modules.split(',').map(str::trim).filter(|m| !m.is_empty()) {
            let module = module.trim_matches('`').to_string();
            assert!(layers.insert(module.clone(), number).is_none(), "{module} is in two layers of lib.rs");
        }
    }
    assert!(!layers.is_empty(), "src/lib.rs states no layers (`//! 1. name: module, module — why`)");
    layers
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("readable src/") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The module a file is: `src/edge/mod.rs` is `["edge"]`, `src/lib.rs` is `[]`.
fn module_of(relative: &Path) -> ModulePath {
    let mut parts: Vec<String> =
        relative.with_extension("").iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|last| last == "mod" || last == "lib") {
        parts.pop();
    }
    parts
}

/// The file's code: its unit tests, comments and string contents left out.
fn code_lines(text: &str) -> Vec<(usize, String)> {
    let end = text.find("#[cfg(test)]\nmod tests").unwrap_or(text.len());
    let mut lines = Vec::new();
    for (index, line) in text[..end].lines().enumerate() {
        let mut code = String::new();
        let mut in_string = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if in_string => {
                    chars.next();
                }
                '"' => in_string = !in_string,
                '/' if !in_string && chars.peek() == Some(&'/') => break,
                _ if in_string => {}
                _ => code.push(c),
            }
        }
        lines.push((index + 1, code));
    }
    lines
}

/// The module paths a line names: `crate::a::b`, `super::c`, and each name of a
/// `use crate::{a, b::c}` or `use super::{…}` group.
fn named_paths(code: &str, file_module: &[String]) -> Vec<ModulePath> {
    let mut found = Vec::new();
    for (root, base) in [("crate::", Vec::new()), ("super::", parent(file_module))] {
        let mut rest = code;
        while let Some(at) = rest.find(root) {
            let before = rest[..at].chars().last();
            rest = &rest[at + root.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            if let Some(group) = rest.strip_prefix('{') {
                let inner = &group[..group.find('}').unwrap_or(group.len())];
                for item in inner.split(',') {
                    found.push(join(&base, item));
                }
            } else {
                found.push(join(&base, rest));
            }
        }
    }
    found
}

fn parent(module: &[String]) -> Vec<String> {
    module[..module.len().saturating_sub(1)].to_vec()
}

/// `base` followed by the names at the start of `path` (`a::b::C` gives a, b, C).
fn join(base: &[String], path: &str) -> ModulePath {
    let mut names = base.to_vec();
    for name in path.trim().split("::") {
        let name: String = name.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if name.is_empty() {
            break;
        }
        names.push(name);
    }
    names
}

/// Every import in `src/`, resolved to modules that have files.
fn imports() -> (Vec<Import>, BTreeSet<ModulePath>) {
    let src = Path::new(SRC);
    let files = rust_files(src);
    let modules: BTreeSet<ModulePath> =
        files.iter().map(|f| module_of(f.strip_prefix(src).expect("under src"))).collect();
    let mut imports = Vec::new();
    for path in &files {
        let relative = path.strip_prefix(src).expect("under src");
        let from = module_of(relative);
        let text = std::fs::read_to_string(path).expect("readable");
        for (line, code) in code_lines(&text) {
            for named in named_paths(&code, &from) {
                // The deepest prefix that is a module with a file of its own.
                let to = (1..=named.len())
                    .rev()
                    .map(|n| named[..n].to_vec())
                    .find(|prefix| modules.contains(prefix))
                    .unwrap_or_default();
                if !to.is_empty() && to != from {
                    let file = relative.display().to_string();
                    imports.push(Import { file, line, from: from.clone(), to });
                }
            }
        }
    }
    (imports, modules)
}

/// The groups of nodes that reach each other (Tarjan), only those of more than one node.
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(state: &mut State<'a>, node: &'a str) {
        let index = state.index.len();
        state.index.insert(node, index);
        state.low.insert(node, index);
        state.stack.push(node);
        for next in state.edges.get(node).into_iter().flatten() {
            if !state.index.contains_key(next.as_str()) {
                visit(state, next);
                let low = state.low[node].min(state.low[next.as_str()]);
                state.low.insert(node, low);
            } else if state.stack.contains(&next.as_str()) {
                let low = state.low[node].min(state.index[next.as_str()]);
                state.low.insert(node, low);
            }
        }
        if state.low[node] == state.index[node] {
            let mut group = Vec::new();
            while let Some(top) = state.stack.pop() {
                group.push(top.to_string());
                if top == node {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                state.found.push(group);
            }
        }
    }
    let mut state =
        State { edges, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), found: Vec::new() };
    for node in edges.keys() {
        if !state.index.contains_key(node.as_str()) {
            visit(&mut state, node);
        }
    }
    state.found
}

#[test]
fn every_module_is_in_a_layer_and_imports_only_downwards() {
    let layers = layers();
    let (imports, modules) = imports();
    let mut problems = Vec::new();
    for module in modules.iter().filter(|m| m.len() == 1) {
        if !layers.contains_key(&module[0]) {
            problems.push(format!("src/lib.rs puts module {} in no layer", module[0]));
        }
    }
    for import in &imports {
        let (from, to) = (&import.from[..1.min(import.from.len())], &import.to[0]);
        let Some(from) = from.first() else { continue }; // lib.rs declares the modules
        if from == to {
            continue;
        }
        let (Some(own), Some(theirs)) = (layers.get(from), layers.get(to)) else { continue };
        if theirs > own {
            problems.push(format!(
                "src/{}:{}: {from} (layer {own}) imports {to} (layer {theirs}), a layer above it",
                import.file, import.line
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn no_modules_import_each_other_in_a_circle() {
    let (imports, _) = imports();
    // The crate's top-level modules, and the files of each folder among themselves (a
    // folder's `mod.rs` is its module's face: its children may use what it defines).
    let mut top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut siblings: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut lines: BTreeMap<(String, String), String> = BTreeMap::new();
    for import in &imports {
        let (Some(from), Some(to)) = (import.from.first(), import.to.first()) else { continue };
        if from != to {
            top.entry(from.clone()).or_default().insert(to.clone());
            lines.entry((from.clone(), to.clone())).or_insert(format!("src/{}:{}", import.file, import.line));
        } else if import.from.len() >= 2 && import.to.len() >= 2 && parent(&import.from) == parent(&import.to)
        {
            let (a, b) = (import.from.join("::"), import.to.join("::"));
            siblings.entry(a.clone()).or_default().insert(b.clone());
            lines.entry((a, b)).or_insert(format!("src/{}:{}", import.file, import.line));
        }
    }
    let mut problems = Vec::new();
    for group in cycles(&top).into_iter().chain(cycles(&siblings)) {
        let edges: Vec<String> = group
            .iter()
            .flat_map(|a| group.iter().map(move |b| (a.clone(), b.clone())))
            .filter_map(|(a, b)| lines.get(&(a.clone(), b.clone())).map(|at| format!("  {at}: {a} -> {b}")))
            .collect();
        problems.push(format!("a circle of imports among {}:\n{}", group.join(", "), edges.join("\n")));
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
