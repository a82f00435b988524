/**
 * Browser-side throughput of ONE sockway stream in Chromium: the e2e page (built
 * with the Vite plugin) → one WebSocket → the gateway CLI (its own process) → the
 * bench TCP target (its own process, bench/server.ts). Download and upload of
 * BENCH_BROWSER_MIB MiB (default 64), BENCH_BROWSER_RUNS runs each (default 3) after
 * one warm-up; prints the median in MB/s (10^6 bytes/s). A benchmark, not a test.
 *
 * For scale it also measures a raw WebSocket from the same page to a `ws` server that
 * is itself the target (bench/servers/raw-ws-server.ts): Chromium's own ceiling here,
 * with no relay and no TCP hop. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { serveStatic } from '../demo/static-files.ts';
import { launchChromium } from '../e2e/fixtures/chromium.ts';
import { buildE2ePage, removeBuild } from '../e2e/fixtures/e2e-page.ts';
import { forkServer, REPO_ROOT } from './lib/processes.ts';
import { RequestMode } from './lib/target-protocol.ts';

const MIB = Number(process.env['BENCH_BROWSER_MIB'] ?? 64);
const RUNS = Number(process.env['BENCH_BROWSER_RUNS'] ?? 3);
const CHUNK = 64 * 1024;

type Direction = 'download' | 'upload';

/** One transfer in the page; resolves with the milliseconds from first byte asked/sent to last byte. */
function transfer(page: Page, direction: Direction, port: number, length: number): Promise<number> {
  return page.evaluate(
    async ({ direction, port, length, chunkSize, modes }) => {
      interface BenchSocket {
        write(data: Uint8Array): boolean;
        once(event: string, listener: (...args: never[]) => void): void;
        on(event: string, listener: (chunk: Uint8Array) => void): void;
        destroy(): void;
      }
      const { net } = (globalThis as unknown as { sockwayE2E: { net: { connect(o: object): BenchSocket } } }).sockwayE2E;
      const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      const header = new Uint8Array(9);
      const view = new DataView(header.buffer);
      view.setUint8(0, direction === 'download' ? modes.download : modes.upload);
      view.setBigUint64(1, BigInt(length));
      // No named functions in here: tsx's keepNames would wrap them in a __name() the page lacks.
      let done: (() => void) | undefined;
      const finished = new Promise<void>((resolve) => {
        done = resolve;
      });
      let got = 0;
      socket.on('data', (chunk) => {
        got += chunk.length;
        // Download: every byte; upload: the target's one-byte ACK.
        if (direction === 'upload' || got >= length) done?.();
      });
      const started = performance.now();
      socket.write(header);
      if (direction === 'upload') {
        const chunk = new Uint8Array(chunkSize).fill(0x61);
        for (let sent = 0; sent < length; sent += chunkSize) {
          const n = Math.min(chunkSize, length - sent);
          if (!socket.write(n === chunkSize ? chunk : chunk.subarray(0, n))) {
            await new Promise<void>((resolve) => socket.once('drain', resolve));
          }
        }
      }
      await finished;
      const ms = performance.now() - started;
      socket.destroy();
      return ms;
    },
    { direction, port, length, chunkSize: CHUNK, modes: { download: RequestMode.Download, upload: RequestMode.Upload } },
  );
}

/** Round trips of a 32-byte message through the echo target; resolves with the median in µs. */
function roundTrips(page: Page, port: number, count: number): Promise<number> {
  return page.evaluate(
    async ({ port, count, echoMode }) => {
      interface BenchSocket {
        write(data: Uint8Array): boolean;
        once(event: string, listener: (...args: never[]) => void): void;
        on(event: string, listener: (chunk: Uint8Array) => void): void;
        destroy(): void;
      }
      const { net } = (globalThis as unknown as { sockwayE2E: { net: { connect(o: object): BenchSocket } } }).sockwayE2E;
      const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      const header = new Uint8Array(9);
      new DataView(header.buffer).setUint8(0, echoMode);
      socket.write(header);
      const message = new Uint8Array(32).fill(0x62);
      let pending = 0;
      let answered: (() => void) | undefined;
      socket.on('data', (chunk) => {
        pending -= chunk.length;
        if (pending <= 0) answered?.();
      });
      const samples: number[] = [];
      for (let i = 0; i < count; i++) {
        const replied = new Promise<void>((resolve) => {
          answered = resolve;
        });
        pending = message.length;
        const started = performance.now();
        socket.write(message);
        await replied;
        samples.push((performance.now() - started) * 1000);
      }
      socket.destroy();
      samples.sort((a, b) => a - b);
      return samples[Math.floor(samples.length / 2)] as number;
    },
    { port, count, echoMode: RequestMode.Echo },
  );
}

/** The same transfer over a bare WebSocket to the raw-ws target: the browser transport's ceiling. */
function rawTransfer(page: Page, direction: Direction, url: string, length: number): Promise<number> {
  return page.evaluate(
    async ({ direction, url, length, chunkSize, modes }) => {
      const ws = new WebSocket(url);
      ws.binaryType = 'arraybuffer';
      await new Promise<void>((resolve, reject) => {
        ws.onopen = () => resolve();
        ws.onerror = () => reject(new Error(`cannot open ${url}`));
      });
      const header = new Uint8Array(9);
      const view = new DataView(header.buffer);
      view.setUint8(0, direction === 'download' ? modes.download : modes.upload);
      view.setBigUint64(1, BigInt(length));
      let done: (() => void) | undefined;
      const finished = new Promise<void>((resolve) => {
        done = resolve;
      });
      let got = 0;
      ws.onmessage = (event: MessageEvent<ArrayBuffer>) => {
        got += event.data.byteLength;
        if (direction === 'upload' || got >= length) done?.();
      };
      const started = performance.now();
      ws.send(header);
      if (direction === 'upload') {
        const chunk = new Uint8Array(chunkSize).fill(0x61);
        for (let sent = 0; sent < length; sent += chunkSize) {
          // Keep a few MiB queued: enough to never run dry, without buffering it all.
          while (ws.bufferedAmount > 8 * 1024 * 1024) await new Promise((resolve) => setTimeout(resolve, 0));
          ws.send(chunk.subarray(0, Math.min(chunkSize, length - sent)));
        }
      }
      await finished;
      const ms = performance.now() - started;
      ws.close();
      return ms;
    },
    { direction, url, length, chunkSize: CHUNK, modes: { download: RequestMode.Download, upload: RequestMode.Upload } },
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Runs warm-up + RUNS transfers; returns the median rate and the runs, in MB/s. */
async function measure(run: () => Promise<number>, length: number): Promise<{ median: number; runs: number[] }> {
  await run();
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(length / 1e6 / ((await run()) / 1000));
  return { median: median(runs), runs };
}

async function main(): Promise<void> {
  const target = await forkServer(`${REPO_ROOT}bench/server.ts`, [String(CHUNK)]);
  const rawTarget = await forkServer(`${REPO_ROOT}bench/servers/raw-ws-server.ts`, [String(CHUNK)]);
  const gateway = await forkServer(`${REPO_ROOT}gateway/main.ts`, ['--port', '0', '--host', '127.0.0.1', '--allow', `127.0.0.1:${target.port}`, '--quiet']);
  const pageDir = await buildE2ePage();
  const server = http.createServer((request, response) => {
    if (!serveStatic(pageDir, request, response)) response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    page.on('pageerror', (error) => console.error(`page error: ${String(error)}`));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
    const gatewayUrl = `ws://127.0.0.1:${gateway.port}/`;
    await page.evaluate((url) => (globalThis as unknown as { sockwayE2E: { configure(o: { url: string }): void } }).sockwayE2E.configure({ url }), gatewayUrl);
    const length = MIB * 1024 * 1024;
    console.log(`browser throughput, one stream, ${MIB} MiB, Chromium ${browser.version()}, MB/s median of ${RUNS} (after 1 warm-up)`);
    const rows: Array<[string, (direction: Direction) => Promise<number>]> = [
      ['raw WebSocket (ceiling)', (direction) => rawTransfer(page, direction, `ws://127.0.0.1:${rawTarget.port}/`, length)],
      ['sockway net.Socket', (direction) => transfer(page, direction, target.port, length)],
    ];
    for (const [name, run] of rows) {
      const cells: string[] = [];
      for (const direction of ['download', 'upload'] as const) {
        const { median: rate, runs } = await measure(() => run(direction), length);
        cells.push(`${direction} ${rate.toFixed(0).padStart(4)} (${runs.map((r) => r.toFixed(0)).join(', ')})`);
      }
      console.log(`  ${name.padEnd(24)} ${cells.join('   ')}`);
    }
    await roundTrips(page, target.port, 200);
    const rtts: number[] = [];
    for (let i = 0; i < RUNS; i++) rtts.push(await roundTrips(page, target.port, 1000));
    console.log(`  sockway echo round trip (32 B, median of 1000): ${median(rtts).toFixed(0)} µs (runs: ${rtts.map((r) => r.toFixed(0)).join(', ')})`);
  } finally {
    await browser.close();
    server.close();
    removeBuild(pageDir);
    await gateway.stop();
    await rawTarget.stop();
    await target.stop();
  }
}

await main();
