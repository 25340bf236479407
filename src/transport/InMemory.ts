/**
 * A linked pair of in-memory transports: what one side sends, the other receives on the next
 * microtask. For tests, and for a client and server in the same process.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { TransportError } from "../protocol/errors.js"
import type { Frame, Transport } from "./Transport.js"

interface End {
  deliver: ((frame: Frame) => void) | undefined
  backlog: Array<Frame>
  closed: boolean
  onClose: (() => void) | undefined
}

const end = (): End => ({ deliver: undefined, backlog: [], closed: false, onClose: undefined })

const side = (self: End, peer: End): Transport => ({
  send: (frame) => {
    if (self.closed || peer.closed) return
    queueMicrotask(() => {
      if (peer.deliver !== undefined) peer.deliver(frame)
      else peer.backlog.push(frame)
    })
  },
  receive: (onFrame) =>
    Effect.async<void, TransportError>((resume) => {
      if (self.closed) return resume(Effect.void)
      self.deliver = onFrame
      const backlog = self.backlog
      self.backlog = []
      for (const frame of backlog) onFrame(frame)
      self.onClose = () => resume(Effect.void)
      return Effect.sync(() => {
        self.deliver = undefined
        self.onClose = undefined
      })
    }),
  close: Effect.sync(() => {
    for (const e of [self, peer]) {
      if (e.closed) continue
      e.closed = true
      // Let frames already sent arrive before the receiver learns of the close.
      queueMicrotask(() => e.onClose?.())
    }
  })
})

/** Two connected transports: `[client, server]`. Closing either closes both. */
export const makePair = (): readonly [Transport, Transport] => {
  const a = end()
  const b = end()
  return [side(a, b), side(b, a)] as const
}
