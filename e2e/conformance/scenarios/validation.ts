/**
 * Argument validation: what connect / createConnection / new Socket / setTimeout /
 * write throw synchronously (ERR_MISSING_ARGS, ERR_SOCKET_BAD_PORT,
 * ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE, ERR_INVALID_IP_ADDRESS,
 * ERR_OUT_OF_RANGE, ERR_STREAM_NULL_VALUES, ERR_UNKNOWN_ENCODING), and the
 * state a socket is left in after a throwing connect().
 */
import { type NetLike, type Scenario, type SocketLike, scenario } from '../harness.ts';

const HOST = '127.0.0.1';

/** Destroys what a try() returned (a socket, if the call did not throw) and waits for its close. */
async function cleanup(net: NetLike, made: Array<SocketLike | undefined>): Promise<void> {
  void net;
  await Promise.all(made.map((s) => {
    if (s === undefined || typeof s.destroy !== 'function') return Promise.resolve();
    return new Promise<void>((resolve) => {
      s.on('error', () => {});
      if (s['destroyed'] && s['closed']) return resolve();
      s.once('close', () => resolve());
      setTimeout(resolve, 1000);
      s.destroy();
    });
  }));
}

export const validationScenarios: Scenario[] = [
  scenario('validation', 'ERR_MISSING_ARGS: connect(), connect({}), connect({host}), Socket#connect()', async (net, { t }) => {
    const made = [
      t.try('net.connect()', () => net.connect()),
      t.try('net.connect({})', () => net.connect({})),
      t.try('net.connect({host})', () => net.connect({ host: HOST })),
      t.try('net.createConnection(undefined)', () => net.createConnection(undefined)),
    ];
    const s = new net.Socket();
    t.try('socket.connect()', () => s.connect());
    t.sample('after throwing connect()', s);
    t.try('socket.connect({ port: undefined })', () => s.connect({ port: undefined, host: HOST }));
    await cleanup(net, [...made, s]);
  }),

  scenario('validation', 'ERR_SOCKET_BAD_PORT for out-of-range and non-numeric ports', async (net, { t }) => {
    const made = [];
    // Non-numeric strings ('abc', '-1') are IPC paths to Node: see the IPC scenario.
    for (const port of [-1, 65536, 70000, NaN, Infinity, 1.5, '', ' ', '0x10', '65536', '1e3']) {
      made.push(t.try(`net.connect(${typeof port === 'string' ? JSON.stringify(port) : String(port)})`, () => net.connect(port, HOST)));
    }
    for (const port of [-1, 65536, '']) {
      made.push(t.try(`connect({port: ${JSON.stringify(port)}})`, () => net.connect({ port, host: HOST })));
    }
    await cleanup(net, made);
  }),

  scenario('validation', 'port of the wrong type: true, false, null, [], {}, Symbol-free objects', async (net, { t }) => {
    const made = [];
    for (const [label, port] of [['true', true], ['false', false], ['null', null], ['[]', []], ['{}', {}], ['new Date(0)', new Date(0)]] as const) {
      made.push(t.try(`connect({port: ${label}})`, () => net.connect({ port, host: HOST })));
    }
    for (const [label, port] of [['true', true], ['null', null], ['{}', {}]] as const) {
      made.push(t.try(`new Socket().connect(${label})`, () => new net.Socket().connect(port)));
    }
    await cleanup(net, made);
  }),

  scenario('validation', 'host, localAddress, localPort, family of the wrong type or value', async (net, { t, port }) => {
    const p = port('sink');
    const made = [
      t.try('host: 123', () => net.connect({ port: p, host: 123 })),
      t.try('host: {}', () => net.connect({ port: p, host: {} })),
      t.try('localAddress: "nope"', () => net.connect({ port: p, host: HOST, localAddress: 'nope' })),
      t.try('localAddress: 1', () => net.connect({ port: p, host: HOST, localAddress: 1 })),
      t.try('localPort: "1"', () => net.connect({ port: p, host: HOST, localPort: '1' })),
      t.try('family: 5', () => net.connect({ port: p, host: HOST, family: 5 })),
      t.try('family: "IPv5"', () => net.connect({ port: p, host: 'localhost', family: 'IPv5' })),
    ];
    await cleanup(net, made);
  }),

  scenario('validation', 'hints, lookup, autoSelectFamily, autoSelectFamilyAttemptTimeout validation', async (net, { t, port }) => {
    const p = port('sink');
    const made = [
      t.try('hints: -1', () => net.connect({ port: p, host: 'localhost', hints: -1 })),
      t.try('hints: 1234567', () => net.connect({ port: p, host: 'localhost', hints: 1234567 })),
      t.try('hints: "x"', () => net.connect({ port: p, host: 'localhost', hints: 'x' })),
      t.try('lookup: 1', () => net.connect({ port: p, host: 'localhost', lookup: 1 })),
      t.try('lookup: {}', () => net.connect({ port: p, host: 'localhost', lookup: {} })),
      t.try('autoSelectFamily: 1', () => net.connect({ port: p, host: 'localhost', autoSelectFamily: 1 })),
      t.try('autoSelectFamilyAttemptTimeout: 0', () => net.connect({ port: p, host: 'localhost', autoSelectFamilyAttemptTimeout: 0 })),
      t.try('autoSelectFamilyAttemptTimeout: -5', () => net.connect({ port: p, host: 'localhost', autoSelectFamilyAttemptTimeout: -5 })),
      t.try('autoSelectFamilyAttemptTimeout: "10"', () => net.connect({ port: p, host: 'localhost', autoSelectFamilyAttemptTimeout: '10' })),
      t.try('autoSelectFamilyAttemptTimeout: 1.5', () => net.connect({ port: p, host: 'localhost', autoSelectFamilyAttemptTimeout: 1.5 })),
    ];
    await cleanup(net, made);
  }),

  scenario('validation', 'constructor: objectMode options, bad signal, timeout option', async (net, { t }) => {
    const made = [
      t.try('new Socket({objectMode: true})', () => new net.Socket({ objectMode: true })),
      t.try('new Socket({readableObjectMode: true})', () => new net.Socket({ readableObjectMode: true })),
      t.try('new Socket({writableObjectMode: true})', () => new net.Socket({ writableObjectMode: true })),
      t.try('new Socket({signal: {}})', () => new net.Socket({ signal: {} })),
      t.try('new Socket({signal: "x"})', () => new net.Socket({ signal: 'x' })),
      t.try('connect({timeout: -1})', () => net.connect({ port: 1, host: HOST, timeout: -1 })),
      t.try('connect({timeout: "5"})', () => net.connect({ port: 1, host: HOST, timeout: '5' })),
      t.try('new Socket({fd: "x"})', () => new net.Socket({ fd: 'x' })),
    ];
    await cleanup(net, made);
  }),

  scenario('validation', 'a connect() that throws after validation leaves the socket connecting', async (net, { t }) => {
    const s = new net.Socket();
    t.try('connect({port: 70000})', () => s.connect({ port: 70000, host: HOST }));
    t.sample('after bad port', s);
    const s2 = new net.Socket();
    t.try('connect({port, localAddress: "x"})', () => s2.connect({ port: 1, host: HOST, localAddress: 'x' }));
    t.sample('after bad localAddress', s2);
    await cleanup(net, [s, s2]);
  }),

  scenario('validation', 'setTimeout argument validation', async (net, { t }) => {
    const s = new net.Socket();
    for (const [label, ms] of [['"x"', 'x'], ['-1', -1], ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity], ['null', null], ['{}', {}]] as const) {
      t.try(`setTimeout(${label})`, () => s.setTimeout(ms as number));
    }
    t.try('setTimeout(10, "cb")', () => s.setTimeout(10, 'cb' as unknown as () => void));
    t.try('setTimeout(10, null)', () => s.setTimeout(10, null as unknown as () => void));
    t.try('setTimeout(2 ** 31) is clamped, returns this', () => s.setTimeout(2 ** 31) === s);
    t.note('timeout', s['timeout']);
    t.try('setTimeout(1.7)', () => s.setTimeout(1.7) === s);
    t.note('timeout', s['timeout']);
    s.setTimeout(0);
    await cleanup(net, [s]);
  }),

  scenario('validation', 'write argument validation: null, numbers, objects, bad encodings', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    for (const [label, chunk] of [['null', null], ['undefined', undefined], ['1', 1], ['true', true], ['{}', {}], ['[]', []], ['Symbol-free fn', () => 0]] as const) {
      t.try(`write(${label})`, () => s.write(chunk));
    }
    t.try('write("x", "nope")', () => s.write('x', 'nope'));
    t.try('write("x", "hex", "notfn")', () => s.write('x', 'hex', 'notfn'));
    t.try('end(1)', () => s.end(1));
    t.sample('after bad writes', s);
    s.once('connect', () => s.end());
    await t.closed(s);
  }),

  scenario('validation', 'IPC path: connect({path}) and connect(path string)', async (net, { t }) => {
    const s = t.watch(new net.Socket());
    t.try('connect({path: 123})', () => s.connect({ path: 123 }));
    const s2 = t.watch(new net.Socket(), 'p');
    t.try('connect("/nonexistent/sockway.sock")', () => s2.connect('/nonexistent/sockway.sock'));
    const s3 = t.watch(new net.Socket(), 'q');
    t.try('net.connect("abc") is a path', () => s3.connect('abc'));
    await cleanup(net, [s, s2, s3]);
  }),
];
