import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import * as AuthorizationRedirect from "../../../src/client/auth/AuthorizationRedirect.js"
import * as LoopbackRedirect from "../../../src/client/auth/LoopbackRedirect.js"
import * as TokenStore from "../../../src/client/auth/TokenStore.js"
import * as OAuth from "../../../src/client/OAuth.js"
import * as Mock from "./MockServers.js"

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

/** A port free a moment ago on 127.0.0.1. */
const freePort = Effect.async<number>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const port = (server.address() as AddressInfo).port
    server.close(() => resume(Effect.succeed(port)))
  })
})

describe("LoopbackRedirect", () => {
  it.scoped("listens on the redirect URI while the user (here fetch) opens the authorization URL", () =>
    Effect.gen(function*() {
      const mocks = yield* Mock.start()
      const redirectUri = `http://127.0.0.1:${yield* freePort}/callback`
      const opened: Array<string> = []
      const redirect = LoopbackRedirect.layer({
        open: (url) => Effect.promise(async () => {
          opened.push(url.pathname)
          const page = await fetch(url)
          expect(await page.text()).toMatch(/Authorization complete/)
        })
      })
      const auth = yield* OAuth.make({ redirectUri }).pipe(Effect.provide(Layer.merge(redirect, TokenStore.layerMemory)))
      expect(yield* Mock.post(auth, mocks.mcpUrl, "tools/list")).toBe(200)
      expect(opened).toEqual(["/authorize"])
      expect(Mock.to(mocks, "/token")[0]!.form.get("redirect_uri")).toBe(redirectUri)
    }))

  it.scoped("gives the user a bounded time (TestClock) and refuses a redirect URI off loopback", () =>
    Effect.gen(function*() {
      const opened = yield* Deferred.make<void>()
      const service = LoopbackRedirect.make({ open: () => Deferred.succeed(opened, undefined), timeout: "2 minutes" })
      const authorizeAt = (redirectUri: string) =>
        service.authorize(new URL(`http://127.0.0.1:1/authorize?redirect_uri=${encodeURIComponent(redirectUri)}`))
      const waiting = yield* Effect.fork(authorizeAt(`http://127.0.0.1:${yield* freePort}/cb`))
      yield* Deferred.await(opened)
      yield* TestClock.adjust("2 minutes")
      const timedOut = yield* Effect.flip(Fiber.join(waiting))
      expect(timedOut.message).toMatch(/No redirect within 2m/)
      const remote = yield* Effect.flip(authorizeAt("https://app.example/cb"))
      expect(remote.message).toMatch(/not an http loopback address/)
    }))
})
