//! In Debian's Chromium, against the Worker in workerd: the playground works and shows real
//! answers, `srcset` picks by device pixel ratio, `format=auto` follows Chromium's Accept (and
//! Chromium decodes our AVIF and plays our animated WebP), and pages on other origins can
//! fetch, read and time the proxy's answers.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { ARTIFACTS, launchChromium, startPageServer, startWorker } from "./harness.mjs";

/** Keeps Chromium from asking for /favicon.ico (a 404 is a console error). */
const NO_FAVICON = `<link rel="icon" href="data:,">`;

let worker;
let browser;

before(async () => {
  worker = await startWorker();
  browser = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  worker?.stop();
});

/** A page that records console errors and uncaught exceptions. */
async function watchedPage(options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const problems = [];
  page.on("console", (msg) => msg.type() === "error" && problems.push(`console: ${msg.text()}`));
  page.on("pageerror", (err) => problems.push(`exception: ${err.message}`));
  return { page, problems, close: () => context.close() };
}

/** Waits until an <img> has decoded a picture this wide. */
async function waitForNaturalWidth(page, selector, width) {
  await page.waitForFunction(
    ([sel, w]) => document.querySelector(sel)?.naturalWidth === w,
    [selector, width],
    { timeout: 30_000 },
  );
}

test("the playground loads with no console errors and shows both pictures", async () => {
  const { page, problems, close } = await watchedPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${worker.base}/`);
  await waitForNaturalWidth(page, "#result-img", 480);
  await page.waitForFunction(() => document.querySelector("#original-img")?.naturalWidth > 0);
  // One control per option in the reference that the proxy carries out: the form offers
  // what the parser accepts (ids are matched whole: `trim.top` has a dot).
  const reference = await (await fetch(`${worker.base}/reference.json`)).json();
  for (const option of reference.options) {
    const count = option.supported ? 1 : 0;
    assert.equal(await page.locator(`[id="opt-${option.name}"]`).count(), count, `control for ${option.name}`);
  }
  assert.match(await page.textContent("#dimensions"), /^480×\d+$/);
  assert.match(await page.textContent("#x-cache"), /^(MISS|HIT)$/);
  assert.match(await page.textContent("#saving"), /^\d+ %$/);
  assert.ok((await page.locator("#timing .bar-row").count()) > 0, "Server-Timing drawn");
  assert.match(await page.textContent("#url-cdn-cgi"), /\/cdn-cgi\/image\/width=480\/samples\/landscape\.jpg$/);
  assert.match(await page.textContent("#url-query"), /\/image\?url=%2Fsamples%2Flandscape\.jpg&width=480$/);
  assert.match(await page.textContent("#snippet-srcset"), /srcset="[\s\S]*width=1280\/samples\/landscape\.jpg 1280w/);
  assert.match(await page.textContent("#snippet-next"), /export default function loader/);
  await page.screenshot({ path: join(ARTIFACTS, "playground.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await close();
});

test("changing width updates the preview and its naturalWidth", async () => {
  const { page, problems, close } = await watchedPage();
  await page.goto(`${worker.base}/`);
  await waitForNaturalWidth(page, "#result-img", 480);
  await page.fill("#opt-width", "200");
  await waitForNaturalWidth(page, "#result-img", 200);
  assert.match(await page.textContent("#dimensions"), /^200×\d+$/);
  await page.selectOption("#opt-rotate", "90");
  // Rotated: width names the rotated axis, so the picture stays 200 wide but gets taller.
  await page.waitForFunction(() => {
    const img = document.querySelector("#result-img");
    return img.naturalWidth === 200 && img.naturalHeight > 200;
  });
  assert.deepEqual(problems, []);
  await close();
});

test("the draw control puts the sample overlay on the result", async () => {
  const { page, problems, close } = await watchedPage();
  await page.goto(`${worker.base}/`);
  await waitForNaturalWidth(page, "#result-img", 480);
  const corner = () =>
    page.evaluate(() => {
      const img = document.querySelector("#result-img");
      const canvas = Object.assign(document.createElement("canvas"), { width: img.naturalWidth, height: img.naturalHeight });
      const context = canvas.getContext("2d");
      context.drawImage(img, 0, 0);
      // Inside the overlay's opaque white band, 10 px in from the bottom-right corner.
      const [x, y] = [img.naturalWidth - 10 - 100, img.naturalHeight - 10 - 25];
      return Array.from(context.getImageData(x, y, 1, 1).data);
    });
  const before = await corner();
  await page.fill("#opt-draw", "/samples/overlay.png;gravity=1x1;margin=10;opacity=1");
  await page.waitForFunction(() => document.querySelector("#url-cdn-cgi").textContent.includes("draw="));
  assert.match(await page.textContent("#url-cdn-cgi"), /width=480,draw=%2Fsamples%2Foverlay\.png;gravity=1x1;margin=10;opacity=1\//);
  // The result is shown from an object URL: look at its pixels until the new answer is in.
  const white = (pixel) => pixel.slice(0, 3).every((channel) => channel > 235);
  assert.ok(!white(before), `the landscape's corner is not white: ${before}`);
  let after = before;
  for (let tries = 0; tries < 100 && !white(after); tries++) {
    await page.waitForTimeout(100);
    after = await corner();
  }
  assert.ok(white(after), `the overlay's white band is drawn in the corner: ${before} -> ${after}`);
  assert.deepEqual(problems, []);
  await close();
});

test("the new options reach the proxy from the form: pad with a background, blur, gravity", async () => {
  const { page, problems, close } = await watchedPage();
  await page.goto(`${worker.base}/`);
  await waitForNaturalWidth(page, "#result-img", 480);
  await page.fill("#opt-width", "300");
  await page.fill("#opt-height", "300");
  await page.selectOption("#opt-fit", "pad");
  await page.fill("#opt-background", "#ff0000");
  await page.fill("#opt-blur", "3");
  await page.fill("#opt-gravity", "left");
  await page.waitForFunction(() => {
    const img = document.querySelector("#result-img");
    return img.naturalWidth === 300 && img.naturalHeight === 300;
  });
  assert.match(await page.textContent("#url-cdn-cgi"), /width=300,height=300,fit=pad,gravity=left,background=%23ff0000,blur=3\//);
  // The padding above the landscape picture is the background colour.
  const top = await page.evaluate(() => {
    const img = document.querySelector("#result-img");
    const canvas = Object.assign(document.createElement("canvas"), { width: 300, height: 300 });
    const context = canvas.getContext("2d");
    context.drawImage(img, 0, 0);
    return Array.from(context.getImageData(150, 5, 1, 1).data);
  });
  assert.ok(top[0] > 240 && top[1] < 15 && top[2] < 15, `padding is red: ${top}`);
  assert.deepEqual(problems, []);
  await close();
});

test("a bad option shows the proxy's problem detail instead of a picture", async () => {
  const { page, close } = await watchedPage();
  await page.goto(`${worker.base}/`);
  await waitForNaturalWidth(page, "#result-img", 480);
  await page.fill("#opt-width", "99999");
  await page.waitForFunction(() => !document.querySelector("#result-error").hidden);
  assert.match(await page.textContent("#result-error"), /^400 Invalid image options: width must be/);
  await close();
});

test("copy buttons put the generated URL on the clipboard", async () => {
  const { page, close } = await watchedPage();
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: worker.base });
  await page.goto(`${worker.base}/`);
  await waitForNaturalWidth(page, "#result-img", 480);
  await page.click('[data-copy="url-cdn-cgi"]');
  await page.waitForFunction(() => document.querySelector('[data-copy="url-cdn-cgi"]').textContent === "Copied");
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied, await page.textContent("#url-cdn-cgi"));
  await close();
});

test("a pasted URL outside the allowlist shows the proxy's refusal", async () => {
  const { page, close } = await watchedPage();
  await page.goto(`${worker.base}/`);
  await waitForNaturalWidth(page, "#result-img", 480);
  await page.fill("#source-url", "https://images.example.com/photo.jpg");
  await page.waitForFunction(() => !document.querySelector("#result-error").hidden);
  assert.match(await page.textContent("#result-error"), /^403 Source not allowed: host images\.example\.com:443 is not in ALLOWED_SOURCES/);
  assert.match(await page.textContent("#url-cdn-cgi"), /\/cdn-cgi\/image\/width=480\/https:\/\/images\.example\.com\/photo\.jpg$/);
  await close();
});

test("the playground fits a phone-sized screen", async () => {
  const { page, problems, close } = await watchedPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  await page.goto(`${worker.base}/`);
  await page.waitForFunction(() => document.querySelector("#result-img")?.naturalWidth > 0);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
  await page.screenshot({ path: join(ARTIFACTS, "playground-phone.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await close();
});

test("the reference page lists every option and error from the parser's tables", async () => {
  const { page, problems, close } = await watchedPage();
  await page.goto(`${worker.base}/reference#too-many-pixels`);
  const reference = await (await fetch(`${worker.base}/reference.json`)).json();
  await page.waitForSelector("#errors-table tbody tr");
  assert.equal(await page.locator("#options-table tbody tr").count(), reference.options.length);
  assert.equal(await page.locator("#errors-table tbody tr").count(), reference.errors.length);
  assert.match(await page.textContent("#too-many-pixels"), /^422/);
  assert.deepEqual(problems, []);
  await close();
});

for (const dpr of [1, 2]) {
  test(`srcset picks the ${200 * dpr} px candidate at device pixel ratio ${dpr}`, async () => {
    const { page, close } = await watchedPage({ deviceScaleFactor: dpr });
    const candidate = (w) => `${worker.base}/cdn-cgi/image/width=${w}/samples/landscape.jpg ${w}w`;
    const fetched = [];
    page.on("response", (r) => r.url().includes("/cdn-cgi/") && fetched.push(r.url()));
    await page.goto(`${worker.base}/reference`); // any page of the proxy's origin
    await page.setContent(
      `<img id="pic" sizes="200px" srcset="${[200, 400, 800].map(candidate).join(", ")}">`,
    );
    // naturalWidth is in CSS pixels (the candidate's width over its density): 200 either way.
    await waitForNaturalWidth(page, "#pic", 200);
    const current = await page.evaluate(() => document.querySelector("#pic").currentSrc);
    assert.match(current, new RegExp(`/width=${200 * dpr}/`));
    assert.deepEqual(fetched, [current], "only the chosen candidate is fetched");
    await close();
  });
}

test("the playground asks for client hints, so Chromium sends them with width=auto images", async () => {
  // Browsers send a page's image requests the hints that page's own answer asked for
  // (Accept-CH): without it Chromium sends no width hint, and width=auto falls back on 1200.
  const { page, problems, close } = await watchedPage({ viewport: { width: 700, height: 600 }, deviceScaleFactor: 1 });
  const sent = new Map();
  page.on("request", async (r) => r.url().includes("width=auto") && sent.set(r.url(), await r.allHeaders()));
  await page.goto(`${worker.base}/`);
  const auto = (name) => `${worker.base}/cdn-cgi/image/width=auto/samples/landscape.jpg?${name}`;
  await page.evaluate(([sized, plain]) => {
    // The element's width (sizes) is sent as Sec-CH-Width; without sizes, the viewport's.
    document.body.insertAdjacentHTML(
      "beforeend",
      `<img id="sized" sizes="500px" srcset="${sized} 1600w"><img id="plain" src="${plain}">`,
    );
  }, [auto("sized"), auto("plain")]);
  // 500 px rounded up to 768; drawn at 500 px, the 1600w candidate's density is 1600 / 500,
  // so its naturalWidth is 768 / 3.2 = 240 (1200 / 3.2 = 375 without the hint).
  await waitForNaturalWidth(page, "#sized", 240);
  // The 700 px viewport at DPR 1, rounded up to 768 (1200 without the hint).
  await waitForNaturalWidth(page, "#plain", 768);
  assert.equal(sent.get(auto("sized"))["sec-ch-width"], "500");
  assert.equal(sent.get(auto("plain"))["sec-ch-viewport-width"], "700");
  assert.deepEqual(problems, []);
  await close();
});

/** The RGBA of every pixel of a decoded <img>, drawn on a canvas. */
async function pixelsOf(page, selector) {
  return page.evaluate((sel) => {
    const img = document.querySelector(sel);
    const canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext("2d");
    context.drawImage(img, 0, 0);
    return Array.from(context.getImageData(0, 0, canvas.width, canvas.height).data);
  }, selector);
}

test("format=auto gives Chromium AVIF for a small output, with alpha, that it decodes right", async () => {
  const { page, close } = await watchedPage();
  const url = `${worker.base}/cdn-cgi/image/width=100,format=auto/samples/disc.png`;
  const answered = page.waitForResponse(url);
  await page.goto(`${worker.base}/reference`);
  await page.setContent(`<img id="pic" src="${url}"><img id="png" src="${url.replace("auto", "png")}">`);
  const response = await answered;
  const accept = (await response.request().allHeaders()).accept;
  assert.match(accept, /image\/avif/, "Chromium advertises AVIF");
  assert.equal(response.headers()["content-type"], "image/avif");
  assert.match(response.headers().vary ?? "", /Accept/i);
  await waitForNaturalWidth(page, "#pic", 100);
  await waitForNaturalWidth(page, "#png", 100);
  // Lossy, so close to the lossless PNG rather than equal; transparency is kept.
  const [avif, png] = [await pixelsOf(page, "#pic"), await pixelsOf(page, "#png")];
  assert.equal(avif.length, png.length);
  let difference = 0;
  for (let i = 0; i < avif.length; i++) difference += Math.abs(avif[i] - png[i]);
  const mean = difference / avif.length;
  assert.ok(mean < 6, `mean difference per channel ${mean.toFixed(2)}`);
  assert.ok(png.some((v, i) => i % 4 === 3 && v === 0), "the disc has transparent corners");
  assert.equal(avif[3], png[3], "the corner's alpha survives");
  await close();
});

test("format=auto gives Chromium WebP for an output too large for AVIF", async () => {
  const { page, close } = await watchedPage();
  const url = `${worker.base}/cdn-cgi/image/width=600,format=auto/samples/landscape.jpg`;
  const answered = page.waitForResponse(url);
  await page.goto(`${worker.base}/reference`);
  await page.setContent(`<img id="pic" src="${url}">`);
  const response = await answered;
  assert.equal(response.headers()["content-type"], "image/webp");
  assert.match(response.headers().vary ?? "", /Accept/i);
  await waitForNaturalWidth(page, "#pic", 600);
  await close();
});

test("Chromium plays our animated WebP frame by frame like our animated GIF", async () => {
  const { page, problems, close } = await watchedPage();
  await page.goto(`${worker.base}/reference`);
  // Each answer through Chromium's own decoder (WebCodecs ImageDecoder): its track, then
  // every frame's pixels drawn on a canvas.
  const decoded = await page.evaluate(async (base) => {
    const read = async (options) => {
      const response = await fetch(`${base}/cdn-cgi/image/${options}/samples/spinner.gif`);
      const type = response.headers.get("content-type");
      const decoder = new ImageDecoder({ data: await response.arrayBuffer(), type });
      await decoder.tracks.ready;
      const track = decoder.tracks.selectedTrack;
      const frames = [];
      for (let frameIndex = 0; frameIndex < track.frameCount; frameIndex++) {
        const { image } = await decoder.decode({ frameIndex });
        const canvas = new OffscreenCanvas(image.displayWidth, image.displayHeight);
        const context = canvas.getContext("2d");
        context.drawImage(image, 0, 0);
        frames.push({
          width: image.displayWidth,
          duration: image.duration,
          pixels: Array.from(context.getImageData(0, 0, canvas.width, canvas.height).data),
        });
        image.close();
      }
      return { type, animated: track.animated, repetitions: track.repetitionCount, frames };
    };
    return { webp: await read("width=60,format=webp"), gif: await read("width=60") };
  }, worker.base);
  const { webp, gif } = decoded;
  assert.equal(webp.type, "image/webp");
  assert.equal(gif.type, "image/gif");
  assert.ok(webp.animated, "Chromium sees an animation");
  assert.equal(webp.repetitions, Infinity, "it loops forever, as the source does");
  assert.equal(webp.frames.length, 8);
  assert.equal(gif.frames.length, 8);
  for (const [index, frame] of webp.frames.entries()) {
    assert.equal(frame.width, 60);
    // WebCodecs gives durations in microseconds: 100 ms, as in the source.
    assert.equal(frame.duration, 100_000, `frame ${index}'s duration`);
    // Lossy against 256 colours and one bit of alpha: close, not equal.
    const other = gif.frames[index].pixels;
    let difference = 0;
    for (let i = 0; i < frame.pixels.length; i++) difference += Math.abs(frame.pixels[i] - other[i]);
    const mean = difference / frame.pixels.length;
    assert.ok(mean < 4, `frame ${index}: mean difference per channel ${mean.toFixed(2)}`);
  }
  // The dot moves: consecutive frames differ.
  const moved = webp.frames[0].pixels.some((v, i) => v !== webp.frames[1].pixels[i]);
  assert.ok(moved, "the frames differ");
  assert.deepEqual(problems, []);
  await close();
});

test("a page on another origin can fetch an image and read its Server-Timing", async () => {
  const pages = await startPageServer({ "/": `<!doctype html><title>other origin</title>${NO_FAVICON}` });
  const { page, problems, close } = await watchedPage();
  after(() => pages.stop());
  await page.goto(`${pages.base}/`);
  const url = `${worker.base}/cdn-cgi/image/width=120/samples/landscape.jpg`;
  const seen = await page.evaluate(async (u) => {
    const response = await fetch(u);
    const bytes = (await response.arrayBuffer()).byteLength;
    const entry = performance.getEntriesByName(u).at(-1);
    return {
      status: response.status,
      bytes,
      xCache: response.headers.get("x-cache"),
      timing: entry.serverTiming.map((t) => t.name),
    };
  }, url);
  assert.equal(seen.status, 200);
  assert.ok(seen.bytes > 0);
  assert.match(seen.xCache, /^(MISS|HIT)$/, "X-Cache is exposed to scripts");
  assert.ok(seen.timing.includes("cache"), `Server-Timing readable: ${seen.timing}`);
  assert.deepEqual(problems, []);
  await close();
});
