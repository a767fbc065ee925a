#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';

// A larger young generation: API responses allocate many short-lived objects (rows, JSON), and
// fewer scavenges mean fewer pauses in the tail latency. Set before the heap grows.
setFlagsFromString('--max-semi-space-size=64');
const { main } = await import('../dist/main.js');

const code = await main(process.argv.slice(2));
if (code >= 0) {
  process.exitCode = code;
  // A worker's IPC channel would keep it alive: tell the supervisor by exiting.
  if (process.env.OPENUMS_WORKER_INDEX !== undefined) process.exit(code);
}
