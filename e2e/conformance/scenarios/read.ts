/**
 * Reading: pause()/resume() before connect, setEncoding (multi-byte
 * characters split across chunks), onread with a static buffer and with a
 * function, 'readable' and read(n), async iteration.
 */
import { type Scenario, scenario } from '../harness.ts';

const HOST = '127.0.0.1';

export const readScenarios: Scenario[] = [
  scenario('read', 'pause() before connect: no data until resume()', async (net, { t, port, sleep }) => {
    const s = t.watch(net.connect(port('greet'), HOST), 'c', { extra: ['pause', 'resume'] });
    t.note('pause returns this', s.pause() === s);
    t.note('isPaused', s.isPaused());
    s.once('connect', () => {
      t.sample('connect (paused)', s);
      void sleep(40).then(() => {
        t.note('readableLength while paused', s['readableLength'], 'bytesRead', s['bytesRead']);
        s.resume();
        s.end();
      });
    });
    await t.closed(s);
  }),

  scenario('read', 'pause() before connect then a data listener: stays paused', async (net, { t, port, sleep }) => {
    const s = t.watch(net.connect(port('greet'), HOST), 'c', { events: ['connect', 'end', 'close'] });
    s.pause();
    s.on('data', t.cb('data'));
    t.note('isPaused', s.isPaused(), 'flowing', s['readableFlowing']);
    await t.event(s, 'connect');
    await sleep(30);
    s.resume();
    await sleep(20);
    s.end();
    await t.closed(s);
  }),

  scenario('read', 'pause/resume events and readableFlowing', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('echo'), HOST), 'c', { extra: ['pause', 'resume'] });
    s.once('connect', () => {
      t.note('flowing', s['readableFlowing']);
      s.pause();
      t.note('flowing', s['readableFlowing']);
      s.write('abc');
      // Resume once the echo is buffered (a fixed 30 ms raced it on a loaded machine, on
      // either side, and the traces differed in when 'abc' was read).
      const resumeWhenBuffered = (): void => {
        if ((s['readableLength'] as number) < 3) {
          setTimeout(resumeWhenBuffered, 5);
          return;
        }
        s.resume();
        s.end();
      };
      resumeWhenBuffered();
    });
    await t.closed(s);
  }),

  scenario('read', 'setEncoding("utf8") with multi-byte characters split across chunks', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('utf8Split'), HOST), 'c', { chunks: true });
    t.note('setEncoding returns this', s.setEncoding('utf8') === s);
    const parts: string[] = [];
    s.on('data', (chunk: unknown) => parts.push(typeof chunk));
    await t.closed(s);
    t.note('all strings', parts.every((p) => p === 'string'));
  }),

  scenario('read', 'without setEncoding the split chunks are Buffers', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('utf8Split'), HOST), 'c', { chunks: true });
    await t.closed(s);
  }),

  scenario('read', 'setEncoding hex / base64 / latin1', async (net, { t, port }) => {
    for (const encoding of ['hex', 'base64', 'latin1']) {
      const s = t.watch(net.connect(port('bytes16'), HOST), encoding);
      s.setEncoding(encoding);
      await t.closed(s);
    }
  }),

  scenario('read', 'readable event and read(n)', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('bytes16'), HOST), 'c', { events: ['connect', 'end', 'close'] });
    const reads: unknown[] = [];
    s.on('readable', () => {
      let chunk: unknown;
      while ((chunk = s.read(5)) !== null) reads.push(chunk);
    });
    await t.closed(s);
    t.note('reads', reads.map((r) => (r as Uint8Array).length).join(','));
    t.note('bytesRead', s['bytesRead']);
  }),

  scenario('read', 'async iteration collects everything', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('bytes16'), HOST), 'c', { events: ['connect', 'end', 'close'] });
    let total = '';
    for await (const chunk of s) total += String(chunk);
    t.note('total', total);
    await t.closed(s);
  }),

  scenario('read', 'onread with a static buffer: callbacks instead of data', async (net, { t, port }) => {
    const buffer = new Uint8Array(4);
    const calls: string[] = [];
    const s = t.watch(net.connect({
      port: port('bytes16'),
      host: HOST,
      onread: {
        buffer,
        callback(nread: number, buf: Uint8Array) {
          calls.push(`${nread}:${buf === buffer}:${String.fromCharCode(...buf.subarray(0, nread))}`);
        },
      },
    }), 'c', { events: ['connect', 'data', 'end', 'close'] });
    await t.closed(s);
    t.note('calls', calls);
    t.note('bytesRead', s['bytesRead']);
  }),

  scenario('read', 'onread with a buffer function', async (net, { t, port }) => {
    let made = 0;
    const calls: string[] = [];
    const s = t.watch(net.connect({
      port: port('bytes16'),
      host: HOST,
      onread: {
        buffer: () => {
          made++;
          return new Uint8Array(6);
        },
        callback(nread: number, buf: Uint8Array) {
          calls.push(`${nread}:${buf.length}:${String.fromCharCode(...buf.subarray(0, nread))}`);
        },
      },
    }), 'c', { events: ['connect', 'data', 'end', 'close'] });
    await t.closed(s);
    t.note('calls', calls);
    t.note('buffers made > 0', made > 0);
  }),

  scenario('read', 'onread callback returning false pauses; resume() continues', async (net, { t, port, sleep }) => {
    const calls: string[] = [];
    let s: ReturnType<typeof net.connect> | undefined;
    s = t.watch(net.connect({
      port: port('bytes16'),
      host: HOST,
      onread: {
        buffer: new Uint8Array(4),
        callback(nread: number, buf: Uint8Array) {
          calls.push(String.fromCharCode(...buf.subarray(0, nread)));
          if (calls.length === 1) {
            t.line('onread returns false');
            void sleep(30).then(() => {
              t.note('calls while paused', calls.length);
              s?.resume();
            });
            return false;
          }
          return true;
        },
      },
    }), 'c', { events: ['connect', 'end', 'close'] });
    await t.closed(s);
    t.note('calls', calls);
  }),

  scenario('read', 'onread on new Socket({onread}).connect()', async (net, { t, port }) => {
    const calls: number[] = [];
    const s = t.watch(new net.Socket({ onread: { buffer: new Uint8Array(8), callback: (n: number) => { calls.push(n); } } }), 'c', { events: ['connect', 'data', 'end', 'close'] });
    s.connect(port('bytes16'), HOST);
    await t.closed(s);
    t.note('calls', calls);
  }),

  scenario('read', 'setEncoding before connect and data through echo', async (net, { t, port }) => {
    const s = t.watch(new net.Socket());
    s.setEncoding('utf8');
    s.connect(port('echo'), HOST);
    s.once('connect', () => s.end('ünïcödé €'));
    await t.closed(s);
  }),

  scenario('read', 'bytesRead counts bytes as they arrive', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('echo'), HOST));
    s.once('connect', () => s.write('12345'));
    s.once('data', () => {
      t.note('bytesRead at first data', s['bytesRead']);
      s.end('678');
    });
    await t.closed(s);
  }),
];
