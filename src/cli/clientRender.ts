/**
 * Human-readable output of the `mcx` client commands: lists, results, a progress bar, errors.
 *
 * @since 0.2.0
 */
import type { Progress } from "../client/McpClient.js"
import type { ContentBlock, Resource } from "../schema/content.js"
import type { GetPromptResult, Prompt } from "../schema/prompts.js"
import type { ReadResourceResult, ResourceTemplate } from "../schema/resources.js"
import type { CallToolResult, Tool } from "../schema/tools.js"

/** The `_meta` key under which the tool manager describes a tool's lifecycle. */
export const ToolMetaKey = "machine-context/tool"

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined

const words = (value: unknown): string =>
  Array.isArray(value) ? value.map(String).join(", ") : typeof value === "object" && value !== null ? JSON.stringify(value) : String(value)

/** The lifecycle line of a tool from `_meta["machine-context/tool"]`, when it carries one. */
const lifecycle = (tool: Tool): Array<string> => {
  const meta = record(record(tool._meta)?.[ToolMetaKey])
  if (meta === undefined) return []
  const parts: Array<string> = []
  if (meta.version !== undefined) parts.push(`version ${words(meta.version)}${meta.versions === undefined ? "" : ` (of ${words(meta.versions)})`}`)
  for (const key of ["state", "health", "breaker"] as const) if (meta[key] !== undefined) parts.push(`${key} ${words(meta[key])}`)
  if (meta.inFlight !== undefined) parts.push(`in flight ${words(meta.inFlight)}`)
  if (meta.capabilities !== undefined) parts.push(`capabilities ${words(meta.capabilities)}`)
  const lines = parts.length === 0 ? [] : [`    ${parts.join(" · ")}`]
  const deprecated = record(meta.deprecated)
  if (deprecated !== undefined) {
    const sunset = deprecated.sunset === undefined ? "" : ` (sunset ${words(deprecated.sunset)})`
    lines.push(`    DEPRECATED${deprecated.message === undefined ? "" : `: ${words(deprecated.message)}`}${sunset}`)
  }
  return lines
}

const hints = (tool: Tool): string => {
  const a = tool.annotations
  if (a === undefined) return ""
  const flags = [a.readOnlyHint === true && "read-only", a.destructiveHint === true && "destructive", a.idempotentHint === true && "idempotent", a.openWorldHint === true && "open-world"]
  const shown = flags.filter((flag): flag is string => flag !== false)
  return shown.length === 0 ? "" : ` [${shown.join(", ")}]`
}

const argumentsOf = (tool: Tool): string => {
  const properties = record(tool.inputSchema.properties) ?? {}
  const required = new Set(Array.isArray(tool.inputSchema.required) ? tool.inputSchema.required as Array<string> : [])
  const names = Object.keys(properties).map((name) => required.has(name) ? name : `${name}?`)
  return `(${names.join(", ")})`
}

/** The tool list. */
export const tools = (list: ReadonlyArray<Tool>): string =>
  list.length === 0
    ? "no tools"
    : list.map((tool) =>
      [`${tool.name}${argumentsOf(tool)}${hints(tool)}`, ...(tool.description === undefined ? [] : [`    ${tool.description}`]), ...lifecycle(tool)].join("\n")
    ).join("\n")

/** Content blocks as text: text as is, other blocks as one-line summaries. */
export const content = (blocks: ReadonlyArray<ContentBlock>): string =>
  blocks.map((block) => {
    switch (block.type) {
      case "text":
        return block.text
      case "image":
      case "audio":
        return `[${block.type} ${block.mimeType}, ${Math.floor((block.data.length * 3) / 4)} bytes]`
      case "resource_link":
        return `[link ${block.uri}]`
      case "resource":
        return "text" in block.resource ? block.resource.text : `[resource ${block.resource.uri}]`
      default:
        return JSON.stringify(block)
    }
  }).join("\n")

/** A tool result: its content, or its structured content when it has no content. */
export const callResult = (result: CallToolResult): string =>
  result.content.length > 0 ? content(result.content) : JSON.stringify(result.structuredContent ?? {}, null, 2)

/** Resources and templates. */
export const resources = (list: ReadonlyArray<Resource>, templates: ReadonlyArray<ResourceTemplate>): string => {
  const lines = list.map((r) => `${r.uri}  ${r.name}${r.mimeType === undefined ? "" : ` (${r.mimeType})`}${r.description === undefined ? "" : ` — ${r.description}`}`)
  for (const t of templates) lines.push(`${t.uriTemplate}  ${t.name} (template)${t.description === undefined ? "" : ` — ${t.description}`}`)
  return lines.length === 0 ? "no resources" : lines.join("\n")
}

/** The contents of a read resource. */
export const contents = (list: ReadResourceResult["contents"]): string =>
  list.map((c) => "text" in c ? c.text : `[blob ${c.uri}${c.mimeType === undefined ? "" : ` ${c.mimeType}`}, ${Math.floor((c.blob.length * 3) / 4)} bytes]`).join("\n")

/** The prompt list. */
export const prompts = (list: ReadonlyArray<Prompt>): string =>
  list.length === 0
    ? "no prompts"
    : list.map((p) => {
      const args = (p.arguments ?? []).map((a) => a.required === true ? a.name : `${a.name}?`)
      return `${p.name}(${args.join(", ")})${p.description === undefined ? "" : `\n    ${p.description}`}`
    }).join("\n")

/** A prompt's messages, one per paragraph. */
export const prompt = (result: GetPromptResult): string =>
  result.messages.map((m) => `${m.role}: ${content([m.content])}`).join("\n\n")

/** An error as one line: its tag, message and, for remote errors, the code. */
export const failure = (error: { readonly _tag: string; readonly message: string }): string => {
  const code = (error as { readonly code?: number }).code
  return `${error._tag}${code === undefined ? "" : ` ${code}`}: ${error.message}`
}

/** A progress bar on `stream`: redrawn in place on a terminal, one line per update otherwise. */
export const progressBar = (stream: NodeJS.WriteStream) => {
  let shown = false
  return {
    update: (progress: Progress): void => {
      shown = true
      const ratio = progress.total !== undefined && progress.total > 0 ? Math.min(1, progress.progress / progress.total) : undefined
      const width = 20
      const bar = ratio === undefined ? "" : `[${"#".repeat(Math.round(ratio * width)).padEnd(width, "-")}] ${Math.round(ratio * 100)}% `
      const text = `${bar}${ratio === undefined ? `${progress.progress} ` : ""}${progress.message ?? ""}`.trimEnd()
      stream.write(stream.isTTY ? `\r\x1b[K${text}` : `${text}\n`)
    },
    done: (): void => {
      if (shown && stream.isTTY) stream.write("\n")
    }
  }
}
