// Test stand-ins for the globals METIS gives target-environment code (TargetEnvSchema,
// TargetSchema, TargetDependency, METIS_VERSION), written by metis-env from the described
// behaviour (reference: metis-behaviour.md §4). Not METIS's code: only what the harness needs.

type Hook = (context: any) => Promise<void>

export class TargetEnvSchema {
  _id = ''
  readonly hooks: { [event: string]: Hook[] } = {
    'environment-setup': [],
    'environment-teardown': [],
  }

  private constructor(readonly declaration: { [key: string]: any }) {}

  get name(): string {
    return this.declaration.name
  }

  static create(declaration: { [key: string]: any }): TargetEnvSchema {
    return new TargetEnvSchema(declaration)
  }

  on(event: string, hook: Hook): void {
    if (!(event in this.hooks)) throw new Error(`Unknown hook event "${event}".`)
    this.hooks[event].push(hook)
  }
}

export class TargetSchema {
  private constructor(readonly declaration: { [key: string]: any }) {}

  get _id(): string {
    return this.declaration._id
  }

  get parameters(): any[] {
    return this.declaration.parameters
  }

  static create(declaration: { [key: string]: any }): TargetSchema {
    if (!Array.isArray(declaration.parameters)) throw new Error('parameters must be an array')
    return new TargetSchema(declaration)
  }

  /** As METIS: the script receives `context.getArguments(<every parameter id>)`. */
  async run(context: any): Promise<void> {
    const ids = this.declaration.parameters.map((p: any) => p._id)
    await this.declaration.script(context, context.getArguments(ids))
  }
}

function encode(name: string, dependentId: string, args: unknown[]): string {
  const json = args.map((arg) =>
    arg instanceof RegExp ? { type: 'regex', source: arg.source, flags: arg.flags } : arg,
  )
  return `${name}/${dependentId}/${JSON.stringify(json)}`
}

export const TargetDependency = {
  TRUTHY: (id: string) => encode('TRUTHY', id, []),
  FALSEY: (id: string) => encode('FALSEY', id, []),
  NOT_EMPTY: (id: string) => encode('NOT_EMPTY', id, []),
  EQUALS: (id: string, value: unknown) => encode('EQUALS', id, [value]),
  NOT_EQUALS: (id: string, value: unknown) => encode('NOT_EQUALS', id, [value]),
  EQUALS_SOME: (id: string, values: unknown[]) => encode('EQUALS_SOME', id, [values]),
  REGEX: (id: string, pattern: RegExp) => encode('REGEX', id, [pattern]),
}

export function install(): void {
  Object.assign(globalThis, {
    TargetEnvSchema,
    TargetSchema,
    TargetDependency,
    METIS_VERSION: 'stand-in',
  })
}
