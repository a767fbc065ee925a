#!/usr/bin/env node
// node bench/naming-import.mjs [-- --devices 100000 --lines 20000 --dialects sqlite,postgres]
// (build first: tsc -b packages/protocol packages/server)
// Naming conventions and device import at scale (docs/naming-and-import.md), one JSON line:
// 1. "rename and renumber all devices" over `devices` devices: a preview page, then the rename
//    applied (batches of 500, each its own transaction) — time and the server's RSS while it runs;
// 2. a long-format import of `lines` new devices into new folders: dry run, then the import (one
//    transaction).
import { request } from 'node:https';
import { parseArgs } from 'node:util';
import { call, createTarget, machine, procStats, seed, startServer } from './lib.mjs';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '100000' },
    lines: { type: 'string', default: '20000' },
    dialects: { type: 'string', default: 'sqlite,postgres' },
  },
});
const DEVICES = Number(values.devices);
const LINES = Number(values.lines);

function postCsv(server, path, text) {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port: server.port,
        path,
        method: 'POST',
        ca: server.ca,
        headers: { 'content-type': 'text/csv', authorization: `Bearer ${server.token}` },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

async function timed(fn) {
  const t0 = performance.now();
  const r = await fn();
  return { ms: Math.round(performance.now() - t0), r };
}

function expectOk(r, what) {
  if (r.status !== 200) throw new Error(`${what}: ${r.status} ${r.body.slice(0, 500)}`);
  return JSON.parse(r.body);
}

async function run(dialect) {
  const target = await createTarget(dialect);
  try {
    await seed(target, { devices: DEVICES });
    const server = await startServer(target);
    try {
      const settings = {
        enabled: true,
        prefix: 'PC-',
        digits: 6,
        identifier: 'sequential',
        adjustNetworkName: false,
        adjustNameFromNetworkName: false,
      };
      expectOk(await call(server, 'PUT', '/api/v1/settings/naming', settings), 'settings');
      const preview = await timed(() =>
        call(server, 'POST', '/api/v1/settings/naming/rename', { renumber: true, dryRun: true, limit: 100 }),
      );
      const page = expectOk(preview.r, 'preview');
      const baseRss = procStats(server.pid).rssMb;
      let peakRss = baseRss;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, procStats(server.pid).rssMb)), 200);
      const applied = await timed(() => call(server, 'POST', '/api/v1/settings/naming/rename', { renumber: true, dryRun: false }));
      clearInterval(sampler);
      const result = expectOk(applied.r, 'rename');

      const csv = Array.from({ length: LINES }, (_, i) => {
        const mac = `0A${(0x10000000 + i).toString(16).toUpperCase().padStart(10, '0')}`;
        return `/Imported/Site ${i % 10};${mac};UD3-LX;11.10.100;;Site ${i % 10};Dept;;A-${i};01.03.2024;SN-${i};`;
      }).join('\n');
      const dry = await timed(() => postCsv(server, '/api/v1/devices/import?format=long&dryRun=true', csv));
      const dryBody = expectOk(dry.r, 'import dry run');
      const imp = await timed(() => postCsv(server, '/api/v1/devices/import?format=long', csv));
      const impBody = expectOk(imp.r, 'import');
      return {
        dialect,
        devices: DEVICES,
        renamePreviewMs: preview.ms,
        previewFirst: page.items[0]?.newName,
        renameAllMs: applied.ms,
        renamed: result.renamed,
        renamedPerSecond: Math.round(result.renamed / (applied.ms / 1000)),
        rssMbBefore: baseRss,
        rssMbPeak: peakRss,
        importLines: LINES,
        importBytes: Buffer.byteLength(csv),
        importDryRunMs: dry.ms,
        importMs: imp.ms,
        imported: impBody.created,
        dryRunCreated: dryBody.created,
      };
    } finally {
      await server.stop();
    }
  } finally {
    await target.drop();
  }
}

const results = [];
for (const dialect of values.dialects.split(',')) results.push(await run(dialect));
console.log(JSON.stringify({ bench: 'naming-import', machine: machine(), results }));
