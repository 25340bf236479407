/**
 * `mcx serve --db PATH`: contexts kept in a SQLite file (its folder created when missing),
 * encrypted at rest when `MCX_DB_KEY` holds a 32-byte key (64 hex digits or base64; read from
 * the environment so that it stays out of the process list and the logs). Loaded on demand by
 * the CLI, so that `--db :memory:` never loads SQLite.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { mkdirSync } from "node:fs"
import * as Path from "node:path"
import * as SqliteStore from "../context/SqliteStore.js"

/** The environment variable holding the encryption key of the context database. */
export const KeyVariable = "MCX_DB_KEY"

/** The SQLite context store on `filename`. */
export const layer = (filename: string) =>
  Layer.unwrapEffect(Effect.sync(() => {
    mkdirSync(Path.dirname(Path.resolve(filename)), { recursive: true })
    const key = process.env[KeyVariable]
    return SqliteStore.layer({ filename, ...(key === undefined || key === "" ? {} : { encryptionKey: Redacted.make(key) }) })
  }))
