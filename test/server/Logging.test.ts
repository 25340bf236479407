import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Schema from "effect/Schema"
import * as Logging from "../../src/server/Logging.js"
import * as Tool from "../../src/server/Tool.js"
import { ToolContext } from "../../src/server/ToolContext.js"
import { ask, serverWith } from "./support.js"

const Chatty = Tool.make("chatty", { input: Schema.Struct({}) }, () =>
  Effect.gen(function*() {
    const context = yield* ToolContext
    yield* context.log("debug", "debug detail")
    yield* context.log("info", { step: 1 }, "worker")
    yield* context.log("error", "it broke")
    return "done"
  }))

const EffectLogs = Tool.make("effect_logs", { input: Schema.Struct({}) }, () =>
  Effect.gen(function*() {
    yield* Effect.logDebug("effect debug")
    yield* Effect.logInfo("effect info", 42)
    yield* Effect.logWarning("annotated").pipe(Effect.annotateLogs("user", "ada"))
    yield* Logging.serverOnly(Effect.logError("for the operator only"))
    return "done"
  }))

const messages = (received: ReadonlyArray<any>) =>
  received.filter((m) => m.method === "notifications/message").map((m) => m.params)

describe("logging to the client", () => {
  it.scopedLive("setLevel answers {} and filters messages below the session's level", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith({ tools: [Chatty] })
      const client = yield* peer()
      expect((yield* ask(client, 1, "logging/setLevel", { level: "debug" })).result).toEqual({})
      yield* ask(client, 2, "tools/call", { name: "chatty", arguments: {} })
      expect(messages(yield* client.drain(10))).toEqual([
        { level: "debug", data: "debug detail" },
        { level: "info", data: { step: 1 }, logger: "worker" },
        { level: "error", data: "it broke" }
      ])
      expect((yield* ask(client, 3, "logging/setLevel", { level: "warning" })).result).toEqual({})
      yield* ask(client, 4, "tools/call", { name: "chatty", arguments: {} })
      expect(messages(yield* client.drain(10))).toEqual([{ level: "error", data: "it broke" }])
      expect((yield* ask(client, 5, "logging/setLevel", { level: "loud" })).error.code).toBe(-32602)
    }))

  it.scopedLive("levels are per session; without setLevel the default (info) applies", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith({ tools: [Chatty] })
      const quiet = yield* peer()
      const verbose = yield* peer()
      yield* ask(verbose, 1, "logging/setLevel", { level: "debug" })
      yield* ask(quiet, 1, "tools/call", { name: "chatty", arguments: {} })
      yield* ask(verbose, 2, "tools/call", { name: "chatty", arguments: {} })
      expect(messages(yield* quiet.drain(10)).map((m) => m.level)).toEqual(["info", "error"])
      expect(messages(yield* verbose.drain(10)).map((m) => m.level)).toEqual(["debug", "info", "error"])
      const { peer: silentPeer } = yield* serverWith({ tools: [Chatty], logLevel: "off" })
      const silent = yield* silentPeer()
      yield* ask(silent, 1, "tools/call", { name: "chatty", arguments: {} })
      expect(messages(yield* silent.drain(10))).toEqual([])
    }))

  it.scopedLive("Effect.log inside a handler reaches the client, and Effect's own loggers still log", () =>
    Effect.gen(function*() {
      const local: Array<string> = []
      const recorder = Logger.make(({ logLevel, message }) => {
        local.push(`${logLevel.label}:${JSON.stringify(message)}`)
      })
      const { peer } = yield* serverWith({ tools: [EffectLogs] })
      // A connection's handlers log with the loggers in place when it was opened.
      const client = yield* peer().pipe(Effect.provide(Logger.replace(Logger.defaultLogger, recorder)))
      yield* ask(client, 1, "logging/setLevel", { level: "debug" })
      yield* ask(client, 2, "tools/call", { name: "effect_logs", arguments: {} })
      expect(messages(yield* client.drain(10))).toEqual([
        { level: "debug", data: "effect debug" },
        { level: "info", data: ["effect info", 42] },
        { level: "warning", data: { message: "annotated", user: "ada" } }
      ])
      // The recorder keeps Effect's default minimum (info): no debug line, and the server-only line is there.
      expect(local).toEqual(['INFO:["effect info",42]', 'WARN:["annotated"]', 'ERROR:["for the operator only"]'])
    }))

  it.scopedLive("Effect logs follow the session's level too", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith({ tools: [EffectLogs] })
      const client = yield* peer().pipe(Effect.provide(Logger.replace(Logger.defaultLogger, Logger.none)))
      yield* ask(client, 1, "logging/setLevel", { level: "warning" })
      yield* ask(client, 2, "tools/call", { name: "effect_logs", arguments: {} })
      expect(messages(yield* client.drain(10)).map((m) => m.level)).toEqual(["warning"])
    }))

  it("maps Effect's levels and compares thresholds", () => {
    expect(Logging.fromLogLevel(LogLevel.Trace)).toBe("debug")
    expect(Logging.fromLogLevel(LogLevel.Warning)).toBe("warning")
    expect(Logging.fromLogLevel(LogLevel.Fatal)).toBe("critical")
    expect(Logging.passes("notice", "info")).toBe(true)
    expect(Logging.passes("info", "notice")).toBe(false)
    expect(Logging.passes("emergency", "off")).toBe(false)
  })
})
