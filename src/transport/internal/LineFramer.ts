/**
 * Splits a byte stream into newline-delimited frames: robust to frames split across chunks
 * (also inside a multi-byte character), CRLF endings and blank lines. A line over the limit
 * is never buffered whole: its first bytes are kept for the error answer and the rest is
 * skipped up to the next newline.
 */
import { OversizedFrame, type Frame } from "../Transport.js"

const NEWLINE = 0x0a
const PREFIX_BYTES = 4096

export class LineFramer {
  private parts: Array<Buffer> = []
  private partsBytes = 0
  /** While skipping an oversized line: its size so far and its first bytes. */
  private skipping: { bytes: number; prefix: string } | undefined = undefined

  constructor(private readonly maxLineBytes: number, private readonly emit: (frame: Frame) => void) {}

  push(chunk: Buffer): void {
    let start = 0
    let newline = chunk.indexOf(NEWLINE, start)
    while (newline !== -1) {
      this.line(chunk, start, newline)
      start = newline + 1
      newline = chunk.indexOf(NEWLINE, start)
    }
    if (start < chunk.length) this.partial(chunk.subarray(start))
  }

  /** The input ended: a last line without a newline is still a frame. */
  end(): void {
    if (this.skipping !== undefined) {
      this.emit(new OversizedFrame(this.skipping.bytes, this.skipping.prefix))
      this.skipping = undefined
    } else if (this.partsBytes > 0) {
      this.text(Buffer.concat(this.parts, this.partsBytes), 0, this.partsBytes)
    }
    this.parts = []
    this.partsBytes = 0
  }

  private line(chunk: Buffer, start: number, end: number): void {
    if (this.skipping !== undefined) {
      const frame = new OversizedFrame(this.skipping.bytes + (end - start), this.skipping.prefix)
      this.skipping = undefined
      this.emit(frame)
      return
    }
    if (this.partsBytes === 0) {
      if (end - start > this.maxLineBytes) {
        this.emit(new OversizedFrame(end - start, chunk.toString("utf8", start, Math.min(end, start + PREFIX_BYTES))))
        return
      }
      this.text(chunk, start, end)
      return
    }
    const total = this.partsBytes + (end - start)
    const whole = Buffer.concat([...this.parts, chunk.subarray(start, end)], total)
    this.parts = []
    this.partsBytes = 0
    if (total > this.maxLineBytes) {
      this.emit(new OversizedFrame(total, whole.toString("utf8", 0, PREFIX_BYTES)))
      return
    }
    this.text(whole, 0, total)
  }

  private text(buffer: Buffer, start: number, end: number): void {
    if (end > start && buffer[end - 1] === 0x0d) end--
    // Blank lines (also whitespace-only ones) are not frames.
    let first = start
    while (first < end && (buffer[first] === 0x20 || buffer[first] === 0x09 || buffer[first] === 0x0d)) first++
    if (first === end) return
    this.emit(buffer.toString("utf8", start, end))
  }

  private partial(rest: Buffer): void {
    if (this.skipping !== undefined) {
      this.skipping.bytes += rest.length
      return
    }
    this.parts.push(rest)
    this.partsBytes += rest.length
    if (this.partsBytes > this.maxLineBytes) {
      const buffered = Buffer.concat(this.parts, this.partsBytes)
      this.skipping = { bytes: this.partsBytes, prefix: buffered.toString("utf8", 0, PREFIX_BYTES) }
      this.parts = []
      this.partsBytes = 0
    }
  }
}
