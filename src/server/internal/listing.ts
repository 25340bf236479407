/**
 * A keyed collection served by a paged list method (`tools/list`, `resources/list`…): opaque
 * cursors, and each page serialized once and kept until the collection changes. A 2026-07-28
 * page starts with the fields that era adds (`resultType`, `_meta`, cache hints), kept apart.
 * Items with a live part (a tool's state) keep their static text per page; each request reads
 * their live parts and joins the page again only when one of them changed (`Live`).
 */
import * as Effect from "effect/Effect"
import { McpError } from "../../protocol/errors.js"
import { RawJson } from "../../protocol/internal/wire.js"

/** An opaque cursor for the page that starts at `offset`. */
export const encodeCursor = (offset: number): string => Buffer.from(JSON.stringify({ o: offset })).toString("base64url")

/** The offset a cursor names; `undefined` for a cursor this server did not make. */
export const decodeCursor = (cursor: string): number | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"))
    const offset = typeof value === "object" && value !== null ? (value as { o?: unknown }).o : undefined
    return typeof offset === "number" && Number.isInteger(offset) && offset >= 0 ? offset : undefined
  } catch {
    return undefined
  }
}

/** Items rendered from a cached static text and a live part read on each request. */
export interface Live<A> {
  /** The item's static JSON text (kept until the collection changes). */
  readonly text: (item: A) => string
  /** The item's live part at `now` (compared with the last one served). */
  readonly live: (item: A, now: number) => string
  /** The item's whole JSON text from its static text and live part. */
  readonly complete: (text: string, live: string) => string
}

/** A page of live items: the static texts, the page's JSON around the items, and the last text served with its live parts. */
interface LivePage<A> {
  readonly items: ReadonlyArray<A>
  readonly texts: ReadonlyArray<string>
  readonly head: string
  readonly tail: string
  lives: ReadonlyArray<string>
  served: RawJson | undefined
}

const same = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

type Page<A> = RawJson | LivePage<A>

export class Listing<A> {
  private readonly items = new Map<string, A>()
  private pages = new Map<number, Page<A>>()
  private statelessPages = new Map<number, Page<A>>()
  /** The 2026-07-28 fields as JSON object members, followed by a comma. */
  private readonly statelessPrefix: string

  constructor(
    /** The list method, for error messages. */
    private readonly method: string,
    /** The result's array field (`tools`, `resources`…). */
    private readonly field: string,
    /** An item as a JSON value, or as a static text completed per request. */
    private readonly wire: ((item: A) => unknown) | Live<A>,
    private readonly pageSize: number | undefined,
    /** Fields of every 2026-07-28 page (`resultType`, `_meta`, `ttlMs`, `cacheScope`). */
    statelessFields: Record<string, unknown>
  ) {
    this.statelessPrefix = JSON.stringify(statelessFields).slice(1, -1) + ","
  }

  get(key: string): A | undefined {
    return this.items.get(key)
  }

  values(): ReadonlyArray<A> {
    return [...this.items.values()]
  }

  set(key: string, item: A): void {
    this.items.set(key, item)
    this.pages = new Map()
    this.statelessPages = new Map()
  }

  delete(key: string): boolean {
    if (!this.items.delete(key)) return false
    this.pages = new Map()
    this.statelessPages = new Map()
    return true
  }

  /** Adds (or replaces) `item` under `key`, then runs `changed` (the list_changed notification). */
  add(key: string, item: A, changed: Effect.Effect<void>): Effect.Effect<void> {
    return Effect.zipRight(Effect.sync(() => this.set(key, item)), changed)
  }

  /** Removes `key`; runs `changed` only when it was there. */
  remove(key: string, changed: Effect.Effect<void>): Effect.Effect<boolean> {
    return Effect.suspend(() => this.delete(key) ? Effect.as(changed, true) : Effect.succeed(false))
  }

  /** The page that starts at `cursor` (the first page without one), in 2026-07-28 form when `stateless`; live parts as of `now`. */
  page(cursor: string | undefined, stateless = false, now = 0): Effect.Effect<RawJson, McpError> {
    let offset = 0
    if (cursor !== undefined) {
      const decoded = decodeCursor(cursor)
      if (decoded === undefined) return Effect.fail(McpError.invalidParams(`Invalid params for ${this.method}: unknown cursor`))
      offset = decoded
    }
    const pages = stateless ? this.statelessPages : this.pages
    let page = pages.get(offset)
    if (page === undefined) {
      page = this.build(offset, stateless)
      pages.set(offset, page)
    }
    if (page instanceof RawJson) return Effect.succeed(page)
    const { complete, live } = this.wire as Live<A>
    const lives = page.items.map((item) => live(item, now))
    // Nothing live changed since the last request: its text serves again.
    if (page.served !== undefined && same(lives, page.lives)) return Effect.succeed(page.served)
    const { head, tail, texts } = page
    page.lives = lives
    page.served = new RawJson(`${head}${lives.map((text, i) => complete(texts[i]!, text)).join(",")}${tail}`)
    return Effect.succeed(page.served)
  }

  private build(offset: number, stateless: boolean): Page<A> {
    const all = [...this.items.values()]
    const end = this.pageSize === undefined ? all.length : Math.min(all.length, offset + this.pageSize)
    const items = all.slice(offset, end)
    const wire = this.wire
    const result: Record<string, unknown> = { [this.field]: typeof wire === "function" ? items.map(wire) : [] }
    if (end < all.length) result.nextCursor = encodeCursor(end)
    const json = JSON.stringify(result)
    const prefix = stateless ? `{${this.statelessPrefix}` : "{"
    if (typeof wire === "function") return new RawJson(`${prefix}${json.slice(1)}`)
    // The field is the result's first member: its empty array is the first "[]" of the text.
    const at = json.indexOf("[]")
    return { items, texts: items.map(wire.text), head: `${prefix}${json.slice(1, at + 1)}`, tail: json.slice(at + 1), lives: [], served: undefined }
  }
}
