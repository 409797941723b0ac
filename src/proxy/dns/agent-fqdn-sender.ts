// Sends an allowed answer to the agent's FQDN layer (POST /v1/fqdn/observe on its unix socket); for FqdnRelay.
import { request } from 'node:http';
import type { DnsAnswerObservation } from './dns-proxy.js';

/** Resolves when the agent has enforced the answer's addresses; rejects when it is away or refuses. */
export function agentFqdnSender(
  socketPath: string,
  timeoutMs = 2000,
): (obs: DnsAnswerObservation) => Promise<void> {
  return (obs) =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          socketPath,
          path: '/v1/fqdn/observe',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          timeout: timeoutMs,
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`the agent answered ${res.statusCode}`)),
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error(`the agent did not answer in ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(JSON.stringify(obs));
    });
}
