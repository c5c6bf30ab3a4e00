// Test stand-in for METIS's `@metis/api/WebSocketApi`, written by metis-env from the
// documented interface (seed: websocket-api.md) over the `ws` package. It is not METIS's
// code and does only what the exported environments need: fromConfig, connect, disconnect,
// send/sendMessage, addEventListener/removeEventListener, url, state and isConnected.
import WebSocket from 'ws'

type EventName = 'open' | 'close' | 'error' | 'message' | 'connection-change' | 'activity'
type Handler = (event: any) => void

export class WebSocketApi {
  readonly url: string
  readonly connectTimeout: number
  private socket: WebSocket | null = null
  private listeners: Array<[EventName, Handler]> = []

  constructor(options: { [key: string]: any } = {}) {
    const protocol = options.protocol || 'ws'
    const defaultPort = protocol === 'wss' ? 443 : 80
    let address: string
    if (options.host) {
      address = /:[0-9]+/.test(options.host)
        ? options.host
        : `${options.host}:${options.port || defaultPort}`
    } else {
      address = `localhost:${options.port ?? defaultPort}`
    }
    this.url = `${protocol}://${address}`
    this.connectTimeout = options.connectTimeout ?? 10000
  }

  static fromConfig(data: unknown): WebSocketApi {
    const problems: string[] = []
    if (data === null || typeof data !== 'object') problems.push('expected an object')
    const options = (data ?? {}) as { [key: string]: any }
    if (options.protocol !== undefined && !['ws', 'wss'].includes(options.protocol)) {
      problems.push('protocol: expected "ws" or "wss"')
    }
    if (options.port !== undefined && !Number.isInteger(Number(options.port))) {
      problems.push('port: expected an integer')
    }
    if (problems.length) {
      throw new Error(`Invalid WebSocket API configuration: ${problems.join('; ')}`)
    }
    return new WebSocketApi(options)
  }

  get state(): number {
    return this.socket ? this.socket.readyState : 3
  }

  get isConnected(): boolean {
    return this.state === 1
  }

  addEventListener(types: EventName | EventName[], handler: Handler): void {
    for (const type of Array.isArray(types) ? types : [types]) this.listeners.push([type, handler])
  }

  removeEventListener(type: EventName, handler: Handler): void {
    this.listeners = this.listeners.filter(([t, h]) => !(t === type && h === handler))
  }

  private emit(event: { method: EventName; [key: string]: any }): void {
    for (const [type, handler] of this.listeners) if (type === event.method) handler(event)
    const activity = { method: 'activity', eventType: event.method }
    for (const [type, handler] of this.listeners) if (type === 'activity') handler(activity)
  }

  connect(): Promise<void> {
    if (this.isConnected) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.url, { handshakeTimeout: this.connectTimeout })
      this.socket = socket
      socket.on('open', () => {
        this.emit({ method: 'open' })
        this.emit({ method: 'connection-change', isConnected: true })
        resolve()
      })
      socket.on('message', (raw) => {
        if (this.socket !== socket) return
        const text = raw.toString()
        let data: any = text
        try {
          data = JSON.parse(text)
        } catch {
          // not JSON: keep the text
        }
        this.emit({ method: 'message', data, raw })
      })
      socket.on('error', (error) => {
        if (this.socket !== socket) return reject(error)
        this.emit({ method: 'error', error })
        reject(error)
      })
      // As METIS's: events of a socket that is no longer the current one are ignored.
      socket.on('close', (code, reason) => {
        if (this.socket !== socket) return
        this.socket = null
        this.emit({ method: 'close', code, reason: reason.toString() })
        this.emit({ method: 'connection-change', isConnected: false })
      })
    })
  }

  disconnect(code?: number, reason?: string): Promise<void> {
    const socket = this.socket
    if (!socket || socket.readyState === 3) return Promise.resolve()
    return new Promise((resolve) => {
      socket.once('close', () => resolve())
      socket.close(code, reason)
    })
  }

  send(data: unknown): Promise<void> {
    if (!this.socket || !this.isConnected) {
      return Promise.reject(new Error('WebSocket is not connected'))
    }
    this.socket.send(typeof data === 'string' ? data : JSON.stringify(data))
    return Promise.resolve()
  }

  sendMessage(message: object): Promise<void> {
    return this.send(message)
  }
}
