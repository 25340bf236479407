/**
 * One connection's message loop. Written as a plain class on the hot path: a message costs a
 * parse, a limits walk, a compiled params decode and one fiber for its handler.
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import type * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import { ErrorCode, type Meta, type ProgressToken, type RequestId } from "../../schema/jsonrpc.js"
import { AllMethods, isAvailable, TasksExtensionMethods } from "../../schema/methods.js"
import { MetaKeys, StatelessErrorCode } from "../../schema/stateless.js"
import { allowsBatch, type ProtocolVersion, ProtocolVersions } from "../../schema/versions.js"
import type { Frame, Outbound, Transport } from "../../transport/Transport.js"
import { McpError, ProtocolError, RecoveryError, type ValidationError } from "../errors.js"
import type * as Limits from "../Limits.js"
import * as Message from "../Message.js"
import type { Config, ConnectionHandle, ConnectOptions, Role } from "../Protocol.js"
import { type OutgoingRequestOptions, RequestContext, type RequestContextService } from "../RequestContext.js"
import { formatIssues, type PerRequest, type Route, type Router } from "../Router.js"
import { type PeerInfo, Session } from "../Session.js"
import { errorFrame, mcpErrorFrame, isPlainObject, isRequestId, notificationFrame, RawJson, requestFrame, resultFrame } from "./wire.js"

/** A request accepted by the engine: waiting for a slot, or running. */
interface Entry {
  readonly id: RequestId
  readonly route: Route<any, any>
  readonly params: unknown
  readonly meta: Meta | undefined
  /** Where the answer goes. */
  readonly out: Outbound
  /** Where messages related to the request go (progress, notifications, requests to the peer). */
  readonly related: Outbound
  readonly counted: boolean
  /** The request's own era when it carried one in `_meta` (stateless), else `undefined` (the session's). */
  readonly stateless: Stateless | undefined
  fiber: Fiber.RuntimeFiber<unknown, McpError> | undefined
  cancelled: boolean
  done: boolean
}

/** What a stateless (2026-07-28) request says about its sender in `_meta`. */
interface Stateless {
  readonly version: ProtocolVersion
  readonly capabilities: Record<string, unknown>
  readonly info: PeerInfo | undefined
}

/** Versions served without `initialize`: each request names its version in `_meta`. */
const STATELESS_VERSIONS: ReadonlySet<string> = new Set<ProtocolVersion>(["2026-07-28"])

/** Every version, newest first (the `supported` list of an unsupported-version error). */
const SUPPORTED_VERSIONS: ReadonlyArray<string> = [...ProtocolVersions].reverse()

const VERSION_BIT = new Map<string, number>(ProtocolVersions.map((version, i) => [version, 1 << i]))

/**
 * The versions (one bit each) that have each request `sender` sends, from the method table and
 * the tasks extension's (whose `tasks/get` and `tasks/cancel` are 2025-11-25's in 2026-07-28).
 */
const erasOf = (sender: "client" | "server"): ReadonlyMap<string, number> => {
  const eras = new Map<string, number>()
  for (const spec of [...AllMethods, ...Object.values(TasksExtensionMethods)]) {
    if (spec.sender !== sender || spec.kind !== "request") continue
    let bits = eras.get(spec.method) ?? 0
    for (const version of ProtocolVersions) if (isAvailable(spec, version)) bits |= VERSION_BIT.get(version)!
    eras.set(spec.method, bits)
  }
  return eras
}

/** For each role, the eras of the requests it receives. */
const received: Record<Role, ReadonlyMap<string, number>> = { server: erasOf("client"), client: erasOf("server") }

/**
 * Whether `version` has `method` as a request of the peer (methods outside the specification's
 * table are the application's own, served in every version). One map read and a bit test.
 */
const availableIn = (role: Role, method: string, version: ProtocolVersion): boolean => {
  const bits = received[role].get(method)
  return bits === undefined || (bits & VERSION_BIT.get(version)!) !== 0
}

const isPeerInfo = (value: unknown): value is PeerInfo =>
  isPlainObject(value) && typeof value.name === "string" && typeof value.version === "string"

interface Pending {
  readonly method: string
  readonly resume: (exit: Exit.Exit<Record<string, unknown>, ProtocolError>) => void
  readonly onProgress: OutgoingRequestOptions["onProgress"]
}

/** Sends the final answer to a request (or an error for an unreadable one) and says it is settled. */
/** A request's context: the runtime's, its `RequestContext` and the route's per-request services, in one copy. */
const withRequest = <R>(
  base: Context.Context<R>,
  request: RequestContextService,
  perRequest: ReadonlyArray<PerRequest> | undefined
): Context.Context<R | RequestContext> => {
  if (perRequest === undefined) return Context.add(base, RequestContext, request)
  const services = new Map(base.unsafeMap)
  services.set(RequestContext.key, request)
  for (const service of perRequest) services.set(service.tag.key, service.make())
  return Context.unsafeMake(services)
}

const answer = (out: Outbound, id: RequestId | null, frame: string): void => {
  out.send(frame)
  out.settled?.(id)
}

/** A request that ends without an answer (cancelled). */
const abandon = (out: Outbound, id: RequestId): void => {
  if (out instanceof BatchReply) out.drop()
  else out.settled?.(id)
}

/** Collects the answers to one batch and sends them as one array once all are in. */
class BatchReply implements Outbound {
  private readonly frames: Array<string> = []
  private expected = 0
  private sealed = false
  constructor(readonly out: Outbound) {}
  expect(): void {
    this.expected++
  }
  send(frame: string): void {
    this.frames.push(frame)
    this.flush()
  }
  seal(): void {
    this.sealed = true
    this.flush()
  }
  /** An answer that will never come (a cancelled request). */
  drop(): void {
    this.expected--
    this.flush()
  }
  /** Whether the batch gets an answer (it has requests, or invalid members). */
  get answered(): boolean {
    return this.expected > 0
  }
  private flush(): void {
    if (this.sealed && this.frames.length === this.expected && this.expected >= 0) {
      if (this.frames.length > 0) this.out.send(`[${this.frames.join(",")}]`)
      if (this.expected > 0) this.out.settled?.(null)
      this.frames.length = 0
      this.expected = -1
    }
  }
}

export class Connection<R> {
  readonly session = new Session()
  private readonly limits: Limits.Limits
  private readonly entries = new Map<RequestId, Entry>()
  private readonly backlog: Array<Entry> = []
  private backlogHead = 0
  private active = 0
  private readonly pending = new Map<RequestId, Pending>()
  private nextId = 0
  private closed = false
  private drained: (() => void) | undefined = undefined

  constructor(
    private readonly runtime: Runtime.Runtime<R>,
    private readonly transport: Transport,
    private readonly router: Router<R>,
    private readonly role: Role,
    private readonly config: Config,
    private readonly options: ConnectOptions = {}
  ) {
    this.limits = config.limits
  }

  handleObject(): ConnectionHandle {
    return {
      session: this.session,
      handle: (frame, outbound) => this.handle(frame, outbound ?? this.transport),
      inFlight: () => this.entries.size,
      notify: (method, params) => Effect.sync(() => this.transport.send(notificationFrame(method, params))),
      request: (method, params, options) => this.request(this.transport, method, params, options),
      run: this.run()
    }
  }

  // ---------------------------------------------------------------- incoming

  private run() {
    return Effect.zipRight(
      this.transport.receive((frame) => this.handle(frame, this.transport)),
      Effect.suspend(() => this.drain())
    )
  }

  /** Waits (bounded) for in-flight requests after the peer closed its side. */
  private drain(): Effect.Effect<void> {
    for (const entry of this.entries.values()) {
      if (entry.route.priority === "stream") this.cancel(entry)
    }
    if (this.entries.size === 0) return Effect.void
    return Effect.async<void>((resume) => {
      // Cancelled streams may have finished already.
      if (this.entries.size === 0) return resume(Effect.void)
      this.drained = () => resume(Effect.void)
    }).pipe(Effect.timeoutTo({ duration: this.config.drainTimeoutMs, onSuccess: () => undefined, onTimeout: () => undefined }))
  }

  /** Serves one frame; returns whether an answer will go to `out` (now or later). */
  handle(frame: Frame, out: Outbound): boolean {
    if (this.closed) return false
    const decoded = Message.decodeFrame(frame, this.limits)
    if (decoded === undefined) return false
    if (decoded._tag === "Batch") return this.batch(decoded.items, out)
    this.dispatch(decoded, out)
    return decoded._tag === "Request" || decoded._tag === "ValidationError"
  }

  private batch(items: ReadonlyArray<unknown>, out: Outbound): boolean {
    if (!allowsBatch(this.session.protocolVersion)) {
      answer(out, null, errorFrame(null, ErrorCode.InvalidRequest, this.session.protocolVersion === undefined
        ? "Invalid request: batches are not allowed before initialization"
        : `Invalid request: protocol version ${this.session.protocolVersion} does not allow batches`))
      return true
    }
    if (items.length === 0) {
      answer(out, null, errorFrame(null, ErrorCode.InvalidRequest, "Invalid request: empty batch"))
      return true
    }
    const reply = new BatchReply(out)
    for (const item of items) {
      if (Message.isAnswered(item)) reply.expect()
      const message = Message.classify(item)
      if (message !== undefined) this.dispatch(message, reply)
    }
    const answered = reply.answered
    reply.seal()
    return answered
  }

  private dispatch(message: Message.Message | ValidationError, out: Outbound): void {
    switch (message._tag) {
      case "Request":
        return this.request_(message.id, message.method, message.params, out)
      case "Notification":
        return this.notification(message.method, message.params)
      case "Response":
        return this.response(message)
      case "ValidationError":
        answer(out, message.id, mcpErrorFrame(message.id, message.toMcpError()))
    }
  }

  private request_(id: RequestId, method: string, params: Record<string, unknown>, out: Outbound): void {
    const meta = isPlainObject(params._meta) ? params._meta : undefined
    let stateless: Stateless | undefined
    if (meta !== undefined && this.role === "server" && meta[MetaKeys.protocolVersion] !== undefined) {
      const read = this.readStateless(id, meta, out)
      if (read === undefined) return
      stateless = read
    }
    const route = this.router.match(method)
    const version = stateless === undefined ? this.session.protocolVersion : stateless.version
    if (route === undefined || route.kind !== "request" || (version !== undefined && !availableIn(this.role, method, version))) {
      answer(out, id, errorFrame(id, ErrorCode.MethodNotFound, `Method not found: ${method}`))
      return
    }
    if (this.role === "server" && stateless === undefined && this.session.protocolVersion === undefined && !route.beforeInitialize) {
      answer(out, id, errorFrame(id, ErrorCode.InvalidRequest, `Invalid request: the server is not initialized; send "initialize" before ${method}`))
      return
    }
    if (this.entries.has(id)) {
      answer(out, id, errorFrame(id, ErrorCode.InvalidRequest, `Invalid request: request id ${JSON.stringify(id)} is already in use`))
      return
    }
    const decoded = route.decode(params)
    if (decoded._tag === "Left") {
      const issues = formatIssues(decoded.left)
      answer(out, id, errorFrame(id, ErrorCode.InvalidParams, `Invalid params for ${method}: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`, { issues }))
      return
    }
    const immediate = route.priority !== "queued"
    const related = out instanceof BatchReply ? out.out : out
    const entry: Entry = { id, route, params: decoded.right, meta, out, related, counted: !immediate, stateless, fiber: undefined, cancelled: false, done: false }
    if (immediate || this.active < this.config.maxConcurrentRequests) {
      this.entries.set(id, entry)
      this.start(entry)
    } else if (this.backlog.length - this.backlogHead < this.config.maxQueuedRequests) {
      this.entries.set(id, entry)
      this.backlog.push(entry)
    } else {
      answer(out, id, errorFrame(id, -32000, "Server overloaded: too many requests in flight on this connection", {
        retryAfterMs: 100,
        inFlight: this.active,
        queued: this.backlog.length - this.backlogHead
      }))
    }
  }

  /**
   * Reads the era a request names in `_meta` (2026-07-28): a version served statelessly, and
   * the sender's capabilities. Answers the request with an error and returns `undefined` when
   * the version is not one served that way or the capabilities are missing.
   */
  private readStateless(id: RequestId, meta: Record<string, unknown>, out: Outbound): Stateless | undefined {
    const requested = meta[MetaKeys.protocolVersion]
    if (typeof requested !== "string" || !STATELESS_VERSIONS.has(requested)) {
      answer(out, id, errorFrame(id, StatelessErrorCode.UnsupportedProtocolVersion, "Unsupported protocol version", {
        supported: SUPPORTED_VERSIONS,
        requested: typeof requested === "string" ? requested : JSON.stringify(requested)
      }))
      return undefined
    }
    const capabilities = meta[MetaKeys.clientCapabilities]
    if (!isPlainObject(capabilities)) {
      answer(out, id, errorFrame(id, ErrorCode.InvalidParams, `Invalid params: _meta["${MetaKeys.clientCapabilities}"] must be an object`, {
        issues: [{ path: `_meta.${MetaKeys.clientCapabilities}`, message: "Expected an object" }]
      }))
      return undefined
    }
    const info = meta[MetaKeys.clientInfo]
    return { version: requested as ProtocolVersion, capabilities, info: isPeerInfo(info) ? info : undefined }
  }

  private start(entry: Entry): void {
    if (entry.counted) this.active++
    const context = withRequest(this.runtime.context, this.requestContext(entry), entry.route.perRequest)
    const runtime = Runtime.make({ context, fiberRefs: this.runtime.fiberRefs, runtimeFlags: this.runtime.runtimeFlags })
    const fiber = Runtime.runFork(runtime, entry.route.handler(entry.params), { immediate: true })
    if (!entry.done) entry.fiber = fiber
    fiber.addObserver((exit) => this.finish(entry, exit))
  }

  private finish(entry: Entry, exit: Exit.Exit<unknown, McpError>): void {
    entry.done = true
    entry.fiber = undefined
    this.entries.delete(entry.id)
    if (entry.counted) {
      this.active--
      this.startNext()
    }
    if (Exit.isSuccess(exit)) {
      answer(entry.out, entry.id, resultFrame(entry.id, entry.stateless === undefined ? exit.value : this.statelessResult(exit.value)))
    } else if (entry.cancelled || this.closed) {
      abandon(entry.out, entry.id)
    } else if (Cause.isInterruptedOnly(exit.cause)) {
      // Interrupted by the server itself (a tool drained past its deadline): the client still waits.
      answer(entry.out, entry.id, errorFrame(entry.id, ErrorCode.InternalError, "Request interrupted: the server stopped it"))
    } else {
      const failure = Cause.failureOption(exit.cause)
      if (Option.isSome(failure) && failure.value instanceof McpError) {
        const error = failure.value
        answer(entry.out, entry.id, mcpErrorFrame(entry.id, error))
      } else {
        this.logDefect(`Handler of ${entry.route.method} failed`, exit.cause)
        answer(entry.out, entry.id, errorFrame(entry.id, ErrorCode.InternalError, "Internal error"))
      }
    }
    if (this.drained !== undefined && this.entries.size === 0) this.drained()
  }

  /**
   * A 2026-07-28 result: `resultType` (`"complete"` unless the handler chose) and the
   * connection's result `_meta`. Pre-serialized results are sent as their producer made them.
   */
  private statelessResult(result: unknown): unknown {
    if (result instanceof RawJson || !isPlainObject(result)) return result
    const extra = this.options.resultMeta
    const meta = extra === undefined ? result._meta : { ...extra, ...(isPlainObject(result._meta) ? result._meta : {}) }
    return meta === undefined ? { resultType: "complete", ...result } : { resultType: "complete", ...result, _meta: meta }
  }

  private startNext(): void {
    while (this.backlogHead < this.backlog.length && this.active < this.config.maxConcurrentRequests) {
      const next = this.backlog[this.backlogHead]!
      this.backlog[this.backlogHead++] = undefined as unknown as Entry
      if (this.backlogHead > 1024 && this.backlogHead * 2 > this.backlog.length) {
        this.backlog.splice(0, this.backlogHead)
        this.backlogHead = 0
      }
      if (next.cancelled) continue
      this.start(next)
    }
  }

  private notification(method: string, params: Record<string, unknown>): void {
    if (method === "notifications/cancelled") return this.cancelled(params)
    if (method === "notifications/progress") return this.progress(params)
    const route = this.router.match(method)
    if (route === undefined || route.kind !== "notification") return
    const decoded = route.decode(params)
    if (decoded._tag === "Left") {
      this.logDefect(`Ignored ${method}: invalid params`, Cause.fail(decoded.left))
      return
    }
    const context = Context.add(this.runtime.context, RequestContext, this.notificationContext(method, params))
    const runtime = Runtime.make({ context, fiberRefs: this.runtime.fiberRefs, runtimeFlags: this.runtime.runtimeFlags })
    Runtime.runFork(runtime, route.handler(decoded.right), { immediate: true }).addObserver((exit) => {
      if (Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause)) this.logDefect(`Handler of ${method} failed`, exit.cause)
    })
  }

  private cancelled(params: Record<string, unknown>): void {
    const id = params.requestId
    if (!isRequestId(id)) return
    const entry = this.entries.get(id)
    // The specification forbids cancelling `initialize`.
    if (entry === undefined || entry.route.method === "initialize") return
    this.cancel(entry)
  }

  /** Interrupts a request (or drops it from the backlog); it gets no answer. */
  private cancel(entry: Entry): void {
    entry.cancelled = true
    if (entry.fiber !== undefined) {
      entry.fiber.unsafeInterruptAsFork(FiberId.none)
    } else {
      this.entries.delete(entry.id)
      abandon(entry.out, entry.id)
    }
  }

  private progress(params: Record<string, unknown>): void {
    const token = params.progressToken
    if (typeof token !== "string") return
    const pending = this.pending.get(token.startsWith("p") ? Number(token.slice(1)) : token)
    if (pending === undefined || pending.onProgress === undefined || typeof params.progress !== "number") return
    const update: { progress: number; total?: number; message?: string } = { progress: params.progress }
    if (typeof params.total === "number") update.total = params.total
    if (typeof params.message === "string") update.message = params.message
    pending.onProgress(update)
  }

  private response(message: Message.Response): void {
    const pending = this.pending.get(message.id)
    if (pending === undefined) return
    this.pending.delete(message.id)
    if (message.error !== undefined) {
      const error = isPlainObject(message.error) ? message.error : {}
      const code = typeof error.code === "number" ? error.code : ErrorCode.InternalError
      const text = typeof error.message === "string" ? error.message : "error without a message"
      pending.resume(Exit.fail(new ProtocolError({
        reason: "RemoteError",
        method: pending.method,
        code,
        message: text,
        ...(error.data === undefined ? {} : { data: error.data })
      })))
    } else if (isPlainObject(message.result)) {
      pending.resume(Exit.succeed(message.result))
    } else {
      pending.resume(Exit.fail(new ProtocolError({ reason: "InvalidResponse", method: pending.method, message: "The result of a response must be an object" })))
    }
  }

  // ---------------------------------------------------------------- outgoing

  private request(
    out: Outbound,
    method: string,
    params: Record<string, unknown> | undefined,
    options: OutgoingRequestOptions = {}
  ): Effect.Effect<Record<string, unknown>, ProtocolError | RecoveryError> {
    const once = this.requestOnce(out, method, params, options)
    const retry = options.retry
    if (retry === undefined) return once
    let attempts = 0
    return Effect.suspend(() => {
      attempts++
      return once
    }).pipe(
      Effect.retry({ schedule: retry, while: (error: ProtocolError) => error.reason === "Timeout" }),
      Effect.catchAll((error): Effect.Effect<never, ProtocolError | RecoveryError> =>
        error.reason === "Timeout"
          ? Effect.fail(new RecoveryError({ message: `${method}: no response after ${attempts} attempts`, attempts, cause: error }))
          : Effect.fail(error)
      )
    ) as Effect.Effect<Record<string, unknown>, ProtocolError | RecoveryError>
  }

  private requestOnce(
    out: Outbound,
    method: string,
    params: Record<string, unknown> | undefined,
    options: OutgoingRequestOptions
  ): Effect.Effect<Record<string, unknown>, ProtocolError> {
    const timeoutMs = options.timeoutMs ?? this.config.requestTimeoutMs
    return Effect.async<Record<string, unknown>, ProtocolError>((resume) => {
      if (this.closed) {
        resume(Effect.fail(new ProtocolError({ reason: "Closed", method, message: "The connection is closed" })))
        return
      }
      const id = this.nextId++
      const progressToken = options.onProgress === undefined ? undefined : `p${id}`
      const sent = progressToken === undefined
        ? params
        : { ...params, _meta: { ...(isPlainObject(params?._meta) ? params._meta : {}), progressToken } }
      this.pending.set(id, { method, resume, onProgress: options.onProgress })
      out.send(requestFrame(id, method, sent))
      return Effect.sync(() => {
        if (this.pending.delete(id) && !this.closed) {
          out.send(notificationFrame("notifications/cancelled", { requestId: id, reason: "cancelled by the sender" }))
        }
      })
    }).pipe(
      Effect.timeoutFail({
        duration: timeoutMs,
        onTimeout: () => new ProtocolError({ reason: "Timeout", method, message: `No response to ${method} within ${timeoutMs} ms` })
      })
    )
  }

  private requestContext(entry: Entry): RequestContextService {
    const token = entry.meta?.progressToken
    const progressToken: ProgressToken | undefined = typeof token === "string" || typeof token === "number" ? token : undefined
    return {
      id: entry.id,
      method: entry.route.method,
      meta: entry.meta,
      progressToken,
      session: this.session,
      protocolVersion: entry.stateless === undefined ? this.session.protocolVersion : entry.stateless.version,
      peerCapabilities: entry.stateless === undefined ? this.session.peerCapabilities : entry.stateless.capabilities,
      peerInfo: entry.stateless === undefined ? this.session.peerInfo : entry.stateless.info,
      progress: (progress, total, message) =>
        progressToken === undefined || entry.done
          ? Effect.void
          : Effect.sync(() => {
            const params: Record<string, unknown> = { progressToken, progress }
            if (total !== undefined) params.total = total
            if (message !== undefined) params.message = message
            entry.related.send(notificationFrame("notifications/progress", params))
          }),
      // A fiber that outlives its request notifies on the connection: the request's stream may be gone.
      notify: (method, params) => Effect.sync(() => (entry.done ? this.transport : entry.related).send(notificationFrame(method, params))),
      closeStream: Effect.sync(() => entry.related.closeStream?.()),
      request: (method, params, options) => this.request(entry.related, method, params, options)
    }
  }

  private notificationContext(method: string, params: Record<string, unknown>): RequestContextService {
    return {
      id: undefined,
      method,
      meta: isPlainObject(params._meta) ? params._meta : undefined,
      progressToken: undefined,
      session: this.session,
      protocolVersion: this.session.protocolVersion,
      peerCapabilities: this.session.peerCapabilities,
      peerInfo: this.session.peerInfo,
      progress: () => Effect.void,
      closeStream: Effect.void,
      notify: (m, p) => Effect.sync(() => this.transport.send(notificationFrame(m, p))),
      request: (m, p, options) => this.request(this.transport, m, p, options)
    }
  }

  // ---------------------------------------------------------------- lifecycle

  private logDefect(message: string, cause: Cause.Cause<unknown>): void {
    Runtime.runFork(this.runtime, Effect.logError(message, cause))
  }

  /** Interrupts every handler, fails every pending outgoing request. */
  shutdown(): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.closed = true
      const fibers: Array<Fiber.RuntimeFiber<unknown, McpError>> = []
      for (const entry of this.entries.values()) {
        entry.cancelled = true
        if (entry.fiber !== undefined) fibers.push(entry.fiber)
      }
      this.entries.clear()
      this.backlog.length = 0
      this.backlogHead = 0
      for (const [, pending] of this.pending) {
        pending.resume(Exit.fail(new ProtocolError({ reason: "Closed", method: pending.method, message: "The connection closed" })))
      }
      this.pending.clear()
      return Effect.forEach(fibers, (fiber) => fiber.interruptAsFork(FiberId.none).pipe(Effect.zipRight(fiber.await)), { discard: true })
        .pipe(Effect.zipRight(this.transport.close))
    })
  }
}
