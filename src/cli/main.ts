/**
 * `mcx`: the bundled server and client command line.
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import { parseArgs } from "node:util"
import * as McpServer from "../server/McpServer.js"
import type { RequestContext } from "../protocol/RequestContext.js"
import type * as Tool from "../server/Tool.js"
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
  mcx serve [--host H] [--port P] [--demo] [--tools N]   serve MCP over Streamable HTTP
  mcx serve --stdio [--demo] [--tools N]                 serve MCP over stdin/stdout
${ClientUsage}  mcx --help | --version

options of serve:
  --host H      address to listen on (default 127.0.0.1; Host/Origin are checked on loopback)
  --port P      port to listen on (default 3000; 0 picks a free one); the endpoint is /mcp
  --stdio       newline-delimited JSON-RPC on stdin/stdout instead of HTTP (logs go to stderr)
  --demo        add the demonstration tools: echo, add, sleep, fail
  --tools N     add N dummy tools (dummy_0000…), for measuring tools/list

SIGINT or SIGTERM stops the server: calls in flight finish (up to 5 s), sessions close, exit 0.
`

class UsageError extends Error {}

const serve = (args: ReadonlyArray<string>): Effect.Effect<void, unknown> => {
  const { values } = parseArgs({
    args: [...args],
    options: {
      stdio: { type: "boolean", default: false },
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "3000" },
      demo: { type: "boolean", default: false },
      tools: { type: "string" }
    },
    strict: true
  })
  const extra = values.tools === undefined ? 0 : Number(values.tools)
  if (!Number.isInteger(extra) || extra < 0 || extra > 100_000) throw new UsageError("mcx serve: --tools takes a whole number from 0 to 100000")
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError("mcx serve: --port takes a port number from 0 to 65535")
  const tools: Array<Tool.Tool<any, any, any, RequestContext>> = [...(values.demo ? Demo.tools : []), ...Demo.dummies(extra)]
  const server = values.demo
    ? McpServer.layer({ name: "mcx", version: VERSION }, { tools, ...Demo.features })
    : McpServer.layer({ name: "mcx", version: VERSION }, { tools })
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
    (http) => http.serveHttp(server, { host: values.host, port, version: VERSION, tools: tools.length })
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
