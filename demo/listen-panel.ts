/**
 * The demo's TCP server tab: `net.createServer().listen(0, '127.0.0.1')` — the gateway
 * listens for this page, each connection shows up in the panel's own log, a typed line
 * goes to every connected client, and Stop closes the server (server.close(), and the
 * connections are ended). Separate from the console: its socket is never taken over.
 */
import net from 'net';
import { appendLine, describeError } from './log-view.ts';

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`#${id} is missing`);
  return found as T;
}

/** Wires the TCP server panel. */
export function setUpListenPanel(): void {
  const listenButton = element<HTMLButtonElement>('server-listen');
  const stopButton = element<HTMLButtonElement>('server-stop');
  const status = element('server-status');
  const log = element<HTMLOListElement>('server-log');
  const form = element<HTMLFormElement>('server-send-form');
  const line = element<HTMLInputElement>('server-line');
  const sendButton = element<HTMLButtonElement>('server-send');
  const append = (kind: Parameters<typeof appendLine>[1], text: string): void => appendLine(log, kind, text);

  let server: net.Server | null = null;
  let port = 0;
  const clients = new Set<net.Socket>();

  function render(): void {
    listenButton.disabled = server !== null;
    stopButton.disabled = server === null || !server.listening;
    line.disabled = clients.size === 0;
    sendButton.disabled = line.disabled;
    const count = `${clients.size} connection${clients.size === 1 ? '' : 's'}`;
    if (server?.listening === true) status.textContent = `listening on 127.0.0.1:${port} · ${count} — try: nc 127.0.0.1 ${port}`;
    else if (server !== null) status.textContent = clients.size === 0 ? 'starting…' : `stopped listening · ${count} still open`;
    status.dataset['listening'] = String(server?.listening === true);
  }

  function accept(socket: net.Socket): void {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    clients.add(socket);
    append('event', `'connection' from ${peer}`);
    socket.setEncoding('utf8');
    let partial = '';
    socket.on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const received of lines) append('received', `${peer}  ${received.replace(/\r$/, '')}`);
    });
    socket.on('end', () => {
      if (partial !== '') append('received', `${peer}  ${partial}`);
      partial = '';
      append('event', `${peer} 'end'`);
    });
    socket.on('error', (error: Error) => append('error', `${peer} ${describeError(error)}`));
    socket.on('close', () => {
      clients.delete(socket);
      append('event', `${peer} 'close'`);
      render();
    });
    render();
    line.focus();
  }

  listenButton.addEventListener('click', () => {
    if (server !== null) return;
    append('event', "net.createServer().listen(0, '127.0.0.1')");
    const current = net.createServer(accept);
    server = current;
    current.on('listening', () => {
      const address = current.address();
      port = typeof address === 'object' && address !== null ? address.port : 0;
      append('event', `'listening' on 127.0.0.1:${port} at the gateway`);
      render();
    });
    current.on('error', (error: Error) => {
      append('error', describeError(error));
      // A listen that failed (denied, in use) ends there, as in Node: no 'close' follows.
      if (!current.listening && server === current) server = null;
      render();
    });
    // After close() once the connections are gone, or after an error that ended the listener.
    current.on('close', () => {
      if (server === current) server = null;
      append('event', "'close': the server is closed");
      render();
    });
    current.listen(0, '127.0.0.1');
    render();
  });

  stopButton.addEventListener('click', () => {
    if (server === null) return;
    append('event', `server.close(); socket.end() for ${clients.size} connection${clients.size === 1 ? '' : 's'}`);
    server.close();
    // Node's close() only stops accepting; Stop also ends the connections, so 'close' follows.
    for (const socket of clients) socket.end();
    render();
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (clients.size === 0) return;
    for (const socket of clients) if (socket.writable) socket.write(`${line.value}\n`);
    append('sent', `${line.value}  (to ${clients.size} client${clients.size === 1 ? '' : 's'})`);
    line.value = '';
  });
  render();
}
