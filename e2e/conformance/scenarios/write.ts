/**
 * Writing: queued before connect and their order, callbacks in every state
 * (connecting, destroyed, ended, after the peer's FIN: EPIPE), bytesWritten in
 * UTF-8 bytes, bufferSize, backpressure and 'drain', cork/uncork.
 */
import { type Scenario, scenario } from '../harness.ts';

const HOST = '127.0.0.1';

export const writeScenarios: Scenario[] = [
  scenario('write', 'writes queued before connect go out in order; counters while connecting', async (net, { t, port, peer }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    t.note('write a', s.write('a', t.cb('a', s)));
    t.sample('after a', s);
    t.note('write bc', s.write('bc', t.cb('bc', s)));
    t.note('write Uint8Array', s.write(new Uint8Array([100, 101]), t.cb('de', s)));
    t.sample('after 3 writes', s);
    s.end('f', t.cb('end', s));
    await t.closed(s);
    t.note('peer', await peer('sink'));
  }),

  scenario('write', 'write overloads: (data, cb), (data, enc), (data, enc, cb), Buffer-like, empty', async (net, { t, port, peer }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    s.once('connect', () => {
      t.note('r1', s.write('plain', t.cb('plain')));
      t.note('r2', s.write('2d', 'hex'));
      t.note('r3', s.write('LQ==', 'base64', t.cb('base64')));
      t.note('r4', s.write(new Uint8Array([33]), t.cb('u8')));
      t.note('r5', s.write('', t.cb('empty string')));
      t.note('r6', s.write(new Uint8Array(0), t.cb('empty bytes')));
      t.note('r7', s.write('é', 'latin1', t.cb('latin1')));
      t.sample('after writes', s);
      s.end();
    });
    await t.closed(s);
    t.note('peer', await peer('sink'));
  }),

  scenario('write', 'bytesWritten counts UTF-8 bytes once, before and after connect', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('echo'), HOST));
    s.write('€');
    t.note('bytesWritten while connecting', s['bytesWritten'], 'bufferSize', s['bufferSize']);
    s.write('😀', 'utf8');
    t.note('bytesWritten while connecting', s['bytesWritten'], 'bufferSize', s['bufferSize']);
    s.once('connect', () => {
      t.note('at connect', s['bytesWritten'], s['bufferSize']);
      s.end('ü');
    });
    await t.closed(s);
  }),

  scenario('write', 'write callbacks when destroyed while connecting (several queued)', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    s.write('1', t.cb('w1', s));
    s.write('2', t.cb('w2', s));
    s.write('3', t.cb('w3', s));
    s.end(t.cb('end', s));
    s.destroy();
    await t.closed(s);
  }),

  scenario('write', 'write callbacks when the connection is refused', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('closed'), HOST));
    s.write('1', t.cb('w1', s));
    s.write('2', t.cb('w2', s));
    await t.closed(s);
  }),

  scenario('write', 'write after destroy(): ERR_STREAM_DESTROYED by callback only, returns false', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    s.once('connect', () => {
      s.destroy();
      t.note('returns', s.write('late', t.cb('write', s)));
    });
    await t.closed(s);
  }),

  scenario('write', 'write after end(): ERR_STREAM_WRITE_AFTER_END by callback and error', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    s.once('connect', () => {
      s.end();
      t.note('returns', s.write('late', t.cb('write', s)));
    });
    await t.closed(s);
  }),

  scenario('write', 'write on a never-connected socket: ERR_SOCKET_CLOSED', async (net, { t }) => {
    const s = t.watch(new net.Socket());
    t.note('returns', s.write('x', t.cb('write', s)));
    await t.closed(s);
  }),

  scenario('write', "write inside 'end' (allowHalfOpen false) still goes out: our FIN follows a tick later", async (net, { t, port, nextTick }) => {
    const s = t.watch(net.connect(port('endFirst'), HOST));
    s.once('end', () => {
      t.note('returns', s.write('late', t.cb('write', s)));
      t.line('write returned');
      nextTick(() => t.line('next tick'));
    });
    await t.closed(s);
  }, { needs: ['nodeTicks'] }),

  scenario('write', 'write after the peer FIN (allowHalfOpen false): EPIPE on the next tick, error, close(true)', async (net, { t, port, nextTick }) => {
    const s = t.watch(net.connect(port('endFirst'), HOST));
    s.once('end', () => {
      // endReadableNT ends our side in a tick queued after this listener: write two ticks later.
      nextTick(() => nextTick(() => {
        t.note('writableEnded', s['writableEnded']);
        t.note('returns', s.write('late', t.cb('write', s)));
        t.line('write returned');
        nextTick(() => t.line('next tick'));
      }));
    });
    await t.closed(s);
  }, { needs: ['nodeTicks'] }),

  scenario('write', 'write after the peer FIN once our side ended: write after end', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('endFirst'), HOST));
    s.once('finish', () => {
      t.note('returns', s.write('late', t.cb('write', s)));
    });
    await t.closed(s);
  }),

  scenario('write', 'write with allowHalfOpen after the peer FIN still works', async (net, { t, port, peer }) => {
    const s = t.watch(net.connect({ port: port('endFirst'), host: HOST, allowHalfOpen: true }));
    s.once('end', () => {
      t.note('returns', s.write('still', t.cb('write', s)));
      s.end(t.cb('end', s));
    });
    await t.closed(s);
    t.note('peer', await peer('endFirst'));
  }),

  scenario('write', 'bufferSize: undefined without a handle, queued bytes while connecting, 0 later', async (net, { t, port }) => {
    const s = new net.Socket();
    t.note('new', s['bufferSize']);
    t.watch(s);
    s.connect(port('sink'), HOST);
    t.note('connecting', s['bufferSize']);
    s.write('abc');
    t.note('after write', s['bufferSize'], s['writableLength']);
    s.once('connect', () => {
      t.note('connect', s['bufferSize'], s['writableLength']);
      s.end();
    });
    await t.closed(s);
    t.note('closed', s['bufferSize']);
  }),

  scenario('write', 'backpressure: write() false at the high-water mark, then drain', async (net, { t, port, peer }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    const chunk = new Uint8Array(10000).fill(97);
    s.once('connect', () => {
      t.note('w1', s.write(chunk), s['writableLength'], s['writableNeedDrain']);
      t.note('w2', s.write(chunk), s['writableLength'], s['writableNeedDrain']);
      t.note('w3', s.write(chunk, t.cb('w3')), s['writableLength']);
      s.once('drain', () => {
        t.note('drained', s['writableLength'], s['writableNeedDrain']);
        s.end();
      });
    });
    await t.closed(s);
    t.note('peer', await peer('sink'));
  }),

  scenario('write', 'writableHighWaterMark option changes the write() result', async (net, { t, port }) => {
    const s = t.watch(new net.Socket({ writableHighWaterMark: 4 }));
    t.note('hwm', s['writableHighWaterMark']);
    s.connect(port('sink'), HOST);
    t.note('w1', s.write('abc'));
    t.note('w2', s.write('de'));
    s.once('drain', () => s.end());
    await t.closed(s);
  }),

  scenario('write', 'cork/uncork: writes batched, callbacks in order', async (net, { t, port, peer }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    s.once('connect', () => {
      s.cork();
      t.note('corked', s['writableCorked']);
      s.write('a', t.cb('a', s));
      s.write('b', t.cb('b', s));
      s.write('c', t.cb('c', s));
      t.sample('corked', s);
      s.uncork();
      t.note('uncorked', s['writableCorked']);
      t.sample('uncorked', s);
      s.end();
    });
    await t.closed(s);
    t.note('peer', await peer('sink'));
  }),

  scenario('write', 'cork before connect, uncork on connect', async (net, { t, port, peer }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    s.cork();
    s.write('x', t.cb('x', s));
    s.write('y', t.cb('y', s));
    t.sample('corked while connecting', s);
    s.once('connect', () => {
      s.uncork();
      s.end();
    });
    await t.closed(s);
    t.note('peer', await peer('sink'));
  }),

  scenario('write', 'cork with backpressure: big corked writes, uncork, drain', async (net, { t, port, peer }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    const chunk = new Uint8Array(12000).fill(98);
    s.once('connect', () => {
      s.cork();
      t.note('w1', s.write(chunk, t.cb('w1')));
      t.note('w2', s.write(chunk, t.cb('w2')));
      t.note('length', s['writableLength'], s['bufferSize']);
      s.uncork();
      s.once('drain', () => {
        t.note('drain', s['writableLength']);
        s.end();
      });
    });
    await t.closed(s);
    t.note('peer', await peer('sink'));
  }),

  scenario('write', 'end() while corked flushes', async (net, { t, port, peer }) => {
    const s = t.watch(net.connect(port('sink'), HOST));
    s.once('connect', () => {
      s.cork();
      s.write('p', t.cb('p'));
      s.end('q', t.cb('end'));
    });
    await t.closed(s);
    t.note('peer', await peer('sink'));
  }),

  scenario('write', 'a 1 MiB transfer through echo with backpressure: counters at the end', async (net, { t, port }) => {
    // 'data' and 'drain' are left out: how the bytes are cut depends on buffer sizes, not on net.
    // Properties too: how much is in flight at 'ready' is the transport's buffer size.
    const s = t.watch(net.connect(port('echo'), HOST), 'c', { events: ['connect', 'ready', 'finish', 'end', 'error', 'close'], props: false });
    const payload = new Uint8Array(1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = i % 251;
    let received = 0;
    let sum = 0;
    s.on('data', (chunk: Uint8Array) => {
      received += chunk.length;
      for (const b of chunk) sum = (sum + b) % 65536;
    });
    s.once('connect', () => {
      let offset = 0;
      const pump = (): void => {
        while (offset < payload.length) {
          const piece = payload.subarray(offset, offset + 64 * 1024);
          offset += piece.length;
          if (!s.write(piece)) {
            s.once('drain', pump);
            return;
          }
        }
        s.end(t.cb('end'));
      };
      pump();
    });
    await t.closed(s, 10000);
    t.note('received', received, 'sum', sum);
    t.sample('after close', s);
  }),

  scenario('write', 'a 64 KiB write to a server that never reads still completes (kernel buffers)', async (net, { t, port }) => {
    const s = t.watch(net.connect(port('hold'), HOST));
    const chunk = new Uint8Array(64 * 1024);
    s.once('connect', () => {
      t.note('w', s.write(chunk, t.cb('w1')));
      setTimeout(() => {
        t.note('writableNeedDrain', s['writableNeedDrain']);
        s.destroy();
      }, 50);
    });
    await t.closed(s);
  }),
];
