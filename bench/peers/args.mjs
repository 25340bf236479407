// Shared argument parsing for the peer servers: `--tools N` adds N dummy tools
// (`dummy_0000` … ), each taking `{ value: string }`, for the tools/list scenario.
import process from "node:process"

export const parsePeerArgs = (argv = process.argv.slice(2)) => {
  let tools = 0
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === "--tools") tools = Number(argv[++i])
    else if (a.startsWith("--tools=")) tools = Number(a.slice("--tools=".length))
  }
  if (!Number.isInteger(tools) || tools < 0 || tools > 100_000) {
    process.stderr.write(`bad --tools value\n`)
    process.exit(2)
  }
  return { tools }
}

export const dummyName = (i) => `dummy_${String(i).padStart(4, "0")}`
export const dummyDescription = (i) => `Dummy tool number ${i}; takes a string value and does nothing useful.`
