import type { Command, CommandPage, QueuedCommand, SendCommandRequest, SendCommandResponse } from '@openums/protocol';
import { api } from './client';

export type { CommandPage, QueuedCommand };
export type SendCommandBody = SendCommandRequest;

export const COMMAND_PAGE_SIZE = 50;

/** One key per call: a lost answer is retried by the client without creating the commands twice. */
export const sendCommand = (body: SendCommandBody) =>
  api.post<SendCommandResponse>('/api/v1/devices/commands', body, { idempotencyKey: crypto.randomUUID() });
export const getCommand = (id: number, signal?: AbortSignal) => api.get<Command>(`/api/v1/commands/${id}`, undefined, signal);
/** Newest first. */
export const listDeviceCommands = (deviceId: number, cursor?: string, signal?: AbortSignal) =>
  api.get<CommandPage>(`/api/v1/devices/${deviceId}/commands`, { limit: COMMAND_PAGE_SIZE, cursor }, signal);
