//! `width=auto` and Cloudflare's sub-parameters of it, `wbreakpoints`, `wmobile` and
//! `wdesktop`, as the URL gave them. What they settle on is `crate::hints`' to work out.

/// The most `wbreakpoints` one URL may give: Cloudflare's default has 4, and every breakpoint
/// is one more answer to make and store for the same URL.
pub const MAX_BREAKPOINTS: usize = 10;

/// `width=auto` with its settings; each `None` is Cloudflare's default (`crate::hints`).
/// Widths are in device pixels, as the hints are, so `dpr` multiplies none of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AutoWidth {
    /// `wbreakpoints`: what a hinted width is rounded up to, in place of `ALLOWED_WIDTHS` or
    /// Cloudflare's breakpoints.
    pub breakpoints: Option<Breakpoints>,
    /// `wmobile`: the width for a mobile browser that sent no width hint.
    pub mobile: Option<u32>,
    /// `wdesktop`: the width for any other browser that sent no width hint.
    pub desktop: Option<u32>,
}

/// One to [`MAX_BREAKPOINTS`] widths, smallest first, each once: a fixed array, so that the
/// options stay `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Breakpoints {
    widths: [u32; MAX_BREAKPOINTS],
    len: usize,
}

impl Breakpoints {
    /// `widths` sorted and deduplicated; `None` for none, or for more than
    /// [`MAX_BREAKPOINTS`] once deduplicated.
    pub fn new(widths: &[u32]) -> Option<Breakpoints> {
        let mut sorted = widths.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        if sorted.is_empty() || sorted.len() > MAX_BREAKPOINTS {
            return None;
        }
        let mut breakpoints = Breakpoints { widths: [0; MAX_BREAKPOINTS], len: sorted.len() };
        breakpoints.widths.iter_mut().zip(&sorted).for_each(|(slot, width)| *slot = *width);
        Some(breakpoints)
    }

    /// The widths, smallest first.
    pub fn widths(&self) -> &[u32] {
        self.widths.get(..self.len).unwrap_or(&[])
    }
}

/// As the URL spells them: `320;768;960;1200`.
impl std::fmt::Display for Breakpoints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let spelled: Vec<String> = self.widths().iter().map(u32::to_string).collect();
        f.write_str(&spelled.join(";"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breakpoints_are_sorted_once_each_and_bounded() {
        let breakpoints = Breakpoints::new(&[960, 320, 960, 1200]).expect("three widths");
        assert_eq!(breakpoints.widths(), &[320, 960, 1200]);
        assert_eq!(breakpoints.to_string(), "320;960;1200");
        assert_eq!(Breakpoints::new(&[]), None);
        let ten: Vec<u32> = (1..=10).collect();
        assert_eq!(Breakpoints::new(&ten).map(|b| b.widths().len()), Some(10));
        let eleven: Vec<u32> = (1..=11).collect();
        assert_eq!(Breakpoints::new(&eleven), None);
        assert!(Breakpoints::new(&[5; 20]).is_some(), "counted once deduplicated");
    }
}
