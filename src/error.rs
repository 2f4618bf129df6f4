//! [`ProxyError`]: every way a request can fail, grouped by who is at fault, each with its
//! HTTP status and the message a client may see. Details meant for operators go to the log.

use std::fmt;

use serde::Serialize;

/// Every failure the proxy can answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyError {
    // The client's fault.
    /// An option is unknown or its value is out of range (400).
    BadOptions(String),
    /// The source URL or path cannot be used (400).
    BadSource(String),
    /// The source's host is not in `ALLOWED_SOURCES`, or it is a private address (403).
    SourceNotAllowed(String),
    /// Only GET and HEAD are served (405).
    MethodNotAllowed,
    /// The URL's signature is missing, wrong or expired (403).
    BadSignature(String),
    /// `POST /purge` without the right bearer token, or with purging off (401).
    Unauthorized,

    // The upstream's fault.
    /// The upstream answered with this 4xx status; it is mirrored to the client.
    UpstreamRefused(u16),
    /// The upstream answered 5xx, broke off, or sent something unusable (502).
    UpstreamFailed(String),
    /// The upstream redirected more than `limit` times (502).
    TooManyRedirects { limit: usize },
    /// The upstream did not answer within `UPSTREAM_TIMEOUT_MS` (504).
    UpstreamTimeout { millis: u64 },
    /// The upstream's content is not an image we can read (415).
    NotAnImage,
    /// The image is damaged or uses a feature the decoder lacks (422).
    UndecodableImage(String),
    /// The image, or the image asked for, is larger than `MAX_SOURCE_PIXELS` (422).
    TooManyPixels { pixels: u64, limit: u64 },
    /// Transforming the image needs more memory than the whole `BUFFER_BUDGET_BYTES` (422).
    OverMemoryBudget { bytes: u64, budget: u64 },
    /// The source is larger than `PASSTHROUGH_MAX_BYTES` (502).
    SourceTooLarge { limit: u64 },

    // The moment's.
    /// The memory budget had no room for a transform that could not be skipped (503, with
    /// `Retry-After`).
    Busy { retry_after_seconds: u32 },

    // Ours.
    /// A configuration variable is invalid (500).
    Config(ConfigError),
    /// Something inside the proxy failed; the detail is logged, not shown (500).
    Internal(String),
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
    /// The HTTP status this failure is answered with.
    pub fn status(&self) -> u16 {
        match self {
            ProxyError::BadOptions(_) | ProxyError::BadSource(_) => 400,
            ProxyError::SourceNotAllowed(_) | ProxyError::BadSignature(_) => 403,
            ProxyError::MethodNotAllowed => 405,
            ProxyError::Unauthorized => 401,
            ProxyError::UpstreamRefused(status) => *status,
            ProxyError::UpstreamFailed(_) | ProxyError::TooManyRedirects { .. } => 502,
            ProxyError::SourceTooLarge { .. } => 502,
            ProxyError::UpstreamTimeout { .. } => 504,
            ProxyError::NotAnImage => 415,
            ProxyError::UndecodableImage(_) | ProxyError::TooManyPixels { .. } => 422,
            ProxyError::OverMemoryBudget { .. } => 422,
            ProxyError::Busy { .. } => 503,
            ProxyError::Config(_) | ProxyError::Internal(_) => 500,
        }
    }

    /// A stable, kebab-case name for the kind of failure, used in the problem `type`.
    pub fn slug(&self) -> &'static str {
        match self {
            ProxyError::BadOptions(_) => "bad-options",
            ProxyError::BadSource(_) => "bad-source",
            ProxyError::SourceNotAllowed(_) => "source-not-allowed",
            ProxyError::MethodNotAllowed => "method-not-allowed",
            ProxyError::BadSignature(_) => "bad-signature",
            ProxyError::Unauthorized => "unauthorized",
            ProxyError::UpstreamRefused(_) => "upstream-refused",
            ProxyError::UpstreamFailed(_) => "upstream-failed",
            ProxyError::TooManyRedirects { .. } => "too-many-redirects",
            ProxyError::UpstreamTimeout { .. } => "upstream-timeout",
            ProxyError::NotAnImage => "not-an-image",
            ProxyError::UndecodableImage(_) => "undecodable-image",
            ProxyError::TooManyPixels { .. } => "too-many-pixels",
            ProxyError::OverMemoryBudget { .. } => "over-memory-budget",
            ProxyError::SourceTooLarge { .. } => "source-too-large",
            ProxyError::Busy { .. } => "busy",
            ProxyError::Config(_) => "bad-configuration",
            ProxyError::Internal(_) => "internal",
        }
    }

    /// One failure of each kind, for the published reference. The exhaustive `match` in the
    /// test below fails to compile when a variant is added, which is the reminder to list it.
    pub fn every_kind() -> Vec<ProxyError> {
        vec![
            ProxyError::BadOptions(String::new()),
            ProxyError::BadSource(String::new()),
            ProxyError::SourceNotAllowed(String::new()),
            ProxyError::MethodNotAllowed,
            ProxyError::UpstreamRefused(404),
            ProxyError::NotAnImage,
            ProxyError::UndecodableImage(String::new()),
            ProxyError::TooManyPixels { pixels: 0, limit: 0 },
            ProxyError::Config(ConfigError { var: "", problem: String::new() }),
            ProxyError::Internal(String::new()),
            ProxyError::UpstreamFailed(String::new()),
            ProxyError::TooManyRedirects { limit: 5 },
            ProxyError::UpstreamTimeout { millis: 0 },
            ProxyError::BadSignature(String::new()),
            ProxyError::OverMemoryBudget { bytes: 0, budget: 0 },
            ProxyError::SourceTooLarge { limit: 0 },
            ProxyError::Busy { retry_after_seconds: 1 },
            ProxyError::Unauthorized,
        ]
    }

    /// When this kind of failure happens, for the published reference.
    pub fn cause(&self) -> &'static str {
        match self {
            ProxyError::BadOptions(_) => "an unknown, repeated or out-of-range option",
            ProxyError::BadSource(_) => "a missing or malformed source, or a path that tries to name a host",
            ProxyError::SourceNotAllowed(_) => {
                "a host not in ALLOWED_SOURCES, a private address, credentials in the URL, or a \
                 redirect to any of these"
            }
            ProxyError::MethodNotAllowed => "a method other than GET, HEAD or OPTIONS (POST for /purge)",
            ProxyError::Unauthorized => {
                "POST /purge without Authorization: Bearer PURGE_TOKEN, or with no PURGE_TOKEN set"
            }
            ProxyError::BadSignature(_) => {
                "with SIGNING_KEY set: a missing or wrong s= signature; any URL past its expires="
            }
            ProxyError::UpstreamRefused(_) => "the source's own 4xx answer, mirrored",
            ProxyError::UpstreamFailed(_) => {
                "an upstream 5xx, a broken connection, or a body shorter than its Content-Length"
            }
            ProxyError::TooManyRedirects { .. } => "more than 5 redirects",
            ProxyError::UpstreamTimeout { .. } => "no response headers within UPSTREAM_TIMEOUT_MS",
            ProxyError::NotAnImage => {
                "a source that is not JPEG, PNG, GIF or WebP (judged by magic bytes; by Content-Type \
                 for pass-through)"
            }
            ProxyError::UndecodableImage(_) => "a damaged image or an unsupported feature",
            ProxyError::TooManyPixels { .. } => "a source or output above MAX_SOURCE_PIXELS",
            ProxyError::OverMemoryBudget { .. } => {
                "an image whose decode and resize need more than BUFFER_BUDGET_BYTES on their own"
            }
            ProxyError::SourceTooLarge { .. } => {
                "a pass-through source larger than PASSTHROUGH_MAX_BYTES; with format=json, one larger \
                 than TRANSFORM_MAX_BYTES"
            }
            ProxyError::Busy { .. } => {
                "no room in the memory budget within a short wait, for a request that must be \
                 transformed (an explicit format, rotate or flip); retry after Retry-After"
            }
            ProxyError::Config(_) => "an invalid [vars] value",
            ProxyError::Internal(_) => "a fault inside the proxy (logged)",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            ProxyError::BadOptions(_) => "Invalid image options",
            ProxyError::BadSource(_) => "Invalid source",
            ProxyError::SourceNotAllowed(_) => "Source not allowed",
            ProxyError::MethodNotAllowed => "Method not allowed",
            ProxyError::Unauthorized => "Unauthorized",
            ProxyError::BadSignature(_) => "Invalid signature",
            ProxyError::UpstreamRefused(_) => "The source's server refused the request",
            ProxyError::UpstreamFailed(_) => "The source's server failed",
            ProxyError::TooManyRedirects { .. } => "Too many redirects",
            ProxyError::UpstreamTimeout { .. } => "The source's server timed out",
            ProxyError::NotAnImage => "The source is not a supported image",
            ProxyError::UndecodableImage(_) => "The image cannot be decoded",
            ProxyError::TooManyPixels { .. } => "The image is too large",
            ProxyError::OverMemoryBudget { .. } => "The image needs too much memory",
            ProxyError::SourceTooLarge { .. } => "The source is too large",
            ProxyError::Busy { .. } => "The proxy is busy",
            ProxyError::Config(_) => "The proxy is misconfigured",
            ProxyError::Internal(_) => "Internal error",
        }
    }

    /// What a client may be told about this failure. Upstream internals are not included:
    /// they go to the log through [`fmt::Display`].
    pub fn public_detail(&self) -> String {
        match self {
            ProxyError::BadOptions(why) | ProxyError::BadSource(why) => why.clone(),
            ProxyError::SourceNotAllowed(why) | ProxyError::BadSignature(why) => why.clone(),
            ProxyError::MethodNotAllowed => "only GET and HEAD are served (and POST to /purge)".into(),
            ProxyError::Unauthorized => "purging needs Authorization: Bearer <PURGE_TOKEN>".into(),
            ProxyError::UpstreamRefused(status) => format!("the source answered {status}"),
            ProxyError::UpstreamFailed(_) => "the source could not be fetched completely".into(),
            ProxyError::TooManyRedirects { limit } => {
                format!("the source redirected more than {limit} times")
            }
            ProxyError::UpstreamTimeout { millis } => {
                format!("the source did not answer within {millis} ms")
            }
            ProxyError::NotAnImage => "the source is not a JPEG, PNG, GIF or WebP image".into(),
            ProxyError::UndecodableImage(why) => why.clone(),
            ProxyError::TooManyPixels { pixels, limit } => {
                format!("{pixels} pixels is more than MAX_SOURCE_PIXELS ({limit})")
            }
            ProxyError::OverMemoryBudget { bytes, budget } => {
                format!("transforming it needs about {bytes} bytes, more than BUFFER_BUDGET_BYTES ({budget})")
            }
            ProxyError::SourceTooLarge { limit } => {
                format!("the source is larger than the {limit} bytes this request may read")
            }
            ProxyError::Busy { retry_after_seconds } => {
                format!("too many images are being transformed; retry in {retry_after_seconds} s")
            }
            // The operator needs to see which variable is wrong, and a misconfigured proxy has
            // nothing to hide: the message names the variable and the problem, no secret.
            ProxyError::Config(err) => err.to_string(),
            ProxyError::Internal(_) => "the proxy failed; the error has been logged".into(),
        }
    }

    /// Whether `onerror=redirect` may answer this failure with a redirect to the source. Only
    /// failures of a source the policy allowed qualify: the image could not be fetched, read
    /// or transformed. A refusal of the request itself (options, source, host, signature,
    /// method) never does: redirecting to a source the policy refused would make the proxy an
    /// open redirect. Nor does a misconfigured proxy, whose sources are not known to be safe.
    pub fn may_redirect(&self) -> bool {
        match self {
            ProxyError::UpstreamRefused(_)
            | ProxyError::UpstreamFailed(_)
            | ProxyError::TooManyRedirects { .. }
            | ProxyError::UpstreamTimeout { .. }
            | ProxyError::NotAnImage
            | ProxyError::UndecodableImage(_)
            | ProxyError::TooManyPixels { .. }
            | ProxyError::OverMemoryBudget { .. }
            | ProxyError::SourceTooLarge { .. }
            | ProxyError::Busy { .. }
            | ProxyError::Internal(_) => true,
            ProxyError::BadOptions(_)
            | ProxyError::BadSource(_)
            | ProxyError::SourceNotAllowed(_)
            | ProxyError::MethodNotAllowed
            | ProxyError::BadSignature(_)
            | ProxyError::Unauthorized
            | ProxyError::Config(_) => false,
        }
    }

    /// Seconds a client should wait before retrying (`Retry-After`), for failures of the moment.
    pub fn retry_after_seconds(&self) -> Option<u32> {
        match self {
            ProxyError::Busy { retry_after_seconds } => Some(*retry_after_seconds),
            _ => None,
        }
    }

    /// The problem document for this failure.
    pub fn problem(&self) -> Problem {
        Problem {
            kind: format!("/reference#{}", self.slug()),
            title: self.title(),
            status: self.status(),
            detail: self.public_detail(),
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
    }

    #[test]
    fn every_kind_lists_each_variant_once() {
        let kinds = ProxyError::every_kind();
        let index = |err: &ProxyError| match err {
            ProxyError::BadOptions(_) => 0,
            ProxyError::BadSource(_) => 1,
            ProxyError::SourceNotAllowed(_) => 2,
            ProxyError::MethodNotAllowed => 3,
            ProxyError::UpstreamRefused(_) => 4,
            ProxyError::NotAnImage => 5,
            ProxyError::UndecodableImage(_) => 6,
            ProxyError::TooManyPixels { .. } => 7,
            ProxyError::Config(_) => 8,
            ProxyError::Internal(_) => 9,
            ProxyError::UpstreamFailed(_) => 10,
            ProxyError::TooManyRedirects { .. } => 11,
            ProxyError::UpstreamTimeout { .. } => 12,
            ProxyError::BadSignature(_) => 13,
            ProxyError::OverMemoryBudget { .. } => 14,
            ProxyError::SourceTooLarge { .. } => 15,
            ProxyError::Busy { .. } => 16,
            ProxyError::Unauthorized => 17,
        };
        let mut seen: Vec<usize> = kinds.iter().map(index).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..18).collect::<Vec<_>>());
    }

    #[test]
    fn only_failures_of_an_allowed_source_may_redirect() {
        let redirects: Vec<&str> =
            ProxyError::every_kind().iter().filter(|e| e.may_redirect()).map(ProxyError::slug).collect();
        for refusal in ["bad-options", "bad-source", "source-not-allowed", "bad-signature", "unauthorized"] {
            assert!(!redirects.contains(&refusal), "{refusal} would be an open redirect");
        }
        for failure in
            ["upstream-refused", "upstream-failed", "undecodable-image", "too-many-pixels", "not-an-image"]
        {
            assert!(redirects.contains(&failure), "{failure}");
        }
    }

    #[test]
    fn mirrored_upstream_status() {
        assert_eq!(ProxyError::UpstreamRefused(404).status(), 404);
        assert_eq!(ProxyError::UpstreamTimeout { millis: 5 }.status(), 504);
        assert_eq!(ProxyError::NotAnImage.status(), 415);
        assert_eq!(ProxyError::TooManyPixels { pixels: 2, limit: 1 }.status(), 422);
        assert_eq!(ProxyError::Busy { retry_after_seconds: 2 }.status(), 503);
        assert_eq!(ProxyError::Busy { retry_after_seconds: 2 }.retry_after_seconds(), Some(2));
        assert_eq!(ProxyError::NotAnImage.retry_after_seconds(), None);
    }
}
