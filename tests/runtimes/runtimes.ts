import { writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { basename, join } from "node:path";

const require = createRequire(import.meta.url);
const SERVERS = join(import.meta.dir, "servers");

/** A JavaScript runtime the app must serve from, with how to build for it and start it. */
export interface Runtime {
  name: string;
  /** The runtime's executable and the arguments that print its version. */
  version(): string[];
  /** Builds what the runtime loads into `dir`; answers the command that serves the app on a port. */
  prepare(dir: string): Promise<(port: number) => string[]>;
}

async function bundle(entry: string, dir: string, target: "node" | "browser", external: string[] = []): Promise<string> {
  const built = await Bun.build({ entrypoints: [join(SERVERS, entry)], outdir: dir, target, format: "esm", external });
  if (!built.success) throw new AggregateError(built.logs, `bun build ${entry} failed`);
  return built.outputs[0]?.path as string;
}

export function nodeBinary(): string {
  const node = Bun.which("node");
  if (!node) throw new Error("node is not on PATH");
  return node;
}

/** The binaries the `deno` and `workerd` npm packages install for this platform. */
const denoBinary = (): string => require("deno/install_api.cjs").runInstall();
const workerdBinary = (): string => require("workerd").default;

/** The workerd configuration beside the bundled `module`: one worker on one HTTP socket, whose
 * address each run sets with --socket-addr. */
const workerdConfig = (module: string) => `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .app) ],
  sockets = [ (name = "http", address = "127.0.0.1:8080", http = (), service = "main") ],
);

const app :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "${module}") ],
  compatibilityDate = "${require("workerd").compatibilityDate}",
);
`;

export const RUNTIMES: Runtime[] = [
  {
    name: "bun",
    version: () => [process.execPath, "--version"],
    prepare: async () => (port) => [process.execPath, join(SERVERS, "bun.ts"), String(port)],
  },
  {
    name: "node",
    version: () => [nodeBinary(), "--version"],
    async prepare(dir) {
      const script = await bundle("node.ts", dir, "node");
      return (port) => [nodeBinary(), script, String(port)];
    },
  },
  {
    name: "deno",
    version: () => [denoBinary(), "--version"],
    // Deno loads the TypeScript sources unbundled, with no permission but the loopback network.
    prepare: async () => (port) => [denoBinary(), "run", "--no-prompt", "--allow-net=127.0.0.1", join(SERVERS, "deno.ts"), String(port)],
  },
  {
    name: "workerd",
    version: () => [workerdBinary(), "--version"],
    async prepare(dir) {
      const module = await bundle("workerd.ts", dir, "browser");
      const config = join(dir, "workerd.capnp");
      await writeFile(config, workerdConfig(basename(module)));
      return (port) => [workerdBinary(), "serve", config, `--socket-addr=http=127.0.0.1:${port}`];
    },
  },
];
