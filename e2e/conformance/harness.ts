/**
 * The conformance harness: what a scenario is, the environment it runs in, and
 * the tracer that turns one run into a comparable list of lines.
 *
 * Portable on purpose: no node:* imports, no Buffer, no process. A scenario is a
 * plain `(net, env) => Promise<void>` over a `net`-shaped object, so the same
 * module runs against node:net, against sockway's net in Node, and bundled into
 * a page against sockway's net in Chromium. Everything environment-specific
 * (ports of the scripted TCP servers, what the server saw, Node-only probes)
 * comes in through `env`.
 *
 * A trace line is `<kind> <what> <args> | <props>`: events in order with their
 * arguments, the socket's properties sampled at that moment, callback
 * invocations, thrown errors and notes. Values that legitimately differ between
 * runs (ephemeral ports, the gateway's local address instead of this process's)
 * are mapped to symbols in both traces (`<eph#1>`, `<laddr#1>`), in order of
 * first appearance, so their identity still counts and their value does not.
 */

/** The slice of a `net` module the scenarios use (node:net and sockway's net both fit). */
export interface NetLike {
  Socket: new (options?: object) => SocketLike;
  Stream: unknown;
  connect(...args: unknown[]): SocketLike;
  createConnection(...args: unknown[]): SocketLike;
  isIP(input: unknown): number;
  isIPv4(input: unknown): boolean;
  isIPv6(input: unknown): boolean;
  [key: string]: unknown;
}

/** A net.Socket as the scenarios see it: loosely typed, both implementations fit. */
export interface SocketLike {
  connect(...args: unknown[]): SocketLike;
  write(...args: unknown[]): boolean;
  end(...args: unknown[]): SocketLike;
  destroy(error?: Error): SocketLike;
  destroySoon(): void;
  resetAndDestroy(): SocketLike;
  setTimeout(ms: number, callback?: () => void): SocketLike;
  setEncoding(encoding: string): SocketLike;
  setNoDelay(enable?: boolean): SocketLike;
  setKeepAlive(enable?: boolean, delay?: number): SocketLike;
  pause(): SocketLike;
  resume(): SocketLike;
  isPaused(): boolean;
  read(size?: number): unknown;
  cork(): void;
  uncork(): void;
  ref(): SocketLike;
  unref(): SocketLike;
  address(): unknown;
  on(event: string, listener: (...args: any[]) => void): SocketLike;
  once(event: string, listener: (...args: any[]) => void): SocketLike;
  off(event: string, listener: (...args: any[]) => void): SocketLike;
  prependListener(event: string, listener: (...args: any[]) => void): SocketLike;
  removeListener(event: string, listener: (...args: any[]) => void): SocketLike;
  removeAllListeners(event?: string): SocketLike;
  listenerCount(event: string): number;
  emit(event: string, ...args: unknown[]): boolean;
  [Symbol.asyncIterator](): AsyncIterator<unknown>;
  readonly [key: string]: any;
}

/** Names of the scripted TCP servers (see servers.ts for what each does). */
export type ServerName =
  | 'echo'
  | 'sink'
  | 'helloEnd'
  | 'endFirst'
  | 'replyAfterEnd'
  | 'resetOnData'
  | 'bytes16'
  | 'utf8Split'
  | 'hold'
  | 'greet'
  | 'closed';

/** Every scripted server, in a fixed order. */
export const SERVER_NAMES: readonly ServerName[] = [
  'echo', 'sink', 'helloEnd', 'endFirst', 'replyAfterEnd', 'resetOnData', 'bytes16', 'utf8Split', 'hold', 'greet', 'closed',
];

/** Environment features a scenario may need; runs that lack one skip it (and say so). */
export type Feature =
  /** events.getEventListeners on an AbortSignal (Node only). */
  | 'listenerCounts'
  /** process.nextTick / setImmediate markers with Node's meaning. */
  | 'nodeTicks';

/** What a scenario gets besides `net`. */
export interface ScenarioEnv {
  /** The tracer of this run. */
  readonly t: Tracer;
  /** Port of a scripted server on 127.0.0.1 ('closed' has nothing listening). */
  port(name: ServerName): number;
  /** What the server saw on its most recent connection (waits for that connection to close). */
  peer(name: ServerName): Promise<string[]>;
  /** Waits `ms` of real time. */
  sleep(ms: number): Promise<void>;
  /** Node's process.nextTick (or the page's process shim). */
  nextTick(callback: () => void): void;
  /** Node's setImmediate (or a zero timeout in a page). */
  setImmediate(callback: () => void): void;
  /** Listeners registered for `type` on an EventTarget (Node's events.getEventListeners). */
  listenerCount(target: object, type: string): number;
  /** Features this environment offers. */
  readonly features: ReadonlySet<Feature>;
  /**
   * The `net` of the remote peers server scenarios connect with: node:net in Node (a
   * real TCP client, as a remote peer is), the page's own net in a browser (it has no
   * other; its connection then reaches the gateway's listener from the gateway).
   */
  readonly peerNet: NetLike;
}

/** One conformance scenario: written once, run against every `net`. */
export interface Scenario {
  /** Unique, stable name (the allow-list of known deviations refers to it). */
  readonly name: string;
  /** Area, for grouping in reports: 'connect', 'errors', 'write', 'half-open', ... */
  readonly area: string;
  /** Environment features needed; runs without them skip the scenario. */
  readonly needs?: readonly Feature[];
  /** The scenario: drives `net` and records into `env.t`. */
  readonly run: (net: NetLike, env: ScenarioEnv) => Promise<void>;
  /** ms before the run is cut short and a TIMEOUT line recorded. Default 5000. */
  readonly timeout?: number;
}

/** Defines a scenario (identity function, for type checking and a uniform look). */
export function scenario(area: string, name: string, run: Scenario['run'], extra: Partial<Pick<Scenario, 'needs' | 'timeout'>> = {}): Scenario {
  return { area, name, run, ...extra };
}

/** Events recorded by `watch()` unless told otherwise. 'data' is coalesced (TCP has no message boundaries). */
export const DEFAULT_EVENTS = [
  'lookup',
  'connectionAttempt',
  'connectionAttemptFailed',
  'connectionAttemptTimeout',
  'connect',
  'ready',
  'data',
  'end',
  'finish',
  'drain',
  'timeout',
  'error',
  'close',
] as const;

/** What watch() records. */
export interface WatchOptions {
  /** Events to record (default DEFAULT_EVENTS). Leave out 'data' to keep a socket paused. */
  readonly events?: readonly string[];
  /** Extra events on top of the default list. */
  readonly extra?: readonly string[];
  /** Record every 'data' chunk on its own line instead of merging consecutive ones. */
  readonly chunks?: boolean;
  /** Sample properties at each event (default true). */
  readonly props?: boolean;
}

/** Maps run-specific values (ports, local addresses) to stable symbols. */
export class Normalizer {
  readonly #ports = new Map<number, string>();
  readonly #locals = new Map<string, string>();
  #ephemeral = 0;

  /** Names a known port: it prints as `<port:name>`. */
  namePort(port: number, name: string): void {
    this.#ports.set(port, `<port:${name}>`);
  }

  /** A port value: a known server's name, a small literal as is, anything else an ephemeral symbol. */
  port(value: unknown): string {
    if (typeof value !== 'number') return formatPrimitive(value);
    const known = this.#ports.get(value);
    if (known !== undefined) return known;
    if (value < 1024) return String(value);
    const symbol = `<eph#${++this.#ephemeral}>`;
    this.#ports.set(value, symbol);
    return symbol;
  }

  /** The local address: the gateway's in one run, this process's in the other. */
  localAddress(value: unknown): string {
    if (typeof value !== 'string') return formatPrimitive(value);
    let symbol = this.#locals.get(value);
    if (symbol === undefined) {
      symbol = `<laddr#${this.#locals.size + 1}>`;
      this.#locals.set(value, symbol);
    }
    return symbol;
  }

  /** A string with known ports in `host:port` positions replaced by their symbols. */
  text(value: string): string {
    return value.replace(/:(\d{2,5})\b/g, (match, digits: string) => {
      const symbol = this.#ports.get(Number(digits));
      return symbol === undefined ? match : `:${symbol}`;
    });
  }
}

function formatPrimitive(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  return String(value);
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array || (typeof value === 'object' && value !== null && ArrayBuffer.isView(value));
}

function bytesText(value: Uint8Array): string {
  const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  try {
    const text = decoder.decode(bytes);
    // eslint-disable-next-line no-control-regex
    if (!/[\u0000-\u0008\u000e-\u001f\ufffd]/.test(text)) return JSON.stringify(text);
  } catch {
    // not UTF-8: hex below
  }
  if (bytes.length > 64) return `<${bytes.length} bytes, sum ${bytes.reduce((a, b) => (a + b) % 65536, 0)}>`;
  return `hex:${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** The fields of an error a trace compares. */
export const ERROR_FIELDS = ['name', 'code', 'errno', 'syscall', 'address', 'port', 'hostname', 'message'] as const;

/** State one run's tracers share: the lanes, the normalizer, close counts, 'data' runs. */
interface TraceStore {
  /** Lines per lane, in the order the lanes were declared (MAIN_LANE first). */
  readonly lanes: Map<string, string[]>;
  readonly norm: Normalizer;
  frozen: boolean;
  /** 'close' events seen per watched socket, and how many closed() has handed out. */
  readonly closes: WeakMap<object, { seen: number; consumed: number }>;
  /** Pending coalesced 'data' per lane and socket label. */
  readonly dataRuns: Map<string, { index: number; parts: unknown[] }>;
}

/** The lane of a tracer made with `new Tracer()`: the scenario's own steps. */
export const MAIN_LANE = 'main';

/**
 * Collects the lines of one run.
 *
 * Lines go to lanes. A scenario with one endpoint uses the main lane only, and
 * its trace is that lane. A scenario with several endpoints (a server, the
 * sockets it accepted, the peers connecting to it) gives each endpoint its own
 * lane with `t.lane(name)`: every lane is ordered on its own, and the trace is
 * the lanes one after another (`== <lane>` headers), in the order the scenario
 * declared them. Node orders events within one endpoint, never across two
 * connected through the network; through a tunnel the extra hop interleaves the
 * endpoints differently, so only the per-endpoint order is compared. The
 * scenario makes each lane deterministic with explicit synchronization (wait for
 * the server's 'connection' before the peer writes, and so on).
 */
export class Tracer {
  readonly norm: Normalizer;
  /** This tracer's lane name. */
  readonly laneName: string;
  readonly #store: TraceStore;

  constructor(store?: TraceStore, lane: string = MAIN_LANE) {
    this.#store = store ?? {
      lanes: new Map([[MAIN_LANE, []]]),
      norm: new Normalizer(),
      frozen: false,
      closes: new WeakMap(),
      dataRuns: new Map(),
    };
    this.norm = this.#store.norm;
    this.laneName = lane;
    if (!this.#store.lanes.has(lane)) this.#store.lanes.set(lane, []);
  }

  /** A tracer writing into lane `name` of this run (declared now, if new: lanes print in declaration order). */
  lane(name: string): Tracer {
    return new Tracer(this.#store, name);
  }

  /** The trace: the main lane alone, or every lane under a `== <lane>` header once there are several. */
  get lines(): string[] {
    const lanes = this.#store.lanes;
    if (lanes.size === 1) return [...(lanes.get(MAIN_LANE) ?? [])];
    return [...lanes].flatMap(([name, lines]) => [`== ${name}`, ...lines]);
  }

  get #lines(): string[] {
    return this.#store.lanes.get(this.laneName) as string[];
  }

  /** Stops recording (late events after the run are not part of the trace). */
  freeze(): void {
    this.#store.frozen = true;
  }

  /** Appends one line to this lane. */
  line(text: string): void {
    if (this.#store.frozen) return;
    this.#lines.push(text);
  }

  /** Records a labelled value. */
  note(label: string, ...values: unknown[]): void {
    this.line(`note ${label} ${values.map((v) => this.value(v)).join(' ')}`.trimEnd());
  }

  /** Records the socket's properties under a label. */
  sample(label: string, socket: SocketLike): void {
    this.line(`sample ${label} | ${this.props(socket)}`);
  }

  /** Runs `fn`, recording what it returned or threw. Returns what it returned (undefined if it threw). */
  try<T>(label: string, fn: () => T): T | undefined {
    try {
      const result = fn();
      this.line(`try ${label} -> ${typeof result === 'object' && result !== null && typeof (result as { emit?: unknown }).emit === 'function' ? '<socket>' : this.value(result)}`);
      return result;
    } catch (error) {
      this.line(`try ${label} threw ${this.value(error)}`);
      return undefined;
    }
  }

  /** A callback that records its invocations (with the socket's properties, if given). */
  cb(label: string, socket?: SocketLike): (...args: unknown[]) => void {
    return (...args: unknown[]) => {
      this.line(`cb ${label}(${args.map((a) => this.value(a)).join(', ')})${socket ? ` | ${this.props(socket)}` : ''}`);
    };
  }

  /** Records `events` of `socket` (registered now, so they run before listeners added later). */
  watch(socket: SocketLike, label = 'c', options: WatchOptions = {}): SocketLike {
    const events = [...(options.events ?? DEFAULT_EVENTS), ...(options.extra ?? [])];
    const withProps = options.props ?? true;
    if (!this.#store.closes.has(socket)) {
      const count = { seen: 0, consumed: 0 };
      this.#store.closes.set(socket, count);
      socket.on('close', () => count.seen++);
    }
    for (const name of events) {
      socket.on(name, (...args: unknown[]) => {
        if (this.#store.frozen) return;
        if (name === 'data' && !options.chunks) {
          // Consecutive chunks of one socket merge while nothing else was written to its lane.
          const lines = this.#lines;
          const key = `${this.laneName}\u0000${label}`;
          const run = this.#store.dataRuns.get(key);
          if (run !== undefined && lines.length === run.index + 1) {
            run.parts.push(args[0]);
            lines[run.index] = this.#dataLine(label, run.parts, socket, withProps);
            return;
          }
          lines.push(this.#dataLine(label, [args[0]], socket, withProps));
          this.#store.dataRuns.set(key, { index: lines.length - 1, parts: [args[0]] });
          return;
        }
        this.line(`${label}:${name}(${this.#eventArgs(name, args)})${withProps ? ` | ${this.props(socket)}` : ''}`);
      });
    }
    return socket;
  }

  /**
   * Resolves on the socket's next 'close' not yet waited for (a watched socket counts
   * the ones that already happened), or after `ms` with a TIMEOUT line.
   */
  closed(socket: SocketLike, ms = 4000): Promise<void> {
    let count = this.#store.closes.get(socket);
    if (count === undefined) {
      count = { seen: 0, consumed: 0 };
      this.#store.closes.set(socket, count);
      const c = count;
      socket.on('close', () => c.seen++);
    }
    const c = count;
    return new Promise((resolve) => {
      if (c.seen > c.consumed) {
        c.consumed++;
        resolve();
        return;
      }
      const timer = setTimeout(() => {
        this.line('TIMEOUT waiting for close');
        resolve();
      }, ms);
      socket.once('close', () => {
        clearTimeout(timer);
        c.consumed++;
        resolve();
      });
    });
  }

  /** Resolves on `event` of `socket` (or a TIMEOUT line after `ms`). */
  event(socket: SocketLike, event: string, ms = 4000): Promise<unknown[]> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.line(`TIMEOUT waiting for ${event}`);
        resolve([]);
      }, ms);
      socket.once(event, (...args: unknown[]) => {
        clearTimeout(timer);
        resolve(args);
      });
    });
  }

  /** The properties a trace samples at each event. */
  props(socket: SocketLike): string {
    const s = socket;
    const n = this.norm;
    const parts = [
      `rs=${read(() => s['readyState'])}`,
      `pending=${read(() => s['pending'])}`,
      `connecting=${read(() => s['connecting'])}`,
      `destroyed=${read(() => s['destroyed'])}`,
      `readable=${read(() => s['readable'])}`,
      `writable=${read(() => s['writable'])}`,
      `bufferSize=${read(() => s['bufferSize'])}`,
      `bytesRead=${read(() => s['bytesRead'])}`,
      `bytesWritten=${read(() => s['bytesWritten'])}`,
      `local=${n.localAddress(s['localAddress'])}:${n.port(s['localPort'])}/${read(() => s['localFamily'])}`,
      `remote=${read(() => s['remoteAddress'])}:${n.port(s['remotePort'])}/${read(() => s['remoteFamily'])}`,
      `address()=${this.#address(s)}`,
    ];
    return parts.join(' ');
  }

  #address(socket: SocketLike): string {
    let info: unknown;
    try {
      info = socket.address();
    } catch (error) {
      return `threw ${this.value(error)}`;
    }
    if (typeof info !== 'object' || info === null) return this.value(info);
    const record = info as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    if (keys.length === 0) return '{}';
    return `{${keys.map((k) => `${k}:${k === 'port' ? this.norm.port(record[k]) : k === 'address' ? this.norm.localAddress(record[k]) : this.value(record[k])}`).join(',')}}`;
  }

  #eventArgs(name: string, args: unknown[]): string {
    const n = this.norm;
    switch (name) {
      case 'connectionAttempt':
      case 'connectionAttemptTimeout':
        return [this.value(args[0]), n.port(args[1]), this.value(args[2]), ...args.slice(3).map((a) => this.value(a))].join(', ');
      case 'connectionAttemptFailed':
        return [this.value(args[0]), n.port(args[1]), this.value(args[2]), this.value(args[3]), ...args.slice(4).map((a) => this.value(a))].join(', ');
      default:
        return args.map((a) => this.value(a)).join(', ');
    }
  }

  #dataLine(label: string, parts: unknown[], socket: SocketLike, withProps: boolean): string {
    const strings = parts.every((p) => typeof p === 'string');
    let body: string;
    if (strings) body = `string ${JSON.stringify((parts as string[]).join(''))}`;
    else if (parts.every(isBytes)) {
      const total = parts.reduce<number>((sum, p) => sum + (p as Uint8Array).byteLength, 0);
      const joined = new Uint8Array(total);
      let offset = 0;
      for (const p of parts as Uint8Array[]) {
        joined.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), offset);
        offset += p.byteLength;
      }
      body = `${(parts[0] as object).constructor.name} ${bytesText(joined)}`;
    } else body = parts.map((p) => this.value(p)).join(' + ');
    return `${label}:data(${body})${withProps ? ` | ${this.props(socket)}` : ''}`;
  }

  /** A value as it prints in a trace. */
  value(value: unknown, depth = 0): string {
    if (value === null || value === undefined) return String(value);
    if (typeof value === 'string') return JSON.stringify(this.norm.text(value));
    if (typeof value !== 'object' && typeof value !== 'function') return formatPrimitive(value);
    if (typeof value === 'function') return `fn`;
    if (value instanceof Error || (typeof (value as Error).message === 'string' && typeof (value as Error).name === 'string' && 'stack' in value)) {
      return this.#error(value as Error, depth);
    }
    if (isBytes(value)) return `${value.constructor.name}(${value.byteLength}) ${bytesText(value)}`;
    if (typeof (value as { emit?: unknown }).emit === 'function') return '<emitter>';
    if (depth > 3) return '…';
    if (Array.isArray(value)) return `[${value.map((v) => this.value(v, depth + 1)).join(', ')}]`;
    const keys = Object.keys(value).sort();
    // 'port', and 'localPort'/'remotePort' (a server's 'drop' argument), print as port symbols.
    return `{${keys.map((k) => `${k}:${/^port$|Port$/.test(k) ? this.norm.port((value as Record<string, unknown>)[k]) : this.value((value as Record<string, unknown>)[k], depth + 1)}`).join(', ')}}`;
  }

  #error(error: Error, depth: number): string {
    const record = error as unknown as Record<string, unknown>;
    const fields = ERROR_FIELDS.map((field) => {
      const v = record[field];
      if (v === undefined) return null;
      return `${field}=${field === 'port' ? this.norm.port(v) : this.value(v, depth + 1)}`;
    }).filter((f) => f !== null);
    if (Array.isArray(record['errors'])) fields.push(`errors=${this.value(record['errors'], depth + 1)}`);
    if (record['cause'] !== undefined) fields.push(`cause=${this.value(record['cause'], depth + 1)}`);
    return `Error{${fields.join(' ')}}`;
  }
}

function read(get: () => unknown): string {
  try {
    const value = get();
    return typeof value === 'string' ? value : String(value);
  } catch (error) {
    return `threw(${(error as Error).message})`;
  }
}

/** Runs one scenario against one net: a fresh tracer, the timeout, a settle, then the frozen lines. */
export async function runScenario(
  s: Scenario,
  net: NetLike,
  makeEnv: (t: Tracer) => ScenarioEnv,
  settleMs = 30,
): Promise<string[]> {
  const t = new Tracer();
  const env = makeEnv(t);
  for (const name of SERVER_NAMES) t.norm.namePort(env.port(name), name);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      t.line(`TIMEOUT scenario did not finish in ${s.timeout ?? 5000} ms`);
      resolve();
    }, s.timeout ?? 5000);
  });
  try {
    await Promise.race([s.run(net, env), limit]);
  } catch (error) {
    t.line(`SCENARIO THREW ${t.value(error)}`);
  } finally {
    clearTimeout(timer);
  }
  await env.sleep(settleMs);
  t.freeze();
  return t.lines;
}

/** Renumbers `<eph#n>` / `<laddr#n>` symbols by first appearance (after masks removed some). */
export function renumber(lines: readonly string[]): string[] {
  const maps = new Map<string, Map<string, number>>();
  return lines.map((line) => line.replace(/<(eph|laddr)#(\d+)>/g, (_match, kind: string, n: string) => {
    let map = maps.get(kind);
    if (map === undefined) {
      map = new Map();
      maps.set(kind, map);
    }
    let id = map.get(n);
    if (id === undefined) {
      id = map.size + 1;
      map.set(n, id);
    }
    return `<${kind}#${id}>`;
  }));
}

/** The first index where two traces differ, or -1. */
export function firstDifference(a: readonly string[], b: readonly string[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** A line diff of two traces (LCS): '  ' same, '- ' only in `expected`, '+ ' only in `actual`. */
export function diffTraces(expected: readonly string[], actual: readonly string[]): string {
  const n = expected.length;
  const m = actual.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = expected[i] === actual[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && expected[i] === actual[j]) {
      out.push(`  ${expected[i]}`);
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      out.push(`+ ${actual[j]}`);
      j++;
    } else {
      out.push(`- ${expected[i]}`);
      i++;
    }
  }
  return out.join('\n');
}
