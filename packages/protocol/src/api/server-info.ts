import { Type, type Static } from 'typebox';

/** `GET /api/v1/server`: identity of this server process and installation. */
export const ServerInfoResponse = Type.Object({
  serverId: Type.String(),
  installationId: Type.String(),
  version: Type.String(),
  database: Type.String(),
  /** SHA-256 fingerprint of the web CA, for `openums-agent enroll --ca-fingerprint`; null without a web CA. */
  webCaFingerprint: Type.Union([Type.String(), Type.Null()]),
});
export type ServerInfoResponse = Static<typeof ServerInfoResponse>;
