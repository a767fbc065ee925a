import { describe, expect, it } from 'vitest';
import { connectionLimit, openFilesLimit } from './open-files.js';

const limits = (soft: string) =>
  `Limit                     Soft Limit           Hard Limit           Units\nMax processes             96000                96000                processes\nMax open files            ${soft}                20000                files\n`;

describe('open files', () => {
  it('reads the soft limit and keeps a reserve below it', () => {
    expect(openFilesLimit(limits('20000'))).toBe(20000);
    expect(connectionLimit(20000)).toBe(19000);
  });
  it('sets no limit where the kernel sets none or the text is unknown', () => {
    expect(openFilesLimit(limits('unlimited'))).toBeNull();
    expect(openFilesLimit('nothing here')).toBeNull();
    expect(connectionLimit(null)).toBeNull();
  });
  it('never goes below 100 connections', () => {
    expect(connectionLimit(1024)).toBe(100);
  });
  it('reads this process', () => {
    expect(openFilesLimit()).toBeGreaterThan(0);
  });
});
