import { describe, expect, it, vi } from "vitest"
import * as Sse from "../../../src/transport/http/Sse.js"

const sink = () => {
  const state = { writes: [] as Array<string>, ended: false, destroyed: false, buffered: 0 }
  return {
    state,
    sink: {
      write: (text: string) => {
        state.writes.push(text)
        state.buffered += text.length
      },
      end: () => {
        state.ended = true
      },
      buffered: () => state.buffered,
      destroy: () => {
        state.destroyed = true
      }
    }
  }
}

const tick = () => new Promise<void>((done) => setTimeout(done, 0))

describe("SseWriter", () => {
  it("writes what is written in one tick in one write, and keeps text written before the sink is attached", async () => {
    const closed: Array<Sse.SseWriter> = []
    const writer = new Sse.SseWriter(1024, (w) => closed.push(w))
    writer.write(Sse.priming("1:1", 500))
    const { sink: s, state } = sink()
    writer.attach(s)
    writer.write(Sse.event("1:2", "{\"a\":1}"))
    await tick()
    expect(state.writes).toEqual(["id: 1:1\nretry: 500\ndata: \n\nid: 1:2\ndata: {\"a\":1}\n\n"])
    writer.write(Sse.event("1:3", "{}"))
    writer.write(Sse.event("1:4", "{}"))
    writer.end()
    expect(state.writes).toHaveLength(2)
    expect(state.ended).toBe(true)
    expect(closed).toEqual([writer])
    writer.write("ignored")
    expect(state.writes).toHaveLength(2)
  })

  it("drops a client that does not read beyond maxBufferedBytes", async () => {
    let closes = 0
    const writer = new Sse.SseWriter(100, () => closes++)
    const { sink: s, state } = sink()
    writer.attach(s)
    writer.write("x".repeat(60))
    await tick()
    expect(state.destroyed).toBe(false)
    writer.write("x".repeat(60))
    await tick()
    expect(state.destroyed).toBe(true)
    expect(closes).toBe(1)
    writer.write("more")
    await tick()
    expect(state.writes).toHaveLength(2)
  })

  it("ends a sink attached after the end, and releases once when abandoned", () => {
    let closes = 0
    const writer = new Sse.SseWriter(100, () => closes++)
    writer.write("a")
    writer.end()
    const { sink: s, state } = sink()
    writer.attach(s)
    expect(state.writes).toEqual(["a"])
    expect(state.ended).toBe(true)
    writer.abandon()
    expect(closes).toBe(1)
  })

  it("writes a keep-alive comment when a connection was quiet for keepAliveMs, and stops when released", async () => {
    vi.useFakeTimers()
    try {
      let closes = 0
      const writer = new Sse.SseWriter(1024, () => closes++, 1000)
      const { sink: s, state } = sink()
      writer.attach(s)
      vi.advanceTimersByTime(1000)
      expect(state.writes).toEqual([Sse.keepAlive])
      writer.write(Sse.event("1:1", "{}"))
      await Promise.resolve()
      // The event kept the connection busy for this interval.
      vi.advanceTimersByTime(1000)
      expect(state.writes).toEqual([Sse.keepAlive, "id: 1:1\ndata: {}\n\n"])
      vi.advanceTimersByTime(1000)
      expect(state.writes.at(-1)).toBe(Sse.keepAlive)
      writer.abandon()
      const count = state.writes.length
      vi.advanceTimersByTime(10_000)
      expect(state.writes).toHaveLength(count)
      expect(closes).toBe(1)
    } finally {
      vi.useRealTimers()
    }
  })
})
