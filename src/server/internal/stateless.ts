/**
 * What the server adds to its answers in the stateless era (2026-07-28): the server's info in
 * every result's `_meta` (the engine adds it), cache hints on lists and reads.
 */
import type { CacheScope, Implementation } from "../../schema/base.js"
import { MetaKeys } from "../../schema/stateless.js"

/** Whether decoded params belong to a 2026-07-28 request (the engine refused other versions in `_meta`). */
export const isStateless = (params: { readonly _meta?: { readonly [key: string]: unknown } | undefined }): boolean =>
  params._meta?.[MetaKeys.protocolVersion] !== undefined

export class StatelessAnswers {
  /** The `_meta` of every 2026-07-28 result. */
  readonly resultMeta: Record<string, unknown>

  constructor(serverInfo: Implementation, readonly ttlMs: number) {
    this.resultMeta = { [MetaKeys.serverInfo]: serverInfo }
  }

  /** Cache hints; lists and discovery are the same for every client, reads may not be. */
  hints(cacheScope: CacheScope): { readonly ttlMs: number; readonly cacheScope: CacheScope } {
    return { ttlMs: this.ttlMs, cacheScope }
  }

  /** The leading fields of a 2026-07-28 list page (pre-serialized by `Listing`). */
  listFields(): Record<string, unknown> {
    return { resultType: "complete", _meta: this.resultMeta, ...this.hints("public") }
  }
}
