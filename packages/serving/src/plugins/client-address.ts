// The address a per-client limit should count: behind nginx (compose) or the dashboard's Vite proxy,
// every viewer reaches the system from the proxy's one address, so one busy classroom would share a
// single budget. When the peer is a proxy on loopback or a private network, the last address in
// X-Forwarded-For (the one that proxy appended: a client cannot forge it) is the client.
import { BlockList, isIP } from 'node:net';

const proxyNetworks = new BlockList();
proxyNetworks.addSubnet('127.0.0.0', 8, 'ipv4');
proxyNetworks.addSubnet('10.0.0.0', 8, 'ipv4');
proxyNetworks.addSubnet('172.16.0.0', 12, 'ipv4');
proxyNetworks.addSubnet('192.168.0.0', 16, 'ipv4');
proxyNetworks.addSubnet('169.254.0.0', 16, 'ipv4');
proxyNetworks.addAddress('::1', 'ipv6');
proxyNetworks.addSubnet('fc00::', 7, 'ipv6');
proxyNetworks.addSubnet('fe80::', 10, 'ipv6');

/** Whether `address` is where a proxy of ours sits (loopback, private or link-local). */
export function isProxyAddress(address: string): boolean {
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  const family = isIP(plain);
  if (family === 0) return false;
  return proxyNetworks.check(plain, family === 4 ? 'ipv4' : 'ipv6');
}

/** The client's address: the peer's own, or, when the peer is a proxy of ours, the one it forwarded. */
export function clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined): string {
  const own = peer ?? 'unknown';
  if (!peer || !isProxyAddress(peer) || forwardedFor === undefined) return own;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
  const last = header.split(',').at(-1)?.trim() ?? '';
  return isIP(last) === 0 ? own : last;
}
