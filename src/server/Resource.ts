/**
 * Resources: data the client can read by URI (`resources/list`, `resources/read`). A resource is
 * its metadata and an Effect that reads its contents. Resources built from a URI pattern are
 * `ResourceTemplate`s.
 *
 * @example
 * ```ts
 * const Readme = Resource.make({ uri: "file:///README.md", name: "readme", mimeType: "text/markdown" },
 *   Effect.succeed("# Hello"))
 * ```
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { RequestContext } from "../protocol/RequestContext.js"
import { McpError } from "../protocol/errors.js"
import type { Annotations, Icon } from "../schema/base.js"
import type { Resource as WireResource, ResourceContents } from "../schema/content.js"
import { ErrorCode } from "../schema/jsonrpc.js"
import type { ToolContext } from "./ToolContext.js"

/**
 * What a read returns: text, bytes (sent base64-encoded as a blob), or the contents objects
 * themselves (several, or with their own URIs and MIME types).
 */
export type Contents = string | Uint8Array | ReadonlyArray<ResourceContents>

/** The metadata that resources and resource templates share, as listed. */
export interface Metadata {
  readonly name: string
  readonly title?: string
  readonly description?: string
  readonly mimeType?: string
  readonly annotations?: Annotations
  readonly icons?: ReadonlyArray<Icon>
  readonly _meta?: Record<string, unknown>
}

/** The metadata of a resource, as listed. */
export interface Definition extends Metadata {
  readonly uri: string
  /** Size of the raw content in bytes, if known. */
  readonly size?: number
}

/** A resource: its metadata and how to read it. */
export interface Resource<E, R> extends Definition {
  readonly read: Effect.Effect<Contents, E, R>
  /** The wire definition listed by `resources/list`. */
  readonly wire: WireResource
}

/** Any resource. */
export type Any = Resource<any, any>

/** The services a resource's read needs beyond what the server provides. */
export type Requirements<T> = T extends Resource<any, infer R> ? Exclude<R, RequestContext | ToolContext> : never

/** No resource has this URI: answered -32002 "Resource not found" with `data: { uri }`. */
export class ResourceNotFound extends Schema.TaggedError<ResourceNotFound>()("ResourceNotFound", {
  uri: Schema.String
}) {
  /** The JSON-RPC error the client gets. */
  toMcpError(): McpError {
    return new McpError({ code: ErrorCode.ResourceNotFound, message: "Resource not found", data: { uri: this.uri } })
  }
}

/** Makes a resource. */
export const make = <E = never, R = never>(definition: Definition, read: Effect.Effect<Contents, E, R>): Resource<E, R> => {
  const wire: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(definition)) if (value !== undefined) wire[key] = value
  return { ...definition, read, wire: wire as WireResource }
}

/** The `contents` of a read of `uri`. */
export const contentsOf = (uri: string, mimeType: string | undefined, contents: Contents): ReadonlyArray<ResourceContents> => {
  if (typeof contents === "string") return [mimeType === undefined ? { uri, text: contents } : { uri, mimeType, text: contents }]
  if (contents instanceof Uint8Array) {
    const blob = Buffer.from(contents.buffer, contents.byteOffset, contents.byteLength).toString("base64")
    return [mimeType === undefined ? { uri, blob } : { uri, mimeType, blob }]
  }
  return contents
}
