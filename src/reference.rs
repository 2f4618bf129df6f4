//! The URL reference published at `/reference.json` (and drawn by `www/reference.html`):
//! every option with its aliases, values and default, and every error with its status. It is
//! built from the tables the parser and the error type use, so it cannot drift from them.

use serde::Serialize;

use crate::error::ProxyError;
use crate::options::{Values, OPTION_KEYS};

/// The whole reference.
#[derive(Debug, Serialize)]
pub struct Reference {
    /// Every option, in canonical order.
    pub options: Vec<OptionDoc>,
    /// Every kind of error answer.
    pub errors: Vec<ErrorDoc>,
}

/// One option.
#[derive(Debug, Serialize)]
pub struct OptionDoc {
    /// The canonical name.
    pub name: &'static str,
    /// Other names accepted for it.
    pub aliases: Vec<&'static str>,
    /// What it accepts.
    pub values: Values,
    /// What happens without it.
    pub default: &'static str,
    /// What it does.
    pub about: &'static str,
}

/// One kind of error answer.
#[derive(Debug, Serialize)]
pub struct ErrorDoc {
    /// The problem `type`'s fragment, also the anchor on the reference page.
    pub slug: &'static str,
    /// The HTTP status (for mirrored upstream refusals, an example: 404).
    pub status: u16,
    /// The problem `title`.
    pub title: &'static str,
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
        })
        .collect();
    let errors = ProxyError::every_kind()
        .iter()
        .map(|err| ErrorDoc {
            slug: err.slug(),
            status: err.status(),
            title: err.problem().title,
            cause: err.cause(),
            cached: false,
        })
        .collect();
    Reference { options, errors }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::TransformOptions;

    fn parses(name: &str, value: &str) -> bool {
        TransformOptions::from_pairs([(name, value)]).is_ok()
    }

    #[test]
    fn every_documented_value_parses_and_the_bounds_are_exact() {
        for option in reference().options {
            for name in std::iter::once(option.name).chain(option.aliases.iter().copied()) {
                match &option.values {
                    Values::Integer { min, max } => {
                        assert!(parses(name, &min.to_string()) && parses(name, &max.to_string()), "{name}");
                        assert!(!parses(name, &(min - 1).to_string()), "{name} below {min}");
                        assert!(!parses(name, &(max + 1).to_string()), "{name} above {max}");
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
                }
            }
        }
    }

    #[test]
    fn the_errors_are_the_ones_the_proxy_answers_with() {
        let errors = reference().errors;
        for err in ProxyError::every_kind() {
            let doc = errors.iter().find(|doc| doc.slug == err.slug()).expect("documented");
            assert_eq!(doc.status, err.status());
            assert_eq!(err.problem().kind, format!("/reference#{}", doc.slug), "type points at the entry");
        }
    }
}
