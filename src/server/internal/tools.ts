/**
 * The tools feature: `tools/list` (paged; each tool's definition serialized once per change of
 * the list, its live state, health, breaker and calls in flight added on each request),
 * `tools/call`, and `notifications/tools/list_changed` when tools are added or removed.
 */
import * as Effect from "effect/Effect"
import { McpError } from "../../protocol/errors.js"
import { ErrorCode } from "../../schema/jsonrpc.js"
import type { CreateTaskResult } from "../../schema/tasks.js"
import type { ExtensionCreateTaskResult } from "../../schema/tasksExtension.js"
import { RequestContext } from "../../protocol/RequestContext.js"
import * as Router from "../../protocol/Router.js"
import { CallToolRequestParams, ListToolsRequestParams } from "../../schema/tools.js"
import type { InputRequiredResult } from "../../schema/stateless.js"
import type { CallToolResult } from "../../schema/tools.js"
import { isAtLeast } from "../../schema/versions.js"
import * as Tool from "../Tool.js"
import * as CallScope from "../tools/CallScope.js"
import * as Discovery from "../tools/Discovery.js"
import type { Registration } from "../tools/Registration.js"
import { ToolVersionKey, type Service as ToolManager } from "../tools/ToolManager.js"
import type { Connections } from "./connections.js"
import type { InputRounds } from "./inputRequired.js"
import { Listing } from "./listing.js"
import { isStateless, type StatelessAnswers } from "./stateless.js"
import { declaresExtension, extensionRequired, type Tasks } from "./tasks.js"

export class Tools {
  private readonly listing: Listing<Registration>

  constructor(
    private readonly manager: ToolManager,
    pageSize: number | undefined,
    private readonly connections: Connections,
    stateless: StatelessAnswers,
    private readonly rounds: InputRounds,
    private readonly tasks: Tasks
  ) {
    this.listing = new Listing(
      "tools/list",
      "tools",
      {
        text: (registration) => Discovery.staticText(registration, manager.versions(registration.name)),
        live: Discovery.liveText,
        complete: Discovery.withLive
      },
      pageSize,
      stateless.listFields()
    )
    this.sync()
    // State changes need no new pages: the live part of each entry is read per request.
    manager.subscribe((change) =>
      change === "list"
        ? Effect.suspend(() => {
          this.sync()
          return this.changed
        })
        : Effect.void
    )
  }

  private readonly changed = Effect.suspend(() => this.connections.notify("notifications/tools/list_changed", undefined, (f) => f.toolsListChanged === true))

  /** Lists the manager's default versions (and drops the cached pages). */
  private sync(): void {
    const defaults = this.manager.defaults()
    const names = new Set(defaults.map((registration) => registration.name))
    for (const registration of this.listing.values()) if (!names.has(registration.name)) this.listing.delete(registration.name)
    for (const registration of defaults) this.listing.set(registration.name, registration)
  }

  /** Whether some tool may run as a task (the server then declares the `tasks` capability). */
  supportTasks(): boolean {
    return this.listing.values().some((registration) => Tool.taskSupport(registration.tool) !== "forbidden")
  }

  routes(): ReadonlyArray<Router.Route<any, any>> {
    return [
      Router.request("tools/list", ListToolsRequestParams, (params) =>
        Effect.clockWith((clock) => this.listing.page(params.cursor, isStateless(params), clock.unsafeCurrentTimeMillis()))),
      Router.request("tools/call", CallToolRequestParams, (params) =>
        Effect.flatMap(RequestContext, (request): Effect.Effect<CallToolResult | CreateTaskResult | ExtensionCreateTaskResult | InputRequiredResult, McpError, any> => {
          const meta = params._meta ?? {}
          const pinned = meta[ToolVersionKey]
          const registration = typeof pinned === "string" ? this.manager.find(params.name, pinned) : this.listing.get(params.name)
          if (registration === undefined) {
            return Effect.fail(
              typeof pinned === "string" && this.manager.find(params.name) !== undefined
                ? McpError.invalidParams(`Unknown version ${pinned} of tool ${params.name}`, { name: params.name, version: pinned, versions: this.manager.versions(params.name) })
                : McpError.invalidParams(`Unknown tool: ${params.name}`, { name: params.name })
            )
          }
          const tool = registration.tool
          // Tasks exist in 2025-11-25 only: other eras ignore `task` and run every tool directly.
          const task = request.protocolVersion === "2025-11-25" ? params.task : undefined
          if (request.protocolVersion === "2025-11-25") {
            const support = Tool.taskSupport(tool)
            // -32601 both ways, as the specification's tool-level negotiation says.
            if (task !== undefined && support === "forbidden") {
              return Effect.fail(new McpError({ code: ErrorCode.MethodNotFound, message: `Tool ${tool.name} does not support task-augmented execution`, data: { name: tool.name } }))
            }
            if (task === undefined && support === "required") {
              return Effect.fail(new McpError({ code: ErrorCode.MethodNotFound, message: `Tool ${tool.name} requires task-augmented execution`, data: { name: tool.name } }))
            }
          }
          const input = tool.decodeInput(params.arguments ?? {})
          if (input._tag === "Left") {
            const issues = Router.formatIssues(input.left)
            const message = `Invalid arguments for tool ${tool.name}: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`
            // Since 2025-11-25 input errors are tool errors the model can see and correct.
            const version = request.protocolVersion
            return version !== undefined && isAtLeast(version, "2025-11-25")
              ? Effect.succeed(Tool.errorResult(tool, message, { issues }))
              : Effect.fail(McpError.invalidParams(message, { issues }))
          }
          const call = this.manager.execute(registration, input.right, meta)
          // A task has no JSON-RPC answer of its own: a refusal (overloaded) becomes its error result.
          const asTask = Effect.catchAll(call, (error) => Effect.succeed(Tool.errorResult(tool, error.message, { code: error.code, data: error.data })))
          if (task !== undefined) return this.tasks.start(request, task, asTask)
          // 2026-07-28: the server runs a tool that supports tasks as one when the client allows it.
          if (request.protocolVersion === "2026-07-28" && Tool.taskSupport(tool) !== "forbidden") {
            if (declaresExtension(request)) return this.tasks.start(request, undefined, asTask)
            if (Tool.taskSupport(tool) === "required") return Effect.fail(extensionRequired())
          }
          return this.rounds.serve({ method: "tools/call", target: tool.name }, params, call)
        }), { perRequest: [CallScope.perRequest] })
    ]
  }
}
