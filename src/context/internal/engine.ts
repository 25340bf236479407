/**
 * The ContextManager's operations over its STM state and the store: loading, the write
 * pipeline (lock → compute → store.commit → install → publish), leases and reads.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as PubSub from "effect/PubSub"
import * as STM from "effect/STM"
import * as TMap from "effect/TMap"
import { randomBytes } from "node:crypto"
import { ContextNotFound, ContextValidationError, LeaseError, SyncError, VersionConflict, VersionNotFound } from "../ContextError.js"
import type { Change, ContextChange, CreateOptions, Lease as PublicLease, ListOptions, Page, Write, WriteError, WriteOptions } from "../ContextManager.js"
import * as ContextSchema from "../ContextSchema.js"
import type { ContextRecord, HistoryEntry, PersistenceError, Service as Store, Write as StoreWrite } from "../ContextStore.js"
import * as Json from "../Json.js"
import { threeWay } from "./merge.js"
import { type Body, type Lease, type Meta, metaOf, sizeOf, State } from "./state.js"
import { decodeExport, verifyHistory } from "./verify.js"

/** Limits of the engine. */
export interface Settings {
  readonly keepHistory: number
  readonly budget: number
}

interface Prepared {
  readonly id: string
  readonly write: StoreWrite
  readonly body: Body | undefined
  readonly change: ContextChange
}

const mintId = (): string => `ctx_${randomBytes(18).toString("base64url")}`

const invalid = (id: string, issues: ReadonlyArray<string>) => new ContextValidationError({ id, issues })

/** The engine behind the ContextManager service. */
export class Engine {
  /** Validators of contexts created with an Effect Schema in this process, by id. */
  private readonly validators = new Map<string, ContextSchema.Validator>()
  /** Validators of JSON Schemas, by schema object. */
  private readonly bySchema = new WeakMap<object, ContextSchema.Validator>()

  private constructor(
    readonly store: Store,
    readonly pubsub: PubSub.PubSub<ContextChange>,
    readonly state: State,
    readonly settings: Settings
  ) {}

  /** Builds the engine with `metas` (recovered from the store) in its index. */
  static make(store: Store, pubsub: PubSub.PubSub<ContextChange>, metas: Iterable<readonly [string, Meta]>, settings: Settings) {
    return Effect.map(State.make(metas, settings.budget), (state) => new Engine(store, pubsub, state, settings))
  }

  private validatorOf(record: ContextRecord): Effect.Effect<ContextSchema.Validator | undefined, string> {
    const own = this.validators.get(record.id)
    if (own !== undefined || record.schema === undefined) return Effect.succeed(own)
    // The schema object is shared by every version of a context: compile (or find) it once.
    const schema = record.schema as Record<string, unknown>
    const known = this.bySchema.get(schema)
    if (known !== undefined) return Effect.succeed(known)
    return Effect.map(ContextSchema.fromJsonSchema(schema), ({ validate }) => {
      this.bySchema.set(schema, validate)
      return validate
    })
  }

  /** Fails when `value` is not plain JSON or does not satisfy the context's schema. */
  private check(record: ContextRecord, value: unknown): Effect.Effect<void, ContextValidationError> {
    if (!Json.isJson(value)) return Effect.fail(invalid(record.id, ["the value is not plain JSON"]))
    return Effect.flatMap(
      Effect.mapError(this.validatorOf(record), (reason) => invalid(record.id, [reason])),
      (validate) => {
        const issues = validate?.(value)
        return issues === undefined ? Effect.void : Effect.fail(invalid(record.id, issues))
      }
    )
  }

  /** Loads a context into the cache; the caller holds its lock. */
  private load(id: string): Effect.Effect<Body, ContextNotFound | PersistenceError> {
    const { state, store, settings } = this
    return Effect.gen(function*() {
      const cached = yield* STM.commit(TMap.get(state.cache, id))
      if (cached._tag === "Some") return cached.value
      if (!(yield* STM.commit(TMap.has(state.index, id)))) return yield* new ContextNotFound({ id })
      const stored = yield* store.get(id)
      if (stored._tag === "None") return yield* new ContextNotFound({ id })
      const record = Json.own(stored.value)
      const history = Json.own(yield* store.history(id, { fromVersion: Math.max(1, record.version - settings.keepHistory + 1) }))
      const body: Body = { record, history, size: sizeOf((JSON.stringify(record.value) ?? "").length, history) }
      yield* STM.commit(state.install(id, body))
      return body
    })
  }

  /** The resident body of a context, loaded from the store when it is not in memory. */
  resident(id: string): Effect.Effect<Body, ContextNotFound | PersistenceError> {
    return Effect.flatMap(STM.commit(TMap.get(this.state.cache, id)), (cached) => {
      if (cached._tag === "Some") {
        this.state.touch(id)
        return Effect.succeed(cached.value)
      }
      return Effect.zipLeft(this.state.withLocks([id], () => this.load(id)), Effect.suspend(() => this.state.evict()))
    })
  }

  private publish(changes: ReadonlyArray<ContextChange>) {
    return Effect.forEach(changes, (change) => this.pubsub.publish(change), { discard: true })
  }

  /**
   * Commits prepared writes to the store, then installs and publishes them. Not interruptible:
   * once the store has a version, memory must get it too.
   */
  private apply(prepared: ReadonlyArray<Prepared>) {
    const { state } = this
    return Effect.uninterruptible(Effect.gen(this, function*() {
      yield* this.store.commit(prepared.map((p) => p.write))
      yield* STM.commit(STM.gen(function*() {
        for (const p of prepared) yield* (p.body === undefined ? state.forget(p.id) : state.install(p.id, p.body))
      }))
      for (const p of prepared) if (p.body === undefined) this.validators.delete(p.id)
      yield* this.publish(prepared.map((p) => p.change))
    }))
  }

  /** The history entry of `record.version` with `value`, and the length of the value's JSON text. */
  private entry(record: ContextRecord, value: unknown, patch: Json.Patch, actor: string | undefined, at: number) {
    const base = { id: record.id, version: record.version, value, patch, at, previousHash: record.hash, ...(actor === undefined ? {} : { actor }) }
    const valueText = Json.canonical(value)
    const entry: HistoryEntry = Json.own({ ...base, hash: Json.entryHash(base, valueText) })
    return { entry, valueLength: valueText.length }
  }

  create(options: CreateOptions): Effect.Effect<ContextRecord, ContextValidationError | ContextNotFound | PersistenceError> {
    return Effect.gen(this, function*() {
      const compiled = options.schema === undefined
        ? undefined
        : yield* Effect.mapError(ContextSchema.compile(options.schema), (reason) => invalid("", [reason]))
      const id = mintId()
      const at = yield* Clock.currentTimeMillis
      const draft: ContextRecord = {
        id,
        value: options.value,
        version: 1,
        hash: "",
        labels: { ...options.labels },
        createdAt: at,
        updatedAt: at,
        ...(compiled === undefined ? {} : { schema: compiled.jsonSchema }),
        ...(options.parent === undefined ? {} : { parent: options.parent }),
        ...(options.owner === undefined ? {} : { owner: options.owner })
      }
      if (compiled !== undefined) this.validators.set(id, compiled.validate)
      yield* Effect.tapError(this.check(draft, options.value), () => Effect.sync(() => this.validators.delete(id)))
      const { entry, valueLength } = this.entry(draft, options.value, [], options.actor, at)
      const record: ContextRecord = Json.own({ ...draft, value: entry.value, hash: entry.hash })
      const prepared: Prepared = {
        id,
        write: { _tag: "Put", record, entry, keepHistory: this.settings.keepHistory },
        body: { record, history: [entry], size: sizeOf(valueLength, [entry]) },
        change: { id, version: 1, patch: [], at, kind: "created", ...(options.actor === undefined ? {} : { actor: options.actor }) }
      }
      const parent = options.parent
      const write = this.apply([prepared]).pipe(Effect.tapError(() => Effect.sync(() => this.validators.delete(id))))
      yield* parent === undefined
        ? write
        : this.state.withLocks([parent], () => Effect.zipRight(this.load(parent), write))
      yield* this.state.evict()
      return record
    })
  }

  /** Commits writes atomically (all ids locked together); the new heads, `undefined` for deletes. */
  commit(writes: ReadonlyArray<Write>): Effect.Effect<ReadonlyArray<ContextRecord | undefined>, WriteError> {
    const ids = writes.map((w) => w.id)
    const duplicate = ids.find((id, i) => ids.indexOf(id) !== i)
    if (duplicate !== undefined) return Effect.fail(invalid(duplicate, ["named twice in one transaction"]))
    return Effect.gen(this, function*() {
      const now = yield* Clock.currentTimeMillis
      const prepared = yield* this.state.withLocks(ids, (locked) =>
        Effect.gen(this, function*() {
          const out: Array<Prepared> = []
          for (let i = 0; i < writes.length; i++) {
            const write = writes[i]!
            const refused = leaseError(write.id, locked[i]!.lease, write.lease, now)
            if (refused !== undefined) return yield* refused
            out.push(yield* this.prepare(write, locked[i]!.body ?? (yield* this.load(write.id)), now))
          }
          yield* this.apply(out)
          return out
        }))
      yield* this.state.evict()
      return prepared.map((p) => p.body?.record)
    })
  }

  private prepare(write: Write, body: Body, now: number): Effect.Effect<Prepared, WriteError> {
    const { record, history } = body
    const { id } = write
    return Effect.gen(this, function*() {
      const stale = write.expectedVersion !== undefined && write.expectedVersion !== record.version
      const strategy = write.strategy ?? "reject"
      const actor = write.actor === undefined ? {} : { actor: write.actor }
      if (write._tag === "Delete") {
        if (stale && strategy !== "last-writer-wins") {
          return yield* new VersionConflict({ id, expected: write.expectedVersion!, actual: record.version })
        }
        return { id, write: { _tag: "Delete", id }, body: undefined, change: { id, version: record.version, patch: [], at: now, kind: "deleted", ...actor } }
      }
      let next: unknown
      if (stale && strategy === "reject") {
        return yield* new VersionConflict({ id, expected: write.expectedVersion!, actual: record.version })
      } else if (stale && strategy === "merge") {
        const base = history.find((entry) => entry.version === write.expectedVersion)
        if (base === undefined) {
          return yield* new SyncError({ id, reason: `version ${write.expectedVersion} is no longer in the history: cannot merge`, paths: [] })
        }
        const theirs = yield* applyChange(id, base.value, write.change)
        const merged = threeWay(base.value, record.value, theirs)
        if (Either.isLeft(merged)) {
          return yield* new SyncError({ id, reason: `concurrent changes since version ${write.expectedVersion} overlap`, paths: merged.left })
        }
        next = merged.right
      } else {
        next = yield* applyChange(id, record.value, write.change)
      }
      yield* this.check(record, next)
      const patch = Json.diff(record.value, next)
      const { entry, valueLength } = this.entry({ ...record, version: record.version + 1 }, next, patch, write.actor, now)
      const head: ContextRecord = Json.own({ ...record, value: entry.value, version: entry.version, hash: entry.hash, updatedAt: now })
      const kept = [...history, entry]
      if (kept.length > this.settings.keepHistory) kept.splice(0, kept.length - this.settings.keepHistory)
      return {
        id,
        write: { _tag: "Put", record: head, entry, keepHistory: this.settings.keepHistory },
        body: { record: head, history: kept, size: sizeOf(valueLength, kept) },
        change: { id, version: entry.version, patch, at: now, kind: "updated", ...actor }
      } satisfies Prepared
    })
  }

  list(options: ListOptions): Effect.Effect<Page> {
    const limit = Math.min(Math.max(1, options.limit ?? 100), 1000)
    const after = options.cursor === undefined ? undefined : Buffer.from(options.cursor, "base64url").toString("utf8")
    return Effect.map(STM.commit(TMap.values(this.state.index)), (metas) => {
      const labels = Object.entries(options.labels ?? {})
      const matching = metas
        .filter((m) =>
          (after === undefined || m.id > after) &&
          (options.prefix === undefined || m.id.startsWith(options.prefix)) &&
          (options.parent === undefined || m.parent === options.parent) &&
          labels.every(([key, value]) => m.labels[key] === value)
        )
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      const contexts = matching.slice(0, limit)
      return matching.length > limit
        ? { contexts, nextCursor: Buffer.from(contexts[contexts.length - 1]!.id, "utf8").toString("base64url") }
        : { contexts }
    })
  }

  history(id: string, range: { readonly fromVersion?: number; readonly limit?: number }) {
    return Effect.map(this.resident(id), (body) => {
      const from = body.history.filter((entry) => entry.version >= (range.fromVersion ?? 0))
      return range.limit === undefined ? from : from.slice(0, Math.max(0, range.limit))
    })
  }

  private version(body: Body, version: number): Effect.Effect<HistoryEntry, VersionNotFound> {
    const entry = body.history.find((e) => e.version === version)
    return entry === undefined ? Effect.fail(new VersionNotFound({ id: body.record.id, version })) : Effect.succeed(entry)
  }

  diff(id: string, from: number, to: number) {
    return Effect.gen(this, function*() {
      const body = yield* this.resident(id)
      return Json.diff((yield* this.version(body, from)).value, (yield* this.version(body, to)).value)
    })
  }

  restore(id: string, version: number, options: WriteOptions) {
    return Effect.gen(this, function*() {
      const entry = yield* this.version(yield* this.resident(id), version)
      const [record] = yield* this.commit([{ _tag: "Update", id, change: { _tag: "Value", value: entry.value }, ...options }])
      return record!
    })
  }

  acquireLease(ids: ReadonlyArray<string>, ttlMs: number, holder: string | undefined): Effect.Effect<PublicLease, LeaseError | ContextNotFound> {
    const { state } = this
    return Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const lease = { token: randomBytes(18).toString("base64url"), ids: [...ids], expiresAt: now + ttlMs, holder }
      return STM.commit(STM.gen(function*() {
        for (const id of ids) {
          if (!(yield* TMap.has(state.index, id))) return yield* STM.fail(new ContextNotFound({ id }))
          const held = yield* TMap.get(state.leases, id)
          if (held._tag === "Some" && held.value.expiresAt > now) return yield* STM.fail(new LeaseError({ id, reason: "Held" }))
        }
        for (const id of ids) yield* TMap.set(state.leases, id, lease)
        return { token: lease.token, ids: lease.ids, expiresAt: lease.expiresAt }
      }))
    })
  }

  renewLease(lease: PublicLease, ttlMs: number): Effect.Effect<PublicLease, LeaseError> {
    const { state } = this
    return Effect.flatMap(Clock.currentTimeMillis, (now) =>
      STM.commit(STM.gen(function*() {
        const renewed = { ...lease, expiresAt: now + ttlMs }
        for (const id of lease.ids) {
          const held = yield* TMap.get(state.leases, id)
          if (held._tag === "None" || held.value.token !== lease.token || held.value.expiresAt <= now) {
            return yield* STM.fail(new LeaseError({ id, reason: "Expired" }))
          }
        }
        for (const id of lease.ids) yield* TMap.set(state.leases, id, renewed)
        return renewed
      })))
  }

  releaseLease(lease: PublicLease): Effect.Effect<void> {
    const { state } = this
    return STM.commit(STM.forEach(lease.ids, (id) =>
      STM.flatMap(TMap.get(state.leases, id), (held) =>
        held._tag === "Some" && held.value.token === lease.token ? TMap.remove(state.leases, id) : STM.void), { discard: true }))
  }

  validateContext(id: string) {
    return Effect.flatMap(this.resident(id), (body) => this.check(body.record, body.record.value))
  }

  checkConsistency(id: string) {
    return Effect.flatMap(this.resident(id), (body) => {
      const problem = verifyHistory(body.record, body.history)
      return problem === undefined ? Effect.void : Effect.fail(new SyncError({ id, reason: problem, paths: [] }))
    })
  }

  syncContext(id: string): Effect.Effect<void, SyncError | PersistenceError> {
    const { state, store } = this
    return state.withLocks([id], () => Effect.gen(this, function*() {
      const meta = yield* STM.commit(TMap.get(state.index, id))
      const cached = yield* STM.commit(TMap.get(state.cache, id))
      const stored = yield* store.get(id)
      const memory = meta._tag === "Some" ? `version ${meta.value.version}` : "nothing"
      if (stored._tag === "None") {
        if (meta._tag === "None") return yield* new SyncError({ id, reason: "no such context in memory or in the store", paths: [] })
        yield* STM.commit(state.forget(id))
        return yield* new SyncError({ id, reason: `memory had ${memory}, the store has nothing`, paths: [""] })
      }
      const head = stored.value
      if (meta._tag === "Some" && meta.value.version === head.version && meta.value.hash === head.hash) return
      const paths = cached._tag === "Some" ? Json.diff(cached.value.record.value, head.value).map((op) => op.path) : [""]
      yield* STM.commit(STM.zipRight(state.forget(id), TMap.set(state.index, id, metaOf(head))))
      return yield* new SyncError({ id, reason: `memory had ${memory}, the store has version ${head.version}`, paths })
    }))
  }

  exportJson(ids: ReadonlyArray<string> | undefined) {
    return Effect.gen(this, function*() {
      const all = ids ?? (yield* STM.commit(TMap.keys(this.state.index))).sort()
      const contexts = yield* Effect.forEach(all, (id) => Effect.map(this.resident(id), ({ history, record }) => ({ record, history })))
      return { contexts }
    })
  }

  importJson(document: unknown) {
    return Effect.gen(this, function*() {
      const decoded = decodeExport(document)
      if (Either.isLeft(decoded)) return yield* invalid("", [decoded.left])
      const { contexts } = decoded.right
      const ids = contexts.map((c) => c.record.id)
      const now = yield* Clock.currentTimeMillis
      const prepared: Array<Prepared> = []
      for (const imported of contexts) {
        const record = Json.own(imported.record)
        const history = Json.own(imported.history)
        const problem = verifyHistory(record, history)
        if (problem !== undefined) return yield* new SyncError({ id: record.id, reason: problem, paths: [] })
        const kept = history.slice(-this.settings.keepHistory)
        prepared.push({
          id: record.id,
          write: { _tag: "Put", record, entry: history[history.length - 1]!, keepHistory: this.settings.keepHistory },
          body: { record, history: kept, size: sizeOf(JSON.stringify(record.value).length, kept) },
          change: { id: record.id, version: record.version, patch: [], at: now, kind: "created" }
        })
      }
      yield* this.state.withLocks(ids, () => Effect.gen(this, function*() {
        for (const id of ids) {
          if (yield* STM.commit(TMap.has(this.state.index, id))) return yield* invalid(id, ["a context with this id exists already"])
        }
        yield* this.apply(prepared)
      }))
      yield* this.state.evict()
      return prepared.length
    })
  }
}

/** Why a writer holding `token` (or none) may not write `id` under `lease`, if it may not. */
const leaseError = (id: string, lease: Lease | undefined, token: string | undefined, now: number): LeaseError | undefined => {
  const live = lease !== undefined && lease.expiresAt > now
  if (live && lease.token !== token) return new LeaseError({ id, reason: "Held" })
  if (!live && token !== undefined) return new LeaseError({ id, reason: "Expired" })
  return undefined
}

/** The value after `change`; a patch that does not apply or a function that throws is a validation error. */
const applyChange = (id: string, value: unknown, change: Change): Effect.Effect<unknown, ContextValidationError> => {
  switch (change._tag) {
    case "Value":
      return Effect.succeed(change.value)
    case "Merge":
      return Effect.succeed(Json.applyMergePatch(value, change.merge))
    case "Patch":
      return Either.match(Json.applyPatch(value, change.patch), {
        onLeft: (reason) => Effect.fail(invalid(id, [`the patch does not apply: ${reason}`])),
        onRight: Effect.succeed
      })
    case "Function":
      return Effect.try({ try: () => change.f(value), catch: (error) => invalid(id, [`the update function threw: ${String(error)}`]) })
  }
}

