//! The table of options: the one place the parser, the cache key, the published reference
//! and README's option table take their names, aliases and meanings from. Each row's `about`
//! and `default` are README's `values` and `default` cells, word for word (`tests/readme.rs`
//! holds README to them); `/reference.json` publishes them as they are.

/// An option the proxy understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKey {
    /// `width`, `w`
    Width,
    /// `wbreakpoints`
    WBreakpoints,
    /// `wmobile`
    WMobile,
    /// `wdesktop`
    WDesktop,
    /// `height`, `h`
    Height,
    /// `fit`
    Fit,
    /// `quality`, `q`
    Quality,
    /// `slow-connection-quality`, `scq`
    SlowConnectionQuality,
    /// `format`, `f`
    Format,
    /// `dpr`
    Dpr,
    /// `rotate`
    Rotate,
    /// `flip`
    Flip,
    /// `gravity`, `g`
    Gravity,
    /// `background`
    Background,
    /// `blur`
    Blur,
    /// `sharpen`
    Sharpen,
    /// `brightness`
    Brightness,
    /// `contrast`
    Contrast,
    /// `gamma`
    Gamma,
    /// `saturation`
    Saturation,
    /// `trim`
    Trim,
    /// `trim.top`
    TrimTop,
    /// `trim.left`
    TrimLeft,
    /// `trim.width`
    TrimWidth,
    /// `trim.height`
    TrimHeight,
    /// `trim.border.color`
    TrimBorderColor,
    /// `trim.border.tolerance`
    TrimBorderTolerance,
    /// `trim.border.keep`
    TrimBorderKeep,
    /// `metadata`
    Metadata,
    /// `anim`
    Anim,
    /// `compression`
    Compression,
    /// `onerror`
    OnError,
    /// `upscale`
    Upscale,
    /// `draw`, repeatable
    Draw,
}

/// One row of [`OPTION_KEYS`]. Its texts are plain text with Markdown `code` spans (no
/// links, no `|`), so that README's table can hold them and a page can draw them.
#[derive(Debug, Clone, Copy)]
pub struct OptionSpec {
    /// The option.
    pub key: OptionKey,
    /// Its canonical name first, then its aliases.
    pub names: &'static [&'static str],
    /// What the option accepts and what each value does: README's `values` cell.
    pub about: &'static str,
    /// What happens when the option is not given: README's `default` cell.
    pub default: &'static str,
}

/// Every option, in the order the canonical form writes them and README lists them.
pub const OPTION_KEYS: [OptionSpec; 34] = [
    OptionSpec {
        key: OptionKey::Width,
        names: &["width", "w"],
        about: "1–12000 px, or `auto`: the width the client's hints ask for, in device pixels \
                (`Sec-CH-Width` or `Width`; else `Sec-CH-Viewport-Width` or `Viewport-Width` \
                times `Sec-CH-DPR` or `DPR`, a DPR from 1 to `MAX_DPR`), rounded up to the \
                nearest of `wbreakpoints` when given, else of `ALLOWED_WIDTHS` when it is set, \
                else of Cloudflare's breakpoints 320, 768, 960 and 1200 (the largest for anything \
                wider), and at most `MAX_OUTPUT_DIMENSION`. Without a width hint: `wmobile` for a \
                mobile browser (`Sec-CH-UA-Mobile: ?1`, or, without that hint, `Mobi` in \
                `User-Agent`, as Mozilla advises), else `wdesktop`. `dpr` does not multiply it. \
                The answer sends `Vary` with the headers it read (see Client hints)",
        default: "none: from `height` and the aspect ratio, or the source's",
    },
    OptionSpec {
        key: OptionKey::WBreakpoints,
        names: &["wbreakpoints"],
        about: "with `width=auto`: the widths a hinted width is rounded up to, in device pixels, \
                separated by `;` (`320;768;960;1920`), 1 to 10 of them, each 1–12000 (and in \
                `ALLOWED_WIDTHS`, when it is set, for a URL that is not signed, and at most \
                `MAX_OUTPUT_DIMENSION`, as `width` is). Without `width=auto` it does nothing, as \
                Cloudflare makes it a sub-parameter of `width=auto`: accepted, and left out of \
                the cache key, as `wmobile` and `wdesktop` are",
        default: "`ALLOWED_WIDTHS` when it is set, else Cloudflare's `320;768;960;1200`",
    },
    OptionSpec {
        key: OptionKey::WMobile,
        names: &["wmobile"],
        about: "with `width=auto`: 1–12000, the width in device pixels for a mobile browser that \
                sent no width hint, as it is (not rounded to the breakpoints; in \
                `ALLOWED_WIDTHS`, when it is set, for a URL that is not signed, and at most \
                `MAX_OUTPUT_DIMENSION`, as `width` is)",
        default: "768, rounded up to `ALLOWED_WIDTHS` when it is set",
    },
    OptionSpec {
        key: OptionKey::WDesktop,
        names: &["wdesktop"],
        about: "with `width=auto`: 1–12000, the width in device pixels for any other browser that \
                sent no width hint, as `wmobile` is taken",
        default: "1200, rounded up to `ALLOWED_WIDTHS` when it is set",
    },
    OptionSpec {
        key: OptionKey::Height,
        names: &["height", "h"],
        about: "1–12000 px",
        default: "none: from `width` and the aspect ratio, or the source's",
    },
    OptionSpec {
        key: OptionKey::Fit,
        names: &["fit"],
        about: "`scale-down` (fit inside, never enlarge), `contain` (fit inside), `cover` (fill, \
                crop the centre), `crop` (cover without enlarging), `pad` (fit inside, pad with \
                `background`), `squeeze` (stretch to exactly `width`×`height`, ignoring the aspect \
                ratio; with only one of them the other follows from the aspect ratio, which is \
                `contain`), `scale-up` (fit inside, never shrink: a larger image keeps its size), \
                `aspect-crop` (the box's aspect ratio, never enlarged: `cover` for an image that \
                fills the box, else the largest part of it in the box's shape, at its own size)",
        default: "`scale-down`",
    },
    OptionSpec {
        key: OptionKey::Quality,
        names: &["quality", "q"],
        about: "1–100 (JPEG, lossy WebP, AVIF), or one of Cloudflare's perceptual levels: `high` \
                (90), `medium-high` (80), `medium-low` (65), `low` (50). Cloudflare publishes no \
                numbers for the levels; a level and its number are the same request, with one \
                cache entry",
        default: "85",
    },
    OptionSpec {
        key: OptionKey::SlowConnectionQuality,
        names: &["slow-connection-quality", "scq"],
        about: "what `quality` takes (1–100, `high`, `medium-high`, `medium-low`, `low`): \
                used in place of `quality` when the client's hints say the connection is slow, \
                as Cloudflare does: `RTT` over 150 ms, `Save-Data: on`, `ECT` of `slow-2g`, \
                `2g` or `3g`, or `Downlink` under 5 Mbps. The answer sends `Vary` with the hints \
                it read (see Client hints)",
        default: "none: `quality`",
    },
    OptionSpec {
        key: OptionKey::Format,
        names: &["format", "f"],
        about: "`auto` (AVIF when `Accept` lists `image/avif` and `image/webp`, within `avif`'s \
                limits below; else WebP when `Accept` lists `image/webp`; else JPEG, or PNG for \
                images with alpha; sends `Vary: Accept`), `jpeg` (progressive, as Cloudflare \
                sends), `baseline-jpeg` (sequential, for old decoders), `png`, `webp` (lossy at \
                `quality` with alpha kept, or lossless when that is smaller, as for flat \
                graphics; lossy WebP costs about 15× a JPEG's CPU), `avif` (lossy at `quality`, \
                alpha kept, for outputs of at most 100,000 pixels, about a 400×250 thumbnail; \
                larger outputs get WebP, as Cloudflare falls back when AVIF would take too long: \
                AVIF costs about 80× a JPEG's CPU; so do sources with a wide-gamut ICC profile, \
                which the AVIF encoder cannot carry), `json` (the source described from its \
                header without decoding it, and the output these options would make, as \
                `application/json`). What animations become: `anim`. Encoder costs and quality \
                per byte: `bench/encoders/`",
        default: "the source's format (a GIF sent as a still image becomes PNG)",
    },
    OptionSpec {
        key: OptionKey::Dpr,
        names: &["dpr"],
        about: "1–4, multiplies `width` and `height` (each product at most 12000), but not \
                `width=auto`, whose hints are in device pixels already",
        default: "1",
    },
    OptionSpec {
        key: OptionKey::Rotate,
        names: &["rotate"],
        about: "`90`, `180`, `270` (clockwise), or `0` (none, as Cloudflare takes it); \
                `width`/`height` name the rotated axes",
        default: "none",
    },
    OptionSpec {
        key: OptionKey::Flip,
        names: &["flip"],
        about: "`h`, `v`, `hv`, before the rotation, as Cloudflare does: `flip=h,rotate=90` \
                mirrors left and right, then turns the mirror image clockwise",
        default: "none",
    },
    OptionSpec {
        key: OptionKey::Gravity,
        names: &["gravity", "g"],
        about: "what `cover` and `crop` keep: `center`, `left`, `right`, `top`, `bottom`, a focal \
                point `XxY` (0–1 from the left and top of the source as displayed, before \
                `rotate`/`flip`: `0.5x0.2`), or `auto` (the window with the most edge energy on a \
                map of the decoded image at most 64 cells a side). Cloudflare's `face` answers \
                400: it needs a face detection model, which the proxy does not run (`auto` aims \
                at the busiest part instead)",
        default: "`center`",
    },
    OptionSpec {
        key: OptionKey::Background,
        names: &["background"],
        about: "a CSS colour (`red`, `%23f80`, `%23ff8800`, `%23ff880080`, `rgb(255 136 0)`, \
                `rgba(0,0,0,0.5)`): fills `fit=pad` and shows through transparent pixels (an \
                opaque one flattens them)",
        default: "white for padding and JPEG flattening; otherwise transparency is kept",
    },
    OptionSpec {
        key: OptionKey::Blur,
        names: &["blur"],
        about: "0–250: Gaussian blur radius in output pixels (σ = radius / 2, three box passes); \
                0 blurs nothing",
        default: "none",
    },
    OptionSpec {
        key: OptionKey::Sharpen,
        names: &["sharpen"],
        about: "0–10: unsharp mask strength (adds strength / 2 × the detail again); 1 suits \
                downscaled photos",
        default: "0",
    },
    OptionSpec {
        key: OptionKey::Brightness,
        names: &["brightness"],
        about: "0–10, in steps of 0.01: a factor on every colour channel (`0.5` half as bright, \
                `2` twice as bright; `0`, which Cloudflare ignores, and `1` change nothing). The \
                four colour adjustments apply to the output's pixels, after resizing and the other \
                effects and before `background`, on every frame of an animation: `brightness`, \
                `contrast` and `gamma` as one lookup table, in that order, then `saturation`",
        default: "1",
    },
    OptionSpec {
        key: OptionKey::Contrast,
        names: &["contrast"],
        about: "0–10, in steps of 0.01: a factor on each channel's distance from mid-grey (`0.5` \
                flatter: shadows lighter, highlights darker; `2` steeper; `0`, which Cloudflare \
                ignores, and `1` change nothing)",
        default: "1",
    },
    OptionSpec {
        key: OptionKey::Gamma,
        names: &["gamma"],
        about: "0–10, in steps of 0.01: each channel, from 0 to 1, raised to this power, so black \
                and white stay and the midtones move (`0.5` lighter, `2` darker, as Cloudflare's \
                documentation now describes it, where an earlier version had it the other way; \
                `0`, which Cloudflare ignores, and `1` change nothing)",
        default: "1",
    },
    OptionSpec {
        key: OptionKey::Saturation,
        names: &["saturation"],
        about: "0–10, in steps of 0.01: a factor on each pixel's distance from its own grey (its \
                Rec. 709 luma): `0` greyscale, `0.5` half as saturated, `2` twice as saturated, \
                `1` changes nothing",
        default: "1",
    },
    OptionSpec {
        key: OptionKey::Trim,
        names: &["trim"],
        about: "`top;right;bottom;left`, each in source pixels or, below 1, as a fraction of the \
                image's height or width (`10;0;10;0`, `0;0.25;0;0.25`), cut off the source as \
                displayed (after its EXIF orientation, before `rotate`) before anything else: \
                `width`, `height`, `fit` and `gravity` apply to what is left, and a JPEG is still \
                shrunk on load. `border`: cut off a uniform border, the rows and columns along \
                each edge whose every pixel is the border colour (`trim.border.color`) within \
                `trim.border.tolerance`, less `trim.border.keep`; it is found in the decoded \
                pixels, so a JPEG shrunk on load to 1/n finds it to within n source pixels (less \
                than an output pixel), and is decoded again at a larger scale when what the border \
                leaves needs more pixels than the first decode has; an image that is all border \
                is left whole, and `format=json` gives the size before a border trim. A trim that \
                leaves nothing answers 400, and so do two ways of trimming at once (`trim=` with \
                the `trim.top` window, or either with a border). `dpr` does not scale a trim",
        default: "nothing trimmed",
    },
    OptionSpec {
        key: OptionKey::TrimTop,
        names: &["trim.top"],
        about: "rows cut off the top, in source pixels or as a fraction of the height (`0.1`): \
                with `trim.left`, `trim.width` and `trim.height`, Cloudflare's window spelling of \
                `trim`",
        default: "0",
    },
    OptionSpec {
        key: OptionKey::TrimLeft,
        names: &["trim.left"],
        about: "columns cut off the left, in source pixels or as a fraction of the width",
        default: "0",
    },
    OptionSpec {
        key: OptionKey::TrimWidth,
        names: &["trim.width"],
        about: "columns kept from `trim.left` on, in source pixels or as a fraction of the width; \
                the rest is cut off the right, and a window past the right edge stops there",
        default: "up to the right edge",
    },
    OptionSpec {
        key: OptionKey::TrimHeight,
        names: &["trim.height"],
        about: "rows kept from `trim.top` on, in source pixels or as a fraction of the height; \
                the rest is cut off the bottom",
        default: "down to the bottom edge",
    },
    OptionSpec {
        key: OptionKey::TrimBorderColor,
        names: &["trim.border.color"],
        about: "the border colour `trim=border` cuts, any CSS colour (as `background`); any \
                `trim.border.*` option alone means `trim=border`",
        default: "the top-left pixel's colour",
    },
    OptionSpec {
        key: OptionKey::TrimBorderTolerance,
        names: &["trim.border.tolerance"],
        about: "0–255, on the scale Cloudflare's documentation now gives for how closely a pixel \
                must match the border colour to be border: 255 exactly, 0 any colour (an earlier \
                version read it as the largest difference allowed). A pixel matches when none of \
                its channels, alpha included, differs by more than 255 minus this (two fully \
                transparent pixels always match)",
        default: "245: within 10",
    },
    OptionSpec {
        key: OptionKey::TrimBorderKeep,
        names: &["trim.border.keep"],
        about: "0–12000: source pixels of the border found left on each side",
        default: "0",
    },
    OptionSpec {
        key: OptionKey::Metadata,
        names: &["metadata"],
        about: "`copyright` (only the source's EXIF Copyright and Artist), `keep` (the source's \
                whole EXIF, Orientation reset to 1 since the pixels are already turned), `none`. \
                Written into JPEG output only, as one `APP1` segment (an EXIF too large for one, \
                over 64 KiB, is left out, as is one whose Orientation cannot be reset): PNG, \
                WebP, AVIF and GIF output carry no metadata whatever this says. XMP is not \
                carried. ICC profiles are colour, not metadata: they follow their own rule \
                (README's Colour profiles) whatever this says. A source served untouched (nothing \
                to do) keeps its own bytes and metadata, except with `none`, which always \
                re-encodes",
        default: "`copyright`",
    },
    OptionSpec {
        key: OptionKey::Anim,
        names: &["anim"],
        about: "`true`: an animated GIF, WebP or PNG (APNG) stays animated. With no `format` \
                it keeps its container (`image/gif`, `image/webp`, `image/png`); `format=webp` \
                makes it an animated WebP; `format=auto` makes it an animated WebP where `Accept` \
                lists `image/webp` and the animation is within WebP's limit below (for a GIF, \
                about half the bytes for about 3.5 times the CPU), and otherwise an animated GIF, \
                or an APNG for an APNG (lossless, with its alpha; a decoder without APNG shows \
                its first frame), as `compression=fast` does. Every frame gets the same crop, \
                resize and effects (`gravity=auto` aims on the first frame, so the crop does not \
                jump), with its duration and the source's loop count. GIF and APNG frames are \
                written as what changed over the one before; WebP frames are written whole, each \
                lossy at `quality` or lossless when that is smaller; a repeated frame is merged \
                into the one before. A GIF cut short or without its trailer byte keeps every \
                whole frame, as browsers play it: a frame cut off by the end of the file is \
                dropped, as is a frame that does not decode with those after it, and \
                `Server-Timing` says so. An animation over 500 frames, 50 million source pixels, \
                or 8 million output pixels as GIF (4 million as APNG, whose frames may take 4 \
                bytes a pixel; 2 million as WebP, whose frames cost more to encode), summed over \
                its frames and judged from the header, gets its first frame, and \
                `Server-Timing` says so; so does a 16-bit APNG. `false`, or a still format \
                (`jpeg`, `baseline-jpeg`, `png`, `avif`): the first frame",
        default: "`true`",
    },
    OptionSpec {
        key: OptionKey::Compression,
        names: &["compression"],
        about: "`fast`: with `format=auto`, JPEG (PNG for images with alpha; for an animation, \
                GIF, or APNG for an APNG, as `anim` says) whatever `Accept` lists, since they \
                encode quickest; no `Vary: Accept`. Other formats ignore it",
        default: "the smallest format `auto` allows",
    },
    OptionSpec {
        key: OptionKey::OnError,
        names: &["onerror"],
        about: "`redirect`: when a source the policy allowed cannot be fetched, read or \
                transformed (the errors marked `onerror=redirect` in the error table), answer \
                `302` with `Location:` the source (its URL; for a static asset, its path on the \
                proxy) and `Cache-Control: no-store`. Never for a refused request (bad options \
                or source, a host not allowed, a private address, a bad signature, a method not \
                served) nor a misconfigured proxy: those keep their error, so the proxy is no \
                open redirect",
        default: "an error document",
    },
    OptionSpec {
        key: OptionKey::Upscale,
        names: &["upscale"],
        about: "`interpolate`: how an image is enlarged, which is the default and changes \
                nothing here: enlarging uses the same Lanczos3 filter as shrinking (Cloudflare's \
                uses bicubic). Cloudflare's `generate` answers 400: it is AI upscaling (ESRGAN on \
                Workers AI), which the proxy does not run",
        default: "`interpolate`",
    },
    OptionSpec {
        key: OptionKey::Draw,
        names: &["draw"],
        about: "an overlay drawn on the output, as Cloudflare's `cf.image.draw` draws one: \
                `<source>;<field>=<value>;…`, repeatable up to 4 times (later ones over earlier \
                ones), e.g. `draw=/logo.png;opacity=0.5;bottom=10;right=10` (in the `/cdn-cgi/image/` \
                form, whose options end at the first `/`, its slashes are written `%2F`: \
                `draw=%2Flogo.png;opacity=0.5`). The source, a path or an `http(s)://` URL, is \
                admitted like the image's (the same `ALLOWED_SOURCES`, private networks, \
                signature; a path from the assets, `ORIGIN_URL` or the R2 bucket), must be a \
                JPEG, PNG, GIF, WebP, BMP, ICO or TIFF (not SVG nor AVIF), ends at the first \
                `;` (write `;` and `,` in it as `%253B` and `%252C`), and is kept in the edge \
                cache like a source. Fields: `opacity` (0–1), `repeat` (`true`: tiled across the \
                output, `x`: along its row, `y`: along its column), `top`, `left`, `bottom`, \
                `right` (pixels from that edge, at most one of each pair; an axis with neither is \
                centred) or `gravity` (a side or `XxY` as `gravity` takes it, `1x1` the \
                bottom-right corner) with `margin` (pixels kept clear of the edges), `width`, \
                `height` and `fit` (the overlay's size, as the image's), `background` (under the \
                overlay's transparent pixels), `rotate` (`90`, `180`, `270`, before sizing). \
                Drawn after resizing, the effects and the pad, in premultiplied alpha, on every \
                frame of an animation; a source that needs nothing else is transformed to carry \
                it, and one too large to transform passes through without it",
        default: "none (a configured watermark is drawn whatever the URL says: see Watermarks \
                  and overlays)",
    },
];

/// An option Cloudflare documents that the proxy does not carry out, and why. It is answered
/// 400 with the reason, never as an unknown option, and listed in README's option table and
/// `/reference.json` (`supported: false`). Its texts follow [`OptionSpec`]'s rules.
#[derive(Debug, Clone, Copy)]
pub struct Unsupported {
    /// Its name, then its aliases, as Cloudflare spells them.
    pub names: &'static [&'static str],
    /// Why it is refused: README's `values` cell.
    pub why: &'static str,
}

/// Every option Cloudflare's URL format documents that the proxy refuses.
pub const UNSUPPORTED_OPTIONS: [Unsupported; 3] = [
    Unsupported {
        names: &["border"],
        why: "not supported: Cloudflare documents `border` (a frame of `color` and `width`, or \
              of `top`, `right`, `bottom` and `left`) as an object of a Worker's `cf.image`, with \
              no URL spelling to follow",
    },
    Unsupported {
        names: &["segment"],
        why: "not supported: `foreground` makes the background transparent with an AI model \
              (BiRefNet on Workers AI), which the proxy does not run",
    },
    Unsupported {
        names: &["zoom", "face-zoom"],
        why: "not supported: it says how tightly `gravity=face` crops to the faces found, and \
              the proxy does not detect faces",
    },
];

/// The Cloudflare option that `name` names, if the proxy refuses it.
pub fn unsupported(name: &str) -> Option<&'static Unsupported> {
    UNSUPPORTED_OPTIONS.iter().find(|option| option.names.contains(&name))
}

impl OptionKey {
    /// The key a name or alias stands for.
    pub fn from_name(name: &str) -> Option<OptionKey> {
        OPTION_KEYS.iter().find(|spec| spec.names.contains(&name)).map(|spec| spec.key)
    }

    /// The canonical name.
    pub fn name(self) -> &'static str {
        OPTION_KEYS
            .iter()
            .find(|spec| spec.key == self)
            .and_then(|spec| spec.names.first())
            .copied()
            .unwrap_or("?")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_maps_back_to_its_key() {
        for spec in OPTION_KEYS {
            assert_eq!(spec.key.name(), spec.names[0]);
            for name in spec.names {
                assert_eq!(OptionKey::from_name(name), Some(spec.key));
            }
        }
        assert_eq!(OptionKey::from_name("WIDTH"), None, "names are case-sensitive");
    }

    #[test]
    fn an_unsupported_option_is_no_option() {
        for option in UNSUPPORTED_OPTIONS {
            for name in option.names {
                assert_eq!(OptionKey::from_name(name), None, "{name}");
                assert!(unsupported(name).is_some(), "{name}");
            }
            assert!(option.why.starts_with("not supported: "), "{}", option.why);
        }
    }
}
