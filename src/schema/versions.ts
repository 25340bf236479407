/**
 * Protocol versions (eras) that machine-context speaks, and what each allows.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/** Every protocol version, oldest first. */
export const ProtocolVersions = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"] as const

/** A protocol version string that machine-context supports. */
export const ProtocolVersion = Schema.Literal(...ProtocolVersions)
export type ProtocolVersion = typeof ProtocolVersion.Type

/** Versions negotiated through `initialize`, with a session (oldest first). */
export const StatefulVersions = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"] as const
export type StatefulVersion = (typeof StatefulVersions)[number]

/** The newest version negotiated through `initialize`. */
export const LatestStatefulVersion: StatefulVersion = "2025-11-25"

/** The newest version: stateless, every request carries its version in `_meta`. */
export const LatestVersion: ProtocolVersion = "2026-07-28"

const order = new Map<string, number>(ProtocolVersions.map((v, i) => [v, i]))

/** Whether `version` is a version string this library knows. */
export const isProtocolVersion = (version: unknown): version is ProtocolVersion =>
  typeof version === "string" && order.has(version)

/** Whether `version` is a version negotiated through `initialize`. */
export const isStatefulVersion = (version: unknown): version is StatefulVersion =>
  isProtocolVersion(version) && version !== "2026-07-28"

/** Whether `version` is `since` or newer. */
export const isAtLeast = (version: ProtocolVersion, since: ProtocolVersion): boolean =>
  order.get(version)! >= order.get(since)!

/** JSON-RPC batches (arrays of messages) exist only in 2025-03-26. */
export const allowsBatch = (version: ProtocolVersion | undefined): boolean => version === "2025-03-26"

/**
 * The answer to an `initialize` that asked for `requested`: the same version when it is
 * supported, otherwise the latest stateful version.
 */
export const negotiate = (requested: string): StatefulVersion =>
  isStatefulVersion(requested) ? requested : LatestStatefulVersion
