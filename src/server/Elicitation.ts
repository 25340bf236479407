/**
 * Form elicitation: an Effect Schema of a flat struct of primitives becomes the
 * `requestedSchema` of `elicitation/create`, and the user's answer is decoded with it.
 *
 * What each field may be (the forms the specification allows):
 * - `Schema.String` (with `minLength`/`maxLength`, `jsonSchema: { format: "email" }`…),
 *   `Schema.Number`, `Schema.Int` (with bounds), `Schema.Boolean`;
 * - `Schema.Literal("a", "b")`: a single choice; a union of literals annotated with a `title`
 *   each: a titled single choice (`oneOf`); `enumNames` through a `jsonSchema` annotation: the
 *   legacy titled enum;
 * - `Schema.Array` of those literals (with `minItems`/`maxItems`): a multiple choice;
 * - any of them `Schema.optional`; `default`, `title` and `description` annotations are kept.
 *
 * @example
 * ```ts
 * const Contact = Schema.Struct({
 *   email: Schema.String.annotations({ description: "Where to write", jsonSchema: { format: "email" } }),
 *   newsletter: Schema.optional(Schema.Boolean.annotations({ default: false }))
 * })
 * Elicitation.requestedSchemaOf(Contact)
 * // { type: "object", properties: { email: {...}, newsletter: {...} }, required: ["email"] }
 * ```
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as JSONSchema from "effect/JSONSchema"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import { ElicitationRequestedSchema } from "../schema/elicitation.js"
import { fieldType, isBuiltIn } from "./internal/annotations.js"

/** A schema that cannot be an elicitation form (nested objects, non-primitive fields). */
export class ElicitationSchemaError extends Schema.TaggedError<ElicitationSchemaError>()("ElicitationSchemaError", {
  message: Schema.String
}) {}

const KEPT = new Set([
  "type", "title", "description", "minLength", "maxLength", "format", "default", "minimum", "maximum",
  "enum", "enumNames", "oneOf", "items", "minItems", "maxItems"
])

type Json = Record<string, unknown>

/** `anyOf: [{ type: "string", enum: ["a"], title: "A" }, …]` (a union of titled literals) → `[{ const, title }]`. */
const titledOptions = (schema: Json): Array<{ const: string; title: string }> | undefined => {
  const anyOf = schema.anyOf
  if (!Array.isArray(anyOf) || anyOf.length === 0) return undefined
  const options: Array<{ const: string; title: string }> = []
  for (const member of anyOf as Array<Json>) {
    const values = member.enum
    if (!Array.isArray(values) || values.length !== 1 || typeof values[0] !== "string") return undefined
    options.push({ const: values[0], title: typeof member.title === "string" ? member.title : values[0] })
  }
  return options
}

const field = (name: string, schema: Json, definitions: Record<string, unknown>, ast: AST.AST | undefined): Json => {
  let resolved = schema
  if (typeof resolved.$ref === "string") {
    const { $ref, ...rest } = resolved
    resolved = { ...(definitions[($ref as string).replace("#/$defs/", "")] as Json | undefined), ...rest }
  }
  const out: Json = {}
  for (const [key, value] of Object.entries(resolved)) if (KEPT.has(key)) out[key] = value
  const options = titledOptions(resolved)
  if (options !== undefined) {
    out.type = "string"
    out.oneOf = options
  }
  if (out.type === "array" && typeof out.items === "object" && out.items !== null) {
    const itemOptions = titledOptions(out.items as Json)
    out.items = itemOptions !== undefined ? { anyOf: itemOptions } : { type: "string", enum: (out.items as Json).enum }
  }
  if (typeof out.title === "string" && ast !== undefined && isBuiltIn(ast, AST.getTitleAnnotation, out.title)) {
    delete out.title
  }
  if (out.type === undefined) {
    throw new ElicitationSchemaError({ message: `Field ${name}: an elicitation field must be a string, number, integer, boolean or enum` })
  }
  return out
}

const decodeRequested = ParseResult.decodeUnknownEither(ElicitationRequestedSchema, { errors: "all" })
const cache = new WeakMap<object, ElicitationRequestedSchema>()

/**
 * The `requestedSchema` of a form elicitation for `schema`. Throws `ElicitationSchemaError` when
 * the schema is not a flat struct of primitives the specification allows.
 */
export const requestedSchemaOf = (schema: Schema.Schema<any, any, never>): ElicitationRequestedSchema => {
  const cached = cache.get(schema)
  if (cached !== undefined) return cached
  // The encoded side is what the user fills in; refinements (integer, bounds) are kept.
  const ast = AST.encodedBoundAST(schema.ast)
  const definitions: Record<string, JSONSchema.JsonSchema7> = {}
  const json = JSONSchema.fromAST(ast, { definitions, target: "jsonSchema2020-12", topLevelReferenceStrategy: "skip" }) as unknown as Json
  if (json.type !== "object" || typeof json.properties !== "object" || json.properties === null) {
    throw new ElicitationSchemaError({ message: "An elicitation schema must be a struct of primitive fields" })
  }
  const signatures = AST.isTypeLiteral(ast) ? ast.propertySignatures : []
  const properties: Json = {}
  for (const [name, property] of Object.entries(json.properties as Record<string, Json>)) {
    const signature = signatures.find((s) => s.name === name)
    properties[name] = field(name, property, definitions, signature === undefined ? undefined : fieldType(signature))
  }
  const requested = { type: "object", properties, required: Array.isArray(json.required) ? json.required : [] }
  const decoded = decodeRequested(requested)
  if (Either.isLeft(decoded)) {
    throw new ElicitationSchemaError({ message: `Not an elicitation form: ${ParseResult.TreeFormatter.formatIssueSync(decoded.left)}` })
  }
  cache.set(schema, decoded.right)
  return decoded.right
}
