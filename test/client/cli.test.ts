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
    execFile(process.execPath, [requireBuiltServer(), ...args], { timeout: 20_000 }, (error, stdout, stderr) => {
      done({ code: error === null ? 0 : (typeof error.code === "number" ? error.code : null), stdout, stderr })
    })
  })

/** A tool carrying the tool manager's lifecycle `_meta`. */
const Managed = Tool.make("managed", {
  description: "A managed tool",
  input: Schema.Struct({}),
  _meta: {
    "machine-context/tool": {
      version: "2.1.0",
      versions: ["1.0.0", "2.1.0"],
      state: "active",
      health: "healthy",
      capabilities: ["search"],
      breaker: "closed",
      deprecated: { message: "use managed_v3", sunset: "2027-01-01" }
    }
  }
}, () => Effect.succeed("managed"))

let served: Served
beforeAll(async () => {
  served = await serveDemo(0, [Managed])
})
afterAll(() => served.close())

const stdio = () => ["--", process.execPath, requireBuiltServer(), "serve", "--stdio", "--demo"]

describe("mcx client commands", () => {
  it("lists tools with their arguments, hints and lifecycle metadata", async () => {
    const result = await mcx(["tools", served.url])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain("echo(text) [read-only, idempotent]")
    expect(result.stdout).toContain("version 2.1.0 (of 1.0.0, 2.1.0) · state active · health healthy · breaker closed · capabilities search")
    expect(result.stdout).toContain("DEPRECATED: use managed_v3 (sunset 2027-01-01)")
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

  it("reports a failing tool, an unknown tool and bad usage with non-zero exit codes", async () => {
    const failed = await mcx(["call", served.url, "fail", "{\"message\":\"boom\"}"])
    expect(failed.code).toBe(1)
    expect(failed.stderr).toContain("fail failed: boom")
    const unknown = await mcx(["call", served.url, "nope"])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain("ProtocolError -32602")
    const badJson = await mcx(["call", served.url, "echo", "{not json"])
    expect(badJson.code).toBe(2)
    const unreachable = await mcx(["tools", "http://127.0.0.1:1/mcp"])
    expect(unreachable.code).toBe(1)
    expect(unreachable.stderr).toContain("ConnectError")
  })

  it("lists and reads resources, lists and gets prompts", async () => {
    const resources = await mcx(["resources", served.url])
    expect(resources.stdout).toContain("demo://about  about (text/plain)")
    expect(resources.stdout).toContain("demo://echo/{text}  echo (template)")
    expect((await mcx(["read", served.url, "demo://echo/salut"])).stdout.trim()).toBe("salut")
    expect((await mcx(["prompts", served.url])).stdout).toContain("greet(name, style?)")
    expect((await mcx(["prompt", served.url, "greet", "{\"name\":\"Ada\",\"style\":\"formal\"}"])).stdout.trim()).toBe("user: Greet Ada in a formal way.")
  })

  it("talks to a server it spawns over stdio", async () => {
    const result = await mcx(["call", "echo", "{\"text\":\"via stdio\"}", ...stdio()])
    expect(result.code).toBe(0)
    expect(result.stdout.trim()).toBe("via stdio")
    const read = await mcx(["read", "demo://about", "--json", ...stdio()])
    expect(JSON.parse(read.stdout).contents[0].uri).toBe("demo://about")
  })
})
