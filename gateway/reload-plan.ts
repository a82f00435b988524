/**
 * What gateway.reload() changes: the options whose value differs from the running
 * gateway's, split into those it applies (RELOADABLE_OPTIONS, plus `policy` and
 * `authenticate`) and those it refuses because they take effect only at start (the path,
 * the DNS resolver, the memory and socket budgets, the limits announced in WELCOME, …).
 * Values are compared as the gateway reads them: an absent option is its default, a rule
 * is its text, a secret its bytes. Nothing here logs or holds a value.
 */
import type { GatewayOptions } from './gateway-api.ts';
import type { GatewayLimits } from './limits.ts';
import type { MemoryBudget } from './memory-budget.ts';
import { RELOADABLE_OPTIONS, type ResolvedGatewayOptions, optionEntries } from './options-schema.ts';
import type { Rule } from './policy.ts';

/** An option reload() did not apply, and why. */
export interface RefusedOption {
  /** Its createGateway() name (`path`, `limits.maxStreams`), or the CLI's (`port`, `host`). */
  readonly option: string;
  readonly reason: string;
}

/** Options given as functions or objects, compared by identity. */
const OBJECT_OPTIONS = ['policy', 'authenticate', 'lookup', 'connect', 'log'] as const;

/** The gateway's plumbing rather than its configuration: left out of reload()'s options, they stay as they are. */
const KEPT_WHEN_ABSENT: ReadonlySet<string> = new Set(['lookup', 'connect', 'log']);

/** Every option reload() compares, by createGateway() name, with its default when absent. */
const COMPARED: ReadonlyMap<string, unknown> = new Map([
  ...optionEntries().flatMap(([, spec]) => (spec.option === undefined ? [] : [[spec.option, spec.kind === 'rules' ? [] : spec.default] as const])),
  ...OBJECT_OPTIONS.map((name) => [name, undefined] as const),
]);

const RELOADABLE: ReadonlySet<string> = new Set([
  ...RELOADABLE_OPTIONS.map((key) => optionEntries().find(([name]) => name === key)?.[1].option ?? key),
  'policy',
  'authenticate',
]);

/** The reason given for an option that needs a restart. */
export const NEEDS_RESTART = 'takes effect only when the gateway starts: restart it to change this';

/** Whether reload() may change `option` on a running gateway. */
export function isReloadable(option: string): boolean {
  return RELOADABLE.has(option);
}

/** The options whose value differs between `running` and `next`, in schema order. */
export function changedOptions(running: GatewayOptions, next: GatewayOptions): string[] {
  return [...COMPARED].flatMap(([name, fallback]) => {
    if (KEPT_WHEN_ABSENT.has(name) && valueAt(next, name) === undefined) return [];
    return same(valueAt(running, name) ?? fallback, valueAt(next, name) ?? fallback) ? [] : [name];
  });
}

/** `next`, with `kept` options (dotted names) as they are in `running`: what the gateway runs after a partial reload. */
export function keepOptions(next: GatewayOptions, running: GatewayOptions, kept: readonly string[]): GatewayOptions {
  const result: Record<string, unknown> = { ...next, limits: { ...next.limits } };
  for (const name of [...kept, ...[...KEPT_WHEN_ABSENT].filter((option) => valueAt(next, option) === undefined)]) {
    const [head = '', tail] = name.split('.');
    const value = valueAt(running, name);
    const target = tail === undefined ? result : (result[head] as Record<string, unknown>);
    const key = tail ?? head;
    if (value === undefined) delete target[key];
    else target[key] = value;
  }
  return result as GatewayOptions;
}

function valueAt(options: GatewayOptions, name: string): unknown {
  const [head = '', tail] = name.split('.');
  const value = (options as Readonly<Record<string, unknown>>)[head];
  return tail === undefined ? value : (value as Readonly<Record<string, unknown>> | undefined)?.[tail];
}

/** Equal as the gateway reads them: lists entry by entry, rules by their text, bytes by content. */
function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((entry, index) => same(entry, b[index]));
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(b);
  if (isRuleLike(a) || isRuleLike(b)) return ruleText(a) === ruleText(b);
  return Object.is(a, b);
}

function isRuleLike(value: unknown): value is Rule {
  return typeof value === 'object' && value !== null && 'text' in value && 'host' in value;
}

function ruleText(value: unknown): unknown {
  if (isRuleLike(value)) return value.text;
  return typeof value === 'string' ? value.trim() : value;
}

/** What reload() is asked to change, and what it runs on now. */
export interface ReloadRequest {
  readonly running: GatewayOptions;
  readonly next: GatewayOptions;
  /** `next`, resolved (compile-options.ts). */
  readonly compiled: ResolvedGatewayOptions;
  readonly limits: GatewayLimits;
  readonly memory: Pick<MemoryBudget, 'limit' | 'reserve'>;
}

/** The options reload() applies and refuses, and the limits it runs on after. */
export function planReload(request: ReloadRequest): { changed: string[]; refused: RefusedOption[]; limits: GatewayLimits } {
  const { running, next, compiled, memory } = request;
  const refused: RefusedOption[] = [];
  const changed: string[] = [];
  for (const option of changedOptions(running, next)) {
    if (!isReloadable(option)) refused.push({ option, reason: NEEDS_RESTART });
    else if (option === 'maxSessions' && compiled.gatewayLimits.maxSessions * memory.reserve > memory.limit) {
      // Each session keeps a reserve of the memory budget, sized at start for maxSessions of them.
      refused.push({ option, reason: `above ${Math.floor(memory.limit / memory.reserve)} the sessions' reserves would not fit in the memory budget (memoryBudget): restart the gateway to raise it` });
    } else changed.push(option);
  }
  const applied = new Set(changed);
  const limits: Record<string, number> = { ...request.limits };
  for (const key of RELOADABLE_OPTIONS) {
    if (applied.has(key) && key in limits) limits[key] = compiled.gatewayLimits[key as keyof GatewayLimits];
  }
  return { changed, refused, limits: Object.freeze(limits) as GatewayLimits };
}
