/**
 * Limits on incoming messages. Every message is checked once, right after parsing; a message
 * over a limit is answered with an error and never reaches a handler.
 *
 * @since 0.1.0
 */

/** Configurable limits; every field has a safe default (see {@link defaults}). */
export interface Limits {
  /** Largest message, in bytes of UTF-8 text. */
  readonly maxMessageBytes: number
  /** Deepest nesting of arrays and objects. */
  readonly maxDepth: number
  /** Longest string (keys included), in UTF-16 code units. */
  readonly maxStringLength: number
  /** Longest array, and most keys in one object. */
  readonly maxArrayLength: number
}

/** 4 MiB messages, 64 levels of nesting, 4 Mi-character strings, 100k-element arrays. */
export const defaults: Limits = {
  maxMessageBytes: 4 * 1024 * 1024,
  maxDepth: 64,
  maxStringLength: 4 * 1024 * 1024,
  maxArrayLength: 100_000
}

/** Fills in the defaults for the fields not given. */
export const make = (overrides: Partial<Limits> = {}): Limits => ({ ...defaults, ...overrides })

/**
 * Walks a parsed JSON value without recursion and returns a description of the first limit it
 * breaks, or `undefined` when it is within every limit.
 */
export const check = (value: unknown, limits: Limits): string | undefined => {
  if (typeof value !== "object" || value === null) {
    return typeof value === "string" && value.length > limits.maxStringLength
      ? `a string is longer than ${limits.maxStringLength} characters`
      : undefined
  }
  const values: Array<unknown> = [value]
  const depths: Array<number> = [1]
  while (values.length > 0) {
    const current = values.pop()
    const depth = depths.pop()!
    if (typeof current === "string") {
      if (current.length > limits.maxStringLength) return `a string is longer than ${limits.maxStringLength} characters`
      continue
    }
    if (typeof current !== "object" || current === null) continue
    if (depth > limits.maxDepth) return `nesting is deeper than ${limits.maxDepth} levels`
    if (Array.isArray(current)) {
      if (current.length > limits.maxArrayLength) return `an array has more than ${limits.maxArrayLength} elements`
      for (let i = 0; i < current.length; i++) {
        const item = current[i]
        if (typeof item === "object" ? item !== null : typeof item === "string") {
          values.push(item)
          depths.push(depth + 1)
        }
      }
    } else {
      const keys = Object.keys(current)
      if (keys.length > limits.maxArrayLength) return `an object has more than ${limits.maxArrayLength} keys`
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!
        if (key.length > limits.maxStringLength) return `a key is longer than ${limits.maxStringLength} characters`
        const item = (current as Record<string, unknown>)[key]
        if (typeof item === "object" ? item !== null : typeof item === "string") {
          values.push(item)
          depths.push(depth + 1)
        }
      }
    }
  }
  return undefined
}
