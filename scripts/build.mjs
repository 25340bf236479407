// Builds dist/: the library (tsc, with declarations) and the bundled `mcx` entrypoint (esbuild).
import { build } from "esbuild"
import { execFileSync } from "node:child_process"
import { chmodSync, rmSync } from "node:fs"

rmSync("dist", { recursive: true, force: true })
execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" })

const bundle = (entry, outfile) =>
  build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    minifySyntax: true,
    sourcemap: "linked",
    // Some dependencies are CommonJS and call require(): give the ESM bundle one.
    banner: { js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module';const require = __createRequire(import.meta.url);" },
    logLevel: "warning"
  })

await bundle("src/cli/main.ts", "dist/mcx.js")
await bundle("examples/conformance-server.ts", "dist/conformance-server.js")
chmodSync("dist/mcx.js", 0o755)
