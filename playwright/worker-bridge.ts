/**
 * Routing for WebSockets a Web Worker opens. Playwright's routeWebSocket() sees only the
 * page's own (microsoft/playwright#37048: not a worker's, in any browser), so a page whose
 * sockway runs in a Worker would reach past the test to the real server. Two small scripts
 * carry a worker's WebSockets through its page, where the route sees them:
 *
 *   page (init script)   new Worker(url) gets `?sockway_worker=1` and a listener that opens,
 *                        for each request from the worker, a WebSocket of the page's own and
 *                        pipes it over the MessagePort the worker sent
 *   worker (prelude)     the worker script, fetched by the route below, starts by putting a
 *                        WebSocket in place whose socket is that port
 *
 * Not covered: workers from blob: or data: URLs, workers a worker starts, shared and
 * service workers. The prelude runs before the worker's own code, but after its static
 * imports: a module that opens a WebSocket while it is imported is not covered either.
 */

/** The query parameter that marks a worker script's request (dropped before it is fetched). */
export const WORKER_PARAMETER = 'sockway_worker';

// The two scripts run in the browser as written here: plain JavaScript in strings, so no
// compiler or bundler of the test process (tsx, Playwright's Babel, tsc) rewrites them.

/** The page's init script: workers get the parameter, and their WebSockets a page WebSocket each. */
export const PAGE_SCRIPT = `(() => {
  const mark = '__sockwayWorkerWebSocket';
  const parameter = ${JSON.stringify(WORKER_PARAMETER)};
  const NativeWorker = globalThis.Worker;
  if (NativeWorker === undefined || NativeWorker[mark] === true) return;
  const bridge = (request, port) => {
    const ws = new WebSocket(request.url, request.protocols);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => port.postMessage({ type: 'open', protocol: ws.protocol });
    ws.onmessage = (event) => {
      const data = event.data;
      port.postMessage({ type: 'message', data }, data instanceof ArrayBuffer ? [data] : []);
    };
    ws.onerror = () => port.postMessage({ type: 'error' });
    ws.onclose = (event) => {
      port.postMessage({ type: 'close', code: event.code, reason: event.reason, wasClean: event.wasClean });
      port.close();
    };
    port.onmessage = (event) => {
      const message = event.data;
      if (message.type === 'send') {
        if (ws.readyState === WebSocket.OPEN) ws.send(message.data);
        return;
      }
      try {
        ws.close(message.code, message.reason);
      } catch {
        ws.close();
      }
    };
  };
  class Worker extends NativeWorker {
    constructor(scriptURL, options) {
      const url = new URL(String(scriptURL), location.href);
      const marked = url.protocol === 'http:' || url.protocol === 'https:';
      if (marked) url.searchParams.set(parameter, '1');
      super(marked ? url : scriptURL, options);
      // First of the worker's listeners: the app's never see the bridge's requests.
      this.addEventListener('message', (event) => {
        const request = event.data !== null && typeof event.data === 'object' ? event.data[mark] : undefined;
        if (request === undefined || event.ports[0] === undefined) return;
        event.stopImmediatePropagation();
        bridge(request, event.ports[0]);
      });
    }
  }
  Object.defineProperty(Worker, mark, { value: true });
  globalThis.Worker = Worker;
})();`;

/**
 * The worker's prelude: a WebSocket whose connection is a MessagePort to the page. One line,
 * so the script's own lines keep their numbers (stack traces, source maps).
 */
export const WORKER_PRELUDE = `(() => {
  const mark = '__sockwayWorkerWebSocket';
  class WebSocket extends EventTarget {
    constructor(url, protocols) {
      super();
      this.url = new URL(String(url), self.location.href).href;
      this.protocol = '';
      this.extensions = '';
      this.binaryType = 'blob';
      this.readyState = 0;
      this.bufferedAmount = 0;
      this.onopen = null;
      this.onmessage = null;
      this.onerror = null;
      this.onclose = null;
      const channel = new MessageChannel();
      this._port = channel.port1;
      this._port.onmessage = (event) => this._fromPage(event.data);
      const list = protocols === undefined ? [] : typeof protocols === 'string' ? [protocols] : Array.from(protocols);
      self.postMessage({ [mark]: { url: this.url, protocols: list } }, [channel.port2]);
    }
    send(data) {
      if (this.readyState === 0) throw new DOMException('Still in CONNECTING state.', 'InvalidStateError');
      if (this.readyState !== 1) return;
      if (typeof data === 'string') {
        this._port.postMessage({ type: 'send', data });
        return;
      }
      const view = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
      const copy = view.slice().buffer;
      this._port.postMessage({ type: 'send', data: copy }, [copy]);
    }
    close(code, reason) {
      if (this.readyState >= 2) return;
      this.readyState = 2;
      this._port.postMessage({ type: 'close', code, reason });
    }
    _fromPage(message) {
      if (message.type === 'open') {
        this.readyState = 1;
        this.protocol = message.protocol;
        this._fire(new Event('open'), this.onopen);
      } else if (message.type === 'message') {
        const data = message.data instanceof ArrayBuffer && this.binaryType === 'blob' ? new Blob([message.data]) : message.data;
        this._fire(new MessageEvent('message', { data }), this.onmessage);
      } else if (message.type === 'error') {
        this._fire(new Event('error'), this.onerror);
      } else if (message.type === 'close') {
        this.readyState = 3;
        this._port.close();
        this._fire(new CloseEvent('close', { code: message.code, reason: message.reason, wasClean: message.wasClean }), this.onclose);
      }
    }
    _fire(event, handler) {
      if (typeof handler === 'function') handler.call(this, event);
      this.dispatchEvent(event);
    }
  }
  for (const [name, value] of [['CONNECTING', 0], ['OPEN', 1], ['CLOSING', 2], ['CLOSED', 3]]) {
    Object.defineProperty(WebSocket, name, { value });
    Object.defineProperty(WebSocket.prototype, name, { value });
  }
  self.WebSocket = WebSocket;
})();`.replace(/\n\s*/g, ' ');
