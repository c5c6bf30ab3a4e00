'use strict';
/*
 * The Node comparison row of `make bench`: a WebSocketApi look-alike on `ws`, run as one
 * benchmark cell, printing one JSON line like benchmarks/client.py does.
 *
 * The project carries no METIS code. `MetisLikeApi` is written from the behaviour described
 * in shared/reference/metis-behaviour.md §1, on the path the benchmark measures:
 *   - connect(): `new WebSocket(url, {handshakeTimeout})`, handlers for open, message,
 *     close, error and pong; on open it emits `open` and `connection-change`, resolves.
 *   - each incoming frame: Buffer -> toString() -> JSON.parse (else the text), then a
 *     `message` event {method, data, raw}; every event is followed by an `activity` event.
 *   - events: a synchronous loop over an array of [type, handler] pairs.
 *   - send(data): a string as is, anything else JSON.stringify; resolves right after
 *     `socket.send` (no wait for the network, no backpressure).
 *   - disconnect(): close(), resolved by the socket's `close` event.
 * Keepalive and auto-reconnect are off, as they are for our client in the same cells.
 *
 * Usage: node client.js --scenario S --n N --ws-port P   (--probe: one open/close only)
 */

const WebSocket = require('ws');

const HOST = '127.0.0.1';
const TEXT_SIZE = 100;
const SLICES = 5;
const BATCH = 100;

class MetisLikeApi {
  constructor(options = {}) {
    const protocol = options.protocol || 'ws';
    const port = options.port ?? (protocol === 'wss' ? 443 : 80);
    this.url = `${protocol}://${options.host || 'localhost'}:${port}`;
    this.options = { handshakeTimeout: options.connectTimeout ?? 10000 };
    this.autoReconnect = options.autoReconnect ?? true;
    this.keepAliveInterval = options.keepAliveInterval ?? 30000;
    this.listeners = [];
    this.connection = null;
    this.manualDisconnect = false;
  }

  get isConnected() {
    return this.connection !== null && this.connection.readyState === WebSocket.OPEN;
  }

  addEventListener(type, handler) {
    this.listeners.push([type, handler]);
  }

  emitEvent(event) {
    for (const [type, handler] of this.listeners) {
      if (type === event.method) handler(event);
    }
    if (event.method !== 'activity') {
      this.emitEvent({ method: 'activity', eventType: event.method });
    }
  }

  connect() {
    return new Promise((resolve, reject) => {
      if (this.isConnected) {
        resolve();
        return;
      }
      this.manualDisconnect = false;
      const socket = new WebSocket(this.url, this.options);
      this.connection = socket;
      socket.on('open', () => {
        if (socket !== this.connection) return;
        this.emitEvent({ method: 'open' });
        this.emitEvent({ method: 'connection-change', isConnected: true });
        if (this.keepAliveInterval > 0) {
          throw new Error('keepalive is not part of the measured path');
        }
        resolve();
      });
      socket.on('message', (raw) => {
        if (socket !== this.connection) return;
        const text = raw.toString();
        let data;
        try {
          data = JSON.parse(text);
        } catch {
          data = text;
        }
        try {
          this.emitEvent({ method: 'message', data, raw });
        } catch (error) {
          this.emitEvent({ method: 'error', error });
        }
      });
      socket.on('pong', () => {});
      socket.on('error', (error) => {
        if (socket !== this.connection) return;
        this.emitEvent({ method: 'error', error });
        reject(error);
      });
      socket.on('close', (code, reason) => {
        if (socket !== this.connection) return;
        this.emitEvent({ method: 'close', code, reason: reason.toString() });
        this.emitEvent({ method: 'connection-change', isConnected: false });
        this.connection = null;
        if (this.autoReconnect && !this.manualDisconnect) {
          throw new Error('auto-reconnect is not part of the measured path');
        }
      });
    });
  }

  disconnect(code, reason) {
    return new Promise((resolve) => {
      this.manualDisconnect = true;
      const socket = this.connection;
      if (socket === null || socket.readyState === WebSocket.CLOSED) {
        this.connection = null;
        resolve();
        return;
      }
      socket.once('close', () => resolve());
      socket.close(code, reason);
    });
  }

  send(data) {
    return new Promise((resolve, reject) => {
      const payload = typeof data === 'string' ? data : JSON.stringify(data);
      if (!this.isConnected) {
        reject(new Error('WebSocket is not connected'));
        return;
      }
      this.connection.send(payload);
      resolve();
    });
  }
}

// Same bytes as benchmarks/payloads.py's text_message (Python prints 1.0, not 1).
function textMessage(seq) {
  const value = seq * 0.5;
  const shown = Number.isInteger(value) ? value.toFixed(1) : String(value);
  const head = `{"type":"tick","seq":${seq},"value":${shown},"pad":""}`;
  return head.slice(0, -2) + 'x'.repeat(Math.max(0, TEXT_SIZE - head.length)) + '"}';
}

function textMessages(count, start = 0) {
  const out = new Array(count);
  for (let k = 0; k < count; k += 1) out[k] = textMessage(start + k);
  return out;
}

function checkSeq(echo, expected) {
  if (echo === null || typeof echo !== 'object' || echo.seq !== expected) {
    throw new Error(`echo out of order: expected seq ${expected}, got ${JSON.stringify(echo)}`);
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// Operations per second: the median over SLICES consecutive slices (scenarios.py).
function slicedRate(timesNs) {
  const size = Math.max(1, Math.floor(timesNs.length / SLICES));
  const rates = [];
  for (let i = 0; i < size * SLICES; i += size) {
    const chunk = timesNs.slice(i, i + size);
    if (chunk.length === 0) continue;
    const total = chunk.reduce((a, b) => a + b, 0);
    rates.push((chunk.length * 1e9) / Math.max(1, total));
  }
  return median(rates);
}

const now = () => Number(process.hrtime.bigint());

// One connection with a `message` listener, driven as benchmarks/clients/ws_metis.py drives
// WebSocketApi: a waiter for the next echo, or a count of echoes still expected.
class Connection {
  constructor(port) {
    this.api = new MetisLikeApi({ host: HOST, port, autoReconnect: false, keepAliveInterval: 0 });
    this.waiter = null;
    this.remaining = 0;
    this.api.addEventListener('message', (event) => {
      const value = event.data;
      if (this.remaining) {
        this.remaining -= 1;
        if (this.remaining === 0 && this.waiter) this.settle(value);
      } else if (this.waiter) {
        this.settle(value);
      }
    });
  }

  settle(value) {
    const resolve = this.waiter;
    this.waiter = null;
    resolve(value);
  }

  open() {
    return this.api.connect();
  }

  close() {
    return this.api.disconnect();
  }

  async roundtrip(message) {
    const echo = new Promise((resolve) => {
      this.waiter = resolve;
    });
    await this.api.send(message);
    return echo;
  }

  async pipeline(messages) {
    const last = new Promise((resolve) => {
      this.waiter = resolve;
    });
    this.remaining = messages.length;
    for (const message of messages) await this.api.send(message);
    return last;
  }
}

async function sequential(port, n) {
  const conn = new Connection(port);
  await conn.open();
  for (const m of textMessages(Math.max(50, Math.floor(n / 20)), -100000)) await conn.roundtrip(m);
  const messages = textMessages(n);
  const times = new Array(n);
  const start = now();
  let echo = null;
  for (let k = 0; k < n; k += 1) {
    const sent = now();
    echo = await conn.roundtrip(messages[k]);
    times[k] = now() - sent;
  }
  const elapsed = (now() - start) / 1e9;
  checkSeq(echo, n - 1);
  await conn.close();
  const sorted = [...times].sort((a, b) => a - b);
  // Nearest-rank percentiles, as scenarios.percentile computes them.
  const rank = (f) => sorted[Math.min(n - 1, Math.max(0, Math.round(f * n) - 1))] / 1e3;
  return {
    value: slicedRate(times),
    unit: 'msg/s',
    n,
    elapsed_s: elapsed,
    extra: { p50_us: rank(0.5), p99_us: rank(0.99), overall: n / elapsed },
  };
}

async function pipelined(port, n) {
  const conn = new Connection(port);
  await conn.open();
  const warmup = Math.max(100, Math.floor(n / 20));
  checkSeq(await conn.pipeline(textMessages(warmup, -warmup)), -1);
  const messages = textMessages(n);
  const start = now();
  const last = await conn.pipeline(messages);
  const elapsed = (now() - start) / 1e9;
  checkSeq(last, n - 1);
  await conn.close();
  return { value: n / elapsed, unit: 'msg/s', n, elapsed_s: elapsed, extra: {} };
}

async function handshakes(port, n) {
  for (let k = 0; k < Math.max(5, Math.floor(n / 20)); k += 1) {
    const conn = new Connection(port);
    await conn.open();
    await conn.close();
  }
  const times = new Array(n);
  const start = now();
  for (let k = 0; k < n; k += 1) {
    const began = now();
    const conn = new Connection(port);
    await conn.open();
    await conn.close();
    times[k] = now() - began;
  }
  const elapsed = (now() - start) / 1e9;
  return { value: slicedRate(times), unit: 'conn/s', n, elapsed_s: elapsed, extra: { overall: n / elapsed } };
}

function rssKib() {
  global.gc();
  return process.memoryUsage().rss / 1024;
}

async function memory(port, n) {
  const warm = new Connection(port);
  await warm.open();
  checkSeq(await warm.roundtrip(textMessage(7)), 7);
  await warm.close();
  const before = rssKib();
  const start = now();
  const conns = [];
  for (let k = 0; k < n; k += 1) conns.push(new Connection(port));
  for (let first = 0; first < n; first += BATCH) {
    await Promise.all(conns.slice(first, first + BATCH).map((c) => c.open()));
  }
  const elapsed = (now() - start) / 1e9;
  const after = rssKib();
  for (let first = 0; first < n; first += BATCH) {
    await Promise.all(conns.slice(first, first + BATCH).map((c) => c.close()));
  }
  return {
    value: (after - before) / n,
    unit: 'KiB/conn',
    n,
    elapsed_s: elapsed,
    extra: { rss_before_kib: before, rss_after_kib: after },
  };
}

const SCENARIOS = { sequential, pipelined, handshakes, memory };

function parseArgs(argv) {
  const args = { scenario: 'sequential', n: 0, wsPort: 0, probe: false };
  for (let i = 0; i < argv.length; i += 1) {
    const key = argv[i];
    if (key === '--probe') args.probe = true;
    else if (key === '--scenario') args.scenario = argv[++i];
    else if (key === '--n') args.n = Number(argv[++i]);
    else if (key === '--ws-port') args.wsPort = Number(argv[++i]);
    else if (key === '--tcp-port' || key === '--cpu') i += 1; // the harness's, unused here
    else throw new Error(`unknown argument ${key}`);
  }
  return args;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const client = 'node-metis';
  if (typeof global.gc !== 'function') {
    throw new Error('run with node --expose-gc (the memory scenario collects garbage)');
  }
  if (args.probe) {
    const conn = new Connection(args.wsPort);
    await conn.open();
    await conn.close();
    return { ok: true, client, probe: true };
  }
  const run = SCENARIOS[args.scenario];
  if (run === undefined) {
    return { ok: false, client, skipped: `scenario ${args.scenario} is not measured for Node` };
  }
  const result = await run(args.wsPort, args.n);
  return { ok: true, client, scenario: args.scenario, ...result };
}

main().then(
  (line) => {
    process.stdout.write(`${JSON.stringify(line)}\n`);
    process.exit(line.ok || line.skipped ? (line.ok ? 0 : 3) : 1);
  },
  (error) => {
    process.stderr.write(`${error.stack || error}\n`);
    process.stdout.write(`${JSON.stringify({ ok: false, client: 'node-metis', error: String(error) })}\n`);
    process.exit(1);
  },
);
