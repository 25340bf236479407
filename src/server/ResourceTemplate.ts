/**
 * Resource templates: a family of resources named by an RFC 6570 URI template
 * (`resources/templates/list`). A read of a URI that matches the template gets the template's
 * parameters, decoded with an Effect Schema; each parameter may have a completer.
 *
 * @example
 * ```ts
 * const User = ResourceTemplate.make({
 *   uriTemplate: "users://{id}/profile{?fields}",
 *   name: "user",
 *   mimeType: "application/json",
 *   params: Schema.Struct({ id: Schema.NumberFromString, fields: Schema.optional(Schema.String) }),
 *   complete: { id: (value) => Effect.succeed(["1", "2", "3"].filter((id) => id.startsWith(value))) }
 * }, ({ id }) => Effect.succeed(JSON.stringify({ id })))
 * ```
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import type { RequestContext } from "../protocol/RequestContext.js"
import type { ResourceTemplate as WireResourceTemplate } from "../schema/resources.js"
import * as Completion from "./Completion.js"
import type { Contents, Metadata } from "./Resource.js"
import type { ToolContext } from "./ToolContext.js"
import * as UriTemplate from "./UriTemplate.js"

/** A template that cannot be served: invalid template, or parameters that do not fit it. */
export class ResourceTemplateDefinitionError extends Schema.TaggedError<ResourceTemplateDefinitionError>()(
  "ResourceTemplateDefinitionError",
  { uriTemplate: Schema.String, message: Schema.String }
) {}

/** Options of a template: its metadata, parameters schema and completers. */
export interface Options<P, I, C> extends Metadata {
  readonly uriTemplate: string
  /** The template's variables, decoded from their string values (optional ones may be absent). */
  readonly params: Schema.Schema<P, I, never>
  /** Completers of the parameters, by name. */
  readonly complete?: Completion.Option<I, C>
}

/** A resource template: metadata, matcher, decoder and read. */
export interface ResourceTemplate<P, E, R> {
  readonly uriTemplate: string
  readonly name: string
  readonly mimeType: string | undefined
  readonly template: UriTemplate.UriTemplate
  readonly complete: Completion.Completers
  /** The parameters of `uri` if it matches the template and they decode. */
  readonly match: (uri: string) => Either.Either<P, ParseResult.ParseIssue> | undefined
  readonly read: (params: P, uri: string) => Effect.Effect<Contents, E, R>
  /** The wire definition listed by `resources/templates/list`. */
  readonly wire: WireResourceTemplate
}

/** Any template. */
export type Any = ResourceTemplate<any, any, any>

/** The services a template's read and completers need beyond what the server provides. */
export type Requirements<T> = T extends ResourceTemplate<any, any, infer R> ? Exclude<R, RequestContext | ToolContext> : never

const fieldNames = (ast: AST.AST): { readonly all: ReadonlyArray<string>; readonly required: ReadonlyArray<string> } => {
  const encoded = AST.encodedAST(ast)
  if (!AST.isTypeLiteral(encoded)) return { all: [], required: [] }
  const signatures = encoded.propertySignatures.filter((s) => typeof s.name === "string")
  return {
    all: signatures.map((s) => s.name as string),
    required: signatures.filter((s) => !s.isOptional).map((s) => s.name as string)
  }
}

/**
 * Makes a template. Throws `ResourceTemplateDefinitionError` when the template is not valid
 * RFC 6570 (levels 1-3), when `params` requires a field the template lacks, or when a
 * completer names no parameter.
 */
export const make = <
  P,
  I extends Readonly<Record<string, string | undefined>>,
  E = never,
  R = never,
  C = {}
>(
  options: Options<P, I, C>,
  read: (params: P, uri: string) => Effect.Effect<Contents, E, R>
): ResourceTemplate<P, E, R | C[keyof C]> => {
  const { uriTemplate } = options
  let template: UriTemplate.UriTemplate
  try {
    template = UriTemplate.parse(uriTemplate)
  } catch (error) {
    throw new ResourceTemplateDefinitionError({ uriTemplate, message: error instanceof UriTemplate.UriTemplateError ? error.message : String(error) })
  }
  const fields = fieldNames(options.params.ast)
  const missing = fields.required.filter((name) => !template.variables.includes(name))
  if (missing.length > 0) {
    throw new ResourceTemplateDefinitionError({ uriTemplate, message: `params require ${missing.join(", ")}, which the template does not have` })
  }
  const unknown = Completion.unknownNames(options.complete as Completion.Completers | undefined, template.variables)
  if (unknown.length > 0) {
    throw new ResourceTemplateDefinitionError({ uriTemplate, message: `completers for unknown parameters: ${unknown.join(", ")}` })
  }
  const decode = ParseResult.decodeUnknownEither(options.params, { errors: "all" })
  const wire: Record<string, unknown> = { uriTemplate, name: options.name }
  for (const key of ["title", "description", "mimeType", "annotations", "icons", "_meta"] as const) {
    if (options[key] !== undefined) wire[key] = options[key]
  }
  return {
    uriTemplate,
    name: options.name,
    mimeType: options.mimeType,
    template,
    complete: (options.complete ?? {}) as Completion.Completers,
    match: (uri) => {
      const variables = template.match(uri)
      return variables === undefined ? undefined : decode(variables)
    },
    read,
    wire: wire as WireResourceTemplate
  }
}
