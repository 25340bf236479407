/**
 * Turns off V8's allocation-site pretenuring for the `mcx` process; imported first by
 * `main.ts`, so it runs before any server is built.
 *
 * Why: V8 allocates objects of an allocation site (an array or object literal) straight in the
 * old generation once most of them survived a young collection. Building a server's layers at
 * start-up runs fibers whose stacks live that long, so Effect's fiber-stack literal can get
 * pretenured: from then on every request fiber's stack array is old, the young continuation
 * frames it held stay reachable from that garbage until a full collection, and nearly every
 * object a request allocates is promoted. Whether it happens depends on the timing of start-up
 * collections, so a trivial code change turns it on or off. Measured with a one-tool server over
 * stdio (`bench/pretenuring.mjs`): ~1.4 KB promoted per `tools/call` and ~40 % more server CPU
 * per call when it happens, nothing promoted without pretenuring.
 *
 * @since 0.1.0
 */
import * as v8 from "node:v8"

v8.setFlagsFromString("--no-allocation-site-pretenuring")
