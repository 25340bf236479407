/**
 * Authenticated encryption of stored values: AES-256-GCM (`node:crypto`), a random 96-bit
 * nonce per value, and additional authenticated data (AAD) that binds a ciphertext to where it
 * belongs (a context id and version), so a ciphertext moved to another row does not open.
 *
 * A sealed value is `nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)`.
 *
 * @example
 * ```ts
 * const cipher = yield* Encryption.make(Redacted.make(process.env.STORE_KEY!)) // 32 bytes, hex or base64
 * const sealed = cipher.seal("{\"a\":1}", "ctx-1/3")
 * cipher.open(sealed, "ctx-1/3") // Option.some("{\"a\":1}")
 * ```
 *
 * @since 0.2.0
 */
import * as Crypto from "node:crypto"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

const NONCE_BYTES = 12
const TAG_BYTES = 16
const KEY_BYTES = 32

/** The key given is not 32 bytes (raw, or as 64 hex digits, or as base64). */
export class InvalidKey extends Schema.TaggedError<InvalidKey>()("InvalidKey", {
  message: Schema.String
}) {}

/** Seals and opens values under one key. */
export interface Cipher {
  /** Encrypts `plaintext` (UTF-8), bound to `aad`. */
  readonly seal: (plaintext: string, aad: string) => Uint8Array
  /** Decrypts what `seal` made with the same `aad`; `None` when it does not authenticate. */
  readonly open: (sealed: Uint8Array, aad: string) => Option.Option<string>
}

/** Nonces drawn from the CSPRNG in blocks: one `randomBytes` call per 1024 nonces, not per value. */
const NONCES_PER_BLOCK = 1024

const makeNonces = () => {
  let block = Buffer.alloc(0)
  let offset = 0
  return (): Buffer => {
    if (offset + NONCE_BYTES > block.length) {
      block = Crypto.randomBytes(NONCE_BYTES * NONCES_PER_BLOCK)
      offset = 0
    }
    const nonce = block.subarray(offset, offset + NONCE_BYTES)
    offset += NONCE_BYTES
    return nonce
  }
}

const keyBytes = (key: Uint8Array | string): Buffer =>
  typeof key !== "string"
    ? Buffer.from(key)
    : /^[0-9a-fA-F]{64}$/.test(key)
    ? Buffer.from(key, "hex")
    : Buffer.from(key, "base64")

/**
 * A cipher for a 32-byte key: raw bytes, or a string of 64 hex digits or base64. The key is
 * taken as `Redacted` so that it never shows in logs or error messages.
 */
export const make = (key: Redacted.Redacted<Uint8Array | string>): Effect.Effect<Cipher, InvalidKey> =>
  Effect.suspend(() => {
    const bytes = keyBytes(Redacted.value(key))
    if (bytes.length !== KEY_BYTES) {
      return Effect.fail(new InvalidKey({ message: `the encryption key must be ${KEY_BYTES} bytes, got ${bytes.length}` }))
    }
    const secret = Crypto.createSecretKey(bytes)
    const nextNonce = makeNonces()
    const seal = (plaintext: string, aad: string): Uint8Array => {
      const nonce = nextNonce()
      const cipher = Crypto.createCipheriv("aes-256-gcm", secret, nonce)
      cipher.setAAD(Buffer.from(aad, "utf8"))
      const body = cipher.update(plaintext, "utf8")
      const final = cipher.final()
      return Buffer.concat([nonce, body, final, cipher.getAuthTag()])
    }
    const open = (sealed: Uint8Array, aad: string): Option.Option<string> => {
      if (sealed.length < NONCE_BYTES + TAG_BYTES) return Option.none()
      const buffer = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength)
      const decipher = Crypto.createDecipheriv("aes-256-gcm", secret, buffer.subarray(0, NONCE_BYTES))
      decipher.setAAD(Buffer.from(aad, "utf8"))
      decipher.setAuthTag(buffer.subarray(buffer.length - TAG_BYTES))
      try {
        const body = decipher.update(buffer.subarray(NONCE_BYTES, buffer.length - TAG_BYTES), undefined, "utf8")
        return Option.some(body + decipher.final("utf8"))
      } catch {
        return Option.none()
      }
    }
    return Effect.succeed({ seal, open })
  })
