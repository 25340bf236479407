// Preflight: start a server once and check it can be benchmarked: initialize (protocol
// 2025-11-25), tools/list (every page), and an `echo` call whose text comes back unchanged.
import { Server, stderrGist } from "./server.mjs"

const ECHO_TEXT = "preflight \"quoted\" ünïcødé ✓"

/** Every page of tools/list, following nextCursor (bounded). */
export const listAll = async (server) => {
  const tools = []
  let cursor
  let pages = 0
  do {
    const r = await server.request("tools/list", cursor === undefined ? {} : { cursor })
    if (r.error) throw new Error(`tools/list failed: ${JSON.stringify(r.error)}`)
    tools.push(...(r.result?.tools ?? []))
    pages++
    cursor = r.result?.nextCursor
  } while (cursor !== undefined && cursor !== null && pages < 1000)
  return { tools, pages }
}

/**
 * @param {string} cmd shell command starting a stdio MCP server
 * @param {{ cwd?: string, timeoutMs?: number }} [opts]
 */
export const preflight = async (cmd, { cwd, timeoutMs = 20_000 } = {}) => {
  const server = new Server(cmd, { cwd, timeoutMs })
  const out = { cmd, ok: false }
  try {
    const { initMs, result } = await server.initialize()
    out.initMs = Math.round(initMs)
    out.protocolVersion = result?.protocolVersion
    out.serverInfo = result?.serverInfo
    const { tools, pages } = await listAll(server)
    out.tools = tools.length
    out.listPages = pages
    if (!tools.some((t) => t.name === "echo")) throw new Error("tools/list has no `echo` tool")
    const call = await server.request("tools/call", { name: "echo", arguments: { text: ECHO_TEXT } })
    if (call.error) throw new Error(`tools/call echo failed: ${JSON.stringify(call.error)}`)
    if (call.result?.content?.[0]?.text !== ECHO_TEXT) throw new Error(`echo returned ${JSON.stringify(call.result).slice(0, 200)}`)
    out.structuredContent = call.result?.structuredContent?.text === ECHO_TEXT
    out.ok = true
  } catch (e) {
    out.error = `${e?.message ?? e}${server.stderrTail && !server.dead ? `; stderr: ${stderrGist(server.stderrTail)}` : ""}`
  } finally {
    await server.stop()
  }
  return out
}
