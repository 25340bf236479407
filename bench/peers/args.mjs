// Shared argument parsing for the peer servers: `--tools N` adds N dummy tools
// (`dummy_0000` … ), each taking `{ value: string }`, for the tools/list scenario.
// The HTTP peers also take `--port P` (0: a free one, announced on stderr) and `--json` / `--sse`.
import process from "node:process"

export const parsePeerArgs = (argv = process.argv.slice(2)) => {
  const o = { tools: 0, port: 3000, json: true }
  const bad = (what) => {
    process.stderr.write(`bad ${what} value\n`)
    process.exit(2)
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const eq = a.indexOf("=")
    const key = eq >= 0 ? a.slice(0, eq) : a
    const value = () => (eq >= 0 ? a.slice(eq + 1) : argv[++i])
    if (key === "--tools") o.tools = Number(value())
    else if (key === "--port") o.port = Number(value())
    else if (a === "--json") o.json = true
    else if (a === "--sse") o.json = false
    else {
      process.stderr.write(`unknown argument ${a}\n`)
      process.exit(2)
    }
  }
  if (!Number.isInteger(o.tools) || o.tools < 0 || o.tools > 100_000) bad("--tools")
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65_535) bad("--port")
  return o
}

export const dummyName = (i) => `dummy_${String(i).padStart(4, "0")}`
export const dummyDescription = (i) => `Dummy tool number ${i}; takes a string value and does nothing useful.`
