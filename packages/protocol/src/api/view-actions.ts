import { Type, type Static } from 'typebox';
import { CommandName } from '../agent/messages.js';
import { Id } from './common.js';
import { MailAddress } from './mail.js';
import { ApplyMode } from './profiles.js';

/**
 * Export, mail and actions on a saved view's devices (issue 12; docs/views.md "Export, mail and
 * actions on a view"). The view is resolved when the route is called.
 */

/** The Device object's fields an export may name, in the Device object's order. */
export const VIEW_EXPORT_FIELDS = [
  'id',
  'unitId',
  'mac',
  'name',
  'networkName',
  'folderId',
  'site',
  'department',
  'costCenter',
  'comment',
  'assetId',
  'inServiceDate',
  'serialNumber',
  'product',
  'version',
  'lastIp',
  'lastContact',
  'lastBoot',
  'registeredAt',
  'online',
  'configChanges',
  'structureTag',
  'connectedServer',
] as const;
export type ViewExportField = (typeof VIEW_EXPORT_FIELDS)[number];
/** A device attribute's value as a column: `attribute:<identifier>`. */
export const VIEW_EXPORT_ATTRIBUTE_PREFIX = 'attribute:';
export const VIEW_EXPORT_DEFAULT_COLUMNS = ['name', 'mac', 'lastIp', 'product', 'version', 'site', 'lastContact', 'online'] as const;
export const VIEW_EXPORT_MAX_COLUMNS = 64;
/** A mailed export's attachment may not be larger (bytes). */
export const VIEW_MAIL_MAX_BYTES = 10 * 1024 * 1024;
/** Commands and profile assignments reach at most this many devices of a view per call. */
export const VIEW_ACTION_MAX_DEVICES = 10_000;

export const ViewExportFormat = Type.Union([Type.Literal('csv'), Type.Literal('json'), Type.Literal('xlsx')]);
export type ViewExportFormat = Static<typeof ViewExportFormat>;

/** One column name; checked against the fields and the defined attributes by the server. */
const ColumnName = Type.String({ minLength: 1, maxLength: 120 });

export const ViewExportQuery = Type.Object(
  {
    format: Type.Optional(ViewExportFormat),
    /** Comma-separated column names. */
    columns: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
  },
  { additionalProperties: false },
);
export type ViewExportQuery = Static<typeof ViewExportQuery>;

export const MailViewRequest = Type.Object(
  {
    format: ViewExportFormat,
    /** Default: the mail settings' administrative recipients. */
    recipients: Type.Optional(Type.Array(MailAddress, { minItems: 1, maxItems: 50, uniqueItems: true })),
    columns: Type.Optional(Type.Array(ColumnName, { minItems: 1, maxItems: VIEW_EXPORT_MAX_COLUMNS })),
  },
  { additionalProperties: false },
);
export type MailViewRequest = Static<typeof MailViewRequest>;

export const MailViewResponse = Type.Object({
  recipients: Type.Array(Type.String()),
  devices: Type.Integer(),
  bytes: Type.Integer(),
  fileName: Type.String(),
});
export type MailViewResponse = Static<typeof MailViewResponse>;

/** The body of `POST /api/v1/devices/commands` without its targets; the answer is SendCommandResponse. */
export const ViewCommandRequest = Type.Object(
  {
    command: CommandName,
    text: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    expiresInSeconds: Type.Optional(Type.Integer({ minimum: 10, maximum: 30 * 24 * 3600 })),
  },
  { additionalProperties: false },
);
export type ViewCommandRequest = Static<typeof ViewCommandRequest>;

export const AssignViewProfilesRequest = Type.Object(
  {
    profileIds: Type.Array(Id, { minItems: 1, maxItems: 20, uniqueItems: true }),
    apply: Type.Optional(ApplyMode),
  },
  { additionalProperties: false },
);
export type AssignViewProfilesRequest = Static<typeof AssignViewProfilesRequest>;

export const ViewAssignmentResult = Type.Union([Type.Literal('assigned'), Type.Literal('skipped'), Type.Literal('refused')]);
export type ViewAssignmentResult = Static<typeof ViewAssignmentResult>;

export const AssignViewProfilesResponse = Type.Object({
  /** One item per device and profile. */
  items: Type.Array(
    Type.Object({
      deviceId: Type.Integer(),
      profileId: Type.Integer(),
      result: ViewAssignmentResult,
      reason: Type.Optional(Type.String()),
    }),
  ),
  assigned: Type.Integer(),
  skipped: Type.Integer(),
  refused: Type.Integer(),
});
export type AssignViewProfilesResponse = Static<typeof AssignViewProfilesResponse>;
