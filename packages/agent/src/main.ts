import { PROTOCOL_VERSION } from '@openums/protocol';

const USAGE = `Usage: openums-agent <command>

The device agent. Enrollment (enroll), the management channel (run) and the device
simulator (simulate) arrive with the device-channel work; this build only reports its version.
`;

export function main(argv: string[]): number {
  const [command] = argv;
  if (command === '--version' || command === 'version') {
    process.stdout.write(`openums-agent 0.1.0 (device protocol ${PROTOCOL_VERSION})\n`);
    return 0;
  }
  process.stderr.write(USAGE);
  return command && command !== '--help' ? 2 : 0;
}
