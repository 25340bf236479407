/**
 * Argument completion (`completion/complete`): a prompt's arguments and a resource template's
 * parameters may each have a completer, a function from what the user typed so far (and the
 * arguments already chosen) to suggestions. The server sends at most 100 of them, with the
 * total and whether more exist.
 *
 * @example
 * ```ts
 * const Review = Prompt.make({
 *   name: "review",
 *   description: "Review code in a language",
 *   args: Schema.Struct({ language: Schema.String }),
 *   complete: { language: Completion.fromValues(["python", "typescript", "rust"]) }
 * }, ({ language }) => Effect.succeed(`Review this ${language} code`))
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"

/** What the client already knows besides the value being completed. */
export interface Context {
  /** Arguments (or template parameters) already resolved, by name. */
  readonly arguments: Readonly<Record<string, string>>
}

/** Suggestions for one argument, given its partial value. */
export type Completer<R = never> = (value: string, context: Context) => Effect.Effect<ReadonlyArray<string>, never, R>

/** Completers by argument (or parameter) name. */
export type Completers = { readonly [name: string]: Completer<any> | undefined }

/**
 * The `complete` option of a prompt (arguments `I`) or template (parameters `I`): a completer
 * per name, `C` mapping each name to the services its completer needs.
 */
export type Option<I, C> = { readonly [K in keyof C]: K extends keyof I ? Completer<C[K]> : never }

/** The most values one answer carries (the specification's limit). */
export const maxValues = 100

/** A completer over a fixed list: the values that start with what was typed, ignoring case. */
export const fromValues = (values: ReadonlyArray<string>): Completer => (value) => {
  const prefix = value.toLowerCase()
  return Effect.succeed(values.filter((candidate) => candidate.toLowerCase().startsWith(prefix)))
}

/** Checks that completers are named after known arguments; returns the unknown names. */
export const unknownNames = (completers: Completers | undefined, known: ReadonlyArray<string>): ReadonlyArray<string> =>
  Object.keys(completers ?? {}).filter((name) => !known.includes(name))
