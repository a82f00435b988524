/**
 * Node's `dns` surface over the tunnel: every lookup and query is a QUERY stream
 * answered by the gateway's resolver under its connect policy (a name the page may
 * not connect to is not resolved: SOCKWAY_ERR_DENIED). @see PROTOCOL.md#query
 */
import { type WireError, isSockwayErrorCode } from '../shared/errors.ts';
import type { DnsAnswer, DnsRecordType, QueryFrame } from '../shared/frame.ts';
import { QueryHint } from '../shared/protocol.ts';
import type { StreamHandler } from '../shared/session.ts';
import { isIP } from './ip.ts';
import { errInvalidArgType, errInvalidArgValue, errFeatureUnavailable, systemError } from './node-errors.ts';
import type { TunnelCore } from './tunnel-core.ts';
import { wireToError } from './wire-to-error.ts';

/** Node's getaddrinfo hint flags (dns.ADDRCONFIG, …), Linux's values; they travel as QueryHint bits. */
const ADDRCONFIG = 32;
const V4MAPPED = 8;
const ALL = 16;

export interface LookupAddress { address: string; family: 4 | 6 }
export interface LookupOptions { family?: number | 'IPv4' | 'IPv6'; hints?: number; all?: boolean; verbatim?: boolean; order?: 'ipv4first' | 'verbatim' }
/** lookup()'s callback: (err, address, family), or (err, addresses) with `all`. */
export type LookupCallback = (error: Error | null, address: string | LookupAddress[] | null, family?: number) => void;
type Callback<T> = (error: Error | null, result?: T) => void;
type ResolveType = 'A' | 'AAAA' | 'CNAME' | 'MX' | 'NS' | 'PTR' | 'SRV' | 'TXT';

/** The syscall Node names in resolver errors: getaddrinfo, queryA, queryAaaa, queryMx, … */
function syscallOf(rrtype: DnsRecordType): string {
  if (rrtype === 'lookup') return 'getaddrinfo';
  return `query${rrtype.charAt(0)}${rrtype.slice(1).toLowerCase()}`;
}

/** Node's DNSException for a RESET (or a local failure): `queryA ENOTFOUND name`. */
function dnsError(error: WireError, frame: Omit<QueryFrame, 'type' | 'streamId'>): Error {
  if (isSockwayErrorCode(error.code) || error.message !== '') return wireToError(error);
  return systemError({
    code: error.code,
    // c-ares codes carry no errno in Node; getaddrinfo's do.
    errno: error.errno === 0 ? undefined : error.errno,
    syscall: error.syscall || syscallOf(frame.rrtype),
    hostname: error.hostname || frame.name,
  });
}

function validateFunction(value: unknown, name: string): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') throw errInvalidArgType(name, 'Function', value);
}

function validateString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') throw errInvalidArgType(name, 'string', value);
}

/** 0, 4 or 6; Node 20's callback lookup() also takes 'IPv4'/'IPv6' (its promises.lookup() does not). */
function familyOf(value: unknown, name: string, names = false): 0 | 4 | 6 {
  if (names && value === 'IPv4') return 4;
  if (names && value === 'IPv6') return 6;
  if (value === 0 || value === 4 || value === 6) return value;
  throw errInvalidArgValue(name, value, 'must be one of: 0, 4, 6');
}

/** Node's `dns` module (callback API, `promises`, Resolver), for one tunnel. */
export interface DnsModule {
  lookup(hostname: string, callback: LookupCallback): void;
  lookup(hostname: string, options: number | LookupOptions | undefined, callback: LookupCallback): void;
  resolve(hostname: string, ...args: unknown[]): void;
  resolve4(hostname: string, ...args: unknown[]): void;
  resolve6(hostname: string, ...args: unknown[]): void;
  resolveCname(hostname: string, callback: Callback<string[]>): void;
  resolveMx(hostname: string, callback: Callback<Array<{ exchange: string; priority: number }>>): void;
  resolveNs(hostname: string, callback: Callback<string[]>): void;
  resolvePtr(hostname: string, callback: Callback<string[]>): void;
  resolveSrv(hostname: string, callback: Callback<Array<{ name: string; port: number; priority: number; weight: number }>>): void;
  resolveTxt(hostname: string, callback: Callback<string[][]>): void;
  lookupService(...args: unknown[]): never;
  getServers(): string[];
  setServers(servers: readonly string[]): void;
  setDefaultResultOrder(order: 'ipv4first' | 'verbatim'): void;
  getDefaultResultOrder(): 'ipv4first' | 'verbatim';
  readonly promises: DnsPromises;
  readonly Resolver: new () => Omit<DnsModule, 'promises' | 'Resolver'>;
  readonly ADDRCONFIG: number;
  readonly V4MAPPED: number;
  readonly ALL: number;
  readonly [code: string]: unknown;
}

/** `dns.promises` / `dns/promises`. */
export interface DnsPromises {
  lookup(hostname: string, options?: number | LookupOptions): Promise<LookupAddress | LookupAddress[]>;
  resolve(hostname: string, rrtype?: string): Promise<unknown[]>;
  resolve4(hostname: string, options?: { ttl?: boolean }): Promise<Array<string | { address: string; ttl: number }>>;
  resolve6(hostname: string, options?: { ttl?: boolean }): Promise<Array<string | { address: string; ttl: number }>>;
  resolveCname(hostname: string): Promise<string[]>;
  resolveMx(hostname: string): Promise<Array<{ exchange: string; priority: number }>>;
  resolveNs(hostname: string): Promise<string[]>;
  resolvePtr(hostname: string): Promise<string[]>;
  resolveSrv(hostname: string): Promise<Array<{ name: string; port: number; priority: number; weight: number }>>;
  resolveTxt(hostname: string): Promise<string[][]>;
  getServers(): string[];
  setServers(servers: readonly string[]): void;
  setDefaultResultOrder(order: 'ipv4first' | 'verbatim'): void;
  getDefaultResultOrder(): 'ipv4first' | 'verbatim';
  readonly Resolver: new () => Omit<DnsPromises, 'Resolver'>;
}

/** Error codes of Node's dns module (dns.NOTFOUND === 'ENOTFOUND', …). */
const CODES = {
  NODATA: 'ENODATA', FORMERR: 'EFORMERR', SERVFAIL: 'ESERVFAIL', NOTFOUND: 'ENOTFOUND', NOTIMP: 'ENOTIMP', REFUSED: 'EREFUSED',
  BADQUERY: 'EBADQUERY', BADNAME: 'EBADNAME', BADFAMILY: 'EBADFAMILY', BADRESP: 'EBADRESP', CONNREFUSED: 'ECONNREFUSED',
  TIMEOUT: 'ETIMEOUT', EOF: 'EOF', FILE: 'EFILE', NOMEM: 'ENOMEM', DESTRUCTION: 'EDESTRUCTION', BADSTR: 'EBADSTR',
  BADFLAGS: 'EBADFLAGS', NONAME: 'ENONAME', BADHINTS: 'EBADHINTS', NOTINITIALIZED: 'ENOTINITIALIZED',
  LOADIPHLPAPI: 'ELOADIPHLPAPI', ADDRGETNETWORKPARAMS: 'EADDRGETNETWORKPARAMS', CANCELLED: 'ECANCELLED',
} as const;

/** Creates the dns module whose queries travel through `getTunnel()`. */
export function createDns(getTunnel: () => TunnelCore): DnsModule {
  let order: 'ipv4first' | 'verbatim' = 'verbatim';

  function query(frame: Omit<QueryFrame, 'type' | 'streamId'>): Promise<DnsAnswer> {
    return new Promise((resolve, reject) => {
      const tunnel = getTunnel();
      // A pending query keeps a Node process alive, as a pending getaddrinfo does.
      const token = {};
      const settle = (): void => tunnel.release(token);
      const handler: StreamHandler = {
        onData: () => {},
        onEnd: () => {},
        onDrain: () => {},
        onReset: (error) => {
          settle();
          reject(dnsError(error, frame));
        },
        onAnswer: (answer) => {
          settle();
          resolve(answer);
        },
        // A GOAWAY crossed the QUERY and the tunnel asked again on a fresh session.
        onReopened: () => {},
      };
      const stream = tunnel.openQuery(frame, handler);
      if ('code' in stream) reject(dnsError(stream, frame));
      else tunnel.retain(token, true);
    });
  }

  /** lookup's arguments as Node validates them; the answer shaped by `all` and the order. */
  function parseLookup(hostname: unknown, options: unknown, familyNames: boolean): { family: 0 | 4 | 6; hints: number; all: boolean; order: 'ipv4first' | 'verbatim' } {
    if (hostname) validateString(hostname, 'hostname');
    let family: 0 | 4 | 6 = 0;
    let hints = 0;
    let all = false;
    let resultOrder = order;
    if (typeof options === 'number') family = familyOf(options, 'family');
    else if (options !== undefined && options !== null) {
      if (typeof options !== 'object') throw errInvalidArgType('options', ['integer', 'object'], options);
      const o = options as LookupOptions;
      if (o.hints != null) {
        if (typeof o.hints !== 'number') throw errInvalidArgType('options.hints', 'number', o.hints);
        hints = o.hints >>> 0;
        if ((hints & ~(ADDRCONFIG | V4MAPPED | ALL)) !== 0) throw errInvalidArgValue('hints', hints);
      }
      if (o.family != null) family = familyOf(o.family, 'options.family', familyNames);
      if (o.all != null) {
        if (typeof o.all !== 'boolean') throw errInvalidArgType('options.all', 'boolean', o.all);
        all = o.all;
      }
      if (o.verbatim != null) {
        if (typeof o.verbatim !== 'boolean') throw errInvalidArgType('options.verbatim', 'boolean', o.verbatim);
        resultOrder = o.verbatim ? 'verbatim' : 'ipv4first';
      }
      if (o.order != null) {
        if (o.order !== 'ipv4first' && o.order !== 'verbatim') throw errInvalidArgValue('options.order', o.order, "must be one of: 'ipv4first', 'verbatim'");
        resultOrder = o.order;
      }
    }
    return { family, hints, all, order: resultOrder };
  }

  async function lookupAddresses(hostname: string, parsed: ReturnType<typeof parseLookup>): Promise<LookupAddress[]> {
    const matched = isIP(hostname);
    if (matched !== 0) return [{ address: hostname, family: matched }];
    const hints = ((parsed.hints & ADDRCONFIG) ? QueryHint.AddrConfig : 0) | ((parsed.hints & V4MAPPED) ? QueryHint.V4Mapped : 0) | ((parsed.hints & ALL) ? QueryHint.All : 0);
    const answer = await query({ rrtype: 'lookup', name: hostname, family: parsed.family, hints });
    const records = answer.rrtype === 'lookup' ? answer.records.map(({ address, family }) => ({ address, family })) : [];
    if (records.length === 0) {
      // getaddrinfo never answers empty; the gateway filtered everything out.
      throw systemError({ code: 'ENOTFOUND', errno: undefined, syscall: 'getaddrinfo', hostname });
    }
    if (parsed.order === 'ipv4first') records.sort((a, b) => (a.family === b.family ? 0 : a.family === 4 ? -1 : 1));
    return records;
  }

  function lookup(hostname: string, options: unknown, callback?: unknown): void {
    if (typeof options === 'function') {
      callback = options;
      options = undefined;
    }
    validateFunction(callback, 'callback');
    const done = callback as (error: Error | null, address?: unknown, family?: number) => void;
    const parsed = parseLookup(hostname, options, true);
    if (!hostname) {
      queueMicrotask(() => (parsed.all ? done(null, []) : done(null, null, parsed.family === 6 ? 6 : 4)));
      return;
    }
    lookupAddresses(hostname, parsed).then(
      (records) => {
        const first = records[0] as LookupAddress;
        if (parsed.all) done(null, records);
        else done(null, first.address, first.family);
      },
      (error: Error) => done(error),
    );
  }

  async function resolveAny(hostname: unknown, rrtype: ResolveType, ttl: boolean): Promise<unknown[]> {
    validateString(hostname, 'name');
    const answer = await query({ rrtype, name: hostname, family: 0, hints: 0 });
    switch (answer.rrtype) {
      case 'A':
      case 'AAAA':
      case 'lookup':
        return answer.records.map(({ address, ttl: seconds }) => (ttl ? { address, ttl: seconds } : address));
      case 'MX':
        return answer.records.map(({ exchange, priority }) => ({ exchange, priority }));
      case 'SRV':
        return answer.records.map(({ name, port, priority, weight }) => ({ name, port, priority, weight }));
      case 'TXT':
        return answer.records.map((chunks) => [...chunks]);
      default:
        return [...answer.records];
    }
  }

  const RRTYPES: ReadonlySet<string> = new Set(['A', 'AAAA', 'CNAME', 'MX', 'NS', 'PTR', 'SRV', 'TXT']);
  function rrtypeOf(value: unknown): ResolveType {
    if (value === undefined) return 'A';
    validateString(value, 'rrtype');
    if (!RRTYPES.has(value)) {
      if (['ANY', 'CAA', 'NAPTR', 'SOA'].includes(value)) throw errFeatureUnavailable(`dns.resolve(name, '${value}') through the sockway gateway`);
      throw errInvalidArgValue('rrtype', value);
    }
    return value as ResolveType;
  }

  const callbackStyle = <T>(promise: () => Promise<T>, callback: unknown): void => {
    validateFunction(callback, 'callback');
    const done = callback as (error: Error | null, result?: T) => void;
    promise().then((result) => done(null, result), (error: Error) => done(error));
  };

  const ttlOf = (options: unknown): boolean => typeof options === 'object' && options !== null && (options as { ttl?: unknown }).ttl === true;

  const resolvers = {
    resolve(hostname: string, rrtype?: unknown, callback?: unknown): void {
      if (typeof rrtype === 'function') {
        callback = rrtype;
        rrtype = undefined;
      }
      const type = rrtypeOf(rrtype);
      callbackStyle(() => resolveAny(hostname, type, false), callback);
    },
    resolve4(hostname: string, options?: unknown, callback?: unknown): void {
      if (typeof options === 'function') [callback, options] = [options, undefined];
      callbackStyle(() => resolveAny(hostname, 'A', ttlOf(options)), callback);
    },
    resolve6(hostname: string, options?: unknown, callback?: unknown): void {
      if (typeof options === 'function') [callback, options] = [options, undefined];
      callbackStyle(() => resolveAny(hostname, 'AAAA', ttlOf(options)), callback);
    },
    resolveCname: (hostname: string, callback: unknown) => callbackStyle(() => resolveAny(hostname, 'CNAME', false), callback),
    resolveMx: (hostname: string, callback: unknown) => callbackStyle(() => resolveAny(hostname, 'MX', false), callback),
    resolveNs: (hostname: string, callback: unknown) => callbackStyle(() => resolveAny(hostname, 'NS', false), callback),
    resolvePtr: (hostname: string, callback: unknown) => callbackStyle(() => resolveAny(hostname, 'PTR', false), callback),
    resolveSrv: (hostname: string, callback: unknown) => callbackStyle(() => resolveAny(hostname, 'SRV', false), callback),
    resolveTxt: (hostname: string, callback: unknown) => callbackStyle(() => resolveAny(hostname, 'TXT', false), callback),
  };

  // The gateway chooses the servers; the page sees none and cannot change them.
  const servers = {
    getServers: (): string[] => [],
    setServers: (list: readonly string[]): void => {
      if (!Array.isArray(list)) throw errInvalidArgType('servers', 'Array', list);
    },
    setDefaultResultOrder: (value: 'ipv4first' | 'verbatim'): void => {
      if (value !== 'ipv4first' && value !== 'verbatim') throw errInvalidArgValue('dnsOrder', value, "must be one of: 'ipv4first', 'verbatim'");
      order = value;
    },
    getDefaultResultOrder: (): 'ipv4first' | 'verbatim' => order,
  };

  const promiseResolvers = {
    resolve: (hostname: string, rrtype?: string) => resolveAny(hostname, rrtypeOf(rrtype), false),
    resolve4: (hostname: string, options?: { ttl?: boolean }) => resolveAny(hostname, 'A', ttlOf(options)) as Promise<Array<string | { address: string; ttl: number }>>,
    resolve6: (hostname: string, options?: { ttl?: boolean }) => resolveAny(hostname, 'AAAA', ttlOf(options)) as Promise<Array<string | { address: string; ttl: number }>>,
    resolveCname: (hostname: string) => resolveAny(hostname, 'CNAME', false) as Promise<string[]>,
    resolveMx: (hostname: string) => resolveAny(hostname, 'MX', false) as Promise<Array<{ exchange: string; priority: number }>>,
    resolveNs: (hostname: string) => resolveAny(hostname, 'NS', false) as Promise<string[]>,
    resolvePtr: (hostname: string) => resolveAny(hostname, 'PTR', false) as Promise<string[]>,
    resolveSrv: (hostname: string) => resolveAny(hostname, 'SRV', false) as Promise<Array<{ name: string; port: number; priority: number; weight: number }>>,
    resolveTxt: (hostname: string) => resolveAny(hostname, 'TXT', false) as Promise<string[][]>,
  };

  const promises: DnsPromises = {
    // Not async: invalid arguments throw synchronously, as in Node.
    lookup(hostname: string, options?: number | LookupOptions): Promise<LookupAddress | LookupAddress[]> {
      const parsed = parseLookup(hostname, options, false);
      if (!hostname) return Promise.resolve(parsed.all ? [] : ({ address: null, family: parsed.family === 6 ? 6 : 4 } as unknown as LookupAddress));
      return lookupAddresses(hostname, parsed).then((records) => (parsed.all ? records : (records[0] as LookupAddress)));
    },
    ...promiseResolvers,
    ...servers,
    Resolver: class Resolver {
      constructor() {
        Object.assign(this, promiseResolvers, servers);
      }
    } as unknown as DnsPromises['Resolver'],
  };

  return {
    lookup: lookup as DnsModule['lookup'],
    ...(resolvers as unknown as Pick<DnsModule, 'resolve' | 'resolve4' | 'resolve6' | 'resolveCname' | 'resolveMx' | 'resolveNs' | 'resolvePtr' | 'resolveSrv' | 'resolveTxt'>),
    lookupService: () => {
      throw errFeatureUnavailable('dns.lookupService through the sockway gateway');
    },
    ...servers,
    promises,
    Resolver: class Resolver {
      constructor() {
        Object.assign(this, resolvers, servers, { lookup });
      }
    } as unknown as DnsModule['Resolver'],
    ADDRCONFIG,
    V4MAPPED,
    ALL,
    ...CODES,
  };
}
