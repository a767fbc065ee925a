import { Agent as HttpsAgent } from 'node:https';
import { DEVICE_CAPABILITIES, DEVICE_WS_PATH, type EnrollDeviceInfo, type SettingsMessage } from '@openums/protocol';
import { wsUrlFor } from '../cli/args.js';
import { Backoff } from '../connection/backoff.js';
import { DeviceClient, type ClientEvents } from '../connection/device-client.js';
import { TimerWheel } from '../connection/timer-wheel.js';
import { MemorySessionStore } from '../connection/tls-session.js';
import { createKeyAndCsr, deviceIdFromCert, needsRenewal, type DeviceKeyAndCsr } from '../crypto/x509.js';
import { EstError, requestCertificate } from '../enroll/est-client.js';
import { reenroll } from '../enroll/renew.js';
import { MemoryCommandStore } from '../handlers/command-store.js';
import { errorMessage, type Logger } from '../lib/log.js';
import { Semaphore } from '../lib/semaphore.js';
import { RecordingPlatform, SIMULATED_OS_VERSION } from '../platform/recording.js';
import { EMPTY_SETTINGS_HASH } from '../settings/hash.js';
import type { SettingsMap } from '../settings/values.js';
import { loadSimIdentity, macFor, removeSimIdentity, saveSimIdentity, type SimIdentity } from './identities.js';
import { applySimSettings, type SimSettings } from './sim-settings.js';
import { emptyStats, type WorkerConfig, type WorkerStats } from './stats.js';

/** What a virtual device names in hello: what the real agent names (run-agent.ts). */
const SIMULATED_CAPABILITIES = [DEVICE_CAPABILITIES.attributes] as const;

/** One virtual device: small on purpose (thousands per process). */
interface VirtualDevice {
  n: number;
  mac: string;
  identity: SimIdentity | null;
  client: DeviceClient | null;
  store: MemoryCommandStore | null;
  firstOnline: boolean;
  settings: SimSettings | null;
  /** Settings changed since loaded: saved with the identity at stop. */
  settingsDirty: boolean;
}

const ENROLL_ATTEMPTS = 6;

/**
 * The devices of one simulator process: load or enroll identities (limited concurrency), then
 * run each through the same DeviceClient as `run`, on one shared timer wheel and handshake gate.
 */
export class SimulatorWorker {
  readonly stats: WorkerStats = emptyStats();
  readonly connectMs: number[] = [];
  readonly handshakeMs: number[] = [];
  readonly timeToOnlineMs: number[] = [];
  private readonly devices: VirtualDevice[] = [];
  private readonly wheel = new TimerWheel(100);
  private readonly enrollGate: Semaphore;
  private readonly connectGate: Semaphore;
  private readonly httpsAgent: HttpsAgent;
  private readonly url: string;
  private stopping = false;
  private readonly events: ClientEvents;
  private readonly internedSettings = new Map<string, SettingsMap>();
  /** One function for all devices (no closure per device). */
  private readonly helloHash = (c: DeviceClient) => this.devices[this.indexOf(c.unitId)]?.settings?.hash ?? EMPTY_SETTINGS_HASH;

  constructor(
    readonly cfg: WorkerConfig,
    private readonly log: Logger,
  ) {
    this.enrollGate = new Semaphore(cfg.enrollConcurrency);
    this.connectGate = new Semaphore(cfg.connectConcurrency);
    this.httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: cfg.enrollConcurrency });
    this.url = `${wsUrlFor(cfg.server)}${DEVICE_WS_PATH}`;
    this.stats.devices = cfg.last - cfg.first + 1;
    const s = this.stats;
    this.events = {
      stateChanged: (_c, from, to) => {
        if (from === 'online') s.online--;
        if (from === 'connecting') s.connecting--;
        if (to === 'online') s.online++;
        if (to === 'connecting') s.connecting++;
      },
      online: (c, info) => {
        if (info.resumed) s.resumed++;
        else s.fullHandshakes++;
        this.connectMs.push(info.connectMs);
        this.handshakeMs.push(info.handshakeMs);
        const dev = this.devices[this.indexOf(c.unitId)];
        if (dev && !dev.firstOnline) {
          dev.firstOnline = true;
          this.timeToOnlineMs.push(Date.now() - cfg.startedAt);
        }
      },
      connectFailed: () => s.failedConnect++,
      settingsReceived: (c, msg) => this.onSettings(c, msg),
      // Taken and dropped: a virtual device keeps no attributes, but it names the capability
      // (below) so that the server does the work per hello that it does for a real agent.
      attributesReceived: () => s.attributesReceived++,
      commandExecuted: () => s.commands++,
      invalidMessage: () => s.invalidMessages++,
      terminated: (c, t) => {
        if (t.reason === 'stopped') return;
        const dev = this.devices[this.indexOf(c.unitId)];
        if (!dev) return;
        s.deleted++;
        s.enrolled--;
        this.log.warn(
          `device ${dev.n} (${dev.mac}): ${t.reason === 'deleted' ? 'deleted on the server' : 'factory reset'}; identity removed`,
        );
        dev.client = null;
        dev.identity = null;
        dev.settings = null;
        dev.settingsDirty = false;
        void removeSimIdentity(cfg.stateDir, dev.n);
      },
    };
  }

  private indexOf(unitId: string): number {
    return Number.parseInt(unitId.slice(6), 16) - this.cfg.first;
  }

  async start(): Promise<void> {
    const { cfg } = this;
    for (let n = cfg.first; n <= cfg.last; n++) {
      this.devices.push({
        n,
        mac: macFor(cfg.macPrefix, n),
        identity: null,
        client: null,
        store: null,
        firstOnline: false,
        settings: null,
        settingsDirty: false,
      });
    }
    // Load stored identities in parallel batches; enroll the missing ones in the background.
    const loadGate = new Semaphore(64);
    await Promise.all(
      this.devices.map((dev) =>
        loadGate.run(async () => {
          dev.identity = await loadSimIdentity(cfg.stateDir, dev.n, dev.mac);
          dev.settings = dev.identity?.settings ?? null;
          if (dev.identity) {
            this.stats.enrolled++;
            if (needsRenewal(dev.identity.certPem)) void this.renew(dev).finally(() => this.startDevice(dev));
            else this.startDevice(dev);
          } else {
            void this.enroll(dev);
          }
        }),
      ),
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const running = this.devices.filter((d) => d.client).map((d) => d.client!.stop());
    await Promise.race([Promise.all(running), new Promise((r) => setTimeout(r, 10_000).unref())]);
    await Promise.race([this.saveSettings(), new Promise((r) => setTimeout(r, 15_000).unref())]);
    this.wheel.clear();
    this.httpsAgent.destroy();
  }

  private onSettings(c: DeviceClient, msg: SettingsMessage): void {
    const s = this.stats;
    s.settingsReceived++;
    const dev = this.devices[this.indexOf(c.unitId)];
    if (!dev) return;
    const result = applySimSettings(dev.settings, msg, this.internedSettings);
    if (result.changed) {
      dev.settings = result.store;
      dev.settingsDirty = true;
    }
    const ok = result.answer.ok;
    if (!ok) s.settingsFailed++;
    void c.send(result.answer).then((sent) => {
      if (sent && ok) {
        s.settingsApplied++;
        s.lastSettingsAppliedAt = Date.now();
      }
    });
  }

  /** Writes the settings of devices that changed them back into their identity files (cheap: only those). */
  private async saveSettings(): Promise<void> {
    const gate = new Semaphore(64);
    await Promise.all(
      this.devices
        .filter((d) => d.settingsDirty && d.identity && d.settings)
        .map((d) =>
          gate.run(async () => {
            try {
              await saveSimIdentity(this.cfg.stateDir, { ...d.identity!, settings: d.settings! });
              d.settingsDirty = false;
            } catch (err) {
              this.log.warn(`device ${d.n}: cannot save its settings: ${errorMessage(err)}`);
            }
          }),
        ),
    );
  }

  private startDevice(dev: VirtualDevice): void {
    if (this.stopping || !dev.identity || dev.client) return;
    const { cfg } = this;
    const id = dev.identity;
    const localAddress = cfg.localAddresses.length ? cfg.localAddresses[dev.n % cfg.localAddresses.length] : undefined;
    dev.client = new DeviceClient({
      url: this.url,
      unitId: dev.mac,
      credentials: () => ({ cert: dev.identity?.certPem ?? id.certPem, key: dev.identity?.keyPem ?? id.keyPem, ca: cfg.caPem }),
      platform: new RecordingPlatform({
        unitId: dev.mac,
        mac: dev.mac,
        keep: false,
        file: cfg.actionsFile,
        bootTime: cfg.startedAt,
      }),
      store: () => (dev.store ??= new MemoryCommandStore(100)),
      sessions: new MemorySessionStore(),
      wheel: this.wheel,
      log: this.log,
      gate: this.connectGate,
      localAddress,
      backoff: new Backoff(),
      settingsHash: this.helloHash,
      capabilities: SIMULATED_CAPABILITIES,
      events: this.events,
    });
    dev.client.start();
  }

  private info(dev: VirtualDevice): EnrollDeviceInfo {
    return {
      unitId: dev.mac,
      mac: dev.mac,
      product: 'OpenUMS simulated device',
      version: SIMULATED_OS_VERSION,
      hostname: `sim-${dev.mac.toLowerCase()}`,
    };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.wheel.schedule(ms, resolve));
  }

  private async enroll(dev: VirtualDevice): Promise<void> {
    const backoff = new Backoff({ baseMs: 1000, capMs: 30_000 });
    // One key pair for every attempt: a repeat after a lost answer (timeout) is then the same
    // device to the server, which issues the certificate again instead of 409.
    let request: DeviceKeyAndCsr | null = null;
    for (let attempt = 1; attempt <= ENROLL_ATTEMPTS && !this.stopping; attempt++) {
      let retryIn: number | null = null;
      await this.enrollGate.run(async () => {
        if (this.stopping) return;
        try {
          request ??= await createKeyAndCsr(dev.mac);
          const { keyPem, csrDer } = request;
          const certPem = await requestCertificate({
            server: this.cfg.server,
            ca: this.cfg.caPem,
            csrDer,
            info: this.info(dev),
            enrollmentKey: this.cfg.key,
            agent: this.httpsAgent,
          });
          const identity: SimIdentity = {
            n: dev.n,
            unitId: dev.mac,
            mac: dev.mac,
            deviceId: deviceIdFromCert(certPem) ?? 0,
            keyPem,
            certPem,
            enrolledAt: new Date().toISOString(),
          };
          await saveSimIdentity(this.cfg.stateDir, identity);
          dev.identity = identity;
          this.stats.enrolled++;
        } catch (err) {
          const retryable = !(err instanceof EstError) || err.status === 429 || err.status >= 500;
          if (!retryable || attempt === ENROLL_ATTEMPTS) {
            this.stats.failedEnroll++;
            this.log.warn(`device ${dev.n} (${dev.mac}): enrollment failed: ${errorMessage(err)}`);
            return;
          }
          retryIn =
            err instanceof EstError && err.retryAfterSeconds !== null
              ? err.retryAfterSeconds * 1000 + Math.random() * 1000
              : backoff.next();
        }
      });
      if (dev.identity) return this.startDevice(dev);
      if (retryIn === null) return;
      await this.sleep(retryIn);
    }
  }

  private async renew(dev: VirtualDevice): Promise<void> {
    const id = dev.identity!;
    await this.enrollGate.run(async () => {
      try {
        const fresh = await reenroll({
          server: this.cfg.server,
          caPem: this.cfg.caPem,
          certPem: id.certPem,
          keyPem: id.keyPem,
          info: this.info(dev),
        });
        dev.identity = { ...id, ...fresh };
        await saveSimIdentity(this.cfg.stateDir, dev.identity);
      } catch (err) {
        this.log.warn(`device ${dev.n}: certificate renewal failed: ${errorMessage(err)}`);
      }
    });
  }
}
