// The `deathstar` workload: the API of Cilium's Star Wars demo (cilium/starwars image), exhaust port included.
import http from 'node:http';
import { closeHttp, listenHttp } from './listen.js';
import type { RunningWorkload } from './running-workload.js';

export interface DeathstarOptions {
  /** Default 80. */
  readonly port?: number;
  /** Default `0.0.0.0`. */
  readonly bind?: string;
  /**
   * Called 2 s after a `PUT /v1/exhaust-port`, when the real image's Go process panics and its container restarts.
   * Unset: nothing happens (the API keeps answering).
   */
  readonly onExplode?: () => void;
}

/** `GET /v1`: the stolen API specification (starship facts as SWAPI lists them; the routes this server has). */
export const DEATHSTAR_INFO = `${JSON.stringify(
  {
    name: 'Death Star',
    model: 'DS-1 Orbital Battle Station',
    manufacturer: 'Imperial Department of Military Research, Sienar Fleet Systems',
    cost_in_credits: '1000000000000',
    length: '120000',
    crew: '342953',
    passengers: '843342',
    cargo_capacity: '1000000000000',
    hyperdrive_rating: '4.0',
    starship_class: 'Deep Space Mobile Battlestation',
    api: ['GET   /v1', 'POST  /v1/request-landing', 'PUT   /v1/exhaust-port'],
  },
  null,
  2,
)}\n`;

/**
 * `PUT /v1/exhaust-port` (503). The first line is the demo's well-known one (guides and tests grep for it); the
 * goroutine trace under it is our own, in Go's format.
 */
export const DEATHSTAR_PANIC = `Panic: deathstar exploded

goroutine 1 [running]:
main.ventThermalExhaust(0xc00001a0f0, 0x1, 0x2)
        /go/src/github.com/empire/deathstar/reactor.go:42 +0x7d
main.(*Station).ServeHTTP(0xc0000a2000, 0xc0000b4000)
        /go/src/github.com/empire/deathstar/api.go:17 +0x1c5
main.main()
        /go/src/github.com/empire/deathstar/main.go:11 +0x2a
`;

export const DEATHSTAR_LANDED = 'Ship landed\n';
export const EXPLODE_DELAY_MS = 2000;

/** Routes → the one method each accepts (the go-swagger router answers 405 for the others, 404 off the routes). */
const ROUTES: Record<string, string> = {
  '/v1': 'GET',
  '/v1/request-landing': 'POST',
  '/v1/exhaust-port': 'PUT',
};

export async function startDeathstar(o: DeathstarOptions): Promise<RunningWorkload> {
  let exploding: NodeJS.Timeout | undefined;
  const server = http.createServer({ keepAliveTimeout: 5000 }, (req, res) => {
    req.resume();
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://deathstar').pathname.replace(/(.)\/+$/, '$1');
      const method = ROUTES[path];
      const send = (status: number, type: string, body: string) => {
        res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
        res.end(body);
      };
      if (!method)
        return send(404, 'application/json', `{"code":404,"message":"path ${path} was not found"}`);
      if (req.method !== method) {
        res.setHeader('allow', method);
        return send(
          405,
          'application/json',
          `{"code":405,"message":"method ${req.method} is not allowed, but [${method}] are"}`,
        );
      }
      if (path === '/v1') return send(200, 'text/plain', DEATHSTAR_INFO);
      if (path === '/v1/request-landing') return send(200, 'text/plain', DEATHSTAR_LANDED);
      if (o.onExplode && !exploding) exploding = setTimeout(o.onExplode, EXPLODE_DELAY_MS);
      return send(503, 'text/plain', DEATHSTAR_PANIC);
    });
  });
  const listener = await listenHttp(server, o.bind ?? '0.0.0.0', o.port ?? 80);
  return {
    kind: 'deathstar',
    listeners: [listener],
    close: async () => {
      clearTimeout(exploding);
      await closeHttp(server);
    },
  };
}
