/**
 * Logging to the client (`notifications/message`): the minimum level of each session (set by
 * `logging/setLevel`), and an Effect `Logger` that forwards `Effect.log*` calls made while
 * serving a request to the client that sent it, next to Effect's usual loggers.
 *
 * Until a client sends `logging/setLevel`, the server's `logLevel` option applies (`"info"`
 * by default: debug messages are not sent; `"off"` sends nothing). A 2026-07-28 request gets
 * messages only when its `_meta` carries `io.modelcontextprotocol/logLevel`, at or above it.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import * as HashMap from "effect/HashMap"
import * as HashSet from "effect/HashSet"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import { RequestContext, type RequestContextService } from "../protocol/RequestContext.js"
import type { Session } from "../protocol/Session.js"
import type { LoggingLevel } from "../schema/base.js"
import { MetaKeys } from "../schema/stateless.js"

/** Every MCP logging level, lowest first. */
export const levels: ReadonlyArray<LoggingLevel> = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]

const SEVERITY = new Map<string, number>(levels.map((level, i) => [level, i]))

/** A session's minimum level, or `"off"` for no messages at all. */
export type Threshold = LoggingLevel | "off"

/** Whether a message at `level` passes `threshold`. */
export const passes = (level: LoggingLevel, threshold: Threshold): boolean =>
  threshold !== "off" && SEVERITY.get(level)! >= SEVERITY.get(threshold)!

/** The MCP level of an Effect log level (trace is debug, fatal is critical). */
export const fromLogLevel = (level: LogLevel.LogLevel): LoggingLevel => {
  switch (level._tag) {
    case "All":
    case "Trace":
    case "Debug":
      return "debug"
    case "Info":
      return "info"
    case "Warning":
      return "warning"
    case "Error":
      return "error"
    default:
      return "critical"
  }
}

/** The minimum level of each session; sessions that never set one get the default. */
export class Levels {
  private readonly bySession = new WeakMap<Session, LoggingLevel>()
  constructor(readonly defaultLevel: Threshold = "info") {}

  /** The threshold of `session`. */
  get(session: Session): Threshold {
    return this.bySession.get(session) ?? this.defaultLevel
  }

  /**
   * The threshold of the request `request` serves: the session's, or in 2026-07-28 the
   * request's `_meta` log level (nothing at all without one).
   */
  of(request: RequestContextService): Threshold {
    if (request.protocolVersion !== "2026-07-28") return this.get(request.session)
    const level = request.meta?.[MetaKeys.logLevel]
    return typeof level === "string" && SEVERITY.has(level) ? level as LoggingLevel : "off"
  }

  /** Records the level the client asked for with `logging/setLevel`. */
  set(session: Session, level: LoggingLevel): void {
    this.bySession.set(session, level)
  }
}

/**
 * The log annotation that keeps a message off the wire (the server's own diagnostics, such as
 * a tool's defect, are for the operator, not for the client).
 */
export const ServerOnly = "machine-context/serverOnly"

/** Keeps the log messages of `effect` out of `notifications/message`. */
export const serverOnly = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.annotateLogs(effect, ServerOnly, true)

/** Makes any value JSON-safe (errors become their text, bigints strings). */
const toJson = (value: unknown): unknown => {
  if (value instanceof Error) return String(value)
  try {
    const text = JSON.stringify(value, (_, v: unknown) => typeof v === "bigint" ? v.toString() : v instanceof Error ? String(v) : v)
    return text === undefined ? null : JSON.parse(text)
  } catch {
    return String(value)
  }
}

/**
 * Sends `notifications/message` for the request `request` serves, if `level` passes its
 * session's threshold.
 */
export const send = (
  levelsOf: Levels,
  request: RequestContextService,
  level: LoggingLevel,
  data: unknown,
  logger?: string
): Effect.Effect<void> => {
  if (!passes(level, levelsOf.of(request))) return Effect.void
  const params: Record<string, unknown> = { level, data: toJson(data) }
  if (logger !== undefined) params.logger = logger
  return request.notify("notifications/message", params)
}

/**
 * An Effect `Logger` that forwards each message logged inside a request handler (found through
 * the fiber's `RequestContext`) to that request's client. The message is the data (an object
 * with the annotations when there are some); causes are not sent.
 */
export const clientLogger = (levelsOf: Levels): Logger.Logger<unknown, void> =>
  Logger.make(({ annotations, context, logLevel, message }) => {
    const request = Context.getOption(FiberRefs.getOrDefault(context, FiberRef.currentContext), RequestContext)
    if (Option.isNone(request) || HashMap.has(annotations, ServerOnly)) return
    const level = fromLogLevel(logLevel)
    if (!passes(level, levelsOf.of(request.value))) return
    const parts = Array.isArray(message) ? message : [message]
    const text = parts.length === 1 ? parts[0] : parts
    const data = HashMap.size(annotations) === 0 ? text : { message: text, ...Object.fromEntries(annotations) }
    Effect.runSync(send(levelsOf, request.value, level, data))
  })

/**
 * Runs `effect` (a connection being opened: its handlers inherit these settings) with
 * `clientLogger` added. Effect's minimum log level is lowered so that a client asking for
 * debug messages gets them; the other loggers keep filtering at the minimum they had.
 */
export const withClientLogging = (levelsOf: Levels) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(FiberRef.get(FiberRef.currentMinimumLogLevel), (minimum) =>
    effect.pipe(
      Effect.locallyWith(FiberRef.currentLoggers, (loggers) =>
        HashSet.add(
          HashSet.map(loggers, (logger) => Logger.filterLogLevel(logger, LogLevel.greaterThanEqual(minimum))),
          clientLogger(levelsOf)
        )),
      Effect.locally(FiberRef.currentMinimumLogLevel, LogLevel.All)
    ))
