/**
 * Newline-delimited JSON over a pair of byte streams: the process's own stdin/stdout for a
 * server, a child process's pipes for a client. Outgoing frames written in the same tick go
 * out in one write; when the output pushes back, reading pauses until it drains.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { Readable, Writable } from "node:stream"
import { TransportError } from "../protocol/errors.js"
import * as Limits from "../protocol/Limits.js"
import { LineFramer } from "./internal/LineFramer.js"
import type { Frame, Transport } from "./Transport.js"

/** Options of a stdio transport. */
export interface Options {
  readonly input: Readable
  readonly output: Writable
  /** Lines longer than this are answered with an error and skipped. Default: the protocol's message limit. */
  readonly maxLineBytes?: number
  /** Whether `close` ends the output stream (not for the process's own stdout). Default true. */
  readonly endOutput?: boolean
}

/** A transport over `input` and `output`. */
export const make = (options: Options): Transport => {
  const { input, output } = options
  const maxLineBytes = options.maxLineBytes ?? Limits.defaults.maxMessageBytes
  let queued: Array<string> = []
  let scheduled = false
  let closed = false

  const flush = () => {
    scheduled = false
    if (queued.length === 0 || closed || output.destroyed) {
      queued = []
      return
    }
    const text = queued.length === 1 ? queued[0]! + "\n" : queued.join("\n") + "\n"
    queued = []
    if (!output.write(text) && !input.isPaused()) {
      input.pause()
      output.once("drain", () => input.resume())
    }
  }

  return {
    send: (frame) => {
      if (closed) return
      queued.push(frame)
      if (!scheduled) {
        scheduled = true
        queueMicrotask(flush)
      }
    },
    receive: (onFrame: (frame: Frame) => void) =>
      Effect.async<void, TransportError>((resume) => {
        const framer = new LineFramer(maxLineBytes, onFrame)
        const onData = (chunk: Buffer | string) => framer.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk)
        const onEnd = () => {
          framer.end()
          resume(Effect.void)
        }
        const onError = (cause: unknown) => resume(Effect.fail(new TransportError({ message: `stdio failed: ${String(cause)}`, cause })))
        input.on("data", onData)
        input.once("end", onEnd)
        input.once("error", onError)
        output.once("error", onError)
        input.resume()
        return Effect.sync(() => {
          input.off("data", onData)
          input.off("end", onEnd)
          input.off("error", onError)
          output.off("error", onError)
        })
      }),
    close: Effect.async<void>((resume) => {
      flush()
      closed = true
      if (options.endOutput === false || output.writableEnded || output.destroyed) {
        resume(Effect.void)
        return
      }
      output.end(() => resume(Effect.void))
    })
  }
}

/** The process's own stdin and stdout (stdout then carries protocol messages only). */
export const processTransport = (options: { readonly maxLineBytes?: number } = {}): Transport =>
  make({ input: process.stdin, output: process.stdout, endOutput: false, ...options })
