/**
 * fast-check arbitraries for every method of the method table, for property tests.
 *
 * Not re-exported by `index.ts`: it loads fast-check, which the runtime never needs. Import it
 * as `machine-context/schema/arbitrary` (or the module path) from tests only.
 *
 * @since 0.1.0
 */
import * as Arbitrary from "effect/Arbitrary"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import type { JsonRpcNotification, JsonRpcRequest, JsonRpcResultResponse, RequestId } from "./jsonrpc.js"
import {
  ClientNotifications,
  ClientRequests,
  findMethod,
  type MethodSpec,
  ServerNotifications,
  ServerRequests
} from "./methods.js"

/** A generated sample of one method: params, and a result for requests (decoded, `Type` side). */
export type Sample<S extends MethodSpec> = S extends { readonly result: infer R extends Schema.Schema<any, any, never> }
  ? { readonly params: Schema.Schema.Type<S["params"]>; readonly result: Schema.Schema.Type<R> }
  : { readonly params: Schema.Schema.Type<S["params"]> }

/** Arbitraries of every method of a table. */
export type TableArbitraries<T extends Record<string, MethodSpec>> = {
  readonly [K in keyof T]: FastCheck.Arbitrary<Sample<T[K]>>
}

/** An arbitrary of `{ params, result? }` for one method spec. */
export const arbitrarySample = <S extends MethodSpec>(spec: S): FastCheck.Arbitrary<Sample<S>> => {
  const params = Arbitrary.make(spec.params)
  const sample =
    spec.result === undefined
      ? FastCheck.record({ params })
      : FastCheck.record({ params, result: Arbitrary.make(spec.result) })
  return sample as FastCheck.Arbitrary<Sample<S>>
}

const tableArbitraries = <T extends Record<string, MethodSpec>>(table: T): TableArbitraries<T> =>
  Object.fromEntries(Object.entries(table).map(([name, spec]) => [name, arbitrarySample(spec)])) as TableArbitraries<T>

/** For every method spec of every table, an arbitrary of `{ params, result? }`. */
export const arbitraries = {
  ClientRequests: tableArbitraries(ClientRequests),
  ClientNotifications: tableArbitraries(ClientNotifications),
  ServerRequests: tableArbitraries(ServerRequests),
  ServerNotifications: tableArbitraries(ServerNotifications)
}

/** JSON-RPC request ids: strings and integers. */
export const arbitraryRequestId: FastCheck.Arbitrary<RequestId> = FastCheck.oneof(
  FastCheck.string({ maxLength: 8 }),
  FastCheck.integer()
)

const lookup = (kind: "request" | "notification", method: string, sender?: "client" | "server"): MethodSpec => {
  const spec =
    sender !== undefined
      ? findMethod(sender, kind, method)
      : (findMethod("client", kind, method) ?? findMethod("server", kind, method))
  if (spec === undefined) throw new Error(`unknown MCP ${kind}: ${method}`)
  return spec
}

/** Encoded (wire) values of a schema. */
const encoded = (schema: Schema.Schema<any, any, never>): FastCheck.Arbitrary<Record<string, unknown>> =>
  Arbitrary.make(schema).map((value) => Schema.encodeSync(schema)(value))

/**
 * Whole JSON-RPC request messages (`{ jsonrpc, id, method, params }`, params encoded) for a
 * request method. `sender` picks the table when both sides send the method (default: client).
 */
export const arbitraryRequest = (method: string, sender?: "client" | "server"): FastCheck.Arbitrary<JsonRpcRequest> => {
  const spec = lookup("request", method, sender)
  return FastCheck.record({
    jsonrpc: FastCheck.constant("2.0" as const),
    id: arbitraryRequestId,
    method: FastCheck.constant(spec.method),
    params: encoded(spec.params)
  })
}

/** Whole JSON-RPC notification messages (`{ jsonrpc, method, params }`) for a notification method. */
export const arbitraryNotification = (
  method: string,
  sender?: "client" | "server"
): FastCheck.Arbitrary<JsonRpcNotification> => {
  const spec = lookup("notification", method, sender)
  return FastCheck.record({
    jsonrpc: FastCheck.constant("2.0" as const),
    method: FastCheck.constant(spec.method),
    params: encoded(spec.params)
  })
}

/** Whole JSON-RPC success responses (`{ jsonrpc, id, result }`) to a request method. */
export const arbitraryResultResponse = (
  method: string,
  sender?: "client" | "server"
): FastCheck.Arbitrary<JsonRpcResultResponse> => {
  const spec = lookup("request", method, sender)
  if (spec.result === undefined) throw new Error(`MCP request without a result schema: ${method}`)
  return FastCheck.record({
    jsonrpc: FastCheck.constant("2.0" as const),
    id: arbitraryRequestId,
    result: encoded(spec.result)
  })
}
