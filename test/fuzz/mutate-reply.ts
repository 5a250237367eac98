// Byte mutations of SMTP reply streams aimed at the reply syntax (separators, digits, line ends,
// the reader's bounds), shared by test/unit/checks/smtp-reply.test.ts and test/fuzz/decoders.ts.
import { MAX_LINE_BYTES, MAX_REPLY_BYTES } from '../../checks/smtp-reply.ts';
import type { Rng } from './mutate.ts';

/** A valid SMTP_CHECK dialogue as the server sends it: multi-line banner, EHLO-style 250, 221. */
export const SMTP_DIALOGUE = '220-mail.example ESMTP\r\n220 ready\r\n250-mail.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n221 2.0.0 bye\r\n';

/** Mutations aimed at the reply syntax: its separators, digits, line ends and bounds. */
export function mutateReply(src: Buffer, rnd: Rng): Buffer {
  const int = (n: number) => Math.floor(rnd() * n);
  let b = Buffer.from(src);
  const rounds = 1 + int(4);
  for (let r = 0; r < rounds; r++) {
    const at = int(b.length + 1);
    const ins = (x: Buffer) => (b = Buffer.concat([b.subarray(0, at), x, b.subarray(at)]));
    switch (int(9)) {
      case 0: // overwrite a byte with a syntax byte or any byte
        if (b.length) b[Math.min(at, b.length - 1)] = rnd() < 0.5 ? [13, 10, 32, 45, 48, 50, 53, 57, 0, 0xff][int(10)] : int(256);
        break;
      case 1: // truncate
        b = b.subarray(0, at);
        break;
      case 2: // insert a line end, a separator or a code
        ins(Buffer.from(['\r\n', '\n', '\r', '-', ' ', '250', '250-', '221 ', '5'][int(9)]));
        break;
      case 3: // delete a slice
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + int(8)))]);
        break;
      case 4: // a long run without a line end
        ins(Buffer.alloc(int(2 * MAX_LINE_BYTES), 'a'));
        break;
      case 5: // many continuation lines; past the reply bound now and then (it costs the most)
        ins(Buffer.from('250-x\r\n'.repeat(rnd() < 0.15 ? int(2 * (MAX_REPLY_BYTES / 7)) : int(100))));
        break;
      case 6: // non-ASCII bytes
        ins(Buffer.from(Array.from({ length: 1 + int(8) }, () => 128 + int(128))));
        break;
      case 7: // duplicate a slice
        ins(Buffer.from(b.subarray(at, at + 1 + int(40))));
        break;
      default: // random bytes
        b = Buffer.from(Array.from({ length: int(64) }, () => int(256)));
    }
  }
  return b;
}

