/**
 * A Socket's connect path, lib/net.js's structure: lookupAndConnect → internalConnect
 * (or internalConnectMultiple over several looked-up addresses, Node's autoSelectFamily)
 * → the socket's afterConnect. One Connector per Socket; it owns the attempt state
 * ('connectionAttempt' held for a bind, the autoSelectFamily context and its timer).
 */
import type { Family } from '../shared/frame.ts';
import { captureStack, type WireError } from '../shared/errors.ts';
import { isIP } from './ip.ts';
import { afterIo, nextTick } from './next-tick.ts';
import type { LookupFunction, NormalizedTcpConnectOptions } from './normalize-args.ts';
import {
  errInvalidAddressFamily,
  errInvalidIpAddress,
  errSocketConnectionTimeout,
  errStreamDestroyed,
  systemError,
} from './node-errors.ts';
import type { Socket } from './socket.ts';
import type { ConnectRequest, StreamHandle } from './stream-handle.ts';
import type { TunnelCore } from './tunnel-core.ts';
import { wireToError } from './wire-to-error.ts';

/** libuv errno values (Linux, as the gateway forwards them) for errors the client makes itself. */
const UV_ETIMEDOUT = -110;
const UV_EALREADY = -114;

/** What the Connector needs from its Socket beyond the Socket's own members. */
export interface ConnectorHooks {
  /** The socket's tunnel (set in its constructor, after this hook object). */
  tunnel(): TunnelCore;
  /** The socket's setNoDelay/setKeepAlive values, sent with the stream's open. */
  streamOptions(): { noDelay: boolean; keepAlive: boolean; keepAliveInitialDelay: number };
  /** Node's kReinitializeHandle: closes the handle and gives the socket a fresh one. */
  reinitializeHandle(): void;
  /** The socket's ref state onto a newly attached handle. */
  applyRef(): void;
}

/** One autoSelectFamily connect over several looked-up addresses (Node's internalConnectMultiple context). */
interface MultipleContext {
  readonly addresses: ReadonlyArray<{ readonly address: string; readonly family: Family }>;
  current: number;
  readonly port: number;
  readonly localPort: number | undefined;
  readonly timeout: number;
  timer: ReturnType<typeof setTimeout> | null;
  readonly errors: Error[];
}

/** Node's createConnectionError / ExceptionWithHostPort for a failed attempt. */
function connectionError(request: ConnectRequest, code: string, errno: number): Error {
  return systemError({
    code,
    errno,
    syscall: 'connect',
    address: request.address,
    port: request.port,
    localAddress: request.localAddress,
    localPort: request.localPort,
  });
}

/** Node's NodeAggregateError: the attempts' errors, `code` of the first, empty message. */
function aggregateError(errors: Error[]): Error {
  const error = new AggregateError(errors) as AggregateError & { code?: unknown };
  error.code = (errors[0] as { code?: unknown } | undefined)?.code;
  captureStack(error, aggregateError);
  return error;
}

export class Connector {
  readonly #socket: Socket;
  readonly #hooks: ConnectorHooks;
  /** With localAddress/localPort the gateway binds before it connects: 'connectionAttempt' waits for the bind. */
  #deferredAttempt: [address: string, port: number, family: Family] | null = null;
  #multiple: MultipleContext | null = null;

  constructor(socket: Socket, hooks: ConnectorHooks) {
    this.#socket = socket;
    this.#hooks = hooks;
  }

  /** Node's lookupAndConnect: an IP connects at once, a name goes to the gateway or to a custom `lookup`. */
  lookupAndConnect(options: NormalizedTcpConnectOptions, raw: { host?: unknown; port?: unknown }): void {
    const { host, port, localAddress, localPort } = options;
    const addressType = isIP(host);
    if (addressType !== 0) {
      nextTick(() => {
        if (this.#socket.connecting) this.#internalConnect(host, port, addressType, localAddress, localPort);
      });
      return;
    }
    this.#socket._host = host;
    const lookup = options.lookup;
    if (lookup === undefined) {
      // The gateway resolves the name (and applies its policy to the result): RESOLVED → 'lookup'.
      nextTick(() => {
        if (this.#socket.connecting) this.#internalConnect(host, port, 0, localAddress, localPort, options.family);
      });
      return;
    }
    if (options.lookupOptions.all) {
      this.#lookupAndConnectMultiple(lookup, options, raw);
      return;
    }
    lookup(host, options.lookupOptions, (err: Error | null, ip?: unknown, family?: unknown) => {
      this.#socket.emit('lookup', err, ip, family, host);
      // It's possible we were destroyed while looking this up.
      if (!this.#socket.connecting) return;
      if (err) {
        nextTick(() => this.#socket.destroy(err));
      } else if (isIP(ip) === 0) {
        const error = errInvalidIpAddress(ip);
        nextTick(() => this.#socket.destroy(error));
      } else if (family !== 4 && family !== 6) {
        // Node words this with the host and port as given (undefined when defaulted).
        const error = errInvalidAddressFamily(family, raw.host, raw.port);
        nextTick(() => this.#socket.destroy(error));
      } else {
        this.#socket._unrefTimer();
        this.#internalConnect(ip as string, port, family, localAddress, localPort);
      }
    });
  }

  /** Node's lookupAndConnectMultiple: a custom lookup with `all: true`. */
  #lookupAndConnectMultiple(lookup: LookupFunction, options: NormalizedTcpConnectOptions, raw: { host?: unknown; port?: unknown }): void {
    const { host, port, localAddress, localPort } = options;
    lookup(host, options.lookupOptions, (err: Error | null, addresses?: unknown) => {
      // It's possible we were destroyed while looking this up.
      if (!this.#socket.connecting) return;
      if (err) {
        this.#socket.emit('lookup', err, undefined, undefined, host);
        nextTick(() => this.#socket.destroy(err));
        return;
      }
      // Node walks whatever it was given by index (a string answer is walked character by character).
      const list = addresses as ArrayLike<{ address?: unknown; family?: unknown } | undefined>;
      const valid: Array<Array<{ address: string; family: Family }>> = [[], []];
      const validIps: string[][] = [[], []];
      let destinations: Record<4 | 6, number> | undefined;
      for (let i = 0, l = list.length; i < l; i++) {
        const entry = list[i];
        const { address: ip, family } = (entry ?? {}) as { address?: unknown; family?: unknown };
        this.#socket.emit('lookup', err, ip, family, host);
        if (!this.#socket.connecting) return;
        if (isIP(ip) !== 0 && (family === 4 || family === 6)) {
          destinations ??= family === 6 ? { 6: 0, 4: 1 } : { 4: 0, 6: 1 };
          const destination = destinations[family];
          if (!(validIps[destination] as string[]).includes(ip as string)) {
            (valid[destination] as Array<{ address: string; family: Family }>).push({ address: ip as string, family });
            (validIps[destination] as string[]).push(ip as string);
          }
        }
      }
      const first = valid[0] as Array<{ address: string; family: Family }>;
      const second = valid[1] as Array<{ address: string; family: Family }>;
      // When no AAAA or A records are available, fail on the first one.
      if (first.length === 0 && second.length === 0) {
        const { address: firstIp, family: firstFamily } = (list[0] ?? {}) as { address?: unknown; family?: unknown };
        if (isIP(firstIp) === 0) {
          const error = errInvalidIpAddress(firstIp);
          nextTick(() => this.#socket.destroy(error));
        } else if (firstFamily !== 4 && firstFamily !== 6) {
          const error = errInvalidAddressFamily(firstFamily, raw.host, raw.port);
          nextTick(() => this.#socket.destroy(error));
        }
        return;
      }
      // Sort addresses alternating families.
      const toAttempt: Array<{ address: string; family: Family }> = [];
      for (let i = 0, l = Math.max(first.length, second.length); i < l; i++) {
        if (i in first) toAttempt.push(first[i] as { address: string; family: Family });
        if (i in second) toAttempt.push(second[i] as { address: string; family: Family });
      }
      if (toAttempt.length === 1) {
        const only = toAttempt[0] as { address: string; family: Family };
        this.#socket._unrefTimer();
        this.#internalConnect(only.address, port, only.family, localAddress, localPort);
        return;
      }
      this.#socket.autoSelectFamilyAttemptedAddresses = [];
      const context: MultipleContext = {
        addresses: toAttempt,
        current: 0,
        port,
        localPort,
        timeout: options.autoSelectFamilyAttemptTimeout,
        timer: null,
        errors: [],
      };
      this.#multiple = context;
      this.#socket._unrefTimer();
      this.#internalConnectMultiple(context);
    });
  }

  /**
   * Node's internalConnect: one attempt on the current handle. `addressType` 0 means
   * a host name the gateway resolves (its RESOLVED frame emits 'lookup'), in the
   * address `family` asked for (0 for any).
   */
  #internalConnect(
    address: string,
    port: number,
    addressType: 0 | Family,
    localAddress: string | undefined,
    localPort: number | undefined,
    family: 0 | Family = addressType,
  ): void {
    const handle = this.#socket._handle as StreamHandle;
    if (handle.attached) {
      this.#connectAgain(handle, address, port, addressType);
      return;
    }
    this.#multiple = null;
    const request: ConnectRequest = { address, port, addressType, localAddress, localPort };
    if (addressType !== 0) this.#attempt(address, port, addressType, localAddress, localPort);
    this.#open(handle, request, family);
  }

  /** Emits 'connectionAttempt', or holds it until the gateway has bound localAddress/localPort. */
  #attempt(address: string, port: number, family: Family, localAddress: string | undefined, localPort: number | undefined): void {
    if (localAddress || localPort) this.#deferredAttempt = [address, port, family];
    else this.#socket.emit('connectionAttempt', address, port, family);
  }

  #flushDeferredAttempt(): void {
    const attempt = this.#deferredAttempt;
    this.#deferredAttempt = null;
    if (attempt !== null) this.#socket.emit('connectionAttempt', ...attempt);
  }

  #open(handle: StreamHandle, request: ConnectRequest, family: 0 | Family = request.addressType): void {
    const result = this.#hooks.tunnel().openStream({
      host: request.address,
      port: request.port,
      family,
      localAddress: request.localAddress ?? '',
      localPort: request.localPort ?? 0,
      ...this.#hooks.streamOptions(),
    }, handle);
    if ('code' in result) {
      this.#deferredAttempt = null;
      this.#socket.destroy(wireToError(result));
      return;
    }
    handle.attach(result, request);
    this.#hooks.applyRef();
  }

  /**
   * connect() on a socket whose handle already carries a connection: Node issues a
   * second connect(2) on the same fd. While the first is in progress the kernel says
   * EALREADY; on a connected fd libuv reports success and 'connect' comes again.
   */
  #connectAgain(handle: StreamHandle, address: string, port: number, addressType: 0 | Family): void {
    const family = addressType === 0 ? 4 : addressType;
    this.#socket.emit('connectionAttempt', address, port, family);
    if (handle.connected) {
      afterIo(() => {
        if (this.#socket._handle === handle && this.#socket.connecting) this.#socket._afterConnect(handle);
      });
      return;
    }
    const sockname = this.#socket._getsockname();
    const error = systemError({ code: 'EALREADY', errno: UV_EALREADY, syscall: 'connect', address, port }) as Error;
    error.message += ` - Local (${String(sockname.address)}:${String(sockname.port)})`;
    this.#socket.destroy(error);
  }

  /** Node's internalConnectMultiple: the next address, or the AggregateError when none is left. */
  #internalConnectMultiple(context: MultipleContext, canceled = false): void {
    if (context.timer !== null) clearTimeout(context.timer);
    context.timer = null;
    // We were requested to abort. Stop all operations.
    if (this.#socket._aborted) return;
    if (canceled || context.current === context.addresses.length) {
      this.#multiple = null;
      this.#socket.destroy(context.errors.length === 0 ? errSocketConnectionTimeout() : aggregateError(context.errors));
      return;
    }
    const current = context.current++;
    if (current > 0) {
      // Node's kReinitializeHandle: a fresh TCP handle for the next attempt.
      this.#hooks.reinitializeHandle();
    }
    const handle = this.#socket._handle as StreamHandle;
    const { address, family } = context.addresses[current] as { address: string; family: Family };
    const localAddress = context.localPort ? (family === 4 ? '0.0.0.0' : '::') : undefined;
    this.#socket.emit('connectionAttempt', address, context.port, family);
    this.#socket.autoSelectFamilyAttemptedAddresses?.push(`${address}:${context.port}`);
    const request: ConnectRequest = { address, port: context.port, addressType: family, localAddress, localPort: context.localPort };
    this.#open(handle, request);
    if (this.#socket._handle !== handle || !handle.attached) return;
    if (current < context.addresses.length - 1) {
      context.timer = setTimeout(() => this.#attemptTimedOut(context, handle), context.timeout);
    }
  }

  /** Node's internalConnectMultipleTimeout. */
  #attemptTimedOut(context: MultipleContext, handle: StreamHandle): void {
    context.timer = null;
    const request = handle.request as ConnectRequest;
    this.#socket.emit('connectionAttemptTimeout', request.address, request.port, request.addressType);
    context.errors.push(connectionError(request, 'ETIMEDOUT', UV_ETIMEDOUT));
    handle.close('destroy', errStreamDestroyed('write'));
    if (this.#socket.connecting && this.#multiple === context) this.#internalConnectMultiple(context);
  }

  /** The socket connected: the autoSelectFamily context ends, a held 'connectionAttempt' is told. */
  connected(): void {
    const context = this.#multiple;
    if (context !== null) {
      if (context.timer !== null) clearTimeout(context.timer);
      context.timer = null;
      this.#multiple = null;
    }
    this.#flushDeferredAttempt();
  }

  /** The gateway resolved the host name: 'lookup', then the attempt. */
  resolved(handle: StreamHandle, host: string, address: string, family: Family, port: number): void {
    this.#socket.emit('lookup', null, address, family, host);
    this.#socket._unrefTimer();
    const request = handle.request as ConnectRequest;
    this.#attempt(address, port, family, request.localAddress, request.localPort);
  }

  /** The gateway's lookup failed, or a connect failed while connecting (`err` is `error` as a Node error). */
  failed(handle: StreamHandle, error: WireError, err: Error, phase: 'lookup' | 'connect'): void {
    if (phase === 'lookup') {
      this.#socket.emit('lookup', err, undefined, undefined, this.#socket._host);
      nextTick(() => this.#socket.destroy(err));
      return;
    }
    if (error.syscall === 'bind') {
      // Node binds before it announces the attempt: a bind error comes alone.
      this.#deferredAttempt = null;
      this.#socket.destroy(err);
      return;
    }
    this.#flushDeferredAttempt();
    const request = handle.request as ConnectRequest;
    const context = this.#multiple;
    if (error.syscall === 'connect' && context !== null) {
      // Node's afterConnectMultiple: record, tell, try the next address.
      if (context.timer !== null) clearTimeout(context.timer);
      context.timer = null;
      context.errors.push(err);
      this.#socket.emit('connectionAttemptFailed', request.address, request.port, request.addressType, err);
      if (this.#socket.connecting && this.#multiple === context) this.#internalConnectMultiple(context);
      return;
    }
    if (error.syscall === 'connect') {
      // Node's afterConnect (status != 0).
      this.#socket.connecting = false;
      this.#socket._sockname = null;
      this.#socket.emit('connectionAttemptFailed', request.address, request.port, request.addressType, err);
    }
    this.#socket.destroy(err);
  }

  /** The socket is destroyed: no attempt is pending any more. */
  reset(): void {
    this.#deferredAttempt = null;
    const context = this.#multiple;
    if (context !== null && context.timer !== null) clearTimeout(context.timer);
    this.#multiple = null;
  }
}
