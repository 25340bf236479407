import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { LineFramer } from "../../src/transport/internal/LineFramer.js"
import { OversizedFrame, type Frame } from "../../src/transport/Transport.js"

const frames = (chunks: ReadonlyArray<Buffer>, max = 1 << 20): Array<Frame> => {
  const out: Array<Frame> = []
  const framer = new LineFramer(max, (frame) => out.push(frame))
  for (const chunk of chunks) framer.push(chunk)
  framer.end()
  return out
}

/** Cuts `bytes` at the given offsets (sorted, deduplicated). */
const cut = (bytes: Buffer, offsets: ReadonlyArray<number>): Array<Buffer> => {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b)
  const chunks: Array<Buffer> = []
  let start = 0
  for (const point of points) {
    chunks.push(bytes.subarray(start, point))
    start = point
  }
  chunks.push(bytes.subarray(start))
  return chunks
}

describe("LineFramer", () => {
  it("yields the same lines however the stream is chunked (multi-byte characters, CRLF, blank lines)", () => {
    const line = FastCheck.string({ unit: "binary", maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, "")).filter((s) => s.trim() !== "")
    FastCheck.assert(
      FastCheck.property(
        FastCheck.array(FastCheck.tuple(line, FastCheck.constantFrom("\n", "\r\n", "\n\n", "\n  \n")), { maxLength: 20 }),
        FastCheck.array(FastCheck.nat(2000), { maxLength: 30 }),
        (lines, offsets) => {
          const text = lines.map(([l, end]) => l + end).join("")
          const expected = lines.map(([l]) => l)
          expect(frames(cut(Buffer.from(text, "utf8"), offsets))).toEqual(expected)
        }
      ),
      { numRuns: 300 }
    )
  })

  it("turns an over-long line into one OversizedFrame without buffering it, and goes on", () => {
    const big = `{"jsonrpc":"2.0","id":42,"method":"x","params":{"p":"${"a".repeat(5000)}"}}`
    const chunks = cut(Buffer.from(`${big}\n{"ok":1}\n${big}`), [10, 100, 1000, 3000, 5050, 5070])
    const out = frames(chunks, 1000)
    expect(out).toHaveLength(3)
    expect(out[0]).toBeInstanceOf(OversizedFrame)
    expect((out[0] as OversizedFrame).bytes).toBe(Buffer.byteLength(big))
    expect((out[0] as OversizedFrame).prefix.startsWith("{\"jsonrpc\":\"2.0\",\"id\":42")).toBe(true)
    expect(out[1]).toBe("{\"ok\":1}")
    expect(out[2]).toBeInstanceOf(OversizedFrame)
  })

  it("emits a last line that has no newline when the input ends", () => {
    expect(frames([Buffer.from("a\nb")])).toEqual(["a", "b"])
  })
})
