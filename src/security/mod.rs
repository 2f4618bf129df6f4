//! The security gate: every check of what a request may ask for and what the proxy may fetch
//! and hand on, as host-tested functions the edge calls (it checks nothing itself).
//!
//! - [`admit`], before the cache or the network is touched: the URL's signature, expiry and
//!   size limits ([`check_request`]), then where its source may be fetched from
//!   ([`Target::resolve`]: `ALLOWED_SOURCES` and private networks for URLs; `SOURCE_BUCKET`,
//!   `ORIGIN_URL` or the static assets for paths).
//!   The overlays' sources (`draw`, the watermark) pass the same check ([`overlay_targets`]).
//! - [`admit_vouched`], for the variants `POST /warm` asks for: the sizes and the source, as
//!   for a signed URL.
//! - [`next_hop`], on every redirect the upstream answers.
//! - [`check_passthrough`], before a body is handed on untouched: an image type, and not
//!   over `PASSTHROUGH_MAX_BYTES`.

mod private_net;
mod request;
mod signature;
mod source;
mod target;

pub use private_net::is_public;
pub use request::check_request;
pub use signature::{payload, sign, sign_url, SigningKeys, MIN_KEY_BYTES};
pub use source::{HostPattern, SourcePolicy};
pub use target::{check_image_type, check_passthrough, next_hop, Target, ASSETS_ORIGIN, MAX_REDIRECTS};

use url::Url;

use crate::error::ProxyError;
use crate::route::{ImageRequest, Watermark};

/// What the gate enforces, parsed from the configuration once (`crate::config::Config`
/// holds it); each field names its variable and default.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Hosts that absolute source URLs may name (`ALLOWED_SOURCES`). Default: none.
    pub allowed_sources: SourcePolicy,
    /// Where relative sources are fetched from (`ORIGIN_URL`). Default: the Worker's own
    /// static assets.
    pub origin_url: Option<Url>,
    /// Relative sources are objects of the `SOURCE_BUCKET` R2 bucket (a binding, not a
    /// variable: set when the Worker has it). Default: no bucket.
    pub source_bucket: bool,
    /// Keys URLs must be signed with (`SIGNING_KEY`, and `SIGNING_KEYS` for rotation; both
    /// secrets). Default: none, and URLs need no signature.
    pub signing_keys: SigningKeys,
    /// The largest output width or height, after `dpr` (`MAX_OUTPUT_DIMENSION`, at most the
    /// parser's ceiling of 12,000). Default: 12,000, as Cloudflare's.
    pub max_output_dimension: u32,
    /// The largest `dpr` served, in thousandths (`MAX_DPR`, a decimal from 1 to 4).
    /// Default: 4, the parser's ceiling.
    pub max_dpr_thousandths: u16,
    /// The only output widths served to unsigned URLs (`ALLOWED_WIDTHS`, after `dpr`).
    /// Default: any.
    pub allowed_widths: Option<Vec<u32>>,
    /// The only `quality` values served to unsigned URLs (`ALLOWED_QUALITIES`). Default: any.
    pub allowed_qualities: Option<Vec<u8>>,
    /// The largest source passed through; a larger one is refused, or cut when it has no
    /// declared length (`PASSTHROUGH_MAX_BYTES`). Default: no limit.
    pub passthrough_max_bytes: Option<u64>,
    /// The watermark drawn on every transformed image (`WATERMARK_SOURCE` and the other
    /// `WATERMARK_*` variables). It sits with the gate's policy because every answer depends
    /// on it as on the limits, its source passes the gate as any source does, and the cache
    /// keys that purging and warming work out (from this policy) must include it. Default:
    /// none.
    pub watermark: Option<Watermark>,
    /// The CPU a transform may be estimated to take, in milliseconds (`CPU_BUDGET_MS`):
    /// over it, a cheaper path is taken, or the source is answered untouched (see
    /// `transform/cpu.rs`). It sits here for the watermark's reason: a budget under what a
    /// transform needs changes the answer's bytes, so cache keys, which purging and warming
    /// work out from this policy, include a budget other than the default. Default:
    /// [`DEFAULT_CPU_BUDGET_MS`].
    pub cpu_budget_ms: u64,
}

/// Default for [`Policy::cpu_budget_ms`]: 30 s, the Workers Paid plan's default CPU limit
/// per request, so that on Paid nothing takes a cheaper path that the runtime would not
/// have cut off anyway. On the Free plan (10 ms of CPU a request) set `CPU_BUDGET_MS = "10"`;
/// a Paid Worker whose `[limits] cpu_ms` is raised (up to 300,000) may raise it to match.
pub const DEFAULT_CPU_BUDGET_MS: u64 = 30_000;

impl Default for Policy {
    fn default() -> Self {
        Policy {
            allowed_sources: SourcePolicy::default(),
            origin_url: None,
            source_bucket: false,
            signing_keys: SigningKeys::default(),
            max_output_dimension: crate::options::MAX_DIMENSION,
            max_dpr_thousandths: 4000,
            allowed_widths: None,
            allowed_qualities: None,
            passthrough_max_bytes: None,
            watermark: None,
            cpu_budget_ms: DEFAULT_CPU_BUDGET_MS,
        }
    }
}

/// Admits an image request that a holder of `PURGE_TOKEN` asked to have made ahead
/// (`POST /warm`), or refuses it. Vouched for like a signed URL, it needs no signature and
/// is not held to `ALLOWED_WIDTHS`/`ALLOWED_QUALITIES`; the sizes every URL is held to, and
/// where its source may be fetched from, still apply.
pub fn admit_vouched(request: &ImageRequest, policy: &Policy) -> Result<Target, ProxyError> {
    request::check_sizes(request, policy)?;
    overlay_targets(request, policy)?;
    Target::resolve(&request.source, policy)
}

/// Admits an image request at `now` (Unix seconds), or refuses it: its URL's own checks,
/// then where its source is fetched from. A refused request is not served from the cache
/// either, nor redirected to.
pub fn admit(request: &ImageRequest, policy: &Policy, now: u64) -> Result<Target, ProxyError> {
    check_request(request, policy, now)?;
    overlay_targets(request, policy)?;
    Target::resolve(&request.source, policy)
}

/// Where each overlay of an admitted request is fetched from: its draws' sources in order,
/// then the watermark's, each through the same gate as the image's own source, so that an
/// overlay on a host not allowed is refused exactly as such a source is.
pub fn overlay_targets(request: &ImageRequest, policy: &Policy) -> Result<Vec<Target>, ProxyError> {
    let draws = request.draws.iter().map(|draw| &draw.source);
    let watermark = policy.watermark.iter().map(|watermark| &watermark.source);
    draws.chain(watermark).map(|source| Target::resolve(source, policy)).collect()
}
