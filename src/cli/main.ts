/**
 * `mcx`: the bundled server and client command line.
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import { parseArgs } from "node:util"
import * as McpServer from "../server/McpServer.js"
import type { RequestContext } from "../protocol/RequestContext.js"
import type * as Tool from "../server/Tool.js"
import * as Stdio from "../transport/Stdio.js"
import * as Demo from "./demo.js"

const VERSION = "0.1.0"

const USAGE = `mcx ${VERSION} — the machine-context server

usage:
  mcx serve --stdio [--demo] [--tools N]   serve MCP over stdin/stdout
  mcx --help | --version

options of serve:
  --stdio       newline-delimited JSON-RPC on stdin/stdout (logs go to stderr)
  --demo        add the demonstration tools: echo, add, sleep, fail
  --tools N     add N dummy tools (dummy_0000…), for measuring tools/list
`

class UsageError extends Error {}

const serve = (args: ReadonlyArray<string>) => {
  const { values } = parseArgs({
    args: [...args],
    options: {
      stdio: { type: "boolean", default: false },
      demo: { type: "boolean", default: false },
      tools: { type: "string" }
    },
    strict: true
  })
  if (!values.stdio) throw new UsageError("mcx serve: only --stdio is available in this version")
  const extra = values.tools === undefined ? 0 : Number(values.tools)
  if (!Number.isInteger(extra) || extra < 0 || extra > 100_000) throw new UsageError("mcx serve: --tools takes a whole number from 0 to 100000")
  const tools: Array<Tool.Tool<any, any, any, RequestContext>> = [...(values.demo ? Demo.tools : []), ...Demo.dummies(extra)]
  const server = McpServer.layer({ name: "mcx", version: VERSION }, { tools })
  return Effect.gen(function*() {
    yield* Effect.sync(() =>
      process.stderr.write(
        `mcx ${VERSION}: serving MCP on stdio (${tools.length} tools). ` +
          `Connect a client that launches \`npx mcx serve --stdio${values.demo ? " --demo" : ""}\`, ` +
          `or type JSON-RPC lines, e.g. {"jsonrpc":"2.0","id":1,"method":"ping"}\n`
      )
    )
    yield* McpServer.serve(Stdio.processTransport())
  }).pipe(Effect.provide(server))
}

const main = (argv: ReadonlyArray<string>) => {
  const [command, ...rest] = argv
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    return Effect.sync(() => process.stdout.write(USAGE))
  }
  if (command === "--version") return Effect.sync(() => process.stdout.write(`${VERSION}\n`))
  if (command === "serve") return serve(rest)
  throw new UsageError(`mcx: unknown command ${JSON.stringify(command)}; see mcx --help`)
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
  // stdout carries protocol messages only: every log line goes to stderr.
  Effect.provide(Logger.replace(Logger.defaultLogger, Logger.prettyLogger({ stderr: true, colors: false })))
)

NodeRuntime.runMain(program, { disableErrorReporting: false })
