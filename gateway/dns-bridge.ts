/**
 * One QUERY: the page's dns.lookup() / dns.resolve*() answered by the gateway's
 * resolver, under the session's connect policy. @see PROTOCOL.md#query
 *
 *   QUERY ─ policy.checkName(name) ─ dns.lookup / Resolver.resolve* ─ drop addresses no port may dial ─ ANSWER
 *     └─ denied: RESET SOCKWAY_ERR_DENIED          resolver error: RESET with Node's fields (ENOTFOUND, queryA, …)
 *
 * A name is resolved only if some port of it could be dialed (policy.checkName), and
 * only addresses the page could dial are returned: DNS must not tell a page about the
 * gateway's internal network any more than connecting would.
 */
import * as dns from 'node:dns';
import { SockwayErrorCode, type WireError, wireError } from '../shared/errors.ts';
import { type AddressRecord, type DnsAnswer, type QueryFrame, encodeFrame } from '../shared/frame.ts';
import { QueryHint } from '../shared/protocol.ts';
import type { SessionStream, StreamHandler } from '../shared/session.ts';
import type { PolicyCheck } from './policy.ts';
import { type GatewayLogEntry, type LookupAll, fromSystemError } from './tcp-bridge.ts';

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

/** Options of answerQuery(). */
export interface DnsBridgeOptions {
  readonly policy: PolicyCheck;
  /** getaddrinfo for `lookup` queries. Default dns.lookup. */
  readonly lookup?: LookupAll;
  /** DNS queries for resolve*. Default: a node:dns Resolver with the system's servers. */
  readonly resolver: DnsResolver;
  readonly log?: (entry: GatewayLogEntry) => void;
}

/** A Resolver asking `servers` ('127.0.0.1:5353', '[::1]:53', '192.0.2.53'), or the system's servers when empty. */
export function createResolver(servers: readonly string[] = []): DnsResolver {
  const resolver = new dns.promises.Resolver();
  if (servers.length > 0) resolver.setServers([...servers]);
  return resolver;
}

const DEFAULT_LOOKUP: LookupAll = (hostname, options, callback) => dns.lookup(hostname, options, callback);

/** The syscall Node names in errors for each query kind (`getaddrinfo`, `queryA`, `queryTxt`, …). */
export function syscallOf(rrtype: QueryFrame['rrtype']): string {
  if (rrtype === 'lookup') return 'getaddrinfo';
  return `query${rrtype === 'AAAA' || rrtype === 'A' ? rrtype : rrtype.charAt(0) + rrtype.slice(1).toLowerCase()}`;
}

/** The RESET for a name the policy does not let the page resolve. */
export function deniedQueryError(frame: QueryFrame): WireError {
  const syscall = syscallOf(frame.rrtype);
  return wireError({
    code: SockwayErrorCode.Denied,
    syscall,
    hostname: frame.name,
    message: `${syscall} ${SockwayErrorCode.Denied} ${frame.name} (not allowed by the gateway policy)`,
  });
}

/**
 * Handles one QUERY: answers it on a later turn (stream.answer() or reset()), or returns
 * a WireError when the policy refuses the name outright. Never throws.
 */
export function answerQuery(stream: SessionStream, frame: QueryFrame, options: DnsBridgeOptions): StreamHandler | WireError {
  const addresses = frame.rrtype === 'lookup' || frame.rrtype === 'A' || frame.rrtype === 'AAAA';
  // Addresses are filtered one by one after resolving; other records only by the name.
  const decision = options.policy.checkName?.({ host: frame.name, namesOnly: !addresses }) ?? { allowed: false, reason: 'the policy does not judge DNS queries' };
  if (!decision.allowed) {
    options.log?.({ level: 'warn', event: 'query-denied', stream: stream.id, rrtype: frame.rrtype, host: frame.name, reason: decision.reason });
    return deniedQueryError(frame);
  }
  const done = (result: DnsAnswer | WireError): void => {
    if ('code' in result) stream.reset(result);
    else stream.answer(fitted(stream.id, result));
    options.log?.({ level: 'info', event: 'query', stream: stream.id, rrtype: frame.rrtype, host: frame.name, ...('code' in result ? { code: result.code } : { records: result.records.length }) });
  };
  resolve(frame, options).then(done, (error: unknown) => {
    options.log?.({ level: 'error', event: 'internal-error', where: 'query', stream: stream.id, error: String(error) });
    stream.reset(wireError({ code: SockwayErrorCode.Internal, message: 'the gateway failed to resolve the name' }));
  });
  // A query carries no DATA; a RESET from the client (it gave up) needs no action.
  return { onData: () => {}, onEnd: () => {}, onReset: () => {}, onDrain: () => {} };
}

async function resolve(frame: QueryFrame, options: DnsBridgeOptions): Promise<DnsAnswer | WireError> {
  const { name } = frame;
  const failed = (error: unknown): WireError =>
    fromSystemError(error as Record<string, unknown>, { syscall: syscallOf(frame.rrtype), hostname: name });
  try {
    switch (frame.rrtype) {
      case 'lookup': {
        const addresses = await lookupAll(frame, options.lookup ?? DEFAULT_LOOKUP);
        return allowedAddresses(frame, addresses.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4, ttl: 0 })), options);
      }
      case 'A':
      case 'AAAA': {
        const records = await (frame.rrtype === 'A' ? options.resolver.resolve4(name, { ttl: true }) : options.resolver.resolve6(name, { ttl: true }));
        const family = frame.rrtype === 'A' ? 4 : 6;
        return allowedAddresses(frame, records.map(({ address, ttl }) => ({ address, family, ttl })), options);
      }
      case 'MX':
        return { rrtype: 'MX', records: (await options.resolver.resolveMx(name)).map(({ priority, exchange }) => ({ priority, exchange })) };
      case 'SRV':
        return { rrtype: 'SRV', records: (await options.resolver.resolveSrv(name)).map(({ priority, weight, port, name: target }) => ({ priority, weight, port, name: target })) };
      case 'TXT':
        return { rrtype: 'TXT', records: await options.resolver.resolveTxt(name) };
      case 'CNAME':
        return { rrtype: 'CNAME', records: await options.resolver.resolveCname(name) };
      case 'NS':
        return { rrtype: 'NS', records: await options.resolver.resolveNs(name) };
      case 'PTR':
        return { rrtype: 'PTR', records: await options.resolver.resolvePtr(name) };
    }
  } catch (error) {
    return failed(error);
  }
}

function lookupAll(frame: QueryFrame, lookup: LookupAll): Promise<dns.LookupAddress[]> {
  let hints = 0;
  if ((frame.hints & QueryHint.AddrConfig) !== 0) hints |= dns.ADDRCONFIG;
  if ((frame.hints & QueryHint.V4Mapped) !== 0) hints |= dns.V4MAPPED;
  if ((frame.hints & QueryHint.All) !== 0) hints |= dns.ALL;
  return new Promise((resolve, reject) => {
    // verbatim: the client orders the answer as its own dns.lookup() options ask.
    lookup(frame.name, { all: true, family: frame.family, hints, verbatim: true }, (error, addresses) => {
      if (error !== null) reject(error);
      else resolve(addresses);
    });
  });
}

/** Keeps the addresses some port may be dialed at; none left of some: denied, as for OPEN. */
function allowedAddresses(frame: QueryFrame, records: AddressRecord[], options: DnsBridgeOptions): DnsAnswer | WireError {
  const allowed = records.filter(({ address }) => options.policy.checkName?.({ host: frame.name, address }).allowed === true);
  if (allowed.length === 0 && records.length > 0) return deniedQueryError(frame);
  return { rrtype: frame.rrtype as 'lookup' | 'A' | 'AAAA', records: allowed };
}

/** Drops records from the end until the ANSWER fits one frame (a huge TXT set). */
function fitted(streamId: number, answer: DnsAnswer): DnsAnswer {
  let current = answer;
  for (;;) {
    try {
      encodeFrame({ type: 'answer', streamId, answer: current });
      return current;
    } catch {
      if (current.records.length === 0) return current;
      current = { ...current, records: current.records.slice(0, Math.floor(current.records.length / 2)) } as DnsAnswer;
    }
  }
}
