// Runs one .tflite file in LiteRT.js (its CPU backend: XNNPACK compiled to WebAssembly) with the
// same tensor-file contract as `tinyforge run` (docs/litert-check.md):
//
//   node run.mjs MODEL.tflite --input A.bin [B.bin ...] [--output O.bin ... | --output-dir DIR]
//                [--samples K] [--json] [--verbose]
//
// Inputs and outputs are raw little-endian tensor bytes, one file per tensor, in the model's
// order; --output-dir writes DIR/output_N.bin for output N (for callers that do not know the
// output count beforehand). Without either, output values are printed. With --samples K every
// input file holds K tensors back to back, the model runs K times, and every output file gets
// K results back to back (1,000 test images in one process instead of 1,000 Node starts).
// With --json the last stdout line is one JSON object: {"outputs": [{name, dtype, shape,
// file}], "samples": K, "wasm": ...}, or {"error": "..."} with exit status 1 (e.g. LiteRT
// refusing the model).
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

const here = dirname(fileURLToPath(import.meta.url));
const wasmDir = join(here, "node_modules", "@litertjs", "core", "wasm");
const patchedCore = join(here, "build", "litert_patched.js");

function parseArgs(argv) {
  const args = { model: null, inputs: [], outputs: [], outputDir: null, samples: 1, json: false, verbose: false };
  let list = null;  // the file list the last --input/--output flag opened
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    if (arg === "--input") list = args.inputs;
    else if (arg === "--output") list = args.outputs;
    else if (arg === "--output-dir") {
      if (i + 1 >= argv.length || argv[i + 1].startsWith("--")) throw new Error("--output-dir needs a directory");
      args.outputDir = argv[++i];
      list = null;
    } else if (arg === "--samples") {
      const k = Number(argv[++i]);
      if (!Number.isInteger(k) || k < 1) throw new Error(`--samples needs a positive count, got ${argv[i]}`);
      args.samples = k;
      list = null;
    } else if (arg === "--json") { args.json = true; list = null; }
    else if (arg === "--verbose") { args.verbose = true; list = null; }
    else if (arg.startsWith("--")) throw new Error(`unknown option ${arg}`);
    else if (list) list.push(arg);
    else if (args.model === null) args.model = arg;
    else throw new Error(`unexpected argument ${arg} (one model per run)`);
  }
  if (args.model === null) {
    throw new Error(
      "usage: node run.mjs MODEL.tflite --input A.bin [...] [--output O.bin ... | --output-dir DIR] [--samples K] [--json] [--verbose]",
    );
  }
  if (args.outputs.length && args.outputDir !== null) throw new Error("give --output or --output-dir, not both");
  return args;
}

// LiteRT.js's loader (@litertjs/wasm-utils) assumes a browser or a web worker: it fetches the
// Emscripten glue with importScripts() (or a <script> tag under `document`) and then expects
// the global `self.ModuleFactory` the glue declares. In Node we provide `self` and an
// importScripts() that evaluates the glue with vm. The glue detects Node by itself and reads the
// .wasm beside it with fs, but it needs CommonJS `require` and `__filename`, which an ES module
// does not have; the wrapper function supplies them.
function installBrowserShims() {
  globalThis.self = globalThis;
  globalThis.importScripts = (url) => {
    const file = url.startsWith("file:") ? fileURLToPath(url) : url;
    const source = readFileSync(file, "utf8");
    const wrapped = `(function (require, __filename, __dirname) {\n${source}\nreturn ModuleFactory;\n})`;
    const factory = vm.runInThisContext(wrapped, { filename: file });
    globalThis.ModuleFactory = factory(createRequire(file), file, dirname(file));
  };
}

// LiteRT's C++ logging, the glue's print and the loader's warnings (e.g. "Failed to create
// default WebGPU device": Node has no navigator.gpu) all go through console. Keep stdout for our
// one JSON line: collect the log and show it on stderr only on failure or with --verbose. The
// glue binds console.log/error when it loads, so this runs first.
const logLines = [];
function captureConsole() {
  for (const method of ["log", "info", "debug", "warn", "error"]) {
    console[method] = (...parts) => {
      logLines.push(parts.map((p) => (p instanceof Error ? p.message : String(p))).join(" "));
    };
  }
}

// When LiteRT refuses a model, the exception only names a source location; the reason is in the
// log ("ERROR: quantized_dimension must be in range [0, 1). Was 3."). Collect its distinct
// ERROR lines for the message, dropping the location-only ones.
function loggedErrors() {
  const reasons = [];
  for (const line of logLines.join("\n").split("\n")) {
    const match = /^\W*ERROR: (.*)$/.exec(line.trim());
    if (!match || /^\[[^\]]*\]\s*$/.test(match[1])) continue;
    if (!reasons.includes(match[1])) reasons.push(match[1]);
  }
  return reasons;
}

function withReasons(prefix, error) {
  const reasons = loggedErrors();
  const thrown = messageOf(error).replace(/\s+/g, " ").trim();
  if (!reasons.length) return `${prefix}: ${thrown}`;
  // A bad model repeats its reason per tensor; three distinct lines say enough.
  const more = reasons.length > 3 ? ` (and ${reasons.length - 3} more)` : "";
  return `${prefix}: ${reasons.slice(0, 3).join("; ")}${more}`;
}

function product(shape) {
  return shape.reduce((n, d) => n * d, 1);
}

const typedArrays = {
  float32: Float32Array,
  int32: Int32Array,
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
};

// Reads one input file holding `samples` tensors back to back and returns the per-sample shape
// and a function giving sample k as the typed array the model expects (little-endian host
// assumed, as on every x86/Arm machine Node runs on). A dynamic dimension (-1, from
// shape_signature) takes whatever size the file implies, so the model is still fed; whether
// LiteRT then accepts that is LiteRT's verdict, reported as such.
function readInput(file, detail, samples) {
  const Typed = typedArrays[detail.dtype];
  const what = `input ${detail.index} (${detail.name})`;
  if (!Typed) throw new Error(`${what}: dtype ${detail.dtype} unsupported`);
  const bytes = readFileSync(file);
  const perSample = bytes.byteLength / samples;
  const declared = Array.from(detail.shape);
  const fixed = product(declared.filter((d) => d >= 0)) * Typed.BYTES_PER_ELEMENT;
  const dynamic = declared.filter((d) => d < 0).length;
  const shape = declared.slice();
  if (dynamic === 1 && fixed > 0 && perSample % fixed === 0) {
    shape[declared.indexOf(-1)] = perSample / fixed;
  }
  const expected = product(shape) * Typed.BYTES_PER_ELEMENT;
  if (shape.some((d) => d < 0) || perSample !== expected) {
    const each = `${detail.dtype}[${declared.join(",")}]` + (dynamic ? "" : ` = ${expected} bytes`);
    throw new Error(
      `${file}: ${bytes.byteLength} bytes, but ${what} is ${each}` +
        (samples > 1 ? ` per sample, ${samples} samples` : ""),
    );
  }
  // Copy into a fresh, aligned buffer: a Buffer may sit at an odd offset of Node's pool.
  const aligned = new Uint8Array(bytes.byteLength);
  aligned.set(bytes);
  const count = expected / Typed.BYTES_PER_ELEMENT;
  return { shape, sample: (k) => new Typed(aligned.buffer, k * expected, count) };
}

// Errors from the WebAssembly side may arrive as strings or non-Error objects.
function messageOf(error) {
  if (error instanceof Error) return error.message;
  if (typeof error === "string") return error;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  installBrowserShims();
  captureConsole();
  const { loadLiteRt, loadAndCompile, Tensor, supportsFeature } = await import(patchedCore);

  // Node 20 lacks relaxed SIMD, so LiteRT.js picks its "compat" build; report which one ran,
  // since XNNPACK's kernels (and so the last bits of float results) differ between them.
  const wasm = (await supportsFeature("relaxedSimd"))
    ? "litert_wasm_internal"
    : "litert_wasm_compat_internal";
  await loadLiteRt(wasmDir + "/");

  const modelBytes = new Uint8Array(readFileSync(args.model));
  let model;
  try {
    model = await loadAndCompile(modelBytes, { accelerator: "wasm" });
  } catch (error) {
    throw new Error(withReasons(`LiteRT refused ${basename(args.model)}`, error));
  }

  const inputDetails = model.getInputDetails();
  const outputDetails = model.getOutputDetails();
  if (args.inputs.length !== inputDetails.length) {
    throw new Error(`${basename(args.model)} has ${inputDetails.length} inputs, got ${args.inputs.length} --input files`);
  }
  if (args.outputs.length !== 0 && args.outputs.length !== outputDetails.length) {
    throw new Error(`${basename(args.model)} has ${outputDetails.length} outputs, got ${args.outputs.length} --output files`);
  }

  // One compiled model serves every sample: loading LiteRT and compiling cost far more than a
  // small model's run, which is why --samples exists.
  const inputFiles = inputDetails.map((detail, i) => readInput(args.inputs[i], detail, args.samples));
  const outputChunks = outputDetails.map(() => []);
  const outputTypes = [];
  for (let k = 0; k < args.samples; ++k) {
    const inputs = inputFiles.map(({ shape, sample }) => new Tensor(sample(k), shape));
    let results;
    try {
      results = await model.run(inputs);
    } catch (error) {
      throw new Error(withReasons(`LiteRT failed to run ${basename(args.model)}`, error));
    } finally {
      for (const tensor of inputs) tensor.delete();
    }
    results.forEach((tensor, i) => {
      const data = tensor.toTypedArray();
      outputChunks[i].push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      outputTypes[i] = tensor.type;
      tensor.delete();
    });
  }

  const outputs = outputDetails.map((detail, i) => {
    const entry = {
      name: detail.name,
      dtype: outputTypes[i].dtype,
      shape: outputTypes[i].layout.dimensions,
    };
    const file = args.outputs.length
      ? args.outputs[i]
      : args.outputDir !== null ? join(args.outputDir, `output_${i}.bin`) : null;
    const bytes = Buffer.concat(outputChunks[i]);
    if (file !== null) {
      writeFileSync(file, bytes);
      entry.file = resolve(file);
    } else {
      const Typed = typedArrays[entry.dtype];
      entry.values = Array.from(new Typed(bytes.buffer, bytes.byteOffset, bytes.byteLength / Typed.BYTES_PER_ELEMENT));
    }
    return entry;
  });
  model.delete();
  return { outputs, samples: args.samples, wasm };
}

const json = process.argv.includes("--json");
const verbose = process.argv.includes("--verbose");
const showLog = () => process.stderr.write(logLines.map((l) => l + "\n").join(""));
// The original stdout writer: console.log is redirected to stderr once LiteRT loads.
const print = (line) => process.stdout.write(line + "\n");
main().then(
  (result) => {
    if (verbose) showLog();
    if (json) print(JSON.stringify(result));
    else for (const o of result.outputs) print(`${o.name}: ${o.dtype}[${o.shape.join(",")}] ${o.file ?? o.values.join(" ")}`);
    process.exit(0);
  },
  (error) => {
    showLog();
    if (json) print(JSON.stringify({ error: messageOf(error) }));
    else console.error(`run.mjs: ${messageOf(error)}`);
    process.exit(1);
  },
);
