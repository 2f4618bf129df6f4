//! The single gate every upstream URL passes: may the proxy fetch it?
//!
//! [`SourcePolicy`] is built from `ALLOWED_SOURCES`; the upstream fetcher calls
//! [`SourcePolicy::check`] on the first URL and again on every redirect hop.

mod private_net;
mod source;

pub use private_net::is_public;
pub use source::{HostPattern, SourcePolicy};

/// How many redirects an upstream fetch follows before giving up.
pub const MAX_REDIRECTS: usize = 5;
