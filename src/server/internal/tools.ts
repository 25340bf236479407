/**
 * The tools feature: `tools/list` (paged, each page serialized once), `tools/call`, and
 * `notifications/tools/list_changed` when tools are added or removed.
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
import type { Connections } from "./connections.js"
import type { InputRounds } from "./inputRequired.js"
import { Listing } from "./listing.js"
import { isStateless, type StatelessAnswers } from "./stateless.js"
import { declaresExtension, extensionRequired, type Tasks } from "./tasks.js"

export class Tools {
  private readonly listing: Listing<Tool.Any>

  constructor(
    tools: ReadonlyArray<Tool.Any>,
    pageSize: number | undefined,
    private readonly connections: Connections,
    stateless: StatelessAnswers,
    private readonly rounds: InputRounds,
    private readonly tasks: Tasks
  ) {
    this.listing = new Listing("tools/list", "tools", (tool) => tool.wire(), pageSize, stateless.listFields())
    for (const tool of tools) this.listing.set(tool.name, tool)
  }

  private readonly changed = Effect.suspend(() => this.connections.notify("notifications/tools/list_changed", undefined, (f) => f.toolsListChanged === true))

  add(tool: Tool.Any): Effect.Effect<void> {
    return this.listing.add(tool.name, tool, this.changed)
  }

  remove(name: string): Effect.Effect<boolean> {
    return this.listing.remove(name, this.changed)
  }

  /** Whether some tool may run as a task (the server then declares the `tasks` capability). */
  supportTasks(): boolean {
    return this.listing.values().some((tool) => Tool.taskSupport(tool) !== "forbidden")
  }

  values(): ReadonlyArray<Tool.Any> {
    return this.listing.values()
  }

  routes(): ReadonlyArray<Router.Route<any, any>> {
    return [
      Router.request("tools/list", ListToolsRequestParams, (params) => this.listing.page(params.cursor, isStateless(params))),
      Router.request("tools/call", CallToolRequestParams, (params) =>
        Effect.flatMap(RequestContext, (request): Effect.Effect<CallToolResult | CreateTaskResult | ExtensionCreateTaskResult | InputRequiredResult, McpError, any> => {
          const tool = this.listing.get(params.name)
          if (tool === undefined) {
            return Effect.fail(McpError.invalidParams(`Unknown tool: ${params.name}`, { name: params.name }))
          }
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
          if (task !== undefined) return this.tasks.start(request, task, Tool.run(tool, input.right))
          // 2026-07-28: the server runs a tool that supports tasks as one when the client allows it.
          if (request.protocolVersion === "2026-07-28" && Tool.taskSupport(tool) !== "forbidden") {
            if (declaresExtension(request)) return this.tasks.start(request, undefined, Tool.run(tool, input.right))
            if (Tool.taskSupport(tool) === "required") return Effect.fail(extensionRequired())
          }
          return this.rounds.serve({ method: "tools/call", target: tool.name }, params, Tool.run(tool, input.right))
        }))
    ]
  }
}
