/**
 * The outbound of one POST: where the engine sends the answers to the POST's requests and the
 * messages related to them (progress, logs, requests to the client).
 *
 * While the engine handles the body, frames are collected. Most requests are answered right
 * away (before `handle` returns): the POST is then answered with one complete body. Otherwise the
 * exchange becomes a resumable SSE stream of the session, and `settled` ends it.
 */
import type { RequestId } from "../../schema/jsonrpc.js"
import type { Outbound } from "../Transport.js"
import type { HttpSession } from "./HttpSession.js"
import type * as Sse from "./Sse.js"
import type { SseStream } from "./SseStream.js"

export class Exchange implements Outbound {
  /** Frames sent before the exchange became a stream. */
  frames: Array<string> = []
  /** Every answer of the body is out (the engine settles a body once). */
  done = false
  private stream: SseStream | undefined = undefined
  private closeRequested = false
  private onSettled: (() => void) | undefined = undefined
  private onFirst: (() => void) | undefined = undefined

  constructor(private readonly session: HttpSession) {}

  send(frame: string): void {
    if (this.stream === undefined) {
      this.frames.push(frame)
      this.first()
    } else {
      this.stream.push(frame)
    }
  }

  settled(_id: RequestId | null): void {
    this.done = true
    this.stream?.finish()
    this.first()
    this.onSettled?.()
  }

  private first(): void {
    const f = this.onFirst
    this.onFirst = undefined
    f?.()
  }

  /** Calls `f` once the first frame is out or the body is answered (at once if either is so). */
  whenFirst(f: () => void): void {
    if (this.done || this.frames.length > 0) f()
    else this.onFirst = f
  }

  closeStream(): void {
    if (this.stream === undefined) this.closeRequested = true
    else this.stream.closeConnection()
  }

  /** Calls `f` once the body is answered (at once if it is). */
  whenSettled(f: () => void): void {
    if (this.done) f()
    else this.onSettled = f
  }

  /** Turns the exchange into a stream of the session; returns the writer of the POST's response. */
  openStream(): Sse.SseWriter {
    const stream = this.session.openStream()
    const writer = stream.connect(0)
    this.stream = stream
    stream.pushAll(this.frames)
    this.frames = []
    if (this.closeRequested) stream.closeConnection()
    return writer
  }
}
