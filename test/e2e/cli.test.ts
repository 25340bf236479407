import { execFile } from "node:child_process"
import { createServer, type Server } from "node:net"
import { describe, expect, it } from "vitest"
import { requireBuiltServer } from "./support/server.js"

const run = (args: ReadonlyArray<string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    execFile(process.execPath, [requireBuiltServer(), ...args], { timeout: 15_000 }, (error, stdout, stderr) => {
      done({ code: error === null ? 0 : (typeof error.code === "number" ? error.code : null), stdout, stderr })
    })
  })

describe("mcx command line", () => {
  it("reports a failure to start on stderr, never on stdout, and exits non-zero", async () => {
    const blocker: Server = createServer()
    await new Promise<void>((listening) => blocker.listen(0, "127.0.0.1", listening))
    const port = (blocker.address() as { port: number }).port
    try {
      const result = await run(["serve", "--db", ":memory:", "--port", String(port)])
      expect(result.code).toBe(1)
      expect(result.stdout).toBe("")
      expect(result.stderr).toContain("EADDRINUSE")
    } finally {
      blocker.close()
    }
  })

  it("answers bad usage with exit code 2 and a message on stderr", async () => {
    const unknown = await run(["bogus"])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("unknown command")
    const badPort = await run(["serve", "--port", "99999"])
    expect(badPort.code).toBe(2)
    expect(badPort.stdout).toBe("")
  })
})
