/**
 * The schema a context's value must satisfy: an Effect Schema (validated by decoding the JSON
 * value) or a JSON Schema (2020-12, validated by Ajv). The JSON Schema form is what the store
 * keeps, so a context recovered from the store is validated by Ajv.
 *
 * @since 0.2.0
 */
import AjvModule from "ajv/dist/2020.js"
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

// Made on first use: building Ajv costs start-up time that servers without JSON Schemas need not pay.
let ajv: InstanceType<typeof AjvModule.default> | undefined
const compiledJson = new Map<string, Validator>()
const maxCompiled = 1000

/** Compiles a JSON Schema (cached by its canonical text). Throws when it is not a valid schema. */
export const fromJsonSchema = (jsonSchema: Readonly<Record<string, unknown>>): Compiled => {
  const key = canonical(jsonSchema)
  let validate = compiledJson.get(key)
  if (validate === undefined) {
    ajv ??= new AjvModule.default({ allErrors: true, strict: false })
    const check = ajv.compile(jsonSchema)
    validate = (value) =>
      check(value) ? undefined : (check.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message ?? "is invalid"}`)
    // Schemas come from clients too: keep the cache bounded (the oldest goes first); Ajv's own
    // cache is dropped with it.
    if (compiledJson.size >= maxCompiled) {
      const oldest = compiledJson.keys().next().value!
      compiledJson.delete(oldest)
      ajv.removeSchema()
    }
    compiledJson.set(key, validate)
  }
  return { jsonSchema, validate }
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

/** Compiles either kind; `Left` with the reason when the schema cannot be used. */
export const compile = (input: Input): Either.Either<Compiled, string> => {
  try {
    return Either.right(Schema.isSchema(input) ? fromSchema(input) : fromJsonSchema(input))
  } catch (error) {
    return Either.left(`invalid schema: ${error instanceof Error ? error.message : String(error)}`)
  }
}
