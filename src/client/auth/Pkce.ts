/**
 * Proof Key for Code Exchange (RFC 7636) with the S256 method, and the `state` of an
 * authorization request: fresh random values for every authorization.
 *
 * @since 0.2.0
 */
import { createHash, randomBytes } from "node:crypto"
import * as Effect from "effect/Effect"

/** A verifier and its S256 challenge. */
export interface Pkce {
  readonly verifier: string
  readonly challenge: string
}

/** The S256 challenge of `verifier`: base64url(SHA-256(verifier)). */
export const challengeOf = (verifier: string): string => createHash("sha256").update(verifier).digest("base64url")

/** A random verifier (43 characters of base64url, 256 bits) and its challenge. */
export const make: Effect.Effect<Pkce> = Effect.sync(() => {
  const verifier = randomBytes(32).toString("base64url")
  return { verifier, challenge: challengeOf(verifier) }
})

/** A random `state` for an authorization request (128 bits). */
export const state: Effect.Effect<string> = Effect.sync(() => randomBytes(16).toString("base64url"))
