import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as Duration from "effect/Duration"
import * as AuthorizationRedirect from "../../../src/client/auth/AuthorizationRedirect.js"
import * as TokenStore from "../../../src/client/auth/TokenStore.js"
import * as OAuth from "../../../src/client/OAuth.js"
import * as Mock from "./MockServers.js"

const temporaryDirectory = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "mc-oauth-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

describe("token storage", () => {
  it.scoped("keeps tokens in a 0600 JSON file that a restarted client reuses without authorizing again", () =>
    Effect.gen(function*() {
      const path = join(yield* temporaryDirectory, "tokens.json")
      const mocks = yield* Mock.start({ refreshTokens: true })
      const store = TokenStore.layerFile(path).pipe(Layer.provide(NodeFileSystem.layer))
      const client = OAuth.make().pipe(Effect.provide(Layer.merge(store, AuthorizationRedirect.layerHeadless)))

      expect(yield* Mock.post(yield* client, mocks.mcpUrl, "tools/list")).toBe(200)
      expect(statSync(path).mode & 0o777).toBe(0o600)
      const saved = JSON.parse(readFileSync(path, "utf8"))[`${mocks.mcpUrl.origin}/mcp`]
      expect(saved.registration.clientId).toBe("dyn-client")
      expect(mocks.secrets).toContain(saved.tokens.accessToken)

      expect(yield* Mock.post(yield* client, mocks.mcpUrl, "tools/call")).toBe(200)
      expect(Mock.to(mocks, "/authorize")).toHaveLength(1)
    }))

  it.scoped("reports an unreadable file as a Storage error", () =>
    Effect.gen(function*() {
      const dir = yield* temporaryDirectory
      const store = yield* TokenStore.makeFile(dir).pipe(Effect.provide(NodeFileSystem.layer))
      const result = yield* Effect.either(store.get("http://x/mcp"))
      expect(result._tag === "Left" && result.left.reason).toBe("Storage")
    }))
})

describe("secrets stay out of logs", () => {
  it.scoped("no token, secret or code appears in any log line or error message, at every level", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const capture = Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => void lines.push(JSON.stringify(message))))
      const mocks = yield* Mock.start({
        refreshTokens: true,
        expiresIn: 60,
        challengeScope: "mcp:basic",
        needs: (method) => method === "tools/call" ? ["mcp:basic", "mcp:write"] : ["mcp:basic"],
        asExtra: { token_endpoint_auth_methods_supported: ["client_secret_post"] }
      })
      const errors: Array<string> = []
      yield* Effect.gen(function*() {
        const auth = yield* OAuth.make()
        yield* Mock.post(auth, mocks.mcpUrl, "tools/list")
        yield* Mock.post(auth, mocks.mcpUrl, "tools/call")
        yield* TestClock.adjust(Duration.minutes(2))
        yield* Mock.post(auth, mocks.mcpUrl, "tools/call")
        const store = yield* TokenStore.TokenStore
        lines.push(JSON.stringify(Option.getOrThrow(yield* store.get(`${mocks.mcpUrl.origin}/mcp`))))
        const forged = yield* Mock.start({ forgeState: "x", refreshTokens: true })
        const failed = yield* Effect.either(Mock.post(auth, forged.mcpUrl, "tools/list"))
        if (failed._tag === "Left") errors.push(failed.left.message)
        mocks.secrets.push(...forged.secrets)
      }).pipe(Effect.provide(Layer.mergeAll(TokenStore.layerMemory, AuthorizationRedirect.layerHeadless, capture)), Logger.withMinimumLogLevel(LogLevel.All))

      const grants = Mock.to(mocks, "/token").map((r) => r.form.get("grant_type"))
      expect(grants).toEqual(["authorization_code", "authorization_code", "refresh_token"])
      expect(lines.some((line) => line.includes("token granted"))).toBe(true)
      expect(lines.some((line) => line.includes("<redacted>"))).toBe(true)
      expect(errors).toHaveLength(1)
      expect(mocks.secrets.length).toBeGreaterThan(5)
      for (const secret of [...mocks.secrets, "dyn-secret"]) {
        for (const text of [...lines, ...errors]) expect(text).not.toContain(secret)
      }
    }))
})
