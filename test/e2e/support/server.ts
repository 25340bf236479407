/**
 * Support for the end-to-end tests: where the built server is, and a raw stdio driver that
 * writes bytes to a spawned `mcx serve --stdio --demo` and reads its newline-delimited output.
 */
import { type ChildProcess, type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"

/** The project root (this file is test/e2e/support/server.ts). */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..")

/** The bundled command line, built by `npm test` (`node scripts/build.mjs`) before vitest runs. */
export const mcxPath = resolve(projectRoot, "dist/mcx.js")

/** Fails with a clear message when the bundle has not been built. */
export const requireBuiltServer = (): string => {
  if (!existsSync(mcxPath)) {
    throw new Error(
      `The end-to-end tests need the built server at ${mcxPath}, which is missing. ` +
        "Build it first with `node scripts/build.mjs` (npm test does it for you)."
    )
  }
  return mcxPath
}

export const serverArgs = (): Array<string> => [requireBuiltServer(), "serve", "--stdio", "--demo", "--db", ":memory:"]

/** `mcx serve` over Streamable HTTP as a child process, once it has printed its URL. */
export interface HttpServer {
  readonly child: ChildProcess
  readonly url: URL
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
  /** What it wrote to stderr so far (the first 64 KiB). */
  readonly stderr: () => string
}

/**
 * Spawns `mcx serve --db :memory: --host 127.0.0.1 --port 0` with `args` (`--demo`, …) and waits
 * (up to 15 s) for the URL it prints.
 */
export const spawnHttpServer = (args: ReadonlyArray<string> = ["--demo"]): Promise<HttpServer> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [requireBuiltServer(), "serve", "--db", ":memory:", "--host", "127.0.0.1", "--port", "0", ...args], {
      cwd: projectRoot,
      stdio: ["ignore", "ignore", "pipe"]
    })
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once("exit", (code, signal) => done({ code, signal })))
    let stderr = ""
    let started = false
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`the server did not print its URL; stderr:\n${stderr}`))
    }, 15_000)
    child.stderr!.setEncoding("utf8")
    child.stderr!.on("data", (chunk: string) => {
      if (stderr.length < 64 * 1024) stderr += chunk
      const match = /http:\/\/127\.0\.0\.1:\d+\/mcp/.exec(stderr)
      if (match !== null && !started) {
        started = true
        clearTimeout(timer)
        resolve({ child, url: new URL(match[0]), exited, stderr: () => stderr })
      }
    })
    child.once("exit", (code) => {
      clearTimeout(timer)
      if (!started) reject(new Error(`the server exited with ${code}; stderr:\n${stderr}`))
    })
  })

/** Kills, by its PID, a server process a test started, unless it has exited already. */
export const killIfRunning = (pid: number | null | undefined): void => {
  if (pid === null || pid === undefined) return
  try {
    process.kill(pid, 0)
    process.kill(pid, "SIGKILL")
  } catch {
    // Already exited.
  }
}

export type Id = string | number

/** A JSON-RPC message as read back from the server (loosely typed: the tests check the shapes). */
export type Message = Record<string, any>

export const delay = (ms: number) => new Promise<void>((done) => setTimeout(done, ms))

interface Waiter {
  readonly from: number
  readonly predicate: (message: unknown) => boolean
  readonly resolve: (message: unknown) => void
}

/** Whether `message` is a response (result or error) with exactly this id (type included). */
export const hasId = (id: Id | null) => (message: unknown): boolean =>
  typeof message === "object" && message !== null && !Array.isArray(message) &&
  (message as Message).method === undefined && Object.is((message as Message).id, id)

/**
 * One spawned server driven through raw bytes. Everything written to stdout is kept: `lines`
 * (as text) and `messages` (parsed; a line that is not JSON is kept in `nonJson`).
 */
export class RawServer {
  readonly child: ChildProcessWithoutNullStreams
  readonly lines: Array<string> = []
  readonly messages: Array<unknown> = []
  readonly nonJson: Array<string> = []
  stderr = ""
  private buffered = ""
  private waiters: Array<Waiter> = []
  private exited = false
  private pings = 0

  private constructor() {
    this.child = spawn(process.execPath, serverArgs(), { cwd: projectRoot, stdio: ["pipe", "pipe", "pipe"] })
    this.child.stdout.setEncoding("utf8")
    this.child.stdout.on("data", (chunk: string) => this.onStdout(chunk))
    this.child.stderr.setEncoding("utf8")
    this.child.stderr.on("data", (chunk: string) => {
      // Bounded: only the start of the logs is useful in a failure message.
      if (this.stderr.length < 64 * 1024) this.stderr += chunk
    })
    // A server that exits early must not crash the test runner through an EPIPE on stdin.
    this.child.stdin.on("error", () => undefined)
    this.child.once("exit", () => {
      this.exited = true
    })
  }

  /** Spawns a server and waits for it to answer a `ping` (so it is ready). */
  static async start(): Promise<RawServer> {
    const server = new RawServer()
    try {
      await server.request("ready-ping", "ping", undefined, 15_000)
    } catch (error) {
      server.kill()
      throw new Error(`The server did not start: ${(error as Error).message}\nstderr:\n${server.stderr}`)
    }
    return server
  }

  private onStdout(chunk: string): void {
    this.buffered += chunk
    let newline = this.buffered.indexOf("\n")
    while (newline !== -1) {
      const line = this.buffered.slice(0, newline)
      this.buffered = this.buffered.slice(newline + 1)
      this.lines.push(line)
      let message: unknown
      try {
        message = JSON.parse(line)
      } catch {
        this.nonJson.push(line)
        newline = this.buffered.indexOf("\n")
        continue
      }
      this.messages.push(message)
      const index = this.messages.length - 1
      this.waiters = this.waiters.filter((waiter) => {
        if (index >= waiter.from && waiter.predicate(message)) {
          waiter.resolve(message)
          return false
        }
        return true
      })
      newline = this.buffered.indexOf("\n")
    }
  }

  /** Writes raw bytes (or text) to the server's stdin, resolving once they are handed to the pipe. */
  write(data: string | Buffer): Promise<void> {
    return new Promise((done, fail) => {
      this.child.stdin.write(data, (error) => (error ? fail(error) : done()))
    })
  }

  /** Writes one message as a JSON line. */
  send(message: unknown): Promise<void> {
    return this.write(JSON.stringify(message) + "\n")
  }

  /**
   * The first message (at index `from` or later) matching `predicate`; rejects after `timeoutMs`
   * with the last lines seen, to make a failure readable.
   */
  waitFor(predicate: (message: unknown) => boolean, options: { from?: number; timeoutMs?: number; what?: string } = {}): Promise<Message> {
    const from = options.from ?? 0
    const timeoutMs = options.timeoutMs ?? 10_000
    for (let i = from; i < this.messages.length; i++) {
      if (predicate(this.messages[i])) return Promise.resolve(this.messages[i] as Message)
    }
    return new Promise((done, fail) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== entry)
        fail(new Error(
          `Timed out after ${timeoutMs} ms waiting for ${options.what ?? "a message"}` +
            `${this.exited ? " (the server has exited)" : ""}; last lines:\n${this.lines.slice(-5).map((l) => l.slice(0, 300)).join("\n")}`
        ))
      }, timeoutMs)
      const entry: Waiter = {
        from,
        predicate,
        resolve: (message) => {
          clearTimeout(timer)
          done(message as Message)
        }
      }
      this.waiters.push(entry)
    })
  }

  /** The response with this id (string and number ids are distinct). */
  response(id: Id | null, options: { from?: number; timeoutMs?: number } = {}): Promise<Message> {
    return this.waitFor(hasId(id), { ...options, what: `the response with id ${JSON.stringify(id)}` })
  }

  /** Sends a request and waits for its response. */
  async request(id: Id, method: string, params?: Record<string, unknown>, timeoutMs = 10_000): Promise<Message> {
    const from = this.messages.length
    await this.send(params === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params })
    return this.response(id, { from, timeoutMs })
  }

  /** `initialize` with this version, then `notifications/initialized`; returns the initialize result. */
  async initialize(protocolVersion: string, id: Id = "init"): Promise<Message> {
    const response = await this.request(id, "initialize", {
      protocolVersion,
      capabilities: {},
      clientInfo: { name: "e2e-raw", version: "0.0.0" }
    })
    await this.send({ jsonrpc: "2.0", method: "notifications/initialized" })
    return response
  }

  /** Sends a ping with a fresh id and returns its response. */
  async ping(timeoutMs = 10_000): Promise<Message> {
    const id = `ping-${++this.pings}`
    return this.request(id, "ping", undefined, timeoutMs)
  }

  /** Everything with this id (responses only) seen so far. */
  responsesWithId(id: Id | null): Array<Message> {
    return this.messages.filter(hasId(id)) as Array<Message>
  }

  get pid(): number | undefined {
    return this.child.pid
  }

  /** Kills this server by its own PID (never by name). */
  kill(): void {
    const pid = this.child.pid
    if (pid !== undefined && !this.exited && this.child.exitCode === null && this.child.signalCode === null) {
      try {
        process.kill(pid, "SIGKILL")
      } catch {
        // Already gone.
      }
    }
    this.child.stdin.destroy()
    this.child.stdout.destroy()
    this.child.stderr.destroy()
  }
}
