/**
 * Server-Sent Events on the wire: the text of events, and a writer that turns what a stream
 * sends into the body of one HTTP response, one write per batch of events. The writer does not
 * know the HTTP server: it writes to a `Sink` that an adapter provides.
 */

/** An event carrying one JSON-RPC frame (JSON text has no raw newlines, so one `data:` line). */
export const event = (id: string, data: string): string => `id: ${id}\ndata: ${data}\n\n`

/** An event without an id (a complete response that cannot be resumed). */
export const anonymousEvent = (data: string): string => `data: ${data}\n\n`

/**
 * The priming event (SEP-1699): an id to resume from and the reconnection delay, with empty
 * data so that clients do not dispatch it.
 */
export const priming = (id: string, retryMs: number): string => `id: ${id}\nretry: ${retryMs}\ndata: \n\n`

/** The reconnection delay alone, sent before the server closes a stream it has not finished. */
export const retry = (retryMs: number): string => `retry: ${retryMs}\n\n`

/** A comment line: clients ignore it; it keeps intermediaries from closing a quiet stream. */
export const keepAlive = ":\r\n"

/** Where a writer's text goes: the body of one HTTP response. */
export interface Sink {
  /** Writes text (the sink encodes it). */
  readonly write: (text: string) => void
  /** Ends the response. */
  readonly end: () => void
  /** Bytes written and not yet taken by the client. */
  readonly buffered: () => number
  /** Drops the connection (a client that does not read). */
  readonly destroy: () => void
}

/**
 * The body of one SSE response. Text written in the same tick goes out in one write. When the
 * client reads slower than events come, what it has not taken is bounded by `maxBufferedBytes`:
 * beyond it the connection is dropped (the events stay in the event store for the client to
 * resume). Text written before the sink is attached waits for it. A stream quiet for
 * `keepAliveMs` gets a comment line (0: never).
 */
export class SseWriter {
  private pending = ""
  private scheduled = false
  private sink: Sink | undefined = undefined
  private ending = false
  private keepAlive: ReturnType<typeof setInterval> | undefined = undefined
  /** Whether something was written since the last keep-alive tick. */
  private active = false
  /** Whether the response is over (ended by us, or the client went away). */
  closed = false

  constructor(
    private readonly maxBufferedBytes: number,
    private readonly onClose: (writer: SseWriter) => void,
    private readonly keepAliveMs = 0
  ) {}

  /** Queues text for the next write. */
  write(text: string): void {
    if (this.closed || this.ending) return
    this.pending += text
    this.schedule()
  }

  /** Writes what is queued and ends the response. */
  end(): void {
    if (this.closed || this.ending) return
    this.ending = true
    if (this.sink !== undefined) this.finish()
  }

  /** Connects the response body. */
  attach(sink: Sink): void {
    if (this.closed) {
      sink.end()
      return
    }
    this.sink = sink
    if (this.ending) return this.finish()
    this.schedule()
    if (this.keepAliveMs > 0) {
      this.keepAlive = setInterval(() => {
        if (!this.active && this.pending.length === 0) this.sink?.write(keepAlive)
        this.active = false
      }, this.keepAliveMs)
      // A quiet stream does not keep the process alive.
      this.keepAlive.unref()
    }
  }

  /** The HTTP exchange is over, whether or not its body ever started: release the writer. */
  abandon(): void {
    if (this.closed) return
    this.closed = true
    if (this.keepAlive !== undefined) clearInterval(this.keepAlive)
    this.sink = undefined
    this.pending = ""
    this.onClose(this)
  }

  private schedule(): void {
    if (!this.scheduled && this.sink !== undefined && this.pending.length > 0) {
      this.scheduled = true
      queueMicrotask(() => this.flush())
    }
  }

  private flush(): void {
    this.scheduled = false
    const sink = this.sink
    if (sink === undefined || this.closed || this.pending.length === 0) return
    const text = this.pending
    this.pending = ""
    this.active = true
    sink.write(text)
    if (sink.buffered() > this.maxBufferedBytes) {
      // A client that does not read: let it go, it resumes from the store.
      sink.destroy()
      this.abandon()
    }
  }

  private finish(): void {
    this.flush()
    const sink = this.sink
    if (sink !== undefined) {
      sink.end()
      this.abandon()
    }
  }
}
