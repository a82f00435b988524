/**
 * One QUERY: the page's dns.lookup() / dns.resolve*() answered by the gateway's
 * resolver (resolver.ts), under the session's connect policy. @see PROTOCOL.md#query
 *
 *   QUERY ─ policy.checkName(name) ─ dial slot ─ lookup / resolve* ─ drop addresses no port may dial ─ ANSWER
 *     └─ denied: RESET SOCKWAY_ERR_DENIED    resolver error: RESET with Node's fields (ENOTFOUND, queryA, …)
 *                                            no address left: RESET ENOTFOUND, as for a name that does not exist
 *                                            queryTimeout: RESET ETIMEOUT (`queryA ETIMEOUT name`)
 *
 * A name is resolved only if some port of it could be dialed (policy.checkName), and
 * only addresses the page could dial are returned: DNS must not tell a page about the
 * gateway's internal network any more than connecting would. A name whose every address
 * is forbidden gets the very answer a name that does not exist gets, so the answer is no
 * existence oracle for internal names. Other records (TXT, SRV, MX, CNAME, NS) only for
 * names an exact host rule names, PTR only for addresses an address rule allows
 * (policy.ts decideNameOnly). A QUERY holds one of the session's dial slots
 * (maxPendingOpens) while it waits and resolves, as an OPEN does.
 */
import * as dns from 'node:dns';
import { SockwayErrorCode, type WireError, wireError } from '../shared/errors.ts';
import { type AddressRecord, type DnsAnswer, type QueryFrame, encodeFrame } from '../shared/frame.ts';
import { QueryHint } from '../shared/protocol.ts';
import type { SessionStream, StreamHandler } from '../shared/session.ts';
import type { DialSlots } from './limits.ts';
import type { PolicyCheck } from './policy.ts';
import { type SessionResolver, notFound, queryNotFound, queryTimeout } from './resolver.ts';
import type { GatewayLogEntry } from './gateway-log.ts';
import { fromSystemError } from './socket-wire.ts';

export type { DnsResolver } from './resolver.ts';

/** Options of answerQuery(). */
export interface DnsBridgeOptions {
  readonly policy: PolicyCheck;
  /** The session's resolver: lookup for `lookup` queries, the Resolver calls for resolve*. */
  readonly resolver: SessionResolver;
  /** The session's dial slots (maxPendingOpens): a QUERY waits for one as an OPEN does. */
  readonly dialSlots?: DialSlots;
  /** ms from QUERY to the answer; then RESET ETIMEOUT. */
  readonly timeout: number;
  readonly log?: (entry: GatewayLogEntry) => void;
}

/** The syscall Node names in errors for each query kind (`getaddrinfo`, `queryA`, `queryAaaa`, `queryTxt`, …). */
export function syscallOf(rrtype: QueryFrame['rrtype']): string {
  if (rrtype === 'lookup') return 'getaddrinfo';
  return `query${rrtype === 'A' ? rrtype : rrtype.charAt(0) + rrtype.slice(1).toLowerCase()}`;
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

/** The RESET for a name that does not exist, as Node words it; also for one whose every address is forbidden. */
export function notFoundQueryError(frame: QueryFrame): WireError {
  const syscall = syscallOf(frame.rrtype);
  const error = frame.rrtype === 'lookup' ? notFound(frame.name) : queryNotFound(syscall, frame.name);
  return fromSystemError(error, { syscall, hostname: frame.name });
}

/**
 * Handles one QUERY: answers it on a later turn (stream.answer() or reset()), or returns
 * a WireError when the policy refuses the name outright. Never throws.
 */
export function answerQuery(stream: SessionStream, frame: QueryFrame, options: DnsBridgeOptions): StreamHandler | WireError {
  const addresses = frame.rrtype === 'lookup' || frame.rrtype === 'A' || frame.rrtype === 'AAAA';
  // Addresses are filtered one by one after resolving; other records only by the name.
  const decision = options.policy.checkName?.({ host: frame.name, namesOnly: !addresses, reverse: frame.rrtype === 'PTR' }) ?? { allowed: false, reason: 'the policy does not judge DNS queries' };
  if (!decision.allowed) {
    options.log?.({ level: 'warn', event: 'query-denied', stream: stream.id, rrtype: frame.rrtype, host: frame.name, reason: decision.reason });
    return deniedQueryError(frame);
  }
  let settled = false;
  let release = (): void => {};
  const finish = (): boolean => {
    if (settled) return false;
    settled = true;
    clearTimeout(timer);
    release();
    return true;
  };
  const done = (result: DnsAnswer | WireError): void => {
    if (!finish()) return;
    if ('code' in result) stream.reset(result);
    else stream.answer(fitted(stream.id, result));
    options.log?.({ level: 'info', event: 'query', stream: stream.id, rrtype: frame.rrtype, host: frame.name, ...('code' in result ? { code: result.code } : { records: result.records.length }) });
  };
  // A QUERY is always answered: a resolver that does not answer in time is a timeout.
  const timer = setTimeout(() => {
    options.log?.({ level: 'warn', event: 'query-timeout', stream: stream.id, rrtype: frame.rrtype, host: frame.name, timeoutMs: options.timeout });
    const syscall = syscallOf(frame.rrtype);
    done(fromSystemError(queryTimeout(syscall, frame.name), { syscall, hostname: frame.name }));
  }, options.timeout);
  const start = (): void => {
    if (settled) return;
    resolve(frame, options).then(done, (error: unknown) => {
      options.log?.({ level: 'error', event: 'internal-error', where: 'query', stream: stream.id, error: String(error) });
      if (finish()) stream.reset(wireError({ code: SockwayErrorCode.Internal, message: 'the gateway failed to resolve the name' }));
    });
  };
  // Start once the session has installed the handler, and once a dial slot is free.
  if (options.dialSlots === undefined) queueMicrotask(start);
  else release = options.dialSlots.acquire(start);
  // A query carries no DATA; a RESET from the client (it gave up) frees its slot.
  return { onData: () => {}, onEnd: () => {}, onReset: () => void finish(), onDrain: () => {} };
}

async function resolve(frame: QueryFrame, options: DnsBridgeOptions): Promise<DnsAnswer | WireError> {
  const { name } = frame;
  const failed = (error: unknown): WireError =>
    fromSystemError(error as Record<string, unknown>, { syscall: syscallOf(frame.rrtype), hostname: name });
  try {
    switch (frame.rrtype) {
      case 'lookup': {
        const addresses = await lookupAll(frame, options.resolver.lookup);
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

function lookupAll(frame: QueryFrame, lookup: SessionResolver['lookup']): Promise<dns.LookupAddress[]> {
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

/** Keeps the addresses some port may be dialed at; none left of some: not found, as for OPEN. */
function allowedAddresses(frame: QueryFrame, records: AddressRecord[], options: DnsBridgeOptions): DnsAnswer | WireError {
  const allowed = records.filter(({ address }) => options.policy.checkName?.({ host: frame.name, address }).allowed === true);
  if (allowed.length === 0 && records.length > 0) {
    options.log?.({ level: 'warn', event: 'query-denied', rrtype: frame.rrtype, host: frame.name, reason: 'no resolved address may be dialed', addresses: records.length });
    return notFoundQueryError(frame);
  }
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
