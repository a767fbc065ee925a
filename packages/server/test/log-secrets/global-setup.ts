import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAPTURE_ENV } from './registry.js';
import { formatFindings, scanCaptureDir } from './scan.js';

/**
 * Vitest global setup of every project: before the first test, a capture directory that every
 * server and agent started by the suite — in-process apps, spawned processes and their workers,
 * which inherit the environment — appends its log lines to, and the helpers their secrets; after
 * the last test, the scan. A secret in a log line fails the run (`npm test` exits non-zero).
 *
 * Vitest runs this once for the root and once per project; the first call owns the directory and
 * its teardown runs last, after every test of every project.
 */
export default function setup(): (() => void) | undefined {
  if (process.env[CAPTURE_ENV]) {
    // Another project's call, or a directory chosen by the caller (kept afterwards).
    mkdirSync(process.env[CAPTURE_ENV], { recursive: true });
    return process.env.OPENUMS_LOG_SCAN_OWNER ? undefined : ownerTeardown(process.env[CAPTURE_ENV], false);
  }
  const dir = mkdtempSync(join(tmpdir(), 'openums-log-capture-'));
  process.env[CAPTURE_ENV] = dir;
  return ownerTeardown(dir, true);
}

function ownerTeardown(dir: string, removeWhenClean: boolean): () => void {
  process.env.OPENUMS_LOG_SCAN_OWNER = '1';
  return () => {
    const started = Date.now();
    const result = scanCaptureDir(dir);
    const summary = `log-secret scan: ${result.lines} lines in ${result.files} files, ${result.secrets} secrets, ${Date.now() - started} ms`;
    if (result.findings.length > 0) {
      throw new Error(
        `${summary}: ${result.findings.length} secrets found in log lines (docs/testing.md#log-secret-scan); files kept in ${dir}\n` +
          formatFindings(result.findings),
      );
    }
    console.log(summary);
    if (removeWhenClean) rmSync(dir, { recursive: true, force: true });
  };
}
