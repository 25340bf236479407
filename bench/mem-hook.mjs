// Preloaded into a server under test by bench/run.mjs for the heap-growth scenario
// (NODE_OPTIONS="--expose-gc --import <this file>", only when MCX_BENCH_HOOK_DIR is set).
// On SIGUSR2 it runs a full GC twice and writes process.memoryUsage() to
// $MCX_BENCH_HOOK_DIR/mem-<pid>.json, so the harness can read "heap after GC" of any Node
// server without its cooperation. It never touches stdin/stdout, and the signal listener does
// not keep the event loop alive.
import fs from "node:fs"
import process from "node:process"
import v8 from "node:v8"
import vm from "node:vm"

const dir = process.env.MCX_BENCH_HOOK_DIR
if (dir) {
  // V8 drops the bytecode of functions unused for a few full GCs; each snapshot runs two, so a
  // server would shed its start-up code in the middle of the measurement: a step down of a few
  // hundred KiB that is not about calls. Keep the heap about the calls.
  v8.setFlagsFromString("--no-flush-bytecode")
  let gc = globalThis.gc
  if (typeof gc !== "function") {
    // started without --expose-gc: switch it on now
    v8.setFlagsFromString("--expose-gc")
    gc = vm.runInNewContext("gc")
  }
  process.on("SIGUSR2", () => {
    try {
      gc()
      gc()
      const m = process.memoryUsage()
      const tmp = `${dir}/mem-${process.pid}.json.tmp`
      fs.writeFileSync(tmp, JSON.stringify({ pid: process.pid, rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers }))
      fs.renameSync(tmp, `${dir}/mem-${process.pid}.json`)
    } catch {
      // never crash the server under test
    }
  })
  try {
    fs.writeFileSync(`${dir}/ready-${process.pid}`, "")
  } catch {
    // the harness then reports no heap numbers
  }
}
