/**
 * A socket's life: properties before, during and after a connection, the
 * normal close sequences, destroy() in every state, destroySoon(), end() in
 * every state and every end() overload.
 */
import { type Scenario, scenario } from '../harness.ts';

const HOST = '127.0.0.1';

export const lifecycleScenarios: Scenario[] = [
  scenario('lifecycle', 'a new Socket: readyState open, pending, no handle properties', async (net, { t }) => {
    const s = new net.Socket();
    t.sample('new', s);
    t.note('timeout', s['timeout']);
    t.note('allowHalfOpen', s['allowHalfOpen']);
    t.note('end listeners', s.listenerCount('end'));
    t.note('server', s['server'], s['_server']);
    t.note('connecting', s['connecting'], s['_connecting']);
    t.note('writableHighWaterMark', s['writableHighWaterMark'], s['readableHighWaterMark']);
    t.note('writableLength', s['writableLength'], 'readableLength', s['readableLength']);
    t.note('readableFlowing', s['readableFlowing'], 'isPaused', s.isPaused());
    t.note('Socket.prototype.bytesWritten', Object.getOwnPropertyDescriptor(net.Socket.prototype, 'bytesWritten') ? 'getter' : 'none');
    const proto = net.Socket.prototype as Record<string, unknown>;
    for (const name of ['bytesWritten', 'bytesRead', 'remoteAddress', 'localPort', 'bufferSize', 'pending', 'readyState']) {
      t.try(`Socket.prototype.${name}`, () => proto[name]);
    }
    t.note('instanceof', s instanceof net.Socket, 'Socket.length', net.Socket.length);
    s.destroy();
    await t.closed(s);
  }),

  scenario('lifecycle', 'new Socket({allowHalfOpen, readable, writable}) options', async (net, { t }) => {
    const s = new net.Socket({ allowHalfOpen: true, readable: false, writable: false });
    t.sample('new', s);
    t.note('allowHalfOpen', s['allowHalfOpen']);
    const s2 = new net.Socket({ allowHalfOpen: 1 as unknown as boolean });
    t.note('allowHalfOpen from 1', s2['allowHalfOpen']);
    s.destroy();
    s2.destroy();
    await t.closed(s2);
  }),

  scenario('lifecycle', 'properties while connecting', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    t.sample('sync after connect', s);
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    t.sample('after a microtask', s);
    s.once('connect', () => s.end());
    await t.closed(s);
  }),

  scenario('lifecycle', 'echo: write, read, end, close with every property', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('echo'), HOST), 'c', { extra: ['prefinish'] });
    s.once('connect', () => {
      s.write('hello');
      s.once('data', () => s.end());
    });
    await t.closed(s);
    t.sample('after close', s);
  }),

  scenario('lifecycle', 'the server ends first (allowHalfOpen false): data, end, finish, close', async (net, { t, port, peer }) => {
    const s = t.watch(net.connect(port('helloEnd'), HOST), 'c', { extra: ['prefinish'] });
    await t.closed(s);
    t.sample('after close', s);
    t.note('peer', await peer('helloEnd'));
  }),

  scenario('lifecycle', 'properties after close: pending again, remote kept, local gone', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    s.once('connect', () => s.destroy());
    await t.closed(s);
    t.sample('after close', s);
    t.note('remote kept', s['remoteAddress'], s['remoteFamily']);
    t.note('closed', s['closed'], 'errored', s['errored']);
  }),

  scenario('lifecycle', 'destroy() while connecting: close(false) only, pending write cb errs', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    s.write('x', t.cb('write'));
    t.note('destroy returns this', s.destroy() === s);
    t.sample('after destroy()', s);
    await t.closed(s);
  }),

  scenario('lifecycle', 'destroy() right after connect event', async (net, { t, port, peer }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    s.once('connect', () => {
      s.destroy();
      t.sample('after destroy()', s);
    });
    await t.closed(s);
    t.note('peer', await peer('sink'));
  }),

  scenario('lifecycle', 'destroy(err) connected: error then close(true), errored', async (net, { t, port, peer }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    s.once('connect', () => s.destroy(Object.assign(new Error('boom'), { code: 'EBOOM' })));
    await t.closed(s);
    t.note('errored', s['errored']);
    t.note('peer', await peer('sink'));
  }),

  scenario('lifecycle', 'destroy() twice and destroy(err) after destroy(): one close', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    s.once('connect', () => {
      s.destroy();
      s.destroy();
      s.destroy(new Error('late'));
    });
    await t.closed(s);
    await new Promise((r) => setTimeout(r, 20));
  }),

  scenario('lifecycle', 'destroy() on a never-connected socket: close with no argument', async (net, { t }) => {
    const s = t.watch(new net.Socket());
    s.destroy();
    t.sample('after destroy()', s);
    await t.closed(s);
  }),

  scenario('lifecycle', 'destroy(err) on a never-connected socket', async (net, { t }) => {
    const s = t.watch(new net.Socket());
    s.destroy(new Error('never connected'));
    await t.closed(s);
  }),

  scenario('lifecycle', 'destroySoon() on a connected socket', async (net, { t, port, peer }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    s.once('connect', () => {
      s.write('bye');
      s.destroySoon();
      t.sample('after destroySoon()', s);
    });
    await t.closed(s);
    t.note('peer', await peer('sink'));
  }),

  scenario('lifecycle', 'destroySoon() while connecting', async (net, { t, port, peer }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    s.write('early');
    s.destroySoon();
    await t.closed(s);
    t.note('peer', await peer('sink'));
  }),

  scenario('lifecycle', 'end() on a never-connected socket neither throws nor closes', async (net, { t }) => {
    const s = t.watch(new net.Socket());
    t.try('end()', () => s.end() === s);
    await new Promise((r) => setTimeout(r, 30));
    t.sample('30 ms later', s);
    s.destroy();
    await t.closed(s);
  }),

  scenario('lifecycle', 'end(data) while connecting: connect, finish, end, close; data delivered', async (net, { t, port, peer }) => {
    const s = t.watch(net.connect(port('replyAfterEnd'), HOST), 'c', { extra: ['prefinish'] });
    t.try('end("early")', () => s.end('early') === s);
    t.sample('after end()', s);
    await t.closed(s);
    t.note('peer', await peer('replyAfterEnd'));
  }),

  scenario('lifecycle', 'end overloads: end(cb), end(data, cb), end(data, enc, cb), end(data, enc)', async (net, { t, port, peer }) => {
    const calls: Array<(s: ReturnType<typeof net.connect>) => void> = [
      (s) => s.end(t.cb('end(cb)')),
      (s) => s.end('a', t.cb('end(data, cb)')),
      (s) => s.end('62', 'hex', t.cb('end(data, enc, cb)')),
      (s) => s.end('Yw==', 'base64'),
      (s) => s.end(new Uint8Array([100]), t.cb('end(Uint8Array, cb)')),
    ];
    let i = 0;
    for (const call of calls) {
      const s = t.watch(net.connect(port('replyAfterEnd'), HOST), `c${i++}`);
      s.once('connect', () => call(s));
      await t.closed(s);
      t.note('peer', await peer('replyAfterEnd'));
    }
  }),

  scenario('lifecycle', 'end() twice: the second callback', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    s.once('connect', () => {
      s.end(t.cb('first end'));
      s.end(t.cb('second end'));
    });
    await t.closed(s);
  }),

  scenario('lifecycle', 'end() after the peer ended (allowHalfOpen false) is harmless', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('endFirst'), HOST));
    s.once('end', () => {
      t.try('end() in end', () => s.end(t.cb('end cb')) === s);
    });
    await t.closed(s);
  }),

  scenario('lifecycle', 'readyState through allowHalfOpen client end(): readOnly until the peer ends', async (net, { t, port, peer }) => {
    const s = t.watch(net.connect({ port: port('replyAfterEnd'), host: HOST, allowHalfOpen: true }));
    s.once('connect', () => {
      s.end('q');
      t.sample('after end()', s);
    });
    await t.closed(s);
    t.note('peer', await peer('replyAfterEnd'));
  }),
];
