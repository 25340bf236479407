/** The memory store passes the same ContextStore contract as the SQLite one. */
import * as MemoryStore from "../../../src/context/MemoryStore.js"
import { contractTests } from "./contract.js"

contractTests("memory", () => MemoryStore.layer())
