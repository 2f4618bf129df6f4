//! Variants made ahead of their first visitor, on a queue: what `POST /warm` asks for and the
//! messages it becomes (one per source), which variants a message stands for, the messages R2
//! sends when an object is uploaded to the source bucket, and what the consumer does when
//! making a variant fails.
//!
//! A warm request is authorised by `PURGE_TOKEN`, so, like a signed URL, it is vouched for:
//! neither a signature nor `ALLOWED_WIDTHS`/`ALLOWED_QUALITIES` apply to it, while
//! `MAX_OUTPUT_DIMENSION`, `MAX_DPR` and the source policy do ([`admit_vouched`]).

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde::{Deserialize, Serialize};

use crate::error::{Fault, ProxyError};
use crate::job::Asked;
use crate::negotiate::FormatRequest;
use crate::route::{route, ImageRequest, Route, Source};
use crate::security::{admit_vouched, Policy};

/// The most sources one warm request may name: one queue batch (`sendBatch` takes 100).
pub const MAX_SOURCES: usize = 100;

/// The most option sets one warm request may name, so that one message's work stays bounded.
pub const MAX_OPTION_SETS: usize = 20;

/// The largest warm request body read, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Named lists of option sets a warm request may give instead of its own. `srcset`: the widths
/// of a typical responsive image, each in every format `format=auto` picks (AVIF where it
/// applies, WebP, and JPEG or PNG), as browsers will ask for them.
pub const PRESETS: [(&str, &[&str]); 1] = [(
    "srcset",
    &[
        "width=320,format=auto",
        "width=640,format=auto",
        "width=960,format=auto",
        "width=1280,format=auto",
        "width=1920,format=auto",
    ],
)];

/// The preset an object uploaded to the source bucket is warmed with, when R2's event
/// notifications feed the queue.
pub const UPLOAD_PRESET: &str = "srcset";

/// The body of `POST /warm`: `{"sources": [...], "options": ["width=320", ...]}`, or a
/// `"preset"` instead of `"options"`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WarmRequest {
    sources: Vec<String>,
    #[serde(default)]
    options: Vec<String>,
    #[serde(default)]
    preset: Option<String>,
}

/// One message on the queue: a source and the option sets to make of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarmMessage {
    /// The source as either URL form writes it: an absolute URL or a path.
    pub source: String,
    /// Option sets as `/cdn-cgi/image/` writes them (`width=320,format=auto`).
    pub options: Vec<String>,
}

/// The messages a warm request's body stands for, every variant checked against `policy`
/// first, so that a request with one bad source or option set queues nothing.
pub fn messages(body: &[u8], policy: &Policy) -> Result<Vec<WarmMessage>, ProxyError> {
    let expected = r#"expected {"sources": ["/photos/a.jpg", …], "options": ["width=320", …]} or a "preset""#;
    let request: WarmRequest =
        serde_json::from_slice(body).map_err(|e| ProxyError::BadOptions(format!("{expected}: {e}")))?;
    if request.sources.is_empty() || request.sources.len() > MAX_SOURCES {
        return Err(ProxyError::BadOptions(format!("name 1 to {MAX_SOURCES} sources")));
    }
    let options = match (request.preset.as_deref(), request.options.is_empty()) {
        (Some(name), true) => preset(name)?,
        (None, false) if request.options.len() <= MAX_OPTION_SETS => request.options,
        (None, false) => {
            return Err(ProxyError::BadOptions(format!("name 1 to {MAX_OPTION_SETS} option sets")))
        }
        _ => {
            return Err(ProxyError::BadOptions(format!("name option sets or a preset, not both: {expected}")))
        }
    };
    let messages: Vec<WarmMessage> =
        request.sources.into_iter().map(|source| WarmMessage { source, options: options.clone() }).collect();
    for variant in messages.iter().map(variants).collect::<Result<Vec<_>, _>>()?.iter().flatten() {
        admit_vouched(&variant.image, policy)?;
    }
    Ok(messages)
}

/// The option sets of the preset `name`.
fn preset(name: &str) -> Result<Vec<String>, ProxyError> {
    let (_, sets) = PRESETS
        .iter()
        .find(|(preset, _)| *preset == name)
        .ok_or_else(|| ProxyError::BadOptions(format!("no preset {name:?}; there is \"srcset\"")))?;
    Ok(sets.iter().map(|set| set.to_string()).collect())
}

/// One variant to make: an image request, and the `Accept` that picks its format class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// The source and options.
    pub image: ImageRequest,
    /// `Accept`, for `format=auto`'s classes; `None` otherwise (and for its fallback class).
    pub accept: Option<&'static str>,
}

impl Variant {
    /// The request headers it stands for.
    pub fn asked(&self) -> Asked<'static> {
        Asked { accept: self.accept, ..Asked::default() }
    }
}

/// `Accept` values that pick each of `format=auto`'s classes: AVIF, WebP, and neither.
const AUTO_ACCEPTS: [Option<&str>; 3] = [Some("image/avif,image/webp,*/*"), Some("image/webp,*/*"), None];

/// Every variant a message stands for: one per option set, and for `format=auto` one per
/// format class, as browsers' `Accept` headers will ask for them.
pub fn variants(message: &WarmMessage) -> Result<Vec<Variant>, ProxyError> {
    let source = Source::parse(&message.source)?;
    let (path, query) =
        message.source.split_once('?').map_or((message.source.as_str(), None), |(p, q)| (p, Some(q)));
    let mut variants = Vec::new();
    for options in &message.options {
        let routed = route(&format!("/cdn-cgi/image/{options}/{}", path.trim_start_matches('/')), query)?;
        let Route::Image(image) = routed else {
            return Err(ProxyError::BadOptions(format!("{options:?} is not an option set")));
        };
        // The router reads the source after the options; it must read the one given.
        if image.source != source {
            return Err(ProxyError::BadSource(format!(
                "{options:?} makes {:?} another source",
                message.source
            )));
        }
        let accepts: &[Option<&'static str>] = match FormatRequest::new(&image.options, None) {
            FormatRequest::AutoLegacy => &AUTO_ACCEPTS,
            _ => &[None],
        };
        variants.extend(accepts.iter().map(|accept| Variant { image: image.clone(), accept: *accept }));
    }
    Ok(variants)
}

/// R2's event notification, as much of it as is read.
#[derive(Debug, Deserialize)]
struct Upload {
    action: String,
    object: UploadedObject,
}

#[derive(Debug, Deserialize)]
struct UploadedObject {
    key: String,
}

/// What arrives on the queue.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Incoming {
    Warm(WarmMessage),
    Upload(Upload),
}

/// Characters escaped when an object key becomes a source path: those a URL path cannot hold
/// as they are, and `%`, so that a key is read back as itself ([`crate::bucket::source_key`]).
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// The message a queue body stands for: one of ours, or R2's notice of an object created in
/// the source bucket (warmed with [`UPLOAD_PRESET`]); `None` for a notice that needs nothing
/// (a deletion).
pub fn message(body: &serde_json::Value) -> Result<Option<WarmMessage>, ProxyError> {
    let incoming = Incoming::deserialize(body)
        .map_err(|e| ProxyError::BadOptions(format!("not a warm message nor an R2 notification: {e}")))?;
    match incoming {
        Incoming::Warm(message) => Ok(Some(message)),
        Incoming::Upload(upload)
            if matches!(upload.action.as_str(), "PutObject" | "CopyObject" | "CompleteMultipartUpload") =>
        {
            let source = format!("/{}", utf8_percent_encode(&upload.object.key, PATH));
            Ok(Some(WarmMessage { source, options: preset(UPLOAD_PRESET)? }))
        }
        Incoming::Upload(_) => Ok(None),
    }
}

/// What the consumer does with a message whose variants could not all be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Deliver it again after this many seconds: the failure may pass.
    Retry {
        /// The delay.
        delay_seconds: u32,
    },
    /// Give up: the same message would fail again (or has failed for too long). It goes to
    /// the dead-letter queue.
    DeadLetter,
}

/// The shortest delay before a retry, in seconds.
pub const MIN_RETRY_SECONDS: u32 = 2;

/// How long a message keeps being retried, in seconds: an hour.
pub const GIVE_UP_SECONDS: u64 = 3_600;

/// What to do after `err`, for a message first sent `age_seconds` ago. A failure of the moment
/// or of the proxy (an upstream timeout, a 5xx, a busy budget, a configuration being fixed)
/// is retried, each time after as long again as the message has waited so far (at least
/// [`MIN_RETRY_SECONDS`]), so the waits double without counting attempts; after
/// [`GIVE_UP_SECONDS`] it is given up. A failure the same message would meet again (a bad
/// source or option, a refused or undecodable image) is given up at once.
pub fn after_failure(err: &ProxyError, age_seconds: u64) -> Disposition {
    let transient = match err {
        ProxyError::UpstreamFailed(_) | ProxyError::UpstreamTimeout { .. } => true,
        ProxyError::UpstreamRefused(status) => matches!(status, 408 | 425 | 429),
        other => matches!(other.kind().fault, Fault::Moment | Fault::Proxy),
    };
    if !transient || age_seconds >= GIVE_UP_SECONDS {
        return Disposition::DeadLetter;
    }
    let delay = age_seconds.max(u64::from(MIN_RETRY_SECONDS));
    Disposition::Retry { delay_seconds: u32::try_from(delay).unwrap_or(u32::MAX) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::purge::entries;

    fn policy() -> Policy {
        Policy {
            allowed_sources: crate::security::SourcePolicy::parse("images.example.com").expect("valid"),
            ..Policy::default()
        }
    }

    #[test]
    fn a_request_is_one_message_per_source() {
        let body = br#"{"sources": ["/a.jpg", "https://images.example.com/b.jpg?v=2"], "options": ["width=320", "width=640,format=auto"]}"#;
        let queued = messages(body, &policy()).expect("valid");
        assert_eq!(queued.len(), 2);
        assert_eq!(queued[1].source, "https://images.example.com/b.jpg?v=2");
        assert_eq!(queued[0].options, ["width=320", "width=640,format=auto"]);
        let preset = messages(br#"{"sources": ["/a.jpg"], "preset": "srcset"}"#, &policy()).expect("valid");
        assert_eq!(preset[0].options.len(), 5);
    }

    #[test]
    fn a_bad_part_queues_nothing() {
        let refused = [
            &br#"{"sources": [], "options": ["width=1"]}"#[..],
            br#"{"sources": ["/a.jpg"]}"#,
            br#"{"sources": ["/a.jpg"], "options": ["width=1"], "preset": "srcset"}"#,
            br#"{"sources": ["/a.jpg"], "preset": "thumbnails"}"#,
            br#"{"sources": ["/a.jpg"], "options": ["width=0"]}"#,
            br#"{"sources": ["/a.jpg"], "options": ["nope=1"]}"#,
            br#"{"sources": ["/a.jpg", "javascript:alert(1)"], "options": ["width=1"]}"#,
            br#"{"sources": ["//evil.example/a.jpg"], "options": ["width=1"]}"#,
            br#"{"sources": ["/a.jpg"], "options": ["width=1/b.jpg"]}"#,
            br#"{"sources": ["/a.jpg"], "options": ["width=1"], "extra": 1}"#,
            b"not json",
        ];
        for body in refused {
            let refusal = messages(body, &policy());
            assert!(
                matches!(refusal, Err(ProxyError::BadOptions(_) | ProxyError::BadSource(_))),
                "{refusal:?}"
            );
        }
        let elsewhere =
            messages(br#"{"sources": ["https://evil.example/a.jpg"], "options": ["width=1"]}"#, &policy());
        assert!(matches!(elsewhere, Err(ProxyError::SourceNotAllowed(_))), "the source policy holds");
        let wide = messages(
            br#"{"sources": ["/a.jpg"], "options": ["width=12000"]}"#,
            &Policy { max_output_dimension: 100, ..policy() },
        );
        assert!(matches!(wide, Err(ProxyError::BadOptions(_))), "MAX_OUTPUT_DIMENSION holds");
        let listed = Policy { allowed_widths: Some(vec![100]), ..policy() };
        assert!(
            messages(br#"{"sources": ["/a.jpg"], "options": ["width=320"]}"#, &listed).is_ok(),
            "vouched for"
        );
        let many: Vec<String> = (0..=MAX_SOURCES).map(|i| format!("/{i}.jpg")).collect();
        let body = serde_json::json!({ "sources": many, "options": ["width=1"] }).to_string();
        assert!(messages(body.as_bytes(), &policy()).is_err());
    }

    #[test]
    fn format_auto_is_made_in_each_class_the_purge_finds() {
        let message =
            WarmMessage { source: "/photos/a.jpg?v=1".into(), options: vec!["w=320,f=auto".into()] };
        let variants = variants(&message).expect("valid");
        assert_eq!(variants.len(), 3);
        let origin = "https://proxy.example";
        let keys: Vec<String> = variants
            .into_iter()
            .map(|variant| {
                let asked = variant.asked();
                crate::job::Job::new(variant.image, asked, &Policy::default(), origin).key.path()
            })
            .collect();
        let mut stored = entries("/cdn-cgi/image/width=320,format=auto/photos/a.jpg?v=1", &Policy::default())
            .expect("valid")
            .cache_paths;
        stored.pop(); // the source's mark
        assert_eq!(keys, stored, "warmed where requests look, and where a purge deletes");
    }

    #[test]
    fn an_upload_notice_warms_the_object_with_the_preset() {
        let put = serde_json::json!({"account": "a", "action": "PutObject", "bucket": "images",
            "object": {"key": "photos/my cat.jpg", "size": 10, "eTag": "e"}, "eventTime": "2026-01-01T00:00:00Z"});
        let message = message(&put).expect("valid").expect("a message");
        assert_eq!(message.source, "/photos/my%20cat.jpg");
        assert_eq!(message.options.len(), 5);
        let key = match variants(&message).expect("valid").first().map(|variant| variant.image.source.clone())
        {
            Some(crate::route::Source::Relative(path)) => crate::bucket::source_key(&path),
            other => panic!("{other:?}"),
        };
        assert_eq!(key, Ok("photos/my cat.jpg".into()), "the key the upload had");
        let deleted = serde_json::json!({"action": "DeleteObject", "object": {"key": "a.jpg"}});
        assert_eq!(super::message(&deleted), Ok(None));
        let ours = serde_json::json!({"source": "/a.jpg", "options": ["width=1"]});
        assert_eq!(
            super::message(&ours).expect("valid").map(|m| m.options),
            Some(vec!["width=1".to_string()])
        );
        assert!(super::message(&serde_json::json!("text")).is_err());
    }

    #[test]
    fn transient_failures_are_retried_with_doubling_waits_and_the_rest_dead_lettered() {
        let timeout = ProxyError::UpstreamTimeout { millis: 10 };
        assert_eq!(after_failure(&timeout, 0), Disposition::Retry { delay_seconds: MIN_RETRY_SECONDS });
        assert_eq!(after_failure(&timeout, 300), Disposition::Retry { delay_seconds: 300 }, "as long again");
        assert_eq!(
            after_failure(&timeout, GIVE_UP_SECONDS),
            Disposition::DeadLetter,
            "given up after an hour"
        );
        for transient in [
            ProxyError::UpstreamFailed("503".into()),
            ProxyError::UpstreamRefused(429),
            ProxyError::Busy { retry_after_seconds: 1 },
            ProxyError::Internal("r2".into()),
        ] {
            assert!(matches!(after_failure(&transient, 5), Disposition::Retry { .. }), "{transient:?}");
        }
        for permanent in [
            ProxyError::UpstreamRefused(404),
            ProxyError::NotAnImage,
            ProxyError::UndecodableImage("x".into()),
            ProxyError::BadOptions("x".into()),
            ProxyError::SourceNotAllowed("x".into()),
            ProxyError::TooManyPixels { pixels: 2, limit: 1 },
        ] {
            assert_eq!(after_failure(&permanent, 5), Disposition::DeadLetter, "{permanent:?}");
        }
    }
}
