//! README.md's option and error tables agree with the tables the proxy runs on, so the
//! first page a user reads cannot drift from the parser.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

#[path = "common/readme.rs"]
mod readme;

use edge_image_proxy::reference::reference;
use readme::readme;

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
fn every_error_has_a_row_with_its_status() {
    let readme = readme();
    for error in reference().errors {
        let kind = format!("`/reference#{}`", error.slug);
        let row = readme
            .lines()
            .find(|line| line.starts_with('|') && line.contains(&kind))
            .unwrap_or_else(|| panic!("no README row for {kind}"));
        let status_cell = row.split('|').nth(1).unwrap_or("");
        assert!(status_cell.contains(&error.status.to_string()), "{kind}: README says {status_cell:?}");
    }
}
