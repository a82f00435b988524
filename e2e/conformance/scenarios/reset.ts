/**
 * Resets and errors: resetAndDestroy() from either side (ECONNRESET on the
 * peer), twice, while connecting, without a handle, inside 'error'; destroy()
 * inside 'error' gives exactly one 'close'.
 */
import { type Scenario, scenario } from '../harness.ts';

const HOST = '127.0.0.1';

export const resetScenarios: Scenario[] = [
  scenario('reset', 'resetAndDestroy() connected: close(false); the peer sees ECONNRESET', async (net, { t, port, peer }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    s.once('connect', () => {
      t.note('returns this', s.resetAndDestroy() === s);
      t.sample('after resetAndDestroy()', s);
    });
    await t.closed(s);
    t.note('peer', await peer('sink'));
  }),

  scenario('reset', 'resetAndDestroy() twice', async (net, { t, port, peer }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    s.once('connect', () => {
      s.resetAndDestroy();
      t.try('second resetAndDestroy()', () => s.resetAndDestroy() === s);
    });
    await t.closed(s);
    t.note('peer', await peer('sink'));
  }),

  scenario('reset', 'resetAndDestroy() after data was written', async (net, { t, port, peer }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    s.once('connect', () => {
      s.write('some bytes', t.cb('write'));
      setTimeout(() => s.resetAndDestroy(), 20);
    });
    await t.closed(s);
    t.note('peer', await peer('sink'));
  }),

  scenario('reset', 'resetAndDestroy() while connecting waits for connect', async (net, { t, port, peer }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    s.resetAndDestroy();
    t.sample('after resetAndDestroy()', s);
    await t.closed(s);
    t.note('peer', await peer('sink'));
  }),

  scenario('reset', 'resetAndDestroy() without a handle: ERR_SOCKET_CLOSED', async (net, { t }) => {
    const s = t.watch(new net.Socket());
    s.resetAndDestroy();
    await t.closed(s);
  }),

  scenario('reset', 'resetAndDestroy() after close: nothing more', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    s.once('connect', () => s.end());
    await t.closed(s);
    t.try('resetAndDestroy() after close', () => s.resetAndDestroy() === s);
    await new Promise((r) => setTimeout(r, 20));
  }),

  scenario('reset', 'the peer resets: read ECONNRESET, error, close(true)', async (net, { t, port, peer }) => {
    const s = t.watch(net.connect(port('resetOnData'), HOST));
    s.once('connect', () => s.write('x', t.cb('write')));
    await t.closed(s);
    t.note('peer', await peer('resetOnData'));
  }),

  scenario('reset', 'resetAndDestroy() inside error (after a peer reset)', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('resetOnData'), HOST));
    s.once('connect', () => s.write('x'));
    s.once('error', () => {
      t.try('resetAndDestroy in error', () => s.resetAndDestroy() === s);
      t.try('resetAndDestroy in error again', () => s.resetAndDestroy() === s);
    });
    await t.closed(s);
    await new Promise((r) => setTimeout(r, 20));
  }),

  scenario('reset', 'resetAndDestroy() inside error (connection refused)', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('closed'), HOST));
    s.once('error', () => t.try('resetAndDestroy in error', () => s.resetAndDestroy() === s));
    await t.closed(s);
    await new Promise((r) => setTimeout(r, 20));
  }),

  scenario('reset', 'destroy() inside error gives exactly one close', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('closed'), HOST));
    let closes = 0;
    s.on('close', () => closes++);
    s.once('error', () => {
      s.destroy();
      s.destroy(new Error('again'));
    });
    await t.closed(s);
    await new Promise((r) => setTimeout(r, 30));
    t.note('closes', closes);
  }),

  scenario('reset', 'destroy() inside error after a peer reset gives exactly one close', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('resetOnData'), HOST));
    let closes = 0;
    s.on('close', () => closes++);
    s.once('connect', () => s.write('x'));
    s.once('error', () => s.destroy());
    await t.closed(s);
    await new Promise((r) => setTimeout(r, 30));
    t.note('closes', closes);
  }),

  scenario('reset', 'destroy(err) inside error: still one error, one close', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('closed'), HOST));
    s.once('error', () => s.destroy(new Error('second')));
    await t.closed(s);
    await new Promise((r) => setTimeout(r, 30));
  }),

  scenario('reset', 'write after the peer reset', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('resetOnData'), HOST));
    s.once('connect', () => s.write('x'));
    s.once('error', () => {
      t.note('write returns', s.write('y', t.cb('write after reset', s)));
    });
    await t.closed(s);
  }),

  scenario('reset', 'no listener leaks after a refused connect with queued writes', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('closed'), HOST));
    s.write('queued');
    await t.closed(s);
    t.note('listeners', ['connect', 'close', 'end', 'error', 'data', 'drain', 'timeout', 'finish'].map((e) => `${e}=${s.listenerCount(e)}`).join(' '));
  }),
];
