/**
 * allowHalfOpen in each creation style (net.connect, net.createConnection,
 * new Socket().connect), with either side ending first.
 */
import { type NetLike, type Scenario, type SocketLike, scenario } from '../harness.ts';

const HOST = '127.0.0.1';

type Make = (net: NetLike, port: number) => SocketLike;

const styles: Array<[string, Make]> = [
  ['net.connect', (net, port) => net.connect({ port, host: HOST, allowHalfOpen: true })],
  ['net.createConnection', (net, port) => net.createConnection({ port, host: HOST, allowHalfOpen: true })],
  ['new Socket({allowHalfOpen}).connect', (net, port) => new net.Socket({ allowHalfOpen: true }).connect(port, HOST)],
];

export const halfOpenScenarios: Scenario[] = [
  ...styles.map(([style, make]) =>
    scenario('half-open', `${style} allowHalfOpen: the server ends first, the client keeps writing`, async (net, { t, port, peer }) => {
      const s = t.watch(make(net, port('endFirst')));
      s.once('end', () => {
        t.sample('in end', s);
        s.write('after-fin', t.cb('write', s));
        setTimeout(() => s.end('bye', t.cb('end', s)), 10);
      });
      await t.closed(s);
      t.note('peer', await peer('endFirst'));
    })),

  ...styles.map(([style, make]) =>
    scenario('half-open', `${style} allowHalfOpen: the client ends first, the reply arrives after its FIN`, async (net, { t, port, peer }) => {
      const s = t.watch(make(net, port('replyAfterEnd')));
      s.once('connect', () => {
        s.end('request');
        t.sample('after end()', s);
      });
      await t.closed(s);
      t.note('peer', await peer('replyAfterEnd'));
    })),

  scenario('half-open', 'allowHalfOpen false: the client ends first, the reply still arrives', async (net, { t, port, peer }) => {
    const s = t.watch(net.connect({ port: port('replyAfterEnd'), host: HOST }));
    s.once('connect', () => s.end('request'));
    await t.closed(s);
    t.note('peer', await peer('replyAfterEnd'));
  }),

  scenario('half-open', 'allowHalfOpen false: the peer FIN ends our side on the next tick', async (net, { t, port, peer }) => {
    const s = t.watch(net.connect({ port: port('endFirst'), host: HOST }), 'c', { extra: ['prefinish'] });
    s.once('end', () => {
      t.sample('in end', s);
      t.note('writableEnded in end', s['writableEnded']);
      queueMicrotask(() => t.note('writableEnded after a microtask', s['writableEnded']));
    });
    await t.closed(s);
    t.note('peer', await peer('endFirst'));
  }),

  scenario('half-open', 'allowHalfOpen: end() inside end → finish, close(false)', async (net, { t, port, peer }) => {
    const s = t.watch(net.connect({ port: port('helloEnd'), host: HOST, allowHalfOpen: true }));
    s.on('end', () => s.end());
    await t.closed(s);
    t.note('peer', await peer('helloEnd'));
  }),
];
