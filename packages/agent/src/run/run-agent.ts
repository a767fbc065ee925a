import { join } from 'node:path';
import { DEVICE_CAPABILITIES, DEVICE_WS_PATH } from '@openums/protocol';
import { AttributesReporter } from '../attributes/reporter.js';
import { wsUrlFor } from '../cli/args.js';
import { DeviceClient, type Terminal } from '../connection/device-client.js';
import { TimerWheel } from '../connection/timer-wheel.js';
import { FileSessionStore } from '../connection/tls-session.js';
import { renewIfDue } from '../enroll/renew.js';
import { FileCommandStore } from '../handlers/command-store.js';
import { loadAgentConfig } from '../identity/agent-config.js';
import { ServerAddressBook } from '../identity/server-address.js';
import { STATE_FILES, loadIdentity, wipeIdentity, type Identity } from '../identity/state.js';
import { createLogger, errorMessage, type Logger } from '../lib/log.js';
import { LinuxPlatform } from '../platform/linux.js';
import type { Platform } from '../platform/platform.js';
import { RecordingPlatform } from '../platform/recording.js';
import { SettingsApplier } from '../settings/applier.js';
import { settingsPaths } from '../settings/paths.js';
import { SettingsReporter } from '../settings/reporter.js';
import { readStructureTag } from '../settings/structure-tag.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Exit codes of `run`. */
export const RUN_EXIT = { ok: 0, error: 1, deleted: 3 } as const;

export interface RunAgentOptions {
  stateDir: string;
  config?: string;
  /** Tests inject a platform and a quiet logger; 'recording' records actions instead of doing them. */
  platform?: Platform | 'linux' | 'recording';
  actionsFile?: string;
  /** Settings hooks; default: `hooksDir` of the config, else hooks.d beside the config file or in the state dir. */
  hooksDir?: string;
  log?: Logger;
  /** Resolving this stops the agent (besides SIGINT/SIGTERM). */
  stopSignal?: Promise<unknown>;
  handleSignals?: boolean;
}

function makePlatform(opts: RunAgentOptions, identity: Identity, allowPowerActions: boolean, log: Logger): Platform {
  if (typeof opts.platform === 'object') return opts.platform;
  // Reported with the system information: older servers ignore nothing (the field is optional).
  const structureTag = () => readStructureTag(settingsPaths(opts.stateDir).store, log);
  if (opts.platform === 'recording') {
    log.warn('recording platform: commands are recorded, nothing is executed on this machine');
    // Nothing real happens, so power actions are "allowed" (recorded) regardless of the config.
    const { unitId, mac } = identity.record;
    return new RecordingPlatform({
      unitId,
      mac,
      file: opts.actionsFile,
      keep: false,
      // Restarting the agent stands for rebooting the device: changes the server holds back
      // "until the next reboot" are delivered after an agent restart (tests, demos).
      bootTime: Math.floor(performance.timeOrigin),
      onAction: (a) => log.info(`recorded ${a.action}${a.text !== undefined ? `: ${a.text}` : ''}`),
      structureTag,
    });
  }
  return new LinuxPlatform({ allowPowerActions, log, structureTag });
}

/** `openums-agent run`: keep the management channel up until stopped, deleted or reset. */
export async function runAgent(opts: RunAgentOptions): Promise<number> {
  const config = loadAgentConfig(opts.stateDir, opts.config);
  const log = opts.log ?? createLogger({ level: config.logLevel });
  let identity: Identity = loadIdentity(opts.stateDir);
  const { record } = identity;
  // The address the server assigned (device enrollment address) or the last that worked.
  const addresses = ServerAddressBook.forStateDir(opts.stateDir, record.server, log);

  const sessions = new FileSessionStore(join(opts.stateDir, STATE_FILES.tlsSession));
  const renew = async () => {
    try {
      const renewed = await renewIfDue(opts.stateDir, identity, log, Date.now(), addresses.working());
      if (renewed) {
        identity = renewed;
        // A ticket belongs to the old client certificate.
        sessions.clear();
      }
    } catch (err) {
      log.warn(`certificate renewal failed (will retry): ${errorMessage(err)}`);
    }
  };
  await renew();
  const renewTimer = setInterval(() => void renew(), DAY_MS);
  renewTimer.unref();

  const store = new FileCommandStore(join(opts.stateDir, STATE_FILES.commands));
  const platform = makePlatform(opts, identity, config.allowPowerActions, log);
  const paths = settingsPaths(opts.stateDir, { hooksDir: opts.hooksDir ?? config.hooksDir, configFile: opts.config });
  // Sends through the client, created just below; only once it is online.
  const applier = new SettingsApplier({
    paths,
    log,
    platform,
    hookTimeoutMs: config.hookTimeoutSeconds * 1000,
  });
  const reporter = new SettingsReporter({
    stateDir: opts.stateDir,
    log,
    send: (m) => client.send(m),
    online: () => client.state === 'online',
  });
  const attributes = new AttributesReporter({
    stateDir: opts.stateDir,
    log,
    send: (m) => client.send(m),
    online: () => client.state === 'online',
  });
  const client: DeviceClient = new DeviceClient({
    url: () => `${wsUrlFor(addresses.nextUrl())}${DEVICE_WS_PATH}`,
    unitId: record.unitId,
    credentials: () => ({ cert: identity.certPem, key: identity.keyPem, ca: identity.caPem }),
    platform,
    store: () => store,
    sessions,
    wheel: new TimerWheel(250),
    log,
    settingsHash: () => applier.currentHash(),
    setting: (key) => applier.currentValue(key),
    capabilities: [DEVICE_CAPABILITIES.attributes],
    events: {
      online: (c, i) => {
        log.info(
          `online as device ${c.deviceId} via ${new URL(i.url).host} (${Math.round(i.connectMs)} ms, ${i.resumed ? 'resumed' : 'full'} TLS handshake)`,
        );
        addresses.connected(new URL(i.url).origin.replace(/^wss:/, 'https:'));
        void reporter.flush();
        void attributes.flush();
      },
      connectFailed: (_c, reason) => log.warn(`connection failed: ${reason}`),
      settingsReceived: (c, msg) => {
        const on = c.connectionId;
        applier.receive(msg, (answer) => c.sendOn(on, answer));
      },
      serverAddressReceived: (_c, address) => addresses.receive(address),
      attributesReceived: (_c, msg) => attributes.receive(msg),
    },
  });

  const stop = () => void client.stop();
  if (opts.handleSignals !== false) {
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  }
  void opts.stopSignal?.then(stop);
  log.info(`connecting to ${addresses.assigned() ?? addresses.working()} as ${record.unitId} (device ${record.deviceId})`);
  client.start();
  reporter.start();
  attributes.start();
  let terminal: Terminal;
  try {
    terminal = await client.done;
  } finally {
    reporter.stop();
    attributes.stop();
    // An apply in progress finishes (store and hooks stay consistent); its answer is lost, and
    // the next hello's settingsHash tells the server.
    await applier.idle();
    clearInterval(renewTimer);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await sessions.flushed();
  }

  switch (terminal.reason) {
    case 'stopped':
      log.info('stopped');
      return RUN_EXIT.ok;
    case 'deleted':
      wipeIdentity(opts.stateDir);
      log.error(`the server deleted this device (${terminal.message}); identity removed. Enroll again with a new key to re-register.`);
      return RUN_EXIT.deleted;
    case 'factory-reset':
      wipeIdentity(opts.stateDir);
      log.warn('factory reset: the device identity was removed; re-enrolling needs a new enrollment key');
      return RUN_EXIT.ok;
  }
}
