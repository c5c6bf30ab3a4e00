"""The ``bridge.ts`` every exported environment carries: how its hooks and targets reach Python.

Kept as one readable TypeScript text (placeholders ``__NAME__`` are filled by
`render_bridge_ts`); the protocol it speaks is documented in `metis_env.metis.protocol`.
It imports only ``node:crypto`` and ``@metis/api/WebSocketApi``, and it never uses
``setTimeout``/``setInterval`` (METIS forbids them in target code): every wait is on a
WebSocket event.
"""

from __future__ import annotations

__all__ = ["render_bridge_ts"]

_BRIDGE_TS = """\
__HEADER__
//
// This environment runs in Python, in `metis-env bridge`. This file is how the hooks and
// targets of this folder reach it:
//
// * environment-setup opens one WebSocket connection to the bridge per session and realm
//   (the address is the selected config's `data`), asks the bridge to run the Python setup
//   hooks, and keeps the connection in `context.localStore`;
// * each target run is one `run` request on that connection: the bridge streams the
//   script's outputs back (`output`), asks for mission changes (`mission-call`, answered
//   with `mission-result` or `mission-error`) and ends with `done` or `error`;
// * environment-teardown asks the bridge to run the Python teardown hooks, then disconnects.
//
// Every request carries an `id` and the answers carry the same `id`. If the bridge started
// with a token, set the same token in the environment variable METIS_ENV_BRIDGE_TOKEN of the
// METIS server. The protocol is described in metis-env's docs/metis.md.

import { randomUUID } from 'node:crypto'
import { WebSocketApi } from '@metis/api/WebSocketApi'

/** This environment's id (its folder name); the bridge finds the Python environment by it. */
export const ENVIRONMENT_ID = __ENVIRONMENT_ID__
/** The `localStore` key under which each realm keeps its bridge connection. */
const STORE_KEY = 'metis-env-bridge'
/** Where the bridge's shared token is read from, when it was started with `--token`. */
const TOKEN_VARIABLE = 'METIS_ENV_BRIDGE_TOKEN'
/** The mission-changing context methods a Python target may call (METIS's names). */
const MISSION_METHODS = [
  'blockNodes',
  'unblockNodes',
  'updateNodeBlockStatus',
  'openNode',
  'closeNode',
  'updateNodeOpenState',
  'addNodeAlert',
  'modifySuccessChance',
  'modifyProcessTime',
  'modifyResourceCost',
  'modifyResourcePool',
  'grantFileAccess',
  'revokeFileAccess',
  'updateFileAccess',
]

type Message = { [key: string]: any }
type OnMessage = (message: Message) => void | Promise<void>

/** The error the bridge reported, as an Error that names the Python exception's type. */
function bridgeError(message: Message): Error {
  const traceback = message.traceback ? `\\n${message.traceback}` : ''
  const error = new Error(`${message.errorType}: ${message.message}${traceback}`)
  return Object.assign(error, { pythonType: message.errorType })
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** One connection to the bridge, for one METIS session and realm. */
export class Bridge {
  /** The requests waiting for their `done` or `error`, by request id. */
  private readonly pending = new Map<string, (message: Message | Error) => void>()

  constructor(
    private readonly ws: WebSocketApi,
    private readonly data: Message,
    readonly sessionId: string,
    /** Made up here: METIS's context does not expose the realm, its `localStore` is per realm. */
    readonly realmId: string,
  ) {
    ws.addEventListener('message', (event) => this.receive(event.data))
    ws.addEventListener('close', (event) => {
      const reason = event.reason ? `: ${event.reason}` : ''
      this.failAll(
        new Error(
          `The metis-env bridge at ${ws.url} closed the connection (code ${event.code}${reason}).`,
        ),
      )
    })
  }

  /** Connect if not connected, with an error that says how to start the bridge. */
  async connect(): Promise<void> {
    if (this.ws.isConnected) return
    try {
      // A connection attempt under way (another request's, or a reconnect): wait for it,
      // since a second connect() would cut it off.
      await (this.ws.state === 0 ? this.opened() : this.ws.connect())
    } catch (error) {
      const host = this.data.host ?? 'localhost'
      const port = this.data.port ?? 80
      throw new Error(
        `Cannot reach the metis-env bridge at ${this.ws.url} (${describe(error)}). ` +
          'Start it on the machine that holds the Python environments: ' +
          `metis-env bridge ROOT --host ${host} --port ${port}`,
      )
    }
  }

  /** Resolves at the next `open`, rejects at the next `close`. */
  private opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      const settle = (event: any) => {
        this.ws.removeEventListener('open', settle)
        this.ws.removeEventListener('close', settle)
        if (event.method === 'open') resolve()
        else reject(new Error(`connection closed (code ${event.code})`))
      }
      this.ws.addEventListener('open', settle)
      this.ws.addEventListener('close', settle)
    })
  }

  /** Send one request; `onMessage` sees what comes before its `done` (resolves) or `error`. */
  async request(body: Message, onMessage: OnMessage = () => {}): Promise<Message> {
    await this.connect()
    const id = randomUUID()
    const finished = new Promise<Message>((resolve, reject) => {
      let queue = Promise.resolve()
      this.pending.set(id, (message) => {
        if (message instanceof Error) return reject(message)
        // Messages are handled one after another, in the order they arrived.
        queue = queue.then(async () => {
          if (!this.pending.has(id)) return
          if (message.type === 'done' || message.type === 'error') {
            this.pending.delete(id)
            return message.type === 'done' ? resolve(message) : reject(bridgeError(message))
          }
          try {
            await onMessage(message)
          } catch (error) {
            this.pending.delete(id)
            reject(error)
          }
        })
      })
    })
    try {
      await this.ws.sendMessage({
        ...body,
        id,
        token: process.env[TOKEN_VARIABLE] ?? null,
        sessionId: this.sessionId,
        realmId: this.realmId,
        envId: ENVIRONMENT_ID,
      })
    } catch (error) {
      this.pending.delete(id)
      throw error
    }
    return finished
  }

  /** Answer a message of the bridge (a mission call). */
  async reply(message: Message): Promise<void> {
    await this.ws.sendMessage(message)
  }

  /** Disconnect; requests still waiting fail. */
  async close(): Promise<void> {
    this.failAll(new Error('The metis-env bridge connection was closed at teardown.'))
    await this.ws.disconnect(1000, 'Environment teardown')
  }

  private receive(data: any): void {
    if (data && typeof data === 'object' && typeof data.id === 'string') {
      this.pending.get(data.id)?.(data)
    }
  }

  private failAll(error: Error): void {
    const waiting = [...this.pending.values()]
    this.pending.clear()
    for (const settle of waiting) settle(error)
  }
}

// -- what METIS's context looks like to Python (plain JSON, no cycles) -----------------------

function sessionView(context: any): Message {
  const session = context.session ?? {}
  return { _id: session._id ?? null, name: session.name ?? null, state: session.state ?? null }
}

function missionView(mission: any): Message {
  const forces = mission?.forces ?? []
  return {
    _id: mission?._id ?? null,
    name: mission?.name ?? null,
    forces: forces.map((force: any) => ({ _id: force._id, name: force.name, color: force.color })),
  }
}

/** Arguments as JSON: mission components become `{componentType, _id, name}`. */
function plain(value: any): any {
  if (value === undefined || value === null) return null
  if (Array.isArray(value)) return value.map(plain)
  if (typeof value === 'object' && typeof value.componentType === 'string') {
    return { componentType: value.componentType, _id: value._id, name: value.name ?? null }
  }
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plain(item)]))
  }
  return value
}

function member(user: any): Message | null {
  return user ? { _id: user._id, username: user.username, name: user.name ?? null } : null
}

/** `to` of an `output`: null for everyone, else a force id of the mission. */
function recipients(context: any, to: string | null): any {
  const force = to === null ? undefined : context.mission.forces.find((f: any) => f._id === to)
  return force ?? context.mission
}

/** A component reference from Python (`{$component: {componentType, _id}}`) as METIS's. */
function component(mission: any, value: any): any {
  if (Array.isArray(value)) return value.map((item) => component(mission, item))
  const ref = value && typeof value === 'object' ? value.$component : undefined
  if (!ref) return value
  const forces: any[] = mission.forces ?? []
  const all: { [type: string]: any[] } = {
    mission: [mission],
    force: forces,
    node: mission.allNodes ?? [],
    action: mission.allActions ?? [],
    missionFile: mission.files ?? [],
    resource: mission.resources ?? [],
    resourcePool: forces.flatMap((force) => force.resourcePools ?? []),
  }
  // Not found: METIS's own method reports the unknown id.
  return (all[ref.componentType] ?? []).find((c) => c._id === ref._id) ?? ref
}

async function answerMissionCall(bridge: Bridge, context: any, call: Message): Promise<void> {
  try {
    if (!MISSION_METHODS.includes(call.method)) {
      throw new TypeError(`"${call.method}" is not a mission-changing method of the context.`)
    }
    const args = (call.args ?? []).map((arg: any) => component(context.mission, arg))
    const result = await context[call.method](...args)
    const answer = { type: 'mission-result', id: call.id, callId: call.callId }
    await bridge.reply({ ...answer, result: plain(result) })
  } catch (error) {
    await bridge.reply({
      type: 'mission-error',
      id: call.id,
      callId: call.callId,
      errorType: error instanceof Error ? error.name : 'Error',
      message: describe(error),
    })
  }
}

/** Hooks have no `sendOutput` in METIS: what Python hooks log goes to the server's console. */
function log(message: Message): void {
  if (message.type === 'log') console.log(`[${ENVIRONMENT_ID}] ${message.message}`)
}

// -- the hooks and the script every generated file uses ---------------------------------------

/** environment-setup: connect, run the Python setup hooks, keep the connection for targets. */
export async function setUp(context: any): Promise<void> {
  const config = context.config.targetEnvConfig
  if (!config) {
    throw new Error(
      `No configuration selected for "${ENVIRONMENT_ID}": select one of its configs ` +
        '(each names the metis-env bridge that runs the Python environment).',
    )
  }
  const ws = WebSocketApi.fromConfig(config.data)
  const bridge = new Bridge(ws, config.data, context.session._id, randomUUID())
  try {
    await bridge.request(
      {
        type: 'setup',
        configId: config._id,
        session: sessionView(context),
        mission: missionView(context.mission),
      },
      log,
    )
  } catch (error) {
    await bridge.close()
    throw error
  }
  context.localStore.use(STORE_KEY, null).value = bridge
}

/** environment-teardown: run the Python teardown hooks (they cancel what still runs). */
export async function tearDown(context: any): Promise<void> {
  const slot = context.localStore.use(STORE_KEY, null)
  const bridge: Bridge | null = slot.value
  if (!bridge) return // setup did not finish: nothing to tear down
  slot.value = null
  try {
    await bridge.request({ type: 'teardown' }, log)
  } finally {
    await bridge.close()
  }
}

/** A target's script: run `targetId` in Python with METIS's arguments; outputs stream back. */
export async function runTarget(context: any, targetId: string, args: any): Promise<void> {
  const bridge: Bridge | null = context.localStore.use(STORE_KEY, null).value
  if (!bridge) {
    throw new Error(
      `The metis-env bridge is not set up: the environment-setup hook of "${ENVIRONMENT_ID}" ` +
        'did not run or failed.',
    )
  }
  const effect = context.effect ?? {}
  await bridge.request(
    {
      type: 'run',
      targetId,
      args: plain(args),
      configId: context.config.targetEnvConfig?._id ?? null,
      effect: { _id: effect._id ?? null, name: effect.name ?? null },
      triggerType: context.type ?? null,
      triggeredBy: member(context.triggeredBy),
      session: sessionView(context),
      mission: missionView(context.mission),
    },
    async (message) => {
      if (message.type === 'output') {
        context.sendOutput(message.message, recipients(context, message.to))
      } else if (message.type === 'mission-call') {
        await answerMissionCall(bridge, context, message)
      }
    },
  )
}
"""


def render_bridge_ts(header: str, env_id_literal: str) -> str:
    """``bridge.ts`` with its header comment and this environment's id (a TS literal)."""
    return _BRIDGE_TS.replace("__HEADER__", header).replace("__ENVIRONMENT_ID__", env_id_literal)
