// Builds dist/: the library (tsc, with declarations) and the bundled `mcx` entrypoint (esbuild).
import { build } from "esbuild"
import { execFileSync } from "node:child_process"
import { chmodSync, rmSync } from "node:fs"

rmSync("dist", { recursive: true, force: true })
execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" })

// `dist/<name>.js`; code loaded on demand (the CLI's HTTP stack) goes to `dist/chunks/`.
const bundle = (name, entry) =>
  build({
    entryPoints: { [name]: entry },
    outdir: "dist",
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
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

await bundle("mcx", "src/cli/main.ts")
await bundle("conformance-server", "examples/conformance-server.ts")
await bundle("conformance-client", "examples/conformance-client.ts")
await bundle("client-example", "examples/client.ts")
chmodSync("dist/mcx.js", 0o755)
