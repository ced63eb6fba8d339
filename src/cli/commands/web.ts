import { defineCommand } from "../command.js";
import { readDeploymentRecord } from "../deploymentRecord.js";
import { ExitCode, UsageError } from "../errors.js";
import { parseInteger } from "../parse.js";
import { ensureWebBuild } from "../webBuild.js";
import { startWebServer, WebListenError } from "../webServer.js";

// On 127.0.0.1 only, with no flag to change it: the page holds no server-side state, so whoever
// wants it public puts web/dist on any static host instead (docs/web.md).
export const webCommand = defineCommand({
  path: ["web"],
  summary: "serve the web client on 127.0.0.1 (building it first when its sources changed)",
  positionals: [],
  options: {
    port: {
      type: "string",
      valueName: "PORT",
      description: "port on 127.0.0.1 (default 8600; 0 picks a free one)",
    },
  },
  description: [
    "Builds the web client (web/ → web/dist, with Vite) when web/dist is missing or older than its sources, then serves it as static files on 127.0.0.1, with the page's Content-Security-Policy as a header (plus frame-ancestors 'none'), nosniff, no referrer and a same-origin opener policy. It also serves this project's deployment records read-only at /deployments/<chainId>.json (from --deployments-dir), which the page reads to find the contract of a known chain.",
    "It listens on 127.0.0.1 only: the page keeps nothing on the server, so to publish it, copy web/dist to any static host (`npm run build:web` builds it). Stops on Ctrl-C. See docs/web.md.",
  ],
  examples: ["roundtable web", "roundtable web --port 0 --json"],
  handlesSignals: true,
  async run({ values, context }) {
    const { output, signal, options } = context;
    const port =
      values.port === undefined
        ? 8600
        : parseInteger(values.port, "--port", {
            min: 0,
            max: 65_535,
            what: "a TCP port",
            sample: 8600,
          });
    const distDir = await ensureWebBuild({ log: (line) => context.log.info(line) });
    let server: Awaited<ReturnType<typeof startWebServer>>;
    try {
      server = await startWebServer({ distDir, deploymentsDir: options.deploymentsDir, port });
    } catch (error) {
      if (error instanceof WebListenError) throw new UsageError(error.message, "--port");
      throw error;
    }
    const local = await readDeploymentRecord(options.deploymentsDir, 31337).catch(() => undefined);
    const invitation = `${server.url}/#/session?chain=31337&contract=${local?.address ?? "0x…"}&session=1&rpc=http://127.0.0.1:8545`;
    output.result(
      [
        `Serving the web client at ${server.url}/`,
        `An invitation link looks like ${invitation}`,
        "Ctrl-C stops it.",
      ],
      { url: `${server.url}/`, invitationExample: invitation },
    );
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
    await server.close();
    context.log.info("web server stopped");
    return ExitCode.Success;
  },
});
