import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests that spawn the built server share two cores with the suite: keep them bounded.
    maxWorkers: 2,
    reporters: ["default"]
  }
})
