/**
 * A keyed collection served by a paged list method (`tools/list`, `resources/list`…): opaque
 * cursors, and each page serialized once and kept until the collection changes.
 */
import * as Effect from "effect/Effect"
import { McpError } from "../../protocol/errors.js"
import { RawJson } from "../../protocol/internal/wire.js"

const encodeCursor = (offset: number): string => Buffer.from(JSON.stringify({ o: offset })).toString("base64url")

const decodeCursor = (cursor: string): number | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"))
    const offset = typeof value === "object" && value !== null ? (value as { o?: unknown }).o : undefined
    return typeof offset === "number" && Number.isInteger(offset) && offset >= 0 ? offset : undefined
  } catch {
    return undefined
  }
}

export class Listing<A> {
  private readonly items = new Map<string, A>()
  private pages = new Map<number, RawJson>()

  constructor(
    /** The list method, for error messages. */
    private readonly method: string,
    /** The result's array field (`tools`, `resources`…). */
    private readonly field: string,
    private readonly wire: (item: A) => unknown,
    private readonly pageSize: number | undefined
  ) {}

  get(key: string): A | undefined {
    return this.items.get(key)
  }

  values(): ReadonlyArray<A> {
    return [...this.items.values()]
  }

  set(key: string, item: A): void {
    this.items.set(key, item)
    this.pages = new Map()
  }

  delete(key: string): boolean {
    if (!this.items.delete(key)) return false
    this.pages = new Map()
    return true
  }

  /** The page that starts at `cursor` (the first page without one). */
  page(cursor: string | undefined): Effect.Effect<RawJson, McpError> {
    let offset = 0
    if (cursor !== undefined) {
      const decoded = decodeCursor(cursor)
      if (decoded === undefined) return Effect.fail(McpError.invalidParams(`Invalid params for ${this.method}: unknown cursor`))
      offset = decoded
    }
    const cached = this.pages.get(offset)
    if (cached !== undefined) return Effect.succeed(cached)
    const all = [...this.items.values()]
    const end = this.pageSize === undefined ? all.length : Math.min(all.length, offset + this.pageSize)
    const result: Record<string, unknown> = { [this.field]: all.slice(offset, end).map(this.wire) }
    if (end < all.length) result.nextCursor = encodeCursor(end)
    const raw = new RawJson(JSON.stringify(result))
    this.pages.set(offset, raw)
    return Effect.succeed(raw)
  }
}
