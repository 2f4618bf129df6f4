// Times the eval module's encoders in V8 (node) and prints the module's imports (none without
// ravif): `node run-wasm.mjs encoder_eval.wasm 0 1 2` (candidates by number, as in src/lib.rs).
import { readFileSync } from "node:fs";
const [file, ...which] = process.argv.slice(2);
const module = new WebAssembly.Module(readFileSync(file));
console.log(`${file}: imports ${JSON.stringify(WebAssembly.Module.imports(module))}`);
// wasm-bindgen's placeholder imports (from a dependency using wasm-bindgen) are resolved by
// the wasm-bindgen CLI in a real build; here stubs that throw if ever called at run time.
const imports = {};
for (const { module: m, name } of WebAssembly.Module.imports(module)) {
  imports[m] ??= {};
  imports[m][name] = () => { throw new Error(`${m}.${name} called`); };
}
const { exports } = new WebAssembly.Instance(module, imports);
const names = ["jpeg-encoder progressive", "image-webp lossless", "vaam-image-webp", "webp-rust", "ravif speed 10"];
for (const width of [320, 720]) {
  for (const alpha of [0]) {
    const height = exports.prepare(width, alpha);
    for (const w of which.map(Number)) {
      const runs = w === 4 ? 3 : 5;
      const times = [];
      let bytes = 0;
      for (let i = 0; i < runs; i++) {
        const start = performance.now();
        bytes = exports.run(w, 80);
        times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      console.log(`| ${names[w]} q80 | ${width}x${height} | ${bytes} | ${times[Math.floor(runs / 2)].toFixed(1)} ms (median of ${runs}) |`);
    }
  }
}
