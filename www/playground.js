// The playground: builds one control per option from /reference.json (the parser's own
// table), fetches the original and the result through the proxy, and shows what changed.
// Plain browser JavaScript, no build step.

const $ = (id) => document.getElementById(id);
const INITIAL = { width: "480" };
let reference = null;
let generation = 0; // answers to superseded requests are dropped

init().catch((err) => showError(`The playground could not start: ${err.message}`));

async function init() {
  const response = await fetch("/reference.json");
  if (!response.ok) throw new Error(`/reference.json answered ${response.status}`);
  reference = await response.json();
  $("options").append(...offered().map(control));
  let timer = 0;
  $("controls").addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(update, 250);
  });
  $("controls").addEventListener("submit", (event) => event.preventDefault());
  for (const button of document.querySelectorAll("[data-copy]")) {
    button.addEventListener("click", () => copy(button));
  }
  await update();
}

/** The options the proxy carries out: Cloudflare's that it refuses get no control. */
function offered() {
  return reference.options.filter((option) => option.supported);
}

/** A labelled input or select for one option of the reference. */
function control(option) {
  const label = document.createElement("label");
  // The reference's texts mark code with backticks, which a tooltip or an option label
  // cannot draw.
  const plain = (text) => text.replaceAll("`", "");
  const fallback = plain(option.default);
  label.title = `${plain(option.about)} Default: ${fallback}.`;
  const aliases = option.aliases.length ? ` (${option.aliases.join(", ")})` : "";
  label.innerHTML = `<span>${option.name}</span>${aliases}`;
  let input;
  if (option.values.kind === "one-of") {
    input = document.createElement("select");
    const short = fallback.length <= 12 ? ` (${fallback})` : "";
    input.append(new Option(`default${short}`, ""));
    for (const value of option.values.values) input.append(new Option(value, value));
  } else if (option.values.kind === "text") {
    input = document.createElement("input");
    input.type = "text";
    input.placeholder = option.values.examples.at(-1);
    const list = document.createElement("datalist");
    list.id = `values-${option.name}`;
    for (const example of option.values.examples) list.append(new Option(example));
    input.setAttribute("list", list.id);
    label.append(list);
  } else {
    input = document.createElement("input");
    input.type = "number";
    input.min = option.values.min;
    input.max = option.values.max;
    input.step = option.values.kind === "number" ? "0.25" : "1";
    input.placeholder = fallback.length <= 12 ? fallback : "auto";
  }
  input.id = `opt-${option.name}`;
  input.name = option.name;
  input.value = INITIAL[option.name] ?? "";
  label.append(input);
  return label;
}

/** The source as typed: a pasted URL wins over the sample. */
function source() {
  return $("source-url").value.trim() || $("sample").value;
}

/** The options that are set, in the reference's order. */
function chosenOptions() {
  return offered()
    .map((option) => [option.name, $(`opt-${option.name}`).value.trim()])
    .filter(([, value]) => value !== "");
}

function cdnCgiUrl(src, options) {
  // `#` would end the path: colours are written %23; `/` would end the options: a draw's
  // source is written with %2F (the proxy decodes both).
  const escaped = (value) => value.replaceAll("#", "%23").replaceAll("/", "%2F");
  const list = options.map(([name, value]) => `${name}=${escaped(value)}`).join(",");
  // The Cloudflare form needs at least one option; with none, the query form says it.
  if (!list) return queryUrl(src, options);
  return `/cdn-cgi/image/${list}/${src.replace(/^\//, "")}`;
}

function queryUrl(src, options) {
  const params = new URLSearchParams([["url", src], ...options]);
  return `/image?${params}`;
}

async function update() {
  const mine = ++generation;
  const src = source();
  const options = chosenOptions();
  const resultUrl = cdnCgiUrl(src, options);
  showSnippets(src, options);
  const [original, result] = await Promise.all([load(queryUrl(src, [])), load(resultUrl)]);
  if (mine !== generation) return;
  show("original", original);
  show("result", result);
  $("bytes").textContent = original.ok && result.ok ? `${kb(original.size)} → ${kb(result.size)}` : "–";
  $("saving").textContent =
    original.ok && result.ok ? `${Math.round((1 - result.size / original.size) * 100)} %` : "–";
  $("content-type").textContent = result.type || "–";
  $("x-cache").textContent = result.xCache || "–";
  drawTiming(result.serverTiming);
}

/** Fetches one image through the proxy and remembers what the headers said. */
async function load(url) {
  try {
    const response = await fetch(url);
    const blob = await response.blob();
    const headers = response.headers;
    const base = {
      ok: response.ok,
      url,
      size: blob.size,
      type: headers.get("content-type"),
      xCache: headers.get("x-cache"),
      serverTiming: headers.get("server-timing"),
    };
    if (!response.ok) {
      const problem = JSON.parse(await blob.text());
      return { ...base, error: `${problem.status} ${problem.title}: ${problem.detail}` };
    }
    return { ...base, objectUrl: URL.createObjectURL(blob) };
  } catch (err) {
    return { ok: false, url, error: `fetch failed: ${err.message}` };
  }
}

function show(which, answer) {
  const img = $(`${which}-img`);
  const facts = $(`${which}-facts`);
  const previous = img.dataset.objectUrl;
  if (previous) URL.revokeObjectURL(previous);
  if (which === "result") {
    $("result-error").hidden = answer.ok;
    $("result-error").textContent = answer.error ?? "";
  }
  if (!answer.ok) {
    img.removeAttribute("src");
    delete img.dataset.objectUrl;
    facts.textContent = answer.error ?? "";
    if (which === "result") $("dimensions").textContent = "–";
    return;
  }
  img.dataset.objectUrl = answer.objectUrl;
  img.onload = () => {
    const size = `${img.naturalWidth}×${img.naturalHeight}`;
    facts.textContent = `${size}, ${kb(answer.size)}`;
    if (which === "result") $("dimensions").textContent = size;
  };
  img.src = answer.objectUrl;
}

/** Server-Timing as bars: stages with a duration get a bar, descriptions go under them. */
function drawTiming(header) {
  const entries = parseServerTiming(header ?? "");
  const box = $("timing");
  box.replaceChildren();
  if (!entries.length) {
    box.textContent = "no Server-Timing header";
    return;
  }
  const longest = Math.max(1, ...entries.map((e) => e.dur ?? 0));
  for (const entry of entries) {
    const row = document.createElement("div");
    row.className = "bar-row";
    row.dataset.stage = entry.name;
    const name = document.createElement("span");
    name.textContent = entry.name;
    const bar = document.createElement("div");
    if (entry.dur !== undefined) {
      bar.className = "bar";
      bar.style.width = `${(entry.dur / longest) * 100}%`;
    }
    const dur = document.createElement("span");
    dur.textContent = entry.dur !== undefined ? `${entry.dur.toFixed(1)} ms` : "";
    row.append(name, bar, dur);
    if (entry.desc) {
      const desc = document.createElement("span");
      desc.className = "desc";
      desc.textContent = entry.desc;
      row.append(desc);
    }
    box.append(row);
  }
}

/** `name;dur=1.5;desc="a, b"` entries, commas inside quotes kept. */
function parseServerTiming(header) {
  const entries = [];
  for (const part of header.match(/(?:[^,"]|"[^"]*")+/g) ?? []) {
    const [name, ...params] = part.split(";").map((s) => s.trim());
    if (!name) continue;
    const entry = { name };
    for (const param of params) {
      const [key, raw = ""] = param.split("=");
      const value = raw.replace(/^"|"$/g, "");
      if (key === "dur") entry.dur = Number(value);
      if (key === "desc") entry.desc = value;
    }
    entries.push(entry);
  }
  return entries;
}

function showSnippets(src, options) {
  const origin = location.origin;
  $("url-cdn-cgi").textContent = origin + cdnCgiUrl(src, options);
  $("url-query").textContent = origin + queryUrl(src, options);
  const rest = options.filter(([name]) => !["width", "dpr"].includes(name));
  const widths = [320, 640, 960, 1280, 1920];
  const candidates = widths
    .map((w) => `    ${origin}${cdnCgiUrl(src, [["width", String(w)], ...rest])} ${w}w`)
    .join(",\n");
  $("snippet-srcset").textContent =
    `<img\n  src="${origin}${cdnCgiUrl(src, [["width", "640"], ...rest])}"\n` +
    `  srcset="\n${candidates}"\n  sizes="(max-width: 640px) 100vw, 640px"\n  alt="">`;
  $("snippet-next").textContent =
    `// image-loader.js; next.config.js: images: { loader: "custom", loaderFile: "./image-loader.js" }\n` +
    `export default function loader({ src, width, quality }) {\n` +
    `  const options = [\`width=\${width}\`, \`quality=\${quality || 85}\`, "format=auto"].join(",");\n` +
    `  return \`${origin}/cdn-cgi/image/\${options}/\${src.replace(/^\\//, "")}\`;\n}`;
}

async function copy(button) {
  const text = $(button.dataset.copy).textContent;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Clipboard access can be refused (insecure context, permissions): select the text instead.
    const range = document.createRange();
    range.selectNodeContents($(button.dataset.copy));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    document.execCommand("copy");
  }
  button.textContent = "Copied";
  setTimeout(() => (button.textContent = "Copy"), 1200);
}

function showError(message) {
  $("result-error").hidden = false;
  $("result-error").textContent = message;
}

function kb(bytes) {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}
