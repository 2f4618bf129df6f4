//! What the end-to-end tests run against: the built Worker in `wrangler dev` or workerd
//! (`worker`), a local origin they control (`origin`), V8's collector through the inspector
//! (`inspector`) and a driver of mixed traffic from many clients (`traffic`). Shared by three
//! test binaries: `e2e` (`mod harness;` in `tests/e2e/main.rs`), and `load` and `soak`
//! (`#[path = "e2e/harness/mod.rs"]`), so that `make test` runs neither of those two.

// Each test binary that includes the harness uses a different part of it.
#![allow(dead_code)]

#[path = "../../common/animations.rs"]
pub mod animations;
#[path = "../../common/fixtures.rs"]
pub mod fixtures;
#[path = "../../common/formats.rs"]
pub mod formats;
pub mod inspector;
#[path = "../../common/manifest.rs"]
pub mod manifest;
pub mod origin;
pub mod traffic;
pub mod worker;
