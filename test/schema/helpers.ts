/**
 * Helpers of the schema tests: round-trip properties over `Arbitrary.make(schema)` values.
 */
import { expect } from "vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"

/** Runs per property: modest, so that the whole schema suite stays fast (`SCHEMA_NUM_RUNS` overrides). */
export const numRuns = Number(process.env["SCHEMA_NUM_RUNS"] ?? 50)

/**
 * `decode(encode(x))` equals `x`, and the encoded value survives JSON: it decodes after a
 * `JSON.stringify` / `JSON.parse` trip and encodes back to the same JSON.
 */
export const assertRoundTrip = <A, I>(schema: Schema.Schema<A, I, never>, runs: number = numRuns): void => {
  const encode = Schema.encodeSync(schema)
  const decode = Schema.decodeUnknownSync(schema)
  FastCheck.assert(
    FastCheck.property(Arbitrary.make(schema), (value) => {
      const encoded = encode(value)
      expect(decode(encoded)).toEqual(value)
      const json: unknown = JSON.parse(JSON.stringify(encoded))
      expect(encode(decode(json))).toEqual(json)
    }),
    { numRuns: runs }
  )
}

/** Decodes `input` with `schema`, throwing a readable error when it does not match. */
export const decodes = <A, I>(schema: Schema.Schema<A, I, never>, input: unknown): A =>
  Schema.decodeUnknownSync(schema)(input)

/** Whether `input` fails to decode with `schema`. */
export const rejects = <A, I>(schema: Schema.Schema<A, I, never>, input: unknown): boolean =>
  Schema.decodeUnknownEither(schema)(input)._tag === "Left"
