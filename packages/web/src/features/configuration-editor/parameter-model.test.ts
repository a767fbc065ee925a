import { PARAMETER_CATALOGUE } from '@openums/protocol';
import { describe, expect, it } from 'vitest';
import { importErrors } from '../../api/profiles';
import {
  activatedCounts,
  allRows,
  buildGroupTree,
  changeCounts,
  changedKeys,
  concreteKey,
  flattenGroups,
  inSentence,
  instanceTitle,
  matchesSearch,
  nextInstanceId,
  rebaseDraft,
  rowsOfGroup,
  searchWords,
  shortMessage,
  splitByCatalogue,
  validateSettings,
  visibleInstances,
  withoutInstance,
} from './parameter-model';

const tree = buildGroupTree();
const groups = flattenGroups(tree);
const group = (id: string) => groups.find((g) => g.id === id)!;

describe('the parameter tree', () => {
  it('holds every catalogue parameter exactly once, under its group path', () => {
    expect(groups.reduce((n, g) => n + g.params.length, 0)).toBe(PARAMETER_CATALOGUE.parameters.length);
    expect(tree.map((g) => g.name)).toContain('System');
    expect(group('System/Remote Management').params.length).toBeGreaterThan(0);
    expect(group('Network/LAN').children.map((c) => c.name)).toEqual(['IEEE 802.1x']);
    expect(group('Sessions/RDP/RDP Sessions').instanceGroup?.key).toBe('sessions.rdp');
    expect(group('Sessions/RDP/RDP Global').instanceGroup).toBeUndefined();
  });

  it('lists the instances a profile has, plus ones just added, and all fixed instances', () => {
    const rdp = group('Sessions/RDP/RDP Sessions');
    const settings = { 'sessions.rdp[2].server': 'a', 'sessions.rdp[10].name': 'b', 'sessions.ica[1].name': 'c' };
    const { plain, instances } = rowsOfGroup(rdp, settings, ['11']);
    expect(plain).toEqual([]);
    expect(instances.map((i) => i.id)).toEqual(['2', '10', '11']);
    expect(instances[0]!.rows[0]!.key).toBe('sessions.rdp[2].name');
    expect(nextInstanceId(['2', '10', 'x'])).toBe('11');
    expect(nextInstanceId([])).toBe('1');

    const monitors = group('User Interface/Display/Monitors').instanceGroup!;
    expect(visibleInstances(monitors, {})).toEqual(['1', '2', '3', '4']);
  });

  it('finds rows by every word in key, description, group or value, including instance rows', () => {
    const settings = { 'sessions.rdp[1].server': 'ts1.example.org' };
    const rows = allRows(tree, settings);
    const hits = rows.filter((r) => matchesSearch(r, searchWords('RDP  example.org'), settings));
    expect(hits.map((r) => r.key)).toEqual(['sessions.rdp[1].server']);
    expect(rows.filter((r) => matchesSearch(r, searchWords('screensaver idle minutes'), {})).map((r) => r.key)).toEqual([
      'userinterface.screensaver.timeout',
    ]);
  });

  it('counts activated parameters into every ancestor group', () => {
    const counts = activatedCounts({ 'sessions.rdp[1].server': 'a', 'sessions.rdp[1].port': 3389, 'network.dns.servers': [] });
    expect(counts.get('Sessions')).toBe(2);
    expect(counts.get('Sessions/RDP/RDP Sessions')).toBe(2);
    expect(counts.get('Network')).toBe(1);
    expect(counts.get('System')).toBeUndefined();
  });
});

describe('editing helpers', () => {
  it('validates with the catalogue messages, and shortens them for the row', () => {
    const errors = validateSettings({
      'userinterface.screensaver.timeout': 99999,
      'sessions.rdp[1].port': '',
      'network.dns.servers': ['10.0.0.1'],
    });
    expect([...errors.keys()]).toEqual(['userinterface.screensaver.timeout', 'sessions.rdp[1].port']);
    const message = errors.get('userinterface.screensaver.timeout')!;
    expect(message).toBe('userinterface.screensaver.timeout: expected an integer from 1 to 720 (minutes), got number 99999');
    expect(shortMessage('userinterface.screensaver.timeout', message)).toBe(
      'expected an integer from 1 to 720 (minutes), got number 99999',
    );
  });

  it('tells activated, deactivated and changed keys apart from unchanged ones', () => {
    const saved = { a: 1, b: ['x'], c: true };
    expect(changedKeys(saved, { a: 1, b: ['x'], c: true })).toEqual([]);
    expect(changedKeys(saved, { a: 2, b: ['x'], d: 'new' })).toEqual(['a', 'c', 'd']);
  });

  it('counts a change as activated, deactivated and changed keys', () => {
    const saved = { a: 1, b: 2, c: 3 };
    const draft = { a: 1, b: 5, d: 4 };
    expect(changeCounts(saved, draft, changedKeys(saved, draft))).toEqual({ activated: 1, deactivated: 1, changed: 1 });
  });

  it('applies edits to settings that changed on the server meanwhile: untouched keys follow, edited keys keep the edit', () => {
    const base = { a: 1, b: 2, c: 3, gone: true };
    const draft = { a: 10, c: 3, gone: true, added: 'x' }; // a edited, b removed, added activated
    const next = { a: 1, b: 7, c: 30 }; // the device changed b and c and dropped `gone`
    expect(rebaseDraft(base, draft, next)).toEqual({ a: 10, c: 30, added: 'x' });
    expect(rebaseDraft(base, base, next)).toEqual(next);
  });

  it('tells catalogue parameters apart from keys a newer device reported', () => {
    expect(splitByCatalogue({ 'sessions.rdp[3].server': 'a', 'network.dns.servers': [], 'vendor.future.knob': 1 })).toEqual({
      known: { 'sessions.rdp[3].server': 'a', 'network.dns.servers': [] },
      unknown: { 'vendor.future.knob': 1 },
    });
  });

  it('removes one instance and names instances by their name setting', () => {
    const rdp = group('Sessions/RDP/RDP Sessions').instanceGroup!;
    const settings = {
      'sessions.rdp[1].name': 'Office',
      'sessions.rdp[1].port': 3390,
      'sessions.rdp[2].port': 1,
      'network.dns.servers': [],
    };
    expect(Object.keys(withoutInstance(settings, 'sessions.rdp', '1'))).toEqual(['sessions.rdp[2].port', 'network.dns.servers']);
    expect(instanceTitle(rdp, '1', settings)).toBe('Office (RDP session 1)');
    expect(instanceTitle(rdp, '2', settings)).toBe('RDP session 2');
    expect(concreteKey('sessions.rdp[].gateway.port', '3')).toBe('sessions.rdp[3].gateway.port');
    expect(inSentence('RDP session')).toBe('RDP session');
    expect(inSentence('Wireless network')).toBe('wireless network');
    expect(inSentence('OpenVPN connection')).toBe('OpenVPN connection');
  });

  it('reads the line-numbered problems of a refused import', () => {
    expect(importErrors({ errors: [{ line: 5, field: 'a.b', message: 'a.b: bad' }, { line: 1, message: 'no header' }, 'junk'] })).toEqual([
      { line: 5, field: 'a.b', message: 'a.b: bad' },
      { line: 1, message: 'no header' },
    ]);
    expect(importErrors(undefined)).toEqual([]);
  });
});
