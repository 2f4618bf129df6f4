//! README.md's option and error tables agree with the tables the proxy runs on, so the
//! first page a user reads cannot drift from the parser and the error type: the error table is,
//! word for word, the rows `error::ERROR_KINDS` gives (as `/reference.json` publishes them),
//! and a failure prints the rows README should hold, ready to paste.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use edge_image_proxy::reference::{reference, ErrorDoc};

const ERRORS_HEADER: &str = "| status | `type` | fault | `onerror=redirect` | cause |";

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md")
}

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

/// The table rows (`| … |` lines) whose first cell holds `needle`.
fn rows_starting_with<'a>(text: &'a str, needle: &str) -> Vec<&'a str> {
    text.lines()
        .filter(|line| line.starts_with('|'))
        .filter(|line| line.split('|').nth(1).is_some_and(|cell| cell.contains(needle)))
        .collect()
}

#[test]
fn every_option_has_a_row_naming_its_aliases() {
    let readme = readme();
    for option in reference().options {
        let rows = rows_starting_with(&readme, &format!("`{}`", option.name));
        let row = rows.first().unwrap_or_else(|| panic!("no README row for option {}", option.name));
        for alias in &option.aliases {
            assert!(
                row.contains(&format!("`{alias}`")),
                "README row for {} lacks alias {alias}",
                option.name
            );
        }
    }
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
