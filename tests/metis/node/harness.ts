// Test harness: loads an exported METIS environment folder the way METIS's loader does
// (CommonJS require through tsx, `@metis/api/WebSocketApi` resolved to our stand-in, imports
// checked against METIS's rules, setTimeout/setInterval refused to the folder's code) and
// plays a scenario of hook and target calls with stand-in contexts. Every event is printed
// as one JSON line on stdout, for the Python tests to read.
//
//   node --import tsx harness.ts <environment folder> '<scenario JSON>'
//
// A scenario: { "configId": "...", "steps": [step, ...] }, a step being
// { "do": "setup" | "teardown", "session": "s1", "realm": "r1" },
// { "do": "run", "session": "s1", "realm": "r1", "target": "echo", "args": {...} }, or
// { "do": "parallel" | "sequence", "steps": [step, ...] }, or { "do": "pause" }: print `paused` and wait
// for a line on stdin (the test acts meanwhile, e.g. restarts the bridge).
import fs from 'node:fs'
import Module from 'node:module'
import path from 'node:path'
import { install } from './stand-ins/globals'

const envDir = path.resolve(process.argv[2])
const scenario = JSON.parse(process.argv[3])
const standIn = path.join(__dirname, 'stand-ins', 'WebSocketApi.ts')

function emit(event: { [key: string]: unknown }): void {
  process.stdout.write(JSON.stringify(event) + '\n')
}

// -- loading rules (METIS: integration/target-env imports and timers) ------------------------

const inEnv = (file: string) => file.startsWith(envDir + path.sep)
const loader = Module as any
const resolve = loader._resolveFilename
loader._resolveFilename = function (request: string, parent: any, ...rest: unknown[]) {
  if (request === '@metis/api/WebSocketApi') return standIn
  const resolved = resolve.call(this, request, parent, ...rest)
  if (parent?.filename && inEnv(parent.filename) && !Module.isBuiltin(request)) {
    if (!inEnv(resolved)) {
      throw new Error(`Unauthorized import blocked: "${request}" from ${parent.filename}`)
    }
  }
  return resolved
}
for (const name of ['setTimeout', 'setInterval'] as const) {
  const original = (globalThis as any)[name]
  ;(globalThis as any)[name] = function (...args: unknown[]) {
    const caller = (new Error().stack ?? '').split('\n')[2] ?? ''
    if (caller.includes(envDir)) {
      throw new Error(`"${name}" is restricted in target-environment code.`)
    }
    return original.apply(this, args)
  }
}
console.log = (...args: unknown[]) => emit({ event: 'console', message: args.join(' ') })

install()
const environment = require(path.join(envDir, 'schema.ts')).default
const targets: { [id: string]: any } = {}
function walk(dir: string): void {
  if (fs.existsSync(path.join(dir, 'schema.ts'))) {
    const target = require(path.join(dir, 'schema.ts')).default
    targets[target._id] = target
  }
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort()) {
    if (entry.isDirectory()) walk(path.join(dir, entry.name))
  }
}
walk(path.join(envDir, 'targets'))
environment._id = path.basename(envDir)
emit({ event: 'loaded', environment: environment.name, targets: Object.keys(targets).sort() })

// -- stand-in contexts --------------------------------------------------------------------------

function makeMission(): any {
  const mission: any = { componentType: 'mission', _id: 'mission-1', name: 'Harness Mission' }
  mission.forces = [
    { componentType: 'force', _id: 'red', name: 'Red Team', color: '#ff0000', mission },
    { componentType: 'force', _id: 'blue', name: 'Blue Team', color: '#0000ff', mission },
  ]
  mission.allNodes = [{ componentType: 'node', _id: 'node-1', name: 'Crane Control', mission }]
  mission.allActions = []
  mission.files = []
  mission.resources = []
  return mission
}

const stores = new Map<string, Map<string, { value: unknown }>>()
function localStore(session: string, realm: string) {
  const key = `${session}/${realm}`
  if (!stores.has(key)) stores.set(key, new Map())
  const store = stores.get(key)!
  return {
    use(name: string, initial: unknown) {
      if (!store.has(name)) store.set(name, { value: initial })
      return store.get(name)!
    },
  }
}

function configs(): any[] {
  const file = path.join(envDir, 'configs.json')
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : []
}

function baseContext(step: any): any {
  const mission = makeMission()
  return {
    session: { _id: step.session, name: `Session ${step.session}`, state: 'started' },
    config: {
      get targetEnvConfig() {
        return configs().find((c) => c._id === scenario.configId) ?? null
      },
    },
    mission,
    localStore: localStore(step.session, step.realm),
    sleep: (ms: number) => new Promise((done) => setTimeout(done, ms)),
  }
}

function scriptContext(step: any): any {
  const context = baseContext(step)
  const where = { session: step.session, realm: step.realm, target: step.target }
  const mission = context.mission
  const find = (node: any) => {
    if (!mission.allNodes.some((n: any) => n._id === node?._id)) {
      throw new Error(`Could not find node with ID "${node?._id}" in the mission with ID "${mission._id}".`)
    }
  }
  return Object.assign(context, {
    type: step.triggerType ?? 'sessionTriggeredEffect',
    effect: { _id: `effect-${step.target}`, name: `Effect on ${step.target}` },
    triggeredBy: step.triggeredBy ?? null,
    getArguments(ids: string[]) {
      const target = targets[step.target]
      const result: { [id: string]: unknown } = {}
      for (const id of ids) {
        const parameter = target.parameters.find((p: any) => p._id === id)
        const given = (step.args ?? {})[id]
        // METIS's start values: booleans fall back to their default, required kinds too.
        const fallback =
          parameter?.type === 'boolean'
            ? (parameter.default ?? false)
            : parameter?.required
              ? parameter.default
              : undefined
        result[id] = given ?? fallback
      }
      return result
    },
    sendOutput(message: string, to: any) {
      const names = (Array.isArray(to) ? to : [to]).map((r: any) =>
        r.componentType === 'mission' ? 'Global' : r.name,
      )
      emit({ event: 'output', ...where, message, to: names })
    },
    blockNodes(nodes: any) {
      const list = Array.isArray(nodes) ? nodes : [nodes]
      list.forEach(find)
      emit({ event: 'mission-call', ...where, method: 'blockNodes', ids: list.map((n: any) => n._id) })
    },
    addNodeAlert(node: any, message: string, severity: string) {
      find(node)
      emit({ event: 'mission-call', ...where, method: 'addNodeAlert', ids: [node._id], message, severity })
    },
  })
}

// -- playing the scenario ---------------------------------------------------------------------

const lines = (async function* () {
  let buffer = ''
  for await (const chunk of process.stdin) {
    buffer += chunk
    while (buffer.includes('\n')) {
      const end = buffer.indexOf('\n')
      yield buffer.slice(0, end)
      buffer = buffer.slice(end + 1)
    }
  }
})()

async function play(step: any, index: string): Promise<void> {
  if (step.do === 'pause') {
    emit({ event: 'paused', index })
    await lines.next()
    return
  }
  if (step.do === 'sequence') {
    for (const [i, inner] of step.steps.entries()) await play(inner, `${index}.${i}`)
    return
  }
  if (step.do === 'parallel') {
    await Promise.all(step.steps.map((s: any, i: number) => play(s, `${index}.${i}`)))
    return
  }
  const where = { index, do: step.do, session: step.session, realm: step.realm, target: step.target }
  try {
    if (step.do === 'run') {
      await targets[step.target].run(scriptContext(step))
    } else {
      const event = step.do === 'setup' ? 'environment-setup' : 'environment-teardown'
      for (const hook of environment.hooks[event]) await hook(baseContext(step))
    }
    emit({ event: 'step', ...where, ok: true })
  } catch (error: any) {
    emit({ event: 'step', ...where, ok: false, error: error?.message ?? String(error), pythonType: error?.pythonType ?? null })
  }
}

async function main(): Promise<void> {
  for (const [i, step] of scenario.steps.entries()) await play(step, String(i))
  emit({ event: 'end' })
  process.exit(0)
}

main().catch((error) => {
  emit({ event: 'crash', error: String(error?.stack ?? error) })
  process.exit(1)
})
