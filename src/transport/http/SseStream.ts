/**
 * A logical SSE stream of a session: the answer stream of one POST, or the session's standalone
 * stream (GET). It outlives its HTTP connections: events get ids `<stream>:<seq>`, are kept in
 * the event store while the stream may still be resumed, and a GET with `Last-Event-ID` attaches
 * a new connection that first receives what was missed.
 */
import type * as EventStore from "./EventStore.js"
import * as Sse from "./Sse.js"

/** What a stream needs from its session. */
export interface StreamOwner {
  readonly id: string
  readonly store: EventStore.Service
  /** Whether clients of this session understand priming events and polling (>= 2025-11-25). */
  readonly polling: boolean
  readonly retryMs: number
  readonly maxBufferedBytes: number
  /** A quiet connection gets a keep-alive comment this often (0: never). */
  readonly keepAliveMs: number
  /** A stream was delivered to its end (or given up): forget it. */
  readonly forget: (stream: SseStream) => void
  /** A connection of this session opened or closed (for idle tracking). */
  readonly connectionsChanged: (delta: number) => void
}

export class SseStream {
  private seq = 0
  private writer: Sse.SseWriter | undefined = undefined
  /** The last sequence number written to a connection. */
  private delivered = 0
  /** All the stream will ever carry has been sent (a POST stream whose answers are out). */
  finished = false

  constructor(
    private readonly owner: StreamOwner,
    readonly id: string,
    /** POST streams end when finished; the standalone stream lives as long as the session. */
    readonly standalone: boolean
  ) {}

  /** Whether an HTTP connection is reading this stream now. */
  get connected(): boolean {
    return this.writer !== undefined
  }

  /** Sends one frame: stored for resumption, and written when a connection is attached. */
  push(frame: string): void {
    const seq = ++this.seq
    this.owner.store.append(this.owner.id, this.id, { seq, data: frame })
    if (this.writer !== undefined) {
      this.writer.write(Sse.event(`${this.id}:${seq}`, frame))
      this.delivered = seq
    }
  }

  /** A POST stream's answers are all sent: end its connection, or wait for the client to resume. */
  finish(): void {
    if (this.finished) return
    this.finished = true
    if (this.writer !== undefined) {
      this.writer.end()
      this.release()
    }
  }

  /**
   * Opens a connection on this stream (a new POST stream, or a GET): first the events after
   * `afterSeq` (for the standalone stream without `Last-Event-ID`, `afterSeq` is undefined: it
   * gets what no connection has received yet), then a priming event when the session polls (its
   * id is the newest, so resuming from it loses nothing), then live events. A connection already
   * attached is ended: the client has moved to the new one.
   */
  connect(afterSeq: number | undefined): Sse.SseWriter {
    this.writer?.end()
    const writer = new Sse.SseWriter(this.owner.maxBufferedBytes, (closed) => this.disconnected(closed), this.owner.keepAliveMs)
    this.owner.connectionsChanged(1)
    this.writer = writer
    let text = ""
    for (const event of this.owner.store.replay(this.owner.id, this.id, afterSeq ?? this.delivered)) {
      text += Sse.event(`${this.id}:${event.seq}`, event.data)
      this.delivered = event.seq
    }
    if (this.owner.polling) text += Sse.priming(`${this.id}:${++this.seq}`, this.owner.retryMs)
    if (text.length > 0) writer.write(text)
    if (this.finished) {
      writer.end()
      this.release()
    }
    return writer
  }

  /** Writes `frames` (sent before the stream had a connection) as its first events. */
  pushAll(frames: ReadonlyArray<string>): void {
    for (const frame of frames) this.push(frame)
  }

  /**
   * Ends the connection but not the stream (SEP-1699 polling): what follows is kept for the
   * client, which reconnects after the retry delay. Only for sessions that poll; older clients
   * would not come back.
   */
  closeConnection(): void {
    if (!this.owner.polling || this.writer === undefined || this.finished) return
    const writer = this.writer
    writer.write(Sse.retry(this.owner.retryMs))
    writer.end()
  }

  /** Ends the connection for good (the session ends). */
  close(): void {
    this.finished = true
    this.writer?.end()
  }

  /** Called once per writer, when its HTTP response is over. */
  private disconnected(writer: Sse.SseWriter): void {
    if (this.writer === writer) this.writer = undefined
    this.owner.connectionsChanged(-1)
  }

  /** The stream was delivered to its end: nothing to resume any more. */
  private release(): void {
    if (this.standalone) return
    this.owner.store.dropStream(this.owner.id, this.id)
    this.owner.forget(this)
  }
}
