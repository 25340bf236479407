/**
 * Helpers of the 2026-07-28 server tests: requests that carry their era in `_meta`, sent to a
 * connection that was never initialized.
 */
import type { RawPeer } from "../harness.js"

/** The `_meta` of a 2026-07-28 request with `capabilities` (and whatever `extra` adds). */
export const meta2026 = (capabilities: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": capabilities,
  "io.modelcontextprotocol/clientInfo": { name: "stateless-test", version: "1" },
  ...extra
})

/** Sends a 2026-07-28 request and waits for its answer (other messages are kept for later). */
export const ask2026 = (
  peer: RawPeer,
  id: number | string,
  method: string,
  params: Record<string, unknown> = {},
  capabilities: Record<string, unknown> = {},
  extra: Record<string, unknown> = {}
) => {
  peer.send({ jsonrpc: "2.0", id, method, params: { ...params, _meta: meta2026(capabilities, extra) } })
  return peer.nextWhere((m) => m.id === id && (m.result !== undefined || m.error !== undefined))
}

/** The text of the first content block of a tool result. */
export const text = (answer: any): string => answer.result.content[0].text
