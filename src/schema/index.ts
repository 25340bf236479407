/**
 * Wire schemas of MCP, all eras (2024-11-05 … 2026-07-28). Property-test arbitraries live in
 * `./arbitrary.js`, which is deliberately not re-exported (it loads fast-check).
 *
 * @since 0.1.0
 */
export * from "./versions.js"
export * from "./jsonrpc.js"
export * from "./base.js"
export * from "./content.js"
export * from "./tasks.js"
export * from "./lifecycle.js"
export * from "./tools.js"
export * from "./notifications.js"
export * from "./resources.js"
export * from "./prompts.js"
export * from "./completion.js"
export * from "./logging.js"
export * from "./sampling.js"
export * from "./elicitation.js"
export * from "./roots.js"
export * from "./stateless.js"
export * from "./tasksExtension.js"
export * from "./methods.js"
