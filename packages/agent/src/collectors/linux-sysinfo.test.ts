import { readFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { collectLinuxSystemInfo, parseCpuinfo, parseMeminfo, parseOsRelease } from './linux-sysinfo.js';

describe('Linux system information', () => {
  it('reads sane values from this machine', async () => {
    const s = await collectLinuxSystemInfo();
    expect(s.hostname).toBe(hostname());
    expect(s.cpu.cores).toBe(cpus().length);
    expect(s.cpu.model.length).toBeGreaterThan(0);
    expect(s.memory.totalMb).toBeGreaterThan(64);
    expect(s.memory.freeMb).toBeGreaterThan(0);
    expect(s.memory.freeMb).toBeLessThanOrEqual(s.memory.totalMb);
    expect(s.uptime).toBeGreaterThan(0);
    // boot time from btime agrees with now - uptime (within a few seconds)
    expect(Math.abs(s.bootTime + s.uptime * 1000 - Date.now())).toBeLessThan(5000);
    for (const mac of s.macs) expect(mac).toMatch(/^[0-9A-F]{12}$/);
    expect(s.product.length).toBeGreaterThan(0);
    expect(s.version.length).toBeGreaterThan(0);
    const osRelease = readFileSync('/etc/os-release', 'utf8');
    expect(s.product).toBe(parseOsRelease(osRelease).product);
  });

  it('parses the files it reads', () => {
    const mem = parseMeminfo('MemTotal:       16384000 kB\nMemFree:         1000 kB\nMemAvailable:    8192000 kB\nActive(anon):  5 kB\n');
    expect(mem.get('MemTotal')).toBe(16_384_000);
    expect(mem.get('Active(anon)')).toBe(5);
    expect(parseCpuinfo('processor\t: 0\nmodel name\t: Test CPU @ 2GHz\n\nprocessor\t: 1\nmodel name\t: Test CPU @ 2GHz\n')).toEqual({
      model: 'Test CPU @ 2GHz',
      cores: 2,
    });
    expect(parseOsRelease('NAME="Debian GNU/Linux"\nVERSION_ID="12"\n')).toEqual({ product: 'Debian GNU/Linux', version: '12' });
  });
});
