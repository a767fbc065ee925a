import { ErrorResponse, SearchQuery, SearchResponse } from '@openums/protocol';
import type { App } from '../../lib/fastify.js';
import type { DatabaseHandle } from '../../db/database.js';
import { rightsOf } from '../access/request-rights.js';
import { SearchService, searchMatchOf, searchTypesOf, type SearchScopes } from './search.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 422: ErrorResponse };
const tags = ['search'];

/** Quick search (issue 12 item 4, ADR 0008; docs/api.md). */
export function searchRoutes(app: App, database: Pick<DatabaseHandle, 'db' | 'dialect'>): void {
  const search = new SearchService(database.db, database.dialect);

  app.get('/api/v1/search', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      summary: 'Devices, profiles, views and their folders you may browse whose names match a text or regular expression',
      querystring: SearchQuery,
      response: { 200: SearchResponse, ...errors },
    },
    handler: async (req) => {
      // A bad pattern is refused before any rights are looked up.
      searchMatchOf(req.query);
      const rights = rightsOf(req);
      const types = searchTypesOf(req.query);
      // Only what the administrator may browse (ADR 0006): objects of each tree, and its folders.
      const scopes: SearchScopes = {};
      if (types.includes('devices') || types.includes('device-folders')) {
        const s = await rights.scope('device');
        scopes.devices = s.objects;
        scopes['device-folders'] = s.folders;
      }
      if (types.includes('profiles') || types.includes('profile-folders')) {
        const s = await rights.scope('profile');
        scopes.profiles = s.objects;
        scopes['profile-folders'] = s.folders;
      }
      if (types.includes('views') || types.includes('view-folders')) {
        const s = await rights.scope('view');
        scopes.views = s.objects;
        scopes['view-folders'] = s.folders;
      }
      return search.search(req.query, types, scopes);
    },
  });
}
