// Quality of encoded files as a browser shows them: Debian's Chromium decodes each file in a
// directory (so AVIF needs no decoder here) and this compares it with `reference.png` in the
// same directory: SSIM on luma (8×8 windows, step 4, as src/main.rs) and PSNR over RGB.
//
//   node bench/encoders/chromium-quality.mjs DIR
//
// DIR holds `reference.png` (the resized source, lossless) and any number of `*.jpeg`,
// `*.webp`, `*.avif`, `*.png` files of the same size; prints one line per file, by size.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

import { chromium } from "playwright-core";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node chromium-quality.mjs DIR (with DIR/reference.png)");
  process.exit(2);
}
const MIME = { png: "image/png", webp: "image/webp", jpeg: "image/jpeg", jpg: "image/jpeg", avif: "image/avif" };
const files = readdirSync(dir).filter((name) => MIME[name.split(".").pop()]);
const dataUrl = (name) =>
  `data:${MIME[name.split(".").pop()]};base64,${readFileSync(join(dir, name)).toString("base64")}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu"],
});
const page = await browser.newPage();
const scores = await page.evaluate(
  async ({ reference, candidates }) => {
    const decode = async (url) => {
      const img = new Image();
      img.src = url;
      await img.decode();
      const canvas = document.createElement("canvas");
      [canvas.width, canvas.height] = [img.naturalWidth, img.naturalHeight];
      const context = canvas.getContext("2d");
      context.drawImage(img, 0, 0);
      const rgba = context.getImageData(0, 0, canvas.width, canvas.height).data;
      const luma = new Float64Array(canvas.width * canvas.height);
      for (let i = 0; i < luma.length; i++) {
        luma[i] = 0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2];
      }
      return { rgba, luma, width: canvas.width, height: canvas.height };
    };
    const ssim = (a, b) => {
      const [c1, c2] = [(0.01 * 255) ** 2, (0.03 * 255) ** 2];
      let [sum, windows] = [0, 0];
      for (let y0 = 0; y0 + 8 <= a.height; y0 += 4) {
        for (let x0 = 0; x0 + 8 <= a.width; x0 += 4) {
          let [meanA, meanB, varA, varB, cov] = [0, 0, 0, 0, 0];
          const at = (x, y) => y * a.width + x;
          for (let y = y0; y < y0 + 8; y++) for (let x = x0; x < x0 + 8; x++) {
            meanA += a.luma[at(x, y)] / 64;
            meanB += b.luma[at(x, y)] / 64;
          }
          for (let y = y0; y < y0 + 8; y++) for (let x = x0; x < x0 + 8; x++) {
            const [p, q] = [a.luma[at(x, y)] - meanA, b.luma[at(x, y)] - meanB];
            varA += (p * p) / 63;
            varB += (q * q) / 63;
            cov += (p * q) / 63;
          }
          sum += ((2 * meanA * meanB + c1) * (2 * cov + c2)) / ((meanA ** 2 + meanB ** 2 + c1) * (varA + varB + c2));
          windows++;
        }
      }
      return sum / windows;
    };
    const psnr = (a, b) => {
      let [squares, samples] = [0, 0];
      for (let i = 0; i < a.rgba.length; i++) {
        if (i % 4 === 3) continue;
        squares += (a.rgba[i] - b.rgba[i]) ** 2;
        samples++;
      }
      return 10 * Math.log10((255 * 255) / (squares / samples));
    };
    const ref = await decode(reference);
    const out = {};
    for (const [name, url] of Object.entries(candidates)) {
      const image = await decode(url);
      out[name] = image.width === ref.width && image.height === ref.height
        ? { ssim: ssim(ref, image), psnr: psnr(ref, image) }
        : { error: `${image.width}x${image.height}, not ${ref.width}x${ref.height}` };
    }
    return out;
  },
  { reference: dataUrl("reference.png"), candidates: Object.fromEntries(files.map((f) => [f, dataUrl(f)])) },
);
await browser.close();

const bytes = (name) => readFileSync(join(dir, name)).length;
for (const name of files.sort((a, b) => bytes(a) - bytes(b))) {
  const score = scores[name];
  const figures = score.error ?? `SSIM ${score.ssim.toFixed(4)}, PSNR ${score.psnr.toFixed(2)} dB`;
  console.log(`${name.padEnd(28)} ${String(bytes(name)).padStart(8)} bytes  ${figures}`);
}
