// Streamable HTTP, seen from the client side: a server process listening on 127.0.0.1 (spawned in
// its own process group, stopped by PID, nothing else), lean keep-alive HTTP/1.1 connections and
// MCP sessions on them.
//
// The client is a minimal HTTP/1.1 client on node:net (one request at a time per connection,
// pre-built request heads, one write per request, Content-Length / chunked / close-delimited
// bodies), so that the client is not what limits the numbers: on a 2-core machine the client and
// the server share the cores, and undici or node:http spend 2–5× more CPU per request than this.
// `--client undici` runs the same scenarios over undici (a dependency of @effect/platform-node,
// loaded from node_modules if present) to cross-check it.
import { spawn } from "node:child_process"
import net from "node:net"
import { setTimeout as delay } from "node:timers/promises"
import { isStopping, killGroup, liveServers, PROTOCOL_VERSION, stderrGist } from "./server.mjs"

const HOST = "127.0.0.1"

/** The telling line of a server's output: "SomeError: message" if there is one. */
const gist = (text) => {
  const named = text.split("\n").map((l) => l.trim()).find((l) => /^\w*(Error|Exception)\b.*:/.test(l) || /EADDRINUSE|EACCES/.test(l))
  return named ?? stderrGist(text)
}
export const MCP_PATH = "/mcp"
const CRLF2 = Buffer.from("\r\n\r\n")

/** A port nobody listens on right now (the server is started on it just after). */
export const freePort = () =>
  new Promise((resolve, reject) => {
    const s = net.createServer()
    s.on("error", reject)
    s.listen(0, HOST, () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })

const canConnect = (port) =>
  new Promise((resolve) => {
    const sock = net.connect({ host: HOST, port }, () => {
      sock.destroy()
      resolve(true)
    })
    sock.on("error", () => resolve(false))
  })

// ------------------------------------------------------------------------------------------------
// The server process
// ------------------------------------------------------------------------------------------------
export class HttpServerProc {
  /**
   * @param {string} cmd shell command with `{port}` where the port goes (run as `exec <cmd>`)
   * @param {number} port
   * @param {{ cwd?: string, env?: Record<string, string> }} [opts]
   */
  constructor(cmd, port, { cwd, env } = {}) {
    if (isStopping()) throw new Error("the run is stopping: no new servers")
    this.cmd = cmd.replaceAll("{port}", String(port))
    this.port = port
    this.stderrTail = ""
    this.dead = null
    this.t0 = performance.now()
    const child = spawn("/bin/sh", ["-c", `exec ${this.cmd}`], { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true })
    this.child = child
    liveServers.add(this)
    // an HTTP server's output is only read for the reason of a failure (some log errors on stdout)
    child.stdout.setEncoding("utf8")
    child.stderr.setEncoding("utf8")
    const keep = (d) => {
      this.stderrTail = (this.stderrTail + d).slice(-4000)
    }
    child.stdout.on("data", keep)
    child.stderr.on("data", keep)
    this.exited = new Promise((resolve) => {
      child.on("error", (e) => {
        this.dead ??= `spawn error: ${e.message}`
        resolve()
      })
      // "close", not "exit": by then stderr is read to its end, so the reason can quote it
      child.on("close", (code, signal) => {
        liveServers.delete(this)
        this.dead ??= `server exited (code ${code}${signal ? `, signal ${signal}` : ""})${this.stderrTail ? `; output: ${gist(this.stderrTail)}` : ""}`
        resolve()
      })
    })
  }

  get pid() {
    return this.child.pid
  }

  /** Resolves once the port accepts connections (ms since spawn); rejects if the server died. */
  async listening(timeoutMs = 20_000) {
    const end = performance.now() + timeoutMs
    while (performance.now() < end) {
      if (this.dead) throw new Error(this.dead)
      if (await canConnect(this.port)) return performance.now() - this.t0
      await delay(10)
    }
    throw new Error(`not listening on ${HOST}:${this.port} after ${timeoutMs} ms${this.stderrTail ? `; output: ${gist(this.stderrTail)}` : ""}`)
  }

  /** SIGTERM to its process group, then SIGKILL. */
  async stop({ graceMs = 3000 } = {}) {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const gone = (ms) => Promise.race([this.exited.then(() => true), delay(ms, false)])
    killGroup(this.child, "SIGTERM")
    if (await gone(graceMs)) return
    killGroup(this.child, "SIGKILL")
    await gone(1000)
  }
}

/** Start `cmd` on a free port and wait until it listens (one retry on another port if it dies early). */
export const startHttpServer = async (cmd, opts = {}) => {
  let lastError
  for (let attempt = 0; attempt < 2; attempt++) {
    const s = new HttpServerProc(cmd, await freePort(), opts)
    try {
      s.listenMs = await s.listening()
      return s
    } catch (e) {
      lastError = e
      await s.stop()
    }
  }
  throw lastError
}

// ------------------------------------------------------------------------------------------------
// A keep-alive HTTP/1.1 connection (raw): one request at a time
// ------------------------------------------------------------------------------------------------
const NO_BODY = (status) => (status >= 100 && status < 200) || status === 204 || status === 304

class RawConn {
  constructor(port, { timeoutMs = 15_000 } = {}) {
    this.port = port
    this.timeoutMs = timeoutMs
    this.sock = null
    this.lastUsed = 0
    this.idleLimitMs = 4000 // refreshed from the server's Keep-Alive: timeout=N
    this.connects = 0
    this.pending = null
  }

  /** A connection the server will not close under us: reconnect when it was idle near its keep-alive limit. */
  async ensure() {
    if (this.sock && !this.sock.destroyed && performance.now() - this.lastUsed < this.idleLimitMs) return
    this.close()
    await new Promise((resolve, reject) => {
      const sock = net.connect({ host: HOST, port: this.port })
      sock.setNoDelay(true)
      const onError = (e) => reject(e)
      sock.once("error", onError)
      sock.once("connect", () => {
        sock.off("error", onError)
        resolve()
      })
      this.sock = sock
      sock.on("data", (chunk) => this.onData(chunk))
      sock.on("error", (e) => this.failPending(e))
      sock.on("close", () => this.onClose(sock))
    })
    this.connects++
    this.lastUsed = performance.now()
    this.buf = null
  }

  close() {
    if (this.sock) this.sock.destroy()
    this.sock = null
  }

  failPending(e) {
    const p = this.pending
    if (!p) return
    this.pending = null
    clearTimeout(p.timer)
    p.reject(e)
  }

  onClose(sock) {
    if (sock !== this.sock) return
    this.sock = null
    const p = this.pending
    if (p && p.bodyMode === "close" && p.status !== undefined) return this.finish(Buffer.concat(p.chunks))
    this.failPending(new Error("connection closed by the server before the response ended"))
  }

  /** Send a complete request (head + body in one string); resolves to { status, headers, body }. */
  async send(raw) {
    if (this.pending) throw new Error("one request at a time per connection")
    await this.ensure()
    return new Promise((resolve, reject) => {
      const p = { resolve, reject, status: undefined, headers: null, chunks: [], bodyMode: null, remaining: 0 }
      p.timer = setTimeout(() => {
        this.failPending(new Error(`no response within ${this.timeoutMs} ms`))
        this.close()
      }, this.timeoutMs)
      this.pending = p
      this.buf = null
      this.sock.write(raw)
    })
  }

  onData(chunk) {
    const p = this.pending
    if (!p) return // nothing asked: ignore (the server may have sent a close notice)
    let buf = this.buf ? Buffer.concat([this.buf, chunk]) : chunk
    this.buf = null
    for (;;) {
      if (p.status === undefined) {
        const end = buf.indexOf(CRLF2)
        if (end < 0) {
          this.buf = buf
          return
        }
        const lines = buf.toString("latin1", 0, end).split("\r\n")
        const status = Number(lines[0].slice(9, 12))
        buf = buf.subarray(end + 4)
        if (status >= 100 && status < 200) continue // 100 Continue and friends
        const headers = {}
        for (let i = 1; i < lines.length; i++) {
          const c = lines[i].indexOf(":")
          if (c > 0) headers[lines[i].slice(0, c).trim().toLowerCase()] = lines[i].slice(c + 1).trim()
        }
        p.status = status
        p.headers = headers
        const ka = /timeout=(\d+)/i.exec(headers["keep-alive"] ?? "")
        if (ka) this.idleLimitMs = Math.max(500, Number(ka[1]) * 1000 - 1000)
        if (NO_BODY(status)) p.bodyMode = "none"
        else if (/chunked/i.test(headers["transfer-encoding"] ?? "")) p.bodyMode = "chunked"
        else if (headers["content-length"] !== undefined) {
          p.bodyMode = "length"
          p.remaining = Number(headers["content-length"])
        } else p.bodyMode = "close"
        if (p.bodyMode === "none" || (p.bodyMode === "length" && p.remaining === 0)) return this.finish(Buffer.alloc(0))
      }
      if (p.bodyMode === "length") {
        if (buf.length < p.remaining) {
          p.chunks.push(buf)
          p.remaining -= buf.length
          return
        }
        p.chunks.push(buf.subarray(0, p.remaining))
        return this.finish(p.chunks.length === 1 ? p.chunks[0] : Buffer.concat(p.chunks))
      }
      if (p.bodyMode === "close") {
        p.chunks.push(buf)
        return
      }
      // chunked: <hex size>[;ext]\r\n<data>\r\n … 0\r\n[trailers]\r\n
      for (;;) {
        if (p.remaining > 0) {
          // inside a chunk: remaining counts its data plus the CRLF after it
          const take = Math.min(p.remaining, buf.length)
          const dataLeft = p.remaining - 2
          if (dataLeft > 0) p.chunks.push(buf.subarray(0, Math.min(take, dataLeft)))
          p.remaining -= take
          buf = buf.subarray(take)
          if (p.remaining > 0) return
          // a chunk's data may have been cut between its data and its CRLF: keep the counts exact
          continue
        }
        const nl = buf.indexOf("\r\n")
        if (nl < 0) {
          this.buf = buf.length ? buf : null
          return
        }
        const size = parseInt(buf.toString("latin1", 0, nl), 16)
        if (!Number.isFinite(size)) {
          this.failPending(new Error("bad chunk size"))
          this.close()
          return
        }
        if (size === 0) {
          // last chunk: "0\r\n", trailers (none expected), then an empty line
          if (buf.indexOf(CRLF2, nl) < 0) {
            this.buf = buf
            return
          }
          return this.finish(Buffer.concat(p.chunks))
        }
        p.remaining = size + 2
        buf = buf.subarray(nl + 2)
      }
    }
  }

  finish(body) {
    const p = this.pending
    this.pending = null
    this.buf = null
    clearTimeout(p.timer)
    this.lastUsed = performance.now()
    if (/close/i.test(p.headers?.connection ?? "")) this.close()
    p.resolve({ status: p.status, headers: p.headers, body: body.toString("utf8") })
  }
}

// ------------------------------------------------------------------------------------------------
// The same over undici (cross-check): one undici.Client (one socket) per connection
// ------------------------------------------------------------------------------------------------
let undici = null
export const loadUndici = async () => {
  undici ??= await import("undici").catch(() => {
    throw new Error("--client undici: the undici package is not in node_modules")
  })
  return undici
}

class UndiciConn {
  constructor(port, { timeoutMs = 15_000 } = {}) {
    this.client = new undici.Client(`http://${HOST}:${port}`, { pipelining: 1, headersTimeout: timeoutMs, bodyTimeout: timeoutMs })
    this.connects = 0
  }
  async ensure() {}
  async send(raw) {
    // raw request → undici's form (the head was built for the raw client)
    const headEnd = raw.indexOf("\r\n\r\n")
    const lines = raw.slice(0, headEnd).split("\r\n")
    const [method, path] = lines[0].split(" ")
    const headers = {}
    for (const l of lines.slice(1)) {
      const c = l.indexOf(":")
      const k = l.slice(0, c).toLowerCase()
      if (k !== "host" && k !== "content-length") headers[k] = l.slice(c + 1).trim()
    }
    const body = raw.slice(headEnd + 4)
    const r = await this.client.request({ method, path, headers, body: body.length ? body : undefined })
    const text = await r.body.text()
    const h = {}
    for (const [k, v] of Object.entries(r.headers)) h[k] = Array.isArray(v) ? v[0] : v
    return { status: r.statusCode, headers: h, body: text }
  }
  close() {
    this.client.destroy().catch(() => {})
  }
}

/** A new connection to 127.0.0.1:port with the selected client ("raw" or "undici"). */
export const connect = (port, client = "raw") => (client === "undici" ? new UndiciConn(port) : new RawConn(port))

// ------------------------------------------------------------------------------------------------
// MCP over a connection: a session (initialize, then every request with its Mcp-Session-Id)
// ------------------------------------------------------------------------------------------------
export const INIT_BODY = JSON.stringify({
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "mcx-bench", version: "1.0.0" } }
})
const INITIALIZED_BODY = JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })

/** The request head for a POST; `sid` may be null (initialize). */
const headFor = (port, sid) =>
  `POST ${MCP_PATH} HTTP/1.1\r\nHost: ${HOST}:${port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n` +
  `MCP-Protocol-Version: ${PROTOCOL_VERSION}\r\n${sid ? `Mcp-Session-Id: ${sid}\r\n` : ""}Content-Length: `

const post = (head, body) => `${head}${Buffer.byteLength(body)}\r\n\r\n${body}`

/**
 * The JSON-RPC message answering `id` in a response body: application/json (a message or a batch)
 * or text/event-stream (the `data:` lines of each event; events without data, such as a priming
 * event, and messages for other ids are skipped). Returns { msg, sse } (msg null if none).
 */
export const parseMcpBody = (contentType, body, id) => {
  const ct = contentType ?? ""
  if (ct.includes("text/event-stream")) {
    for (const ev of body.split(/\r?\n\r?\n/)) {
      let data = null
      for (const line of ev.split(/\r?\n/)) {
        if (line.startsWith("data:")) {
          const v = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5)
          data = data === null ? v : `${data}\n${v}`
        }
      }
      if (data === null || data.length === 0) continue
      let m
      try {
        m = JSON.parse(data)
      } catch {
        continue
      }
      if (m && m.method === undefined && m.id === id) return { msg: m, sse: true }
    }
    return { msg: null, sse: true }
  }
  if (body.length === 0) return { msg: null, sse: false }
  let m = JSON.parse(body)
  if (Array.isArray(m)) m = m.find((x) => x?.id === id) ?? null
  return { msg: m, sse: false }
}

export class McpSession {
  /** @param {RawConn | UndiciConn} conn */
  constructor(conn, port) {
    this.conn = conn
    this.port = port
    this.sid = null
    this.head = headFor(port, null)
    this.nextId = 1
    this.sse = 0
    this.json = 0
    this.statuses = {}
  }

  /** POST initialize → { initMs, result, sid }, then POST notifications/initialized (its status in notifyStatus). */
  async initialize() {
    const t0 = performance.now()
    const r = await this.conn.send(post(this.head, INIT_BODY))
    const initMs = performance.now() - t0
    if (r.status !== 200) throw new Error(`initialize: HTTP ${r.status} ${r.body.slice(0, 200)}`)
    const { msg } = parseMcpBody(r.headers["content-type"], r.body, 0)
    if (!msg) throw new Error(`initialize: no JSON-RPC response in ${JSON.stringify(r.body.slice(0, 200))}`)
    if (msg.error) throw new Error(`initialize failed: ${JSON.stringify(msg.error)}`)
    this.sid = r.headers["mcp-session-id"] ?? null
    this.head = headFor(this.port, this.sid)
    const n = await this.conn.send(post(this.head, INITIALIZED_BODY))
    if (n.status < 200 || n.status > 299) throw new Error(`notifications/initialized: HTTP ${n.status} ${n.body.slice(0, 200)}`)
    return { initMs, totalMs: performance.now() - t0, result: msg.result, sid: this.sid, notifyStatus: n.status }
  }

  /** POST a request whose body is `{"jsonrpc":"2.0","id":<id><tail>`; resolves to the JSON-RPC response. */
  async requestRaw(tail) {
    const id = this.nextId++
    const r = await this.conn.send(post(this.head, `{"jsonrpc":"2.0","id":${id}${tail}`))
    this.statuses[r.status] = (this.statuses[r.status] ?? 0) + 1
    if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${r.body.slice(0, 200)}`)
    const { msg, sse } = parseMcpBody(r.headers["content-type"], r.body, id)
    if (sse) this.sse++
    else this.json++
    if (!msg) throw new Error(`no JSON-RPC response with id ${id} in the ${sse ? "event stream" : "body"}: ${JSON.stringify(r.body.slice(0, 200))}`)
    return msg
  }

  request(method, params) {
    return this.requestRaw(`,"method":${JSON.stringify(method)}${params === undefined ? "" : `,"params":${JSON.stringify(params)}`}}`)
  }

  /** DELETE the session; resolves to the HTTP status. */
  async terminate() {
    if (!this.sid) return null
    const r = await this.conn.send(
      `DELETE ${MCP_PATH} HTTP/1.1\r\nHost: ${HOST}:${this.port}\r\nMCP-Protocol-Version: ${PROTOCOL_VERSION}\r\nMcp-Session-Id: ${this.sid}\r\nContent-Length: 0\r\n\r\n`
    )
    return r.status
  }
}

/** n sessions, each on its own new connection (initialize + notifications/initialized). */
export const openSessions = async (port, n, client) => {
  const out = []
  try {
    for (let i = 0; i < n; i++) {
      const s = new McpSession(connect(port, client), port)
      out.push(s)
      await s.initialize()
    }
  } catch (e) {
    for (const s of out) s.conn.close()
    throw e
  }
  return out
}

export const closeSessions = (sessions) => {
  for (const s of sessions) s.conn.close()
}
