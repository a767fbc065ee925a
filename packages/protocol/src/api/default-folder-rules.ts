import { Type, type Static } from 'typebox';
import { Id, Nullable } from './common.js';
import { ViewCriteriaSchema, type ViewCriteria } from './views.js';

/**
 * Default folder rules (issue 12 item 6, docs/folder-rules.md): an ordered tree of rules that
 * places devices in folders at registration and, where enabled, at each boot. Criteria are the
 * views' criteria JSON (docs/views.md), evaluated in memory against the device.
 */
const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });

/** At most this many rules in the whole tree (they are held in memory by every server process). */
export const DEFAULT_FOLDER_RULES_MAX = 1000;
/** Devices one `apply` call takes. */
export const DEFAULT_FOLDER_RULES_APPLY_MAX = 1000;
/**
 * Criteria fields a rule may not use: the folder is what rules decide, and assignments follow
 * from the folder (`profile`, `configChanges` also need the database).
 */
export const DEFAULT_FOLDER_RULE_REFUSED_FIELDS: readonly string[] = ['folderId', 'profile', 'configChanges'];

export const FOLDER_RULE_TARGET_MODES = ['none', 'folder', 'perSubnet'] as const;
export type FolderRuleTargetMode = (typeof FOLDER_RULE_TARGET_MODES)[number];
const TargetMode = Type.Union([Type.Literal('none'), Type.Literal('folder'), Type.Literal('perSubnet')]);

/**
 * Where a matching rule puts a device: nowhere (`none`: the rule only groups its children), one
 * folder (`folder`, `folderId`), or one folder per subnet (`perSubnet`: under `folderId`, null =
 * top level, a folder named after the device's network address — last IP AND the mask of
 * `prefixLength` bits, e.g. 10.1.2.0 — created when missing).
 */
export const FolderRuleTarget = Type.Object(
  {
    mode: TargetMode,
    folderId: Type.Optional(Nullable(Id)),
    prefixLength: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 32 }))),
  },
  { additionalProperties: false },
);
export type FolderRuleTarget = Static<typeof FolderRuleTarget>;

const RuleCriteria = Type.Unsafe<ViewCriteria>({
  type: 'object',
  additionalProperties: true,
  description: 'The criteria as saved (docs/views.md)',
});

export const DefaultFolderRule = Type.Object({
  id: Type.Integer(),
  parentId: Nullable(Type.Integer()),
  /** Order among the rules of the same parent, from 0. */
  position: Type.Integer(),
  name: Type.String(),
  criteria: RuleCriteria,
  target: Type.Object({
    mode: TargetMode,
    folderId: Nullable(Type.Integer()),
    prefixLength: Nullable(Type.Integer()),
  }),
  /** Moves devices that are already in a folder (else only devices outside any folder move). */
  overridesExistingFolder: Type.Boolean(),
  /** Applied again at each boot of the device (else only at registration and "apply now"). */
  applyAtBoot: Type.Boolean(),
  /** A device in a sub-folder of the target stays there. */
  leaveInSubfolder: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type DefaultFolderRule = Static<typeof DefaultFolderRule>;

/** The whole tree, depth first: every rule after its parent, siblings by position. */
export const DefaultFolderRuleList = Type.Object({ items: Type.Array(DefaultFolderRule) });
export type DefaultFolderRuleList = Static<typeof DefaultFolderRuleList>;

const Options = {
  overridesExistingFolder: Type.Optional(Type.Boolean()),
  applyAtBoot: Type.Optional(Type.Boolean()),
  leaveInSubfolder: Type.Optional(Type.Boolean()),
};

export const CreateDefaultFolderRuleRequest = Type.Object(
  {
    name: Name,
    parentId: Type.Optional(Nullable(Id)),
    /** Place among the siblings (0 = first); omitted or past the end: last. */
    position: Type.Optional(Type.Integer({ minimum: 0, maximum: DEFAULT_FOLDER_RULES_MAX })),
    criteria: ViewCriteriaSchema,
    target: FolderRuleTarget,
    ...Options,
  },
  { additionalProperties: false },
);
export type CreateDefaultFolderRuleRequest = Static<typeof CreateDefaultFolderRuleRequest>;

/** Any subset; `parentId` and/or `position` move the rule (with its children). */
export const UpdateDefaultFolderRuleRequest = Type.Object(
  {
    name: Type.Optional(Name),
    parentId: Type.Optional(Nullable(Id)),
    position: Type.Optional(Type.Integer({ minimum: 0, maximum: DEFAULT_FOLDER_RULES_MAX })),
    criteria: Type.Optional(ViewCriteriaSchema),
    target: Type.Optional(FolderRuleTarget),
    ...Options,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateDefaultFolderRuleRequest = Static<typeof UpdateDefaultFolderRuleRequest>;

/**
 * A device for `test`: its fields as the API names them (Device), any of them; `attributes`
 * by identifier; `folderId` where it is now (null/omitted: in no folder, as at registration).
 */
export const FolderRuleTestDevice = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 255 })),
    networkName: Type.Optional(Type.String({ maxLength: 253 })),
    mac: Type.Optional(Type.String({ maxLength: 17 })),
    unitId: Type.Optional(Type.String({ maxLength: 64 })),
    lastIp: Type.Optional(Type.String({ maxLength: 45 })),
    product: Type.Optional(Type.String({ maxLength: 128 })),
    version: Type.Optional(Type.String({ maxLength: 64 })),
    serialNumber: Type.Optional(Type.String({ maxLength: 128 })),
    site: Type.Optional(Type.String({ maxLength: 255 })),
    department: Type.Optional(Type.String({ maxLength: 255 })),
    costCenter: Type.Optional(Type.String({ maxLength: 255 })),
    comment: Type.Optional(Type.String({ maxLength: 1000 })),
    assetId: Type.Optional(Type.String({ maxLength: 255 })),
    structureTag: Type.Optional(Type.String({ maxLength: 256 })),
    folderId: Type.Optional(Nullable(Id)),
    attributes: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 100 }), { maxProperties: 500 })),
  },
  { additionalProperties: false },
);
export type FolderRuleTestDevice = Static<typeof FolderRuleTestDevice>;

export const TestDefaultFolderRulesRequest = Type.Object(
  {
    device: Type.Optional(FolderRuleTestDevice),
    /** Test an existing device as it is stored (instead of `device`). */
    deviceId: Type.Optional(Id),
    /** `registration` (default): as at enrollment; `boot`: only rules applied at boot move it. */
    at: Type.Optional(Type.Union([Type.Literal('registration'), Type.Literal('boot')])),
  },
  { additionalProperties: false },
);
export type TestDefaultFolderRulesRequest = Static<typeof TestDefaultFolderRulesRequest>;

const RuleRef = Type.Object({ id: Type.Integer(), name: Type.String(), hasTarget: Type.Boolean() });

/** Where a device would land: the rules that matched on the way, the rule that decided, the folder. */
export const FolderRuleOutcome = Type.Object({
  /** Matching rules from the top down to the deciding one (rules without target included). */
  path: Type.Array(RuleRef),
  decidingRule: Nullable(RuleRef),
  /** The deciding rule's folder (null when no rule decided or the folder is still to be created). */
  targetFolderId: Nullable(Type.Integer()),
  /** Folder path of the target, `A / B / 10.1.2.0`. */
  targetPath: Nullable(Type.String()),
  /** A per-subnet folder that does not exist yet and is created when the device is placed. */
  createsFolder: Nullable(Type.String()),
  /** Whether the device moves, given where it is and the deciding rule's options. */
  moves: Type.Boolean(),
  /** Why it moves or stays, in words. */
  reason: Type.String(),
});
export type FolderRuleOutcome = Static<typeof FolderRuleOutcome>;

export const TestDefaultFolderRulesResponse = FolderRuleOutcome;
export type TestDefaultFolderRulesResponse = Static<typeof TestDefaultFolderRulesResponse>;

export const ApplyDefaultFolderRulesRequest = Type.Object(
  {
    deviceIds: Type.Array(Id, { minItems: 1, maxItems: DEFAULT_FOLDER_RULES_APPLY_MAX, uniqueItems: true }),
    /** true: only the preview, nothing moves. */
    dryRun: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);
export type ApplyDefaultFolderRulesRequest = Static<typeof ApplyDefaultFolderRulesRequest>;

export const FolderRuleMove = Type.Object({
  deviceId: Type.Integer(),
  deviceName: Type.String(),
  fromFolderId: Nullable(Type.Integer()),
  fromPath: Nullable(Type.String()),
  toFolderId: Nullable(Type.Integer()),
  toPath: Nullable(Type.String()),
  decidingRule: Nullable(RuleRef),
  moves: Type.Boolean(),
  reason: Type.String(),
});
export type FolderRuleMove = Static<typeof FolderRuleMove>;

export const ApplyDefaultFolderRulesResponse = Type.Object({
  dryRun: Type.Boolean(),
  /** Devices moved (0 on a dry run). */
  moved: Type.Integer(),
  items: Type.Array(FolderRuleMove),
});
export type ApplyDefaultFolderRulesResponse = Static<typeof ApplyDefaultFolderRulesResponse>;
