import { PROTOCOL_VERSION } from '@openums/protocol';
import { parseEnrollArgs, parseRunArgs, parseSettingsArgs, parseSimulateArgs, UsageError } from './cli/args.js';
import { runSettingsCommand } from './cli/settings-command.js';
import { parseAttrsArgs, runAttrsCommand } from './cli/attrs-command.js';
import { enrollDevice } from './enroll/enroll.js';
import { NotEnrolledError } from './identity/state.js';
import { captureLogsTo, createLogger, errorMessage, writeStderr } from './lib/log.js';
import { runAgent } from './run/run-agent.js';
import { runSimulator, WORKER_COMMAND } from './simulate/coordinator.js';
import { runWorkerProcess } from './simulate/worker-process.js';

export const AGENT_VERSION = '0.1.0';

const USAGE = `Usage: openums-agent <command> [options]

  enroll    --server URL --key-file FILE --state-dir DIR [--ca-fingerprint sha256:…]
            [--unit-id ID] [--name NAME] [--force]
            Register this device (EST) and store its identity in DIR. The enrollment
            key comes from --key-file FILE, the OPENUMS_ENROLLMENT_KEY environment
            variable, or --key KEY (visible to other users in \`ps\`; avoid).
  run       --state-dir DIR [--config FILE] [--platform linux|recording] [--actions-file FILE]
            [--hooks-dir DIR]
            Keep the management channel to the server open and apply the settings it
            sends (hooks in DIR, default hooks.d). The recording platform only records
            commands (tests, demos).
  settings  get [KEY] | list | set KEY JSON-VALUE | unset KEY
            --state-dir DIR [--config FILE] [--hooks-dir DIR] [--show-secrets]
            Read the device's settings, or change one locally: the store is updated,
            hooks run, and the running agent reports the change to the server.
  attrs     list | range NAME | type NAME | get NAME | set NAME VALUE | reset NAME | sync
            --state-dir DIR
            Device attributes: list (identifier:type:value), the values of a range
            attribute, an attribute's type or value; set or reset a value where the
            overwrite rule lets the device (device, all); sync sends the attributes to
            the server (through the running agent) if any was changed on the device.
  simulate  --server URL --key KEY --count N --state-dir DIR [--processes P]
            [--local-addresses 127.0.0.2-127.0.0.250] [--duration SECONDS]
            [--stats-interval SECONDS] [--enroll-concurrency C] [--connect-concurrency C]
            [--ca-fingerprint sha256:…] [--mac-prefix 020000] [--actions-file FILE]
            Run N virtual devices (load tests, demos).
  version   Print the version.
`;

/** Dispatches a command line; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // Tests only: set by the test suite's global setup (docs/testing.md).
  captureLogsTo(process.env.OPENUMS_LOG_CAPTURE_DIR);
  const log = createLogger();
  try {
    switch (command) {
      case 'enroll': {
        const args = parseEnrollArgs(rest, { env: process.env });
        const identity = await enrollDevice({ ...args, log });
        process.stdout.write(`Enrolled as device ${identity.record.deviceId} (unit id ${identity.record.unitId})\n`);
        return 0;
      }
      case 'run':
        return await runAgent(parseRunArgs(rest));
      case 'settings':
        return await runSettingsCommand(parseSettingsArgs(rest), {
          log: createLogger({ level: 'warn' }),
          out: (t) => process.stdout.write(t),
          err: writeStderr,
        });
      case 'attrs':
        return await runAttrsCommand(parseAttrsArgs(rest), { out: (t) => process.stdout.write(t), err: writeStderr });
      case 'simulate':
        return await runSimulator(parseSimulateArgs(rest), { log });
      case WORKER_COMMAND:
        return await runWorkerProcess();
      case 'version':
      case '--version':
        process.stdout.write(`openums-agent ${AGENT_VERSION} (device protocol ${PROTOCOL_VERSION})\n`);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      writeStderr(`openums-agent: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof NotEnrolledError) {
      writeStderr(`openums-agent: ${err.message}\n`);
      return 1;
    }
    writeStderr(`openums-agent: ${errorMessage(err)}\n`);
    return 1;
  }
}
