/**
 * How the client reaches a server: an Effect that opens one fresh transport in a Scope. The
 * client runs it again to reconnect. `stdio` spawns (and on close, stops) a child process,
 * `http` opens a Streamable HTTP client transport, `inMemory` connects to an `McpServer` in
 * the same process.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { spawn } from "node:child_process"
import { TransportError } from "../protocol/errors.js"
import { McpServer } from "../server/McpServer.js"
import * as InMemory from "../transport/InMemory.js"
import * as Stdio from "../transport/Stdio.js"
import * as StreamableHttpClient from "../transport/StreamableHttpClient.js"
import type { Transport } from "../transport/Transport.js"

/** One open transport, and what it wants to know after negotiation. */
export interface Link {
  readonly transport: Transport
  /** Told the negotiated version, before any other request. */
  readonly negotiated?: (version: string) => void
  /** A stateful session is ready (`notifications/initialized` was sent). */
  readonly initialized?: () => void
}

/** Opens a fresh link to the server; closing the Scope closes it. */
export type Connector<R = never> = Effect.Effect<Link, TransportError, Scope.Scope | R>

/** Options of a stdio server process. */
export interface StdioOptions {
  readonly command: string
  readonly args?: ReadonlyArray<string>
  /** The child's environment (the parent's when absent). */
  readonly env?: Readonly<Record<string, string>>
  readonly cwd?: string
  /** Where the child's stderr goes. Default `"inherit"`. */
  readonly stderr?: "inherit" | "ignore"
}

/** Spawns the server process; closing the Scope ends its stdin, then kills it if it lingers. */
export const stdio = (options: StdioOptions): Connector =>
  Effect.gen(function*() {
    const child = yield* Effect.acquireRelease(
      Effect.async<ReturnType<typeof spawn>, TransportError>((resume) => {
        const child = spawn(options.command, [...(options.args ?? [])], {
          cwd: options.cwd,
          env: options.env === undefined ? process.env : { ...options.env },
          stdio: ["pipe", "pipe", options.stderr ?? "inherit"]
        })
        const failed = (cause: Error) => resume(Effect.fail(new TransportError({ message: `Cannot start ${options.command}: ${cause.message}`, cause })))
        child.once("error", failed)
        child.once("spawn", () => {
          child.off("error", failed)
          // Writes to a child that died must not crash the client: the engine sees the closed stream.
          child.stdin!.on("error", () => undefined)
          resume(Effect.succeed(child))
        })
      }),
      (child) =>
        Effect.async<void>((resume) => {
          if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
          const timer = setTimeout(() => child.kill("SIGKILL"), 2_000)
          child.once("exit", () => {
            clearTimeout(timer)
            resume(Effect.void)
          })
          child.stdin!.end()
          child.kill("SIGTERM")
        })
    )
    return { transport: Stdio.make({ input: child.stdout!, output: child.stdin! }) }
  })

/** A Streamable HTTP link. */
export const http = (options: StreamableHttpClient.Options): Connector =>
  Effect.map(StreamableHttpClient.make(options), (transport) => ({ transport, negotiated: transport.negotiated, initialized: transport.openStream }))

/** A link to the `McpServer` of the environment, over an in-memory transport pair. */
export const inMemory: Connector<McpServer> = Effect.gen(function*() {
  const server = yield* McpServer
  const [client, serverSide] = InMemory.makePair()
  const connection = yield* server.connect(serverSide)
  yield* Effect.forkScoped(connection.run)
  return { transport: client }
})
