#!/usr/bin/env node
// npm run bench:enroll [-- --count 2000 --concurrency 16 --dialects sqlite,postgres]
// EST enrollment throughput of one server process: CSRs are made up front, then `concurrency`
// keep-alive clients post them to simpleenroll with a mass key. Prints one JSON line.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { Agent, request } from 'node:https';
import { parseArgs } from 'node:util';
import * as x509 from '@peculiar/x509';
import { call, createTarget, machine, procStats, startServer } from './lib.mjs';

x509.cryptoProvider.set(webcrypto);
const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
    dialects: { type: 'string', default: 'sqlite,postgres' },
  },
});
const N = Number(values.count);
const C = Number(values.concurrency);

const csrs = [];
for (let i = 0; i < N; i++) {
  const mac = (0x020000100000 + i).toString(16).toUpperCase().padStart(12, '0');
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${mac}`,
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  csrs.push({ mac, body: Buffer.from(csr.rawData).toString('base64') });
}

const result = { bench: 'enroll', date: new Date().toISOString(), machine: machine(), count: N, concurrency: C, results: {} };
for (const dialect of values.dialects.split(',')) {
  const t = await createTarget(dialect);
  const s = await startServer(t);
  const key = JSON.parse((await call(s, 'POST', '/api/v1/enrollment-keys', { type: 'mass' })).body).keys[0].secret;
  const agent = new Agent({ keepAlive: true, maxSockets: C, ca: s.ca });
  const one = (c) =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          servername: 'localhost',
          port: s.port,
          path: '/device-connector/device/.well-known/est/simpleenroll',
          method: 'POST',
          agent,
          ca: s.ca,
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
  const c0 = procStats(s.pid);
  const t0 = performance.now();
  let next = 0;
  const codes = {};
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (next < N) {
        const code = await one(csrs[next++]);
        codes[code] = (codes[code] ?? 0) + 1;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  result.results[dialect] = {
    perSecond: Math.round(N / secs),
    codes,
    serverCpuPercent: Math.round((100 * (procStats(s.pid).cpuSeconds - c0.cpuSeconds)) / secs),
  };
  agent.destroy();
  await s.stop();
  await t.drop();
}
process.stdout.write(`${JSON.stringify(result)}\n`);
