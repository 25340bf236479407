import { afterAll } from "@effect/vitest"
import * as Redacted from "effect/Redacted"
import { randomBytes } from "node:crypto"
import { join } from "node:path"
import * as SqliteStore from "../../../src/context/SqliteStore.js"
import { contractTests } from "./contract.js"
import { tempDir } from "./fixtures.js"

const dir = tempDir()
afterAll(() => dir.remove())
let files = 0
const file = () => join(dir.path, `store-${files++}.db`)

contractTests("SQLite file", () => SqliteStore.layer({ filename: file() }))
contractTests("SQLite :memory:", () => SqliteStore.layer({ filename: ":memory:" }))
contractTests("SQLite file, encrypted", () =>
  SqliteStore.layer({ filename: file(), encryptionKey: Redacted.make(randomBytes(32)) }))
