/**
 * Reads the `Bearer` challenge of a `WWW-Authenticate` header (RFC 6750 §3, RFC 9728 §5.1):
 * `error`, `scope` and `resource_metadata`.
 *
 * @since 0.2.0
 */

/** The parameters of a Bearer challenge that the OAuth client acts on. */
export interface BearerChallenge {
  readonly error: string | undefined
  readonly scope: string | undefined
  readonly resourceMetadata: string | undefined
}

const param = /([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))/g

/** The auth-params of the `Bearer` challenge in `header` (any other scheme is ignored). */
export const parse = (header: string | undefined): BearerChallenge => {
  const params = new Map<string, string>()
  const bearer = header === undefined ? -1 : header.search(/(^|[\s,])bearer(\s|$)/i)
  if (header !== undefined && bearer >= 0) {
    const rest = header.slice(bearer).replace(/^[\s,]*bearer/i, "")
    for (const match of rest.matchAll(param)) {
      const name = match[1]!.toLowerCase()
      if (!params.has(name)) params.set(name, match[2] !== undefined ? match[2].replace(/\\(.)/g, "$1") : match[3]!)
    }
  }
  const nonEmpty = (value: string | undefined) => (value === undefined || value.trim() === "" ? undefined : value.trim())
  return {
    error: nonEmpty(params.get("error")),
    scope: nonEmpty(params.get("scope")),
    resourceMetadata: nonEmpty(params.get("resource_metadata"))
  }
}
