/**
 * Server-Sent Events on the wire: the text of events, and a writer that turns what a stream
 * sends into the body of one HTTP response, one write per batch of events.
 */
import * as Effect from "effect/Effect"
import type * as StreamEmit from "effect/StreamEmit"
import * as Stream from "effect/Stream"

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

const encoder = new TextEncoder()

/**
 * The body of one SSE response. Text written in the same tick goes out as one chunk. When the
 * client reads slower than events come, the unread text is bounded by `maxBufferedBytes`:
 * beyond it the response is ended (the events stay in the event store for the client to resume).
 */
export class SseWriter {
  private pending = ""
  private scheduled = false
  private emit: StreamEmit.EmitOpsPush<never, Uint8Array> | undefined = undefined
  /** Bytes handed to the response body and not yet taken by the HTTP server. */
  private unread = 0
  private ending = false
  /** Whether the response is over (ended by us, or the client went away). */
  closed = false

  constructor(private readonly maxBufferedBytes: number, private readonly onClose: (writer: SseWriter) => void) {}

  /** The response body; it ends when the writer ends or the client disconnects. */
  body(): Stream.Stream<Uint8Array> {
    return Stream.asyncPush<Uint8Array>((emit) =>
      Effect.acquireRelease(
        Effect.sync(() => this.attach(emit)),
        () => Effect.sync(() => this.detach())
      ), { bufferSize: "unbounded" }).pipe(
      Stream.mapChunks((chunk) => {
        for (const bytes of chunk) this.unread -= bytes.length
        return chunk
      })
    )
  }

  /** Queues text for the next write. */
  write(text: string): void {
    if (this.closed || this.ending) return
    this.pending += text
    if (!this.scheduled && this.emit !== undefined) {
      this.scheduled = true
      queueMicrotask(() => this.flush())
    }
  }

  /** Writes what is queued and ends the response. */
  end(): void {
    if (this.closed || this.ending) return
    this.ending = true
    if (this.emit !== undefined) this.finish()
  }

  private attach(emit: StreamEmit.EmitOpsPush<never, Uint8Array>): void {
    if (this.closed) {
      emit.end()
      return
    }
    this.emit = emit
    if (this.ending) this.finish()
    else if (this.pending.length > 0 && !this.scheduled) {
      this.scheduled = true
      queueMicrotask(() => this.flush())
    }
  }

  /** The HTTP exchange is over, whether or not its body ever started: release the writer. */
  abandon(): void {
    this.detach()
  }

  private detach(): void {
    if (this.closed) return
    this.closed = true
    this.emit = undefined
    this.pending = ""
    this.onClose(this)
  }

  private flush(): void {
    this.scheduled = false
    if (this.emit === undefined || this.closed || this.pending.length === 0) return
    const bytes = encoder.encode(this.pending)
    this.pending = ""
    this.unread += bytes.length
    if (this.unread > this.maxBufferedBytes) {
      // A client that does not read: let it go, it resumes from the store.
      this.emit.end()
      this.detach()
      return
    }
    this.emit.single(bytes)
  }

  private finish(): void {
    this.flush()
    const emit = this.emit
    if (emit !== undefined) {
      emit.end()
      this.detach()
    }
  }
}
