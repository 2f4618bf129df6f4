//! The URL reference published at `/reference.json` (and drawn by `www/reference.html`):
//! every option with its aliases, values and default, and every error with its status. It is
//! built from the tables the parser and the error type use ([`OPTION_KEYS`], [`ERROR_KINDS`]),
//! so it cannot drift from them; README's tables are tested word for word against it
//! (`tests/readme.rs`).
//!
//! Its texts (`about`, `default`, `cause`) are plain text with Markdown `code` spans, as
//! README shows them: `www/reference.js` draws the spans as code.

use serde::Serialize;

use crate::error::{Fault, Status, ERROR_KINDS};
use crate::format::SourceFormat;
use crate::options::{Values, OPTION_KEYS, UNSUPPORTED_OPTIONS};

/// The whole reference.
#[derive(Debug, Serialize)]
pub struct Reference {
    /// Every option, in canonical order.
    pub options: Vec<OptionDoc>,
    /// Every kind of error answer.
    pub errors: Vec<ErrorDoc>,
    /// Every source format read, by magic bytes (README's Source formats says how each is
    /// read and served).
    pub sources: Vec<SourceDoc>,
}

/// One source format.
#[derive(Debug, Serialize)]
pub struct SourceDoc {
    /// Its short name.
    pub name: &'static str,
    /// The `Content-Type` its own bytes are served with, when served untouched.
    pub content_type: &'static str,
}

/// One option.
#[derive(Debug, Serialize)]
pub struct OptionDoc {
    /// The canonical name.
    pub name: &'static str,
    /// Other names accepted for it.
    pub aliases: Vec<&'static str>,
    /// What it accepts, as the parser checks it.
    pub values: Values,
    /// What happens without it.
    pub default: &'static str,
    /// What it accepts and what each value does; for an option the proxy refuses, why.
    pub about: &'static str,
    /// Whether the proxy carries it out. A Cloudflare option it refuses (answered 400 with the
    /// reason) is `false`, with [`Values::Unsupported`] and an empty default.
    pub supported: bool,
}

/// One kind of error answer.
#[derive(Debug, Serialize)]
pub struct ErrorDoc {
    /// The problem `type`'s fragment, also the anchor on the reference page.
    pub slug: &'static str,
    /// The HTTP status (for a mirrored one, an example: 404).
    pub status: u16,
    /// Whether the status is the upstream's own, mirrored (any 4xx).
    pub mirrored: bool,
    /// The problem `title`.
    pub title: &'static str,
    /// Who is at fault: `client`, `upstream`, `moment` or `proxy`.
    pub fault: Fault,
    /// Whether `onerror=redirect` answers it with a redirect to the source.
    pub may_redirect: bool,
    /// When it happens.
    pub cause: &'static str,
    /// Whether the answer is stored in the edge cache. Never: a passing upstream fault must
    /// not stick, so every problem document is sent with `Cache-Control: no-store`.
    pub cached: bool,
}

/// The reference, built from the live tables.
pub fn reference() -> Reference {
    let options = OPTION_KEYS
        .iter()
        .map(|spec| OptionDoc {
            name: spec.key.name(),
            aliases: spec.names.iter().skip(1).copied().collect(),
            values: spec.key.values(),
            default: spec.default,
            about: spec.about,
            supported: true,
        })
        .chain(UNSUPPORTED_OPTIONS.iter().map(|option| OptionDoc {
            name: option.names.first().copied().unwrap_or_default(),
            aliases: option.names.iter().skip(1).copied().collect(),
            values: Values::Unsupported,
            default: "",
            about: option.why,
            supported: false,
        }))
        .collect();
    let errors = ERROR_KINDS
        .iter()
        .map(|kind| ErrorDoc {
            slug: kind.slug,
            status: kind.status.code(),
            mirrored: matches!(kind.status, Status::Mirrored { .. }),
            title: kind.title,
            fault: kind.fault,
            may_redirect: kind.may_redirect,
            cause: kind.cause,
            cached: false,
        })
        .collect();
    let sources = SourceFormat::ALL
        .iter()
        .map(|format| SourceDoc { name: format.name(), content_type: format.mime() })
        .collect();
    Reference { options, errors, sources }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ProxyError;
    use crate::options::TransformOptions;
    use crate::security::MAX_REDIRECTS;

    /// Whether `name=value` parses as an image request's option (through the route, which
    /// reads `draw`).
    fn parses(name: &str, value: &str) -> bool {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("url", "/a.jpg")
            .append_pair(name, value)
            .finish();
        crate::route::route("/image", Some(&query)).is_ok()
    }

    #[test]
    fn every_documented_value_parses_and_the_bounds_are_exact() {
        for option in reference().options {
            for name in std::iter::once(option.name).chain(option.aliases.iter().copied()) {
                match &option.values {
                    Values::Integer { min, max, words } => {
                        assert!(parses(name, &min.to_string()) && parses(name, &max.to_string()), "{name}");
                        let below = min.checked_sub(1).map_or_else(|| "-1".to_string(), |n| n.to_string());
                        assert!(!parses(name, &below), "{name} below {min}");
                        assert!(!parses(name, &(max + 1).to_string()), "{name} above {max}");
                        for word in words {
                            assert!(parses(name, word), "{name}={word}");
                        }
                        assert!(!parses(name, "not-a-value"), "{name} takes only its words");
                    }
                    Values::Number { min, max } => {
                        assert!(parses(name, &min.to_string()) && parses(name, &max.to_string()), "{name}");
                        assert!(!parses(name, &(min - 0.01).to_string()), "{name} below {min}");
                        assert!(!parses(name, &(max + 0.01).to_string()), "{name} above {max}");
                    }
                    Values::OneOf { values } => {
                        assert!(!values.is_empty());
                        for value in values {
                            assert!(parses(name, value), "{name}={value}");
                        }
                        assert!(!parses(name, "not-a-value"), "{name} takes only its words");
                    }
                    Values::Text { examples } => {
                        for example in examples {
                            assert!(parses(name, example), "{name}={example}");
                        }
                        assert!(!parses(name, "not-a-value"), "{name} is checked");
                    }
                    Values::Unsupported => {
                        assert!(!option.supported);
                        match TransformOptions::from_pairs([(name, "1")]) {
                            Err(ProxyError::BadOptions(why)) => {
                                assert!(why.starts_with(&format!("{name} is not supported: ")), "{why}")
                            }
                            other => panic!("{name}: {other:?}"),
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn every_word_an_option_takes_is_in_its_text() {
        for option in reference().options {
            if let Values::OneOf { values } | Values::Integer { words: values, .. } = &option.values {
                for value in values {
                    let spelled = format!("`{value}`");
                    assert!(
                        option.about.contains(&spelled) || option.default.contains(&spelled),
                        "{}'s text does not say what {spelled} does",
                        option.name
                    );
                }
            }
        }
    }

    #[test]
    fn the_texts_are_plain_with_code_spans_only() {
        let reference = reference();
        let texts = reference
            .options
            .iter()
            .flat_map(|o| [o.about, o.default])
            .chain(reference.errors.iter().map(|e| e.cause));
        for text in texts {
            assert_eq!(text.matches('`').count() % 2, 0, "an unclosed code span: {text}");
            // README's tables would split on a bar; the page draws neither links nor emphasis.
            for markup in ["|", "](", "**", "\n"] {
                assert!(!text.contains(markup), "{markup:?} in {text}");
            }
        }
    }

    #[test]
    fn every_source_format_is_listed_with_its_content_type() {
        let sources = reference().sources;
        let names: Vec<&str> = sources.iter().map(|doc| doc.name).collect();
        assert_eq!(names, ["jpeg", "png", "gif", "webp", "bmp", "ico", "tiff", "avif", "svg"]);
        let svg = sources.iter().find(|doc| doc.name == "svg").expect("listed");
        assert_eq!(svg.content_type, "image/svg+xml");
    }

    #[test]
    fn the_errors_are_the_ones_the_proxy_answers_with() {
        let errors = reference().errors;
        let samples = [
            ProxyError::BadOptions(String::new()),
            ProxyError::UpstreamRefused(410),
            ProxyError::Busy { retry_after_seconds: 1 },
            ProxyError::Internal(String::new()),
        ];
        for err in samples {
            let doc = errors.iter().find(|doc| doc.slug == err.slug()).expect("documented");
            assert_eq!(doc.status, err.kind().status.code());
            assert_eq!(doc.may_redirect, err.may_redirect());
            assert_eq!(err.problem().kind, format!("/reference#{}", doc.slug), "type points at the entry");
            assert_eq!(err.problem().title, doc.title);
        }
        let refused = errors.iter().find(|doc| doc.slug == "upstream-refused").expect("documented");
        assert!(refused.mirrored && refused.status == 404);
        assert_eq!(errors.iter().filter(|doc| doc.mirrored).count(), 1);
    }

    #[test]
    fn the_redirect_limit_is_the_one_the_fetch_applies() {
        let errors = reference().errors;
        let doc = errors.iter().find(|doc| doc.slug == "too-many-redirects").expect("documented");
        assert_eq!(doc.cause, format!("more than {MAX_REDIRECTS} redirects"));
    }
}
