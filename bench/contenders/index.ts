/** The contender registry, in report column order. Modules load lazily, one per worker. */
import type { Contender } from '../lib/contender.ts';

type ContenderModule = { contender: Contender };

export const CONTENDER_MODULES = {
  'direct-tcp': () => import('./direct-tcp.ts'),
  'raw-ws': () => import('./raw-ws.ts'),
  'ws-relay': () => import('./ws-relay.ts'),
  websockify: () => import('./websockify.ts'),
  sockway: () => import('./sockway.ts'),
} satisfies Record<string, () => Promise<ContenderModule>>;

export type ContenderName = keyof typeof CONTENDER_MODULES;
export const CONTENDER_NAMES = Object.keys(CONTENDER_MODULES) as ContenderName[];

export function isContenderName(name: string): name is ContenderName {
  return Object.hasOwn(CONTENDER_MODULES, name);
}

/** Loads one contender module. */
export async function loadContender(name: ContenderName): Promise<Contender> {
  const { contender } = await CONTENDER_MODULES[name]();
  if (contender.name !== name) throw new Error(`bench/contenders: module for ${name} names itself ${contender.name}`);
  return contender;
}
