/**
 * Where the OAuth client keeps what it obtained for each MCP server: its tokens and its
 * registration at the authorization server. In memory by default; `layerFile` keeps them in a
 * JSON file readable by its owner only (mode 0600), so that a restarted client needs no new
 * authorization. Secrets are `Redacted` in memory and written in clear only to that file.
 *
 * @example
 * ```ts
 * const Store = TokenStore.layerFile("/home/me/.config/app/tokens.json").pipe(Layer.provide(NodeFileSystem.layer))
 * ```
 *
 * @since 0.2.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { AuthError } from "../AuthProvider.js"

/** Tokens granted for one MCP server. */
export class Tokens extends Schema.Class<Tokens>("Tokens")({
  accessToken: Schema.Redacted(Schema.String),
  refreshToken: Schema.optional(Schema.Redacted(Schema.String)),
  /** When the access token expires, in milliseconds since the epoch. */
  expiresAt: Schema.optional(Schema.Number),
  /** The granted scopes (space-separated). */
  scope: Schema.optional(Schema.String)
}) {}

/** A client registration obtained dynamically (RFC 7591). */
export class Registration extends Schema.Class<Registration>("Registration")({
  /** The authorization server that issued it. */
  issuer: Schema.String,
  clientId: Schema.String,
  clientSecret: Schema.optional(Schema.Redacted(Schema.String)),
  /** The token-endpoint authentication method the server registered. */
  method: Schema.optional(Schema.String)
}) {}

/** What is kept for one MCP server. */
export class Entry extends Schema.Class<Entry>("Entry")({
  tokens: Schema.optional(Tokens),
  registration: Schema.optional(Registration)
}) {}

/** The store as a service; keys are MCP server URLs. */
export interface Service {
  readonly get: (key: string) => Effect.Effect<Option.Option<Entry>, AuthError>
  readonly set: (key: string, entry: Entry) => Effect.Effect<void, AuthError>
}

/** The token store of the OAuth client. */
export class TokenStore extends Context.Tag("machine-context/TokenStore")<TokenStore, Service>() {}

/** A store in memory, lost with the process. */
export const makeMemory: Effect.Effect<Service> = Effect.sync(() => {
  const entries = new Map<string, Entry>()
  return {
    get: (key) => Effect.sync(() => Option.fromNullable(entries.get(key))),
    set: (key, entry) => Effect.sync(() => void entries.set(key, entry))
  }
})

/** The memory store (the default). */
export const layerMemory: Layer.Layer<TokenStore> = Layer.effect(TokenStore, makeMemory)

const FileContents = Schema.parseJson(Schema.Record({ key: Schema.String, value: Entry }))

/**
 * A store in the JSON file `path`, created with mode 0600 (its directory must exist). Writes go
 * to a temporary file renamed over the old one; one process at a time writes through it.
 */
export const makeFile = (path: string): Effect.Effect<Service, never, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const lock = yield* Effect.makeSemaphore(1)
    const storageError = (cause: unknown) =>
      new AuthError({ reason: "Storage", message: `Token store ${path}: ${cause instanceof Error ? cause.message : String(cause)}` })
    const read = Effect.gen(function*() {
      if (!(yield* fs.exists(path))) return {} as Record<string, Entry>
      return yield* Schema.decode(FileContents)(yield* fs.readFileString(path))
    }).pipe(Effect.mapError(storageError))
    const write = (contents: Record<string, Entry>) =>
      Effect.gen(function*() {
        const temporary = `${path}.${process.pid}.tmp`
        yield* fs.writeFileString(temporary, yield* Schema.encode(FileContents)(contents), { mode: 0o600 })
        yield* fs.chmod(temporary, 0o600)
        yield* fs.rename(temporary, path)
      }).pipe(Effect.mapError(storageError))
    return {
      get: (key) => lock.withPermits(1)(read.pipe(Effect.map((contents) => Option.fromNullable(contents[key])))),
      set: (key, entry) => lock.withPermits(1)(read.pipe(Effect.flatMap((contents) => write({ ...contents, [key]: entry }))))
    }
  })

/** The file store; needs a `FileSystem` (e.g. `NodeFileSystem.layer`). */
export const layerFile = (path: string): Layer.Layer<TokenStore, never, FileSystem.FileSystem> => Layer.effect(TokenStore, makeFile(path))
