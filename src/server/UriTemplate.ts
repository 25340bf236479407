/**
 * URI templates (RFC 6570, levels 1 to 3): expanding variables into a URI, and matching a
 * concrete URI back to its variables (what `resources/read` needs to find a template's
 * parameters). Level 4 modifiers (`{var:3}`, `{list*}`) are refused when the template is parsed.
 *
 * @example
 * ```ts
 * const template = UriTemplate.parse("file:///{+path}{?rev}")
 * template.match("file:///src/a.ts?rev=3") // { path: "src/a.ts", rev: "3" }
 * template.expand({ path: "src/a.ts" })     // "file:///src/a.ts"
 * ```
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/** A template that is not valid RFC 6570 (levels 1-3). */
export class UriTemplateError extends Schema.TaggedError<UriTemplateError>()("UriTemplateError", {
  template: Schema.String,
  message: Schema.String
}) {}

/** A parsed template. */
export interface UriTemplate {
  readonly template: string
  /** Every variable name, in order of appearance. */
  readonly variables: ReadonlyArray<string>
  /** The variables of `uri` if it matches the whole template; absent optional parts are left out. */
  readonly match: (uri: string) => Record<string, string> | undefined
  /** Builds a URI; undefined variables are left out, as RFC 6570 specifies. */
  readonly expand: (variables: Readonly<Record<string, string | undefined>>) => string
}

type Operator = "" | "+" | "#" | "." | "/" | ";" | "?" | "&"

interface Expression {
  readonly operator: Operator
  readonly names: ReadonlyArray<string>
}

const OPERATORS = new Set<string>(["+", "#", ".", "/", ";", "?", "&"])
const NAME = /^(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})(?:\.?(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2}))*$/

// What each operator puts before the first value and between values (RFC 6570 §3.2.1, appendix A).
const FIRST: Record<Operator, string> = { "": "", "+": "", "#": "#", ".": ".", "/": "/", ";": ";", "?": "?", "&": "&" }
const SEPARATOR: Record<Operator, string> = { "": ",", "+": ",", "#": ",", ".": ".", "/": "/", ";": ";", "?": "&", "&": "&" }

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** Percent-encodes everything but unreserved characters (and, when `reserved`, reserved ones and existing escapes). */
const encode = (value: string, reserved: boolean): string => {
  let out = ""
  for (const char of value) {
    if (/[A-Za-z0-9\-._~]/.test(char) || (reserved && /[:/?#[\]@!$&'()*+,;=]/.test(char))) {
      out += char
    } else {
      out += encodeURIComponent(char).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    }
  }
  return reserved ? out.replace(/%25([0-9A-Fa-f]{2})/g, "%$1") : out
}

const decode = (value: string): string | undefined => {
  try {
    return decodeURIComponent(value)
  } catch {
    return undefined
  }
}

const parseExpressions = (template: string): Array<string | Expression> => {
  const parts: Array<string | Expression> = []
  let index = 0
  while (index < template.length) {
    const open = template.indexOf("{", index)
    const close = template.indexOf("}", index)
    if (open === -1) {
      if (close !== -1) throw new UriTemplateError({ template, message: `unmatched "}" at ${close}` })
      parts.push(template.slice(index))
      break
    }
    if (close !== -1 && close < open) throw new UriTemplateError({ template, message: `unmatched "}" at ${close}` })
    if (open > index) parts.push(template.slice(index, open))
    const end = template.indexOf("}", open)
    if (end === -1) throw new UriTemplateError({ template, message: `unclosed "{" at ${open}` })
    let body = template.slice(open + 1, end)
    let operator: Operator = ""
    if (body.length > 0 && OPERATORS.has(body[0]!)) {
      operator = body[0] as Operator
      body = body.slice(1)
    }
    const names = body.split(",")
    for (const name of names) {
      if (/[:*]/.test(name)) throw new UriTemplateError({ template, message: `level 4 modifier in {${body}} is not supported` })
      if (!NAME.test(name)) throw new UriTemplateError({ template, message: `invalid variable name ${JSON.stringify(name)}` })
    }
    parts.push({ operator, names })
    index = end + 1
  }
  return parts
}

/** Parses a template; throws `UriTemplateError` when it is not valid (levels 1-3). */
export const parse = (template: string): UriTemplate => {
  const parts = parseExpressions(template)
  const variables: Array<string> = []
  // Each capture group yields one variable (or, for query operators, a whole query string).
  const captures: Array<{ readonly kind: "value" | "param"; readonly name: string } | { readonly kind: "query" }> = []
  // `{?a}{&b}` and `?x=1{&b}`: a query capture reads every pair, so it resolves every query variable.
  const queryNames = new Set<string>()
  let pattern = "^"
  for (const part of parts) {
    if (typeof part === "string") {
      pattern += escapeRegExp(part)
      continue
    }
    variables.push(...part.names)
    const { operator, names } = part
    switch (operator) {
      case "?":
      case "&":
        // Query parameters may come in any order and any may be missing: capture the pairs.
        pattern += `(?:${escapeRegExp(operator)}([^#]*))?`
        captures.push({ kind: "query" })
        for (const name of names) queryNames.add(name)
        break
      case ".":
      case "/":
        for (const name of names) {
          pattern += `(?:${escapeRegExp(operator)}([^/?#${operator === "." ? "." : ""}]*))?`
          captures.push({ kind: "value", name })
        }
        break
      case ";":
        for (const name of names) {
          // The whole `;name[=value]`: `;name` alone is the empty value, not an absent one.
          pattern += `(;${escapeRegExp(name)}(?:=[^;/?#]*)?)?`
          captures.push({ kind: "param", name })
        }
        break
      default: {
        const value = operator === "" ? (names.length > 1 ? "[^/?#,]*" : "[^/?#]*") : (names.length > 1 ? "[^,]*?" : ".*?")
        pattern += escapeRegExp(FIRST[operator])
        pattern += names.map((name, i) => {
          captures.push({ kind: "value", name })
          return i === 0 ? `(${value})` : `(?:,(${value}))?`
        }).join("")
      }
    }
  }
  const regex = new RegExp(`${pattern}$`)

  const match = (uri: string): Record<string, string> | undefined => {
    const found = regex.exec(uri)
    if (found === null) return undefined
    const result: Record<string, string> = {}
    for (let i = 0; i < captures.length; i++) {
      const raw = found[i + 1]
      const capture = captures[i]!
      if (raw === undefined) continue
      if (capture.kind !== "query") {
        const value = decode(capture.kind === "value" ? raw : raw.slice(capture.name.length + 2))
        if (value === undefined) return undefined
        result[capture.name] = value
        continue
      }
      for (const pair of raw.split("&")) {
        const eq = pair.indexOf("=")
        const key = decode(eq === -1 ? pair : pair.slice(0, eq))
        const value = decode(eq === -1 ? "" : pair.slice(eq + 1))
        if (key === undefined || value === undefined) return undefined
        if (queryNames.has(key) && !(key in result)) result[key] = value
      }
    }
    return result
  }

  const expand = (values: Readonly<Record<string, string | undefined>>): string =>
    parts.map((part) => {
      if (typeof part === "string") return part
      const { operator, names } = part
      const reserved = operator === "+" || operator === "#"
      const defined = names.flatMap((name) => {
        const value = values[name]
        if (value === undefined) return []
        const encoded = encode(value, reserved)
        if (operator === ";") return [value === "" ? name : `${name}=${encoded}`]
        if (operator === "?" || operator === "&") return [`${name}=${encoded}`]
        return [encoded]
      })
      return defined.length === 0 ? "" : FIRST[operator] + defined.join(SEPARATOR[operator])
    }).join("")

  return { template, variables, match, expand }
}
