/**
 * AbortSignal: aborted before construction, during connect, after connect,
 * after close; AbortError shape with its cause; 'abort' listener counts.
 */
import { type Scenario, scenario } from '../harness.ts';

const HOST = '127.0.0.1';

export const abortScenarios: Scenario[] = [
  scenario('abort', 'signal already aborted: error AbortError, close(true), no connect', async (net, { t, port }) => {
    // Node 20 destroys inside the constructor and then revives the socket (initSocketHandle):
    // the error and close() arrive, yet the connection proceeds.
    const signal = AbortSignal.abort();
    const s = t.watch(net.connect({ port: port('sink'), host: HOST, signal }));
    t.sample('sync', s);
    await t.closed(s);
    await t.event(s, 'connect', 1000);
    s.destroy();
    await t.closed(s);
  }),

  scenario('abort', 'signal aborted with a reason before new Socket', async (net, { t, port }) => {
    const controller = new AbortController();
    controller.abort(Object.assign(new Error('my reason'), { code: 'EMINE' }));
    const s = t.watch(new net.Socket({ signal: controller.signal }));
    t.sample('new', s);
    s.connect(port('sink'), HOST);
    await t.closed(s);
    await t.event(s, 'connect', 1000);
    s.destroy();
    await t.closed(s);
  }),

  scenario('abort', 'abort while connecting', async (net, { t, port }) => {
    const controller = new AbortController();
    const s = t.watch(net.connect({ port: port('sink'), host: HOST, signal: controller.signal }));
    s.write('x', t.cb('write', s));
    controller.abort();
    t.sample('after abort()', s);
    await t.closed(s);
  }),

  scenario('abort', 'abort after connect', async (net, { t, port, peer }) => {
    const controller = new AbortController();
    const s = t.watch(net.connect({ port: port('sink'), host: HOST, signal: controller.signal }));
    s.once('connect', () => controller.abort());
    await t.closed(s);
    t.note('peer', await peer('sink'));
  }),

  scenario('abort', 'abort after close does nothing', async (net, { t, port }) => {
    const controller = new AbortController();
    const s = t.watch(net.connect({ port: port('sink'), host: HOST, signal: controller.signal }));
    s.once('connect', () => s.end());
    await t.closed(s);
    controller.abort();
    await new Promise((r) => setTimeout(r, 20));
    t.sample('after abort', s);
  }),

  scenario('abort', 'abort listener counts: sync, after a tick, aborted', async (net, { t, port, listenerCount }) => {
    const controller = new AbortController();
    const s = t.watch(new net.Socket({ signal: controller.signal }));
    t.note('after new Socket', listenerCount(controller.signal, 'abort'));
    await new Promise<void>((r) => setTimeout(r, 0));
    t.note('after a tick', listenerCount(controller.signal, 'abort'));
    s.connect(port('sink'), HOST);
    await t.event(s, 'connect');
    t.note('connected', listenerCount(controller.signal, 'abort'));
    s.end();
    await t.closed(s);
    t.note('after close', listenerCount(controller.signal, 'abort'));
    const signal = AbortSignal.abort();
    const aborted = new net.Socket({ signal });
    aborted.on('error', () => {});
    t.note('already aborted', listenerCount(signal, 'abort'));
    await new Promise<void>((r) => aborted.once('close', () => r()));
    await new Promise<void>((r) => setTimeout(r, 0));
    t.note('already aborted, after a tick', listenerCount(signal, 'abort'));
  }, { needs: ['listenerCounts'] }),

  scenario('abort', 'abort during a DNS lookup', async (net, { t }) => {
    const controller = new AbortController();
    const s = t.watch(net.connect({ port: 80, host: 'nosuch.invalid', signal: controller.signal }));
    controller.abort();
    await t.closed(s);
  }),
];
