/**
 * The demo page: a TCP console written as Node code (`import net from 'net'`); the
 * sockway Vite plugin makes that import sockway's net, bound to this server's gateway.
 * The other tabs (TCP server, SQL, SSH) are modules of their own.
 */
import net from 'net';
// An app writes `import { getDefaultTunnel } from 'sockway'`; the demo lives inside the repository.
import { getDefaultTunnel } from '../client/config.ts';
import { setUpListenPanel } from './listen-panel.ts';
import { appendLine, describeError } from './log-view.ts';
import type { PageConfig } from './page-config.ts';
import { setUpSqlConsole } from './sql-console.ts';
import { setUpSshPanel } from './ssh-panel.ts';
import { setUpTabs } from './tabs.ts';

const CUSTOM = 'custom';

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`#${id} is missing`);
  return found as T;
}

const targetSelect = element<HTMLSelectElement>('target');
const customInput = element<HTMLInputElement>('custom');
const connectButton = element<HTMLButtonElement>('connect');
const endButton = element<HTMLButtonElement>('end');
const destroyButton = element<HTMLButtonElement>('destroy');
const dropButton = element<HTMLButtonElement>('drop');
const linkStatus = element('link-status');
const readyStateOut = element('ready-state');
const bytesReadOut = element('bytes-read');
const bytesWrittenOut = element('bytes-written');
const remoteOut = element('remote');
const log = element<HTMLOListElement>('log');
const form = element<HTMLFormElement>('send-form');
const lineInput = element<HTMLInputElement>('line');
const sendButton = element<HTMLButtonElement>('send');

let socket: net.Socket | null = null;

function append(kind: Parameters<typeof appendLine>[1], text: string): void {
  appendLine(log, kind, text);
}

function render(): void {
  const state = socket === null ? 'closed' : socket.readyState;
  readyStateOut.textContent = state;
  readyStateOut.dataset['state'] = state;
  bytesReadOut.textContent = String(socket?.bytesRead ?? 0);
  bytesWrittenOut.textContent = String(socket?.bytesWritten ?? 0);
  remoteOut.textContent = socket?.remoteAddress === undefined ? '–' : `${socket.remoteAddress}:${socket.remotePort}`;
  const live = socket !== null && !socket.destroyed;
  connectButton.disabled = live;
  destroyButton.disabled = !live;
  endButton.disabled = !live || socket?.writableEnded === true;
  lineInput.disabled = !live || socket?.writable !== true;
  sendButton.disabled = lineInput.disabled;
  const connected = getDefaultTunnel()?.stats().connected === true;
  dropButton.disabled = !connected;
  if (connected && linkStatus.dataset['link'] === undefined) showLink('up', 'WebSocket: connected (it carries every socket of this page)');
  else if (!connected && linkStatus.dataset['link'] === 'up') {
    delete linkStatus.dataset['link'];
    linkStatus.textContent = 'WebSocket: closed (the next socket opens a new one)';
  }
}

function showLink(state: 'up' | 'down' | 'failed', text: string): void {
  linkStatus.dataset['link'] = state;
  linkStatus.textContent = text;
}

/**
 * The tunnel behind `net` (the Vite plugin configured it). Drop connection drops its
 * WebSocket as a network failure would; the tunnel reconnects and resumes the session,
 * and open sockets carry on without an event: its own events tell the story here.
 */
function setUpLink(): void {
  const tunnel = getDefaultTunnel();
  if (tunnel === null) return;
  let lost = '';
  tunnel.on('disconnect', ({ code, reason }) => {
    lost = `connection lost (code ${code}${reason === '' ? '' : `: ${reason}`})`;
    showLink('down', `WebSocket: ${lost}… reconnecting`);
    append('event', `tunnel 'disconnect': ${lost}; resuming the session`);
  });
  tunnel.on('reconnect', ({ downtimeMs, attempts }) => {
    const resumed = `resumed after ${downtimeMs} ms (${attempts} attempt${attempts === 1 ? '' : 's'})`;
    showLink('up', `WebSocket: ${lost}… ${resumed}`);
    append('event', `tunnel 'reconnect': ${resumed}; open sockets carried on`);
  });
  tunnel.on('reconnect-failed', ({ error }) => {
    showLink('failed', `WebSocket: ${lost}… could not resume: ${error.code}: ${error.message}`);
    append('error', `tunnel 'reconnect-failed': ${error.code}: ${error.message}`);
  });
  dropButton.addEventListener('click', () => {
    append('event', 'tunnel.dropConnection(): the WebSocket drops as a network failure would');
    tunnel.dropConnection();
    render();
  });
}

function selectedTarget(): { host: string; port: number } | string {
  if (targetSelect.value !== CUSTOM) {
    const [host = '', port = ''] = targetSelect.value.split('|');
    return { host, port: Number(port) };
  }
  const match = /^\s*\[?([^\]\s]+?)\]?:(\d{1,5})\s*$/.exec(customInput.value);
  return match === null ? 'Type the destination as host:port, e.g. example.com:80' : { host: match[1] ?? '', port: Number(match[2]) };
}

function connect(): void {
  const target = selectedTarget();
  if (typeof target === 'string') {
    append('error', target);
    customInput.focus();
    return;
  }
  append('event', `net.connect({ host: '${target.host}', port: ${target.port} })`);
  wire(net.connect({ host: target.host, port: target.port }));
}

/** Makes `current` the console's socket: its lines, events and errors go to the log. */
function wire(current: net.Socket): void {
  socket = current;
  current.setEncoding('utf8');
  let partial = '';
  current.on('connect', () => {
    append('event', `'connect': ${current.remoteAddress}:${current.remotePort} via the gateway`);
    render();
    lineInput.focus();
  });
  current.on('data', (text: string) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) append('received', line.replace(/\r$/, ''));
    render();
  });
  current.on('end', () => {
    if (partial !== '') append('received', partial);
    partial = '';
    // allowHalfOpen is false (the default): Node answers the server's FIN with ours.
    append('event', "'end': the server closed its side");
    render();
  });
  current.on('error', (error: Error) => {
    append('error', describeError(error));
    render();
  });
  current.on('close', (hadError: boolean) => {
    append('event', `'close'${hadError ? ' (after an error)' : ''}`);
    render();
  });
  render();
}

targetSelect.addEventListener('change', () => {
  customInput.hidden = targetSelect.value !== CUSTOM;
  if (!customInput.hidden) customInput.focus();
});
customInput.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') connect();
});
connectButton.addEventListener('click', connect);
endButton.addEventListener('click', () => {
  socket?.end();
  append('event', 'socket.end(): our side is closed; replies still arrive');
  render();
});
destroyButton.addEventListener('click', () => {
  append('event', 'socket.destroy()');
  socket?.destroy();
  render();
});
form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (socket === null || !socket.writable) return;
  const line = lineInput.value;
  socket.write(`${line}\n`);
  append('sent', line);
  lineInput.value = '';
  render();
});

// readyState and the counters change without events too (bytes leave in the background).
setInterval(render, 250);

async function loadTargets(): Promise<void> {
  const { targets, ssh, allowed, sql } = (await (await fetch('/targets.json')).json()) as PageConfig;
  setUpSshPanel(ssh);
  setUpSqlConsole(allowed, sql);
  for (const target of [...targets, ...allowed]) {
    targetSelect.add(new Option(`${target.label} — ${target.host}:${target.port}`, `${target.host}|${target.port}`));
  }
  targetSelect.add(new Option('Another host:port (the demo policy denies it)', CUSTOM));
  append('event', 'Pick a destination and press Connect.');
  render();
}

setUpTabs();
setUpLink();
setUpListenPanel();
loadTargets().catch((error: unknown) => append('error', `Could not load /targets.json: ${String(error)}`));
