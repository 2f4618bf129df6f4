//! README.md's option and error tables are, word for word, the rows the proxy's own tables
//! give (`options::OPTION_KEYS`, `error::ERROR_KINDS`, as `/reference.json` publishes them),
//! so the first page a user reads cannot drift from the parser and the error type. A failure
//! prints the rows README should hold, ready to paste.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

#[path = "common/readme.rs"]
mod readme;

use edge_image_proxy::reference::{reference, ErrorDoc, OptionDoc};
use readme::readme;

const OPTIONS_HEADER: &str = "| option | aliases | values | default |";
const ERRORS_HEADER: &str = "| status | `type` | fault | `onerror=redirect` | cause |";

/// A Markdown table row, an empty cell written `| |` as README writes it.
fn row(cells: &[String]) -> String {
    cells.iter().fold(
        "|".to_string(),
        |row, cell| {
            if cell.is_empty() {
                row + " |"
            } else {
                format!("{row} {cell} |")
            }
        },
    )
}

fn option_row(option: &OptionDoc) -> String {
    let aliases: Vec<String> = option.aliases.iter().map(|alias| format!("`{alias}`")).collect();
    row(&[
        format!("`{}`", option.name),
        aliases.join(", "),
        option.about.to_string(),
        option.default.to_string(),
    ])
}

fn error_row(error: &ErrorDoc) -> String {
    let status =
        if error.mirrored { format!("{} and other 4xx", error.status) } else { error.status.to_string() };
    let fault = serde_json::to_value(error.fault).expect("a fault serialises");
    row(&[
        status,
        format!("`/reference#{}`", error.slug),
        fault.as_str().expect("a fault is a word").to_string(),
        if error.may_redirect { "yes" } else { "no" }.to_string(),
        error.cause.to_string(),
    ])
}

/// The body rows of the table under `header`.
fn table<'a>(readme: &'a str, header: &str) -> Vec<&'a str> {
    let mut lines = readme.lines().skip_while(|line| *line != header);
    assert!(lines.next().is_some(), "README has no table headed {header}");
    lines.skip(1).take_while(|line| line.starts_with('|')).collect()
}

/// README's rows against the expected ones, every difference reported with the row to paste.
fn assert_rows(readme: &str, header: &str, expected: &[String]) {
    let found = table(readme, header);
    let mut problems = Vec::new();
    for (index, want) in expected.iter().enumerate() {
        match found.get(index) {
            Some(have) if have == want => {}
            Some(have) => {
                problems.push(format!("row {}: README has\n{have}\nand should have\n{want}", index + 1))
            }
            None => problems.push(format!("row {}: README lacks\n{want}", index + 1)),
        }
    }
    for extra in found.iter().skip(expected.len()) {
        problems.push(format!("README has a row the table does not:\n{extra}"));
    }
    assert!(problems.is_empty(), "README's table under {header} differs:\n\n{}", problems.join("\n\n"));
}

#[test]
fn the_option_table_is_the_one_the_parser_uses() {
    let expected: Vec<String> = reference().options.iter().map(option_row).collect();
    assert_rows(&readme(), OPTIONS_HEADER, &expected);
}

#[test]
fn the_error_table_is_the_one_the_proxy_answers_from() {
    let expected: Vec<String> = reference().errors.iter().map(error_row).collect();
    assert_rows(&readme(), ERRORS_HEADER, &expected);
}

#[test]
fn a_row_is_written_as_readme_writes_it() {
    let cells = ["`fit`".to_string(), String::new(), "words".to_string()];
    assert_eq!(row(&cells), "| `fit` | | words |");
}
