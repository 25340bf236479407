// Preloaded (`node --import`) into the reference server, which listens on every interface:
// binds each `listen()` that names no host to 127.0.0.1, so that the test's server is reachable
// from loopback only.
import net from "node:net"

const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number" || typeof args[0] === "string") {
    if (typeof args[1] !== "string") args.splice(1, 0, "127.0.0.1")
  } else if (typeof args[0] === "object" && args[0] !== null && args[0].host === undefined && args[0].path === undefined) {
    args[0] = { ...args[0], host: "127.0.0.1" }
  }
  return listen.apply(this, args)
}
