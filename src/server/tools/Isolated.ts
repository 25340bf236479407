/**
 * Isolated tools: a tool whose handler is an exported function of an ES module, run in a worker
 * thread with a heap limit, from the pool its `ToolManager` shares between the isolated tools
 * with that limit (`WorkerPool.WorkerPools`). Made with `Tool.isolated`.
 *
 * @example
 * ```ts
 * const Heavy = Tool.isolated("heavy", {
 *   input: Schema.Struct({ n: Schema.Number }),
 *   output: Schema.Struct({ value: Schema.Number }),
 *   module: new URL("./heavy.js", import.meta.url),
 *   export: "run",
 *   memoryMb: 64
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { type CommonOptions, type Content, make, type Tool } from "../Tool.js"
import * as WorkerPool from "./WorkerPool.js"

/** Options of an isolated tool: its handler is the `export` function of the ES module at `module`. */
export interface IsolatedOptions<I, II, O, OI> extends Omit<CommonOptions<I, II, never>, "init"> {
  /** The handler's module as a URL (`new URL("./heavy.js", import.meta.url)`) or URL string; it runs in a worker thread. */
  readonly module: URL | string
  /** The exported function: gets the encoded input (JSON), returns the encoded output (JSON) or a Promise of it. */
  readonly export: string
  /** With it the result is structured and decoded here; without it the function returns text (anything else is sent as JSON text). */
  readonly output?: Schema.Schema<O, OI, never>
  /** Heap limit of each worker (MiB): tools with the same limit share the manager's pool for it. Default 256. */
  readonly memoryMb?: number
  /** Calls of the tool running in workers at once. Default 2. */
  readonly poolSize?: number
}

/** An isolated tool and the worker pools it holds (one per manager it is registered in, shared with that manager's other isolated tools of the same limit). */
export interface Isolated<I, O> extends Tool<I, O, WorkerPool.IsolationError, never> {
  readonly pools: ReadonlySet<WorkerPool.WorkerPool>
}

// How to make another instance of an isolated tool (`instance`).
const instances = new WeakMap<Tool<any, any, any, any, any>, () => Tool<any, any, any, any, any>>()

/**
 * The tool as a `ToolManager` registers it: an isolated tool gets an instance of its own for
 * each registration (same definition, its own `init` and handler), whose calls run in the pool
 * that instance's `init` took from that manager. Any other tool is itself.
 */
export const instance = <T extends Tool<any, any, any, any, any>>(tool: T): T => (instances.get(tool)?.() ?? tool) as T

/**
 * Makes a tool whose handler runs in a worker thread with a heap limit, in the pool its
 * manager keeps for that limit (held from the tool's initialization until it is unregistered
 * or its manager closes; a tool registered in several managers runs each manager's calls in
 * that manager's pool). The input and output are validated by the Schemas here; a timeout or
 * a cancelled call terminates the worker (or takes the call out of the queue while it waits for
 * one); a crash, an out-of-memory, an exit or a throw is an `IsolationError` result.
 */
export const isolated = <I, II, O = Content, OI = Content>(name: string, options: IsolatedOptions<I, II, O, OI>): Isolated<I, O> => {
  const { module, export: exportName, memoryMb = 256, poolSize = 2, output, ...common } = options
  const moduleUrl = typeof module === "string" ? module : module.href
  const pools = new Set<WorkerPool.WorkerPool>()
  const encodeInput = Schema.encode(options.input)
  const decodeOutput = output === undefined ? (value: unknown) => Effect.succeed((typeof value === "string" ? value : JSON.stringify(value)) as O) : Schema.decodeUnknown(output)
  /** An `init` and a handler with the pool that `init` holds, with the permits that keep the calls to `poolSize` in it. */
  const runner = () => {
    let held: { readonly pool: WorkerPool.WorkerPool; readonly permits: Effect.Semaphore } | undefined
    // The manager provides `WorkerPools` to every `init` itself: registering demands nothing.
    const init = Effect.gen(function*() {
      const pool = yield* Effect.flatMap(WorkerPool.WorkerPools, (shared) => shared.acquire(memoryMb))
      const entry = { pool, permits: yield* Effect.makeSemaphore(Math.max(1, poolSize)) }
      yield* Effect.acquireRelease(
        Effect.sync(() => {
          held = entry
          pools.add(pool)
        }),
        () =>
          Effect.sync(() => {
            if (held === entry) held = undefined
            pools.delete(pool)
          })
      )
    }) as Effect.Effect<void, never, Scope.Scope>
    const handler = (input: I): Effect.Effect<O, WorkerPool.IsolationError> =>
      Effect.suspend(() => {
        if (held === undefined) return Effect.fail(new WorkerPool.IsolationError({ reason: "closed", message: `tool ${name} is not initialized` }))
        const { permits, pool } = held
        return Effect.flatMap(Effect.orDie(encodeInput(input)), (encoded) =>
          Effect.flatMap(permits.withPermits(1)(pool.run(moduleUrl, exportName, encoded)), (value) => Effect.orDie(decodeOutput(value))))
      })
    return { init, handler }
  }
  const first = runner()
  const made = output === undefined
    ? make(name, { ...common, init: first.init }, first.handler as (input: I) => Effect.Effect<Content, WorkerPool.IsolationError>)
    : make(name, { ...common, output, init: first.init }, first.handler)
  const tool: Isolated<I, O> = Object.assign(made as Tool<I, O, WorkerPool.IsolationError, never>, { pools })
  instances.set(tool, () => {
    const next = runner()
    return { ...tool, handler: next.handler, management: { ...tool.management, init: next.init } }
  })
  return tool
}
