/**
 * `mcx`: the bundled server and client command line.
 *
 * @since 0.1.0
 */
// First: V8 settings that must be in place before anything is built (see gcTuning.ts).
import "./gcTuning.js"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import { parseArgs } from "node:util"
import * as ContextManager from "../context/ContextManager.js"
import * as McpContexts from "../context/McpContexts.js"
import * as MemoryStore from "../context/MemoryStore.js"
import type { RequestContext } from "../protocol/RequestContext.js"
import * as McpServer from "../server/McpServer.js"
import type * as Tool from "../server/Tool.js"
import type { ToolContext } from "../server/ToolContext.js"
import * as Stdio from "../transport/Stdio.js"
import * as Demo from "./demo.js"

const VERSION = "0.1.0"

/** The client commands (kept here so that `--help` does not load the client). */
const ClientCommands: ReadonlySet<string> = new Set(["tools", "call", "resources", "read", "prompts", "prompt"])

const ClientUsage = `  mcx tools <target> [--json]                            list the server's tools
  mcx call <target> <tool> ['<json>'] [--json]           call a tool with JSON arguments
  mcx resources <target> [--json]                        list resources and templates
  mcx read <target> <uri> [--json]                       read a resource
  mcx prompts <target> [--json]                          list prompts
  mcx prompt <target> <name> ['<json>'] [--json]         get a prompt with JSON arguments
      <target>: an http(s) URL as first argument, or -- <command> <args…> at the end (stdio);
      --timeout MS bounds each request (default 60000). Exit code 1 on failure.
`

const USAGE = `mcx ${VERSION} — the machine-context server and client

usage:
  mcx serve [--host H] [--port P] [--db PATH] [--demo] [--tools N] [--session-idle-ms MS]
                                                        serve MCP over Streamable HTTP
  mcx serve --stdio [--db PATH] [--demo] [--tools N]     serve MCP over stdin/stdout
${ClientUsage}  mcx --help | --version

options of serve:
  --host H      address to listen on (default 127.0.0.1; Host/Origin are checked on loopback)
  --port P      port to listen on (default 3000; 0 picks a free one); the endpoint is /mcp
  --stdio       newline-delimited JSON-RPC on stdin/stdout instead of HTTP (logs go to stderr)
  --db PATH     the SQLite file contexts (context_* tools, context://{id}) are kept in
                (default ./.machine-context/state.db, its folder created); :memory: keeps them in memory;
                with MCX_DB_KEY set (32 bytes, hex or base64) values are encrypted (AES-256-GCM)
  --demo        add the demonstration tools (echo, add, sleep, fail, ask, summarize, report, increment),
                resources (demo://about, demo://counter), template and prompt
  --tools N     add N dummy tools (dummy_0000…), for measuring tools/list
  --session-idle-ms MS
                close an HTTP session idle for MS milliseconds (default 30 minutes)

SIGINT or SIGTERM stops the server: calls in flight finish (up to 5 s), sessions close, exit 0.
`

/** Where `mcx serve` keeps contexts unless told otherwise (`--db`). */
const DEFAULT_DB = "./.machine-context/state.db"

class UsageError extends Error {}

const serve = (args: ReadonlyArray<string>): Effect.Effect<void, unknown> => {
  const { values } = parseArgs({
    args: [...args],
    options: {
      stdio: { type: "boolean", default: false },
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "3000" },
      demo: { type: "boolean", default: false },
      tools: { type: "string" },
      "session-idle-ms": { type: "string" },
      db: { type: "string", default: DEFAULT_DB }
    },
    strict: true
  })
  const extra = values.tools === undefined ? 0 : Number(values.tools)
  if (!Number.isInteger(extra) || extra < 0 || extra > 100_000) throw new UsageError("mcx serve: --tools takes a whole number from 0 to 100000")
  const idle = values["session-idle-ms"] === undefined ? undefined : Number(values["session-idle-ms"])
  if (idle !== undefined && (!Number.isInteger(idle) || idle < 1)) throw new UsageError("mcx serve: --session-idle-ms takes a whole number of milliseconds")
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError("mcx serve: --port takes a port number from 0 to 65535")
  if (values.db === "") throw new UsageError("mcx serve: --db takes a file path, or :memory:")
  const demoOptions = values.demo ? Demo.options() : undefined
  const tools: Array<Tool.Tool<any, any, any, RequestContext | ToolContext | ContextManager.ContextManager>> = [
    ...(demoOptions?.tools ?? []),
    ...McpContexts.tools,
    ...Demo.dummies(extra)
  ]
  const features = demoOptions !== undefined
    ? { resources: demoOptions.resources, prompts: demoOptions.prompts, resourceTemplates: [...demoOptions.resourceTemplates, McpContexts.template] }
    : { resourceTemplates: [McpContexts.template] }
  const mcp = McpServer.layer({ name: "mcx", version: VERSION }, { tools, ...features })
  // SQLite is loaded only when contexts are kept in a file.
  const db = values.db
  const store = db === ":memory:"
    ? MemoryStore.layer()
    : Layer.unwrapEffect(Effect.map(Effect.promise(() => import("./store.js")), (sqlite) => sqlite.layer(db)))
  // One server and one manager: the notification fiber sends the manager's changes through the same server.
  const server = McpContexts.notifications.pipe(
    Layer.provideMerge(mcp),
    Layer.provide(ContextManager.layer().pipe(Layer.provide(store)))
  )
  const demo = values.demo ? " --demo" : ""
  if (values.stdio) {
    return Effect.gen(function*() {
      yield* Effect.sync(() =>
        process.stderr.write(
          `mcx ${VERSION}: serving MCP on stdio (${tools.length} tools). ` +
            `Connect a client that launches \`npx mcx serve --stdio${demo}\`, ` +
            `or type JSON-RPC lines, e.g. {"jsonrpc":"2.0","id":1,"method":"ping"}\n`
        )
      )
      yield* McpServer.serve(Stdio.processTransport())
    }).pipe(Effect.provide(server))
  }
  // The HTTP stack is loaded only when serving HTTP: stdio starts faster and smaller without it.
  return Effect.flatMap(
    Effect.promise(() => import("./http.js")),
    (http) => http.serveHttp(server, { host: values.host, port, version: VERSION, tools: tools.length, sessionIdleTimeoutMs: idle })
  )
}

const main = (argv: ReadonlyArray<string>): Effect.Effect<unknown, unknown> => {
  const [command, ...rest] = argv
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    return Effect.sync(() => process.stdout.write(USAGE))
  }
  if (command === "--version") return Effect.sync(() => process.stdout.write(`${VERSION}\n`))
  if (command === "serve") return serve(rest)
  // The client is loaded only for client commands.
  if (ClientCommands.has(command)) return Effect.flatMap(Effect.promise(() => import("./client.js")), (client) => client.run(command, rest))
  throw new UsageError(`mcx: unknown command ${JSON.stringify(command)}; see mcx --help`)
}

/** A failure as one readable text: the error and, for wrapped errors (ServeError), what they wrap. */
const describe = (cause: Cause.Cause<unknown>): string => {
  const failure = Cause.squash(cause)
  const inner = typeof failure === "object" && failure !== null && "cause" in failure ? failure.cause : undefined
  return inner instanceof Error ? `${String(failure)}: ${inner.message}` : Cause.pretty(cause)
}

const program = Effect.suspend(() => main(process.argv.slice(2))).pipe(
  Effect.catchAllDefect((defect) =>
    defect instanceof UsageError || (defect instanceof TypeError && "code" in defect && String(defect.code).startsWith("ERR_PARSE_ARGS"))
      ? Effect.sync(() => {
        process.stderr.write(`${(defect as Error).message}\n`)
        process.exitCode = 2
      })
      : Effect.die(defect)
  ),
  // A failure is reported on stderr (stdout carries protocol messages only); runMain sets the exit code.
  Effect.tapErrorCause((cause) =>
    Cause.isInterruptedOnly(cause) ? Effect.void : Effect.sync(() => process.stderr.write(`mcx: ${describe(cause)}\n`))
  ),
  // stdout carries protocol messages only: every log line goes to stderr.
  Effect.provide(Logger.replace(Logger.defaultLogger, Logger.prettyLogger({ stderr: true, colors: false })))
)

NodeRuntime.runMain(program, { disableErrorReporting: true })
