/**
 * `diagnostics_channel` / `node:diagnostics_channel` in a page: channels nobody can
 * subscribe to from outside the page's code. Libraries (ioredis tracing) check
 * `hasSubscribers` and skip their instrumentation; subscribing works, so code that
 * publishes and subscribes within the page behaves as in Node.
 */

type Listener = (message: unknown, name: string | symbol) => void;

/** A named channel (Node's Channel subset). */
export class Channel {
  readonly name: string | symbol;
  readonly #listeners = new Set<Listener>();

  constructor(name: string | symbol) {
    this.name = name;
  }

  /** True once someone subscribed. */
  get hasSubscribers(): boolean {
    return this.#listeners.size > 0;
  }

  /** Calls every subscriber with the message. */
  publish(message: unknown): void {
    for (const listener of this.#listeners) listener(message, this.name);
  }

  /** Adds a subscriber. */
  subscribe(listener: Listener): void {
    this.#listeners.add(listener);
  }

  /** Removes a subscriber; true when it was subscribed. */
  unsubscribe(listener: Listener): boolean {
    return this.#listeners.delete(listener);
  }

  /** Runs `fn` (stores are not supported). */
  runStores<T>(_data: unknown, fn: (...args: unknown[]) => T, thisArg?: unknown, ...args: unknown[]): T {
    return fn.apply(thisArg, args);
  }
}

const channels = new Map<string | symbol, Channel>();

/** The channel called `name` (one object per name, as in Node). */
export function channel(name: string | symbol): Channel {
  let found = channels.get(name);
  if (found === undefined) {
    found = new Channel(name);
    channels.set(name, found);
  }
  return found;
}

/** True when the channel called `name` has subscribers. */
export function hasSubscribers(name: string | symbol): boolean {
  return channels.get(name)?.hasSubscribers ?? false;
}

/** Subscribes to the channel called `name`. */
export function subscribe(name: string | symbol, listener: Listener): void {
  channel(name).subscribe(listener);
}

/** Unsubscribes from the channel called `name`. */
export function unsubscribe(name: string | symbol, listener: Listener): boolean {
  return channel(name).unsubscribe(listener);
}

/** A tracing channel whose trace* methods just run the traced function (no one can listen). */
export interface TracingChannel {
  readonly hasSubscribers: false;
  subscribe(handlers: object): void;
  unsubscribe(handlers: object): boolean;
  traceSync<T>(fn: (...args: unknown[]) => T, context?: object, thisArg?: unknown, ...args: unknown[]): T;
  tracePromise<T>(fn: (...args: unknown[]) => Promise<T>, context?: object, thisArg?: unknown, ...args: unknown[]): Promise<T>;
  traceCallback<T>(fn: (...args: unknown[]) => T, position?: number, context?: object, thisArg?: unknown, ...args: unknown[]): T;
}

/** Node's tracingChannel(): no subscribers, tracing is a plain call. */
export function tracingChannel(_nameOrChannels: string | object): TracingChannel {
  return {
    hasSubscribers: false,
    subscribe: () => {},
    unsubscribe: () => false,
    traceSync: (fn, _context, thisArg, ...args) => fn.apply(thisArg, args),
    tracePromise: (fn, _context, thisArg, ...args) => fn.apply(thisArg, args),
    traceCallback: (fn, _position, _context, thisArg, ...args) => fn.apply(thisArg, args),
  };
}

const diagnosticsChannel = { Channel, channel, hasSubscribers, subscribe, unsubscribe, tracingChannel };
export default diagnosticsChannel;
