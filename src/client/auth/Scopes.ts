/**
 * Which scopes the client asks for (MCP 2025-11-25, "Scope Selection Strategy"): those of the
 * server's challenge, else all those its resource metadata lists, else none (the `scope`
 * parameter is left out). `offline_access` is added when the authorization server lists it
 * (SEP-2207), so that it may issue a refresh token. A step-up asks for the union of what was
 * granted and what the server challenged for.
 *
 * @since 0.2.0
 */
import type { Discovery } from "./Metadata.js"

/** The scopes of a space-separated list, without repeats. */
export const split = (scope: string | undefined): ReadonlyArray<string> => [...new Set((scope ?? "").split(/\s+/).filter((s) => s !== ""))]

/** A space-separated list of the union of `lists`, or `undefined` when it is empty. */
export const union = (...lists: ReadonlyArray<string | undefined>): string | undefined => {
  const all = split(lists.join(" "))
  return all.length === 0 ? undefined : all.join(" ")
}

/** Whether `granted` includes every scope of `wanted`. */
export const covers = (granted: string | undefined, wanted: string | undefined): boolean => {
  const have = new Set(split(granted))
  return split(wanted).every((scope) => have.has(scope))
}

/** The scopes of a first authorization. */
export const select = (
  discovery: Discovery,
  challenged: string | undefined,
  configured: string | undefined,
  offlineAccess: boolean
): string | undefined => {
  const base = challenged ?? union(...(discovery.resourceScopes ?? [])) ?? configured
  const offline = offlineAccess && base !== undefined && (discovery.server.scopes_supported ?? []).includes("offline_access")
  return offline ? union(base, "offline_access") : base
}
