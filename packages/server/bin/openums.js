#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';

// A larger young generation: API responses allocate many short-lived objects (rows, JSON), and
// fewer scavenges mean fewer pauses in the tail latency. Set before the heap grows.
setFlagsFromString('--max-semi-space-size=64');
const { main } = await import('../dist/main.js');

const code = await main(process.argv.slice(2));
// -1: a server keeps running. Otherwise exit now: a failed start may leave handles open (a
// worker's IPC channel, a half-started listener), and stdio to pipes and files is synchronous.
if (code >= 0) process.exit(code);
