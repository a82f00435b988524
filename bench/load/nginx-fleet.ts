/**
 * Three (or `instances`) gateway CLIs behind the Debian nginx, hashing the session's route
 * key so a session stays on one instance: the load test's scale-out target.
 *
 * TEMPORARY: a minimal nginx start written for the load test alone. The scale-out work
 * (issue 15 item 5, branch i15-scale) brings the tested fixture and the README's nginx
 * configuration; at merge, startNginxFleet() should start that fixture instead and keep
 * only the Deployment interface below.
 */
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnProgram, waitForPort } from '../lib/processes.ts';
import { requireProgram } from '../../e2e/fixtures/system-package.ts';
import { childPids, gatewayArgs, gatewayFiles, processCpuSeconds, startGateway, type GatewayInstance, type StartDeployment } from './deployment.ts';
import { ROUTE_PARAMETER } from './protocol.ts';

/** nginx.conf for `ports` behind 127.0.0.1:`listen`. Two workers: one per core here. */
function nginxConfig(dir: string, listen: number, ports: readonly number[], connections: number): string {
  return `${process.getuid?.() === 0 ? 'user root;\n' : ''}daemon off;
worker_processes 2;
worker_rlimit_nofile ${connections * 2 + 256};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections ${connections + 256}; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream sockway {
    hash $arg_${ROUTE_PARAMETER} consistent;
${ports.map((port) => `    server 127.0.0.1:${port} max_fails=0;`).join('\n')}
  }
  server {
    listen 127.0.0.1:${listen} backlog=4096;
    location / {
      proxy_pass http://sockway;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_read_timeout 1h;
      proxy_buffering off;
    }
  }
}
`;
}

/** `instances` gateway CLIs (each sized for the whole load: the hash need not split it evenly) behind nginx. */
export function nginxFleet(instances: number): StartDeployment {
  return async (target, sizing) => {
    const nginx = requireProgram({ name: 'nginx', debianPackage: 'nginx', candidates: ['/usr/sbin/nginx'] });
    const gateways: GatewayInstance[] = [];
    const dir = await mkdtemp(join(tmpdir(), 'sockway-load-nginx-'));
    let stopNginx = async (): Promise<void> => {};
    const stop = async (): Promise<void> => {
      await stopNginx();
      await Promise.all(gateways.map((gateway) => gateway.stop()));
      await rm(dir, { recursive: true, force: true });
    };
    try {
      for (let i = 0; i < instances; i += 1) {
        gateways.push(await startGateway([...gatewayArgs(target, sizing), '--trust-proxy', '1'], gatewayFiles(sizing)));
      }
      const listen = await freePort();
      // Each WebSocket is two nginx connections: the client's and the one to a gateway.
      writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, listen, gateways.map((gateway) => gateway.port), sizing.sessions * 2));
      const child = spawnProgram(nginx, ['-p', dir, '-c', join(dir, 'nginx.conf')]);
      stopNginx = () => child.stop();
      await waitForPort('127.0.0.1', listen, child);
      const master = child.child.pid ?? 0;
      return {
        name: `nginx-${instances}`,
        url: `ws://127.0.0.1:${listen}/`,
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
