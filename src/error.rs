//! [`ProxyError`]: every way a request can fail, grouped by who is at fault. Each kind of
//! failure is one row of [`ERROR_KINDS`] (slug, status, title, fault, whether
//! `onerror=redirect` applies, and the cause the reference and README give), and one match,
//! `ProxyError::explain`, takes a failure to its row and to the message a client may see.
//! Details meant for operators go to the log.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

/// Every failure the proxy can answer with. Each variant's row in [`ERROR_KINDS`] says how it
/// is answered; the variant holds what one occurrence adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyError {
    // The client's fault.
    /// An option is unknown, repeated or out of range; the text says which, for the client.
    BadOptions(String),
    /// The source URL or path cannot be used; the text says why, for the client.
    BadSource(String),
    /// The source's host is not in `ALLOWED_SOURCES`, or it is a private address.
    SourceNotAllowed(String),
    /// Not a method the route serves.
    MethodNotAllowed,
    /// The URL's signature is missing, wrong or expired.
    BadSignature(String),
    /// `POST /purge` or `POST /warm` without the right bearer token, or with them off.
    Unauthorized,

    // The upstream's fault.
    /// The upstream answered with this 4xx status; it is mirrored to the client.
    UpstreamRefused(u16),
    /// The upstream answered 5xx, broke off, or sent something unusable; the text is for the
    /// log only.
    UpstreamFailed(String),
    /// The upstream redirected more than `limit` times.
    TooManyRedirects { limit: usize },
    /// The upstream did not answer within `UPSTREAM_TIMEOUT_MS`.
    UpstreamTimeout { millis: u64 },
    /// The upstream's content is not an image we can read.
    NotAnImage,
    /// An image of a format we read, coded in a way no decoder here reads (a lossless or
    /// arithmetic-coded JPEG); the text names the kind, for the client.
    UnsupportedImageKind(String),
    /// The source is an image served only as it is (AVIF) or sanitised (SVG), and the
    /// request asks for what only its decoded pixels could give; the text says what.
    NotTransformable(String),
    /// The image is damaged or uses a feature the decoder lacks; the text says which.
    UndecodableImage(String),
    /// The image, or the image asked for, is larger than `MAX_SOURCE_PIXELS`.
    TooManyPixels { pixels: u64, limit: u64 },
    /// Transforming the image needs more memory than the whole `BUFFER_BUDGET_BYTES`.
    OverMemoryBudget { bytes: u64, budget: u64 },
    /// The source is larger than this request may read.
    SourceTooLarge { limit: u64 },

    // The moment's.
    /// The memory budget had no room for a transform that could not be skipped.
    Busy { retry_after_seconds: u32 },
    /// Transforming the image would take more CPU than `CPU_BUDGET_MS`, even by the cheapest
    /// path, and the request could not be answered with the source untouched. `unforeseen`
    /// names the work the header could not foresee that took a fitted transform over (a
    /// damaged JPEG's repair, a full-size decode after a scaled one failed), if that is why.
    OverCpuBudget {
        estimate_ms: u64,
        budget_ms: u64,
        retry_after_seconds: u32,
        unforeseen: Option<&'static str>,
    },

    // Ours.
    /// A configuration variable is invalid.
    Config(ConfigError),
    /// Something inside the proxy failed; the text is for the log only.
    Internal(String),
}

/// Who a failure is down to, which tells a client what it can do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fault {
    /// The request: only a different request will do.
    Client,
    /// The source or its server: the same request fails until the source changes.
    Upstream,
    /// The moment: the same request may succeed later.
    Moment,
    /// The proxy: its operator has to act.
    Proxy,
}

/// The HTTP status a kind of failure answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Always this one.
    Fixed(u16),
    /// The upstream's own status, mirrored; the reference shows `example`.
    Mirrored {
        /// The status the reference gives as an example.
        example: u16,
    },
}

impl Status {
    /// The fixed status, or a mirrored one's example.
    pub fn code(self) -> u16 {
        match self {
            Status::Fixed(code) | Status::Mirrored { example: code } => code,
        }
    }
}

/// One kind of failure: how every failure of that kind is answered and documented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorKind {
    /// A stable, kebab-case name: the problem `type` is `/reference#<slug>`.
    pub slug: &'static str,
    /// The HTTP status.
    pub status: Status,
    /// The problem `title`: a short, fixed summary.
    pub title: &'static str,
    /// Who is at fault.
    pub fault: Fault,
    /// Whether `onerror=redirect` may answer it with a redirect to the source. Only failures
    /// of a source the policy allowed qualify: the image could not be fetched, read or
    /// transformed. A refusal of the request itself (options, source, host, signature,
    /// method) never does: redirecting to a source the policy refused would make the proxy an
    /// open redirect. Nor does a misconfigured proxy, whose sources are not known to be safe.
    pub may_redirect: bool,
    /// When it happens, as the reference and README's error table say it (Markdown: plain
    /// text with `code` spans).
    pub cause: &'static str,
}

/// Every kind of failure, one row each, grouped by who is at fault and by status within a
/// group; the reference and README's error table list them in this order.
pub const ERROR_KINDS: [ErrorKind; 21] = [
    ErrorKind::BAD_OPTIONS,
    ErrorKind::BAD_SOURCE,
    ErrorKind::UNAUTHORIZED,
    ErrorKind::SOURCE_NOT_ALLOWED,
    ErrorKind::BAD_SIGNATURE,
    ErrorKind::METHOD_NOT_ALLOWED,
    ErrorKind::UPSTREAM_REFUSED,
    ErrorKind::NOT_AN_IMAGE,
    ErrorKind::UNSUPPORTED_IMAGE_KIND,
    ErrorKind::NOT_TRANSFORMABLE,
    ErrorKind::UNDECODABLE_IMAGE,
    ErrorKind::TOO_MANY_PIXELS,
    ErrorKind::OVER_MEMORY_BUDGET,
    ErrorKind::UPSTREAM_FAILED,
    ErrorKind::TOO_MANY_REDIRECTS,
    ErrorKind::SOURCE_TOO_LARGE,
    ErrorKind::UPSTREAM_TIMEOUT,
    ErrorKind::BUSY,
    ErrorKind::BAD_CONFIGURATION,
    ErrorKind::INTERNAL,
    ErrorKind::OVER_CPU_BUDGET,
];

// The rows, named so that `ProxyError::explain` can point at them.
impl ErrorKind {
    const BAD_OPTIONS: ErrorKind = ErrorKind {
        slug: "bad-options",
        status: Status::Fixed(400),
        title: "Invalid image options",
        fault: Fault::Client,
        may_redirect: false,
        cause: "an unknown, repeated or out-of-range option, two ways of trimming at once, or a \
                Cloudflare option the proxy does not carry out (the detail names it and says why)",
    };
    const BAD_SOURCE: ErrorKind = ErrorKind {
        slug: "bad-source",
        status: Status::Fixed(400),
        title: "Invalid source",
        fault: Fault::Client,
        may_redirect: false,
        cause: "a missing or malformed source, or a path that tries to name a host",
    };
    const UNAUTHORIZED: ErrorKind = ErrorKind {
        slug: "unauthorized",
        status: Status::Fixed(401),
        title: "Unauthorized",
        fault: Fault::Client,
        may_redirect: false,
        cause: "`POST /purge` or `POST /warm` without `Authorization: Bearer <PURGE_TOKEN>`, or \
                with no `PURGE_TOKEN` set",
    };
    const SOURCE_NOT_ALLOWED: ErrorKind = ErrorKind {
        slug: "source-not-allowed",
        status: Status::Fixed(403),
        title: "Source not allowed",
        fault: Fault::Client,
        may_redirect: false,
        cause: "a host not in `ALLOWED_SOURCES`, a private address, credentials in the URL, or a \
                redirect to any of these",
    };
    const BAD_SIGNATURE: ErrorKind = ErrorKind {
        slug: "bad-signature",
        status: Status::Fixed(403),
        title: "Invalid signature",
        fault: Fault::Client,
        may_redirect: false,
        cause: "with `SIGNING_KEY` set, a missing or wrong `s=`; any URL past its `expires=`",
    };
    const METHOD_NOT_ALLOWED: ErrorKind = ErrorKind {
        slug: "method-not-allowed",
        status: Status::Fixed(405),
        title: "Method not allowed",
        fault: Fault::Client,
        may_redirect: false,
        cause: "a method other than `GET` or `HEAD` (`POST` for `/purge` and `/warm`); `OPTIONS` is \
                answered as a CORS preflight",
    };
    const UPSTREAM_REFUSED: ErrorKind = ErrorKind {
        slug: "upstream-refused",
        status: Status::Mirrored { example: 404 },
        title: "The source's server refused the request",
        fault: Fault::Upstream,
        may_redirect: true,
        cause: "the upstream's own 4xx, mirrored",
    };
    const NOT_AN_IMAGE: ErrorKind = ErrorKind {
        slug: "not-an-image",
        status: Status::Fixed(415),
        title: "The source is not a supported image",
        fault: Fault::Upstream,
        may_redirect: true,
        cause: "a source that is not JPEG, PNG, GIF, WebP, BMP, ICO, TIFF, AVIF or SVG (judged by \
                its magic bytes), or an SVG that cannot be sanitised; for a source passed through \
                unread, a `Content-Type` that is not `image/*`, or is SVG",
    };
    const NOT_TRANSFORMABLE: ErrorKind = ErrorKind {
        slug: "not-transformable",
        status: Status::Fixed(415),
        title: "The image cannot be transformed",
        fault: Fault::Upstream,
        may_redirect: true,
        cause: "an AVIF source asked for other pixels or, by `format` or `Accept`, another format \
                (it is served only as it is); an SVG source asked for a raster `format`, or an \
                option that needs pixels (it is served sanitised, never rasterised)",
    };
    const UNSUPPORTED_IMAGE_KIND: ErrorKind = ErrorKind {
        slug: "unsupported-image-kind",
        status: Status::Fixed(415),
        title: "The image is coded in an unsupported way",
        fault: Fault::Upstream,
        may_redirect: true,
        cause: "a lossless, hierarchical or arithmetic-coded JPEG (SOF3, SOF5 to SOF7, SOF9 to \
                SOF11, SOF13 to SOF15), told from its frame header; the detail names the kind",
    };
    const UNDECODABLE_IMAGE: ErrorKind = ErrorKind {
        slug: "undecodable-image",
        status: Status::Fixed(422),
        title: "The image cannot be decoded",
        fault: Fault::Upstream,
        may_redirect: true,
        cause: "a damaged image or an unsupported feature",
    };
    const TOO_MANY_PIXELS: ErrorKind = ErrorKind {
        slug: "too-many-pixels",
        status: Status::Fixed(422),
        title: "The image is too large",
        fault: Fault::Upstream,
        may_redirect: true,
        cause: "a source or output above `MAX_SOURCE_PIXELS`",
    };
    const OVER_MEMORY_BUDGET: ErrorKind = ErrorKind {
        slug: "over-memory-budget",
        status: Status::Fixed(422),
        title: "The image needs too much memory",
        fault: Fault::Upstream,
        may_redirect: true,
        cause: "an image whose decode and resize need more than `BUFFER_BUDGET_BYTES` on their own",
    };
    const UPSTREAM_FAILED: ErrorKind = ErrorKind {
        slug: "upstream-failed",
        status: Status::Fixed(502),
        title: "The source's server failed",
        fault: Fault::Upstream,
        may_redirect: true,
        cause: "an upstream 5xx, a redirect without a usable `Location`, a broken connection, or \
                a body that stalls or ends at another length than its `Content-Length`",
    };
    const TOO_MANY_REDIRECTS: ErrorKind = ErrorKind {
        slug: "too-many-redirects",
        status: Status::Fixed(502),
        title: "Too many redirects",
        fault: Fault::Upstream,
        may_redirect: true,
        cause: "more than 5 redirects",
    };
    const SOURCE_TOO_LARGE: ErrorKind = ErrorKind {
        slug: "source-too-large",
        status: Status::Fixed(502),
        title: "The source is too large",
        fault: Fault::Upstream,
        may_redirect: true,
        cause: "a source to pass through whose declared length is above `PASSTHROUGH_MAX_BYTES`; \
                with `format=json`, one larger than `TRANSFORM_MAX_BYTES`",
    };
    const UPSTREAM_TIMEOUT: ErrorKind = ErrorKind {
        slug: "upstream-timeout",
        status: Status::Fixed(504),
        title: "The source's server timed out",
        fault: Fault::Upstream,
        may_redirect: true,
        cause: "no response headers within `UPSTREAM_TIMEOUT_MS`",
    };
    const BUSY: ErrorKind = ErrorKind {
        slug: "busy",
        status: Status::Fixed(503),
        title: "The proxy is busy",
        fault: Fault::Moment,
        may_redirect: true,
        cause: "no room in the memory budget within 2 s for a request that must be transformed \
                (a `format` other than `auto`, a `rotate` or a `flip`); with `Retry-After`",
    };
    const OVER_CPU_BUDGET: ErrorKind = ErrorKind {
        slug: "over-cpu-budget",
        status: Status::Fixed(503),
        title: "The image needs too much CPU",
        fault: Fault::Proxy,
        may_redirect: true,
        cause: "a transform estimated over `CPU_BUDGET_MS` even by its cheapest path, for a request \
                that must be transformed (a `format` other than `auto`, a `rotate` or a `flip`); \
                with `Retry-After`",
    };
    const BAD_CONFIGURATION: ErrorKind = ErrorKind {
        slug: "bad-configuration",
        status: Status::Fixed(500),
        title: "The proxy is misconfigured",
        fault: Fault::Proxy,
        may_redirect: false,
        cause: "an invalid `[vars]` value, `ORIGIN_URL` beside a `SOURCE_BUCKET` binding, or a \
                binding a route needs and lacks (`POST /warm` without `WARM_QUEUE`)",
    };
    const INTERNAL: ErrorKind = ErrorKind {
        slug: "internal",
        status: Status::Fixed(500),
        title: "Internal error",
        fault: Fault::Proxy,
        may_redirect: true,
        cause: "a fault inside the proxy; the detail is logged, not sent",
    };
}

/// A configuration variable whose value cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The variable's name, as written in `wrangler.toml`.
    pub var: &'static str,
    /// What is wrong with its value.
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "configuration variable {}: {}", self.var, self.problem)
    }
}

impl std::error::Error for ConfigError {}

/// The `application/problem+json` body (RFC 9457) sent for every failure.
#[derive(Debug, Serialize)]
pub struct Problem {
    /// A relative URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short, fixed summary of the kind of problem.
    pub title: &'static str,
    /// The HTTP status, repeated for clients that only see the body.
    pub status: u16,
    /// What went wrong with this request, safe to show to anyone.
    pub detail: String,
}

impl ProxyError {
    /// This failure's row in [`ERROR_KINDS`], and what a client may be told about it. The one
    /// match over the variants: a new kind of failure is a variant, a row and an arm here.
    /// Upstream internals stay out of the public detail: they go to the log through
    /// [`fmt::Display`].
    fn explain(&self) -> (&'static ErrorKind, Cow<'_, str>) {
        match self {
            ProxyError::BadOptions(why) => (&ErrorKind::BAD_OPTIONS, why.into()),
            ProxyError::BadSource(why) => (&ErrorKind::BAD_SOURCE, why.into()),
            ProxyError::SourceNotAllowed(why) => (&ErrorKind::SOURCE_NOT_ALLOWED, why.into()),
            ProxyError::BadSignature(why) => (&ErrorKind::BAD_SIGNATURE, why.into()),
            ProxyError::MethodNotAllowed => {
                (&ErrorKind::METHOD_NOT_ALLOWED, "only GET and HEAD are served (and POST to /purge)".into())
            }
            ProxyError::Unauthorized => {
                (&ErrorKind::UNAUTHORIZED, "purging needs Authorization: Bearer <PURGE_TOKEN>".into())
            }
            ProxyError::UpstreamRefused(status) => {
                (&ErrorKind::UPSTREAM_REFUSED, format!("the source answered {status}").into())
            }
            ProxyError::UpstreamFailed(_) => {
                (&ErrorKind::UPSTREAM_FAILED, "the source could not be fetched completely".into())
            }
            ProxyError::TooManyRedirects { limit } => (
                &ErrorKind::TOO_MANY_REDIRECTS,
                format!("the source redirected more than {limit} times").into(),
            ),
            ProxyError::UpstreamTimeout { millis } => {
                (&ErrorKind::UPSTREAM_TIMEOUT, format!("the source did not answer within {millis} ms").into())
            }
            ProxyError::UnsupportedImageKind(kind) => (&ErrorKind::UNSUPPORTED_IMAGE_KIND, kind.into()),
            ProxyError::NotAnImage => (
                &ErrorKind::NOT_AN_IMAGE,
                "the source is not a JPEG, PNG, GIF, WebP, BMP, ICO, TIFF, AVIF or well-formed SVG image"
                    .into(),
            ),
            ProxyError::NotTransformable(why) => (&ErrorKind::NOT_TRANSFORMABLE, why.into()),
            ProxyError::UndecodableImage(why) => (&ErrorKind::UNDECODABLE_IMAGE, why.into()),
            ProxyError::TooManyPixels { pixels, limit } => (
                &ErrorKind::TOO_MANY_PIXELS,
                format!("{pixels} pixels is more than MAX_SOURCE_PIXELS ({limit})").into(),
            ),
            ProxyError::OverMemoryBudget { bytes, budget } => (
                &ErrorKind::OVER_MEMORY_BUDGET,
                format!(
                    "transforming it needs about {bytes} bytes, more than BUFFER_BUDGET_BYTES ({budget})"
                )
                .into(),
            ),
            ProxyError::SourceTooLarge { limit } => (
                &ErrorKind::SOURCE_TOO_LARGE,
                format!("the source is larger than the {limit} bytes this request may read").into(),
            ),
            ProxyError::Busy { retry_after_seconds } => (
                &ErrorKind::BUSY,
                format!("too many images are being transformed; retry in {retry_after_seconds} s").into(),
            ),
            ProxyError::OverCpuBudget { estimate_ms, budget_ms, .. } => (
                &ErrorKind::OVER_CPU_BUDGET,
                format!(
                    "transforming it would take about {estimate_ms} ms of CPU, more than CPU_BUDGET_MS ({budget_ms})"
                )
                .into(),
            ),
            // The operator needs to see which variable is wrong, and a misconfigured proxy has
            // nothing to hide: the message names the variable and the problem, no secret.
            ProxyError::Config(err) => (&ErrorKind::BAD_CONFIGURATION, err.to_string().into()),
            ProxyError::Internal(_) => {
                (&ErrorKind::INTERNAL, "the proxy failed; the error has been logged".into())
            }
        }
    }

    /// This failure's kind: its row in [`ERROR_KINDS`].
    pub fn kind(&self) -> &'static ErrorKind {
        // The detail is formatted too and dropped: a few bytes, on a path that is answering
        // an error anyway, for having one match.
        self.explain().0
    }

    /// The HTTP status this failure is answered with.
    pub fn status(&self) -> u16 {
        match self {
            // The one status that is not the row's: the upstream's own, mirrored (the row
            // shows an example).
            ProxyError::UpstreamRefused(status) => *status,
            _ => self.kind().status.code(),
        }
    }

    /// A stable, kebab-case name for the kind of failure, used in the problem `type`.
    pub fn slug(&self) -> &'static str {
        self.kind().slug
    }

    /// What a client may be told about this failure. Upstream internals are not included:
    /// they go to the log through [`fmt::Display`].
    pub fn public_detail(&self) -> String {
        self.explain().1.into_owned()
    }

    /// Whether `onerror=redirect` may answer this failure with a redirect to the source (see
    /// [`ErrorKind::may_redirect`]).
    pub fn may_redirect(&self) -> bool {
        self.kind().may_redirect
    }

    /// Seconds a client should wait before retrying (`Retry-After`), for failures of the moment.
    pub fn retry_after_seconds(&self) -> Option<u32> {
        match self {
            ProxyError::Busy { retry_after_seconds }
            | ProxyError::OverCpuBudget { retry_after_seconds, .. } => Some(*retry_after_seconds),
            _ => None,
        }
    }

    /// The problem document for this failure.
    pub fn problem(&self) -> Problem {
        let (kind, detail) = self.explain();
        Problem {
            kind: format!("/reference#{}", kind.slug),
            title: kind.title,
            status: self.status(),
            detail: detail.into_owned(),
        }
    }

    /// The problem document serialised as JSON.
    pub fn problem_json(&self) -> String {
        // Serialising a struct of strings and a number cannot fail; fall back to a fixed body
        // rather than panic all the same.
        serde_json::to_string(&self.problem())
            .unwrap_or_else(|_| r#"{"title":"Internal error","status":500}"#.into())
    }
}

impl fmt::Display for ProxyError {
    /// The line for the log: the public detail, or for the two kinds that hold internals the
    /// client is not shown, those internals.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyError::UpstreamFailed(detail) | ProxyError::Internal(detail) => {
                write!(f, "{} ({}): {detail}", self.slug(), self.status())
            }
            _ => write!(f, "{} ({}): {}", self.slug(), self.status(), self.public_detail()),
        }
    }
}

impl std::error::Error for ProxyError {}

impl From<ConfigError> for ProxyError {
    fn from(err: ConfigError) -> Self {
        ProxyError::Config(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One failure of each kind. The exhaustive match fails to compile when a variant is
    /// added, which is the reminder to list it here.
    fn one_of_each() -> Vec<ProxyError> {
        let samples = vec![
            ProxyError::BadOptions("width must be 1..=12000".into()),
            ProxyError::BadSource("no source".into()),
            ProxyError::SourceNotAllowed("example.com is not allowed".into()),
            ProxyError::MethodNotAllowed,
            ProxyError::BadSignature("expired".into()),
            ProxyError::Unauthorized,
            ProxyError::UpstreamRefused(410),
            ProxyError::UpstreamFailed("connection reset".into()),
            ProxyError::TooManyRedirects { limit: 5 },
            ProxyError::UpstreamTimeout { millis: 8000 },
            ProxyError::NotAnImage,
            ProxyError::UnsupportedImageKind("lossless JPEG (SOF3) is not supported".into()),
            ProxyError::NotTransformable("an SVG is never rasterised".into()),
            ProxyError::UndecodableImage("truncated".into()),
            ProxyError::TooManyPixels { pixels: 2, limit: 1 },
            ProxyError::OverMemoryBudget { bytes: 2, budget: 1 },
            ProxyError::SourceTooLarge { limit: 1 },
            ProxyError::Busy { retry_after_seconds: 1 },
            ProxyError::OverCpuBudget {
                estimate_ms: 40,
                budget_ms: 10,
                retry_after_seconds: 1,
                unforeseen: None,
            },
            ProxyError::Config(ConfigError { var: "CACHE_TTL", problem: "not a number".into() }),
            ProxyError::Internal("oops".into()),
        ];
        for sample in &samples {
            match sample {
                ProxyError::BadOptions(_)
                | ProxyError::BadSource(_)
                | ProxyError::SourceNotAllowed(_)
                | ProxyError::MethodNotAllowed
                | ProxyError::BadSignature(_)
                | ProxyError::Unauthorized
                | ProxyError::UpstreamRefused(_)
                | ProxyError::UpstreamFailed(_)
                | ProxyError::TooManyRedirects { .. }
                | ProxyError::UpstreamTimeout { .. }
                | ProxyError::NotAnImage
                | ProxyError::UnsupportedImageKind(_)
                | ProxyError::NotTransformable(_)
                | ProxyError::UndecodableImage(_)
                | ProxyError::TooManyPixels { .. }
                | ProxyError::OverMemoryBudget { .. }
                | ProxyError::SourceTooLarge { .. }
                | ProxyError::Busy { .. }
                | ProxyError::OverCpuBudget { .. }
                | ProxyError::Config(_)
                | ProxyError::Internal(_) => {}
            }
        }
        samples
    }

    #[test]
    fn every_row_is_reached_by_exactly_one_variant() {
        let samples = one_of_each();
        for sample in &samples {
            assert!(ERROR_KINDS.contains(sample.kind()), "{sample:?}'s row is missing from ERROR_KINDS");
        }
        for row in ERROR_KINDS {
            let reaching: Vec<&ProxyError> = samples.iter().filter(|s| *s.kind() == row).collect();
            assert_eq!(reaching.len(), 1, "{} is the row of {reaching:?}", row.slug);
        }
        let mut slugs: Vec<&str> = ERROR_KINDS.iter().map(|row| row.slug).collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), ERROR_KINDS.len(), "slugs are unique");
    }

    /// What each kind sends and logs, written out: the bytes on the wire are part of the API,
    /// and a change to them should be a deliberate edit here.
    #[test]
    fn every_kind_sends_and_logs_what_it_always_has() {
        let expected = [
            (
                r#"{"type":"/reference#bad-options","title":"Invalid image options","status":400,"detail":"width must be 1..=12000"}"#,
                "bad-options (400): width must be 1..=12000",
            ),
            (
                r#"{"type":"/reference#bad-source","title":"Invalid source","status":400,"detail":"no source"}"#,
                "bad-source (400): no source",
            ),
            (
                r#"{"type":"/reference#source-not-allowed","title":"Source not allowed","status":403,"detail":"example.com is not allowed"}"#,
                "source-not-allowed (403): example.com is not allowed",
            ),
            (
                r#"{"type":"/reference#method-not-allowed","title":"Method not allowed","status":405,"detail":"only GET and HEAD are served (and POST to /purge)"}"#,
                "method-not-allowed (405): only GET and HEAD are served (and POST to /purge)",
            ),
            (
                r#"{"type":"/reference#bad-signature","title":"Invalid signature","status":403,"detail":"expired"}"#,
                "bad-signature (403): expired",
            ),
            (
                r#"{"type":"/reference#unauthorized","title":"Unauthorized","status":401,"detail":"purging needs Authorization: Bearer <PURGE_TOKEN>"}"#,
                "unauthorized (401): purging needs Authorization: Bearer <PURGE_TOKEN>",
            ),
            (
                r#"{"type":"/reference#upstream-refused","title":"The source's server refused the request","status":410,"detail":"the source answered 410"}"#,
                "upstream-refused (410): the source answered 410",
            ),
            (
                r#"{"type":"/reference#upstream-failed","title":"The source's server failed","status":502,"detail":"the source could not be fetched completely"}"#,
                "upstream-failed (502): connection reset",
            ),
            (
                r#"{"type":"/reference#too-many-redirects","title":"Too many redirects","status":502,"detail":"the source redirected more than 5 times"}"#,
                "too-many-redirects (502): the source redirected more than 5 times",
            ),
            (
                r#"{"type":"/reference#upstream-timeout","title":"The source's server timed out","status":504,"detail":"the source did not answer within 8000 ms"}"#,
                "upstream-timeout (504): the source did not answer within 8000 ms",
            ),
            (
                r#"{"type":"/reference#not-an-image","title":"The source is not a supported image","status":415,"detail":"the source is not a JPEG, PNG, GIF, WebP, BMP, ICO, TIFF, AVIF or well-formed SVG image"}"#,
                "not-an-image (415): the source is not a JPEG, PNG, GIF, WebP, BMP, ICO, TIFF, AVIF or well-formed SVG image",
            ),
            (
                r#"{"type":"/reference#unsupported-image-kind","title":"The image is coded in an unsupported way","status":415,"detail":"lossless JPEG (SOF3) is not supported"}"#,
                "unsupported-image-kind (415): lossless JPEG (SOF3) is not supported",
            ),
            (
                r#"{"type":"/reference#not-transformable","title":"The image cannot be transformed","status":415,"detail":"an SVG is never rasterised"}"#,
                "not-transformable (415): an SVG is never rasterised",
            ),
            (
                r#"{"type":"/reference#undecodable-image","title":"The image cannot be decoded","status":422,"detail":"truncated"}"#,
                "undecodable-image (422): truncated",
            ),
            (
                r#"{"type":"/reference#too-many-pixels","title":"The image is too large","status":422,"detail":"2 pixels is more than MAX_SOURCE_PIXELS (1)"}"#,
                "too-many-pixels (422): 2 pixels is more than MAX_SOURCE_PIXELS (1)",
            ),
            (
                r#"{"type":"/reference#over-memory-budget","title":"The image needs too much memory","status":422,"detail":"transforming it needs about 2 bytes, more than BUFFER_BUDGET_BYTES (1)"}"#,
                "over-memory-budget (422): transforming it needs about 2 bytes, more than BUFFER_BUDGET_BYTES (1)",
            ),
            (
                r#"{"type":"/reference#source-too-large","title":"The source is too large","status":502,"detail":"the source is larger than the 1 bytes this request may read"}"#,
                "source-too-large (502): the source is larger than the 1 bytes this request may read",
            ),
            (
                r#"{"type":"/reference#busy","title":"The proxy is busy","status":503,"detail":"too many images are being transformed; retry in 1 s"}"#,
                "busy (503): too many images are being transformed; retry in 1 s",
            ),
            (
                r#"{"type":"/reference#over-cpu-budget","title":"The image needs too much CPU","status":503,"detail":"transforming it would take about 40 ms of CPU, more than CPU_BUDGET_MS (10)"}"#,
                "over-cpu-budget (503): transforming it would take about 40 ms of CPU, more than CPU_BUDGET_MS (10)",
            ),
            (
                r#"{"type":"/reference#bad-configuration","title":"The proxy is misconfigured","status":500,"detail":"configuration variable CACHE_TTL: not a number"}"#,
                "bad-configuration (500): configuration variable CACHE_TTL: not a number",
            ),
            (
                r#"{"type":"/reference#internal","title":"Internal error","status":500,"detail":"the proxy failed; the error has been logged"}"#,
                "internal (500): oops",
            ),
        ];
        let samples = one_of_each();
        assert_eq!(samples.len(), expected.len());
        for (sample, (json, log)) in samples.iter().zip(expected) {
            assert_eq!(sample.problem_json(), json);
            assert_eq!(sample.to_string(), log);
        }
    }

    #[test]
    fn problem_json_has_the_four_members() {
        let err = ProxyError::BadOptions("width must be 1..=12000".into());
        let json: serde_json::Value = serde_json::from_str(&err.problem_json()).expect("json");
        assert_eq!(json["type"], "/reference#bad-options");
        assert_eq!(json["title"], "Invalid image options");
        assert_eq!(json["status"], 400);
        assert_eq!(json["detail"], "width must be 1..=12000");
    }

    #[test]
    fn upstream_internals_stay_out_of_the_public_detail() {
        let err = ProxyError::UpstreamFailed("TypeError: Network connection lost at 10.0.0.5".into());
        assert!(!err.public_detail().contains("10.0.0.5"));
        assert!(err.to_string().contains("10.0.0.5"), "the log keeps the detail");
        assert_eq!(err.status(), 502);
        let internal = ProxyError::Internal("index out of range at decode.rs:40".into());
        assert!(!internal.problem_json().contains("decode.rs"));
        assert!(internal.to_string().contains("decode.rs"));
    }

    #[test]
    fn only_failures_of_an_allowed_source_may_redirect() {
        let samples = one_of_each();
        let redirects: Vec<&str> =
            samples.iter().filter(|e| e.may_redirect()).map(ProxyError::slug).collect();
        for refusal in [
            "bad-options",
            "bad-source",
            "source-not-allowed",
            "bad-signature",
            "method-not-allowed",
            "unauthorized",
            "bad-configuration",
        ] {
            assert!(!redirects.contains(&refusal), "{refusal} would be an open redirect");
        }
        for failure in
            ["upstream-refused", "upstream-failed", "undecodable-image", "too-many-pixels", "not-an-image"]
        {
            assert!(redirects.contains(&failure), "{failure}");
        }
        for sample in &samples {
            let expected = match sample.kind().fault {
                Fault::Client => false,
                Fault::Upstream | Fault::Moment => true,
                Fault::Proxy => !matches!(sample, ProxyError::Config(_)),
            };
            assert_eq!(sample.may_redirect(), expected, "{sample:?}");
        }
    }

    #[test]
    fn mirrored_upstream_status() {
        assert_eq!(ProxyError::UpstreamRefused(404).status(), 404);
        assert_eq!(ProxyError::UpstreamRefused(410).status(), 410);
        assert_eq!(ProxyError::UpstreamRefused(410).problem().status, 410);
        assert_eq!(ErrorKind::UPSTREAM_REFUSED.status, Status::Mirrored { example: 404 });
        assert_eq!(ProxyError::UpstreamTimeout { millis: 5 }.status(), 504);
        assert_eq!(ProxyError::NotAnImage.status(), 415);
        assert_eq!(ProxyError::TooManyPixels { pixels: 2, limit: 1 }.status(), 422);
        assert_eq!(ProxyError::Busy { retry_after_seconds: 2 }.status(), 503);
        assert_eq!(ProxyError::Busy { retry_after_seconds: 2 }.retry_after_seconds(), Some(2));
        assert_eq!(ProxyError::NotAnImage.retry_after_seconds(), None);
    }
}
