/**
 * Three gateway CLIs behind the Debian nginx, configured as docs/deployment.md says (e2e/fixtures/load-balancer/nginx.conf, started by the e2e nginx fixture): the load
 * test's scale-out target. nginx hashes each session's route key, so a session stays on one
 * instance.
 */
import { balancerConfig, deployed, DOCUMENTED_PORTS } from '../../e2e/fixtures/load-balancer/deployed.ts';
import { freePort } from '../../e2e/fixtures/servers/daemon.ts';
import { type Nginx, startNginx } from '../../e2e/fixtures/servers/nginx.ts';
import { childPids, gatewayArgs, gatewayFiles, processCpuSeconds, startGateway, type GatewayInstance, type StartDeployment } from './deployment.ts';

/** The documented upgrade path, which the gateways serve behind it. */
const PATH = '/sockway';

/** The documented three gateway CLIs (each sized for the whole load: the hash need not split it evenly) behind its nginx. */
export function nginxFleet(instances: number): StartDeployment {
  if (instances !== DOCUMENTED_PORTS.length) throw new Error(`the nginx configuration of docs/deployment.md has ${DOCUMENTED_PORTS.length} instances, not ${instances}`);
  return async (target, sizing) => {
    const gateways: GatewayInstance[] = [];
    let nginx: Nginx | null = null;
    const stop = async (): Promise<void> => {
      await nginx?.close();
      await Promise.all(gateways.map((gateway) => gateway.stop()));
    };
    try {
      for (let i = 0; i < instances; i += 1) {
        gateways.push(await startGateway([...gatewayArgs(target, sizing), '--path', PATH, '--trust-proxy', '1'], gatewayFiles(sizing)));
      }
      const listen = await freePort();
      const site = deployed(balancerConfig('nginx.conf'), ['listen 80;', `listen 127.0.0.1:${listen} backlog=4096;`], gateways.map((gateway) => gateway.port));
      // One worker per core; each WebSocket is two nginx connections, the client's and the one to a gateway.
      const started = await startNginx(site, { workerProcesses: 2, workerConnections: sizing.sessions * 2 + 256 });
      nginx = started;
      const master = started.pid;
      return {
        name: `nginx-${instances}`,
        url: `ws://127.0.0.1:${listen}${PATH}`,
        instances: gateways,
        // The master and its workers (a worker's CPU is gone once it exits: read before stop()).
        balancer: { name: 'nginx', cpuSeconds: () => [master, ...childPids(master)].reduce((sum, pid) => sum + processCpuSeconds(pid), 0) },
        stop,
      };
    } catch (error) {
      await stop();
      throw error;
    }
  };
}
