/**
 * The gateway's name resolver: dns.lookup()'s answers without getaddrinfo. getaddrinfo
 * runs on libuv's four threadpool threads and cannot be cancelled, so names whose DNS
 * server never answers parked every thread and stalled every session's lookups (issue
 * 12, finding 4). Here every network question goes through c-ares (a node:dns Resolver,
 * asynchronous sockets on the event loop) with a bounded timeout, and through the
 * gateway-wide LookupSlots cap, shared round-robin between sessions.
 *
 * What getaddrinfo did that c-ares does not, done here:
 *   - /etc/hosts, read and cached, read again when its mtime (or size) changes (looked
 *     at at most once a second). A name it lists is answered from it; for a family it has no
 *     address of, DNS is asked (nsswitch `files dns`).
 *   - `localhost` and `*.localhost` are loopback and never asked of DNS (RFC 6761 6.3);
 *     `*.invalid` does not exist (RFC 6761 6.4).
 *   - /etc/resolv.conf `search`/`domain` and `options ndots:n` (c-ares's Resolver asks
 *     the name as given: resolve4('db') is never db.corp.example): the name as given first
 *     when it has ndots dots or more, else the search domains first (glibc res_search).
 *   - family 0/4/6, hints V4MAPPED (with ALL) and ADDRCONFIG (only families the host has
 *     a non-loopback address in are asked for; all if it has none), `verbatim: false` /
 *     `order`. The default order is IPv4 then IPv6 (getaddrinfo would sort by RFC 6724;
 *     the bridge dials each address in turn anyway).
 *   - errors shaped as dns.lookup's: `getaddrinfo ENOTFOUND name` (errno EAI_NONAME) for
 *     names with no address, `EAI_AGAIN` when a server timed out or failed.
 * Not done: nsswitch modules other than files and dns (mDNS, LDAP, systemd-resolved's
 * own names). Deployments that need them pass the gateway option `lookup: dns.lookup`,
 * which brings back getaddrinfo and its threadpool, under the same caps.
 */
import * as dns from 'node:dns';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import { LookupSlots, type ReleaseSlot } from './lookup-slots.ts';
import { uvErrno } from './socket-wire.ts';

/** dns.lookup with `all: true`, injectable for tests and custom resolvers. */
export type LookupAll = (
  hostname: string,
  options: dns.LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void,
) => void;

/** The resolver calls a QUERY needs (node:dns/promises Resolver's). */
export interface DnsResolver {
  resolve4(name: string, options: { ttl: true }): Promise<dns.RecordWithTtl[]>;
  resolve6(name: string, options: { ttl: true }): Promise<dns.RecordWithTtl[]>;
  resolveMx(name: string): Promise<dns.MxRecord[]>;
  resolveSrv(name: string): Promise<dns.SrvRecord[]>;
  resolveTxt(name: string): Promise<string[][]>;
  resolveCname(name: string): Promise<string[]>;
  resolveNs(name: string): Promise<string[]>;
  resolvePtr(name: string): Promise<string[]>;
}

/** One session's view of the resolver: its lookups and queries share the global cap fairly. */
export interface SessionResolver extends DnsResolver {
  readonly lookup: LookupAll;
}

/** Options of createGatewayResolver(). */
export interface ResolverOptions {
  /** DNS servers ('127.0.0.1:5353', '[::1]:53', '10.0.0.2'); default the system's (resolv.conf). */
  readonly servers?: readonly string[] | undefined;
  /** ms c-ares waits for a server's answer on the first try (doubling on each retry). Default 2000. */
  readonly timeout?: number | undefined;
  /** Tries per server. Default 2 (so about 6 s before a name whose server is silent fails). */
  readonly tries?: number | undefined;
  /** Resolutions in flight at once, gateway-wide (maxDnsLookups). Default 512. */
  readonly maxLookups?: number | undefined;
  /** ms a resolution may wait for a slot before failing. Default 30000. */
  readonly maxWait?: number | undefined;
  /** Replaces the c-ares lookup (e.g. dns.lookup for nsswitch); still under the caps. */
  readonly lookup?: LookupAll | undefined;
  readonly hostsFile?: string | undefined;
  readonly resolvConf?: string | undefined;
  /** ms between looks at the files' mtimes. Default 1000. */
  readonly recheckInterval?: number | undefined;
}

/** The gateway's resolver. */
export interface GatewayResolver {
  /** A view for one session (its own turn in the global cap). */
  forSession(): SessionResolver;
  /** Resolutions in flight and waiting for a slot. */
  readonly slots: LookupSlots;
  /** Ends every outstanding query (ECANCELLED): the gateway is closing. */
  cancel(): void;
}

const DEFAULT_TIMEOUT = 2000;
const DEFAULT_TRIES = 2;
export const DEFAULT_MAX_LOOKUPS = 512;
const RECHECK_MS = 1000;
/** glibc's MAXDNSRCH. */
const MAX_SEARCH = 6;
const LOOPBACK: readonly dns.LookupAddress[] = [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }];

export function createGatewayResolver(options: ResolverOptions = {}): GatewayResolver {
  const resolver = new dns.promises.Resolver({ timeout: options.timeout ?? DEFAULT_TIMEOUT, tries: options.tries ?? DEFAULT_TRIES });
  if (options.servers !== undefined && options.servers.length > 0) resolver.setServers([...options.servers]);
  const slots = new LookupSlots(options.maxLookups ?? DEFAULT_MAX_LOOKUPS, options.maxWait ?? 30_000);
  const recheck = options.recheckInterval ?? RECHECK_MS;
  const hosts = cachedFile(options.hostsFile ?? '/etc/hosts', parseHosts, recheck);
  const conf = cachedFile(options.resolvConf ?? '/etc/resolv.conf', parseResolvConf, recheck);
  const custom = options.lookup;

  /** Runs `work` in a global slot on behalf of `owner`; a slot not had in time fails as `timedOut()`. */
  const inSlot = <T>(owner: object, work: () => Promise<T>, timedOut: () => Error): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      slots.acquire(owner, (release: ReleaseSlot) => {
        work().then(resolve, reject).finally(release);
      }, () => reject(timedOut()));
    });

  const builtinLookup = (owner: object, hostname: string, lookupOptions: dns.LookupAllOptions): Promise<dns.LookupAddress[]> => {
    const family = familyOf(lookupOptions.family);
    const hints = lookupOptions.hints ?? 0;
    const mapped = family === 6 && (hints & dns.V4MAPPED) !== 0;
    const finish = (found: dns.LookupAddress[]): dns.LookupAddress[] => {
      const v6 = found.filter((a) => a.family === 6);
      let v4 = found.filter((a) => a.family === 4);
      if (family === 6) {
        // V4MAPPED: IPv4 addresses as ::ffff:a.b.c.d when there is no IPv6 one (or ALL).
        v4 = mapped && (v6.length === 0 || (hints & dns.ALL) !== 0) ? v4.map((a) => ({ address: `::ffff:${a.address}`, family: 6 })) : [];
      } else if (family === 4) {
        return v4;
      }
      const order = lookupOptions.order ?? (lookupOptions.verbatim === false ? 'ipv4first' : 'verbatim');
      return order === 'ipv6first' || family === 6 ? [...v6, ...v4] : [...v4, ...v6];
    };
    const literal = net.isIP(hostname);
    if (literal !== 0) return Promise.resolve([{ address: hostname, family: literal }]);
    const name = hostname.toLowerCase();
    const bare = name.endsWith('.') ? name.slice(0, -1) : name;
    const special = bare === 'localhost' || bare.endsWith('.localhost');
    const listed = hosts().get(name);
    if (listed !== undefined) {
      const answer = finish(listed);
      // A name /etc/hosts lists for another family only: DNS is asked, as glibc does; never for localhost.
      if (answer.length > 0 || special) return answer.length > 0 ? Promise.resolve(answer) : Promise.reject(notFound(hostname));
    }
    if (special) {
      const answer = finish([...LOOPBACK]);
      return answer.length > 0 ? Promise.resolve(answer) : Promise.reject(notFound(hostname));
    }
    if (bare === 'invalid' || bare.endsWith('.invalid') || bare === '') return Promise.reject(notFound(hostname));
    const families: (4 | 6)[] = family === 4 ? [4] : family === 6 ? (mapped ? [6, 4] : [6]) : configuredFamilies(hints);
    return inSlot(owner, async () => {
      let transient = false;
      for (const candidate of searchList(name, conf())) {
        const answers = await Promise.all(families.map((f) => (f === 4 ? resolver.resolve4(candidate) : resolver.resolve6(candidate)).then(
          (addresses) => addresses.map((address) => ({ address, family: f })),
          (error: NodeJS.ErrnoException) => {
            if (error.code !== dns.NOTFOUND && error.code !== dns.NODATA) transient = true;
            return [];
          },
        )));
        const answer = finish(answers.flat());
        if (answer.length > 0) return answer;
      }
      throw transient ? tryAgain(hostname) : notFound(hostname);
    }, () => tryAgain(hostname));
  };

  return {
    slots,
    cancel: () => resolver.cancel(),
    forSession(): SessionResolver {
      const owner = {};
      const query = <T>(syscall: string, name: string, ask: () => Promise<T>): Promise<T> =>
        inSlot(owner, ask, () => queryTimeout(syscall, name));
      const lookup: LookupAll = (hostname, lookupOptions, callback) => {
        const answer = custom === undefined
          ? builtinLookup(owner, hostname, lookupOptions)
          : inSlot(owner, () => new Promise<dns.LookupAddress[]>((resolve, reject) => {
            custom(hostname, lookupOptions, (error, addresses) => (error === null ? resolve(addresses) : reject(error)));
          }), () => tryAgain(hostname));
        answer.then((addresses) => callback(null, addresses), (error: NodeJS.ErrnoException) => callback(error, []));
      };
      return {
        lookup,
        resolve4: (name, o) => query('queryA', name, () => resolver.resolve4(name, o)),
        resolve6: (name, o) => query('queryAaaa', name, () => resolver.resolve6(name, o)),
        resolveMx: (name) => query('queryMx', name, () => resolver.resolveMx(name)),
        resolveSrv: (name) => query('querySrv', name, () => resolver.resolveSrv(name)),
        resolveTxt: (name) => query('queryTxt', name, () => resolver.resolveTxt(name)),
        resolveCname: (name) => query('queryCname', name, () => resolver.resolveCname(name)),
        resolveNs: (name) => query('queryNs', name, () => resolver.resolveNs(name)),
        resolvePtr: (name) => query('queryPtr', name, () => resolver.resolvePtr(name)),
      };
    },
  };
}

// ---- errors, shaped as node:dns makes them ----

const EAI_NONAME = uvErrno('EAI_NONAME');
const EAI_AGAIN = uvErrno('EAI_AGAIN');

/** dns.lookup's error for a name with no address: `getaddrinfo ENOTFOUND name`, errno EAI_NONAME. */
export function notFound(hostname: string): NodeJS.ErrnoException {
  return dnsError('ENOTFOUND', EAI_NONAME, 'getaddrinfo', hostname);
}

/** dns.lookup's error when no server answered in time: `getaddrinfo EAI_AGAIN name`. */
export function tryAgain(hostname: string): NodeJS.ErrnoException {
  return dnsError('EAI_AGAIN', EAI_AGAIN, 'getaddrinfo', hostname);
}

/** A Resolver's error for a query that timed out: `queryA ETIMEOUT name` (no errno, as c-ares errors). */
export function queryTimeout(syscall: string, hostname: string): NodeJS.ErrnoException {
  return dnsError(dns.TIMEOUT, undefined, syscall, hostname);
}

/** A Resolver's error for a name that does not exist: `queryA ENOTFOUND name`. */
export function queryNotFound(syscall: string, hostname: string): NodeJS.ErrnoException {
  return dnsError(dns.NOTFOUND, undefined, syscall, hostname);
}

function dnsError(code: string, errno: number | undefined, syscall: string, hostname: string): NodeJS.ErrnoException {
  const error = new Error(`${syscall} ${code} ${hostname}`) as NodeJS.ErrnoException & { hostname: string };
  if (errno !== undefined) error.errno = errno;
  error.code = code;
  error.syscall = syscall;
  error.hostname = hostname;
  return error;
}

// ---- hosts, resolv.conf ----

function familyOf(family: dns.LookupAllOptions['family']): 0 | 4 | 6 {
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return 0;
}

/** ADDRCONFIG: the families the host has a non-loopback address in (both if none). */
function configuredFamilies(hints: number): (4 | 6)[] {
  if ((hints & dns.ADDRCONFIG) === 0) return [4, 6];
  const seen = new Set<4 | 6>();
  for (const list of Object.values(os.networkInterfaces())) {
    for (const entry of list ?? []) if (!entry.internal) seen.add(entry.family === 'IPv6' ? 6 : 4);
  }
  return seen.size === 0 ? [4, 6] : [4, 6].filter((f) => seen.has(f as 4 | 6)) as (4 | 6)[];
}

/** A file parsed once and again whenever its mtime changes (looked at every `recheck` ms at most). */
function cachedFile<T>(path: string, parse: (text: string) => T, recheck: number): () => T {
  let value = parse('');
  let stamp = '';
  let checkedAt = -Infinity;
  return () => {
    const now = Date.now();
    if (now - checkedAt < recheck) return value;
    checkedAt = now;
    try {
      const stat = fs.statSync(path);
      // Size and inode too: a rewrite within the file system's mtime granularity still shows.
      const next = `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
      if (next !== stamp) {
        stamp = next;
        value = parse(fs.readFileSync(path, 'utf8'));
      }
    } catch {
      if (stamp !== '') value = parse('');
      stamp = '';
    }
    return value;
  };
}

/** /etc/hosts: lower-case name → its addresses, in file order. */
export function parseHosts(text: string): Map<string, dns.LookupAddress[]> {
  const map = new Map<string, dns.LookupAddress[]>();
  for (const line of text.split('\n')) {
    const [address, ...names] = (line.split('#')[0] ?? '').trim().split(/\s+/);
    if (address === undefined) continue;
    const plain = address.split('%')[0] ?? '';
    const family = net.isIP(plain);
    if (family === 0) continue;
    for (const name of names) {
      const key = name.toLowerCase();
      const list = map.get(key) ?? [];
      if (!list.some((entry) => entry.address === plain)) list.push({ address: plain, family });
      map.set(key, list);
    }
  }
  return map;
}

/** What resolv.conf says about completing names. */
export interface SearchConfig {
  readonly search: readonly string[];
  readonly ndots: number;
}

export function parseResolvConf(text: string): SearchConfig {
  let search: string[] = [];
  let ndots = 1;
  for (const line of text.split('\n')) {
    const [keyword, ...rest] = (line.split(/[#;]/)[0] ?? '').trim().split(/\s+/);
    // The last `search` or `domain` line wins (resolv.conf(5)).
    if (keyword === 'search') search = rest.filter((d) => d !== '' && d !== '.').slice(0, MAX_SEARCH);
    else if (keyword === 'domain' && rest[0] !== undefined) search = [rest[0]];
    else if (keyword === 'options') {
      for (const option of rest) {
        const match = /^ndots:(\d+)$/.exec(option);
        if (match !== null) ndots = Math.min(15, Number(match[1]));
      }
    }
  }
  return { search: search.map((d) => d.toLowerCase().replace(/\.$/, '')), ndots };
}

/** The names to ask, in order (glibc res_search): a trailing dot means the name is complete. */
export function searchList(name: string, config: SearchConfig): string[] {
  if (name.endsWith('.')) return [name.slice(0, -1)];
  const dots = name.split('.').length - 1;
  const completed = config.search.map((domain) => `${name}.${domain}`);
  return dots >= config.ndots ? [name, ...completed] : [...completed, name];
}
