// `roundtable web` as a user runs it: the real CLI in a child process builds (or reuses) the web
// client and serves it on 127.0.0.1; requests are real HTTP, raw where fetch would normalise the
// path (traversal), and the process is stopped with a real SIGINT.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { writeDeploymentRecord } from "../../src/cli/deploymentRecord.js";
import { bin } from "./helpers.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dist = join(root, "web", "dist");
const contract = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

/** A GET with the path sent exactly as written (fetch and URL would resolve `..` first). */
function rawGet(
  port: number,
  path: string,
  method = "GET",
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.once("error", reject);
    req.end();
  });
}

/**
 * `roundtable …args` in a process group of its own, so that a signal to the group reaches the
 * CLI behind bin/roundtable.js as a Ctrl-C does; its first stdout line and its exit code.
 */
function startGroup(args: readonly string[]) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("ROUNDTABLE_")),
  );
  const child = spawn(process.execPath, [bin, ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const exit = new Promise<number | null>((resolve) => child.once("close", resolve));
  const firstLine = new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")));
    });
    void exit.then((code) => reject(new Error(`roundtable web exited with ${code}`)));
  });
  return { child, exit, firstLine };
}

/** The newest modification time under the web client's sources (as webBuild.ts judges them). */
async function newestSource(): Promise<number> {
  let newest = 0;
  const paths = [
    join(root, "web", "src"),
    join(root, "web", "index.html"),
    join(root, "web", "vite.config.ts"),
    ...["sdk", "party", "auditor", "protocol"].map((d) => join(root, "src", d)),
  ];
  for (const path of paths) {
    const info = await stat(path);
    newest = Math.max(newest, info.mtimeMs);
    if (!info.isDirectory()) continue;
    for (const entry of await readdir(path, { recursive: true, withFileTypes: true })) {
      newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
    }
  }
  return newest;
}

describe("roundtable web", function () {
  // A first build takes a few seconds on a quiet machine; a busy one may take much longer.
  this.timeout(180_000);
  let child: ChildProcess;
  let exit: Promise<number | null>;
  let port: number;
  let printed: { url: string; invitationExample: string };
  let stderr = "";
  let wasStale: boolean;
  let sourcesBefore: number;
  let deployments: string;

  before(async () => {
    deployments = await mkdtemp(join(tmpdir(), "roundtable-web-"));
    await writeDeploymentRecord(deployments, {
      chainId: 31337,
      address: contract,
      deploymentBlock: 1,
      blockHash: `0x${"11".repeat(32)}`,
      network: "localhost",
      recordedAt: new Date(0).toISOString(),
    });
    const built = await stat(join(dist, "index.html")).catch(() => undefined);
    sourcesBefore = await newestSource();
    wasStale = built === undefined || sourcesBefore > built.mtimeMs;
    const cli = startGroup(["web", "--port", "0", "--json", "--deployments-dir", deployments]);
    child = cli.child;
    exit = cli.exit;
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    printed = JSON.parse(await cli.firstLine) as typeof printed;
    port = Number(new URL(printed.url).port);
  });

  after(async () => {
    if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    await rm(deployments, { recursive: true, force: true });
  });

  it("builds the client when its sources changed, else reuses it, and prints the URL", async () => {
    expect(printed.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const built = await stat(join(dist, "index.html"));
    // Whatever the state before, the build served is at least as new as every source was.
    expect(built.mtimeMs).to.be.at.least(sourcesBefore);
    if (wasStale) expect(stderr).to.match(/Building the web client|rebuilding web\/dist/);
    else expect(stderr).to.not.match(/Building|rebuilding/);
    // The invitation example names the local chain's recorded contract.
    expect(printed.invitationExample).to.equal(
      `${printed.url}#/session?chain=31337&contract=${contract}&session=1&rpc=http://127.0.0.1:8545`,
    );
  });

  it("serves index.html with the page's own CSP as a header, and the other security headers", async () => {
    const res = await rawGet(port, "/");
    expect(res.status).to.equal(200);
    expect(res.headers["content-type"]).to.match(/^text\/html/);
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(res.body);
    expect(meta, "the page carries its CSP meta tag").to.not.equal(null);
    expect(res.headers["content-security-policy"]).to.equal(`${meta![1]}; frame-ancestors 'none'`);
    expect(res.headers["content-security-policy"]).to.include("script-src 'self'");
    expect(res.headers["content-security-policy"]).to.not.include("unsafe-inline");
    expect(res.headers["x-content-type-options"]).to.equal("nosniff");
    expect(res.headers["referrer-policy"]).to.equal("no-referrer");
    expect(res.headers["cross-origin-opener-policy"]).to.equal("same-origin");
    expect((await rawGet(port, "/index.html")).body).to.equal(res.body);
  });

  it("serves the page's script with a JavaScript content type", async () => {
    const index = await readFile(join(dist, "index.html"), "utf8");
    const script = /<script[^>]+src="\.?\/?(assets\/[^"]+\.js)"/.exec(index);
    expect(script, index).to.not.equal(null);
    const res = await rawGet(port, `/${script![1]}`);
    expect(res.status).to.equal(200);
    expect(res.headers["content-type"]).to.match(/^(text|application)\/javascript/);
    expect(res.headers["x-content-type-options"]).to.equal("nosniff");
    expect(res.body).to.equal(await readFile(join(dist, script![1]!), "utf8"));
  });

  it("refuses path traversal, plain and encoded, and lists no directory", async () => {
    const packageJson = await readFile(join(root, "package.json"), "utf8");
    for (const path of [
      "/../package.json",
      "/../../package.json",
      "/%2e%2e/package.json",
      "/%2E%2E/%2E%2E/package.json",
      "/assets/..%2f..%2fpackage.json",
      "/assets/%2e%2e%2f%2e%2e%2fpackage.json",
      "/..%5c..%5cpackage.json",
      "/assets/..\\..\\package.json",
      "//etc/passwd",
      "/%252e%252e/package.json",
    ]) {
      const res = await rawGet(port, path);
      // Node's parser itself refuses a backslash in the path (400); the server, everything else.
      expect(res.status, path).to.be.oneOf([400, 404]);
      expect(res.body, path).to.not.include('"name": "roundtable"');
      expect(res.body, path).to.not.equal(packageJson);
    }
    const listing = await rawGet(port, "/assets/");
    expect(listing.status).to.equal(404);
    expect(listing.body).to.not.match(/index-.*\.js/);
  });

  it("serves a deployment record read-only and 404s an unknown chain", async () => {
    const res = await rawGet(port, "/deployments/31337.json");
    expect(res.status).to.equal(200);
    expect(res.headers["content-type"]).to.match(/^application\/json/);
    const record = JSON.parse(res.body) as { chainId: number; address: string };
    expect(record.chainId).to.equal(31337);
    expect(record.address).to.equal(contract);
    expect((await rawGet(port, "/deployments/1.json")).status).to.equal(404);
    expect((await rawGet(port, "/deployments/31337.txt")).status).to.equal(404);
    expect((await rawGet(port, "/deployments/..%2F..%2Fpackage.json")).status).to.equal(404);
    expect((await rawGet(port, "/deployments/31337.json", "PUT")).status).to.equal(405);
    expect((await rawGet(port, "/", "POST")).status).to.equal(405);
  });

  it("stops cleanly on SIGINT", async () => {
    // Ctrl-C: the signal reaches the whole process group.
    process.kill(-child.pid!, "SIGINT");
    const code = await Promise.race([
      exit,
      new Promise<string>((resolve) => setTimeout(() => resolve("still running"), 10_000)),
    ]);
    expect(code, stderr).to.equal(0);
    const refused = await rawGet(port, "/").then(
      () => "answered",
      (error: NodeJS.ErrnoException) => error.code,
    );
    expect(refused).to.equal("ECONNREFUSED");
  });
});
