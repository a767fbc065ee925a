import { Type, type Static } from 'typebox';
import { CommandName } from '../agent/messages.js';
import type { ObjectRight } from '../access.js';
import { Cursor, Id, Nullable, Page, PageLimit } from './common.js';

export const CommandState = Type.Union([
  Type.Literal('queued'),
  Type.Literal('sent'),
  Type.Literal('acknowledged'),
  Type.Literal('succeeded'),
  Type.Literal('failed'),
  Type.Literal('expired'),
  Type.Literal('cancelled'),
]);
export type CommandState = Static<typeof CommandState>;

export const SendCommandRequest = Type.Object(
  {
    command: CommandName,
    deviceIds: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 100_000, uniqueItems: true })),
    folderId: Type.Optional(Id),
    recursive: Type.Optional(Type.Boolean()),
    /** send-message: the text shown on the device. */
    text: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    /** Keep undelivered commands this long ("retry next boot"); default 24 h. */
    expiresInSeconds: Type.Optional(Type.Integer({ minimum: 10, maximum: 30 * 24 * 3600 })),
  },
  { additionalProperties: false },
);
export type SendCommandRequest = Static<typeof SendCommandRequest>;

export const Command = Type.Object({
  id: Type.Integer(),
  deviceId: Type.Integer(),
  command: Type.String(),
  text: Nullable(Type.String()),
  state: CommandState,
  message: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  sentAt: Nullable(Type.String({ format: 'date-time' })),
  acknowledgedAt: Nullable(Type.String({ format: 'date-time' })),
  finishedAt: Nullable(Type.String({ format: 'date-time' })),
  expiresAt: Type.String({ format: 'date-time' }),
  createdBy: Nullable(Type.String()),
});
export type Command = Static<typeof Command>;

export const SendCommandResponse = Type.Object({
  commands: Type.Array(Type.Object({ id: Type.Integer(), deviceId: Type.Integer(), state: CommandState })),
  /** Target devices you may see but lack the command's right on (COMMAND_RIGHT): no command was created for them. */
  refused: Type.Array(Type.Object({ deviceId: Type.Integer(), code: Type.String(), message: Type.String() })),
  /** Commands created that a device will likely refuse, e.g. shutdown of a wake-on-LAN proxy (WOL_PROXY_LOCKED). */
  warnings: Type.Optional(Type.Array(Type.Object({ deviceId: Type.Integer(), code: Type.String(), message: Type.String() }))),
});
export type SendCommandResponse = Static<typeof SendCommandResponse>;
/** One queued command of a SendCommandResponse. */
export type QueuedCommand = SendCommandResponse['commands'][number];
export const CommandPage = Page(Command);
export type CommandPage = Static<typeof CommandPage>;
export const ListCommandsQuery = Type.Object(
  { limit: Type.Optional(PageLimit), cursor: Type.Optional(Cursor) },
  { additionalProperties: false },
);
export type ListCommandsQuery = Static<typeof ListCommandsQuery>;

/** The object right each command needs on every target device (the reference's rights list). */
export const COMMAND_RIGHT: Record<CommandName, ObjectRight> = {
  reboot: 'powerControl',
  shutdown: 'powerControl',
  suspend: 'powerControl',
  wakeup: 'powerControl',
  'refresh-sysinfo': 'read',
  'send-message': 'sendMessage',
  'reset-factory-defaults': 'firmwareControl',
};
