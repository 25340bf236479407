/**
 * The services a tool's `init` needs are part of its type: `Tool.Requirements` and
 * `Tool.InitRequirements` carry them, and making a manager or server with the tool, or
 * registering it, demands them (checked by `npm run typecheck`). At run time `init` gets the
 * registering caller's services, and `recover` runs it again with the same ones.
 */
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Protocol from "../../src/protocol/Protocol.js"
import * as McpServer from "../../src/server/McpServer.js"
import * as Tool from "../../src/server/Tool.js"
import type { RegistrationError } from "../../src/server/tools/errors.js"
import * as ToolManager from "../../src/server/tools/ToolManager.js"

/** A connection pool whose connections are counted. */
class Database extends Context.Tag("test/InitDatabase")<Database, {
  readonly open: Effect.Effect<void>
  readonly close: Effect.Effect<void>
}>() {}

class Clock extends Context.Tag("test/InitClock")<Clock, { readonly now: () => number }>() {}

const database = (log: Array<string>, failing = false) =>
  Database.of({
    open: Effect.suspend(() => failing ? Effect.die("refused") : Effect.sync(() => log.push("open"))),
    close: Effect.sync(() => log.push("close"))
  })

/** A tool whose init holds a connection (acquired in the tool's Scope) and whose handler needs a `Clock`. */
const Reports = Tool.make("reports", {
  input: Schema.Struct({}),
  init: Effect.flatMap(Database, (db) => Effect.acquireRelease(db.open, () => db.close))
}, () => Effect.map(Clock, (clock) => `at ${clock.now()}`))

describe("typed init requirements", () => {
  it("are part of the tool's type, and registration demands them", () => {
    expectTypeOf<Tool.Requirements<typeof Reports>>().toEqualTypeOf<Database | Clock>()
    expectTypeOf<Tool.InitRequirements<typeof Reports>>().toEqualTypeOf<Database>()
    expectTypeOf<Tool.InitRequirements<Tool.Any>>().toEqualTypeOf<never>()
    expectTypeOf<Tool.InitRequirements<Tool.Isolated<unknown, string>>>().toEqualTypeOf<never>()
    expectTypeOf(ToolManager.layer({ tools: [Reports] })).toEqualTypeOf<Layer.Layer<ToolManager.ToolManager, RegistrationError, Database>>()
    expectTypeOf(ToolManager.make()).toEqualTypeOf<Effect.Effect<ToolManager.Service, RegistrationError, never>>()
    const register = (manager: ToolManager.Service) => manager.register(Reports)
    expectTypeOf(register).returns.toEqualTypeOf<Effect.Effect<void, RegistrationError, Database>>()
    const addTool = (server: McpServer.Service) => server.addTool(Reports)
    expectTypeOf(addTool).returns.toEqualTypeOf<Effect.Effect<void, RegistrationError, Database>>()
    const complete = <A, E>(layer: Layer.Layer<A, E, never>) => layer
    // @ts-expect-error a manager with the tool cannot be made without a Database
    complete(ToolManager.layer({ tools: [Reports] }))
    // @ts-expect-error nor a server, which needs the handler's Clock too
    complete(McpServer.layer({ name: "s", version: "1" }, { tools: [Reports] }).pipe(Layer.provide(Layer.succeed(Database, database([])))))
    expect(complete(ToolManager.layer({ tools: [Reports] }).pipe(Layer.provide(Layer.succeed(Database, database([])))))).toBeDefined()
    expect(Reports.management.init).toBeDefined()
  })

  it.effect("init gets the services of the manager's maker; its resources are released with the manager", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const scope = yield* Scope.make()
      const manager = yield* ToolManager.make({ tools: [Reports] }).pipe(Scope.extend(scope), Effect.provideService(Database, database(log)))
      expect(log).toEqual(["open"])
      expect((yield* manager.call("reports", {}).pipe(Effect.provideService(Clock, { now: () => 7 }))).content).toEqual([{ type: "text", text: "at 7" }])
      yield* Scope.close(scope, Exit.void)
      expect(log).toEqual(["open", "close"])
    }))

  it.scoped("register runs init with the registering caller's services; recover reuses them", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const manager = yield* ToolManager.make()
      const failing = database(log, true)
      const failed = yield* Effect.flip(manager.register(Reports).pipe(Effect.provideService(Database, failing)))
      expect(failed).toMatchObject({ _tag: "ToolInitError", name: "reports" })
      expect((yield* manager.list)[0]).toMatchObject({ state: "failed" })
      yield* manager.unregister("reports")
      yield* manager.register(Reports).pipe(Effect.provideService(Database, database(log)))
      expect(log).toEqual(["open"])
      yield* manager.unregister("reports")
      expect(log).toEqual(["open", "close"])

      let refuse = true
      const flaky = Database.of({
        open: Effect.suspend(() => refuse ? Effect.die("not yet") : Effect.sync(() => log.push("reopened"))),
        close: Effect.void
      })
      yield* Effect.ignore(manager.register(Reports).pipe(Effect.provideService(Database, flaky)))
      refuse = false
      // No Database here: recover runs init again with the services it was registered with.
      yield* manager.recover("reports")
      expect(log.at(-1)).toBe("reopened")
      expect((yield* manager.list)[0]).toMatchObject({ state: "ready" })
    }))

  it.scoped("a server registers its tools with its own services, even on a manager made without them", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const manager = yield* ToolManager.make()
      const server = yield* McpServer.make({ name: "s", version: "1" }, { tools: [Reports] }).pipe(
        Effect.provide(Layer.mergeAll(
          Layer.succeed(ToolManager.ToolManager, manager),
          Layer.succeed(Database, database(log)),
          Layer.succeed(Clock, { now: () => 1 })
        )),
        Effect.provide(Protocol.layerDefault)
      )
      expect(log).toEqual(["open"])
      expect(server.toolManager.find("reports")?.state).toBe("ready")
    }))
})
