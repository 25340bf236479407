/**
 * Tools: a name, Effect Schemas for input (and optionally output and failure), and an Effect
 * handler. The schemas become the tool's JSON Schemas on the wire and validate every call.
 *
 * @example
 * ```ts
 * const Echo = Tool.make("echo", {
 *   description: "Echo text back",
 *   input: Schema.Struct({ text: Schema.String }),
 *   output: Schema.Struct({ text: Schema.String }),
 *   annotations: { readOnlyHint: true }
 * }, ({ text }) => Effect.succeed({ text }))
 * ```
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as JSONSchema from "effect/JSONSchema"
import * as Option from "effect/Option"
import * as AST from "effect/SchemaAST"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type { RequestContext } from "../protocol/RequestContext.js"
import type { CallToolResult, ContentBlock, Tool as WireTool, ToolAnnotations, ToolExecution } from "../schema/index.js"
import * as ParamHeaders from "../schema/paramHeaders.js"
import * as Logging from "./Logging.js"
import type { ToolContext } from "./ToolContext.js"
import type { Middleware } from "./tools/Middleware.js"

/** What a handler without an `output` schema returns: text, content blocks, or a whole result. */
export type Content = string | ReadonlyArray<ContentBlock> | CallToolResult

/** The definition shared by every tool, whatever its types. */
export interface Definition {
  readonly name: string
  readonly title?: string | undefined
  readonly description?: string | undefined
  readonly annotations?: ToolAnnotations | undefined
  /** Whether the tool may, must or must not run as a task (2025-11-25); `"forbidden"` when absent. */
  readonly execution?: ToolExecution | undefined
  readonly _meta?: Record<string, unknown> | undefined
}

/**
 * A tool: its definition, schemas and handler. `R` is every service it needs (its handler's and
 * its `init`'s); `RI` those its `init` needs, which registering it demands.
 */
export interface Tool<I, O, E, R, RI = never> extends Definition {
  readonly input: Schema.Schema<I, any, never>
  readonly output: Schema.Schema<O, any, never> | undefined
  /** Encodes typed failures (kept untyped: a tool that cannot fail has none). */
  readonly failure: Schema.Schema<any, any, never> | undefined
  readonly handler: (input: I) => Effect.Effect<O, E, R>
  /** Renders a structured output as the text content that older clients read. */
  readonly render: ((output: O) => string | ReadonlyArray<ContentBlock>) | undefined
  /** Decodes the call's arguments (compiled once). */
  readonly decodeInput: (input: unknown) => ReturnType<ReturnType<typeof ParseResult.decodeUnknownEither<I, any>>>
  /** The wire definition, built on first use and kept. */
  readonly wire: () => WireTool
  /** How the `ToolManager` registers and runs it (version, dependencies, policies). */
  readonly management: Management<RI>
}

/** A deprecated version: it still works, and says so in its description and its results' `_meta`. */
export interface Deprecation {
  readonly message?: string | undefined
  /** When the version stops answering (ISO 8601 date or date-time); calls after it get an error result. */
  readonly sunset?: string | undefined
}

/** What a tool needs before it can be registered (tools, services) or called (client capabilities). */
export interface Dependencies {
  /** Other tools, by name, registered before it and initialized first. */
  readonly tools?: ReadonlyArray<string>
  /** Services that must be in the manager's context (checked by their tag's key). */
  readonly services?: ReadonlyArray<Context.Tag<any, any>>
  /** Client capabilities the tool uses (`sampling`, `elicitation`, `roots`): a call without them is an error result. */
  readonly capabilities?: ReadonlyArray<string>
}

/** The circuit breaker of a tool: open after `failures` consecutive failures, probe again after `cooldownMs`. */
export interface BreakerOptions {
  readonly failures?: number
  readonly cooldownMs?: number
}

/** The management options of a tool, with their defaults applied by the `ToolManager`. */
export interface Management<RI = any> {
  /** Semver; several versions of one name live side by side. Default `"1.0.0"`. */
  readonly version: string
  readonly deprecated: Deprecation | undefined
  readonly requires: Dependencies
  /** Per-call timeout; the manager's default when absent. */
  readonly timeoutMs: number | undefined
  /** Calls of this tool in flight at once; the manager's default when absent. */
  readonly maxConcurrency: number | undefined
  /** Whether a failed call may run again: `idempotent` or `annotations.idempotentHint`. */
  readonly idempotent: boolean
  /** The retry policy of an idempotent tool (ignored for others). */
  readonly retry: Schedule.Schedule<unknown, unknown> | undefined
  readonly breaker: BreakerOptions | undefined
  /** Middleware around this tool's calls, inside the global chain. */
  readonly middleware: ReadonlyArray<Middleware>
  /** Acquires the tool's own resources at initialization; they live until it is unregistered. */
  readonly init: Effect.Effect<void, unknown, RI> | undefined
}

/** Any tool. */
export type Any = Tool<any, any, any, any, any>

/** The services a tool needs (its handler's and its `init`'s) beyond what the server provides to every call. */
export type Requirements<T> = T extends Tool<any, any, any, infer R, any> ? Exclude<R, RequestContext | ToolContext | Scope.Scope> : never

/**
 * The services registering `T` demands: those its `init` needs besides its Scope. None for a
 * tool typed `Any`, whose requirements the type system does not know.
 */
export type InitRequirements<T> = T extends Tool<any, any, any, any, infer RI> ? 0 extends (1 & RI) ? never : Exclude<RI, Scope.Scope> : never

/** A tool definition error: bad name, or schemas that are not JSON objects. */
export class ToolDefinitionError extends Schema.TaggedError<ToolDefinitionError>()("ToolDefinitionError", {
  message: Schema.String
}) {}

const NAME = /^[A-Za-z0-9_.-]{1,128}$/

/** The options every tool takes (`RI`: the services its `init` needs). */
export interface CommonOptions<I, II, RI> {
  readonly title?: string
  readonly description?: string
  readonly input: Schema.Schema<I, II, never>
  /**
   * The `inputSchema` listed for the tool, verbatim, when the one derived from `input` is not
   * the one wanted (hand-written `$defs`, `additionalProperties`…). `input` still validates calls.
   */
  readonly inputJsonSchema?: Record<string, unknown>
  readonly annotations?: ToolAnnotations
  /**
   * 2025-11-25: `{ taskSupport: "optional" | "required" }` lets clients run the tool as a task
   * (`tools/call` with `task`; see `TaskStore`). Default `"forbidden"`.
   */
  readonly execution?: ToolExecution
  readonly _meta?: Record<string, unknown>
  /** The tool's version (semver). Default `"1.0.0"`. */
  readonly version?: string
  readonly deprecated?: Deprecation
  /** Tools, services and client capabilities it needs (see `ToolManager`). */
  readonly requires?: Dependencies
  /** Per-call timeout in milliseconds (the manager's `defaultTimeoutMs` otherwise). */
  readonly timeoutMs?: number
  /** At most this many calls of the tool at once; beyond it calls are refused as overloaded. */
  readonly maxConcurrency?: number
  /** Safe to run again (as `annotations.idempotentHint`): enables `retry` and client retries. */
  readonly idempotent?: boolean
  /** Retry policy for failures of an idempotent tool (typed failures and timeouts, not defects). */
  readonly retry?: Schedule.Schedule<unknown, unknown>
  readonly breaker?: BreakerOptions
  readonly middleware?: ReadonlyArray<Middleware>
  /**
   * Acquires the tool's resources in a Scope at initialization (released when the tool is
   * unregistered or the server stops). A handler's per-call resources use the call's `Scope`.
   * The services it needs are part of the tool's type: registering the tool demands them.
   */
  readonly init?: Effect.Effect<void, unknown, RI>
}

/** Options of a tool with structured output. */
export interface StructuredOptions<I, II, O, OI, E, EI, RI = never> extends CommonOptions<I, II, RI> {
  readonly output: Schema.Schema<O, OI, never>
  /** Encodes typed failures into `structuredContent` of the error result. */
  readonly failure?: Schema.Schema<E, EI, never>
  /** Text content shown next to `structuredContent`; JSON text by default. */
  readonly render?: (output: O) => string | ReadonlyArray<ContentBlock>
}

/** Options of a tool that answers with content. */
export interface ContentOptions<I, II, E, EI, RI = never> extends CommonOptions<I, II, RI> {
  readonly failure?: Schema.Schema<E, EI, never>
}

/**
 * Turns a Schema into the JSON Schema (2020-12) object of a tool's `inputSchema` or
 * `outputSchema`. Both must describe JSON objects.
 */
export const jsonSchemaOf = (name: string, which: string, schema: Schema.Schema<any, any, never>): WireTool["inputSchema"] => {
  const ast = AST.encodedAST(schema.ast)
  // `Schema.Struct({})` (a tool without arguments) is "any object" to JSONSchema: say so plainly.
  if (AST.isTypeLiteral(ast) && ast.propertySignatures.length === 0 && ast.indexSignatures.length === 0) {
    return { $schema: "https://json-schema.org/draft/2020-12/schema", type: "object", properties: {} } as WireTool["inputSchema"]
  }
  const definitions: Record<string, JSONSchema.JsonSchema7> = {}
  const json = JSONSchema.fromAST(schema.ast, {
    definitions,
    target: "jsonSchema2020-12",
    topLevelReferenceStrategy: "skip"
  }) as unknown as Record<string, unknown>
  if (json.type !== "object") {
    throw new ToolDefinitionError({ message: `Tool ${name}: the ${which} schema must describe a JSON object (got ${JSON.stringify(json.type ?? json)})` })
  }
  const result: Record<string, unknown> = { $schema: "https://json-schema.org/draft/2020-12/schema", ...json }
  if (Object.keys(definitions).length > 0) result.$defs = definitions
  return result as WireTool["inputSchema"]
}

/** Makes a tool with structured output (`outputSchema` and `structuredContent`). */
export function make<I, II, O, OI, E = never, EI = never, R = never, RI = never>(
  name: string,
  options: StructuredOptions<I, II, O, OI, E, EI, RI>,
  handler: (input: I) => Effect.Effect<O, E, R>
): Tool<I, O, E, R | Exclude<RI, Scope.Scope>, Exclude<RI, Scope.Scope>>
/** Makes a tool that answers with text or content blocks. */
export function make<I, II, E = never, EI = never, R = never, RI = never>(
  name: string,
  options: ContentOptions<I, II, E, EI, RI>,
  handler: (input: I) => Effect.Effect<Content, E, R>
): Tool<I, Content, E, R | Exclude<RI, Scope.Scope>, Exclude<RI, Scope.Scope>>
export function make(
  name: string,
  options: StructuredOptions<any, any, any, any, any, any, any> | ContentOptions<any, any, any, any, any>,
  handler: (input: any) => Effect.Effect<any, any, any>
): Any {
  if (!NAME.test(name)) {
    throw new ToolDefinitionError({ message: `Tool name ${JSON.stringify(name)} must be 1-128 characters of A-Z a-z 0-9 _ - .` })
  }
  const output = "output" in options ? options.output : undefined
  if (options.inputJsonSchema !== undefined && options.inputJsonSchema.type !== "object") {
    throw new ToolDefinitionError({ message: `Tool ${name}: inputJsonSchema must describe a JSON object (type "object")` })
  }
  let wire: WireTool | undefined
  const tool: Any = {
    name,
    title: options.title,
    description: options.description,
    annotations: options.annotations,
    execution: options.execution,
    _meta: options._meta,
    input: options.input,
    output,
    failure: options.failure,
    handler,
    render: "render" in options ? options.render : undefined,
    decodeInput: ParseResult.decodeUnknownEither(options.input, { errors: "all" }),
    management: {
      version: options.version ?? "1.0.0",
      deprecated: options.deprecated,
      requires: options.requires ?? {},
      timeoutMs: options.timeoutMs,
      maxConcurrency: options.maxConcurrency,
      idempotent: options.idempotent ?? options.annotations?.idempotentHint === true,
      retry: options.retry,
      breaker: options.breaker,
      middleware: options.middleware ?? [],
      init: options.init
    },
    wire: () => {
      if (wire === undefined) {
        const definition: Record<string, unknown> = { name }
        if (options.title !== undefined) definition.title = options.title
        if (options.description !== undefined) definition.description = options.description
        definition.inputSchema = options.inputJsonSchema ?? jsonSchemaOf(name, "input", options.input)
        if (output !== undefined) definition.outputSchema = jsonSchemaOf(name, "output", output)
        if (options.annotations !== undefined) definition.annotations = options.annotations
        if (options.execution !== undefined) definition.execution = options.execution
        if (options._meta !== undefined) definition._meta = options._meta
        wire = definition as WireTool
      }
      return wire
    }
  }
  // Fail fast on schemas that cannot be tools, and on `x-mcp-header` annotations clients must refuse.
  const headers = ParamHeaders.annotations(tool.wire().inputSchema)
  if ("error" in headers) throw new ToolDefinitionError({ message: `Tool ${name}: ${headers.error}` })
  return tool
}

/** Whether `tool` may (`"optional"`), must (`"required"`) or must not (`"forbidden"`) run as a task. */
export const taskSupport = (tool: Definition): "forbidden" | "optional" | "required" => tool.execution?.taskSupport ?? "forbidden"

const text = (value: string): ContentBlock => ({ type: "text", text: value })

const contentResult = (value: Content): CallToolResult =>
  typeof value === "string"
    ? { content: [text(value)] }
    : Array.isArray(value)
    ? { content: value as ReadonlyArray<ContentBlock> }
    : value as CallToolResult

/** The `_meta` key under which error results carry their details as data. */
export const ErrorDetailsKey = "machine-context/error"

/**
 * An error result the model can read. Its details go to `structuredContent` when the tool
 * declares no output schema; otherwise (clients check `structuredContent` against the output
 * schema, error or not) to `_meta["machine-context/error"]`.
 */
export const errorResult = (tool: Definition & { readonly output: unknown }, message: string, details?: unknown): CallToolResult => {
  const content = [text(message)]
  if (details === undefined) return { content, isError: true }
  return tool.output === undefined
    ? { content, structuredContent: details, isError: true }
    : { content, isError: true, _meta: { [ErrorDetailsKey]: details } }
}

const describeFailure = (error: unknown): string => {
  if (typeof error !== "object" || error === null) return String(error)
  const tag = "_tag" in error ? String(error._tag) : undefined
  // An error with a `message` field says what happened; otherwise name it and show its data.
  if ("message" in error && typeof error.message === "string" && Object.hasOwn(error, "message")) return error.message
  const detail = error instanceof Error ? error.message : JSON.stringify(error)
  return tag === undefined ? detail : `${tag}: ${detail}`
}

/** A handler's outcome as a result, with the defect to log when there was one. */
export interface Outcome {
  readonly result: CallToolResult
  readonly defect?: Cause.Cause<unknown>
}

/**
 * Maps the outcome of a tool's handler to a `CallToolResult`: success (with validated
 * `structuredContent` when the tool has an output schema), typed failure (an error result,
 * `structuredContent` from the failure schema), defect (a generic error result, and the cause
 * to log). `undefined` for an interruption, which stays one.
 */
export const outcomeOf = <O, E>(tool: Tool<any, O, E, any, any>, exit: Exit.Exit<O, E>): Outcome | undefined => {
  if (Exit.isSuccess(exit)) {
    const value = exit.value
    if (tool.output === undefined) return { result: contentResult(value as Content) }
    const encoded = ParseResult.encodeUnknownEither(tool.output)(value)
    if (encoded._tag === "Right") {
      const structured = encoded.right as Record<string, unknown>
      const rendered = tool.render === undefined ? JSON.stringify(structured) : tool.render(value)
      return { result: { content: typeof rendered === "string" ? [text(rendered)] : rendered, structuredContent: structured } }
    }
    const error = new ToolDefinitionError({ message: `Tool ${tool.name} returned output that does not match its output schema: ${ParseResult.TreeFormatter.formatIssueSync(encoded.left)}` })
    return { result: errorResult(tool, `Tool ${tool.name} failed unexpectedly`), defect: Cause.die(error) }
  }
  const cause = exit.cause
  if (Cause.isInterruptedOnly(cause)) return undefined
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) {
    const error = failure.value
    const encoded = tool.failure === undefined ? undefined : ParseResult.encodeUnknownEither(tool.failure)(error)
    return { result: errorResult(tool, describeFailure(error), encoded?._tag === "Right" ? encoded.right : undefined) }
  }
  return { result: errorResult(tool, `Tool ${tool.name} failed unexpectedly`), defect: cause }
}

/** `outcomeOf` as an Effect: the defect logged (server-side only), interruption kept. */
export const resultOf = <O, E>(tool: Tool<any, O, E, any, any>, exit: Exit.Exit<O, E>): Effect.Effect<CallToolResult> => {
  const outcome = outcomeOf(tool, exit)
  if (outcome === undefined) return Effect.failCause((exit as Exit.Failure<O, E>).cause as Cause.Cause<never>)
  return outcome.defect === undefined ? Effect.succeed(outcome.result) : Effect.as(logDefect(tool.name, outcome.defect), outcome.result)
}

/** Logs a tool's defect for the operator (never sent to the client). */
export const logDefect = (name: string, cause: Cause.Cause<unknown>): Effect.Effect<void> =>
  Logging.serverOnly(Effect.logError(`Tool ${name} failed with a defect`, cause))

/** Runs a tool's handler on decoded input, without the manager's pipeline, and maps the outcome with `resultOf`. */
export const run = <I, O, E, R>(tool: Tool<I, O, E, R, any>, input: I): Effect.Effect<CallToolResult, never, R> =>
  Effect.flatMap(Effect.exit(tool.handler(input)), (exit) => resultOf(tool, exit))

export { type Isolated, isolated, type IsolatedOptions } from "./tools/Isolated.js"
