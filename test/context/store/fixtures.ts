/**
 * Records and entries for store tests: a context's chain of versions, each entry hashed over the
 * previous hash (the manager's job in production; a simple stand-in here).
 */
import { createHash } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { ContextRecord, HistoryEntry, Write } from "../../../src/context/ContextStore.js"

/** The hash of an entry: SHA-256 over the previous hash and the entry's content. */
export const hashOf = (previousHash: string, id: string, version: number, value: unknown): string =>
  createHash("sha256").update(JSON.stringify([previousHash, id, version, value])).digest("hex")

/** The Put of `version` of `id` with `value`, chained to `previousHash`. */
export const put = (
  id: string,
  version: number,
  value: unknown,
  previousHash: string,
  options: { readonly keepHistory?: number; readonly labels?: Record<string, string>; readonly at?: number } = {}
): Extract<Write, { _tag: "Put" }> => {
  const at = options.at ?? 1_700_000_000_000 + version
  const hash = hashOf(previousHash, id, version, value)
  const entry: HistoryEntry = {
    id,
    version,
    value,
    patch: version === 1 ? [] : [{ op: "replace", path: "", value }],
    actor: "tester",
    at,
    hash,
    previousHash
  }
  const record: ContextRecord = {
    id,
    value,
    version,
    hash,
    labels: options.labels ?? {},
    createdAt: 1_700_000_000_000,
    updatedAt: at,
    owner: "tester"
  }
  return { _tag: "Put", record, entry, keepHistory: options.keepHistory ?? 100 }
}

/** The writes creating `id` and taking it through `versions` values (one Put per version). */
export const chain = (id: string, values: ReadonlyArray<unknown>, keepHistory?: number) => {
  const writes: Array<Extract<Write, { _tag: "Put" }>> = []
  let previous = ""
  values.forEach((value, index) => {
    const write = put(id, index + 1, value, previous, keepHistory === undefined ? {} : { keepHistory })
    writes.push(write)
    previous = write.entry.hash
  })
  return writes
}

/** A fresh temporary directory, removed by the returned function. */
export const tempDir = (): { readonly path: string; readonly remove: () => void } => {
  const path = mkdtempSync(join(tmpdir(), "mcx-store-"))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}
