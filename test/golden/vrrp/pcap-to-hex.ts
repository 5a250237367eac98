// Usage: node test/golden/vrrp/pcap-to-hex.ts FILE.pcap [--priority N] > FILE.hex
// Writes the first VRRP (IP protocol 112) packet of the capture (with priority N if given) in
// the .hex golden format.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { pcapPackets, ipPayload, formatGolden } from './pcap.ts';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: pcap-to-hex.ts FILE.pcap\n');
  process.exit(2);
}
const pi = process.argv.indexOf('--priority');
const prio = pi > 0 ? Number(process.argv[pi + 1]) : undefined;
const pkts = pcapPackets(new Uint8Array(readFileSync(file)))
  .map(ipPayload)
  .filter((p) => p.protocol === 112 && (prio === undefined || p.payload[2] === prio));
if (pkts.length === 0) {
  process.stderr.write(`${file}: no VRRP packet\n`);
  process.exit(1);
}
process.stdout.write(formatGolden(pkts[0], `keepalived 2.2.7 advert captured by capture.sh from ${basename(file)}`));
