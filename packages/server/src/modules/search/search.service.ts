import type { RawBuilder } from 'kysely';
import {
  ErrorCode,
  SEARCH_DEFAULT_LIMIT,
  SEARCH_TEXT_MAX,
  SEARCH_TYPES,
  checkViewRegex,
  type SearchQuery,
  type SearchResponse,
  type SearchType,
} from '@openums/protocol';
import type { Db } from '../../db/database.js';
import { isStatementTimeout, withStatementTimeout, type DialectName } from '../../db/dialect.js';
import { AppError } from '../../lib/errors.js';
import { RegexNotLinear, viewRegExp } from '../../lib/linear-regex.js';
import { SearchRepository, type SearchMatch } from './search.repository.js';

/** A quick search answers within this or not at all (PostgreSQL statement_timeout; SQLite regexp deadline). */
export const SEARCH_TIMEOUT_MS = 5_000;

/** What the administrator may browse, per type (null = everything, for a superuser). */
export type SearchScopes = Partial<Record<SearchType, RawBuilder<boolean> | null>>;

const invalid = (field: string, message: string) =>
  new AppError(ErrorCode.ValidationFailed, message, { field, issues: [{ field, message }] });

/** The types a query asks for, in their documented order (default: all). */
export function searchTypesOf(q: Pick<SearchQuery, 'types'>): SearchType[] {
  if (!q.types) return [...SEARCH_TYPES];
  const asked = new Set(q.types.split(','));
  return SEARCH_TYPES.filter((t) => asked.has(t));
}

/** `q` as a match: lower-cased text, or a regular expression the view checker accepts (400 naming `query.q` otherwise). */
export function searchMatchOf(q: Pick<SearchQuery, 'q' | 'regex'>): SearchMatch {
  if (q.regex) {
    const problem = checkViewRegex(q.q);
    if (problem) throw invalid('query.q', `query.q ${problem}`);
    try {
      viewRegExp(q.q, false);
    } catch (err) {
      if (err instanceof RegexNotLinear) throw invalid('query.q', `query.q cannot be evaluated in linear time: ${err.message}`);
      throw err;
    }
    return { regex: q.q };
  }
  const text = q.q.trim().toLowerCase();
  if (!text) throw invalid('query.q', 'query.q must contain something besides spaces');
  if (text.length > SEARCH_TEXT_MAX)
    throw invalid('query.q', `query.q must be at most ${SEARCH_TEXT_MAX} characters (256 with regex=true)`);
  const mac = text.replace(/[:-]/g, '').toUpperCase();
  return { text, mac: /^[0-9A-F]+$/.test(mac) ? mac : null };
}

const FOLDER_TABLE = { 'device-folders': 'device_folders', 'profile-folders': 'profile_folders', 'view-folders': 'view_folders' } as const;
const FOLDER_GROUP = { 'device-folders': 'deviceFolders', 'profile-folders': 'profileFolders', 'view-folders': 'viewFolders' } as const;

export class SearchService {
  constructor(
    private readonly db: Db,
    private readonly dialect: DialectName,
    private readonly timeoutMs = SEARCH_TIMEOUT_MS,
  ) {}

  /** The first `limit` matches by name of each type asked for, among those in `scopes`. */
  async search(q: SearchQuery, types: readonly SearchType[], scopes: SearchScopes): Promise<SearchResponse> {
    const match = searchMatchOf(q);
    const limit = q.limit ?? SEARCH_DEFAULT_LIMIT;
    const group = <T>(rows: T[]) => ({ items: rows.slice(0, limit), more: rows.length > limit });
    const scope = (t: SearchType) => scopes[t] ?? null;
    try {
      return await withStatementTimeout(this.db, this.dialect, this.timeoutMs, async (db) => {
        const repo = new SearchRepository(db, this.dialect);
        const out: SearchResponse = {};
        for (const type of types) {
          if (type === 'devices') {
            const rows = await repo.searchDevices(match, scope(type), limit + 1);
            out.devices = group(
              rows.map((r) => ({
                id: r.id,
                name: r.name,
                folderId: r.folder_id,
                mac: r.mac,
                unitId: r.unit_id,
                lastIp: r.last_ip,
                serialNumber: r.serial_number,
                online: r.online === 1,
              })),
            );
          } else if (type === 'profiles') {
            const rows = await repo.searchProfiles(match, scope(type), limit + 1);
            out.profiles = group(rows.map((r) => ({ id: r.id, name: r.name, folderId: r.folder_id, type: r.type })));
          } else if (type === 'views') {
            const rows = await repo.searchViews(match, scope(type), limit + 1);
            out.views = group(rows.map((r) => ({ id: r.id, name: r.name, folderId: r.folder_id })));
          } else {
            const rows = await repo.searchFolders(FOLDER_TABLE[type], match, scope(type), limit + 1);
            out[FOLDER_GROUP[type]] = group(rows.map((r) => ({ id: r.id, name: r.name, parentId: r.parent_id })));
          }
        }
        return out;
      });
    } catch (err) {
      if (isStatementTimeout(err)) {
        throw new AppError(
          ErrorCode.ViewTimeout,
          `The search took longer than ${this.timeoutMs / 1000} s; use a longer or anchored pattern, or fewer types`,
        );
      }
      throw err;
    }
  }
}
