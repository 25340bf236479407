/** The `mcx` client commands, run as child processes against a running server (HTTP and stdio). */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { execFile } from "node:child_process"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Tool from "../../src/server/Tool.js"
import { requireBuiltServer } from "../e2e/support/server.js"
import { type Served, serveDemo } from "./support.js"

const mcx = (args: ReadonlyArray<string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    execFile(process.execPath, [requireBuiltServer(), ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      done({ code: error === null ? 0 : (typeof error.code === "number" ? error.code : null), stdout, stderr })
    })
  })

/** Two versions of a managed tool (the newest is listed), and a tool whose only version is deprecated. */
const ManagedV1 = Tool.make("managed", { description: "A managed tool", input: Schema.Struct({}), version: "1.0.0" }, () => Effect.succeed("managed 1"))
const ManagedV2 = Tool.make("managed", {
  description: "A managed tool",
  input: Schema.Struct({}),
  version: "2.1.0",
  annotations: { readOnlyHint: true, idempotentHint: true }
}, () => Effect.succeed("managed 2"))
const Legacy = Tool.make("legacy", {
  description: "An old tool",
  input: Schema.Struct({}),
  version: "1.0.0",
  deprecated: { message: "use managed", sunset: "2099-01-01" }
}, () => Effect.succeed("legacy"))

let served: Served
beforeAll(async () => {
  served = await serveDemo(0, [ManagedV1, ManagedV2, Legacy])
})
afterAll(() => served.close())

const stdio = () => ["--", process.execPath, requireBuiltServer(), "serve", "--stdio", "--demo", "--db", ":memory:"]

// Each command is a process or two on a shared 2-core machine: generous safety timeouts.
describe("mcx client commands", { timeout: 90_000 }, () => {
  it("lists tools with their arguments, hints and lifecycle metadata", async () => {
    const result = await mcx(["tools", served.url])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain("echo(text) [read-only, idempotent]")
    expect(result.stdout).toContain("version 2.1.0 (of 2.1.0, 1.0.0) · state ready · health healthy · breaker closed · in flight 0 · capabilities idempotent, read-only")
    expect(result.stdout).toContain("DEPRECATED: use managed (sunset 2099-01-01)")
  })

  it("prints JSON with --json", async () => {
    const result = await mcx(["tools", served.url, "--json"])
    expect(result.code).toBe(0)
    expect((JSON.parse(result.stdout) as Array<{ name: string }>).map((tool) => tool.name)).toContain("managed")
  })

  it("calls a tool, drawing a progress bar on stderr", async () => {
    const result = await mcx(["call", served.url, "sleep", "{\"ms\":20}"])
    expect(result.code).toBe(0)
    expect(result.stdout.trim()).toBe("slept 20 ms")
    expect(result.stderr).toContain("[####################] 100%")
  })

  it("reports a failing tool on stderr with exit code 1", async () => {
    const failed = await mcx(["call", served.url, "fail", "{\"message\":\"boom\"}"])
    expect(failed.code).toBe(1)
    expect(failed.stderr).toContain("fail failed: boom")
  })

  it("reports an unknown tool and an unreachable server with exit code 1, bad usage with 2", async () => {
    const [unknown, badJson, unreachable] = await Promise.all([
      mcx(["call", served.url, "nope"]),
      mcx(["call", served.url, "echo", "{not json"]),
      mcx(["tools", "http://127.0.0.1:1/mcp"])
    ])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain("ProtocolError -32602")
    expect(badJson.code).toBe(2)
    expect(unreachable.code).toBe(1)
    expect(unreachable.stderr).toContain("ConnectError")
  })

  it("lists and reads resources", async () => {
    const [resources, read] = await Promise.all([mcx(["resources", served.url]), mcx(["read", served.url, "demo://echo/salut"])])
    expect(resources.stdout).toContain("demo://about  about (text/plain)")
    expect(resources.stdout).toContain("demo://echo/{text}  echo (template)")
    expect(read.stdout.trim()).toBe("salut")
  })

  it("lists and gets prompts", async () => {
    const [prompts, prompt] = await Promise.all([
      mcx(["prompts", served.url]),
      mcx(["prompt", served.url, "greet", "{\"name\":\"Ada\",\"style\":\"formal\"}"])
    ])
    expect(prompts.stdout).toContain("greet(name, style?)")
    expect(prompt.stdout.trim()).toBe("user: Greet Ada in a formal way.")
  })

  it("talks to a server it spawns over stdio", async () => {
    const result = await mcx(["call", "echo", "{\"text\":\"via stdio\"}", ...stdio()])
    expect(result.code).toBe(0)
    expect(result.stdout.trim()).toBe("via stdio")
    const read = await mcx(["read", "demo://about", "--json", ...stdio()])
    expect(JSON.parse(read.stdout).contents[0].uri).toBe("demo://about")
  })
})
