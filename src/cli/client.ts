/**
 * The client commands of `mcx`: `tools`, `call`, `resources`, `read`, `prompts`, `prompt`.
 * The target is an http(s) URL (the first argument) or, for a server over stdio, the command
 * after `--`. Human output by default (a progress bar on stderr for calls that report
 * progress), `--json` for scripts; failures go to stderr with exit code 1.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import { parseArgs } from "node:util"
import * as McpClient from "../client/McpClient.js"
import type { CallToolResult } from "../schema/tools.js"
import * as Render from "./clientRender.js"

/** Bad usage of a client command (exit code 2). */
class ClientUsageError extends Error {}

interface Parsed {
  readonly connection: ReturnType<typeof McpClient.layerHttp>
  readonly positionals: ReadonlyArray<string>
  readonly json: boolean
  readonly timeoutMs: number
}

const parse = (command: string, args: ReadonlyArray<string>): Parsed => {
  const split = args.indexOf("--")
  const own = split === -1 ? args : args.slice(0, split)
  const stdio = split === -1 ? undefined : args.slice(split + 1)
  const { values, positionals } = parseArgs({
    args: [...own],
    options: { json: { type: "boolean", default: false }, timeout: { type: "string", default: "60000" } },
    allowPositionals: true,
    strict: true
  })
  const timeoutMs = Number(values.timeout)
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new ClientUsageError(`mcx ${command}: --timeout takes a positive number of milliseconds`)
  const options: McpClient.Options = { requestTimeoutMs: timeoutMs, clientInfo: { name: "mcx", version: "0.2.0" } }
  if (stdio !== undefined) {
    const [program, ...programArgs] = stdio
    if (program === undefined) throw new ClientUsageError(`mcx ${command}: give the server command after --`)
    return { connection: McpClient.layerStdio({ command: program, args: programArgs }, options), positionals, json: values.json, timeoutMs }
  }
  const [url, ...rest] = positionals
  if (url === undefined || !/^https?:\/\//.test(url)) {
    throw new ClientUsageError(`mcx ${command}: the target is an http(s) URL or -- <command> <args>; see mcx --help`)
  }
  return { connection: McpClient.layerHttp({ url }, options), positionals: rest, json: values.json, timeoutMs }
}

const jsonArgument = (command: string, text: string | undefined): Record<string, unknown> => {
  if (text === undefined) return {}
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>
  } catch {
    // Reported below.
  }
  throw new ClientUsageError(`mcx ${command}: the arguments must be a JSON object, e.g. '{"text":"hi"}'`)
}

const out = (text: string) => Effect.sync(() => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`))
const json = (value: unknown) => out(JSON.stringify(value, null, 2))

const required = (command: string, value: string | undefined, what: string): string => {
  if (value === undefined) throw new ClientUsageError(`mcx ${command}: missing ${what}`)
  return value
}

/** What each command does with a connected client. */
const actions: Record<string, (client: McpClient.Service, parsed: Parsed, command: string) => Effect.Effect<void, McpClient.ClientError>> = {
  tools: (client, { json: asJson }) =>
    Effect.flatMap(client.listTools, (tools) => asJson ? json(tools) : out(Render.tools(tools))),
  call: (client, { json: asJson, positionals }, command) => {
    const name = required(command, positionals[0], "the tool name")
    const args = jsonArgument(command, positionals[1])
    const bar = Render.progressBar(process.stderr)
    return client.callTool(name, args, { onProgress: bar.update }).pipe(
      Effect.ensuring(Effect.sync(bar.done)),
      Effect.flatMap((result: CallToolResult) =>
        Effect.zipRight(
          asJson ? json(result) : result.isError === true ? Effect.sync(() => process.stderr.write(`mcx call: ${name} failed: ${Render.content(result.content)}\n`)) : out(Render.callResult(result)),
          result.isError === true ? Effect.sync(() => { process.exitCode = 1 }) : Effect.void
        )
      )
    )
  },
  resources: (client, { json: asJson }) =>
    Effect.flatMap(Effect.all([client.listResources, client.listResourceTemplates]), ([resources, templates]) =>
      asJson ? json({ resources, resourceTemplates: templates }) : out(Render.resources(resources, templates))),
  read: (client, { json: asJson, positionals }, command) =>
    Effect.flatMap(client.readResource(required(command, positionals[0], "the resource URI")), (result) =>
      asJson ? json(result) : out(Render.contents(result.contents))),
  prompts: (client, { json: asJson }) =>
    Effect.flatMap(client.listPrompts, (prompts) => asJson ? json(prompts) : out(Render.prompts(prompts))),
  prompt: (client, { json: asJson, positionals }, command) => {
    const name = required(command, positionals[0], "the prompt name")
    const args = Object.fromEntries(Object.entries(jsonArgument(command, positionals[1])).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]))
    return Effect.flatMap(client.getPrompt(name, args), (result) => asJson ? json(result) : out(Render.prompt(result)))
  }
}

/** Runs one client command; failures are printed on stderr and set exit code 1 (2 for bad usage). */
export const run = (command: string, args: ReadonlyArray<string>): Effect.Effect<void> =>
  Effect.suspend(() => {
    const parsed = parse(command, args)
    const action = actions[command]!
    return Effect.flatMap(McpClient.McpClient, (client) => action(client, parsed, command)).pipe(Effect.provide(parsed.connection))
  }).pipe(
    Effect.catchAllDefect((defect) => {
      const usage = defect instanceof ClientUsageError || (defect instanceof TypeError && "code" in defect && String(defect.code).startsWith("ERR_PARSE_ARGS"))
      if (!usage) return Effect.die(defect)
      return Effect.sync(() => {
        process.stderr.write(`${(defect as Error).message}\n`)
        process.exitCode = 2
      })
    }),
    Effect.catchAll((error) =>
      Effect.sync(() => {
        process.stderr.write(`mcx ${command}: ${Render.failure(error)}\n`)
        process.exitCode = 1
      })
    )
  )
