import { describe, expect, it } from 'vitest';
import { clusterReasons } from './cluster-state';

describe('clusterReasons', () => {
  it('lists nothing when the server is ok and the servers agree', () => {
    expect(clusterReasons({ status: 'ok' }, [])).toEqual([]);
    expect(clusterReasons(undefined, [])).toEqual([]);
  });

  it("keeps the server's reasons when the server list explains nothing", () => {
    const check = {
      status: 'warn' as const,
      reasons: ['server clocks differ by up to 90 s (worst: ums-a worker 0); synchronise them with NTP'],
    };
    expect(clusterReasons(check, [])).toEqual(check.reasons);
  });

  it('says a version or clock difference once, in the wording that names hosts', () => {
    const check = {
      status: 'warn' as const,
      reasons: [
        'servers run different versions (0.1.0, 0.2.0); update every server to the same version',
        'server clocks differ by up to 95 s',
      ],
    };
    const byHost = [
      'The running servers have different versions: 0.1.0 on ums-a; 0.2.0 on ums-b. Update every server to the same version.',
    ];
    expect(clusterReasons(check, byHost)).toEqual(['server clocks differ by up to 95 s', ...byHost]);
  });

  it('shows errors next to the disagreements', () => {
    const byHost = ['The clocks of the servers differ by 2 min: ums-b is ahead of ums-a. Synchronize the clocks of all servers (NTP).'];
    expect(clusterReasons({ status: 'err', reasons: ['the database does not answer'] }, byHost)).toEqual([
      'the database does not answer',
      ...byHost,
    ]);
  });
});
