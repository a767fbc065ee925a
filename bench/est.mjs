// EST enrollment of the benchmarks: CSRs made up front (key generation is not what is measured),
// then keep-alive clients posting them to simpleenroll with a mass enrollment key.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { Agent, request } from 'node:https';
import * as x509 from '@peculiar/x509';
import { procStats } from './lib.mjs';

x509.cryptoProvider.set(webcrypto);

/** `count` P-256 certificate requests, each for a MAC counting up from `firstMac`: [{ mac, body }]. */
export async function makeCsrs(count, firstMac) {
  const csrs = [];
  for (let i = 0; i < count; i++) {
    const mac = (firstMac + i).toString(16).toUpperCase().padStart(12, '0');
    const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: `CN=${mac}`,
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    });
    csrs.push({ mac, body: Buffer.from(csr.rawData).toString('base64') });
  }
  return csrs;
}

/** An EST client of `server` (from lib's startServer) enrolling with `key` over `concurrency` keep-alive connections. */
export function estClient(server, key, concurrency) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, ca: server.ca });
  const one = (c) =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          servername: 'localhost',
          port: server.port,
          path: '/device-connector/device/.well-known/est/simpleenroll',
          method: 'POST',
          agent,
          ca: server.ca,
          headers: {
            'content-type': 'application/pkcs10',
            authorization: `Bearer ${key}`,
            'x-openums-device': Buffer.from(JSON.stringify({ unitId: c.mac, mac: c.mac })).toString('base64url'),
          },
        },
        (r) => {
          r.resume();
          r.on('end', () => resolve(r.statusCode));
        },
      );
      req.on('error', reject);
      req.end(c.body);
    });
  return {
    /** Posts every CSR of `batch`, `concurrency` at a time: throughput, status codes and the server's CPU. */
    async run(batch) {
      const c0 = procStats(server.pid);
      const t0 = performance.now();
      let next = 0;
      const codes = {};
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < batch.length) {
            const code = await one(batch[next++]);
            codes[code] = (codes[code] ?? 0) + 1;
          }
        }),
      );
      const secs = (performance.now() - t0) / 1000;
      return {
        count: batch.length,
        secs,
        perSecond: Math.round(batch.length / secs),
        codes,
        serverCpuPercent: Math.round((100 * (procStats(server.pid).cpuSeconds - c0.cpuSeconds)) / secs),
      };
    },
    close: () => agent.destroy(),
  };
}
