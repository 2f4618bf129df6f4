//! The edge carries out decisions and makes none, so each of its functions stays short: no
//! function in `src/edge/` is longer than 40 lines (from its `fn` line to its closing brace,
//! doc comments not counted). A longer one is a decision waiting to move into a pure module,
//! or a step waiting to be named.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;

const EDGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/edge");
const MOST_LINES: usize = 40;

/// Each Rust function of `text` (outside strings of JavaScript): its name, first line and
/// length in lines.
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    let mut in_raw_string = false;
    for (index, line) in lines.iter().enumerate() {
        // Inline JavaScript sits in raw strings `r#"…"#`; its functions are not Rust's.
        if line.contains("r#\"") {
            in_raw_string = true;
        }
        if in_raw_string {
            if line.contains("\"#") {
                in_raw_string = false;
            }
            continue;
        }
        let code = line.trim_start();
        let Some(at) = code.find("fn ") else { continue };
        let before = &code[..at];
        let is_item = before
            .split_whitespace()
            .all(|word| matches!(word, "pub" | "pub(super)" | "pub(crate)" | "async" | "const" | "unsafe"));
        if !is_item || code.starts_with("//") {
            continue;
        }
        let name: String = code[at + 3..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        // The body ends at the line where the braces opened after the signature balance.
        let mut depth = 0i32;
        let mut opened = false;
        for (offset, body_line) in lines[index..].iter().enumerate() {
            for c in body_line.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if opened && depth <= 0 {
                found.push((name.clone(), index + 1, offset + 1));
                break;
            }
            if !opened && body_line.trim_end().ends_with(';') {
                break; // a declaration without a body
            }
        }
    }
    found
}

#[test]
fn no_function_in_the_edge_is_longer_than_40_lines() {
    let mut too_long = Vec::new();
    let mut files: Vec<_> =
        std::fs::read_dir(EDGE).expect("src/edge").map(|e| e.expect("entry").path()).collect();
    files.sort();
    for path in files.iter().filter(|p| p.extension().is_some_and(|e| e == "rs")) {
        let text = std::fs::read_to_string(path).expect("readable");
        for (name, line, length) in functions(&text) {
            if length > MOST_LINES {
                let file = Path::new(path).file_name().unwrap().to_string_lossy().into_owned();
                too_long.push(format!("src/edge/{file}:{line}: {name} is {length} lines"));
            }
        }
    }
    assert!(too_long.is_empty(), "longer than {MOST_LINES} lines:\n{}", too_long.join("\n"));
}

#[test]
fn the_measure_counts_a_function_from_its_signature_to_its_closing_brace() {
    let text = "/// doc\npub async fn short(\n    a: u8,\n) -> u8 {\n    if a > 0 { 1 } else { 0 }\n}\nfn other() {}\n";
    assert_eq!(functions(text), vec![("short".to_string(), 2, 5), ("other".to_string(), 7, 1)]);
}
