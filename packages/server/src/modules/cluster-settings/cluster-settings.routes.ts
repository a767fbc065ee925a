import { ClusterSettings, ErrorResponse, GeneralRight } from '@openums/protocol';
import { rightsOf } from '../access/request-rights.js';
import type { App } from '../../lib/fastify.js';
import type { ClusterSettingsService } from './cluster-settings.service.js';
import { auditContext } from '../audit/audit-context.js';

// Re-exported so that app.ts wires the module with one import.
export { ClusterSettingsService } from './cluster-settings.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse };
const tags = ['cluster'];

export function clusterSettingsRoutes(app: App, clusterSettings: ClusterSettingsService): void {
  app.get('/api/v1/cluster-settings', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      summary: 'The cluster address and the device enrollment address (null: not set)',
      response: { 200: ClusterSettings, ...errors },
    },
    handler: (req) => {
      rightsOf(req).anyAdministrator('cluster addresses (no secrets)');
      return clusterSettings.getClusterSettings();
    },
  });

  app.put('/api/v1/cluster-settings', {
    config: { access: { general: GeneralRight.Servers } },
    schema: {
      tags,
      summary: 'Set the cluster address and the device enrollment address (null clears one)',
      body: ClusterSettings,
      response: { 200: ClusterSettings, ...errors },
    },
    handler: (req) => clusterSettings.updateClusterSettings(auditContext(req), req.body),
  });
}
