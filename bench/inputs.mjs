// The bench's inputs. The flower photo is read in place from ../shared/corpus (never copied);
// the larger ones are made from it with sharp, deterministically (fixed sizes, quality and
// noise seed), into bench/.work/inputs/, and only when missing.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";

/** The photo of sharp's own benchmark shape: 2268×1512, cjpeg q85 baseline 4:2:0. */
export const FLOWER = new URL("../../shared/corpus/photos/flower.png.im_q85_420.jpg", import.meta.url).pathname;
/** A Kodak photo (768×512 RGB PNG), which becomes the PNG with alpha. */
const KODIM23 = new URL("../../shared/corpus/photos/kodim23.png", import.meta.url).pathname;

/** Size of the pass-through source; the origin makes its bytes on the fly (origin.mjs). */
export const PASS_THROUGH_BYTES = 200 * 1024 * 1024;

// Upscaling alone leaves a photo so smooth that a 24 Mpx JPEG is under 4 MiB; grain of ±16
// levels brings the files to camera-like sizes (12 Mpx under 5 MiB, 24 Mpx above it).
const GRAIN = 16;
const GRAIN_SEED = 1;
const LARGE_QUALITY = 92;

/** How each generated input is made: name → { how, make() → Promise<Buffer> }. */
const RECIPES = {
  "flower-12mp.jpg": {
    how: `flower, sharp resize to 4000×3000 (fit cover, Lanczos3), grain ±${GRAIN} (seed ${GRAIN_SEED}), JPEG q${LARGE_QUALITY}`,
    make: () => grainyJpeg(4000, 3000),
  },
  "flower-24mp.jpg": {
    how: `flower, sharp resize to 6000×4000 (fit cover, Lanczos3), grain ±${GRAIN} (seed ${GRAIN_SEED}), JPEG q${LARGE_QUALITY}`,
    make: () => grainyJpeg(6000, 4000),
  },
  "alpha.png": {
    how: "kodim23.png (768×512) with an alpha channel falling off radially from the centre (opaque inside, transparent at the corners), sharp PNG",
    make: alphaPng,
  },
  "flower-720.jpg": {
    how: "flower, sharp resize to 720 px wide, JPEG q80: the size of a 720 px answer, for the origin's cache-hit baseline",
    make: () => sharp(FLOWER).resize({ width: 720 }).jpeg({ quality: 80 }).toBuffer(),
  },
};

/**
 * Makes the missing inputs in `dir` and describes every input.
 * @returns {Promise<Record<string, {path: string, bytes: number, sha256: string, how: string}>>}
 */
export async function prepareInputs(dir) {
  mkdirSync(dir, { recursive: true });
  const inputs = {
    "flower.jpg": describe(FLOWER, "../shared/corpus/photos/flower.png.im_q85_420.jpg, read in place"),
  };
  for (const [name, recipe] of Object.entries(RECIPES)) {
    const path = join(dir, name);
    if (!existsSync(path)) {
      // Written whole or not at all, so an interrupted run never leaves half a file behind.
      writeFileSync(`${path}.part`, await recipe.make());
      renameSync(`${path}.part`, path);
    }
    inputs[name] = describe(path, recipe.how);
  }
  return inputs;
}

function describe(path, how) {
  const bytes = readFileSync(path);
  return { path, bytes: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex"), how };
}

async function grainyJpeg(width, height) {
  const { data, info } = await sharp(FLOWER)
    .resize(width, height, { fit: "cover", kernel: "lanczos3" })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const random = mulberry32(GRAIN_SEED);
  for (let i = 0; i < data.length; i++) {
    // A triangular distribution (sum of two uniforms) looks like sensor grain, not static.
    const value = data[i] + Math.round((random() + random() - 1) * GRAIN);
    data[i] = value < 0 ? 0 : value > 255 ? 255 : value;
  }
  return sharp(data, { raw: info }).jpeg({ quality: LARGE_QUALITY }).toBuffer();
}

async function alphaPng() {
  const { data, info } = await sharp(KODIM23).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const rgba = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Distance from the centre, 0 there and 1 at the middle of each edge.
      const d = Math.hypot((2 * x) / width - 1, (2 * y) / height - 1);
      const alpha = Math.round(255 * Math.min(1, Math.max(0, (1.3 - d) / 0.6)));
      const from = (y * width + x) * 3;
      const to = (y * width + x) * 4;
      data.copy(rgba, to, from, from + 3);
      rgba[to + 3] = alpha;
    }
  }
  return sharp(rgba, { raw: { width, height, channels: 4 } }).png().toBuffer();
}

// A small seeded PRNG (mulberry32): the same grain on every machine and every run.
function mulberry32(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
