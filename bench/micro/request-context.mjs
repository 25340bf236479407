#!/usr/bin/env node
// Why the engine puts each request's RequestContext into a per-request Runtime instead of
// `Effect.provideService`: the cost of forking one handler fiber both ways, per request.
//   node bench/micro/request-context.mjs [--n 200000]
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"

const nArg = process.argv.indexOf("--n")
const N = nArg > 0 ? Number(process.argv[nArg + 1]) : 200_000
const Ctx = Context.GenericTag("bench/RequestContext")
const base = Runtime.defaultRuntime
const handler = Effect.map(Ctx, (c) => ({ content: [{ type: "text", text: c.text }] }))

const measure = (fork) => {
  for (let i = 0; i < 20_000; i++) fork() // warm-up
  let done = 0
  const start = performance.now()
  for (let i = 0; i < N; i++) fork().addObserver(() => done++)
  const us = ((performance.now() - start) * 1000) / N
  if (done !== N) throw new Error(`only ${done} of ${N} handlers completed synchronously`)
  return us
}

const viaRuntime = measure(() => {
  const runtime = Runtime.make({ context: Context.add(base.context, Ctx, { text: "hi" }), fiberRefs: base.fiberRefs, runtimeFlags: base.runtimeFlags })
  return Runtime.runFork(runtime, handler, { immediate: true })
})
const viaProvide = measure(() => Runtime.runFork(base, Effect.provideService(handler, Ctx, { text: "hi" }), { immediate: true }))
const plain = measure(() => Runtime.runFork(base, Effect.map(Effect.succeed({ text: "hi" }), (c) => c.text), { immediate: true }))

console.log("| way to give a handler its context | µs per request |")
console.log("|---|---:|")
console.log(`| fork without a context (floor) | ${plain.toFixed(2)} |`)
console.log(`| per-request Runtime (what the engine does) | ${viaRuntime.toFixed(2)} |`)
console.log(`| Effect.provideService | ${viaProvide.toFixed(2)} |`)
