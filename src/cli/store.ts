/**
 * `mcx serve --db PATH`: contexts kept in a SQLite file (its folder created when missing).
 * Loaded on demand by the CLI, so that `--db :memory:` never loads SQLite.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { mkdirSync } from "node:fs"
import * as Path from "node:path"
import * as SqliteStore from "../context/SqliteStore.js"

/** The SQLite context store on `filename`. */
export const layer = (filename: string) =>
  Layer.unwrapEffect(Effect.sync(() => {
    mkdirSync(Path.dirname(Path.resolve(filename)), { recursive: true })
    return SqliteStore.layer({ filename })
  }))
