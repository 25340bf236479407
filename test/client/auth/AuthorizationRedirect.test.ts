import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as AuthorizationRedirect from "../../../src/client/auth/AuthorizationRedirect.js"

/** A server answering each path with the given status and `Location`. */
const serve = (routes: Record<string, { status: number; location?: (base: string) => string }>) =>
  Effect.acquireRelease(
    Effect.async<{ base: string; close: () => void; hits: Array<string> }>((resume) => {
      const hits: Array<string> = []
      const server = createServer((req, res) => {
        const path = new URL(req.url ?? "/", "http://x").pathname
        hits.push(path)
        const route = routes[path] ?? { status: 404 }
        res.writeHead(route.status, route.location === undefined ? {} : { location: route.location(base) })
        res.end()
      })
      let base = ""
      server.listen(0, "127.0.0.1", () => {
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
        resume(Effect.succeed({ base, hits, close: () => server.close() }))
      })
    }),
    (server) => Effect.sync(server.close)
  )

describe("AuthorizationRedirect.headless", () => {
  it.scoped("follows redirects to the redirect URI and returns it without fetching it", () =>
    Effect.gen(function*() {
      const server = yield* serve({
        "/authorize": { status: 302, location: () => "/login" },
        "/login": { status: 303, location: (base) => `${base}/callback?code=c&state=s` }
      })
      const url = new URL(`${server.base}/authorize?redirect_uri=${encodeURIComponent(`${server.base}/callback`)}`)
      const back = yield* AuthorizationRedirect.headless.authorize(url)
      expect(back.searchParams.get("code")).toBe("c")
      expect(server.hits).toEqual(["/authorize", "/login"])
    }))

  it.scoped("fails when the server answers without redirecting, or redirects in circles", () =>
    Effect.gen(function*() {
      const server = yield* serve({ "/consent": { status: 200 }, "/loop": { status: 302, location: () => "/loop" } })
      const redirect = `?redirect_uri=${encodeURIComponent("http://127.0.0.1:1/cb")}`
      const page = yield* Effect.flip(AuthorizationRedirect.headless.authorize(new URL(`${server.base}/consent${redirect}`)))
      expect(page.reason).toBe("Authorization")
      expect(page.message).toMatch(/answered 200 without redirecting/)
      const loop = yield* Effect.flip(AuthorizationRedirect.headless.authorize(new URL(`${server.base}/loop${redirect}`)))
      expect(loop.message).toMatch(/More than 5 redirects/)
    }))
})
