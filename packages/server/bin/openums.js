#!/usr/bin/env -S node --max-semi-space-size=64 --initial-old-space-size=256
// The `#!` line gives the server the heap sizes of src/lib/heap-flags.ts (V8 takes them only at
// start, on node's command line); `npm start`, the systemd unit of docs/install.md and the benches
// pass the same. `node bin/openums.js` without them runs with Node's defaults (the server says so).
const { main } = await import('../dist/main.js');

const code = await main(process.argv.slice(2));
// -1: a server keeps running. Otherwise exit now: a failed start may leave handles open (a
// worker's IPC channel, a half-started listener), and stdio to pipes and files is synchronous.
if (code >= 0) process.exit(code);
