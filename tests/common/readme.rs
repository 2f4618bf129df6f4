//! README.md's text, for the tests that hold README to what the project does: its tables
//! (tests/readme.rs) and its commands (tests/e2e/readme_commands.rs).

/// The whole of README.md.
pub fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md")
}
