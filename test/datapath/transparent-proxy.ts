// Test helper process: a minimal transparent TCP/UDP proxy for the redirect's kernel tests (run inside a netns).
import { createSocket } from 'node:dgram';
import { createServer, Socket } from 'node:net';
import { setSocketMark, setTransparent, transparentConnect } from '../../src/datapath/libbpf.js';
import { PROXY_MARK_FROM_PROXY } from '../../src/datapath/maps/proxy.js';

/*
 * argv: <tcp port> <udp port> [upstream=transparent|plain]
 * Prints one JSON line per event on stdout: {"ready":true}, {"accepted":{local,remote}}, {"upstream":...},
 * {"datagram":{from,data}}. TCP: pipes to the original destination, from the client's address
 * (transparent) or the host's (plain). UDP: answers "udp:<data>" to the sender.
 */
const [tcpPort, udpPort, mode] = [
  Number(process.argv[2]),
  Number(process.argv[3]),
  process.argv[4] ?? 'transparent',
];
const say = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
const fdOf = (h: unknown) => (h as { fd: number }).fd;

const server = createServer((client) => {
  const local = { address: client.localAddress!, port: client.localPort! };
  const remote = { address: client.remoteAddress!, port: client.remotePort! };
  say({ accepted: { local, remote } });
  client.pause();
  const up =
    mode === 'transparent'
      ? transparentConnect({
          local: { address: remote.address, port: 0 },
          remote: local,
          mark: PROXY_MARK_FROM_PROXY,
          timeoutMs: 3000,
        }).then((fd) => new Socket({ fd, readable: true, writable: true }))
      : Promise.resolve(new Socket().connect(local.port, local.address));
  up.then(
    (s) => {
      say({ upstream: { local: `${s.localAddress}:${s.localPort}` } });
      client.pipe(s).pipe(client);
      client.resume();
      s.on('error', () => client.destroy());
      client.on('error', () => s.destroy());
    },
    (e: Error) => {
      say({ upstreamError: e.message });
      client.destroy();
    },
  );
});
server.listen(tcpPort, '0.0.0.0', () => {
  const fd = fdOf((server as unknown as { _handle: unknown })._handle);
  setTransparent(fd);
  setSocketMark(fd, PROXY_MARK_FROM_PROXY);
  const udp = createSocket('udp4');
  udp.on('message', (msg, rinfo) => {
    say({ datagram: { from: `${rinfo.address}:${rinfo.port}`, data: String(msg) } });
    udp.send(`udp:${msg}`, rinfo.port, rinfo.address);
  });
  udp.bind(udpPort, '0.0.0.0', () => {
    const sym = Object.getOwnPropertySymbols(udp).find((x) => String(x) === 'Symbol(state symbol)')!;
    const ufd = fdOf((udp as unknown as Record<symbol, { handle: unknown }>)[sym]!.handle);
    setTransparent(ufd);
    setSocketMark(ufd, PROXY_MARK_FROM_PROXY);
    say({ ready: true });
  });
});
