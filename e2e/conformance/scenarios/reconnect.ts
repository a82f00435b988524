/**
 * Re-using one Socket object: connect again after close (many times, with
 * setEncoding kept), after an error, after destroy(), and the counters across
 * connections.
 */
import { type Scenario, type SocketLike, scenario } from '../harness.ts';

const HOST = '127.0.0.1';

export const reconnectScenarios: Scenario[] = [
  scenario('reconnect', 'the same Socket reconnected 5 times, setEncoding kept', async (net, { t, port }) => {
    const s = t.watch(new net.Socket());
    s.setEncoding('utf8');
    for (let i = 0; i < 5; i++) {
      t.line(`round ${i}`);
      s.connect(port('echo'), HOST, () => s.end(`round ${i} €`));
      await t.closed(s);
    }
    t.sample('final', s);
  }),

  scenario('reconnect', 'reconnect 30 times from inside close', async (net, { t, port }) => {
    const s = new net.Socket();
    let rounds = 0;
    const log: string[] = [];
    s.setEncoding('utf8');
    s.on('data', (d: string) => log.push(`${rounds}:${d}`));
    await new Promise<void>((resolve) => {
      s.on('close', (hadError: boolean) => {
        if (hadError) log.push(`error close ${rounds}`);
        if (++rounds < 30) s.connect(port('echo'), HOST, () => s.end(String(rounds)));
        else resolve();
      });
      s.connect(port('echo'), HOST, () => s.end('0'));
    });
    t.note('rounds', rounds);
    t.note('log', log.join(' '));
    t.sample('final', s);
  }, { timeout: 15000 }),

  scenario('reconnect', 'reconnect after ECONNREFUSED', async (net, { t, port }) => {
    const s = t.watch(new net.Socket());
    s.connect(port('closed'), HOST);
    await t.closed(s);
    t.line('again');
    s.connect(port('echo'), HOST, () => s.end('second'));
    await t.closed(s);
  }),

  scenario('reconnect', 'reconnect after destroy() while connecting', async (net, { t, port }) => {
    const s = t.watch(new net.Socket());
    s.connect(port('sink'), HOST);
    s.destroy();
    await t.closed(s);
    t.line('again');
    s.connect(port('sink'), HOST, () => s.end());
    await t.closed(s);
  }),

  scenario('reconnect', 'reconnect after EPIPE restores write()', async (net, { t, port }) => {
    const s = t.watch(new net.Socket());
    s.connect(port('endFirst'), HOST);
    s.once('end', () => s.write('late', t.cb('late write')));
    await t.closed(s);
    t.line('again');
    s.connect(port('echo'), HOST, () => {
      t.note('write', s.write('works', t.cb('write')));
      s.end();
    });
    await t.closed(s);
  }),

  scenario('reconnect', 'counters across reconnects (bytesRead, bytesWritten)', async (net, { t, port }) => {
    const s = new net.Socket();
    s.resume();
    const rounds = async (payload: string): Promise<void> => {
      s.connect(port('echo'), HOST, () => s.end(payload));
      await t.closed(s as SocketLike);
      t.note(`after ${payload}`, s['bytesRead'], s['bytesWritten']);
    };
    await rounds('abc');
    await rounds('defgh');
    await rounds('€');
  }),

  scenario('reconnect', 'connect() again while still open (not closed yet)', async (net, { t, port }) => {
    const s = t.watch(new net.Socket());
    s.connect(port('sink'), HOST);
    await t.event(s, 'connect');
    t.try('connect again while open', () => s.connect(port('echo'), HOST) === s);
    t.sample('after', s);
    await new Promise((r) => setTimeout(r, 50));
    s.destroy();
    await t.closed(s);
  }),
];
