/**
 * 'sockway/net': a drop-in `net` module bound to the tunnel set by
 * configure({ url }) from 'sockway'. Bundlers alias `net` / `node:net` here.
 */
import { defaultTunnelCore } from './config.ts';
import { createNet } from './net.ts';

const net = createNet(() => defaultTunnelCore);

export const {
  Socket,
  Stream,
  connect,
  createConnection,
  isIP,
  isIPv4,
  isIPv6,
  createServer,
  Server,
  getDefaultAutoSelectFamily,
  setDefaultAutoSelectFamily,
  getDefaultAutoSelectFamilyAttemptTimeout,
  setDefaultAutoSelectFamilyAttemptTimeout,
} = net;
export default net;
