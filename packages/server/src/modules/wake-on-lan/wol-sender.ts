import { createSocket, type Socket } from 'node:dgram';

export interface SendReport {
  sent: string[];
  failed: { address: string; error: string }[];
}

/** Sends magic packets over UDP; the one place the server's wake-on-LAN touches the network. */
export interface PacketSender {
  send(packet: Buffer, addresses: readonly string[], port: number): Promise<SendReport>;
  close(): Promise<void>;
}

/**
 * One IPv4 UDP socket with broadcast allowed, opened on first use. A failing address (no
 * route, a blackholed network) is reported and does not stop the others.
 */
export class UdpPacketSender implements PacketSender {
  private socket: Promise<Socket> | null = null;

  private open(): Promise<Socket> {
    this.socket ??= new Promise<Socket>((resolve, reject) => {
      const s = createSocket({ type: 'udp4' });
      s.once('error', reject);
      s.bind(0, () => {
        s.off('error', reject);
        // Errors after binding arrive per send (callback); this keeps a stray one from crashing.
        s.on('error', () => undefined);
        s.setBroadcast(true);
        s.unref();
        resolve(s);
      });
    });
    return this.socket;
  }

  async send(packet: Buffer, addresses: readonly string[], port: number): Promise<SendReport> {
    const socket = await this.open();
    const report: SendReport = { sent: [], failed: [] };
    await Promise.all(
      addresses.map(
        (address) =>
          new Promise<void>((resolve) =>
            socket.send(packet, port, address, (err) => {
              if (err) report.failed.push({ address, error: (err as NodeJS.ErrnoException).code ?? err.message });
              else report.sent.push(address);
              resolve();
            }),
          ),
      ),
    );
    return report;
  }

  async close(): Promise<void> {
    const s = this.socket;
    this.socket = null;
    if (s) await s.then((socket) => new Promise<void>((r) => socket.close(() => r()))).catch(() => undefined);
  }
}
