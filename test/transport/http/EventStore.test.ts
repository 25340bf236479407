import { describe, expect, it } from "vitest"
import * as EventStore from "../../../src/transport/http/EventStore.js"

const event = (seq: number, size = 10) => ({ seq, data: "x".repeat(size) })

describe("EventStore.makeMemory", () => {
  it("replays the events of a stream after a sequence number, per session and stream", () => {
    const store = EventStore.makeMemory()
    for (let seq = 1; seq <= 5; seq++) store.append("s1", "a", event(seq))
    store.append("s1", "b", event(1))
    store.append("s2", "a", event(1))
    expect(store.replay("s1", "a", 2).map((e) => e.seq)).toEqual([3, 4, 5])
    expect(store.replay("s1", "a", 5)).toEqual([])
    expect(store.replay("s1", "b", 0).map((e) => e.seq)).toEqual([1])
    expect(store.replay("s3", "a", 0)).toEqual([])
    store.dropStream("s1", "a")
    expect(store.replay("s1", "a", 0)).toEqual([])
    expect(store.replay("s1", "b", 0)).toHaveLength(1)
    store.dropSession("s1")
    expect(store.replay("s1", "b", 0)).toEqual([])
    expect(store.replay("s2", "a", 0)).toHaveLength(1)
  })

  it("keeps at most maxEventsPerStream events of a stream (the newest)", () => {
    const store = EventStore.makeMemory({ maxEventsPerStream: 3 })
    for (let seq = 1; seq <= 1_000; seq++) store.append("s", "a", event(seq))
    expect(store.replay("s", "a", 0).map((e) => e.seq)).toEqual([998, 999, 1_000])
  })

  it("drops a session's oldest streams beyond its size, then the oldest events of the stream being written", () => {
    const store = EventStore.makeMemory({ maxSizePerSession: 100 })
    for (let seq = 1; seq <= 5; seq++) store.append("s", "old", event(seq))
    for (let seq = 1; seq <= 6; seq++) store.append("s", "new", event(seq))
    expect(store.replay("s", "old", 0)).toEqual([])
    expect(store.replay("s", "new", 0)).toHaveLength(6)
    for (let seq = 7; seq <= 20; seq++) store.append("s", "new", event(seq))
    expect(store.replay("s", "new", 0).map((e) => e.seq)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20])
  })

  it("drops the oldest sessions beyond its total size", () => {
    const store = EventStore.makeMemory({ maxSize: 100 })
    for (let session = 0; session < 20; session++) store.append(`s${session}`, "a", event(1))
    expect(store.replay("s0", "a", 0)).toEqual([])
    expect(store.replay("s19", "a", 0)).toHaveLength(1)
    const kept = Array.from({ length: 20 }, (_, i) => store.replay(`s${i}`, "a", 0).length).reduce((a, b) => a + b, 0)
    expect(kept).toBe(10)
  })
})
