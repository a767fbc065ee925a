import { readFile, readdir } from 'node:fs/promises';
import { cpus, hostname, networkInterfaces, totalmem, freemem, uptime as osUptime } from 'node:os';
import type { SystemInfo } from '@openums/protocol';
import { normalizeMac } from '../identity/mac.js';

export const FALLBACK_PRODUCT = 'OpenUMS Linux agent';

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

/** key → value of /proc/meminfo in kB. */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

export function parseCpuinfo(text: string): { model: string; cores: number } {
  let model = '';
  let cores = 0;
  for (const line of text.split('\n')) {
    const [k, ...rest] = line.split(':');
    const key = k?.trim();
    const value = rest.join(':').trim();
    if (key === 'processor') cores++;
    else if (!model && (key === 'model name' || key === 'Hardware' || key === 'cpu model' || key === 'Model')) model = value;
  }
  return { model, cores };
}

/** /etc/os-release: NAME or PRETTY_NAME → product, VERSION_ID or VERSION → version. */
export function parseOsRelease(text: string): { product?: string; version?: string } {
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) vars.set(m[1]!, m[2]!.replace(/^["']|["']$/g, ''));
  }
  return { product: vars.get('PRETTY_NAME') ?? vars.get('NAME'), version: vars.get('VERSION_ID') ?? vars.get('VERSION') };
}

/** Seconds since the epoch at boot, from the `btime` line of /proc/stat. */
export function parseBootTime(statText: string): number | null {
  const m = /^btime\s+(\d+)/m.exec(statText);
  return m ? Number(m[1]) : null;
}

const clip = (s: string, max: number) => (s.length > max ? s.slice(0, max) : s);

/** System facts for hello and refresh-sysinfo, read from /proc, /sys and /etc (os.* as fallback). */
export async function collectLinuxSystemInfo(root = ''): Promise<SystemInfo> {
  const [meminfo, cpuinfo, uptimeText, stat, osRelease, serialText] = await Promise.all([
    readText(`${root}/proc/meminfo`),
    readText(`${root}/proc/cpuinfo`),
    readText(`${root}/proc/uptime`),
    readText(`${root}/proc/stat`),
    readText(`${root}/etc/os-release`),
    readText(`${root}/sys/class/dmi/id/product_serial`),
  ]);

  const mem = meminfo ? parseMeminfo(meminfo) : new Map<string, number>();
  const totalMb = Math.floor((mem.get('MemTotal') ?? totalmem() / 1024) / 1024);
  const freeMb = Math.floor((mem.get('MemAvailable') ?? mem.get('MemFree') ?? freemem() / 1024) / 1024);

  const cpu = cpuinfo ? parseCpuinfo(cpuinfo) : { model: '', cores: 0 };
  if (!cpu.model) cpu.model = cpus()[0]?.model ?? 'unknown';
  if (!cpu.cores) cpu.cores = cpus().length;

  const up = uptimeText ? Math.floor(Number(uptimeText.split(/\s+/)[0])) : Math.floor(osUptime());
  const btime = stat ? parseBootTime(stat) : null;
  const bootTime = btime !== null ? btime * 1000 : Date.now() - up * 1000;

  const os = osRelease ? parseOsRelease(osRelease) : {};
  const serial = serialText?.trim();

  const sys: SystemInfo = {
    hostname: clip(hostname(), 253),
    macs: (await collectMacs(root)).slice(0, 32),
    ips: collectIps().slice(0, 64),
    product: clip(os.product || FALLBACK_PRODUCT, 128),
    version: clip(os.version || 'unknown', 64),
    bootTime,
    uptime: Math.max(0, up),
    cpu: { model: clip(cpu.model, 256), cores: Math.min(4096, cpu.cores) },
    memory: { totalMb: Math.max(0, totalMb), freeMb: Math.max(0, freeMb) },
  };
  if (serial) sys.serial = clip(serial, 128);
  return sys;
}

/** Hardware addresses from /sys/class/net/*\/address (loopback and all-zero skipped). */
async function collectMacs(root: string): Promise<string[]> {
  const macs = new Set<string>();
  let names: string[] = [];
  try {
    names = (await readdir(`${root}/sys/class/net`)).sort();
  } catch {
    names = [];
  }
  for (const name of names) {
    if (name === 'lo') continue;
    const text = await readText(`${root}/sys/class/net/${name}/address`);
    const mac = text ? normalizeMac(text.trim()) : '';
    if (/^[0-9A-F]{12}$/.test(mac) && mac !== '000000000000') macs.add(mac);
  }
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      const mac = normalizeMac(a.mac);
      if (!a.internal && /^[0-9A-F]{12}$/.test(mac) && mac !== '000000000000') macs.add(mac);
    }
  }
  return [...macs];
}

function collectIps(): string[] {
  const ips: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (!a.internal && !ips.includes(a.address)) ips.push(a.address.slice(0, 45));
    }
  }
  return ips;
}
