/**
 * The fixture client of the official MCP conformance suite (client scenarios). The runner starts
 * a mock server per scenario and runs
 *
 *   MCP_CONFORMANCE_SCENARIO=<scenario> node dist/conformance-client.js <server url>
 *
 * (see `../shared/conformance/FIXTURES.md` §9–10). Scenarios come in groups, one function each;
 * every group connects through `connect`, whose `auth` option takes the OAuth client for the
 * `auth/*` scenarios. Exit code 0 when the scenario ran.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import type { AuthProvider } from "../src/client/AuthProvider.js"
import * as Elicitor from "../src/client/Elicitor.js"
import type { ConnectError } from "../src/client/errors.js"
import * as McpClient from "../src/client/McpClient.js"
import * as ConformanceAuth from "./conformance-auth.js"

/** One scenario: what the client does against the mock at `url`. */
type Scenario = (url: string) => Effect.Effect<void, unknown>

/** What a scenario's connection needs beyond the URL. */
interface ConnectOptions {
  /** Authorizes the HTTP requests (the `auth/*` scenarios). */
  readonly auth?: AuthProvider
  /** Answers the server's elicitations. */
  readonly elicitor?: Layer.Layer<Elicitor.Elicitor>
}

/**
 * Runs `body` with a client connected to `url` over Streamable HTTP, in the 2025-11-25 era the
 * client scenarios are written for.
 */
export const connect = <A, E>(
  url: string,
  body: (client: McpClient.Service) => Effect.Effect<A, E>,
  options: ConnectOptions = {}
): Effect.Effect<A, E | McpClient.ClientError | ConnectError> => {
  const client = McpClient.layerHttp(
    options.auth === undefined ? { url } : { url, auth: options.auth },
    { protocolVersion: "2025-11-25", clientInfo: { name: "machine-context-conformance-client", version: "0.2.0" } }
  )
  const layer = options.elicitor === undefined ? client : client.pipe(Layer.provide(options.elicitor))
  return Effect.flatMap(McpClient.McpClient, body).pipe(Effect.provide(layer))
}

/** Lists the tools, then calls each named one with its arguments, printing the results. */
export const listAndCall = (calls: ReadonlyArray<readonly [string, Record<string, unknown>]>) => (client: McpClient.Service) =>
  Effect.gen(function*() {
    const tools = yield* client.listTools
    yield* Effect.logInfo(`tools: ${tools.map((tool) => tool.name).join(", ")}`)
    for (const [name, args] of calls) {
      const result = yield* client.callTool(name, args)
      yield* Effect.logInfo(`${name}: ${JSON.stringify(result)}`)
    }
  })

/** The core scenarios (§10): lifecycle, tool calls, elicitation defaults, SSE resumption. */
const core: Record<string, Scenario> = {
  // The mock declares no capabilities: connecting (initialize, initialized) is the whole scenario.
  initialize: (url) => connect(url, (client) => Effect.flatMap(client.serverInfo, (info) => Effect.logInfo(`connected to ${JSON.stringify(info)}`))),
  tools_call: (url) => connect(url, listAndCall([["add_numbers", { a: 5, b: 10 }]])),
  "elicitation-sep1034-client-defaults": (url) =>
    connect(url, listAndCall([["test_client_elicitation_defaults", {}]]), { elicitor: Elicitor.layerAcceptDefaults() }),
  "sse-retry": (url) => connect(url, listAndCall([["test_reconnection", {}]]))
}

/**
 * The auth scenarios (§11): connect, list the tools and call `test-tool`, authorized by the
 * OAuth client configured for the scenario (`conformance-auth.ts`).
 */
const auth: Record<string, Scenario> = Object.fromEntries(ConformanceAuth.scenarios.map((name) => [
  name,
  (url: string) =>
    ConformanceAuth.provider(name, process.env.MCP_CONFORMANCE_CONTEXT).pipe(
      Effect.flatMap((provider) => connect(url, listAndCall([["test-tool", {}]]), { auth: provider }))
    )
]))

/** Every scenario this fixture runs, by name. */
const scenarios: Record<string, Scenario> = { ...core, ...auth }

const main = Effect.suspend(() => {
  const name = process.env.MCP_CONFORMANCE_SCENARIO ?? ""
  const url = process.argv[process.argv.length - 1] ?? ""
  const scenario = scenarios[name]
  if (scenario === undefined || !/^https?:\/\//.test(url)) {
    return Effect.dieMessage(`usage: MCP_CONFORMANCE_SCENARIO=<${Object.keys(scenarios).join("|")}> conformance-client <server url>`)
  }
  return scenario(url)
}).pipe(
  Effect.provide(Logger.replace(Logger.defaultLogger, Logger.prettyLogger({ stderr: true, colors: false })))
)

NodeRuntime.runMain(main)
