export * from './errors.js';
export * from './api/common.js';
export * from './api/auth.js';
export * from './api/folders.js';
export * from './api/devices.js';
export * from './api/monitoring.js';
export * from './permissions.js';
export { PROTOCOL_VERSION } from './version.js';
