import { Type, type Static } from 'typebox';
import { Nullable } from './common.js';

/** Longest address accepted (the longest DNS name). */
export const CLUSTER_ADDRESS_MAX_LENGTH = 253;

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
/** A DNS name or IPv4 address (`ums.example.com`, `10.0.0.5`), or an IPv6 address in brackets. */
export const ADDRESS_HOST_PATTERN = `(?:${LABEL}(?:\\.${LABEL})*|\\[[0-9A-Fa-f:.]+\\])`;
/** A port number, 1 to 65535. */
export const ADDRESS_PORT_NUMBER_PATTERN = '(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})';
const HOST = ADDRESS_HOST_PATTERN;
const PORT = `(?::${ADDRESS_PORT_NUMBER_PATTERN})?`;

/**
 * `host[:port]` or `https://host[:port]` (a trailing slash allowed, no path): devices speak TLS
 * only, so `http://` is refused. Usable with the `u` flag (`new RegExp(CLUSTER_ADDRESS_PATTERN, 'u')`).
 */
export const CLUSTER_ADDRESS_PATTERN = `^(?:https://${HOST}${PORT}/?|${HOST}${PORT})$`;

const Address = (description: string) =>
  Nullable(Type.String({ minLength: 1, maxLength: CLUSTER_ADDRESS_MAX_LENGTH, pattern: CLUSTER_ADDRESS_PATTERN, description }));

/**
 * `GET`/`PUT /api/v1/cluster-settings`: the addresses a cluster is reached at, installation-wide.
 * `null` means not set: the web app then uses the address it was opened with.
 */
export const ClusterSettings = Type.Object(
  {
    clusterAddress: Address('What browsers and the load balancer use to reach the cluster (host[:port] or https URL)'),
    enrollmentAddress: Address(
      'What devices use to enroll and reconnect; the enroll command the web app shows uses it, else the cluster address',
    ),
  },
  { additionalProperties: false },
);
export type ClusterSettings = Static<typeof ClusterSettings>;
