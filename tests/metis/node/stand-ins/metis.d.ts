// Types for the type check of exported folders (tests/metis/test_metis_typecheck.py): the
// documented interface of `@metis/api/WebSocketApi` (seed: websocket-api.md, "Type
// Definitions" and "Connection Properties"), and METIS's globals, which target code uses
// without importing them. Written by metis-env from the documentation; not METIS's code.

declare module '@metis/api/WebSocketApi' {
  type TWebSocketEventType = 'open' | 'close' | 'error' | 'message' | 'connection-change' | 'activity'
  type TWebSocketEvents = {
    open: { method: 'open' }
    close: { method: 'close'; code: number; reason: string }
    error: { method: 'error'; error: Error }
    message: { method: 'message'; data: any; raw: unknown }
    'connection-change': { method: 'connection-change'; isConnected: boolean }
    activity: { method: 'activity'; eventType: TWebSocketEventType }
  }
  type TWebSocketEventHandler<T extends TWebSocketEventType> = (event: TWebSocketEvents[T]) => void

  export class WebSocketApi {
    static fromConfig(config: Record<string, unknown>): WebSocketApi
    readonly url: string
    readonly state: number
    readonly isConnected: boolean
    readonly connectTimeout: number
    connect(): Promise<void>
    disconnect(code?: number, reason?: string): Promise<void>
    send(data: unknown): Promise<void>
    sendMessage(message: object): Promise<void>
    addEventListener<T extends TWebSocketEventType>(
      types: T | T[],
      handler: TWebSocketEventHandler<T>,
    ): void
    removeEventListener<T extends TWebSocketEventType>(
      type: T,
      handler: TWebSocketEventHandler<T>,
    ): void
  }
}

declare const TargetEnvSchema: {
  create(declaration: {
    name: string
    description: string
    version: string
    multiRealmSupport?: boolean
  }): { on(event: 'environment-setup' | 'environment-teardown', hook: (context: any) => Promise<void>): void }
}
declare const TargetSchema: {
  create(declaration: {
    _id: string
    name: string
    description: string
    parameters: object[]
    script: (context: any, args: any) => Promise<void>
  }): unknown
}
declare const TargetDependency: {
  TRUTHY(id: string): string
  FALSEY(id: string): string
  NOT_EMPTY(id: string): string
  EQUALS(id: string, value: unknown): string
  NOT_EQUALS(id: string, value: unknown): string
  EQUALS_SOME(id: string, values: unknown[]): string
  REGEX(id: string, pattern: RegExp): string
}
