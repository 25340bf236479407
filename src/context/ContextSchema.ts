/**
 * The schema a context's value must satisfy: an Effect Schema (validated by decoding the JSON
 * value) or a JSON Schema (2020-12, validated by Ajv). The JSON Schema form is what the store
 * keeps, so a context recovered from the store is validated by Ajv.
 *
 * @since 0.2.0
 */
import type AjvModule from "ajv/dist/2020.js"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as JSONSchema from "effect/JSONSchema"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { canonical } from "./Json.js"

/** What a context is created with: an Effect Schema over JSON, or a JSON Schema object. */
export type Input = Schema.Schema<any, any, never> | Readonly<Record<string, unknown>>

/** A compiled validator: `undefined` when the value is valid, else the issues. */
export type Validator = (value: unknown) => ReadonlyArray<string> | undefined

/** A compiled schema: its JSON Schema (kept by the store) and its validator. */
export interface Compiled {
  readonly jsonSchema: Readonly<Record<string, unknown>>
  readonly validate: Validator
}

type Ajv = InstanceType<typeof AjvModule.default>

// Loaded and made on first use: Ajv is big, and servers without JSON Schemas need not load it.
let ajv: Promise<Ajv> | undefined
const loadAjv = Effect.promise(() =>
  ajv ??= import("ajv/dist/2020.js").then((module) => new module.default.default({ allErrors: true, strict: false }))
)
const compiledJson = new Map<string, Validator>()
const maxCompiled = 1000

const compileWith = (instance: Ajv, key: string, jsonSchema: Readonly<Record<string, unknown>>): Validator => {
  const check = instance.compile(jsonSchema)
  const validate: Validator = (value) =>
    check(value) ? undefined : (check.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message ?? "is invalid"}`)
  // Schemas come from clients too: keep the cache bounded (the oldest goes first); Ajv's own
  // cache is dropped with it.
  if (compiledJson.size >= maxCompiled) {
    compiledJson.delete(compiledJson.keys().next().value!)
    instance.removeSchema()
  }
  compiledJson.set(key, validate)
  return validate
}

/** Compiles a JSON Schema (cached by its canonical text); `Left`-like failure with the reason when it is not valid. */
export const fromJsonSchema = (jsonSchema: Readonly<Record<string, unknown>>): Effect.Effect<Compiled, string> => {
  const key = canonical(jsonSchema)
  const cached = compiledJson.get(key)
  if (cached !== undefined) return Effect.succeed({ jsonSchema, validate: cached })
  return Effect.flatMap(loadAjv, (instance) =>
    Effect.try({
      try: () => ({ jsonSchema, validate: compileWith(instance, key, jsonSchema) }),
      catch: (error) => `invalid schema: ${error instanceof Error ? error.message : String(error)}`
    }))
}

/** Compiles an Effect Schema: the JSON value is decoded with it; its JSON Schema is kept. */
export const fromSchema = (schema: Schema.Schema<any, any, never>): Compiled => {
  const decode = ParseResult.decodeUnknownEither(schema, { errors: "all" })
  return {
    jsonSchema: JSONSchema.make(schema, { target: "jsonSchema2020-12" }) as unknown as Record<string, unknown>,
    validate: (value) => {
      const result = decode(value)
      return Either.isRight(result) ? undefined : ParseResult.ArrayFormatter.formatIssueSync(result.left).map(
        (issue) => `/${issue.path.join("/")} ${issue.message}`
      )
    }
  }
}

/** Compiles either kind; fails with the reason when the schema cannot be used. */
export const compile = (input: Input): Effect.Effect<Compiled, string> => {
  if (!Schema.isSchema(input)) return fromJsonSchema(input)
  return Effect.try({
    try: () => fromSchema(input),
    catch: (error) => `invalid schema: ${error instanceof Error ? error.message : String(error)}`
  })
}
