/**
 * Every way to start a connection: net.connect / net.createConnection /
 * new Socket().connect with each signature, the host default, 'lookup' for
 * names and never for IP literals, 'connectionAttempt', a custom `lookup`.
 */
import { type Scenario, scenario } from '../harness.ts';

const HOST = '127.0.0.1';

export const connectScenarios: Scenario[] = [
  scenario('connect', 'net.connect(port, host, cb)', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('echo'), HOST, t.cb('connectListener')));
    s.end('ping');
    await t.closed(s);
  }),

  scenario('connect', 'net.connect(port, cb): host defaults to localhost, one lookup', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('sink'), t.cb('connectListener')));
    s.on('connect', () => s.end());
    await t.closed(s);
  }),

  scenario('connect', 'net.connect(port) then a connect listener', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('sink')));
    s.once('connect', () => s.end());
    await t.closed(s);
  }),

  scenario('connect', 'net.connect(options, cb)', async (net, { t, port }) => {
    const s = t.watch(net.connect({ port: port('echo'), host: HOST }, t.cb('connectListener')));
    s.once('connect', () => s.end('x'));
    await t.closed(s);
  }),

  scenario('connect', 'net.connect({port: numeric string})', async (net, { t, port }) => {
    const s = t.watch(net.connect({ port: String(port('sink')), host: HOST }));
    s.once('connect', () => s.end());
    await t.closed(s);
  }),

  scenario('connect', 'net.connect(port as a numeric string, host)', async (net, { t, port }) => {
    const s = t.watch(net.connect(String(port('sink')), HOST));
    s.once('connect', () => s.end());
    await t.closed(s);
  }),

  scenario('connect', 'net.createConnection(port, host, cb) is net.connect', async (net, { t, port }) => {
    t.note('same function', net.createConnection === net.connect);
    const s = t.watch(net.createConnection(port('sink'), HOST, t.cb('connectListener')));
    s.once('connect', () => s.end());
    await t.closed(s);
  }),

  scenario('connect', 'new Socket().connect(port, host, cb) returns the socket', async (net, { t, port }) => {
    const s = t.watch(new net.Socket());
    t.sample('new', s);
    const returned = s.connect(port('sink'), HOST, t.cb('connectListener'));
    t.note('returns this', returned === s);
    t.sample('after connect()', s);
    s.once('connect', () => s.end());
    await t.closed(s);
  }),

  scenario('connect', 'new Socket().connect(options)', async (net, { t, port }) => {
    const s = t.watch(new net.Socket());
    s.connect({ port: port('sink'), host: HOST });
    s.once('connect', () => s.end());
    await t.closed(s);
  }),

  scenario('connect', 'Socket and Stream: callable without new, same class', async (net, { t, port }) => {
    t.note('Stream === Socket', net.Stream === net.Socket);
    const s = (net.Socket as unknown as (o?: object) => ReturnType<typeof net.connect>)();
    t.note('instanceof Socket', s instanceof net.Socket);
    t.watch(s);
    s.connect(port('sink'), HOST);
    s.once('connect', () => s.end());
    await t.closed(s);
  }),

  scenario('connect', 'host "" means localhost', async (net, { t, port }) => {
    const s = t.watch(net.connect({ port: port('sink'), host: '' }));
    s.once('connect', () => s.end());
    await t.closed(s);
  }),

  scenario('connect', 'host "localhost": lookup(null, address, family, host) then connectionAttempt', async (net, { t, port }) => {
    const s = t.watch(net.connect({ port: port('sink'), host: 'localhost' }));
    s.once('connect', () => s.end());
    await t.closed(s);
  }),

  scenario('connect', 'localhost with family 4', async (net, { t, port }) => {
    const s = t.watch(net.connect({ port: port('sink'), host: 'localhost', family: 4 }));
    s.once('connect', () => s.end());
    await t.closed(s);
  }),

  scenario('connect', 'an IP literal never emits lookup', async (net, { t, port }) => {
    const s = t.watch(net.connect({ port: port('sink'), host: HOST }));
    let lookups = 0;
    s.on('lookup', () => lookups++);
    s.once('connect', () => s.end());
    await t.closed(s);
    t.note('lookups', lookups);
  }),

  scenario('connect', 'IPv6 literal ::1 with nothing listening: connect error', async (net, { t, port }) => {
    const s = t.watch(net.connect({ port: port('sink'), host: '::1' }));
    await t.closed(s);
  }),

  scenario('connect', 'TCP options (noDelay, keepAlive, localAddress) accepted', async (net, { t, port }) => {
    const s = t.watch(net.connect({ port: port('sink'), host: HOST, noDelay: true, keepAlive: true, keepAliveInitialDelay: 1000, localAddress: HOST }));
    s.once('connect', () => {
      t.note('chained', s.setNoDelay(false) === s, s.setKeepAlive(true, 500) === s, s.ref() === s, s.unref() === s);
      s.ref();
      s.end();
    });
    await t.closed(s);
  }),

  scenario('connect', 'setNoDelay / setKeepAlive / ref / unref before connect return this', async (net, { t, port }) => {
    const s = t.watch(new net.Socket());
    t.note('before', s.setNoDelay() === s, s.setKeepAlive(true) === s, s.unref() === s, s.ref() === s);
    s.connect(port('sink'), HOST);
    s.once('connect', () => s.end());
    await t.closed(s);
  }),

  scenario('connect', 'connect listener from the callback runs before later listeners', async (net, { t, port }) => {
    const s = net.connect(port('sink'), HOST, t.cb('first'));
    s.on('connect', t.cb('second'));
    s.prependListener('connect', t.cb('prepended'));
    s.on('ready', t.cb('ready'));
    s.once('connect', () => s.end());
    await t.closed(s);
  }),

  scenario('connect', 'connect() while already connecting', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('sink'), HOST, t.cb('first')));
    t.try('second connect', () => s.connect(port('sink'), HOST, t.cb('second')));
    t.sample('after second connect()', s);
    s.once('connect', () => s.end());
    await t.closed(s);
    t.note('connect listeners left', s.listenerCount('connect'));
  }),

  scenario('lookup', 'custom lookup: called with (host, options), result used, lookup event', async (net, { t, port }) => {
    const lookup = (host: string, options: object, cb: (e: Error | null, a?: unknown, f?: number) => void): void => {
      t.note('lookup called', host, options);
      cb(null, '127.0.0.1', 4);
    };
    const s = t.watch(new net.Socket());
    s.connect({ port: port('sink'), host: 'example.invalid', lookup });
    s.once('connect', () => s.end());
    await t.closed(s);
  }),

  scenario('lookup', 'custom lookup with family 4 and hints', async (net, { t, port }) => {
    const lookup = (host: string, options: object, cb: (e: Error | null, a?: unknown, f?: number) => void): void => {
      t.note('lookup called', host, options);
      cb(null, '127.0.0.1', 4);
    };
    const s = t.watch(new net.Socket());
    s.connect({ port: port('sink'), host: 'example.invalid', family: 4, hints: 0, lookup });
    s.once('connect', () => s.end());
    await t.closed(s);
  }),

  scenario('lookup', 'custom lookup answering an array (all: true), one address', async (net, { t, port }) => {
    const lookup = (_host: string, options: { all?: boolean }, cb: (e: Error | null, a?: unknown, f?: number) => void): void => {
      if (options.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
      else cb(null, '127.0.0.1', 4);
    };
    const s = t.watch(new net.Socket());
    s.connect({ port: port('sink'), host: 'example.invalid', lookup });
    s.once('connect', () => s.end());
    await t.closed(s);
  }),

  scenario('lookup', 'custom lookup answering two addresses: the first refuses, the second connects', async (net, { t, port }) => {
    const lookup = (_host: string, options: { all?: boolean }, cb: (e: Error | null, a?: unknown, f?: number) => void): void => {
      if (options.all) cb(null, [{ address: '127.0.0.2', family: 4 }, { address: '127.0.0.1', family: 4 }]);
      else cb(null, '127.0.0.2', 4);
    };
    const s = t.watch(new net.Socket());
    s.connect({ port: port('sink'), host: 'example.invalid', lookup });
    s.once('connect', () => {
      t.note('attempted', s['autoSelectFamilyAttemptedAddresses']);
      s.end();
    });
    await t.closed(s);
  }),

  scenario('lookup', 'custom lookup answering two addresses that both refuse: AggregateError', async (net, { t, port }) => {
    const lookup = (_host: string, options: { all?: boolean }, cb: (e: Error | null, a?: unknown, f?: number) => void): void => {
      if (options.all) cb(null, [{ address: '127.0.0.2', family: 4 }, { address: '127.0.0.3', family: 4 }]);
      else cb(null, '127.0.0.2', 4);
    };
    const s = t.watch(new net.Socket());
    s.connect({ port: port('closed'), host: 'example.invalid', lookup });
    await t.closed(s);
    t.note('attempted', s['autoSelectFamilyAttemptedAddresses']);
  }),

  scenario('lookup', 'custom lookup error: lookup(err) then error, close(true)', async (net, { t, port }) => {
    const failure = Object.assign(new Error('custom lookup failed'), { code: 'EAI_FAIL' });
    const lookup = (_host: string, _options: object, cb: (e: Error | null) => void): void => cb(failure);
    const s = t.watch(new net.Socket());
    s.connect({ port: port('sink'), host: 'example.invalid', lookup });
    await t.closed(s);
  }),

  scenario('lookup', 'custom lookup answering a non-IP: ERR_INVALID_IP_ADDRESS', async (net, { t, port }) => {
    const lookup = (_host: string, _options: object, cb: (e: Error | null, a?: unknown, f?: number) => void): void => cb(null, 'not-an-ip', 4);
    const s = t.watch(new net.Socket());
    s.connect({ port: port('sink'), host: 'example.invalid', family: 4, lookup });
    await t.closed(s);
  }),

  scenario('lookup', 'custom lookup answering family 100: ERR_INVALID_ADDRESS_FAMILY', async (net, { t, port }) => {
    const lookup = (_host: string, _options: object, cb: (e: Error | null, a?: unknown, f?: number) => void): void => cb(null, '127.0.0.1', 100);
    const s = t.watch(new net.Socket());
    s.connect({ port: port('sink'), host: 'example.invalid', family: 4, lookup });
    await t.closed(s);
  }),

  scenario('lookup', 'custom lookup answering synchronously vs connect listeners', async (net, { t, port }) => {
    const lookup = (_host: string, _options: object, cb: (e: Error | null, a?: unknown, f?: number) => void): void => {
      t.line('lookup runs');
      cb(null, '127.0.0.1', 4);
      t.line('lookup returned');
    };
    const s = t.watch(new net.Socket());
    s.connect({ port: port('sink'), host: 'sync.invalid', family: 4, lookup });
    t.line('connect returned');
    s.once('connect', () => s.end());
    await t.closed(s);
  }),

  scenario('lookup', 'DNS failure: getaddrinfo ENOTFOUND with hostname, no port', async (net, { t }) => {
    const s = t.watch(net.connect({ port: 80, host: 'nosuch.invalid' }));
    await t.closed(s);
  }),

  scenario('lookup', 'DNS failure with family 4', async (net, { t }) => {
    const s = t.watch(net.connect({ port: 80, host: 'nosuch.invalid', family: 4 }));
    await t.closed(s);
  }),

  scenario('lookup', 'DNS failure: a write queued before it gets ERR_SOCKET_CLOSED_BEFORE_CONNECTION', async (net, { t }) => {
    const s = t.watch(net.connect({ port: 80, host: 'nosuch.invalid' }));
    s.write('queued', t.cb('write'));
    await t.closed(s);
  }),

  scenario('errors', 'ECONNREFUSED: connectionAttemptFailed? error, close(true), shape', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('closed'), HOST));
    await t.closed(s);
    t.note('errored', s['errored']);
  }),

  scenario('errors', 'ECONNREFUSED through localhost', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('closed'), 'localhost'));
    await t.closed(s);
  }),

  scenario('errors', 'localAddress bind conflict: the error names Local', async (net, { t, port }) => {
    const s = t.watch(net.connect({ port: port('sink'), host: HOST, localAddress: HOST, localPort: port('echo') }));
    await t.closed(s);
  }),
];
