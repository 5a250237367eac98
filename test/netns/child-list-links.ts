// Child process for netns-child.test.ts: runs wholly inside a namespace (`ip netns exec`), opens
// rtnetlink without any netns option, and prints the link names it sees as JSON.
import { Rtnetlink } from '../../src/netlink/rtnetlink.ts';

const rt = Rtnetlink.open();
try {
  const links = await rt.links();
  process.stdout.write(JSON.stringify(links.map((l) => l.name)) + '\n');
} finally {
  rt.close();
}
