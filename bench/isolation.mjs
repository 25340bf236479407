#!/usr/bin/env node
// Isolated tools sharing a manager's worker bound: calls of tools with one, two or three heap
// limits (alternating), 16 in flight, through `ToolManager`. Per call: the process's CPU time
// (all its threads, workers included: steadier than wall time on a shared machine) and wall
// time; then the workers started and the workers retired to make room for another limit (a
// retirement restarts a thread, which is what a bad sharing policy would do on most calls).
//   node bench/isolation.mjs [--n 4000] [--rounds 3]      (needs `npm run build`)
// `MCX_BENCH_BASELINE=<path of another build's mcx.js>` adds that build's rows (its `dist/` is
// the folder of that file), to compare two builds in one run.
import path from "node:path"
import { pathToFileURL } from "node:url"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { numberArg } from "./lib/args.mjs"
import { median } from "./lib/stats.mjs"

const N = numberArg("n", 4000)
const ROUNDS = numberArg("rounds", 3)
const IN_FLIGHT = 16
const work = new URL("./lib/isolated-work.mjs", import.meta.url)
const scenarios = [
  { label: "1 limit, maxWorkers 4", limits: [32], maxWorkers: 4 },
  { label: "2 limits, maxWorkers 4", limits: [32, 48], maxWorkers: 4 },
  { label: "3 limits, maxWorkers 2", limits: [32, 40, 48], maxWorkers: 2 }
]
const builds = [
  { label: "this build", dist: new URL("../dist/index.js", import.meta.url).href },
  ...(process.env.MCX_BENCH_BASELINE
    ? [{ label: "baseline build", dist: pathToFileURL(path.join(path.dirname(path.resolve(process.env.MCX_BENCH_BASELINE)), "index.js")).href }]
    : [])
]

const run = ({ Tool, ToolManager }, scenario) =>
  Effect.scoped(Effect.gen(function*() {
    const tools = scenario.limits.map((memoryMb) =>
      Tool.isolated(`square${memoryMb}`, { input: Schema.Struct({ n: Schema.Number }), module: work, export: "square", memoryMb, poolSize: IN_FLIGHT }))
    const manager = yield* ToolManager.make({ isolation: { maxWorkers: scenario.maxWorkers } })
    yield* manager.registerAll(tools)
    const call = (i) => manager.call(tools[i % tools.length].name, { n: i })
    // Warm-up: every limit has workers and its module loaded.
    yield* Effect.forEach(Array.from({ length: IN_FLIGHT * 4 }, (_, i) => i), call, { concurrency: IN_FLIGHT, discard: true })
    const pools = tools.map((tool) => [...tool.pools][0])
    const startedBefore = pools.reduce((sum, pool) => sum + pool.stats().started, 0)
    const retiredBefore = pools[0].workers?.().retired
    const cpu = process.cpuUsage()
    const wall = performance.now()
    yield* Effect.forEach(Array.from({ length: N }, (_, i) => i), call, { concurrency: IN_FLIGHT, discard: true })
    const used = process.cpuUsage(cpu)
    return {
      cpuUs: (used.user + used.system) / N,
      wallUs: ((performance.now() - wall) * 1000) / N,
      started: pools.reduce((sum, pool) => sum + pool.stats().started, 0) - startedBefore,
      retired: retiredBefore === undefined ? undefined : pools[0].workers().retired - retiredBefore
    }
  }))

console.log(`| isolated calls, ${IN_FLIGHT} in flight (${N} calls, median of ${ROUNDS} rounds) | build | CPU µs/call | wall µs/call | workers started | retired |`)
console.log("|---|---|---:|---:|---:|---:|")
for (const scenario of scenarios) {
  for (const build of builds) {
    const module = await import(build.dist)
    const rounds = []
    for (let round = 0; round < ROUNDS; round++) rounds.push(await Effect.runPromise(run(module, scenario)))
    const at = (key) => median(rounds.map((r) => r[key]))
    const retired = rounds[0].retired === undefined ? "-" : String(at("retired"))
    console.log(`| ${scenario.label} | ${build.label} | ${at("cpuUs").toFixed(0)} | ${at("wallUs").toFixed(0)} | ${at("started")} | ${retired} |`)
  }
}
