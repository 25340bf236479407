/**
 * Where the Streamable HTTP transport keeps the events of its SSE streams, so that a client
 * whose stream broke (or was closed on purpose, SEP-1699 polling) can resume it with
 * `Last-Event-ID` and receive what it missed, including an answer that arrived while it was away.
 *
 * The transport appends every event of a stream that may still be resumed, and drops the
 * stream once it has been delivered to the end. The memory implementation is bounded per
 * stream, per session and in total; the oldest streams go first.
 *
 * @example
 * ```ts
 * const Http = StreamableHttp.layer({ port: 3000 }).pipe(
 *   Layer.provide(EventStore.layerMemory({ maxEventsPerStream: 100 }))
 * )
 * ```
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"

/** One stored event: its sequence number within its stream and its data (a JSON-RPC frame). */
export interface StoredEvent {
  readonly seq: number
  readonly data: string
}

/**
 * The store as a service. Its methods are synchronous because the transport calls them on the
 * path of every outgoing frame; a store shared between processes would queue its writes.
 */
export interface Service {
  /** Records an event of `stream` in `session` (sequence numbers grow within a stream). */
  readonly append: (session: string, stream: string, event: StoredEvent) => void
  /** The events of `stream` after `afterSeq`, oldest first (empty when none are kept). */
  readonly replay: (session: string, stream: string, afterSeq: number) => ReadonlyArray<StoredEvent>
  /** Forgets a stream (delivered to the end). */
  readonly dropStream: (session: string, stream: string) => void
  /** Forgets every stream of a session (the session ended). */
  readonly dropSession: (session: string) => void
}

/** The event store of the Streamable HTTP transport. */
export class EventStore extends Context.Tag("machine-context/EventStore")<EventStore, Service>() {}

/** Bounds of the memory store. Sizes are counted in UTF-16 code units of the event data. */
export interface MemoryOptions {
  /** Events kept per stream; older ones are dropped. Default 1,000. */
  readonly maxEventsPerStream?: number
  /** Data kept per session; its oldest streams are dropped beyond it. Default 4 Mi. */
  readonly maxSizePerSession?: number
  /** Data kept in total; the oldest sessions' streams are dropped beyond it. Default 256 Mi. */
  readonly maxSize?: number
}

/** Events of one stream: a queue with a moving head, so dropping the oldest is O(1). */
class StreamEvents {
  readonly events: Array<StoredEvent> = []
  head = 0
  size = 0
  get length(): number {
    return this.events.length - this.head
  }
  shift(): StoredEvent {
    const event = this.events[this.head]!
    this.events[this.head++] = undefined as unknown as StoredEvent
    if (this.head > 64 && this.head * 2 > this.events.length) {
      this.events.splice(0, this.head)
      this.head = 0
    }
    this.size -= event.data.length
    return event
  }
}

interface SessionEvents {
  readonly streams: Map<string, StreamEvents>
  size: number
}

/** A store in this process's memory, bounded as `options` say. */
export const makeMemory = (options: MemoryOptions = {}): Service => {
  const maxEvents = options.maxEventsPerStream ?? 1_000
  const maxSessionSize = options.maxSizePerSession ?? 4 * 1024 * 1024
  const maxSize = options.maxSize ?? 256 * 1024 * 1024
  // Insertion order is age order: eviction takes the first entries.
  const sessions = new Map<string, SessionEvents>()
  let total = 0

  const dropStreamOf = (entry: SessionEvents, stream: string): void => {
    const events = entry.streams.get(stream)
    if (events === undefined) return
    entry.streams.delete(stream)
    entry.size -= events.size
    total -= events.size
  }

  const dropSession = (session: string): void => {
    const entry = sessions.get(session)
    if (entry === undefined) return
    sessions.delete(session)
    total -= entry.size
  }

  /** Drops the oldest streams of `entry` (never `keep`) until it fits. */
  const fitSession = (entry: SessionEvents, keep: StreamEvents): void => {
    for (const [name, events] of entry.streams) {
      if (entry.size <= maxSessionSize) return
      if (events !== keep) dropStreamOf(entry, name)
    }
    while (entry.size > maxSessionSize && keep.length > 1) {
      const dropped = keep.shift()
      entry.size -= dropped.data.length
      total -= dropped.data.length
    }
  }

  const fitTotal = (current: string): void => {
    for (const session of sessions.keys()) {
      if (total <= maxSize) return
      if (session !== current) dropSession(session)
    }
  }

  return {
    append: (session, stream, event) => {
      let entry = sessions.get(session)
      if (entry === undefined) {
        entry = { streams: new Map(), size: 0 }
        sessions.set(session, entry)
      }
      let events = entry.streams.get(stream)
      if (events === undefined) {
        events = new StreamEvents()
        entry.streams.set(stream, events)
      }
      events.events.push(event)
      events.size += event.data.length
      entry.size += event.data.length
      total += event.data.length
      if (events.length > maxEvents) {
        const dropped = events.shift()
        entry.size -= dropped.data.length
        total -= dropped.data.length
      }
      if (entry.size > maxSessionSize) fitSession(entry, events)
      if (total > maxSize) fitTotal(session)
    },
    replay: (session, stream, afterSeq) => {
      const events = sessions.get(session)?.streams.get(stream)
      if (events === undefined) return []
      const out: Array<StoredEvent> = []
      for (let i = events.head; i < events.events.length; i++) {
        const event = events.events[i]!
        if (event.seq > afterSeq) out.push(event)
      }
      return out
    },
    dropStream: (session, stream) => {
      const entry = sessions.get(session)
      if (entry === undefined) return
      dropStreamOf(entry, stream)
      if (entry.streams.size === 0) sessions.delete(session)
    },
    dropSession
  }
}

/** The memory store as a layer. */
export const layerMemory = (options: MemoryOptions = {}): Layer.Layer<EventStore> =>
  Layer.sync(EventStore, () => makeMemory(options))
