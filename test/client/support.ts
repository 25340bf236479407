/**
 * Support of the client tests: our server over Streamable HTTP on 127.0.0.1 (a given or free
 * port, so a test can stop it and start another on the same port), and an authorizing proxy.
 */
import * as HttpServer from "@effect/platform/HttpServer"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Http from "node:http"
import * as Demo from "../../src/cli/demo.js"
import * as McpServer from "../../src/server/McpServer.js"
import type * as Tool from "../../src/server/Tool.js"
import type { RequestContext } from "../../src/protocol/RequestContext.js"
import * as StreamableHttp from "../../src/transport/StreamableHttp.js"

export interface Served {
  readonly url: string
  readonly port: number
  readonly server: McpServer.Service
  readonly close: () => Promise<void>
}

/** The demo server (and `extra` tools) over Streamable HTTP on 127.0.0.1:`port` (0: a free one). */
export const serveDemo = async (
  port = 0,
  extra: ReadonlyArray<Tool.Tool<any, any, never, RequestContext>> = [],
  endpoint: StreamableHttp.Options = {}
): Promise<Served> => {
  const runtime = ManagedRuntime.make(
    StreamableHttp.layer({ ...endpoint, port, host: "127.0.0.1" }).pipe(
      Layer.provideMerge(McpServer.layer({ name: "demo", version: "1.0.0" }, { tools: [...Demo.tools, ...extra], ...Demo.features }))
    )
  )
  const [address, server] = await runtime.runPromise(Effect.all([Effect.map(HttpServer.HttpServer, (s) => s.address), McpServer.McpServer]))
  if (address._tag !== "TcpAddress") throw new Error("expected a TCP address")
  return { url: `http://127.0.0.1:${address.port}/mcp`, port: address.port, server, close: () => runtime.dispose() }
}

/**
 * A proxy in front of `target` that lets through only requests with `Authorization: Bearer
 * <token>` (the token can change) and answers others 401 with a `WWW-Authenticate` challenge.
 */
export const authorizingProxy = async (target: string) => {
  const state = { token: "first", challenges: 0 }
  const proxy = Http.createServer((request, response) => {
    if (request.headers.authorization !== `Bearer ${state.token}`) {
      state.challenges++
      response.writeHead(401, { "www-authenticate": `Bearer error="invalid_token", resource_metadata="${target}"` }).end()
      return
    }
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      const headers: Record<string, string> = {}
      for (const [key, value] of Object.entries(request.headers)) {
        if (typeof value === "string" && key !== "host" && key !== "authorization" && key !== "content-length") headers[key] = value
      }
      const body = chunks.length === 0 ? undefined : Buffer.concat(chunks)
      fetch(target, { method: request.method ?? "GET", headers, ...(body === undefined ? {} : { body }) }).then(async (answer) => {
        const out: Record<string, string> = {}
        answer.headers.forEach((value, key) => {
          if (key !== "content-length" && key !== "transfer-encoding") out[key] = value
        })
        response.writeHead(answer.status, out)
        if (answer.body !== null) for await (const chunk of answer.body) response.write(chunk)
        response.end()
      }, () => response.writeHead(502).end())
    })
  })
  await new Promise<void>((listening) => proxy.listen(0, "127.0.0.1", listening))
  const port = (proxy.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    state,
    close: () => new Promise<void>((closed) => proxy.close(() => closed()))
  }
}
