/**
 * A `ContextStore` in memory: for tests and `mcx serve --db :memory:`. Commits are atomic (they
 * apply synchronously) but nothing survives the process. `backup`/`restore` write and read a
 * JSON file, so a memory store can still be saved and loaded.
 *
 * @example
 * ```ts
 * const contexts = ContextManager.layer().pipe(Layer.provide(MemoryStore.layer()))
 * ```
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { readFile, rename, writeFile } from "node:fs/promises"
import { ContextStore, type ContextRecord, type HistoryEntry, PersistenceError, type Service } from "./ContextStore.js"
import { decodeExport } from "./internal/verify.js"

interface Stored {
  readonly record: ContextRecord
  readonly history: ReadonlyArray<HistoryEntry>
}

const io = (message: string) => (error: unknown) =>
  new PersistenceError({ reason: "Io", message: `${message}: ${error instanceof Error ? error.message : String(error)}` })

/** Builds a memory store, empty or with `contents`. */
export const make = (contents: Iterable<Stored> = []): Effect.Effect<Service> =>
  Effect.sync(() => {
    let data = new Map<string, Stored>()
    for (const stored of contents) data.set(stored.record.id, stored)
    return ContextStore.of({
      // Staged first, applied at the end: a commit that fails leaves nothing behind.
      commit: (writes) =>
        Effect.suspend(() => {
          const staged = new Map<string, Stored | undefined>()
          const current = (id: string) => staged.has(id) ? staged.get(id) : data.get(id)
          for (const write of writes) {
            if (write._tag === "Delete") {
              staged.set(write.id, undefined)
              continue
            }
            const { entry, record } = write
            const previous = current(record.id)?.history ?? []
            if (previous.some((stored) => stored.version === entry.version)) {
              return Effect.fail(
                new PersistenceError({ reason: "Conflict", message: `version ${entry.version} of ${entry.id} is stored already` })
              )
            }
            const history = [...previous.filter((stored) => stored.version < entry.version), entry]
            const keep = Math.max(1, write.keepHistory)
            staged.set(record.id, { record, history: history.length > keep ? history.slice(-keep) : history })
          }
          return Effect.sync(() => {
            for (const [id, stored] of staged) {
              if (stored === undefined) data.delete(id)
              else data.set(id, stored)
            }
          })
        }),
      get: (id) => Effect.sync(() => Option.fromNullable(data.get(id)?.record)),
      history: (id, options) =>
        Effect.sync(() => {
          const all = (data.get(id)?.history ?? []).filter((entry) => entry.version >= (options?.fromVersion ?? 0))
          return options?.limit === undefined ? all : all.slice(0, options.limit)
        }),
      scan: Stream.suspend(() => Stream.fromIterable([...data.keys()].sort().map((id) => data.get(id)!.record))),
      count: Effect.sync(() => data.size),
      backup: (path) =>
        Effect.tryPromise({
          try: async () => {
            const document = { contexts: [...data.values()] }
            await writeFile(`${path}.tmp`, JSON.stringify(document))
            await rename(`${path}.tmp`, path)
          },
          catch: io(`backup to ${path} failed`)
        }),
      restore: (path) =>
        Effect.flatMap(
          Effect.tryPromise({ try: () => readFile(path, "utf8"), catch: io(`restore from ${path} failed`) }),
          (text) => {
            let parsed: unknown
            try {
              parsed = JSON.parse(text)
            } catch (error) {
              return Effect.fail(new PersistenceError({ reason: "Corrupt", message: `${path} is not JSON: ${String(error)}` }))
            }
            const decoded = decodeExport(parsed)
            if (Either.isLeft(decoded)) return Effect.fail(new PersistenceError({ reason: "Corrupt", message: `${path}: ${decoded.left}` }))
            return Effect.sync(() => {
              data = new Map(decoded.right.contexts.map((stored) => [stored.record.id, stored]))
            })
          }
        )
    })
  })

/** The memory store as a layer. */
export const layer = (contents: Iterable<Stored> = []): Layer.Layer<ContextStore> => Layer.effect(ContextStore, make(contents))
