//! The table of option names and aliases: the one place both URL forms, the parser and the
//! documentation take them from.

/// An option the proxy understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKey {
    /// `width`, `w`
    Width,
    /// `height`, `h`
    Height,
    /// `fit`
    Fit,
    /// `quality`, `q`
    Quality,
    /// `format`, `f`
    Format,
    /// `dpr`
    Dpr,
    /// `rotate`
    Rotate,
    /// `flip`
    Flip,
}

/// Every option: its canonical name first, then its aliases.
pub const OPTION_KEYS: [(OptionKey, &[&str]); 8] = [
    (OptionKey::Width, &["width", "w"]),
    (OptionKey::Height, &["height", "h"]),
    (OptionKey::Fit, &["fit"]),
    (OptionKey::Quality, &["quality", "q"]),
    (OptionKey::Format, &["format", "f"]),
    (OptionKey::Dpr, &["dpr"]),
    (OptionKey::Rotate, &["rotate"]),
    (OptionKey::Flip, &["flip"]),
];

impl OptionKey {
    /// The key a name or alias stands for.
    pub fn from_name(name: &str) -> Option<OptionKey> {
        OPTION_KEYS.iter().find(|(_, names)| names.contains(&name)).map(|(key, _)| *key)
    }

    /// The canonical name.
    pub fn name(self) -> &'static str {
        OPTION_KEYS
            .iter()
            .find(|(key, _)| *key == self)
            .and_then(|(_, names)| names.first())
            .copied()
            .unwrap_or("?")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_maps_back_to_its_key() {
        for (key, names) in OPTION_KEYS {
            assert_eq!(key.name(), names[0]);
            for name in names {
                assert_eq!(OptionKey::from_name(name), Some(key));
            }
        }
        assert_eq!(OptionKey::from_name("WIDTH"), None, "names are case-sensitive");
    }
}
