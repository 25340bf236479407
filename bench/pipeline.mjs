#!/usr/bin/env node
// The tool pipeline's cost: a no-op tool called through `ToolManager` with every stage on
// (middleware, global and per tool; retry Schedule; circuit breaker; concurrency limits;
// metrics; result mapping), next to the bare handler (`Tool.run`), each call forked on its own
// fiber as the engine does. Without a timeout (the default) the handler runs inline in that
// fiber; with one (`timeoutMs`) it runs in a fiber of its own. Then throughput with 64 calls
// in flight, alternating rounds: of the no-op tool (it yields once, so calls really overlap:
// what is measured is the pipeline's own CPU per call), and of a tool that waits 1 ms as an I/O
// call would (what is measured is whether the pipeline holds calls back: queues, locks). Last,
// two tools that do some work per call: 50 µs of CPU, and a 10 ms wait (an I/O call).
//   node bench/pipeline.mjs [--n 200000] [--rounds 5]      (needs `npm run build`)
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import { Idempotency, Tool, ToolManager } from "../dist/index.js"
import { numberArg } from "./lib/args.mjs"
import { median } from "./lib/stats.mjs"

const N = numberArg("n", 200_000)
const ROUNDS = numberArg("rounds", 5)
const BATCH = 1000
const IN_FLIGHT = 64
const WAITING = 20_000

const input = Schema.Struct({ text: Schema.String })
const passThrough = (_call, next) => next
const options = (timeoutMs) => ({
  input,
  idempotent: true,
  retry: Schedule.recurs(2),
  ...(timeoutMs === undefined ? {} : { timeoutMs }),
  breaker: { failures: 5, cooldownMs: 1000 },
  maxConcurrency: 1024,
  middleware: [passThrough]
})
const noop = Tool.make("noop", options(), ({ text }) => Effect.succeed(text))
const yielding = Tool.make("yielding", options(), ({ text }) => Effect.as(Effect.yieldNow(), text))
const timed = Tool.make("timed", options(30_000), ({ text }) => Effect.succeed(text))
const timedYielding = Tool.make("timedYielding", options(30_000), ({ text }) => Effect.as(Effect.yieldNow(), text))
const waiting = Tool.make("waiting", options(), ({ text }) => Effect.as(Effect.sleep(1), text))
/** Spins for `us` µs of CPU (work the pipeline cannot overlap). */
const spin = (us) => {
  const until = performance.now() + us / 1000
  while (performance.now() < until);
}
const computing = Tool.make("computing", options(), ({ text }) => Effect.as(Effect.andThen(Effect.yieldNow(), () => spin(50)), text))
const io = Tool.make("io", options(), ({ text }) => Effect.as(Effect.sleep(10), text))

const runtime = Runtime.defaultRuntime
const manager = await Effect.runPromise(ToolManager.make({ middleware: [passThrough], maxConcurrency: 4096 }))
const tools = [noop, yielding, timed, timedYielding, waiting, computing, io]
await Effect.runPromise(manager.registerAll(tools))
const registrations = Object.fromEntries(tools.map((tool) => [tool.name, manager.find(tool.name)]))
const args = { text: "hi" }
const meta = {}
const bare = (tool) => () => Runtime.runFork(runtime, Tool.run(tool, args), { immediate: true })
const piped = (tool) => () => Runtime.runFork(runtime, manager.execute(registrations[tool.name], args, meta), { immediate: true })
const keyed = (tool) => {
  let key = 0
  return () => Runtime.runFork(runtime, manager.execute(registrations[tool.name], args, { [Idempotency.IdempotencyKey]: `k${key++}` }), { immediate: true })
}

/** µs per call of each batch of sequential calls (each must complete synchronously). */
const perCall = (call) => {
  for (let i = 0; i < 20_000; i++) call()
  const samples = []
  for (let b = 0; b < N / BATCH; b++) {
    const start = performance.now()
    for (let i = 0; i < BATCH; i++) {
      if (call().unsafePoll() === null) throw new Error("a no-op call did not complete synchronously")
    }
    samples.push(((performance.now() - start) * 1000) / BATCH)
  }
  samples.sort((a, b) => a - b)
  return { p50: samples[Math.floor(samples.length / 2)], p90: samples[Math.floor(samples.length * 0.9)] }
}

/** Calls per second with `IN_FLIGHT` calls overlapping. */
const throughput = (call, total) =>
  new Promise((resolve) => {
    let started = 0
    let done = 0
    const start = performance.now()
    const next = () => {
      if (started === total) return
      started++
      call().addObserver(() => {
        if (++done === total) resolve(total / ((performance.now() - start) / 1000))
        else next()
      })
    }
    for (let i = 0; i < IN_FLIGHT; i++) next()
  })

const bareCost = perCall(bare(noop))
const pipedCost = perCall(piped(noop))
const keyedCost = perCall(keyed(noop))
const timedCost = perCall(piped(timed))

const rates = { bare: [], piped: [], timed: [] }
await throughput(bare(yielding), 20_000)
await throughput(piped(yielding), 20_000)
await throughput(piped(timedYielding), 20_000)
for (let round = 0; round < ROUNDS; round++) {
  rates.bare.push(await throughput(bare(yielding), N / 2))
  rates.piped.push(await throughput(piped(yielding), N / 2))
  rates.timed.push(await throughput(piped(timedYielding), N / 2))
}
const waits = { bare: [], piped: [] }
for (let round = 0; round < ROUNDS; round++) {
  waits.bare.push(await throughput(bare(waiting), WAITING))
  waits.piped.push(await throughput(piped(waiting), WAITING))
}
const working = { computing: { bare: [], piped: [], calls: 20_000 }, io: { bare: [], piped: [], calls: 6_400 } }
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, rates] of Object.entries(working)) {
    const tool = name === "io" ? io : computing
    rates.bare.push(await throughput(bare(tool), rates.calls))
    rates.piped.push(await throughput(piped(tool), rates.calls))
  }
}
const bareWaitRate = median(waits.bare)
const pipedWaitRate = median(waits.piped)
const bareRate = median(rates.bare)
const pipedRate = median(rates.piped)
const timedRate = median(rates.timed)

const us = (value) => value.toFixed(2)
console.log(`| no-op tool, one call at a time (${N} calls, batches of ${BATCH}) | p50 µs/call | p90 µs/call |`)
console.log("|---|---:|---:|")
console.log(`| bare handler (\`Tool.run\`) | ${us(bareCost.p50)} | ${us(bareCost.p90)} |`)
console.log(`| pipeline, all stages on | ${us(pipedCost.p50)} | ${us(pipedCost.p90)} |`)
console.log(`| pipeline + idempotency key | ${us(keyedCost.p50)} | ${us(keyedCost.p90)} |`)
console.log(`| pipeline + timeout (own fiber) | ${us(timedCost.p50)} | ${us(timedCost.p90)} |`)
console.log(`| **pipeline overhead** | **${us(pipedCost.p50 - bareCost.p50)}** | |`)
console.log("")
console.log(`| ${IN_FLIGHT} calls in flight (median of ${ROUNDS} rounds) | calls/s |`)
console.log("|---|---:|")
console.log(`| bare handler | ${Math.round(bareRate)} |`)
console.log(`| pipeline, all stages on (no timeout: inline) | ${Math.round(pipedRate)} |`)
console.log(`| pipeline + timeout (own fiber) | ${Math.round(timedRate)} |`)
console.log(`| throughput lost, inline | ${(100 * (1 - pipedRate / bareRate)).toFixed(1)} % |`)
console.log(`| throughput lost, with a timeout | ${(100 * (1 - timedRate / bareRate)).toFixed(1)} % |`)
console.log("")
console.log(`| ${IN_FLIGHT} calls in flight, a tool that waits 1 ms (${WAITING} calls, median of ${ROUNDS} rounds) | calls/s |`)
console.log("|---|---:|")
console.log(`| bare handler | ${Math.round(bareWaitRate)} |`)
console.log(`| pipeline, all stages on | ${Math.round(pipedWaitRate)} |`)
console.log(`| throughput lost | ${(100 * (1 - pipedWaitRate / bareWaitRate)).toFixed(1)} % |`)
console.log("")
console.log(`| ${IN_FLIGHT} calls in flight, tools that work (median of ${ROUNDS} rounds) | bare handler, calls/s | pipeline, calls/s | throughput lost |`)
console.log("|---|---:|---:|---:|")
for (const [name, label] of [["computing", "50 µs of CPU per call"], ["io", "a 10 ms wait per call (I/O)"]]) {
  const rates = working[name]
  const bareRate = median(rates.bare)
  const pipedRate = median(rates.piped)
  console.log(`| ${label} (${rates.calls} calls) | ${Math.round(bareRate)} | ${Math.round(pipedRate)} | ${(100 * (1 - pipedRate / bareRate)).toFixed(1)} % |`)
}
