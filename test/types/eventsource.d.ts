// Minimal types for the `eventsource` package (v2, CommonJS): the browser EventSource API for Node.
declare module 'eventsource' {
  class EventSource {
    constructor(url: string, init?: { headers?: Record<string, string> });
    onmessage: ((ev: MessageEvent) => void) | null;
    onerror: ((ev: unknown) => void) | null;
    onopen: (() => void) | null;
    readonly readyState: number;
    addEventListener(type: string, listener: (ev: MessageEvent) => void): void;
    close(): void;
  }
  export = EventSource;
}
