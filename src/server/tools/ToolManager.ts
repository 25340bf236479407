/**
 * The tool registry and the runner of tool calls. It validates and registers tools (several
 * semver versions of a name side by side; the newest non-deprecated one is the default, a caller
 * pins another with `_meta["machine-context/toolVersion"]`), resolves their dependencies (other
 * tools, services, client capabilities; cycles refused; initialization in dependency order),
 * runs their lifecycle (`Lifecycle`) with hooks and a Scope per tool for the resources its
 * `init` acquires, drains calls before unregistering (with a deadline), and runs every call
 * through the `Pipeline`. `McpServer` serves its tools from the `ToolManager` of its context,
 * or from one of its own.
 *
 * @example
 * ```ts
 * const Main = McpServer.layer({ name: "demo", version: "1.0.0" }).pipe(
 *   Layer.provide(ToolManager.layer({ tools: [Echo], defaultTimeoutMs: 10_000 }))
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as Semver from "semver"
import { McpError } from "../../protocol/errors.js"
import * as Router from "../../protocol/Router.js"
import type { CallToolResult } from "../../schema/tools.js"
import type * as Tool from "../Tool.js"
import * as Dependencies from "./Dependencies.js"
import * as Discovery from "./Discovery.js"
import {
  DuplicateTool,
  HasDependents,
  InvalidTool,
  MissingDependencies,
  type RegistrationError,
  ToolInitError,
  ToolNotFound
} from "./errors.js"
import { IdempotencyStore, type Options as IdempotencyOptions } from "./Idempotency.js"
import * as Isolated from "./Isolated.js"
import type { Middleware } from "./Middleware.js"
import { Pipeline } from "./Pipeline.js"
import { Registration, type StateChange } from "./Registration.js"
import * as WorkerPool from "./WorkerPool.js"

/** The `_meta` key with which a call pins a tool version. */
export const ToolVersionKey = "machine-context/toolVersion"

/** Options of a manager. */
export interface Options<Tools extends ReadonlyArray<Tool.Any> = ReadonlyArray<Tool.Any>> {
  /** Tools registered when the manager is made (in dependency order); making the manager demands the services their `init` needs. */
  readonly tools?: Tools
  /**
   * Timeout of a call whose tool sets none (ms). Default `"none"` (as `Infinity`): the client
   * has its own request timeout and cancels, and a call without a timeout runs inline in the
   * request's fiber, the cheapest way.
   */
  readonly defaultTimeoutMs?: number | "none"
  /** Calls in flight at once, all tools together. Default 1,024. */
  readonly maxConcurrency?: number
  /** Calls of one tool in flight at once when it sets no `maxConcurrency`. Default 256. */
  readonly defaultToolConcurrency?: number
  /** The retry-after hint of an overloaded answer (ms). Default 1,000. */
  readonly retryAfterMs?: number
  /** Middleware around every call, outermost first (authorization, audit…). */
  readonly middleware?: ReadonlyArray<Middleware>
  readonly idempotency?: IdempotencyOptions
  /** How long unregistering waits for calls in flight before interrupting them (ms). Default 5,000. */
  readonly drainTimeoutMs?: number
  readonly onRegistered?: (tool: Discovery.ToolInfo) => Effect.Effect<void>
  readonly onUnregistered?: (tool: Discovery.ToolInfo) => Effect.Effect<void>
  readonly onStateChange?: (change: StateChange) => Effect.Effect<void>
  /** The worker pools of isolated tools (one per heap size, shared by the tools with that size): at most `maxWorkers` workers in all of them together. */
  readonly isolation?: WorkerPool.SharedOptions
}

/** Options of `unregister`. */
export interface UnregisterOptions {
  /** Only this version (all versions otherwise). */
  readonly version?: string
  /** Unregister the tools that depend on it too (refused with `HasDependents` otherwise). */
  readonly cascade?: boolean
  readonly drainTimeoutMs?: number
}

/** What changed: the set of tools (`list`: clients get `list_changed`) or a tool's state. */
export type Change = "list" | "state"

/** The service. */
export interface Service {
  /**
   * Registers `tool` (with `replace`, a registered tool of the same name and version is
   * unregistered first). Its `init` runs with the caller's services (over the manager's): the
   * Effect demands those it needs.
   */
  readonly register: <T extends Tool.Any>(tool: T, options?: { readonly replace?: boolean }) => Effect.Effect<void, RegistrationError, Tool.InitRequirements<T>>
  /** Registers tools that may depend on each other, initialized in dependency order (as `register`). */
  readonly registerAll: <const T extends ReadonlyArray<Tool.Any>>(tools: T) => Effect.Effect<void, RegistrationError, Tool.InitRequirements<T[number]>>
  /** Drains and unregisters a tool (every version, or one); `false` when it was not registered. */
  readonly unregister: (name: string, options?: UnregisterOptions) => Effect.Effect<boolean, HasDependents>
  /** Runs a failed tool's initialization again (`failed → recovering → ready`). */
  readonly recover: (name: string, version?: string) => Effect.Effect<void, ToolNotFound | ToolInitError>
  /** The registration serving `name` (the default version, or `version`). */
  readonly resolve: (name: string, version?: string) => Effect.Effect<Registration, ToolNotFound>
  /** `resolve`, synchronously: `undefined` when there is no such tool or version. */
  readonly find: (name: string, version?: string) => Registration | undefined
  /** The registered versions of `name`, newest first. */
  readonly versions: (name: string) => ReadonlyArray<string>
  /** Runs a call through the pipeline; `args` are decoded with the tool's input schema (-32602 when they do not). */
  readonly call: (name: string, args: unknown, meta?: Readonly<Record<string, unknown>>) => Effect.Effect<CallToolResult, McpError | ToolNotFound>
  /** Runs decoded input through `registration`'s pipeline. */
  readonly execute: (registration: Registration, input: unknown, meta: Readonly<Record<string, unknown>>) => Effect.Effect<CallToolResult, McpError>
  /** Every registered version with its state, health, breaker, capabilities. */
  readonly list: Effect.Effect<ReadonlyArray<Discovery.ToolInfo>>
  /** The default version of each tool, in registration order. */
  readonly defaults: () => ReadonlyArray<Registration>
  /** What a version (the default one unless `version`) does and needs, with its state, health, breaker and calls in flight now. */
  readonly discoverCapabilities: (name: string, version?: string) => Effect.Effect<Discovery.Discovered, ToolNotFound>
  /** Runs `listener` on every change (before the change's Effect completes); returns the way to stop. */
  readonly subscribe: (listener: (change: Change) => Effect.Effect<void>) => () => void
  /** Calls of every tool in flight now. */
  readonly inFlight: () => number
}

/** The tool manager. */
export class ToolManager extends Context.Tag("machine-context/ToolManager")<ToolManager, Service>() {}

const NAME = /^[A-Za-z0-9_.-]{1,128}$/

/** Newest first; a deprecated version only when no other is there. */
const byPreference = (a: Registration, b: Registration): number => {
  const deprecated = Number(a.tool.management.deprecated !== undefined) - Number(b.tool.management.deprecated !== undefined)
  return deprecated !== 0 ? deprecated : Semver.rcompare(a.version, b.version)
}

const validate = (tool: Tool.Any): InvalidTool | undefined => {
  const invalid = (message: string) => new InvalidTool({ name: String(tool.name), message })
  if (!NAME.test(tool.name)) return invalid(`Tool name ${JSON.stringify(tool.name)} must be 1-128 characters of A-Z a-z 0-9 _ - .`)
  if (Semver.valid(tool.management.version) !== tool.management.version) {
    return invalid(`Tool ${tool.name}: version ${JSON.stringify(tool.management.version)} is not a semantic version (x.y.z)`)
  }
  const sunset = tool.management.deprecated?.sunset
  if (sunset !== undefined && Number.isNaN(Date.parse(sunset))) return invalid(`Tool ${tool.name}: sunset ${JSON.stringify(sunset)} is not a date`)
  try {
    tool.wire()
  } catch (error) {
    return invalid(error instanceof Error ? error.message : String(error))
  }
  return undefined
}

/**
 * Makes a manager. Tools' `init` effects and `requires.services` are resolved against the
 * context of the registering caller over the caller's context here (which must hold the
 * services of the `init` of `options.tools`); the manager adds its `WorkerPool.WorkerPools`.
 * The tools' resources live until their tool is unregistered or the manager's Scope closes
 * (when the caller has a Scope).
 */
export const make = <const Tools extends ReadonlyArray<Tool.Any> = readonly []>(
  options: Options<Tools> = {}
): Effect.Effect<Service, RegistrationError, Tool.InitRequirements<Tools[number]>> =>
  Effect.gen(function*() {
    const scope = yield* Scope.make(ExecutionStrategy.sequential)
    const pools = yield* Scope.extend(WorkerPool.makeShared(options.isolation), scope)
    const context = Context.add((yield* Effect.context<never>()) as Context.Context<unknown>, WorkerPool.WorkerPools, pools)
    const outer = context.unsafeMap.get(Scope.Scope.key) as Scope.Scope | undefined
    const lock = yield* Effect.makeSemaphore(1)
    const registry = new Map<string, Map<string, Registration>>()
    // The default version of each name, kept up to date by every change of its versions (not sorted per call).
    const defaultOf = new Map<string, Registration>()
    const listeners = new Set<(change: Change) => Effect.Effect<void>>()
    const emit = (change: Change): Effect.Effect<void> => Effect.forEach(listeners, (listener) => listener(change), { discard: true })
    const pipeline = new Pipeline({
      defaultTimeoutMs: options.defaultTimeoutMs === undefined || options.defaultTimeoutMs === "none" ? Number.POSITIVE_INFINITY : options.defaultTimeoutMs,
      defaultToolConcurrency: options.defaultToolConcurrency ?? 256,
      maxConcurrency: options.maxConcurrency ?? 1024,
      retryAfterMs: options.retryAfterMs ?? 1000,
      middleware: options.middleware ?? [],
      idempotency: new IdempotencyStore(options.idempotency)
    })
    const onStateChange = (change: StateChange): Effect.Effect<void> => {
      // Calls flip ready ⇄ busy; the listing shows the settled state, so only other moves change it.
      const settled = (change.from === "ready" || change.from === "busy") && (change.to === "ready" || change.to === "busy")
      const hook = options.onStateChange?.(change) ?? Effect.void
      return settled ? hook : Effect.zipRight(emit("state"), hook)
    }

    const all = (): Array<Registration> => [...registry.values()].flatMap((versions) => [...versions.values()])
    const versionsOf = (name: string): Array<Registration> => [...(registry.get(name)?.values() ?? [])].sort(byPreference)
    const versionList = (name: string): Array<string> => [...(registry.get(name)?.keys() ?? [])].sort(Semver.rcompare)
    const now = Effect.clockWith((clock) => Effect.sync(() => clock.unsafeCurrentTimeMillis()))
    const infoOf = (registration: Registration) => Effect.map(now, (at) => Discovery.infoOf(registration, versionList(registration.name), at))

    const find = (name: string, version?: string): Registration | undefined =>
      version === undefined ? defaultOf.get(name) : registry.get(name)?.get(version)
    /** Recomputes the default version of `name` after its versions changed. */
    const refreshDefault = (name: string): void => {
      const preferred = versionsOf(name)[0]
      if (preferred === undefined) defaultOf.delete(name)
      else defaultOf.set(name, preferred)
    }
    const resolve = (name: string, version?: string): Effect.Effect<Registration, ToolNotFound> =>
      Effect.suspend(() => {
        const found = find(name, version)
        return found === undefined
          ? Effect.fail(new ToolNotFound({ name, ...(version === undefined ? {} : { version }), versions: versionList(name) }))
          : Effect.succeed(found)
      })

    // The services each registration's `init` runs with (its registering caller's over the manager's), kept for `recover`.
    const servicesOf = new WeakMap<Registration, Context.Context<unknown>>()
    const initialize = (registration: Registration): Effect.Effect<void, ToolInitError> =>
      Effect.gen(function*() {
        const init = registration.tool.management.init
        const own = yield* Scope.fork(scope, ExecutionStrategy.sequential)
        registration.scope = own
        if (init === undefined) return yield* registration.move("ready")
        const services = (servicesOf.get(registration) ?? context) as Context.Context<any>
        const exit = yield* Effect.exit(init.pipe(Scope.extend(own), Effect.provide(services)))
        if (exit._tag === "Success") return yield* registration.move("ready")
        registration.scope = undefined
        yield* Scope.close(own, exit)
        yield* registration.move("failed")
        return yield* new ToolInitError({ name: registration.name, version: registration.version, message: String(exit.cause) })
      })

    const missingServices = (tool: Tool.Any, services: Context.Context<unknown>): Array<string> =>
      (tool.management.requires.services ?? []).filter((tag) => !services.unsafeMap.has(tag.key)).map((tag) => `service:${tag.key}`)

    const add = (tools: ReadonlyArray<Tool.Any>, replace: boolean, caller: Context.Context<unknown>): Effect.Effect<void, RegistrationError> =>
      Effect.gen(function*() {
        const services = Context.add(Context.merge(context, caller), WorkerPool.WorkerPools, pools)
        const batch = new Set(tools.map((tool) => tool.name))
        const seen = new Set<string>()
        for (const tool of tools) {
          const invalid = validate(tool)
          if (invalid !== undefined) return yield* invalid
          const id = `${tool.name}@${tool.management.version}`
          if (seen.has(id) || (!replace && registry.get(tool.name)?.has(tool.management.version) === true)) {
            return yield* new DuplicateTool({ name: tool.name, version: tool.management.version })
          }
          seen.add(id)
          const missing = [
            ...Dependencies.missingTools(tool, (name) => registry.has(name), batch).map((name) => `tool:${name}`),
            ...missingServices(tool, services)
          ]
          if (missing.length > 0) return yield* new MissingDependencies({ name: tool.name, missing })
        }
        const ordered = Dependencies.order(tools)
        if (ordered._tag === "Left") return yield* ordered.left
        let failure: ToolInitError | undefined
        for (const tool of ordered.right) {
          const previous = registry.get(tool.name)?.get(tool.management.version)
          if (previous !== undefined) yield* remove(previous, options.drainTimeoutMs ?? 5000)
          // An isolated tool gets an instance per registration: its calls use this manager's pool.
          const registration = new Registration(Isolated.instance(tool), onStateChange)
          servicesOf.set(registration, services)
          const versions = registry.get(tool.name) ?? new Map<string, Registration>()
          versions.set(registration.version, registration)
          registry.set(tool.name, versions)
          refreshDefault(tool.name)
          if (options.onRegistered !== undefined) yield* Effect.flatMap(infoOf(registration), options.onRegistered)
          yield* registration.move("initializing")
          const initialized = yield* Effect.either(initialize(registration))
          if (initialized._tag === "Left") failure ??= initialized.left
        }
        yield* emit("list")
        if (failure !== undefined) return yield* failure
      })

    /** Drains `registration` (interrupting what outlives the deadline), releases its resources, drops it. */
    const remove = (registration: Registration, drainTimeoutMs: number): Effect.Effect<void> =>
      Effect.gen(function*() {
        const versions = registry.get(registration.name)
        versions?.delete(registration.version)
        if (versions?.size === 0) registry.delete(registration.name)
        refreshDefault(registration.name)
        if (registration.state === "registered") {
          yield* registration.move("unregistered")
        } else {
          yield* registration.move("draining")
          if (registration.inFlight > 0) {
            const idle = Effect.async<void>((resume) => {
              registration.idle = () => resume(Effect.void)
            })
            const drained = yield* Effect.timeout(idle, drainTimeoutMs).pipe(Effect.option)
            if (drained._tag === "None" && registration.inFlight > 0) {
              registration.stopped = true
              yield* Fiber.interruptAll([...registration.calls])
            }
          }
          if (registration.scope !== undefined) yield* Scope.close(registration.scope, Exit.void)
          yield* registration.move("unregistered")
        }
        if (options.onUnregistered !== undefined) yield* Effect.flatMap(infoOf(registration), options.onUnregistered)
      })

    const unregister = (name: string, unregisterOptions: UnregisterOptions = {}): Effect.Effect<boolean, HasDependents> =>
      lock.withPermits(1)(Effect.gen(function*() {
        const versions = registry.get(name)
        if (versions === undefined) return false
        const targets = unregisterOptions.version === undefined ? [...versions.values()] : [versions.get(unregisterOptions.version)].filter((r) => r !== undefined)
        if (targets.length === 0) return false
        // Only removing the last version leaves dependents without their dependency.
        const removing = new Set<Registration>(targets)
        if (targets.length === versions.size) {
          const pending = [name]
          while (pending.length > 0) {
            const dependents = Dependencies.dependentsOf(pending.pop()!, all().filter((r) => !removing.has(r)).map((r) => r.tool))
            if (dependents.length === 0) continue
            if (unregisterOptions.cascade !== true) return yield* new HasDependents({ name, dependents })
            for (const dependent of dependents) {
              for (const registration of registry.get(dependent)?.values() ?? []) removing.add(registration)
              pending.push(dependent)
            }
          }
        }
        // Dependents first: the tools added last (by the cascade) are removed first.
        for (const registration of [...removing].reverse()) yield* remove(registration, unregisterOptions.drainTimeoutMs ?? options.drainTimeoutMs ?? 5000)
        yield* emit("list")
        return true
      }))

    const recover = (name: string, version?: string): Effect.Effect<void, ToolNotFound | ToolInitError> =>
      lock.withPermits(1)(Effect.flatMap(resolve(name, version), (registration) => {
        if (registration.state !== "failed") return Effect.void
        return Effect.zipRight(registration.move("recovering"), initialize(registration))
      }))

    const service: Service = {
      register: <T extends Tool.Any>(tool: T, registerOptions?: { readonly replace?: boolean }) =>
        Effect.contextWithEffect((caller: Context.Context<Tool.InitRequirements<T>>) =>
          lock.withPermits(1)(add([tool], registerOptions?.replace === true, caller as Context.Context<unknown>))),
      registerAll: <const T extends ReadonlyArray<Tool.Any>>(tools: T) =>
        Effect.contextWithEffect((caller: Context.Context<Tool.InitRequirements<T[number]>>) =>
          lock.withPermits(1)(add(tools, false, caller as Context.Context<unknown>))),
      unregister,
      recover,
      resolve,
      find,
      versions: versionList,
      call: (name, args, meta = {}) =>
        Effect.flatMap(resolve(name, typeof meta[ToolVersionKey] === "string" ? meta[ToolVersionKey] : undefined), (registration) => {
          const input = registration.tool.decodeInput(args ?? {})
          if (input._tag === "Right") return pipeline.execute(registration, input.right, meta)
          const issues = Router.formatIssues(input.left)
          return Effect.fail(McpError.invalidParams(`Invalid arguments for tool ${name}: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`, { issues }))
        }),
      execute: (registration, input, meta) => pipeline.execute(registration, input, meta),
      list: Effect.flatMap(now, (at) => Effect.sync(() => all().map((r) => Discovery.infoOf(r, versionList(r.name), at)))),
      defaults: () => [...defaultOf.values()],
      discoverCapabilities: (name, version) =>
        Effect.zipWith(resolve(name, version), now, (registration, at) => ({
          name: registration.name,
          version: registration.version,
          ...Discovery.capabilitiesOf(registration.tool),
          ...Discovery.liveOf(registration, at)
        })),
      subscribe: (listener) => {
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
      inFlight: () => pipeline.inFlight
    }
    const shutdown = Effect.gen(function*() {
      for (const registration of all().reverse()) yield* remove(registration, options.drainTimeoutMs ?? 5000)
      yield* Scope.close(scope, Exit.void)
    })
    if (outer !== undefined) yield* Scope.addFinalizer(outer, lock.withPermits(1)(shutdown))
    if (options.tools !== undefined && options.tools.length > 0) yield* lock.withPermits(1)(add(options.tools, false, context))
    return service
  })

/** A manager as a layer; its tools are drained and their resources released when the layer closes. */
export const layer = <const Tools extends ReadonlyArray<Tool.Any> = readonly []>(
  options: Options<Tools> = {}
): Layer.Layer<ToolManager, RegistrationError, Tool.InitRequirements<Tools[number]>> => Layer.scoped(ToolManager, make(options))
