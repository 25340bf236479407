// Command-line options of the single-purpose bench scripts.
import process from "node:process"

/** The number after `--name` on the command line, or `fallback`. */
export const numberArg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`)
  return at > 0 ? Number(process.argv[at + 1]) : fallback
}
