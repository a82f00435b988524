/**
 * The measurements, run in the client worker against any contender. Each
 * opens fresh streams (connection setup is not timed) and destroys them after.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ByteStream, ContenderInstance } from './contender.ts';
import { ACK, encodeRequest, RequestMode } from './target-protocol.ts';
import { quantile } from './stats.ts';

/** Runs `body` until it calls `done`; any error, 'end' or 'close' first is a failure. */
function until<T>(stream: ByteStream, what: string, body: (done: (value: T) => void, fail: (err: Error) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (value: T): void => {
      if (settled) return;
      settled = true;
      resolve(value);
    };
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      reject(new Error(`${what}: ${err.message}`, { cause: err }));
    };
    stream.on('error', fail);
    stream.on('end', () => fail(new Error('stream ended before the test finished')));
    stream.on('close', () => fail(new Error('stream closed before the test finished')));
    try {
      body(done, fail);
    } catch (err) {
      fail(err as Error);
    }
  });
}

/** Writes `bytes` bytes in `chunk`-sized writes, waiting for 'drain' whenever write() says so. */
function writeAll(stream: ByteStream, bytes: number, chunk: Uint8Array): void {
  let remaining = bytes;
  const pump = (): void => {
    while (remaining > 0) {
      const n = Math.min(chunk.byteLength, remaining);
      remaining -= n;
      if (!stream.write(n === chunk.byteLength ? chunk : chunk.subarray(0, n))) {
        stream.once('drain', pump);
        return;
      }
    }
  };
  pump();
}

async function withStream<T>(instance: ContenderInstance, use: (stream: ByteStream) => Promise<T>): Promise<T> {
  const stream = await instance.open();
  try {
    return await use(stream);
  } finally {
    stream.destroy();
  }
}

/** Client → target: seconds from the first byte written until the sink's ACK arrives. */
export function uploadSeconds(stream: ByteStream, bytes: number, chunk: Uint8Array): Promise<number> {
  return until(stream, 'upload', (done, fail) => {
    const t0 = performance.now();
    stream.on('data', (data) => {
      if (data.byteLength === 1 && data[0] === ACK) done((performance.now() - t0) / 1000);
      else fail(new Error(`unexpected ${data.byteLength} bytes from the sink`));
    });
    stream.write(encodeRequest(RequestMode.Upload, bytes));
    writeAll(stream, bytes, chunk);
  });
}

/** Target → client: seconds from the request until `bytes` bytes arrived. */
export function downloadSeconds(stream: ByteStream, bytes: number): Promise<number> {
  return until(stream, 'download', (done, fail) => {
    let received = 0;
    const t0 = performance.now();
    stream.on('data', (data) => {
      received += data.byteLength;
      if (received === bytes) done((performance.now() - t0) / 1000);
      else if (received > bytes) fail(new Error(`received ${received} of ${bytes} bytes`));
    });
    stream.write(encodeRequest(RequestMode.Download, bytes));
  });
}

/** Sequential 1-byte ping-pong through the echo target; returns each measured RTT in µs. */
export function pingPong(stream: ByteStream, iterations: number, warmup: number): Promise<Float64Array> {
  return until(stream, 'rtt', (done, fail) => {
    const samples = new Float64Array(iterations);
    const ping = Buffer.of(0x2a);
    let index = -warmup;
    let t0 = 0;
    const send = (): void => {
      t0 = performance.now();
      stream.write(ping);
    };
    stream.on('data', (data) => {
      const t1 = performance.now();
      if (data.byteLength !== 1 || data[0] !== 0x2a) {
        fail(new Error(`echo returned ${data.byteLength} bytes`));
        return;
      }
      if (index >= 0) samples[index] = (t1 - t0) * 1000;
      index += 1;
      if (index === iterations) done(samples);
      else send();
    });
    stream.write(encodeRequest(RequestMode.Echo, 0));
    send();
  });
}

/** Per-run figures of one contender. Throughput in MB/s (10^6 bytes/s). */
export interface RunResult {
  upMBps: number;
  downMBps: number;
  rttMedianUs: number;
  rttP99Us: number;
  multiMBps: number;
  /** Slowest ÷ fastest stream completion time in the aggregate test (1 = perfectly fair). */
  multiSpread: number;
}

export interface MeasureOptions {
  bulkBytes: number;
  chunkBytes: number;
  rttIterations: number;
  rttWarmup: number;
  streams: number;
  streamBytes: number;
}

/** The full set of measurements for one repetition. */
export async function measureAll(instance: ContenderInstance, options: MeasureOptions): Promise<RunResult> {
  const chunk = Buffer.alloc(options.chunkBytes, 0x61);
  const toMBps = (bytes: number, seconds: number): number => bytes / 1e6 / seconds;

  const up = await withStream(instance, (s) => uploadSeconds(s, options.bulkBytes, chunk));
  const down = await withStream(instance, (s) => downloadSeconds(s, options.bulkBytes));
  const rtts = await withStream(instance, (s) => pingPong(s, options.rttIterations, options.rttWarmup));
  const rttList = Array.from(rtts);

  const streams = await Promise.all(Array.from({ length: options.streams }, () => instance.open()));
  let multi: { seconds: number; spread: number };
  try {
    const t0 = performance.now();
    const finished = await Promise.all(
      streams.map((s) => downloadSeconds(s, options.streamBytes).then(() => performance.now() - t0)),
    );
    const slowest = Math.max(...finished);
    multi = { seconds: slowest / 1000, spread: slowest / Math.min(...finished) };
  } finally {
    for (const s of streams) s.destroy();
  }

  return {
    upMBps: toMBps(options.bulkBytes, up),
    downMBps: toMBps(options.bulkBytes, down),
    rttMedianUs: quantile(rttList, 0.5),
    rttP99Us: quantile(rttList, 0.99),
    multiMBps: toMBps(options.streams * options.streamBytes, multi.seconds),
    multiSpread: multi.spread,
  };
}

/** A quick correctness check before anything is timed: echo integrity, upload, download, two streams at once. */
export async function preflight(instance: ContenderInstance): Promise<void> {
  await withStream(instance, (stream) =>
    until<void>(stream, 'preflight echo', (done, fail) => {
      const sent = randomBytes(256 * 1024);
      const received: Buffer[] = [];
      let length = 0;
      stream.on('data', (data) => {
        received.push(Buffer.from(data));
        length += data.byteLength;
        if (length < sent.byteLength) return;
        if (Buffer.concat(received).equals(sent)) done();
        else fail(new Error('echoed bytes differ from the bytes sent'));
      });
      stream.write(encodeRequest(RequestMode.Echo, 0));
      for (let offset = 0; offset < sent.byteLength; offset += 16 * 1024) stream.write(sent.subarray(offset, offset + 16 * 1024));
    }),
  );
  const [a, b] = await Promise.all([instance.open(), instance.open()]);
  try {
    await Promise.all([uploadSeconds(a, 1024 * 1024, Buffer.alloc(64 * 1024)), downloadSeconds(b, 1024 * 1024)]);
  } finally {
    a.destroy();
    b.destroy();
  }
}
