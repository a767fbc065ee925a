import { describe, expect, it } from 'vitest';
import type { SettingValue } from '@openums/protocol';
import { EffectiveConfigEngine, toEngineProfile, type EngineProfile } from '../../src/modules/profiles/effective-config-engine.js';
import { computeEffectiveConfiguration, type ProfileAssignmentInput } from '../../src/modules/profiles/precedence.js';

/** Small deterministic PRNG so a failure can be replayed from its seed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

const KEYS = [
  'userinterface.screensaver.timeout',
  'network.dns.domain',
  'system.remotemanager.wol_proxy.enabled',
  'sessions.rdp[1].server',
  'sessions.rdp[2].server',
  'userinterface.display.monitor[1].resolution',
];

describe('bulk engine agrees with the per-device precedence engine', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('random trees and assignments (seed %i)', (seed) => {
    const r = rng(seed);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
    // A random folder tree: folder i's parent is a smaller id or none.
    const folders = 12;
    const parentOf = new Map<number, number | null>();
    for (let f = 1; f <= folders; f++) parentOf.set(f, f === 1 || r() < 0.2 ? null : 1 + Math.floor(r() * (f - 1)));
    const majors = ['12.1', '12.4', '11.5'];
    const raw = Array.from({ length: 15 }, (_, i) => {
      const settings: Record<string, SettingValue> = {};
      for (const k of KEYS) if (r() < 0.4) settings[k] = Math.floor(r() * 5);
      return { id: i + 1, type: r() < 0.3 ? 'priority' : 'standard', based_on: pick(majors), settings };
    });
    const profiles = new Map<number, EngineProfile>(raw.map((p) => [p.id, toEngineProfile(p)]));
    const folderProfiles = new Map<number, number[]>();
    for (let f = 1; f <= folders; f++)
      folderProfiles.set(
        f,
        raw.filter(() => r() < 0.15).map((p) => p.id),
      );
    for (const priorityEnabled of [true, false]) {
      const engine = new EffectiveConfigEngine({ parentOf, folderNames: new Map(), folderProfiles, profiles, priorityEnabled });
      for (let d = 0; d < 40; d++) {
        const folderId = r() < 0.1 ? null : 1 + Math.floor(r() * folders);
        const direct = raw.filter(() => r() < 0.1).map((p) => p.id);
        const own: Record<string, SettingValue> = {};
        for (const k of KEYS) if (r() < 0.3) own[k] = 100 + Math.floor(r() * 5);
        const version = pick(['12.1.0', '11.5.2', null]);
        const bulk = engine.compute({ id: d, folderId, version, own, direct });

        // The same device through precedence.ts: every assignment with its distance.
        const major = version?.split('.')[0] ?? null;
        const applies = (id: number) => {
          const p = raw[id - 1]!;
          return (priorityEnabled || p.type !== 'priority') && (major === null || p.based_on.split('.')[0] === major);
        };
        const assignments: ProfileAssignmentInput[] = [];
        const toInput = (id: number) => ({
          id,
          name: `p${id}`,
          priority: raw[id - 1]!.type === 'priority',
          settings: raw[id - 1]!.settings,
        });
        for (const id of direct.filter(applies)) assignments.push({ profile: toInput(id), distance: 0 });
        let f = folderId;
        let distance = 1;
        while (f !== null) {
          for (const id of (folderProfiles.get(f) ?? []).filter(applies)) assignments.push({ profile: toInput(id), distance, folderId: f });
          f = parentOf.get(f) ?? null;
          distance++;
        }
        const reference = computeEffectiveConfiguration({ device: { id: d, name: 'd', settings: own }, assignments });
        expect(bulk, `seed ${seed} device ${d}`).toEqual(Object.fromEntries(reference.map((p) => [p.key, p.value])));
      }
    }
  });
});
