/**
 * socket.setTimeout: fires on idle, refreshed by I/O, cancelled by 0, never
 * destroys, works on a never-connected socket, is a no-op after destroy, and
 * net.connect's `timeout` option.
 */
import { type Scenario, scenario } from '../harness.ts';

const HOST = '127.0.0.1';

export const timeoutScenarios: Scenario[] = [
  scenario('timeout', 'setTimeout fires on idle and does not destroy', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    s.once('connect', () => {
      t.note('returns this', s.setTimeout(40) === s);
      t.note('timeout', s['timeout']);
    });
    s.once('timeout', () => {
      t.sample('in timeout', s);
      setTimeout(() => s.end(), 10);
    });
    await t.closed(s);
  }),

  scenario('timeout', 'setTimeout(ms, cb): cb is a once listener', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    s.setTimeout(30, t.cb('timeout cb'));
    t.note('timeout listeners', s.listenerCount('timeout'));
    let n = 0;
    s.on('timeout', () => {
      if (++n === 2) s.destroy();
    });
    await t.closed(s);
    t.note('timeout listeners after', s.listenerCount('timeout'));
  }),

  scenario('timeout', 'I/O refreshes the idle timer', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('echo'), HOST));
    let started = 0;
    s.once('connect', () => {
      started = Date.now();
      s.setTimeout(80);
      setTimeout(() => s.write('x'), 50);
    });
    s.once('timeout', () => {
      t.note('fired after the write pushed it back', Date.now() - started >= 120);
      s.destroy();
    });
    await t.closed(s);
  }),

  scenario('timeout', 'setTimeout(0) cancels, and removes the given callback', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    const cb = t.cb('timeout cb');
    s.once('connect', () => {
      s.setTimeout(20, cb);
      s.setTimeout(0, cb);
      t.note('timeout', s['timeout'], 'listeners', s.listenerCount('timeout'));
      setTimeout(() => s.end(), 60);
    });
    await t.closed(s);
  }),

  scenario('timeout', 'setTimeout on a never-connected socket fires', async (net, { t }) => {
    const s = t.watch(new net.Socket());
    s.setTimeout(20);
    await t.event(s, 'timeout', 1000);
    t.sample('after timeout', s);
    s.destroy();
    await t.closed(s);
  }),

  scenario('timeout', 'setTimeout after destroy is a no-op returning this', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    s.once('connect', () => s.destroy());
    await t.closed(s);
    t.note('returns this', s.setTimeout(10, t.cb('never')) === s);
    t.note('timeout', s['timeout'], 'listeners', s.listenerCount('timeout'));
    await new Promise((r) => setTimeout(r, 40));
  }),

  scenario('timeout', 'net.connect({timeout}): an idle timer from creation', async (net, { t, port }) => {
    const s = t.watch(net.connect({ port: port('sink'), host: HOST, timeout: 30 }));
    t.note('timeout', s['timeout']);
    s.once('timeout', () => s.end());
    await t.closed(s);
  }),

  scenario('timeout', 'timeout while connecting to a refused port never fires', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('closed'), HOST));
    s.setTimeout(15);
    await t.closed(s);
    await new Promise((r) => setTimeout(r, 40));
  }),

  scenario('timeout', 'the idle timer fires once per idle period, again after I/O', async (net, { t, port }) => {
    // A sink: an echo's reply raced the next 15 ms period on a loaded machine (the trace
    // then had 'data' after 'timeout' through the tunnel, before it in Node).
    const s = t.watch(net.connect(port('sink'), HOST));
    let n = 0;
    // Armed once connected: a tunnel's connect can take longer than the 15 ms idle period.
    s.once('connect', () => s.setTimeout(15));
    s.on('timeout', () => {
      n++;
      if (n === 1) setTimeout(() => s.write('x'), 40);
      else setTimeout(() => s.end(), 40);
    });
    await t.closed(s);
    t.note('timeouts', n);
  }),
];
